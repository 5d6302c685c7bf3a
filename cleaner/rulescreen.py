"""Screening for the phrase rules: which lines of a document a rule could match at all.

Matching every rule against every line costs one regex call per rule and line, and almost no
line is boilerplate.  So each rule's patterns are read once for the literal text any match must
hold: the whole line (``^(?:share|tweet)$``), its start (``^share this\\b``), or a piece of text
anywhere in it (``cookie`` for ``\\bwe use cookies\\b``).  A document is then screened with set
look-ups and substring searches over its case-folded lines.  A line no literal points to cannot
be matched by any rule; the others go through the rules the screen names, in their order, so
what is removed and what the trace says do not depend on the screen.  A pattern the screen cannot
read (syntax of the ``regex`` package that :mod:`re`'s parser does not share, or no literal to
require) sends every line through its rule.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from bisect import bisect_right
from itertools import accumulate
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from .blockstats import code_points

try:  # Python 3.11+
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

# Starts are indexed for the rules they point to by their first few characters.
_START = 6
# Where a literal must be in a line a pattern matches.
WHOLE, START, ANYWHERE = "whole", "start", "anywhere"
# Literal text is read up to this many characters: enough to tell phrases apart.
_LONGEST = 48
# A line is screened by the start of a phrase (one regex match per line: a trie of all the
# starts), or by pieces of this length shared by the phrases it may hold anywhere ("cookie" for
# the cookie notices of every language), each looked for once in the whole document.
_PIECE = 6
# A document of at most this many lines is screened line by line (:func:`rules_for`: set
# look-ups, no regex), so that cleaning a short text does not compile the trie of all the starts.
_FEW_LINES = 32
# More alternatives than this are not spelled out (the literal read so far is kept instead).
_MOST_LITERALS = 256
# A character class is spelled out when it is this small (``[:：]``, ``[.!]``).
_SMALL_CLASS = 8

# The regex package's IGNORECASE pairs the Turkish dotted and dotless i with ASCII i, which
# str.casefold does not; folding them first makes "the regex matches case-insensitively" imply
# "the folded strings are equal" for every character (checked in tests/test_rulescreen.py).


def fold(text: str) -> str:
    """Fold case so that text a rule matches case-insensitively folds to the rule's literal.

    >>> fold("SHARE Thİs")
    'share this'
    """
    if "İ" in text or "ı" in text:
        # (str.replace, not str.translate: on a long text translate's mapping costs tens of times
        # more, and one Turkish i in a large document would have it read the whole document)
        text = text.replace("İ", "i").replace("ı", "i")
    return text.casefold()


class LazyPattern:
    """A regular expression compiled when it is first used: a process that cleans one short text
    needs few of the patterns the rules and the screen hold, and compiling them all would be
    most of its start-up.

    >>> pattern = LazyPattern("^share this")
    >>> pattern.pattern, pattern.search("Share this") is None, pattern.search("share this story") is not None
    ('^share this', True, True)
    """

    __slots__ = ("pattern", "_flags", "_compile", "_compiled")

    def __init__(self, pattern: str, flags: int = 0, compile: Callable = re.compile):
        self.pattern, self._flags, self._compile, self._compiled = pattern, flags, compile, None

    def compiled(self):
        """The compiled pattern (compiled now if it was not yet)."""
        if self._compiled is None:
            self._compiled = self._compile(self.pattern, self._flags)
        return self._compiled

    def search(self, string: str, *args):
        return self.compiled().search(string, *args)

    def match(self, string: str, *args):
        return self.compiled().match(string, *args)

    def __reduce__(self):  # sent to another process uncompiled
        return LazyPattern, (self.pattern, self._flags, self._compile)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyPattern) and (self.pattern, self._flags) == (other.pattern, other._flags)

    def __hash__(self) -> int:
        return hash((self.pattern, self._flags))


class Screen(NamedTuple):
    """What a line must hold for each rule (by its position in the rule list) to match it."""

    wholes: dict[str, frozenset[int]]             # the whole folded line -> rules
    starts: dict[int, dict[str, frozenset[int]]]  # by length: the folded line's start -> rules
    pieces: dict[str, frozenset[int]]             # folded text anywhere in the line -> rules
    everywhere: frozenset[int]                    # rules that cannot be screened: every line
    begins: LazyPattern | None = None             # matches a folded line that begins with one
    #                                               of the (untruncated) starts or is a whole


def build_screen(patterns: list[tuple[int, str, bool]]) -> Screen:
    """The screen for ``patterns``: (rule position, regex source, whether the rule tries it
    only at the start of a line).

    >>> screen = build_screen([(0, r"^share (?:this|on)\\b", False), (1, r"\\bwe use cookies\\b", False),
    ...                        (2, r"\\bthis site uses cookies\\b", False), (3, r"^(?:share|tweet)$", False),
    ...                        (4, r"\\w+ and", False)])
    >>> screen.wholes, screen.starts, screen.pieces, screen.everywhere
    ({'share': frozenset({3}), 'tweet': frozenset({3})}, {6: {'share ': frozenset({0})}}, {'cookie': frozenset({1, 2})}, frozenset({4}))
    """
    wholes: dict[str, set[int]] = {}
    starts: dict[int, dict[str, set[int]]] = {}
    words: dict[str, set[int]] = {}
    full_starts: set[str] = set()
    everywhere = set()
    for rule, source, at_start in patterns:
        found = literals(source, at_start)
        if found is None:
            everywhere.add(rule)
            continue
        for text, where in found:
            if where == WHOLE:
                wholes.setdefault(text, set()).add(rule)
            elif where == START:
                full_starts.add(text)
                text = text[:_START]
                starts.setdefault(len(text), {}).setdefault(text, set()).add(rule)
            else:
                words.setdefault(text, set()).add(rule)
    pieces: dict[str, set[int]] = {}
    for word, piece in _pieces(list(words)).items():
        pieces.setdefault(piece, set()).update(words[word])
    begins = LazyPattern(_trie([(text, False) for text in full_starts] + [(text, True) for text in wholes]))
    return Screen(_frozen(wholes),
                  {length: _frozen(begins) for length, begins in sorted(starts.items())},
                  _frozen(pieces), frozenset(everywhere), begins)


# The layout of a saved screen (see cached_screen): a file of another layout is built anew.
_SAVED_LAYOUT = 2


def cached_screen(patterns: list[tuple[int, str, bool]], path: Path | None) -> Screen:
    """:func:`build_screen` of ``patterns``, read from the JSON file ``path`` when it holds the
    screen of these very patterns, else built and saved there for the next process (reading the
    literals of every pattern is most of a short run's start-up).  A file that cannot be read
    or written is ignored, and so is one whose screen is not the one saved (its own digest: the
    trie in it is compiled only when first used, too late to find it broken); ``path`` None
    builds the screen.
    """
    if path is None:
        return build_screen(patterns)
    digest = hashlib.sha256(json.dumps([_SAVED_LAYOUT, patterns]).encode("ascii")).hexdigest()
    try:
        saved = json.loads(path.read_text(encoding="ascii"))
        if saved["digest"] == digest and saved["content"] == _digest_of(saved["screen"]):
            return _screen_from_json(saved["screen"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    screen = build_screen(patterns)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
        content = _screen_to_json(screen)
        temporary.write_text(json.dumps({"digest": digest, "content": _digest_of(content), "screen": content}),
                             encoding="ascii")
        temporary.replace(path)  # whole files only, for processes reading it at the same time
    except OSError:
        pass
    return screen


def _digest_of(content: dict) -> str:
    return hashlib.sha256(json.dumps(content).encode("ascii")).hexdigest()


def _screen_to_json(screen: Screen) -> dict:
    def table(found: dict[str, frozenset[int]]) -> dict[str, list[int]]:
        return {key: sorted(rules) for key, rules in found.items()}

    return {"wholes": table(screen.wholes), "starts": [[length, table(found)] for length, found in screen.starts.items()],
            "pieces": table(screen.pieces), "everywhere": sorted(screen.everywhere),
            "begins": None if screen.begins is None else screen.begins.pattern}


def _screen_from_json(data: dict) -> Screen:
    def table(found: dict[str, list[int]]) -> dict[str, frozenset[int]]:
        return {key: frozenset(rules) for key, rules in found.items()}

    return Screen(table(data["wholes"]), {int(length): table(found) for length, found in data["starts"]},
                  table(data["pieces"]), frozenset(data["everywhere"]),
                  None if data["begins"] is None else LazyPattern(data["begins"]))


def _trie(keys: list[tuple[str, bool]]) -> str:
    """A regex source that matches a line beginning with one of ``keys`` (text, whether it must
    be the whole line), factored by first characters so that a line is ruled out in a few steps.

    >>> print(_trie([("share", False), ("shop", True), ("ad", True)]))
    (?:ad\\Z|sh(?:are|op\\Z))
    """
    branches: dict[str, list[tuple[str, bool]]] = {}
    ends = set()
    for text, whole in keys:
        if text:
            branches.setdefault(text[0], []).append((text[1:], whole))
        else:
            ends.add(whole)
    if False in ends:
        return ""  # the start is complete: anything may follow
    alternatives = [re.escape(char) + _trie(rest) for char, rest in sorted(branches.items())]
    if True in ends:
        alternatives.append(r"\Z")
    if len(alternatives) == 1:
        return alternatives[0]
    return "(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"


def _frozen(table: dict[str, set[int]]) -> dict[str, frozenset[int]]:
    return {key: frozenset(rules) for key, rules in sorted(table.items())}


def _pieces(words: list[str]) -> dict[str, str]:
    """For each word, a piece of it (the word itself when short) such that few pieces serve all
    the words: repeatedly the piece that most of the words not yet served hold (whole words
    before pieces across a space), and a word that shares no piece with another is its own.

    >>> sorted(_pieces(["we use cookies", "ce site utilise des cookies", "required fields"]).items())
    [('ce site utilise des cookies', 'cookie'), ('required fields', 'required fields'), ('we use cookies', 'cookie')]
    """
    chosen: dict[str, str] = {}
    left = sorted(words)
    while left:
        counts: dict[str, int] = {}
        for word in left:
            for piece in {word[i:i + _PIECE] for i in range(max(1, len(word) - _PIECE + 1))}:
                counts[piece] = counts.get(piece, 0) + 1
        best = min(counts, key=lambda piece: (-counts[piece], piece.count(" "), piece))
        if counts[best] == 1:  # no piece is shared any more: the words themselves tell more
            chosen.update((word, word) for word in left)
            break
        chosen.update((word, best) for word in left if best in word)
        left = [word for word in left if best not in word]
    return chosen


def literals(source: str, at_start: bool = False) -> set[tuple[str, str]] | None:
    """(folded text, where) pairs such that every match of ``source`` in a line without line
    breaks holds one of the texts: as the whole line (``WHOLE``), at its start (``START``) or
    anywhere (``ANYWHERE``).  None when no such text can be read (a match may begin with
    anything, or the pattern uses syntax only the regex package knows).  ``at_start``: the
    pattern is only tried at the start of the line (``match``).

    >>> sorted(literals(r"^(?:-\\s*)?(?:ad|ads)(?:\\s*-)?$"))
    [('-', 'start'), ('ad', 'start')]
    >>> sorted(literals(r"^(?:Ad|Ads)$"))
    [('ad', 'whole'), ('ads', 'whole')]
    >>> sorted(literals(r"(?:相关文章|推荐阅读)\\s*[:：]"))
    [('推荐阅读', 'anywhere'), ('相关文章', 'anywhere')]
    >>> literals(r"^\\p{Lu}+$") is None, literals(r"(?:cookies){e<=1}") is None
    (True, True)
    """
    readable = _readable(source)
    if readable is None:
        return None
    try:
        items = list(_sre_parse.parse(readable).data)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    found = _begin(items, "", START if at_start else ANYWHERE)
    if any(not text for text, where in found if where != WHOLE):
        return None
    return _shortest({(fold(text), where) for text, where in found})


def _shortest(found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Without the literals another one already implies (a line that holds one holds the other).

    >>> sorted(_shortest({("ad", "start"), ("ads", "start"), ("ads", "anywhere"), ("ad", "whole"),
    ...                   ("cookie", "anywhere"), ("cookies", "anywhere")}))
    [('ad', 'start'), ('ads', 'anywhere'), ('cookie', 'anywhere')]
    """
    starts = {text for text, where in found if where == START}
    anywhere = {text for text, where in found if where == ANYWHERE}

    def implied(text: str, where: str) -> bool:
        if any(other in text for other in anywhere if (other, ANYWHERE) != (text, where)):
            return True
        shortest = len(text) if where == START else len(text) + 1  # a start does not imply itself
        return where != ANYWHERE and any(text[:length] in starts for length in range(shortest))

    return {(text, where) for text, where in found if not implied(text, where)}


# Escapes, and repeat counts in braces: the parts where the regex package's syntax and re's differ.
_ESCAPE_OR_BRACES = re.compile(r"\\[pP]\{[^}]*\}|\\[pP]\w|\\.|\{[^}]*\}?", re.DOTALL)
_COUNT = re.compile(r"\{\d*(?:,\d*)?\}")


def _readable(source: str) -> str | None:
    """``source`` in re's syntax for this purpose, or None: Unicode properties (``\\p{Lu}``)
    become ``\\d``, which also stops the literal there; braces that are not a repeat count
    (fuzzy matching, ``{e<=1}``) make the pattern unreadable."""
    unreadable = False

    def replace(match: re.Match) -> str:
        nonlocal unreadable
        token = match.group()
        if token[:2] in ("\\p", "\\P"):
            return "\\d"
        if token[0] == "{" and not _COUNT.fullmatch(token):
            unreadable = True
        return token

    readable = _ESCAPE_OR_BRACES.sub(replace, source)
    return None if unreadable else readable


_LINE_START = (_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING)
_LINE_END = (_sre.AT_END, _sre.AT_END_STRING)
_REPEATS = tuple(op for op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)) if op)


