"""Stage 5, boilerplate: decide which blocks are the document and which are leftovers.

Two kinds of evidence, each named in the trace when it removes something:

* phrase rules, data under ``cleaner/rules/`` (one TOML file per language): comment forms,
  share prompts, related links, ad labels, credits…;
* heuristics computed on the document itself, such as a short non-sentence line that recurs
  (an ad label like "pCloud Premium"; it stays on the page while the block model reads it, and
  goes after it unless the model keeps it next to another such label: a list, like the colours
  of two products);
* the block model (:mod:`cleaner.blockmodel`, shipped in ``cleaner/models/blocks.json``): small
  trees over language-neutral features of each block and its neighbours (length, stopword
  density in the page's language, punctuation, position, the region score below) give each
  block a probability of being main text; blocks below the page's threshold (the model's,
  a little lower inside the main region below, lower on a page where the model doubts every
  block or whose doubtful blocks are likely enough, together, to hold much of its main text)
  are removed as ``block_model:<probability>``; when the main region is prose (most of its
  lines end like sentences or open a line of speech), the prose lines the model doubts are
  kept where they sit between kept blocks, and all of them on a page the region covers: the
  short lines of a dialogue, a story, an interview (:func:`prose_kept`); a page written
  without capitals (Korean, Chinese, Japanese, a page in lower case: :func:`blockmodel.is_caseless`)
  is read by the trees of ``cleaner/models/blocks_caseless.json``, trained on the same pages in
  lower case, since the shipped trees lean on capitals to tell a menu from a sentence;
* without the model (``disabled_rules`` holding ``block_model``), the main text as one
  contiguous region (:mod:`cleaner.segment`): blocks are scored by length and stopword density
  in the page's language, and those outside the highest-scoring run of blocks are removed as
  ``outside_main_text`` with their score in the trace.  Disabling ``outside_main_text``
  turns off this region step altogether (the HTML track does, its extractor chose already).

The decision is a fixpoint: the stage is re-run on what it kept until it removes nothing
more, so cleaning its own output changes nothing.  The page language is guessed on the whole
page, and again on what was kept when that barely reads as the language guessed (then the stage
runs again with the new guess), so that the output is cleaned in the language it is guessed in.
A document of more than :data:`_WINDOW_BLOCKS` blocks (hundreds of pages run together) is judged
in windows of about that many blocks, each as a page of its own, so that its cost is linear in
its size (:func:`windows`).

The phrase rules are screened (:mod:`cleaner.rulescreen`): only the blocks holding a literal
some rule's patterns require go through the rules, and the passes share the texts the rules
already kept unchanged; what is removed, and the trace, are those of every rule on every block.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import operator
import os
import sys
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import regex

from . import blockmodel, blockstats, rulescreen, segment
from .config import DEFAULT_CONFIG, CleanerConfig
from .language import guess_page_language
from .normalise import Block
from .trace import Change

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_WORD = regex.compile(r"\w+")
_HAS_LETTER = regex.compile(r"\p{L}")
# What may end a label line ("Post a comment!", "Share:", "Leave a reply …", a link's arrow in
# "Post a comment »"; a full stop is left out: it ends most sentences, and the labels written
# with one are few).
_LABEL_MARKS = frozenset(" !:…?»›→")
_LABEL_END = regex.compile(r"[\s%s]+$" % regex.escape("".join(sorted(_LABEL_MARKS - {" "}))))
_FIRST = operator.itemgetter(slice(0, 1))
_TEXT_OF, _LINE_OF = operator.attrgetter("text"), operator.attrgetter("line")
_new_change = functools.partial(tuple.__new__, Change)
_SENTENCE_END = segment.SENTENCE_END
# Phrase rules look only at the edges of very long lines: boilerplate is never buried in the
# middle of a paragraph, and huge single lines must not cost quadratic time.
_EDGE = 300
# A line of phrase_line_max_words words is at most this many characters per word.
_LONGEST_WORD = 12
# A label (an ad label, a widget title) is at most this many characters.
_LABEL_MAX = 60
# Passes of the stage over its own output; in practice the second pass already removes nothing,
# but on a page of doubtful blocks each pass can peel a few more off the edges of what is kept.
_MAX_PASSES = 16
# A document of more blocks than this (hundreds of pages run together, a book) is judged in
# windows of about this many consecutive blocks, each as a page of its own (:func:`windows`):
# every pass over the whole of it would see all of it again, and the pages' edges it peels off
# would keep the passes going to _MAX_PASSES, so its cost grew faster than its size.  Several
# times what a web page holds (a few thousand lines at most), so a page is not cut.
_WINDOW_BLOCKS = 16_384
# A window ends at a blank line between two blocks if one is within this share of its end.
_WINDOW_SLACK = 0.125
# The language is guessed again on what the passes kept when their stopword density (words, or
# characters for Chinese, Japanese and Korean, weighted by length) is under this: prose in any
# language is 0.3 or more.  At most _MAX_GUESSES times (see _Passes.settle_language).
_WEAK_LANGUAGE = 0.15
_MAX_GUESSES = 3
# A kept block that repeats an earlier kept block word for word is a copy when it is at least
# this many characters long (a paragraph printed twice: a teaser the article repeats, the mobile
# and the desktop copy of a section) or when it follows its twin directly (a card's title printed
# twice; a line without letters, such as a closing brace of code, is never a title).  Shorter
# repeats that stand apart are left alone: a list's spec line recurs item by item.
_REPEAT_MIN_CHARS = 60
# A line that is one text twice, glued or with a space between, when each copy is at least this
# long: an image's alt text and title scraped together, a card's title printed twice in one line.
# Shorter doubles ("ha ha", "Bora Bora") are words, not copies; a copy of more than
# _DOUBLED_MAX_CHARS (the longest seen in 2,200 doubled lines of the bench's naive texts is 774)
# is not a caption or a title.
_DOUBLED_MIN_CHARS = 12
_DOUBLED_MAX_CHARS = 1000
# A heading this close before the main region is the region's title.
_TITLE_REACH = 3
_TITLE_MAX = 160
# A title holds two words, or this many characters of Chinese, Japanese or Thai, written without
# spaces (a menu item there is two to six: "検索", "お問い合わせ", "ค้นหา"; Korean spaces its words).
_TITLE_WIDE_CHARS = 8
_WIDE_CHARS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}]")
# The block model's decision: inside the main region a block is kept down to the model's
# threshold less this margin (log-odds).
_REGION_MARGIN = 0.25
# Between the first and the last block the model keeps, a block is kept down to the threshold less
# this margin (log-odds): a doubted list or short line inside the text (the pros and cons of a
# review, the entries of a directory, a forum post's one-line answer) is more likely the
# document's than the same block outside it.  Chosen on the pick part of the tune split, with the
# model's threshold (docs/quality.md, "Blocks between kept ones").
_SPAN_MARGIN = 0.5
# On a page whose best block is itself doubtful (a product grid, a list of teasers), the threshold
# is at most this far below the best block's log-odds (2.0 until the blocks between kept ones
# were kept: with them, a page the model doubts throughout kept changing its edges pass after
# pass, and 2.5 settles it in as few passes as before, with more of its text; docs/quality.md).
_BELOW_BEST = 2.5
_IN_REGION = blockmodel.feature_names().index("in_region")
_LOG_WORDS = blockmodel.feature_names().index("log_words")
# Prose lines: a line of a story, a dialogue, an answer, ends like a sentence (a final mark, then
# closing quotes and brackets of any script) or opens a quotation or a line of speech.
_PROSE_FINAL_MARKS = segment.SENTENCE_MARKS
_PROSE_CLOSERS = "'\"”’»«)]」』》›‹“‘"
_SPEECH_OPENERS = frozenset("“„«»‹›「『《‘‚\"'—–―¿¡")
# The main region is prose when at least this share of its blocks are prose lines; then the prose
# lines of the region the model doubts are kept where they sit between kept blocks, and all of
# them on a page the region covers (at least _PROSE_PAGE of its blocks): a story, a dialogue.
_PROSE_SHARE = 0.8
_PROSE_PAGE = 0.9


class RuleError(ValueError):
    """A phrase file that cannot be used."""


class Rule(NamedTuple):
    """One compiled category of one phrase pack."""

    name: str          # the category, as the trace reports it
    source: str        # the pack it came from ("en", "common", or a user file)
    # (the shipped packs' patterns are compiled on first use: rulescreen.LazyPattern)
    lines: regex.Pattern | rulescreen.LazyPattern | None
    spans: regex.Pattern | rulescreen.LazyPattern | None
    openings: regex.Pattern | rulescreen.LazyPattern | None = None  # matched at the start: removes a paragraph of any length
    family: str = ""   # the pack's optional ``family`` (how explain pages group it), else ""


class RuleSet(NamedTuple):
    """The phrase rules a configuration enables, with the screen that skips the blocks none of
    them can match (:mod:`cleaner.rulescreen`)."""

    rules: tuple[Rule, ...]
    screen: rulescreen.Screen


class Verdict(NamedTuple):
    """What the stage decided for one block."""

    keep: bool
    text: str                  # the block as kept (a span rule may have cut part of it)
    changes: list[Change]


def load_pack(path: str | Path | None = None, *, text: str | None = None, source: str = "",
              lazy: bool = False) -> list[Rule]:
    """Compile one phrase pack from a file (or its TOML text); ``lazy``: each pattern when it is
    first used (a shipped pack, whose patterns the tests compile; a user's file is compiled at
    once, so that a bad pattern is an error before any document is read)."""
    if text is None:
        assert path is not None
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise RuleError(f"cannot read rule file {path}: {error.strerror or error}") from None
    source = source or (Path(path).stem if path else "inline")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleError(f"rule file {path or source} is not valid TOML: {error}") from None
    rules = []
    for name, category in table.items():
        if not isinstance(category, dict):
            continue
        unknown = set(category) - {"lines", "spans", "openings", "family"}
        if unknown:
            raise RuleError(f"{path or source}: [{name}] has unknown keys {sorted(unknown)}; "
                            "use 'lines', 'spans', 'openings' and 'family'")
        family = category.get("family", "")
        if not isinstance(family, str):
            raise RuleError(f"{path or source}: [{name}] family must be a string")
        where = path or source
        rules.append(Rule(name, source, _compile(category.get("lines"), where, name, lazy),
                          _compile(category.get("spans"), where, name, lazy),
                          _compile(category.get("openings"), where, name, lazy), family))
    return rules


def _compile(patterns: list[str] | None, where: str | Path, name: str,
             lazy: bool = False) -> regex.Pattern | rulescreen.LazyPattern | None:
    if not patterns:
        return None
    source = "|".join(f"(?:{p})" for p in patterns)
    if lazy:
        return rulescreen.LazyPattern(source, regex.IGNORECASE, regex.compile)
    try:
        return regex.compile(source, regex.IGNORECASE)
    except regex.error as error:
        raise RuleError(f"{where}: [{name}] has a bad pattern: {error}") from None


@functools.lru_cache(maxsize=32)
def load_rules(languages: tuple[str, ...] = (), extra_files: tuple[str, ...] = ()) -> tuple[Rule, ...]:
    """Every shipped pack (or those of ``languages``, plus ``common``) and the user's files."""
    folder = resources.files("cleaner") / "rules"
    rules: list[Rule] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        stem = entry.name.removesuffix(".toml")
        if not entry.name.endswith(".toml"):
            continue
        if languages and stem != "common" and stem not in languages:
            continue
        rules += load_pack(text=entry.read_text(encoding="utf-8"), source=stem, lazy=True)
    for path in extra_files:
        rules += load_pack(path)
    return tuple(rules)


