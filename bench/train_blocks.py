"""Train the block model (``cleaner/models/blocks.json``) on the tuning splits of wcxb-dev and traf-dev.

For each wcxb-dev page of the ``tune`` split (never the ``val`` split, see ``bench/quality.py``),
the naive text goes through the pipeline up to the region step (repair, normalise, phrase rules,
with the shipped defaults; the repeated short labels stay on the page, as the model reads them
at run time, the stage removing them only after its decision), and each block is labelled by how
much of it is in the gold: the share of the 4-gram shingles that touch its tokens (with three
tokens of context on each side, so short headings and list items are judged in place) found in
the gold's shingles.  traf-dev has no gold text, only snippets: a block holding a ``with``
snippet is a positive row, one holding a ``without`` snippet a negative one, the other blocks
give no row (``--traf-weight``: the weight of one traf-dev page's labelled blocks, a wcxb-dev
page weighing 1; most traf-dev pages are German, so these rows carry the model beyond English).
Features are :func:`cleaner.blockmodel.page_features`; the page language is guessed as the
pipeline guesses it.

The tune pages of both sets are cut in two by a hash of the id: the trees are fitted on one
part, and the decoding knobs (threshold, smoothing) are chosen on the other, maximising wcxb-dev
shingle F1 plus ``--traf-share`` times traf-dev snippet F1, with wcxb-dev recall of at least
``--min-recall`` (0.85: keeping everything reaches only about 0.91 on these pages).  Each
decoding is scored on the output of the pipeline's own boilerplate stage
(:func:`cleaner.boilerplate.filter_blocks` with the candidate model: its page-relative
threshold, region margin, repeated labels removed after the model, and later passes).  With
``--stages 2`` a second ensemble reads the block's features plus the first stage's log-odds of
the block, its neighbours and the page, and the shape of the teaser lists around the block
(runs of title-shaped blocks, repeated blocks nearby; :func:`cleaner.blockmodel.context_features`)
and how much of the block's vocabulary the page's confident blocks share
(:func:`cleaner.blockmodel.cohesion_columns`), learned from out-of-fold first-stage values.  Each fit page is also shown to the trees a second time as
its gold-like blocks alone, so that the model keeps a page that is already clean (cleaning the
output again must change nothing).  scikit-learn is needed here only; the package evaluates the
exported trees with numpy.

The shipped decoding (threshold and smoothing; the trees were refitted since, see ``--stages 3``
below): the decoding is the one of best wcxb-dev F1 on the pick part among those that
keep wcxb-dev recall >= 0.85 and traf-dev snippet F1 >= 0.88, then the trees are refitted on all
tune pages (the command below; it chose smoothing 0.5 at threshold 0.125, pick F1 0.7914, traf-dev
0.8865; the shipped file has smoothing 0.25 at the same threshold, pick F1 0.7912, traf-dev 0.8913,
because smoothing 0.5 keeps a one-word menu line next to the text of a test page,
tests/test_quality.py):

    python bench/train_blocks.py --workers 2 --stages 2 --trees2 60 --traf-weight 3 --traf-floor 0.88 --refit

The shipped file also gives a recall weight (written by ``--recall-weight``; 0.825 until the
third stage below, 0.9 with it): a page's threshold may fall to where the expected precision plus
that weight times the expected recall of what is kept is highest
(:func:`cleaner.boilerplate.expected_threshold`).  It was chosen with ``bench/cross_fit.py``, which scores a decoding on every tune page with two models
fitted on one half each (``--half``), as the least weight tried that keeps the tune recall at 0.90
(docs/quality.md, "Expected recall": 0.65; "Copies of kept blocks": 0.8, once the boilerplate
stage dropped the copies of kept blocks; "Lines printed twice": 0.825, once it read a doubled
line as its text once; "A third stage": 0.9, the least weight whose tune recall is at least 0.905).

``--soft-labels`` makes each wcxb-dev block a positive row weighted by its gold share and a
negative row weighted by the rest, instead of one row positive from a share of 0.5; cross-fitted,
it moved the model along the precision-recall curve and compressed its log-odds, and was not
shipped (docs/quality.md, "More languages; block-model variants"); with the vocabulary columns it
gained at matched recall on tune, but not on val (docs/quality.md, "Tables and soft labels").

``--stages 3`` adds a third stage that reads the second's log-odds as the second reads the
first's; ``--folds`` sets how many folds give the out-of-fold values a later stage learns from
(2 by default), and ``--fold-by page`` puts each page in a fold by a hash of its id, its clean
copy with it (the default, ``index``, takes every k-th page of the list, so a page and its copy
could fall in different folds: the copy's out-of-fold values then came from trees that had seen
the page).  The shipped model has three stages, four folds by page and the recall weight 0.9,
the least weight tried whose cross-fitted tune recall is at least 0.905 (docs/quality.md, "A
third stage"), refitted on all tune pages at the threshold and smoothing above:

    python bench/train_blocks.py --workers 2 --stages 3 --folds 4 --fold-by page --trees2 60 --traf-weight 3 --refit --no-grid --recall-weight 0.9

``--no-grid`` skips the decoding grid and keeps the shipped file's threshold and smoothing: for
the half-fits of ``bench/cross_fit.py`` (which sets the decoding itself), or with ``--refit`` to
refit the trees on the blocks changed rules leave (the rules run before the model).  A refit
changes the block model's log-odds; the HTML block ensemble reads as a feature those of the
block model it was trained with (``cleaner/models/html_block_model.json``, ``bench/train_html.py``),
so a refit leaves the HTML track as it is until that file is replaced and the ensemble retrained
(the ensemble's file records the digest of the block model's trees, and a test fails when they
differ; docs/quality.md, "Platform texts by rule", "A third stage").

Measured (full pipeline on the pick part of tune, 308 wcxb-dev and 90 traf-dev pages no variant
was fitted on; wcxb-dev shingle F1 / articles / traf-dev snippet F1): the earlier model 0.773 /
0.876 / 0.856; retrained on the current blocks, one stage 0.770 / 0.872 / 0.856; plus traf-dev
rows (weight 1) and the joint objective 0.769 / 0.874 / 0.872, weight 3 0.773 / 0.878 / 0.876;
two stages (weight 3) with 120 + 120 trees 0.781 / 0.883 / 0.888 (the text track 15% slower),
120 + 40 trees 0.779 / 0.883 / 0.892 (keeps a one-word menu line next to the text on a test
page), 80 + 60 trees 0.777 / 0.881 / 0.895, 120 + 60 trees 0.780 / 0.884 / 0.890 (shipped),
120 + 40 trees with weight 2 0.778 / 0.881 / 0.885.  Weight 6 lowered the pick part's wcxb-dev
F1 in the script's own decoding (0.779 against 0.787 at weight 3).  Earlier rounds: bigger
ensembles (250 trees of depth 5) and recall floors of 0.87 to 0.90 did not help.

Once the stage judged repeated labels after the model and set a page-relative threshold, that
model measured 0.7856 / 0.8880 / 0.8929 (precision 0.718, recall 0.867).  Trained on the blocks
with their labels and its decoding chosen on the stage's own output (same command): 0.7880 /
0.8895 / 0.8980 (threshold 0.0, smoothing 0.25); plus the teaser-list context columns of the
second stage, 0.7912 / 0.8916 / 0.8969 (threshold 0.125, smoothing 0.25; precision 0.736, recall
0.856; shipped, the better on the script's objective).

    python bench/train_blocks.py --workers 2            # features cached in bench/.cache/

The figures above were measured before the stage kept the blocks between its first and last kept
block down to the threshold less 0.5 (``boilerplate._SPAN_MARGIN``); the decodings the script
tries now include that step. With it, the shipped decoding scores 0.7940 / 0.8913 / 0.8885 on the
pick part (recall 0.878, fit-only trees; docs/quality.md, "Blocks between kept ones").  With the
recall weight of 0.65 on top, 0.7946 / 0.8917 / 0.8857 (recall 0.901; the fit-only trees of that
round, the rules of this one).

The model of pages without capitals (``cleaner/models/blocks_caseless.json``, read for a page
:func:`cleaner.blockmodel.is_caseless` finds so: Korean, Chinese, Japanese, Arabic, a page in
lower case) is trained the same way on every page, gold and snippets in lower case: the
shipped model leans on capitals (title-case menu items), and on the pick part in lower case it
scored F1 0.742 (precision 0.614: it kept nearly everything); this one, fitted on the fit part
in lower case, 0.789 (P 0.735, R 0.852, traf-dev 0.892; threshold 0.25, smoothing 0.25).  It
ships as fitted on the fit part (the command below): refitted on all tune pages, it kept the
share buttons and related links of the Korean and Chinese test pages (fixtures/caseless/).

    python bench/train_blocks.py --workers 2 --stages 2 --trees2 60 --traf-weight 3 --traf-floor 0.88 --lowercase
"""
from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import math
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import (CACHE, load_pages, naive, shingle_counts, shingle_scores, shingles,  # noqa: E402
                     snippet_counts, _fold, _TOKEN)

