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

import re
from functools import lru_cache

import ftfy
import ftfy.badness

from . import mojibake
from .rulescreen import _sre, _sre_parse
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
        if len(line) <= _LONGEST_LINE:
            lines[number - 1] = _repair_line(line, number, config, changes, record)
        else:
            lines[number - 1] = "".join(_repair_line(piece, number, config, changes, record)
                                        for piece in _pieces(line, _LONGEST_LINE))
    return "\n".join(lines)


# Lines longer than this are repaired a piece at a time (see _pieces), so that the cost of a
# line stays proportional to its length and the analyses held in memory stay small.
_LONGEST_LINE = 65_536


def _pieces(line: str, longest: int) -> list[str]:
    """``line`` cut into pieces of at most ``longest`` characters, each ending after an ASCII
    space where there is one.  No mojibake sequence holds an ASCII space (the bytes of a UTF-8
    sequence are all beyond ASCII, and every codec repaired here reads ASCII as itself), so a
    cut there never splits one.  A stretch without a space is cut after an ASCII character,
    and only one without either is cut anywhere.

    >>> _pieces("ab cd ef", 4)
    ['ab ', 'cd ', 'ef']
    >>> _pieces("abcdefg", 3)
    ['abc', 'def', 'g']
    >>> "".join(_pieces("é" * 5 + " x", 3)) == "é" * 5 + " x"
    True
    """
    pieces = []
    start = 0
    while len(line) - start > longest:
        end = start + longest
        cut = line.rfind(" ", start + 1, end) + 1
        if cut <= start:
            cut = next((at + 1 for at in range(end - 1, start, -1) if line[at] < "\x80"), end)
        pieces.append(line[start:cut])
        start = cut
    pieces.append(line[start:])
    return pieces


def _repair_line(line: str, number: int, config: CleanerConfig, changes: list[Change], record: bool) -> str:
    """Repair one line (line ``number`` of the text) until it is stable."""
    if "\ufffd" not in line and not mojibake.could_fix(line) and not is_bad(line):
        return line  # no lost byte, no codec's evidence, and ftfy's check passes: the fixes all leave it
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
    return current


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
    if not codec or is_bad(fixed):
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
    if not is_bad(line):
        return line, ""  # ftfy's own first check: it leaves text that does not look bad
    fixed, plan = ftfy.fix_encoding_and_explain(line)
    if fixed == line or not plan:
        return line, ""
    steps = ", ".join(f"{action} {parameter}" for action, parameter in plan)
    return fixed, f"ftfy:{steps}"


def is_bad(line: str) -> bool:
    """ftfy's badness check (``ftfy.badness.is_bad``), tried only where a match can start.

    Every match of ftfy's pattern holds a character beyond ASCII within its first few
    characters (:func:`_ascii_reach`), so the pattern is tried at the few positions before each
    such character instead of at every position of the line: the same answer at a fraction of
    the cost on text that is mostly ASCII.

    >>> is_bad("The Mona Lisa doesnÃ¢â‚¬â„¢t have eyebrows."), is_bad("It’s fine — really.")
    (True, False)
    """
    reach = _ascii_reach()
    pattern = ftfy.badness.BADNESS_RE
    if reach is None:
        return pattern.search(line) is not None
    # Where characters beyond ASCII are many, one search is cheaper (and they are not all listed).
    most = len(line) // ((reach + 1) * 8)
    starts = []
    for match in _BEYOND_ASCII.finditer(line):
        if len(starts) == most:
            return pattern.search(line) is not None
        starts.append(match.start())
    tried = -1
    for start in starts:
        for position in range(max(tried + 1, start - reach), start + 1):
            if pattern.match(line, position):
                return True
        tried = start
    return False


_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=1)
def _ascii_reach() -> int | None:
    """How many characters a match of ftfy's badness pattern can begin with before one that
    must be beyond ASCII; None if a match need not hold one (then the check searches)."""
    pattern = ftfy.badness.BADNESS_RE
    if pattern.flags & re.IGNORECASE:
        return None  # a case-insensitive class may match ASCII through case folding
    try:
        return _reach(list(_sre_parse.parse(pattern.pattern, pattern.flags).data), 0)
    except (re.error, RecursionError):  # pragma: no cover
        return None


# Repeats are spelled out up to this many rounds.
_MOST_ROUNDS = 4


def _reach(items: list, consumed: int) -> int | None:
    """The most characters the parsed ``items`` can consume (after ``consumed``) before one that
    must be beyond ASCII, or None when they can match without one (or it cannot be told).

    >>> _reach(list(_sre_parse.parse(r"[a-z]\\s?[ÃÂ] |×[²³]").data), 0)
    2
    >>> _reach(list(_sre_parse.parse(r"[a-z]+é").data), 0) is None
    True
    """
    if consumed > 16:
        return None
    if not items:
        return None  # the match ended on ASCII alone
    op, value = items[0]
    rest = items[1:]
    if op is _sre.LITERAL:
        return consumed if value > 0x7F else _reach(rest, consumed + 1)
    if op is _sre.IN:
        return consumed if not _may_be_ascii(value) else _reach(rest, consumed + 1)
    if op is _sre.ANY or op is _sre.NOT_LITERAL:
        return _reach(rest, consumed + 1)
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return _reach(rest, consumed)  # zero width
    if op is _sre.SUBPATTERN:
        return _reach(list(value[-1]) + rest, consumed)
    if op is _sre.BRANCH:
        return _most([_reach(list(branch) + rest, consumed) for branch in value[1]])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and value[1] <= _MOST_ROUNDS:
        low, high, item = value
        return _most([_reach(list(item) * rounds + rest, consumed) for rounds in range(low, high + 1)])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and value[0] >= 1:
        first = _reach(list(value[2]), consumed)  # a first round that must go beyond ASCII
        return first
    return None


def _most(reaches: list[int | None]) -> int | None:
    return None if any(reach is None for reach in reaches) else max(reaches)  # type: ignore[type-var]


def _may_be_ascii(items: list) -> bool:
    """Whether a parsed character class can match an ASCII character."""
    for op, value in items:
        if op is _sre.LITERAL and value <= 0x7F or op is _sre.RANGE and value[0] <= 0x7F:
            return True
        if op is not _sre.LITERAL and op is not _sre.RANGE:
            return True  # categories (\s, \w) and negated classes hold ASCII characters
    return False


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
