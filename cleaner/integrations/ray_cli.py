"""``cleaner clean INPUT -o OUT --engine ray``: a batch run of JSONL/Parquet records on Ray Data.

The layout is a local run's: one output file per input file, at the same relative path and
with the same format (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst``, ``.parquet``); every record
keeps its fields and order, its text field is replaced by the cleaned text.  A record that
cannot be read or cleaned is left out of the output and reported (file, line or row, reason).

The run, all of it on the cluster:

1. workers read the files and split them into records (one row per JSONL line or Parquet row,
   parsed by cleaner, so one malformed record cannot fail its file);
2. ``CleanBatch`` cleans the rows on an actor pool;
3. with ``config.site_lines`` (``--site-lines``), the same-site pass counts lines per site with
   a group-by and removes the frequent ones (:func:`cleaner.integrations.ray.remove_site_lines`,
   over :mod:`cleaner.sitelines`, as a local run);
4. rows are grouped by input file and each group is written by a worker, so OUT must be on a
   file system every node sees (as for any Ray output).
"""
from __future__ import annotations

import gzip
import io
import json
import os
import pickle
from collections import Counter
from pathlib import Path

import ray
import ray.data

from .. import sitelines
from ..batch import Failure, Summary, UsageError
from ..config import DEFAULT_CONFIG, CleanerConfig
from ..write import write_atomic
from ..writers import jsonl_line
from .ray import (ERROR_COLUMN, SITE_COLUMN, TRACE_COLUMN, CleanBatch, cluster_cpus, columns, init_ray,
                  remove_site_lines, shuffle_partitions)

RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")


def record_suffix(path: str | Path) -> str | None:
    """The record format of a file name, or None when it holds no records.

    >>> record_suffix("a/part-0.jsonl.gz"), record_suffix("page.html")
    ('.jsonl.gz', None)
    """
    name = str(path).lower()
    return next((suffix for suffix in RECORD_SUFFIXES if name.endswith(suffix)), None)


def plan_files(inputs: list[str], outdir: str | Path, summary: Summary) -> dict[str, str]:
    """Input record file (absolute path) -> output file, mirroring relative paths as a local
    run does; inputs that are missing or hold no records become failures."""
    out_root = Path(outdir).resolve()
    plan: dict[str, str] = {}
    claimed: set[str] = set()
    for given in inputs:
        root = Path(given)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and record_suffix(p)
                           and out_root not in p.resolve().parents
                           and not any(part.startswith(".") for part in p.relative_to(root).parts))
            pairs = [(p, p.relative_to(root)) for p in files]
        elif root.is_file() and record_suffix(root):
            pairs = [(root, Path(root.name))]
        else:
            reason = "not a JSONL or Parquet file" if root.exists() else "no such file or folder"
            summary.failures.append(Failure(given, reason))
            continue
        for path, relative in pairs:
            source, target = str(path.resolve()), str(out_root / relative)
            if target in claimed:
                summary.failures.append(Failure(str(path), f"output {target} is already produced by another input"))
                continue
            plan[source] = target
            claimed.add(target)
    return plan


def _open_bytes(path: str, data: bytes) -> bytes:
    suffix = record_suffix(path)
    if suffix == ".jsonl.gz":
        return gzip.decompress(data)
    if suffix == ".jsonl.zst":
        import zstandard
        return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    return data


def _record_row(source: str, index: int, record: bytes, fields: dict | None,
                text_field: str, error: str | None) -> dict:
    text = url = None
    if fields is not None:
        text, url = fields.get(text_field), fields.get("url")
        if text_field not in fields:
            error = f"no {text_field!r} field"
        elif not isinstance(text, str):
            error, text = f"text field is {type(text).__name__}, not a string", None
    url = url if isinstance(url, str) else None
    return {"source": source, "index": index, "record": record, "text": text, "url": url,
            SITE_COLUMN: sitelines.site_of(url, source), ERROR_COLUMN: error}


def split_records(row: dict, *, text_field: str) -> list[dict]:
    """One input file -> one row per record: (source, index, record, text, url, site, error).
    ``index`` is the 1-based line (JSONL) or row (Parquet) number; a file that cannot be read at
    all gives one row of index 0 carrying the reason.  ``source`` is the file's resolved path,
    which also names its folder as a site, as in a local run."""
    source = row["path"]
    try:
        data = Path(source).read_bytes()
        return _split(source, data, text_field)
    except Exception as error:  # noqa: BLE001 - a corrupt file is reported, the others go on
        return [_record_row(source, 0, b"", None, text_field,
                            f"cannot read: {type(error).__name__}: {error}")]


def _split(source: str, data: bytes, text_field: str) -> list[dict]:
    if record_suffix(source) == ".parquet":
        import pyarrow.parquet as pq
        records = pq.read_table(io.BytesIO(data)).to_pylist()
        return [_record_row(source, i, pickle.dumps(fields), fields, text_field, None)
                for i, fields in enumerate(records, 1)]
    out = []
    for i, line in enumerate(_open_bytes(source, data).split(b"\n"), 1):
        if not line.strip():
            continue
        fields, error = None, None
        try:
            fields = json.loads(line)
        except ValueError as exc:
            error = f"not a JSON record: {exc}"
        if fields is not None and not isinstance(fields, dict):
            fields, error = None, f"not a JSON object but {type(fields).__name__}"
        out.append(_record_row(source, i, line, fields, text_field, error))
    return out


