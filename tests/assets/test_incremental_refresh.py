"""A refresh proportional to the change: after every delivery of a sequence (a new branch, a resend, a rejected
file, a late file, an earlier reporting date), the incrementally kept national de-duplication (`int_covered_workers`)
and the coverage built on it equal a full recomputation from the lake, row for row."""

from datetime import date

from dagster import AssetKey, DagsterInstance, materialize

from assets.ingest_assets import ingest_branch_extracts
from assets.reference_assets import reference_assets
from assets.sql_model_assets import sql_models
from resources import AS_OF_DATE_TAG, LandingArea, PipelineSettings
from tests.factories import HEADER, make_nik, row, write_extract
from ucj_pipeline.models.incremental_models import with_source
from ucj_pipeline.models.sql_models import connect_for_model, project_models, topological_order

MODEL = "int_covered_workers"
COUNTS = "int_covered_worker_counts"  # kept part by part over MODEL
MAKASSAR_CITY = "73.71"


def people(serials, **overrides) -> list[dict]:
    return [row(NIK=make_nik(serial=i), **overrides) for i in serials]


def test_every_incremental_refresh_equals_a_full_recomputation(tmp_path):
    instance = DagsterInstance.ephemeral()
    landing = tmp_path / "landing"
    settings = PipelineSettings(ucj_home=str(tmp_path))
    resources = {"settings": settings, "landing_area": LandingArea(location=str(landing), settle_seconds=0)}
    instance.add_dynamic_partitions("branch", ["PALOPO", "MAKASSAR", "SINJAI"])
    seen = []

    def deliver_and_refresh(as_of: str, branches: list[str]) -> dict:
        for branch in branches:
            materialize([ingest_branch_extracts], partition_key=branch, instance=instance, resources=resources,
                        raise_on_error=False, tags={AS_OF_DATE_TAG: as_of})  # fmt: skip
        refresh = materialize([*reference_assets, sql_models], instance=instance, resources=resources,
                              tags={AS_OF_DATE_TAG: as_of})  # fmt: skip
        events = {e.asset_key: e.materialization.metadata for e in refresh.get_asset_materialization_events()}
        kept = {k: v.value for k, v in events[AssetKey(MODEL)].items()}
        kept["counts_parts_changed"] = events[AssetKey(COUNTS)].get("groups_changed")
        assert_equals_full_recomputation(tmp_path / "lake", date.fromisoformat(as_of))
        seen.append(kept)
        return kept

    # 1. The first refresh runs in full: Palopo, and Makassar who also has some of Palopo's people.
    write_extract(landing, "PALOPO_20251130.csv", people(range(1, 41)))
    write_extract(landing, "MAKASSAR_20251130.csv",
                  people(range(30, 61), KODE_WILAYAH=MAKASSAR_CITY, TGL_KEPESERTAAN="2023-06-01"))  # fmt: skip
    first = deliver_and_refresh("2025-11-30", ["PALOPO", "MAKASSAR"])
    assert "groups_changed" not in first and first["dagster/row_count"] == 60

    # 2. A new branch: Sinjai, with a newer snapshot holding people of both (its records win for them).
    write_extract(landing, "SINJAI_20251231.csv", people(range(35, 71), KODE_WILAYAH="73.07"))
    second = deliver_and_refresh("2025-12-31", ["SINJAI"])
    assert (second["groups_changed"], second["dagster/row_count"]) == (1, 70)

    # 3. A resend of Sinjai's snapshot: the same people, but 51 to 70 no longer covered (Palopo's and Makassar's
    #    records count for some of them again). Same rows, same people: only the rows' content tells the change.
    resend = people(range(35, 51), KODE_WILAYAH="73.07") + people(range(51, 71), KODE_WILAYAH="73.07",
                                                                    STATUS="NONAKTIF")  # fmt: skip
    write_extract(landing, "SINJAI_20251231_01.csv", resend)
    third = deliver_and_refresh("2025-12-31", ["SINJAI"])
    assert (third["groups_changed"], third["dagster/row_count"]) == (1, 60)

    # 4. A rejected file (a column missing): nothing of it counts, nothing is recomputed.
    write_extract(landing, "MAKASSAR_20251231.csv", people(range(1, 5)), header=[h for h in HEADER if h != "PROGRAM"])
    fourth = deliver_and_refresh("2025-12-31", ["MAKASSAR"])
    assert (fourth["groups_changed"], fourth["keys_recomputed"], fourth["dagster/row_count"]) == (0, 0, 60)
    assert fourth["counts_parts_changed"].value == 0

    # 5. A late file: Palopo's October snapshot arrives after November's, and changes nothing current.
    write_extract(landing, "PALOPO_20251031.csv", people(range(1, 11)))
    fifth = deliver_and_refresh("2025-12-31", ["PALOPO"])
    assert fifth["groups_changed"] == 0

    # 6. Figures for an earlier date: Sinjai's snapshot is not yet current, the others' are.
    sixth = deliver_and_refresh("2025-12-15", [])
    assert (sixth["groups_changed"], sixth["dagster/row_count"]) == (1, 60)
    assert len(seen) == 6


def assert_equals_full_recomputation(lake, as_of: date) -> None:
    """Every incremental model as kept (the de-duplication, and the counts kept part by part over it), and its SQL
    run in full over the same lake, on the full runs before it: the same rows, each as often."""
    models = project_models()
    kept_models = [n for n in topological_order(models) if models[n].materialized == "incremental"]
    assert kept_models == [MODEL, COUNTS]
    reads = {t for n in kept_models for t in (n, *models[n].depends_on)}
    with connect_for_model(tuple(reads), models, lake, as_of) as con:
        for name in kept_models:
            source = models[name].incremental.source
            sql = with_source(models[name].sql, source, f"full_{source}") if source in kept_models else models[name].sql
            con.execute(f"CREATE TEMP TABLE full_{name} AS {sql}")
            kept_only = con.execute(f"SELECT count(*) FROM (FROM {name} EXCEPT ALL FROM full_{name})").fetchone()[0]
            full_only = con.execute(f"SELECT count(*) FROM (FROM full_{name} EXCEPT ALL FROM {name})").fetchone()[0]
            rows = con.execute(f"SELECT count(*) FROM full_{name}").fetchone()[0]
            assert (kept_only, full_only) == (0, 0), f"{name}: {kept_only} rows only as kept, {full_only} only in full"
            assert rows > 0