@functools.lru_cache(maxsize=32)
def rule_set(languages: tuple[str, ...] = (), extra_files: tuple[str, ...] = (),
             disabled: frozenset[str] = frozenset()) -> RuleSet:
    """The rules of :func:`load_rules` whose names are not ``disabled``, and their screen.

    >>> ruleset = rule_set(("en",))
    >>> ruleset.rules[min(ruleset.screen.starts[6]["leave "])].name, ruleset.screen.everywhere
    ('comment_form', frozenset())
    """
    rules = tuple(rule for rule in load_rules(languages, extra_files) if rule.name not in disabled)
    patterns = [(position, pattern.pattern, at_start) for position, rule in enumerate(rules)
                for pattern, at_start in ((rule.lines, False), (rule.spans, False), (rule.openings, True))
                if pattern is not None]
    # The screen of the shipped packs is saved between runs (one file per choice of packs and
    # disabled rules); with the user's own rule files it is built each time.
    saved = None
    folder = screen_cache_folder()
    if folder is not None and not extra_files:
        choice = hashlib.sha256(repr((languages, sorted(disabled))).encode("utf-8")).hexdigest()[:16]
        saved = folder / f"screen-{choice}.json"
    return RuleSet(rules, rulescreen.cached_screen(patterns, saved))


