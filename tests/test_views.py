"""The explain and report pages: what they show, checked on the page's HTML."""
from __future__ import annotations

import json
import re
import sys

import pytest
import regex

from cleaner import CleanerConfig, explain
from cleaner.boilerplate import RuleError, load_pack, load_rules
from cleaner.cli import main
from cleaner.normalise import normalise_characters
from cleaner.trace import Change
from cleaner.views import escape, load_families
from cleaner.views.explain import document_view, explain_page, trace_lines
from cleaner.views.report import read_report, report_page
from conftest import FIXTURES, run_cli, shared_path
from pages import SEEDS, build_explain_page, build_report_page, need

EXPECTATIONS = json.loads((FIXTURES / "seed-expectations.json").read_text(encoding="utf-8"))


def _page_of(*paths):
    families = load_families()
    views = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        views.append(document_view(str(path), text, explain(text, format="text"), format="text"))
    return explain_page(views, families)


def test_every_removed_seed_line_is_shown_struck_with_its_rule():
    page = _page_of(*SEEDS)
    for seed in SEEDS:
        text = seed.read_text(encoding="utf-8")
        changes = [c for c in explain(text).changes if c.stage == "boilerplate"]
        rule_of = {c.before: c.rule for c in changes}
        for dropped in EXPECTATIONS[seed.name]["drop"]:
            rule = rule_of.get(dropped)
            assert rule, f"{seed.name}: the cleaner no longer removes {dropped!r}"
            family = load_families().of(rule).id
            whole = f'<div class="r f-{family}"><i>'
            struck = f"<s>{escape(dropped)}</s><b class=\"t\">{escape(rule)}</b>"
            cut = f'<s class="c f-{family}">{escape(dropped)}</s><b class="t f-{family}">{escape(rule)}</b>'
            assert (whole in page and struck in page) or cut in page, (seed.name, dropped)
        for kept in EXPECTATIONS[seed.name]["keep"][:3]:
            assert f'<div class="k"><i>' in page and f"{escape(kept.strip())}</div>" in page


def test_the_seed_credit_glued_to_its_caption_is_cut_in_place():
    seed = next(s for s in SEEDS if s.name.startswith("004"))
    page = _page_of(seed)
    line = re.search(r'<div class="x"><i>2</i>(.*?)</div>', page)
    assert line, "line 2 of the seed is shown as a kept line with a cut"
    assert line.group(1).startswith('<s class="c f-credit">© REUTERS/Shamil Zhumatov</s><b class="t f-credit">credit</b>')
    assert "French Foreign Minister" in line.group(1)


def test_the_seed_mojibake_repair_is_shown_with_its_codec():
    seed = next(s for s in SEEDS if s.name.startswith("004"))
    page = _page_of(seed)
    line = re.search(r'<div class="m"><i>15</i>(.*?)</div>', page)
    assert line, "line 15 is shown as a repaired line"
    assert "<mark>โ€”</mark>" in line.group(1)
    assert "<del>โ€”</del> → <ins>—</ins>" in line.group(1)
    assert "read as <b>cp874</b>: <code>mojibake:cp874</code>" in line.group(1)


def test_every_shipped_pattern_compiles():
    # The shipped packs are compiled on first use; a user's file at once (tests/test_stages.py).
    patterns = [pattern for rule in load_rules() for pattern in (rule.lines, rule.spans, rule.openings)
                if pattern is not None]
    assert len(patterns) > 80
    for pattern in patterns:
        assert isinstance(pattern.compiled(), regex.Pattern)  # compiling raises no error


def test_every_shipped_rule_has_a_family_and_a_description():
    families = load_families()
    for rule in load_rules():
        assert families.of(rule.name).id != "other", rule.name
        assert families.about(rule.name), rule.name
    for heuristic in ("repeated_short_line", "site_repeated_line", "block_model:0.20",
                      "outside_main_text:-1.5", "html_block_ensemble:0.10"):
        assert families.of(heuristic).id in ("repeated", "low_score")


