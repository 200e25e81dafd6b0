"""Runs made by `ucj run` are first-class in the UI: they carry the code location's origin (as `ucj ui` serves it
from workspace.yaml), and "Re-execute" (the same GraphQL mutation the button sends) launches and completes."""

import pytest
from dagster import DagsterInstance

from tests.conftest import run_ucj as ucj
from tests.dagster_dev import dagster_dev, graphql, wait_for

pytestmark = pytest.mark.slow(80)  # seconds, for the test order (conftest)

RUNS = """{ runsOrError { ... on Runs { results { runId jobName status
    repositoryOrigin { repositoryLocationName repositoryName } tags { key value } } } } }"""
REEXECUTE = """mutation($params: ReexecutionParams!) { launchPipelineReexecution(reexecutionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
JOB = """query($selector: PipelineSelector!) { pipelineOrError(params: $selector) { __typename } }"""


def runs(port: int) -> dict[str, dict]:
    return {r["runId"]: r for r in graphql(port, RUNS)["data"]["runsOrError"]["results"]}


def test_a_ucj_run_refresh_is_in_its_code_location_and_re_executes(tmp_path):
    home = tmp_path / "ucj"
    ucj(home, "sample", "--branches", "SINJAI", "--scale", "0.02")
    ucj(home, "run", "--as-of", "2025-12-31")
    with dagster_dev(home) as port:
        [refresh] = wait_for(
            lambda: [r for r in runs(port).values() if r["jobName"] == "refresh_warehouse_job"] or None,
            timeout=120, what="the webserver to list the runs",
        )  # fmt: skip
        origin = refresh["repositoryOrigin"]
        assert origin == {"repositoryLocationName": "ucj_pipeline", "repositoryName": "__repository__"}
        # The run list says who launched it ("user" is the tag it shows instead of "Manually launched"); the
        # bookkeeping tags are hidden (Dagster hides keys under `.dagster/`), so they take no visible tag slot.
        shown = {t["key"]: t["value"] for t in refresh["tags"]}  # what the UI gets
        assert shown["user"] == "ucj run (command line)"
        assert not [key for key in shown if "pid" in key or "host" in key]
        stored = DagsterInstance.from_config(str(home / "dagster_home")).get_run_by_id(refresh["runId"]).tags
        assert stored[".dagster/ucj_pid"].isdigit() and ".dagster/ucj_host" in stored  # kept for `ucj`
        selector = {**origin, "pipelineName": "refresh_warehouse_job"}
        found = wait_for(
            lambda: graphql(port, JOB, {"selector": selector})["data"]["pipelineOrError"]["__typename"] == "Pipeline"
            or None, timeout=120, what="the code location to load",
        )  # fmt: skip
        assert found  # the UI finds the run's job, so it does not warn on "Re-execute"
        launched = graphql(port, REEXECUTE, {"params": {"parentRunId": refresh["runId"], "strategy": "ALL_STEPS"}})
        result = launched["data"]["launchPipelineReexecution"]
        assert result["__typename"] == "LaunchRunSuccess", result
        again = result["run"]["runId"]
        wait_for(lambda: runs(port)[again]["status"] in ("SUCCESS", "FAILURE"), timeout=240, what="the re-execution")
        assert runs(port)[again]["status"] == "SUCCESS"
