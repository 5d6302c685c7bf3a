"""A small learned model of which blocks are the document: features, trees, decoding.

Each block gets features that carry across languages: its length, its stopword density with
the page language's list, punctuation, digits and capitals, whether it ends like a sentence,
navigation shapes (separators, a copyright line), its position and repetition in the page, the
region score of :mod:`cleaner.segment`, and the same for its neighbours.  A small ensemble of
regression trees (gradient boosting, trained by ``bench/train_blocks.py`` on the tuning split
of the dev pages) turns them into a probability that the block is main text.  The model ships as
``cleaner/models/blocks.json`` and is evaluated here in pure Python.

The probabilities are then decoded with the page's contiguity in mind: each block's log-odds
are averaged with its neighbours', and a block is kept when the smoothed value passes the
model's threshold (chosen on the tuning split for high recall).
"""
from __future__ import annotations

import functools
import json
import math
from collections import Counter
from importlib import resources
from typing import NamedTuple

import regex

from . import segment
from .language import CJK, stopword_density

_WORD = regex.compile(r"\w+")
_LETTER = regex.compile(r"\p{L}")
_UPPER = regex.compile(r"\p{Lu}")
_DIGIT = regex.compile(r"\d")
_PUNCT = regex.compile(r"\p{P}")
_SENTENCE_END = regex.compile(r"[.!?…。！？]['\"”’»)\]]*$")
_COLON_END = regex.compile(r"[:;]$")
_SEPARATOR = regex.compile(r"[|»›·•→←/>]")
_BULLET = regex.compile(r"^[-*•·▪►‣◦–—>]\s")
_COPYRIGHT = regex.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved", regex.IGNORECASE)
_URLISH = regex.compile(r"https?://|www\.|\w@\w|\.\w{2,4}/")
_DATE = regex.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(?:19|20)\d\d\b")
_COUNT = regex.compile(r"^\(?\d+\)?$|\(\d+\)$")
_KINDS = ("good", "near-good", "fragment", "sentence", "bad", "nav")

# Features of a block that its neighbours also report (by index into the block's own list).
_OWN = ("log_chars", "log_words", "density", "sentence_end", "colon_end", "punct", "digits",
        "upper", "title_case", "separators", "bullet", "copyright", "urlish", "date", "count",
        "short_words", "mean_word", "score", "in_region", "repeats", "kind_good", "kind_near",
        "kind_fragment", "kind_sentence", "kind_bad", "kind_nav")
_NEIGHBOUR = ("log_chars", "density", "sentence_end", "score", "in_region", "separators",
              "title_case", "kind_nav")
_OFFSETS = (-2, -1, 1, 2)
_WINDOWS = (3, 10)
_WINDOWED = ("log_chars", "density", "sentence_end", "score")


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


def _own_features(text: str, lang: str, scored: segment.Scored, in_region: bool, repeats: int) -> list[float]:
    words = _WORD.findall(text)
    n_words = len(words)
    chars = len(text) or 1
    letters = len(_LETTER.findall(text)) or 1
    title = sum(1 for w in words if w[:1].isupper()) / n_words if n_words else 0.0
    short = sum(1 for w in words if len(w) <= 3) / n_words if n_words else 0.0
    mean_word = sum(len(w) for w in words) / n_words if n_words else 0.0
    kind = [1.0 if scored.kind == k else 0.0 for k in _KINDS]
    return [
        math.log1p(scored.length),
        math.log1p(n_words),
        scored.density,
        1.0 if _SENTENCE_END.search(text) else 0.0,
        1.0 if _COLON_END.search(text) else 0.0,
        len(_PUNCT.findall(text)) / chars,
        len(_DIGIT.findall(text)) / chars,
        len(_UPPER.findall(text)) / letters,
        title,
        float(len(_SEPARATOR.findall(text))),
        1.0 if _BULLET.search(text) else 0.0,
        1.0 if _COPYRIGHT.search(text) else 0.0,
        1.0 if _URLISH.search(text) else 0.0,
        1.0 if _DATE.search(text) else 0.0,
        1.0 if _COUNT.search(text) else 0.0,
        short,
        mean_word,
        scored.score,
        1.0 if in_region else 0.0,
        float(min(repeats, 10)),
        *kind,
    ]


def page_features(texts: list[str], lang: str, params: segment.Params = segment.DEFAULT_PARAMS) -> list[list[float]]:
    """One feature row per block of a page (``texts`` in page order, ``lang`` its language).

    >>> rows = page_features(["Home | News", "The council met on Monday and agreed to build it."], "en")
    >>> len(rows), len(rows[0]) == len(feature_names())
    (2, True)
    """
    n = len(texts)
    if not n:
        return []
    scored = [segment.score_block(text, lang, params) for text in texts]
    region = [False] * n
    for start, end in segment.best_segments([s.score for s in scored], params.secondary):
        region[start:end] = [True] * (end - start)
    counts = Counter(text.casefold() for text in texts)
    own = [_own_features(text, lang, s, r, counts[text.casefold()] - 1)
           for text, s, r in zip(texts, scored, region)]
    index = {name: i for i, name in enumerate(_OWN)}
    neighbour_cols = [index[name] for name in _NEIGHBOUR]
    window_cols = [index[name] for name in _WINDOWED]
    # Prefix sums for the windowed means.
    prefix = [[0.0] * (n + 1) for _ in window_cols]
    for j, col in enumerate(window_cols):
        acc = prefix[j]
        for i in range(n):
            acc[i + 1] = acc[i] + own[i][col]
    lengths = [s.length for s in scored]
    total = sum(lengths) or 1
    before = 0
    page_density = sum(s.density * s.length for s in scored) / total
    region_at = [i for i in range(n) if region[i]]
    rows = []
    missing = [-1.0] * len(_NEIGHBOUR)
    for i in range(n):
        row = list(own[i])
        for offset in _OFFSETS:
            j = i + offset
            row += [own[j][c] for c in neighbour_cols] if 0 <= j < n else missing
        for width in _WINDOWS:
            low, high = max(0, i - width), min(n, i + width + 1)
            row += [(prefix[k][high] - prefix[k][low]) / (high - low) for k in range(len(window_cols))]
        distance = min((abs(i - j) for j in region_at), default=n) if not region[i] else 0
        row += [i / n, before / total, (total - before - lengths[i]) / total, math.log1p(n),
                math.log1p(total), page_density, 1.0 if lang in CJK else 0.0,
                math.log1p(distance)]
        before += lengths[i]
        rows.append(row)
    return rows