def test_a_pack_names_the_family_of_its_own_categories(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('[popup]\nfamily = "cookie"\nlines = [\'^close this popup$\']\n'
                    '[house_ads]\nlines = [\'^our shop$\']\n', encoding="utf-8")
    families = load_families((), (str(mine),))
    assert families.of("popup").id == "cookie"
    assert families.of("house_ads").id == "other"
    assert "mine" in families.about("house_ads")
    # packs without the key load as before; a family that is not a string is refused
    assert [r.family for r in load_pack(text="[x]\nlines = ['^a$']\n")] == [""]
    with pytest.raises(RuleError, match="family must be a string"):
        load_pack(text="[x]\nfamily = 3\nlines = ['^a$']\n")


def test_trace_lines_places_unwrapped_blocks_and_other_line_breaks():
    body = ("The committee said that the new rules would take effect at the start of next year and that "
            "all members had agreed to them after a long debate.")
    wrapped = []
    for who in ("committee", "council", "board"):  # three paragraphs (a copy of one would go)
        words = body.replace("committee", who).split()
        wrapped += [" ".join(words[i:i + 9]) for i in range(0, len(words), 9)]
    text = "Advertisement\r\n" + "\n".join(wrapped) + "\r\nShare this article"
    result = explain(text)
    lines, rest = trace_lines(text, result.changes)
    assert rest == []
    removed = {line.number: line.removal.rule for line in lines if line.removed}
    assert removed.get(1) == "ad_label"
    assert removed.get(len(lines)) == "share_prompt"
    assert all(not line.removed for line in lines[1:-1])
    lines, rest = trace_lines("a\u2028Advertisement\nb", [Change("boilerplate", "ad_label", "Advertisement", "", 2)])
    assert [line.text for line in lines if line.removed] == ["Advertisement"]


def test_trace_lines_on_real_pages_places_every_change():
    """On real scraped text every change lands on a line, and the kept lines are the output."""
    folder = shared_path("bench", "wcxb-dev", "naive")
    for path in sorted(folder.glob("*.txt"))[:12]:
        text = path.read_text(encoding="utf-8")
        result = explain(text, format="text")
        lines, rest = trace_lines(text, result.changes)
        assert rest == [], path.name
        if any(c.rule == "unwrap" for c in result.changes):
            continue
        kept = []
        for line in lines:
            if line.removed or not line.text.strip():
                continue
            current = line.text
            for repair in line.repairs:
                current = current.replace(repair.before, repair.after, 1)
            current = normalise_characters(current).strip()
            for cut in line.cuts:
                start = current.index(cut.before)
                current = (current[:start] + " " + current[start + len(cut.before):]).strip()
            kept.append(current)
        assert kept == [p.strip() for p in result.text.split("\n\n") if p.strip()], path.name


def test_html_documents_show_the_extracted_lines(tmp_path):
    page_path = tmp_path / "page.html"
    (page_path).write_text(
        "<html><body><article><h1>Bridge opens</h1>" + "<p>The new bridge over the river opened on "
        "Monday after two years of work, and the town celebrated with a fair.</p>" * 4
        + "<p>Share this article</p></article></body></html>", encoding="utf-8")
    out = tmp_path / "explain.html"
    # trafilatura's main text (the block ensemble off): the lines shown are those it took
    config = tmp_path / "cleaner.toml"
    config.write_text("html_ensemble = false\n", encoding="utf-8")
    assert main(["explain", str(page_path), "--html", str(out), "-j", "1", "--config", str(config)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "An HTML page: the lines below are the text taken from it" in page
    assert "<code>trafilatura</code>" in page
    assert "<s>Share this article</s>" in page


def test_html_documents_with_the_block_ensemble_show_every_page_line():
    from cleaner.extract import load_ensemble, page_lines
    from cleaner.pipeline import explain_text

    if load_ensemble() is None:
        pytest.skip("no shipped HTML block ensemble")
    html = (FIXTURES / "samples" / "blog-post.html").read_text(encoding="utf-8")
    result = explain_text(html, format="html", config=CleanerConfig(html_ensemble=True))
    view = document_view("blog-post.html", html, result, format="html")
    shown = [line for line in page_lines(html).split("\n") if line.strip()]
    assert [line.text for line in view.lines] == shown
    dropped = [c for c in result.changes if c.rule.startswith("html_block_ensemble:")]
    assert [line.removal for line in view.lines if line.removal and line.removal.stage == "extract"] == dropped
    page = explain_page([view], load_families())
    assert "its visible lines; those the block ensemble did not take are marked" in page


def test_explain_page_is_self_contained_with_index_filter_and_legend(tmp_path):
    page = build_explain_page(tmp_path).read_text(encoding="utf-8")
    assert not re.search(r'\b(?:src|href)\s*=\s*"(?:https?:)?//', page), "nothing is fetched"
    assert "<link" not in page and "@import" not in page
    assert page.count('<details class="doc"') == len(SEEDS) + 4
    assert '<table class="index">' in page and 'href="#d2"' in page
    assert 'id="only-changed"' in page and "body.only .lines>div.k{display:none}" in page
    for family in load_families().families.values():
        assert f'<tr class="f-{family.id}">' in page and escape(family.about) in page
    # the first two documents are open and laid out; the others wait as script text until opened
    assert page.count('<details class="doc" id="d1" open>') == page.count('<details class="doc" id="d2" open>') == 1
    assert page.count('<script type="text/x-lines">') == len(SEEDS) + 4 - 2
    about = json.loads(re.search(r'<script type="application/json" id="rule-about">(.*?)</script>', page).group(1))
    assert about["comment_form"].startswith("comment form: ")


def test_report_page_has_totals_plots_rules_and_failures(tmp_path):
    need("matplotlib")
    page = build_report_page(tmp_path).read_text(encoding="utf-8")
    stats = read_report(tmp_path / "report.jsonl")
    assert stats.failed == 1 and stats.documents == len(SEEDS) + 4
    assert f'<td>documents cleaned</td><td class="n">{stats.documents:,}</td>' in page
    assert page.count("<svg") == 4  # by family, by rule, kept share histogram, repairs by codec
    assert "Removals by rule family" in page and "Kept share per document" in page
    assert "Mojibake repairs by codec" in page and ">cp874<" in page
    assert "broken.txt" in page and "binary" in page
    for rule, count in stats.removals.items():
        assert f"{escape(rule)}</code></td>" in page
    assert not re.search(r'\b(?:src|href)\s*=\s*"(?:https?:)?//', page)


def test_report_without_html_prints_totals_and_refuses_other_files(tmp_path):
    good = tmp_path / "r.jsonl"
    good.write_text(json.dumps({"id": "a", "status": "cleaned", "chars_in": 10, "chars_out": 5, "changes": [
        {"stage": "boilerplate", "rule": "ad_label", "before": "Ad", "after": "", "line": 1}]}) + "\n")
    result = run_cli("report", str(good))
    assert result.returncode == 0
    assert b"1 documents cleaned, 0 failed" in result.stdout and b"ad_label 1" in result.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "not a report"}\n')
    result = run_cli("report", str(bad), "--html", str(tmp_path / "x.html"))
    assert result.returncode == 2 and b"not a report line" in result.stderr


def test_report_missing_matplotlib_message(tmp_path, monkeypatch, capsys):
    report = tmp_path / "r.jsonl"
    report.write_text(json.dumps({"id": "a", "status": "cleaned", "chars_in": 10, "chars_out": 5,
                                  "changes": []}) + "\n")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # an import of it now fails
    assert main(["report", str(report), "--html", str(tmp_path / "x.html")]) == 2
    assert "pip install 'cleaner[report]'" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_plain_explain_is_plain_when_piped_and_coloured_on_a_terminal(monkeypatch):
    seed = next(s for s in SEEDS if s.name.startswith("004"))
    piped = run_cli("explain", "--trace-only", str(seed))
    assert piped.returncode == 0 and b"\x1b[" not in piped.stdout
    assert b"line 15: repaired by repair/mojibake:cp874" in piped.stdout
    from cleaner import cli

    class Terminal:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli._use_colour(Terminal())


def test_explain_takes_several_inputs_and_folders(tmp_path):
    result = run_cli("explain", "--trace-only", *map(str, SEEDS), str(FIXTURES / "samples"))
    out = result.stdout.decode()
    assert result.returncode == 0
    assert out.count("\n== ") + out.startswith("== ") == len(SEEDS) + 4
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run_cli("explain", str(empty), str(SEEDS[0]), "--html", str(tmp_path / "p.html"))
    assert result.returncode == 1 and b"empty input" in result.stderr
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "<h2>Not explained</h2>" in page and SEEDS[0].name in page


def test_explain_page_of_a_custom_config_uses_its_packs(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('[house_notice]\nfamily = "ad"\nlines = [\'^visit our shop$\']\n', encoding="utf-8")
    doc = tmp_path / "doc.txt"
    doc.write_text("A title\nVisit our shop\nThe body of the text, a sentence that is long enough to stay.\n",
                   encoding="utf-8")
    out = tmp_path / "p.html"
    assert main(["explain", str(doc), "--rules", str(mine), "--html", str(out), "-j", "1"]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<div class="r f-ad"><i>2</i><s>Visit our shop</s><b class="t">house_notice</b></div>' in page
    config = CleanerConfig(extra_rule_files=(str(mine),))
    assert load_families(config.languages, config.extra_rule_files).of("house_notice").id == "ad"


def test_explain_page_lays_right_to_left_lines_out_in_their_direction(tmp_path):
    # An Arabic news page: the rows of its lines, removed or kept, are laid out right to left (a
    # full stop at a line's end, wrapped lines hanging from the right); left-to-right lines are not.
    page_text = (FIXTURES / "caseless" / "ar-news.txt").read_text(encoding="utf-8")
    doc = tmp_path / "ar.txt"
    doc.write_text(page_text + "Contact us\n", encoding="utf-8")
    out = tmp_path / "p.html"
    assert main(["explain", str(doc), "--html", str(out), "-j", "1"]) == 0
    page = out.read_text(encoding="utf-8")
    removed = re.findall(r'<div class="r f-[\w-]+"( dir="rtl")?><i>\d+</i><s>(.*?)</s>', page)
    kept = re.findall(r'<div class="k"( dir="rtl")?><i>\d+</i>(.*?)</div>', page)
    assert removed and kept
    arabic = regex.compile(r"\p{Arabic}")
    for direction, shown in removed + kept:
        assert bool(direction) == bool(arabic.search(shown)), shown
    assert any(direction for direction, _ in removed) and any(direction for direction, _ in kept)
    assert any(shown == "Contact us" for _, shown in removed + kept)