# A pattern that begins with something not spelled out (``^\d+ comments``) is read from the
# literal after it, anywhere in the line, when that literal is at least this long.
_SKIPPED_READ = 5


def _begin(items: list, text: str, where: str) -> set[tuple[str, str]]:
    """The literals of every match of the parsed ``items``, after ``text`` read so far.

    Before anything is read, an item that gives no literal is stepped over: every match of the
    items holds a match of the items after it, so their literals, found anywhere, will do.

    >>> sorted(_begin(list(_sre_parse.parse(r"^\\d+ min(?:ute)?s? read$").data), "", ANYWHERE))
    [(' min read', 'anywhere'), (' mins read', 'anywhere'), (' minute read', 'anywhere'), (' minutes read', 'anywhere')]
    """
    found = _read(items, text, where)
    if not text and len(items) > 1 and any(not found_text for found_text, kind in found if kind != WHOLE):
        after = _begin(items[1:], "", ANYWHERE)
        if all(len(after_text) >= _SKIPPED_READ for after_text, _ in after):
            return after
    return found


def _read(items: list, text: str, where: str) -> set[tuple[str, str]]:
    """:func:`_begin` without stepping over an item (see there).

    Reading stops, keeping what was read, at the first item that is not spelled out (``\\w``,
    ``.``, a large class) or when ``_LONGEST`` characters are read.  ``where`` is ``START``
    while nothing was consumed since a ``^``, and a ``$`` reached from there makes the text
    the ``WHOLE`` line.
    """
    if len(text) >= _LONGEST or not items:
        return {(text, where)}
    op, value = items[0]
    rest = items[1:]
    if op is _sre.LITERAL:
        return _begin(rest, text + chr(value), where)
    if op is _sre.AT:
        if value in _LINE_START and not text:
            return _begin(rest, text, START)
        if value in _LINE_END and where == START:
            return {(text, WHOLE)}
        return _begin(rest, text, where)  # zero width
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return _begin(rest, text, where)  # zero width: the text around it is read on
    if op is _sre.IN:
        chars = _class_chars(value)
        if chars is None:
            return {(text, where)}
        return _union([_begin(rest, text + char, where) for char in chars], text, where)
    if op is _sre.BRANCH:
        return _union([_begin(list(branch) + rest, text, where) for branch in value[1]], text, where)
    if op is _sre.SUBPATTERN:
        return _begin(list(value[-1]) + rest, text, where)
    if op in _REPEATS:
        low, high, item = value
        if high == 1:
            ways = [_begin(list(item) + rest, text, where)]
        else:  # once, then reading stops (the number of rounds is open)
            ways = [_begin(list(item), text, where)] if high else []
            ways = [{(found, START if kind == WHOLE else kind) for found, kind in way} for way in ways]
        if low == 0:
            ways.append(_begin(rest, text, where))  # or not at all
        return _union(ways, text, where)
    if op is getattr(_sre, "ATOMIC_GROUP", None):
        return _begin(list(value) + rest, text, where)
    return {(text, where)}


