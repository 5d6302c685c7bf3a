"""Speed benchmark: the cleaner beside its peers, side by side in one process, as ratios.

Reads ``../shared/bench/wcxb-dev`` (naive texts and HTML pages).  Five parts (``--only``):

* ``throughput``: MB/s and documents/s (by CPU time of the process), one process, the same documents for every method:
  text track ``cleaner.clean(text, format="text")`` on the naive texts beside ``ftfy.fix_text``,
  ``ftfy.fix_encoding`` and the C4 line rules (datatrove's C4QualityFilter as
  ``bench/quality.py`` runs them); HTML track ``cleaner.clean(html, format="html")`` beside
  ``trafilatura.extract`` (defaults) on the pages.  Methods are interleaved document by
  document (the order rotating), for ``--rounds`` rounds, so the machine's noise hits all
  alike.  Prints the ratios: cleaner text throughput / ``ftfy.fix_text`` throughput (target at
  least 4) and cleaner HTML time / trafilatura time (target at most 1.10).
* ``scaling``: CPU time per MB of one document at each size, relative to 1 MB (target: about 1,
  at most ~1 at 10 MB): naive texts concatenated (1 KB .. 50 MB), the same as a single line,
  thousands of repeated lines, and deeply nested HTML.  Each measurement runs in a child
  process with a time limit (``--scaling-timeout``), so a super-linear case is reported, not
  waited for; each size is measured in ``--scaling-runs`` child processes (default 3), one
  after another, and the least CPU time is taken (a single run of a 1 MB document, which all
  is relative to, varied by a third under the machine's load).  A text document over 1 MB is also cleaned in parts of about 1 MB, one after
  another, and its time is given as a multiple of theirs: the later megabytes of the naive
  texts are other text than the first, and this ratio leaves that out.  The 1 MB document is
  also cleaned in that process, after the parts, for a ratio of time per MB measured under the
  same load.
* ``jobs``: wall time of the CLI (``python -m cleaner clean NAIVE_DIR -o TMP``) with ``--jobs 1``
  and ``--jobs 2``, alternating (one file per task, so the naive texts' folder spreads).
* ``memory``: peak RSS of ``cleaner clean big.jsonl -o OUT --jobs 2`` on a generated JSONL of
  ``--memory-mb`` MB (default 1024, written under ``--tmp``), summed over the whole process
  tree (polled from /proc every 0.1 s) and the largest single process (getrusage of the
  children); target under 600 MB.
* ``startup``: wall time of ``python -m cleaner --help`` and of cleaning a one-line text from
  stdin, beside ``python -c pass`` (best of ``--startup-runs``); target under 0.5 s.

Run the whole benchmark with ``nice -n 10`` on a shared machine (it takes a while; parts and
smaller sizes with the options):

    nice -n 10 python bench/speed.py
    nice -n 10 python bench/speed.py --only throughput --limit 300 --html-limit 60 --rounds 3
    nice -n 10 python bench/speed.py --only throughput --limit 0 --html-limit 100 --rounds 3
    nice -n 10 python bench/speed.py --only scaling --max-mb 10
    nice -n 10 python bench/speed.py --only memory --memory-mb 200
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared")) / "bench"
WCXB = SHARED / "wcxb-dev"
MB = 1_000_000
PARTS = ("throughput", "scaling", "jobs", "memory", "startup")


# ---- data ------------------------------------------------------------------------------------

def page_ids(limit: int | None) -> list[str]:
    ids = [json.loads(line)["id"] for line in (WCXB / "index.jsonl").read_text().splitlines()]
    return ids[:limit] if limit else ids


def naive_texts(limit: int | None) -> list[str]:
    return [(WCXB / "naive" / f"{i}.txt").read_text(encoding="utf-8") for i in page_ids(limit)]


def html_pages(limit: int | None) -> list[str]:
    import cleaner
    return [cleaner.decode(gzip.decompress((WCXB / "html" / f"{i}.html.gz").read_bytes())).text
            for i in page_ids(limit)]


def utf8_size(texts: list[str]) -> int:
    return sum(len(text.encode("utf-8", "surrogatepass")) for text in texts)


def built_document(kind: str, size: int) -> tuple[str, str]:
    """A document of about ``size`` UTF-8 bytes of the given kind, and its format."""
    if kind == "nested-html":
        # each level is "<div>" + "</div>" (11 bytes); a sentence at the bottom
        depth = max(1, (size - 100) // 11)
        return "<html><body>" + "<div>" * depth + "<p>The bottom of a deep page.</p>" + "</div>" * depth \
            + "</body></html>", "html"
    if kind == "repeated-lines":
        lines = ["Share this article", "The council met on Monday and agreed to repair the old pier.",
                 "Advertisement", "Read more"]
        unit = "\n".join(lines) + "\n"
        return unit * max(1, size // len(unit)), "text"
    texts, total = [], 0
    for text in _cycle(naive_texts(None)):
        texts.append(text)
        total += len(text.encode("utf-8")) + 1
        if total >= size:
            break
    document = "\n".join(texts)
    if kind == "one-line":
        document = " ".join(document.split("\n"))
    data = document.encode("utf-8")[:size]
    return data.decode("utf-8", "ignore"), "text"


def _cycle(items):
    while True:
        yield from items


# ---- throughput ------------------------------------------------------------------------------

def text_methods() -> dict:
    import ftfy
    from datatrove.data import Document
    from datatrove.pipeline.filters.c4_filters import C4QualityFilter

    import cleaner
    c4 = C4QualityFilter(min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False)

    def c4_lines(text):
        document = Document(text=text, id="x")
        return document.text if c4.filter(document) is True else ""

    return {"cleaner text": lambda text: cleaner.clean(text, format="text"),
            "ftfy.fix_text": ftfy.fix_text, "ftfy.fix_encoding": ftfy.fix_encoding, "C4 line rules": c4_lines}


def html_methods() -> dict:
    import trafilatura

    import cleaner
    return {"cleaner html": lambda html: cleaner.clean(html, format="html"),
            "trafilatura.extract": lambda html: trafilatura.extract(html)}


def interleaved(methods: dict, documents: list[str], rounds: int, clock=time.process_time) -> list[dict[str, float]]:
    """Seconds per method in each round (CPU seconds of this process by default: on a shared
    machine they hold still where wall time follows the load); methods take turns document by
    document."""
    names = list(methods)
    for name in names:  # warm up: imports, compiled rules, caches
        methods[name](documents[0])
    totals = []
    for _ in range(rounds):
        seconds = dict.fromkeys(names, 0.0)
        for number, document in enumerate(documents):
            shift = number % len(names)
            for name in names[shift:] + names[:shift]:
                started = clock()
                methods[name](document)
                seconds[name] += clock() - started
        totals.append(seconds)
    return totals


def report_rates(title: str, totals: list[dict[str, float]], documents: list[str]) -> dict[str, float]:
    size, count = utf8_size(documents), len(documents)
    best = {name: min(t[name] for t in totals) for name in totals[0]}
    print(f"\n{title}: {count} documents, {size / MB:.1f} MB, {len(totals)} rounds interleaved "
          f"(CPU time, best round)")
    print(f"  {'method':<22} {'MB/s':>8} {'docs/s':>9} {'ms/doc':>8}")
    for name, seconds in best.items():
        print(f"  {name:<22} {size / MB / seconds:8.2f} {count / seconds:9.1f} {seconds / count * 1000:8.2f}")
    return best


def run_throughput(args) -> None:
    if args.limit == 0:  # the HTML track alone
        run_html_throughput(args)
        return
    ratios = track_ratios("Text track (wcxb-dev naive texts)", text_methods(), naive_texts(args.limit),
                          args.rounds, lambda t, peer: t[peer] / t["cleaner text"],
                          ("ftfy.fix_text", "ftfy.fix_encoding", "C4 line rules"))
    print(f"  cleaner text throughput / ftfy.fix_text: {ratios[0]}; target >= 4)")
    print(f"  cleaner text throughput / ftfy.fix_encoding: {ratios[1]})")
    print(f"  cleaner text throughput / C4 line rules: {ratios[2]})")
    run_html_throughput(args)


def run_html_throughput(args) -> None:
    ratios = track_ratios("HTML track (wcxb-dev pages)", html_methods(), html_pages(args.html_limit),
                          args.rounds, lambda t, peer: t["cleaner html"] / t[peer], ("trafilatura.extract",))
    print(f"  cleaner html time / trafilatura.extract time: {ratios[0]}; target <= 1.10)")


def track_ratios(title, methods, documents, rounds, ratio, peers) -> list[str]:
    """Time ``methods`` on ``documents`` (interleaved), print their rates, and describe the
    cleaner's ratio to each peer over the rounds: median, then each round."""
    totals = interleaved(methods, documents, rounds)
    report_rates(title, totals, documents)
    described = []
    for peer in peers:
        values = [ratio(t, peer) for t in totals]
        described.append(f"{statistics.median(values):.2f}x (rounds: {', '.join(f'{r:.2f}' for r in values)}")
    return described


