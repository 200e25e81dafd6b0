"""Where a run's steps execute: in the run's own process (one machine, the default), or on Celery workers.

With `UCJ_CELERY_BROKER` set (a Redis URL), every job of the code location uses Dagster's `celery_executor`
(dagster-celery): the run process sends each step to Redis, and `dagster-celery worker` processes, on this host or
others, execute them (`deploy/celery/worker.yaml` gives them the same broker). The one Redis is the broker and the
result backend. The URL stays in the environment: the executor configuration names the variable, so no password
reaches the run configuration the UI shows. `ucj run` and `ucj backfill` always execute in their own process: they
are the commands an operator runs on one machine.
"""

from __future__ import annotations

from dagster import ExecutorDefinition, in_process_executor

from ucj_pipeline.orchestration.configuration import Configuration

BROKER_ENV = "UCJ_CELERY_BROKER"


def pipeline_executor(config: Configuration) -> ExecutorDefinition:
    """The executor of every job: in-process, or Celery when a broker is configured."""
    if not config.celery_broker:
        return in_process_executor
    from dagster_celery import celery_executor  # only in the distributed profile

    return celery_executor.configured({"broker": {"env": BROKER_ENV}, "backend": {"env": BROKER_ENV}}, name="celery")