def _union(ways: list, text: str, where: str) -> set[tuple[str, str]]:
    """All the ways, or just what was read before them when they are too many."""
    found: set[tuple[str, str]] = set()
    for way in ways:
        found |= way
        if len(found) > _MOST_LITERALS:
            return {(text, where)}
    return found


def _class_chars(items: list) -> list[str] | None:
    """The characters of a small class of plain characters (``[:：]``), or None."""
    chars: list[str] = []
    for op, value in items:
        if op is _sre.LITERAL:
            chars.append(chr(value))
        elif op is _sre.RANGE and value[1] - value[0] < _SMALL_CLASS:
            chars.extend(map(chr, range(value[0], value[1] + 1)))
        else:
            return None
    # "[" in a class may be the regex package's POSIX class or set syntax, which re reads apart.
    if len(chars) > _SMALL_CLASS or "[" in chars:
        return None
    return chars


def screen_lines(texts: list[str], screen: Screen, reach: int | None = None,
                 present: set[str] | None = None) -> list[bool]:
    """For each text (one line each), whether a rule behind ``screen`` could match it, when
    the rules look at no more than the first ``reach`` characters of a text.  ``present`` (a
    set) gains the screen's pieces the texts may hold, for :func:`rules_for` to look only for
    those in one of them.

    >>> screen = build_screen([(0, r"^share this\\b", False), (1, r"\\bwe use cookies\\b", False),
    ...                        (2, r"^tweet$", False)])
    >>> screen_lines(["Share this story", "Yes, we use cookies.", "The share this year.", "Tweet"], screen)
    [True, True, False, True]
    >>> screen_lines(["Yes, we use cookies.", "Tweet it"], screen, reach=6)
    [False, False]
    """
    if screen.everywhere:
        if present is not None:
            present.update(screen.pieces)
        return [True] * len(texts)
    if len(texts) <= _FEW_LINES:
        return [bool(rules_for(text, screen, reach, held=present)) for text in texts]
    heads = texts if reach is None else [text[:reach] for text in texts]
    document = fold("\n".join(heads))
    folded = document.split("\n")
    if len(folded) != len(texts):  # a text holding a line break: the screen does not apply
        if present is not None:
            present.update(screen.pieces)
        return [True] * len(texts)
    begins = screen.begins.compiled().match  # type: ignore[union-attr]
    found = list(map(bool, map(begins, folded)))  # (a match is true)
    lines_starting = None
    for piece in _pieces_possible(document, screen.pieces):
        at = document.find(piece)
        if at < 0:
            continue
        if present is not None:
            present.add(piece)
        if lines_starting is None:
            lines_starting = list(accumulate(map((1).__add__, map(len, folded)), initial=0))
        while at >= 0:
            number = bisect_right(lines_starting, at) - 1
            found[number] = True
            at = document.find(piece, lines_starting[number + 1])  # on from the next line
    return found


