"""Progress of a batch run on stderr: a bar on a terminal, a plain periodic line elsewhere."""
from __future__ import annotations

import sys
import time
from typing import TextIO


def human_bytes(n: float) -> str:
    """
    >>> human_bytes(1_500_000)
    '1.5 MB'
    >>> human_bytes(999)
    '999 B'
    """
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"  # pragma: no cover


def clock(seconds: float) -> str:
    """
    >>> clock(3725)
    '1:02:05'
    """
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Counts documents and input bytes against the totals known up front (``total_bytes`` may
    be 0 when unknown, as for stdin) and renders at most every ``every`` seconds."""

    def __init__(self, total_files: int = 0, total_bytes: int = 0, *, stream: TextIO | None = None,
                 bar: bool | None = None, every: float = 10.0, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.every = 0.2 if self.bar else every
        self.enabled = enabled
        self.total_files, self.total_bytes = total_files, total_bytes
        self.files = self.documents = self.bytes = 0
        self.started = self._last = time.monotonic()
        self._shown = False

    def update(self, *, files: int = 0, documents: int = 0, bytes: int = 0) -> None:
        self.files += files
        self.documents += documents
        self.bytes += bytes
        now = time.monotonic()
        if self.enabled and now - self._last >= self.every:
            self._last = now
            self._render(now)

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = max(now - self.started, 1e-9)
        rate = self.bytes / elapsed
        parts = [f"{self.documents} documents", f"{human_bytes(self.bytes)}", f"{human_bytes(rate)}/s",
                 f"{self.documents / elapsed:.1f} docs/s"]
        if self.total_bytes:
            share = min(self.bytes / self.total_bytes, 1.0)
            parts.insert(0, f"{share:4.0%}")
            parts.append(f"ETA {clock((self.total_bytes - self.bytes) / rate)}" if rate > 0 else "ETA --")
        if self.total_files:
            parts.insert(1, f"files {self.files}/{self.total_files}")
        return ", ".join(parts)

    def _render(self, now: float) -> None:
        if self.bar:
            share = min(self.bytes / self.total_bytes, 1.0) if self.total_bytes else 0.0
            filled = int(share * 24)
            self.stream.write(f"\r[{'#' * filled}{'.' * (24 - filled)}] {self.line(now)}\x1b[K")
            self._shown = True
        else:
            self.stream.write(f"cleaner: progress: {self.line(now)}\n")
        self.stream.flush()

    def clear(self) -> None:
        """Take the bar off the terminal line before other messages are printed."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
