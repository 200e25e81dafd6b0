"""Great Expectations suites on the published marts, without Dagster: derived from the column contract's tests
(schema.yml) and the tables' own rules. (Reconciliation checks are SQL files, `dbt_like_sql/checks/`.)

Great Expectations 1.x validates pandas frames read from the published DuckDB file (its SQL datasource does not
work with DuckDB). The GX context is configured in code; validation results and the Data Docs site are kept under
`$UCJ_HOME/quality/gx/uncommitted/`, the newest results of each suite only. GX is
imported only when a suite runs: it takes seconds to import, and the code location must load fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ucj_pipeline.contract.columns import Column
from ucj_pipeline.publish.data_docs import data_docs_site, make_offline

if TYPE_CHECKING:
    import pandas as pd

# |coverage_pct - 100 x covered / base| within half a unit of the last published decimal
PCT_TOLERANCE = 0.0051


@dataclass(frozen=True)
class SuiteResult:
    """`success`: no blocking expectation failed (the file may be published). `warnings`: the failed expectations
    of severity warn (surprising data, e.g. coverage above 100%): they are shown and flagged, and never stop a
    publish."""

    table: str
    success: bool
    evaluated: int
    failures: list[str]  # one readable line per failed blocking expectation
    warnings: list[str] = field(default_factory=list)  # one readable line per failed warn expectation
    page: str = ""  # this validation's page in the Data Docs site, relative to it (written when the site is built)


def _pct_deviation(frame: pd.DataFrame) -> pd.DataFrame:
    """A column GX can range-check: how far the published percentage is from the one its counts give."""
    exact = 100.0 * frame["covered_workers"].astype("float64") / frame["worker_base"].astype("float64")
    return frame.assign(coverage_pct_deviation=(frame["coverage_pct"].astype("float64") - exact).abs())


Expectation = tuple[str, dict]  # (GX expectation class, its arguments): plain data, built without importing GX
PCT_CONSISTENT: Expectation = (
    "ExpectColumnValuesToBeBetween",
    {"column": "coverage_pct_deviation", "min_value": 0, "max_value": PCT_TOLERANCE},
)


@dataclass(frozen=True)
class Suite:
    """The suite of one published table: from the column contract, plus the table's rules against the reference."""

    name: str  # the model
    table: str  # its published name, schema.table
    expectations: list[Expectation]


# A contract test blocks a publish unless it says `severity: warn` (as dbt's tests do). The rule of this project:
# blocking means "the build is wrong" (a schema, a key, a closed vocabulary, counts that contradict each other);
# a value the contract and the reference data can legitimately produce (a regency counting more covered workers
# than its estimated worker base) is a warning that publishes and is flagged.
WARN, BLOCKING = "warning", "critical"  # Great Expectations' severities


def _test_expectation(column: str, test: str, argument, published: dict[str, str]) -> Expectation:
    severity = "error"
    if isinstance(argument, dict) and "severity" in argument:
        severity = argument["severity"]
        argument = {k: v for k, v in argument.items() if k != "severity"}
    kind, kwargs = _expectation(column, test, argument, published)
    return kind, {**kwargs, "severity": _severity(severity)}


def _severity(contract_severity: str) -> str:
    if contract_severity not in ("warn", "error"):
        raise ValueError(f"a contract test's severity is warn or error, not {contract_severity!r}")
    return WARN if contract_severity == "warn" else BLOCKING


def _expectation(column: str, test: str, argument, published: dict[str, str]) -> Expectation:
    kwargs: dict = {"column": column}
    if test == "not_null":
        return "ExpectColumnValuesToNotBeNull", kwargs
    if test == "unique":
        return "ExpectColumnValuesToBeUnique", kwargs
    if test == "accepted_values":
        return "ExpectColumnValuesToBeInSet", {**kwargs, "value_set": list(argument)}
    if test == "accepted_range":
        return "ExpectColumnValuesToBeBetween", {**kwargs, **argument}
    # relationships: the values must be in the published table it names, read from the built file. The set is
    # limited to the values this table holds: the same verdict, without 80,000 village codes in every result page.
    field, table = argument["field"], published[argument["to"]]
    query = f"SELECT DISTINCT {field} FROM {table} WHERE {field} IN (SELECT {column} FROM {{table}}) ORDER BY {field}"
    return "ExpectColumnValuesToBeInSet", {**kwargs, "value_set_query": query}


def column_expectations(columns: list[Column], types: dict[str, str], published: dict[str, str]) -> list[Expectation]:
    """The contract's columns and tests as expectations: each column exists (its type and description are the
    expectation's notes, which the Data Docs show), then its tests. `published`: model -> schema.table."""
    expectations: list[Expectation] = []
    for column in columns:
        kind = column.type or types.get(column.name, "")
        notes = {"notes": f"{kind}: {column.description}", "meta": {"type": kind, "description": column.description}}
        expectations.append(("ExpectColumnToExist", {"column": column.name, **notes}))
        expectations += [_test_expectation(column.name, t, a, published) for t, a in column.tests]
    return expectations


