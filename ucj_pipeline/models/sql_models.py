"""The SQL models in `dbt_like_sql/`: discovery, lineage derived from the SQL, and execution in DuckDB.

A model is one `.sql` file, named as its table, in `staging/`, `intermediate/` or `marts/`. Its header comment
says what one row is; directives in it say how it is materialised and where it is published:

    -- materialized: view | table | incremental | history
    -- publish: <schema>.<table>         (copied into the published DuckDB file)

`view` models are inlined into the models that read them; `table` models are rewritten by every run;
`incremental` models (with `-- unique_key:`, `-- changes_by:` and optionally `-- changes_marked_by:`) recompute only
the keys a change of their input can touch, and those with `-- changes_by:` alone, which group an incremental model
by that column, only the parts of it rewritten since (`ucj_pipeline.models.incremental_models`); `history`
models compute the rows of the reporting date only, and each run writes them to a file of their own for that date
(a re-run of the date replaces it; other dates are never touched), so readers see every date ever run.

Dependencies are the tables the SQL reads, found with sqlglot's scope analysis (CTEs are not tables), so
lineage is written once, in the SQL. A name is either another model or a lake source (ingest and reference data).
Models run in an in-memory DuckDB over Parquet: every table model writes `lake/models/<name>.parquet`
atomically, so runs never hold a lock on a shared database file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

from ucj_pipeline.contract import reference_data
from ucj_pipeline.contract.columns import contract
from ucj_pipeline.contract.reference_data import REFERENCE_TABLES
from ucj_pipeline.ingest import lake
from ucj_pipeline.models import incremental_models
from ucj_pipeline.models.incremental_models import Incremental, read_parts, run_incremental
from ucj_pipeline.runtime.atomic_files import scratch_prefix, written_atomically
from ucj_pipeline.runtime.paths import SQL_MODELS_DIR, STALE_AFTER_DAYS
from ucj_pipeline.runtime.sql_text import sql_string

LAYERS = ("staging", "intermediate", "marts")
DIRECTIVE = re.compile(r"^--\s*(materialized|publish|unique_key|changes_by|changes_marked_by):\s*(\S+)\s*$")
# Lake tables the models may read: ingest output and reference data. Anything else must be a model.
INGEST_SOURCES = (lake.PARTICIPANT_SNAPSHOTS, lake.CLAIM_PAYMENTS, lake.EXTRACT_FILES, lake.ROW_ISSUES)
REFERENCE_SOURCES = tuple(REFERENCE_TABLES)
MATERIALIZATIONS = ("view", "table", "incremental", "history")
SOURCES = INGEST_SOURCES + REFERENCE_SOURCES
# DuckDB memory per model run, beyond which it spills: 8 bytes per byte of stored participant snapshots (about the
# national de-duplication's working set), at least 768 MB and at most 2 GB (decimal, as DuckDB reads 'MB'). The full
# de-duplication of 10 M rows (230 MB of snapshots) took 17.2 s within 768 MB (peak 0.9 GB), 14.7 s within 1.5 GB
# and 12.2 s within 2 GB (3 GB: no faster); that of one file of 2 M rows is no faster beyond 768 MB, which keeps its
# `ucj run` within 1.5 GB.
MODEL_MEMORY_MIN, MODEL_MEMORY_MAX, MODEL_MEMORY_PER_LAKE_BYTE = 768 * 10**6, 2000 * 10**6, 8


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    description: str
    materialized: str
    publish_as: str | None
    depends_on: tuple[str, ...]
    incremental: Incremental | None = None

    @property
    def is_stored(self) -> bool:
        """Written to the lake by its own asset (a table, incremental or a history), not inlined as a view."""
        return self.materialized != "view"

    def stored_path(self, lake_root: Path, as_of_date: date) -> Path:
        """Its file: for a history, that of the reporting date; for an incremental model, the folder of its parts."""
        if self.materialized == "history":
            return lake.history_path(lake_root, self.name, as_of_date)
        if self.materialized == "incremental":
            return self._parts_folder(lake_root)
        return lake.model_path(lake_root, self.name)

    def _parts_folder(self, lake_root: Path) -> Path:
        return lake.model_path(lake_root, self.name).with_suffix("")

    def read_sql(self, lake_root: Path) -> str:
        """A DuckDB table expression reading what the model stored: every date of a history, every part of an
        incremental model."""
        if self.materialized == "history":
            return f"read_parquet({sql_string(lake.history_glob(lake_root, self.name))}, union_by_name = true)"
        if self.materialized == "incremental":
            return read_parts(self._parts_folder(lake_root))
        return f"read_parquet({sql_string(lake.model_path(lake_root, self.name))})"


def table_dependencies(sql: str) -> set[str]:
    """Names of the tables a query reads; CTEs and table functions are not dependencies."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    names: set[str] = set()
    for scope in traverse_scope(tree):
        for source in scope.selected_sources.values():
            node = source[1] if isinstance(source, tuple) else source
            if isinstance(node, exp.Table) and node.name and node.name not in scope.cte_sources:
                names.add(node.name)
    return names


