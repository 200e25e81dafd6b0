"""The Great Expectations suites, as run in a helper process of a run that publishes (`resources.marts_quality`).

Importing Great Expectations takes 3-5 seconds of one core. A helper process does it while the run builds the
models on the other core, then validates the built file and, after the publish, builds the Data Docs. These
functions also run in the calling process when no helper is available.
"""

from __future__ import annotations

from pathlib import Path

from ucj_pipeline.publish.quality import MartsValidation, Suite, SuiteResult, validate_published_marts

_last: MartsValidation | None = None  # the validation whose Data Docs are built next


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