def table_expectations(name: str, reference: dict[str, list[str]], targets: int) -> list[Expectation]:
    """Rules of a whole table: every region of the reference present once; percentages consistent with counts."""
    complete = {"coverage_regency": "regency_code", "coverage_province": "province_code"}
    if name in complete:
        codes = reference[name.removeprefix("coverage_")]
        return [
            ("ExpectTableRowCountToEqual", {"value": len(codes)}),
            ("ExpectColumnDistinctValuesToEqualSet", {"column": complete[name], "value_set": codes}),
            PCT_CONSISTENT,
        ]
    if name == "coverage_national":
        return [("ExpectTableRowCountToEqual", {"value": 1}), PCT_CONSISTENT]
    if name == "target_tracking":
        return [("ExpectTableRowCountToEqual", {"value": targets})]
    return []


def _resolved(con: duckdb.DuckDBPyConnection, expectation: Expectation, table: str) -> Expectation:
    kind, kwargs = expectation
    if "value_set_query" not in kwargs:
        return expectation
    values = [row[0] for row in con.execute(kwargs["value_set_query"].format(table=table)).fetchall()]
    return kind, {**{k: v for k, v in kwargs.items() if k != "value_set_query"}, "value_set": values}


def _describe_failure(result) -> str:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set", "severity")}
    detail = result.result or {}
    observed = detail.get("observed_value")
    unexpected = detail.get("partial_unexpected_list")
    text = f"{config.type}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
    if unexpected:
        text += f": {detail.get('unexpected_count')} unexpected, e.g. {list(unexpected)[:3]}"
    elif observed is not None:
        text += f": observed {observed if not isinstance(observed, list) else sorted(map(str, observed))[:5]}"
    return text


def _is_blocking(result) -> bool:
    return str(getattr(result.expectation_config, "severity", BLOCKING)).lower().endswith(BLOCKING)


KEPT_VALIDATIONS = 20  # per suite: the Data Docs site shows the latest refreshes, and stays small


def _validations_store(quality_dir: Path) -> Path:
    return quality_dir / "gx" / "uncommitted" / "validations"


def run_name(frames: dict[str, pd.DataFrame], run_time: datetime) -> str:
    """The name a validation run has in the Data Docs: the reporting date of the figures validated (their
    `as_of_date`) and the local time of the run, e.g. `refresh 2025-12-31 06:00:12 WIB`; GX's own is `__none__`."""
    dates = {
        str(v)[:10] for f in frames.values() if "as_of_date" in f.columns for v in f["as_of_date"].dropna().unique()
    }
    local = run_time.astimezone()
    return " ".join(["refresh", *sorted(dates)[-1:], f"{local:%H:%M:%S} {local.tzname() or ''}".strip()])


def _result_page(quality_dir: Path, suite: str, run_id) -> str:
    """The page GX writes for a stored result: the result's path in the store (`<suite>/<run name>/<run time>/
    <batch>.json`, the key GX files it under) as `validations/....html` in the site."""
    run_name, run_time = run_id.to_tuple()
    [stored] = (_validations_store(quality_dir) / suite / run_name / run_time).glob("*.json")
    return (Path("validations") / stored.relative_to(_validations_store(quality_dir))).with_suffix(".html").as_posix()


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


def validate_published_marts(warehouse: Path, quality_dir: Path, suites: list[Suite]) -> MartsValidation:
    """Run the suites on frames read from a built ucj.duckdb; results are stored under `quality_dir`."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.core.run_identifier import RunIdentifier

    frames, plans = {}, {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for suite in suites:
            frame = con.execute(f"SELECT * FROM {suite.table}").df()
            frames[suite.name] = _pct_deviation(frame) if PCT_CONSISTENT in suite.expectations else frame
            plans[suite.name] = [_resolved(con, e, suite.table) for e in suite.expectations]

    context = _gx_context(quality_dir)
    source = context.data_sources.add_pandas("published_marts")
    run_time = datetime.now(UTC)
    run_id = RunIdentifier(run_name=run_name(frames, run_time), run_time=run_time)  # one run: every suite of the file
    results = []
    for name, frame in frames.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
        expectations = [getattr(gxe, kind)(**kwargs) for kind, kwargs in plans[name]]
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        # stores the result for the Data Docs, under the run's name
        outcome = definition.run(batch_parameters={"dataframe": frame}, run_id=run_id)
        failed = [r for r in outcome.results if not r.success]
        blocking = [_describe_failure(r) for r in failed if _is_blocking(r)]
        warnings = [_describe_failure(r) for r in failed if not _is_blocking(r)]
        page = _result_page(quality_dir, name, run_id)
        results.append(SuiteResult(name, not blocking, len(outcome.results), blocking, warnings, page))
    return MartsValidation(results, quality_dir, context)
