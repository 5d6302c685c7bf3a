"""Same-site repeated lines: the cross-document pass, as small pure functions any engine can use.

A line that recurs in many documents of one site (a footer, a newsletter prompt, a menu entry)
is the site's template, not the document's content.  The pass works on cleaned texts in two
steps, so it runs the same in a local process pool and as a distributed aggregation:

1. each document gives its site (:func:`site_of`) and the keys of its candidate lines
   (:func:`line_keys`, distinct per document);
2. the keys are counted per site over all documents (:class:`SiteLineCounts`, or an engine's
   group-by); :func:`frequent_keys` keeps those found in at least ``min_documents`` documents
   and in at least ``min_share`` of the site's documents; :func:`remove_lines` then drops those
   lines from each document of the site, with a trace.

Counts are sums over documents, so the result is the same for any number of workers, any
engine and any order.  :func:`site_lines_pass` runs both steps in one process.  The thresholds
are the ``site_line_*`` fields of :class:`~cleaner.config.CleanerConfig`
(:meth:`SiteLineSettings.from_config`).
"""
from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import NamedTuple
from urllib.parse import urlsplit

import regex

from .config import DEFAULT_CONFIG, CleanerConfig
from .trace import Change

RULE = "site_repeated_line"
_SPACES = regex.compile(r"\s+")
_BLANK_LINES = regex.compile(r"\n\s*\n")


class SiteLineSettings(NamedTuple):
    """When a line counts as a site's template (picklable, for workers of any engine).

    min_documents: the line is in at least this many documents of the site;
    min_share:     and in at least this share of the site's documents;
    max_chars:     longer lines are prose, never template.

    >>> SiteLineSettings.from_config(CleanerConfig(site_line_min_documents=3))
    SiteLineSettings(min_documents=3, min_share=0.5, max_chars=200)
    """

    min_documents: int = DEFAULT_CONFIG.site_line_min_documents
    min_share: float = DEFAULT_CONFIG.site_line_min_share
    max_chars: int = DEFAULT_CONFIG.site_line_max_chars

    @classmethod
    def from_config(cls, config: CleanerConfig) -> "SiteLineSettings":
        """The settings a config gives (its ``site_line_*`` fields)."""
        return cls(config.site_line_min_documents, config.site_line_min_share, config.site_line_max_chars)


DEFAULT_SETTINGS = SiteLineSettings()


