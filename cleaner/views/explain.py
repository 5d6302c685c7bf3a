"""The explain page: each document as it came in, every line kept or removed, and why.

:func:`trace_lines` lays a trace over the text the text stages received: each line gets the
change that removed it (if any), the spans cut out of it and the repairs made in it.
:func:`explain_page` renders documents as one self-contained HTML page (inline CSS and a small
inline script for the filter, nothing fetched), each document a collapsible section so that a
page of a thousand documents opens at once.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

import regex

from .. import extract
from ..normalise import _LINE_BREAK, normalise_characters
from ..trace import Change, Explained
from . import BASE_CSS, Families, escape, family_css, legend_html, repair_codec, rule_detail, rule_id, rules_html

# Trace rules of the extract stage that remove a page line (the others describe the whole page).
_LINE_EXTRACTORS = ("html_block_ensemble:",)


class LineView(NamedTuple):
    """One input line with what cleaning did to it."""

    number: int                 # 1-based, in the text the text stages received
    text: str                   # as it came in
    removal: Change | None      # the change that removed the whole line, if any
    cuts: tuple[Change, ...]    # spans cut out of a kept line (a credit glued to a caption)
    repairs: tuple[Change, ...]  # mojibake repaired in the line

    @property
    def removed(self) -> bool:
        return self.removal is not None


class DocumentView(NamedTuple):
    """A document's lines and the changes that concern the whole of it."""

    source: str
    format: str                 # "text" or "html"
    lines: list[LineView]
    notes: list[Change]         # extraction steps, and changes no line could be found for
    chars_in: int
    chars_out: int


def trace_lines(text: str, changes: list[Change]) -> tuple[list[LineView], list[Change]]:
    """Place each change of the text stages on the line of ``text`` it acted on.

    Returns the lines and the changes not placed: those about the whole text, and those of the
    repair round that runs on the cleaned output (whose line numbers count output lines), when
    no line with their text is found.

    >>> lines, rest = trace_lines("Title\\nAd\\nBody text.", [Change("boilerplate", "ad_label", "Ad", "", 2)])
    >>> [(line.number, line.removal.rule if line.removed else "kept") for line in lines]
    [(1, 'kept'), (2, 'ad_label'), (3, 'kept')]
    """
    raw = text.split("\n")
    display: list[str] = _LINE_BREAK.sub("\n", text).split("\n")
    # repair counts lines split at "\n" only; normalise (and so boilerplate) at every line break
    first_of: list[int] = []
    extra = 0
    for index, line in enumerate(raw):
        first_of.append(index + extra)
        body = line[:-1] if line.endswith("\r") and index < len(raw) - 1 else line
        extra += len(_LINE_BREAK.findall(body))
    repaired = list(display)
    repairs: dict[int, list[Change]] = {}
    removal: dict[int, Change] = {}
    cuts: dict[int, list[Change]] = {}
    block: dict[int, str] = {}      # current text of the block starting on a line
    span: dict[int, int] = {}       # lines a re-joined (unwrapped) block covers
    unplaced: list[Change] = []
    text_round = False              # past the first repair round: later repairs are the settle round
    for change in changes:
        if change.stage == "repair" and not text_round and 0 < change.line <= len(raw):
            at = first_of[change.line - 1]
            repairs.setdefault(at, []).append(change)
            repaired[at] = repaired[at].replace(change.before, change.after, 1)
            continue
        if change.stage == "repair":
            _place_by_text(change, display, repairs, unplaced)
            continue
        text_round = True
        if change.stage == "normalise" and change.rule == "unwrap" and change.line:
            block[change.line - 1] = change.after
            span[change.line - 1] = change.before.count("\n") + 1
            continue
        if change.stage != "boilerplate" or not 0 < change.line <= len(display):
            unplaced.append(change)
            continue
        at = change.line - 1
        if at in removal:
            unplaced.append(change)  # a later round's numbering: not this line
            continue
        current = block.get(at)
        if current is None:
            current = normalise_characters(repaired[at]).strip()
        if change.before == current:
            removal[at] = change
            for covered in range(at + 1, at + span.get(at, 1)):
                removal.setdefault(covered, change)
        elif change.before and change.before in current:
            start = current.index(change.before)
            cuts.setdefault(at, []).append(change)
            block[at] = (current[:start] + " " + current[start + len(change.before):]).strip()
        else:
            unplaced.append(change)
    lines = [LineView(index + 1, line, removal.get(index), tuple(cuts.get(index, ())),
                      tuple(repairs.get(index, ())))
             for index, line in enumerate(display)]
    return lines, unplaced


