"""The bulk page counts equal the per-block definitions they replace (regex classes, words)."""
import random

import regex

from cleaner import blockmodel, blockstats, language, segment

PIECES = ["the", "The", "und", "Copyright", "(c) 2020", "(C)\t1999", "©", "all rights reserved",
          "reſerved", "İstanbul", "copyrİght", "COPYRİGHT", "all rights reſerved", "ΣΟΦΟΣ", "www.x.com", "http://a.b/c", "x@y", "e.com/", ".abcde/",
          "12.3.2020", "1999", "(12)", "»", " | ", "/", "•", "- item", "日本語の", "한국어", "漢字", "😀",
          "\ud800", "word_with_underscore", "naïve", "e\u0301", "١٢٣", "…", '"', ")", ":", "", "\t", "Ⅻ",
          "ß", "ﬁne", "x" * 40]


def _pages(count: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    return [["".join(rng.choice(PIECES) + rng.choice(["", " "]) for _ in range(rng.randint(0, 10)))
             for _ in range(rng.randint(1, 12))] for _ in range(count)]


def test_counts_match_the_regex_classes():
    for texts in _pages(150):
        page = blockstats.Page(texts)
        for bit, pattern in [(blockstats.LETTER, r"\p{L}"), (blockstats.UPPER, r"\p{Lu}"),
                             (blockstats.DIGIT, r"\d"), (blockstats.PUNCT, r"\p{P}"),
                             (blockstats.SEPARATOR, r"[|»›·•→←/>]"),
                             (blockstats.WIDE, r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")]:
            assert page.count(bit).tolist() == [len(regex.findall(pattern, t)) for t in texts], pattern


def test_words_match_regex_words():
    for texts in _pages(150):
        page = blockstats.Page(texts)
        words = [regex.findall(r"\w+", t) for t in texts]
        assert page.words.tolist() == [len(w) for w in words]
        assert page.lowered_words == [w.lower() for ws in words for w in ws]
        assert page.title_words.tolist() == [sum(w[:1].isupper() for w in ws) for ws in words]
        assert page.count(blockstats.WORD).tolist() == [sum(map(len, ws)) for ws in words]


def test_shapes_found_without_search_match_the_patterns():
    for texts in _pages(150):
        page = blockstats.Page(texts)
        assert blockmodel._urlish_blocks(page).tolist() == [bool(blockmodel._URLISH.search(t)) for t in texts]
        assert segment.copyright_lines(page).tolist() == [bool(segment.COPYRIGHT.search(t)) for t in texts]
        dates = blockmodel._date_candidates(page)
        assert all(dates[i] for i, t in enumerate(texts) if blockmodel._DATE.search(t))


def test_case_specials_are_every_character_matching_a_letter_it_does_not_lower_to():
    # copyright_lines reads these as their letters to find the blocks the pattern can match
    letter = regex.compile(r"[a-z]", regex.IGNORECASE)
    found = {char: char.lower() for char in map(chr, range(0x80, 0x110000))
             if letter.fullmatch(char) and not char.lower().isascii()}
    assert set(found) == set(segment._CASE_SPECIALS)
    assert all(regex.fullmatch(plain.lower(), char, regex.IGNORECASE)  # the letter matches it
               for char, plain in segment._CASE_SPECIALS.items())


def test_stopword_density_in_bulk_is_the_share_of_listed_words():
    for texts in _pages(50):
        page = blockstats.Page(texts)
        for lang in ("en", "de", "xx"):
            listed = language.stopwords(lang)
            expected = []
            for text in texts:
                words = regex.findall(r"\w+", text)
                expected.append(sum(w.lower() in listed for w in words) / len(words) if words else 0.0)
            assert language.stopword_densities(page, lang).tolist() == expected
