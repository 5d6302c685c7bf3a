"""Batch and pipeline runs with real files: formats, parallel runs, failures, resume, guards."""
from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from cleaner import Document
from cleaner.batch import DocumentTimeout, Options, clean_document, run
from cleaner.config import DEFAULT_CONFIG
from cleaner.progress import Progress
from conftest import ROOT, run_cli

RECORDS = [
    {"id": "r1", "text": "Leave a Reply\nThe news of the day, in one paragraph.", "url": "https://a.org/1", "n": 1},
    {"text": "A record without an id. It still has a sentence of prose.", "lang": "en"},
    {"id": "r3", "text": "CafÃ© menu is here, and it is good.", "tags": ["x", "y"]},  # mojibake
]
PAGE = "A headline\nA full paragraph of body text that should come through unchanged.\n"


def jsonl(records, bad_line: bytes | None = None) -> bytes:
    lines = [json.dumps(r).encode() + b"\n" for r in records]
    if bad_line is not None:
        lines.insert(1, bad_line)
    return b"".join(lines)


def read_jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "page.txt").write_text(PAGE)
    (folder / "site").mkdir()
    (folder / "site" / "article.html").write_text(
        "<html><body><nav>Home</nav><article><h1>Title</h1><p>" + "A real paragraph of the article. " * 5
        + "</p></article></body></html>")
    (folder / "notes.txt.gz").write_bytes(gzip.compress(PAGE.encode(), mtime=0))
    (folder / "shard.jsonl").write_bytes(jsonl(RECORDS, b"{not json\n"))
    (folder / "shard2.jsonl.gz").write_bytes(gzip.compress(jsonl(RECORDS)))
    (folder / "shard3.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(jsonl(RECORDS)))
    keys = list(dict.fromkeys(k for r in RECORDS for k in r))
    rows = [{k: r.get(k) for k in keys} for r in RECORDS]
    pq.write_table(pa.Table.from_pylist(rows), folder / "table.parquet", compression="zstd")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))  # not an input type: ignored
    return folder


def test_every_format_gives_its_own_kind_of_output(tmp_path):
    inputs = corpus(tmp_path / "in")
    before = snapshot(inputs)
    out = tmp_path / "out"
    result = run_cli("clean", str(inputs), "-o", str(out), "--jobs", "2", "--report-field", "cleaner")
    err = result.stderr.decode()
    assert result.returncode == 1, err  # the malformed line
    assert f"{inputs / 'shard.jsonl'}:2: not valid JSON" in err
    assert "Traceback" not in err
    assert sorted(snapshot(out)) == ["notes.txt.gz", "page.txt", "shard.jsonl", "shard2.jsonl.gz",
                                     "shard3.jsonl.zst", "site/article.txt", "table.parquet"]
    assert (out / "page.txt").read_text() == "A headline\n\nA full paragraph of body text that should come through unchanged.\n"
    assert gzip.decompress((out / "notes.txt.gz").read_bytes()) == (out / "page.txt").read_bytes()
    assert (out / "site" / "article.txt").read_text().startswith("Title\n\nA real paragraph")
    plain = read_jsonl((out / "shard.jsonl").read_bytes())
    assert [r["id"] for r in plain] == ["r1", f"{inputs / 'shard.jsonl'}:3", "r3"]
    assert plain[0] == {"id": "r1", "text": "The news of the day, in one paragraph.\n", "url": "https://a.org/1",
                        "n": 1, "cleaner": {"changes": {"boilerplate/comment_form": 1}}}
    assert plain[1]["lang"] == "en" and plain[2]["tags"] == ["x", "y"]
    assert plain[2]["text"] == "Café menu is here, and it is good.\n"
    gz = read_jsonl(gzip.decompress((out / "shard2.jsonl.gz").read_bytes()))
    zst = read_jsonl(zstandard.ZstdDecompressor().stream_reader((out / "shard3.jsonl.zst").read_bytes()).read())
    assert [r["text"] for r in gz] == [r["text"] for r in zst] == [r["text"] for r in plain]
    table = pq.read_table(out / "table.parquet")
    assert pq.ParquetFile(out / "table.parquet").metadata.row_group(0).column(0).compression == "ZSTD"
    rows = table.to_pylist()
    assert [r["text"] for r in rows] == [r["text"] for r in plain]
    assert rows[1]["id"] == f"{inputs / 'table.parquet'}:2" and rows[1]["lang"] == "en"
    assert json.loads(rows[0]["cleaner"]) == {"changes": {"boilerplate/comment_form": 1}}
    assert snapshot(inputs) == before  # inputs never modified


