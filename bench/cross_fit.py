"""The text track on every tune page, each half of the tune split cleaned with a block model
fitted on the other half: a score of the stage's decoding on 988 wcxb-dev and 307 traf-dev pages
no tree saw, where the pick part of ``bench/train_blocks.py`` has 308 and 90.

The shipped model is fitted on all tune pages, so it cannot score decodings on them; two models
fitted on one half each can.  Fit them first (``--half``; their decoding, chosen on the other
half, is replaced here by the one asked for):

    PYTHONPATH=$PWD python bench/train_blocks.py --workers 2 --stages 2 --trees2 60 --traf-weight 3 \\
        --min-recall 0 --half 0 --out bench/.cache/half0.json
    PYTHONPATH=$PWD python bench/train_blocks.py --workers 2 --stages 2 --trees2 60 --traf-weight 3 \\
        --min-recall 0 --half 1 --out bench/.cache/half1.json
    PYTHONPATH=$PWD python bench/cross_fit.py bench/.cache/half0.json bench/.cache/half1.json --workers 2
    PYTHONPATH=$PWD python bench/cross_fit.py ... --recall-weight 0     # the decoding without it

The decoding knobs (threshold, smoothing, recall weight) default to the shipped model's.  Pages
without capitals are read by the shipped caseless model as always (it was fitted on the fit part,
which overlaps both halves: those few pages are not unseen).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import quality  # noqa: E402
from train_blocks import half_of  # noqa: E402

from cleaner import blockmodel  # noqa: E402


def _use_model(path: str, knobs: dict) -> None:
    """Pool initializer: this worker's text track reads the model at ``path`` with ``knobs``."""
    model = blockmodel.model_of(json.loads(Path(path).read_text(encoding="utf-8")))._replace(**knobs)
    blockmodel.load_model = lambda: model


def _score(page: dict) -> tuple[str, str, str, tuple[int, int, int]]:
    """(id, page type or language, dataset, counts) of the cleaned page."""
    out = quality.run_cleaner(page)
    if page["folder"].name == "wcxb-dev":
        gold = (page["folder"] / "gold" / f"{page['id']}.txt").read_text(encoding="utf-8")
        return page["id"], page["page_type"], "wcxb-dev", quality.shingle_counts(out, gold)
    snippets = json.loads((page["folder"] / "snippets" / f"{page['id']}.json").read_text(encoding="utf-8"))
    return page["id"], page.get("lang", ""), "traf-dev", quality.snippet_counts(out, snippets)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("half0", help="the model fitted on half 0 (it cleans half 1)")
    parser.add_argument("half1", help="the model fitted on half 1 (it cleans half 0)")
    shipped = blockmodel.load_model()
    parser.add_argument("--threshold", type=float, default=shipped.threshold)
    parser.add_argument("--smooth", type=float, default=shipped.smooth)
    parser.add_argument("--recall-weight", type=float, default=shipped.recall_weight)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pages", help="also write each page's (id, kind, dataset, counts) to this JSON file")
    args = parser.parse_args(argv)
    knobs = {"threshold": args.threshold, "smooth": args.smooth, "recall_weight": args.recall_weight}
    pages = quality.load_pages("wcxb-dev", None, "tune") + quality.load_pages("traf-dev", None, "tune")
    from multiprocessing import Pool
    results = []
    for half, path in enumerate((args.half0, args.half1)):
        others = [page for page in pages if half_of(page["id"]) != half]
        with Pool(max(1, args.workers), initializer=_use_model, initargs=(path, knobs)) as pool:
            results += pool.map(_score, others, chunksize=8)
    if args.pages:
        Path(args.pages).write_text(json.dumps(results), encoding="utf-8")
    by_type = defaultdict(list)
    snippets = [0, 0, 0]
    for _, kind, dataset, counts in results:
        if dataset == "wcxb-dev":
            by_type[kind].append(counts)
        else:
            snippets = [a + b for a, b in zip(snippets, counts)]
    every = [counts for rows in by_type.values() for counts in rows]
    f1, precision, recall = quality.shingle_scores(every)
    tp, fp, fn = snippets
    snippet_p, snippet_r = tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0
    snippet_f1 = 2 * snippet_p * snippet_r / (snippet_p + snippet_r) if snippet_p + snippet_r else 0.0
    print(f"decoding: threshold {args.threshold} smooth {args.smooth} recall weight {args.recall_weight}")
    print(f"wcxb-dev tune ({len(every)} pages): shingle F1 {f1:.4f} P {precision:.4f} R {recall:.4f}")
    for kind in sorted(by_type):
        kind_f1, _, kind_r = quality.shingle_scores(by_type[kind])
        print(f"  {kind} ({len(by_type[kind])}): F1 {kind_f1:.4f} R {kind_r:.4f}")
    print(f"traf-dev tune ({len(results) - len(every)} pages): snippet F1 {snippet_f1:.4f}")


if __name__ == "__main__":
    main()
