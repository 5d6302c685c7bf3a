"""A small learned model of which blocks are the document: features, trees, decoding.

Each block gets features that carry across languages: its length, its stopword density with
the page language's list, punctuation, digits and capitals, whether it ends like a sentence,
navigation shapes (separators, a copyright line), its position and repetition in the page, the
region score of :mod:`cleaner.segment`, and the same for its neighbours; a second stage adds
what the first said of the block's neighbourhood and how much of the block's words the page's
confident blocks share (the main text keeps to one topic), and a third reads the second's
view the same way.  A small ensemble of regression
trees (gradient boosting, trained by ``bench/train_blocks.py`` on the tuning split of the dev
pages) turns them into a probability that the block is main text.  The model ships as
``cleaner/models/blocks.json`` (and the HTML block ensemble reads the one it was trained with,
``cleaner/models/html_block_model.json``).  Everything is computed for the whole page at once with numpy:
the counts behind the features come from :mod:`cleaner.blockstats`, the features of all blocks
are columns of one array, and the trees are walked for all blocks together, a level at a time.

The probabilities are then decoded with the page's contiguity in mind: each block's log-odds
are averaged with its neighbours', and a block is kept when the smoothed value passes the
model's threshold (chosen on the tuning split for high recall).
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import operator
import threading
from collections import Counter
from importlib import resources
from typing import NamedTuple

import numpy as np
import regex

from . import blockstats, segment
from .language import CJK, stopword_words

# Searched only in the blocks that can match at all (see _flags).
_BULLET = regex.compile(r"^[-*•·▪►‣◦–—>]\s")
_BULLET_FIRST = frozenset("-*•·▪►‣◦–—>")
_URLISH = regex.compile(r"https?://|www\.|\w@\w|\.\w{2,4}/")
_DATE = regex.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(?:19|20)\d\d\b")
_COUNT = regex.compile(r"^\(?\d+\)?$|\(\d+\)$")
_SENTENCE_MARKS = segment.SENTENCE_MARKS
_COLON_MARKS = frozenset(":;")
_FIRST, _LAST = operator.itemgetter(slice(0, 1)), operator.itemgetter(slice(-1, None))

# Features of a block that its neighbours also report (by index into the block's own list).
_OWN = ("log_chars", "log_words", "density", "sentence_end", "colon_end", "punct", "digits",
        "upper", "title_case", "separators", "bullet", "copyright", "urlish", "date", "count",
        "short_words", "mean_word", "score", "in_region", "repeats", "kind_good", "kind_near",
        "kind_fragment", "kind_sentence", "kind_bad", "kind_nav")
_NEIGHBOUR = ("log_chars", "density", "sentence_end", "score", "in_region", "separators",
              "title_case", "kind_nav")
_KIND_NUMBERS = np.arange(len(segment.KINDS))
_OFFSETS = (-2, -1, 1, 2)
_WINDOWS = (3, 10)
_WINDOWED = ("log_chars", "density", "sentence_end", "score")


_NEIGHBOUR_AT = [_OWN.index(name) for name in _NEIGHBOUR]
_WINDOWED_AT = [_OWN.index(name) for name in _WINDOWED]
_FEATURE_COUNT = len(_OWN) + len(_OFFSETS) * len(_NEIGHBOUR) + len(_WINDOWS) * len(_WINDOWED) + 8


def feature_names() -> list[str]:
    """The names of the features, in the order :func:`page_features` gives them.

    >>> names = feature_names()
    >>> names[0], "prev1_score" in names, len(names) == len(set(names))
    ('log_chars', True, True)
    """
    names = list(_OWN)
    for offset in _OFFSETS:
        tag = f"prev{-offset}" if offset < 0 else f"next{offset}"
        names += [f"{tag}_{name}" for name in _NEIGHBOUR]
    for width in _WINDOWS:
        names += [f"win{width}_{name}" for name in _WINDOWED]
    names += ["position", "chars_before", "chars_after", "log_blocks", "log_page_chars",
              "page_density", "cjk", "dist_region"]
    return names


def _ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole``, 0.0 where ``whole`` is 0."""
    return np.divide(part, whole, out=np.zeros(len(part)), where=whole > 0)


# math.log1p of the counts below this comes from a table (the same values, one look-up each).
_LOG1P_TABLE = 4096


@functools.lru_cache(maxsize=1)
def _log1p_table() -> np.ndarray:
    return np.array([math.log1p(count) for count in range(_LOG1P_TABLE)])


def _log1p_counts(counts: np.ndarray) -> np.ndarray:
    """``math.log1p`` of each of ``counts`` (integers, none negative), as an array.

    >>> _log1p_counts(np.array([0, 3, 10 ** 6])).tolist() == [0.0, math.log1p(3), math.log1p(10 ** 6)]
    True
    """
    table = _log1p_table()
    values = table[np.minimum(counts, _LOG1P_TABLE - 1)]
    large = (counts >= _LOG1P_TABLE).nonzero()[0]
    if len(large):
        values[large] = list(map(math.log1p, counts[large].tolist()))
    return values


