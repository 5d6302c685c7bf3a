"""Undo UTF-8 that was decoded with a single-byte codec, for every codec in ``codecs.toml``.

A codec is data: a byte table (strict, plus the fills sloppy decoders and browsers use for
undefined bytes).  From the table we build a C charmap encoder that gives a line's bytes through
the codec; one bytes regex, shared by all codecs, finds the stretches shaped like UTF-8 in them
(a lead byte followed by the right number of continuation bytes).  Each stretch's bytes are
decoded as UTF-8; the result replaces it only if it is clean text and
:func:`~cleaner.mojibake.evidence.weirdness` drops.
All codecs compete for a line and the one that explains it best wins, so cp1252 mojibake is
never read back as cp850.
"""
from __future__ import annotations

import codecs as codec_registry
import re
import sys
from functools import lru_cache, reduce
from operator import or_
from pathlib import Path
from typing import NamedTuple

import regex

from .evidence import char_class, stretch_weirdness, weirdness, weirdness_profile

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_DATA = Path(__file__).with_name("codecs.toml")


class Codec(NamedTuple):
    """One single-byte codec: its name, whether ftfy handles it, its reverse tables."""

    name: str
    ftfy: bool
    byte_of: dict[str, int]
    to_latin_1: dict[int, int]  # str.translate table: each character -> the byte it was read from
    leads: frozenset[str]
    conts: frozenset[str]
    table: frozenset[str]
    encoding: object  # codecs.charmap_build map: each primary character -> its byte
    synonyms: dict[int, str]  # str.translate table: other characters read from a byte -> primary
    lost: str  # regex: a three-byte character whose last byte a strict decoder replaced by U+FFFD
    undefined: tuple[int, ...]  # continuation bytes the strict table leaves undefined


def _table(entry: dict) -> dict[int, list[str]]:
    """Every character each high byte is read as by real decoders (strict, fills, WHATWG)."""
    table: dict[int, list[str]] = {}
    for byte in range(0x80, 0x100):
        chars = []
        try:
            chars.append(bytes([byte]).decode(entry["python"]))
        except UnicodeDecodeError:
            if entry.get("fill") == "c1":
                chars.append(chr(byte))
        for other in entry.get("also", ()):
            try:
                chars.append(bytes([byte]).decode(other))
            except UnicodeDecodeError:
                pass
        override = entry.get("whatwg", {}).get(f"{byte:02X}")
        if override:
            chars.append(override)
        table[byte] = chars
    return table


def _char_class_set(chars: list[str]) -> str:
    return "[" + "".join(regex.escape(c) for c in sorted(set(chars))) + "]"


def _build(entry: dict) -> Codec:
    table = _table(entry)
    byte_of: dict[str, int] = {}
    for byte, chars in table.items():
        for char in chars:
            byte_of.setdefault(char, byte)

    def chars_of(low: int, high: int) -> list[str]:
        return [c for b in range(low, high + 1) for c in table[b]]

    cont = _char_class_set(chars_of(0x80, 0xBF))
    lead3 = _char_class_set(chars_of(0xE0, 0xEF))
    # One character per byte for the C encoder; the others a byte is read as become synonyms.
    if not all(table.values()):
        raise ValueError(f"{entry['name']}: every byte needs a character (fill = \"c1\")")
    primary = [chr(byte) for byte in range(0x80)] + [table[byte][0] for byte in range(0x80, 0x100)]
    synonyms = {ord(char): primary[byte] for char, byte in byte_of.items() if primary[byte] != char}
    try:
        strict = [b for b in range(0x80, 0xC0) if _undefined_in(entry["python"], b)]
    except LookupError:  # pragma: no cover
        strict = []
    lost = f"{lead3}{cont}\ufffd"
    return Codec(entry["name"], bool(entry.get("ftfy")), byte_of,
                 {ord(char): byte for char, byte in byte_of.items()},
                 frozenset(chars_of(0xC2, 0xF4)), frozenset(chars_of(0x80, 0xBF)), frozenset(byte_of),
                 codec_registry.charmap_build("".join(primary)), synonyms, lost,
                 tuple(strict))