# ---- scaling ---------------------------------------------------------------------------------

SCALING = {  # kind -> sizes in bytes
    "concatenated": (1_000, 10_000, 100_000, MB, 5 * MB, 10 * MB, 50 * MB),
    "one-line": (100_000, MB, 5 * MB, 10 * MB, 50 * MB),
    "repeated-lines": (100_000, MB, 5 * MB, 10 * MB, 50 * MB),
    "nested-html": (100_000, MB, 5 * MB),
}


def measure_one(kind: str, size: int) -> dict:
    """CPU seconds to clean one built document (repeated until a second has passed, for small
    ones), and the child's peak RSS.  A text document over 1 MB is also cleaned in 1 MB parts
    (:func:`megabyte_parts`), one after another: their total is what the same text costs
    without the size, so the ratio of the two tells growth with size from a change of content
    (later megabytes of the naive texts hold other languages, more non-ASCII text)."""
    import cleaner
    document, format = built_document(kind, size)
    cleaner.clean(document[:2000], format=format)  # warm up
    runs, started = 0, time.process_time()
    while True:
        cleaner.clean(document, format=format)
        runs += 1
        elapsed = time.process_time() - started
        if elapsed >= 1.0 or size >= MB:
            break
    parts_seconds = megabyte_seconds = None
    if format == "text" and size > MB:
        parts_seconds = 0.0
        for part in megabyte_parts(document, " " if kind == "one-line" else "\n"):
            started = time.process_time()
            cleaner.clean(part, format=format)
            parts_seconds += time.process_time() - started
        # The 1 MB document of the same kind, in this process too (the least of two runs, one
        # after the document and its parts): a ratio of two processes' times carries the load
        # the machine had at each.
        one, _ = built_document(kind, MB)
        one_runs = []
        for _ in range(2):
            started = time.process_time()
            cleaner.clean(one, format=format)
            one_runs.append(time.process_time() - started)
        megabyte_seconds = min(one_runs) / (len(one.encode("utf-8")) / MB)
    import resource
    return {"bytes": len(document.encode("utf-8")), "seconds": elapsed / runs, "parts_seconds": parts_seconds,
            "megabyte_seconds": megabyte_seconds, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def megabyte_parts(document: str, separator: str) -> list[str]:
    """``document`` cut after a ``separator`` every million characters or so.

    >>> [len(part) for part in megabyte_parts("a b " * MB, " ")]
    [1000000, 1000000, 1000000, 1000000]
    """
    parts, start = [], 0
    while start < len(document):
        end = document.find(separator, start + MB - 1) + 1 or len(document)
        parts.append(document[start:end])
        start = end
    return parts


def best_of(results: list[dict]) -> dict:
    """The measurements of one size from several child processes: the least CPU time of the
    document and of its parts (what the machine's load added least to), the largest peak RSS.

    >>> best_of([{"bytes": 5, "seconds": 2.0, "parts_seconds": 1.0, "peak_rss": 7},
    ...          {"bytes": 5, "seconds": 1.5, "parts_seconds": 1.2, "peak_rss": 8}])["seconds"]
    1.5
    """
    parts = [result["parts_seconds"] for result in results if result["parts_seconds"] is not None]
    megabyte = [result["megabyte_seconds"] for result in results if result.get("megabyte_seconds") is not None]
    return {"bytes": results[0]["bytes"], "seconds": min(result["seconds"] for result in results),
            "all_seconds": [result["seconds"] for result in results], "parts_seconds": min(parts) if parts else None,
            "megabyte_seconds": min(megabyte) if megabyte else None,
            "peak_rss": max(result["peak_rss"] for result in results)}


def run_scaling(args) -> None:
    print(f"\nScaling with document size (time per MB relative to 1 MB; best CPU time of "
          f"{args.scaling_runs} child processes for each size, limit {args.scaling_timeout:.0f} s each)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    kinds = [kind.strip() for kind in args.scaling_kinds.split(",") if kind.strip()] or list(SCALING)
    for kind in kinds:
        sizes = SCALING[kind]
        print(f"  {kind}:")
        per_mb = {}
        for size in sizes:
            if size > args.max_mb * MB:
                continue
            results, failed = [], None
            for _ in range(args.scaling_runs):
                try:
                    done = subprocess.run([sys.executable, __file__, "--measure", kind, str(size)], env=env,
                                          capture_output=True, text=True, timeout=args.scaling_timeout)
                except subprocess.TimeoutExpired:
                    failed = f"over {args.scaling_timeout:.0f} s (stopped)"
                    break
                if done.returncode:
                    failed = f"failed: {done.stderr.strip().splitlines()[-1:]}"
                    break
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            if failed:
                print(f"    {size / MB:9.3f} MB: {failed}")
                if failed.startswith("over"):
                    break
                continue
            result = best_of(results)
            per_mb[size] = result["seconds"] / (result["bytes"] / MB)
            relative = f"{per_mb[size] / per_mb[MB]:.2f}x" if MB in per_mb else "-"
            parts = f", {result['seconds'] / result['parts_seconds']:.2f}x its 1 MB parts" \
                if result["parts_seconds"] else ""
            if result["megabyte_seconds"]:
                parts += f", per MB vs 1 MB in the same processes {per_mb[size] / result['megabyte_seconds']:.2f}x"
            runs = ", ".join(f"{seconds:.3f}" for seconds in result["all_seconds"])
            print(f"    {result['bytes'] / MB:9.3f} MB: {result['seconds']:8.3f} s (runs {runs}), "
                  f"{per_mb[size]:7.3f} s/MB, per MB vs 1 MB {relative}{parts}, "
                  f"peak RSS {result['peak_rss'] / MB:.0f} MB", flush=True)
        if MB in per_mb:
            later = [f"{size // MB} MB {per_mb[size] / per_mb[MB]:.2f}x" for size in per_mb if size > MB]
            print(f"    time per MB relative to 1 MB: {', '.join(later) or '-'}")


# ---- jobs ------------------------------------------------------------------------------------

def run_jobs(args) -> None:
    from parallel import capacity, timed_run  # bench/parallel.py: the CLI run with --jobs N, timed
    data = WCXB / "naive"
    print(f"\nCLI --jobs 1 vs --jobs 2 on {data} ({args.jobs_limit or 'all'} files), alternating")
    ratios, capacities = [], []
    for round_number in range(1, args.rounds + 1):
        elapsed = {}
        for jobs in (1, 2):
            elapsed[jobs], cpu, summary = timed_run(data, jobs, args.jobs_limit)
            print(f"  round {round_number} --jobs {jobs}: {elapsed[jobs]:.2f} s wall, {cpu:.2f} s CPU ({summary})",
                  flush=True)
        ratios.append(elapsed[1] / elapsed[2])
        capacities.append(capacity(2))
    print(f"  speed-up of --jobs 2 over --jobs 1: {statistics.median(ratios):.2f}x "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}); a CPU-bound loop gained "
          f"{statistics.median(capacities):.2f}x from 2 processes meanwhile (what the shared machine allowed)")


