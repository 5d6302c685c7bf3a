"""Per-block counts of a page, computed in bulk: characters by class and words.

The block model, the region score and the language guess read the same measures for every
block of a page: letters, capitals, digits, punctuation, wide (CJK) characters, words and their
lengths.  Counting them block by block costs a dozen regex passes and a Python loop over the
words of every block; here the page is joined once, each character is classified by one table
look-up (numpy), and the counts of every block come from prefix sums at the block boundaries.

The table is filled lazily, a character the first time any page holds it, from the very regex
classes that define the measures, so the counts are those of the per-block definitions.  Blocks
are lines: a newline inside a block reads as a space.
"""
from __future__ import annotations

import functools

import numpy as np
import regex

# One bit per class of character (the regex class defines it, the table caches it).
LETTER, UPPER, DIGIT, PUNCT, WORD, SEPARATOR, HAN, KANA, HANGUL, ISUPPER, THAI = (1 << i for i in range(11))
_KNOWN = 1 << 15
_CLASSES = (
    (LETTER, regex.compile(r"\p{L}")),
    (UPPER, regex.compile(r"\p{Lu}")),
    (DIGIT, regex.compile(r"\d")),
    (PUNCT, regex.compile(r"\p{P}")),
    (WORD, regex.compile(r"\w")),                     # a word is a run of these (regex's \w+)
    (SEPARATOR, regex.compile(r"[|»›·•→←/>]")),       # navigation separators
    (HAN, regex.compile(r"\p{Han}")),
    (KANA, regex.compile(r"[\p{Hiragana}\p{Katakana}]")),
    (HANGUL, regex.compile(r"\p{Hangul}")),
    (THAI, regex.compile(r"\p{Thai}")),
)
WIDE = HAN | KANA | HANGUL
# The classes counted for every block, in the order of Page.counts' columns.
COUNTED = (LETTER, UPPER, DIGIT, PUNCT, WORD, SEPARATOR, WIDE)


@functools.lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """Class bits of every code point seen so far (0 for one not classified yet)."""
    return np.zeros(0x110000, dtype=np.uint16)


