"""After branch files are ingested, one refresh: models, marts, history, the published file and the report.

The refresh sensor asks for a run of `refresh_warehouse_job` when the ingest assets (a branch's snapshot, the
ingest log, the row issues, the log of unusable entries) changed after the start of the last successful refresh,
and nothing is still to come: no ingest or landing run queued or running, and no refresh running. So the ingests
of a fresh start, or of several branches that deliver together, are followed by exactly one refresh, which builds
the report once. The run carries the reporting date the rule gives (`resources.pipeline_settings`): a file drop
refreshes the figures for the date they are already published for. A refresh that fails is not asked for again
for the same change (its run key); the next change, the daily schedule or a person retries it.
"""

from __future__ import annotations

from dagster import (
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    sensor,
)

from schedules.jobs import AssetJob
from ucj_pipeline.orchestration.configuration import Configuration
from ucj_pipeline.orchestration.refresh_rule import refresh_decision


def build_refresh_sensor(configuration: Configuration, refresh_job: AssetJob) -> SensorDefinition:
    @sensor(
        name="refresh_after_ingest",
        job=refresh_job,
        minimum_interval_seconds=configuration.sensor_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Once branch ingests have finished (none queued or running), asks for one refresh of the "
        "models, marts, published file and report, for the reporting date of the published figures.",
    )
    def refresh_after_ingest(context: SensorEvaluationContext):
        return refresh_decision(context.instance)

    return refresh_after_ingest
