"""The explain page at scale: time and size for many real documents, and how fast it opens.

Runs, side by side on the same WCXB naive texts (../shared/bench/wcxb-dev/naive, the first N):

* ``cleaner clean FILES -o OUT`` (cleaning alone),
* ``cleaner explain FILES --html PAGE`` (cleaning, the line views and the page),

then loads the page in headless Chromium against a one-line page: the wall time of taking a
screenshot (start-up, parsing, first layout and paint), and the time from navigation to the end
of the page's script as the page itself measures it (``performance.now()``, read from a copy of
the page with one timing line appended); and checks the script ran without a console message.

    nice -n 10 python bench/explain_page.py --docs 1000 --jobs 2
    python bench/explain_page.py --page explain.html      # only load an existing page
"""
from __future__ import annotations

import argparse
import re
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


_TIMING = ('<script>document.title = "ready-ms=" + Math.round(performance.now()) + ";" + '
           'document.documentElement.getAttribute("data-script");</script>')


def load_in_chromium(chromium: str, page: Path, work: Path) -> tuple[float, str, list[str]]:
    """Seconds to a screenshot, the page's own ready time and script marker, console lines."""
    shot_s, _ = timed([chromium, *FLAGS, f"--user-data-dir={work / 'shot'}", "--window-size=1280,1600",
                       f"--screenshot={work / 'shot.png'}", page.as_uri()])
    timed_page = work / "timed.html"
    timed_page.write_text(page.read_text(encoding="utf-8").replace("</body>", _TIMING + "</body>"),
                          encoding="utf-8")
    _, done = timed([chromium, *FLAGS, f"--user-data-dir={work / 'dom'}", "--enable-logging=stderr", "--v=0",
                     "--dump-dom", timed_page.as_uri()])
    title = re.search(r"<title>ready-ms=(\d+);(\w*)</title>", done.stdout)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return shot_s, f"{title.group(1)} ms, script marker {title.group(2)!r}" if title else "no timing", console


def measure_load(page: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found: the load time is not measured")
        return
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        tiny = work / "tiny.html"
        tiny.write_text("<!DOCTYPE html><title>t</title><p>x</p>"
                        '<script>document.documentElement.setAttribute("data-script","ready")</script></body>')
        (work / "a").mkdir()
        (work / "b").mkdir()
        tiny_s, tiny_ready, _ = load_in_chromium(chromium, tiny, work / "a")
        page_s, page_ready, console = load_in_chromium(chromium, page, work / "b")
    print(f"chromium screenshot: one-line page {tiny_s:.1f} s, explain page {page_s:.1f} s")
    print(f"ready (navigation to end of script): one-line page {tiny_ready}; explain page {page_ready}; "
          f"console messages: {len(console)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--page", type=Path, help="only measure loading this page")
    args = parser.parse_args()
    if args.page:
        print(f"page: {args.page.stat().st_size / 1e6:.1f} MB")
        measure_load(args.page)
        return 0
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
        measure_load(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