import importlib  # noqa: E402

from cleaner import blockmodel, blockstats, boilerplate, normalise, write  # noqa: E402
from cleaner.config import DEFAULT_CONFIG  # noqa: E402

MODEL = ROOT / "cleaner" / "models" / "blocks.json"
CASELESS_MODEL = ROOT / "cleaner" / "models" / "blocks_caseless.json"
CONTEXT = 3


def split_page(text: str) -> list:
    """The page's blocks as the boilerplate stage receives them (repaired, split)."""
    text = importlib.import_module("cleaner.repair").repair(text, DEFAULT_CONFIG)
    return normalise.split_blocks(text, unwrap=DEFAULT_CONFIG.unwrap)[0]


def page_blocks(blocks: list) -> list[str]:
    """The blocks the block model reads on the first pass, as the pipeline makes them: after
    the phrase rules, with the repeated short labels still on the page (the stage removes them
    only after the model's decision)."""
    kept, _ = boilerplate.apply_phrase_rules(blocks, DEFAULT_CONFIG, None, [])
    return [b.text for b in kept]


def labels(texts: list[str], gold: str) -> tuple[list[float], list[int]]:
    """Each block's share of in-gold context shingles, and its token count."""
    gold_shingles = set(shingles(gold))
    tokens = [_TOKEN.findall(t) for t in texts]
    flat: list[str] = []
    owner: list[int] = []
    for i, toks in enumerate(tokens):
        flat += toks
        owner += [i] * len(toks)
    hits = [0] * len(texts)
    total = [0] * len(texts)
    for start in range(max(0, len(flat) - 3)):
        gram = tuple(flat[start:start + 4])
        found = gram in gold_shingles
        for i in set(owner[start:start + 4]):
            total[i] += 1
            hits[i] += found
    return [h / t if t else 0.0 for h, t in zip(hits, total)], [len(t) for t in tokens]


