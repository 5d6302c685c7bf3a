"""Cluster engines: Ray Data and datatrove give the local run's texts, record by record, and a
bad record or a crashed worker loses nothing else.

Ray starts once for this module (2 CPUs, no dashboard); the CLI test starts its own instance,
as a user's run does.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, run_cli, shared_path

from cleaner import CleanerConfig, sitelines
from cleaner.pipeline import explain_text

ray = pytest.importorskip("ray") if not os.environ.get("CI") else __import__("ray")
RECORDS = 240


@pytest.fixture(scope="module")
def records_file(tmp_path_factory) -> Path:
    """Real scraped pages (WCXB naive text) as JSONL records: id, url, text, page_type."""
    bench = shared_path("bench", "wcxb-dev")
    index = [json.loads(line) for line in (bench / "index.jsonl").read_text().splitlines()[:RECORDS]]
    path = tmp_path_factory.mktemp("records") / "recs.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for entry in index:
            text = (bench / "naive" / f"{entry['id']}.txt").read_text(encoding="utf-8")
            record = {"id": entry["id"], "url": entry["url"], "text": text, "page_type": entry["page_type"]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def local_texts(records: list[dict], source: Path) -> list[str]:
    """The local run's texts: the per-record core, then the same-site pass in one process."""
    cleaned = [explain_text(r["text"], url=r.get("url")).text for r in records]
    sites = [sitelines.site_of(r.get("url"), str(source.resolve())) for r in records]
    return [text for text, _ in sitelines.site_lines_pass(zip(sites, cleaned))]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def ray_session():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="WARNING")
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def test_text_path_imports_no_engine():
    code = ("import sys, cleaner; cleaner.clean('x', format='text'); "
            "print(sorted(m for m in ('ray', 'datatrove', 'trafilatura') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_ray_run_gives_local_texts(ray_session, records_file, tmp_path):
    from cleaner.integrations.ray_cli import run_ray

    summary = run_ray([str(records_file)], tmp_path / "out", CleanerConfig(site_lines=True))
    assert summary.failures == []
    source, output = read_jsonl(records_file), read_jsonl(tmp_path / "out" / "recs.jsonl")
    assert summary.documents == len(output) == len(source) == RECORDS
    expected = local_texts(source, records_file)
    for before, after, text in zip(source, output, expected):
        assert after["id"] == before["id"]
        assert after["text"] == text, before["id"]
        assert {k: v for k, v in after.items() if k != "text"} == {k: v for k, v in before.items() if k != "text"}


def _site_corpus() -> list[dict]:
    footer = ["Harbour Town Gazette, 12 Quay Street", "The Gazette is printed on Tuesdays."]
    rows = []
    for i in range(8):
        body = f"Story number {i} tells what happened in the town on day {i}, in full sentences."
        extra = ["Letters to the editor"] if i < 3 else []  # in 3 of 8 documents: kept
        rows.append({"id": f"a{i}", "url": f"https://news.example/{i}", "text": "\n".join([body, *extra, *footer])})
    for i in range(2):  # a small site: nothing reaches the thresholds
        rows.append({"id": f"b{i}", "url": f"https://blog.example/{i}",
                     "text": f"Post {i} is a short note about gardens.\nThe Gazette is printed on Tuesdays."})
    return rows


def test_site_lines_are_counted_across_workers(ray_session):
    from cleaner.integrations.ray import CleanBatch, remove_site_lines

    rows = _site_corpus()
    expected = local_texts(rows, Path("corpus.jsonl"))
    assert sum("printed on Tuesdays" in text for text in expected) == 2  # removed on the big site only
    assert sum("Letters to the editor" in text for text in expected) == 3
    for blocks in (5,):
        ds = ray.data.from_items(rows, override_num_blocks=blocks)
        ds = ds.map_batches(CleanBatch, compute=ray.data.ActorPoolStrategy(min_size=1, max_size=2),
                            batch_size=3)
        out = {row["id"]: row for row in remove_site_lines(ds).take_all()}
        assert [out[r["id"]]["text"] for r in rows] == expected
        trace = json.loads(out["a0"]["cleaner_trace"])
        assert {c["before"] for c in trace if c["rule"] == "site_repeated_line"} == {
            "Harbour Town Gazette, 12 Quay Street", "The Gazette is printed on Tuesdays."}


def _crashing_transform(marker: Path):
    """A CleanBatch whose worker process exits (os._exit) at its first record while ``marker``
    exists; the marker is removed first, so the retried task succeeds."""
    from cleaner.integrations.ray import CleanBatch

    class CrashingCleanBatch(CleanBatch):
        def _before_record(self, value) -> None:
            try:
                os.unlink(marker)
            except FileNotFoundError:
                return
            os._exit(1)

    return CrashingCleanBatch


def test_bad_records_and_a_crashed_worker_lose_nothing_else(ray_session, records_file, tmp_path):
    """Malformed records are reported with their line and left out; a worker process that dies
    mid-batch is replaced and its task retried, so every good record is written, in order."""
    import cloudpickle

    from cleaner.integrations.ray_cli import run_ray

    good = records_file.read_text(encoding="utf-8").splitlines()[:12]
    lines = [good[0], json.dumps({"id": "n", "text": 42}), "{not json", good[1],
             json.dumps({"id": "m", "body": "no text field"}), good[2], json.dumps(["a", "list"]), *good[3:]]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    marker = tmp_path / "crash-once"
    marker.touch()
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    summary = run_ray([str(tmp_path / "in")], tmp_path / "out", transform=_crashing_transform(marker))
    assert not marker.exists()  # a worker did exit
    assert [(Path(f.path).name, f.reason.split(":")[0]) for f in summary.failures] == [
        ("mixed.jsonl:2", "text field is int, not a string"), ("mixed.jsonl:3", "not a JSON record"),
        ("mixed.jsonl:5", "no 'text' field"), ("mixed.jsonl:7", "not a JSON object but list")]
    source = [json.loads(line) for line in good]
    written = read_jsonl(tmp_path / "out" / "mixed.jsonl")
    assert [r["id"] for r in written] == [r["id"] for r in source]
    assert [r["text"] for r in written] == [explain_text(r["text"], url=r["url"]).text for r in source]


def test_cli_engine_ray(records_file, tmp_path):
    """The command line as a user runs it: a local Ray instance, the local layout (JSONL, gzip
    JSONL and Parquet), exit 1 and a report for a bad record and a corrupt file, the rest written."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "in" / "sub").mkdir(parents=True)
    head = records_file.read_text(encoding="utf-8").splitlines(True)[:24]
    (tmp_path / "in" / "sub" / "a.jsonl").write_text("".join(head[:10] + ['{"id": "bad", "text": null}\n']))
    (tmp_path / "in" / "b.jsonl.gz").write_bytes(gzip.compress("".join(head[10:18]).encode("utf-8")))
    pq.write_table(pa.Table.from_pylist([json.loads(line) for line in head[18:]]), tmp_path / "in" / "c.parquet")
    (tmp_path / "in" / "d.jsonl.gz").write_bytes(b"not gzip at all")
    result = run_cli("clean", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--engine", "ray",
                     cwd=tmp_path, timeout=240)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert "a.jsonl:11: text field is NoneType, not a string" in stderr
    assert "d.jsonl.gz: cannot read: BadGzipFile" in stderr
    assert not (tmp_path / "out" / "d.jsonl.gz").exists()
    outputs = {"sub/a.jsonl": read_jsonl(tmp_path / "out" / "sub" / "a.jsonl"),
               "b.jsonl.gz": [json.loads(line) for line in
                              gzip.decompress((tmp_path / "out" / "b.jsonl.gz").read_bytes()).splitlines()],
               "c.parquet": pq.read_table(tmp_path / "out" / "c.parquet").to_pylist()}
    for (relative, written), rows in zip(outputs.items(), (head[:10], head[10:18], head[18:])):
        source = [json.loads(line) for line in rows]
        assert [r["id"] for r in written] == [r["id"] for r in source]
        # without --site-lines the Ray run, like the local one, does not run the same-site pass
        assert [r["text"] for r in written] == [explain_text(r["text"], url=r["url"]).text for r in source]


def test_datatrove_pipeline_gives_local_texts(records_file, tmp_path):
    pytest.importorskip("datatrove") if not os.environ.get("CI") else None
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove import CleanerStep

    source = read_jsonl(records_file)
    (tmp_path / "in").mkdir()
    # datatrove's reader itself needs string texts; a record whose cleaning raises is the bad one
    bad = {"id": "huge", "text": "word " * 60_000, "url": "https://x.example/"}
    (tmp_path / "in" / "recs.jsonl").write_text(
        records_file.read_text(encoding="utf-8") + json.dumps(bad) + "\n", encoding="utf-8")
    pipeline = [JsonlReader(str(tmp_path / "in")),
                CleanerStep(CleanerConfig(max_bytes=200_000), error_writer=JsonlWriter(str(tmp_path / "errors"), compression=None)),
                JsonlWriter(str(tmp_path / "out"), compression=None)]
    LocalPipelineExecutor(pipeline=pipeline, tasks=1, logging_dir=str(tmp_path / "logs")).run()
    written = read_jsonl(tmp_path / "out" / "00000.jsonl")
    assert [d["id"] for d in written] == [r["id"] for r in source]
    for record, document in zip(source, written):
        local = explain_text(record["text"], url=record["url"])
        assert document["text"] == local.text, record["id"]
        assert len(document["metadata"]["cleaner"]) == len(local.changes)
    errors = read_jsonl(tmp_path / "errors" / "00000.jsonl")
    assert [(d["id"], d["metadata"]["cleaner_error"].split(":")[0]) for d in errors] == [
        ("huge", "InputTooLargeError")]
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    step = next(s for s in stats if "cleaner" in s["name"])
    assert (step["stats"]["cleaned"], step["stats"]["failed"]) == (len(source), 1)


def _two_engine_corpus(root: Path) -> None:
    """JSONL files in two folders: records of two sites (by url) and records without a url.
    Each site's template line is in every one of its documents; "Archive notice" is in 3
    url-less documents of each folder, so it is removed only if the folders were one site."""
    def record(name: str, url: str | None, lines: list[str]) -> str:
        fields = {"id": name, "text": "\n".join(lines)}
        if url:
            fields["url"] = url
        return json.dumps(fields) + "\n"

    def story(name: str) -> str:
        return f"Report {name} describes a separate event in the valley, with its own details."

    files: dict[str, list[str]] = {"a/one.jsonl": [], "a/two.jsonl": [], "b/three.jsonl": []}
    for i in range(7):  # one site, spread over all three files
        files[list(files)[i % 3]].append(record(f"n{i}", f"https://news.example/{i}",
                                                [story(f"n{i}"), "Valley News, 3 Mill Road"]))
    for i in range(5):
        files["b/three.jsonl"].append(record(f"m{i}", f"https://market.example/p/{i}",
                                             [story(f"m{i}"), "Market hours: 8 to 18"]))
    for folder, names in (("a", ("a/one.jsonl", "a/two.jsonl")), ("b", ("b/three.jsonl",))):
        for i in range(6):  # url-less: the folder is the site; folder a's spread over two files
            lines = [story(f"{folder}{i}"), f"Folder {folder} footer"]
            files[names[i % len(names)]].append(record(f"{folder}{i}", None, lines + (["Archive notice"] if i < 3 else [])))
    for name, lines in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("".join(lines), encoding="utf-8")


def test_local_and_ray_runs_agree_on_site_lines(ray_session, tmp_path, capsys):
    """`cleaner clean IN -o OUT --site-lines` with --jobs 1, --jobs 2 and --engine ray writes
    the same files: one implementation of the pass, and one notion of a folder as a site (the
    local runs name the input relatively, the Ray run absolutely)."""
    from cleaner.cli import main

    _two_engine_corpus(tmp_path / "in")
    outputs, removed = [], []
    for jobs in ("1", "2"):
        result = run_cli("clean", "in", "-o", f"out-{jobs}", "--site-lines", "--jobs", jobs, "-q", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        outputs.append(tmp_path / f"out-{jobs}")
        removed.append([line for line in result.stderr.decode().splitlines() if "removed:" in line])
    assert main(["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out-ray"), "--engine", "ray",
                 "--site-lines"]) == 0  # joins the module's Ray instance
    outputs.append(tmp_path / "out-ray")
    removed.append([line for line in capsys.readouterr().err.splitlines() if "removed:" in line])
    names = ["a/one.jsonl", "a/two.jsonl", "b/three.jsonl"]
    for out in outputs:
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == names
    for name in names:
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes() == (outputs[2] / name).read_bytes(), name
    assert removed[0] == removed[1] == removed[2] and removed[0] == ["cleaner: removed: site_repeated_line 24"]  # 7 + 5 + 6 + 6 footers
    texts = {r["id"]: r["text"] for name in names for r in read_jsonl(outputs[2] / name)}
    assert texts["n4"] == "Report n4 describes a separate event in the valley, with its own details.\n"
    assert texts["m0"] == "Report m0 describes a separate event in the valley, with its own details.\n"
    assert texts["a1"] == "Report a1 describes a separate event in the valley, with its own details.\n\nArchive notice\n"
    assert texts["b0"].endswith("\n\nArchive notice\n") and "footer" not in texts["b0"]


def test_engine_options_are_checked(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "Some text."}\n')
    for args, message in ((["--ray-address", "127.0.0.1:6379"], "--ray-address needs --engine ray"),
                          (["--engine", "ray", "--resume"], "--resume not available with --engine ray"),
                          (["--engine", "ray", "--include", "*.jsonl", "--id-field", "key"],
                           "--include, --id-field not available with --engine ray")):
        result = run_cli("clean", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "out"), *args)
        assert result.returncode == 2 and message in result.stderr.decode(), result.stderr
    assert not (tmp_path / "out").exists()
