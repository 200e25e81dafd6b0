"""Checks of the published figures, without Dagster: reconciliation of the coverage levels, and Great Expectations
suites on the published marts.

Great Expectations 1.x validates pandas frames read from the published DuckDB file (its SQL datasource does not
work with DuckDB). The GX context is configured in code; validation results and the Data Docs site are kept under
`$UCJ_HOME/quality/gx/uncommitted/`, the newest results of each suite only. GX is
imported only when a suite runs: it takes seconds to import, and the code location must load fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ucj_pipeline.data_docs import make_offline

if TYPE_CHECKING:
    import pandas as pd

# |coverage_pct - 100 x covered / base| within half a unit of the last published decimal
PCT_TOLERANCE = 0.0051

RECONCILIATION_SQL = {
    "province": """
        SELECT p.province_code AS region, p.covered_workers, r.covered, p.worker_base, r.base
        FROM {province} p
        FULL JOIN (SELECT province_code, sum(covered_workers) covered, sum(worker_base) base
                   FROM {regency} GROUP BY ALL) r USING (province_code)
        WHERE p.covered_workers IS DISTINCT FROM r.covered OR p.worker_base IS DISTINCT FROM r.base
    """,
    "national": """
        SELECT 'ID' AS region, n.covered_workers, p.covered, n.worker_base, p.base
        FROM {national} n, (SELECT sum(covered_workers) covered, sum(worker_base) base FROM {province}) p
        WHERE n.covered_workers IS DISTINCT FROM p.covered OR n.worker_base IS DISTINCT FROM p.base
    """,
}


def reconciliation_mismatches(level: str, sources: dict[str, str]) -> list[str]:
    """Regions whose covered workers or worker base differ from the sum of the level below, in words.

    `level` is 'province' (against regencies) or 'national' (against provinces); `sources` maps regency, province
    and national to DuckDB table expressions.
    """
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        rows = con.execute(RECONCILIATION_SQL[level].format(**sources)).fetchall()
    below = "regencies" if level == "province" else "provinces"
    return [
        f"{region}: covered {covered} vs sum of {below} {sum_covered}; base {base} vs sum of {below} {sum_base}"
        for region, covered, sum_covered, base, sum_base in rows
    ]


@dataclass(frozen=True)
class SuiteResult:
    table: str
    success: bool
    evaluated: int
    failures: list[str]  # one readable line per failed expectation


def _pct_deviation(frame: pd.DataFrame) -> pd.DataFrame:
    """A column GX can range-check: how far the published percentage is from the one its counts give."""
    exact = 100.0 * frame["covered_workers"].astype("float64") / frame["worker_base"].astype("float64")
    return frame.assign(coverage_pct_deviation=(frame["coverage_pct"].astype("float64") - exact).abs())


def _expectations(table: str, reference: dict[str, list[str]], targets: int):
    import great_expectations.expectations as gxe

    def counts_and_pct(key: str) -> list:
        return [
            gxe.ExpectColumnValuesToNotBeNull(column=key),
            gxe.ExpectColumnValuesToBeUnique(column=key),
            gxe.ExpectColumnValuesToNotBeNull(column="covered_workers"),
            gxe.ExpectColumnValuesToBeBetween(column="covered_workers", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="worker_base", min_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="coverage_pct", min_value=0, max_value=100),
            gxe.ExpectColumnValuesToBeBetween(column="coverage_pct_deviation", min_value=0, max_value=PCT_TOLERANCE),
        ]

    if table == "coverage_regency":
        return [
            gxe.ExpectTableRowCountToEqual(value=len(reference["regency"])),
            gxe.ExpectColumnDistinctValuesToEqualSet(column="regency_code", value_set=reference["regency"]),
            *counts_and_pct("regency_code"),
        ]
    if table == "coverage_province":
        return [
            gxe.ExpectTableRowCountToEqual(value=len(reference["province"])),
            gxe.ExpectColumnDistinctValuesToEqualSet(column="province_code", value_set=reference["province"]),
            *counts_and_pct("province_code"),
        ]
    if table == "coverage_national":
        return [gxe.ExpectTableRowCountToEqual(value=1), *counts_and_pct("country_code")]
    if table == "target_tracking":
        return [
            gxe.ExpectTableRowCountToEqual(value=targets),
            gxe.ExpectColumnValuesToNotBeNull(column="target_id"),
            gxe.ExpectColumnValuesToBeUnique(column="target_id"),
            gxe.ExpectColumnValuesToBeInSet(
                column="status", value_set=["achieved", "on_track", "at_risk", "off_track"]
            ),
            gxe.ExpectColumnValuesToBeBetween(column="gap_workers", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="coverage_pct", min_value=0, max_value=100),
        ]
    raise ValueError(f"no suite for {table}")


SUITE_TABLES = {
    "coverage_regency": "marts.coverage_regency",
    "coverage_province": "marts.coverage_province",
    "coverage_national": "marts.coverage_national",
    "target_tracking": "marts.target_tracking",
}


def _describe_failure(result) -> str:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set")}
    detail = result.result or {}
    observed = detail.get("observed_value")
    unexpected = detail.get("partial_unexpected_list")
    text = f"{config.type}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    if unexpected:
        text += f": {detail.get('unexpected_count')} unexpected, e.g. {list(unexpected)[:3]}"
    elif observed is not None:
        text += f": observed {observed if not isinstance(observed, list) else sorted(map(str, observed))[:5]}"
    return text


KEPT_VALIDATIONS = 20  # per suite: the Data Docs site shows the latest refreshes, and stays small


def data_docs_site(quality_dir: Path) -> Path:
    """The folder of the Data Docs site (served by `ucj ui`)."""
    return quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site"


def _validations_store(quality_dir: Path) -> Path:
    return quality_dir / "gx" / "uncommitted" / "validations"


def _gx_context(quality_dir: Path):
    """A GX context configured in code: suites and validation definitions in memory (they are rebuilt from this module
    every run), validation results and the Data Docs site on disk. No project YAML is read or written: a file-backed
    project re-reads its YAML on every access, which took seconds per refresh."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),  # a pipeline log, not a terminal
        analytics_enabled=False,  # no network calls from a pipeline
    )
    config.stores[config.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(_validations_store(quality_dir)),
        },
    }
    config.data_docs_sites = {
        "local_site": {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_site(quality_dir)),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    }
    return gx.get_context(mode="ephemeral", project_config=config)


