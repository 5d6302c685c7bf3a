"""The explain page at scale: time and size for many real documents, and how fast it opens.

Runs, side by side on the same WCXB naive texts (../shared/bench/wcxb-dev/naive, the first N):

* ``cleaner clean FILES -o OUT`` (cleaning alone),
* ``cleaner explain FILES --html PAGE`` (cleaning, the line views and the page),

then loads the page in headless Chromium (``--dump-dom``, which returns once the page's script
ran) against a one-line page, and checks the script reached its end without a console message.

    nice -n 10 python bench/explain_page.py --docs 1000 --jobs 2
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAIVE = ROOT.parent / "shared" / "bench" / "wcxb-dev" / "naive"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic")


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - start, done


def load_in_chromium(chromium: str, page: Path, profile: Path) -> tuple[float, bool, list[str]]:
    seconds, done = timed([chromium, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           "--dump-dom", page.as_uri()])
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return seconds, 'data-script="ready"' in done.stdout, console


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    files = sorted(NAIVE.glob("*.txt"))[: args.docs]
    if not files:
        sys.exit(f"no data in {NAIVE}")
    size_in = sum(f.stat().st_size for f in files)
    python = [sys.executable, "-m", "cleaner"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        clean_s, clean = timed([*python, "clean", *map(str, files), "-o", str(work / "out"), "-q",
                                "-j", str(args.jobs)])
        page = work / "explain.html"
        explain_s, explain = timed([*python, "explain", *map(str, files), "--html", str(page), "-j", str(args.jobs)])
        print(f"{len(files)} documents, {size_in / 1e6:.1f} MB of text")
        print(f"cleaner clean:          {clean_s:7.1f} s (exit {clean.returncode})")
        print(f"cleaner explain --html: {explain_s:7.1f} s (exit {explain.returncode}), "
              f"{explain_s / clean_s:.2f}x cleaning alone")
        if not page.exists():
            print(explain.stderr)
            return 1
        print(f"page: {page.stat().st_size / 1e6:.1f} MB")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            print("chromium not found: the load time is not measured")
            return 0
        tiny = work / "tiny.html"
        tiny.write_text("<!DOCTYPE html><title>t</title><p>x</p>"
                        '<script>document.documentElement.setAttribute("data-script","ready")</script>')
        tiny_s, _, _ = load_in_chromium(chromium, tiny, work / "p1")
        page_s, ready, console = load_in_chromium(chromium, page, work / "p2")
        print(f"chromium --dump-dom: one-line page {tiny_s:.1f} s, explain page {page_s:.1f} s; "
              f"script ran: {ready}; console messages: {len(console)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
