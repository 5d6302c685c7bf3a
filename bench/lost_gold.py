"""Where the text track loses gold: the removals of ``cleaner.explain(naive, format="text")``
tabulated by the rule that made them, on wcxb-dev (gold shingles lost) and traf-dev (`with`
snippets missed, `without` snippets kept).

A removal's lost gold is the number of its 4-gram shingles (as ``bench/quality.py`` counts them)
that the gold holds and the output does not.  Rules are grouped by name before the first colon
(``block_model:0.12`` counts as ``block_model``).  Pages whose recall is below 0.5 are listed
with the rule that lost the most gold on them.  Tune split only, unless told otherwise.

    PYTHONPATH=$PWD python bench/lost_gold.py --split tune --workers 2
    PYTHONPATH=$PWD python bench/lost_gold.py --show block_model --examples 40
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import quality  # noqa: E402


def _explain(page):
    import cleaner
    result = cleaner.explain(quality.naive(page), format="text")
    removals = [(c.rule, c.before) for c in result.changes if c.is_removal and c.stage == "boilerplate"]
    return page["id"], result.text, removals


def _map(function, pages, workers):
    if workers > 1:
        from multiprocessing import Pool
        with Pool(workers) as pool:
            return pool.map(function, pages, chunksize=8)
    return list(map(function, pages))


def wcxb(args):
    pages = quality.load_pages("wcxb-dev", args.limit, args.split)
    results = _map(_explain, pages, args.workers)
    by_rule, by_type_rule, examples = Counter(), defaultdict(Counter), defaultdict(list)
    lost_total, gold_total = 0, 0
    catastrophic = []
    for page, (page_id, output, removals) in zip(pages, results):
        gold = (page["folder"] / "gold" / f"{page_id}.txt").read_text(encoding="utf-8")
        gold_shingles, out_shingles = quality.shingles(gold), quality.shingles(output)
        missing = gold_shingles - out_shingles
        gold_total += sum(gold_shingles.values())
        lost_total += sum(missing.values())
        page_rules = Counter()
        for rule, text in removals:
            lost = sum(min(count, missing[s]) for s, count in quality.shingles(text).items() if s in missing)
            if not lost:
                continue
            name = rule.split(":")[0]
            by_rule[name] += lost
            page_rules[name] += lost
            by_type_rule[page["page_type"]][name] += lost
            examples[name].append((lost, page_id, page["page_type"], rule, text))
        tp, fp, fn = quality.shingle_counts(output, gold)
        if tp + fn and tp / (tp + fn) < 0.5:
            catastrophic.append((tp / (tp + fn), page_id, page["page_type"], tp + fn, page_rules.most_common(2)))
    print(f"wcxb-dev {args.split}: {len(pages)} pages, gold shingles {gold_total}, "
          f"lost {lost_total} ({lost_total / max(gold_total, 1):.3f})\n")
    print("| rule | lost gold shingles | share of lost |")
    print("| --- | --- | --- |")
    for name, lost in by_rule.most_common():
        print(f"| {name} | {lost} | {lost / max(lost_total, 1):.3f} |")
    print("\nBy page type (top rules):\n")
    for page_type, counter in sorted(by_type_rule.items()):
        print(f"- {page_type}: " + ", ".join(f"{n} {v}" for n, v in counter.most_common(5)))
    print(f"\nPages with recall < 0.5: {len(catastrophic)}\n")
    for recall, page_id, page_type, gold_count, top in sorted(catastrophic):
        print(f"- {page_id} {page_type} recall {recall:.2f} of {gold_count}: {top}")
    for name in args.show:
        print(f"\nLargest losses by {name}:\n")
        for lost, page_id, page_type, rule, text in sorted(examples[name], reverse=True)[:args.examples]:
            print(f"- {lost:5d} {page_id} {page_type} {rule}: {text[:160]!r}")


def traf(args):
    pages = quality.load_pages("traf-dev", args.limit, args.split)
    results = _map(_explain, pages, args.workers)
    missed, leaked_kept = Counter(), []
    missed_examples = defaultdict(list)
    tp = fp = fn = 0
    for page, (page_id, output, removals) in zip(pages, results):
        snippets = json.loads((page["folder"] / "snippets" / f"{page_id}.json").read_text(encoding="utf-8"))
        text = quality._fold(output)
        for snippet in snippets.get("with", []):
            folded = quality._fold(snippet)
            if folded in text:
                tp += 1
                continue
            fn += 1
            rules = [rule for rule, removed in removals if folded in quality._fold(removed)]
            name = rules[0].split(":")[0] if rules else "(not found in one removal)"
            missed[name] += 1
            missed_examples[name].append((page_id, page.get("lang"), rules[:1], snippet[:120]))
        for snippet in snippets.get("without", []):
            if quality._fold(snippet) in text:
                fp += 1
                leaked_kept.append((page_id, page.get("lang"), snippet[:120]))
    print(f"\ntraf-dev {args.split}: {len(pages)} pages, tp {tp}, fp {fp}, fn {fn}\n")
    print("| rule | missed `with` snippets |")
    print("| --- | --- |")
    for name, count in missed.most_common():
        print(f"| {name} | {count} |")
    for name in args.show:
        print(f"\nMissed by {name}:\n")
        for example in missed_examples[name][:args.examples]:
            print(f"- {example}")
    if args.examples:
        print("\nKept `without` snippets:\n")
        for example in leaked_kept[:args.examples]:
            print(f"- {example}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="wcxb-dev,traf-dev")
    parser.add_argument("--split", choices=("all", "tune", "val"), default="tune")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--show", default="", help="comma-separated rules whose largest losses to list")
    parser.add_argument("--examples", type=int, default=20)
    args = parser.parse_args(argv)
    args.show = [name for name in args.show.split(",") if name]
    for dataset in args.datasets.split(","):
        (wcxb if dataset.startswith("wcxb") else traf)(args)


if __name__ == "__main__":
    main()
