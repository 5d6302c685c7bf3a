"""The fast paths (the phrase-rule screen, the badness check, the normalisation passes) change no
result, only the cost.

Each is compared with the plain computation it stands for: every rule tried on every block,
ftfy's own ``is_bad``, the regex package's substitutions over the whole text.
"""
from __future__ import annotations

import importlib
import json

import ftfy.badness
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import boilerplate, rulescreen
from cleaner.config import DEFAULT_CONFIG, CleanerConfig
from cleaner.normalise import Block, split_blocks
from cleaner.trace import Change

from conftest import shared_path

repair = importlib.import_module("cleaner.repair")


def unscreened(blocks: list[Block], config: CleanerConfig) -> tuple[list[Block], list[Change]]:
    """apply_phrase_rules as it is without a screen: every rule on every block, in order."""
    rules = boilerplate.rule_set(config.languages, config.extra_rule_files, config.disabled_rules).rules
    keys = [boilerplate._label_key(block.text) for block in blocks]
    repeated = set() if "repeated_short_line" in config.disabled_rules else \
        boilerplate._repeated_short_lines(keys, config)
    everything = rulescreen.Screen({}, {}, {}, frozenset(range(len(rules))))
    ruleset = boilerplate.RuleSet(rules, everything)
    kept, changes = [], []
    for block, key in zip(blocks, keys):
        if key in repeated:
            changes.append(Change("boilerplate", "repeated_short_line", block.text, "", block.line))
            continue
        verdict = boilerplate._apply_rules(block, ruleset, config, 10 ** 9)
        changes += verdict.changes
        if verdict.keep:
            kept.append(Block(block.line, verdict.text))
    return kept, changes


BOILERPLATE = [
    "Leave a Reply", "Share this:", "SHARE", "Tweet", "Advertisement", "- Anzeige -", "Werbung",
    "Your email address will not be published. Required fields are marked *", "Name *",
    "We use cookies to improve your experience. By continuing to browse this site you agree.",
    "This website uses cookies and similar technologies to run the site and measure traffic.",
    "© REUTERS/Jane DoeThe minister speaks in Berlin.", "(c) AFP", "Read more: the full story",
    "Also on example.com", "Related articles", "Sign up for our free newsletter", "广告", "PR",
    "分享到：", "关注我们", "Поделиться в Telegram", "Reklama", "Publicidad", "Partager sur Facebook",
    "Ce site utilise des cookies.", "İLAN", "Cancel reply", "Like this:", "Follow us on Instagram",
    "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
]
PROSE = [
    "The council met on Monday and agreed on the new bridge.", "Read the fine print before you sign.",
    "Sharing is caring, said nobody at the meeting.", "Cookies and cream is her favourite flavour.",
]


def test_shipped_rules_can_all_be_screened():
    assert rulescreen.build_screen([]).everywhere == frozenset()
    assert boilerplate.rule_set().screen.everywhere == frozenset()


def test_screen_agrees_with_every_rule_on_known_lines():
    blocks = [Block(n, text) for n, text in enumerate(BOILERPLATE + PROSE + BOILERPLATE[:3], 1)]
    for config in (DEFAULT_CONFIG, CleanerConfig(languages=("en",)),
                   CleanerConfig(disabled_rules=frozenset({"cookie_notice", "repeated_short_line"}))):
        assert boilerplate.apply_phrase_rules(blocks, config) == unscreened(blocks, config)
    assert len(unscreened(blocks, DEFAULT_CONFIG)[0]) < len(blocks) - 20  # the lines are boilerplate


