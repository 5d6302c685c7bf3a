"""Stage 4 (before boilerplate), normalise: tidy characters and cut the text into blocks.

In scraped text each line is one block (a title, a caption, a paragraph).  Hard-wrapped text,
where a paragraph was broken at a fixed width, is re-joined so each paragraph is one block.
"""
from __future__ import annotations

import functools
import operator
import re
import unicodedata
from typing import NamedTuple

import numpy as np
import regex

from . import blockstats, segment
from .trace import Change

# Control characters carry no text; tab and newline are white space and handled apart.
# (The standard library's engine runs these simple passes over whole documents several times
# faster than the regex package's.)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_LINE_BREAKS = ("\r", "\u2028", "\u2029", "\x85")
# White space other than the space and line breaks, once control characters are gone (every
# character str.isspace accepts, which is what \s means to the standard engine, lies below U+3001).
_OTHER_SPACE = re.compile("[%s]" % "".join(
    char for char in map(chr, range(0x3001)) if char.isspace() and char not in " \n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"))
_RUN_SPACE = frozenset(_OTHER_SPACE.pattern[1:-1] + " \t")  # the white space left but the line break
_LIST_ITEM = regex.compile(r"(?:[-*•·‣◦▪–—]|\d{1,3}[.)]|\p{L}[.)])\s")
_SENTENCE_END = regex.compile(r"[%s:;”\"')\]»]$" % segment.SENTENCE_MARK_CLASS)


class Block(NamedTuple):
    """A block of text and the input line it starts on (1-based)."""

    line: int
    text: str


def normalise_characters(text: str) -> str:
    """NFC, unified line breaks, no control characters, runs of spaces folded.

    >>> normalise_characters("Cafe\\u0301\\r\\nx\\x07  y\\t z ")
    'Café\\nx y z '
    """
    # (Each pass first checks cheaply whether it has anything to do: usually it has not.)
    if any(char in text for char in _LINE_BREAKS):
        text = _LINE_BREAK.sub("\n", text)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if "\t" in text or "  " in text or _OTHER_SPACE.search(text):
        text = fold_space_runs(text)
    return _nfc(text)


@functools.lru_cache(maxsize=1)
def _run_space_table() -> np.ndarray:
    """Whether each code point up to U+3000 is in :data:`_RUN_SPACE` (the last entry, False,
    stands for every code point above)."""
    table = np.zeros(0x3002, dtype=bool)
    table[[ord(char) for char in _RUN_SPACE]] = True
    return table


def fold_space_runs(text: str) -> str:
    """Each run of two or more white spaces other than the line break, and each tab, as one
    space (the text holding no control character nor line break but the newline).  The runs are
    found over the whole text at once from its code points.

    >>> fold_space_runs("a  b\\tc \\xa0d\\xa0e\\u3000\\u3000f\\n  g")
    'a b c d\\xa0e f\\n g'
    """
    codes = blockstats.code_points(text)
    space = np.zeros(len(codes) + 2, dtype=bool)
    space[1:-1] = _run_space_table()[np.minimum(codes, 0x3001)]
    edges = np.flatnonzero(space[1:] != space[:-1])  # where runs of white space start and end
    starts, ends = edges[0::2], edges[1::2]
    folded = (ends - starts > 1) | (codes[starts] == ord("\t"))
    if not folded.any():
        return text
    starts, ends = starts[folded], ends[folded]
    # Each folded run keeps its first character, made a space; the others are dropped (marked
    # by the run's edges and a running sum).
    inside = np.zeros(len(codes) + 1, dtype=np.intp)
    inside[starts + 1] += 1
    inside[ends] -= 1
    codes = codes.copy()
    codes[starts] = ord(" ")
    return codes[np.cumsum(inside[:-1]) == 0].tobytes().decode("utf-32-le", "surrogatepass")


# NFC is applied to a long text this many characters (and up to the next line break) at a time.
_NFC_PIECE = 65_536


