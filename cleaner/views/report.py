"""The report page: a batch run's ``--report`` file summed up, with plots.

:func:`read_report` streams the report (one JSON line per document, see :mod:`cleaner.batch`)
into a :class:`ReportStats`; :func:`report_page` renders it as one self-contained page whose
plots are matplotlib figures inlined as SVG.  matplotlib is optional (``pip install
'cleaner[report]'``) and imported only when a page is made.
"""
from __future__ import annotations

import heapq
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import BASE_CSS, Families, escape, family_css, legend_html, load_families, repair_codec, rule_id

TOP_DOCUMENTS = 20
TOP_RULES = 20
LISTED_FAILURES = 200


class MissingPlotLibrary(RuntimeError):
    """matplotlib is needed for the report page and is not installed."""


@dataclass
class ReportStats:
    """What a report says about a run, summed as it is read."""

    documents: int = 0
    failed: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removals: Counter = field(default_factory=Counter)       # rule id -> lines or spans removed
    removed_chars: Counter = field(default_factory=Counter)  # rule id -> characters removed
    repairs: Counter = field(default_factory=Counter)        # codec -> repairs
    kept_shares: list[float] = field(default_factory=list)   # characters out / in, per document
    most_removed: list[tuple[int, str, int, int, int]] = field(default_factory=list)  # a heap
    failures: list[tuple[str, str]] = field(default_factory=list)  # (document, reason)

    def add(self, entry: dict) -> None:
        """Count one report line.

        >>> stats = ReportStats()
        >>> stats.add({"id": "a.txt", "status": "cleaned", "chars_in": 100, "chars_out": 80, "changes": [
        ...     {"stage": "boilerplate", "rule": "ad_label", "before": "Advertisement", "after": "", "line": 2},
        ...     {"stage": "repair", "rule": "mojibake:cp874", "before": "โ€”", "after": "—", "line": 5}]})
        >>> stats.add({"id": "b.txt", "status": "failed", "reason": "binary input"})
        >>> stats.removals, stats.repairs, stats.kept_shares, stats.failures
        (Counter({'ad_label': 1}), Counter({'cp874': 1}), [0.8], [('b.txt', 'binary input')])
        """
        name = str(entry.get("id") or entry.get("source") or "?")
        if entry.get("status") == "failed":
            self.failed += 1
            if len(self.failures) < LISTED_FAILURES:
                self.failures.append((name, str(entry.get("reason", ""))))
            return
        self.documents += 1
        chars_in, chars_out = int(entry.get("chars_in", 0)), int(entry.get("chars_out", 0))
        self.chars_in += chars_in
        self.chars_out += chars_out
        if chars_in:
            self.kept_shares.append(min(1.0, chars_out / chars_in))
        removed_lines = 0
        for change in entry.get("changes", ()):
            stage, rule, before, after = (change.get(k, "") for k in ("stage", "rule", "before", "after"))
            if stage == "repair":
                self.repairs[repair_codec(rule)] += 1
            elif after == "" and (stage == "boilerplate" or stage == "extract" and change.get("line")):
                self.removals[rule_id(rule)] += 1
                self.removed_chars[rule_id(rule)] += len(before)
                removed_lines += 1
        item = (chars_in - chars_out, name, chars_in, chars_out, removed_lines)
        if len(self.most_removed) < TOP_DOCUMENTS:
            heapq.heappush(self.most_removed, item)
        else:
            heapq.heappushpop(self.most_removed, item)

    def by_family(self, families: Families) -> Counter:
        """Removals summed by rule family."""
        counts: Counter = Counter()
        for rule, count in self.removals.items():
            counts[families.of(rule).id] += count
        return counts

    def lines(self) -> list[str]:
        """The totals as plain lines, for a terminal."""
        out = [f"{self.documents} documents cleaned, {self.failed} failed",
               f"{self.chars_in} characters in, {self.chars_out} out"
               + (f" ({self.chars_out / self.chars_in:.1%} kept)" if self.chars_in else "")]
        if self.removals:
            out.append("removed: " + ", ".join(f"{rule} {n}" for rule, n in self.removals.most_common()))
        if self.repairs:
            out.append("repaired (codec): " + ", ".join(f"{codec} {n}" for codec, n in self.repairs.most_common()))
        out += [f"failed: {name}: {reason}" for name, reason in self.failures]
        return out


