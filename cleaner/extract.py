"""Stage 3, extract (HTML only): the page's main text, by trafilatura, comments excluded.

trafilatura is imported on first use, so plain-text cleaning never pays for it.  Its output
is plain text with one block per line, the shape the later stages expect.
"""
from __future__ import annotations

import regex

from .trace import Change

# A document is HTML when it opens like a page or is dense with block-level tags.
_HTML_START = regex.compile(r"\A(?:\ufeff)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                            regex.IGNORECASE | regex.DOTALL)
_BLOCK_TAG = regex.compile(r"</?(?:p|div|br|span|a|li|ul|table|tr|td|h[1-6]|section|article|body|meta|script)\b[^>]{0,500}>",
                           regex.IGNORECASE)


class ExtractError(ValueError):
    """HTML from which no text could be extracted at all."""


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
    """The main text of ``html`` (empty when the page has none)."""
    return extract_and_explain(html, url=url)[0]


def extract_and_explain(html: str, *, url: str | None = None) -> tuple[str, list[Change]]:
    """Extract the main text and record the extraction as one change over the whole page."""
    import trafilatura

    try:
        text = trafilatura.extract(
            html,
            url=url,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
        )
    except Exception as error:  # trafilatura raises many kinds on pathological markup
        raise ExtractError(f"HTML extraction failed: {type(error).__name__}: {error}") from None
    text = text or ""
    change = Change("extract", "trafilatura", f"<HTML, {len(html)} characters>",
                    f"<main text, {len(text)} characters>")
    return text, [change]
