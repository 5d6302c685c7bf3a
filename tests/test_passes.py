"""The boilerplate stage's passes share work: the page language is guessed once per document,
and a pass reuses the region scores and block model rows of the blocks the pass before it kept,
which holds only because they depend on nothing but the block's text and the language."""
import random

import numpy as np

from cleaner import blockmodel, blockstats, boilerplate, normalise, segment
from cleaner.config import DEFAULT_CONFIG
from conftest import shared_path

PIECES = ["Home", "News | Sport", "Copyright © 2020 Example", "The council met on Monday.", "und die",
          "ΣΟΦΟΣ", "日本語の文章です。", "Read more »", "A long sentence that keeps going, with words and "
          "clauses, until it ends like a sentence does.", "", "12.3.2020", "- item", "(12)"]


def _random_pages(count: int, seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    return [[" ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 30))]
            for _ in range(count)]


def _real_pages(count: int) -> list[list[str]]:
    folder = shared_path("bench", "wcxb-dev", "naive")
    return [[block.text for block in normalise.split_blocks(path.read_text(encoding="utf-8"))[0]]
            for path in sorted(folder.glob("*.txt"))[:count]]


def test_region_scores_of_kept_blocks_equal_their_scores_on_their_own():
    rng = random.Random(5)
    for texts in _random_pages(60) + _real_pages(15):
        for lang in ("en", "de", "ja", ""):
            scores = segment.score_page(blockstats.Page(texts), lang)
            keep = [rng.random() < 0.6 for _ in texts]
            alone = segment.score_page(blockstats.Page([t for t, k in zip(texts, keep) if k]), lang)
            reused = boilerplate._scores_of(scores, keep)
            assert type(reused) is type(alone)
            for field, mine, theirs in zip(alone._fields, reused, alone):
                assert np.array_equal(mine, theirs), field


def test_model_rows_of_kept_blocks_equal_their_rows_on_their_own():
    rng = random.Random(6)
    for texts in _random_pages(60) + _real_pages(15):
        for lang in ("en", "de", "ja", ""):
            page = blockstats.Page(texts)
            keep = [rng.random() < 0.6 for _ in texts]
            reused = blockmodel.block_rows(page, segment.score_page(page, lang)).take(keep)
            kept = blockstats.Page([t for t, k in zip(texts, keep) if k])
            alone = blockmodel.block_rows(kept, segment.score_page(kept, lang))
            assert np.array_equal(reused.own, alone.own) and reused.keys == alone.keys
            if kept.n:
                matrix = blockmodel.rows_matrix(reused, segment.score_page(kept, lang), lang)
                assert np.array_equal(matrix, blockmodel.page_matrix(kept, lang))


def _count_passes(monkeypatch) -> list[int]:
    passes: list[int] = []
    run = boilerplate._Passes.run
    monkeypatch.setattr(boilerplate._Passes, "run", lambda self, blocks: passes.append(1) or run(self, blocks))
    return passes


def test_the_language_is_guessed_once_per_document(monkeypatch):
    calls = []
    guess = boilerplate.guess_page_language
    monkeypatch.setattr(boilerplate, "guess_page_language", lambda page: calls.append(page.n) or guess(page))
    passes = _count_passes(monkeypatch)
    several = 0
    for texts in _real_pages(30):
        blocks = [normalise.Block(number, text) for number, text in enumerate(texts, 1)]
        calls.clear()
        passes.clear()
        boilerplate.filter_blocks(blocks)
        assert len(calls) <= 1
        several += len(passes) > 1 and len(calls) == 1
        calls.clear()
        boilerplate.filter_blocks(blocks, DEFAULT_CONFIG._replace(languages=("de",)))
        assert calls == []  # a single configured language is the page language
    assert several  # pages with several passes and a guess were seen


def test_a_pass_that_changes_nothing_ends_the_stage(monkeypatch):
    passes = _count_passes(monkeypatch)
    story = ("The council met on Monday and agreed that the new bridge will be built over the next two "
             "years, as the people of the town had asked for a long time.")
    blocks = [normalise.Block(n, story + f" It was day {n}.") for n in range(1, 9)]
    kept, changes = boilerplate.filter_blocks(blocks)
    assert (kept, changes, len(passes)) == (blocks, [], 1)
    passes.clear()
    menu = [normalise.Block(n, name) for n, name in enumerate(["Home", "News", "Sport", "Weather", "Contact"], 1)]
    story = [normalise.Block(n + 5, block.text) for n, block in enumerate(blocks, 1)]
    kept, changes = boilerplate.filter_blocks(menu + story)
    assert changes and len(kept) < len(menu + story)
    assert len(passes) == 2  # the second pass removes nothing: the fixpoint
    passes.clear()
    assert boilerplate.filter_blocks(kept) == (kept, []) and len(passes) == 1


def test_a_document_over_the_window_is_judged_window_by_window(monkeypatch):
    # Real pages run together, with a blank line between pages, and a window of a few pages.
    blocks, line = [], 1
    for texts in _real_pages(12):
        for text in texts:
            blocks.append(normalise.Block(line, text))
            line += 1
        line += 1
    monkeypatch.setattr(boilerplate, "_WINDOW_BLOCKS", 200)
    bounds = boilerplate.windows(blocks, 200)
    assert len(bounds) > 2 and bounds[0][0] == 0 and bounds[-1][1] == len(blocks)
    assert all(end - start <= 200 and end == following for (start, end), (following, _) in zip(bounds, bounds[1:]))
    # a window ends at a page's end, where one is near
    assert any(blocks[end].line > blocks[end - 1].line + 1 for _, end in bounds[:-1])
    kept, changes = boilerplate.filter_blocks(blocks)
    alone = [boilerplate.filter_blocks(blocks[start:end]) for start, end in bounds]
    assert kept == [block for window_kept, _ in alone for block in window_kept]
    assert changes == [change for _, window_changes in alone for change in window_changes]
    assert changes and len(kept) < len(blocks)
    # a document of the window's size is one window
    assert boilerplate.windows(blocks[:200], 200) == [(0, 200)]
