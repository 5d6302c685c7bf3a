"""Pages a person reads: the trace of documents (:mod:`.explain`) and of a batch run (:mod:`.report`).

Both pages group removal rules into families (ad, comment form, related links, …) with one
colour each.  The families and the rule ids they hold are data (``families.toml`` here, and an
optional ``family`` in a phrase pack), so a new rule or pack needs no code.
"""
from __future__ import annotations

import functools
import html
import sys
from importlib import resources
from typing import NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

OTHER = "other"
# Colours for families a user's pack names but families.toml does not know.
_SPARE_COLOURS = ("#2e7d32", "#4527a0", "#bf360c", "#37474f", "#880e4f")


class Family(NamedTuple):
    """A group of rules shown in one colour."""

    id: str
    label: str
    colour: str
    about: str


class RuleInfo(NamedTuple):
    """What a page says about one rule id."""

    family: str
    about: str


class Families(NamedTuple):
    """The families in legend order and every known rule id."""

    families: dict[str, Family]
    rules: dict[str, RuleInfo]

    def of(self, rule: str) -> Family:
        """The family of a trace rule ("block_model:0.12" is looked up as "block_model").

        >>> load_families().of("comment_form").label
        'comment form'
        >>> load_families().of("block_model:0.12").id, load_families().of("nonesuch").id
        ('low_score', 'other')
        """
        info = self.rules.get(rule_id(rule))
        return self.families[info.family if info else OTHER]

    def about(self, rule: str) -> str:
        """One line on why the rule removes a line."""
        info = self.rules.get(rule_id(rule))
        return info.about if info else "a rule not described in cleaner/views/families.toml"


def rule_id(rule: str) -> str:
    """The rule without its score or detail.

    >>> rule_id("block_model:0.12"), rule_id("outside_main_text:-3.5"), rule_id("credit")
    ('block_model', 'outside_main_text', 'credit')
    """
    return rule.split(":", 1)[0]


def rule_detail(rule: str) -> str:
    """The score or detail after the rule id ('' when there is none).

    >>> rule_detail("block_model:0.12"), rule_detail("ad_label")
    ('0.12', '')
    """
    return rule.split(":", 1)[1] if ":" in rule else ""


def repair_codec(rule: str) -> str:
    """The codec a repair undid: the one the text had been wrongly decoded with.

    >>> repair_codec("mojibake:cp874"), repair_codec("mojibake:cp1252:lost_byte")
    ('cp874', 'cp1252')
    >>> repair_codec("ftfy:encode sloppy-windows-1252, decode utf-8")
    'sloppy-windows-1252'
    >>> repair_codec("ftfy:apply decode_inconsistent_utf8")
    'ftfy decode_inconsistent_utf8'
    """
    kind, _, detail = rule.partition(":")
    if kind == "mojibake":
        return detail.split(":", 1)[0] or kind
    steps = [step.strip().partition(" ") for step in detail.split(",")]
    for action, _, parameter in steps:
        if action == "encode" and parameter:
            return parameter
    return f"{kind} {steps[0][2]}".strip()


@functools.lru_cache(maxsize=8)
def load_families(languages: tuple[str, ...] = (), extra_rule_files: tuple[str, ...] = ()) -> Families:
    """The families of ``families.toml``, with the ``family`` the phrase packs give their
    categories (the packs of ``languages`` and the user's files, as cleaning loads them)."""
    from ..boilerplate import load_rules

    data = tomllib.loads((resources.files("cleaner.views") / "families.toml").read_text(encoding="utf-8"))
    families = {key: Family(key, value.get("label", key), value.get("colour", "#555"), value.get("about", ""))
                for key, value in data.get("families", {}).items()}
    families.setdefault(OTHER, Family(OTHER, OTHER, "#00838f", "any other rule"))
    rules = {key: RuleInfo(value.get("family", OTHER), value.get("about", ""))
             for key, value in data.get("rules", {}).items()}
    for rule in load_rules(languages, extra_rule_files):
        known = rules.get(rule.name)
        about = known.about if known else f"a phrase rule of the pack '{rule.source}'"
        if rule.family:
            rules[rule.name] = RuleInfo(rule.family, about)
        elif known is None:
            rules[rule.name] = RuleInfo(OTHER, about)
    for index, family in enumerate(sorted({info.family for info in rules.values()} - set(families))):
        families[family] = Family(family, family.replace("_", " "), _SPARE_COLOURS[index % len(_SPARE_COLOURS)],
                                  "a family named by a phrase pack")
    # "other" goes last in the legend
    families[OTHER] = families.pop(OTHER)
    return Families(families, rules)


