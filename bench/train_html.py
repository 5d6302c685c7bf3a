"""Train the HTML block ensemble (``cleaner/models/html_blocks.json``) on the tune split of wcxb-dev.

For each wcxb-dev page, trafilatura runs twice (its main text, comments excluded and tables kept,
and the same with ``favor_recall``) and the page's visible lines are collected
(:func:`cleaner.extract.page_lines`).  Each line gets :func:`cleaner.extract.ensemble_features`
and is labelled by how much of it is in the gold (the share of the 4-token shingles touching its
tokens found in the gold, as in ``bench/train_blocks.py``).  Only ``tune`` pages are used for
training: the decoding knobs (threshold, smoothing) are chosen on one part of them with trees
fitted on the other part, then the shipped trees are fitted on the whole tune split.  ``val`` pages are scored at the end, side by side with
trafilatura's own main text, and never influence a choice.  scikit-learn is needed here only.

    python bench/train_html.py --workers 2          # extractions cached in bench/.cache/
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import CACHE, load_pages, page_html, shingle_counts, shingle_scores  # noqa: E402
from train_blocks import fit_stage, part_of  # noqa: E402

from cleaner import blockmodel, extract  # noqa: E402
from cleaner.language import guess_language  # noqa: E402

MODEL = ROOT / "cleaner" / "models" / "html_blocks.json"


def extractions(page) -> dict:
    """trafilatura's two texts, the page lines and the gold of one page."""
    html = page_html(page)
    try:
        main, recall = extract.trafilatura_texts(html, url=page.get("url"))
    except extract.ExtractError:
        main = recall = ""
    try:
        lines = extract.page_lines(html)
    except extract.ExtractError:
        lines = ""
    gold = (page["folder"] / "gold" / f"{page['id']}.txt").read_text(encoding="utf-8")
    return {"id": page["id"], "type": page["page_type"], "split": page["split"], "main": main,
            "recall": recall, "lines": lines, "gold": gold}


def featurize(page: dict) -> dict:
    texts = [line for line in page["lines"].split("\n") if line.strip()]
    lang = guess_language("\n".join(texts))
    return {**page, "texts": texts, "label": extract.found_shares(texts, page["gold"]),
            "tokens": [len(extract._TOKEN.findall(t)) for t in texts],
            "rows": extract.ensemble_features(texts, page["main"], page["recall"], lang)}


def load(workers: int) -> list[dict]:
    cache = CACHE / "train_html.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    raw = CACHE / "html_raw.pkl"
    from multiprocessing import Pool
    start = time.perf_counter()
    with Pool(workers) as pool:
        if raw.exists():
            data = pickle.loads(raw.read_bytes())
        else:
            data = pool.map(extractions, load_pages("wcxb-dev", None, "all"), chunksize=8)
            raw.write_bytes(pickle.dumps(data))
        data = pool.map(featurize, data, chunksize=8)
    print(f"features for {len(data)} pages in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    cache.write_bytes(pickle.dumps(data))
    return data


def fit(pages: list[dict], args):
    rows = [r for p in pages for r in p["rows"]]
    # The more of a line trafilatura's extractions hold and the likelier the text track's block
    # model finds it, the likelier it is main text: those features may only raise the odds.
    increasing = {"in_main", "in_recall", "own_in_main", "own_in_recall", "block_model"}
    monotonic = [1 if name in increasing else 0 for name in extract.ensemble_names()]
    return fit_stage(rows, pages, args, monotonic=monotonic)


def decode(page: dict, values: list[float], threshold: float, smooth: float, keep_agreed: bool) -> str:
    keep = [v >= threshold or (keep_agreed and extract.agreed(row, BLOCK_THRESHOLD))
            for v, row in zip(blockmodel.smoothed(values, smooth), page["rows"])]
    keep = extract.with_heading(keep, page["texts"], page["rows"])
    return "\n".join(t for t, k in zip(page["texts"], keep) if k)


def scores(pages, outputs) -> dict[str, float]:
    by_type = defaultdict(list)
    for page, out in zip(pages, outputs):
        counts = shingle_counts(out, page["gold"])
        by_type["all"].append(counts)
        by_type[page["type"]].append(counts)
    return {k: shingle_scores(v)[0] for k, v in sorted(by_type.items())}


def table(label: str, pages, outputs) -> None:
    s = scores(pages, outputs)
    print(f"| {label} | " + " | ".join(f"{k} {v:.3f}" for k, v in s.items()) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--trees", type=int, default=150)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--free-decoding", dest="keep_agreed", action="store_false",
                        help="let the trees drop lines that all three sources hold")
    args = parser.parse_args(argv)
    data = [p for p in load(args.workers) if p["texts"]]
    names = extract.ensemble_names()
    tune = [p for p in data if p["split"] == "tune"]
    val = [p for p in data if p["split"] == "val"]
    fitting = [p for p in tune if part_of(p["id"]) == "fit"]
    pick = [p for p in tune if part_of(p["id"]) == "pick"]
    start = time.perf_counter()
    stage = fit(fitting, args)
    print(f"fit on {len(fitting)} pages in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    base, trees = blockmodel._trees(stage)
    values = {p["id"]: blockmodel.ensemble(base, trees, p["rows"]) for p in data}
    best = None
    # A line that both of trafilatura's extractions hold whole and the text track's block model
    # keeps is never removed: the trees only arbitrate where the sources disagree.  On the pick
    # part this costs a little F1 against free decoding (both are printed), and it keeps a short
    # page's last post or paragraph that the trees alone can drop.
    for keep_agreed in (False, True):
        top = None
        for smooth in (0.0, 0.25, 0.5):
            for threshold in [x / 4 for x in range(-8, 5)]:
                s = scores(pick, [decode(p, values[p["id"]], threshold, smooth, keep_agreed) for p in pick])
                if top is None or s["all"] > top[0]:
                    top = (s["all"], threshold, smooth, keep_agreed)
        print(f"  pick part, keep_agreed {keep_agreed}: best F1 {top[0]:.4f} at threshold {top[1]}, "
              f"smooth {top[2]}", file=sys.stderr)
        if keep_agreed == args.keep_agreed:
            best = top
    _, threshold, smooth, keep_agreed = best
    print(f"decoding chosen on the pick part: threshold {threshold}, smooth {smooth}, "
          f"keep_agreed {keep_agreed}", file=sys.stderr)
    # The shipped trees are refitted on the whole tune split with the same settings (more pages,
    # same decoding); the tune rows below are then in-sample, the val rows are not.
    stage = fit(tune, args)
    base, trees = blockmodel._trees(stage)
    values = {p["id"]: blockmodel.ensemble(base, trees, p["rows"]) for p in data}
    for label, pages in (("tune", tune), ("val", val), ("all", data)):
        print(f"\n{label}: {len(pages)} pages")
        table("trafilatura main", pages, [p["main"] for p in pages])
        table("ensemble", pages, [decode(p, values[p["id"]], threshold, smooth, keep_agreed) for p in pages])
    if not args.no_write:
        exported = {"features": names, "stages": [stage], "threshold": threshold, "smooth": smooth,
                    "keep_agreed": keep_agreed,
                    "trained": {"pages": len(tune), "trees": args.trees, "depth": args.depth}}
        MODEL.write_text(json.dumps(exported, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
