"""Overhead of the cluster engines against a local run, measured side by side on this machine.

The corpus: WCXB dev pages (naive scraped text) as JSONL records (id, url, text), split into
shards.  Each engine cleans the same shards into its own folder; the wall time of each is
measured, the texts are checked to be the local run's, and the ratios to the local run printed.

- local:      one process: read the shards, clean each record with the core, run the same-site
              pass, write JSONL (what ``--engine local`` does for records);
- ray (cli):  ``cleaner clean SHARDS -o OUT --engine ray`` in a fresh process, Ray's start-up
              included (what a user waits for);
- ray (warm): ``run_ray`` in a process where Ray is already running (the pipeline alone);
- datatrove:  ``LocalPipelineExecutor`` with JsonlReader -> CleanerStep -> JsonlWriter, one task
              per shard, as many workers as CPUs (no same-site pass: a per-document step).

    nice -n 10 python bench/engines.py [--records N] [--shards K] [--cpus C]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner import CleanerConfig, sitelines  # noqa: E402
from cleaner.pipeline import explain_text  # noqa: E402

BENCH = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared")) / "bench" / "wcxb-dev"


def write_corpus(folder: Path, records: int, shards: int) -> list[Path]:
    index = [json.loads(line) for line in (BENCH / "index.jsonl").read_text().splitlines()[:records]]
    paths = [folder / f"part-{k}.jsonl" for k in range(shards)]
    handles = [p.open("w", encoding="utf-8") for p in paths]
    for i, entry in enumerate(index):
        text = (BENCH / "naive" / f"{entry['id']}.txt").read_text(encoding="utf-8")
        record = {"id": entry["id"], "url": entry["url"], "text": text}
        handles[i % shards].write(json.dumps(record, ensure_ascii=False) + "\n")
    for handle in handles:
        handle.close()
    return paths


def run_local(shards: list[Path], out: Path) -> None:
    out.mkdir(parents=True)
    files = {shard: [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()] for shard in shards}
    records = [(shard, r) for shard, rows in files.items() for r in rows]
    cleaned = [explain_text(r["text"], url=r.get("url")).text for _, r in records]
    sites = [sitelines.site_of(r.get("url"), str(shard.resolve())) for shard, r in records]
    for (_, record), (text, _) in zip(records, sitelines.site_lines_pass(zip(sites, cleaned))):
        record["text"] = text  # sites are counted over the whole corpus, as on Ray
    for shard, rows in files.items():
        (out / shard.name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                      encoding="utf-8")


def run_ray_cli(shards: list[Path], out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0"}
    result = subprocess.run([sys.executable, "-m", "cleaner", "clean", *map(str, shards), "-o", str(out),
                             "--engine", "ray", "--site-lines"], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"ray cli failed:\n{result.stderr}")


def run_datatrove(shards: list[Path], out: Path, cpus: int) -> None:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove import CleanerStep

    pipeline = [JsonlReader(str(shards[0].parent), glob_pattern="*.jsonl"), CleanerStep(keep_trace=False),
                JsonlWriter(str(out), output_filename="${rank}.jsonl", compression=None)]
    LocalPipelineExecutor(pipeline=pipeline, tasks=len(shards), workers=cpus,
                          logging_dir=str(out.parent / "dt-logs")).run()


def texts(folder: Path) -> dict[str, str]:
    found = {}
    for path in folder.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            found[record["id"]] = record.get("text", "")  # datatrove's writer drops empty fields
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1497)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cleaner-engines-"))
    try:
        (work / "in").mkdir()
        shards = write_corpus(work / "in", args.records, args.shards)
        size = sum(p.stat().st_size for p in shards)
        print(f"{args.records} records, {size / 1e6:.1f} MB in {args.shards} shards, {args.cpus} CPUs")
        timings = {}

        def timed(name, fn, *fn_args):
            start = time.perf_counter()
            fn(*fn_args)
            timings[name] = time.perf_counter() - start

        timed("local", run_local, shards, work / "local")
        reference = texts(work / "local")
        timed("ray (cli, with start-up)", run_ray_cli, shards, work / "ray-cli")

        import ray

        from cleaner.integrations.ray import init_ray
        from cleaner.integrations.ray_cli import run_ray
        init_ray(num_cpus=args.cpus)
        timed("ray (warm)", run_ray, list(map(str, shards)), work / "ray-warm", CleanerConfig(site_lines=True))
        ray.shutdown()
        timed("datatrove", run_datatrove, shards, work / "datatrove", args.cpus)

        checks = {"ray (cli, with start-up)": texts(work / "ray-cli") == reference,
                  "ray (warm)": texts(work / "ray-warm") == reference}
        records = [json.loads(line) for shard in shards for line in shard.read_text(encoding="utf-8").splitlines()]
        per_document = {r["id"]: explain_text(r["text"], url=r["url"]).text for r in records}
        checks["datatrove"] = texts(work / "datatrove") == per_document
        print(f"{'engine':28} {'seconds':>8} {'x local':>8}  same texts")
        for name, seconds in timings.items():
            same = "" if name == "local" else ("yes" if checks[name] else "NO")
            print(f"{name:28} {seconds:8.1f} {seconds / timings['local']:8.2f}  {same}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