def _place_by_text(change: Change, display: list[str], repairs: dict[int, list[Change]],
                   unplaced: list[Change]) -> None:
    for index, line in enumerate(display):
        if change.before and change.before in line:
            repairs.setdefault(index, []).append(change)
            return
    unplaced.append(change)


def document_view(source: str, text: str, result: Explained, *, format: str = "text",
                  url: str | None = None) -> DocumentView:
    """The view of one cleaned document: ``text`` as the cleaner received it (after decoding),
    ``result`` what :func:`cleaner.pipeline.explain_text` returned for it, ``format`` the format
    it was cleaned as ("text" or "html").  For HTML the lines shown are those the text stages
    received (trafilatura's main text, the page's lines when that fell back, or the page lines
    the block ensemble judged), so the extraction runs again here."""
    changes = result.changes
    if format != "html":
        lines, notes = trace_lines(text, changes)
        return DocumentView(source, "text", lines, notes, len(text), len(result.text))
    page_wide = [c for c in changes if c.stage == "extract" and not c.rule.startswith(_LINE_EXTRACTORS)]
    rest = [c for c in changes if c.stage != "extract"]
    if any(c.rule == "html_block_ensemble" for c in page_wide):
        return _ensemble_view(source, text, result, page_wide, changes)
    if any(c.rule == extract.ENSEMBLE_TEXT_FALLBACK for c in page_wide):
        tree = extract.parse_page(text)
        lines, notes = trace_lines(extract.trafilatura_text(tree, url=url, **extract.ENSEMBLE_EXTRACTION), rest)
        return DocumentView(source, "html", lines, page_wide + notes, len(text), len(result.text))
    extraction = extract.extract_main_text(text, url=url)
    fallback = any(c.rule == "page_lines_fallback" for c in page_wide)
    lines, notes = trace_lines(extraction.page_lines() if fallback else extraction.main_text, rest)
    return DocumentView(source, "html", lines, page_wide + notes, len(text), len(result.text))


def _ensemble_view(source: str, html: str, result: Explained, page_wide: list[Change],
                   changes: list[Change]) -> DocumentView:
    """Every page line: those the ensemble dropped, and the kept ones through the text stages."""
    tree = extract.parse_page(html)
    texts = extract.tree_lines(tree) if tree is not None else []
    dropped = {c.line: c for c in changes if c.stage == "extract" and c.rule.startswith(_LINE_EXTRACTORS)}
    kept = [text for number, text in enumerate(texts, 1) if number not in dropped]
    kept_lines, notes = trace_lines("\n".join(kept), [c for c in changes if c.stage != "extract"])
    following = iter(kept_lines)
    lines = []
    for number, text in enumerate(texts, 1):
        if number in dropped:
            lines.append(LineView(number, text, dropped[number], (), ()))
        else:
            line = next(following, None)  # None only if a page line held a line break of its own
            lines.append(LineView(number, text, None, (), ()) if line is None else line._replace(number=number))
    return DocumentView(source, "html", lines, page_wide + notes, len(html), len(result.text))


# ---------------------------------------------------------------------------------------------
# The page

