"""The command line with good and bad inputs: clear errors, no tracebacks, nothing lost."""
from __future__ import annotations

import os
from pathlib import Path

from cleaner.cli import main
from conftest import FIXTURES, run_cli

GOOD = "A headline\nA full paragraph of body text that should come through unchanged.\n"
GOOD_OUT = "A headline\n\nA full paragraph of body text that should come through unchanged.\n"


def make_inputs(folder):
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "page.html").write_text(
        "<html><body><article><h1>Title</h1><p>" + "A real paragraph of the article. " * 5
        + "</p></article></body></html>", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "latin1.txt").write_bytes("Crème brûlée à la carte, s'il vous plaît.".encode("cp1252"))
    (folder / "huge-line.txt").write_text("word " * 400_000, encoding="utf-8")
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    return folder


def snapshot(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_folder_run_reports_bad_files_and_cleans_the_rest(tmp_path):
    inputs = make_inputs(tmp_path / "in")
    before = snapshot(inputs)
    result = run_cli("clean", str(inputs), "-o", str(tmp_path / "out"))
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "Traceback" not in err
    assert f"{inputs / 'binary.txt'}: binary data, not text" in err
    assert f"{inputs / 'empty.txt'}: empty input" in err
    assert f"{inputs / 'dangling.txt'}: cannot read" in err
    out = tmp_path / "out"
    assert (out / "good.txt").read_text() == GOOD_OUT
    assert (out / "sub" / "page.txt").read_text().startswith("Title\n\nA real paragraph")
    assert (out / "latin1.txt").read_text() == "Crème brûlée à la carte, s'il vous plaît.\n"
    assert (out / "huge-line.txt").read_text() == ("word " * 400_000).strip() + "\n"
    assert not (out / "binary.txt").exists() and not (out / "empty.txt").exists()
    assert snapshot(inputs) == before  # inputs never modified
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]


def test_unreadable_file_is_reported(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    locked = folder / "locked.txt"
    locked.write_text(GOOD)
    (folder / "ok.txt").write_text(GOOD)
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads any file, so make the read fail as it would for a user
        real_read = Path.read_bytes

        def read_bytes(self):
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    status = main(["clean", str(folder), "-o", str(tmp_path / "out")])
    assert status == 1
    assert f"{locked}: cannot read: Permission denied" in capsys.readouterr().err
    assert (tmp_path / "out" / "ok.txt").read_text() == GOOD_OUT
    assert not (tmp_path / "out" / "locked.txt").exists()


def test_missing_input_is_a_usage_error(tmp_path):
    result = run_cli("clean", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_output_is_required_for_files(tmp_path):
    result = run_cli("clean", str(FIXTURES / "seeds"))
    assert result.returncode == 2 and "-o OUTDIR" in result.stderr.decode()


def test_stdin_binary_is_refused_cleanly():
    result = run_cli("clean", "-", stdin=b"\x00\x01\x02binary\x00")
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "cleaner: <stdin>: binary data, not text (NUL bytes)"
    assert result.stdout == b""


def test_stdin_non_utf8_is_decoded():
    result = run_cli("clean", "-", stdin="Grüße aus Köln, schöne Straße.".encode("cp1252"))
    assert result.returncode == 0
    assert result.stdout.decode() == "Grüße aus Köln, schöne Straße.\n"


def test_explain_shows_rules_and_text():
    result = run_cli("explain", str(FIXTURES / "seeds" / "000_3f996f77626a4efd.txt"))
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "removed by boilerplate/comment_form: 'Leave a Reply'" in out
    assert "removed by boilerplate/repeated_short_line: 'pCloud Premium'" in out
    assert "== cleaned text" in out


def test_explain_missing_file_is_clear(tmp_path):
    result = run_cli("explain", str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "missing.txt: cannot read: No such file or directory" in result.stderr.decode()


def test_output_folder_inside_input_is_not_read_back(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD)
    for _ in range(2):
        result = run_cli("clean", str(folder), "-o", str(folder / "out"))
        assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.txt")) == ["a.txt", "out/a.txt"]


def test_help_is_readable():
    result = run_cli("--help")
    assert result.returncode == 0
    assert b"cleaner clean scraped/ -o out/" in result.stdout
    result = run_cli("clean", "--help")
    assert b"OUTDIR" in result.stdout
