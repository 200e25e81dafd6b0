"""kill -9 at ten random moments of `ucj run`: trials 0-4 (tests/crash_trials.py says what each checks)."""

import pytest

from tests.crash_trials import homes, kill_9_trial  # noqa: F401 - `homes` is a fixture


@pytest.mark.parametrize("trial", range(0, 5))
def test_kill_9_at_a_random_moment(trial, homes, tmp_path):  # noqa: F811
    kill_9_trial(trial, homes, tmp_path)
