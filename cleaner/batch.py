"""Batch runs: find input files, clean each, write outputs, and account for every failure.

One bad document never stops a run: its path and the reason are collected in the
:class:`Summary`, and the caller turns that into the exit status.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT_CONFIG, CleanerConfig
from .decode import DecodeError, decode
from .extract import ExtractError
from .pipeline import InputTooLargeError, explain_text
from .write import write_atomic

HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt", ".text", "") + HTML_SUFFIXES


class UsageError(ValueError):
    """Arguments that cannot work (missing input, output inside input, …)."""


@dataclass
class Failure:
    path: str
    reason: str


@dataclass
class Summary:
    documents: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    removals: Counter = field(default_factory=Counter)
    repairs: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def add_changes(self, changes) -> None:
        for change in changes:
            if change.stage == "boilerplate":
                self.removals[change.rule] += 1
            elif change.stage == "repair":
                self.repairs[change.rule] += 1

    def lines(self) -> list[str]:
        out = [f"{self.documents} documents cleaned, {self.bytes_in} bytes in, {self.bytes_out} bytes out, "
               f"{len(self.failures)} failed"]
        if self.removals:
            out.append("removed: " + ", ".join(f"{rule} {n}" for rule, n in self.removals.most_common()))
        if self.repairs:
            out.append("repaired: " + ", ".join(f"{rule} {n}" for rule, n in self.repairs.most_common()))
        out += [f"failed: {failure.path}: {failure.reason}" for failure in self.failures]
        return out


@dataclass(frozen=True)
class Job:
    source: Path        # the input file
    target: Path        # where its cleaned text goes


def plan_jobs(inputs: list[str], outdir: str | Path, summary: Summary) -> Iterator[Job]:
    """One job per input file; folders are walked recursively (links to folders are not
    followed, so link loops cannot trap the walk).  Problems with an input become failures."""
    out_root = Path(outdir).resolve()
    claimed: dict[Path, Path] = {}
    for given in inputs:
        root = Path(given)
        if not root.exists():
            summary.failures.append(Failure(given, "no such file or folder"))
            continue
        if root.is_dir():
            # an output folder inside this input folder is skipped by the walk
            files = _walk(root, out_root, summary)
            pairs = ((path, path.relative_to(root)) for path in files)
        else:
            pairs = iter([(root, Path(root.name))])
        for path, relative in pairs:
            target = out_root / output_name(relative)
            if target in claimed:
                summary.failures.append(Failure(str(path), f"output {target} is already produced by {claimed[target]}"))
                continue
            claimed[target] = path
            yield Job(path, target)


def _walk(root: Path, out_root: Path, summary: Summary) -> Iterator[Path]:
    def on_error(error: OSError) -> None:
        summary.failures.append(Failure(str(error.filename), f"cannot list folder: {error.strerror}"))

    for folder, subfolders, files in os.walk(root, onerror=on_error):
        here = Path(folder)
        subfolders[:] = sorted(d for d in subfolders
                               if (here / d).resolve() != out_root and not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in TEXT_SUFFIXES:
                yield here / name


def output_name(relative: Path) -> Path:
    """The output path for an input's relative path: HTML pages become ``.txt`` files.

    >>> str(output_name(Path("news/page.html")))
    'news/page.txt'
    >>> str(output_name(Path("a.txt")))
    'a.txt'
    """
    if relative.suffix.lower() in HTML_SUFFIXES:
        return relative.with_suffix(".txt")
    return relative


def format_for(path: Path) -> str:
    return "html" if path.suffix.lower() in HTML_SUFFIXES else "auto"


def clean_bytes(data: bytes, *, source: str, format: str = "auto", config: CleanerConfig = DEFAULT_CONFIG):
    """Decode and clean one document's bytes; errors carry ``source`` in their message."""
    if not data.strip():
        raise DecodeError(f"{source}: empty input, nothing to clean")
    if len(data) > config.max_bytes:
        raise InputTooLargeError(f"{source}: {len(data)} bytes, over the limit of {config.max_bytes}")
    text = decode(data, source=source).text
    return explain_text(text, format=format, config=config)


def run_files(inputs: list[str], outdir: str | Path, config: CleanerConfig = DEFAULT_CONFIG,
              format: str | None = None) -> Summary:
    """Clean every input file into ``outdir``, mirroring relative paths.  ``format`` forces
    one input format; by default .html/.htm files are HTML and others are detected."""
    summary = Summary()
    for job in plan_jobs(inputs, outdir, summary):
        try:
            data = job.source.read_bytes()
        except OSError as error:
            summary.failures.append(Failure(str(job.source), f"cannot read: {error.strerror or error}"))
            continue
        try:
            result = clean_bytes(data, source=str(job.source), format=format or format_for(job.source), config=config)
        except (DecodeError, ExtractError, InputTooLargeError) as error:
            summary.failures.append(Failure(str(job.source), _reason(error, str(job.source))))
            continue
        try:
            write_atomic(job.target, result.text)
        except OSError as error:
            summary.failures.append(Failure(str(job.source), f"cannot write {job.target}: {error.strerror or error}"))
            continue
        summary.documents += 1
        summary.bytes_in += len(data)
        summary.bytes_out += len(result.text.encode("utf-8"))
        summary.add_changes(result.changes)
    return summary


def _reason(error: Exception, source: str) -> str:
    message = str(error)
    prefix = f"{source}: "
    return message[len(prefix):] if message.startswith(prefix) else message
