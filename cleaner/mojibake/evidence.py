"""Evidence that a stretch of text is mojibake: a weirdness count that knows no corpus.

Real text in any language puts characters together in ways mojibake does not: a letter never
touches a box-drawing character or a C1 control, a lower-case letter is not followed by an
upper-case one inside a word, two scripts do not meet without a space, a combining mark follows a
letter of its own script, a Thai leading vowel is followed by a consonant, and a one-character
word is not glued between two dashes (``–Т—Б–µ``: real text glues a dash between words, as in
``Москва—Петербург``, but never makes a word of one letter or symbol that way).
:func:`weirdness` counts such meetings; a re-decoding is worth making when it removes them.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from itertools import accumulate, compress
from typing import NamedTuple

import regex

# Letters of these scripts mix freely within a word (Japanese, Korean with Hanja).
_SCRIPT_GROUPS = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HANGUL": "HAN",
                  "BOPOMOFO": "HAN", "IDEOGRAPHIC": "HAN", "HALFWIDTH": "HAN", "FULLWIDTH": "HAN"}
_SCRIPTS = {
    "LATIN", "CYRILLIC", "GREEK", "COPTIC", "ARMENIAN", "HEBREW", "ARABIC", "SYRIAC", "THAANA",
    "NKO", "SAMARITAN", "MANDAIC", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA",
    "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "THAI", "LAO", "TIBETAN", "MYANMAR",
    "GEORGIAN", "ETHIOPIC", "CHEROKEE", "KHMER", "MONGOLIAN", *_SCRIPT_GROUPS,
}
# Symbols that follow a word in real text (trade marks).
_SYMBOLS_AFTER_LETTERS = frozenset("™®")
# Punctuation that opens something and so is preceded by a space, never glued to a letter.
_NEVER_AFTER_LETTER = frozenset("„‚•¡¿")
_SUPERSCRIPTS = frozenset("¹²³")  # m², km³
_THAI_LEADING_VOWELS = frozenset("เแโใไ")


class CharClass(NamedTuple):
    """kind: L letter, M mark, N digit, P punctuation, S symbol, Z space, F format, X bad."""

    kind: str
    script: str  # "" for characters shared by all scripts
    lower: bool
    upper: bool


@lru_cache(maxsize=65536)
def char_class(char: str) -> CharClass:
    """The coarse class of one character.

    >>> char_class("я")
    CharClass(kind='L', script='CYRILLIC', lower=True, upper=False)
    >>> char_class("\\x85").kind, char_class("╟").kind, char_class("\\ufffd").kind
    ('X', 'S', 'X')
    """
    if char < "\x80":
        category = unicodedata.category(char)
        kind = "Z" if category in ("Cc", "Zs") else category[0].replace("C", "Z")
        return CharClass(kind, "LATIN" if category[0] == "L" else "", category == "Ll", category == "Lu")
    category = unicodedata.category(char)
    if category in ("Cc", "Co", "Cn", "Cs") or char == "\ufffd":
        return CharClass("X", "", False, False)
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    script = _SCRIPT_GROUPS.get(first, first) if first in _SCRIPTS else ""
    head = category[0]
    if head == "L" and category == "Lm" and not script:
        head = "S"  # spacing modifier letters such as U+02C6 behave as accents, not letters
    if category == "No" and char not in _SUPERSCRIPTS:
        head = "S"  # vulgar fractions and circled numbers do not touch letters in real text
    kind = {"L": "L", "M": "M", "N": "N", "P": "P", "S": "S", "Z": "Z", "C": "F"}[head]
    return CharClass(kind, script, category == "Ll", category == "Lu")


def weirdness(text: str) -> int:
    """Count the places where ``text`` puts characters together as real text does not.

    >>> weirdness("привет"), weirdness("п©я─п╕п╡п╣я┌")
    (0, 11)
    >>> weirdness("“Curly” quotes — and don’t… ภาษาไทย 100€")
    0
    >>> weirdness("โ€”") > 0
    True
    """
    score = _dash_enclosed(text)
    previous = ""
    pairs = _PAIRS
    for char in text:  # (short stretches: a plain loop beats building the profile)
        key = previous + char
        value = pairs.get(key)
        score += _pair_value(key) if value is None else value
        previous = char
    return score


# Weirdness of a character given the one before it, memoised: text repeats its pairs.
_PAIRS: dict[str, int] = {}


def weirdness_profile(text: str, where: bytes | None = None) -> list[int]:
    """Running weirdness of ``text``: ``profile[i]`` is the weirdness that the characters before
    position ``i`` show, each with the one before it.  One pass over a line answers the
    weirdness of every stretch of it (see :func:`stretch_weirdness`), for every codec.  With
    ``where`` (one byte per character), only characters marked there are counted: enough for
    stretches that lie wholly among marked characters.

    >>> profile = weirdness_profile("ab╟cd")
    >>> stretch_weirdness("ab╟cd", profile, 1, 4) == weirdness("b╟c")
    True
    """
    return [0, *accumulate(weirdness_values(text, where))]


def weirdness_values(text: str, where: bytes | None = None) -> list[int]:
    """The weirdness each character of ``text`` adds, with the one before it (only at the
    positions marked in ``where``, if given; 0 elsewhere).

    >>> weirdness_values("a╟b")
    [0, 1, 1]
    >>> weirdness_values("a╟b", b"\\x00\\x00\\x01")
    [0, 0, 1]
    """
    pairs = _PAIRS
    if where is None:
        values = []
        append = values.append
        previous = ""
        for char in text:
            key = previous + char
            value = pairs.get(key)
            append(_pair_value(key) if value is None else value)
            previous = char
    else:
        values = [0] * len(text)
        for index in compress(range(len(text)), where):
            key = text[index - 1:index + 1] if index else text[0]
            value = pairs.get(key)
            values[index] = _pair_value(key) if value is None else value
    if "–" in text or "—" in text:
        for match in _DASH_ENCLOSED.finditer(text):
            if where is None or where[match.start()]:
                values[match.start()] += 1  # counted at the closing dash
    return values


# A letter or symbol alone between two dashes, without spaces: ``–Т—``.  (The closing dash is
# matched so that overlapping triples in ``–Т—Б–µ`` each count.)
_DASH_ENCLOSED = regex.compile(r"(?<=[–—][\p{L}\p{S}])[–—]")


def _dash_enclosed(text: str) -> int:
    """How many one-character words ``text`` glues between two dashes.

    >>> _dash_enclosed("–Т—Б–µ"), _dash_enclosed("Москва—Петербург"), _dash_enclosed("x—y")
    (2, 0, 0)
    """
    if "–" not in text and "—" not in text:
        return 0
    return len(_DASH_ENCLOSED.findall(text))


def _pair_value(key: str) -> int:
    """The weirdness a character adds given the one before it (``key`` is both, or just it)."""
    previous, char = key[:-1], key[-1]
    value = _char_weirdness(char) + (_pair_weirdness(previous, char_class(previous), char,
                                                     char_class(char)) if previous else 0)
    if len(_PAIRS) < 200_000:  # bounded memory
        _PAIRS[key] = value
    return value


def stretch_weirdness(text: str, profile: list[int], start: int, end: int) -> int:
    """``weirdness(text[start:end])`` from the line's :func:`weirdness_profile`."""
    if start >= end:
        return 0
    # The first character's meeting with the one before it lies outside the stretch.
    return profile[end] - profile[start + 1] + _char_weirdness(text[start])


def _char_weirdness(char: str) -> int:
    return 2 if char_class(char).kind == "X" else 0


def _pair_weirdness(a_char: str, a: CharClass, b_char: str, b: CharClass) -> int:
    """The number of independent rules the meeting of ``a_char`` and ``b_char`` breaks."""
    a_word = a.kind in "LM"
    b_word = b.kind in "LM"
    score = 0
    if a_char in _THAI_LEADING_VOWELS and not "\u0e01" <= b_char <= "\u0e2e":
        score += 1  # a Thai leading vowel is always followed by a consonant
    if a_word and b_word:
        if a.script and b.script and a.script != b.script:
            score += 1
        elif a.lower and b.upper:
            score += 1
    elif a_word and b.kind == "S":
        score += b_char not in _SYMBOLS_AFTER_LETTERS
    elif a.kind == "S" and b_word:
        score += 1
    elif b.kind == "M":
        score += 1  # a mark after a non-letter
    elif a_word and b_char in _NEVER_AFTER_LETTER:
        score += 1
    elif b.kind == "P" and b.script and a.kind != "Z" and not (a_word and a.script == b.script):
        score += 1  # a script's own punctuation (Hebrew geresh) follows a letter of that script
    return score
