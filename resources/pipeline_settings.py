"""The run's settings: UCJ_HOME, the reporting date and the quarantine threshold; and the home's shared lock.

The reporting date follows one rule. A run computes the figures as of the date in its `ucj/as_of_date` tag, set by
whoever starts it on purpose: the daily schedule (that day in Asia/Jakarta), `ucj run --as-of` (default today),
`ucj backfill`, or you in the launchpad ("Edit tags", the one way to set it by hand). A run without the tag (a
refresh after a file drop, a "Materialize" click) keeps the reporting date of the figures already published, or
today when nothing is published yet; it writes that date into its own tag, so every run shows the date it used.

Every step that uses these settings holds UCJ_HOME's lock *shared* while it runs (`ucj_pipeline.runtime.home_lock`):
steps of daemon-launched runs go in parallel with each other but wait while `ucj run` or `ucj backfill` holds the
home alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from dagster import AssetKey, ConfigurableResource, DagsterInstance, EnvVar, Failure, InitResourceContext
from pydantic import Field, PrivateAttr

from ucj_pipeline.contract.pseudonymise import KEY_ENV, pseudonymisation_key
from ucj_pipeline.orchestration.configuration import (
    DEFAULT_INGEST_WORKERS,
    DEFAULT_LOCK_WAIT_SECONDS,
    load_configuration,
)
from ucj_pipeline.runtime import home_lock
from ucj_pipeline.runtime.atomic_files import remove_leftovers
from ucj_pipeline.runtime.paths import DEFAULT_QUARANTINE_THRESHOLD, UcjPaths, parse_as_of, today_in_jakarta

if TYPE_CHECKING:
    from ucj_pipeline.ingest.branch_ingest import IngestSettings
    from ucj_pipeline.publish.storage import Storage

AS_OF_DATE_TAG = "ucj/as_of_date"
PUBLISHED_ASSET = AssetKey("ucj_warehouse")
REPORTING_DATE_METADATA = "reporting_date"  # of each ucj_warehouse materialisation: the published figures' date
CODE_VERSION_METADATA = "code_version"  # ... and the version of the code that computed them (figures_version)


def published_reporting_date(instance: DagsterInstance | None) -> str | None:
    """The reporting date of the published figures, from the latest materialisation of ucj_warehouse."""
    event = instance.get_latest_materialization_event(PUBLISHED_ASSET) if instance is not None else None
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get(REPORTING_DATE_METADATA)
    return str(value.value) if value is not None else None


def reporting_date_for(instance: DagsterInstance | None, tags: Mapping[str, str]) -> str:
    """The rule: the run's tag; else the published figures' date; else today in Asia/Jakarta."""
    tagged = (tags.get(AS_OF_DATE_TAG) or "").strip()
    if tagged:
        try:
            date.fromisoformat(tagged)
        except ValueError:
            raise Failure(f"run tag {AS_OF_DATE_TAG}={tagged!r} is not a date YYYY-MM-DD") from None
        return tagged
    return published_reporting_date(instance) or today_in_jakarta().isoformat()


def refuse_run_config_overrides(context: InitResourceContext, resource_key: str, from_environment: dict) -> None:
    """Paths and thresholds come from the environment (`ucj_pipeline.orchestration.configuration`), never from one run's
    configuration: a run configured in the launchpad with another home, landing area or threshold is refused before
    it reads or writes anything. (A run whose configuration repeats the environment's values passes.)"""
    run = context.dagster_run
    if run is None:
        return
    configured = ((run.run_config or {}).get("resources", {}).get(resource_key) or {}).get("config") or {}
    changed = {k: v for k, v in configured.items() if k in from_environment and v != from_environment[k]}
    if changed:
        raise Failure(
            f"run configuration may not change resources.{resource_key}: "
            + ", ".join(f"{k}={v!r} (the environment says {from_environment[k]!r})" for k, v in changed.items())
            + ". Paths and thresholds are set in the code location's environment (docs/configuration.md); "
            "remove them from the run's configuration."
        )


class PipelineSettings(ConfigurableResource):
    """Where the pipeline writes (UCJ_HOME) and how it judges: the reporting date and quarantine threshold."""

    ucj_home: str = Field(description="Folder holding landing/, archive/, lake/ and warehouse/ (UCJ_HOME).")
    pseudonym_key: str = Field(
        default="",
        description="The HMAC key that pseudonymises NIKs: EnvVar('UCJ_PSEUDONYM_KEY'), read when a run starts and "
        "never shown; empty means the public development key (with a loud warning).",
    )
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

    ingest_workers: int = Field(
        default=DEFAULT_INGEST_WORKERS,
        ge=1,
        le=64,
        description="How many branches an ingest run reads at once, each in its own process (UCJ_INGEST_WORKERS; "
        "default: the number of cores). Peak memory grows with it: one branch's file per worker.",
    )

    _run_as_of_date: str = PrivateAttr(default="")
    _paths: UcjPaths | None = PrivateAttr(default=None)
    _held: ExitStack = PrivateAttr(default_factory=ExitStack)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        config = load_configuration()
        refuse_run_config_overrides(
            context,
            "settings",
            {
                "ucj_home": str(config.home),
                "quarantine_threshold": config.quarantine_threshold,
                "lock_wait_seconds": config.lock_wait_seconds,
                "ingest_workers": config.ingest_workers,
            },
        )
        run = context.dagster_run
        self._run_as_of_date = reporting_date_for(context.instance, run.tags if run is not None else {})
        if run is not None and context.instance is not None and AS_OF_DATE_TAG not in run.tags:
            context.instance.add_run_tags(run.run_id, {AS_OF_DATE_TAG: self._run_as_of_date})
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
            "pseudonym_key": EnvVar(KEY_ENV) if config.pseudonym_key else "",
            "quarantine_threshold": config.quarantine_threshold,
            "lock_wait_seconds": config.lock_wait_seconds,
            "ingest_workers": config.ingest_workers,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def paths(self) -> UcjPaths:
        """UCJ_HOME's folders, created (owner-only where private) the first time they are asked for."""
        if self._paths is None:
            self._paths = UcjPaths(Path(self.ucj_home)).ensure()
        return self._paths

    @property
    def storage(self) -> Storage:
        """The tables of UCJ_HOME: what assets, checks, the report and the publish read and write."""
        from ucj_pipeline.models.sql_models import project_models
        from ucj_pipeline.publish.storage import Storage

        return Storage(self.paths, project_models())

    def reporting_date(self) -> date:
        return parse_as_of(self._run_as_of_date)

    def ingest_settings(self) -> IngestSettings:
        from ucj_pipeline.ingest.branch_ingest import (
            IngestSettings,  # pandas, polars, Pandera: only where a run ingests
        )

        # The key is an EnvVar: Dagster reads it when the run starts and shows only the variable's name.
        return IngestSettings(
            paths=self.paths,
            pseudonym_key=pseudonymisation_key(self.pseudonym_key),
            quarantine_threshold=self.quarantine_threshold,
        )
