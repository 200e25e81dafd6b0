"""The file-drop sensor: a branch drops a file, its partition runs, without anyone pressing a button.

It looks at the landing area through the `LandingArea` resource (a local folder now, object storage later), adds a
dynamic partition for a branch seen for the first time, and asks for one ingest run per contiguous block of branch
partitions with new or resent files (`landing_files.ingest_runs`): a whole delivery is one run, its branches ingested
in parallel. The cursor holds the fingerprints of the files still landed, and each run key is derived from the files'
fingerprints: after a restart no file is missed (the listing is complete) and none is repeated (same fingerprints,
same run key, which Dagster never launches twice).
"""

import hashlib

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from assets.partitions import branch_partitions, partition_key_of, partition_range_tags
from resources import LandingArea
from schedules.jobs import AssetJob
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest.landing_files import ingest_runs, parse_cursor, plan_landing_runs
from ucj_pipeline.orchestration.configuration import Configuration
from ucj_pipeline.runtime.paths import today_in_jakarta


def build_landing_sensor(
    configuration: Configuration, ingest_job: AssetJob, misnamed_job: AssetJob
) -> SensorDefinition:
    run_per_branch = bool(configuration.celery_broker)  # workers on many machines share the branches

    @sensor(
        name="landing_area_sensor",
        jobs=[ingest_job, misnamed_job],
        minimum_interval_seconds=configuration.sensor_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Watches the landing area: a new or resent extract runs its branch's ingest partition; a new "
        "branch becomes a partition; a misnamed file is logged and archived. Files count once complete (a '.done' "
        "marker, or unchanged for the settle time).",
    )
    def landing_area_sensor(context: SensorEvaluationContext, landing_area: LandingArea) -> SensorResult:
        partitions = list(context.instance.get_dynamic_partitions(branch_partitions.name))
        plan = plan_landing_runs(
            ready=landing_area.ready_files(),
            seen=parse_cursor(context.cursor),
            known_branches=known_branch_codes(),
            existing_partitions=set(partitions),
            today=today_in_jakarta(),
        )
        # The daemon adds the new branches' partitions (in this order) before it launches the runs.
        requests = [
            RunRequest(
                run_key=run.run_key,
                job_name=ingest_job.name,
                partition_key=partition_key_of(run),
                tags={**partition_range_tags(run), "ucj/files": ", ".join(run.file_names)[:1000]},
            )
            for run in ingest_runs(plan.branch_runs, partitions + plan.new_branches, run_per_branch)
        ]
        if plan.misnamed:
            digest = hashlib.sha256("\n".join(sorted(f.fingerprint for f in plan.misnamed)).encode()).hexdigest()[:16]
            requests.append(RunRequest(run_key=f"misnamed:{digest}", job_name=misnamed_job.name))
            context.log.warning(f"misnamed files in the landing area: {', '.join(f.name for f in plan.misnamed)}")
        return SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[branch_partitions.build_add_request(plan.new_branches)]
            if plan.new_branches
            else [],
            cursor=plan.cursor(),
        )

    return landing_area_sensor
