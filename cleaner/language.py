"""The page language, guessed from stopwords, and each block's stopword density.

Language knowledge is data: ``cleaner/rules/stopwords/<lang>.txt`` (see its SOURCES.md).  The
guess is cheap, one dictionary look-up per word: the language whose stopwords cover most of
the document's words wins.  Chinese, Japanese, Korean and Thai are recognised by their scripts
and matched without word boundaries.
"""
from __future__ import annotations

import functools
import itertools
from importlib import resources

import numpy as np
import regex

from . import blockstats

_LETTER_OR_MARK = regex.compile(r"[\p{L}\p{M}]")
CJK = ("zh", "ja", "ko")
# Languages whose stopwords are matched without word boundaries: Chinese, Japanese and Thai write
# no spaces between words, and Korean's particles are glued to them.
UNSPACED = CJK + ("th",)
# Words looked at for the guess: enough to be sure, bounded so huge pages cost no more.
_SAMPLE_WORDS = 5000
_SAMPLE_CHARS = 60000
# Characters whose scripts tell Chinese, Japanese and Korean apart.
_HEAD_CHARS = 20000


@functools.lru_cache(maxsize=None)
def stopwords(lang: str) -> frozenset[str]:
    """The stopword list of ``lang`` (empty when none is shipped).

    >>> "the" in stopwords("en") and "und" in stopwords("de")
    True
    """
    entry = resources.files("cleaner") / "rules" / "stopwords" / f"{lang}.txt"
    if not entry.is_file():
        return frozenset()
    return frozenset(w for w in entry.read_text(encoding="utf-8").split("\n") if w)


@functools.lru_cache(maxsize=1)
def _languages() -> tuple[str, ...]:
    """The languages with stopword lists of spaced words (not :data:`UNSPACED`), in file-name order."""
    folder = resources.files("cleaner") / "rules" / "stopwords"
    return tuple(entry.name.removesuffix(".txt") for entry in sorted(folder.iterdir(), key=lambda e: e.name)
                 if entry.name.endswith(".txt") and entry.name.removesuffix(".txt") not in UNSPACED)


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    """Each stopword and the languages that list it, as bits (bit ``i`` for ``_languages()[i]``)."""
    masks: dict[str, int] = {}
    for bit, lang in enumerate(_languages()):
        for word in stopwords(lang):
            masks[word] = masks.get(word, 0) | 1 << bit
    return masks


def _word_masks(page: blockstats.Page) -> np.ndarray:
    """The languages listing each word of the page (bits of :func:`_index`, 0 for none)."""
    masks = page.derived.get("stopword_masks")
    if masks is None:
        words = page.lowered_words
        dtype = np.uint64 if len(_languages()) <= 64 else object
        masks = np.fromiter(map(_index().get, words, itertools.repeat(0)), dtype=dtype, count=len(words))
        page.derived["stopword_masks"] = masks
    return masks


@functools.lru_cache(maxsize=None)
def _unspaced_pattern(lang: str) -> regex.Pattern:
    words = sorted(stopwords(lang), key=len, reverse=True)
    return regex.compile("|".join(regex.escape(w) for w in words))


def guess_language(text: str) -> str:
    """The language code whose stopwords fit ``text`` best ("" when none fits).

    >>> guess_language("Die Katze sitzt auf der Matte und schläft, weil es warm ist.")
    'de'
    >>> guess_language("The cat sat on the mat because it was warm and quiet there.")
    'en'
    >>> guess_language("猫はマットの上で寝ています。")
    'ja'
    >>> guess_language("มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกันในเกียรติศักดิ์และสิทธิ")
    'th'
    """
    return guess_page_language(blockstats.Page([text[:_SAMPLE_CHARS]]))


