"""The main text as one contiguous region: block scores and their maximum-scoring segment.

Each block gets a score from features that carry across languages, in the manner of jusText:
its length, its stopword density with the page language's list, whether it ends like a
sentence, and whether it looks like navigation (separators, a copyright line).  Long
stopword-dense blocks score high, short fragments a small cost, long blocks without
stopwords (link lists, keyword clouds) a cost in proportion to their length.  The main text
is the contiguous run of blocks with the highest total score (Kadane's algorithm, linear
time); blocks outside it are boilerplate.

The region is stable: every prefix and suffix of the best segment has a positive total, so
the same scores over the kept blocks alone give the same region again.
"""
from __future__ import annotations

import itertools
import operator
from typing import NamedTuple

import numpy as np
import regex

from . import blockstats
from .language import CJK, stopword_densities

# The marks that end a sentence, the question mark of Arabic script, the full stop of Urdu, the
# danda and double danda of Indic scripts, and the full stops of Armenian, Ethiopic, Myanmar and
# Khmer among them (Thai ends its sentences with none).  The block model, the boilerplate stage
# (prose lines, headings, labels), the test for hard-wrapped text and the HTML track's heading
# step read these too.
SENTENCE_MARKS = frozenset(".!?…。！？｡؟۔।॥։።။។")
# The same marks written as the inside of a regular expression's character class.
SENTENCE_MARK_CLASS = regex.escape("".join(sorted(SENTENCE_MARKS)))
# A block ends like a sentence (for the region scores, a clause's colon or semicolon too): a
# final mark, then closing quotes and brackets.
_FINAL_MARKS = SENTENCE_MARKS | frozenset(":;")
_CLOSERS = "'\"”’»)]"
# A line ends like a sentence, for the boilerplate stage's heading and label tests and the HTML
# track's heading step: a final mark, then the same closing quotes and brackets.  (A line of
# dialogue, "「はい。」", is told by the prose test's wider set of closers.)
SENTENCE_END = regex.compile(r"[%s][%s]*$" % (SENTENCE_MARK_CLASS, regex.escape(_CLOSERS)))
_NAV_SEPARATOR = regex.compile(r"\s[|»›·•/>]\s|\s[|»›·•]$|^[|»›·•]\s")
COPYRIGHT = regex.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved", regex.IGNORECASE)
# The only characters other than the literals' own letters that match them case-blind without
# lower-casing to them (İ is also the one character whose lower case is longer), each with the
# letter it matches (checked in tests/test_blockstats.py).
_CASE_SPECIALS = {"\u0130": "I", "\u017f": "s"}
_LAST = operator.itemgetter(slice(-1, None))
KINDS = ("good", "near-good", "fragment", "sentence", "bad", "nav")


class Params(NamedTuple):
    """The scoring's knobs (chosen on the tuning split of the dev pages)."""

    short: int = 70             # characters: below this a block is a fragment
    long: int = 200             # characters: above this a stopword-dense block is surely text
    stop_low: float = 0.30      # stopword density of near-good text
    stop_high: float = 0.32     # stopword density of good text
    fragment_cost: float = 0.2  # what a non-sentence fragment costs inside the region
    sentence_fragment: float = 0.1  # a short block that ends like a sentence
    scale: float = 100.0        # characters per score point for long blocks
    secondary: float = 0.25     # another run joins the main text when it scores this share of the best
    weak_region: float = 5.0    # a best run below this total is no evidence of a main text: keep all
    min_blocks: int = 6         # fewer blocks give too little evidence for a region: keep all


DEFAULT_PARAMS = Params()


class Scored(NamedTuple):
    """A block's features and score."""

    length: int        # characters, a CJK character counting as three
    density: float     # stopword density in the page language
    score: float
    kind: str          # "good", "near-good", "fragment", "sentence", "bad", "nav"


class PageScores(NamedTuple):
    """The features and scores of every block of a page (one entry per block)."""

    length: np.ndarray     # as Scored
    density: np.ndarray
    score: np.ndarray
    kind: np.ndarray       # index into KINDS
    copyright: np.ndarray  # whether the block has a copyright notice

    def scored(self) -> list[Scored]:
        """One :class:`Scored` per block."""
        return [Scored(length, density, score, KINDS[kind]) for length, density, score, kind
                in zip(self.length.tolist(), self.density.tolist(), self.score.tolist(), self.kind.tolist())]

    def at(self, index: int) -> Scored:
        """The :class:`Scored` of one block."""
        return Scored(int(self.length[index]), float(self.density[index]), float(self.score[index]),
                      KINDS[self.kind[index]])


def effective_length(text: str) -> int:
    """Length in characters, CJK characters counting three (they carry a word's worth).

    >>> effective_length("abc"), effective_length("日本語")
    (3, 9)
    """
    return int(effective_lengths(blockstats.Page([text]))[0])


def effective_lengths(page: blockstats.Page) -> np.ndarray:
    """:func:`effective_length` of each block of a page."""
    return page.chars + 2 * page.count(blockstats.WIDE)


