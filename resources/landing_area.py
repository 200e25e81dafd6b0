"""The landing area where branches drop extracts: a local folder now, object storage later, one interface."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field


class LandingArea(ConfigurableResource):
    """A local folder of landed extract files. Only names not starting with '.' count: a writer that writes to a
    hidden temporary name and renames when done never exposes a half-written file."""

    folder: str = Field(description="Folder the branch offices (or their transfer job) write extracts into.")

    @property
    def path(self) -> Path:
        path = Path(self.folder)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def landed_file_names(self) -> list[str]:
        return sorted(p.name for p in self.path.iterdir() if p.is_file() and not p.name.startswith("."))
