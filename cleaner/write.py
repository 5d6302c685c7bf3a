"""Stage 6, write: render kept blocks as tidy text, and store files atomically.

The text shape: paragraphs separated by exactly one blank line, no trailing spaces, exactly
one final newline (an empty document is the empty string).
"""
from __future__ import annotations

import os
import tempfile
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


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    an interrupted run never leaves a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
