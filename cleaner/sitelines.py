"""Cross-document boilerplate: lines that recur across many documents of one site.

A menu entry, a footer or a newsletter prompt that survived the per-document rules still gives
itself away by appearing on most pages of its site.  The batch run finds such lines in two
passes:

1. every document is cleaned and the (short) paragraphs of its output are counted, once per
   document, per site: :class:`SiteLineCounts`;
2. every document is cleaned again and the paragraphs that at least
   ``site_line_min_documents`` documents and ``site_line_min_share`` of its site's documents
   share are removed: :func:`remove_site_lines`.

Counts are sums over documents, so the result is the same for any number of workers and any
order.  The site is the host of the document's ``url`` when it has one, else its folder.
Paragraphs are counted by a 64-bit hash, which keeps pass 1's memory to a few words per
distinct short line.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from urllib.parse import urlsplit

from .trace import Change

RULE = "site_repeated_line"


def site_of(url: str | None, folder: str) -> str:
    """The site a document belongs to.

    >>> site_of("https://WWW.Example.com/a/b?c=1", "crawl/part-1")
    'www.example.com'
    >>> site_of(None, "crawl/part-1")
    'folder:crawl/part-1'
    """
    if url:
        try:
            host = urlsplit(url.strip()).hostname
        except ValueError:
            host = None
        if host:
            return host
    return f"folder:{folder}"


def line_key(line: str) -> int:
    """A stable 64-bit key for a paragraph (white space folded)."""
    folded = " ".join(line.split())
    return int.from_bytes(hashlib.blake2b(folded.encode("utf-8"), digest_size=8).digest(), "big")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of cleaned text (the writer separates them by one blank line)."""
    return [p for p in text.split("\n\n") if p.strip()]


def document_keys(text: str, max_chars: int) -> set[int]:
    """The keys of a cleaned document's paragraphs short enough to be site boilerplate."""
    return {line_key(p) for p in paragraphs(text) if len(p) <= max_chars}


class SiteLineCounts:
    """Per site: how many documents it has, and in how many documents each key appears."""

    def __init__(self) -> None:
        self.documents: Counter[str] = Counter()
        self.lines: dict[str, Counter[int]] = {}

    def add(self, site: str, keys: set[int]) -> None:
        self.documents[site] += 1
        self.lines.setdefault(site, Counter()).update(keys)

    def merge(self, other: "SiteLineCounts") -> None:
        self.documents.update(other.documents)
        for site, counts in other.lines.items():
            self.lines.setdefault(site, Counter()).update(counts)

    def frequent(self, min_documents: int, min_share: float) -> dict[str, frozenset[int]]:
        """The keys to remove, per site (sites with none are left out).

        >>> counts = SiteLineCounts()
        >>> for page in range(4):
        ...     counts.add("a.org", {1, 2} if page < 3 else {1})
        >>> counts.frequent(3, 0.8)
        {'a.org': frozenset({1})}
        """
        found = {}
        for site, counts in self.lines.items():
            needed = max(min_documents, min_share * self.documents[site])
            keys = frozenset(key for key, n in counts.items() if n >= needed)
            if keys:
                found[site] = keys
        return found


def remove_site_lines(text: str, keys: frozenset[int], max_chars: int) -> tuple[str, list[Change]]:
    """Drop the paragraphs of ``text`` whose key is in ``keys``; the changes say which.

    >>> text = "The article.\\n\\nMenu\\n"
    >>> remove_site_lines(text, frozenset({line_key("Menu")}), 200)
    ('The article.\\n', [Change(stage='boilerplate', rule='site_repeated_line', before='Menu', after='', line=3)])
    """
    if not keys:
        return text, []
    kept, changes = [], []
    line = 1
    for part in text.rstrip("\n").split("\n\n"):
        if part.strip() and len(part) <= max_chars and line_key(part) in keys:
            changes.append(Change("boilerplate", RULE, part, "", line))
        elif part.strip():
            kept.append(part)
        line += part.count("\n") + 2
    if not changes:
        return text, []
    return ("\n\n".join(kept) + "\n" if kept else ""), changes
