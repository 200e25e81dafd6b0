"""The run's settings: UCJ_HOME, the reporting date and the quarantine threshold."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from ucj_pipeline.ingest import IngestSettings
from ucj_pipeline.pseudonymise import pseudonymisation_key
from ucj_pipeline.settings import DEFAULT_QUARANTINE_THRESHOLD, UcjPaths, parse_as_of

# A run tagged with this reporting date computes the figures for that date (schedules, backfills, the UI's
# "launch with tags"); it overrides `as_of_date` of the configuration.
AS_OF_DATE_TAG = "ucj/as_of_date"


class PipelineSettings(ConfigurableResource):
    """Where the pipeline writes (UCJ_HOME) and how it judges: the reporting date and quarantine threshold."""

    ucj_home: str = Field(description="Folder holding landing/, archive/, lake/ and warehouse/ (UCJ_HOME).")
    as_of_date: str = Field(default="", description="Reporting date YYYY-MM-DD; empty means today in Asia/Jakarta.")
    quarantine_threshold: float = Field(
        default=DEFAULT_QUARANTINE_THRESHOLD,
        description="A file with a larger share of quarantined rows is rejected whole (contract: 5%).",
    )

    _run_as_of_date: str = PrivateAttr(default="")

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.dagster_run
        self._run_as_of_date = (run.tags.get(AS_OF_DATE_TAG, "") if run is not None else "") or ""

    @classmethod
    def from_env(cls, **overrides) -> PipelineSettings:
        values = {
            "ucj_home": str(UcjPaths.from_env().home),
            "as_of_date": os.environ.get("UCJ_AS_OF_DATE", ""),
            "quarantine_threshold": float(os.environ.get("UCJ_QUARANTINE_THRESHOLD", DEFAULT_QUARANTINE_THRESHOLD)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def paths(self) -> UcjPaths:
        return UcjPaths(Path(self.ucj_home)).ensure()

    def reporting_date(self) -> date:
        return parse_as_of(self._run_as_of_date or self.as_of_date)

    def ingest_settings(self) -> IngestSettings:
        return IngestSettings(
            paths=self.paths, pseudonym_key=pseudonymisation_key(), quarantine_threshold=self.quarantine_threshold
        )
