"""Each stage on small inputs of its own."""
from __future__ import annotations

import os

import pytest

import cleaner
from cleaner import boilerplate, extract, normalise, write
from cleaner.decode import BinaryInputError, decode
from cleaner.repair import repair_and_explain
from cleaner.config import CleanerConfig
from cleaner.normalise import Block


# decode ---------------------------------------------------------------------------------------

def test_decode_utf8_with_and_without_bom():
    assert decode("Grüße".encode()).text == "Grüße"
    assert decode(b"\xef\xbb\xbfGr\xc3\xbc\xc3\x9fe").text == "Grüße"


def test_decode_detects_a_legacy_encoding():
    data = "Съешь же ещё этих мягких французских булок, да выпей чаю.".encode("cp1251")
    assert decode(data).text == "Съешь же ещё этих мягких французских булок, да выпей чаю."


def test_decode_prefers_windows_1252_on_a_tie():
    data = "Café crème brûlée: the naïve recipe".encode("cp1252")
    assert decode(data).text == "Café crème brûlée: the naïve recipe"


def test_decode_utf16_with_bom():
    assert decode("日本語のテキスト".encode("utf-16")).text == "日本語のテキスト"


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", bytes(range(256)) * 4,
                                  b"\x01\x02\x03\x04\x05\x06\x07\x08abc"])
def test_decode_refuses_binary_and_names_the_source(data):
    with pytest.raises(BinaryInputError, match="photo.jpg: binary data"):
        decode(data, source="photo.jpg")


# repair ---------------------------------------------------------------------------------------

def test_repair_keeps_typography():
    text = "“Quotes”, ‘single’, dashes – and — ellipses… and full-width ＡＢＣ！"
    assert cleaner.repair(text) == text


def test_repair_leaves_thai_alone():
    text = "ภาษาไทยเป็นภาษาราชการของประเทศไทย รกราก “คำพูด” — ราคา 100€"
    assert cleaner.repair(text) == text


def test_repair_changes_no_white_space():
    text = "  two  spaces\t\tand tabs  \n\n\nlines  "
    assert cleaner.repair(text) == text


def test_repair_trace_names_the_codec():
    fixed, changes = repair_and_explain("first\nnecessary\" โ€” this")
    assert fixed == "first\nnecessary\" — this"
    assert changes == [cleaner.Change("repair", "mojibake:cp874", "โ€”", "—", 2)]


def test_repair_defers_to_ftfy_for_latin_mojibake():
    fixed, changes = repair_and_explain("The cafÃ© is open")
    assert fixed == "The café is open"
    assert changes[0].rule.startswith("ftfy:")


