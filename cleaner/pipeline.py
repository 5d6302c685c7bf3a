"""The pipeline: the stages composed, for one text or for a stream of documents.

``explain_text`` is the core, a pure function of (text, format, config): the same input gives
the same output in any process, which is what parallel and distributed runs rely on.
``CleanStep`` wraps it as a generator step over :class:`~cleaner.document.Document` records.
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator

from . import blockmodel, boilerplate, extract, normalise, repair, write
from .config import DEFAULT_CONFIG, CleanerConfig
from .document import Document
from .trace import Change, Explained

FORMATS = ("auto", "text", "html")


class InputTooLargeError(ValueError):
    """A document over the configured size guard."""


def resolve_format(text: str, format: str) -> str:
    """'text' or 'html' for ``text``, detecting when ``format`` is 'auto'."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if format == "auto":
        return "html" if extract.looks_like_html(text) else "text"
    return format


def explain_text(text: str, *, format: str = "auto", config: CleanerConfig = DEFAULT_CONFIG,
                 url: str | None = None) -> Explained:
    """Clean ``text`` and return the result with the trace of every change."""
    if len(text) > config.max_bytes:
        raise InputTooLargeError(f"document of {len(text)} characters is over the limit of "
                                 f"{config.max_bytes} (max_bytes)")
    with _collector_paused(len(text)):
        if resolve_format(text, format) == "html":
            return _explain_html(text, config, url)
        return _explain_plain(text, config)


# Documents from this many characters on are cleaned with the cyclic garbage collector paused.
_PAUSE_COLLECTOR_FROM = 65_536


@contextlib.contextmanager
def _collector_paused(length: int) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large document is cleaned.

    Its blocks and trace entries are named tuples, which the collector tracks (it stops tracking
    only plain tuples), and a page of a million lines makes that many of them: each full
    collection would go through all of them again, a sixth of the time at 10 MB.  They hold no
    cycles, so pausing loses nothing; the collector runs as usual once the document is done (it
    stays off if it was off).  Small documents leave it alone.
    """
    if length < _PAUSE_COLLECTOR_FROM or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _explain_plain(text: str, config: CleanerConfig) -> Explained:
    """The text stages: repair, normalise, boilerplate, write."""
    changes: list[Change] = []
    if config.repair:
        text, repaired = repair.repair_and_explain(text, config)
        changes += repaired
    blocks, normalised = normalise.split_blocks(text, unwrap=config.unwrap)
    changes += normalised
    if config.boilerplate:
        blocks, removed = boilerplate.filter_blocks(blocks, config)
        changes += removed
    output = write.render(blocks)
    if config.repair:
        output, settled = _settle(output, text, config)
        changes += settled
    return Explained(output, changes)


def _settle(output: str, repaired: str, config: CleanerConfig) -> tuple[str, list[Change]]:
    """Make cleaning reach a fixed point (``clean(clean(x)) == clean(x)``).

    Normalising can expose mojibake that repair could not see in the line it was given (a
    no-break space folded away next to 'Ã©', two halves of a hard-wrapped line joined).  Lines
    of the output that repair already saw verbatim are left alone; if repair finds anything in
    the others, the repaired output goes through normalise and boilerplate once more.  The
    changes of that round count lines in the first round's output.
    """
    unseen = [line for line in output.split("\n") if not line.isascii()]
    if unseen:
        seen = set(repaired.split("\n"))
        unseen = [line for line in unseen if line not in seen]
    if not unseen:
        return output, []
    again, changes = repair.repair_and_explain(output, config)
    if not changes:
        return output, []
    blocks, normalised = normalise.split_blocks(again, unwrap=config.unwrap)
    changes += normalised
    if config.boilerplate:
        blocks, removed = boilerplate.filter_blocks(blocks, config)
        changes += removed
    return write.render(blocks), changes


# trafilatura already chose the main text: the region step would only cut it further, and in its
# output a short line that recurs is content (headings of a review, list items), not an ad label.
_CHOSEN_BY_EXTRACTOR = frozenset({"outside_main_text", "repeated_short_line"})


def _explain_html(html: str, config: CleanerConfig, url: str | None) -> Explained:
    """The page's lines that the HTML block ensemble keeps, through the text stages (phrase rules
    only).  The page is parsed once; the ensemble reads trafilatura's recall-favouring text of
    it and the text track's block model for each line; each line it drops is traced with its
    probability.  With ``config.html_ensemble`` off (or without a shipped ensemble),
    trafilatura's main text (see :func:`_explain_trafilatura`)."""
    model = extract.load_ensemble() if config.html_ensemble else None
    if model is None:
        return _explain_trafilatura(html, config, url)
    tree = extract.parse_page(html)
    if tree is None:  # trafilatura's loader refused the page: its main text is empty too
        return _explain_trafilatura(html, config, url)
    text = extract.trafilatura_text(tree, url=url, **extract.ENSEMBLE_EXTRACTION)
    texts, structure = extract.page_structure(tree)
    lang = config.languages[0] if len(config.languages) == 1 else None  # else guessed from the page
    keep, values = extract.ensemble_keep(model, texts, text, structure, lang)
    chosen = config._replace(disabled_rules=config.disabled_rules | _CHOSEN_BY_EXTRACTOR)
    if not any(keep) and text.strip():
        # No page line kept (markup such as an unclosed <textarea> can swallow the page's visible
        # text) while trafilatura found text: its text is used, as without an ensemble.
        cleaned = _explain_plain(text, chosen)
        change = Change("extract", extract.ENSEMBLE_TEXT_FALLBACK, f"<HTML, {len(html)} characters>",
                        f"<trafilatura's text, {len(text)} characters>")
        return Explained(cleaned.text, [change] + cleaned.changes)
    changes = [Change("extract", "html_block_ensemble", f"<HTML, {len(html)} characters>",
                      f"<{sum(keep)} of {len(texts)} page lines>")]
    changes += [Change("extract", f"html_block_ensemble:{blockmodel.probability(value):.2f}", text, "", number)
                for number, (text, value, kept) in enumerate(zip(texts, values, keep), 1) if not kept]
    cleaned = _explain_plain("\n".join(text for text, kept in zip(texts, keep) if kept), chosen)
    return Explained(cleaned.text, changes + cleaned.changes)


