"""How much of a clean text the text track keeps: words and lines kept, and the rules that
removed the rest, on the clean texts of ``../shared/bench/multiling`` (UDHR in 22 languages, two
novels, a Thai web text: everything in them is content, so every removal is a loss).

For each file, ``cleaner.explain(text, format="text")``: the share of its words (``\\w+`` tokens)
and of its non-blank lines that the output keeps, and the lines the boilerplate stage removed,
grouped by rule (``block_model:0.09`` counts as ``block_model``).  It is the regression check for
the text track on prose: dialogue, short lines of a story, numbered articles.

    PYTHONPATH=$PWD python bench/clean_text_kept.py
    PYTHONPATH=$PWD python bench/clean_text_kept.py --show se_doyle_holmes --examples 30
    PYTHONPATH=$PWD python bench/clean_text_kept.py --markdown     # the table for docs/quality.md
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import regex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared")) / "bench"

_WORD = regex.compile(r"\w+")


def kept_table(folder: Path) -> list[dict]:
    """One row per text file of ``folder``: words and lines in and kept, removals by rule."""
    import cleaner
    rows = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        result = cleaner.explain(text, format="text")
        removals = [change for change in result.changes if change.is_removal and change.stage == "boilerplate"]
        by_rule: Counter[str] = Counter(change.rule.split(":")[0] for change in removals)
        lines_in = sum(1 for line in text.splitlines() if line.strip())
        lines_out = sum(1 for line in result.text.splitlines() if line.strip())
        rows.append({
            "name": path.stem, "words": len(_WORD.findall(text)), "words_kept": len(_WORD.findall(result.text)),
            "lines": lines_in, "lines_kept": lines_out, "by_rule": by_rule, "removals": removals,
        })
    return rows


def _share(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 100.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=SHARED / "multiling")
    parser.add_argument("--show", metavar="NAME", help="list the lines removed from this file (its stem)")
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    rows = kept_table(args.folder)
    if args.markdown:
        print("| text | words kept | lines kept | removed lines by rule |")
        print("| --- | --- | --- | --- |")
    else:
        print(f"{'text':<22} {'words':>6} {'kept%':>6} {'lines':>5} {'kept%':>6}  removed lines by rule")
    for row in rows:
        rules = ", ".join(f"{rule} {count}" for rule, count in row["by_rule"].most_common()) or "-"
        words, lines = _share(row["words_kept"], row["words"]), _share(row["lines_kept"], row["lines"])
        if args.markdown:
            print(f"| {row['name']} | {words:.1f}% of {row['words']} | {lines:.1f}% of {row['lines']} | {rules} |")
        else:
            print(f"{row['name']:<22} {row['words']:>6} {words:>6.1f} {row['lines']:>5} {lines:>6.1f}  {rules}")
    total_words, kept_words = sum(r["words"] for r in rows), sum(r["words_kept"] for r in rows)
    total_lines, kept_lines = sum(r["lines"] for r in rows), sum(r["lines_kept"] for r in rows)
    worst = min(rows, key=lambda r: _share(r["words_kept"], r["words"]))
    print(f"\nall {len(rows)} texts: {_share(kept_words, total_words):.1f}% of {total_words} words, "
          f"{_share(kept_lines, total_lines):.1f}% of {total_lines} lines kept; "
          f"least kept: {worst['name']} {_share(worst['words_kept'], worst['words']):.1f}%")
    if args.show:
        for row in rows:
            if row["name"] == args.show:
                for change in row["removals"][:args.examples]:
                    print(f"  {change.rule:<22} line {change.line:>4}: {change.before[:100]!r}")


if __name__ == "__main__":
    main()
