"""One configuration object for the whole pipeline, in the manner of ftfy's TextFixerConfig.

A :class:`CleanerConfig` is an immutable NamedTuple: cheap to pickle to worker processes and
safe to share.  ``CleanerConfig()._replace(...)`` makes variants; :func:`load_config` reads
the same fields from a TOML file (``--config``) or from ``[tool.cleaner]`` in pyproject.toml.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class CleanerConfig(NamedTuple):
    """Settings for every stage.

    repair:            run the mojibake repair stage.
    restore_lost_bytes: also rebuild characters whose last UTF-8 byte was lost (U+FFFD),
                       where the context makes them certain. Off by default.
    boilerplate:       run the boilerplate stage.
    disabled_rules:    rule names (phrase categories or heuristics) that never remove anything.
    extra_rule_files:  paths of user phrase files (same TOML layout as cleaner/rules/*.toml).
    languages:         phrase packs to load; empty means every pack shipped.
    repeated_line_max_words: a short line that recurs in a document is boilerplate up to this
                       many words (ad labels such as "pCloud Premium"); it stays on the page while
                       the block model reads it and goes after it, unless the model keeps it next
                       to another such label (a list: the colours of two products).  Longer
                       repeated lines (a heading also listed in the page's table of contents) are
                       left to the block model, which reads how often a line recurs (0 turns
                       this off).
    phrase_line_max_words:   a phrase rule of scope "line" removes lines up to this many words;
                       longer lines are prose that merely mentions the phrase.
    unwrap:            re-join hard-wrapped lines.
    html_ensemble:     for HTML, choose the page's lines with the block ensemble
                       (cleaner/models/html_blocks.json: trafilatura's recall-favouring fast
                       extraction of the page parsed once, the lines' markup and the block model)
                       instead of trafilatura's main text (off: trafilatura.extract's main text,
                       then the phrase rules).  On by default (docs/quality.md, HTML track).
    max_bytes:         documents larger than this are refused (a guard for workers).
    time_limit:        seconds one document may take in a batch run before it is stopped and
                       reported as failed (0: no limit).
    max_inflate_ratio: a compressed input inflating to more than this many times its size is
                       stopped as a decompression bomb (0: no limit).
    fsync_outputs:     in batch runs, flush each output file to disk before renaming it into
                       place (safe against power loss; an interrupted run is safe without it).
    site_lines:        in batch runs, also remove lines that recur across many documents of one
                       site (two passes; see cleaner/sitelines.py).
    site_line_min_documents: a line is site boilerplate only if this many documents share it ...
    site_line_min_share:     ... and at least this share of the site's documents.
    site_line_max_chars:     longer lines are never counted as site boilerplate.
    """

    repair: bool = True
    restore_lost_bytes: bool = False
    boilerplate: bool = True
    disabled_rules: frozenset[str] = frozenset()
    extra_rule_files: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    repeated_line_max_words: int = 2
    phrase_line_max_words: int = 40
    unwrap: bool = True
    html_ensemble: bool = True
    max_bytes: int = 64 * 1024 * 1024
    time_limit: float = 60.0
    max_inflate_ratio: int = 100
    fsync_outputs: bool = False
    site_lines: bool = False
    site_line_min_documents: int = 5
    site_line_min_share: float = 0.5
    site_line_max_chars: int = 200


DEFAULT_CONFIG = CleanerConfig()

_FIELD_TYPES = {
    "disabled_rules": frozenset,
    "extra_rule_files": tuple,
    "languages": tuple,
}


class ConfigError(ValueError):
    """A configuration file or option that cannot be used."""


def config_from_mapping(values: dict[str, Any], base: CleanerConfig = DEFAULT_CONFIG) -> CleanerConfig:
    """Build a config from plain values (dashes or underscores in keys), checking names and types.

    >>> config_from_mapping({"disabled-rules": ["share_prompt"]}).disabled_rules
    frozenset({'share_prompt'})
    """
    updates: dict[str, Any] = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in CleanerConfig._fields:
            raise ConfigError(f"unknown setting {key!r}; known: {', '.join(CleanerConfig._fields)}")
        default = getattr(DEFAULT_CONFIG, name)
        if name in _FIELD_TYPES:
            if isinstance(value, str) or not hasattr(value, "__iter__"):
                raise ConfigError(f"setting {key!r} takes a list")
            value = _FIELD_TYPES[name](value)
        elif isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"setting {key!r} takes true or false")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"setting {key!r} takes a whole number")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"setting {key!r} takes a number")
            value = float(value)
        updates[name] = value
    return base._replace(**updates)


def load_config(path: str | Path | None = None, *, search_from: str | Path | None = None) -> CleanerConfig:
    """Read settings from ``path`` (a TOML file), or from ``[tool.cleaner]`` of the nearest
    pyproject.toml above ``search_from``; defaults when neither exists.

    Relative ``extra_rule_files`` are resolved against the file's folder.
    """
    if path is not None:
        path = Path(path)
        table = _read_toml(path)
        table = table.get("tool", {}).get("cleaner", table) if path.name == "pyproject.toml" else table
        return _with_paths(table, path.parent)
    if search_from is not None:
        start = Path(search_from).resolve()
        for folder in [start, *start.parents]:
            candidate = folder / "pyproject.toml"
            if candidate.is_file():
                table = _read_toml(candidate).get("tool", {}).get("cleaner")
                if table is not None:
                    return _with_paths(table, folder)
                break
    return DEFAULT_CONFIG


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config {path} is not valid TOML: {error}") from None


def _with_paths(table: dict[str, Any], folder: Path) -> CleanerConfig:
    table = dict(table)
    files = table.get("extra_rule_files", table.pop("extra-rule-files", None))
    if files is not None:
        table["extra_rule_files"] = [str((folder / f).resolve()) for f in files]
    return config_from_mapping(table)
