"""Batch runs: find inputs, clean them in a process pool, write outputs, account for everything.

The unit of work is one input file (a text or HTML page, a JSONL or Parquet shard): a worker
reads it as a stream of documents, cleans each with :func:`clean_document`, and writes the output
file atomically.  Work is handed to the pool a few files at a time (:func:`bounded_map`), so
memory stays bounded whatever the size of the corpus.  Results come back in input order, which
keeps stdout streams and reports deterministic.

One bad document never stops a run: its path, line and reason are collected in the
:class:`Summary`, and the caller turns that into the exit status.  Every document is guarded by
size (``max_bytes``) and time (``time_limit``).
"""
from __future__ import annotations

import fnmatch
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from . import sitelines
from .config import DEFAULT_CONFIG, CleanerConfig
from .decode import DecodeError, decode
from .document import Document
from .extract import ExtractError
from .pipeline import InputTooLargeError, explain_text
from .progress import Progress
from .readers import (COMPRESSIONS, RECORD_KINDS, InflateLimitError, RecordError, classify, open_input,
                      numbered_lines, parse_record, read_jsonl, read_limited, read_parquet)
from .trace import Explained
from .writers import (ParquetOutput, atomic_file, compressed_writer, jsonl_line, output_record,
                      parquet_compression, remove_stale_temps)

HTML_SUFFIXES = (".html", ".htm")
MAX_LISTED_FAILURES = 1000


class UsageError(ValueError):
    """Arguments that cannot work (missing input, output inside input, …)."""


class DocumentTimeout(BaseException):
    """A document that took longer than ``time_limit``.  A BaseException, so that no library's
    ``except Exception`` can swallow it and keep the worker busy."""


@dataclass
class Failure:
    path: str
    reason: str
    line: int = 0

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class Summary:
    documents: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    skipped: int = 0
    failed: int = 0
    removals: Counter = field(default_factory=Counter)
    repairs: Counter = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def add_changes(self, changes) -> None:
        for change in changes:
            if change.stage == "boilerplate":
                self.removals[change.rule] += 1
            elif change.stage == "repair":
                self.repairs[change.rule] += 1

    def fail(self, failure: Failure) -> None:
        self.failed += 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append(failure)

    def merge(self, other: "Summary") -> None:
        self.documents += other.documents
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out
        self.skipped += other.skipped
        self.removals.update(other.removals)
        self.repairs.update(other.repairs)
        for failure in other.failures:
            self.fail(failure)
        self.failed += other.failed - len(other.failures)

    def lines(self) -> list[str]:
        out = [f"{self.documents} documents cleaned, {self.bytes_in} bytes in, {self.bytes_out} bytes out, "
               f"{self.failed} failed"
               + (f", {self.skipped} files already done (--resume)" if self.skipped else "")]
        if self.removals:
            out.append("removed: " + ", ".join(f"{rule} {n}" for rule, n in self.removals.most_common()))
        if self.repairs:
            out.append("repaired: " + ", ".join(f"{rule} {n}" for rule, n in self.repairs.most_common()))
        out += [f"failed: {failure}" for failure in self.failures]
        if self.failed > len(self.failures):
            out.append(f"failed: … and {self.failed - len(self.failures)} more (see --report)")
        return out


class Options(NamedTuple):
    """What every worker needs besides its job; picklable, sent once per worker."""

    config: CleanerConfig = DEFAULT_CONFIG
    format: str | None = None           # force "text"/"html"; None: by suffix, else detected
    text_field: str = "text"
    id_field: str = "id"
    report_field: str | None = None     # add a compact report to each output record
    report: bool = False                # write full per-document report lines (--report)
    spool: str | None = None            # folder for report fragments and stdout outputs
    site_keys: dict | None = None       # site -> keys of lines to remove (pass 2 of --site-lines)


@dataclass(frozen=True)
class Job:
    index: int
    source: Path        # the input file
    relative: Path      # its path under the input given
    kind: str           # text, html, jsonl, parquet
    compression: str | None
    target: Path | None  # where its output goes; None: spooled for stdout

    @property
    def site_source(self) -> str:
        """The path that names this file's folder as a site (see :func:`cleaner.sitelines.site_of`):
        resolved, so a folder is one site however the inputs were given, and the same path the
        Ray engine uses."""
        return str(self.source.resolve())


