"""Cleaning on cluster engines: Ray Data (:mod:`cleaner.integrations.ray`) and datatrove
(:mod:`cleaner.integrations.datatrove`).

Each engine is imported only by its own module, so ``import cleaner`` never loads one.  Both
call the same pure core, :func:`clean_value`, so any engine and any number of workers give
the same texts as a local run.
"""
from __future__ import annotations

import json

from ..boilerplate import load_rules
from ..config import DEFAULT_CONFIG, CleanerConfig
from ..pipeline import explain_text
from ..trace import Change


def compile_rules(config: CleanerConfig = DEFAULT_CONFIG) -> None:
    """Load and compile the phrase rules ``config`` asks for (cached per process), so a worker
    pays for it once, in its constructor, and not in its first batch."""
    load_rules(config.languages, config.extra_rule_files)


def clean_value(value, *, config: CleanerConfig = DEFAULT_CONFIG, format: str = "auto",
                url=None) -> tuple[str | None, list[Change], str | None]:
    """Clean one record's text field: ``(text, changes, None)``, or ``(None, [], reason)`` when
    the record cannot be cleaned.  Never raises for a bad record, so one record cannot stop a
    batch.

    >>> clean_value("Leave a Reply\\nThe news of the day, in one paragraph.\\n")[0]
    'The news of the day, in one paragraph.\\n'
    >>> clean_value(42)
    (None, [], 'text field is int, not a string')
    """
    if not isinstance(value, str):
        return None, [], f"text field is {type(value).__name__}, not a string"
    try:
        result = explain_text(value, format=format, config=config,
                              url=url if isinstance(url, str) else None)
    except Exception as error:  # noqa: BLE001 - any failure is this record's, reported with it
        return None, [], f"{type(error).__name__}: {error}"
    return result.text, result.changes, None


def trace_json(changes: list[Change]) -> str:
    """The trace as a JSON list of change objects (a string, so any columnar format stores it).

    >>> trace_json([Change("boilerplate", "ad_label", "Advertisement", "", 2)])
    '[{"stage": "boilerplate", "rule": "ad_label", "before": "Advertisement", "after": "", "line": 2}]'
    """
    return json.dumps([change.as_dict() for change in changes], ensure_ascii=False)