words = st.sampled_from(sorted({w for line in BOILERPLATE + PROSE for w in line.split()}) + ["İ", "ı", "ſ", "K"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(words, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=12))
def test_screen_agrees_with_every_rule_on_mixed_phrases(lines):
    blocks = [Block(n, text) for n, text in enumerate(lines, 1)]
    assert boilerplate.apply_phrase_rules(blocks, DEFAULT_CONFIG) == unscreened(blocks, DEFAULT_CONFIG)


def test_screen_agrees_with_every_rule_on_real_pages():
    folder = shared_path("bench", "wcxb-dev", "naive")
    for path in sorted(folder.glob("*.txt"))[::25]:
        blocks, _ = split_blocks(path.read_text(encoding="utf-8"))
        assert boilerplate.apply_phrase_rules(blocks, DEFAULT_CONFIG) == unscreened(blocks, DEFAULT_CONFIG), path.name


def test_a_user_pattern_the_screen_cannot_read_is_tried_everywhere(tmp_path):
    rules = tmp_path / "mine.toml"
    rules.write_text("[mine]\nlines = ['^\\p{Lu}{3} only$', '(?:promo){e<=1}']\n", encoding="utf-8")
    config = CleanerConfig(extra_rule_files=(str(rules),), languages=("en",))
    ruleset = boilerplate.rule_set(config.languages, config.extra_rule_files)
    assert ruleset.screen.everywhere == {len(ruleset.rules) - 1}
    blocks = [Block(1, "ABC only"), Block(2, "Prom0"), Block(3, "A sentence.")]
    assert boilerplate.apply_phrase_rules(blocks, config) == unscreened(blocks, config)
    assert [b.text for b in boilerplate.apply_phrase_rules(blocks, config)[0]] == ["A sentence."]


def test_case_folding_covers_what_the_regex_package_matches_case_insensitively():
    cased = [chr(c) for c in range(0x2FFFF) if not 0xD800 <= c < 0xE000
             and (chr(c).lower() != chr(c) or chr(c).upper() != chr(c) or chr(c).casefold() != chr(c))]
    pool = "".join(sorted(set(cased) | {c.lower() for c in cased if len(c.lower()) == 1}
                          | {c.upper() for c in cased if len(c.upper()) == 1}))
    for char in cased:
        for other in regex.compile(regex.escape(char), regex.IGNORECASE).findall(pool):
            assert rulescreen.fold(other) == rulescreen.fold(char), (char, other)


mojibake_chars = st.sampled_from(list("aeiouAZ .,’“”–—éèàçñüÃÂâ€™œ©®°±²³µ¶·»¼½¾×÷ØÙВГРСЂβΒΓΞΟāÐÎ√≈‚Ä\xa0\xad"))


@settings(max_examples=500, deadline=None)
@given(st.lists(mojibake_chars, max_size=40).map("".join))
def test_fast_badness_check_is_ftfys(text):
    assert repair.is_bad(text) == ftfy.badness.is_bad(text)


def test_fast_badness_check_is_ftfys_on_the_ftfy_cases():
    folder = shared_path("bench", "ftfy-cases")
    for path in sorted(folder.glob("*.json")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            assert repair.is_bad(line) == ftfy.badness.is_bad(line), (path.name, line)


def reference_normalise(text: str) -> str:
    """normalise_characters as the regex package's whole-text substitutions compute it."""
    import unicodedata
    text = regex.sub(r"\r\n?|[\u2028\u2029\x85]", "\n", text)
    text = regex.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]", "", text)
    text = regex.sub(r"[^\S\n]{2,}|\t", " ", text)
    return unicodedata.normalize("NFC", text)


spacing = st.sampled_from([chr(c) for c in range(0x3001) if chr(c).isspace() or regex.match(r"\s", chr(c))
                           or c < 0x20 or 0x7F <= c <= 0x9F] + ["\ufeff", "a", "é", "e\u0301", " ", "  "])


@settings(max_examples=1000, deadline=None)
@given(st.lists(spacing, max_size=16).map("".join))
def test_character_normalisation_skips_only_passes_with_nothing_to_do(text):
    from cleaner.normalise import normalise_characters
    assert normalise_characters(text) == reference_normalise(text)


marks = st.sampled_from(["\n", "e", "a", "\u0301", "\u0327", "\u0308", "\u0323", "\u1100", "\u1161", "\u11a8", " "])


@settings(max_examples=500, deadline=None)
@given(st.lists(marks, max_size=60).map("".join), st.integers(1, 8))
def test_normalising_in_pieces_is_normalising_the_whole_text(text, piece):
    import unicodedata

    from cleaner import normalise
    saved, normalise._NFC_PIECE = normalise._NFC_PIECE, piece
    try:
        assert normalise._nfc(text) == unicodedata.normalize("NFC", text)
    finally:
        normalise._NFC_PIECE = saved


def _screen_patterns() -> list[tuple[int, str, bool]]:
    rules = boilerplate.rule_set().rules
    return [(position, pattern.pattern, at_start) for position, rule in enumerate(rules)
            for pattern, at_start in ((rule.lines, False), (rule.spans, False), (rule.openings, True))
            if pattern is not None]


def test_a_saved_screen_is_the_screen_built(tmp_path, monkeypatch):
    patterns = _screen_patterns()
    built = rulescreen.build_screen(patterns)
    path = tmp_path / "screens" / "screen.json"
    assert rulescreen.cached_screen(patterns, path) == built and path.is_file()  # built, then saved

    def not_again(patterns):
        raise AssertionError("the saved screen was not read")

    with monkeypatch.context() as patch:
        patch.setattr(rulescreen, "build_screen", not_again)
        read = rulescreen.cached_screen(patterns, path)
    assert read == built
    lines = BOILERPLATE + PROSE
    assert rulescreen.screen_lines(lines, read) == rulescreen.screen_lines(lines, built)
    # other patterns, or a file that is not a screen, are built anew (and the file rewritten)
    fewer = patterns[: len(patterns) // 2]
    assert rulescreen.cached_screen(fewer, path) == rulescreen.build_screen(fewer)
    path.write_text("{not json", encoding="utf-8")
    assert rulescreen.cached_screen(patterns, path) == built
    # a saved screen that is not the one written (a broken trie: compiled only when first used)
    saved = json.loads(path.read_text(encoding="ascii"))
    saved["screen"]["begins"] = "(?:share"
    path.write_text(json.dumps(saved), encoding="ascii")
    assert rulescreen.cached_screen(patterns, path) == built
    assert rulescreen.cached_screen(patterns, None) == built


def test_the_screen_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path))
    assert boilerplate.screen_cache_folder() == tmp_path
    monkeypatch.setenv("CLEANER_CACHE_DIR", "")
    assert boilerplate.screen_cache_folder() is None
    monkeypatch.delenv("CLEANER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert boilerplate.screen_cache_folder() == tmp_path / "cleaner"