def test_text_field_report_file_and_globs(tmp_path):
    folder = tmp_path / "in"
    (folder / "skip").mkdir(parents=True)
    (folder / "a.jsonl").write_bytes(jsonl([{"body": r["text"], "id": r.get("id")} for r in RECORDS]))
    (folder / "skip" / "b.jsonl").write_bytes(jsonl([{"body": "x"}]))
    (folder / "c.txt").write_text(PAGE)
    report = tmp_path / "report.jsonl"
    result = run_cli("clean", str(folder), "-o", str(tmp_path / "out"), "--text-field", "body",
                     "--include", "*.jsonl", "--exclude", "skip/*", "--report", str(report), "-j", "1")
    assert result.returncode == 0, result.stderr
    assert sorted(snapshot(tmp_path / "out")) == ["a.jsonl"]
    records = read_jsonl((tmp_path / "out" / "a.jsonl").read_bytes())
    assert records[0]["body"] == "The news of the day, in one paragraph.\n"
    assert records[1]["id"] == f"{folder / 'a.jsonl'}:2"  # null id replaced by path:line
    lines = read_jsonl(report.read_bytes())
    assert [line["id"] for line in lines] == ["r1", f"{folder / 'a.jsonl'}:2", "r3"]
    assert lines[0]["changes"][0] == {"stage": "boilerplate", "rule": "comment_form", "before": "Leave a Reply",
                                      "after": "", "line": 1}
    assert lines[2]["changes"][0]["stage"] == "repair"


def test_stdin_jsonl_pipeline_and_stdout_output(tmp_path):
    data = zstandard.ZstdCompressor().compress(jsonl(RECORDS, b"[1, 2]\n"))
    # zstdcat x.jsonl.zst | cleaner clean --jsonl - | zstd
    plain = zstandard.ZstdDecompressor().stream_reader(data).read()
    result = run_cli("clean", "--jsonl", "-", "-j", "2", stdin=plain)
    assert result.returncode == 1
    assert "<stdin>:2: not a JSON object but list" in result.stderr.decode()
    out = read_jsonl(result.stdout)
    assert [r["id"] for r in out] == ["r1", "<stdin>:3", "r3"]
    assert out[0]["text"] == "The news of the day, in one paragraph.\n" and out[0]["n"] == 1
    # files to stdout: one JSON line per document, in input order
    inputs = corpus(tmp_path / "in")
    result = run_cli("clean", str(inputs / "page.txt"), str(inputs / "shard2.jsonl.gz"), "-o", "-", "-q")
    assert result.returncode == 0, result.stderr
    out = read_jsonl(result.stdout)
    assert [r["id"] for r in out] == [str(inputs / "page.txt"), "r1", f"{inputs / 'shard2.jsonl.gz'}:2", "r3"]


def test_bad_documents_are_reported_with_path_line_and_reason(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "deep.html").write_text("<div>" * 50_000 + "text" + "</div>" * 50_000)
    (folder / "big.jsonl").write_bytes(jsonl([{"id": "big", "text": "word " * 500_000}, {"id": "ok", "text": "Fine text."}]))
    (folder / "bad-utf8.jsonl").write_bytes(b'{"id": "x", "text": "caf\xe9"}\n')
    (folder / "bomb.jsonl.gz").write_bytes(gzip.compress(b'{"text": "' + b"a" * 30_000_000 + b'"}\n'))
    (folder / "good.txt").write_text(PAGE)
    (folder / "surrogate.jsonl").write_bytes(b'{"id": "s", "text": "half a pair \\ud800 of surrogates."}\n')
    config = tmp_path / "cleaner.toml"
    config.write_text("max_bytes = 2000000\nmax_inflate_ratio = 50\n")
    result = run_cli("clean", str(folder), "-o", str(tmp_path / "out"), "--config", str(config))
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "Traceback" not in err
    assert f"{folder / 'binary.txt'}: binary data, not text" in err
    assert f"{folder / 'big.jsonl'}:1: line longer than 2000000 bytes" in err
    assert f"{folder / 'bad-utf8.jsonl'}:1: not UTF-8 at byte" in err
    assert f"{folder / 'bomb.jsonl.gz'}: inflates past" in err and "decompression bomb" in err
    assert "4 failed" in err
    out = tmp_path / "out"
    assert (out / "good.txt").exists() and (out / "deep.txt").exists()
    assert [r["id"] for r in read_jsonl((out / "big.jsonl").read_bytes())] == ["ok"]
    assert read_jsonl((out / "surrogate.jsonl").read_bytes())[0]["text"] == "half a pair \ud800 of surrogates.\n"
    assert not (out / "bomb.jsonl.gz").exists() and not (out / "binary.txt").exists()