def screen_cache_folder() -> Path | None:
    """Where the rule screens of the shipped packs are saved between runs: the folder
    ``CLEANER_CACHE_DIR`` names (none when it is set but empty), else ``cleaner`` in the user's
    cache folder (``XDG_CACHE_HOME``, else ``~/.cache``)."""
    folder = os.environ.get("CLEANER_CACHE_DIR")
    if folder is not None:
        return Path(folder) if folder else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner"


def filter_blocks(blocks: list[Block], config: CleanerConfig = DEFAULT_CONFIG) -> tuple[list[Block], list[Change]]:
    """Keep the document's own blocks; return them with the trace of every removal.

    The page language is guessed once per document, on the blocks of the first pass's region
    step (:func:`page_language`), and a pass reuses the region scores of the blocks the pass
    before it kept: a block's score depends only on its text and the language.  A first pass
    that changes nothing is the fixpoint.  Once the passes settle, the language may be guessed
    again on what they kept (:meth:`_Passes.settle_language`), and the passes run again with it.
    Each pass also drops the copies among the blocks it keeps (:func:`repeated_blocks`).  A
    document of more than :data:`_WINDOW_BLOCKS` blocks is judged window by window
    (:func:`windows`), each window as a page.

    >>> menu = [Block(n, name) for n, name in enumerate(["Home", "News", "Sport", "Weather", "Contact"], 1)]
    >>> story = ("The council met on Monday and agreed that the new bridge will be built over the "
    ...          "next two years, as the people of the town had asked for a long time. The mayor said "
    ...          "that the work would start in the spring and that the old bridge would stay open.")
    >>> days = [Block(n, story.replace("Monday", day)) for n, day in enumerate(["Monday", "Tuesday", "Friday"], 6)]
    >>> kept, changes = filter_blocks(menu + days)
    >>> [b.line for b in kept], sorted({c.rule.split(":")[0] for c in changes})
    ([6, 7, 8], ['block_model'])
    """
    if len(blocks) > _WINDOW_BLOCKS:
        kept, changes = [], []
        for start, end in windows(blocks, _WINDOW_BLOCKS):
            window_kept, window_changes = _filter_page(blocks[start:end], config)
            kept += window_kept
            changes += window_changes
        return kept, changes
    return _filter_page(blocks, config)


def repeated_blocks(blocks: list[Block], min_chars: int = _REPEAT_MIN_CHARS) -> list[bool]:
    """Which of ``blocks`` are copies: a block whose text an earlier block already has, when it
    is ``min_chars`` long or more, or when it directly follows its twin and holds a letter.  The
    first of the twins is not a copy, so dropping the copies loses nothing of the text.

    >>> para = "The bridge will be built over the next two years, the council said on Monday."
    >>> texts = [para, "Size: 43 inches", "Price", "Size: 43 inches", "Price", "Price", "}", "}", para]
    >>> [number for number, copy in enumerate(repeated_blocks([Block(n, t) for n, t in enumerate(texts, 1)]), 1) if copy]
    [6, 9]
    """
    seen: set[str] = set()
    copies = []
    previous = None
    for block in blocks:
        text = block.text
        copy = text in seen and (len(text) >= min_chars or text == previous and _HAS_LETTER.search(text) is not None)
        copies.append(copy)
        seen.add(text)
        previous = text
    return copies


def doubled_half(text: str, min_chars: int = _DOUBLED_MIN_CHARS, max_chars: int = _DOUBLED_MAX_CHARS) -> str | None:
    """The text once, when ``text`` is one text twice, glued ("LACE-UP SHOESLACE-UP SHOES") or
    with one space between, and that text has ``min_chars`` to ``max_chars`` characters and two
    different words at least (a run of one word repeated is not a copy of anything); else None.

    >>> doubled_half("LACE-UP SHOESLACE-UP SHOES"), doubled_half("A bowl of pasta with basil A bowl of pasta with basil")
    ('LACE-UP SHOES', 'A bowl of pasta with basil')
    >>> doubled_half("ha ha ha ha"), doubled_half("." * 40), doubled_half("word " * 7 + "word"), doubled_half("The cat sat. The cat sat!")
    (None, None, None, None)
    """
    half = len(text) // 2
    if not min_chars <= half <= max_chars:
        return None
    odd = len(text) % 2 and text[half].isspace()
    if text[half + 1 if odd else half] != text[0]:  # most lines: no slices made
        return None
    tail = text[half + 1:] if odd else text[half:]
    if len(tail) != half or text[:half] != tail or len(set(_WORD.findall(tail.casefold()))) < 2:
        return None
    return tail


def _collapse_doubled(blocks: list[Block], config: CleanerConfig) -> tuple[list[Block], list[Change]]:
    """``blocks`` with each doubled line (:func:`doubled_half`) once, the copy traced as removed
    by ``doubled_line``: the block is then judged as the text it holds."""
    if "doubled_line" in config.disabled_rules:
        return blocks, []
    changes = []
    out = blocks
    for index, block in enumerate(blocks):
        half = doubled_half(block.text)
        if half is None:
            continue
        if out is blocks:
            out = list(blocks)
        out[index] = Block(block.line, half)
        changes.append(Change("boilerplate", "doubled_line", half, "", block.line))
    return out, changes