# A stretch of mojibake is a run of complete UTF-8 sequences in the line's bytes through the
# codec (see _shape), found by one small bytes regex for every codec.
_GROUP = rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
# (Written to begin with one byte class, so that the regex engine skips ahead to a lead byte.)
_STRETCH = re.compile(rb"[\xc2-\xf4](?:(?<=[\xc2-\xdf])[\x80-\xbf]|(?<=[\xe0-\xef])[\x80-\xbf]{2}"
                      rb"|(?<=[\xf0-\xf4])[\x80-\xbf]{3})(?:" + _GROUP + rb")*")
_ONE_GROUP = re.compile(_GROUP)


def _shape(codec: Codec, text: str) -> bytes:
    """The bytes ``codec`` read ``text`` from, one per character; a character the codec cannot
    have read becomes ``?`` (encoded in C: this runs for every codec on every suspect line).

    >>> _shape(codecs()[0], "cafÃ© кот")
    b'caf\\xc3\\xa9 ???'
    """
    if codec.synonyms:
        text = text.translate(codec.synonyms)
    return codec_registry.charmap_encode(text, "replace", codec.encoding)[0]


def _undefined_in(python_codec: str, byte: int) -> bool:
    try:
        bytes([byte]).decode(python_codec)
    except UnicodeDecodeError:
        return True
    return False


@lru_cache(maxsize=1)
def codecs() -> tuple[Codec, ...]:
    """The codecs of ``codecs.toml``, compiled once."""
    with _DATA.open("rb") as handle:
        entries = tomllib.load(handle)["codec"]
    # ftfy's codecs come first so that they win ties: they are the common case on the web.
    entries.sort(key=lambda entry: not entry.get("ftfy"))
    return tuple(_build(entry) for entry in entries)


class Repair(NamedTuple):
    start: int
    end: int
    text: str
    gain: int


def _peel(codec: Codec, data: bytes) -> str:
    """Decode the bytes of a stretch as UTF-8, and again while the result is itself wholly
    mojibake of the same codec (UTF-8 read wrongly twice), at most three layers.

    >>> _peel(codecs()[0], _shape(codecs()[0], "Ã…Â¾"))
    'ž'
    """
    key = (codec.name, data)
    text = _PEELED.get(key)
    if text is None:
        text = _peel_uncached(codec, data)
        if len(data) <= 32 and len(_PEELED) < 100_000:  # short stretches recur; bound memory
            _PEELED[key] = text
    return text


_PEELED: dict[tuple[str, bytes], str] = {}


def _peel_uncached(codec: Codec, data: bytes) -> str:
    text = data.decode("utf-8")
    for _ in range(2):
        if text[0] not in codec.leads:
            break
        data = _shape(codec, text)
        if not _STRETCH.fullmatch(data):
            break
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            break
    return text


def _segments(codec: Codec, line: str, shape: bytes, near: bytearray | None = None):
    """(start, end, decoded) for each stretch of ``line`` that decodes as UTF-8 through ``codec``;
    ``shape`` is the line's :func:`_shape` through it.  With ``near``, only stretches that overlap
    a position marked there."""
    for match in _STRETCH.finditer(shape):
        start, end = match.span()
        if near is not None and near.find(1, start, end) < 0:
            continue
        try:  # the usual case: the whole stretch is valid UTF-8
            yield start, end, _peel(codec, shape[start:end])
            continue
        except UnicodeDecodeError:
            pass
        run_start = None
        decoded: list[str] = []
        position = match.start()
        for group in _ONE_GROUP.finditer(shape, start, end):
            try:
                char = shape[group.start():group.end()].decode("utf-8")
            except UnicodeDecodeError:
                if run_start is not None:
                    yield run_start, position, "".join(decoded)
                run_start, decoded = None, []
            else:
                if run_start is None:
                    run_start = group.start()
                decoded.append(char)
            position = group.end()
        if run_start is not None:
            yield run_start, position, "".join(decoded)