def _window(n: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``n`` blocks, the bounds of the blocks within ``width`` of it (``low``
    inclusive, ``high`` exclusive, as indices into a prefix sum) and how many they are.

    >>> [bound.tolist() for bound in _window(4, 1)]
    [[0, 0, 1, 2], [2, 3, 4, 4], [2, 3, 3, 2]]
    """
    at = np.arange(n)
    low, high = np.maximum(0, at - width), np.minimum(n, at + width + 1)
    return low, high, high - low


def _flags(page: blockstats.Page) -> dict[str, np.ndarray]:
    """The yes/no shapes of each block.  The patterns are searched only in the blocks that can
    match (see :func:`_date_candidates`; a count ends in a digit or a bracket, a bullet starts
    with its mark); a web address is found without a search (:func:`_urlish_blocks`)."""
    texts = page.texts
    last = np.zeros(page.n, dtype=bool)
    nonempty = page.chars.nonzero()[0]
    ends = page.ends[nonempty] - 1
    last[nonempty] = ((page.bits[ends] & blockstats.DIGIT) != 0) | (page.codes[ends] == ord(")"))
    finals = segment.page_final_marks(page)
    last_chars, first_chars = map(_LAST, texts), map(_FIRST, texts)
    return {
        "sentence_end": np.fromiter(map(_SENTENCE_MARKS.__contains__, finals), dtype=bool, count=page.n),
        "colon_end": np.fromiter(map(_COLON_MARKS.__contains__, last_chars), dtype=bool, count=page.n),
        "bullet": page.matching(_BULLET, np.fromiter(map(_BULLET_FIRST.__contains__, first_chars),
                                                     dtype=bool, count=page.n)),
        "urlish": _urlish_blocks(page),
        "date": page.matching(_DATE, _date_candidates(page)),
        "count": page.matching(_COUNT, last),
    }


def _urlish_blocks(page: blockstats.Page) -> np.ndarray:
    """Whether :data:`_URLISH` matches each block, found from the page's characters: 'http://',
    'https://' or 'www.', an at sign between word characters, or a slash after a dot and two to
    four word characters.

    >>> _urlish_blocks(blockstats.Page(["see example.com/x", "a @ b", "me@home", "www.x", "1.5/2"])).tolist()
    [True, False, True, True, False]
    """
    codes = page.codes
    word = (page.bits & blockstats.WORD) != 0
    found = page.blocks_containing("http://", "https://", "www.")
    at = (codes[1:-1] == ord("@")).nonzero()[0] + 1
    found |= page.blocks_of(at[word[at - 1] & word[at + 1]])
    slash = (codes == ord("/")).nonzero()[0]
    for letters in (2, 3, 4):
        ends = slash[slash > letters]
        ok = codes[ends - letters - 1] == ord(".")
        for back in range(1, letters + 1):
            ok &= word[ends - back]
        found |= page.blocks_of(ends[ok])
    return found


def _date_candidates(page: blockstats.Page) -> np.ndarray:
    """Whether :data:`_DATE` can match each block: a digit, one of './-' and a digit in a row, or
    '19' or '20' before two digits."""
    codes = page.codes
    digit = (page.bits & blockstats.DIGIT) != 0
    mark = (codes == ord(".")) | (codes == ord("/")) | (codes == ord("-"))
    between = (digit[:-2] & mark[1:-1] & digit[2:]).nonzero()[0] + 1
    century = ((codes[:-3] == ord("1")) & (codes[1:-2] == ord("9")) |
               (codes[:-3] == ord("2")) & (codes[1:-2] == ord("0"))) & digit[2:-1] & digit[3:]
    return page.blocks_of(between) | page.blocks_of(century.nonzero()[0])


# (block, term number) pairs: the content terms of a page's blocks (see content_terms).
Terms = tuple[np.ndarray, np.ndarray]


class BlockRows(NamedTuple):
    """What the features of a page's blocks owe to each block alone (its text and the page
    language), one entry per block: a later pass over some of the blocks takes their entries
    instead of computing them again."""

    own: np.ndarray  # the columns of _OWN, but for the page-level ones (in_region, repeats: 0)
    keys: list[str]  # the case-folded text, which the repeats are counted by
    terms: Terms | None = None  # the blocks' content terms (content_terms), once known

    def take(self, keep: list[bool]) -> BlockRows:
        """The entries of the blocks ``keep`` keeps.

        >>> page = blockstats.Page(["Red fox", "Home", "Grey fox"])
        >>> rows = BlockRows(np.zeros((3, 1)), ["red fox", "home", "grey fox"], content_terms(page, "en"))
        >>> sorted(rows.take([True, False, True]).terms[0].tolist())
        [0, 0, 1, 1]
        """
        rows = np.flatnonzero(keep)
        terms = self.terms
        if terms is not None:
            renumbered = np.full(len(self.keys), -1)
            renumbered[rows] = np.arange(len(rows))
            blocks = renumbered[terms[0]]
            kept = blocks >= 0
            terms = (blocks[kept], terms[1][kept])
        return BlockRows(self.own[rows], [self.keys[row] for row in rows.tolist()], terms)


_IN_REGION, _REPEATS = _OWN.index("in_region"), _OWN.index("repeats")


# Word shapes of prose in a script written with spaces (the mean word length and the share of
# words of at most three characters in the gold text of the wcxb-dev tune pages): what a block
# of Chinese, Japanese or Korean reads as, its words not being the spaced words these features
# measure.
_PROSE_MEAN_WORD = 4.9
_PROSE_SHORT_WORDS = 0.37
# Characters of a spaced script per word of its prose, with the space: a wide block's words.
_CHARS_PER_WORD = 6


def block_rows(page: blockstats.Page, scores: segment.PageScores) -> BlockRows:
    """The :class:`BlockRows` of the blocks of ``page`` (``scores``: its region scores).

    A block written mostly in wide characters (Han, kana, Hangul) or in Thai (written without
    spaces between its words) has its word counts read as prose of a spaced script of the same
    length would have them: its words are the characters the spaces would hold
    (:data:`_CHARS_PER_WORD` of its effective length), their shapes those of prose.  What tells
    its menu from its text is then its length, stopwords, punctuation and neighbours, as in a
    script without capitals.
    """
    n_words = page.words
    lengths = page.word_lengths
    flags = _flags(page)
    short_words = _ratio(page.word_count(lengths <= 3), n_words)
    mean_word = _ratio(page.count(blockstats.WORD), n_words)
    wide = page.count(blockstats.WIDE) + page.count_other(blockstats.THAI)
    if wide.any():
        wide_blocks = ((2 * wide >= page.count(blockstats.LETTER)) & (wide > 0)).nonzero()[0]
        n_words = n_words.copy()
        n_words[wide_blocks] = np.maximum(n_words[wide_blocks], scores.length[wide_blocks] // _CHARS_PER_WORD)
        short_words[wide_blocks] = _PROSE_SHORT_WORDS
        mean_word[wide_blocks] = _PROSE_MEAN_WORD
    columns = {
        "log_chars": _log1p_counts(scores.length),
        "log_words": _log1p_counts(n_words),
        "density": scores.density,
        "sentence_end": flags["sentence_end"],
        "colon_end": flags["colon_end"],
        "punct": page.count(blockstats.PUNCT) / np.maximum(page.chars, 1),
        "digits": page.count(blockstats.DIGIT) / np.maximum(page.chars, 1),
        "upper": page.count(blockstats.UPPER) / np.maximum(page.count(blockstats.LETTER), 1),
        "title_case": _ratio(page.title_words, n_words),
        "separators": page.count(blockstats.SEPARATOR),
        "bullet": flags["bullet"],
        "copyright": scores.copyright,
        "urlish": flags["urlish"],
        "date": flags["date"],
        "count": flags["count"],
        "short_words": short_words,
        "mean_word": mean_word,
        "score": scores.score,
        "in_region": 0.0,
        "repeats": 0.0,
    }
    own = np.empty((page.n, len(_OWN)))
    for column, name in enumerate(_OWN[:len(columns)]):
        own[:, column] = columns[name]
    own[:, len(columns):] = scores.kind[:, None] == _KIND_NUMBERS
    return BlockRows(own, list(map(str.casefold, page.texts)))


def page_features(texts: list[str], lang: str, params: segment.Params = segment.DEFAULT_PARAMS) -> list[list[float]]:
    """One feature row per block of a page (``texts`` in page order, ``lang`` its language).

    >>> rows = page_features(["Home | News", "The council met on Monday and agreed to build it."], "en")
    >>> len(rows), len(rows[0]) == len(feature_names())
    (2, True)
    """
    return page_matrix(blockstats.Page(texts), lang, params).tolist()


def page_matrix(page: blockstats.Page, lang: str, params: segment.Params = segment.DEFAULT_PARAMS,
                scores: segment.PageScores | None = None) -> np.ndarray:
    """:func:`page_features` as an array, one row per block of ``page`` (``scores``: its
    :func:`segment.score_page`, when already known)."""
    if not page.n:
        return np.zeros((0, len(feature_names())))
    if scores is None:
        scores = segment.score_page(page, lang, params)
    return rows_matrix(block_rows(page, scores), scores, lang, params)


def rows_matrix(blocks: BlockRows, scores: segment.PageScores, lang: str,
                params: segment.Params = segment.DEFAULT_PARAMS) -> np.ndarray:
    """:func:`page_matrix` of a page of blocks from their :class:`BlockRows` and region scores
    (at least one block): the page-level columns are computed here."""
    n = len(blocks.keys)
    # Every column is written in place into one array: the block's own, its neighbours', the
    # windowed means and the page's.
    out = np.empty((n, _FEATURE_COUNT))
    own = out[:, :len(_OWN)]
    own[:] = blocks.own
    region = own[:, _IN_REGION]
    for start, end in segment.best_segments(scores.score.tolist(), params.secondary):
        region[start:end] = 1.0
    counts = Counter(blocks.keys)
    own[:, _REPEATS] = np.minimum(np.fromiter(map(counts.__getitem__, blocks.keys), dtype=np.intp, count=n) - 1, 10)
    neighbours = own[:, _NEIGHBOUR_AT]
    column = len(_OWN)
    for offset in _OFFSETS:
        shifted = out[:, column:column + len(_NEIGHBOUR)]
        if offset < 0:
            shifted[:-offset] = -1.0
            shifted[-offset:] = neighbours[:offset]
        else:
            shifted[:-offset] = neighbours[offset:]
            shifted[max(0, n - offset):] = -1.0
        column += len(_NEIGHBOUR)
    # Windowed means from prefix sums (running sums, in block order).
    prefix = np.zeros((n + 1, len(_WINDOWED)))
    own[:, _WINDOWED_AT].cumsum(axis=0, out=prefix[1:])
    for width in _WINDOWS:
        low, high, count = _window(n, width)
        np.divide(prefix[high] - prefix[low], count[:, None], out=out[:, column:column + len(_WINDOWED)])
        column += len(_WINDOWED)
    lengths = scores.length
    total = int(lengths.sum()) or 1
    before = lengths.cumsum() - lengths
    density = own[:, _OWN.index("density")]
    page_density = sum(map(operator.mul, density.tolist(), lengths.tolist())) / total
    region_at = own[:, _IN_REGION].nonzero()[0]
    at = np.arange(n)
    if len(region_at):
        nearest = region_at.searchsorted(at).clip(1, len(region_at)) - 1
        distance = np.minimum(np.abs(at - region_at[nearest]),
                              np.abs(at - region_at[np.minimum(nearest + 1, len(region_at) - 1)]))
    else:
        distance = np.full(n, n)
    page_columns = out[:, column:]
    page_columns[:, 0] = at / n
    page_columns[:, 1] = before / total
    page_columns[:, 2] = (total - before - lengths) / total
    page_columns[:, 3] = math.log1p(n)
    page_columns[:, 4] = math.log1p(total)
    page_columns[:, 5] = page_density
    page_columns[:, 6] = 1.0 if lang in CJK else 0.0
    page_columns[:, 7] = _log1p_counts(distance)
    return out


_CONTEXT_OFFSETS = (-3, -2, -1, 1, 2, 3)
_CONTEXT_WINDOWS = (2, 5, 15)


def context_names() -> list[str]:
    """The names of the second stage's extra features (see :func:`context_features`)."""
    names = ["stage1"] + [f"stage1_at{offset:+d}" for offset in _CONTEXT_OFFSETS]
    names += [f"stage1_win{width}" for width in _CONTEXT_WINDOWS]
    names += ["stage1_page_mean", "stage1_page_max", "stage1_rank", "stage1_mass_before", "stage1_mass_after"]
    return names + list(_TEASER_NAMES) + list(_COHESION_NAMES)


