"""Stage 2, repair: undo mojibake (UTF-8 bytes that were decoded with the wrong codec).

Per line, so that one damaged line never sways the judgement of another, in three passes that
repeat until the line is stable (layered mojibake):

1. single-byte codecs ftfy never tries (cleaner/mojibake/codecs.toml: cp874/TIS-620, cp1255,
   cp1256, cp1258, KOI8-R/U, cp866, ISO-8859-5/7, mac_cyrillic, cp850), before ftfy's
   ``fix_c1_controls`` can blur their evidence.  A line one of ftfy's codecs explains is left to
   ftfy.
2. ftfy's ``fix_encoding`` (encoding repair only: curly quotes, dashes and full-width
   punctuation are typography, not mojibake, and stay).
3. every codec again, ftfy's included, for what ftfy leaves behind (short mojibake spans inside
   clean text, cp1251 paragraphs), unless ftfy's own badness check still finds the result bad.

With ``restore_lost_bytes``, a curly quote whose last UTF-8 byte was lost (U+FFFD) is rebuilt
where the line's other quotes make it certain.  Nothing else changes: no removal, no white space.
The trace names the codec each repair undid (``mojibake:koi8_r``) or ftfy's plan (``ftfy:...``).
"""
from __future__ import annotations

import ftfy
import ftfy.badness

from . import mojibake
from .config import DEFAULT_CONFIG, CleanerConfig
from .trace import Change

# Enough rounds for mojibake of mojibake; more would only mean a cycle.
_MAX_ROUNDS = 4


def repair(text: str, config: CleanerConfig = DEFAULT_CONFIG) -> str:
    """Repair mojibake in ``text``; nothing else changes.

    >>> repair('necessary" โ€” this')
    'necessary" — this'
    >>> repair("The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows.")
    'The Mona Lisa doesn’t have eyebrows.'
    >>> repair("“Curly” quotes — and dashes — stay.")
    '“Curly” quotes — and dashes — stay.'
    """
    return _repair(text, config, None)


def repair_and_explain(text: str, config: CleanerConfig = DEFAULT_CONFIG) -> tuple[str, list[Change]]:
    """Repair ``text`` and list each repair: codec undone, line, text before and after."""
    changes: list[Change] = []
    return _repair(text, config, changes), changes


def _repair(text: str, config: CleanerConfig, changes: list[Change] | None) -> str:
    """Repair ``text``, recording each repair in ``changes`` unless it is None."""
    if text.isascii():  # mojibake hides only outside ASCII
        return text
    record = changes is not None
    if changes is None:
        changes = []  # lost-byte repairs record here; nobody reads them
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        current = line
        if config.restore_lost_bytes:
            current = _restore_lost_bytes(current, number, changes)
        settled_by_ftfy = None  # ftfy's output: ftfy repeats until stable, so it leaves it
        for _ in range(_MAX_ROUNDS):
            start = current
            last_fix = None
            for fix in (_fix_single_byte_first, _fix_with_ftfy, _fix_single_byte_after):
                if fix is _fix_with_ftfy and current == settled_by_ftfy:
                    continue
                fixed, rule = fix(current)
                if fix is _fix_with_ftfy:
                    settled_by_ftfy = fixed
                if rule and fixed != current:
                    if record:
                        before, after = _changed_span(current, fixed)
                        changes.append(Change("repair", rule, before, after, number))
                    current = fixed
                    last_fix = fix
            if current == start or current.isascii():
                break
            if last_fix is _fix_single_byte_first and not _fix_single_byte_first(current)[1]:
                break  # ftfy and the second pass have already seen this text and left it
        lines[number - 1] = current
    return "\n".join(lines)


def _fix_single_byte_first(line: str) -> tuple[str, str]:
    """Codecs ftfy never tries (cp874, KOI8, cp1255, ...), before ftfy can blur their evidence.

    >>> _fix_single_byte_first("a โ€” b")
    ('a — b', 'mojibake:cp874')
    >>> _fix_single_byte_first("ภาษาไทย")
    ('ภาษาไทย', '')
    """
    fixed, codec = mojibake.fix_line(line, allow_ftfy_codecs=False)
    return fixed, f"mojibake:{codec}" if codec else ""


def _fix_single_byte_after(line: str) -> tuple[str, str]:
    """Every codec, ftfy's included, for what ftfy left (short spans, cp1251 paragraphs)."""
    fixed, codec = mojibake.fix_line(line, allow_ftfy_codecs=True)
    if not codec or ftfy.badness.is_bad(fixed):
        return line, ""  # still garbled after the repair: this line is not understood
    return fixed, f"mojibake:{codec}"


def _restore_lost_bytes(line: str, number: int, changes: list[Change]) -> str:
    """Rebuild quotes whose last byte was lost, one at a time, each recorded in ``changes``."""
    for _ in range(line.count("\ufffd")):
        fixed, codec = mojibake.restore_lost_bytes(line)
        if not codec:
            break
        before, after = _changed_span(line, fixed)
        changes.append(Change("repair", f"mojibake:{codec}:lost_byte", before, after, number))
        line = fixed
    return line


def _fix_with_ftfy(line: str) -> tuple[str, str]:
    if not ftfy.badness.is_bad(line):
        return line, ""  # ftfy's own first check: it leaves text that does not look bad
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
    start = _common_prefix_length(before, after)
    end_b, end_a = len(before), len(after)
    suffix = _common_prefix_length(before[start:][::-1], after[start:][::-1])
    end_b -= suffix
    end_a -= suffix
    while start > 0 and not before[start - 1].isspace():
        start -= 1
    while end_b < len(before) and not before[end_b].isspace():
        end_b += 1
        end_a += 1
    return before[start:end_b], after[start:end_a]


def _common_prefix_length(a: str, b: str) -> int:
    """Length of the common prefix, by halving (string comparisons run in C).

    >>> _common_prefix_length("abcd", "abxd")
    2
    """
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low
