"""Where the text track's time goes, beside ``ftfy.fix_text``, as ratios.

Reads the naive texts of ``../shared/bench/wcxb-dev`` and times, document by document and
interleaved (so the machine's noise hits all alike), by CPU time of the process:

* ``ftfy.fix_text`` on the text (the reference);
* ``cleaner.clean(text, format="text")``, the whole text track;
* the block model stage alone: ``boilerplate.model_region`` on the document's normalised blocks
  (one pass; the boilerplate stage runs it once per pass of its fixpoint).

It prints milliseconds per document and each one's time as a share of ``ftfy.fix_text``'s (the
text track's target is at most 0.25, four times ftfy's throughput).  ``--profile`` adds a
cProfile listing of the text track (the functions with the most cumulative time).

    nice -n 10 python bench/profile_text.py --limit 300 --rounds 3
    nice -n 10 python bench/profile_text.py --limit 100 --rounds 1 --profile
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ftfy  # noqa: E402

import cleaner  # noqa: E402
from cleaner import blockmodel, boilerplate, normalise  # noqa: E402
from speed import interleaved  # noqa: E402  (bench/speed.py: methods take turns, CPU time)

DATA = ROOT.parent / "shared" / "bench" / "wcxb-dev" / "naive"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=300, help="documents (first by name)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile listing")
    args = parser.parse_args()
    docs = [path.read_text(encoding="utf-8") for path in sorted(DATA.glob("*.txt"))[:args.limit]]
    blocks = [normalise.split_blocks(doc)[0] for doc in docs]
    model = blockmodel.load_model()
    methods = {
        "ftfy.fix_text": lambda i: ftfy.fix_text(docs[i]),
        "cleaner text track": lambda i: cleaner.clean(docs[i], format="text"),
        "block model stage (one pass)": lambda i: boilerplate.model_region(blocks[i], model),
    }
    rounds = interleaved(methods, list(range(len(docs))), args.rounds)  # methods take an index
    spent = {name: sum(seconds[name] for seconds in rounds) for name in methods}
    runs = args.rounds * len(docs)
    size = sum(len(doc.encode("utf-8")) for doc in docs) / len(docs)
    print(f"{len(docs)} documents (mean {size / 1000:.1f} KB), {args.rounds} rounds, CPU time")
    for name, seconds in spent.items():
        print(f"  {name:30s} {seconds / runs * 1000:8.2f} ms/doc  "
              f"{seconds / spent['ftfy.fix_text']:6.3f} of ftfy.fix_text's time")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for doc in docs:
            cleaner.clean(doc, format="text")
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