# Lists of teasers (a title, perhaps a line of summary, the next title): what the second stage
# reads of the run of title-shaped blocks (at most this many words, no sentence end) around a
# block, and of repeated titles near it.  Computed from the block features alone.
_TITLE_WORDS = 14
_TEASER_WINDOW = 5
_TEASER_NAMES = ("title_shaped", "title_run", "win5_title_shaped", "win5_repeated", "win5_stage1_titles")
_LOG_WORDS = _OWN.index("log_words")
# How much of a block's vocabulary the rest of the page shares (see cohesion_columns).
_COHESION_NAMES = ("shared_confident", "shared_page", "shared_best", "log_terms")
_CONFIDENT = 1.0      # first-stage log-odds of a block whose words stand for the page's topic
_BEST_BLOCKS = 3
_MIN_TERM = 3         # shorter words are too often function words of some language
_UNSPACED = blockstats.WIDE | blockstats.THAI
_CONTEXT_COUNT = len(context_names())
_SENTENCE_END = _OWN.index("sentence_end")


def context_features(values: list[float], rows: list[list[float]], texts: list[str], lang: str) -> list[list[float]]:
    """What the first stage said about each block's neighbourhood and the whole page, the
    shape of the teaser lists around it and how much of its vocabulary the page's confident
    blocks share (``rows``: the blocks' feature rows, ``texts`` their texts, ``lang`` the page's
    language).

    >>> texts = ["Home", "News", "The cat sat."]
    >>> rows = context_features([2.0, -1.0, 3.0], page_features(texts, "en"), texts, "en")
    >>> len(rows[0]) == len(context_names()), rows[1][0], rows[1][3]
    (True, -1.0, 2.0)
    """
    return context_matrix(np.asarray(values, dtype=float), np.asarray(rows, dtype=float),
                          content_terms(blockstats.Page(texts), lang)).tolist()


