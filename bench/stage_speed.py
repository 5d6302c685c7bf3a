"""Cost of each text-track stage beside ``ftfy.fix_text``, side by side on the same documents.

Reads the naive texts of ``../shared/bench/wcxb-dev``; every stage runs on what the stage before
it produced (repair on the naive text, normalise on the repaired text, the phrase rules on its
blocks, ...), in turns with ftfy, and the best of ``--rounds`` is kept (CPU time of this
process).  Reported as milliseconds per document and as a share of ftfy's time (the machine may
be shared and noisy: the shares are what to compare).

    python bench/stage_speed.py --docs 150
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ftfy  # noqa: E402
import quality  # noqa: E402

from cleaner import boilerplate, normalise, pipeline  # noqa: E402
from cleaner.config import DEFAULT_CONFIG  # noqa: E402

repair = importlib.import_module("cleaner.repair")


def stages(texts: list[str]) -> dict:
    """Each stage as a function of a document's position, on inputs computed once."""
    config = DEFAULT_CONFIG
    repaired = [repair.repair_and_explain(text, config)[0] for text in texts]
    blocks = [normalise.split_blocks(text)[0] for text in repaired]
    outputs = [pipeline._explain_plain(text, config).text for text in texts]
    return {
        "ftfy.fix_text": lambda i: ftfy.fix_text(texts[i]),
        "repair": lambda i: repair.repair_and_explain(texts[i], config),
        "normalise (split_blocks)": lambda i: normalise.split_blocks(repaired[i]),
        "phrase rules (one pass)": lambda i: boilerplate.apply_phrase_rules(blocks[i], config),
        "boilerplate (all passes)": lambda i: boilerplate.filter_blocks(blocks[i], config),
        "settle": lambda i: pipeline._settle(outputs[i], repaired[i], config),
        "whole text track": lambda i: pipeline._explain_plain(texts[i], config),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=150, help="documents, spread over the set")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pages = quality.load_pages("wcxb-dev", None, "all")
    pages = pages[::max(1, len(pages) // args.docs)][:args.docs]
    texts = [quality.naive(page) for page in pages]
    timed = stages(texts)
    best = {name: float("inf") for name in timed}
    for _ in range(args.rounds):
        for name, run in timed.items():
            start = time.process_time()
            for index in range(len(texts)):
                run(index)
            best[name] = min(best[name], time.process_time() - start)
    megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    yardstick = best["ftfy.fix_text"]
    print(f"{len(texts)} documents, {megabytes:.2f} MB (ftfy.fix_text: {megabytes / yardstick:.2f} MB/s here)\n")
    print("| stage | ms per document | share of ftfy.fix_text |")
    print("|---|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds * 1e3 / len(texts):.3f} | {seconds / yardstick:.1%} |")


if __name__ == "__main__":
    main()