# Letters few living languages write: a decoding that produces them pays two units each, as
# much as the two weird meetings a stray character makes with its neighbours.  (Latin
# Extended-B outside Vietnamese/pinyin/Romanian letters, long s, IPA, rare combining marks,
# archaic Greek and Coptic, historic Cyrillic, Hebrew cantillation, Syriac/Thaana/NKo/Samaritan/
# Mandaic, rare Latin.)
_RARE = re.compile(
    "[\u017f-\u019f\u01b1-\u01cc\u01dd-\u0217\u021c-\u02af\u0305\u030d-\u0322"
    "\u0324-\u0326\u0329-\u036f\u0370-\u0385\u03d0-\u03ff\u0460-\u0489\u0500-\u052f"
    "\u0591-\u05af\u0700-\u089f\u1e00-\u1e9f\u1efa-\u1eff\u2c60-\u2c7f\ua640-\ua6ff"
    "\ua720-\ua7ff]"
)


# What char_class calls "X": controls, unassigned, private use, surrogates, U+FFFD.
_NOT_TEXT = regex.compile("[\\p{Cc}\\p{Cn}\\p{Co}\\p{Cs}\ufffd]")


@lru_cache(maxsize=16384)
def _cost(before: str, decoded: str, after: str) -> int | None:
    """The weirdness of ``decoded`` between its neighbours, plus two units per rare letter;
    None if ``decoded`` is not clean text (controls, unassigned or private-use characters)."""
    # str.isprintable() is a fast superset test: every "X" character is unprintable.
    if "\ufffd" in decoded or (not decoded.isprintable() and _NOT_TEXT.search(decoded)):
        return None
    return weirdness(before + decoded + after) + 2 * len(_RARE.findall(decoded))


def _scripts(text: str) -> set[str]:
    return {char_class(c).script for c in text} - {""}


def candidate_repairs(codec: Codec, line: str) -> list[Repair]:
    """The repairs ``codec`` would make to ``line``, empty when the evidence is too weak.

    A stretch is repaired when the decoding removes weirdness; once the line has shown at least
    two units of evidence for the codec, stretches that decode to the same scripts without adding
    weirdness are repaired too (a mojibaked Thai word whose letters happen to look ordinary).

    >>> candidate_repairs(codecs()[0], "The cafÃ© is open")
    [Repair(start=7, end=9, text='é', gain=2)]
    """
    return _readings(codec, line, weirdness_profile(line), _shape(codec, line))[0]


def _readings(codec: Codec, line: str, profile: list[int], shape: bytes
              ) -> tuple[list[Repair], list[Repair]]:
    """(the repairs ``codec`` would make, every stretch it reads as clean text at no cost).
    ``profile`` is the line's :func:`weirdness_profile`, ``shape`` its :func:`_shape`."""
    strong: list[Repair] = []
    quiet: list[tuple[int, int, str]] = []  # stretches not weird themselves: at best neutral
    for start, end, decoded in _segments(codec, line, shape):
        low = start - 1 if start else 0
        present = stretch_weirdness(line, profile, low, end + 1 if end < len(line) else end)
        if not present:
            quiet.append((start, end, decoded))
            continue
        cost = _cost(line[low:start], decoded, line[end:end + 1])
        if cost is None:
            continue
        gain = present - cost
        if gain == 0:
            quiet.append((start, end, decoded))
        elif gain > 0:
            strong.append(Repair(start, end, decoded, gain))
    evidence = sum(r.gain for r in strong)
    if evidence < 2 and not codec.ftfy:
        return [], strong  # (only ftfy's codecs need their no-gain readings, for ambiguity)
    neutral = []
    for start, end, decoded in quiet:
        low = start - 1 if start else 0
        if _cost(line[low:start], decoded, line[end:end + 1]) == stretch_weirdness(
                line, profile, low, end + 1 if end < len(line) else end):
            neutral.append(Repair(start, end, decoded, 0))
    if evidence < 2:
        return [], strong + neutral
    # A stretch with no evidence of its own is repaired when it is long enough to be unlike a
    # clean pair of letters (three or more characters), or else only into characters the line's
    # evidenced mojibake also decodes to: Ukrainian "сі" read through KOI8-U is "Ӧ".
    known = set("".join(r.text for r in strong))
    accepted = strong + [r for r in neutral
                         if (r.end - r.start >= 3 and _scripts(r.text) <= _scripts(''.join(known)))
                         or known.issuperset(r.text)]
    return sorted(accepted), strong + neutral