def _prune_validations(quality_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` stored results of each suite, with their pages: results accumulate at every
    refresh, and the site is rebuilt from all of them. Returns the result files deleted."""
    store, site = _validations_store(quality_dir), data_docs_site(quality_dir) / "validations"
    deleted = []
    for suite in (p for p in store.glob("*") if p.is_dir()):
        # <suite>/<run name>/<run time, sortable>/<batch>.json
        results = sorted(suite.glob("*/*/*.json"), key=lambda p: p.parent.name, reverse=True)
        for old in results[keep:]:
            relative = old.relative_to(store)
            old.unlink()
            (site / relative).with_suffix(".html").unlink(missing_ok=True)
            for folder in (old.parent, (site / relative).parent):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            deleted.append(old)
    return deleted


@dataclass
class MartsValidation:
    """The suites' results on one built file; the Data Docs are built from them on request (after the publish, which
    must not wait for them)."""

    results: list[SuiteResult]
    quality_dir: Path
    _context: object

    def build_data_docs(self, keep: int = KEPT_VALIDATIONS) -> Path:
        """Build the site from the newest `keep` results of each suite, offline; returns its index page."""
        _prune_validations(self.quality_dir, keep)
        self._context.build_data_docs()
        site = data_docs_site(self.quality_dir)
        make_offline(site)
        return site / "index.html"


def validate_published_marts(
    warehouse: Path, quality_dir: Path, reference: dict[str, list[str]], targets: int
) -> MartsValidation:
    """Run the suites on frames read from a built ucj.duckdb; results are stored under `quality_dir`."""
    import great_expectations as gx

    frames = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, table in SUITE_TABLES.items():
            frame = con.execute(f"SELECT * FROM {table}").df()
            frames[name] = _pct_deviation(frame) if name != "target_tracking" else frame

    context = _gx_context(quality_dir)
    source = context.data_sources.add_pandas("published_marts")
    results = []
    for name, frame in frames.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=_expectations(name, reference, targets)))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        outcome = definition.run(batch_parameters={"dataframe": frame})  # stores the result for the Data Docs
        failures = [_describe_failure(r) for r in outcome.results if not r.success]
        results.append(SuiteResult(name, bool(outcome.success), len(outcome.results), failures))
    return MartsValidation(results, quality_dir, context)