def context_matrix(values: np.ndarray, rows: np.ndarray, terms: Terms) -> np.ndarray:
    """:func:`context_features` as an array, one row per block: the first stage's log-odds of
    the block and of its neighbours (-8 past the page's edges), their means over windows, the
    page's mean and top value, the block's rank on the page, and the share of the page's
    confident mass before and after it; then the teaser-list columns (:func:`teaser_columns`)
    and the cohesion columns (:func:`cohesion_columns` of the blocks' content ``terms``).

    >>> texts = ["Home", "News", "The cat sat."]
    >>> rows, terms = page_features(texts, "en"), content_terms(blockstats.Page(texts), "en")
    >>> context_matrix(np.array([2.0, -1.0, 3.0]), np.array(rows), terms)[:, [0, 3, 4]].tolist()
    [[2.0, -8.0, -1.0], [-1.0, 2.0, 3.0], [3.0, -1.0, -8.0]]
    """
    n = len(values)
    out = np.empty((n, _CONTEXT_COUNT))
    if not n:
        return out
    teasers = _CONTEXT_COUNT - len(_TEASER_NAMES) - len(_COHESION_NAMES)
    out[:, teasers:teasers + len(_TEASER_NAMES)] = teaser_columns(values, rows)
    out[:, _CONTEXT_COUNT - len(_COHESION_NAMES):] = cohesion_columns(values, terms)
    out[:, 0] = values
    column = 1
    for offset in _CONTEXT_OFFSETS:
        shifted = out[:, column]
        shifted.fill(-8.0)
        if offset < 0:
            shifted[-offset:] = values[:offset]
        else:
            shifted[:-offset] = values[offset:]
        column += 1
    prefix = np.zeros(n + 1)
    values.cumsum(out=prefix[1:])
    for width in _CONTEXT_WINDOWS:
        low, high, count = _window(n, width)
        np.divide(prefix[high] - prefix[low], count, out=out[:, column])
        column += 1
    at = np.arange(n)
    positive = np.maximum(0.0, probabilities(values) - 0.5)
    running = positive.cumsum()
    mass = running[-1] or 1.0
    rank = np.empty(n)
    rank[values.argsort(kind="stable")] = at / max(1, n - 1)
    out[:, column] = prefix[-1] / n
    out[:, column + 1] = values.max()
    out[:, column + 2] = rank
    out[:, column + 3] = (running - positive) / mass
    out[:, column + 4] = (mass - running) / mass
    return out