def _learn(table: np.ndarray, codes: np.ndarray) -> None:
    for code in codes.tolist():
        char = chr(code)
        bits = _KNOWN | (ISUPPER if char.isupper() else 0)
        for bit, pattern in _CLASSES:
            if pattern.match(char):
                bits |= bit
        table[code] = bits


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as an array (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def classify(codes: np.ndarray) -> np.ndarray:
    """The class bits of each code point.

    >>> bits = classify(code_points("Ab1."))
    >>> [bool(b & LETTER) for b in bits], [bool(b & UPPER) for b in bits], bool(bits[3] & PUNCT)
    ([True, True, False, False], [True, False, False, False], True)
    """
    table = _table()
    bits = table[codes]
    if not bits.all():
        _learn(table, np.unique(codes[bits == 0]))
        bits = table[codes]
    return bits


def _spaced(codes: np.ndarray, bits: np.ndarray) -> str:
    """The text of ``codes`` with every character that is not a word character (``bits``: their
    classes) made a space: its words are then those of ``str.split``, split in C."""
    spaced = np.where((bits & WORD) != 0, codes, np.uint32(32)).astype(np.uint32, copy=False)
    return spaced.tobytes().decode("utf-32-le", "surrogatepass")


def words(text: str) -> list[str]:
    """The words of ``text`` (regex's ``\\w+``), in order, found by the class table
    (:attr:`Page.word_texts` of a page of one block).

    >>> words("The pier's end, 2024: नमस्ते!")
    ['The', 'pier', 's', 'end', '2024', 'नमस्ते']
    """
    return Page([text]).word_texts


def count(bits: np.ndarray, mask: int) -> int:
    """How many characters have one of the classes in ``mask``."""
    return int(np.count_nonzero(bits & mask))


class Page:
    """A page's blocks (lines) and their counts, each computed on first use.

    >>> page = Page(["Home | News", "The cat sat on the mat."])
    >>> page.chars.tolist(), page.words.tolist(), page.count(UPPER).tolist()
    ([11, 23], [2, 6], [2, 1])
    """

    def __init__(self, texts: list[str]):
        joined = "\n".join(texts)
        if joined.count("\n") != len(texts) - 1 and texts:
            texts = [text.replace("\n", " ") for text in texts]
            joined = "\n".join(texts)
        self.texts = texts
        self.joined = joined
        self.n = len(texts)
        self.chars = np.fromiter(map(len, texts), dtype=np.intp, count=self.n)
        self.ends = (self.chars + 1).cumsum() - 1     # where each block's text ends in ``joined``
        self.starts = self.ends - self.chars
        self.codes = code_points(joined)
        self.bits = classify(self.codes)
        self.derived: dict = {}  # what other modules derive from the page, kept for reuse

    @functools.cached_property
    def counts(self) -> np.ndarray:
        """Characters of each class of :data:`COUNTED` (columns) in each block (rows)."""
        if not self.n:
            return np.zeros((0, len(COUNTED)), dtype=np.intp)
        return self._class_sums(COUNTED)

    def _class_sums(self, bits: tuple[int, ...]) -> np.ndarray:
        """Characters of each class of ``bits`` (columns) in each block (rows); the page has a block."""
        # Sums from each block's start to the next one's, over the newline between them (in no
        # class) and a final one, so that an empty last block has a place to start.
        padded = np.append(self.bits, np.uint16(0))
        return np.stack([np.add.reduceat((padded & bit) != 0, self.starts, dtype=np.intp)
                         for bit in bits], axis=1)

    def count(self, bit: int) -> np.ndarray:
        """Characters of the class ``bit`` (one of :data:`COUNTED`) in each block."""
        return self.counts[:, COUNTED.index(bit)]

    def count_other(self, bit: int) -> np.ndarray:
        """Characters of the class ``bit`` (one not in :data:`COUNTED`) in each block, counted on
        first use: a class few pages hold costs the others nothing but a look at its bits.

        >>> Page(["Home", "ข่าวที่เกี่ยวข้อง"]).count_other(THAI).tolist()
        [0, 17]
        """
        key = ("count", bit)
        counts = self.derived.get(key)
        if counts is None:
            if not self.n or not (self.bits & bit).any():
                counts = np.zeros(self.n, dtype=np.intp)
            else:
                counts = self._class_sums((bit,))[:, 0]
            self.derived[key] = counts
        return counts

    @functools.cached_property
    def _word_spans(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # Where a word character meets another character (a non-word one at either end of the
        # page): the boundaries alternate, a word's start then its end.
        padded = np.zeros(len(self.bits) + 2, dtype=bool)
        np.not_equal(self.bits & WORD, 0, out=padded[1:-1])
        edges = (padded[1:] != padded[:-1]).nonzero()[0]
        starts, ends = edges[0::2], edges[1::2]
        return starts, ends, self.ends.searchsorted(starts)

    @property
    def word_starts(self) -> np.ndarray:
        """Where each word of the page starts in ``joined`` (words in page order)."""
        return self._word_spans[0]

    @property
    def word_ends(self) -> np.ndarray:
        """Where each word of the page ends in ``joined``."""
        return self._word_spans[1]

    @property
    def word_block(self) -> np.ndarray:
        """The block of each word of the page."""
        return self._word_spans[2]

    @functools.cached_property
    def words(self) -> np.ndarray:
        """Words in each block."""
        return np.bincount(self.word_block, minlength=self.n)

    def word_count(self, where: np.ndarray) -> np.ndarray:
        """Words in each block for which ``where`` (one value per word of the page) holds."""
        return np.bincount(self.word_block[where], minlength=self.n)

    @functools.cached_property
    def word_classes(self) -> np.ndarray:
        """The class bits of each word of the page: those of any of its characters.

        >>> [bool(bits & LETTER) for bits in Page(["Top 10 ニュース"]).word_classes]
        [True, False, True]
        """
        starts = self.word_starts
        if not len(starts):
            return np.zeros(0, dtype=self.bits.dtype)
        # From each word's start to the next one's: the characters between are in no word class.
        return np.bitwise_or.reduceat(self.bits, starts)

    @functools.cached_property
    def word_lengths(self) -> np.ndarray:
        """The length of each word of the page."""
        starts, ends, _ = self._word_spans
        return ends - starts

    @functools.cached_property
    def title_words(self) -> np.ndarray:
        """Words in each block whose first character is a capital (``str.isupper``)."""
        return self.word_count((self.bits[self._word_spans[0]] & ISUPPER) != 0)

    @functools.cached_property
    def _spaced(self) -> str:
        # The page with every character that is not a word character read as a space.
        return _spaced(self.codes, self.bits)

    @functools.cached_property
    def word_texts(self) -> list[str]:
        """Every word of the page (regex's ``\\w+``), in page order.

        >>> Page(["Home | News", "It's 9."]).word_texts
        ['Home', 'News', 'It', 's', '9']
        """
        words = self._spaced.split()
        if len(words) != len(self._word_spans[0]):  # pragma: no cover - no word character is a space
            words = [self.joined[a:b] for a, b in zip(*self._word_spans[:2])]
        return words

    @functools.cached_property
    def lowered_words(self) -> list[str]:
        """Every word of the page (regex's ``\\w+``), lower-cased, in page order."""
        words = self._spaced.lower().split()
        if len(words) != len(self._word_spans[0]):  # pragma: no cover - no word character is a space
            words = [self.joined[a:b].lower() for a, b in zip(*self._word_spans[:2])]
        return words

    def blocks_of(self, positions: np.ndarray) -> np.ndarray:
        """Whether each block holds one of the characters at ``positions`` of ``joined``."""
        found = np.zeros(self.n, dtype=bool)
        found[self.ends.searchsorted(positions)] = True
        return found

    def blocks_containing(self, *needles: str, within: str | None = None) -> np.ndarray:
        """Whether each block holds one of ``needles`` in ``within`` (a text whose positions are
        those of ``joined``, such as a lower-cased copy; default ``joined``)."""
        haystack = self.joined if within is None else within
        assert len(haystack) == len(self.joined)
        found = []
        for needle in needles:
            at = haystack.find(needle)
            while at >= 0:
                found.append(at)
                at = haystack.find(needle, at + 1)
        return self.blocks_of(np.array(found, dtype=np.intp))

    def matching(self, pattern: regex.Pattern, candidates: np.ndarray | None) -> np.ndarray:
        """Whether ``pattern`` is found in each block, searched only in the ``candidates``
        (whether each block can match at all; None for every block)."""
        found = np.zeros(self.n, dtype=bool)
        texts = self.texts
        for index in (range(self.n) if candidates is None else np.flatnonzero(candidates).tolist()):
            if pattern.search(texts[index]):
                found[index] = True
        return found
