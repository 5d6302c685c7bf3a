"""Stage 3, extract (HTML only): which of the page's lines are its main text.

The page is parsed once (:func:`parse_page`, trafilatura's loader).  Its visible text is taken
one line per block element (:func:`page_structure`, the shape of scraped text), with what the
markup says of each line: how much of it is link text, whether it lies in a landmark (nav,
header, footer, aside, menu, form) or in a container whose class or id names site furniture
(menu, sidebar, sharing, comments ...), whether it is a heading.  A small ensemble of regression
trees (``cleaner/models/html_blocks.json``, trained by ``bench/train_html.py`` on the tune split
of the dev pages) decides for each line whether it is main text, from that, from how much of the
line trafilatura's recall-favouring text of the same tree holds (:data:`ENSEMBLE_EXTRACTION`),
and from the text track's block model (:mod:`cleaner.blockmodel`), with the line's own features
and its neighbours' (:func:`ensemble_features`).  The kept lines, in page order, go on to the
text stages.

With the ensemble turned off (``html_ensemble``) or without a shipped one, trafilatura's main
text is used (:func:`extract_main_text`), with the page's lines as a fallback when trafilatura
keeps almost nothing (:func:`prefer_page_lines`).  The trace says which source was used and why.

trafilatura and lxml are imported on first use, so plain-text cleaning never pays for them.
"""
from __future__ import annotations

import collections
import functools
import itertools
import math
import re
from typing import NamedTuple

import numpy as np
import regex

from . import blockmodel, blockstats, segment
from .language import guess_page_language
from .trace import Change

# A document is HTML when it opens like a page or is dense with block-level tags.
_HTML_START = regex.compile(r"\A(?:\ufeff)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                            regex.IGNORECASE | regex.DOTALL)
_BLOCK_TAG = regex.compile(r"</?(?:p|div|br|span|a|li|ul|table|tr|td|h[1-6]|section|article|body|meta|script)\b[^>]{0,500}>",
                           regex.IGNORECASE)
_SPACES = regex.compile(r"\s+")

# Ruby annotations: the reading printed above a word (<rt>, with <rp> brackets for browsers
# without ruby) is no part of the sentence, and inline it would split every word it reads.
_READINGS = ("rt", "rp")
# Elements whose content is never visible text (the readings too).
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "svg", "math", "iframe",
                        "object", "canvas", "select", "option", "button", "input", "textarea",
                        *_READINGS})
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
    """trafilatura's main text, the parsed page (its visible lines are the fallback), the trace.

    The page is parsed once, by trafilatura's loader; trafilatura extracts from a copy of that
    tree, and the page's lines are read from it only when the fallback needs them
    (:meth:`page_lines`, with :meth:`page_lines_bound` to tell when it cannot).
    """

    main_text: str
    html: str
    tree: object  # the parsed page (an lxml element), or None when trafilatura's loader refused it
    changes: list[Change]

    def page_lines(self) -> str:
        """The page's visible lines (:func:`page_lines`), from the tree trafilatura read."""
        return page_lines(self.tree if self.tree is not None else self.html)

    def page_lines_bound(self, enough: int = -1) -> int:
        """At least ``len(self.page_lines())``, without walking the tree in Python (see
        :func:`text_length_bound`, and its ``enough``)."""
        if self.tree is None:
            return len(self.html)
        return text_length_bound(self.tree, enough)


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
    """Parse the page once and run trafilatura on it (comments excluded, tables kept)."""
    import trafilatura
    from trafilatura.utils import load_html

    try:
        # trafilatura's own loader, so the tree is the one trafilatura.extract(html) would read;
        # given a tree, trafilatura works on a copy and leaves this one for the page's lines.
        tree = _without_unrendered(load_html(html))
        text = "" if tree is None else trafilatura.extract(
            tree, url=url, include_comments=False, include_tables=True, deduplicate=False) or ""
    except Exception as error:  # trafilatura raises many kinds on pathological markup
        raise ExtractError(f"HTML extraction failed: {type(error).__name__}: {error}") from None
    if tree is not None:
        # Invisible elements (their tails stay) are no part of the page's lines: removed in C,
        # they neither cost the walk of page_lines() nor swell its bound.
        from lxml import etree
        etree.strip_elements(tree, *_INVISIBLE, with_tail=False)
    change = Change("extract", "trafilatura", f"<HTML, {len(html)} characters>",
                    f"<main text, {len(text)} characters>")
    return Extraction(text, html, tree, [change])


