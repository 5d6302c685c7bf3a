"""Stage 2, repair: undo mojibake (UTF-8 bytes that were decoded with the wrong codec).

Two layers, run per line so that one damaged line never sways the judgement of another:

1. single-byte codecs that ftfy never tries, starting with Windows-874 (Thai): ``โ€”`` is
   the em dash's UTF-8 bytes E2 80 94 read as cp874.  This runs first because ftfy's
   ``uncurl_quotes`` and ``fix_c1_controls`` would destroy the evidence.
2. ftfy's ``fix_encoding`` (encoding repair only: curly quotes, dashes and full-width
   punctuation are typography, not mojibake, and stay).

Nothing else changes: no removal, no white space.
"""
from __future__ import annotations

import ftfy
import regex

from .config import DEFAULT_CONFIG, CleanerConfig
from .trace import Change

# cp874 bytes 0x80-0xA0 decode to punctuation (€ … ‘ ’ “ ” • – —), NBSP, or are undefined
# (sloppy decoders keep them as C1 controls).  Thai letters never sit directly before them in
# real Thai text, so a Thai lead byte followed by one of these is strong evidence of mojibake.
_CP874_CONTINUATION_MARKS = "\u20ac\u2026\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u00a0\x80-\x9f"
_CP874_CANDIDATE = regex.compile(
    r"[\u0e01-\u0e5b][" + _CP874_CONTINUATION_MARKS + r"\u0e01-\u0e3a\u0e3f]{1,3}"
)
_CP874_MARK = regex.compile("[" + _CP874_CONTINUATION_MARKS + "]")
# Characters outside ASCII are the only place mojibake can hide: the prefilter.
_NON_ASCII = regex.compile(r"[^\x00-\x7f]")


def repair(text: str, config: CleanerConfig = DEFAULT_CONFIG) -> str:
    """Repair mojibake in ``text``; nothing else changes.

    >>> repair('necessary" โ€” this')
    'necessary" — this'
    >>> repair("The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.")
    'The Mona Lisa doesn’t have eyebrows.'
    >>> repair("“Curly” quotes — and dashes — stay.")
    '“Curly” quotes — and dashes — stay.'
    """
    return repair_and_explain(text, config)[0]


def repair_and_explain(text: str, config: CleanerConfig = DEFAULT_CONFIG) -> tuple[str, list[Change]]:
    """Repair ``text`` and list each repair: codec undone, line, text before and after."""
    if not _NON_ASCII.search(text):
        return text, []
    changes: list[Change] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not _NON_ASCII.search(line):
            continue
        current = line
        for fix in (_fix_cp874, _fix_with_ftfy):
            fixed, rule = fix(current)
            if rule:
                before, after = _changed_span(current, fixed)
                changes.append(Change("repair", rule, before, after, number))
                current = fixed
        lines[number - 1] = current
    return "\n".join(lines), changes


def _fix_cp874(line: str) -> tuple[str, str]:
    """Undo UTF-8 read as Windows-874 where the evidence is unambiguous.

    >>> _fix_cp874("a โ€” b")
    ('a — b', 'mojibake:cp874')
    >>> _fix_cp874("ภาษาไทย")
    ('ภาษาไทย', '')
    """
    if not _CP874_MARK.search(line):
        return line, ""
    changed = False

    def undo(match: regex.Match) -> str:
        nonlocal changed
        chunk = match.group()
        if not _CP874_MARK.search(chunk[1:]):
            return chunk
        raw = _encode_cp874(chunk)
        if raw is None:
            return chunk
        for size in (4, 3, 2):
            try:
                decoded = raw[:size].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(raw) >= size and _CP874_MARK.search(chunk[1:size]):
                changed = True
                return decoded + chunk[size:]
        return chunk

    fixed = _CP874_CANDIDATE.sub(undo, line)
    return fixed, "mojibake:cp874" if changed else ""


def _encode_cp874(chunk: str) -> bytes | None:
    out = bytearray()
    for char in chunk:
        if "\x80" <= char <= "\x9f":  # a sloppy decoder kept the undefined byte as a C1 control
            out.append(ord(char))
            continue
        try:
            out += char.encode("cp874")
        except UnicodeEncodeError:
            return None
    return bytes(out)


def _fix_with_ftfy(line: str) -> tuple[str, str]:
    fixed, plan = ftfy.fix_encoding_and_explain(line)
    if fixed == line or not plan:
        return line, ""
    steps = ", ".join(f"{action} {parameter}" for action, parameter in plan)
    return fixed, f"ftfy:{steps}"


def _changed_span(before: str, after: str) -> tuple[str, str]:
    """The shortest stretch that differs, widened to whole words for readability.

    >>> _changed_span("a big โ€” dash", "a big — dash")
    ('โ€”', '—')
    """
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end_b, end_a = len(before), len(after)
    while end_b > start and end_a > start and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    while start > 0 and not before[start - 1].isspace():
        start -= 1
    while end_b < len(before) and not before[end_b].isspace():
        end_b += 1
        end_a += 1
    return before[start:end_b], after[start:end_a]