# With --lowercase: every page and gold text in lower case (set before the workers start).
_LOWER = [False]


def _cased(text: str) -> str:
    return text.lower() if _LOWER[0] else text


def prepare(page) -> dict:
    split = split_page(_cased(naive(page)))
    texts = page_blocks(split)
    gold = _cased((page["folder"] / "gold" / f"{page['id']}.txt").read_text(encoding="utf-8"))
    lang = boilerplate.page_language(blockstats.Page(texts))  # as the pipeline guesses it
    share, ntok = labels(texts, gold)
    return {"id": page["id"], "type": page["page_type"], "texts": texts, "lang": lang,
            "label": share, "tokens": ntok, "rows": blockmodel.page_features(texts, lang), "gold": gold, "split": split}


def snippet_labels(texts: list[str], snippets: dict) -> list[float | None]:
    """1.0 for a block holding a ``with`` snippet, 0.0 for one holding a ``without`` snippet
    (and no ``with`` one), None for the others (no label).  A snippet that runs across blocks
    labels each block it touches."""
    folded = [_fold(t) for t in texts]
    starts, at = [], 0
    for text in folded:
        starts.append(at)
        at += len(text) + 1
    joined = " ".join(folded)
    out: list[float | None] = [None] * len(texts)
    for key, value in (("without", 0.0), ("with", 1.0)):
        for snippet in snippets.get(key, []):
            snippet = _fold(snippet)
            if not snippet:
                continue
            begin = joined.find(snippet)
            while begin >= 0:
                first = max(0, bisect.bisect_right(starts, begin) - 1)
                last = max(0, bisect.bisect_left(starts, begin + len(snippet)) - 1)
                for i in range(first, last + 1):
                    out[i] = value if out[i] != 1.0 else 1.0
                begin = joined.find(snippet, begin + 1)
    return out


