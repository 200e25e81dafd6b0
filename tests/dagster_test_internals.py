"""The tests' one door to Dagster's internals (the code's is `ucj_pipeline/orchestration/dagster_internals.py`): what a test needs
to look at Dagster's own state, with why. `tests/orchestration/test_dagster_internals.py` fails on a private import elsewhere."""

# Why: the partition status the UI shows (materialised, failed) is computed by this cache; the test of many branches
# in one run reads it as the UI does. Upgrade check: tests/assets/test_many_branches_one_run.py.
from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

# Why: a run record in a given state (started by a process that died, queued) for the refresh sensor's and the crash
# tests, without executing it. Upgrade check: tests/orchestration/test_refresh_sensor.py.
from dagster._core.test_utils import create_run_for_test

__all__ = ["create_run_for_test", "get_and_update_asset_status_cache_value"]
