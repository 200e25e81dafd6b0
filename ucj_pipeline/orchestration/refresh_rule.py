"""The refresh rule, asked by the refresh sensor, by the hook that ends a file drop's runs, and by `ucj run`: when
do the published figures need a refresh? (See `schedules.refresh_sensor` for the whole story.)"""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, DagsterRunStatus, RunRequest, RunsFilter, SkipReason

from resources import (
    AS_OF_DATE_TAG,
    CODE_VERSION_METADATA,
    PUBLISHED_ASSET,
    REPORTING_DATE_METADATA,
    reporting_date_for,
)
from schedules.jobs import INGEST_ASSET_KEYS, INGEST_BRANCH_JOB, MISNAMED_FILES_JOB, REFRESH_WAREHOUSE_JOB
from ucj_pipeline.models.figures_version import figures_code_version

IN_FLIGHT = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]
# The ingest change (its event time) a refresh run was asked for: bookkeeping, hidden in the UI (`.dagster/`).
CHANGE_TAG = ".dagster/ucj_refresh_after"


def newest_ingest_change(instance) -> float | None:
    """When an ingest asset was last materialised (any branch), as a Unix time."""
    times = [
        event.timestamp
        for key in INGEST_ASSET_KEYS
        if (event := instance.get_latest_materialization_event(AssetKey(key))) is not None
    ]
    return max(times, default=None)


def last_refresh_start(instance) -> float | None:
    records = instance.get_run_records(
        RunsFilter(job_name=REFRESH_WAREHOUSE_JOB, statuses=[DagsterRunStatus.SUCCESS]), limit=1
    )
    if not records:
        return None
    return records[0].start_time or records[0].create_timestamp.timestamp()


def runs_in_flight(instance, job_names: list[str], excluding_run_id: str | None = None) -> list[str]:
    return [
        f"{run.job_name} {run.run_id[:8]} ({run.status.value})"
        for job in job_names
        for run in instance.get_runs(RunsFilter(job_name=job, statuses=IN_FLIGHT), limit=5)
        if run.run_id != excluding_run_id
    ]


def refresh_decision(instance, excluding_run_id: str | None = None) -> RunRequest | SkipReason:
    """The rule: a refresh when an ingest asset changed after the last successful refresh started, and nothing is
    still to come. `excluding_run_id`: a run asking about itself as it ends (see `schedules.refresh_hook`)."""
    changed = newest_ingest_change(instance)
    if changed is None:
        return SkipReason("no branch has been ingested yet")
    refreshed = last_refresh_start(instance)
    if refreshed is not None and refreshed >= changed:
        return SkipReason("the published figures include every ingest")
    busy = runs_in_flight(instance, [INGEST_BRANCH_JOB, MISNAMED_FILES_JOB, REFRESH_WAREHOUSE_JOB], excluding_run_id)
    if busy:
        return SkipReason(f"waiting for {len(busy)} run(s) to finish: {', '.join(busy)}")
    as_of = reporting_date_for(instance, {})
    return RunRequest(
        run_key=f"refresh-after-{changed:.6f}",
        tags={AS_OF_DATE_TAG: as_of, CHANGE_TAG: f"{changed:.6f}", "ucj/trigger": "ingest"},
    )


def published_figures_current(instance, as_of: str, published: Path) -> str | None:
    """Why the published figures need no refresh for `as_of`, or None when they do: they are for that reporting
    date, computed by this version of the code, still on disk, and include every ingest (the rule above)."""
    event = instance.get_latest_materialization_event(PUBLISHED_ASSET)
    if event is None or event.asset_materialization is None or not published.exists():
        return None
    metadata = event.asset_materialization.metadata
    recorded = {key: str(value.value) for key, value in metadata.items() if key in (REPORTING_DATE_METADATA,
                                                                                    CODE_VERSION_METADATA)}  # fmt: skip
    if recorded != {REPORTING_DATE_METADATA: as_of, CODE_VERSION_METADATA: figures_code_version()}:
        return None
    changed, refreshed = newest_ingest_change(instance), last_refresh_start(instance)
    if changed is None or refreshed is None or refreshed < changed:
        return None
    return f"the figures published by run {event.run_id[:8]} are for {as_of}, by this code, and include every ingest"
