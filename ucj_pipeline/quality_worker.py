"""The Great Expectations suites, as run in a helper process of a run that publishes (`resources.marts_quality`).

Importing Great Expectations takes 3-5 seconds of one core. A helper process does it while the run builds the
models on the other core, then validates the built file and, after the publish, builds the Data Docs. These
functions also run in the calling process when no helper is available.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from ucj_pipeline.quality import MartsValidation, Suite, SuiteResult, validate_published_marts

_last: MartsValidation | None = None  # the validation whose Data Docs are built next


def watch_parent(parent_pid: int, every_seconds: float = 1.0) -> None:
    """The helper's initializer: it exits as soon as the run process that started it is gone. A run killed with
    -9 (or by the out-of-memory killer) cannot shut its helper down, which would otherwise stay for ever, holding
    Great Expectations in memory (about 400 MB)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="ucj-watch-run-process", daemon=True).start()


def prepare() -> None:
    import great_expectations  # noqa: F401 - the import is the work: it then costs nothing in `validate`


def validate(warehouse: Path, quality_dir: Path, suites: list[Suite]) -> list[SuiteResult]:
    global _last
    _last = validate_published_marts(warehouse, quality_dir, suites)
    return _last.results


def build_data_docs() -> Path:
    if _last is None:
        raise RuntimeError("no validation to build Data Docs from")
    return _last.build_data_docs()
