"""Both pages in a real browser: headless Chromium loads them, runs their script without a
console message, and draws something that is not blank.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it).  Under CI the test fails
when it is missing; elsewhere it skips.  With ``CLEANER_SCREENSHOTS=docs`` the screenshots are
written to ``docs/`` for the README.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

from conftest import ROOT
from pages import (build_explain_page, build_report_page, find_chromium, need, picture_stats, render,
                   screenshots_to_docs)


@pytest.fixture(scope="module")
def chromium():
    found = find_chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI (.ci/run installs it with apt-get)")
        pytest.skip("chromium not installed")
    return found


def _check_picture(png, name):
    need("PIL")  # Pillow, which matplotlib installs, decodes the PNG
    colours, inked = picture_stats(png)
    assert colours > 50, f"{name}: a screenshot of {colours} colours is blank or nearly"
    assert inked > 0.03, f"{name}: only {inked:.1%} of the screenshot is drawn"
    if screenshots_to_docs():
        shutil.copyfile(png, ROOT / "docs" / f"{name}.png")


def test_explain_page_renders_and_its_script_runs(chromium, tmp_path):
    page = build_explain_page(tmp_path)
    # opened at the third document: the script must open it and put its lines in place
    shown = render(chromium, page, tmp_path / "explain.png", fragment="#d3", size="1280,1600")
    assert shown.console == [], shown.console
    assert 'data-script="ready"' in shown.dom, "the page script did not run to its end"
    third = re.search(r'<details class="doc" id="d3" open="">.*?</details>', shown.dom, re.S)
    assert third, "the document named in the address was not opened"
    built = third.group(0).split('<div class="lines">', 1)[1].split('<script type="text/x-lines">', 1)[0]
    assert re.search(r'<div class="r f-[\w-]+"><i>\d+</i><s>[^<]*</s><b class="t">[^<]+</b>', built), \
        "its lines were not put in place"
    fourth = re.search(r'<details class="doc" id="d4">.*?</details>', shown.dom, re.S)
    assert fourth and '<div class="lines"></div>' in fourth.group(0), "a closed document stays unbuilt"
    _check_picture(render(chromium, page, tmp_path / "explain-top.png", size="1280,1900").screenshot,
                   "explain-page")


def test_report_page_renders_with_its_plots(chromium, tmp_path):
    need("matplotlib")
    page = build_report_page(tmp_path)
    shown = render(chromium, page, tmp_path / "report.png", size="1280,1900")
    assert shown.console == [], shown.console
    assert 'data-script="ready"' in shown.dom
    assert shown.dom.count("<svg") == 4
    _check_picture(shown.screenshot, "report-page")
