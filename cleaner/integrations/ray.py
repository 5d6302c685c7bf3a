"""Cleaning with Ray Data: a batch transform for ``Dataset.map_batches`` and the distributed
same-site repeated-line pass.

    import ray
    from ray.data import ActorPoolStrategy
    from cleaner.integrations.ray import CleanBatch, remove_site_lines

    ds = ray.data.read_json("crawl/")
    ds = ds.map_batches(CleanBatch, fn_constructor_kwargs={"text_field": "text"},
                        compute=ActorPoolStrategy(size=4))
    ds = remove_site_lines(ds)           # optional cross-document pass
    ds.write_json("clean/")

Each output row keeps its columns; ``text`` is replaced by the cleaned text (None when the
record failed), ``cleaner_error`` gives the reason of a failure (None otherwise) and
``cleaner_trace`` holds the changes as a JSON list.  ``CleanBatch`` is a callable class, so
Ray runs it on actors and each actor compiles the rules once.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping

import pyarrow as pa
import ray
import ray.data

from .. import sitelines
from ..config import DEFAULT_CONFIG, CleanerConfig
from . import clean_value, compile_rules, trace_json

ERROR_COLUMN = "cleaner_error"
TRACE_COLUMN = "cleaner_trace"
SITE_COLUMN = "cleaner_site"


def init_ray(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Join the Ray cluster at ``address``, or start a local instance (never silently joining a
    cluster that happens to run on this machine).  Returns False when Ray was already
    initialised by the caller, who then owns its shutdown."""
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address=address or "local", num_cpus=None if address else num_cpus,
             include_dashboard=False if not address else None, log_to_driver=False,
             logging_level="WARNING", configure_logging=True)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    import logging
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    return True


def columns(batch) -> dict[str, list]:
    """A batch in any of Ray's batch formats (pyarrow, pandas, numpy) as plain Python columns."""
    if isinstance(batch, pa.Table):
        return {name: batch.column(name).to_pylist() for name in batch.column_names}
    if hasattr(batch, "to_dict") and hasattr(batch, "columns"):  # pandas
        return {name: batch[name].tolist() for name in batch.columns}
    return {name: [v.item() if hasattr(v, "item") and getattr(v, "ndim", 1) == 0 else v for v in column]
            for name, column in batch.items()}


def shuffle_partitions() -> int:
    """Partitions for a group-by: two per CPU of the cluster (Ray's default of hundreds costs
    more in task overhead than it gains on small and mid-sized inputs)."""
    return 2 * cluster_cpus()