def _clean_readings(codec: Codec, line: str, profile: list[int], shape: bytes,
                    repairs: tuple[Repair, ...]) -> list[Repair]:
    """The stretches ``codec`` reads as clean text without adding weirdness, among those that
    overlap one of ``repairs`` (the only ones that can contradict them)."""
    repaired = bytearray(len(line))
    for repair in repairs:
        repaired[repair.start:repair.end] = b"\x01" * (repair.end - repair.start)
    found = []
    for start, end, decoded in _segments(codec, line, shape, repaired):
        low = start - 1 if start else 0
        cost = _cost(line[low:start], decoded, line[end:end + 1])
        if cost is not None:
            gain = stretch_weirdness(line, profile, low, end + 1 if end < len(line) else end) - cost
            if gain >= 0:
                found.append(Repair(start, end, decoded, gain))
    return found


def _evidence_bound(shape: bytes, before: list[int], after: list[int]) -> int:
    """An upper bound on the evidence a codec can find in a line, without decoding: the
    weirdness around each stretch shaped like UTF-8 in ``shape`` (the line's bytes through the
    codec), from the first character before it to the first after it.  A repair removes at most
    the weirdness that is there.  ``before[i]`` is the line's weirdness up to position ``i - 1``
    and ``after[i]`` up to ``i + 1`` (see :func:`_bound_tables`); the sums run in C, because
    this runs for every codec on every suspect line.

    >>> line = "The cafÃ© is open"
    >>> _evidence_bound(_shape(codecs()[0], line), *_bound_tables(weirdness_profile(line)))
    2
    """
    spans = list(map(_SPAN, _STRETCH.finditer(shape)))
    if not spans:
        return 0
    starts, ends = zip(*spans)
    return sum(map(after.__getitem__, ends)) - sum(map(before.__getitem__, starts))


_SPAN = re.Match.span


def _near_utf8_bytes(shapes, length: int) -> bytes:
    """One byte per character of a line: 1 where any of ``shapes`` has a byte that can be part
    of UTF-8 beyond ASCII, or next to one.  Every stretch, with the character on either side,
    lies among them, so the line's weirdness is only needed there.

    >>> _near_utf8_bytes([b"ab\\xc3\\xa9cd"], 6)
    b'\\x00\\x01\\x01\\x01\\x01\\x00'
    """
    marked = 0
    for shape in shapes:
        marked |= int.from_bytes(shape.translate(_UTF8_BYTES), "little")
    marked |= (marked << 8) | (marked >> 8)
    return marked.to_bytes(length + 1, "little")[:length]


# Bytes that can be part of a UTF-8 sequence beyond ASCII -> 1, others -> 0.
_UTF8_BYTES = bytes(int(0x80 <= byte <= 0xBF or 0xC2 <= byte <= 0xF4) for byte in range(256))


def _bound_tables(profile: list[int]) -> tuple[list[int], list[int]]:
    """(``before``, ``after``) for :func:`_evidence_bound` from a line's weirdness profile."""
    return [0, *profile[:-1]], [*profile[1:], profile[-1]]


def _contradicts(readings, repairs) -> bool:
    """Whether a reading gives text being repaired a different clean meaning (a different
    decoding of the same stretch, or a stretch that overlaps one being repaired)."""
    spans = {(r.start, r.end): r.text for r in repairs}
    for reading in readings:
        same = spans.get((reading.start, reading.end))
        if same is not None:
            if same != reading.text:
                return True
        elif any(r.start < reading.end and reading.start < r.end for r in repairs):
            return True
    return False


