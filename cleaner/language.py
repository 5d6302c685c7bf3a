"""The page language, guessed from stopwords, and each block's stopword density.

Language knowledge is data: ``cleaner/rules/stopwords/<lang>.txt`` (see its SOURCES.md).  The
guess is cheap, one dictionary look-up per word: the language whose stopwords cover most of
the document's words wins.  Chinese, Japanese and Korean are recognised by their scripts and
matched without word boundaries.
"""
from __future__ import annotations

import functools
from collections import Counter
from importlib import resources

import regex

_WORD = regex.compile(r"\w+")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")
_HAN = regex.compile(r"\p{Han}")
_LETTER = regex.compile(r"\p{L}")
CJK = ("zh", "ja", "ko")
# Words looked at for the guess: enough to be sure, bounded so huge pages cost no more.
_SAMPLE_WORDS = 5000


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
def _index() -> dict[str, tuple[str, ...]]:
    """Each stopword and the languages (written with spaces) that list it."""
    folder = resources.files("cleaner") / "rules" / "stopwords"
    langs: dict[str, list[str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        lang = entry.name.removesuffix(".txt")
        if not entry.name.endswith(".txt") or lang in CJK:
            continue
        for word in stopwords(lang):
            langs.setdefault(word, []).append(lang)
    return {word: tuple(found) for word, found in langs.items()}


@functools.lru_cache(maxsize=None)
def _cjk_pattern(lang: str) -> regex.Pattern:
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
    """
    sample = text[:60000]
    letters = len(_LETTER.findall(sample[:20000])) or 1
    head = sample[:20000]
    if len(_HANGUL.findall(head)) > 0.3 * letters:
        return "ko"
    kana = len(_KANA.findall(head))
    han = len(_HAN.findall(head))
    if kana + han > 0.3 * letters:
        return "ja" if kana > 0.1 * (kana + han) else "zh"
    index = _index()
    votes: Counter[str] = Counter()
    for count, word in enumerate(_WORD.finditer(sample)):
        if count >= _SAMPLE_WORDS:
            break
        for lang in index.get(word.group().lower(), ()):
            votes[lang] += 1
    if not votes:
        return ""
    return votes.most_common(1)[0][0]


def stopword_density(text: str, lang: str) -> float:
    """The share of ``text``'s words that are stopwords of ``lang`` (of its characters, for
    Chinese, Japanese and Korean).

    >>> round(stopword_density("The cat sat on the mat", "en"), 2)
    0.5
    """
    if lang in CJK:
        letters = len(_LETTER.findall(text))
        if not letters:
            return 0.0
        covered = sum(len(m) for m in _cjk_pattern(lang).findall(text))
        return min(1.0, covered / letters)
    words = _WORD.findall(text)
    if not words:
        return 0.0
    listed = stopwords(lang)
    return sum(1 for w in words if w.lower() in listed) / len(words)
