"""Stage 3, extract (HTML only): which of the page's lines are its main text.

The page's visible text is taken one line per block element (:func:`page_lines`, the shape of
scraped text).  A small ensemble of regression trees (``cleaner/models/html_blocks.json``,
trained by ``bench/train_html.py`` on the tune split of the dev pages) decides for each line
whether it is main text, from what three sources say of it: trafilatura's main text (comments
excluded, tables kept), trafilatura's recall-favouring text, and the text track's block model
(:mod:`cleaner.blockmodel`), with the line's own features and its neighbours'
(:func:`ensemble_features`).  The kept lines, in page order, go on to the text stages.

Without a shipped ensemble, trafilatura's main text is used, with the page's lines as a fallback
when trafilatura keeps almost nothing (:func:`prefer_page_lines`).  The trace says which source
was used and why.

trafilatura and lxml are imported on first use, so plain-text cleaning never pays for them.
"""
from __future__ import annotations

import functools
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


def trafilatura_texts(html: str, *, url: str | None = None) -> tuple[str, str]:
    """trafilatura's main text (comments excluded, tables kept) and its recall-favouring text."""
    import trafilatura

    options = dict(url=url, include_comments=False, include_tables=True, deduplicate=False)
    try:
        main = trafilatura.extract(html, **options) or ""
        recall = trafilatura.extract(html, favor_recall=True, **options) or ""
    except Exception as error:  # trafilatura raises many kinds on pathological markup
        raise ExtractError(f"HTML extraction failed: {type(error).__name__}: {error}") from None
    return main, recall


def extract_main_text(html: str, *, url: str | None = None) -> Extraction:
    """Parse the page once and run trafilatura on it (comments excluded, tables kept)."""
    import trafilatura
    from trafilatura.utils import load_html

    try:
        # trafilatura's own loader, so the tree is the one trafilatura.extract(html) would read;
        # given a tree, trafilatura works on a copy and leaves this one for the page's lines.
        tree = load_html(html)
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


# ---- the block ensemble: which of the page's lines are main text -----------------------------

_TOKEN = regex.compile(r"\w+")
_SHINGLE = 4
_ENSEMBLE_OFFSETS = (-2, -1, 1, 2)
_ENSEMBLE_WINDOWS = (3, 10)


def found_shares(texts: list[str], reference: str) -> list[float]:
    """For each block of ``texts`` (in page order), the share of the 4-token shingles touching
    its tokens that occur in ``reference``; shingles run across block boundaries, so a short
    heading or list item is judged in its place on the page.

    >>> found_shares(["Home", "The pier was repaired in May", "Contact us"], "The pier was repaired in May.")
    [0.0, 0.5, 0.0]
    """
    grams = set()
    ref_tokens = _TOKEN.findall(reference)
    for start in range(max(0, len(ref_tokens) - _SHINGLE + 1)):
        grams.add(tuple(ref_tokens[start:start + _SHINGLE]))
    flat: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        tokens = _TOKEN.findall(text)
        flat += tokens
        owner += [i] * len(tokens)
    hits = [0] * len(texts)
    total = [0] * len(texts)
    for start in range(max(0, len(flat) - _SHINGLE + 1)):
        found = tuple(flat[start:start + _SHINGLE]) in grams
        for i in set(owner[start:start + _SHINGLE]):
            total[i] += 1
            hits[i] += found
    return [h / t if t else 0.0 for h, t in zip(hits, total)]


def own_shares(texts: list[str], reference: str) -> list[float]:
    """For each block, the share of its own 4-token shingles (inside the block) that occur in
    ``reference``; a block of fewer than four tokens counts 1.0 when its tokens occur in a row
    in ``reference``, else 0.0.  Unlike :func:`found_shares` this does not depend on the
    neighbours, so a post between two dropped author lines is still seen as held.

    >>> own_shares(["Home", "The pier was repaired in May", "in May", "Contact us"], "The pier was repaired in May.")
    [0.0, 1.0, 1.0, 0.0]
    """
    ref_tokens = _TOKEN.findall(reference)
    grams = {tuple(ref_tokens[i:i + _SHINGLE]) for i in range(max(0, len(ref_tokens) - _SHINGLE + 1))}
    joined = " " + " ".join(ref_tokens) + " "
    out = []
    for text in texts:
        tokens = _TOKEN.findall(text)
        if len(tokens) < _SHINGLE:
            out.append(1.0 if tokens and " " + " ".join(tokens) + " " in joined else 0.0)
            continue
        own = [tuple(tokens[i:i + _SHINGLE]) in grams for i in range(len(tokens) - _SHINGLE + 1)]
        out.append(sum(own) / len(own))
    return out


def ensemble_names() -> list[str]:
    """The names of the features :func:`ensemble_features` gives each line."""
    from . import blockmodel
    names = ["in_main", "in_recall", "own_in_main", "own_in_recall"]
    for offset in _ENSEMBLE_OFFSETS:
        names += [f"in_main_at{offset:+d}", f"in_recall_at{offset:+d}"]
    for width in _ENSEMBLE_WINDOWS:
        names += [f"in_main_win{width}", f"in_recall_win{width}"]
    names += ["main_page_share", "recall_page_share", "log_main_tokens", "log_recall_tokens", "block_model"]
    return names + blockmodel.feature_names()


# Where ensemble_features puts the columns that agreed() reads.
_OWN_MAIN, _OWN_RECALL = 2, 3
_BLOCK_MODEL = 4 + 2 * len(_ENSEMBLE_OFFSETS) + 2 * len(_ENSEMBLE_WINDOWS) + 4