def cluster_cpus() -> int:
    """The CPUs of the Ray cluster this process is connected to (at least 1)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


class CleanBatch:
    """A Ray Data batch transform: cleans the ``text_field`` column of every row.

    Rows whose ``cleaner_error`` is already set (a record that could not be read) pass through
    untouched.  The output is the same whatever the batch size or the number of workers: each
    row is cleaned by the pure core alone.
    """

    def __init__(self, config: CleanerConfig = DEFAULT_CONFIG, *, text_field: str = "text",
                 url_field: str = "url", format: str = "auto", trace: bool = True):
        self.config = config
        self.text_field = text_field
        self.url_field = url_field
        self.format = format
        self.trace = trace
        compile_rules(config)

    def __call__(self, batch: Mapping) -> dict:
        result = columns(batch)
        texts = result[self.text_field]
        urls = result.get(self.url_field, [None] * len(texts))
        errors = result.get(ERROR_COLUMN, [None] * len(texts))
        out_texts, out_errors, out_traces = [], [], []
        for value, url, error in zip(texts, urls, errors):
            if error is not None:
                out_texts.append(None), out_errors.append(error), out_traces.append("[]")
                continue
            self._before_record(value)
            text, changes, error = clean_value(value, config=self.config, format=self.format, url=url)
            out_texts.append(text), out_errors.append(error), out_traces.append(trace_json(changes))
        result[self.text_field] = out_texts
        result[ERROR_COLUMN] = pa.array(out_errors, type=pa.string())
        if self.trace:
            result[TRACE_COLUMN] = out_traces
        return pa.table(result)

    def _before_record(self, value) -> None:
        """A hook run before each record (tests use it to make a worker fail)."""


def _site_pairs(row: dict, *, text_field: str, site_column: str,
                settings: sitelines.SiteLineSettings) -> list[dict]:
    """Row -> (site, line key) pairs, one per distinct candidate line, plus (site, "") counting
    the document itself."""
    text = row[text_field]
    if row.get(ERROR_COLUMN) is not None or not isinstance(text, str):
        return []
    site = row[site_column]
    return [{"site": site, "key": ""}] + [{"site": site, "key": key}
                                          for key in sitelines.line_keys(text, settings)]


def _site_threshold(group: Mapping, *, settings: sitelines.SiteLineSettings) -> dict:
    """One site's counted keys -> the frequent ones (the "" key carries the site's size)."""
    group = columns(group)
    counts = dict(zip(group["key"], group["count()"]))
    documents = counts.pop("", 0)
    keys = sorted(sitelines.frequent_keys(counts, documents, settings))
    return pa.table({"site": pa.array([group["site"][0]] * len(keys), type=pa.string()),
                     "key": pa.array(keys, type=pa.string())})


def frequent_site_lines(ds: ray.data.Dataset, *, text_field: str = "text", site_column: str = SITE_COLUMN,
                        settings: sitelines.SiteLineSettings = sitelines.DEFAULT_SETTINGS
                        ) -> dict[str, frozenset[str]]:
    """Count, as a distributed group-by, in how many documents of its site each line occurs,
    and return the frequent line keys of each site.  Only the frequent (site, key) pairs, the
    sites' templates, come back to the driver, never the documents."""
    partitions = shuffle_partitions()
    counted = (ds.flat_map(_site_pairs, fn_kwargs={"text_field": text_field, "site_column": site_column,
                                                   "settings": settings})
               .groupby(["site", "key"], num_partitions=partitions).count())
    frequent = counted.groupby("site", num_partitions=partitions).map_groups(_site_threshold, fn_kwargs={"settings": settings},
                                                  batch_format="pyarrow")
    table: dict[str, set[str]] = {}
    for row in frequent.iter_rows():
        table.setdefault(row["site"], set()).add(row["key"])
    return {site: frozenset(keys) for site, keys in table.items()}


class RemoveSiteLines:
    """A batch transform removing each row's site's frequent lines, adding them to the trace."""

    def __init__(self, frequent: Mapping[str, frozenset[str]], *, text_field: str = "text",
                 site_column: str = SITE_COLUMN,
                 settings: sitelines.SiteLineSettings = sitelines.DEFAULT_SETTINGS):
        self.frequent, self.text_field, self.site_column, self.settings = frequent, text_field, site_column, settings

    def __call__(self, batch: Mapping) -> dict:
        result = columns(batch)
        traces = result.get(TRACE_COLUMN)
        for i, (text, site) in enumerate(zip(result[self.text_field], result[self.site_column])):
            keys = self.frequent.get(site)
            if not keys or not isinstance(text, str):
                continue
            result[self.text_field][i], changes = sitelines.remove_lines(text, keys, self.settings)
            if changes and traces is not None:
                traces[i] = json.dumps(json.loads(traces[i]) + [c.as_dict() for c in changes], ensure_ascii=False)
        return pa.table(result)


def _add_site(row: dict, url_field: str, path_field: str) -> dict:
    row[SITE_COLUMN] = sitelines.site_of(row.get(url_field), row.get(path_field))
    return row


def remove_site_lines(ds: ray.data.Dataset, *, text_field: str = "text", url_field: str = "url",
                      site_column: str | None = None, path_field: str = "path",
                      settings: sitelines.SiteLineSettings = sitelines.DEFAULT_SETTINGS) -> ray.data.Dataset:
    """The cross-document pass over cleaned rows: lines that recur across a site's documents
    are removed (rule ``site_repeated_line``).  The site is ``site_column`` when given, else
    the host of ``url_field``, else the folder of ``path_field``.  The input is materialised
    once, since it is read by both the count and the removal."""
    if site_column is None:
        ds = ds.map(_add_site, fn_kwargs={"url_field": url_field, "path_field": path_field})
        site_column = SITE_COLUMN
    ds = ds.materialize()
    frequent = frequent_site_lines(ds, text_field=text_field, site_column=site_column, settings=settings)
    return ds.map_batches(RemoveSiteLines, fn_constructor_args=(frequent,),
                          fn_constructor_kwargs={"text_field": text_field, "site_column": site_column,
                                                 "settings": settings},
                          compute=ray.data.ActorPoolStrategy(min_size=1, max_size=cluster_cpus()), batch_format="pyarrow")