# Runs of this many characters (quads) are hashed into _QUAD_BUCKETS buckets.  A document marks
# the buckets of its quads; a piece with a quad in a bucket the document leaves unmarked cannot
# be in it, and is not searched for (a search reads the whole document; a document holds few of
# the pieces, and the quads of the others are seldom all in it).
_QUAD = 4
_QUAD_BUCKETS = 1 << 16
# The quad buckets of the pieces of each screen's table, by the table's id (the table is kept
# with them, so that the id stays its own).
_PIECE_QUADS: dict[int, tuple[dict, list[str], list[str], np.ndarray, np.ndarray]] = {}


def _quad_buckets(text: str) -> np.ndarray:
    """The bucket of each run of :data:`_QUAD` characters of ``text``, in order.

    >>> _quad_buckets("abcde").tolist() == _quad_buckets("xabcdex")[1:3].tolist()
    True
    """
    codes = code_points(text)
    count = len(codes) - _QUAD + 1
    if count < 1:
        return np.zeros(0, dtype=np.uint32)
    mixed = codes[:count].copy()
    for offset in range(1, _QUAD):
        mixed *= np.uint32(1_000_003)  # (wraps around, as a hash may)
        mixed += codes[offset:offset + count]
    mixed ^= mixed >> np.uint32(15)
    mixed &= np.uint32(_QUAD_BUCKETS - 1)
    return mixed