def _nfc(text: str) -> str:
    """``unicodedata.normalize("NFC", text)``, a piece of lines at a time.

    A character that is not in NFC makes ``normalize`` take its slow path for the whole text it
    is given; in pieces, only the pieces holding one do.  A line break composes with nothing and
    no mark is reordered across it, so the pieces normalise alone.

    >>> _nfc("e\\u0301\\n" * 40_000) == "\\u00e9\\n" * 40_000
    True
    """
    if len(text) <= _NFC_PIECE:
        return unicodedata.normalize("NFC", text)
    pieces = []
    start = 0
    while start < len(text):
        end = text.find("\n", start + _NFC_PIECE) + 1 or len(text)
        pieces.append(unicodedata.normalize("NFC", text[start:end]))
        start = end
    return "".join(pieces)


def split_blocks(text: str, *, unwrap: bool = True) -> tuple[list[Block], list[Change]]:
    """Normalise ``text`` and cut it into blocks, one per line, or one per paragraph when the
    text is hard-wrapped.

    >>> split_blocks(" Title \\n\\n\\n Body text. ")[0]
    [Block(line=1, text='Title'), Block(line=4, text='Body text.')]
    """
    lines = list(map(str.strip, normalise_characters(text).split("\n")))
    if unwrap and is_hard_wrapped(lines):
        return _join_wrapped(lines)
    # Blocks built by C calls alone: (number, line) pairs of the non-empty lines, as Blocks.
    return list(map(_new_block, filter(_TEXT, enumerate(lines, start=1)))), []


_new_block = functools.partial(tuple.__new__, Block)
_TEXT = operator.itemgetter(1)


def is_hard_wrapped(lines: list[str]) -> bool:
    """True when most lines were broken at a fixed width in the middle of a sentence.

    >>> para = ("word " * 200).split()
    >>> wrapped = [" ".join(para[i:i + 12]) for i in range(0, 200, 12)]
    >>> is_hard_wrapped(wrapped)
    True
    >>> is_hard_wrapped(["A title", "A whole paragraph on one line. " * 5, "Another."])
    False
    """
    lengths = sorted(map(len, filter(None, lines)))
    if len(lengths) < 6:
        return False
    width = lengths[int(len(lengths) * 0.9) - 1]
    if not 30 <= width <= 110 or lengths[-1] > width * 1.4:
        return False
    followed = [(line, nxt) for line, nxt in zip(lines, lines[1:]) if line and nxt]
    if len(followed) < 5:
        return False
    wrapped = sum(1 for line, nxt in followed if _is_wrap(line, nxt, width))
    return wrapped >= 0.5 * len(followed)


def _is_wrap(line: str, nxt: str, width: int) -> bool:
    if len(line) < 0.6 * width:
        return False
    return not _SENTENCE_END.search(line) or nxt[:1].islower()


def _join_wrapped(lines: list[str]) -> tuple[list[Block], list[Change]]:
    nonblank = [len(line) for line in lines if line]
    width = sorted(nonblank)[int(len(nonblank) * 0.9) - 1]
    blocks: list[Block] = []
    changes: list[Change] = []
    start, parts = 0, []

    def flush() -> None:
        joined = _join(parts)
        if len(parts) > 1:
            changes.append(Change("normalise", "unwrap", "\n".join(parts), joined, start))
        blocks.append(Block(start, joined))
        parts.clear()

    for number, line in enumerate(lines + [""], start=1):
        if parts and _LIST_ITEM.match(line):
            flush()  # a list item starts its own block, whatever the previous line's length
        if line:
            if not parts:
                start = number
            parts.append(line)
        if parts and (not line or len(line) < 0.6 * width):
            flush()
    return blocks, changes


def _join(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        # "well-\nknown" keeps its hyphen and loses the break
        text = text + part if regex.search(r"\p{L}-$", text) else f"{text} {part}"
    return text
