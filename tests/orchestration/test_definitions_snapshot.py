"""A snapshot of the code location as `dg list defs` sees it: asset keys with their group, kinds and dependencies,
asset checks, jobs, resources, schedules and sensors. A change to the graph changes tests/snapshots/definitions.json,
so it shows in review; `make snapshot` rewrites the file after an intended change."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ucj_pipeline.runtime.paths import PROJECT_ROOT

SNAPSHOT = PROJECT_ROOT / "tests" / "snapshots" / "definitions.json"
UPDATE_ENV = "UCJ_UPDATE_SNAPSHOTS"


def listed_definitions() -> dict:
    """`dg list defs --json`, reduced to what the graph is (descriptions and owners change without changing it)."""
    with tempfile.TemporaryDirectory() as dagster_home:
        Path(dagster_home, "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        env = {**os.environ, "DAGSTER_HOME": dagster_home, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)}
        listed = subprocess.run([str(Path(sys.executable).parent / "dg"), "list", "defs", "--json"], cwd=PROJECT_ROOT,
                                env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert listed.returncode == 0, listed.stderr[-3000:]
    found = json.loads(listed.stdout)
    return {
        "assets": {
            a["asset_key"]: {
                "group": a["group_name"],
                "kinds": sorted(a["kinds"]),
                "deps": sorted(a["dependency_keys"]),
            }
            for a in found["assets"]
        },
        "asset_checks": sorted(c["key"] for c in found["asset_checks"]),
        "jobs": sorted(j["name"] for j in found["jobs"]),
        "resources": {r["name"]: r["type"] for r in found["resources"]},
        "schedules": {s["name"]: s["cron_schedule"] for s in found["schedules"]},
        "sensors": sorted(s["name"] for s in found["sensors"]),
    }


def test_the_definitions_match_the_reviewed_snapshot():
    current = listed_definitions()
    if os.environ.get(UPDATE_ENV):
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text()), (
        f"the definitions changed: if intended, run `make snapshot` ({UPDATE_ENV}=1) and commit {SNAPSHOT.name}"
    )