def ensemble_features(texts: list[str], main_text: str, recall_text: str, lang: str) -> list[list[float]]:
    """One row per line of the page (``texts``): whether trafilatura's main text and its
    recall-favouring text hold the line, the same for its neighbours, how much of the page each
    of them kept, the text track's block model's log-odds and its features.

    >>> rows = ensemble_features(["Home", "The pier was repaired in May"], "The pier was repaired in May", "", "en")
    >>> len(rows), len(rows[0]) == len(ensemble_names())
    (2, True)
    """
    import math

    from . import blockmodel
    n = len(texts)
    if not n:
        return []
    main = found_shares(texts, main_text)
    recall = found_shares(texts, recall_text)
    own_main, own_recall = own_shares(texts, main_text), own_shares(texts, recall_text)
    tokens = [len(_TOKEN.findall(text)) for text in texts]
    page_tokens = sum(tokens) or 1
    main_tokens, recall_tokens = len(_TOKEN.findall(main_text)), len(_TOKEN.findall(recall_text))
    page = [min(1.0, main_tokens / page_tokens), min(1.0, recall_tokens / page_tokens),
            math.log1p(main_tokens), math.log1p(recall_tokens)]
    block_rows = blockmodel.page_features(texts, lang)
    model = blockmodel.load_model()
    block_odds = blockmodel.log_odds(model, block_rows) if model is not None else [0.0] * n
    prefix_main, prefix_recall = [0.0], [0.0]
    for a, b in zip(main, recall):
        prefix_main.append(prefix_main[-1] + a)
        prefix_recall.append(prefix_recall[-1] + b)
    rows = []
    for i in range(n):
        row = [main[i], recall[i], own_main[i], own_recall[i]]
        for offset in _ENSEMBLE_OFFSETS:
            j = i + offset
            row += [main[j], recall[j]] if 0 <= j < n else [-1.0, -1.0]
        for width in _ENSEMBLE_WINDOWS:
            low, high = max(0, i - width), min(n, i + width + 1)
            row += [(prefix_main[high] - prefix_main[low]) / (high - low),
                    (prefix_recall[high] - prefix_recall[low]) / (high - low)]
        rows.append(row + page + [block_odds[i]] + block_rows[i])
    return rows


class EnsembleModel(NamedTuple):
    """The HTML block ensemble: gradient-boosted trees over :func:`ensemble_features`, and the
    decoding knobs (trained by ``bench/train_html.py`` on the tune split of the dev pages)."""

    base: float
    trees: list
    threshold: float
    smooth: float
    keep_agreed: bool  # keep the lines all three sources hold (see agreed())


def load_ensemble() -> EnsembleModel | None:
    """The shipped HTML block ensemble, or None when the package has none."""
    return _load_ensemble()


@functools.lru_cache(maxsize=1)
def _load_ensemble() -> EnsembleModel | None:
    from . import blockmodel
    data = blockmodel.read_model_file("html_blocks.json", ensemble_names(), "bench/train_html.py")
    if data is None:
        return None
    base, trees = blockmodel._trees(data["stages"][0])
    return EnsembleModel(base, trees, data["threshold"], data["smooth"], data.get("keep_agreed", False))


def agreed(row: list[float], block_threshold: float) -> bool:
    """Whether the three sources agree that a line (one row of :func:`ensemble_features`) is
    main text: both of trafilatura's extractions hold the whole line and the text track's block
    model keeps it.  The ensemble arbitrates where they disagree; where they agree the line stays.

    >>> agreed([1.0, 1.0, 1.0, 1.0] + [0.0] * 16 + [2.0], 0.0), agreed([1.0, 0.0, 1.0, 0.0] + [0.0] * 16 + [2.0], 0.0)
    (True, False)
    """
    return row[_OWN_MAIN] >= 1.0 and row[_OWN_RECALL] >= 1.0 and row[_BLOCK_MODEL] >= block_threshold


def ensemble_keep(model: EnsembleModel, texts: list[str], main_text: str, recall_text: str,
                  lang: str) -> tuple[list[bool], list[float]]:
    """Which lines of the page the ensemble keeps, and its smoothed log-odds for each."""
    from . import blockmodel
    rows = ensemble_features(texts, main_text, recall_text, lang)
    values = blockmodel.smoothed(blockmodel.ensemble(model.base, model.trees, rows), model.smooth)
    block_model = blockmodel.load_model()
    block_threshold = block_model.threshold if block_model is not None else 0.0
    keep = [value >= model.threshold or (model.keep_agreed and agreed(row, block_threshold))
            for value, row in zip(values, rows)]
    return with_heading(keep, texts, rows), values


_SENTENCE_END = regex.compile(r"[.!?…。！？]['\"”’»)\]]*$")
_HEADING_MAX = 160


def with_heading(keep: list[bool], texts: list[str], rows: list[list[float]]) -> list[bool]:
    """Also keep the line just before the first kept one when it reads as the main text's
    heading: short, not ending like a sentence, and held whole by trafilatura's main text.

    >>> with_heading([False, False, True], ["Home", "Pier repairs", "The pier was repaired."],
    ...              [[0, 0, 0.0], [0, 0, 1.0], [0, 0, 1.0]])
    [False, True, True]
    """
    if True not in keep:
        return keep
    first = keep.index(True)
    if first and rows[first - 1][_OWN_MAIN] >= 1.0 and len(texts[first - 1]) <= _HEADING_MAX \
            and not _SENTENCE_END.search(texts[first - 1]):
        return keep[:first - 1] + [True] + keep[first - 1:][1:]
    return keep