_CSS = BASE_CSS + """
.bar{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:6px 0;z-index:2}
.bar label{margin-right:14px}.bar button{margin-right:6px}
details.doc{border:1px solid #ddd;border-radius:6px;margin:10px 0}
details.doc>summary{cursor:pointer;padding:6px 10px;background:#fafafa;border-radius:6px}
details.doc[open]>summary{border-bottom:1px solid #ddd;border-radius:6px 6px 0 0}
.doc .src{font-weight:600}.doc .meta{color:#555}
.lines{padding:4px 0;font:13px/1.45 ui-monospace,"DejaVu Sans Mono",monospace}
.lines>div{white-space:pre-wrap;word-break:break-word;padding-block:1px;padding-inline:58px 8px;text-indent:-50px}
.lines i{display:inline-block;width:42px;margin-inline-end:8px;text-align:end;color:#999;font-style:normal;text-indent:0}
.r{background:color-mix(in srgb,var(--c) 12%,#fff);border-left:4px solid var(--c)}
.r b.t{background:var(--c)}
.r s,s.c{text-decoration-color:var(--c);text-decoration-thickness:2px;color:#555}
s.c{background:color-mix(in srgb,var(--c) 15%,#fff)}
b.t{font:600 11px/1 system-ui,sans-serif;color:#fff;background:var(--c);border-radius:3px;padding:2px 5px;
 margin-inline-start:8px;white-space:nowrap;text-indent:0;display:inline-block;unicode-bidi:isolate}
.m{border-left:4px solid #2e7d32;background:#f1f8e9}
.fix{font:12px/1.3 system-ui,sans-serif;color:#1b5e20;margin:0 8px;white-space:normal;unicode-bidi:isolate;direction:ltr}
.lines mark{background:#ffcdd2}
.fix del{background:#ffcdd2;text-decoration:none;padding:0 2px}.fix ins{background:#c8e6c9;text-decoration:none;padding:0 2px}
.notes{font:12px/1.4 system-ui,sans-serif;color:#444;padding:4px 10px;margin:0;list-style:none}
body.only .lines>div.k{display:none}
table.index td:nth-child(2){word-break:break-word}
h2 .meta{font-weight:400;font-size:14px;color:#555}
.chips b.t{margin:0 4px 0 0}
"""

_SCRIPT = """
(function () {
  var body = document.body, only = document.getElementById("only-changed");
  function filter() { body.classList.toggle("only", only.checked); }
  only.addEventListener("change", filter);
  filter();
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  function fill(section) {
    var lines = section.querySelector(".lines"), held = section.querySelector("script[type='text/x-lines']");
    if (held && !lines.hasChildNodes()) { lines.innerHTML = held.textContent; }
  }
  document.addEventListener("toggle", function (event) {
    if (event.target.open && event.target.classList.contains("doc")) { fill(event.target); }
  }, true);
  var about = JSON.parse(document.getElementById("rule-about").textContent);
  document.addEventListener("mouseover", function (event) {
    var tag = event.target;
    if (tag.tagName === "B" && tag.classList.contains("t") && !tag.title) {
      tag.title = about[tag.textContent.split(" ")[0]] || "";
    }
  });
  function setAll(open) {
    var all = document.querySelectorAll("details.doc");
    for (var i = 0; i < all.length; i++) { all[i].open = open; }
  }
  document.getElementById("open-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("close-all").addEventListener("click", function () { setAll(false); });
  document.documentElement.setAttribute("data-script", "ready");
})();
"""


def _tag(rule: str, family: str = "") -> str:
    """The rule id (and score) as a label; ``family`` gives its colour when the line does not.
    Its description appears on hover (the page script looks it up, once for all labels)."""
    detail = rule_detail(rule)
    shown = escape(rule_id(rule)) + (f" {escape(detail)}" if detail else "")
    return f'<b class="t f-{family}">{shown}</b>' if family else f'<b class="t">{shown}</b>'


# A letter of a right-to-left script (Arabic, Hebrew, Syriac, Thaana ...).
_RIGHT_TO_LEFT = regex.compile(r"[\p{Bidi_Class=R}\p{Bidi_Class=AL}]")


def _direction(text: str) -> str:
    """The attribute that lays a line of ``text`` out right to left when it holds right-to-left
    letters: its row then starts at the right, a full stop at its end stays at its end, and its
    wrapped lines hang from the right edge (the row's spacing is set in logical directions).

    >>> _direction("Home"), _direction("مرحبا.")
    ('', ' dir="rtl"')
    """
    return ' dir="rtl"' if _RIGHT_TO_LEFT.search(text) else ""


def _line_html(line: LineView, families: Families) -> str:
    number = f"<i>{line.number}</i>"
    if line.removal is not None:
        family = families.of(line.removal.rule)
        return (f'<div class="r f-{family.id}"{_direction(line.text)}>{number}<s>{escape(line.text)}</s>'
                f'{_tag(line.removal.rule)}{_repairs_html(line.repairs)}</div>')
    body = escape(line.text)
    for repair in line.repairs:
        marked = escape(repair.before)
        if marked and marked in body:
            body = body.replace(marked, f'<mark>{marked}</mark>', 1)
    for cut in line.cuts:
        family = families.of(cut.rule).id
        marked = escape(cut.before)
        if marked and marked in body:
            body = body.replace(marked, f'<s class="c f-{family}">{marked}</s>{_tag(cut.rule, family)}', 1)
        else:
            body += f' <s class="c f-{family}">{marked}</s>{_tag(cut.rule, family)}'
    direction = _direction(line.text)
    if line.cuts or line.repairs:
        return f'<div class="{"m" if line.repairs else "x"}"{direction}>{number}{body}{_repairs_html(line.repairs)}</div>'
    return f'<div class="k"{direction}>{number}{body}</div>'


