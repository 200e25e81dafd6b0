"""`make ui` (`ucj ui`, i.e. `dagster dev`) serves the asset graph: start it for real and ask its GraphQL API."""

import time

import pytest

from tests.dagster_dev import dagster_dev, graphql
from tests.test_definitions import EXPECTED_ASSETS

QUERY = """
{ assetNodes { assetKey { path } groupName description
    metadataEntries { label ... on TableSchemaMetadataEntry { schema { columns { name } } } } } }
"""

SCHEDULES = """
{ schedulesOrError(repositorySelector: {repositoryName: "__repository__", repositoryLocationName: "ucj_pipeline"}) {
    ... on Schedules { results { name cronSchedule executionTimezone } }
    ... on PythonError { message } } }
"""


@pytest.fixture
def dagster_ui(tmp_path):
    with dagster_dev(tmp_path) as port:
        yield port


def test_ui_serves_every_asset_with_description_and_group(dagster_ui):
    deadline = time.monotonic() + 90
    while True:  # the code location loads in the background after the server answers
        nodes = graphql(dagster_ui, QUERY).get("data", {}).get("assetNodes") or []
        if nodes or time.monotonic() > deadline:
            break
        time.sleep(2)
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert set(by_key) == EXPECTED_ASSETS
    assert all(n["description"] and n["groupName"] != "default" for n in nodes)
    assert by_key["coverage_regency"]["groupName"] == "marts"
    assert by_key["participant_snapshots"]["groupName"] == "ingest"
    schemas = {
        k: [c["name"] for e in n["metadataEntries"] if "schema" in e for c in e["schema"]["columns"]]
        for k, n in by_key.items()
    }
    files = {"ucj_warehouse", "target_report"}  # a database file and an HTML page, not tables
    assert all(schemas[k] for k in by_key if k not in files), "every table asset shows its columns"
    assert "covered_workers" in schemas["coverage_regency"]
    assert "required_monthly_net_new" in schemas["target_tracking"]

    schedules = graphql(dagster_ui, SCHEDULES)["data"]["schedulesOrError"]["results"]
    assert [(s["name"], s["cronSchedule"], s["executionTimezone"]) for s in schedules] == [
        ("daily_coverage_refresh", "0 6 * * *", "Asia/Jakarta")
    ]