def test_time_guard_stops_a_slow_document(tmp_path):
    slow = Document("A sentence of plain prose in a long document.\n" * 40_000, "slow")
    with pytest.raises(DocumentTimeout, match="took longer than 0.01 s"):
        clean_document(slow, DEFAULT_CONFIG._replace(time_limit=0.01))
    folder = tmp_path / "in"
    folder.mkdir()
    # In the CLI, a limit the short page meets even on a loaded machine, and a document far
    # beyond it (several seconds of work).
    (folder / "slow.txt").write_text(slow.text * 10)
    (folder / "fast.txt").write_text(PAGE)
    result = run_cli("clean", str(folder), "-o", str(tmp_path / "out"), "--time-limit", "1", "-j", "2")
    assert result.returncode == 1
    assert f"{folder / 'slow.txt'}: took longer than 1 s (time_limit)" in result.stderr.decode()
    assert sorted(snapshot(tmp_path / "out")) == ["fast.txt"]


def test_links_loops_escapes_and_overlaps_are_safe(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text(PAGE)
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)  # a link loop
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to(outside, target_is_directory=True)  # would lead writes out of out/
    result = run_cli("clean", str(folder), "-o", str(out), timeout=60)
    assert result.returncode == 1
    assert "would leave the output folder" in result.stderr.decode()
    assert list(outside.iterdir()) == []
    # the output folder may not be the input folder, and one inside it is never read back
    result = run_cli("clean", str(folder), "-o", str(folder))
    assert result.returncode == 2 and "is the input folder" in result.stderr.decode()
    result = run_cli("clean", str(folder / "sub"), "-o", str(folder / "sub" / "out"))
    assert result.returncode == 0
    result = run_cli("clean", str(folder / "sub"), "-o", str(folder / "sub" / "out"))
    assert sorted(snapshot(folder / "sub")) == ["a.txt", "out/a.txt"]


def test_parallel_runs_and_site_lines_are_deterministic(tmp_path):
    folder = tmp_path / "in"
    for site in ("s1", "s2"):
        (folder / site).mkdir(parents=True)
        for i in range(8):
            (folder / site / f"p{i}.txt").write_text(
                f"Home\nArticle {i} of {site} is about a subject of its own, told in one sentence.\n"
                f"Shared footer line of {site}\n")
    records = [{"id": str(i), "url": f"https://news.example/{i}",
                "text": f"Top stories\nStory {i} reports one distinct fact at length."} for i in range(6)]
    (folder / "feed.jsonl").write_bytes(jsonl(records))
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}"
        result = run_cli("clean", str(folder), "-o", str(out), "--site-lines", "-j", str(jobs))
        assert result.returncode == 0, result.stderr
        outputs.append(snapshot(out))
    first = outputs[0]
    assert first["s1/p3.txt"] == b"Article 3 of s1 is about a subject of its own, told in one sentence.\n"
    assert [r["text"] for r in read_jsonl(first["feed.jsonl"])][2] == "Story 2 reports one distinct fact at length.\n"
    assert outputs[1] == first
    # the same documents given in another order, streamed to stdout: the same texts
    result = run_cli("clean", str(folder / "feed.jsonl"), str(folder / "s2"), str(folder / "s1"), "-o", "-",
                     "--site-lines", "-j", "2")
    streamed = {r["id"]: r["text"].encode() for r in read_jsonl(result.stdout)}
    assert streamed[str(folder / "s1" / "p3.txt")] == first["s1/p3.txt"]
    assert streamed["2"] == b"Story 2 reports one distinct fact at length.\n"
    # without --site-lines the shared lines stay
    result = run_cli("clean", str(folder / "s1"), "-o", str(tmp_path / "plain"), "-j", "2")
    assert b"Shared footer line of s1" in (tmp_path / "plain" / "p3.txt").read_bytes()