def read_report(path: str | Path) -> ReportStats:
    """Sum up a ``--report`` file, one line at a time."""
    stats = ReportStats()
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON line of a report: {error.msg}") from None
            if not isinstance(entry, dict) or "status" not in entry:
                raise ValueError(f"{path}:{number}: not a report line (no 'status'); "
                                 "give the file written by cleaner clean --report")
            stats.add(entry)
    return stats


# ---------------------------------------------------------------------------------------------
# Plots

def _pyplot():
    """matplotlib's pyplot on the Agg backend (no display), imported on first use."""
    try:
        import matplotlib
    except ImportError:
        raise MissingPlotLibrary("the report page needs matplotlib: pip install 'cleaner[report]' "
                                 "(or pip install matplotlib)") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _svg(figure) -> str:
    """The figure as inline SVG markup (text kept as text, no timestamps, stable ids)."""
    plt = _pyplot()
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cleaner"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def _bars(labels: list[str], values: list[int], colours: list[str], title: str, xlabel: str) -> str:
    plt = _pyplot()
    height = 0.6 + 0.32 * max(1, len(labels))
    figure, axes = plt.subplots(figsize=(7.5, height))
    positions = list(range(len(labels)))
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    # counts that differ by orders of magnitude all stay visible on a log scale
    logarithmic = min(values) > 0 and max(values) >= 100 * min(values)
    if logarithmic:
        axes.set_xscale("log")
    axes.set_title(title, loc="left", fontsize=11)
    axes.set_xlabel(xlabel + (" (log scale)" if logarithmic else ""))
    for position, value in zip(positions, values):
        axes.text(value, position, f" {value:,}", va="center", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    if not logarithmic:
        axes.xaxis.get_major_locator().set_params(integer=True)
    axes.margins(x=0.12)
    return _svg(figure)


def _histogram(shares: list[float]) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 2.8))
    axes.hist([share * 100 for share in shares], bins=20, range=(0, 100), color="#4e79a7", edgecolor="white")
    axes.set_title("Kept share per document", loc="left", fontsize=11)
    axes.set_xlabel("characters out / characters in (%); an HTML page's markup counts as input")
    axes.set_ylabel("documents")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


# ---------------------------------------------------------------------------------------------
# The page

_CSS = BASE_CSS + """
.totals td{font-size:15px}.totals td.n{font-weight:600}
.rules td:first-child{white-space:nowrap}
.plot svg{max-width:100%;height:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:8px 24px}
"""

_SCRIPT = 'document.documentElement.setAttribute("data-script", "ready");'