_CONTEXT_OFFSETS = (-3, -2, -1, 1, 2, 3)
_CONTEXT_WINDOWS = (2, 5, 15)


def context_names() -> list[str]:
    """The names of the second stage's extra features (see :func:`context_features`)."""
    names = ["stage1"] + [f"stage1_at{offset:+d}" for offset in _CONTEXT_OFFSETS]
    names += [f"stage1_win{width}" for width in _CONTEXT_WINDOWS]
    return names + ["stage1_page_mean", "stage1_page_max", "stage1_rank", "stage1_mass_before",
                    "stage1_mass_after"]


def context_features(values: list[float]) -> list[list[float]]:
    """What the first stage said about each block's neighbourhood and the whole page.

    >>> rows = context_features([2.0, -1.0, 3.0])
    >>> len(rows[0]) == len(context_names()), rows[1][0], rows[1][3]
    (True, -1.0, 2.0)
    """
    n = len(values)
    prefix = [0.0]
    for value in values:
        prefix.append(prefix[-1] + value)
    positive = [max(0.0, probability(v) - 0.5) for v in values]
    mass = sum(positive) or 1.0
    order = sorted(range(n), key=values.__getitem__)
    rank = [0.0] * n
    for position, index in enumerate(order):
        rank[index] = position / max(1, n - 1)
    mean, top = prefix[-1] / n if n else 0.0, max(values, default=0.0)
    rows = []
    before = 0.0
    for i, value in enumerate(values):
        row = [value] + [values[i + o] if 0 <= i + o < n else -8.0 for o in _CONTEXT_OFFSETS]
        for width in _CONTEXT_WINDOWS:
            low, high = max(0, i - width), min(n, i + width + 1)
            row.append((prefix[high] - prefix[low]) / (high - low))
        row += [mean, top, rank[i], before / mass, (mass - before - positive[i]) / mass]
        before += positive[i]
        rows.append(row)
    return rows


Trees = list[tuple[list[int], list[float], list[int], list[int], list[float]]]


class Model(NamedTuple):
    """Two stages of gradient-boosted trees, as flat arrays, and the decoding knobs.  The first
    stage reads the block features; the second reads them plus the first stage's view of the
    block's neighbourhood (:func:`context_features`)."""

    names: list[str]
    stages: list[tuple[float, Trees]]   # (starting log-odds, trees) per stage
    threshold: float                    # keep a block when its smoothed log-odds reach this
    smooth: float                       # weight of each neighbour's log-odds in the smoothing


def _trees(stage: dict) -> tuple[float, Trees]:
    return stage["base"], [(t["feature"], t["threshold"], t["left"], t["right"], t["value"])
                           for t in stage["trees"]]


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


@functools.lru_cache(maxsize=1)
def load_model() -> Model | None:
    """The shipped model, or None when the package has none."""
    data = read_model_file("blocks.json", feature_names(), "bench/train_blocks.py")
    if data is None:
        return None
    return Model(data["features"], [_trees(stage) for stage in data["stages"]], data["threshold"],
                 data["smooth"])


def ensemble(base: float, trees: Trees, rows: list[list[float]]) -> list[float]:
    """The log-odds an ensemble of trees gives each row."""
    out = []
    for row in rows:
        total = base
        for feature, threshold, left, right, value in trees:
            node = 0
            while left[node] >= 0:
                node = left[node] if row[feature[node]] <= threshold[node] else right[node]
            total += value[node]
        out.append(total)
    return out


def log_odds(model: Model, rows: list[list[float]]) -> list[float]:
    """The model's log-odds that each block (one feature row each, in page order) is main text."""
    values = ensemble(*model.stages[0], rows)
    for base, trees in model.stages[1:]:
        values = ensemble(base, trees, [row + extra for row, extra in zip(rows, context_features(values))])
    return values


def smoothed(values: list[float], weight: float) -> list[float]:
    """Each value averaged with its two neighbours, each neighbour weighing ``weight``.

    >>> smoothed([1.0, -1.0, 1.0], 0.5)
    [0.3333333333333333, 0.0, 0.3333333333333333]
    """
    n = len(values)
    out = []
    for i, value in enumerate(values):
        total, mass = value, 1.0
        for j in (i - 1, i + 1):
            if 0 <= j < n:
                total += weight * values[j]
                mass += weight
        out.append(total / mass)
    return out


def probability(value: float) -> float:
    """The logistic function, guarded against overflow.

    >>> probability(0.0)
    0.5
    """
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, value))))
