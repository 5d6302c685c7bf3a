"""Parallel speed-up of batch runs: the real CLI with --jobs 1 and --jobs N, side by side.

Cleans the wcxb-dev naive texts (../shared/bench/wcxb-dev/naive) into temporary folders, runs
each setting ``--rounds`` times, alternating, and prints the best wall time of each and the
ratio.  On a shared machine the cores are not all ours, so each round also measures the same
ratio for a pure CPU-bound loop (1 process vs N), the most any program could gain at that
moment.  Run with ``nice -n 10`` on a shared machine:

    nice -n 10 python bench/parallel.py --jobs 2 --rounds 2
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "wcxb-dev" / "naive"


def timed_run(data: Path, jobs: int, limit: int | None) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory(prefix="cleaner-bench-") as out:
        command = [sys.executable, "-m", "cleaner", "clean", str(data), "-o", out, "--jobs", str(jobs), "-q"]
        if limit:
            # a fixed subset: the first LIMIT files in sorted order
            names = sorted(os.listdir(data))[:limit]
            command += [arg for name in names for arg in ("--include", name)]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env, cwd=ROOT)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return elapsed, cpu, done.stderr.decode().splitlines()[0] if done.stderr else f"exit {done.returncode}"


def _burn(_: int) -> int:
    total = 0
    for i in range(3_000_000):
        total += i
    return total


def capacity(jobs: int, tasks: int = 8) -> float:
    """Wall-time ratio of a CPU-bound loop run in 1 process vs ``jobs`` processes."""
    import multiprocessing

    times = []
    for n in (1, jobs):
        started = time.perf_counter()
        with multiprocessing.Pool(n) as pool:
            pool.map(_burn, range(tasks))
        times.append(time.perf_counter() - started)
    return times[0] / times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--jobs", type=int, default=2, help="the parallel setting compared with --jobs 1")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the first N files (sorted)")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"data not found: {args.data}")
    best = {1: float("inf"), args.jobs: float("inf")}
    ratios, capacities = [], []
    for round_number in range(1, args.rounds + 1):
        elapsed = {}
        for jobs in (1, args.jobs):
            elapsed[jobs], cpu, summary = timed_run(args.data, jobs, args.limit)
            best[jobs] = min(best[jobs], elapsed[jobs])
            print(f"round {round_number} --jobs {jobs}: {elapsed[jobs]:.2f} s wall, {cpu:.2f} s CPU "
                  f"(all processes) ({summary})", flush=True)
        ratios.append(elapsed[1] / elapsed[args.jobs])
        capacities.append(capacity(args.jobs))
        print(f"round {round_number}: speed-up {ratios[-1]:.2f}x; machine capacity now: a CPU-bound loop "
              f"gains {capacities[-1]:.2f}x with {args.jobs} processes", flush=True)
    print(f"cores available: {len(os.sched_getaffinity(0))}")
    print(f"best --jobs 1: {best[1]:.2f} s, best --jobs {args.jobs}: {best[args.jobs]:.2f} s, "
          f"ratio of bests {best[1] / best[args.jobs]:.2f}x")
    print(f"median speed-up of side-by-side pairs: {statistics.median(ratios):.2f}x "
          f"(machine capacity median {statistics.median(capacities):.2f}x)")


if __name__ == "__main__":
    main()