def report_page(stats: ReportStats, families: Families | None = None, *, title: str = "cleaner report") -> str:
    """The run's summary page: totals, legend, plots and tables."""
    families = families or load_families()
    by_family = stats.by_family(families)
    plots = []
    if by_family:
        ordered = [f for f in families.families.values() if by_family.get(f.id)]
        ordered.sort(key=lambda f: -by_family[f.id])
        plots.append(_bars([f.label for f in ordered], [by_family[f.id] for f in ordered],
                           [f.colour for f in ordered], "Removals by rule family", "lines or spans removed"))
        rules = stats.removals.most_common(TOP_RULES)
        plots.append(_bars([rule for rule, _ in rules], [n for _, n in rules],
                           [families.of(rule).colour for rule, _ in rules],
                           "Removals by rule" + (f" (top {TOP_RULES})" if len(stats.removals) > TOP_RULES else ""),
                           "lines or spans removed"))
    if stats.kept_shares:
        plots.append(_histogram(stats.kept_shares))
    if stats.repairs:
        codecs = stats.repairs.most_common(TOP_RULES)
        plots.append(_bars([codec for codec, _ in codecs], [n for _, n in codecs], ["#2e7d32"] * len(codecs),
                           "Mojibake repairs by codec (the text had been decoded with it)", "repairs"))
    share = f"{stats.chars_out / stats.chars_in:.1%}" if stats.chars_in else "–"
    removed_total = sum(stats.removals.values())
    totals = (
        '<table class="totals">'
        f'<tr><td>documents cleaned</td><td class="n">{stats.documents:,}</td></tr>'
        f'<tr><td>documents failed</td><td class="n">{stats.failed:,}</td></tr>'
        f'<tr><td>characters in / out</td><td class="n">{stats.chars_in:,} / {stats.chars_out:,} ({share} kept)</td></tr>'
        f'<tr><td>lines or spans removed</td><td class="n">{removed_total:,}</td></tr>'
        f'<tr><td>mojibake repairs</td><td class="n">{sum(stats.repairs.values()):,}</td></tr></table>')
    rule_rows = "".join(
        f'<tr class="f-{families.of(rule).id}"><td><span class="sw"></span> <code title="{escape(families.about(rule))}">'
        f'{escape(rule)}</code></td><td>{escape(families.of(rule).label)}</td><td class="n">{count:,}</td>'
        f'<td class="n">{stats.removed_chars[rule]:,}</td><td>{escape(families.about(rule))}</td></tr>'
        for rule, count in stats.removals.most_common())
    rules_table = ('<table class="rules"><tr><th>rule id</th><th>family</th><th class="n">removed</th><th class="n">characters</th>'
                   f'<th>what it removes</th></tr>{rule_rows}</table>') if rule_rows else "<p>Nothing was removed.</p>"
    top = sorted(stats.most_removed, reverse=True)
    doc_rows = "".join(
        f'<tr><td>{escape(name)}</td><td class="n">{chars_in:,}</td><td class="n">{chars_out:,}</td>'
        f'<td class="n">{removed:,}</td><td class="n">{(chars_out / chars_in if chars_in else 0):.0%}</td>'
        f'<td class="n">{lines}</td></tr>'
        for removed, name, chars_in, chars_out, lines in top)
    docs_table = ('<table><tr><th>document</th><th class="n">characters in</th><th class="n">out</th>'
                  '<th class="n">characters removed</th><th class="n">kept</th><th class="n">lines or spans removed</th></tr>'
                  f'{doc_rows}</table>') if doc_rows else "<p>No document was cleaned.</p>"
    failure_rows = "".join(f"<tr><td>{escape(name)}</td><td>{escape(reason)}</td></tr>" for name, reason in stats.failures)
    more = stats.failed - len(stats.failures)
    failures_table = (f'<table><tr><th>document</th><th>reason</th></tr>{failure_rows}</table>'
                      + (f"<p>… and {more:,} more.</p>" if more > 0 else "")) if failure_rows else "<p>None.</p>"
    plots_html = "".join(f'<div class="plot">{svg}</div>' for svg in plots)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{escape(title)}</title><style>{_CSS}{family_css(families)}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="lead">What a batch run removed and repaired, from its <code>--report</code> file. A removal is a
line (or a span cut out of a line) that a rule took out; each rule belongs to a family, coloured as in the
legend. Run <code>cleaner explain FILE --html page.html</code> to see the lines of one document.</p>
<h2>Totals</h2>{totals}
<h2>Rule families</h2>{legend_html(families, by_family)}
<h2>Plots</h2><div class="grid">{plots_html or "<p>Nothing to plot.</p>"}</div>
<h2>Removals by rule</h2>{rules_table}
<h2>Documents with the most removed</h2>{docs_table}
<h2>Failures</h2>{failures_table}
<script>{_SCRIPT}</script>
</body></html>
"""
