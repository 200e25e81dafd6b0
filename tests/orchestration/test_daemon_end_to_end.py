"""Event-driven, through the real daemon: `dagster dev` runs on 127.0.0.1, a branch drops a file into the landing
area, and without anyone pressing a button the sensor runs the branch's partition and the refresh sensor refreshes the
published marts. Seen through the GraphQL API and the published file, within a bounded time."""

import duckdb
import pytest

from tests.dagster_dev import dagster_dev, graphql, wait_for
from tests.factories import make_nik, row, write_extract

pytestmark = pytest.mark.slow(70)  # seconds, for the test order (conftest)

RUNS = """
query Runs($partition: String!) {
  runsOrError(filter: {tags: [{key: "dagster/partition", value: $partition}]}) {
    ... on Runs { results { runId jobName status tags { key value } } }
  }
}
"""
WAREHOUSE = """
{ assetOrError(assetKey: {path: ["ucj_warehouse"]}) {
    ... on Asset { assetMaterializations(limit: 1) { runId timestamp } } } }
"""


def test_a_dropped_file_runs_its_branch_and_refreshes_the_marts(tmp_path):
    home = tmp_path / "ucj"
    with dagster_dev(home, UCJ_SETTLE_SECONDS="1") as port:
        people = [row(NIK=make_nik(serial=i)) for i in range(1, 26)]  # 25 covered workers in Enrekang
        staging = write_extract(tmp_path / "outbox", "PALOPO_20251130.csv", people)
        staging.rename(home / "landing" / staging.name)  # the transfer job renames when done

        def palopo_succeeded():
            runs = graphql(port, RUNS, {"partition": "PALOPO"})["data"]["runsOrError"]["results"]
            return [r for r in runs if r["jobName"] == "ingest_branch_job" and r["status"] == "SUCCESS"]

        [ingest] = wait_for(palopo_succeeded, timeout=240, what="the PALOPO ingest run to succeed")
        assert {t["key"]: t["value"] for t in ingest["tags"]}["dagster/sensor_name"] == "landing_area_sensor"

        def enrekang_published():
            published = home / "warehouse" / "ucj.duckdb"
            if not published.exists():
                return None
            with duckdb.connect(str(published), read_only=True) as con:
                rows = con.execute(
                    "SELECT covered_workers FROM marts.coverage_regency WHERE regency_code = '73.16'"
                ).fetchall()
            return rows == [(25,)]

        wait_for(enrekang_published, timeout=360, interval=5, what="the marts to count the new file")
        # The file is swapped in before the step's materialisation event is written: wait for the event too.
        latest = wait_for(
            lambda: graphql(port, WAREHOUSE)["data"]["assetOrError"]["assetMaterializations"],
            timeout=60, what="the publish's materialisation event",
        )  # fmt: skip
        assert (
            latest and latest[0]["runId"] != ingest["runId"]
        )  # a refresh run of its own, asked for by the refresh sensor
    assert not (home / "landing" / "PALOPO_20251130.csv").exists()  # archived by ingest
