"""The two seed documents: the CLI, stdin mode and the library all give the expected text,
and it passes the seeds' own check."""
from __future__ import annotations

import subprocess
import sys

import pytest

import cleaner
from conftest import FIXTURES, run_cli, shared_path

SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))


def expected(seed):
    return (FIXTURES / "expected" / "seeds" / seed.name).read_text(encoding="utf-8")


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_library_gives_expected_output(seed):
    assert cleaner.clean(seed.read_text(encoding="utf-8")) == expected(seed)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_stdin_mode_gives_expected_output(seed):
    result = run_cli("clean", "-", stdin=seed.read_bytes())
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == expected(seed)


def test_cli_files_pass_the_seed_check(tmp_path):
    result = run_cli("clean", *map(str, SEEDS), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    for seed in SEEDS:
        assert (tmp_path / "out" / seed.name).read_text(encoding="utf-8") == expected(seed)
    check = shared_path("seeds", "check.py")
    verdict = subprocess.run([sys.executable, str(check), "--all", str(tmp_path / "out")],
                             capture_output=True, text=True)
    assert verdict.returncode == 0, verdict.stdout
    assert "seeds: 0 failures" in verdict.stdout


def test_seed_trace_names_each_rule():
    result = cleaner.explain(SEEDS[0].read_text(encoding="utf-8"))
    rules = {change.rule for change in result.changes}
    assert {"comment_form", "share_prompt", "related_links", "repeated_short_line"} <= rules
    removed = {change.before for change in result.changes}
    assert "Like this story? Share it with a friend!" in removed


def test_em_dash_read_as_windows_874_is_repaired():
    assert cleaner.repair('necessary" โ€” this') == 'necessary" — this'


def test_bundled_samples_give_expected_output():
    for sample in sorted((FIXTURES / "samples").iterdir()):
        fmt = "html" if sample.suffix == ".html" else "auto"
        text = cleaner.decode(sample.read_bytes()).text
        want = (FIXTURES / "expected" / "samples" / sample.with_suffix(".txt").name).read_text(encoding="utf-8")
        assert cleaner.clean(text, format=fmt) == want, sample.name
