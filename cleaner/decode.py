"""Stage 1, decode: bytes to str.

UTF-8 (with or without a byte-order mark) is tried first, since it is what the web mostly
sends; UTF-16/32 are taken when a byte-order mark says so; anything else goes to
charset-normalizer's detector.  Binary input is refused with an error that names the source.
"""
from __future__ import annotations

import codecs
from typing import NamedTuple

# How much of the input the binary test and the detector look at: enough to judge, cheap on
# huge files.
_SAMPLE = 64 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes that never occur in text (tab, newline, form feed, carriage return and ESC do).
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


class DecodeError(ValueError):
    """Bytes that cannot be read as text; the message names the source and the reason."""


class BinaryInputError(DecodeError):
    """Bytes that are not text at all (an image, an archive, an executable...)."""


class Decoded(NamedTuple):
    text: str
    encoding: str


def decode(data: bytes, *, source: str = "<input>") -> Decoded:
    """Decode ``data``, naming ``source`` in any error.

    >>> decode("naïve".encode("utf-8"))
    Decoded(text='naïve', encoding='utf-8')
    >>> decode(b"\\xef\\xbb\\xbfhi")
    Decoded(text='hi', encoding='utf-8-sig')
    >>> decode(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00\\x00\\rIHDR", source="a.png")
    Traceback (most recent call last):
    ...
    cleaner.decode.BinaryInputError: a.png: binary data, not text (NUL bytes)
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as error:
                raise DecodeError(f"{source}: starts with a {encoding} byte-order mark but is not "
                                  f"valid {encoding} at byte {error.start}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        raise BinaryInputError(f"{source}: binary data, not text (NUL bytes)")
    if sample:
        controls = sum(sample.count(bytes([b])) for b in _BINARY_BYTES)
        if controls / len(sample) > 0.05:
            raise BinaryInputError(f"{source}: binary data, not text ({controls} control bytes "
                                   f"in the first {len(sample)})")
    if text is not None:
        return Decoded(text, "utf-8")
    return _detect(data, source)


def _detect(data: bytes, source: str) -> Decoded:
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[: _SAMPLE * 4]))
    if not matches:
        raise DecodeError(f"{source}: not UTF-8 and no text encoding fits its bytes")
    best = matches[0]
    # On short text several codecs tie; Windows-1252 is the web's default for undeclared
    # Western text (WHATWG maps latin-1 to it), so it wins a tie.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    encoding = next((m.encoding for m in tied if m.encoding in _WEB_DEFAULTS), best.encoding)
    try:
        return Decoded(data.decode(encoding), encoding)
    except (UnicodeDecodeError, LookupError):
        raise DecodeError(f"{source}: not UTF-8, and not valid {encoding} either") from None


_WEB_DEFAULTS = ("cp1252", "windows-1252", "latin_1", "iso8859_1")