def _repairs_html(repairs: tuple[Change, ...]) -> str:
    return "".join(
        f'<span class="fix" title="{escape(change.stage)}/{escape(change.rule)}">repaired '
        f'<del>{escape(change.before)}</del> → <ins>{escape(change.after)}</ins> ({_repair_label(change.rule)})</span>'
        for change in repairs)


def _repair_label(rule: str) -> str:
    """What a repair undid, in words, with the trace rule.

    >>> _repair_label("mojibake:cp874")
    'UTF-8 that had been read as <b>cp874</b>: <code>mojibake:cp874</code>'
    """
    codec = repair_codec(rule)
    if codec.startswith("ftfy "):
        return f"mixed encodings, fixed by ftfy: <code>{escape(rule)}</code>"
    return f"UTF-8 that had been read as <b>{escape(codec)}</b>: <code>{escape(rule)}</code>"


def _document_counts(view: DocumentView, families: Families) -> tuple[Counter, int, int]:
    removed = Counter(families.of(line.removal.rule).id for line in view.lines if line.removal is not None)
    for line in view.lines:
        for cut in line.cuts:
            removed[families.of(cut.rule).id] += 1
    repairs = sum(len(line.repairs) for line in view.lines)
    shown = sum(1 for line in view.lines if line.text.strip())
    return removed, repairs, shown


def _chips(removed: Counter, families: Families) -> str:
    return "".join(f'<b class="t f-{family}" title="{escape(families.families[family].about)}">'
                   f'{escape(families.families[family].label)} {count}</b>'
                   for family, count in removed.most_common())


def _note_html(change: Change, families: Families) -> str:
    if change.stage == "extract" and not change.line:
        return f"<li>{escape(change.stage)}/<code>{escape(change.rule)}</code>: {escape(change.before)} → {escape(change.after)}</li>"
    if change.is_removal:
        return (f"<li>removed {_tag(change.rule, families.of(change.rule).id)} (output line {change.line} of a second round): "
                f"<s>{escape(change.before)}</s></li>")
    return (f"<li>{escape(change.stage)}/<code>{escape(change.rule)}</code> on line {change.line}: "
            f"<del>{escape(change.before)}</del> → <ins>{escape(change.after)}</ins></li>")


def _document_html(index: int, view: DocumentView, families: Families, open_: bool) -> tuple[str, str]:
    """The document's section and its row in the index."""
    removed, repairs, shown = _document_counts(view, families)
    lines_removed = sum(1 for line in view.lines if line.removed)
    cut = sum(len(line.cuts) for line in view.lines if not line.removed)
    share = view.chars_out / view.chars_in if view.chars_in else 0.0
    summary = (f'<span class="src">{escape(view.source)}</span> <span class="meta">— {view.format}, '
               f'{shown} lines, {lines_removed} removed, {cut} cut, {repairs} repaired, '
               f'{share:.0%} of the characters kept</span> <span class="chips">{_chips(removed, families)}</span>')
    notes = "".join(_note_html(change, families) for change in view.notes)
    heading = ""
    if view.format == "html" and any(c.rule == "html_block_ensemble" for c in view.notes):
        heading = ('<ul class="notes"><li>An HTML page: the lines below are its visible lines; those the '
                   'block ensemble did not take are marked, and the text stages ran on the rest.</li>'
                   f'{notes}</ul>')
    elif view.format == "html":
        heading = ('<ul class="notes"><li>An HTML page: the lines below are the text taken from it '
                   '(the extractor left out the rest of the page); then the text stages ran on them.</li>'
                   f'{notes}</ul>')
    elif notes:
        heading = f'<ul class="notes">{notes}</ul>'
    body = "".join(_line_html(line, families) for line in view.lines if line.text.strip())
    if open_:
        section = (f'<details class="doc" id="d{index}" open><summary>{summary}</summary>'
                   f'{heading}<div class="lines">{body}</div></details>')
    else:
        # A closed document's lines wait as script text, which the browser skims without
        # building them; the page script puts them in place when the section is opened.
        section = (f'<details class="doc" id="d{index}"><summary>{summary}</summary>{heading}'
                   f'<div class="lines"></div><script type="text/x-lines">{body}</script></details>')
    row = (f'<tr><td class="n">{index}</td><td><a href="#d{index}">{escape(view.source)}</a></td>'
           f'<td class="n">{shown}</td><td class="n">{lines_removed}</td><td class="n">{cut}</td><td class="n">{repairs}</td>'
           f'<td class="n">{share:.0%}</td><td class="chips">{_chips(removed, families)}</td></tr>')
    return section, row


