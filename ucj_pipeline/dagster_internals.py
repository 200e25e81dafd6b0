"""The one door to Dagster's private modules (`dagster._…`) for new code: each use says why, and what to check when
Dagster is upgraded. (Older uses still live in `local_runs.py`, `schedules/refresh_hook.py` and
`assets/partitions.py`; they move here as they are touched.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetCheckEvaluation, AssetRecordsFilter, DagsterInstance, Failure

# Why: a check evaluation logged by the asset's step (`context.log_event`, one per branch as the branches finish)
# carries no target materialisation, so Dagster counts it as not "current" for the partition and the check's
# Partitions tab shows every branch as Missing. Naming the partition's latest materialisation as the target makes
# the tab count each branch's latest evaluation. Upgrade check: tests/test_ui_truth.py reads the tab's counts.
from dagster._core.definitions.asset_checks.asset_check_evaluation import (  # noqa: E402 - private: see above
    AssetCheckEvaluationTargetMaterializationData,
)

# Why: a step that fails with a `Failure` is recorded with its exception serialised as "module.Class: message"
# followed by Dagster's own stack trace, and the UI shows that above the failure's description. For a failure caused
# by a branch's file, the operator must read the one-line reason first. Dagster hoists the error info carried by a
# DagsterUserCodeProcessError (`dagster._utils.error.serializable_error_info_from_exc_info`), so an exception that
# is both a Failure and such an error is recorded as exactly the message we give, with no stack, and keeps the
# Failure's description and metadata. Upgrade check: tests/test_failures_read_first.py fails if this stops working.
from dagster._core.errors import DagsterUserCodeProcessError  # noqa: E402 - private: see above
from dagster._utils.error import SerializableErrorInfo  # noqa: E402 - private: see above


class FailureShownAsMessage(DagsterUserCodeProcessError, Failure):
    """A `Failure` that Dagster records and shows as its description alone: no class path, no stack trace. For
    failures whose cause is the input (a branch's file), not the code."""

    def __init__(self, description: str, metadata: Mapping[str, Any] | None = None, allow_retries: bool = True):
        Failure.__init__(self, description=description, metadata=metadata, allow_retries=allow_retries)
        self.user_code_process_error_infos = [SerializableErrorInfo(description, [], type(self).__name__)]


def targeting_latest_materialization(
    instance: DagsterInstance, evaluation: AssetCheckEvaluation
) -> AssetCheckEvaluation:
    """The evaluation, aimed at the latest materialisation of its asset partition (unchanged when there is none)."""
    partitions = [evaluation.partition] if evaluation.partition else None
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=evaluation.asset_key, asset_partitions=partitions), limit=1
    ).records
    if not records:
        return evaluation
    latest = records[0]
    return AssetCheckEvaluation(
        asset_key=evaluation.asset_key,
        check_name=evaluation.check_name,
        passed=evaluation.passed,
        metadata=evaluation.metadata,
        target_materialization_data=AssetCheckEvaluationTargetMaterializationData(
            storage_id=latest.storage_id, run_id=latest.run_id, timestamp=latest.timestamp
        ),
        severity=evaluation.severity,
        description=evaluation.description,
        blocking=evaluation.blocking,
        partition=evaluation.partition,
    )