def text_length_bound(tree, enough: int = -1) -> int:
    """An upper bound of ``len(page_lines(tree))``, computed mostly in C (a tenth of the walk).

    The lines hold the tree's text (less any hidden element's) with white-space runs folded, cut
    at the start and end of each block element: at most ``2 * blocks + 1`` lines, so at most
    ``2 * blocks`` line breaks, and each cut can keep one more space than folding the whole text.
    When the bound before folding white space is at most ``enough``, it is returned as it is.

    >>> from lxml import html
    >>> tree = html.fromstring("<html><body><p>one <b>two</b></p><div>three<br>four</div></body></html>")
    >>> len(page_lines(tree)), text_length_bound(tree)
    (18, 26)
    """
    from lxml import etree

    text = etree.tostring(tree, method="text", encoding=str, with_tail=True)
    blocks = sum(1 for _ in tree.iter(*_BLOCKS))  # lxml matches the tags in C
    if len(text) + 2 * blocks <= enough:
        return len(text) + 2 * blocks
    return min(len(text), len(_SPACES.sub(" ", text)) + 2 * blocks) + 2 * blocks


def page_lines(html) -> str:
    """The page's visible text, one line per block element (menus and footers included);
    ``html`` is the page's markup or its parsed tree (an lxml element, left unchanged).

    >>> page_lines("<html><head><title>T</title></head><body><h1>Hi <b>there</b></h1>"
    ...            "<p>one<script>x()</script> two</p>tail<ul><li>a</li><li>b</li></ul></body></html>")
    'Hi there\\none two\\ntail\\na\\nb'
    """
    from lxml import etree
    from lxml import html as lxml_html

    if not isinstance(html, str):
        tree = html
    elif not html.strip():
        return ""
    else:
        # The markup is handed over as UTF-8 bytes, so the parser is told so (else lxml would
        # read a page without a charset declaration as Latin-1).
        parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")
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
            if hidden or tag in _INVISIBLE or tag == "dialog" and _is_closed(element):
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


# ---- the block ensemble: which of the page's lines are main text -----------------------------

_SHINGLE = 4
_ENSEMBLE_OFFSETS = (-2, -1, 1, 2)
_ENSEMBLE_WINDOWS = (3, 10)
# trafilatura's extraction the ensemble reads: recall-favouring and without trafilatura's fallback
# extractors (fast), comments excluded, tables kept.  One such extraction, on the tree parsed
# once, costs about half of trafilatura.extract's default run; the page's lines, their markup
# and the block model supply the rest (bench/train_html.py compares the choices).
ENSEMBLE_EXTRACTION = {"favor_recall": True, "fast": True}
# The rule of the change that says the ensemble kept no line and trafilatura's text was used.
ENSEMBLE_TEXT_FALLBACK = "html_block_ensemble_kept_nothing"
# 64-bit multiplier of the shingle hash (odd, so token ids mix without losing bits).
_MIX = np.uint64(0x9E3779B97F4A7C15)


def parse_page(html: str):
    """The page's lxml tree as trafilatura's loader builds it (None when the loader refuses it)."""
    from trafilatura.utils import load_html
    try:
        return _without_unrendered(load_html(html))
    except Exception as error:  # lxml and trafilatura raise many kinds on pathological markup
        raise ExtractError(f"HTML could not be parsed: {type(error).__name__}: {error}") from None


def _without_unrendered(tree):
    """``tree`` (trafilatura's loader's, an ``lxml.html`` tree) without its ruby readings
    (:data:`_READINGS`) and its closed dialogs (their tails stay), before trafilatura reads it:
    its text and the page's lines then agree on every annotated word.  A ``<dialog>`` without
    ``open`` is not rendered until a script opens it (a consent form, a sign-up or log-in box, an
    enlarged picture); trafilatura drops every dialog anyway."""
    if tree is not None:
        from lxml import etree
        etree.strip_elements(tree, *_READINGS, with_tail=False)
        for dialog in [element for element in tree.iter("dialog") if _is_closed(element)]:
            dialog.drop_tree()
    return tree


