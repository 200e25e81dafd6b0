"""The fast path from a file drop to the published figures: the last ingest run of a drop queues the refresh itself.

Dagster's sensor daemon looks at its sensors every 5 s, so the refresh sensor sees the end of the ingests up to 5 s
late (3 s on average, measured), and the refresh run then needs seconds more to start. So the runs the landing
sensor starts end with this hook: as their step finishes, it applies the refresh sensor's own rule
(`refresh_decision`), not counting the run itself, and when nothing else is queued or running it puts the refresh
run on the queue at once. The sensor remains the rule's other half and catches what the hook leaves: two runs that
end at the same moment (each sees the other still running), runs started by hand or by `ucj`, a run that died.
Neither can ask twice: a queued or running refresh is "in flight" to both, and a finished one started after the
change it refreshed.
"""

from __future__ import annotations

from collections.abc import Callable

from dagster import HookContext, HookDefinition, JobDefinition, RunRequest, failure_hook, success_hook

from ucj_pipeline.orchestration.dagster_internals import queue_run_in_location_of, queues_runs
from ucj_pipeline.orchestration.refresh_rule import refresh_decision

LANDING_SENSOR = "landing_area_sensor"
SENSOR_TAG = "dagster/sensor_name"
REQUESTED_BY_TAG = "ucj/requested_by"


def refresh_hooks(refresh_job: Callable[[], JobDefinition]) -> set[HookDefinition]:
    """The hooks that end a file drop's runs; `refresh_job` gives the resolved refresh job of the definitions these
    hooks belong to (called as a run ends, once the definitions exist: see `build_definitions`)."""

    def queue_refresh_if_last(context: HookContext) -> None:
        instance = context.instance
        run = instance.get_run_by_id(context.run_id)
        if run is None or run.tags.get(SENSOR_TAG) != LANDING_SENSOR:
            return  # not a file drop under the daemon: the refresh sensor decides
        if not queues_runs(instance):
            return
        decision = refresh_decision(instance, excluding_run_id=run.run_id)
        if not isinstance(decision, RunRequest):
            context.log.debug(f"No refresh queued by this run: {decision.skip_message}")
            return
        tags = {**decision.tags, REQUESTED_BY_TAG: run.run_id}
        refresh = queue_run_in_location_of(run, refresh_job(), instance, tags)
        context.log.info(f"Last run of this drop: refresh queued as run {refresh.run_id}")

    @success_hook(name="queue_refresh_after_success")
    def queue_refresh_after_success(context: HookContext) -> None:
        queue_refresh_if_last(context)

    @failure_hook(name="queue_refresh_after_failure")
    def queue_refresh_after_failure(context: HookContext) -> None:
        """A rejected delivery fails its run but changes the ingest log, which is published too."""
        queue_refresh_if_last(context)

    return {queue_refresh_after_success, queue_refresh_after_failure}
