"""The Great Expectations gate of the publish, in a helper process of the runs that publish.

The suites run on the newly built ucj.duckdb before it is swapped in, so the publish waits for them, and importing
Great Expectations alone takes 3-5 seconds of one core. When a run that publishes starts, this resource starts one
helper process (spawned, not forked: the run process has threads) that imports it on the other core while the
models build; `validate` and `build_data_docs` then run there (`ucj_pipeline.publish.quality_worker`). Measured under the
daemon, the GX import in the run's own process, or on a thread of it, made no difference: the import holds the
interpreter lock. Runs that only ingest never start the helper. If the helper dies, or the step runs in a Celery
worker's pool process (which may not have children), the work is done in the step's own process instead.
"""

from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from ucj_pipeline.publish import quality_worker
from ucj_pipeline.publish.quality import Suite, SuiteResult
from ucj_pipeline.runtime.helper_processes import can_start_helpers, helper_pool

_prewarmed: ProcessPoolExecutor | None = None  # a helper started ahead of the run that will take it


def prewarm_quality_helper() -> None:
    """Start the helper (and its GX import) now, for the next run of this process that publishes. `ucj run` calls it
    before its ingest runs when a refresh will follow: GX then imports while the files are read, instead of taking
    a core from the models (about 5 s of one core, on a 2-core machine)."""
    global _prewarmed
    if _prewarmed is None and can_start_helpers():
        _prewarmed = helper_pool(1)
        _prewarmed.submit(quality_worker.prepare)


def _take_prewarmed() -> ProcessPoolExecutor | None:
    global _prewarmed
    pool, _prewarmed = _prewarmed, None
    return pool


class MartsQuality(ConfigurableResource):
    """Runs the Great Expectations suites on a built ucj.duckdb and builds their Data Docs."""

    _helper: ProcessPoolExecutor | None = PrivateAttr(default=None)
    _docs: Future | None = PrivateAttr(default=None)  # Data Docs being built in the helper after a publish

    def setup_for_execution(self, context: InitResourceContext) -> None:
        if not can_start_helpers():
            return  # a Celery worker's pool process may not start children: the work is done in this process
        self._helper = _take_prewarmed()
        if self._helper is None:
            self._helper = helper_pool(1)  # it exits if this process is killed
            self._helper.submit(quality_worker.prepare)  # starts the helper, which imports GX meanwhile

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True, cancel_futures=False)  # Data Docs still being built are finished
            if self._docs is not None and self._docs.exception() is not None:
                error = self._docs.exception()
                context.log.warning(
                    f"Data Docs not rebuilt ({type(error).__name__}: {error}); the checks and the published file "
                    "are unaffected"
                )

    def _call(self, function, *args):
        if self._helper is not None:
            try:
                return self._helper.submit(function, *args).result()
            except BrokenProcessPool:
                self._helper = None  # it died (killed, out of memory): the work is done here instead
        return function(*args)

    def validate(self, built: Path, quality_dir: Path, suites: list[Suite]) -> list[SuiteResult]:
        """The suites on `built`; results stored in `quality_dir`."""
        return self._call(quality_worker.validate, built, quality_dir, suites)

    def build_data_docs(self) -> Path:
        """The Data Docs of the last validation (newest results of each suite only); returns the index page."""
        return self._call(quality_worker.build_data_docs)

    def start_data_docs(self) -> None:
        """Build the Data Docs of the last validation in the helper while the run goes on (the report is drawn
        meanwhile); the run ends when they are built, and a failure is logged then. Without a helper: built now."""
        if self._helper is None:
            self.build_data_docs()
            return
        self._docs = self._helper.submit(quality_worker.build_data_docs)
