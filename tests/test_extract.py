"""The HTML path: the block ensemble over the page's lines, trafilatura's main text and the
page-lines fallback (without a shipped ensemble), the trace, robustness."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import extract
from cleaner.extract import ExtractError, page_lines

ENSEMBLE = cleaner.CleanerConfig(html_ensemble=True)

STORY = [
    "The harbour council met on Monday evening and agreed that the old stone pier will be repaired before the winter storms.",
    "Work starts next month, and the fishing boats will moor at the north quay while the masons replace the broken blocks.",
    "The council expects the repairs to cost less than the new breakwater that was proposed last year by the port authority.",
]
PARAGRAPHS = "".join(f"<p>{text}</p>" for text in STORY)

ARTICLE = f"""<!DOCTYPE html><html><head><title>Pier repairs</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Pier to be repaired before winter</h1>{PARAGRAPHS}</article>
<div id="respond"><h3>Leave a Reply</h3>
<p>Your email address will not be published. Required fields are marked *</p>
<form><textarea></textarea><input type="submit" value="Post Comment"></form></div>
<footer>Copyright 2024</footer></body></html>"""

POSTS = [
    "Has anyone managed to get the old router working with the new firmware? Mine keeps rebooting every few minutes.",
    "Yes, I had the same problem. Resetting it to factory settings and restoring the configuration by hand fixed it.",
    "Thanks, that worked. The reset took about five minutes and the router has been stable since yesterday evening.",
]
FORUM = ("<!DOCTYPE html><html><head><title>Router reboots</title></head><body><header><a href='/'>Forum</a></header>"
         "<main><h1>Router keeps rebooting after firmware update</h1>"
         + "".join(f"<div class='post'><div class='author'>user{n}</div><p>{text}</p></div>" for n, text in enumerate(POSTS))
         + "</main><footer>Terms of use</footer></body></html>")

# The story sits in an <aside>, which trafilatura discards as a sidebar: it keeps only "Home".
ASIDE_ONLY = (f"<!DOCTYPE html><html><head><title>Pier</title></head><body><div class='menu'><a href='/'>Home</a></div>"
              f"<aside>{PARAGRAPHS}</aside></body></html>")


def test_main_text_when_the_page_lines_are_swallowed():
    # An unclosed <textarea> swallows the visible text up to the form's own </textarea>.
    result = cleaner.explain(ARTICLE.replace("<nav>", "<textarea><nav>"), format="html", config=ENSEMBLE)
    assert rules(result)[0] == extract.ENSEMBLE_TEXT_FALLBACK
    assert STORY[0] in result.text



@pytest.fixture
def without_ensemble(monkeypatch):
    monkeypatch.setattr(extract, "load_ensemble", lambda: None)


def rules(result):
    return [change.rule for change in result.changes]


def test_article_keeps_story_and_drops_comment_form():
    result = cleaner.explain(ARTICLE, format="html", config=ENSEMBLE)
    for text in STORY:
        assert text in result.text
    assert "Leave a Reply" not in result.text
    assert "will not be published" not in result.text
    assert "Copyright" not in result.text
    assert rules(result)[0] == "html_block_ensemble"


def test_comment_form_inside_the_article_is_removed_and_traced():
    page = ARTICLE.replace("</article>", "<p>Leave a Reply</p><p>Cancel reply</p></article>")
    result = cleaner.explain(page, format="html", config=ENSEMBLE)
    assert "Leave a Reply" not in result.text and "Cancel reply" not in result.text
    removed = {change.before for change in result.changes if change.is_removal}
    assert {"Leave a Reply", "Cancel reply"} <= removed
    assert STORY[2] in result.text


def test_comment_form_left_by_extractor_is_removed_by_phrase_rules(without_ensemble):
    # The same prompts inside the article body survive trafilatura; the text rules remove them.
    page = ARTICLE.replace("</article>", "<p>Leave a Reply</p><p>Cancel reply</p></article>")
    result = cleaner.explain(page, format="html")
    assert "Leave a Reply" not in result.text and "Cancel reply" not in result.text
    assert "comment_form" in rules(result)
    assert STORY[2] in result.text


def test_forum_thread_keeps_every_post():
    text = cleaner.clean(FORUM, format="html", config=ENSEMBLE)
    for post in POSTS:
        assert post in text
    assert "Terms of use" not in text


def test_ensemble_keeps_story_trafilatura_discards():
    result = cleaner.explain(ASIDE_ONLY, format="html", config=ENSEMBLE)
    for text in STORY:
        assert text in result.text
    assert rules(result)[0] == "html_block_ensemble"


def test_ensemble_traces_each_dropped_line_with_its_probability():
    result = cleaner.explain(ARTICLE, format="html", config=ENSEMBLE)
    first = result.changes[0]
    assert first.stage == "extract" and "page lines" in first.after
    dropped = {change.before: change.rule for change in result.changes[1:]
               if change.rule.startswith("html_block_ensemble:")}
    assert "Copyright 2024" in dropped
    assert 0.0 <= float(dropped["Copyright 2024"].split(":")[1]) < 0.5
    assert not any(text in dropped for text in STORY)


def test_page_lines_fallback_when_trafilatura_keeps_almost_nothing(without_ensemble):
    result = cleaner.explain(ASIDE_ONLY, format="html")
    for text in STORY:
        assert text in result.text
    assert rules(result)[:2] == ["trafilatura", "page_lines_fallback"]
    fallback = result.changes[1]
    assert fallback.stage == "extract" and "characters" in fallback.before


def test_no_fallback_when_trafilatura_found_the_text(without_ensemble):
    result = cleaner.explain(ARTICLE, format="html")
    assert rules(result)[0] == "trafilatura"
    assert "page_lines_fallback" not in rules(result)
    assert STORY[0] in result.text


def test_found_shares_judge_short_lines_in_place():
    shares = extract.found_shares(["Menu", "Pier", "The pier was repaired in May", "Pier"],
                                  "Pier. The pier was repaired in May.")
    assert shares[1] > shares[0] and shares[1] > shares[3]


@pytest.mark.parametrize("config", [cleaner.CleanerConfig(), ENSEMBLE], ids=["default", "ensemble"])
@pytest.mark.parametrize("page", [ARTICLE, FORUM, ASIDE_ONLY])
def test_idempotent(page, config):
    once = cleaner.clean(page, config=config)  # detected as HTML
    assert once.strip()
    assert cleaner.clean(once, config=config) == once  # the second call sees text


def test_default_html_path_is_the_block_ensemble():
    assert cleaner.explain(ARTICLE, format="html").changes[0].rule == "html_block_ensemble"


def test_html_path_without_the_ensemble_is_trafilatura_with_the_text_rules():
    result = cleaner.explain(ARTICLE, format="html", config=cleaner.CleanerConfig(html_ensemble=False))
    assert rules(result)[0] == "trafilatura"
    for text in STORY:
        assert text in result.text
    assert "Leave a Reply" not in result.text and "will not be published" not in result.text


def test_page_lines_one_line_per_block_without_scripts():
    lines = page_lines("<html><head><style>p{}</style></head><body><div>a <b>b</b><script>x()</script> c"
                       "<br>d</div><table><tr><td>e</td><td>f</td></tr></table></body></html>")
    assert lines.splitlines() == ["a b c", "d", "e", "f"]


def test_noscript_holding_most_of_the_letters_is_read_whatever_the_indentation():
    # A blog serves its post to readers without scripts in a <noscript>; the markup around it is
    # indented deeply, so the page holds more white space than letters outside the post.
    indent = "\n" + " " * 400
    menu = "".join(f"{indent}<li>{indent}<a href='/{n}'>{word}</a>{indent}</li>" for n, word in enumerate(["Home", "Labels", "Archive"]))
    page = (f"<!DOCTYPE html><html><head><title>Pier</title></head><body>{indent}<ul>{menu}</ul>{indent}"
            f"<div class='post'><script type='text/template'>{PARAGRAPHS}</script>"
            f"<noscript><h3>Pier to be repaired</h3>{PARAGRAPHS}</noscript></div>{indent}</body></html>")
    tree = extract.parse_page(page)
    lines, _ = extract.page_structure(tree)
    assert all(text in lines for text in STORY)
    out = cleaner.clean(page, format="html")
    assert all(text in out for text in STORY)


def test_closed_dialogs_are_not_page_lines():
    # A <dialog> without "open" is not shown until a script opens it (a consent or log-in box).
    page = ("<html><body><p>Before</p><dialog><p>Sign up for our newsletter</p></dialog>after the box"
            "<dialog open><p>An open notice</p></dialog><div>End</div></body></html>")
    expected = ["Before", "after the box", "An open notice", "End"]
    assert page_lines(page).splitlines() == expected
    assert extract.tree_lines(extract.parse_page(page)) == expected


def test_page_lines_leave_out_ruby_readings():
    # A reading printed above a word (<rt>, with <rp> brackets for browsers without ruby) is no
    # part of the sentence: inline it would split every word it reads.
    lines = page_lines("<html><body><p><ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>どもが"
                       "<ruby>学校<rt>がっこう</rt></ruby>へ行く。</p></body></html>")
    assert lines.splitlines() == ["子どもが学校へ行く。"]


def test_html_with_ruby_keeps_the_sentences_without_their_readings():
    sentences = ["子どもへの虐待をなくすための法律ができて、親が子どもを教育するために体罰を禁止することになりました。",
                 "最近、親に虐待された子どもを児童相談所が守ることができなくて、子どもが亡くなる事件が続いています。",
                 "法律では虐待をした親に専門家が子どもの育て方を教えたり、専門の職員を増やしたりすることも決まりました。"]
    readings = {"子": "こ", "親": "おや", "法律": "ほうりつ", "虐待": "ぎゃくたい", "事件": "じけん"}

    def with_ruby(text):
        for word, reading in readings.items():
            text = text.replace(word, f"<ruby>{word}<rt>{reading}</rt></ruby>")
        return text

    page = ("<!DOCTYPE html><html><head><title>ニュース</title></head><body><nav><a href='/'>トップ</a></nav>"
            "<article><h1>子どもへの体罰を禁止する法律ができる</h1>"
            + "".join(f"<p>{with_ruby(text)}</p>" for text in sentences)
            + "</article><footer>Copyright</footer></body></html>")
    out = cleaner.clean(page, format="html")
    for text in sentences:
        assert text in out
    assert "子こども" not in out and "ほうりつ" not in out


@pytest.mark.parametrize("page", [
    "<div>" * 50000 + "deep" + "</div>" * 50000,
    "<html><body><p class='" + "a" * 200000 + "'>attribute</p></body></html>",
    "<html><body>" + "<p><b><i>unclosed " * 2000,
    "<html>\x00\x01<<<>>>&&&#;" * 500,
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>declared</p></body></html>',
    "",
], ids=["deep", "huge-attribute", "unclosed", "garbage", "xml-declaration", "empty"])
def test_pathological_html_gives_text_or_extract_error(page):
    try:
        text = cleaner.clean(page, format="html")
    except ExtractError as error:
        assert "HTML" in str(error)
    else:
        assert isinstance(text, str)


MARKUP = [ARTICLE, FORUM, ASIDE_ONLY,
          "<html><body><div>a<script>hidden()</script> tail <p>b</p>c<style>x{}</style></div>d</body></html>",
          "<html><body><table><tr><td> x </td><td>\n\n y\t</td></tr></table><br><br>z</body></html>",
          "<html><body>" + "<div><p>deep</p>" * 300 + "</div>" * 300 + "</body></html>"]


@pytest.mark.parametrize("page", MARKUP, ids=range(len(MARKUP)))
def test_page_lines_of_the_shared_parse(page):
    # trafilatura's parse, shared with the page lines, gives the lines of a parse of their own,
    # and the bound that spares most pages the walk is never below their length.
    extraction = extract.extract_main_text(page)
    assert extraction.page_lines() == page_lines(page)
    assert len(extraction.page_lines()) <= extraction.page_lines_bound()


_TAGS = ["p", "div", "span", "b", "li", "td", "br", "script", "style", "textarea", "h1", "a"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([f"<{t}>" for t in _TAGS] + [f"</{t}>" for t in _TAGS]),
                          st.text(alphabet=" \n\tab\u00a0\u3000é", max_size=8)), max_size=40))
def test_page_lines_bound_is_a_bound(parts):
    from lxml import html as lxml_html
    tree = lxml_html.fromstring("<html><body>" + "".join(parts) + "</body></html>")
    assert len(page_lines(tree)) <= extract.text_length_bound(tree)


@pytest.mark.parametrize("page", MARKUP, ids=range(len(MARKUP)))
def test_tree_lines_are_the_page_lines(page):
    # The lines read in C from the marked tree are those of the walk.
    assert extract.tree_lines(extract.parse_page(page)) == [line for line in page_lines(page).split("\n") if line]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([f"<{t}>" for t in _TAGS] + [f"</{t}>" for t in _TAGS]
                                          + ["<nav>", "</nav>", "<div class='share'>", "<li>", "</li>"]),
                          st.text(alphabet=" \n\tab\u00a0\u3000é\ufdd0", max_size=8)), max_size=40))
def test_page_structure_lines_are_the_page_lines(parts):
    from lxml import html as lxml_html
    markup = "<html><body>" + "".join(parts) + "</body></html>"
    lines, marks = extract.page_structure(lxml_html.fromstring(markup))
    assert lines == [line for line in page_lines(lxml_html.fromstring(markup)).split("\n") if line]
    assert marks.shape == (len(lines), len(extract.STRUCTURE_NAMES))
    assert ((marks >= 0.0) & (marks <= 1.0)).all()


def test_page_structure_marks_furniture_links_and_kinds():
    page = ("<html><body class='comments-open'><header><a href='/'>Home</a></header>"
            "<div class='sidebar-widget'><p>Popular posts</p></div><h2>Pier <em>repairs</em></h2>"
            "<div><p>The pier was repaired, <a href='/map'>map</a>.</p></div>"
            "<table><tr><td>Cost</td></tr></table><ul><li><p>Item one</p></li></ul></body></html>")
    lines, marks = extract.page_structure(extract.parse_page(page))
    rows = {line: dict(zip(extract.STRUCTURE_NAMES, row)) for line, row in zip(lines, marks.tolist())}
    assert rows["Home"]["in_landmark"] == 1.0 and rows["Home"]["link_share"] == 1.0
    assert rows["Popular posts"]["in_furniture"] == 1.0
    # The body's own class names the whole page, not an area of it.
    assert rows["The pier was repaired, map."]["in_furniture"] == 0.0
    assert 0.0 < rows["The pier was repaired, map."]["link_share"] < 0.5
    assert rows["Pier repairs"]["in_heading"] == 1.0 and rows["Cost"]["in_heading"] == 0.0
    assert rows["Item one"]["in_landmark"] == 0.0 and rows["Item one"]["link_share"] == 0.0


def test_shingle_shares_match_a_plain_count():
    texts = ["Menu", "Pier", "The pier was repaired in May", "in May", "Pier", "", "a b c d e f"]
    reference = "Pier. The pier was repaired in May. b c d e"
    found, own, counts = extract.shingle_shares(texts, reference)
    tokens = [t.split() for t in [x.replace(".", "") for x in texts]]
    assert counts.tolist() == [len(line) for line in tokens]
    grams = {tuple(reference.replace(".", "").split()[i:i + 4]) for i in range(len(reference.split()) - 3)}
    flat = [(token, i) for i, line in enumerate(tokens) for token in line]
    hits, total = [0] * len(texts), [0] * len(texts)
    for start in range(len(flat) - 3):
        window = flat[start:start + 4]
        for i in {owner for _, owner in window}:
            total[i] += 1
            hits[i] += tuple(token for token, _ in window) in grams
    assert found.tolist() == [h / t if t else 0.0 for h, t in zip(hits, total)]
    assert own.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1 / 3]  # "b c d e" of "a b c d e f"