def prepare_snippets(page) -> dict:
    """A traf-dev page: its blocks, features, snippet labels (no gold text)."""
    split = split_page(_cased(naive(page)))
    texts = page_blocks(split)
    snippets = json.loads(_cased((page["folder"] / "snippets" / f"{page['id']}.json").read_text(encoding="utf-8")))
    lang = boilerplate.page_language(blockstats.Page(texts))
    return {"id": page["id"], "lang": lang, "texts": texts, "snippets": snippets,
            "label": snippet_labels(texts, snippets), "rows": blockmodel.page_features(texts, lang), "split": split}


# The id suffix of a page's clean copy (its gold-like blocks alone).
_CLEAN = "#clean"


def cleaned_copy(page: dict) -> dict:
    """The page as its gold-like blocks alone: the model must keep a page that is already clean,
    or cleaning its own output would remove more (the stage is a fixpoint)."""
    texts = [t for t, lab in zip(page["texts"], page["label"]) if lab >= 0.5]
    share, ntok = labels(texts, page["gold"])
    page = {k: v for k, v in page.items() if k not in ("ref", "block_tokens", "split")}
    return {**page, "id": page["id"] + _CLEAN, "texts": texts, "label": share, "tokens": ntok,
            "rows": blockmodel.page_features(texts, page["lang"])}


def part_of(page_id: str) -> str:
    """'fit' or 'pick' (the part of the tune split that chooses the decoding knobs)."""
    return "pick" if int(hashlib.md5(page_id.encode()).hexdigest(), 16) % 100 < 30 else "fit"


def half_of(page_id: str) -> int:
    """0 or 1: the half of the tune split a page belongs to, for cross-fitting (``--half``)."""
    return int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % 2


def source_id(page_id: str) -> str:
    """The id of the page a clean copy (:func:`cleaned_copy`) was made from; a page's own id."""
    return page_id.removesuffix(_CLEAN)


def fold_of(page_id: str, count: int) -> int:
    """The fold of a page among ``count`` for the out-of-fold values of a later stage: by a hash
    of its id (not the one :func:`half_of` reads), a clean copy in its page's fold, so that no
    fold's values come from trees that saw the same page."""
    return int(hashlib.blake2b(source_id(page_id).encode(), digest_size=8).hexdigest(), 16) % count