def escape(text: str) -> str:
    """Text for HTML, quotes included (safe in attributes too).

    >>> escape('<a href="x">&</a>')
    '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;'
    """
    return html.escape(text, quote=True)


def family_css(families: Families) -> str:
    """One rule per family: its colour as a CSS variable for elements of class ``f-<id>``."""
    return "\n".join(f".f-{family.id}{{--c:{family.colour}}}" for family in families.families.values())


def legend_html(families: Families, counts: dict[str, int] | None = None) -> str:
    """The legend: each family's colour, label, description and rule ids (with what each does)."""
    rules_of: dict[str, list[str]] = {}
    for name, info in sorted(families.rules.items()):
        rules_of.setdefault(info.family, []).append(name)
    rows = []
    for family in families.families.values():
        names = rules_of.get(family.id, [])
        chips = " ".join(f'<code title="{escape(families.rules[n].about)}">{escape(n)}</code>' for n in names)
        count = "" if counts is None else f'<td class="n">{counts.get(family.id, 0):,}</td>'
        rows.append(f'<tr class="f-{family.id}"><td><span class="sw"></span> <b>{escape(family.label)}</b></td>'
                    f'{count}<td>{escape(family.about)}</td><td>{chips}</td></tr>')
    head = '<tr><th>family</th>' + ('<th>removed</th>' if counts is not None else '') + \
        '<th>what it is</th><th>rule ids (hover for what each removes)</th></tr>'
    return f'<table class="legend">{head}{"".join(rows)}</table>'


def rules_html(families: Families) -> str:
    """Every rule id with its family and what it removes, in a collapsed section."""
    order = {family: index for index, family in enumerate(families.families)}
    rows = "".join(
        f'<tr class="f-{info.family}"><td><span class="sw"></span> <code>{escape(name)}</code></td>'
        f'<td>{escape(families.families[info.family].label)}</td><td>{escape(info.about)}</td></tr>'
        for name, info in sorted(families.rules.items(), key=lambda item: (order.get(item[1].family, 0), item[0])))
    return ('<details class="rules"><summary>What each rule id means</summary><table><tr><th>rule id</th>'
            f'<th>family</th><th>what it removes</th></tr>{rows}</table></details>')


# Shared look of both pages: system fonts only, nothing fetched.
BASE_CSS = """
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;
 max-width:1200px;padding:16px 24px;color:#222;background:#fff}
h1{font-size:22px;margin:4px 0 8px}h2{font-size:17px;margin:22px 0 8px}
p.lead{color:#444;margin:4px 0 12px}
table{border-collapse:collapse;margin:6px 0 12px}
th,td{border-bottom:1px solid #e3e3e3;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px/1.3 ui-monospace,"DejaVu Sans Mono",monospace;background:#f3f3f3;padding:0 3px;border-radius:3px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;background:var(--c);vertical-align:-1px}
.legend td:first-child{white-space:nowrap;border-left:4px solid var(--c)}
.legend code{margin-right:3px}
details.rules>summary{cursor:pointer;color:#1a4f8b;margin:2px 0 6px}
details.rules td:first-child{white-space:nowrap}
"""
