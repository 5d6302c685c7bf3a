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

from typing import NamedTuple

import regex

from .language import CJK, stopword_density

_WIDE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_SENTENCE_END = regex.compile(r"[.!?…。！？:;]['\"”’»)\]]*$")
_NAV_SEPARATOR = regex.compile(r"\s[|»›·•/>]\s|\s[|»›·•]$|^[|»›·•]\s")
_COPYRIGHT = regex.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved", regex.IGNORECASE)
_WORD = regex.compile(r"\w+")


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


def effective_length(text: str) -> int:
    """Length in characters, CJK characters counting three (they carry a word's worth).

    >>> effective_length("abc"), effective_length("日本語")
    (3, 9)
    """
    return len(text) + 2 * len(_WIDE.findall(text))


def score_block(text: str, lang: str, params: Params = DEFAULT_PARAMS) -> Scored:
    """Score one block.

    >>> score_block("Home | About | Contact", "en").kind
    'nav'
    >>> s = score_block("The minister said on Monday that the talks had been useful and that "
    ...                 "both sides would meet again in the spring to continue the work.", "en")
    >>> s.kind, s.score > 0
    ('near-good', True)
    """
    length = effective_length(text)
    density = stopword_density(text, lang) if lang else 0.3
    if _NAV_SEPARATOR.search(text) and length < 2 * params.long or \
            _COPYRIGHT.search(text) and length < params.long:
        return Scored(length, density, -params.fragment_cost * 2, "nav")
    if length < params.short:
        if _SENTENCE_END.search(text) and density >= params.stop_low and len(_WORD.findall(text)) >= 3 \
                or lang in CJK and _SENTENCE_END.search(text):
            return Scored(length, density, params.sentence_fragment, "sentence")
        return Scored(length, density, -params.fragment_cost, "fragment")
    if density >= params.stop_high:
        kind = "good" if length > params.long else "near-good"
        return Scored(length, density, length / params.scale, kind)
    if density >= params.stop_low:
        return Scored(length, density, length / (2 * params.scale), "near-good")
    return Scored(length, density, -length / (2 * params.scale), "bad")


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