def _explain_trafilatura(html: str, config: CleanerConfig, url: str | None) -> Explained:
    """trafilatura's main text through the text stages (phrase rules only); the page's own lines
    through the whole text track instead when trafilatura kept almost nothing."""
    extraction = extract.extract_main_text(html, url=url)
    main = _explain_plain(extraction.main_text, config._replace(
        disabled_rules=config.disabled_rules | _CHOSEN_BY_EXTRACTOR))
    # Only a short main text can lose to the page's lines, so they are cleaned only then (the
    # writer's blank line between blocks makes cleaned lines at most twice as long as raw ones).
    # A bound of their length computed in C settles most pages without reading the lines.
    if _may_fall_back(len(main.text), extraction.page_lines_bound(_no_fallback_within(len(main.text)))) \
            and _may_fall_back(len(main.text), len(lines := extraction.page_lines())):
        page = _explain_plain(lines, config)
        if extract.prefer_page_lines(main.text, page.text):
            choice = Change("extract", "page_lines_fallback", f"<main text, {len(main.text)} characters>",
                            f"<page lines after the boilerplate stage, {len(page.text)} characters>")
            return Explained(page.text, extraction.changes + [choice] + page.changes)
    return Explained(main.text, extraction.changes + main.changes)


def _may_fall_back(main_length: int, page_lines_length: int) -> bool:
    """Whether a cleaned main text this long can lose to page lines this long (before cleaning)."""
    return main_length < max(extract.FALLBACK_MIN_CHARS, extract.FALLBACK_SHARE * 2 * page_lines_length)


def _no_fallback_within(main_length: int) -> int:
    """The longest page lines that cannot win over a cleaned main text this long (-1: none)."""
    if main_length < extract.FALLBACK_MIN_CHARS:
        return -1
    limit = int(main_length / (extract.FALLBACK_SHARE * 2))
    while limit >= 0 and _may_fall_back(main_length, limit):  # exact at the float boundary
        limit -= 1
    return limit


class CleanStep:
    """A pipeline step: cleans each document's text in place and adds its trace to metadata.

    Documents flow through as a generator, so a step never holds more than one at a time.
    """

    def __init__(self, config: CleanerConfig = DEFAULT_CONFIG, *, keep_trace: bool = True):
        self.config = config
        self.keep_trace = keep_trace

    def __call__(self, documents: Iterable[Document]) -> Iterator[Document]:
        return self.run(documents)

    def run(self, documents: Iterable[Document]) -> Iterator[Document]:
        for document in documents:
            result = explain_text(document.text, format=document.format, config=self.config,
                                  url=document.metadata.get("url"))
            document.text = result.text
            if self.keep_trace:
                document.metadata["cleaner"] = [change.as_dict() for change in result.changes]
            yield document