def common_folder(sources: list[str]) -> str:
    """The folder all the documents are in, when there are several (shown once, not on each).

    >>> common_folder(["data/a/x.txt", "data/a/y.txt", "data/b.txt"]), common_folder(["x.txt", "y.txt"])
    ('data', '')
    """
    if len(sources) < 2 or any(source.startswith("<") for source in sources):
        return ""
    try:
        return os.path.commonpath([os.path.dirname(source) for source in sources])
    except ValueError:  # absolute and relative paths mixed
        return ""


def _about_json(families: Families) -> str:
    """Each rule id's family and description, for the labels' hover text (safe inside a script)."""
    about = {name: f"{families.families[info.family].label}: {info.about}" for name, info in families.rules.items()}
    return json.dumps(about, ensure_ascii=True).replace("</", "<\\/")


def explain_page(views: Iterable[DocumentView], families: Families, *, failures: Iterable[str] = (),
                 title: str = "cleaner explain", open_documents: int = 1, folder: str | None = None) -> str:
    """The whole page: legend, filter, index (for several documents) and one section each, the
    first ``open_documents`` of them open (the others open on a click).

    ``views`` is consumed one at a time (only the page's text is kept), and ``failures`` read
    after it, so both may be filled as the documents are explained.  ``folder``, shown once
    instead of in each document's name, is the documents' common folder when not given (which
    needs them all at once)."""
    sections, rows = [], []
    totals: Counter = Counter()
    if folder is None:
        views = list(views)
        folder = common_folder([view.source for view in views])
    count = 0
    for index, view in enumerate(views, 1):
        if folder and view.source.startswith(folder):
            view = view._replace(source=view.source[len(folder):].lstrip("/"))
        section, row = _document_html(index, view, families, open_=index <= open_documents)
        sections.append(section)
        rows.append(row)
        removed, _, _ = _document_counts(view, families)
        totals.update(removed)
        count = index
    failed = list(failures)
    index_html = ""
    if count > 1:
        where = f' <span class="meta">in {escape(folder)}</span>' if folder else ""
        index_html = (f'<h2>Documents{where}</h2><table class="index"><tr><th class="n">#</th><th>document</th>'
                      '<th class="n">lines</th><th class="n">removed</th><th class="n">cut</th><th class="n">repaired</th>'
                      '<th class="n">characters kept</th><th>removed or cut, by family</th></tr>' + "".join(rows) + "</table>")
    failed_html = ""
    if failed:
        failed_html = "<h2>Not explained</h2><ul>" + "".join(f"<li>{escape(f)}</li>" for f in failed) + "</ul>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{escape(title)}</title><style>{_CSS}{family_css(families)}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="lead">{count} document{"s" if count != 1 else ""}. Each line is shown as it came in.
Removed lines are <s>struck through</s> and coloured by the family of the rule that removed them,
with the rule id (and its score, when the rule has one) in a label; hover a label, or see the list of rule ids
below the legend, for what the rule removes.
A part cut out of a kept line is struck through in place. A repaired line has a green edge and shows the text
before → after, with the codec the text had been wrongly decoded with.</p>
{legend_html(families, totals)}
{rules_html(families)}
<div class="bar"><label><input type="checkbox" id="only-changed"> only removed, cut and repaired lines</label>
<button type="button" id="open-all">open all documents</button><button type="button" id="close-all">close all</button></div>
{index_html}{failed_html}
<h2>Lines</h2>
{"".join(sections)}
<script type="application/json" id="rule-about">{_about_json(families)}</script>
<script>{_SCRIPT}</script>
</body></html>
"""
