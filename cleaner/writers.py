"""Writers: store cleaned documents, atomically, in the shape and compression of their input.

Every file is written to a temporary file in the target folder (named ``.NAME.*.part``) and
renamed into place only when complete, so an existing output is always a complete one and an
interrupted run leaves nothing half-written.  Compressed outputs are deterministic (no time
stamp or file name in gzip headers), so a resumed run gives byte-identical files.
"""
from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .document import Document

TEMP_SUFFIX = ".part"
# mkstemp creates files readable by their owner only; outputs get the usual mode instead.
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path next to ``path``; renamed to ``path`` when the block ends normally,
    removed when it raises (including KeyboardInterrupt and SystemExit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    os.close(handle)
    try:
        os.chmod(temp, _FILE_MODE)
        yield Path(temp)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


@contextmanager
def compressed_writer(path: Path, compression: str | None, *, fsync: bool = False) -> Iterator[BinaryIO]:
    """A binary stream writing to ``path`` through ``compression`` (None, "gzip" or "zstd").
    With ``fsync`` the data reaches the disk before the stream closes (it survives a power
    failure, not only an interrupted process, at some milliseconds per file)."""
    with open(path, "wb") as raw:
        if compression == "gzip":
            with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as stream:
                yield stream
        elif compression == "zstd":
            import zstandard

            with zstandard.ZstdCompressor().stream_writer(raw, closefd=False) as stream:
                yield stream
        else:
            yield raw
        if fsync:
            raw.flush()
            os.fsync(raw.fileno())


def output_record(document: Document, *, text_field: str = "text", id_field: str = "id",
                  report_field: str | None = None, report: dict | None = None) -> dict:
    """The record to write for a document read from a record: every original field kept, the
    cleaned text in place, the id added when the input had none, the report when asked.

    >>> doc = Document("Clean.", "a.jsonl:1", {"record": {"text": "Raw.", "lang": "en"}})
    >>> output_record(doc, report_field="cleaner", report={"removed": {}})
    {'text': 'Clean.', 'lang': 'en', 'id': 'a.jsonl:1', 'cleaner': {'removed': {}}}
    """
    record = dict(document.metadata.get("record") or {})
    record[text_field] = document.text
    if record.get(id_field) in (None, ""):
        record[id_field] = document.id
    if report_field:
        record[report_field] = report
    return record


def jsonl_line(record: dict) -> bytes:
    r"""One JSON line, UTF-8, non-ASCII kept as is; a record holding lone surrogates (which
    UTF-8 cannot carry) is written with \u escapes instead, as JSON allows.

    >>> jsonl_line({"text": "é"}).decode()
    '{"text": "é"}\n'
    >>> jsonl_line({"text": "a\ud800"}).decode()
    '{"text": "a\\ud800"}\n'
    """
    line = json.dumps(record, ensure_ascii=False) + "\n"
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(record) + "\n").encode("ascii")


class ParquetOutput:
    """Writes record batches to a Parquet file with the input's schema (plus the id and report
    columns when they are added) and the input's compression codec."""

    def __init__(self, path: Path, input_schema, *, compression: str = "snappy", text_field: str = "text",
                 id_field: str = "id", report_field: str | None = None):
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = input_schema
        text_index = schema.get_field_index(text_field)
        if text_index >= 0:
            schema = schema.set(text_index, pa.field(text_field, pa.string()))
        if schema.get_field_index(id_field) < 0:
            schema = schema.append(pa.field(id_field, pa.string()))
        if report_field and schema.get_field_index(report_field) < 0:
            schema = schema.append(pa.field(report_field, pa.string()))
        self.schema, self.report_field = schema, report_field
        self._pa = pa
        self._writer = pq.ParquetWriter(path, schema, compression=compression)

    def write(self, records: list[dict]) -> None:
        if self.report_field:
            for record in records:
                if not isinstance(record.get(self.report_field), (str, type(None))):
                    record[self.report_field] = json.dumps(record[self.report_field], ensure_ascii=False)
        self._writer.write_table(self._pa.Table.from_pylist(records, schema=self.schema))

    def close(self) -> None:
        self._writer.close()


def parquet_compression(path: Path) -> str:
    """The codec of a Parquet file's first column chunk, to write its output the same way."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    if meta.num_row_groups and meta.num_columns:
        codec = meta.row_group(0).column(0).compression
        return "none" if codec == "UNCOMPRESSED" else codec.lower()
    return "snappy"


def remove_stale_temps(folder: Path) -> int:
    """Delete temporary files an interrupted (killed) run left under ``folder``; returns how
    many.  Only names this module creates (``.NAME.*.part``) are touched."""
    removed = 0
    if not folder.is_dir():
        return 0
    for root, _, files in os.walk(folder):
        for name in files:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                try:
                    os.unlink(os.path.join(root, name))
                    removed += 1
                except OSError:
                    pass
    return removed