def test_config_from_pyproject_enables_site_lines(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"p{i}.txt").write_text(f"Sitewide banner text\nPage {i} has its own sentence of prose.\n")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.cleaner]\nsite_lines = true\nsite_line_min_documents = 3\nsite_line_min_share = 0.9\n")
    result = run_cli("clean", "in", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "p1.txt").read_text() == "Page 1 has its own sentence of prose.\n"
    assert "site_repeated_line 3" in result.stderr.decode()


def test_progress_lines_when_not_a_terminal(tmp_path):
    folder = corpus(tmp_path / "in")
    result = run_cli("clean", str(folder), "-o", str(tmp_path / "out"), "--progress-every", "0", "-j", "1")
    lines = [line for line in result.stderr.decode().splitlines() if line.startswith("cleaner: progress:")]
    assert len(lines) >= 5
    assert "files 7/7" in lines[-1] and "ETA" in lines[-1] and "documents" in lines[-1]


def test_progress_bar_renders_on_a_terminal():
    class Terminal:
        def __init__(self):
            self.text = ""

        def write(self, text):
            self.text += text

        def flush(self):
            pass

        def isatty(self):
            return True

    terminal = Terminal()
    progress = Progress(4, 4000, stream=terminal)
    progress.every = 0
    progress.update(files=2, documents=2, bytes=2000)
    assert terminal.text.startswith("\r[############............]  50%, files 2/4, 2 documents, 2.0 kB")
    progress.clear()
    assert terminal.text.endswith("\r\x1b[K")


def test_library_run_matches_jobs(tmp_path):
    folder = corpus(tmp_path / "in")
    one = run([str(folder)], tmp_path / "one", Options(), jobs=1)
    two = run([str(folder)], tmp_path / "two", Options(), jobs=2)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    assert (one.documents, one.failed, one.removals) == (two.documents, two.failed, two.removals) == \
        (one.documents, 1, one.removals)


def many_files(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        lines = [f"Heading number {i}", "Share this article", "Leave a Reply"]
        lines += [f"Paragraph {j} of document {i} carries a sentence of ordinary prose." for j in range(300)]
        (folder / f"doc{i:03d}.txt").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_interrupted_run_leaves_no_partial_file_and_resume_completes_it(tmp_path, stop):
    # Enough files that a loaded machine still sees the signal mid-way through the run.
    folder = many_files(tmp_path / "in", 400)
    full = tmp_path / "full"
    assert run_cli("clean", str(folder), "-o", str(full), "-j", "2", "-q").returncode == 0
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # A shell starts its background jobs with Ctrl-C ignored, and a process keeps that (a run
    # under nohup or `&` is not stopped by it); the run here gets Ctrl-C as from a terminal.
    process = subprocess.Popen([sys.executable, "-m", "cleaner", "clean", str(folder), "-o", str(out), "-j", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("doc*.txt"))) < 10:
        time.sleep(0.01)
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert b"interrupted" in err and b"Traceback" not in err
    done = sorted(p.name for p in out.iterdir())
    assert 10 <= len(done) < 400, "the run was not interrupted mid-way"
    assert all(not name.startswith(".") for name in done)  # no temporary files left
    for name in done:  # every output present is complete
        assert (out / name).read_bytes() == (full / name).read_bytes()
    result = run_cli("clean", str(folder), "-o", str(out), "-j", "2", "--resume")
    assert result.returncode == 0, result.stderr
    assert f"{len(done)} files already done (--resume)".encode() in result.stderr
    assert snapshot(out) == snapshot(full)


def test_resume_removes_temporary_files_of_a_killed_run(tmp_path):
    folder = many_files(tmp_path / "in", 3)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".doc001.txt.x1y2.part").write_text("half a docu")
    (out / "doc000.txt").write_text("kept as done")
    result = run_cli("clean", str(folder), "-o", str(out), "--resume")
    assert result.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == ["doc000.txt", "doc001.txt", "doc002.txt"]
    assert (out / "doc000.txt").read_text() == "kept as done"


def test_a_file_named_explicitly_is_cleaned_whatever_its_suffix(tmp_path):
    page = tmp_path / "page.php"
    page.write_text(PAGE)
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "notes.md").write_text(PAGE)  # in a folder, unknown types are skipped
    result = run_cli("clean", str(page), str(tmp_path / "dir"), "-o", str(tmp_path / "out"), "-j", "1")
    assert result.returncode == 0, result.stderr
    assert sorted(snapshot(tmp_path / "out")) == ["page.php"]
