"""The cleaning trace: every repair and removal, recorded so a person can read it.

Each stage reports what it changed as :class:`Change` records, in the order it made them.
A change names the stage, the rule or repair that acted, the line it acted on (1-based, in
that stage's input, or 0 when it acted on the whole text) and the text before and after.
A removal has ``after == ""``.
"""
from __future__ import annotations

from typing import NamedTuple


class Change(NamedTuple):
    """One change made by one stage."""

    stage: str
    rule: str
    before: str
    after: str
    line: int = 0

    @property
    def is_removal(self) -> bool:
        """True when the change deleted text without replacing it."""
        return self.after == ""

    def describe(self, width: int = 100) -> str:
        """One line a person can read.

        >>> Change("boilerplate", "comment_form", "Leave a Reply", "", 3).describe()
        "line 3: removed by boilerplate/comment_form: 'Leave a Reply'"
        >>> Change("repair", "mojibake:cp874", "โ€”", "—", 9).describe()
        "line 9: repaired by repair/mojibake:cp874: 'โ€”' -> '—'"
        """
        where = f"line {self.line}: " if self.line else ""
        if self.is_removal:
            return f"{where}removed by {self.stage}/{self.rule}: {_short(self.before, width)!r}"
        return (
            f"{where}repaired by {self.stage}/{self.rule}: "
            f"{_short(self.before, width)!r} -> {_short(self.after, width)!r}"
        )

    def as_dict(self) -> dict:
        """A JSON-ready form, used by reports."""
        return self._asdict()


class Explained(NamedTuple):
    """The cleaned text together with the changes that produced it."""

    text: str
    changes: list[Change]

    def report(self) -> str:
        """The trace as readable lines, one per change."""
        if not self.changes:
            return "no changes"
        return "\n".join(change.describe() for change in self.changes)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
