"""The quality benchmark's scores and its intervals (bench/quality.py)."""
from __future__ import annotations

import importlib.util

import pytest
from conftest import ROOT, shared_path

_SPEC = importlib.util.spec_from_file_location("bench_quality", ROOT / "bench" / "quality.py")
quality = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(quality)


def test_intervals_hold_the_score_and_pair_the_methods():
    # Half the pages found whole, half missed: recall 0.5, its interval around it; a method with
    # the same pages differs from the first by nothing on every resample.
    rows = {"a": [(4, 0, 0), (0, 0, 4)] * 50, "b": [(4, 0, 0), (0, 0, 4)] * 50, "c": [(4, 0, 0)] * 100}
    found = quality.bootstrap_intervals(rows, quality.shingle_scores, 500)
    f1, precision, recall, difference = found["a"]
    assert precision == (1.0, 1.0)
    assert 0.35 < recall[0] < 0.5 < recall[1] < 0.65
    assert found["b"][3] == (0.0, 0.0)
    assert found["c"][0] == (1.0, 1.0) and found["c"][3][0] > 0
    assert quality.bootstrap_intervals(rows, quality.shingle_scores, 500) == found  # seeded


def test_snippet_scores_sum_the_pages():
    assert quality.snippet_scores([(3, 1, 1), (1, 0, 3)]) == pytest.approx((2 * 0.8 * 0.5 / 1.3, 0.8, 0.5))
    assert quality.snippet_scores([]) == (0.0, 0.0, 0.0)


def test_bench_prints_intervals(capsys):
    shared_path("bench", "wcxb-dev")
    quality.main(["--datasets", "wcxb-dev,traf-dev", "--methods", "keep,cleaner", "--limit", "12",
                  "--bootstrap", "50"])
    printed = capsys.readouterr().out
    assert printed.count("95% intervals over 50 resamples") == 2
    assert "| cleaner | [" in printed and "F1 minus keep's" in printed


def test_soft_labels_split_a_block_into_a_positive_and_a_negative_row_by_its_gold_share():
    from types import SimpleNamespace
    spec = importlib.util.spec_from_file_location("bench_train_blocks", ROOT / "bench" / "train_blocks.py")
    train_blocks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_blocks)
    pages = [{"id": "a", "rows": [[1.0], [2.0]], "label": [0.75, 0.0], "tokens": [3, 1]}]
    rows, y, w = train_blocks.training_rows(pages, [], SimpleNamespace(soft_labels=True, traf_weight=0.0))
    assert rows == [[1.0], [1.0], [2.0]] and y == [True, False, False]
    assert w == pytest.approx([0.6, 0.2, 0.4])
    hard = train_blocks.training_rows(pages, [], SimpleNamespace(soft_labels=False, traf_weight=0.0))
    assert hard[0] == [[1.0], [2.0]] and hard[1] == [True, False] and hard[2] == pytest.approx([0.8, 0.4])
    assert sum(w) == pytest.approx(sum(hard[2]))  # each block weighs the same either way
