"""Train the HTML block ensemble (``cleaner/models/html_blocks.json``) on the tune split of the dev pages.

Each page is parsed once (:func:`cleaner.extract.parse_page`); trafilatura extracts from that
tree in four ways (its default main text, recall-favouring, fast, and both; comments excluded and
tables kept in all), and the page's visible lines are read (:func:`cleaner.extract.tree_lines`),
as the pipeline reads them.  ``--source`` chooses the extraction the ensemble reads; each line
gets :func:`cleaner.extract.ensemble_features` and a label: on wcxb-dev, how much of it is in
the gold (the share of the 4-token shingles touching its tokens found in the gold, as in
``bench/train_blocks.py``); on traf-dev, 1 for a line holding a ``with`` snippet and 0 for one
holding a ``without`` snippet (the others give no row; ``--traf-weight`` is the weight of one
traf-dev page, a wcxb-dev page weighing 1).

Only ``tune`` pages are used for training: the decoding knobs (threshold, smoothing) are chosen
on one part of them with trees fitted on the other part, for wcxb-dev shingle F1 plus
``--traf-share`` times traf-dev snippet F1; the shipped trees are then fitted on the whole tune
split.  ``val`` pages are scored only with ``--val`` (once, at the end), beside trafilatura's
default ``extract`` (from ``bench/quality.py``'s cache), and never influence a choice.
scikit-learn is needed here only.

One feature is a block model's log-odds: those of ``cleaner/models/html_block_model.json``, the
block model the ensemble is trained with, kept apart from the text track's ``blocks.json`` so
that a refit of the text track's model leaves the HTML track as it is.  To train the ensemble on
another block model, copy that model's file there first.

    python bench/train_html.py --workers 2 --source recall_fast    # extractions cached in bench/.cache/
    python bench/train_html.py --workers 2 --source fast --pick-only --no-write    # compare a source
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import CACHE, load_pages, page_html, shingle_counts, shingle_scores, snippet_counts  # noqa: E402
from train_blocks import fit_stage, part_of, snippet_labels, source_digest  # noqa: E402

from cleaner import blockmodel, blockstats, extract  # noqa: E402

MODEL = ROOT / "cleaner" / "models" / "html_blocks.json"
# The block model whose log-odds the ensemble reads (cleaner.blockmodel.load_html_feature_model).
FEATURE_MODEL = "html_block_model.json"
SOURCES = {"main": {}, "recall": {"favor_recall": True}, "fast": {"fast": True},
           "recall_fast": {"favor_recall": True, "fast": True}}


def extractions(page) -> dict:
    """trafilatura's texts, the page lines and the gold (or snippets) of one page."""
    html = page_html(page)
    out = {"id": page["id"], "type": page.get("page_type", "traf"), "split": page["split"],
           "dataset": page["folder"].name, "lang_given": page.get("lang")}
    try:
        tree = extract.parse_page(html)
    except extract.ExtractError:
        tree = None
    for name, options in SOURCES.items():
        try:
            out[name] = "" if tree is None else extract.trafilatura_text(tree, url=page.get("url"), **options)
        except extract.ExtractError:
            out[name] = ""
    out["texts"] = [] if tree is None else extract.tree_lines(tree)
    return {**out, **gold_of(page)}


def structure(page) -> dict:
    """The page's lines and what its markup says of each (:func:`cleaner.extract.page_structure`)."""
    try:
        tree = extract.parse_page(page_html(page))
    except extract.ExtractError:
        tree = None
    texts, marks = ([], None) if tree is None else extract.page_structure(tree)
    return {"id": page["id"], "texts": texts, "structure": marks}


def gold_of(page) -> dict:
    """The gold text of a wcxb-dev page, the snippets of a traf-dev page."""
    out = {}
    if page["folder"].name == "wcxb-dev":
        out["gold"] = (page["folder"] / "gold" / f"{page['id']}.txt").read_text(encoding="utf-8")
    else:
        out["snippets"] = json.loads((page["folder"] / "snippets" / f"{page['id']}.json").read_text(encoding="utf-8"))
    return out


def featurize(args) -> dict:
    page, source = args
    texts = page["texts"]
    marks = page["structure"] if page["structure"] is not None else extract.np.zeros((0, len(extract.STRUCTURE_NAMES)))
    if "gold" in page:
        label = extract.found_shares(texts, page["gold"])
    else:
        label = snippet_labels(texts, page["snippets"])
    return {**page, "label": label, "tokens": [len(blockstats.words(t)) for t in texts],
            "rows": extract.ensemble_features(texts, page[source], marks).tolist()}