def teaser_columns(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The teaser-list columns of :func:`context_matrix` for blocks with first-stage log-odds
    ``values`` and feature rows ``rows``: whether the block is title-shaped (a few words, no
    sentence end), the log length of the run of title-shaped blocks it is in (0 outside one),
    the share of title-shaped blocks and of repeated blocks within five blocks of it, and the
    first stage's mean log-odds of the title-shaped blocks there (0 with none).

    >>> rows = np.array(page_features(["Home", "News", "The cat sat on the mat.", "Home"], "en"))
    >>> teaser_columns(np.array([-2.0, -1.0, 3.0, -2.0]), rows)[:, :2].round(3).tolist()
    [[1.0, 1.099], [1.0, 1.099], [0.0, 0.0], [1.0, 0.693]]
    """
    n = len(values)
    out = np.zeros((n, len(_TEASER_NAMES)))
    if not n:
        return out
    titled = (rows[:, _LOG_WORDS] <= math.log1p(_TITLE_WORDS)) & (rows[:, _SENTENCE_END] == 0)
    out[:, 0] = titled
    # Runs of title-shaped blocks: each block gets the length of its run.
    padded = np.concatenate(([0], titled.astype(np.int8), [0]))
    edges = (padded[1:] != padded[:-1]).nonzero()[0]
    runs = edges[1::2] - edges[::2]
    out[titled, 1] = _log1p_counts(runs).repeat(runs)  # the runs are the titled blocks, in order
    low, high, count = _window(n, _TEASER_WINDOW)
    for column, series in ((2, titled.astype(float)), (3, (rows[:, _REPEATS] > 0).astype(float)),
                           (4, np.where(titled, values, 0.0))):
        prefix = np.zeros(n + 1)
        series.cumsum(out=prefix[1:])
        np.divide(prefix[high] - prefix[low], count, out=out[:, column])
    counts = out[:, 2] * count
    out[:, 4] = np.divide(out[:, 4] * count, counts, out=np.zeros(n), where=counts > 0)
    return out


def content_terms(page: blockstats.Page, lang: str) -> Terms:
    """The content terms of the page's blocks, as (block, term number) pairs, each pair once:
    its words of at least three characters that hold a letter and are not stopwords of ``lang``,
    lower-cased; a word in a script written without spaces (Chinese, Japanese, Thai; and
    Korean, whose words carry their particles) gives its character pairs instead.

    >>> page = blockstats.Page(["The red fox", "A red car, a red fox", "12 of 34"])
    >>> blocks, terms = content_terms(page, "en")
    >>> sorted(blocks.tolist()), len(set(terms.tolist()))
    ([0, 0, 1, 1, 1], 3)
    """
    words = page.lowered_words
    count = len(words)
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    classes = page.word_classes
    candidate = ((classes & blockstats.LETTER) != 0) & ~stopword_words(page, lang)
    unspaced = ((classes & _UNSPACED) != 0) & candidate
    kept = candidate & ~unspaced & (page.word_lengths >= _MIN_TERM)
    numbers: dict[str, int] = {}  # a term's number: where it first occurs among the kept words
    terms = np.fromiter(map(numbers.setdefault, itertools.compress(words, kept.tolist()), itertools.count()),
                        dtype=np.int64)
    blocks = page.word_block[kept].astype(np.int64)
    if unspaced.any():  # character pairs get numbers after the words'
        pairs: dict[str, int] = {}
        extra_blocks, extra_terms = [], []
        for index in unspaced.nonzero()[0].tolist():
            word, block = words[index], int(page.word_block[index])
            for at in range(max(1, len(word) - 1)):
                extra_blocks.append(block)
                extra_terms.append(count + pairs.setdefault(word[at:at + 2], len(pairs)))
        blocks = np.concatenate((blocks, np.array(extra_blocks, dtype=np.int64)))
        terms = np.concatenate((terms, np.array(extra_terms, dtype=np.int64)))
    span = int(terms.max()) + 1 if len(terms) else 1
    # Each pair once (a set of small integers: cheaper than sorting them).
    keys = np.fromiter(set((blocks * span + terms).tolist()), dtype=np.int64)
    return keys // span, keys % span


def cohesion_columns(values: np.ndarray, terms: Terms) -> np.ndarray:
    """How much of each block's vocabulary the rest of the page shares: of its content terms
    (``terms``, :func:`content_terms`), the share found in another block the first stage is
    confident of (``values``: its log-odds, at least :data:`_CONFIDENT`), in any other block,
    and in another of the page's three best blocks (-1 for a block without content terms);
    then the log of its number of content terms.  The main text keeps to its topic; menus,
    footers and notices share little of its words.

    >>> page = blockstats.Page(["Home", "Red foxes hunt at night.", "Foxes hunt mice.", "Contact us"])
    >>> columns = cohesion_columns(np.array([-2.0, 3.0, 2.0, -2.0]), content_terms(page, "en"))
    >>> columns[:, 0].round(3).tolist()
    [-1.0, 0.5, 0.667, 0.0]
    """
    n = len(values)
    out = np.full((n, len(_COHESION_NAMES)), -1.0)
    blocks, terms = terms
    types = np.bincount(blocks, minlength=n)
    out[:, 3] = _log1p_counts(types)
    if not len(terms):
        return out
    confident = values >= _CONFIDENT
    best = np.zeros(n, dtype=bool)
    best[np.argsort(-values, kind="stable")[:_BEST_BLOCKS]] = True
    has = types > 0
    for column, members in ((0, confident), (1, np.ones(n, dtype=bool)), (2, best)):
        member = members[blocks]
        holders = np.bincount(terms, weights=member)
        shared = holders[terms] - member > 0  # held by another block of the set
        hits = np.bincount(blocks, weights=shared, minlength=n)
        out[has, column] = hits[has] / types[has]
    return out


class Forest(NamedTuple):
    """An ensemble of regression trees as arrays, evaluated for all rows and trees at once.

    Node ``k`` of tree ``t`` is entry ``t * width + k``, the two children of a node are
    neighbours, and a leaf loops back to itself (its test reads an extra column of zeros against
    +inf), so every row takes the same number of steps: one gather per level of the trees.
    """

    feature: np.ndarray    # the column each node tests
    threshold: np.ndarray  # go left when the value is at most this
    right: np.ndarray      # the right child (the left one is just before it)
    value: np.ndarray      # what a leaf adds
    trees: int
    depth: int             # the longest path from a root to a leaf
    columns: int           # the features the trees read (the zero column comes after them)


def forest(trees: list[dict]) -> Forest:
    """The trees of a model file (``feature``, ``threshold``, ``left``, ``right``, ``value``
    lists, -1 children for a leaf) as a :class:`Forest`."""
    width = max((len(tree["feature"]) for tree in trees), default=1)
    columns = 1 + max((max(tree["feature"]) for tree in trees), default=0)
    size = width * max(1, len(trees))
    feature = np.full(size, columns, dtype=np.intp)
    threshold = np.full(size, np.inf)
    right = np.arange(1, size + 1, dtype=np.intp)
    value = np.zeros(size)
    depth = 0
    for t, tree in enumerate(trees):
        left_of, right_of = tree["left"], tree["right"]
        # Number the nodes level by level so that siblings are neighbours.
        order, place, level, levels = [0], {0: t * width}, [0], 0
        while level:
            nxt = [child for node in level if left_of[node] >= 0 for child in (left_of[node], right_of[node])]
            for child in nxt:
                place[child] = t * width + len(order)
                order.append(child)
            levels += bool(nxt)
            level = nxt
        for node in order:
            at = place[node]
            if left_of[node] >= 0:
                feature[at], threshold[at] = tree["feature"][node], tree["threshold"][node]
                right[at] = place[right_of[node]]
            value[at] = tree["value"][node]
        depth = max(depth, levels)
    return Forest(feature, threshold, right, value, len(trees), depth, columns)


class Model(NamedTuple):
    """Stages of gradient-boosted trees and the decoding knobs.  The first stage reads the
    block features; each later one (the shipped model has three stages) reads them plus the
    stage before's view of the block's neighbourhood (:func:`context_features`)."""

    names: list[str]
    stages: list[tuple[float, Forest]]  # (starting log-odds, trees) per stage
    threshold: float                    # keep a block when its smoothed log-odds reach this
    smooth: float                       # weight of each neighbour's log-odds in the smoothing
    recall_weight: float = 0.0          # lower a page's threshold for expected recall (0: never)


def _trees(stage: dict) -> tuple[float, Forest]:
    return stage["base"], forest(stage["trees"])


def read_model_file(name: str, features: list[str], trainer: str) -> dict | None:
    """The shipped model file ``cleaner/models/NAME`` as data, None when the package has none;
    a model trained on other features than ``features`` is an error naming its ``trainer``."""
    entry = resources.files("cleaner") / "models" / name
    if not entry.is_file():
        return None
    data = json.loads(entry.read_text(encoding="utf-8"))
    if data["features"] != features:
        raise ValueError(f"cleaner/models/{name} was trained on other features; retrain it "
                         f"with {trainer}")
    return data


def trees_digest(data: dict) -> str:
    """A digest of the trees of a model file (its JSON read as ``data``): the HTML block ensemble
    reads a block model's log-odds as a feature and records the digest of the trees it was
    trained with, so that reading other trees without retraining it is caught.

    >>> model = {"stages": [{"base": 0.0, "trees": []}], "threshold": 1.0}
    >>> trees_digest(model) == trees_digest({**model, "threshold": 2.0})
    True
    """
    canonical = json.dumps(data["stages"], sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:12]


def model_of(data: dict) -> Model:
    """The :class:`Model` a model file holds (its JSON read as ``data``)."""
    return Model(data["features"], [_trees(stage) for stage in data["stages"]], data["threshold"],
                 data["smooth"], data.get("recall_weight", 0.0))


def _shipped_model(name: str, trainer: str) -> Model | None:
    data = read_model_file(name, feature_names(), trainer)
    return None if data is None else model_of(data)


@functools.lru_cache(maxsize=1)
def load_model() -> Model | None:
    """The shipped model, or None when the package has none."""
    return _shipped_model("blocks.json", "bench/train_blocks.py")


@functools.lru_cache(maxsize=1)
def load_html_feature_model() -> Model | None:
    """The block model whose log-odds the HTML block ensemble reads as a feature: the one it
    was trained with (``cleaner/models/html_block_model.json``), so that a refit of the text
    track's model does not change the HTML track; :func:`load_model`'s when the package has no
    such file."""
    return _shipped_model("html_block_model.json", "bench/train_blocks.py") or load_model()


@functools.lru_cache(maxsize=1)
def load_caseless_model() -> Model | None:
    """The shipped model of pages without capitals (see :func:`is_caseless`), or None when the
    package has none (such pages are then read by :func:`load_model`'s)."""
    return _shipped_model("blocks_caseless.json", "bench/train_blocks.py --lowercase")


# Capitals per letter under which a page is read as written without them: a few Latin names
# among Hangul, Arabic or Devanagari, or a page in lower case.  Prose of a cased script has a few
# in every hundred letters (sentence starts, names; of the 1,980 dev pages, the French one with
# the fewest has 1.8).  A page whose letters are mostly wide (Han, kana, Hangul) is read so
# whatever its Latin menu items hold (a Chinese dev page has 1.0 capitals in a hundred letters).
_CASELESS_CAPITALS = 0.005


def is_caseless(page: blockstats.Page) -> bool:
    """Whether the page is written without capitals: its blocks' case columns say nothing of
    them, and the model trained on pages in lower case reads it (:func:`load_caseless_model`).

    >>> is_caseless(blockstats.Page(["홈", "모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다."]))
    True
    >>> is_caseless(blockstats.Page(["Home", "All human beings are born free and equal."]))
    False
    """
    letters = int(page.count(blockstats.LETTER).sum())
    return letters > 0 and (int(page.count(blockstats.UPPER).sum()) < _CASELESS_CAPITALS * letters
                            or 2 * int(page.count(blockstats.WIDE).sum()) >= letters)


def ensemble(base: float, trees: Forest, rows) -> list[float]:
    """The log-odds an ensemble of trees gives each row (a list of feature lists or an array).

    >>> trees = forest([{"feature": [0, -1, -1], "threshold": [0.5, 0, 0], "left": [1, -1, -1],
    ...                  "right": [2, -1, -1], "value": [0.0, -1.0, 2.0]}])
    >>> ensemble(0.25, trees, [[0.0], [1.0]])
    [-0.75, 2.25]
    """
    return ensemble_array(base, trees, np.asarray(rows, dtype=float)).tolist()


# Rows walked at once: the walk's arrays (trees times rows) stay in the processor's cache, which
# makes a row cost a third less than in chunks of thousands, and memory stays bounded on a page
# of a million blocks.
_ROWS_AT_ONCE = 512


def ensemble_array(base: float, trees: Forest, rows: np.ndarray) -> np.ndarray:
    """:func:`ensemble` of an array of rows, as an array."""
    n = len(rows)
    if not n or not trees.trees:
        return np.full(n, float(base))
    if n > _ROWS_AT_ONCE:
        return np.concatenate([_walk(base, trees, rows[start:start + _ROWS_AT_ONCE])
                               for start in range(0, n, _ROWS_AT_ONCE)])
    return _walk(base, trees, rows)


# The walk's arrays are kept from one walk to the next, one set per thread: arrays of this size
# made afresh for every walk are memory the allocator maps anew each time, and the page faults of
# its first writes cost as much as the walk's own gathers when other work runs between walks.
_WORK = threading.local()


def _work_array(name: str, shape: tuple[int, int], dtype=float) -> np.ndarray:
    """An array of ``shape`` (contents undefined) in this thread's kept storage for ``name``,
    which grows to the largest size asked for."""
    size = shape[0] * shape[1]
    kept = _WORK.__dict__.get(name)
    if kept is None or len(kept) < size:
        kept = _WORK.__dict__[name] = np.empty(size, dtype=dtype)
    return kept[:size].reshape(shape)


def _walk(base: float, trees: Forest, rows: np.ndarray) -> np.ndarray:
    """The log-odds of each of ``rows`` (at least one), all trees walked together.

    >>> trees = forest([{"feature": [0, 1, -1, -1, -1], "threshold": [0.5, 2.0, 0, 0, 0],
    ...                  "left": [1, 3, -1, -1, -1], "right": [2, 4, -1, -1, -1],
    ...                  "value": [0.0, 0.0, 5.0, 1.0, 2.0]}] * 2)
    >>> _walk(0.5, trees, np.array([[0.0, 1.0], [0.0, 3.0], [1.0, 0.0]])).tolist()
    [2.5, 4.5, 10.5]
    """
    n = len(rows)
    # The features column by column, with a column of zeros after them for the leaves' tests:
    # the value a node tests for a row is at (its column) * n + (the row).
    table = _work_array("table", (trees.columns + 1, n))
    table[:trees.columns] = rows[:, :trees.columns].T
    table[trees.columns] = 0.0
    flat = table.ravel()
    column_start = trees.feature * n
    row = np.arange(n)
    roots = (np.arange(trees.trees) * (len(trees.value) // trees.trees))[:, None]
    threshold, right = trees.threshold, trees.right
    shape = (trees.trees, n)
    node, spare, index = (_work_array(name, shape, np.intp) for name in ("node", "spare", "index"))
    values, limits = _work_array("values", shape), _work_array("limits", shape)
    left = _work_array("left", shape, bool)
    # One gather per level, trees down the first axis and rows along the second, into the kept
    # arrays ("clip" lets take write into them directly; every index is in range).
    table.take(trees.feature[roots[:, 0]], axis=0, out=values, mode="clip")
    np.less_equal(values, threshold[roots], out=left)
    np.subtract(right[roots], left, out=node)
    for _ in range(trees.depth - 1):
        column_start.take(node, out=index, mode="clip")
        index += row
        flat.take(index, out=values, mode="clip")
        threshold.take(node, out=limits, mode="clip")
        np.less_equal(values, limits, out=left)
        right.take(node, out=spare, mode="clip")
        np.subtract(spare, left, out=spare)
        node, spare = spare, node
    # Summed tree by tree from the base, in order, as a running sum does (a reduction down the
    # first axis of a C-ordered array adds whole rows in turn; tests/test_quality.py checks it
    # against a walk in plain Python).
    totals = _work_array("totals", (trees.trees + 1, n))
    totals[0] = base
    trees.value.take(node, out=totals[1:], mode="clip")
    return np.add.reduce(totals, axis=0)


def log_odds(model: Model, rows, terms: Terms) -> list[float]:
    """The model's log-odds that each block (one feature row each, in page order; ``terms``:
    the blocks' :func:`content_terms`) is main text."""
    rows = np.asarray(rows, dtype=float)
    values = ensemble_array(*model.stages[0], rows)
    for base, trees in model.stages[1:]:
        values = ensemble_array(base, trees, np.hstack([rows, context_matrix(values, rows, terms)]))
    return values.tolist()


def smoothed(values, weight: float) -> list[float]:
    """Each value averaged with its two neighbours, each neighbour weighing ``weight``.

    >>> smoothed([1.0, -1.0, 1.0], 0.5)
    [0.3333333333333333, 0.0, 0.3333333333333333]
    """
    values = np.asarray(values, dtype=float)
    total, mass = values.copy(), np.ones(len(values))
    total[1:] += weight * values[:-1]
    mass[1:] += weight
    total[:-1] += weight * values[1:]
    mass[:-1] += weight
    return (total / mass).tolist()


def probability(value: float) -> float:
    """The logistic function, guarded against overflow.

    >>> probability(0.0)
    0.5
    """
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, value))))


def probabilities(values) -> np.ndarray:
    """:func:`probability` of each value, all at once.

    >>> probabilities([0.0, 100.0]).tolist()
    [0.5, 0.9999999999999065]
    """
    return 1.0 / (1.0 + np.exp(-np.asarray(values, dtype=float).clip(-30.0, 30.0)))