def _is_closed(element) -> bool:
    """Whether ``element`` is a dialog that the page does not show (no ``open`` attribute)."""
    return element.get("open") is None


def trafilatura_text(tree, *, url: str | None = None, **options) -> str:
    """trafilatura's text of a parsed page (comments excluded, tables kept); trafilatura works
    on a copy, so the tree stays as it was."""
    import trafilatura
    try:
        return trafilatura.extract(tree, url=url, include_comments=False, include_tables=True,
                                   deduplicate=False, **options) or ""
    except Exception as error:  # trafilatura raises many kinds on pathological markup
        raise ExtractError(f"HTML extraction failed: {type(error).__name__}: {error}") from None


def tree_lines(tree) -> list[str]:
    """The lines of :func:`page_lines` of a parsed page, read in C (see :func:`page_structure`,
    which changes the tree).

    >>> from lxml import html
    >>> tree = html.fromstring("<html><body><h1>Hi <b>there</b></h1><p>one<script>x()</script>"
    ...                        " two</p>tail<ul><li>a</li><li>b</li></ul></body></html>")
    >>> tree_lines(tree)
    ['Hi there', 'one two', 'tail', 'a', 'b']
    """
    return page_structure(tree)[0]


# Marks put in the page's text by page_structure (noncharacters: a page that holds any of them
# itself is read by the walk of page_lines, without the markup features).  An area's opening and
# closing marks are followed by the letter of its kind.
_BLOCK_MARK, _LINK_OPEN, _LINK_CLOSE, _AREA_OPEN, _AREA_CLOSE = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3", "\ufdd4"
_ANY_MARK = regex.compile("[\ufdd0-\ufdd4]")
# Page areas that hold the site's furniture rather than the document: HTML's landmarks, and
# class or id names that the web's templates give menus, sidebars, sharing and comment blocks.
_LANDMARKS = ("nav", "header", "footer", "aside", "menu", "form")
_LANDMARK_ROLES = ("navigation", "banner", "contentinfo", "complementary", "search")
_FURNITURE_NAMES = ("nav", "menu", "sidebar", "footer", "breadcrumb", "related", "share", "social",
                    "widget", "cookie", "newsletter", "comment", "banner", "promo", "advert")
_FURNITURE = re.compile("|".join(_FURNITURE_NAMES))
# The elements whose names are read: those that hold areas of a page (links, list items and
# inline elements inside a named area are in it already).
_CONTAINERS = ("div", "section", "ul", "ol", "dl", "aside", "article", "form", "table", "p", "footer",
               "header", "nav", "main")
# The kinds of area a line can lie in, by their letters: landmark and furniture areas (found by
# _areas) and headings.
_AREA_KINDS = ("L", "F", "H")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_AREA_MARK = regex.compile("[\ufdd3\ufdd4].")
_AREA_MARKS = tuple((_AREA_OPEN + kind, _AREA_CLOSE + kind) for kind in _AREA_KINDS)
_LINK_MARKS = regex.compile("([\ufdd1\ufdd2])")
STRUCTURE_NAMES = ("link_share", "in_landmark", "in_furniture", "in_heading")


def _areas(tree) -> tuple[list, list]:
    """The landmark areas of the page and its containers named as furniture (the page's html and
    body elements aside: their names describe the whole page, a blog's "comments-open")."""
    landmarks = list(tree.iter(*_LANDMARKS))  # lxml matches the tags in C
    landmarks += [element for element in tree.xpath("//*[@role]") if element.get("role") in _LANDMARK_ROLES]
    body = tree.find("body")
    named = _FURNITURE.search
    furniture = [element for element in (body if body is not None else tree).iter(*_CONTAINERS)
                 if named(f"{element.get('class', '')} {element.get('id', '')}".lower())]
    return landmarks, furniture


