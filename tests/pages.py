"""Helpers shared by the page tests: build the two pages from the repository's fixtures and
render a page in headless Chromium.

The browser test renders both pages and checks them; with ``CLEANER_SCREENSHOTS=docs`` it also
writes its screenshots to ``docs/explain-page.png`` and ``docs/report-page.png`` (the README's).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from cleaner.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
SAMPLES = sorted((FIXTURES / "samples").iterdir())

# The flags this machine's (and CI's) Chromium needs to run headless in a container, with
# nothing fetched and nothing shared between runs.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-quic")


def build_explain_page(out: Path) -> Path:
    """The explain page of the seeds and samples (the two seeds open)."""
    page = out / "explain.html"
    # paths as a user in the repository would give them (the README's screenshot shows them)
    status = main(["explain", *map(_relative, SEEDS + SAMPLES), "--html", str(page), "-j", "1",
                   "--open", "2"])
    assert status == 0
    return page


def _relative(path: Path) -> str:
    return os.path.relpath(path, Path.cwd())


def build_report_page(out: Path) -> Path:
    """The report page of a batch run over the seeds, the samples and one file that fails."""
    inputs = out / "inputs"
    shutil.copytree(FIXTURES / "seeds", inputs / "seeds", ignore=shutil.ignore_patterns("*.md", "*.json"))
    shutil.copytree(FIXTURES / "samples", inputs / "samples")
    (inputs / "broken.txt").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    report = out / "report.jsonl"
    # run from the folder, so the report names documents as "inputs/seeds/..."
    home = Path.cwd()
    os.chdir(out)
    try:
        status = main(["clean", "inputs", "-o", "cleaned", "--report", "report.jsonl", "-q", "-j", "1"])
    finally:
        os.chdir(home)
    assert status == 1  # the binary file failed, the others were cleaned
    page = out / "report.html"
    assert main(["report", str(report), "--html", str(page)]) == 0
    return page


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Rendered(NamedTuple):
    dom: str          # the DOM after the page's script ran (--dump-dom)
    console: list[str]  # console messages Chromium logged (errors, warnings, logs)
    screenshot: Path


def render(chromium: str, page: Path, screenshot: Path, *, fragment: str = "",
           size: str = "1280,1600") -> Rendered:
    """Load ``page`` twice in a fresh profile: once for its DOM and console, once for a picture."""
    url = page.resolve().as_uri() + fragment
    with tempfile.TemporaryDirectory() as profile:
        dumped = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}/dom", "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=3000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}/shot", f"--window-size={size}",
             "--hide-scrollbars", f"--screenshot={screenshot}", url],
            capture_output=True, text=True, timeout=120, check=True)
    console = [line for line in dumped.stderr.splitlines() if ":CONSOLE" in line]
    return Rendered(dumped.stdout, console, screenshot)


def picture_stats(png: Path) -> tuple[int, float]:
    """Distinct colours and the share of pixels that are not (near) white."""
    from PIL import Image

    with Image.open(png) as image:
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 24) or []
        total = pixels.width * pixels.height
    inked = sum(count for count, (r, g, b) in colours if min(r, g, b) < 235)
    return len(colours), inked / total


def need(module: str) -> None:
    """Skip when an optional library is missing, except under CI, which installs it (the test extra)."""
    import importlib.util

    import pytest

    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is missing in CI (pip install -e '.[test]' installs it)")
        pytest.skip(f"{module} not installed")


def screenshots_to_docs() -> bool:
    return os.environ.get("CLEANER_SCREENSHOTS") == "docs"
