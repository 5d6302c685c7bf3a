"""Boilerplate quality benchmark: the cleaner against its peers, side by side, on real pages.

Reads ``../shared/bench/wcxb-dev`` (gold text) and ``../shared/bench/traf-dev`` (snippets), see
``../shared/bench/README.md``.  Methods, all on the same input:

* text track (input: the naive scraped text): ``keep`` (keep everything), ``c4`` (C4's line rules
  as datatrove's C4QualityFilter applies them, page-level drops off), ``justext`` (each line a
  <p>, the page language's stoplist), ``cleaner`` (``cleaner.clean(text, format="text")``) and
  ``cleaner-region`` (the same without the block model: the segment region alone);
* HTML track (input: the page): ``trafilatura`` (``trafilatura.extract`` defaults) and
  ``cleaner-html`` (``cleaner.clean(html, format="html")``) and ``cleaner-html-ensemble`` (the
  same with ``CleanerConfig(html_ensemble=True)``, which is the default).

Scores (as the shared README defines them): shingle F1/precision/recall and bag-of-words F1 on
wcxb-dev, overall and per page type; snippet F1 on traf-dev; and a leak table: pages whose
output still holds a comment form, share prompt, related links, cookie notice, newsletter
prompt or ad label that the gold does not.

Every page belongs to the ``tune`` or the ``val`` split, fixed by a hash of its id (35% val).
Anything tuned on dev pages was tuned on ``tune`` only; ``--split val`` scores the pages no
tuning saw.  Peer outputs are cached in ``bench/.cache/`` (delete it to recompute).

    python bench/quality.py                       # both datasets, every method, all pages
    python bench/quality.py --split val --limit 300 --methods keep,cleaner
    python bench/quality.py --datasets wcxb-dev --methods trafilatura,cleaner-html --speed 100
    python bench/quality.py --split val --methods justext,cleaner --bootstrap 2000

``--bootstrap N`` adds how far each figure could move on another sample of pages of the same
kind: the 95% interval of the score over N resamples of the pages (drawn with replacement), and
of each method's difference from the first method named, on the same resamples (paired).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import html as html_lib
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared")) / "bench"
CACHE = ROOT / "bench" / ".cache"

TEXT_TRACK = ("keep", "c4", "justext", "cleaner-region", "cleaner")
HTML_TRACK = ("trafilatura", "cleaner-html", "cleaner-html-ensemble")
CACHED = {"c4", "justext", "trafilatura"}
# Cached under a digest of the cleaner's code and rules, so any change to them recomputes.
CACHED_BY_SOURCE = {"cleaner-html", "cleaner-html-ensemble"}
VAL_SHARE = 35  # percent of pages in the validation split
DIGITS = 3  # decimals of the scores printed (--digits)
BOOTSTRAP = 0  # resamples of the pages for the scores' intervals (--bootstrap; 0: none)

_TOKEN = regex.compile(r"\w+")
_SPACES = regex.compile(r"\s+")

# Leak detectors: one pattern per kind, matched per output line (case-insensitive).  They are
# the bench's own, written apart from the cleaner's rules, and deliberately literal.
LEAKS = {
    "comment_form": r"^(?:leave a (?:reply|comment)|post a comment|add a comment|write a comment|"
                    r"cancel reply)\b|your email address will not be published|required fields are marked|"
                    r"save my name, email,? and website|you must be logged in to (?:post|comment)",
    "share_prompt": r"^share (?:this|on|via|it)\b|^(?:share|tweet|pin it)$|^click to share\b|"
                    r"\bshare (?:this|it) with (?:a|your) friends?\b",
    "related_links": r"^(?:related|recommended|similar|more) (?:posts|articles|stories|reading|products)\b|"
                     r"^also on \S+\.\w+|^you (?:may|might) also (?:like|enjoy)\b|^read (?:next|also)\b",
    "cookie_notice": r"\bwe use cookies\b|\b(?:this|our) (?:web)?site uses cookies\b|^accept (?:all )?cookies$|"
                     r"\bby continuing to (?:use|browse) (?:this|our) (?:web)?site\b",
    "newsletter": r"^(?:sign up|subscribe) (?:for|to) (?:our|the) (?:\w+ )?newsletter\b|"
                  r"^subscribe to our newsletter\b",
    "ad_label": r"^(?:advertisement|advertising|sponsored|ad)$",
}
LEAK_PATTERNS = {name: regex.compile(p, regex.IGNORECASE | regex.MULTILINE) for name, p in LEAKS.items()}

JUSTEXT_LANG = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "pl": "Polish",
                "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "ru": "Russian", "fi": "Finnish",
                "el": "Greek", "tr": "Turkish", "hu": "Hungarian", "no": "Norwegian_Bokmal",
                "oc": "Occitan"}


def split_of(page_id: str) -> str:
    """'val' for the validation pages (a fixed hash of the id), else 'tune'."""
    return "val" if int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % 100 < VAL_SHARE else "tune"


def load_pages(dataset: str, limit: int | None, split: str) -> list[dict]:
    folder = SHARED / dataset
    pages = []
    for line in (folder / "index.jsonl").read_text().splitlines():
        page = json.loads(line)
        page["split"] = split_of(page["id"])
        if split != "all" and page["split"] != split:
            continue
        page["folder"] = folder
        pages.append(page)
    return pages[:limit] if limit else pages


def naive(page) -> str:
    return (page["folder"] / "naive" / f"{page['id']}.txt").read_text(encoding="utf-8")


def page_html(page) -> str:
    raw = gzip.decompress((page["folder"] / "html" / f"{page['id']}.html.gz").read_bytes())
    import cleaner
    return cleaner.decode(raw).text


# ---- methods ---------------------------------------------------------------------------------

def run_keep(page):
    return naive(page)


def run_c4(page):
    from datatrove.data import Document
    from datatrove.pipeline.filters.c4_filters import C4QualityFilter
    filt = C4QualityFilter(min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False)
    doc = Document(text=naive(page), id=page["id"])
    return doc.text if filt.filter(doc) is True else ""


def run_justext(page):
    import justext
    lang = JUSTEXT_LANG.get(page.get("lang", "en"), "English")
    body = "".join(f"<p>{html_lib.escape(line)}</p>" for line in naive(page).splitlines() if line.strip())
    if not body:
        return ""
    paragraphs = justext.justext(f"<html><body>{body}</body></html>", justext.get_stoplist(lang))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def run_cleaner(page):
    import cleaner
    return cleaner.clean(naive(page), format="text")


def run_cleaner_region(page):
    """The text track without the block model: the segment region alone (the earlier decision)."""
    import cleaner
    config = cleaner.CleanerConfig(disabled_rules=frozenset({"block_model"}))
    return cleaner.clean(naive(page), format="text", config=config)


def run_trafilatura(page):
    import trafilatura
    return trafilatura.extract(page_html(page), url=page.get("url")) or ""


def run_cleaner_html(page):
    import cleaner
    return cleaner.clean(page_html(page), format="html")


def run_cleaner_html_ensemble(page):
    import cleaner
    return cleaner.clean(page_html(page), format="html", config=cleaner.CleanerConfig(html_ensemble=True))


METHODS = {"keep": run_keep, "c4": run_c4, "justext": run_justext, "cleaner": run_cleaner,
           "cleaner-region": run_cleaner_region,
           "trafilatura": run_trafilatura, "cleaner-html": run_cleaner_html,
           "cleaner-html-ensemble": run_cleaner_html_ensemble}


def _run_one(args):
    method, page = args
    try:
        return page["id"], METHODS[method](page)
    except Exception as error:  # a peer failing on one page scores as empty output
        return page["id"], ""


def source_digest() -> str:
    """A short digest of the cleaner package's code and rule files."""
    digest = hashlib.sha1()
    for path in sorted((ROOT / "cleaner").rglob("*")):
        if path.suffix in (".py", ".toml", ".txt", ".json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def outputs(method: str, dataset: str, pages: list[dict], workers: int) -> tuple[dict[str, str], float]:
    """Each page's output for ``method`` (peers through the cache) and the seconds spent."""
    cache_file = CACHE / f"{dataset}-{method}.json"
    if method in CACHED_BY_SOURCE:
        cache_file = CACHE / f"{dataset}-{method}-{source_digest()}.json"
    cached: dict[str, str] = {}
    if (method in CACHED or method in CACHED_BY_SOURCE) and cache_file.exists():
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
    todo = [p for p in pages if p["id"] not in cached]
    start = time.perf_counter()
    if todo:
        if workers > 1:
            from multiprocessing import Pool
            with Pool(workers) as pool:
                results = pool.map(_run_one, [(method, p) for p in todo], chunksize=8)
        else:
            results = [_run_one((method, p)) for p in todo]
        cached.update(results)
        if method in CACHED or method in CACHED_BY_SOURCE:
            CACHE.mkdir(parents=True, exist_ok=True)
            cache_file.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
    seconds = time.perf_counter() - start
    return {p["id"]: cached[p["id"]] for p in pages}, seconds


# ---- scores ----------------------------------------------------------------------------------

def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i:i + n]) for i in range(max(0, len(tokens) - n + 1)))