def source_digest() -> str:
    """A digest of the code and rules that make the blocks and their features: a cache made
    before any of them changed is not reused."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "cleaner").rglob("*")):
        if path.suffix in (".py", ".toml", ".txt") and "models" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load(workers: int) -> tuple[list[dict], list[dict]]:
    """The tune pages of wcxb-dev (gold labels) and of traf-dev (snippet labels), with features."""
    cache = CACHE / f"train_blocks-labels-{source_digest()}{'-lower' if _LOWER[0] else ''}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from multiprocessing import Pool
    start = time.perf_counter()
    with Pool(max(1, workers)) as pool:
        data = pool.map(prepare, load_pages("wcxb-dev", None, "tune"), chunksize=8)
        traf = pool.map(prepare_snippets, load_pages("traf-dev", None, "tune"), chunksize=8)
    print(f"features for {len(data)} + {len(traf)} pages in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps((data, traf)))
    return data, traf


def with_html_labels(traf: list[dict], workers: int) -> None:
    """Give each traf-dev page the share of each block's context shingles found in the HTML
    track's text of the page (``pseudo``), for the blocks no snippet labels (``--traf-pseudo``).
    A page whose HTML text is under 200 characters gets none: the extraction failed there."""
    import quality
    pages = load_pages("traf-dev", None, "tune")
    texts, _ = quality.outputs("cleaner-html", "traf-dev", pages, workers)
    for page in traf:
        html_text = texts.get(page["id"], "")
        if len(html_text) >= 200:
            page["pseudo"], page["tokens"] = labels(page["texts"], _cased(html_text))


def export(model, names: list[str]) -> dict:  # noqa: ARG001
    """The fitted ensemble as flat arrays (leaf values already hold the learning rate)."""
    import numpy as np
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append({
            "feature": [-1 if l else int(f) for f, l in zip(nodes["feature_idx"], leaf)],
            "threshold": [0.0 if l else float(t) for t, l in zip(nodes["num_threshold"], leaf)],
            "left": [-1 if l else int(c) for c, l in zip(nodes["left"], leaf)],
            "right": [-1 if l else int(c) for c, l in zip(nodes["right"], leaf)],
            "value": [round(float(v), 6) if l else 0.0 for v, l in zip(nodes["value"], leaf)],
        })
    return {"base": float(np.ravel(model._baseline_prediction)[0]), "trees": trees}


# The decoding grid: the smoothing weight and the model threshold.
SMOOTHS = (0.0, 0.25, 0.5)
THRESHOLDS = [x / 8 for x in range(-12, 7)]

_candidate: list = []
_recall_weight = [0.0]  # the recall weight the candidate models decode with (--recall-weight)


def _use_stages(stages: list[dict], recall_weight: float = 0.0) -> None:
    """Pool initializer: the boilerplate stage of this worker reads the candidate ``stages``
    instead of the shipped model (with the threshold and smoothing of each decoding tried, and
    ``recall_weight``)."""
    _candidate[:] = [blockmodel._trees(stage) for stage in stages]
    _recall_weight[0] = recall_weight


def decode_page(page: dict) -> list[tuple[int, int, int]]:
    """The page's counts for each decoding of the grid (smoothing outer, threshold inner):
    shingle (tp, fp, fn) against the gold for a wcxb-dev page, snippet (tp, fp, fn) for a
    traf-dev one.  The text is the boilerplate stage's output as the pipeline makes it
    (:func:`cleaner.boilerplate.filter_blocks`: every pass, the page threshold, the region
    margin, the repeated labels removed after the model), so the knobs are chosen for the
    decision rule the package runs."""
    names = blockmodel.feature_names()
    shipped = blockmodel.load_model, blockmodel.load_caseless_model
    out = []
    try:
        for smooth in SMOOTHS:
            for threshold in THRESHOLDS:
                model = blockmodel.Model(names, _candidate, threshold, smooth, _recall_weight[0])
                blockmodel.load_model = blockmodel.load_caseless_model = lambda model=model: model
                blocks, _ = boilerplate.filter_blocks(page["split"], DEFAULT_CONFIG)
                text = write.render(blocks)
                out.append(snippet_counts(text, page["snippets"]) if "snippets" in page
                           else shingle_counts(text, page["gold"]))
    finally:
        blockmodel.load_model, blockmodel.load_caseless_model = shipped
    return out


def training_rows(pages: list[dict], traf: list[dict], args, extra: dict | None = None):
    """The rows, labels and weights of the wcxb-dev ``pages`` (every block; each page weighs
    the same, its blocks by their tokens; with ``args.soft_labels``, a block's weight is split
    between a positive and a negative row by its gold share) and of the traf-dev pages ``traf`` (the blocks a
    snippet labels; each page weighs ``args.traf_weight``, its labelled blocks alike).
    ``extra``: each page's first-stage values, for a second stage."""
    rows, y, w = [], [], []
    for page in pages:
        page_rows = page["rows"]
        if extra is not None:
            page_rows = [r + e for r, e in zip(page_rows, blockmodel.context_features(extra[page["id"]], page["rows"], page["texts"], page["lang"]))]
        total = 1 + sum(page["tokens"])
        if getattr(args, "soft_labels", False):  # each block twice: main text by its share, else by the rest
            for row, tokens, label in zip(page_rows, page["tokens"], page["label"]):
                for positive, share in ((True, label), (False, 1 - label)):
                    if share > 0:
                        rows.append(row)
                        y.append(positive)
                        w.append((1 + tokens) / total * share)
            continue
        rows += page_rows
        y += [lab >= 0.5 for lab in page["label"]]
        w += [(1 + t) / total for t in page["tokens"]]
    for page in traf:
        labelled = [i for i, lab in enumerate(page["label"]) if lab is not None]
        if not labelled:
            continue
        page_rows = page["rows"]
        if extra is not None:
            page_rows = [r + e for r, e in zip(page_rows, blockmodel.context_features(extra[page["id"]], page["rows"], page["texts"], page["lang"]))]
        rows += [page_rows[i] for i in labelled]
        y += [page["label"][i] >= 0.5 for i in labelled]
        w += [args.traf_weight / len(labelled)] * len(labelled)
        if "pseudo" in page and getattr(args, "traf_pseudo", 0.0) > 0:
            others = [i for i, lab in enumerate(page["label"]) if lab is None]
            total = 1 + sum(page["tokens"])
            rows += [page_rows[i] for i in others]
            y += [page["pseudo"][i] >= 0.5 for i in others]
            w += [args.traf_pseudo * (1 + page["tokens"][i]) / total for i in others]
    return rows, y, w


