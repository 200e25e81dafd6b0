"""What the code location needs to know about the SQL models without running them: each model's columns (DuckDB
types, from DESCRIBE over empty sources) and its column lineage (sqlglot). Computing both takes seconds, and every
process that loads the code location (each run, the daemon, the webserver) would pay it; so they are kept in
`dbt_like_sql/manifest.json`, keyed by a hash of each model's SQL. A model whose SQL changed since is computed
afresh at load (a warning says so), and `make manifest` rewrites the file; a test fails while it is out of date.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from pathlib import Path

from ucj_pipeline.ingest import lake
from ucj_pipeline.models.sql_lineage import column_lineage
from ucj_pipeline.models.sql_models import SqlModel, describe_models, discover_models
from ucj_pipeline.runtime.paths import SQL_MODELS_DIR

MANIFEST = SQL_MODELS_DIR / "manifest.json"


def _sql_hash(model: SqlModel) -> str:
    """What a model's columns depend on: its SQL and the contract's types of the lake tables it reads."""
    sources = [f"{name}:{lake.SCHEMAS[name].types}" for name in model.depends_on if name in lake.SCHEMAS]
    return hashlib.sha256("\n".join([model.sql, *sources]).encode("utf-8")).hexdigest()


def build_manifest(models: dict[str, SqlModel]) -> dict[str, dict]:
    columns = describe_models(models)
    readable = {name: schema.names for name, schema in lake.SCHEMAS.items()} | {
        name: [c for c, _ in described] for name, described in columns.items()
    }
    manifest = {}
    for model in models.values():
        sources = {name: readable[name] for name in model.depends_on if name in readable}
        feeds = column_lineage(model.sql, [c for c, _ in columns[model.name]], sources)
        manifest[model.name] = {
            "sql_sha256": _sql_hash(model),
            "columns": [list(c) for c in columns[model.name]],
            "lineage": {column: sorted(map(list, deps)) for column, deps in feeds.items() if deps},
        }
    return manifest


def load_manifest(models: dict[str, SqlModel], path: Path = MANIFEST) -> dict[str, dict]:
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if set(stored) == set(models) and all(stored[m.name]["sql_sha256"] == _sql_hash(m) for m in models.values()):
        return stored
    warnings.warn(
        f"{path.name} is out of date with the SQL models: computing columns and lineage (run `make manifest`)",
        stacklevel=2,
    )
    return build_manifest(models)


def write_manifest(path: Path = MANIFEST) -> Path:
    path.write_text(json.dumps(build_manifest(discover_models()), indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_manifest()}", file=sys.stderr)