def shingle_counts(output: str, gold: str) -> tuple[int, int, int]:
    out, ref = shingles(output), shingles(gold)
    tp = sum((out & ref).values())
    return tp, sum(out.values()) - tp, sum(ref.values()) - tp


def bow_f1(output: str, gold: str) -> float:
    out, ref = Counter(_TOKEN.findall(output.lower())), Counter(_TOKEN.findall(gold.lower()))
    if not out and not ref:
        return 1.0
    tp = sum((out & ref).values())
    if tp == 0:
        return 0.0
    p, r = tp / sum(out.values()), tp / sum(ref.values())
    return 2 * p * r / (p + r)


def shingle_scores(rows: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    """(F1, precision, recall): per-page precision and recall averaged, then their harmonic mean."""
    precisions, recalls = [], []
    for tp, fp, fn in rows:
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def snippet_scores(rows: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    """(F1, precision, recall) of snippet counts summed over the pages."""
    tp, fp, fn = (sum(column) for column in zip(*rows)) if rows else (0, 0, 0)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def bootstrap_intervals(rows: dict[str, list], score, resamples: int, seed: int = 0,
                        level: float = 0.95) -> dict[str, tuple]:
    """For each method of ``rows`` (its per-page counts, the pages in one order for all), the
    ``level`` interval of each of ``score``'s figures over ``resamples`` resamples of the pages
    drawn with replacement, and of its F1's difference from the first method's on the same
    resamples: ``{method: ((low, high) per figure..., (low, high) of the difference)}``.

    >>> rows = {"a": [(1, 0, 0), (0, 0, 1)] * 20, "b": [(1, 0, 0), (0, 0, 1)] * 20}
    >>> found = bootstrap_intervals(rows, shingle_scores, 200)
    >>> found["b"][-1], found["a"][1]
    ((0.0, 0.0), (1.0, 1.0))
    >>> low, high = found["a"][2]; 0.3 < low < 0.5 < high < 0.7
    True
    """
    methods = list(rows)
    pages = len(rows[methods[0]])
    rng = random.Random(seed)
    drawn: dict[str, list[tuple]] = {method: [] for method in methods}
    for _ in range(resamples):
        picks = [rng.randrange(pages) for _ in range(pages)]
        first = None
        for method in methods:
            figures = score([rows[method][i] for i in picks])
            first = figures[0] if first is None else first
            drawn[method].append((*figures, figures[0] - first))
    cut = int(round(resamples * (1 - level) / 2))

    def interval(values):
        values = sorted(values)
        return values[cut], values[len(values) - 1 - cut]
    return {method: tuple(interval(column) for column in zip(*drawn[method])) for method in methods}


def print_intervals(rows: dict[str, list], score, what: str) -> None:
    """The table of :func:`bootstrap_intervals` for ``BOOTSTRAP`` resamples."""
    found = bootstrap_intervals(rows, score, BOOTSTRAP)
    first = next(iter(rows))
    print(f"\n95% intervals over {BOOTSTRAP} resamples of the {len(rows[first])} pages (paired: the "
          f"same resamples for every method):\n")
    print(f"| method | {what} F1 | precision | recall | F1 minus {first}'s |")
    print("| --- | --- | --- | --- | --- |")
    for method, figures in found.items():
        cells = [f"[{low:.{DIGITS}f}, {high:.{DIGITS}f}]" for low, high in figures]
        print(f"| {method} | " + " | ".join(cells[:3]) + f" | {cells[3] if method != first else ''} |")


def leaks(output: str, gold: str) -> set[str]:
    return {name for name, pattern in LEAK_PATTERNS.items()
            if pattern.search(output) and not pattern.search(gold)}


def _fold(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def snippet_counts(output: str, snippets: dict) -> tuple[int, int, int]:
    """(tp, fp, fn) in trafilatura's evaluation: `with` found is tp, `without` found is fp."""
    text = _fold(output)
    found = [_fold(s) in text for s in snippets.get("with", [])]
    leaked = [_fold(s) in text for s in snippets.get("without", [])]
    return sum(found), sum(leaked), len(found) - sum(found)


# ---- reports ---------------------------------------------------------------------------------

def report_wcxb(pages, methods, workers):
    gold = {p["id"]: (p["folder"] / "gold" / f"{p['id']}.txt").read_text(encoding="utf-8") for p in pages}
    types = sorted({p["page_type"] for p in pages})
    print(f"\n## wcxb-dev: {len(pages)} pages\n")
    table = {}
    page_rows = {}
    leak_table = {}
    timing = {}
    for method in methods:
        out, seconds = outputs(method, "wcxb-dev", pages, workers)
        timing[method] = seconds
        per_type = defaultdict(list)
        bows = defaultdict(list)
        leak_counts = Counter()
        for p in pages:
            counts = shingle_counts(out[p["id"]], gold[p["id"]])
            bow = bow_f1(out[p["id"]], gold[p["id"]])
            for key in ("all", p["page_type"]):
                per_type[key].append(counts)
                bows[key].append(bow)
            leak_counts.update(leaks(out[p["id"]], gold[p["id"]]))
        table[method] = {k: (*shingle_scores(v), sum(bows[k]) / len(bows[k])) for k, v in per_type.items()}
        page_rows[method] = per_type["all"]
        leak_table[method] = leak_counts
    print("| method | track | shingle F1 | precision | recall | BoW F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for method in methods:
        f1, p, r, bow = table[method]["all"]
        track = "html" if method in HTML_TRACK else "text"
        print(f"| {method} | {track} | {f1:.{DIGITS}f} | {p:.{DIGITS}f} | {r:.{DIGITS}f} | {bow:.{DIGITS}f} |")
    if BOOTSTRAP:
        print_intervals(page_rows, shingle_scores, "shingle")
    print("\nShingle F1 (recall) per page type:\n")
    counts = Counter(p["page_type"] for p in pages)
    print("| method | " + " | ".join(f"{t} ({counts[t]})" for t in types) + " |")
    print("| --- |" + " --- |" * len(types))
    for method in methods:
        cells = [f"{table[method][t][0]:.{DIGITS}f} ({table[method][t][2]:.{DIGITS - 1}f})" for t in types]
        print(f"| {method} | " + " | ".join(cells) + " |")
    print(f"\nPages with leaks (output holds it, gold does not), of {len(pages)}:\n")
    print("| method | " + " | ".join(LEAKS) + " |")
    print("| --- |" + " --- |" * len(LEAKS))
    for method in methods:
        print(f"| {method} | " + " | ".join(str(leak_table[method][k]) for k in LEAKS) + " |")
    print("\nSeconds for the pages not in the cache: " +
          ", ".join(f"{m} {s:.1f}" for m, s in timing.items()))


def report_speed(pages, methods, count):
    """Milliseconds per page for each method, uncached, in one process, side by side: the methods
    take turns page by page, so a change in the machine's load reaches them alike."""
    pages = pages[:count]
    htmls = {p["id"]: page_html(p) for p in pages}
    spent = Counter()
    for p in pages:
        for method in methods:
            # The HTML is decoded once above, so only the extraction is timed.
            start = time.perf_counter()
            try:
                if method == "trafilatura":
                    import trafilatura
                    trafilatura.extract(htmls[p["id"]], url=p.get("url"))
                elif method == "cleaner-html":
                    import cleaner
                    cleaner.clean(htmls[p["id"]], format="html")
                else:
                    METHODS[method](p)
            except Exception:
                pass
            spent[method] += time.perf_counter() - start
    print(f"\nMilliseconds per page (first {len(pages)} pages, uncached, one process, interleaved):\n")
    base = spent[methods[0]] or 1.0
    for method in methods:
        print(f"- {method}: {1000 * spent[method] / len(pages):.0f} ms/page "
              f"({spent[method] / base:.2f}x {methods[0]})")


def report_traf(pages, methods, workers):
    print(f"\n## traf-dev: {len(pages)} pages\n")
    snippets = {p["id"]: json.loads((p["folder"] / "snippets" / f"{p['id']}.json").read_text(encoding="utf-8"))
                for p in pages}
    langs = ["all", "de", "other"]
    print("| method | track | snippet F1 | precision | recall | F1 de | F1 other |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    page_rows = {}
    for method in methods:
        out, _ = outputs(method, "traf-dev", pages, workers)
        sums = {k: [0, 0, 0] for k in langs}
        page_rows[method] = []
        for p in pages:
            c = snippet_counts(out[p["id"]], snippets[p["id"]])
            page_rows[method].append(c)
            for key in ("all", "de" if p.get("lang") == "de" else "other"):
                sums[key] = [a + b for a, b in zip(sums[key], c)]
        def f1(key):
            return snippet_scores([sums[key]])
        f, pr, rc = f1("all")
        track = "html" if method in HTML_TRACK else "text"
        print(f"| {method} | {track} | {f:.{DIGITS}f} | {pr:.{DIGITS}f} | {rc:.{DIGITS}f} | {f1('de')[0]:.{DIGITS}f} | "
              f"{f1('other')[0]:.{DIGITS}f} |")
    if BOOTSTRAP:
        print_intervals(page_rows, snippet_scores, "snippet")


def main(argv=None):
    global DIGITS, BOOTSTRAP
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="wcxb-dev,traf-dev")
    parser.add_argument("--methods", default=",".join(TEXT_TRACK + HTML_TRACK))
    parser.add_argument("--split", choices=("all", "tune", "val"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each dataset")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--speed", type=int, default=0, metavar="N",
                        help="also time the methods on the first N wcxb-dev pages, uncached")
    parser.add_argument("--digits", type=int, default=DIGITS, help="decimals of the scores printed")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="also print 95%% intervals of the scores over N resamples of the pages")
    args = parser.parse_args(argv)
    DIGITS, BOOTSTRAP = args.digits, args.bootstrap
    methods = [m for m in args.methods.split(",") if m]
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown methods {sorted(unknown)}; known: {', '.join(METHODS)}")
    print(f"split: {args.split} (val = {VAL_SHARE}% of pages by a hash of the id; tuning used tune only)")
    for dataset in args.datasets.split(","):
        pages = load_pages(dataset, args.limit, args.split)
        if dataset.startswith("wcxb"):
            report_wcxb(pages, methods, args.workers)
            if args.speed:
                report_speed(pages, methods, args.speed)
        else:
            report_traf(pages, methods, args.workers)


if __name__ == "__main__":
    main()