# extract --------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>t</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour reopens after storm</h1>
<p>The harbour reopened on Tuesday after engineers repaired the breakwater damaged in last week's storm, the port authority said.</p>
<p>Fishing boats returned to their moorings by the afternoon, and the ferry service to the islands will resume on Thursday.</p>
</article><footer>© 2024 Coastal News</footer></body></html>"""


def test_extract_returns_main_text():
    text = extract.extract(PAGE)
    assert "The harbour reopened on Tuesday" in text
    assert "Home" not in text.split("\n")


def test_html_is_detected():
    assert extract.looks_like_html(PAGE)
    assert not extract.looks_like_html("Write <p> to start a paragraph in HTML.")
    assert cleaner.clean(PAGE).startswith("Harbour reopens after storm\n\nThe harbour reopened")


def test_text_format_keeps_markup_as_text():
    assert cleaner.clean("Use <b>bold</b> sparingly.", format="text") == "Use <b>bold</b> sparingly.\n"


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="format must be one of"):
        cleaner.clean("x", format="pdf")


# normalise ------------------------------------------------------------------------------------

def test_normalise_nfc_controls_and_spaces():
    blocks, _ = normalise.split_blocks("Cafe\u0301  au\t\tlait\x00\x1b \r\n\r\n\r\nNext\u2028line")
    assert [b.text for b in blocks] == ["Café au lait", "Next", "line"]


def test_hard_wrapped_text_is_rejoined():
    words = ("The quick brown fox jumps over the lazy dog while the farmer watches "
             "from the porch and wonders about the weather. ") * 6
    wrapped, line = [], ""
    for word in words.split():
        if len(line) + len(word) + 1 > 66:
            wrapped.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    wrapped.append(line)
    text = "Heading\n\n" + "\n".join(wrapped) + "\n\nSecond paragraph.\n"
    blocks, changes = normalise.split_blocks(text)
    assert [b.text for b in blocks] == ["Heading", " ".join(words.split()), "Second paragraph."]
    assert changes and changes[0].rule == "unwrap"


def test_scraped_lines_stay_separate_blocks():
    text = "A title\nA first paragraph that is a full sentence.\nShort caption\nAnother paragraph here.\n"
    blocks, changes = normalise.split_blocks(text)
    assert len(blocks) == 4 and not changes


# boilerplate ----------------------------------------------------------------------------------

def keep(lines, config=CleanerConfig()):
    kept, changes = boilerplate.filter_blocks([Block(i + 1, t) for i, t in enumerate(lines)], config)
    return [b.text for b in kept], changes


BODY = "The council approved the new budget on Monday after a long debate about school funding."


@pytest.mark.parametrize("line,rule", [
    ("Advertisement", "ad_label"),
    ("Sponsored", "ad_label"),
    ("Leave a Reply", "comment_form"),
    ("Your email address will not be published. Required fields are marked *", "comment_form"),
    ("This site uses Akismet to reduce spam. Learn how your comment data is processed.", "comment_form"),
    ("Also on example.com Ten things you did not know about budgets", "related_links"),
    ("Like this story? Share it with a friend!", "share_prompt"),
    ("Share this:", "share_prompt"),
    ("Click to share on Twitter (Opens in new window)", "share_prompt"),
    ("© REUTERS/Shamil Zhumatov", "credit"),
    ("Photo Courtesy of Noble Desktop", "credit"),
    ("Foto: Marcus Gloger/Stadt Stuttgart", "credit"),
    ("We and our partners store and/or access information on a device, such as cookies and process "
     "personal data, such as unique identifiers and standard information sent by a device for "
     "personalised ads and content, ad and content measurement, and audience insights.", "cookie_notice"),
    ("Wir und unsere Partner speichern und/oder greifen auf Informationen auf einem Gerät zu.", "cookie_notice"),
    ("Strictly Necessary Cookies", "cookie_notice"),
    ("Store and/or access information on a device", "cookie_notice"),
    ("By entering your email address you agree to our Terms of Use and Privacy Policy and consent to "
     "receive emails from us about news, events, offers and partner promotions.", "newsletter"),
    ("Thanks for subscribing! Look out for your first newsletter in your inbox soon!", "newsletter"),
    ("Mit der Anmeldung erklären Sie sich damit einverstanden, einen Newsletter per E-Mail zu erhalten.",
     "newsletter"),
    ("En vous inscrivant, vous acceptez notre politique de confidentialité.", "newsletter"),
    ("This field is for validation purposes and should be left unchanged.", "comment_form"),
])
def test_boilerplate_line_is_removed_with_its_rule(line, rule):
    kept, changes = keep([BODY, line])
    assert kept == [BODY]
    assert changes[0].rule == rule and changes[0].line == 2


def test_credit_glued_to_caption_is_cut_and_caption_kept():
    kept, changes = keep(["© REUTERS/Shamil ZhumatovMinisters meet in Moscow on 9 September, 2019."])
    assert kept == ["Ministers meet in Moscow on 9 September, 2019."]
    assert changes[0].before == "© REUTERS/Shamil Zhumatov"


def test_recurring_short_label_is_removed_but_not_single_headings():
    kept, changes = keep(["Big news", "pCloud Premium", BODY, "pCloud Premium", "Quote of the day"])
    assert kept == ["Big news", BODY, "Quote of the day"]
    assert [c.rule for c in changes] == ["repeated_short_line"] * 2


def test_prose_that_mentions_a_phrase_stays():
    line = ("Readers often ask why we say leave a reply at the end of posts; the habit comes from early "
            "blogging software, which printed that phrase above every comment form for years and years, and "
            "it stuck with most of the writers we interviewed for this long article about web history.")
    kept, _ = keep([line])
    assert kept == [line]


@pytest.mark.parametrize("line", [
    "In 2019 we and our partners built three schools in the valley, and the work goes on this year.",
    "Photo by photo, the archive grew into the largest collection of its kind in the whole region.",
])
def test_sentences_near_a_phrase_stay(line):
    kept, changes = keep([BODY, line, BODY + " It passed."])
    assert line in kept, changes


def test_disabled_rule_removes_nothing():
    kept, _ = keep([BODY, "Share this:"], CleanerConfig(disabled_rules=frozenset({"share_prompt"})))
    assert kept == [BODY, "Share this:"]


def test_user_phrase_file_extends_the_rules(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text("[house_ads]\nlines = ['^buy our mugs']\n", encoding="utf-8")
    kept, changes = keep([BODY, "Buy our mugs today!"], CleanerConfig(extra_rule_files=(str(extra),)))
    assert kept == [BODY] and changes[0].rule == "house_ads"


def test_bad_phrase_file_is_a_clear_error(tmp_path):
    extra = tmp_path / "bad.toml"
    extra.write_text("[x]\nlines = ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(boilerplate.RuleError, match=r"bad.toml: \[x\] has a bad pattern"):
        boilerplate.load_pack(extra)


# write ----------------------------------------------------------------------------------------

def test_output_shape():
    out = cleaner.clean("  Title  \n\n\n\nBody   text.   \n\n\n")
    assert out == "Title\n\nBody text.\n"


def test_empty_and_all_boilerplate_documents_give_empty_output():
    assert cleaner.clean("") == ""
    assert cleaner.clean("Leave a Reply\nShare this:\n") == ""


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write.write_atomic(target, "hello\n")
    write.write_atomic(target, "again\n")
    assert target.read_text() == "again\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_explain_reports_every_change():
    result = cleaner.explain('Leave a Reply\nIt was "possible" โ€” he said.\n')
    assert result.text == 'It was "possible" — he said.\n'
    assert [(c.stage, c.rule) for c in result.changes] == [("repair", "mojibake:cp874"),
                                                          ("boilerplate", "comment_form")]
    assert "removed by boilerplate/comment_form: 'Leave a Reply'" in result.report()


def test_write_atomic_gives_outputs_the_usual_file_mode(tmp_path):
    target = tmp_path / "out.txt"
    write.write_atomic(target, "hello\n")
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_lines_without_letters_stay_unless_a_rule_acts():
    kept, changes = keep([BODY, "(158)", "2026", "5.9"])
    assert kept == [BODY, "(158)", "2026", "5.9"] and not changes
    kept, changes = keep([BODY, "© 2026"])
    assert kept == [BODY] and [c.rule for c in changes] == ["credit"]


def test_unwrapping_keeps_list_items_apart():
    prose = ("The committee reviewed every proposal submitted this year and found that most of "
             "them needed more work before they could be funded by the council in full.")
    wrapped = [prose[i:i + 60].strip() for i in range(0, len(prose), 60)] * 4
    items = ["- the first item of a list that is long enough to fill a line of text", "- the second item",
             "2) a numbered item of the same list, also fairly long to fill the line"]
    blocks, changes = normalise.split_blocks("\n".join(wrapped + items))
    assert changes and len(blocks[0].text) > 100  # the prose was re-joined
    assert [b.text for b in blocks][-3:] == items


def test_the_collector_is_paused_for_a_large_document_only_and_restored(monkeypatch):
    import gc

    from cleaner import pipeline
    seen = []
    render = pipeline.write.render
    monkeypatch.setattr(pipeline.write, "render", lambda blocks: seen.append(gc.isenabled()) or render(blocks))
    large = "A line of text that goes on.\n" * (pipeline._PAUSE_COLLECTOR_FROM // 20)
    was = gc.isenabled()
    try:
        gc.enable()
        pipeline.explain_text("A short one.", format="text")
        pipeline.explain_text(large, format="text")
        assert seen[:2] == [True, False] and gc.isenabled()
        gc.disable()
        pipeline.explain_text(large, format="text")
        assert not gc.isenabled()  # left off when it was off
    finally:
        (gc.enable if was else gc.disable)()