def _strip_invisible(tree) -> str:
    """Drop the page's invisible elements (their tails stay) and return the text before the
    ``<noscript>`` elements go.  A ``<noscript>`` stays when it holds most of the page's text:
    such a page serves its content there to readers without scripts (forum software does).

    >>> from lxml import html
    >>> tree = html.fromstring("<html><body><div>Loading<script>x()</script></div>"
    ...                        "<noscript><p>The first post of the thread.</p></noscript></body></html>")
    >>> _ = _strip_invisible(tree); [element.tag for element in tree.iter()]
    ['html', 'body', 'div', 'noscript', 'p']
    """
    from lxml import etree

    etree.strip_elements(tree, *_INVISIBLE.difference({"noscript"}), with_tail=False)
    text = etree.tostring(tree, method="text", encoding=str, with_tail=False)
    fallbacks = list(tree.iter("noscript"))
    if fallbacks:
        # Letters, not white space, are weighed: a page's indentation outweighs its text.
        inside = sum(_visible_length(etree.tostring(element, method="text", encoding=str, with_tail=False))
                     for element in fallbacks)
        if 2 * inside <= _visible_length(text):
            etree.strip_elements(tree, "noscript", with_tail=False)
    return text


def _visible_length(text: str) -> int:
    """The characters of ``text`` that are not white space.

    >>> _visible_length("  a b\\n\\t c ")
    3
    """
    return len("".join(text.split()))


def page_structure(tree) -> tuple[list[str], np.ndarray]:
    """The page's visible lines (those of :func:`page_lines`, but a ``<noscript>`` that holds most
    of the page's text is read, see :func:`_strip_invisible`) and, for each, what the markup says
    of it (:data:`STRUCTURE_NAMES`): the share of its characters inside links, whether it lies in
    a landmark area (nav, header, footer, aside, menu, form), in an element whose class or id
    names site furniture (menu, sidebar, sharing, comments ...), or in a heading.

    Read in C: each block element's text and tail get a mark, and so do links and areas; the
    whole text is serialised once and cut at the block marks.  The tree is changed (its invisible
    elements dropped, the marks added): give it a tree not needed afterwards.

    >>> from lxml import html
    >>> tree = html.fromstring("<html><body><nav><ul><li><a href='/'>Home</a></li></ul></nav>"
    ...                        "<h1>Pier</h1><p>The pier, <a href='/m'>see map</a>.</p></body></html>")
    >>> lines, marks = page_structure(tree)
    >>> lines, marks.round(2).tolist()
    (['Home', 'Pier', 'The pier, see map.'], [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.4, 0.0, 0.0, 0.0]])
    """
    from lxml import etree

    text = _strip_invisible(tree)
    if _ANY_MARK.search(text):
        lines = [line for line in page_lines(tree).split("\n") if line]
        return lines, np.zeros((len(lines), len(STRUCTURE_NAMES)))
    landmarks, furniture = _areas(tree)
    areas = ((landmarks, "L"), (furniture, "F"), (list(tree.iter(*_HEADINGS)), "H"))
    # Opening marks go after a block's own mark and closing ones before it (the passes' order),
    # so each stays with the lines of its element.
    for element in tree.iter("a"):
        element.text = _LINK_OPEN + element.text if element.text else _LINK_OPEN
        element.tail = _LINK_CLOSE + element.tail if element.tail else _LINK_CLOSE
    for elements, kind in areas:
        opening = _AREA_OPEN + kind
        for element in elements:
            element.text = opening + element.text if element.text else opening
    for element in tree.iter(*_BLOCKS):
        element.text = _BLOCK_MARK + element.text if element.text else _BLOCK_MARK
        element.tail = _BLOCK_MARK + element.tail if element.tail else _BLOCK_MARK
    for elements, kind in areas:
        closing = _AREA_CLOSE + kind
        for element in elements:
            element.tail = closing + element.tail if element.tail else closing
    text = etree.tostring(tree, method="text", encoding=str, with_tail=False)
    depth = [0] * len(_AREA_KINDS)
    lines: list[str] = []
    rows: list[list[float]] = []
    in_link = False
    plain_row = [0.0] * len(STRUCTURE_NAMES)  # the row of a line without marks, where it stands
    for part in text.split(_BLOCK_MARK):
        if not part or part.isspace():
            continue
        link_marks = _LINK_OPEN in part or _LINK_CLOSE in part
        area_marks = _AREA_OPEN in part or _AREA_CLOSE in part
        if not (link_marks or area_marks):
            lines.append(" ".join(part.split()))
            rows.append(plain_row)
            continue
        if area_marks:
            # A line lies in an area that is open where it starts or opens in it.
            inside = []
            for index, (opening, closing) in enumerate(_AREA_MARKS):
                opened = part.count(opening)
                inside.append(float(depth[index] > 0 or opened > 0))
                depth[index] += opened - part.count(closing)
            part = _AREA_MARK.sub("", part)
        else:
            inside = plain_row[1:]
        linked = total = 0
        pieces = _LINK_MARKS.split(part) if link_marks else [part]
        for index, piece in enumerate(pieces):
            if index % 2:
                in_link = piece == _LINK_OPEN
            elif piece:
                size = len(piece) - piece.count(" ") - piece.count("\n") - piece.count("\t")
                total += size
                linked += size if in_link else 0
        line = " ".join("".join(pieces[::2]).split())
        if line:
            lines.append(line)
            rows.append([linked / total if total else 0.0] + inside)
        if area_marks or in_link != plain_row[0]:
            plain_row = [float(in_link)] + [float(level > 0) for level in depth]
    return lines, np.array(rows, dtype=float).reshape(len(rows), len(STRUCTURE_NAMES))


