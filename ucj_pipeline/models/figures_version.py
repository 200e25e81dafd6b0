"""The version of what computes the published figures, besides the lake: the code, the SQL models and the reference
data shipped with them. A refresh records it with the published file; a `ucj run` with nothing new skips the refresh
only when it is unchanged (a new release, a changed model or a corrected region table refreshes the figures)."""

from __future__ import annotations

import hashlib
from functools import cache

from ucj_pipeline.runtime.paths import PROJECT_ROOT

SOURCE_PACKAGES = ("ucj_pipeline", "assets", "resources", "dbt_like_sql")
SOURCE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".json", ".csv"}


@cache
def figures_code_version() -> str:
    """A SHA-256 (16 hex digits) over the names and bytes of the files that compute the figures."""
    digest = hashlib.sha256()
    for package in SOURCE_PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