def fix_line(line: str, allow_ftfy_codecs: bool) -> tuple[str, str]:
    """Repair ``line`` with the codec that explains it best; return (text, codec name or "").

    When ``allow_ftfy_codecs`` is false, a line that one of ftfy's codecs explains best is left
    alone: ftfy gets the first go at its own codecs (it knows their multi-layer and lossy forms).

    >>> fix_line("п©я─п╦п╡п╣я┌, п╪п╦я─", False)
    ('привет, мир', 'koi8_r')
    >>> fix_line("ภาษาไทย “คำพูด” — 100€", False)
    ('ภาษาไทย “คำพูด” — 100€', '')
    """
    found = _analyse(line, allow_ftfy_codecs)
    if not found or (found[0] and not allow_ftfy_codecs):
        return line, ""
    _, repairs, name = found
    if not repairs:
        return line, ""
    pieces = []
    position = 0
    for repair in repairs:
        pieces.append(line[position:repair.start])
        pieces.append(repair.text)
        position = repair.end
    pieces.append(line[position:])
    return "".join(pieces), name


def could_fix(line: str) -> bool:
    """Whether some codec may find evidence of mojibake in ``line``: when none can,
    :func:`fix_line` leaves it as it is, whichever codecs it may try.

    >>> could_fix("п©я─п╦п╡п╣я┌, п╪п╦я─"), could_fix("ภาษาไทย “คำพูด” — 100€")
    (True, False)
    """
    return _survey(line) is not None


def _suspects(chars: frozenset[str], line: str | None = None) -> frozenset[str]:
    """The characters of a line that can take part in a weird meeting (see evidence.py): a
    codec none of whose characters is among them cannot find evidence in the line.  Letters
    count only when the line mixes scripts (or, for capitals, cases)."""
    classes = {c: char_class(c) for c in chars if c >= "\x80"}
    scripts = {cls.script for cls in classes.values() if cls.kind in "LM" and cls.script}
    mixed = len(scripts) > 1 or (scripts and any("a" <= c <= "z" or "A" <= c <= "Z" for c in chars))
    # A capital is weird only after a lower-case letter: a line that never puts one there
    # (clean text: capitals begin words) gives its capitals no part in the evidence.
    capitals = line is None or _LOWER_THEN_UPPER.search(line) is not None
    return frozenset(
        c for c, cls in classes.items()
        if cls.kind in "SXM" or (cls.upper and capitals) or (cls.kind == "P" and cls.script)
        or c in _ALWAYS_SUSPECT or (mixed and cls.kind == "L")
    )


_LOWER_THEN_UPPER = regex.compile(r"\p{Ll}\p{Lu}")


_ALWAYS_SUSPECT = frozenset("„‚•¡¿เแโใไ–—")


def _relevant(chars: frozenset[str], line: str | None = None) -> list[Codec]:
    """The codecs that could find evidence in a line made of ``chars``: the line holds one of
    their lead characters, one of their continuation characters and one of their characters
    among its :func:`_suspects`.

    >>> [codec.name for codec in _relevant(frozenset("п©я─п╦п╡п╣я┌"))]
    ['cp1251', 'cp437', 'koi8_r', 'koi8_u', 'cp866', 'mac_cyrillic', 'cp850']
    >>> _relevant(frozenset("plain ASCII"))
    []
    """
    lead, cont, table, known = _membership()
    present = chars & known
    if not present:
        return []
    mask = reduce(or_, map(lead.__getitem__, present)) & reduce(or_, map(cont.__getitem__, present))
    if not mask:
        return []
    # The codecs with one of their characters among the line's _suspects, from bit masks per
    # character (the same answer as intersecting with _suspects, without classifying the line's
    # characters unless letters or capitals can decide it).
    always, upper, letter = _suspect_masks()
    found = reduce(or_, map(always.__getitem__, present))
    if mask & ~found & reduce(or_, map(upper.__getitem__, present)) and (
            line is None or _LOWER_THEN_UPPER.search(line) is not None):
        found |= reduce(or_, map(upper.__getitem__, present))
    if mask & ~found & reduce(or_, map(letter.__getitem__, present)) and _mixes_scripts(chars):
        found |= reduce(or_, map(letter.__getitem__, present))
    mask &= found
    return [codec for bit, codec in enumerate(codecs()) if mask >> bit & 1]