def windows(blocks: list[Block], size: int, slack: float = _WINDOW_SLACK) -> list[tuple[int, int]]:
    """The (start, end) of the windows a document of ``blocks`` is judged in, at most ``size``
    blocks each: as few as that allows with room for the ``slack``, of about equal length, each
    ending at the last blank line (a gap in the blocks' line numbers) in its last ``slack``
    share of ``size`` blocks, if any.

    >>> blocks = [Block(line, "x") for line in [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13]]
    >>> windows(blocks, 12), windows(blocks, 10, slack=0.0), windows(blocks, 10, slack=0.5)
    ([(0, 12)], [(0, 6), (6, 12)], [(0, 3), (3, 8), (8, 12)])
    """
    if len(blocks) <= size:
        return [(0, len(blocks))]
    room = int(size * slack)
    count = -(-len(blocks) // (size - room))
    bounds, start = [], 0
    for number in range(1, count):
        end = len(blocks) * number // count
        for cut in range(end, max(start, end - room), -1):
            if blocks[cut].line > blocks[cut - 1].line + 1:
                end = cut
                break
        bounds.append((start, end))
        start = end
    bounds.append((start, len(blocks)))
    return bounds


def _filter_page(blocks: list[Block], config: CleanerConfig) -> tuple[list[Block], list[Change]]:
    """:func:`filter_blocks` of one page (or window) of blocks."""
    passes = _Passes(config)
    kept, changes = passes.run(blocks)
    if not changes:
        return kept, changes  # the next pass would see the very same blocks
    for guess in range(_MAX_GUESSES + 1):
        for _ in range(_MAX_PASSES):
            again, more = passes.run(kept)
            if not more:
                break
            kept, changes = again, changes + more
        if guess == _MAX_GUESSES or not passes.settle_language(kept):
            break
    return kept, changes


def page_language(page: blockstats.Page, config: CleanerConfig = DEFAULT_CONFIG) -> str:
    """The language of a page of blocks: the one ``config.languages`` names if it names
    exactly one, else the guess of :func:`language.guess_page_language`.

    >>> page_language(blockstats.Page(["Home", "The cat sat on the mat because it was warm."]))
    'en'
    """
    if len(config.languages) == 1:
        return config.languages[0]
    return guess_page_language(page)


class _Passes:
    """The passes of :func:`filter_blocks` over one document, and what they share: the texts
    the phrase rules passed, the page language, and the region scores and block model rows of
    the blocks the last pass kept."""

    def __init__(self, config: CleanerConfig):
        self.config = config
        self.passed: dict[str, str | None] = {}
        self.lang: str | None = None
        self.scores: segment.PageScores | None = None  # of the blocks the last pass returned
        self.rows: blockmodel.BlockRows | None = None  # of the same blocks, when the model ran
        self.caseless: bool | None = None  # whether the page is read by the model of pages without capitals

    def settle_language(self, kept: list[Block]) -> bool:
        """When the blocks kept barely read as the page language (their stopword density is
        under :data:`_WEAK_LANGUAGE`: product names, colours, where the menu's words decided
        the guess), guess it again on them; if the guess differs, take it and return True, for
        the passes to run again with it: cleaning their output again then guesses the same."""
        scores = self.scores
        if len(self.config.languages) == 1 or scores is None or len(kept) < segment.DEFAULT_PARAMS.min_blocks:
            return False
        weights = scores.length.astype(float)
        if float(scores.density @ weights) >= _WEAK_LANGUAGE * float(weights.sum()):
            return False
        lang = page_language(blockstats.Page([block.text for block in kept]), self.config)
        if lang == self.lang:
            return False
        self.lang, self.scores, self.rows = lang, None, None
        return True

    def run(self, blocks: list[Block]) -> tuple[list[Block], list[Change]]:
        """One pass: the doubled lines once, the phrase rules, then the region step, then the
        copies, on ``blocks``.

        The repeated labels stay on the page while the block model (or the region) reads it,
        then go (:func:`_drop_labels`): the model reads a page as it was written, list items
        and all."""
        config = self.config
        scores, self.scores = self.scores, None
        rows, self.rows = self.rows, None
        labels: list[int] = []
        blocks, doubled = _collapse_doubled(blocks, config)
        kept, changes = apply_phrase_rules(blocks, config, self.passed, labels)
        changes = doubled + changes
        if "outside_main_text" in config.disabled_rules or len(kept) - len(labels) < segment.DEFAULT_PARAMS.min_blocks:
            kept, changes = _without_labels(kept, labels, changes)
            keep, copies = _drop_copies(kept, [True] * len(kept), config)
            return list(itertools.compress(kept, keep)), changes + copies
        if changes:
            # the rules removed or cut blocks: the known ones are not theirs (repeated labels
            # stay among the blocks, so a pass without changes has the blocks the last returned)
            scores = rows = None
        model = None if "block_model" in config.disabled_rules else blockmodel.load_model()
        # The page is read for what is not known yet: the region scores, and the model's rows.
        page = blockstats.Page([block.text for block in kept]) \
            if scores is None or model is not None and rows is None else None
        if self.lang is None:
            # The first pass guesses on its page (the guess shares the word look-ups with the
            # stopword densities), and the later passes keep the guess.
            assert page is not None  # no scores are known before the first region step
            self.lang = page_language(page, config)
        if self.caseless is None and page is not None:
            self.caseless = blockmodel.is_caseless(page)  # of the first pass's page, kept by the later
        if model is not None and self.caseless:
            model = blockmodel.load_caseless_model() or model
        if model is not None:
            keep, removed, scores, rows = _model_keep(kept, page, model, segment.DEFAULT_PARAMS, self.lang,
                                                      scores, rows)
        else:
            keep, removed, scores = _main_keep(kept, page, segment.DEFAULT_PARAMS, self.lang, scores)
        if labels:
            keep, removed = _drop_labels(kept, keep, removed, labels)
        keep, copies = _drop_copies(kept, keep, config)
        if model is not None:
            self.rows = rows.take(keep)
        self.scores = _scores_of(scores, keep)
        return list(itertools.compress(kept, keep)), changes + removed + copies


def _drop_copies(blocks: list[Block], keep: list[bool], config: CleanerConfig) -> tuple[list[bool], list[Change]]:
    """The decision ``keep`` with the copies among the blocks it keeps dropped too
    (:func:`repeated_blocks`), and their trace.  They go within the pass, so the pass after it
    reads the page without them: cleaning the output again changes nothing, though a copy gone
    can leave a label alone, no longer in a list."""
    if "repeated_block" in config.disabled_rules:
        return keep, []
    at = [index for index, kept in enumerate(keep) if kept]
    copies = repeated_blocks([blocks[index] for index in at])
    if not any(copies):
        return keep, []
    keep = list(keep)
    changes = []
    for index, copy in zip(at, copies):
        if copy:
            keep[index] = False
            changes.append(Change("boilerplate", "repeated_block", blocks[index].text, "", blocks[index].line))
    return keep, changes


def _without_labels(blocks: list[Block], labels: list[int], changes: list[Change]) -> tuple[list[Block], list[Change]]:
    """``blocks`` without the repeated labels at ``labels``, each traced as ``repeated_short_line``."""
    if not labels:
        return blocks, changes
    drop = set(labels)
    removed = [Change("boilerplate", "repeated_short_line", blocks[index].text, "", blocks[index].line)
               for index in labels]
    return [block for index, block in enumerate(blocks) if index not in drop], changes + removed


def _drop_labels(blocks: list[Block], keep: list[bool], removed: list[Change],
                 labels: list[int]) -> tuple[list[bool], list[Change]]:
    """The decision ``keep`` with the repeated labels at ``labels`` removed too, but for those
    the decision keeps next to another repeated label (a list: the colours of two products);
    a label the decision removed already is traced once, as ``repeated_short_line``."""
    keep = list(keep)
    listed = set(labels)
    labels = [index for index in labels if not keep[index] or not (index - 1 in listed or index + 1 in listed)]
    lines = {blocks[index].line for index in labels}
    removed = [change for change in removed if change.line not in lines]
    for index in labels:
        keep[index] = False
        removed.append(Change("boilerplate", "repeated_short_line", blocks[index].text, "", blocks[index].line))
    removed.sort(key=lambda change: change.line)
    return keep, removed


def _scores_of(scores: segment.PageScores, keep: list[bool]) -> segment.PageScores:
    """The rows of ``scores`` (one entry per block in each field) of the blocks ``keep`` keeps."""
    rows = np.flatnonzero(keep)
    return type(scores)(*(column[rows] for column in scores))


def model_region(blocks: list[Block], model: blockmodel.Model, config: CleanerConfig = DEFAULT_CONFIG,
                 params: segment.Params = segment.DEFAULT_PARAMS, lang: str | None = None) -> tuple[list[Block], list[Change]]:
    """The blocks the block model keeps (:mod:`cleaner.blockmodel`, decided as
    :func:`_model_keep` says); the others are removed with their probability as
    ``block_model:<p>``.  A short document is kept whole.  ``lang``: the page language
    (default: :func:`page_language`)."""
    if len(blocks) < params.min_blocks:
        return blocks, []
    page = blockstats.Page([block.text for block in blocks])
    keep, changes, _, _ = _model_keep(blocks, page, model, params, page_language(page, config) if lang is None else lang,
                                      None, None)
    return [block for block, kept in zip(blocks, keep) if kept], changes


def _model_keep(blocks: list[Block], page: blockstats.Page | None, model: blockmodel.Model, params: segment.Params,
                lang: str, scores: segment.PageScores | None, rows: blockmodel.BlockRows | None
                ) -> tuple[list[bool], list[Change], segment.PageScores, blockmodel.BlockRows]:
    """:func:`model_region`'s decision for each block (``page``: theirs, needed only for what is
    not known), its trace, and the blocks' region scores and model rows (``scores``, ``rows``:
    those already known, else None).

    A block is kept when its smoothed log-odds reach the page's threshold, or, inside the main
    region of :mod:`cleaner.segment` (the model's ``in_region`` feature), reach it less
    :data:`_REGION_MARGIN`: the region is evidence of its own that the block is the document's.
    Between the first and the last block so kept, a block is kept down to the threshold less
    :data:`_SPAN_MARGIN` (:func:`span_kept`).
    The page's threshold (:func:`page_threshold`) is the model's, or lower on a page whose best
    block is itself doubtful or whose doubtful blocks are likely enough, together, to hold much
    of its main text.  In a prose region, the prose lines the model doubts may be kept
    (:func:`prose_kept`).  A heading just before the first kept block is kept as its title.
    """
    if scores is None:
        assert page is not None
        scores = segment.score_page(page, lang, params)
    if rows is None:
        assert page is not None
        rows = blockmodel.block_rows(page, scores)
    if rows.terms is None:  # new rows: their page is known (a later pass takes the terms too)
        assert page is not None
        rows = rows._replace(terms=blockmodel.content_terms(page, lang))
    matrix = blockmodel.rows_matrix(rows, scores, lang, params)
    values = np.asarray(blockmodel.smoothed(blockmodel.log_odds(model, matrix, rows.terms), model.smooth))
    in_region = matrix[:, _IN_REGION] > 0
    threshold = page_threshold(model, values, np.expm1(matrix[:, _LOG_WORDS]))
    keep_array = (values >= threshold) | in_region & (values >= threshold - _REGION_MARGIN)
    if not keep_array.any():
        return (*_main_keep(blocks, page, params, lang, scores), rows)
    keep_array |= span_kept(keep_array, values, threshold - _SPAN_MARGIN)
    if (in_region & ~keep_array).any():  # the prose lines kept are doubted ones of the region
        keep_array |= prose_kept(blocks, keep_array, in_region)
    first = int(keep_array.argmax())
    scored: list[segment.Scored | None] = [None] * len(blocks)  # _with_title reads the few before first
    for index in range(max(0, first - _TITLE_REACH), first):
        scored[index] = scores.at(index)
    keep_array[_with_title(blocks, scored, first):first] = True  # type: ignore[arg-type]
    keep = keep_array.tolist()
    dropped = (~keep_array).nonzero()[0]
    gone = list(map(blocks.__getitem__, dropped.tolist()))
    rules = map("block_model:{:.2f}".format, blockmodel.probabilities(values[dropped]).tolist())  # (floats format faster)
    # (Changes built by C calls alone, one per dropped block: a page drops many.)
    changes = list(map(_new_change, zip(itertools.repeat("boilerplate"), rules, map(_TEXT_OF, gone),
                                        itertools.repeat(""), map(_LINE_OF, gone))))
    return keep, changes, scores, rows


def span_kept(keep: np.ndarray, values: np.ndarray, floor: float) -> np.ndarray:
    """The blocks from the first to the last one ``keep`` keeps whose smoothed log-odds
    (``values``) reach ``floor``: the main text runs from its first kept block to its last, and
    a block inside it needs less evidence than one outside.

    >>> keep = np.array([False, True, False, False, True, False])
    >>> span_kept(keep, np.array([0.5, 2.0, -0.5, -3.0, 1.0, 0.9]), -1.0).tolist()
    [False, True, True, False, True, False]
    """
    inside = np.zeros(len(keep), dtype=bool)
    kept = keep.nonzero()[0]
    if len(kept):
        inside[kept[0]:kept[-1] + 1] = True
    return inside & (values >= floor)


def prose_lines(texts: list[str]) -> np.ndarray:
    """Whether each text reads as a line of prose: it ends like a sentence (its last mark before
    closing quotes and brackets, of any script) or opens a quotation or a line of speech.

    >>> prose_lines(["“Stolen.”", "«Non.»", "— ¿Y tú?", "「はい。」", "Home", "Read more", "“My dear"]).tolist()
    [True, True, True, True, False, False, True]
    """
    count = len(texts)
    finals = segment.final_marks(texts, _PROSE_CLOSERS)
    prose = np.fromiter(map(_PROSE_FINAL_MARKS.__contains__, finals), dtype=bool, count=count)
    opening = np.fromiter(map(_SPEECH_OPENERS.__contains__, map(_FIRST, texts)), dtype=bool, count=count)
    for index in (opening & ~prose).nonzero()[0].tolist():
        prose[index] = _HAS_LETTER.search(texts[index]) is not None
    return prose


def prose_kept(blocks: list[Block], keep: np.ndarray, in_region: np.ndarray) -> np.ndarray:
    """The blocks to keep as prose although the model doubts them, given the decision ``keep``
    and which blocks are in the main region.

    Only when the region is prose (:data:`_PROSE_SHARE` of its blocks are :func:`prose_lines`):
    a run of dropped blocks between two kept ones is kept when every block of it is a prose line
    in the region (the short lines of a dialogue between its paragraphs), and on a page the region
    covers (:data:`_PROSE_PAGE` of its blocks), every prose line of the region is kept.  A menu,
    a label, a heading are not prose lines: they stay the model's to judge.
    """
    prose = np.zeros(len(blocks), dtype=bool)
    regional = in_region.nonzero()[0]
    prose[regional] = prose_lines([blocks[index].text for index in regional.tolist()])
    if not len(regional) or prose.sum() < _PROSE_SHARE * len(regional):
        return np.zeros(len(blocks), dtype=bool)
    if len(regional) >= _PROSE_PAGE * len(blocks):
        return prose & ~keep
    # The runs between two kept blocks holding only prose lines (counted as the non-prose lines
    # before each position), marked by their edges and filled by a running sum.
    kept = keep.nonzero()[0]
    starts, ends = kept[:-1] + 1, kept[1:]
    not_prose = np.concatenate(([0], (~prose).cumsum()))
    filled = (ends > starts) & (not_prose[ends] == not_prose[starts])
    edges = np.zeros(len(blocks) + 1, dtype=int)
    np.add.at(edges, starts[filled], 1)
    np.add.at(edges, ends[filled], -1)
    return edges[:-1].cumsum() > 0


def page_threshold(model: blockmodel.Model, values: np.ndarray, words: np.ndarray) -> float:
    """The threshold for a page whose blocks have the smoothed log-odds ``values`` and hold
    ``words`` words: the model's, or lower when either of these is (the lowest):

    * :data:`_BELOW_BEST` below the page's best block: a page where the model doubts every
      block, such as a product grid, keeps its likeliest blocks;
    * with a model that gives its ``recall_weight``, :func:`expected_threshold`: the page's
      doubtful blocks are kept when they are likely enough, together, to hold much of its
      main text (a list inside an article, doubted line by line).

    >>> model = blockmodel.Model([], [], -0.5, 0.25)
    >>> words = np.array([30.0, 30.0, 30.0, 30.0])
    >>> page_threshold(model, np.array([-4.0, 3.5, 0.2, -0.8]), words), page_threshold(model, np.array([-4.0, 0.5, -1.0, -2.2]), words)
    (-0.5, -2.0)
    >>> values, words = np.array([2.0, -0.8, -0.8, -0.8, -0.8]), np.array([10.0, 50.0, 50.0, 50.0, 50.0])
    >>> page_threshold(model, values, words), page_threshold(model._replace(recall_weight=0.65), values, words)
    (-0.5, -0.8)
    """
    if not len(values):
        return model.threshold
    threshold = min(model.threshold, float(values.max()) - _BELOW_BEST)
    if model.recall_weight:
        threshold = min(threshold, expected_threshold(values, words, model.recall_weight))
    return threshold


def expected_threshold(values: np.ndarray, words: np.ndarray, recall_weight: float) -> float:
    """The threshold on the log-odds ``values`` of a page's blocks that keeps the blocks best
    for the expected precision of what is kept plus ``recall_weight`` times its expected recall,
    each block weighing its ``words`` and being main text with the probability its log-odds give.

    The blocks are taken likeliest first: after some of them, the expected precision is their
    mean probability (by words) and the expected recall their share of the page's expected
    main text.  A block that adds little recall for much doubt stops the count.

    >>> words = np.array([50.0, 50.0, 50.0, 50.0])
    >>> expected_threshold(np.array([3.0, 2.0, 0.0, -3.0]), words, 0.65), expected_threshold(np.array([3.0, 2.0, 0.0, -3.0]), words, 1.0)
    (2.0, 0.0)
    """
    order = (-values).argsort(kind="stable")
    weights = np.maximum(words[order], 1.0)
    expected = (weights * blockmodel.probabilities(values[order])).cumsum()
    gain = expected / weights.cumsum() + recall_weight * expected / expected[-1]
    return float(values[order[int(gain.argmax())]])


def apply_phrase_rules(blocks: list[Block], config: CleanerConfig = DEFAULT_CONFIG,
                       passed: dict[str, str | None] | None = None,
                       labels: list[int] | None = None) -> tuple[list[Block], list[Change]]:
    """The phrase rules and the repeated-label heuristic, block by block (no region step).

    Only the blocks the rules' screen points to go through the rules: the others cannot match
    any of them.  ``passed`` holds texts the rules keep unchanged (with their label key) and
    gains the ones found here, so that later passes over the same blocks skip them.  With
    ``labels`` (a list), the repeated labels are kept, and their positions among the kept
    blocks appended to it, for the caller to remove after the region step.
    """
    ruleset = rule_set(config.languages, config.extra_rule_files, config.disabled_rules)
    passed = {} if passed is None else passed
    texts = [block.text for block in blocks]
    if passed:
        keys = [passed[text] if text in passed else _label_key(text) for text in texts]
        new = [index for index, text in enumerate(texts) if text not in passed]
    else:
        keys = list(map(_label_key, texts))
        new = range(len(texts))
    repeated = set() if "repeated_short_line" in config.disabled_rules else _repeated_short_lines(keys, config)
    # The rules read a whole line only when it is short, and otherwise its first _EDGE characters.
    reach = max(_EDGE, config.phrase_line_max_words * _LONGEST_WORD)
    heads = texts if not passed else [texts[i] for i in new]
    present: set[str] = set()  # the screen's pieces these blocks hold: the only ones to look for in one
    screened = rulescreen.screen_lines(heads, ruleset.screen, reach, present)
    # A label ending in marks is also screened bare, as the rules read it (_label_of).
    marked = [position for position, text in enumerate(heads)
              if len(text) <= _LABEL_MAX and text[-1:] in _LABEL_MARKS and not screened[position]]
    if marked:
        bare = rulescreen.screen_lines([_label_of(heads[position]) for position in marked], ruleset.screen, reach,
                                       present)
        for position, suspect in zip(marked, bare):
            screened[position] = suspect
    # The blocks that are not simply kept: repeated labels, and those the screen points to.
    special = [index for index, suspect in zip(new, screened) if suspect]
    suspects = set(special)
    if repeated:
        special = sorted(set(special).union(index for index, key in enumerate(keys) if key in repeated))
    if special:
        simple = [True] * len(texts)
        for index in special:
            simple[index] = False
        passed.update(zip(itertools.compress(texts, simple), itertools.compress(keys, simple)))
    else:
        passed.update(zip(texts, keys))
    kept: list[Block] = []
    changes: list[Change] = []
    verdicts: dict[str, Verdict] = {}  # a text the page repeats goes through the rules once
    done = 0
    for index in special:
        kept += blocks[done:index]
        done = index + 1
        block, key = blocks[index], keys[index]
        if key in repeated:
            if labels is None:
                changes.append(Change("boilerplate", "repeated_short_line", block.text, "", block.line))
                continue
            if index not in suspects:  # no rule can match it, or the rules kept it on an earlier pass
                passed[block.text] = key
                labels.append(len(kept))
                kept.append(block)
                continue
        verdict = verdicts.get(block.text)
        if verdict is None:
            verdict = verdicts[block.text] = _apply_rules(block, ruleset, config, reach, present)
        elif verdict.changes:  # the same changes, on this block's line
            verdict = verdict._replace(changes=[change._replace(line=block.line) for change in verdict.changes])
        if key in repeated and verdict.keep and not verdict.changes:
            assert labels is not None
            passed[block.text] = key
            labels.append(len(kept))  # a phrase rule names it better, else it is a deferred label
            kept.append(block)
            continue
        changes += verdict.changes
        if verdict.keep:
            if verdict.text == block.text and not verdict.changes:
                passed[block.text] = key
            kept.append(Block(block.line, verdict.text))
    kept += blocks[done:]
    return kept, changes


def main_region(blocks: list[Block], config: CleanerConfig = DEFAULT_CONFIG,
                params: segment.Params = segment.DEFAULT_PARAMS, lang: str | None = None) -> tuple[list[Block], list[Change]]:
    """The blocks of the highest-scoring contiguous region (with a heading just before it);
    the others are removed with their score.  A document with no positive block is kept whole.
    ``lang``: the page language (default: :func:`page_language`)."""
    if len(blocks) < params.min_blocks:
        return blocks, []
    page = blockstats.Page([block.text for block in blocks])
    keep, changes, _ = _main_keep(blocks, page, params, page_language(page, config) if lang is None else lang, None)
    return [block for block, kept in zip(blocks, keep) if kept], changes


def _main_keep(blocks: list[Block], page: blockstats.Page | None, params: segment.Params, lang: str,
               scores: segment.PageScores | None) -> tuple[list[bool], list[Change], segment.PageScores]:
    """:func:`main_region`'s decision for each block (``page``: theirs, needed only when
    ``scores`` is None), its trace, and the blocks' region scores (``scores``: those already
    known, else None)."""
    if scores is None:
        assert page is not None
        scores = segment.score_page(page, lang, params)
    scored = scores.scored()
    values = [s.score for s in scored]
    spans = segment.best_segments(values, params.secondary)
    if not spans or max(sum(values[a:b]) for a, b in spans) < params.weak_region:
        return [True] * len(blocks), [], scores
    keep = [False] * len(blocks)
    for start, end in spans:
        start = _with_title(blocks, scored, start)
        keep[start:end] = [True] * (end - start)
    changes = [Change("boilerplate", f"outside_main_text:{s.score:+.1f}", block.text, "", block.line)
               for block, s, kept in zip(blocks, scored, keep) if not kept]
    return keep, changes, scores


def _has_words(text: str) -> bool:
    """Whether ``text`` holds two words or more, or, in Chinese, Japanese or Thai (written
    without spaces: a run of characters reads as one word), :data:`_TITLE_WIDE_CHARS` characters.

    >>> _has_words("Pier repairs"), _has_words("Home"), _has_words("世界人権宣言の全文を読む"), _has_words("お問い合わせ")
    (True, False, True, False)
    >>> _has_words("ปฏิญญาสากลว่าด้วยสิทธิมนุษยชน"), _has_words("ค้นหา")
    (True, False)
    """
    return len(_WORD.findall(text)) >= 2 or len(_WIDE_CHARS.findall(text)) >= _TITLE_WIDE_CHARS


def _with_title(blocks: list[Block], scored: list[segment.Scored], start: int) -> int:
    """Move ``start`` back to a heading among the few blocks before it, if there is one.  When
    ``start`` is among the page's first few blocks and the blocks before that heading are
    headings too, the page opens with them (a title, a date line, a section heading): they are
    all kept."""
    nearest = start
    for index in range(start - 1, max(-1, start - 1 - _TITLE_REACH), -1):
        if scored[index].kind == "nav":
            break
        if _is_heading(blocks[index].text, scored[index]):
            nearest = index
            break
    if 0 < nearest < start <= _TITLE_REACH and \
            all(_is_heading(blocks[index].text, scored[index]) for index in range(nearest)):  # (no "nav" is one)
        return 0
    return nearest


def _is_heading(text: str, scored: segment.Scored) -> bool:
    """Whether a block reads as a heading: short, two words or more, no sentence end."""
    return len(text) <= _TITLE_MAX and _has_words(text) and not _SENTENCE_END.search(text) \
        and scored.kind in ("fragment", "near-good", "bad", "good")


def _apply_rules(block: Block, ruleset: RuleSet, config: CleanerConfig, reach: int,
                 present: set[str] | None = None) -> Verdict:
    """The rules in order on one block; those its screen rules out cannot match and are skipped
    (a span rule that cuts the block has the rest screened again, for every piece: the cut may
    join text into one).  ``present``: the screen's pieces the block may hold, None for any."""
    text = block.text
    changes: list[Change] = []
    most = config.phrase_line_max_words
    # (A text shorter than twice that many characters holds no more words: a character outside
    # words follows each word but the last.)
    short = len(text) < 2 * most or len(text) <= most * _LONGEST_WORD and len(_WORD.findall(text)) <= most
    candidates, bare = _candidates(text, short, ruleset, reach, present)
    # The candidates in rule order, the only rules read (a cut replaces those after it).
    pending = sorted(candidates, reverse=True)
    while pending:
        position = pending.pop()
        rule = ruleset.rules[position]
        if rule.lines is not None and short and (rule.lines.search(text) or bare != text and rule.lines.search(bare)) or \
                rule.openings is not None and rule.openings.match(text[:_EDGE]):
            return Verdict(False, text, changes + [Change("boilerplate", rule.name, text, "", block.line)])
        if rule.spans is not None:
            cut = _cut_spans(text, rule, block.line, changes)
            if cut != text and not _HAS_LETTER.search(cut):
                # nothing worth keeping is left once the notice is cut: the rest goes too
                if cut:
                    changes.append(Change("boilerplate", rule.name, cut, "", block.line))
                return Verdict(False, cut, changes)
            if cut != text:
                candidates, bare = _candidates(cut, short, ruleset, reach)
                pending = sorted((later for later in candidates if later > position), reverse=True)
            text = cut
    return Verdict(True, text, changes)


def _candidates(text: str, short: bool, ruleset: RuleSet, reach: int,
                present: set[str] | None = None) -> tuple[frozenset[int], str]:
    """The rules the screen lets try ``text``, and the text as the ``lines`` patterns also read
    it: a short label without its end marks (:func:`_label_of`).  ``present``: the screen's
    pieces ``text`` may hold (None for any)."""
    candidates = rulescreen.rules_for(text, ruleset.screen, reach, present)
    bare = _label_of(text) if short and len(text) <= _LABEL_MAX else text
    if bare != text:
        candidates = candidates | rulescreen.rules_for(bare, ruleset.screen, reach, present)
    return candidates, bare


def _label_of(line: str) -> str:
    """A label line (at most _LABEL_MAX characters) without the marks it may end with ("Post a
    comment!", "Share:"), so that a ``lines`` pattern written for the bare label matches it too.

    >>> _label_of("Post a comment!"), _label_of("Share this:"), _label_of("Leave a Reply …"), _label_of("Post a comment »")
    ('Post a comment', 'Share this', 'Leave a Reply', 'Post a comment')
    """
    return _LABEL_END.sub("", line)


def _cut_spans(text: str, rule: Rule, line: int, changes: list[Change]) -> str:
    """Cut the rule's matches that touch the edges of ``text`` (never from mid-paragraph)."""
    pattern = rule.spans
    assert pattern is not None
    for _ in range(4):  # a few glued notices at most
        head = text[:_EDGE]
        match = pattern.search(head)
        if match is None or (match.start() > 0 and match.end() < len(text)):
            break
        changes.append(Change("boilerplate", rule.name, match.group(), "", line))
        text = (text[:match.start()] + " " + text[match.end():]).strip()
    return text


def _repeated_short_lines(keys: list[str | None], config: CleanerConfig) -> set[str]:
    """Short lines that are not sentences and occur more than once: ad labels, widget titles
    (``keys``: the blocks' :func:`_label_key`).

    >>> _repeated_short_lines([_label_key(t) for t in ["pCloud Premium", "Text.", "pCloud Premium"]],
    ...                       DEFAULT_CONFIG)
    {'pcloud premium'}
    """
    counts = Counter(keys)
    counts.pop(None, None)  # (counted in C, the blocks too long for a label dropped after)
    return {
        key for key, count in counts.items()
        if count > 1 and _is_label(key, config.repeated_line_max_words)
    }


# The same labels recur on every pass over a page, and on many pages.
@functools.lru_cache(maxsize=4096)
def _is_label(key: str, max_words: int) -> bool:
    words = _WORD.findall(key)
    return (0 < len(words) <= max_words and len(key) <= _LABEL_MAX and _HAS_LETTER.search(key) is not None
            and not _SENTENCE_END.search(key))


def _label_key(text: str) -> str | None:
    """The key a text is counted by as a label (case-folded, stripped), when it is short enough
    to be one, else None (case folding never shortens a text, so a longer one has a longer key).

    >>> _label_key(" Read More "), _label_key("word " * 20)
    ('read more', None)
    """
    if len(text) > _LABEL_MAX and len(text.strip()) > _LABEL_MAX:
        return None
    return text.casefold().strip()
