"""`make ui` (`ucj ui`, i.e. `dagster dev`) serves the asset graph: start it for real and ask its GraphQL API; and
the authenticating proxy recipe (deploy/nginx-ucj.conf) in front of it refuses anyone without credentials."""

import base64
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.dagster_dev import dagster_dev, free_port, graphql
from ucj_pipeline.orchestration.definitions import build_definitions
from ucj_pipeline.runtime.paths import PROJECT_ROOT

defs = build_definitions()

pytestmark = pytest.mark.slow(30)  # seconds, for the test order (conftest)

QUERY = """
{ assetNodes { assetKey { path } groupName description
    metadataEntries { label ... on TableSchemaMetadataEntry { schema { columns { name } } } } } }
"""

SCHEDULES = """
{ schedulesOrError(repositorySelector: {repositoryName: "__repository__", repositoryLocationName: "ucj_pipeline"}) {
    ... on Schedules { results { name cronSchedule executionTimezone } }
    ... on PythonError { message } } }
"""


PROXY = PROJECT_ROOT / "scripts" / "ucj-proxy.sh"


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory):
    with dagster_dev(tmp_path_factory.mktemp("ucj")) as port:
        yield port


def _get(url: str, user: str | None = None, password: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_ui_listens_on_this_machine_only(dagster_ui):
    out = subprocess.run(["ss", "-ltnH", f"sport = :{dagster_ui}"], capture_output=True, text=True).stdout
    assert [line.split()[3] for line in out.splitlines()] == [f"127.0.0.1:{dagster_ui}"]


def test_the_proxy_recipe_refuses_requests_without_credentials(dagster_ui):
    # Started as root (as here), nginx's workers run as www-data: they must be able to reach the users file, as
    # under /etc/nginx in production; pytest's own temporary folders are closed to other users.
    folder = Path(tempfile.mkdtemp(prefix="ucj-proxy-"))
    folder.chmod(0o711)
    users, rundir, port = folder / "users", folder / "proxy", free_port()
    password = "correct horse battery staple"
    subprocess.run(["bash", str(PROXY), "adduser", str(users), "operator"], check=True,
                   env={"PATH": "/usr/bin:/bin:/usr/sbin", "UCJ_PROXY_PASSWORD": password})  # fmt: skip
    subprocess.run(["bash", str(PROXY), "start", str(rundir), f"127.0.0.1:{port}", f"127.0.0.1:{dagster_ui}",
                    str(users)], check=True)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        assert _get(f"{base}/server_info")[0] == 401
        assert _get(f"{base}/graphql?query=%7Bversion%7D")[0] == 401
        assert _get(f"{base}/server_info", "operator", "wrong password")[0] == 401
        status, body = _get(f"{base}/server_info", "operator", password)
        assert status == 200 and b"dagster_webserver_version" in body
    finally:
        subprocess.run(["bash", str(PROXY), "stop", str(rundir)], check=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_ui_serves_every_asset_with_description_and_group(dagster_ui):
    deadline = time.monotonic() + 90
    while True:  # the code location loads in the background after the server answers
        nodes = graphql(dagster_ui, QUERY).get("data", {}).get("assetNodes") or []
        if nodes or time.monotonic() > deadline:
            break
        time.sleep(2)
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert set(by_key) == {key.to_user_string() for key in defs.resolve_all_asset_keys()}  # every asset, no other
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