@dataclass
class JobResult:
    index: int
    summary: Summary = field(default_factory=Summary)
    input_size: int = 0
    report_part: str | None = None
    output_part: str | None = None


# ---------------------------------------------------------------------------------------------
# Planning: which files, and where their outputs go


def output_name(relative: Path) -> Path:
    """The output path for an input's relative path: HTML pages become ``.txt`` files, and a
    compressed input gives an output compressed the same way.

    >>> str(output_name(Path("news/page.html")))
    'news/page.txt'
    >>> str(output_name(Path("a.txt")))
    'a.txt'
    >>> str(output_name(Path("crawl/page.htm.gz")))
    'crawl/page.txt.gz'
    """
    compression = ""
    name = relative.name
    for suffix in COMPRESSIONS:
        if name.lower().endswith(suffix):
            compression, name = name[-len(suffix):], name[: -len(suffix)]
            break
    stem = Path(name)
    if stem.suffix.lower() in HTML_SUFFIXES:
        stem = stem.with_suffix(".txt")
    return relative.with_name(stem.name + compression)


def selected(relative: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """Whether a relative path passes the globs (matched against the path and the file name).

    >>> selected("a/b.txt", ("*.txt",), ())
    True
    >>> selected("a/b.txt", (), ("a/*",))
    False
    """
    name = relative.rsplit("/", 1)[-1]

    def matches(pattern: str) -> bool:
        return fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern)

    if include and not any(matches(p) for p in include):
        return False
    return not any(matches(p) for p in exclude)


def plan_jobs(inputs: list[str], outdir: str | Path | None, summary: Summary, *,
              include: tuple[str, ...] = (), exclude: tuple[str, ...] = (),
              skip_done: bool = False) -> Iterator[Job]:
    """One job per input file, lazily; folders are walked recursively and in sorted order.
    Links to folders are not followed (so link loops cannot trap the walk), an output folder
    inside an input folder is skipped, and problems with an input become failures.  With
    ``skip_done``, files whose output already exists are counted in ``summary.skipped``."""
    out_root = Path(outdir).resolve() if outdir is not None else None
    claimed: dict[Path, Path] = {}
    index = 0
    for given in inputs:
        root = Path(given)
        if not root.exists() and not root.is_symlink():
            summary.fail(Failure(given, "no such file or folder"))
            continue
        if root.is_dir():
            pairs: Iterable[tuple[Path, Path]] = ((p, p.relative_to(root)) for p in _walk(root, out_root, summary))
        else:
            pairs = [(root, Path(root.name))]
        for path, relative in pairs:
            if root.is_dir() and not selected(relative.as_posix(), include, exclude):
                continue
            kind = classify(path)
            if kind is None:
                if root.is_dir():
                    continue  # in folders, only known input types are taken
                kind = ("text", None)  # a file named explicitly is read as a page, whatever its name
            target = None
            if out_root is not None:
                target = out_root / output_name(relative)
                if target in claimed:
                    summary.fail(Failure(str(path), f"output {target} is already produced by {claimed[target]}"))
                    continue
                if target == path.resolve():
                    summary.fail(Failure(str(path), "output would overwrite the input; choose another -o"))
                    continue
                claimed[target] = path
                if skip_done and target.exists():
                    summary.skipped += 1
                    continue
            yield Job(index, path, relative, kind[0], kind[1], target)
            index += 1


