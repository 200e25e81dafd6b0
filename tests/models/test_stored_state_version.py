"""When the national de-duplication's stored rows are recomputed in full: when what computed them changes (its SQL,
the SQL it reads, the engine), not whenever any code of the release changes (a full run took 245 s at 62 M rows)."""

from dataclasses import replace
from datetime import date

from tests.conftest import small_extracts
from ucj_pipeline.contract.pseudonymise import DEV_KEY
from ucj_pipeline.contract.reference_data import REFERENCE_TABLES, known_branch_codes
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch, lake
from ucj_pipeline.ingest.landing_store import open_landing
from ucj_pipeline.models.sql_models import ModelSession, project_models, stored_state_version
from ucj_pipeline.runtime.paths import UcjPaths

AS_OF = date(2025, 11, 30)
MODEL = "int_covered_workers"


def with_sql(models, name, sql):
    return {**models, name: replace(models[name], sql=sql)}


def test_the_version_follows_the_model_and_what_it_reads_only():
    models = project_models()
    version = stored_state_version(models[MODEL], models)
    mart = with_sql(models, "coverage_regency", models["coverage_regency"].sql + "\n-- reworded")
    assert stored_state_version(mart[MODEL], mart) == version  # a mart downstream: not what computed the rows

    for changed in (MODEL, "int_current_participants", "stg_participant_snapshots", "int_branch_snapshot_status"):
        edited = with_sql(models, changed, models[changed].sql.replace("select", "select distinct", 1))
        assert stored_state_version(edited[MODEL], edited) != version, changed


def lake_of_two_branches(tmp_path) -> UcjPaths:
    paths = UcjPaths(tmp_path / "home").ensure()
    for name, build in REFERENCE_TABLES.items():
        lake.write_parquet(build(), lake.reference_path(paths.lake, name), lake.SCHEMAS[name])
    small_extracts(paths.landing)
    store, known = open_landing(str(paths.landing)), known_branch_codes()
    settings = IngestSettings(paths, DEV_KEY.encode())
    for branch in ("PALOPO", "MAKASSAR"):
        deliveries = [store.delivery(f.name) for f in store.list_files()]
        outcomes = ingest_branch(branch, deliveries, settings, known, date(2025, 12, 1))
        assert [o.outcome for o in outcomes] == ["accepted"]
    return paths


def refresh(paths: UcjPaths, models):
    with ModelSession(models, paths.lake, AS_OF, paths.tmp) as session:
        session.run(models["int_branch_snapshot_status"])
        return session.run(models[MODEL])


def test_a_release_that_changes_only_a_mart_keeps_the_stored_rows(tmp_path):
    paths = lake_of_two_branches(tmp_path)
    models = project_models()
    first = refresh(paths, models)
    assert first.groups_changed is None and first.row_count == 49  # a full run: people 1-30 and 15-49

    mart = with_sql(models, "coverage_regency", models["coverage_regency"].sql + "\n-- reworded")
    assert refresh(paths, mart).groups_changed == 0  # nothing to recompute

    upstream = with_sql(models, "stg_participant_snapshots", models["stg_participant_snapshots"].sql + "\n-- edited")
    again = refresh(paths, upstream)
    assert again.groups_changed is None and again.row_count == 49  # what computed the rows changed: in full
