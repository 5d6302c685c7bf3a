"""Stage 6, write: render kept blocks as tidy text, and store files atomically.

The text shape: paragraphs separated by exactly one blank line, no trailing spaces, exactly
one final newline (an empty document is the empty string).
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .normalise import Block


def render(blocks: Iterable[Block]) -> str:
    """Join blocks into the output text.

    >>> render([Block(1, "Title"), Block(3, "Body.")])
    'Title\\n\\nBody.\\n'
    >>> render([])
    ''
    """
    text = "\n\n".join(block.text for block in blocks if block.text)
    return text + "\n" if text else ""


def write_atomic(path: str | Path, data: str | bytes, *, fsync: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    an interrupted run never leaves a half-written file.  With ``fsync`` the data reaches the
    disk before the rename (it then survives a power failure too)."""
    from .writers import atomic_file

    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_file(Path(path)) as temp, open(temp, "wb") as out:
        out.write(payload)
        if fsync:
            out.flush()
            os.fsync(out.fileno())
