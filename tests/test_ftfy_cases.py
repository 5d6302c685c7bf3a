"""ftfy's own test cases: cleaner.repair does what ftfy's suite expects of fix_encoding, and
leaves every negative case alone."""
from __future__ import annotations

import json

import pytest

import cleaner
from conftest import shared_path

FILES = ["in-the-wild.json", "language-names.json", "negative.json", "synthetic.json"]


def cases(name):
    return json.loads(shared_path("bench", "ftfy-cases", name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", FILES)
def test_expected_pass_cases(name):
    failures = []
    passing = [case for case in cases(name) if case["expect"] == "pass"]
    assert passing
    for case in passing:
        want = case.get("fixed-encoding", case["fixed"])
        got = cleaner.repair(case["original"])
        if got != want:
            failures.append(f"{case['label']}: {got!r} != {want!r}")
    assert not failures, "\n".join(failures)


def test_negative_cases_are_unchanged():
    # One "mostly negative" case expects its C1 controls fixed; every other must not move.
    negative = [case for case in cases("negative.json")
                if case.get("fixed-encoding", case["fixed"]) == case["original"]]
    assert len(negative) > 20
    changed = [case["label"] for case in negative if cleaner.repair(case["original"]) != case["original"]]
    assert not changed