# ---- memory ----------------------------------------------------------------------------------

def write_big_jsonl(path: Path, size: int) -> tuple[int, int]:
    """Records of the naive texts, cycled, until ``size`` bytes; returns (records, bytes)."""
    texts = naive_texts(None)
    records = written = 0
    with open(path, "wb") as out:
        for text in _cycle(texts):
            line = (json.dumps({"id": f"doc-{records}", "text": text}, ensure_ascii=False) + "\n").encode("utf-8")
            out.write(line)
            records += 1
            written += len(line)
            if written >= size:
                break
    return records, written


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as handle:
                total += int(handle.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
        todo += children.get(pid, [])
    return total


def run_memory(args) -> None:
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    source = tmp / "big.jsonl"
    size = int(args.memory_mb * MB)
    if not source.exists() or abs(source.stat().st_size - size) > MB:
        records, written = write_big_jsonl(source, size)
    else:
        records, written = sum(1 for _ in open(source, "rb")), source.stat().st_size
    print(f"\nMemory: cleaner clean {source} ({written / MB:.0f} MB, {records} records) -o OUT --jobs 2")
    with tempfile.TemporaryDirectory(dir=tmp, prefix="out-") as out, tempfile.TemporaryFile() as errors:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "cleaner", "clean", str(source), "-o", out,
                                    "--jobs", "2", "-q"], env=env, cwd=ROOT, stderr=errors)
        peak = [0]
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss(process.pid))
                stop.wait(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        # wait4's usage of the child covers its waited-for descendants: the largest single RSS
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        poller.join()
        elapsed = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read()
    status = f"exit {process.returncode}"
    if process.returncode:
        status += ": " + stderr.decode(errors="replace").strip()[-300:]
    print(f"  {elapsed:.1f} s ({written / MB / elapsed:.2f} MB/s), {status}")
    print(f"  peak RSS of the process tree (summed, polled every 0.1 s): {peak[0] / MB:.0f} MB; "
          f"largest single process: {usage.ru_maxrss * 1024 / MB:.0f} MB; target < 600 MB")


# ---- start-up --------------------------------------------------------------------------------

def run_startup(args) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], None),
                "cleaner --help": ([sys.executable, "-m", "cleaner", "--help"], None),
                "cleaner clean - (one line of text)": ([sys.executable, "-m", "cleaner", "clean", "-"],
                                                       b"Leave a Reply\nThe news of the day, in one paragraph.\n")}
    times = {name: [] for name in commands}
    for _ in range(args.startup_runs):
        for name, (command, stdin) in commands.items():
            started = time.perf_counter()
            done = subprocess.run(command, input=stdin, capture_output=True, env=env, cwd=ROOT)
            times[name].append(time.perf_counter() - started)
            if done.returncode:
                print(f"  {name}: exit {done.returncode}: {done.stderr.decode()[-300:]}")
    print(f"\nStart-up (best / median of {args.startup_runs} runs; target < 0.5 s)")
    for name, values in times.items():
        print(f"  {name:<36} {min(values):6.3f} s / {statistics.median(values):6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts: {', '.join(PARTS)}")
    parser.add_argument("--limit", type=int, default=None, help="throughput: first N naive texts (default all; 0: the HTML track alone)")
    parser.add_argument("--html-limit", type=int, default=100, help="throughput: first N HTML pages")
    parser.add_argument("--rounds", type=int, default=3, help="throughput and jobs: rounds")
    parser.add_argument("--max-mb", type=float, default=50, help="scaling: largest document size in MB")
    parser.add_argument("--scaling-runs", type=int, default=3,
                        help="scaling: child processes per size (the least CPU time is taken)")
    parser.add_argument("--scaling-kinds", default=",".join(SCALING),
                        help=f"scaling: comma-separated documents ({', '.join(SCALING)})")
    parser.add_argument("--scaling-timeout", type=float, default=300, help="scaling: seconds per measurement")
    parser.add_argument("--jobs-limit", type=int, default=None, help="jobs: first N naive files (default all)")
    parser.add_argument("--memory-mb", type=float, default=1000, help="memory: size of the generated JSONL")
    parser.add_argument("--tmp", default=os.path.join(tempfile.gettempdir(), "cleaner-speed"),
                        help="memory: folder for the generated JSONL and the output")
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "BYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # a child of the scaling part
        print(json.dumps(measure_one(args.measure[0], int(args.measure[1]))))
        return
    if not (WCXB / "index.jsonl").exists():
        sys.exit(f"benchmark data not found: {WCXB}")
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        sys.exit(f"unknown parts: {', '.join(sorted(unknown))} (choose from {', '.join(PARTS)})")
    print(f"bench/speed.py on {os.uname().nodename}, {len(os.sched_getaffinity(0))} cores, "
          f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    runners = {"throughput": run_throughput, "scaling": run_scaling, "jobs": run_jobs,
               "memory": run_memory, "startup": run_startup}
    for part in PARTS:
        if part in parts:
            runners[part](args)


if __name__ == "__main__":
    main()
