"""Stage 3, extract (HTML only): the page's main text, by trafilatura, with the page's own lines
as a fallback.

trafilatura (comments excluded, tables kept) chooses the main text.  On some pages (lists of
products, link collections, forum indexes) it keeps almost nothing; for those the pipeline falls
back to the page's visible text, one line per block element (the shape of scraped text), which
the text track's boilerplate stage then cuts to its main region.  :func:`prefer_page_lines` is
that decision, and the trace says which source was used and why.

trafilatura and lxml are imported on first use, so plain-text cleaning never pays for them.
"""
from __future__ import annotations

from typing import NamedTuple

import regex

from .trace import Change

# A document is HTML when it opens like a page or is dense with block-level tags.
_HTML_START = regex.compile(r"\A(?:\ufeff)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                            regex.IGNORECASE | regex.DOTALL)
_BLOCK_TAG = regex.compile(r"</?(?:p|div|br|span|a|li|ul|table|tr|td|h[1-6]|section|article|body|meta|script)\b[^>]{0,500}>",
                           regex.IGNORECASE)
_SPACES = regex.compile(r"\s+")

# Elements whose content is never visible text.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "svg", "math", "iframe",
                        "object", "canvas", "select", "option", "button", "input", "textarea"})
# Elements that start a new line in the page's visible text.
_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "br", "caption", "dd",
                     "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure",
                     "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "html",
                     "legend", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
                     "tbody", "td", "tfoot", "th", "thead", "tr", "ul"})

# The page's lines replace trafilatura's text when trafilatura keeps less than this share of
# what the boilerplate stage keeps of the page's lines, or fewer characters than this.  Chosen on
# the benchmark's tune split (bench/quality.py, docs/quality.md "HTML track").
FALLBACK_SHARE = 0.1
FALLBACK_MIN_CHARS = 200


class ExtractError(ValueError):
    """HTML from which no text could be extracted at all."""


class Extraction(NamedTuple):
    """trafilatura's main text and the page's visible lines (the fallback), with the trace."""

    main_text: str
    page_lines: str
    changes: list[Change]


def looks_like_html(text: str) -> bool:
    """Guess whether ``text`` is an HTML page rather than plain text.

    >>> looks_like_html("<!DOCTYPE html><html><body><p>Hi</p></body></html>")
    True
    >>> looks_like_html("Use the <div> element for blocks.")
    False
    """
    head = text[:4096]
    if _HTML_START.search(head):
        return True
    tags = len(_BLOCK_TAG.findall(head))
    return tags >= 5 and tags * 40 > len(head.split())


def extract(html: str, *, url: str | None = None) -> str:
    """trafilatura's main text of ``html`` (empty when it finds none)."""
    return extract_main_text(html, url=url).main_text


def extract_and_explain(html: str, *, url: str | None = None) -> tuple[str, list[Change]]:
    """trafilatura's main text, with the extraction recorded as one change over the whole page."""
    extraction = extract_main_text(html, url=url)
    return extraction.main_text, extraction.changes


def extract_main_text(html: str, *, url: str | None = None) -> Extraction:
    """Run trafilatura (comments excluded, tables kept) and collect the page's visible lines."""
    import trafilatura

    try:
        text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                                   deduplicate=False) or ""
    except Exception as error:  # trafilatura raises many kinds on pathological markup
        raise ExtractError(f"HTML extraction failed: {type(error).__name__}: {error}") from None
    lines = page_lines(html)
    change = Change("extract", "trafilatura", f"<HTML, {len(html)} characters>",
                    f"<main text, {len(text)} characters>")
    return Extraction(text, lines, [change])


def page_lines(html: str) -> str:
    """The page's visible text, one line per block element (menus and footers included).

    >>> page_lines("<html><head><title>T</title></head><body><h1>Hi <b>there</b></h1>"
    ...            "<p>one<script>x()</script> two</p>tail<ul><li>a</li><li>b</li></ul></body></html>")
    'Hi there\\none two\\ntail\\na\\nb'
    """
    from lxml import etree
    from lxml import html as lxml_html

    if not html.strip():
        return ""
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True)
    try:
        # Bytes, so an XML encoding declaration in the page cannot make lxml refuse the string.
        tree = lxml_html.fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ExtractError(f"HTML could not be parsed: {type(error).__name__}: {error}") from None
    lines: list[str] = []
    current: list[str] = []

    def end_line() -> None:
        line = _SPACES.sub(" ", "".join(current)).strip()
        if line:
            lines.append(line)
        current.clear()

    hidden = 0  # depth inside an invisible element
    # iterwalk is iterative: deeply nested pages cannot exhaust the recursion limit.
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if hidden or tag in _INVISIBLE:
                hidden += 1
                continue
            if tag in _BLOCKS:
                end_line()
            if element.text:
                current.append(element.text)
            continue
        if hidden:
            hidden -= 1
            if hidden == 0 and element.tail:  # the tail is outside the hidden element
                current.append(element.tail)
            continue
        if tag in _BLOCKS:
            end_line()
        if element.tail:
            current.append(element.tail)
    end_line()
    return "\n".join(lines)


def prefer_page_lines(main_text: str, page_text: str) -> bool:
    """Whether the cleaned page lines should replace trafilatura's (cleaned) main text: when
    trafilatura kept almost nothing, absolutely or next to what the boilerplate stage kept.

    >>> prefer_page_lines("Sign in", "Widget A, 20 EUR\\nWidget B, 25 EUR\\n" * 20)
    True
    >>> prefer_page_lines("A long story. " * 40, "A long story. " * 40 + "Menu\\nHome\\n")
    False
    >>> prefer_page_lines("Title\\nA short note, complete.", "Home\\nTitle\\nA short note, complete.")
    False
    """
    if not page_text.strip():
        return False
    if len(main_text) < FALLBACK_SHARE * len(page_text):
        return True
    # A short main text is the page's whole story when the page holds little more than it.
    return len(main_text) < FALLBACK_MIN_CHARS and len(page_text) > 2 * len(main_text)