def parse_header(sql: str, directive: re.Pattern = DIRECTIVE) -> tuple[str, dict[str, str]]:
    """The leading comment of a SQL file: its description (the text) and its directives (`-- name: value`)."""
    description, directives = [], {}
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        match = directive.match(line)
        if match:
            directives[match[1]] = match[2]
        else:
            description.append(line.removeprefix("--").strip())
    return " ".join(d for d in description if d), directives


@cache
def project_models() -> dict[str, SqlModel]:
    """The project's models (discovered once per process)."""
    return discover_models()


def discover_models(root: Path = SQL_MODELS_DIR) -> dict[str, SqlModel]:
    models: dict[str, SqlModel] = {}
    for layer in LAYERS:
        for path in sorted((root / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            description, directives = parse_header(sql)
            if not description:
                raise ValueError(f"{path}: the header comment must say what one row is")
            materialized = directives.get("materialized", "table")
            if materialized not in MATERIALIZATIONS:
                raise ValueError(f"{path}: materialized must be one of {MATERIALIZATIONS}, not {materialized!r}")
            if path.stem in models or path.stem in SOURCES:
                raise ValueError(f"{path}: model name {path.stem!r} is already taken")
            depends_on = tuple(sorted(table_dependencies(sql)))
            models[path.stem] = SqlModel(
                name=path.stem,
                layer=layer,
                path=path,
                sql=sql,
                description=description,
                materialized=materialized,
                publish_as=directives.get("publish"),
                depends_on=depends_on,
                incremental=_incremental(path, sql, materialized, directives, depends_on),
            )
    for model in models.values():
        unknown = [d for d in model.depends_on if d not in models and d not in SOURCES]
        if unknown:
            raise ValueError(f"{model.path}: reads unknown table(s) {', '.join(unknown)}")
        if model.publish_as and not model.is_stored:
            raise ValueError(f"{model.path}: a published model must be materialized as a table or a history")
        _check_part_by_part_source(model, models)
    return models


def _incremental(
    path: Path, sql: str, materialized: str, directives: dict, depends_on: tuple[str, ...]
) -> Incremental | None:
    keys = {k: directives[k] for k in ("unique_key", "changes_by", "changes_marked_by") if k in directives}
    if materialized != "incremental":
        if keys:
            raise ValueError(f"{path}: {', '.join(keys)} apply to incremental models only")
        return None
    marker = keys.pop("changes_marked_by", None)
    if (
        "changes_by" not in keys
        or len(depends_on) != 1
        or not all(v.isidentifier() for v in (*keys.values(), marker or "_"))
    ):
        raise ValueError(f"{path}: an incremental model names its changes_by (and unique_key) and reads one table")
    how = Incremental(keys.get("unique_key"), keys["changes_by"], depends_on[0], marker)
    if how.part_by_part:
        try:
            incremental_models.check_part_by_part(sql, how.changes_by)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
    return how


def _check_part_by_part_source(model: SqlModel, models: dict[str, SqlModel]) -> None:
    """A model kept part by part reads an incremental model stored in parts by the same column."""
    how = model.incremental
    if how is None or not how.part_by_part:
        return
    source = models.get(how.source)
    if source is None or source.incremental is None or source.incremental.changes_by != how.changes_by:
        raise ValueError(
            f"{model.path}: a model kept part by part (changes_by, no unique_key) reads an incremental model "
            f"kept by the same changes_by ({how.changes_by}); {how.source} is not one"
        )


def _register_source(con: duckdb.DuckDBPyConnection, name: str, lake_root: Path | None) -> None:
    if lake_root is not None and (name in REFERENCE_SOURCES or lake.has_files(lake_root, name)):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {lake.table_sql(lake_root, name)}")
    else:  # nothing delivered yet: an empty table of the documented shape (a table: every cursor sees it)
        con.register(f"{name}_arrow", pa.table({f.name: pa.array([], f.type) for f in lake.SCHEMAS[name]}))
        con.execute(f"CREATE TABLE {name}_empty AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {name}_empty")


def model_memory_limit(lake_root: Path | None) -> int:
    """Bytes of DuckDB memory for the models over this lake (MODEL_MEMORY_PER_LAKE_BYTE per byte of its snapshots)."""
    stored = sum(f.stat().st_size for f in lake.snapshot_files(lake_root)) if lake_root is not None else 0
    return min(max(stored * MODEL_MEMORY_PER_LAKE_BYTE, MODEL_MEMORY_MIN), MODEL_MEMORY_MAX)


def _new_database(scratch: Path | None, lake_root: Path | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET python_enable_replacements = false")
    if scratch is not None:
        con.execute(f"SET memory_limit = '{model_memory_limit(lake_root) // 10**6}MB'")
        con.execute(f"SET temp_directory = {sql_string(str(scratch / (scratch_prefix() + 'duckdb')))}")
    return con


def _set_variables(con: duckdb.DuckDBPyConnection, as_of_date: date) -> None:
    """The variables the models read; each connection (and cursor) has its own."""
    con.execute(f"SET VARIABLE as_of_date = DATE '{as_of_date.isoformat()}'")
    con.execute(f"SET VARIABLE stale_after_days = {STALE_AFTER_DAYS}")


def _define(
    con: duckdb.DuckDBPyConnection,
    reads: tuple[str, ...],
    models: dict[str, SqlModel],
    lake_root: Path | None,
    created: set[str],
) -> None:
    """Views for every table `reads` needs (transitively through view models) that is not in `created` yet: a
    source reads the lake, a stored model reads its files, a view model is its SQL."""

    def create(name: str) -> None:
        if name in created:
            return
        created.add(name)
        if name in SOURCES:
            _register_source(con, name, lake_root)
            return
        upstream = models[name]
        if upstream.is_stored and lake_root is not None:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {upstream.read_sql(lake_root)}")
        else:
            for dependency in upstream.depends_on:
                create(dependency)
            con.execute(f"CREATE VIEW {name} AS {upstream.sql}")

    for dependency in reads:
        create(dependency)


def connect_for_model(
    reads: tuple[str, ...],
    models: dict[str, SqlModel],
    lake_root: Path | None,
    as_of_date: date,
    scratch: Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB where every table a query `reads` (transitively through views) exists. With a `scratch`
    folder it holds at most `model_memory_limit` and spills the rest there (a national lake does not fit in memory).

    Without a lake (`lake_root=None`) every source is empty and every model is inlined as a view: enough to
    know each model's columns and types without data.
    """
    con = _new_database(scratch, lake_root)
    _set_variables(con, as_of_date)
    _define(con, reads, models, lake_root, set())
    return con


@dataclass(frozen=True)
class ModelRun:
    row_count: int | None  # as the write counted it; None for a view, which stores nothing
    columns: list[tuple[str, str]]  # (name, DuckDB type)
    path: Path | None
    groups_changed: int | None = None  # an incremental model: input groups that changed (None: it ran in full)
    keys_recomputed: int | None = None  # ... and the keys it recomputed


class ModelSession:
    """One in-memory DuckDB for running models one after another (a refresh's models, in dependency order): each
    source and model is defined once, as a view, when a model first reads it, and each model runs on a cursor of
    its own (its temporary tables and variables are its own). A model's view reads its files as they are when it is
    queried, so a model run in this session is read as just written. Starting a DuckDB per model cost about 30 ms
    each. DuckDB spills into `scratch` beyond `model_memory_limit`."""

    def __init__(self, models: dict[str, SqlModel], lake_root: Path, as_of_date: date, scratch: Path | None = None):
        self._models, self._lake, self._as_of = models, lake_root, as_of_date
        self._db = _new_database(scratch, lake_root)
        _set_variables(self._db, as_of_date)
        self._defined: set[str] = set()

    def __enter__(self) -> ModelSession:
        return self

    def __exit__(self, *exc) -> None:
        self._db.close()

    def run(self, model: SqlModel) -> ModelRun:
        """Run a model: a table or history model writes its Parquet file (the write counts its rows); a view model
        is only described (it binds over what the lake holds), never scanned: the models that read it do that."""
        _define(self._db, model.depends_on, self._models, self._lake, self._defined)
        with self._db.cursor() as con:
            _set_variables(con, self._as_of)
            columns = [(row[0], row[1]) for row in con.execute(f"DESCRIBE {model.sql}").fetchall()]
            if not model.is_stored:
                return ModelRun(None, columns, None)
            target = model.stored_path(self._lake, self._as_of)
            if model.incremental is not None:
                version = stored_state_version(model, self._models)
                how = model.incremental
                source_parts = (
                    self._models[how.source].stored_path(self._lake, self._as_of) if how.part_by_part else None
                )
                kept = run_incremental(con, model.sql, how, target, version, source_parts)
                # The one file it was stored in as a table, before it was kept incrementally (homes from before
                # then): read by nothing, and as large as all its parts.
                lake.model_path(self._lake, model.name).unlink(missing_ok=True)
                return ModelRun(kept.row_count, columns, target, kept.groups_changed, kept.keys_recomputed)
            with written_atomically(target) as tmp:
                [(count,)] = con.execute(
                    f"COPY ({model.sql}) TO {sql_string(tmp)} (FORMAT parquet, COMPRESSION zstd)"
                ).fetchall()  # COPY returns the rows it wrote
        return ModelRun(count, columns, target)


# The code an incremental model's stored rows depend on besides the SQL: the engine that keeps them, and how this
# module defines sources and models for it (with `lake`, where they are read from).
STATE_CODE = (Path(incremental_models.__file__), Path(__file__), Path(lake.__file__))


def upstream_tables(name: str, models: dict[str, SqlModel]) -> set[str]:
    """Every model and source that `name` reads, directly or through other models."""
    found: set[str] = set()
    pending = list(models[name].depends_on)
    while pending:
        table = pending.pop()
        if table not in found:
            found.add(table)
            pending.extend(models[table].depends_on if table in models else ())
    return found


def stored_state_version(model: SqlModel, models: dict[str, SqlModel]) -> str:
    """The version of what computed an incremental model's stored rows, besides its input rows (those it
    fingerprints itself): its SQL and that of every model it reads, the contract's columns of the lake sources among
    them, the reference data if it reads any, the code that runs it (`STATE_CODE`) and the DuckDB and sqlglot
    releases. A stored table of another version is recomputed in full; a release that changes none of these keeps
    it (the whole code's version recomputed the country after every release: 245 s at 62 M rows)."""
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}\0sqlglot {sqlglot.__version__}\0".encode())
    tables = sorted(upstream_tables(model.name, models) | {model.name})
    for table in tables:
        if table in models:
            text = models[table].sql
        elif table in INGEST_SOURCES:
            text = repr(contract().typed_columns(table))
        else:  # a reference table: the files and code it is built from
            text = reference_data.reference_fingerprint()
        digest.update(f"{table}\0{text}\0".encode())
    for path in STATE_CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def describe_models(models: dict[str, SqlModel]) -> dict[str, list[tuple[str, str]]]:
    """Each model's (column, DuckDB type), derived from its SQL over empty sources."""
    described = {}
    for model in models.values():
        with connect_for_model(model.depends_on, models, None, date(2000, 1, 1)) as con:
            described[model.name] = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {model.sql}").fetchall()]
    return described


def topological_order(models: dict[str, SqlModel]) -> list[str]:
    """The models' names, each after every model it reads."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in models:
            return
        seen.add(name)
        for dependency in models[name].depends_on:
            visit(dependency)
        order.append(name)

    for name in models:
        visit(name)
    return order
