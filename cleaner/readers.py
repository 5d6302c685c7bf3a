"""Readers: input files (plain, gzip or zstd) to :class:`~cleaner.document.Document` records.

In the manner of datatrove, a reader is a generator: it yields one document at a time, so a
file of any size streams through in bounded memory.  A record that cannot be read (a malformed
JSON line, a line over the size guard, a record without text) is yielded as a
:class:`RecordError` in its place, carrying the path, the line and the reason, so the caller can
report it and go on.

A record document keeps its whole original record in ``metadata["record"]`` (writers put the
cleaned text back in place), its provenance in ``metadata["source"]`` / ``metadata["line"]`` and,
when the record has one, its ``metadata["url"]``.
"""
from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from .document import Document

COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
KINDS = {
    ".txt": "text", ".text": "text", "": "text",
    ".html": "html", ".htm": "html",
    ".jsonl": "jsonl", ".json": "jsonl",
    ".parquet": "parquet",
}
RECORD_KINDS = ("jsonl", "parquet")
# A floor under the inflation-ratio guard: small files may compress very well and be harmless.
_INFLATE_FLOOR = 1 << 20
_CHUNK = 1 << 16


class InflateLimitError(ValueError):
    """A compressed input that inflates past the configured ratio (a decompression bomb)."""


class RecordError(NamedTuple):
    """A record that could not be read: where it is and why."""

    source: str
    line: int
    reason: str


def classify(path: Path) -> tuple[str, str | None] | None:
    """``(kind, compression)`` for a path by its suffixes, or None when it is not an input.

    >>> classify(Path("a/page.HTML"))
    ('html', None)
    >>> classify(Path("shard-01.jsonl.zst"))
    ('jsonl', 'zstd')
    >>> classify(Path("notes.txt.gz"))
    ('text', 'gzip')
    >>> classify(Path("data.parquet.gz")) is None  # Parquet compresses inside the file
    True
    >>> classify(Path("image.png")) is None
    True
    """
    name = path.name.lower()
    compression = None
    for suffix, codec in COMPRESSIONS.items():
        if name.endswith(suffix):
            compression, name = codec, name[: -len(suffix)]
            break
    kind = KINDS.get(Path(name).suffix)
    if kind is None or (kind == "parquet" and compression):
        return None
    return kind, compression


class _GuardedReader(io.RawIOBase):
    """Reads a decompressing stream and stops it once it has inflated ``max_ratio`` times the
    compressed size (and at least a megabyte)."""

    def __init__(self, stream: BinaryIO, raw: BinaryIO, compressed_size: int, max_ratio: int, source: str):
        self._stream, self._raw = stream, raw
        self._limit = max(_INFLATE_FLOOR, compressed_size * max_ratio) if max_ratio > 0 else None
        self._source, self._ratio = source, max_ratio
        self.inflated = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        self.inflated += len(data)
        if self._limit is not None and self.inflated > self._limit:
            raise InflateLimitError(f"inflates past {self._limit} bytes, over {self._ratio} times its "
                                    f"compressed size (max_inflate_ratio): a likely decompression bomb")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._raw.close()
            super().close()


def open_input(path: Path, compression: str | None, *, max_inflate_ratio: int = 100) -> BinaryIO:
    """Open ``path`` for reading as a buffered binary stream, decompressing on the fly and
    guarding against decompression bombs."""
    raw = open(path, "rb")
    if compression is None:
        return raw
    try:
        if compression == "gzip":
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        else:
            import zstandard

            stream = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        size = path.stat().st_size
    except BaseException:
        raw.close()
        raise
    return io.BufferedReader(_GuardedReader(stream, raw, size, max_inflate_ratio, str(path)), _CHUNK)


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """The whole stream, refusing more than ``limit`` bytes (the per-document size guard)."""
    from .pipeline import InputTooLargeError

    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputTooLargeError(f"over the limit of {limit} bytes (max_bytes)")
    return data


def read_jsonl(stream: BinaryIO, source: str, *, text_field: str = "text", id_field: str = "id",
               max_bytes: int = 64 << 20, first_line: int = 1) -> Iterator[Document | RecordError]:
    """Documents from a JSON-lines stream; blank lines are skipped, bad lines become errors.

    >>> lines = io.BytesIO(b'{"id": "a", "text": "Hi", "lang": "en"}\\n{oops\\n{"text": "Yo"}\\n')
    >>> for item in read_jsonl(lines, "x.jsonl"):
    ...     print(item.id if isinstance(item, Document) else item)
    a
    RecordError(source='x.jsonl', line=2, reason='not valid JSON: Expecting property name enclosed in double quotes at column 2')
    x.jsonl:3
    """
    for number, line in numbered_lines(stream, max_bytes, first_line=first_line):
        if line is None:
            yield RecordError(source, number, f"line longer than {max_bytes} bytes (max_bytes)")
        elif line.strip():
            yield parse_record(line, source, number, text_field=text_field, id_field=id_field)


def numbered_lines(stream: BinaryIO, max_bytes: int, *, first_line: int = 1) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each line of ``stream``; a line over ``max_bytes`` is skipped
    without being held in memory and comes as ``None``.

    >>> list(numbered_lines(io.BytesIO(b"ab\\n" + b"x" * 10 + b"\\ncd"), 5))
    [(1, b'ab\\n'), (2, None), (3, b'cd')]
    """
    number = first_line - 1
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            _skip_rest_of_line(stream)
            yield number, None
        else:
            yield number, line


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while True:
        chunk = stream.readline(_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


def parse_record(line: bytes, source: str, number: int, *, text_field: str = "text",
                 id_field: str = "id") -> Document | RecordError:
    """One JSON line to a document, or the reason it cannot be one."""
    try:
        record = json.loads(line)
    except UnicodeDecodeError as error:
        return RecordError(source, number, f"not UTF-8 at byte {error.start}")
    except json.JSONDecodeError as error:
        return RecordError(source, number, f"not valid JSON: {error.msg} at column {error.colno}")
    except RecursionError:
        return RecordError(source, number, "not valid JSON: nested too deeply")
    if not isinstance(record, dict):
        return RecordError(source, number, f"not a JSON object but {type(record).__name__}")
    return record_document(record, source, number, text_field=text_field, id_field=id_field)


def record_document(record: dict, source: str, number: int, *, text_field: str = "text",
                    id_field: str = "id") -> Document | RecordError:
    """A document for a record (a JSON object or a Parquet row); the id defaults to source:line."""
    text = record.get(text_field)
    if text is None:
        return RecordError(source, number, f"no {text_field!r} field")
    if not isinstance(text, str):
        return RecordError(source, number, f"field {text_field!r} is {type(text).__name__}, not text")
    identifier = record.get(id_field)
    identifier = f"{source}:{number}" if identifier is None or identifier == "" else str(identifier)
    metadata = {"record": record, "source": source, "line": number}
    url = record.get("url")
    if isinstance(url, str) and url:
        metadata["url"] = url
    return Document(text=text, id=identifier, metadata=metadata, format="auto")


def read_parquet(path: Path, *, text_field: str = "text", id_field: str = "id",
                 batch_rows: int = 1024) -> Iterator[list[Document | RecordError]]:
    """Batches of documents from a Parquet file, read one row batch at a time; a document's
    ``line`` is its row number, counted from 1."""
    import pyarrow.parquet as pq

    source = str(path)
    with pq.ParquetFile(path) as table:
        row = 0
        for batch in table.iter_batches(batch_size=batch_rows):
            items = []
            for record in batch.to_pylist():
                row += 1
                items.append(record_document(record, source, row, text_field=text_field, id_field=id_field))
            yield items