def _piece_quads(pieces: dict[str, frozenset[int]]) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """The pieces too short for a quad (always searched for), the others, and the quad buckets
    of the latter, all in one array, with where each piece's buckets start in it."""
    kept = _PIECE_QUADS.get(id(pieces))
    if kept is None or kept[0] is not pieces:
        short = [piece for piece in pieces if len(piece) < _QUAD]
        long = [piece for piece in pieces if len(piece) >= _QUAD]
        buckets = [_quad_buckets(piece) for piece in long]
        starts = np.cumsum([0] + [len(bucket) for bucket in buckets[:-1]], dtype=np.intp)
        joined = np.concatenate(buckets) if buckets else np.zeros(0, dtype=np.uint32)
        kept = _PIECE_QUADS[id(pieces)] = (pieces, short, long, joined, starts)
    return kept[1:]


def _pieces_possible(document: str, pieces: dict[str, frozenset[int]]) -> list[str]:
    """The pieces that may be in ``document``: those all of whose quads are (by bucket).

    >>> _pieces_possible("we use cookies", {"cookie": frozenset(), "newsle": frozenset(), "ab": frozenset()})
    ['ab', 'cookie']
    """
    short, long, buckets, starts = _piece_quads(pieces)
    if not long:
        return short
    marked = np.zeros(_QUAD_BUCKETS, dtype=bool)
    marked[_quad_buckets(document)] = True
    possible = np.logical_and.reduceat(marked[buckets], starts)
    return short + [piece for piece, maybe in zip(long, possible.tolist()) if maybe]


