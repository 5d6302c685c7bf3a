"""Cleaning in a datatrove pipeline: :class:`CleanerStep`.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.integrations.datatrove import CleanerStep

    LocalPipelineExecutor(pipeline=[JsonlReader("crawl/"), CleanerStep(), JsonlWriter("clean/")],
                          tasks=4).run()

The step needs only datatrove's core package (its ``processing`` extra pins an old
trafilatura; cleaner does not use it).  It cleans ``doc.text``, keeps the trace in
``doc.metadata["cleaner"]`` and counts what it did in datatrove's stats: ``cleaned``,
``failed``, ``changed``, ``removed/<rule>``, ``repaired/<rule>``.  A document that cannot be
cleaned is dropped from the stream (and written by ``error_writer`` when one is given, with the
reason in ``metadata["cleaner_error"]``), so one bad document never stops a task.
"""
from __future__ import annotations

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger

from ..config import DEFAULT_CONFIG, CleanerConfig
from . import clean_value, compile_rules


class CleanerStep(PipelineStep):
    """A datatrove step cleaning each document's text with cleaner.

    config:       a :class:`cleaner.CleanerConfig`;
    format:       "auto" (detect HTML), "text" or "html";
    keep_trace:   store the list of changes in ``metadata["cleaner"]``;
    url_key:      the metadata key holding the page URL (used by HTML extraction);
    error_writer: a datatrove writer for the documents that could not be cleaned.
    """

    name = "🧹 cleaner"
    type = "✂️ - FORMAT"

    def __init__(self, config: CleanerConfig = DEFAULT_CONFIG, *, format: str = "auto",
                 keep_trace: bool = True, url_key: str = "url", error_writer=None):
        super().__init__()
        self.config = config
        self.format = format
        self.keep_trace = keep_trace
        self.url_key = url_key
        self.error_writer = error_writer

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        compile_rules(self.config)
        if data is None:
            return
        errors = self.error_writer
        if errors is not None:
            errors.__enter__()
        try:
            for document in data:
                with self.track_time():
                    text, changes, error = clean_value(document.text, config=self.config, format=self.format,
                                                       url=document.metadata.get(self.url_key))
                if error is not None:
                    self.stat_update("failed")
                    logger.warning(f"cleaner: document {document.id}: {error}")
                    if errors is not None:
                        document.metadata["cleaner_error"] = error
                        if not isinstance(document.text, str):  # writers need a string
                            document.metadata["cleaner_input"] = document.text
                            document.text = ""
                        errors.write(document, rank)
                    continue
                self.stat_update("cleaned")
                if changes:
                    self.stat_update("changed")
                for change in changes:
                    if change.stage in ("boilerplate", "repair"):
                        self.stat_update(f"{'removed' if change.stage == 'boilerplate' else 'repaired'}/{change.rule}")
                document.text = text
                if self.keep_trace:
                    document.metadata["cleaner"] = [change.as_dict() for change in changes]
                self.update_doc_stats(document)
                yield document
        finally:
            if errors is not None:
                errors.__exit__(None, None, None)
