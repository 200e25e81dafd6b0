"""A lake written before the participant key became a number: its snapshot files hold 64 hex digits. Read beside new
files, the same person is one person; the next refresh rewrites the old files once, with the keys ingest computes
now, and the figures do not move. The file the de-duplication was stored in before it was kept incrementally goes."""

import hashlib
import hmac

import duckdb
from dagster import AssetKey, DagsterInstance, materialize

from assets.ingest_assets import ingest_branch_extracts
from assets.reference_assets import reference_assets
from assets.sql_model_assets import sql_models
from resources import AS_OF_DATE_TAG, LandingArea, PipelineSettings
from tests.factories import make_nik, row, write_extract
from ucj_pipeline.contract.pseudonymise import DEV_KEY, participant_key
from ucj_pipeline.ingest import lake

AS_OF = {AS_OF_DATE_TAG: "2025-11-30"}


def key_column(path) -> tuple[str, list]:
    con = duckdb.connect()
    [(kind,)] = con.execute(f"SELECT DISTINCT typeof(participant_key) FROM read_parquet('{path}')").fetchall()
    return kind, [r[0] for r in con.execute(f"SELECT participant_key FROM read_parquet('{path}')").fetchall()]


def write_as_before(path, niks: list[str]) -> str:
    """The file as ingest wrote it before: each key the whole HMAC-SHA256 in hex. Returns its stored_snapshot_id."""
    hex_of = {participant_key(n, DEV_KEY.encode()): hmac.new(DEV_KEY.encode(), n.encode(), hashlib.sha256).hexdigest()
              for n in niks}  # fmt: skip
    con = duckdb.connect()
    con.execute(f"CREATE TABLE snapshot AS FROM read_parquet('{path}')")
    con.execute("CREATE TABLE hex_of (number DECIMAL(38, 0), hex VARCHAR)")
    con.executemany("INSERT INTO hex_of VALUES (?, ?)", [(str(k), v) for k, v in hex_of.items()])
    con.execute(f"COPY (SELECT * REPLACE (hex AS participant_key) FROM snapshot JOIN hex_of ON number = "
                f"participant_key ORDER BY source_row) TO '{path}' (FORMAT parquet)")  # fmt: skip
    return con.execute("SELECT any_value(stored_snapshot_id) FROM snapshot").fetchone()[0]


def test_hex_keyed_snapshots_count_as_the_same_people_and_are_rewritten_once(tmp_path, monkeypatch):
    instance = DagsterInstance.ephemeral()
    landing = tmp_path / "landing"
    settings = PipelineSettings(ucj_home=str(tmp_path))
    resources = {"settings": settings, "landing_area": LandingArea(location=str(landing), settle_seconds=0)}
    instance.add_dynamic_partitions("branch", ["PALOPO", "MAKASSAR"])
    palopo, makassar = [make_nik(serial=i) for i in range(1, 41)], [make_nik(serial=i) for i in range(30, 61)]
    write_extract(landing, "PALOPO_20251130.csv", [row(NIK=n) for n in palopo])
    write_extract(landing, "MAKASSAR_20251130.csv", [row(NIK=n, KODE_WILAYAH="73.71") for n in makassar])
    for branch in ("PALOPO", "MAKASSAR"):
        materialize([ingest_branch_extracts], partition_key=branch, instance=instance, resources=resources, tags=AS_OF)
    old = lake.snapshot_path(tmp_path / "lake", "PALOPO", "2025-11-30")
    snapshot_id = write_as_before(old, palopo)
    assert key_column(old)[0] == "VARCHAR" and lake.hex_keyed(tmp_path / "lake") == [old]

    # Read beside Makassar's new file, before any upgrade: every key is the number ingest computes now.
    snapshots = lake.table_sql(tmp_path / "lake", lake.PARTICIPANT_SNAPSHOTS)
    with duckdb.connect() as con:
        keys = {r[0] for r in con.execute(f"SELECT participant_key FROM {snapshots}").fetchall()}
    assert keys == {participant_key(n, DEV_KEY.encode()) for n in palopo + makassar}

    table_era = lake.model_path(tmp_path / "lake", "int_covered_workers")  # before the model was incremental
    table_era.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(f"COPY (SELECT 1 AS participant_key) TO '{table_era}' (FORMAT parquet)")
    refresh = materialize([*reference_assets, sql_models], instance=instance, resources=resources, tags=AS_OF)
    assert not table_era.exists()
    [covered] = [
        e for e in refresh.get_asset_materialization_events() if e.asset_key == AssetKey("int_covered_workers")
    ]
    assert covered.materialization.metadata["dagster/row_count"].value == 60  # people 30 to 40 counted once
    kind, keys = key_column(old)  # rewritten, with the keys a new ingest writes, its snapshot id kept
    assert kind == "DECIMAL(38,0)" and sorted(keys) == sorted(participant_key(n, DEV_KEY.encode()) for n in palopo)
    assert duckdb.sql(f"SELECT DISTINCT stored_snapshot_id FROM read_parquet('{old}')").fetchall() == [(snapshot_id,)]
    assert lake.hex_keyed(tmp_path / "lake") == []
    logs = [e.message for e in instance.all_logs(refresh.run_id) if e.user_message]
    assert any("lake migration numeric_participant_keys: 1 snapshot files from before numeric" in m for m in logs)
    record = lake.migration_record(tmp_path / "lake", lake.NUMERIC_KEYS)
    assert record["files_rewritten"] == 1 and record["applied_at"]

    looked = []  # recorded: the next refresh neither runs the migration nor reads a snapshot file's footer for it
    monkeypatch.setattr(lake, "upgrade_hex_keys", lambda *args: looked.append(args) or 0)
    monkeypatch.setattr(lake, "hex_keyed", lambda *args: looked.append(args) or [])
    again = materialize([*reference_assets, sql_models], instance=instance, resources=resources, tags=AS_OF)
    assert looked == [] and lake.migration_record(tmp_path / "lake", lake.NUMERIC_KEYS) == record
    [kept] = [e for e in again.get_asset_materialization_events() if e.asset_key == AssetKey("int_covered_workers")]
    assert (kept.materialization.metadata["groups_changed"].value, kept.materialization.metadata[
        "dagster/row_count"].value) == (0, 60)  # fmt: skip
