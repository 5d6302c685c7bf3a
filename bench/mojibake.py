"""Mojibake repair benchmark: cleaner.repair against ftfy.fix_encoding and ftfy.fix_text.

Builds a corrupted corpus deterministically from ../shared/bench/multiling/ (22 languages, two
typographic English books, Thai web-style text): every paragraph's UTF-8 bytes are decoded with a
wrong single-byte codec, in each way real software does it (strict, "sloppy" C1 fills of undefined
bytes, WHATWG tables where they differ), either whole (paragraph) or for one short phrase inside
otherwise clean text (span).  It reports, per codec and granularity, the share of items each tool
restores exactly; then the damage on the clean corpus and on ftfy's negative.json; then time per MB
of each tool on the same text (CPU time of this process, the three tools interleaved item by item).

    PYTHONPATH=$PWD nice -n 10 python bench/mojibake.py [--per-file N] [--codecs cp874,koi8_r]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import ftfy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from cleaner import mojibake  # noqa: E402
from cleaner.repair import repair  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench"

# Codec -> the ways it is decoded in practice.  "sloppy" fills undefined bytes with U+0080+byte
# (ftfy's sloppy codecs, WHATWG for 0x80-0x9F); "whatwg" adds browsers' own table changes.
FTFY_CODECS = ["cp1252", "latin_1", "cp1254", "cp1250", "cp1257", "cp1253", "iso8859_2",
               "mac_roman", "cp437", "cp1251"]
NEW_CODECS = ["cp874", "tis_620", "cp1255", "cp1256", "cp1258", "koi8_r", "koi8_u", "cp866",
              "iso8859_5", "iso8859_7", "mac_cyrillic", "cp850"]
WHATWG = {"cp1255": {0xCA: "\u05ba"}, "koi8_u": {0xAE: "\u045e", 0xBE: "\u040e"},
          "tis_620": {0xA0: "\xa0"}}


def decoder(codec: str, mode: str):
    """A function bytes -> str decoding as ``codec`` in ``mode``; None result = cannot decode."""
    table = {}
    for byte in range(256):
        try:
            table[byte] = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            table[byte] = chr(byte) if mode in ("sloppy", "whatwg") else None
    if mode == "whatwg":
        table.update(WHATWG.get(codec, {}))

    def decode(data: bytes) -> str | None:
        chars = [table[b] for b in data]
        return None if None in chars else "".join(chars)
    return decode


def modes_of(codec: str) -> list[str]:
    undefined = any(_undefined(codec, b) for b in range(256))
    modes = ["strict"] + (["sloppy"] if undefined else [])
    return modes + (["whatwg"] if codec in WHATWG else [])


def _undefined(codec: str, byte: int) -> bool:
    try:
        bytes([byte]).decode(codec)
        return False
    except UnicodeDecodeError:
        return True


def double_utf8(data: bytes) -> str | None:
    """UTF-8 read as cp1252 (sloppy), then written as UTF-8 and read as cp1252 again."""
    once = decoder("cp1252", "sloppy")(data)
    return decoder("cp1252", "sloppy")(once.encode("utf-8"))


def paragraphs() -> dict[str, list[str]]:
    corpus = {}
    for path in sorted((SHARED / "multiling").glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").split("\n")]
        corpus[path.stem] = [line for line in lines if len(line) >= 20 and not line.isascii()]
    return corpus


def pick_span(text: str, rng: random.Random) -> tuple[int, int] | None:
    """A short phrase (2-3 words, or 4-10 characters in text without spaces) with non-ASCII."""
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"\S+", text)]
    for _ in range(20):
        if len(words) >= 4:
            i = rng.randrange(len(words) - 2)
            n = rng.choice((2, 3))
            start, end = words[i][0], words[min(i + n, len(words)) - 1][1]
            if end - start > 40:
                continue
        else:
            start = rng.randrange(max(1, len(text) - 10))
            end = min(len(text), start + rng.randrange(4, 11))
        if not text[start:end].isascii():
            return start, end
    return None


def build(per_file: int, codecs: list[str]):
    """[(codec, granularity, original, corrupted)], deterministic."""
    rng = random.Random(20240611)
    corpus = paragraphs()
    items = []
    decoders = [(c, m, decoder(c, m)) for c in codecs if c != "double_utf8" for m in modes_of(c)]
    if "double_utf8" in codecs:
        decoders.append(("double_utf8", "strict", double_utf8))
    for name, paras in corpus.items():
        chosen = rng.sample(paras, min(per_file, len(paras)))
        for original in chosen:
            span = pick_span(original, rng)
            for codec, mode, decode in decoders:
                whole = decode(original.encode("utf-8"))
                if whole is not None and whole != original:
                    items.append((codec, "paragraph", original, whole))
                if span:
                    start, end = span
                    inner = decode(original[start:end].encode("utf-8"))
                    if inner is not None and inner != original[start:end]:
                        items.append((codec, "span", original, original[:start] + inner + original[end:]))
    return items, corpus


TOOLS = {"cleaner.repair": repair, "ftfy.fix_encoding": ftfy.fix_encoding, "ftfy.fix_text": ftfy.fix_text}


def forget_lines() -> None:
    """Empty the repair stage's per-line caches, so that an item repeated in the corpus is not
    served from them (its memo of character pairs and stretches is shared by all text and
    stays).  Cheap enough to call for every tool."""
    mojibake._survey.cache_clear()
    mojibake._analyse.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-file", type=int, default=12, help="paragraphs sampled per corpus file")
    parser.add_argument("--codecs", default=",".join(FTFY_CODECS + ["double_utf8"] + NEW_CODECS))
    args = parser.parse_args()
    codecs = [c for c in args.codecs.split(",") if c]
    items, corpus = build(args.per_file, codecs)

    results: dict[tuple[str, str], dict[str, int]] = {}
    counts: dict[tuple[str, str], int] = {}
    timings = {tool: 0.0 for tool in TOOLS}
    size = 0
    for codec, granularity, original, corrupted in items:
        key = (codec, granularity)
        counts[key] = counts.get(key, 0) + 1
        size += len(corrupted.encode("utf-8"))
        row = results.setdefault(key, {tool: 0 for tool in TOOLS})
        for tool, fix in TOOLS.items():
            forget_lines()  # items repeat (strict and sloppy decodings often agree): no cache hits
            started = time.process_time()
            got = fix(corrupted)
            timings[tool] += time.process_time() - started
            row[tool] += got == original

    print(f"Exact round-trip repair rate ({len(items)} items, {args.per_file} paragraphs per file)\n")
    print(f"| codec | granularity | n | {' | '.join(TOOLS)} |")
    print("|---|---|---:|" + "---:|" * len(TOOLS))
    for (codec, granularity), row in results.items():
        n = counts[(codec, granularity)]
        print(f"| {codec} | {granularity} | {n} | " + " | ".join(f"{row[t] / n:.3f}" for t in TOOLS) + " |")

    clean = [p for paras in corpus.values() for p in paras]
    negative = [case["original"] for case in json.loads((SHARED / "ftfy-cases" / "negative.json").read_text())
                if case.get("fixed-encoding", case["fixed"]) == case["original"]]
    print(f"\nDamage (items changed): clean corpus {len(clean)} paragraphs, negative.json {len(negative)} cases\n")
    print("| tool | clean corpus | negative.json |")
    print("|---|---:|---:|")
    clean_size = sum(len(p.encode("utf-8")) for p in clean)
    clean_timings: dict[str, float] = {}
    for tool, fix in TOOLS.items():
        damaged = []
        for p in clean:
            forget_lines()
            started = time.process_time()
            if fix(p) != p:
                damaged.append(p)
            spent = time.process_time() - started
            timings[tool] += spent
            clean_timings[tool] = clean_timings.get(tool, 0.0) + spent
        hurt = sum(fix(text) != text for text in negative)
        print(f"| {tool} | {len(damaged)} | {hurt} |")
        if tool == "cleaner.repair":
            for p in damaged[:5]:
                print(f"    damaged: {p[:80]!r} -> {fix(p)[:80]!r}", file=sys.stderr)
    megabytes = (size + clean_size) / 1e6
    print(f"\nCPU time per MB (corrupted + clean corpus, {megabytes:.2f} MB, same process, interleaved per item)\n")
    print("| tool | s/MB | ratio to ftfy.fix_text | clean corpus alone: s/MB | ratio |")
    print("|---|---:|---:|---:|---:|")
    clean_mb = clean_size / 1e6
    for tool in TOOLS:
        print(f"| {tool} | {timings[tool] / megabytes:.2f} | {timings[tool] / timings['ftfy.fix_text']:.2f} "
              f"| {clean_timings[tool] / clean_mb:.2f} "
              f"| {clean_timings[tool] / clean_timings['ftfy.fix_text']:.2f} |")


if __name__ == "__main__":
    main()