def rules_for(text: str, screen: Screen, reach: int | None = None,
              pieces: set[str] | None = None, held: set[str] | None = None) -> frozenset[int]:
    """The rules (positions) that could match ``text``, of those behind ``screen``; ``pieces``:
    the only pieces of the screen ``text`` may hold (:func:`screen_lines`'s ``present`` for
    the document it screened), None for any.  ``held`` (a set) gains the pieces ``text`` holds.

    >>> screen = build_screen([(0, r"^share this\\b", False), (1, r"\\bwe use cookies\\b", False)])
    >>> sorted(rules_for("Share this: we use cookies", screen))
    [0, 1]
    """
    line = fold(text[:reach])
    if "\n" in line:
        if held is not None:
            held.update(screen.pieces)
        return frozenset(range(max(_all_rules(screen), default=-1) + 1))
    found = set(screen.everywhere)
    found.update(screen.wholes.get(line, ()))
    for length, begins in screen.starts.items():
        found.update(begins.get(line[:length], ()))
    table = screen.pieces
    for piece in filter(line.__contains__, table if pieces is None else pieces):  # the search in C
        found.update(table[piece])
        if held is not None:
            held.add(piece)
    return frozenset(found)


def _all_rules(screen: Screen) -> set[int]:
    rules = set(screen.everywhere)
    for table in (screen.wholes, screen.pieces, *screen.starts.values()):
        for found in table.values():
            rules |= found
    return rules