def _mixes_scripts(chars: frozenset[str]) -> bool:
    """Whether letters of two scripts occur among ``chars`` (ASCII letters count as Latin)."""
    scripts = set()
    for char in chars:
        if char >= "\x80":
            cls = char_class(char)
            if cls.kind in "LM" and cls.script:
                scripts.add(cls.script)
    return len(scripts) > 1 or bool(scripts) and any("a" <= c <= "z" or "A" <= c <= "Z" for c in chars)


@lru_cache(maxsize=1)
def _suspect_masks() -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """For each character of any codec's table, the codecs (bit masks) for which it is a suspect
    always, as a capital, and as a letter when the line mixes scripts (see :func:`_suspects`)."""
    _, _, table, known = _membership()
    always, upper, letter = ({char: 0 for char in known} for _ in range(3))
    for char in known:
        cls = char_class(char)
        if cls.kind in "SXM" or (cls.kind == "P" and cls.script) or char in _ALWAYS_SUSPECT:
            always[char] = table[char]
        if cls.upper:
            upper[char] = table[char]
        if cls.kind == "L":
            letter[char] = table[char]
    return always, upper, letter


@lru_cache(maxsize=1)
def _membership() -> tuple[dict[str, int], dict[str, int], dict[str, int], frozenset[str]]:
    """For each character of any codec's table, a bit mask of the codecs for which it is a lead
    character, a continuation character, and in the table at all (bits in ``codecs()`` order)."""
    known = frozenset().union(*(codec.table for codec in codecs()))
    lead, cont, table = ({char: 0 for char in known} for _ in range(3))
    for bit, codec in enumerate(codecs()):
        for masks, members in ((lead, codec.leads), (cont, codec.conts), (table, codec.table)):
            for char in members:
                masks[char] |= 1 << bit
    return lead, cont, table, known


class _Survey(NamedTuple):
    """What every codec's analysis of a line shares: computed once per line."""

    relevant: list[Codec]
    profile: list[int]
    shapes: dict[str, bytes]
    bounds: list[tuple[int, int, Codec]]  # (-evidence bound, order, codec), bound >= 2 only


@lru_cache(maxsize=16)  # the passes before and after ftfy look at the same line
def _survey(line: str) -> _Survey | None:
    relevant = _relevant(frozenset(line), line)
    if not relevant:
        return None
    shapes = {codec.name: _shape(codec, line) for codec in relevant}
    profile = weirdness_profile(line, _near_utf8_bytes(shapes.values(), len(line)))
    if profile[-1] < 2:
        return None  # no codec can show two units of evidence where there are not two at all
    tables = _bound_tables(profile)
    bounds = []
    for order, codec in enumerate(relevant):
        bound = _evidence_bound(shapes[codec.name], *tables)
        if bound >= 2:
            bounds.append((-bound, order, codec))
    bounds.sort()
    return _Survey(relevant, profile, shapes, bounds)