def normalise_line(line: str) -> str:
    """The form lines are compared in: NFKC, case folded, white space folded.

    >>> normalise_line("  Share   this\\u00a0Article ")
    'share this article'
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", line)).strip().casefold()


def line_key(line: str) -> str:
    """A short, stable key for a line (the same in every process, unlike ``hash``).

    >>> line_key("Share this article") == line_key("SHARE  this article")
    True
    >>> len(line_key("x"))
    16
    """
    return hashlib.blake2b(normalise_line(line).encode("utf-8"), digest_size=8).hexdigest()


def site_of(url: str | None, source: str | None = None) -> str:
    """The site a record belongs to: the host of its URL, else the folder of its input file
    ``source``.  Engines pass the input file's resolved (absolute) path, so a folder is one
    site however the inputs were named on the command line.

    >>> site_of("https://WWW.Example.com/a/b?c=1")
    'www.example.com'
    >>> site_of(None, "/crawl/news/part-0.jsonl")
    'folder:/crawl/news'
    >>> site_of("not a url", "recs.jsonl")
    'folder:.'
    """
    if isinstance(url, str) and url:
        try:
            host = urlsplit(url.strip()).hostname
        except ValueError:
            host = None
        if host:
            return host
    return "folder:" + (str(PurePath(source).parent) if source else ".")


def candidate_lines(text: str, settings: SiteLineSettings = DEFAULT_SETTINGS) -> list[tuple[int, str]]:
    """(line number, line) for every non-empty line short enough to be template.

    >>> candidate_lines("Title\\n\\nA body line.\\n")
    [(1, 'Title'), (3, 'A body line.')]
    >>> candidate_lines("Short\\n" + "long " * 50, SiteLineSettings(max_chars=200))
    [(1, 'Short')]
    """
    return [(number, line) for number, line in enumerate(text.split("\n"), 1)
            if line.strip() and len(line) <= settings.max_chars]


def line_keys(text: str, settings: SiteLineSettings = DEFAULT_SETTINGS) -> list[str]:
    """The distinct keys of a document's candidate lines, sorted (a document counts once per line).

    >>> len(line_keys("Menu\\n\\nMenu\\n\\nBody.\\n"))
    2
    """
    return sorted({line_key(line) for _, line in candidate_lines(text, settings)})


def frequent_keys(key_counts: Mapping[str, int], site_documents: int,
                  settings: SiteLineSettings = DEFAULT_SETTINGS) -> frozenset[str]:
    """The keys of a site whose document counts pass both thresholds.

    >>> sorted(frequent_keys({"a": 5, "b": 2, "c": 4}, 10))
    ['a']
    >>> sorted(frequent_keys({"a": 5, "b": 2, "c": 4}, 10, SiteLineSettings(min_documents=3, min_share=0.4)))
    ['a', 'c']
    """
    needed = max(settings.min_documents, settings.min_share * site_documents)
    return frozenset(key for key, count in key_counts.items() if count >= needed)


class SiteLineCounts:
    """Per site: how many documents it has, and in how many of them each line key occurs.
    Counts of disjoint sets of documents merge by addition, so workers count their own files
    and the parent merges them.

    >>> counts = SiteLineCounts()
    >>> for page in range(4):
    ...     counts.add("a.org", "Menu\\n\\nStory %d.\\n" % page)
    >>> counts.frequent(SiteLineSettings(min_documents=3)) == {"a.org": frozenset({line_key("Menu")})}
    True
    """

    def __init__(self, settings: SiteLineSettings = DEFAULT_SETTINGS) -> None:
        self.settings = settings
        self.documents: Counter[str] = Counter()
        self.lines: dict[str, Counter[str]] = {}

    def add(self, site: str, text: str) -> None:
        """Count one cleaned document of ``site``."""
        self.documents[site] += 1
        self.lines.setdefault(site, Counter()).update(line_keys(text, self.settings))

    def merge(self, other: "SiteLineCounts") -> None:
        self.documents.update(other.documents)
        for site, counts in other.lines.items():
            self.lines.setdefault(site, Counter()).update(counts)

    def frequent(self, settings: SiteLineSettings | None = None) -> dict[str, frozenset[str]]:
        """The keys to remove, per site (sites with none are left out)."""
        settings = settings or self.settings
        found = {}
        for site, counts in self.lines.items():
            keys = frequent_keys(counts, self.documents[site], settings)
            if keys:
                found[site] = keys
        return found


def remove_lines(text: str, keys: frozenset[str] | set[str],
                 settings: SiteLineSettings = DEFAULT_SETTINGS) -> tuple[str, list[Change]]:
    """Drop the candidate lines whose key is in ``keys``; the text keeps its shape (paragraphs
    separated by one blank line, one final newline).

    >>> text, changes = remove_lines("Body.\\n\\nSubscribe now\\n", {line_key("subscribe now")})
    >>> text
    'Body.\\n'
    >>> changes[0].rule, changes[0].before, changes[0].line
    ('site_repeated_line', 'Subscribe now', 3)
    """
    if not keys:
        return text, []
    drop = {number: line for number, line in candidate_lines(text, settings) if line_key(line) in keys}
    if not drop:
        return text, []
    kept = [line for number, line in enumerate(text.split("\n"), 1) if number not in drop]
    paragraphs = [p.strip("\n") for p in _BLANK_LINES.split("\n".join(kept))]
    body = "\n\n".join(p for p in paragraphs if p.strip())
    changes = [Change("boilerplate", RULE, line, "", number) for number, line in drop.items()]
    return (body + "\n" if body else ""), changes


def site_lines_pass(documents: Iterable[tuple[str, str]],
                    settings: SiteLineSettings = DEFAULT_SETTINGS) -> list[tuple[str, list[Change]]]:
    """The whole pass in one process, over (site, cleaned text) pairs; returns (text, changes)
    per document, in order.  Engines give the same result with a distributed count.

    >>> docs = [("a.com", f"Story {i}.\\n\\nSubscribe now\\n") for i in range(3)]
    >>> settings = SiteLineSettings(min_documents=3)
    >>> [text for text, _ in site_lines_pass(docs + [("b.com", "Subscribe now\\n")], settings)]
    ['Story 0.\\n', 'Story 1.\\n', 'Story 2.\\n', 'Subscribe now\\n']
    """
    documents = list(documents)
    counts = SiteLineCounts(settings)
    for site, text in documents:
        counts.add(site, text)
    frequent = counts.frequent()
    return [remove_lines(text, frequent.get(site, frozenset()), settings) for site, text in documents]