class WriteFile:
    """Writes one input file's cleaned records (one group) to its output file, in order, and
    returns that file's account: documents written, failures, removals by rule."""

    def __init__(self, plan: dict[str, str], text_field: str):
        self.plan, self.text_field = plan, text_field

    @classmethod
    def write_group(cls, group, *, plan: dict[str, str], text_field: str) -> dict:
        """The function form, for ``map_groups``."""
        return cls(plan, text_field)(group)

    def __call__(self, group) -> dict:
        group = columns(group)
        rows = sorted(zip(group["index"], group["record"], group["text"], group[ERROR_COLUMN],
                          group[TRACE_COLUMN]), key=lambda row: int(row[0]))
        source = str(group["source"][0])
        failures, removals, repairs, kept = [], Counter(), Counter(), []
        for index, record, text, error, trace in rows:
            if error is not None:
                failures.append([int(index), str(error)])
                continue
            kept.append((bytes(record), str(text)))
            for change in json.loads(trace):
                if change["stage"] == "boilerplate":
                    removals[change["rule"]] += 1
                elif change["stage"] == "repair":
                    repairs[change["rule"]] += 1
        target = self.plan[source]
        if not any(index == 0 for index, *_ in failures):  # index 0: the file itself is unreadable
            try:
                payload = self._parquet(source, kept) if record_suffix(source) == ".parquet" else self._jsonl(target, kept)
                write_atomic(target, payload)
            except Exception as error:  # noqa: BLE001 - reported with the file, the others go on
                failures.append([0, f"cannot write {target}: {type(error).__name__}: {error}"])
                kept = []
        return {"source": [source], "documents": [len(kept)], "failures": [json.dumps(failures)],
                "removals": [json.dumps(removals)], "repairs": [json.dumps(repairs)]}

    def _jsonl(self, target: str, kept: list[tuple[bytes, str]]) -> bytes:
        lines = []
        for record, text in kept:
            fields = json.loads(record)
            fields[self.text_field] = text
            lines.append(jsonl_line(fields))  # the local writer's encoding
        data = b"".join(lines)
        suffix = record_suffix(target)
        if suffix == ".jsonl.gz":
            return gzip.compress(data)
        if suffix == ".jsonl.zst":
            import zstandard
            return zstandard.ZstdCompressor().compress(data)
        return data

    def _parquet(self, source: str, kept: list[tuple[bytes, str]]) -> bytes:
        import pyarrow as pa
        import pyarrow.parquet as pq
        rows = []
        for record, text in kept:
            fields = pickle.loads(record)
            fields[self.text_field] = text
            rows.append(fields)
        buffer = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(source)), buffer)
        return buffer.getvalue()


def run_ray(inputs: list[str], outdir: str | Path, config: CleanerConfig = DEFAULT_CONFIG, *,
            format: str | None = None, text_field: str = "text", address: str | None = None,
            num_cpus: int | None = None, transform: type = CleanBatch) -> Summary:
    """Clean every record file of ``inputs`` into ``outdir`` on Ray (joining ``address``, or a
    local instance of ``num_cpus`` CPUs).  The same-site pass runs when ``config.site_lines``
    is set, as in a local run.  Failures are collected in the returned summary, never raised."""
    summary = Summary()
    plan = plan_files(inputs, outdir, summary)
    if not plan:
        if not summary.failures:
            raise UsageError("no JSONL or Parquet files in the inputs")
        return summary
    started = init_ray(address, num_cpus=num_cpus)
    try:
        _run(plan, summary, config, format or "auto", text_field, transform)
    finally:
        if started:
            ray.shutdown()
    return summary


def _run(plan, summary, config, format, text_field, transform) -> None:
    workers = cluster_cpus()
    total_bytes = sum(os.path.getsize(source) for source in plan)
    blocks = max(2 * workers, total_bytes // (4 << 20))
    # Workers read the files themselves (Ray's file reader decompresses by suffix and fails the
    # whole run on one corrupt file); inputs, like outputs, are on a file system all nodes see.
    ds = (ray.data.from_items([{"path": source} for source in plan], override_num_blocks=len(plan))
          .flat_map(split_records, fn_kwargs={"text_field": text_field})
          .repartition(blocks)
          .map_batches(transform, fn_constructor_kwargs={"config": config, "format": format},
                       compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers), batch_format="pyarrow",
                       batch_size=64))
    if config.site_lines:
        # the rows carry the record's text in the "text" column, whatever --text-field names
        ds = remove_site_lines(ds, site_column=SITE_COLUMN,
                               settings=sitelines.SiteLineSettings.from_config(config))
    by_file = ds.groupby("source", num_partitions=min(len(plan), shuffle_partitions()))
    accounts = by_file.map_groups(WriteFile.write_group, batch_format="pyarrow",
                                  fn_kwargs={"plan": plan, "text_field": text_field}).take_all()
    written, failures = set(), []
    for account in accounts:
        source = account["source"]
        written.add(source)
        summary.documents += int(account["documents"])
        summary.removals.update(json.loads(account["removals"]))
        summary.repairs.update(json.loads(account["repairs"]))
        failures += [(source, index, reason) for index, reason in json.loads(account["failures"])]
    for source, target in plan.items():
        if source not in written:  # a file without records: an empty output, as locally
            write_atomic(target, b"" if record_suffix(source) != ".parquet" else _empty_parquet(source))
        summary.bytes_in += os.path.getsize(source)
        summary.bytes_out += os.path.getsize(target) if os.path.exists(target) else 0
    summary.failures += [Failure(f"{source}:{index}" if index else source, reason)
                         for source, index, reason in sorted(failures)]


def _empty_parquet(source: str) -> bytes:
    import pyarrow.parquet as pq
    buffer = io.BytesIO()
    pq.write_table(pq.read_schema(source).empty_table(), buffer)
    return buffer.getvalue()
