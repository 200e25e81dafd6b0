"""Apache Superset configuration for reading the published `ucj.duckdb` (issue 29).

Loaded by Superset through `SUPERSET_CONFIG_PATH` (set by `ucj_pipeline.publish.superset`). Everything lives under
`$UCJ_HOME/bi/` (or `UCJ_BI_HOME`): the metadata database, the generated secret key, Superset's log.

What matters for the pipeline:
- No DuckDB connection outlives a query. Superset already builds every analytics engine with `poolclass=NullPool`
  (`Database._get_sqla_engine(nullpool=True)` is the default of every caller in 6.1); `DB_CONNECTION_MUTATOR` below
  enforces it again for every engine, whatever a database's `extra.engine_params` says. A closed connection lets
  DuckDB drop its instance of the file, so the next query opens the file the last publish renamed into place.
- DuckDB is always opened read-only: the mutator forces `access_mode=read_only` on every `duckdb://` URL, so an
  imported bundle or an edit in the UI that drops it cannot take a write lock on the published file.
- No result cache (`NullCache`): a chart refresh always reads the file, never yesterday's figures.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.engine.url import URL
from sqlalchemy.pool import NullPool

UCJ_HOME = Path(os.environ.get("UCJ_HOME", "").strip() or "./data").resolve()
BI_HOME = Path(os.environ.get("UCJ_BI_HOME", "").strip() or UCJ_HOME / "bi").resolve()
BI_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SUPERSET_SECRET_KEY from the environment, else one generated once and kept in BI_HOME/secret_key (0600)."""
    from_env = os.environ.get("SUPERSET_SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = BI_HOME / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise RuntimeError(
                f"{path} is empty: delete it to generate a new key, or set SUPERSET_SECRET_KEY"
            ) from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = _secret_key()
DATA_DIR = str(BI_HOME)
SQLALCHEMY_DATABASE_URI = f"sqlite:///{BI_HOME / 'superset.db'}?check_same_thread=false"
SQLALCHEMY_EXAMPLES_URI = SQLALCHEMY_DATABASE_URI  # never used: no `superset load-examples`
UPLOAD_FOLDER = str(BI_HOME / "uploads") + "/"
FILENAME = str(BI_HOME / "superset.log")

# Superset 6.1 imports versioned YAML bundles (dashboards, and /api/v1/assets/import/) with no feature flag; native
# filters are always on. Nothing here is experimental.
FEATURE_FLAGS: dict[str, bool] = {
    "ALERT_REPORTS": False,
    "THUMBNAILS": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
}

# Chart data is never cached: every refresh reads the published file (the swap must show at once).
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# Only local files under the reviewed URI; SQLite metadata stays out of reach of analysts.
PREVENT_UNSAFE_DB_CONNECTIONS = True
# Served on 127.0.0.1 only (`superset run -h 127.0.0.1`); no public role.
PUBLIC_ROLE_LIKE = None


def DB_CONNECTION_MUTATOR(  # noqa: N802 - the name Superset looks up
    uri: URL, params: dict[str, Any], username: str | None, security_manager: Any, source: Any
) -> tuple[URL, dict[str, Any]]:
    """Every analytics engine: no pool, and DuckDB read-only (whatever the saved URI says)."""
    params["poolclass"] = NullPool
    for pooled_only in ("pool_size", "max_overflow", "pool_timeout", "pool_recycle", "pool_pre_ping"):
        params.pop(pooled_only, None)
    if uri.get_backend_name() == "duckdb":
        query = dict(uri.query)
        query.pop("read_only", None)
        query["access_mode"] = "read_only"
        uri = uri.set(query=query)
        connect_args = params.setdefault("connect_args", {})
        connect_args.pop("read_only", None)
        config = connect_args.get("config")
        if isinstance(config, dict):
            config.pop("access_mode", None)
    return uri, params
