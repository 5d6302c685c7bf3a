"""The HTML path: trafilatura's main text, the page-lines fallback, the trace, robustness."""
from __future__ import annotations

import pytest

import cleaner
from cleaner.extract import ExtractError, page_lines

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


def rules(result):
    return [change.rule for change in result.changes]


def test_article_keeps_story_and_drops_comment_form():
    result = cleaner.explain(ARTICLE, format="html")
    for text in STORY:
        assert text in result.text
    assert "Leave a Reply" not in result.text
    assert "will not be published" not in result.text
    assert "Copyright" not in result.text
    assert rules(result)[0] == "trafilatura"


def test_comment_form_left_by_extractor_is_removed_by_phrase_rules():
    # The same prompts inside the article body survive trafilatura; the text rules remove them.
    page = ARTICLE.replace("</article>", "<p>Leave a Reply</p><p>Cancel reply</p></article>")
    result = cleaner.explain(page, format="html")
    assert "Leave a Reply" not in result.text and "Cancel reply" not in result.text
    assert "comment_form" in rules(result)
    assert STORY[2] in result.text


def test_forum_thread_keeps_every_post():
    text = cleaner.clean(FORUM, format="html")
    for post in POSTS:
        assert post in text
    assert "Terms of use" not in text


def test_page_lines_fallback_when_trafilatura_keeps_almost_nothing():
    result = cleaner.explain(ASIDE_ONLY, format="html")
    for text in STORY:
        assert text in result.text
    assert rules(result)[:2] == ["trafilatura", "page_lines_fallback"]
    fallback = result.changes[1]
    assert fallback.stage == "extract" and "characters" in fallback.before


def test_no_fallback_when_trafilatura_found_the_text():
    assert "page_lines_fallback" not in rules(cleaner.explain(ARTICLE, format="html"))


@pytest.mark.parametrize("page", [ARTICLE, FORUM, ASIDE_ONLY])
def test_idempotent(page):
    once = cleaner.clean(page)  # detected as HTML
    assert once.strip()
    assert cleaner.clean(once) == once  # the second call sees text


def test_page_lines_one_line_per_block_without_scripts():
    lines = page_lines("<html><head><style>p{}</style></head><body><div>a <b>b</b><script>x()</script> c"
                       "<br>d</div><table><tr><td>e</td><td>f</td></tr></table></body></html>")
    assert lines.splitlines() == ["a b c", "d", "e", "f"]


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