def final_marks(texts: list[str], closers: str = _CLOSERS) -> list[str]:
    """The last character of each text before its closing quotes and brackets (``closers``;
    "" if none).

    >>> final_marks(['He said "yes."', "Home", "»"])
    ['.', 'e', '']
    """
    return list(map(_LAST, map(str.rstrip, texts, itertools.repeat(closers))))


def page_final_marks(page: blockstats.Page) -> list[str]:
    """:func:`final_marks` of the blocks of a page (computed once per page)."""
    marks = page.derived.get("final_marks")
    if marks is None:
        marks = page.derived["final_marks"] = final_marks(page.texts)
    return marks


def copyright_lines(page: blockstats.Page) -> np.ndarray:
    """Whether each block of a page has a copyright notice (:data:`COPYRIGHT`)."""
    # The blocks that hold a literal of the pattern once lower-cased, the special characters read
    # as the letters they match (so that the positions stay those of the page) are the only ones
    # the pattern can match; it is searched in those alone.
    lowered = page.joined
    for special, letter in _CASE_SPECIALS.items():
        if special in lowered:
            lowered = lowered.replace(special, letter)
    lowered = lowered.lower()
    candidates = page.blocks_containing("©", "(c)", "copyright", "all rights reserved", within=lowered)
    return page.matching(COPYRIGHT, candidates)


def score_block(text: str, lang: str, params: Params = DEFAULT_PARAMS) -> Scored:
    """Score one block.

    >>> score_block("Home | About | Contact", "en").kind
    'nav'
    >>> s = score_block("The minister said on Monday that the talks had been useful and that "
    ...                 "both sides would meet again in the spring to continue the work.", "en")
    >>> s.kind, s.score > 0
    ('near-good', True)
    """
    return score_page(blockstats.Page([text]), lang, params).scored()[0]


def score_page(page: blockstats.Page, lang: str, params: Params = DEFAULT_PARAMS) -> PageScores:
    """Score every block of a page, as :func:`score_block`."""
    length = effective_lengths(page)
    density = stopword_densities(page, lang) if lang else np.full(page.n, 0.3)
    copyright = copyright_lines(page)
    nav_line = page.matching(_NAV_SEPARATOR, page.count(blockstats.SEPARATOR) > 0)
    nav = nav_line & (length < 2 * params.long) | copyright & (length < params.long)
    ends_sentence = np.fromiter(map(_FINAL_MARKS.__contains__, page_final_marks(page)), dtype=bool,
                                count=page.n)
    short = length < params.short
    sentence = short & ends_sentence & (
        (density >= params.stop_low) & (page.words >= 3) | (lang in CJK))
    good = ~short & (density >= params.stop_high)
    near = ~short & ~good & (density >= params.stop_low)
    # The first condition that holds decides (as np.select): written from the last to the first.
    kind = np.full(page.n, KINDS.index("bad"))
    kind[good | near] = KINDS.index("near-good")
    kind[good & (length > params.long)] = KINDS.index("good")
    kind[short] = KINDS.index("fragment")
    kind[sentence] = KINDS.index("sentence")
    kind[nav] = KINDS.index("nav")
    score = -length / (2 * params.scale)
    score[near] = (length / (2 * params.scale))[near]
    score[good] = (length / params.scale)[good]
    score[short] = -params.fragment_cost
    score[sentence] = params.sentence_fragment
    score[nav] = -params.fragment_cost * 2
    return PageScores(length, density, score, kind, copyright)


def best_segment(scores: list[float]) -> tuple[int, int]:
    """The start and end (exclusive) of the run with the highest total; (0, 0) if none is
    positive.  Ties go to the shortest run, so the run is stable under re-scoring.

    >>> best_segment([-1, 2, -0.5, 3, -4, 1])
    (1, 4)
    >>> best_segment([-1, -2])
    (0, 0)
    """
    best, best_span = 0.0, (0, 0)
    total, start = 0.0, 0
    for index, score in enumerate(scores):
        if total <= 0:
            total, start = 0.0, index
        total += score
        if total > best:
            best, best_span = total, (start, index + 1)
    return best_span


def best_segments(scores: list[float], secondary: float) -> list[tuple[int, int]]:
    """The best run, and the best runs left and right of it (recursively) whose total reaches
    ``secondary`` times the best total: a main text broken by a block of boilerplate.

    >>> best_segments([3, -5, 2, -9, 0.5], 0.5)
    [(0, 1), (2, 3)]
    """
    start, end = best_segment(scores)
    if start == end:
        return []
    floor = secondary * sum(scores[start:end])
    spans = [(start, end)]
    pending = [(0, start), (end, len(scores))]
    while pending:
        low, high = pending.pop()
        if high - low < 1:
            continue
        s, e = best_segment(scores[low:high])
        if s == e or sum(scores[low + s:low + e]) < floor:
            continue
        spans.append((low + s, low + e))
        pending += [(low, low + s), (low + e, high)]
    return sorted(spans)
