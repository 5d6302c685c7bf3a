"""The record that flows through a pipeline: text plus an id and free-form metadata."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Document:
    """One document: its text, a stable id (a path, or a record id) and metadata.

    Readers create documents, steps change ``text`` and add to ``metadata``, writers store them.
    ``format`` is "text", "html" or "auto".
    """

    text: str
    id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    format: str = "auto"