def features_digest() -> str:
    """A digest of the code, rules and block model the features come from: features computed
    before any of them changed are not reused (the extractions and page lines are)."""
    digest = hashlib.sha1(source_digest().encode())
    digest.update((ROOT / "cleaner" / "models" / FEATURE_MODEL).read_bytes())
    return digest.hexdigest()[:12]


def load(workers: int, source: str) -> list[dict]:
    cache = CACHE / f"train_html-{source}-{features_digest()}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    raw = CACHE / "html_raw.pkl"
    from multiprocessing import Pool
    start = time.perf_counter()
    with Pool(workers) as pool:
        if raw.exists():
            data = pickle.loads(raw.read_bytes())
        else:
            pages = load_pages("wcxb-dev", None, "all") + load_pages("traf-dev", None, "all")
            data = pool.map(extractions, pages, chunksize=8)
            CACHE.mkdir(parents=True, exist_ok=True)
            raw.write_bytes(pickle.dumps(data))
            print(f"extractions of {len(data)} pages in {time.perf_counter() - start:.0f}s", file=sys.stderr)
        marked = CACHE / "html_structure.pkl"
        if marked.exists():
            marks = pickle.loads(marked.read_bytes())
        else:
            pages = load_pages("wcxb-dev", None, "all") + load_pages("traf-dev", None, "all")
            marks = {m["id"]: m for m in pool.map(structure, pages, chunksize=8)}
            marked.write_bytes(pickle.dumps(marks))
        for page in data:
            page.update(texts=marks[page["id"]]["texts"], structure=marks[page["id"]]["structure"])
        data = pool.map(featurize, [(p, source) for p in data], chunksize=8)
    print(f"features for {len(data)} pages in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    cache.write_bytes(pickle.dumps(data))
    return data


def training_rows(pages: list[dict], args):
    """Rows, labels and weights: every line of a wcxb-dev page (each page weighs 1, its lines by
    their tokens) and the snippet-labelled lines of a traf-dev page (each page weighs
    ``args.traf_weight``, its labelled lines alike)."""
    rows, y, w = [], [], []
    for page in pages:
        if "gold" in page:
            rows += page["rows"]
            y += [lab >= 0.5 for lab in page["label"]]
            total = 1 + sum(page["tokens"])
            w += [(1 + t) / total for t in page["tokens"]]
            continue
        labelled = [i for i, lab in enumerate(page["label"]) if lab is not None]
        if not labelled or not args.traf_weight:
            continue
        rows += [page["rows"][i] for i in labelled]
        y += [page["label"][i] >= 0.5 for i in labelled]
        w += [args.traf_weight / len(labelled)] * len(labelled)
    return rows, y, w


def fit(pages: list[dict], args):
    # The more of a line trafilatura's text holds and the likelier the text track's block model
    # finds it, the likelier it is main text: those features may only raise the odds.
    increasing = {"in_text", "own_in_text", "block_model"}
    monotonic = [1 if name in increasing else 0 for name in extract.ensemble_names()]
    return fit_stage(*training_rows(pages, args), args, monotonic=monotonic)


def decode(page: dict, values, threshold: float, smooth: float, keep_agreed: bool) -> str:
    import numpy as np
    model = extract.EnsembleModel(0.0, None, threshold, smooth, keep_agreed)
    keep = extract.decide(model, page["texts"], np.asarray(page["rows"]), blockmodel.smoothed(values, smooth))
    return "\n".join(t for t, k in zip(page["texts"], keep) if k)


def scores(pages, outputs) -> dict[str, float]:
    """wcxb-dev shingle F1 per page type and overall; traf-dev snippet F1 as 'traf'."""
    by_type = defaultdict(list)
    snippet = [0, 0, 0]
    for page, out in zip(pages, outputs):
        if "gold" in page:
            counts = shingle_counts(out, page["gold"])
            by_type["all"].append(counts)
            by_type[page["type"]].append(counts)
        else:
            snippet = [a + b for a, b in zip(snippet, snippet_counts(out, page["snippets"]))]
    result = {k: shingle_scores(v)[0] for k, v in sorted(by_type.items())}
    tp, fp, fn = snippet
    if tp + fp + fn:
        p, r = tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0
        result["traf"] = 2 * p * r / (p + r) if p + r else 0.0
    return result


def table(label: str, pages, outputs) -> None:
    s = scores(pages, outputs)
    print(f"| {label} | " + " | ".join(f"{k} {v:.3f}" for k, v in s.items()) + " |")


def peer_outputs() -> dict[str, str]:
    """trafilatura's default extract of every page, from bench/quality.py's cache."""
    out = {}
    for dataset in ("wcxb-dev", "traf-dev"):
        path = CACHE / f"{dataset}-trafilatura.json"
        if path.exists():
            out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--source", choices=tuple(SOURCES), default="recall_fast",
                        help="the extraction the ensemble reads (the shipped one: extract.ENSEMBLE_EXTRACTION)")
    parser.add_argument("--trees", type=int, default=150)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--l2", type=float, default=0.0)
    # read by train_blocks.fit_stage; the defaults are the shipped ensemble's (16 leaves, 40 rows a leaf)
    parser.add_argument("--leaves", type=int, default=None, help="leaves per tree at most (default: 2 ** depth)")
    parser.add_argument("--min-leaf", type=int, default=40, help="rows in a leaf at least")
    parser.add_argument("--traf-weight", type=float, default=1.0)
    parser.add_argument("--traf-share", type=float, default=1.0)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--pick-only", action="store_true", help="stop after scoring the pick part")
    parser.add_argument("--val", action="store_true", help="also score the val pages (once, at the end)")
    parser.add_argument("--free-decoding", dest="keep_agreed", action="store_false",
                        help="let the trees drop lines that both sources hold")
    args = parser.parse_args(argv)
    data = [p for p in load(args.workers, args.source) if p["texts"]]
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
    for keep_agreed in (False, True):
        top = None
        for smooth in (0.0, 0.25, 0.5):
            for threshold in [x / 4 for x in range(-8, 5)]:
                s = scores(pick, [decode(p, values[p["id"]], threshold, smooth, keep_agreed) for p in pick])
                objective = s["all"] + args.traf_share * s.get("traf", 0.0)
                if top is None or objective > top[0]:
                    top = (objective, threshold, smooth, keep_agreed, s)
        print(f"  pick part, keep_agreed {keep_agreed}: best objective {top[0]:.4f} (wcxb {top[4]['all']:.4f}, "
              f"traf {top[4].get('traf', 0):.4f}) at threshold {top[1]}, smooth {top[2]}", file=sys.stderr)
        if keep_agreed == args.keep_agreed:
            best = top
    _, threshold, smooth, keep_agreed, _ = best
    print(f"decoding chosen on the pick part: threshold {threshold}, smooth {smooth}, "
          f"keep_agreed {keep_agreed}", file=sys.stderr)
    peers = peer_outputs()
    print("\npick part (trees fitted without it):")
    table("trafilatura extract", pick, [peers.get(p["id"], "") for p in pick])
    table(f"trafilatura {args.source}", pick, [p[args.source] for p in pick])
    table("ensemble", pick, [decode(p, values[p["id"]], threshold, smooth, keep_agreed) for p in pick])
    if args.pick_only:
        return
    # The shipped trees are refitted on the whole tune split with the same settings (more pages,
    # same decoding); the tune rows below are then in-sample, the val rows are not.
    stage = fit(tune, args)
    base, trees = blockmodel._trees(stage)
    values = {p["id"]: blockmodel.ensemble(base, trees, p["rows"]) for p in data}
    for label, pages in (("tune", tune), ("val", val))[:2 if args.val else 1]:
        print(f"\n{label}: {len(pages)} pages")
        table("trafilatura extract", pages, [peers.get(p["id"], "") for p in pages])
        table(f"trafilatura {args.source}", pages, [p[args.source] for p in pages])
        table("ensemble", pages, [decode(p, values[p["id"]], threshold, smooth, keep_agreed) for p in pages])
    if not args.no_write:
        exported = {"features": names, "source": extract.ENSEMBLE_EXTRACTION, "stages": [stage],
                    "threshold": threshold, "smooth": smooth, "keep_agreed": keep_agreed,
                    "trained": {"pages": len(tune), "trees": args.trees, "depth": args.depth,
                                "traf_weight": args.traf_weight, "traf_share": args.traf_share},
                    # the block model whose log-odds the features hold (tests check it is the shipped one)
                    "block_model": blockmodel.trees_digest(blockmodel.read_model_file(
                        FEATURE_MODEL, blockmodel.feature_names(), "bench/train_blocks.py"))}
        if SOURCES[args.source] != extract.ENSEMBLE_EXTRACTION:
            sys.exit(f"not written: --source {args.source} is not extract.ENSEMBLE_EXTRACTION")
        MODEL.write_text(json.dumps(exported, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
