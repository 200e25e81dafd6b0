"""The landing area where branches drop extracts: a local folder or a bucket prefix, one resource.

The sensor, the ingest assets, `ucj run` and the tests all go through this resource. Where the files are is
`ucj_pipeline.ingest.landing_store`'s business (a folder, or `s3://`, `gs://`, `az://` through obstore); which of them
are complete is decided in `ucj_pipeline.ingest.landing_files`.
"""

from __future__ import annotations

import time
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr, field_validator

from ucj_pipeline.ingest.landing_files import DEFAULT_SETTLE_SECONDS, LandedFile, ready_files
from ucj_pipeline.ingest.landing_store import Delivery, LandingStore, check_location, open_landing
from ucj_pipeline.orchestration.configuration import load_configuration


class LandingArea(ConfigurableResource):
    """Landed extract files: a folder, or an object-storage URL (credentials from the environment)."""

    location: str = Field(
        description="Where the branch offices (or their transfer job) deliver extracts: a folder path, or a URL "
        "file://, s3://bucket/prefix, gs://bucket/prefix, az://container/prefix (UCJ_LANDING_URL; default "
        "UCJ_HOME/landing)."
    )
    settle_seconds: float = Field(
        default=DEFAULT_SETTLE_SECONDS,
        description="A file without a '<name>.done' marker is ready once unchanged for this many seconds.",
    )

    _store: LandingStore | None = PrivateAttr(default=None)

    @field_validator("location")
    @classmethod
    def _usable(cls, value: str) -> str:
        if problem := check_location(value):
            raise ValueError(f"the landing area {problem}")
        return value

    @classmethod
    def from_env(cls, default_folder: Path) -> LandingArea:
        """UCJ_LANDING_URL (default: the folder given) and UCJ_SETTLE_SECONDS (default 30 s)."""
        config = load_configuration()
        return cls(location=config.landing_url or str(default_folder), settle_seconds=config.settle_seconds)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        from resources.pipeline_settings import refuse_run_config_overrides
        from ucj_pipeline.runtime.paths import UcjPaths

        config = load_configuration()
        default = str(UcjPaths(config.home).landing)
        expected = {"location": config.landing_url or default, "settle_seconds": config.settle_seconds}
        refuse_run_config_overrides(context, "landing_area", expected)

    @property
    def store(self) -> LandingStore:
        if self._store is None:
            self._store = open_landing(self.location)
        return self._store

    def list_files(self) -> list[LandedFile]:
        return self.store.list_files()

    def ready_files(self) -> list[LandedFile]:
        return ready_files(self.list_files(), time.time_ns(), self.settle_seconds)

    def ready_deliveries(self) -> list[Delivery]:
        return [self.store.delivery(f.name) for f in self.ready_files()]