@lru_cache(maxsize=16)
def _analyse(line: str, allow_ftfy_codecs: bool) -> tuple[bool, tuple[Repair, ...], str] | None:
    """(the line is ftfy's to repair, the best codec's repairs, its name), or None.

    When ``allow_ftfy_codecs`` is false only a codec ftfy does not know can repair the line, so
    a line that ftfy's codecs explain best is reported as ftfy's without weighing them further.
    """
    survey = _survey(line)
    if survey is None:
        return None
    relevant, profile, shapes, bounds = survey
    if not allow_ftfy_codecs and all(codec.ftfy for _, _, codec in bounds):
        return None  # no other codec can show evidence: this pass has nothing to do
    found: list[tuple[int, tuple[Repair, ...], Codec]] = []
    readings: dict[str, list[Repair]] = {}
    # Codecs whose evidence cannot come within one unit of the best found so far can neither win
    # nor rival the winner; their clean readings are read below only if they are needed.
    best = 0
    for negative_bound, _, codec in bounds:
        if -negative_bound < best - 1:
            break
        repairs, readings[codec.name] = _readings(codec, line, profile, shapes[codec.name])
        if repairs:
            evidence = sum(r.gain for r in repairs)
            best = max(best, evidence)
            found.append((evidence, tuple(repairs), codec))
    found.sort(key=lambda item: relevant.index(item[2]))  # back in codec order, for ties
    if not found:
        return None
    # The most evidence wins, then the codec that explains more of the line; on a full tie the
    # earlier codec (ftfy's first; the sort is stable).
    found.sort(key=lambda item: (-item[0], -sum(r.end - r.start for r in item[1])))
    evidence, repairs, codec = found[0]
    rivals = [other for other in found[1:]
              if other[0] >= evidence - 1 and _contradicts(other[1], repairs)]
    if codec.ftfy and not allow_ftfy_codecs:
        return True, (), ""  # ftfy's codec explains the line best: ftfy's to repair
    if codec.ftfy:
        # Latin-1 or MacRoman?  When another of ftfy's codecs reads a repaired stretch as other
        # clean text, even at no gain, ftfy's rule is to decode neither.
        for other in relevant:
            if other is not codec and other.ftfy:
                if other.name not in readings:  # only stretches that meet the repairs matter
                    readings[other.name] = _clean_readings(other, line, profile,
                                                           shapes[other.name], repairs)
                if _contradicts(readings[other.name], repairs):
                    rivals.append((0, (), other))
    if rivals:  # another codec explains the line about as well: ambiguous
        return codec.ftfy or any(other[2].ftfy for other in rivals), (), ""
    return codec.ftfy, repairs, codec.name


_QUOTES = (("“", "”"), ("‘", "’"))


# Compiled on first use: only lines with U+FFFD, and only with restore_lost_bytes, need them.
_compiled = lru_cache(maxsize=None)(regex.compile)


def restore_lost_bytes(line: str) -> tuple[str, str]:
    """Rebuild a curly quote whose last UTF-8 byte a strict decoder lost (U+FFFD), where it is
    certain: the bytes left plus one of the codec's undefined bytes can give exactly one quote
    the line calls for, because the line holds that quote's unmatched partner (counting the partner's own mojibake).  Returns (text, codec name or "").

    >>> restore_lost_bytes("He said â€œyesâ€\ufffd and left.")
    ('He said â€œyes” and left.', 'cp1252')
    >>> restore_lost_bytes("A lone â€\ufffd stays.")
    ('A lone â€\ufffd stays.', '')
    """
    if "\ufffd" not in line:
        return line, ""
    for codec in codecs():
        for match in _compiled(codec.lost).finditer(line):
            head = match.group()[:2].translate(codec.to_latin_1).encode("latin-1")
            candidates = set()
            for byte in codec.undefined:
                try:
                    candidates.add((head + bytes([byte])).decode("utf-8"))
                except UnicodeDecodeError:
                    continue
            choice = _quote_from_context(line, match.start(), match.end(), candidates, codec)
            if choice:
                return line[:match.start()] + choice + line[match.end():], codec.name
    return line, ""


def _quote_from_context(line: str, start: int, end: int, candidates: set[str], codec: Codec) -> str:
    """The one quote among ``candidates`` that the line's other quotes call for, or ""."""
    char_of: dict[int, str] = {}
    for char, byte in codec.byte_of.items():
        char_of.setdefault(byte, char)

    def count(text: str, quote: str) -> int:
        misread = "".join(char_of.get(byte, chr(byte)) for byte in quote.encode("utf-8"))
        return text.count(quote) + text.count(misread)

    before, after = line[:start], line[end:]
    found = []
    for opening, closing in _QUOTES:
        if closing in candidates and count(before, opening) > count(before, closing):
            found.append(closing)
        if opening in candidates and count(after, closing) > count(after, opening) \
                and count(before, opening) == count(before, closing):
            found.append(opening)
    return found[0] if len(found) == 1 else ""
