"""The landing area where branches drop extracts: a local folder now, object storage later, one interface.

The sensor, the ingest asset and the tests all go through this resource: `list_files` is the only call that
knows where the files are; which of them are complete is decided in `ucj_pipeline.landing_files`.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from ucj_pipeline.configuration import load_configuration
from ucj_pipeline.landing_files import DEFAULT_SETTLE_SECONDS, LandedFile, ready_files


class LandingArea(ConfigurableResource):
    """A local folder of landed extract files."""

    folder: str = Field(description="Folder the branch offices (or their transfer job) write extracts into.")
    settle_seconds: float = Field(
        default=DEFAULT_SETTLE_SECONDS,
        description="A file without a '<name>.done' marker is ready once unchanged for this many seconds.",
    )

    @classmethod
    def from_env(cls, folder: Path) -> LandingArea:
        """The settle time from UCJ_SETTLE_SECONDS (default 30 s)."""
        return cls(folder=str(folder), settle_seconds=load_configuration().settle_seconds)

    @property
    def path(self) -> Path:
        path = Path(self.folder)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def list_files(self) -> list[LandedFile]:
        """Every entry, seen with `lstat`: a link is listed as a link (to be rejected), never followed."""
        files = []
        for entry in os.scandir(self.path):
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # archived between listing and stat
                continue
            files.append(LandedFile(entry.name, info.st_size, info.st_mtime_ns, stat.S_ISREG(info.st_mode)))
        return files

    def ready_files(self) -> list[LandedFile]:
        return ready_files(self.list_files(), time.time_ns(), self.settle_seconds)

    def ready_paths(self) -> list[Path]:
        return [self.path / f.name for f in self.ready_files()]
