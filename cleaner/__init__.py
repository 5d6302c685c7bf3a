"""cleaner: boilerplate-stripping, mojibake-repairing cleaner for scraped web text.

>>> clean("Leave a Reply\\nThe news of the day, in one paragraph.\\n")
'The news of the day, in one paragraph.\\n'
>>> repair('necessary" โ€” this')
'necessary" — this'
"""
from __future__ import annotations

from .config import DEFAULT_CONFIG, CleanerConfig, load_config
from .decode import BinaryInputError, DecodeError, decode
from .document import Document
from .pipeline import CleanStep, explain_text
from .repair import repair as _repair
from .trace import Change, Explained

__all__ = [
    "BinaryInputError", "Change", "CleanStep", "CleanerConfig", "DecodeError", "Document",
    "Explained", "clean", "decode", "explain", "load_config", "repair",
]
__version__ = "0.1.0"


def clean(text: str, *, format: str = "auto", config: CleanerConfig = DEFAULT_CONFIG) -> str:
    """Clean one document: ``format`` is "text", "html" or "auto" (detect HTML)."""
    return explain_text(text, format=format, config=config).text


def explain(text: str, *, format: str = "auto", config: CleanerConfig = DEFAULT_CONFIG) -> Explained:
    """Clean one document and return ``Explained(text, changes)``: every repair and removal."""
    return explain_text(text, format=format, config=config)


def repair(text: str, config: CleanerConfig = DEFAULT_CONFIG) -> str:
    """The mojibake repair alone: no removal, no white-space change."""
    return _repair(text, config)