def _walk(root: Path, out_root: Path | None, summary: Summary) -> Iterator[Path]:
    def on_error(error: OSError) -> None:
        summary.fail(Failure(str(error.filename), f"cannot list folder: {error.strerror}"))

    for folder, subfolders, files in os.walk(root, onerror=on_error):
        here = Path(folder)
        subfolders[:] = sorted(d for d in subfolders
                               if (here / d).resolve() != out_root and not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield here / name


def format_for(path: Path) -> str:
    name = path.name.lower()
    for suffix in COMPRESSIONS:
        name = name.removesuffix(suffix)
    return "html" if Path(name).suffix in HTML_SUFFIXES else "auto"


# ---------------------------------------------------------------------------------------------
# The per-document core


@contextmanager
def time_guard(seconds: float) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in the block once ``seconds`` have passed (POSIX, main
    thread; elsewhere no guard).  The alarm repeats every half second, so code that catches
    and ignores it is interrupted again."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise DocumentTimeout(f"took longer than {seconds:g} s (time_limit)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def clean_document(document: Document, config: CleanerConfig = DEFAULT_CONFIG,
                   site_keys: dict | None = None, *, site_source: str = "") -> Explained:
    """Clean one document under the time guard; with ``site_keys`` (from the first pass of
    :mod:`cleaner.sitelines`), also drop the lines its site repeats (``site_source``: its
    input file, for documents without a url).  Raises the errors of
    :func:`~cleaner.pipeline.explain_text` and :class:`DocumentTimeout`."""
    url = document.metadata.get("url")
    with time_guard(config.time_limit):
        result = explain_text(document.text, format=document.format, config=config, url=url)
        if site_keys:
            keys = site_keys.get(sitelines.site_of(url, site_source))
            if keys:
                text, removed = sitelines.remove_lines(result.text, keys,
                                                       sitelines.SiteLineSettings.from_config(config))
                result = Explained(text, result.changes + removed)
    return result


def failure_reason(error: BaseException, source: str = "") -> str:
    """The reason to report for a document that failed (without the source prefix)."""
    if isinstance(error, (DecodeError, ExtractError, InputTooLargeError, InflateLimitError, DocumentTimeout)):
        message = str(error)
    elif isinstance(error, OSError):
        message = f"cannot read: {error.strerror or error}"
    else:
        message = f"internal error: {type(error).__name__}: {error}"
    prefix = f"{source}: "
    return message[len(prefix):] if source and message.startswith(prefix) else message


def clean_bytes(data: bytes, *, source: str, format: str = "auto", config: CleanerConfig = DEFAULT_CONFIG):
    """Decode and clean one document's bytes; errors carry ``source`` in their message."""
    if not data.strip():
        raise DecodeError(f"{source}: empty input, nothing to clean")
    if len(data) > config.max_bytes:
        raise InputTooLargeError(f"{source}: {len(data)} bytes, over the limit of {config.max_bytes}")
    text = decode(data, source=source).text
    return explain_text(text, format=format, config=config)


# ---------------------------------------------------------------------------------------------
# Workers: one input file each

_OPTIONS = Options()
# Documents done so far, shared by all workers, so that progress moves inside big files too.
_LIVE = None
_LIVE_EVERY = 64
_ON_LIVE: Callable[[], None] | None = None  # in-process runs: refresh progress directly


def _init_worker(options: Options, child: bool = True, live=None) -> None:
    global _OPTIONS, _LIVE
    _OPTIONS, _LIVE = options, live
    if child:
        # Ctrl-C is the parent's to handle: it stops the pool, then removes the temporary
        # files of the writes it cut short (see run).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Recorder:
    """Collects one job's outcome: counts, failures and (with --report) report lines."""

    def __init__(self, job: Job, options: Options):
        self.job, self.options = job, options
        self.summary = Summary()
        self._unannounced = 0
        self.report: BinaryIO | None = None
        self.report_path = None
        if options.report and options.spool:
            self.report_path = os.path.join(options.spool, f"{job.index}.report.jsonl")
            self.report = open(self.report_path, "wb")

    def _tick(self) -> None:
        self._unannounced += 1
        if self._unannounced >= _LIVE_EVERY:
            self.announce()

    def announce(self) -> None:
        """Add the documents done since the last call to the shared count."""
        if _LIVE is not None and self._unannounced:
            with _LIVE.get_lock():
                _LIVE.value += self._unannounced
            if _ON_LIVE is not None:
                _ON_LIVE()
        self._unannounced = 0

    def cleaned(self, document: Document, result: Explained, line: int = 0) -> None:
        self._tick()
        self.summary.documents += 1
        self.summary.bytes_out += len(result.text.encode("utf-8", "surrogatepass"))
        self.summary.add_changes(result.changes)
        if self.report:
            entry = {"id": document.id, "source": str(self.job.source), "status": "cleaned",
                     "chars_in": len(document.text), "chars_out": len(result.text),
                     "changes": [c.as_dict() for c in result.changes]}
            if line:
                entry["line"] = line
            self.report.write(jsonl_line(entry))

    def failed(self, reason: str, line: int = 0, identifier: str | None = None) -> None:
        self._tick()
        self.summary.fail(Failure(str(self.job.source), reason, line))
        if self.report:
            entry = {"id": identifier or (f"{self.job.source}:{line}" if line else str(self.job.source)),
                     "source": str(self.job.source), "status": "failed", "reason": reason}
            if line:
                entry["line"] = line
            self.report.write(jsonl_line(entry))

    def result(self, input_size: int, output_part: str | None) -> JobResult:
        self.announce()
        if self.report:
            self.report.close()
        return JobResult(self.job.index, self.summary, input_size, self.report_path, output_part)

    def discard(self, reason: str) -> JobResult:
        """The whole file failed: forget its per-document outcome, keep one failure."""
        self.announce()
        if self.report:
            self.report.close()
        self.summary = Summary()
        self.report = None
        self.failed(reason)
        if self.report_path and self.options.report:
            with open(self.report_path, "wb") as handle:
                handle.write(jsonl_line({"id": str(self.job.source), "source": str(self.job.source),
                                         "status": "failed", "reason": reason}))
        return JobResult(self.job.index, self.summary, 0, self.report_path, None)


def compact_report(result: Explained) -> dict:
    """The per-record report stored in ``--report-field``: changes counted by stage/rule."""
    counts = Counter(f"{c.stage}/{c.rule}" for c in result.changes)
    return {"changes": dict(sorted(counts.items()))}


def process_job(job: Job) -> JobResult:
    """Clean one input file and write its output; every problem becomes a failure."""
    options = _OPTIONS
    recorder = _Recorder(job, options)
    try:
        input_size = job.source.stat().st_size
    except OSError as error:
        return recorder.discard(f"cannot read: {error.strerror or error}")
    output_part = os.path.join(options.spool, f"{job.index}.out") if job.target is None else None
    try:
        with _output(job, output_part) as temp:
            if job.kind in RECORD_KINDS:
                _process_records(job, options, recorder, temp)
            else:
                if not _process_page(job, options, recorder, temp):
                    raise _Abandon
    except _Abandon:
        return recorder.result(input_size, None)
    except (OSError, InflateLimitError, DocumentTimeout, Exception) as error:
        return recorder.discard(failure_reason(error, str(job.source)))
    return recorder.result(input_size, output_part)


class _Abandon(Exception):
    """The file's only document failed (already recorded): no output file."""


@contextmanager
def _output(job: Job, output_part: str | None) -> Iterator[Path]:
    if output_part is not None:
        yield Path(output_part)
        return
    out_root = job.target.parents[len(job.relative.parts) - 1]
    job.target.parent.mkdir(parents=True, exist_ok=True)
    if not job.target.parent.resolve().is_relative_to(out_root.resolve()):
        raise OSError(f"output {job.target} would leave the output folder (a link inside it?)")
    with atomic_file(job.target) as temp:
        yield temp


def _process_page(job: Job, options: Options, recorder: _Recorder, temp: Path) -> bool:
    config = options.config
    source = str(job.source)
    try:
        if job.compression:
            with open_input(job.source, job.compression, max_inflate_ratio=config.max_inflate_ratio) as stream:
                data = read_limited(stream, config.max_bytes)
        else:
            if job.source.stat().st_size > config.max_bytes:
                raise InputTooLargeError(f"over the limit of {config.max_bytes} bytes (max_bytes)")
            data = job.source.read_bytes()
        if not data.strip():
            raise DecodeError("empty input, nothing to clean")
        text = decode(data, source=source).text
        document = Document(text, source, {}, options.format or format_for(job.source))
        result = clean_document(document, config, options.site_keys, site_source=job.site_source)
    except (OSError, Exception, DocumentTimeout) as error:
        recorder.failed(failure_reason(error, source))
        return False
    payload = result.text.encode("utf-8")
    if job.target is None:
        # stdout: pages become JSONL records, so that document boundaries survive
        payload = jsonl_line({"id": source, "text": result.text})
    with compressed_writer(temp, job.compression if job.target is not None else None,
                           fsync=config.fsync_outputs) as out:
        out.write(payload)
    recorder.summary.bytes_in += len(data)
    recorder.cleaned(document, result)
    return True


def _clean_records(items: Iterable[Document | RecordError], options: Options, recorder: _Recorder,
                   site_source: str) -> Iterator[dict]:
    """The generator step for records: cleaned output records, failures recorded on the way."""
    for item in items:
        if isinstance(item, RecordError):
            recorder.failed(item.reason, item.line)
            continue
        line = item.metadata["line"]
        if options.format:
            item.format = options.format
        try:
            result = clean_document(item, options.config, options.site_keys, site_source=site_source)
        except (Exception, DocumentTimeout) as error:
            recorder.failed(failure_reason(error), line, item.id)
            continue
        recorder.summary.bytes_in += len(item.text.encode("utf-8", "surrogatepass"))
        recorder.cleaned(item, result, line)
        original_text = item.text
        item.text = result.text
        report = compact_report(result) if options.report_field else None
        record = output_record(item, text_field=options.text_field, id_field=options.id_field,
                               report_field=options.report_field, report=report)
        item.text = original_text
        yield record


def _process_records(job: Job, options: Options, recorder: _Recorder, temp: Path) -> None:
    config = options.config
    fields = dict(text_field=options.text_field, id_field=options.id_field)
    to_stdout = job.target is None
    if job.kind == "parquet":
        batches = read_parquet(job.source, **fields)
        if to_stdout:
            with open(temp, "wb") as out:
                for batch in batches:
                    for record in _clean_records(batch, options, recorder, job.site_source):
                        out.write(_json_line(record))
            return
        import pyarrow.parquet as pq

        writer = ParquetOutput(temp, pq.read_schema(job.source), compression=parquet_compression(job.source),
                               report_field=options.report_field, **fields)
        try:
            for batch in batches:
                records = list(_clean_records(batch, options, recorder, job.site_source))
                if records:
                    writer.write(records)
        finally:
            writer.close()
        return
    with open_input(job.source, job.compression, max_inflate_ratio=config.max_inflate_ratio) as stream, \
            compressed_writer(temp, None if to_stdout else job.compression, fsync=config.fsync_outputs) as out:
        items = read_jsonl(stream, str(job.source), max_bytes=config.max_bytes, **fields)
        for record in _clean_records(items, options, recorder, job.site_source):
            out.write(_json_line(record))


def _json_line(record: dict) -> bytes:
    try:
        return jsonl_line(record)
    except TypeError:  # Parquet values such as dates or bytes
        return (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def count_job(job: Job) -> tuple[int, sitelines.SiteLineCounts]:
    """Pass 1 of --site-lines: the keys of each document's cleaned lines, counted per site.
    Documents that fail here are skipped (pass 2 reports them)."""
    options = _OPTIONS
    config = options.config
    counts = sitelines.SiteLineCounts(sitelines.SiteLineSettings.from_config(config))
    site_source = job.site_source
    try:
        if job.kind == "parquet":
            items: Iterable = (d for batch in read_parquet(job.source, text_field=options.text_field,
                                                           id_field=options.id_field) for d in batch)
            _count_documents(items, options, counts, site_source)
        elif job.kind == "jsonl":
            with open_input(job.source, job.compression, max_inflate_ratio=config.max_inflate_ratio) as stream:
                items = read_jsonl(stream, str(job.source), max_bytes=config.max_bytes,
                                   text_field=options.text_field, id_field=options.id_field)
                _count_documents(items, options, counts, site_source)
        else:
            with open_input(job.source, job.compression, max_inflate_ratio=config.max_inflate_ratio) as stream:
                data = read_limited(stream, config.max_bytes)
            document = Document(decode(data, source=str(job.source)).text, str(job.source), {},
                                options.format or format_for(job.source))
            _count_documents([document], options, counts, site_source)
    except (Exception, DocumentTimeout):
        pass  # the file fails again in pass 2, which reports it
    return job.index, counts


def _count_documents(items, options: Options, counts: sitelines.SiteLineCounts, site_source: str):
    for item in items:
        if isinstance(item, RecordError):
            continue
        try:
            result = clean_document(item, options.config._replace(site_lines=False))
        except (Exception, DocumentTimeout):
            continue
        counts.add(sitelines.site_of(item.metadata.get("url"), site_source), result.text)


# ---------------------------------------------------------------------------------------------
# The parent: bounded, ordered parallel map, and the run itself


def bounded_map(function: Callable, items: Iterable, *, jobs: int, options: Options,
                window: int | None = None, live=None, on_wait: Callable[[], None] | None = None) -> Iterator:
    """``map(function, items)`` over a pool of ``jobs`` processes, in order, with at most
    ``window`` items in flight, so that a generator of any length is consumed as results come
    back rather than all at once.  ``jobs == 1`` runs in this process.  ``live`` is a shared
    counter of documents done (a ``multiprocessing.Value``); ``on_wait`` is called about twice
    a second while a result is awaited (and, in process, as documents are done)."""
    global _ON_LIVE
    if jobs <= 1:
        _init_worker(options, child=False, live=live)
        _ON_LIVE = on_wait
        try:
            yield from map(function, items)
        finally:
            _ON_LIVE = None
        return
    window = window or jobs * 4
    pool = multiprocessing.get_context().Pool(jobs, initializer=_init_worker, initargs=(options, True, live))

    def next_result():
        while True:
            try:
                result = pending[0].get(0.5)
            except multiprocessing.TimeoutError:
                if on_wait is not None:
                    on_wait()
                continue
            pending.popleft()
            return result

    try:
        pending: deque = deque()
        for item in items:
            pending.append(pool.apply_async(function, (item,)))
            if len(pending) >= window:
                yield next_result()
        while pending:
            yield next_result()
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def _totals(inputs: list[str], outdir, include, exclude, skip_done) -> tuple[int, int]:
    files = size = 0
    for job in plan_jobs(inputs, outdir, Summary(), include=include, exclude=exclude, skip_done=skip_done):
        files += 1
        try:
            size += job.source.stat().st_size
        except OSError:
            pass
    return files, size


def run(inputs: list[str], output: str | Path | None, options: Options = Options(), *, jobs: int = 1,
        include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), resume: bool = False,
        report: str | Path | None = None, progress: Progress | None = None,
        stdout: BinaryIO | None = None) -> Summary:
    """Clean every input file into the folder ``output`` (or, when ``output`` is None, as JSONL
    records to ``stdout``).  With ``resume``, outputs that exist are kept (they are complete:
    outputs appear only by an atomic rename) and only the rest is cleaned."""
    summary = Summary()
    out_root = Path(output) if output is not None else None
    if out_root is not None:
        out_root.mkdir(parents=True, exist_ok=True)
        if resume:
            remove_stale_temps(out_root)
    spool = tempfile.mkdtemp(prefix="cleaner-")
    options = options._replace(spool=spool, report=report is not None)
    plan = dict(include=include, exclude=exclude)
    report_temp = None
    running = None
    try:
        if options.config.site_lines:
            counts = sitelines.SiteLineCounts(sitelines.SiteLineSettings.from_config(options.config))
            running = bounded_map(count_job, plan_jobs(inputs, out_root, Summary(), **plan),
                                  jobs=jobs, options=options)
            for _, found in running:
                counts.merge(found)
            options = options._replace(site_keys=counts.frequent())
        if progress is not None:
            progress.total_files, progress.total_bytes = _totals(inputs, out_root, include, exclude, resume)
        report_handle = None
        if report is not None:
            report_path = Path(report)
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_temp = report_path.with_name(f".{report_path.name}.{os.getpid()}.part")
            report_handle = open(report_temp, "wb")
        jobs_iter = plan_jobs(inputs, out_root, summary, skip_done=resume, **plan)
        live = multiprocessing.get_context().Value("q", 0) if progress is not None else None

        def show_live() -> None:
            progress.update(documents=live.value - progress.documents)

        running = bounded_map(process_job, jobs_iter, jobs=jobs, options=options, live=live,
                              on_wait=show_live if progress is not None else None)
        for result in running:
            summary.merge(result.summary)
            if result.output_part and stdout is not None:
                _drain(result.output_part, stdout)
            if result.report_part:
                _drain(result.report_part, report_handle)
            if progress is not None:
                progress.update(files=1, documents=live.value - progress.documents, bytes=result.input_size)
        if report_handle is not None:
            report_handle.close()
            os.replace(report_temp, report)
            report_temp = None
    except BaseException:
        if running is not None:
            running.close()  # stops the pool and waits for it: no worker writes any more
        if out_root is not None:
            remove_stale_temps(out_root)
        raise
    finally:
        if progress is not None:
            progress.clear()
        if report_temp is not None:
            try:
                os.unlink(report_temp)
            except OSError:
                pass
        shutil.rmtree(spool, ignore_errors=True)
    return summary


def _drain(part: str, out: BinaryIO | None) -> None:
    try:
        if out is not None:
            with open(part, "rb") as handle:
                shutil.copyfileobj(handle, out)
    finally:
        os.unlink(part)


def run_files(inputs: list[str], outdir: str | Path, config: CleanerConfig = DEFAULT_CONFIG,
              format: str | None = None, jobs: int = 1) -> Summary:
    """Clean every input file into ``outdir``, mirroring relative paths.  ``format`` forces
    one input format; by default .html/.htm files are HTML and others are detected."""
    return run(inputs, outdir, Options(config=config, format=format), jobs=jobs)


# ---------------------------------------------------------------------------------------------
# stdin as JSON lines


def _process_lines(batch: tuple[int, list[tuple[int, bytes | None]]]) -> tuple[bytes, Summary]:
    """A batch of stdin's JSON lines to cleaned JSON lines."""
    options = _OPTIONS
    index, lines = batch
    job = Job(index, Path("<stdin>"), Path("<stdin>"), "jsonl", None, None)
    recorder = _Recorder(job, options._replace(report=False))
    fields = dict(text_field=options.text_field, id_field=options.id_field)
    items: list[Document | RecordError] = []
    for number, line in lines:
        if line is None:
            items.append(RecordError("<stdin>", number, f"line longer than {options.config.max_bytes} bytes (max_bytes)"))
        elif line.strip():
            items.append(parse_record(line, "<stdin>", number, **fields))
    out = b"".join(_json_line(record) for record in _clean_records(items, options, recorder, "<stdin>"))
    return out, recorder.summary


def _line_batches(stream: BinaryIO, max_bytes: int, size: int = 64) -> Iterator[tuple[int, list[tuple[int, bytes | None]]]]:
    """Numbered lines in batches; a line over ``max_bytes`` is skipped unread (``None``)."""
    batch: list[tuple[int, bytes | None]] = []
    index = 0
    for numbered in numbered_lines(stream, max_bytes):
        batch.append(numbered)
        if len(batch) >= size:
            yield index, batch
            index, batch = index + 1, []
    if batch:
        yield index, batch


def run_stdin_jsonl(stream: BinaryIO, out: BinaryIO, options: Options = Options(), *, jobs: int = 1,
                    progress: Progress | None = None) -> Summary:
    """Clean JSON lines from ``stream`` to ``out``, in order, a batch of lines per task."""
    summary = Summary()
    for cleaned, part in bounded_map(_process_lines, _line_batches(stream, options.config.max_bytes), jobs=jobs, options=options):
        out.write(cleaned)
        summary.merge(part)
        if progress is not None:
            progress.update(documents=part.documents + part.failed, bytes=part.bytes_in)
    out.flush()
    if progress is not None:
        progress.clear()
    return summary