def guess_page_language(page: blockstats.Page) -> str:
    """The language of a page (its blocks joined by newlines), as :func:`guess_language`."""
    head = page.bits[:_HEAD_CHARS]
    if head.size and (head & (blockstats.WIDE | blockstats.THAI)).any():
        letters = blockstats.count(head, blockstats.LETTER) or 1
        if blockstats.count(head, blockstats.THAI) > 0.3 * letters:
            return "th"
        if blockstats.count(head, blockstats.HANGUL) > 0.3 * letters:
            return "ko"
        kana, han = blockstats.count(head, blockstats.KANA), blockstats.count(head, blockstats.HAN)
        if kana + han > 0.3 * letters:
            return "ja" if kana > 0.1 * (kana + han) else "zh"
    # The language listing most of the sample's words; on a tie, the one a word-by-word count
    # meets first (first in the text, then in file-name order).
    size = _sample_size(page)
    sample = _word_masks(page)[:size]
    if size and page.word_ends[size - 1] > _SAMPLE_CHARS:  # the sample's end cuts a word
        sample = sample.copy()
        sample[-1] = _index().get(page.joined[page.word_starts[size - 1]:_SAMPLE_CHARS].lower(), 0)
    languages = _languages()
    sample = _english_only(sample, languages)
    # A page repeats few distinct stopwords: each distinct set of languages is counted once,
    # with how often and where first it occurs.
    masks, first_at, times = np.unique(sample[sample != 0], return_index=True, return_counts=True)
    if not len(masks):
        return ""
    bits = np.arange(len(languages), dtype=np.uint64) if masks.dtype != object else np.arange(len(languages))
    listed = ((masks[:, None] >> bits) & 1).astype(bool)
    votes = times @ listed
    if not votes.any():
        return ""
    # where each language's first listed word is, among the sample's stopwords (as positions
    # among the non-zero entries keep their order, the earliest is the same)
    first = np.where(listed, first_at[:, None], len(sample)).min(axis=0)
    best = (votes == votes.max()).nonzero()[0].tolist()
    return languages[min(best, key=lambda i: (first[i], i))]


# The lists were drawn from Wikipedia, whose articles in every language quote English: many
# lists hold English words ("the", "and", "city"), and the largest of them outvote English on
# English pages.  So, for the guess only, a word the English list holds is evidence of English
# alone (the densities still use each language's whole list).
_ENGLISH = "en"


def _english_only(masks: np.ndarray, languages: tuple[str, ...]) -> np.ndarray:
    """``masks`` (bits of :func:`_index`) with every word English lists counted for English alone.

    >>> languages = ("de", "en", "fi")
    >>> _english_only(np.array([0b111, 0b101, 0b010, 0], dtype=np.uint64), languages).tolist()
    [2, 5, 2, 0]
    """
    if _ENGLISH not in languages:
        return masks
    english = 1 << languages.index(_ENGLISH)
    if masks.dtype == object:
        return np.array([english if mask & english else mask for mask in masks], dtype=object)
    english = np.uint64(english)
    return np.where(masks & english, english, masks)


def _sample_size(page: blockstats.Page) -> int:
    """How many of the page's first words the guess reads: at most ``_SAMPLE_WORDS``, and only
    those starting within its first ``_SAMPLE_CHARS`` characters."""
    size = min(_SAMPLE_WORDS, len(page.word_starts))
    if len(page.joined) > _SAMPLE_CHARS:
        size = min(size, int(page.word_starts.searchsorted(_SAMPLE_CHARS)))
    return size


def stopword_density(text: str, lang: str) -> float:
    """The share of ``text``'s words that are stopwords of ``lang`` (of its characters, for
    the languages of :data:`UNSPACED`).

    >>> round(stopword_density("The cat sat on the mat", "en"), 2)
    0.5
    """
    return float(stopword_densities(blockstats.Page([text]), lang)[0])


def stopword_densities(page: blockstats.Page, lang: str) -> np.ndarray:
    """:func:`stopword_density` of each block of a page."""
    if lang in UNSPACED:
        return np.array([_unspaced_density(text, lang) for text in page.texts], dtype=float)
    if lang not in _languages():
        return np.zeros(page.n)
    hits = page.word_count(stopword_words(page, lang))
    total = page.words
    return np.divide(hits, total, out=np.zeros(page.n), where=total > 0)


def stopword_words(page: blockstats.Page, lang: str) -> np.ndarray:
    """Whether each word of the page (:attr:`blockstats.Page.lowered_words`) is a stopword of
    ``lang``.

    >>> stopword_words(blockstats.Page(["The cat", "and the dog"]), "en").tolist()
    [True, False, True, True, False]
    """
    languages = _languages()
    if lang not in languages:
        return np.zeros(len(page.lowered_words), dtype=bool)
    masks = _word_masks(page)
    bit = languages.index(lang)
    return ((masks >> (np.uint64(bit) if masks.dtype != object else bit)) & 1).astype(bool)


def _unspaced_density(text: str, lang: str) -> float:
    """The share of ``text``'s letters (and their marks: Thai writes vowels and tones as marks)
    that its stopwords cover, found without word boundaries."""
    letters = len(_LETTER_OR_MARK.findall(text))
    if not letters:
        return 0.0
    covered = sum(len(m) for m in _unspaced_pattern(lang).findall(text))
    return min(1.0, covered / letters)