def _shingle_keys(ids: np.ndarray, width: int) -> np.ndarray:
    """A 64-bit hash of each run of ``width`` token ids (ids from 1; id 0 marks a token the
    reference lacks, and a run holding one gets key 0, found nowhere).

    >>> _shingle_keys(np.array([3, 0, 5], dtype=np.uint64), 1).tolist()
    [3, 0, 5]
    """
    count = len(ids) - width + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    keys = ids[:count].copy()
    present = ids[:count] > 0
    for k in range(1, width):
        keys = keys * _MIX + ids[k:k + count]
        present &= ids[k:k + count] > 0
    return np.where(present, keys, np.uint64(0))


def _held(keys: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is one of ``reference`` and not 0 (a run the reference lacks).

    >>> _held(np.array([5, 0, 7, 9], dtype=np.uint64), np.array([9, 5, 0], dtype=np.uint64)).tolist()
    [True, False, False, True]
    """
    held = np.zeros(len(keys), dtype=bool)
    candidates = np.flatnonzero(keys)
    if not len(candidates) or not len(reference):
        return held
    reference = np.sort(reference)
    wanted = keys[candidates]
    at = np.minimum(np.searchsorted(reference, wanted), len(reference) - 1)
    held[candidates] = reference[at] == wanted
    return held


def shingle_shares(texts: list[str], reference: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each block of ``texts`` (in page order), two shares of its 4-token shingles that
    occur in ``reference``:

    * found: of the shingles touching its tokens; shingles run across block boundaries, so a
      short heading or list item is judged in its place on the page;
    * own: of its own shingles (inside the block); a block of fewer than four tokens counts 1.0
      when its tokens occur in a row in ``reference``, else 0.0.  This does not depend on the
      neighbours, so a post between two dropped author lines is still seen as held.

    The third array counts each block's tokens.

    >>> found, own, _ = shingle_shares(["Home", "The pier was repaired in May", "in May", "Contact us"],
    ...                             "The pier was repaired in May.")
    >>> found.round(2).tolist(), own.tolist()
    ([0.0, 0.43, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0])
    """
    return _shares(blockstats.Page(texts), blockstats.words(reference))


def _shares(page, ref_tokens: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`shingle_shares` of the blocks of ``page`` (a :class:`blockstats.Page`) against the
    tokens of the reference."""
    n = page.n
    # Token ids from 1 in the reference; a token it lacks gets 0 (mapped in C, by map()).
    vocabulary = collections.defaultdict(int, zip(dict.fromkeys(ref_tokens), itertools.count(1)))
    ref_ids = np.fromiter(map(vocabulary.__getitem__, ref_tokens), dtype=np.uint64, count=len(ref_tokens))
    # The page's tokens in page order; the blocks' token counts place each block among them.
    words = page.word_texts
    ids = np.fromiter(map(vocabulary.__getitem__, words), dtype=np.uint64, count=len(words))
    counts = page.words
    ends = counts.cumsum()
    starts = ends - counts
    found_keys = _shingle_keys(ids, _SHINGLE)
    hit = _held(found_keys, _shingle_keys(ref_ids, _SHINGLE))
    # Shingle s covers tokens s..s+3: a block of tokens [a, b) is touched by starts a-3 .. b-1.
    prefix = np.concatenate(([0], np.cumsum(hit)))
    last = len(hit)
    low = np.clip(starts - (_SHINGLE - 1), 0, last)
    high = np.clip(ends, 0, last)
    touching = np.where(counts > 0, high - low, 0)
    found = np.divide(prefix[high] - prefix[low], touching, out=np.zeros(n), where=touching > 0)
    # Own shingles of a block: starts a .. b-4.
    inside = np.clip(counts - (_SHINGLE - 1), 0, None)
    own_high = np.clip(starts + inside, 0, last)
    own = np.divide(prefix[own_high] - prefix[np.clip(starts, 0, last)], inside, out=np.zeros(n), where=inside > 0)
    # A block of fewer tokens: whether its tokens occur in a row in the reference (one token: a
    # token id is not 0 only when the reference holds it).
    for width in range(1, _SHINGLE):
        short = np.flatnonzero(counts == width)
        if not len(short):
            continue
        keys = _shingle_keys(ids, width)[starts[short]]
        held = keys > 0 if width == 1 else _held(keys, _shingle_keys(ref_ids, width))
        own[short] = held
    return found, own, counts


def found_shares(texts: list[str], reference: str) -> list[float]:
    """The ``found`` shares of :func:`shingle_shares`.

    >>> found_shares(["Home", "The pier was repaired in May", "Contact us"], "The pier was repaired in May.")
    [0.0, 0.5, 0.0]
    """
    return shingle_shares(texts, reference)[0].tolist()


def ensemble_names() -> list[str]:
    """The names of the features :func:`ensemble_features` gives each line."""
    names = ["in_text", "own_in_text"]
    names += [f"in_text_at{offset:+d}" for offset in _ENSEMBLE_OFFSETS]
    names += [f"in_text_win{width}" for width in _ENSEMBLE_WINDOWS]
    names += ["text_page_share", "log_text_tokens", "block_model"]
    return names + blockmodel.feature_names() + list(STRUCTURE_NAMES)


# Where ensemble_features puts the columns that agreed() and with_heading() read.
_OWN_IN_TEXT = 1
_BLOCK_MODEL = 2 + len(_ENSEMBLE_OFFSETS) + len(_ENSEMBLE_WINDOWS) + 2


def ensemble_features(texts: list[str], text: str, structure: np.ndarray,
                      lang: str | None = None) -> np.ndarray:
    """One row per line of the page (``texts``): how much of the line (and of its neighbours)
    trafilatura's text holds, how much of the page that text kept, the text track's block
    model's log-odds and its features, and what the markup says of the line (``structure``, from
    :func:`page_structure`; ``lang``: the page's language, guessed from the lines when None).

    >>> rows = ensemble_features(["Home", "The pier was repaired in May"], "The pier was repaired in May",
    ...                          np.zeros((2, len(STRUCTURE_NAMES))), "en")
    >>> rows.shape == (2, len(ensemble_names())), rows[:, 1].tolist()
    (True, [0.0, 1.0])
    """
    n = len(texts)
    if not n:
        return np.zeros((0, len(ensemble_names())))
    page = blockstats.Page(texts)
    text_words = blockstats.words(text)
    found, own, tokens = _shares(page, text_words)
    columns = [found, own]
    padded = np.concatenate((np.full(2, -1.0), found, np.full(2, -1.0)))
    columns += [padded[2 + offset:2 + offset + n] for offset in _ENSEMBLE_OFFSETS]
    prefix = np.concatenate(([0.0], np.cumsum(found)))
    at = np.arange(n)
    for width in _ENSEMBLE_WINDOWS:
        low, high = np.maximum(0, at - width), np.minimum(n, at + width + 1)
        columns.append((prefix[high] - prefix[low]) / (high - low))
    page_tokens = int(tokens.sum()) or 1
    text_tokens = len(text_words)
    columns += [np.full(n, min(1.0, text_tokens / page_tokens)), np.full(n, math.log1p(text_tokens))]
    lang = lang if lang is not None else guess_page_language(page)
    block_rows = blockmodel.page_matrix(page, lang)
    model = blockmodel.load_html_feature_model()
    columns.append(np.asarray(blockmodel.log_odds(model, block_rows, blockmodel.content_terms(page, lang))) if model is not None else np.zeros(n))
    return np.hstack([np.column_stack(columns), block_rows, structure])


class EnsembleModel(NamedTuple):
    """The HTML block ensemble: gradient-boosted trees over :func:`ensemble_features`, and the
    decoding knobs (trained by ``bench/train_html.py`` on the tune split of the dev pages)."""

    base: float
    trees: list
    threshold: float
    smooth: float
    keep_agreed: bool  # keep the lines both sources hold (see agreed())


def load_ensemble() -> EnsembleModel | None:
    """The shipped HTML block ensemble, or None when the package has none."""
    return _load_ensemble()


@functools.lru_cache(maxsize=1)
def _load_ensemble() -> EnsembleModel | None:
    data = blockmodel.read_model_file("html_blocks.json", ensemble_names(), "bench/train_html.py")
    if data is None:
        return None
    base, trees = blockmodel._trees(data["stages"][0])
    return EnsembleModel(base, trees, data["threshold"], data["smooth"], data.get("keep_agreed", False))


def agreed(rows: np.ndarray, block_threshold: float) -> np.ndarray:
    """Whether the two sources agree that each line (one row of :func:`ensemble_features` each)
    is main text: trafilatura's text holds the whole line and the text track's block model keeps
    it.  The ensemble arbitrates where they disagree; where they agree the line stays.

    >>> agreed(np.array([[1.0, 1.0] + [0.0] * 8 + [2.0], [1.0, 0.5] + [0.0] * 8 + [2.0]]), 0.0).tolist()
    [True, False]
    """
    return (rows[:, _OWN_IN_TEXT] >= 1.0) & (rows[:, _BLOCK_MODEL] >= block_threshold)


def ensemble_keep(model: EnsembleModel, texts: list[str], text: str, structure: np.ndarray,
                  lang: str | None = None) -> tuple[list[bool], list[float]]:
    """Which lines of the page the ensemble keeps, and its smoothed log-odds for each."""
    rows = ensemble_features(texts, text, structure, lang)
    values = blockmodel.smoothed(blockmodel.ensemble_array(model.base, model.trees, rows), model.smooth)
    return decide(model, texts, rows, values), values


def decide(model: EnsembleModel, texts: list[str], rows: np.ndarray, values: list[float]) -> list[bool]:
    """The lines kept: smoothed log-odds at the model's threshold, the lines both sources hold
    (when the model says so), and the main text's heading (:func:`with_heading`)."""
    keep = [value >= model.threshold for value in values]
    if model.keep_agreed and len(rows):
        block_model = blockmodel.load_html_feature_model()
        block_threshold = block_model.threshold if block_model is not None else 0.0
        keep = [k or h for k, h in zip(keep, agreed(rows, block_threshold).tolist())]
    return with_heading(keep, texts, rows)


_SENTENCE_END = segment.SENTENCE_END
_HEADING_MAX = 160


def with_heading(keep: list[bool], texts: list[str], rows) -> list[bool]:
    """Also keep the line just before the first kept one when it reads as the main text's
    heading: short, not ending like a sentence, and held whole by trafilatura's text.

    >>> with_heading([False, False, True], ["Home", "Pier repairs", "The pier was repaired."],
    ...              [[0, 0.0], [0, 1.0], [0, 1.0]])
    [False, True, True]
    """
    if True not in keep:
        return keep
    first = keep.index(True)
    if first and rows[first - 1][_OWN_IN_TEXT] >= 1.0 and len(texts[first - 1]) <= _HEADING_MAX \
            and not _SENTENCE_END.search(texts[first - 1]):
        return keep[:first - 1] + [True] + keep[first - 1:][1:]
    return keep
