"""The storage layer: where every table of UCJ_HOME lives and how it is read and written, in one place.

Assets, checks, the report and the publish ask a `Storage` for tables by name (a SQL model, a lake table, a
published table); none of them builds a path. Every file is written with `written_atomically` (a temporary name
beside the target, then a rename), and the published file is built aside, checked and swapped in
(`ucj_pipeline.publish.warehouse`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb

from ucj_pipeline.ingest import lake
from ucj_pipeline.models.sql_checks import CheckOutcome, SqlCheck, run_check
from ucj_pipeline.models.sql_models import ModelSession, SqlModel
from ucj_pipeline.publish.warehouse import PublishedTable
from ucj_pipeline.runtime.atomic_files import written_atomically
from ucj_pipeline.runtime.paths import UcjPaths

__all__ = ["Storage", "written_atomically"]


@dataclass(frozen=True)
class Storage:
    paths: UcjPaths
    models: Mapping[str, SqlModel]

    def read_sql(self, name: str) -> str:
        """A DuckDB table expression reading a model as stored (every date of a history) or a lake table."""
        if name in self.models:
            return self.models[name].read_sql(self.paths.lake)
        if name in lake.SCHEMAS:
            return lake.table_sql(self.paths.lake, name)
        raise KeyError(f"no table {name} in the lake")

    def upgrade_lake(self, wait_seconds: float, say: Callable[[str], None]) -> list[dict]:
        """Bring lake files written by older versions to today's format: the one-off migrations not yet recorded
        for this lake (`lake.run_migrations`); the records of those that ran now."""
        return lake.run_migrations(self.paths.lake, self.paths.home, wait_seconds, say)

    def model_session(self, as_of_date: date) -> ModelSession:
        """One DuckDB for running models over what the lake holds, in a row (`with storage.model_session(d) as s:
        s.run(model)`); a stored model is written atomically."""
        return ModelSession(self.models, self.paths.lake, as_of_date, self.paths.tmp)

    def run_check(self, check: SqlCheck, as_of_date: date) -> CheckOutcome:
        return run_check(check, self.models, self.paths.lake, as_of_date, self.paths.tmp)

    @property
    def published_models(self) -> list[SqlModel]:
        return [m for m in self.models.values() if m.publish_as]

    def published_name(self, name: str) -> str:
        """schema.table of a model in the published file."""
        publish_as = self.models[name].publish_as
        if not publish_as:
            raise KeyError(f"model {name} is not published")
        return publish_as

    def published_tables(self, column_descriptions: Mapping[str, dict[str, str]]) -> list[PublishedTable]:
        """What the publish copies into the new file: every published model, with its comments."""
        return [
            PublishedTable(m.publish_as, self.read_sql(m.name), m.description, column_descriptions[m.name])
            for m in self.published_models
        ]

    def connect_published(self) -> duckdb.DuckDBPyConnection:
        """The published file, read-only, as BI tools open it."""
        return duckdb.connect(str(self.paths.warehouse), read_only=True)
