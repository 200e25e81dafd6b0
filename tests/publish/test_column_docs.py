"""Every column of every asset is described with text meant for that table (dbt_like_sql/schema.yml), and the marts
show which lake columns feed them (column lineage derived from the SQL)."""

from dagster import AssetKey, UrlCodeReference

from ucj_pipeline.contract.columns import contract, describe_columns
from ucj_pipeline.orchestration.definitions import build_definitions
from ucj_pipeline.runtime.paths import PROJECT_ROOT

defs = build_definitions()


def documented_tables() -> dict[str, dict[str, str]]:
    return {table: contract().descriptions(table) for table in contract().tables}


def table_assets() -> dict[str, list]:
    return {
        spec.key.to_user_string(): spec.metadata["dagster/column_schema"].columns
        for spec in defs.resolve_all_asset_specs()
        if "dagster/column_schema" in spec.metadata
    }


def test_every_column_of_every_asset_is_described_for_its_own_table():
    documented = documented_tables()
    assets = table_assets()
    assert set(assets) == set(documented), "schema.yml lists exactly the table assets"
    for table, columns in assets.items():
        names = [c.name for c in columns]
        assert names == list(documented[table]), f"{table}: schema.yml lists its columns, in order, none else"
        for column in columns:
            assert column.description == documented[table][column.name], f"{table}.{column.name}"
            assert len(column.description) > 10, f"{table}.{column.name}"


def test_a_shared_definition_is_chosen_per_table_not_matched_by_name():
    docs = documented_tables()
    # Names shared by unrelated columns: the participant's status is not the target's status rule; the log of
    # unusable entries is not the ingest log; a target's region is not any region.
    assert docs["participant_snapshots"]["status"] != docs["target_tracking"]["status"]
    assert "AKTIF" in docs["participant_snapshots"]["status"] and "on_track" in docs["target_tracking"]["status"]
    assert docs["misnamed_extract_files"]["outcome"] != docs["extract_files"]["outcome"]
    assert "national targets" in docs["targets"]["region_code"]


def test_published_tables_carry_the_same_comments_for_bi_tools(tmp_path):
    # The DuckDB COMMENT ON texts come from the same lookup as the UI's column schemas.
    columns = [c.name for c in table_assets()["coverage_regency"]]
    assert describe_columns(columns, "coverage_regency") == documented_tables()["coverage_regency"]


def test_marts_show_column_lineage_back_to_the_lake():
    lineage = {
        spec.key.to_user_string(): spec.metadata.get("dagster/column_lineage")
        for spec in defs.resolve_all_asset_specs()
    }
    counts = AssetKey("int_covered_worker_counts"), "covered_workers"
    coverage = lineage["coverage_regency"].deps_by_column["covered_workers"]
    assert {(d.asset_key, d.column_name) for d in coverage} == {counts}
    counted = lineage["int_covered_worker_counts"].deps_by_column["covered_workers"]
    assert {(d.asset_key, d.column_name) for d in counted} == {(AssetKey("int_covered_workers"), "participant_key")}
    pct = {(d.asset_key, d.column_name) for d in lineage["coverage_regency"].deps_by_column["coverage_pct"]}
    assert counts in pct
    assert any(key == AssetKey("stg_worker_bases") for key, _ in pct)
    staged = lineage["stg_participant_snapshots"].deps_by_column["is_covered"]
    assert {d.column_name for d in staged} == {"status", "has_jkk", "has_jkm"}
    assert {d.asset_key for d in staged} == {AssetKey("participant_snapshots")}
    marts = [k for k, spec in _sql_assets().items() if spec.group_name == "marts"]
    assert marts and all(lineage[k] is not None and lineage[k].deps_by_column for k in marts), "every mart"


def test_each_sql_model_shows_its_column_lineage_as_a_table_to_read():
    # The open-source UI draws no view of dagster/column_lineage: the same lineage is a table on the asset's page.
    for key, spec in _sql_assets().items():
        table = spec.metadata["column_lineage"].value
        columns = [c.name for c in spec.metadata["dagster/column_schema"].columns]
        assert table.splitlines()[:2] == ["| column | ← sources |", "|---|---|"], key
        assert [row.split("`")[1] for row in table.splitlines()[2:]] == columns, f"{key}: one row per column"
    regency = _sql_assets()["coverage_regency"].metadata["column_lineage"].value
    assert "| `covered_workers` | ← `int_covered_worker_counts.covered_workers` |" in regency.splitlines()
    assert "| `coverage_pct` | ← `int_covered_worker_counts.covered_workers`, `stg_worker_bases.workers` |" in regency
    assert "| `as_of_date` | none: the reporting date or a constant |" in regency


def test_sql_models_link_their_file_in_the_configured_repository_and_never_in_a_local_editor(monkeypatch):
    def references(defs) -> dict[str, list]:
        return {
            spec.key.to_user_string(): spec.metadata["dagster/code_references"].code_references
            for spec in defs.resolve_all_asset_specs()
            if "dagster/code_references" in spec.metadata
        }

    # Without UCJ_CODE_URL: no code reference (a vscode:// link opens only on the server's desktop); the file's
    # path in the repository is plain text.
    monkeypatch.delenv("UCJ_CODE_URL", raising=False)
    assert references(build_definitions()) == {}
    for key, spec in _sql_assets().items():
        assert (
            spec.metadata["sql_file"].endswith(f"/{key}.sql") and (PROJECT_ROOT / spec.metadata["sql_file"]).is_file()
        )

    monkeypatch.setenv("UCJ_CODE_URL", "https://github.com/bpjs/ucj-pipeline")
    monkeypatch.setenv("UCJ_CODE_BRANCH", "release/2026.1")
    linked = references(build_definitions())
    assert set(linked) == set(_sql_assets())
    base = "https://github.com/bpjs/ucj-pipeline/tree/release/2026.1/"
    for key, [reference] in linked.items():
        assert isinstance(reference, UrlCodeReference), key
        assert reference.url == f"{base}{_sql_assets()[key].metadata['sql_file']}#L1", key
    assert linked["coverage_regency"][0].url == f"{base}dbt_like_sql/marts/coverage_regency.sql#L1"


def _sql_assets():
    return {spec.key.to_user_string(): spec for spec in defs.resolve_all_asset_specs() if "sql_file" in spec.metadata}


def test_the_committed_manifest_is_up_to_date():
    # Columns and lineage are read from dbt_like_sql/manifest.json at import; `make manifest` rewrites it.
    import json

    from ucj_pipeline.models.sql_manifest import MANIFEST, build_manifest
    from ucj_pipeline.models.sql_models import discover_models

    assert json.loads(MANIFEST.read_text()) == build_manifest(discover_models()), "run `make manifest`"
