"""Where a run's steps execute: in the run's own process (one machine, the default), or on Celery workers.

With `UCJ_CELERY_BROKER` set (a Redis or RabbitMQ URL), every job of the code location uses Dagster's
`celery_executor` (dagster-celery): the run process sends each step to the broker, and `dagster-celery worker`
processes, on this host or others, execute them. The URLs stay in the environment (the executor configuration
names the variables, so no password reaches the run configuration the UI shows). `ucj run` and `ucj backfill`
always execute in their own process: they are the command an operator runs on one machine.
"""

from __future__ import annotations

from dagster import ExecutorDefinition, in_process_executor

from ucj_pipeline.configuration import Configuration

BROKER_ENV = "UCJ_CELERY_BROKER"
BACKEND_ENV = "UCJ_CELERY_BACKEND"


def pipeline_executor(config: Configuration) -> ExecutorDefinition:
    """The executor of every job: in-process, or Celery when a broker is configured."""
    if not config.celery_broker:
        return in_process_executor
    from dagster_celery import celery_executor  # only in the distributed profile

    return celery_executor.configured(
        {
            "broker": {"env": BROKER_ENV},
            # the result backend defaults to the broker (a Redis serves both)
            "backend": {"env": BACKEND_ENV if config.celery_backend != config.celery_broker else BROKER_ENV},
        },
        name="celery",
    )


def celery_worker_config(config: Configuration) -> dict:
    """The `-y` file of `dagster-celery worker start`: the same broker and backend as the runs, by variable."""
    backend = BACKEND_ENV if config.celery_backend != config.celery_broker else BROKER_ENV
    return {"execution": {"config": {"broker": {"env": BROKER_ENV}, "backend": {"env": backend}}}}