def fit_stage(rows, y, w, args, monotonic=None, trees=None):
    """One gradient-boosted stage on ``rows`` with labels ``y`` and weights ``w``;
    ``monotonic`` gives scikit-learn's per-feature constraints (1: may only raise the odds)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    X = np.array(rows, dtype=np.float64)
    y = np.array(y, dtype=int)
    w = np.array(w, dtype=np.float64)
    model = HistGradientBoostingClassifier(monotonic_cst=monotonic, max_iter=trees or args.trees, max_depth=args.depth,
                                           learning_rate=args.learning_rate,
                                           max_leaf_nodes=args.leaves or 2 ** args.depth,
                                           min_samples_leaf=args.min_leaf, l2_regularization=args.l2,
                                           early_stopping=False, random_state=0)
    model.fit(X, y, sample_weight=w / w.mean())
    exported = export(model, [])
    base, trees = blockmodel._trees(exported)
    gap = float(np.max(np.abs(model.decision_function(X[:500]) - np.array(blockmodel.ensemble(base, trees, rows[:500])))))
    assert gap < 1e-3, f"exported trees disagree with scikit-learn by {gap}"
    gap = float(np.max(np.abs(ensemble_np(exported, X[:500]) - np.array(blockmodel.ensemble(base, trees, rows[:500])))))
    assert gap < 1e-9, f"the vectorised trees disagree with the package's by {gap}"
    return exported


def ensemble_np(stage: dict, X):
    """The stage's log-odds for the rows of ``X``, all rows at once (the same values as
    :func:`cleaner.blockmodel.ensemble`, vectorised for training)."""
    import numpy as np
    out = np.full(len(X), stage["base"])
    rows = np.arange(len(X))
    for tree in stage["trees"]:
        feature, threshold = np.array(tree["feature"]), np.array(tree["threshold"])
        left, right, value = np.array(tree["left"]), np.array(tree["right"]), np.array(tree["value"])
        node = np.zeros(len(X), dtype=int)
        while True:
            inner = left[node] >= 0
            if not inner.any():
                break
            go_left = X[rows, np.where(inner, feature[node], 0)] <= threshold[node]
            node = np.where(inner, np.where(go_left, left[node], right[node]), node)
        out += value[node]
    return out


def stage_values(stage: dict, pages: list[dict], extra: dict | None = None) -> dict[str, list[float]]:
    """Each page's log-odds from ``stage`` (``extra``: the first stage's values, for a second)."""
    import numpy as np
    rows: list[list[float]] = []
    for page in pages:
        if extra is None:
            rows += page["rows"]
        else:
            rows += [r + e for r, e in zip(page["rows"], blockmodel.context_features(extra[page["id"]], page["rows"], page["texts"], page["lang"]))]
    flat = ensemble_np(stage, np.array(rows, dtype=np.float64)).tolist() if rows else []
    out, start = {}, 0
    for page in pages:
        out[page["id"]] = flat[start:start + len(page["rows"])]
        start += len(page["rows"])
    return out


def train(pages: list[dict], traf: list[dict], args) -> list[dict]:
    """The stages fitted on ``pages`` (wcxb-dev, with their clean copies) and ``traf``; a second
    stage learns from out-of-fold first-stage values (``args.folds`` folds), a third from
    out-of-fold second-stage values."""
    stage1 = fit_stage(*training_rows(pages, traf, args), args)
    if args.stages == 1:
        return [stage1]
    oof: dict[str, list[float]] = {}
    folds = []
    count = args.folds
    where = [[fold_of(p["id"], count) if args.fold_by == "page" else k % count for k, p in enumerate(group)]
             for group in (pages, traf)]
    for fold in range(count):
        inside = [[p for p, f in zip(group, at) if f != fold] for group, at in zip((pages, traf), where)]
        outside = [p for group, at in zip((pages, traf), where) for p, f in zip(group, at) if f == fold]
        folds.append((inside, outside))
        model = fit_stage(*training_rows(*inside, args), args)
        oof.update(stage_values(model, outside))
    stages = [stage1, fit_stage(*training_rows(pages, traf, args, oof), args, trees=args.trees2)]
    for _ in range(2, args.stages):
        # A later stage reads the one before it as the second stage reads the first: its
        # out-of-fold values come from the previous stage refitted without the fold.
        later: dict[str, list[float]] = {}
        for inside, outside in folds:
            model = fit_stage(*training_rows(*inside, args, oof), args, trees=args.trees2)
            later.update(stage_values(model, outside, oof))
        oof = later
        stages.append(fit_stage(*training_rows(pages, traf, args, oof), args, trees=args.trees2))
    return stages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--trees", type=int, default=120)
    parser.add_argument("--trees2", type=int, default=None, help="trees of the second stage (default: --trees)")
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--l2", type=float, default=0.0)
    parser.add_argument("--leaves", type=int, default=None, help="leaves per tree at most (default: 2 ** depth)")
    parser.add_argument("--min-leaf", type=int, default=40, help="rows in a leaf at least")
    parser.add_argument("--no-grid", action="store_true",
                        help="skip the decoding grid and keep the shipped model's decoding (for the "
                             "half-fits of bench/cross_fit.py, which sets the decoding itself, or with "
                             "--refit to refit the shipped trees on blocks made by changed rules)")
    parser.add_argument("--min-recall", type=float, default=0.85)
    parser.add_argument("--recall-weight", type=float, default=0.0,
                        help="the model's recall weight: its pages' thresholds may fall for expected "
                             "recall (cleaner.boilerplate.expected_threshold; 0: never)")
    parser.add_argument("--traf-weight", type=float, default=0.0,
                        help="weight of a traf-dev tune page's snippet-labelled blocks (a wcxb page weighs 1)")
    parser.add_argument("--traf-pseudo", type=float, default=0.0,
                        help="weight of a traf-dev tune page's other blocks, labelled by the HTML track's "
                             "text of the page (a wcxb page weighs 1; 0: no such rows)")
    parser.add_argument("--traf-share", type=float, default=0.0,
                        help="weight of traf-dev snippet F1 in the decoding objective (wcxb F1 has 1)")
    parser.add_argument("--traf-floor", type=float, default=0.0,
                        help="a decoding must reach this traf-dev snippet F1 on the pick part")
    parser.add_argument("--lowercase", action="store_true",
                        help="train the model of pages without capitals (cleaner/models/blocks_caseless.json) "
                             "on every page in lower case")
    parser.add_argument("--soft-labels", action="store_true",
                        help="a wcxb-dev block is a positive row weighted by its share of gold shingles and a "
                             "negative row weighted by the rest (default: one row, positive from a share of 0.5)")
    parser.add_argument("--half", type=int, choices=(0, 1), default=None,
                        help="fit on this half of the tune pages instead of the fit part (for "
                             "bench/cross_fit.py; the decoding is chosen on the other half)")
    parser.add_argument("--refit", action="store_true",
                        help="once the decoding is chosen, fit the shipped trees on all tune pages")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the model (default: cleaner/models/blocks.json, or "
                             "blocks_caseless.json with --lowercase)")
    parser.add_argument("--folds", type=int, default=2,
                        help="folds of the out-of-fold values a later stage learns from")
    parser.add_argument("--fold-by", choices=("index", "page"), default="index",
                        help="index: every k-th page of the list (a clean copy may fall in another fold "
                             "than its page); page: by a hash of the page id, a clean copy with its page")
    parser.add_argument("--stages", type=int, choices=(1, 2, 3), default=1,
                        help="2 adds a stage reading the first stage's view of the neighbourhood, "
                             "3 a stage reading the second's the same way")
    args = parser.parse_args(argv)
    _LOWER[0] = args.lowercase
    args.out = args.out or (CASELESS_MODEL if args.lowercase else MODEL)

    data, traf = load(args.workers)
    if args.traf_pseudo > 0:
        with_html_labels(traf, args.workers)
    names = blockmodel.feature_names()
    if args.half is None:
        part = part_of
    else:  # fitted on one half, the decoding chosen on the other (bench/cross_fit.py)
        def part(page_id: str) -> str:
            return "fit" if half_of(page_id) == args.half else "pick"
    fit = [p for p in data if part(p["id"]) == "fit"]
    pick = [p for p in data if part(p["id"]) == "pick"]
    traf_fit = [p for p in traf if part(p["id"]) == "fit"]
    traf_pick = [p for p in traf if part(p["id"]) == "pick"]
    from multiprocessing import Pool
    with Pool(max(1, args.workers)) as pool:
        copies = [p for p in pool.map(cleaned_copy, data, chunksize=8) if len(p["texts"]) >= 6]
    fit_copies = [p for p in copies if part(source_id(p["id"])) == "fit"]
    print(f"fit: {len(fit)} + {len(fit_copies)} clean copies + {len(traf_fit)} traf-dev pages; "
          f"pick: {len(pick)} + {len(traf_pick)} traf-dev pages", file=sys.stderr)
    refit_now = args.no_grid and args.refit  # no decoding to choose: straight to all tune pages
    # the pages the written trees are fitted on (all tune pages with --refit)
    trained_on = (len(data), len(traf)) if args.refit else (len(fit), len(traf_fit))
    start = time.perf_counter()
    stages = train(data + copies, traf, args) if refit_now else train(fit + fit_copies, traf_fit, args)
    print(f"trained in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    if args.no_grid:
        shipped = blockmodel.load_model()
        _write(args, names, stages, shipped.threshold, shipped.smooth, *trained_on, {})
        return
    start = time.perf_counter()
    with Pool(max(1, args.workers), initializer=_use_stages, initargs=(stages, args.recall_weight)) as pool:
        counts = pool.map(decode_page, [{key: page[key] for key in ("split", "gold", "snippets") if key in page}
                                        for page in pick + traf_pick], chunksize=4)
    print(f"decodings tried in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    best = None
    grid = [(smooth, threshold) for smooth in SMOOTHS for threshold in THRESHOLDS]
    for at, (smooth, threshold) in enumerate(grid):
        f1, p, r = shingle_scores([page_counts[at] for page_counts in counts[:len(pick)]])
        tp, fp, fn = (sum(c[at][k] for c in counts[len(pick):]) for k in range(3))
        tp_ = tp / (tp + fp) if tp + fp else 0.0
        tr_ = tp / (tp + fn) if tp + fn else 0.0
        tf1 = 2 * tp_ * tr_ / (tp_ + tr_) if tp_ + tr_ else 0.0
        goal = f1 + args.traf_share * tf1
        print(f"  smooth {smooth} threshold {threshold}: F1 {f1:.4f} P {p:.4f} R {r:.4f} traf {tf1:.4f}",
              file=sys.stderr)
        if r >= args.min_recall and tf1 >= args.traf_floor and (best is None or goal > best[0]):
            best = (goal, f1, p, r, tf1, threshold, smooth)
    assert best is not None, "no decoding reaches the recall and traf-dev floors"
    _, f1, p, r, tf1, threshold, smooth = best
    print(f"pick split: F1 {f1:.3f} P {p:.3f} R {r:.3f} traf-dev {tf1:.3f} at threshold {threshold} "
          f"smooth {smooth}", file=sys.stderr)
    if args.refit:
        stages = train(data + copies, traf, args)
    _write(args, names, stages, threshold, smooth, *trained_on,
           {"pick_f1": round(f1, 4), "pick_recall": round(r, 4), "pick_traf_f1": round(tf1, 4)})


def _write(args, names: list[str], stages: list[dict], threshold: float, smooth: float, pages: int,
           traf_pages: int, scores: dict) -> None:
    """The model file: its stages, decoding and how it was trained."""
    exported = {"features": names, "stages": stages, "threshold": threshold, "smooth": smooth,
                "recall_weight": args.recall_weight,
                "trained": {"pages": pages, "traf_pages": traf_pages, "stages": len(stages), "trees": args.trees,
                            "trees2": args.trees2 or args.trees, "depth": args.depth,
                            "leaves": args.leaves or 2 ** args.depth, "min_leaf": args.min_leaf,
                            "learning_rate": args.learning_rate, "l2": args.l2,
                            "traf_weight": args.traf_weight, "traf_pseudo": args.traf_pseudo,
                            "soft_labels": args.soft_labels, "folds": args.folds, "fold_by": args.fold_by, **scores}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(exported, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
