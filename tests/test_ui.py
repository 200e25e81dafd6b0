"""`make ui` (`ucj ui`, i.e. `dagster dev`) serves the asset graph: start it for real and ask its GraphQL API."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_definitions import EXPECTED_ASSETS

BIN = Path(sys.executable).parent
QUERY = """
{ assetNodes { assetKey { path } groupName description
    metadataEntries { label ... on TableSchemaMetadataEntry { schema { columns { name } } } } } }
"""

SCHEDULES = """
{ schedulesOrError(repositorySelector: {repositoryName: "__repository__", repositoryLocationName: "ucj_pipeline"}) {
    ... on Schedules { results { name cronSchedule executionTimezone } }
    ... on PythonError { message } } }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture
def dagster_ui(tmp_path):
    port = free_port()
    env = {**os.environ, "UCJ_HOME": str(tmp_path)}
    env.pop("DAGSTER_HOME", None)
    log = open(tmp_path / "ui.log", "w")  # noqa: SIM115 - held open for the server's whole life
    # Its own process group: `dagster dev` starts the webserver, the daemon and code servers as children.
    process = subprocess.Popen([str(BIN / "ucj"), "ui", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "ui.log").read_text()[-3000:]) from None
                time.sleep(1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


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
