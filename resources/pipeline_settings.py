"""The run's settings: UCJ_HOME, the reporting date and the quarantine threshold; and the home's shared lock.

Every step that uses these settings holds UCJ_HOME's lock *shared* while it runs (`ucj_pipeline.home_lock`):
steps of daemon-launched runs go in parallel with each other but wait while `ucj run` or `ucj backfill` holds the
home alone.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from ucj_pipeline import home_lock
from ucj_pipeline.configuration import DEFAULT_LOCK_WAIT_SECONDS, load_configuration
from ucj_pipeline.ingest import IngestSettings
from ucj_pipeline.leftovers import remove_leftovers
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
        ge=0.0,
        le=1.0,
        description="A file with a larger share of quarantined rows is rejected whole (contract: 5%).",
    )
    lock_wait_seconds: float = Field(
        default=DEFAULT_LOCK_WAIT_SECONDS,
        ge=0.0,
        description="How long a step waits for UCJ_HOME while `ucj run` or `ucj backfill` holds it.",
    )

    _run_as_of_date: str = PrivateAttr(default="")
    _held: ExitStack = PrivateAttr(default_factory=ExitStack)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.dagster_run
        self._run_as_of_date = (run.tags.get(AS_OF_DATE_TAG, "") if run is not None else "") or ""
        home = self.paths.home
        say = context.log.warning if context.log is not None else print
        self._held.enter_context(home_lock.shared(home, "this step", self.lock_wait_seconds, say))
        if not home_lock.holds_exclusive():
            remove_leftovers([self.paths.lake, self.paths.warehouse_dir, self.paths.archive, self.paths.tmp])

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        self._held.close()

    @classmethod
    def from_env(cls, **overrides) -> PipelineSettings:
        """From the checked configuration (ConfigurationError, naming every wrong variable, otherwise)."""
        config = load_configuration()
        values = {
            "ucj_home": str(config.home),
            "as_of_date": config.as_of_date,
            "quarantine_threshold": config.quarantine_threshold,
            "lock_wait_seconds": config.lock_wait_seconds,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def paths(self) -> UcjPaths:
        return UcjPaths(Path(self.ucj_home)).ensure()

    def reporting_date(self) -> date:
        return parse_as_of(self._run_as_of_date or self.as_of_date)

    def ingest_settings(self) -> IngestSettings:
        # The key is read from the environment at run time, never stored in the resource (whose configuration the
        # UI shows); it was checked when the definitions loaded.
        return IngestSettings(
            paths=self.paths,
            pseudonym_key=pseudonymisation_key(load_configuration().pseudonym_key),
            quarantine_threshold=self.quarantine_threshold,
        )
