"""The column contract (dbt_like_sql/schema.yml) is the one definition of every stored and published column: a
change to it reaches the lake schema, the Dagster column schema, the published DuckDB comment and type, and the
Great Expectations suite, with no other file edited."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from ucj_pipeline.contract.columns import ARROW_TYPES, ColumnContract, ContractError, contract
from ucj_pipeline.contract.row_preparation import PARTICIPANT_COLUMNS, participant_sql
from ucj_pipeline.ingest import lake
from ucj_pipeline.runtime.paths import PROJECT_ROOT, SQL_MODELS_DIR

pytestmark = pytest.mark.slow(25)  # seconds, for the test order (conftest)

CHANGED_TEXT = "Data rows the file held (CHANGED IN THE CONTRACT)."


def changed_contract(folder: Path) -> Path:
    """A copy of schema.yml where rows_read has a new description (glossary) and extract_files.rows_read a new
    type."""
    text = (SQL_MODELS_DIR / "schema.yml").read_text(encoding="utf-8")
    old_text = "  rows_read: Data rows read from the file.\n"
    old_type = "    rows_read: {type: BIGINT}\n"
    assert text.count(old_text) == 1 and text.count(old_type) == 1
    text = text.replace(old_text, f"  rows_read: {CHANGED_TEXT}\n").replace(
        old_type, "    rows_read: {type: INTEGER}\n"
    )
    folder.mkdir()
    (folder / "schema.yml").write_text(text, encoding="utf-8")
    return folder


PROBE = """
import json, sys, warnings
from pathlib import Path
import ucj_pipeline.contract.columns as column_contract
column_contract.CONTRACT_ROOT = Path(sys.argv[1])  # before anything reads the contract
warnings.simplefilter("ignore")

import duckdb
import pandas as pd
from ucj_pipeline.ingest import lake
from ucj_pipeline.orchestration.definitions import build_definitions
defs = build_definitions()
from assets.warehouse_assets import published_suites, PUBLISHED
from ucj_pipeline.contract.columns import describe_columns
from ucj_pipeline.runtime.paths import UcjPaths
from ucj_pipeline.models.sql_models import project_models
from ucj_pipeline.publish.storage import Storage
from ucj_pipeline.publish.warehouse import build_warehouse

home = Path(sys.argv[2])
out = {}
field = lake.SCHEMAS["extract_files"].field("rows_read")
out["lake"] = [str(field.type), field.metadata[b"description"].decode()]
specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
for asset in ("extract_files", "quality_ingest_log"):
    [column] = [c for c in specs[asset].metadata["dagster/column_schema"].columns if c.name == "rows_read"]
    out[f"dagster_{asset}"] = [column.type, column.description]

# Ingest writes a log row with the contract's schema; the models and the publish carry it to the published file.
row = dict.fromkeys(lake.SCHEMAS["extract_files"].names)
row.update(file_name="SINJAI_20251231.csv", branch_code="SINJAI", outcome="accepted", rows_read=7, rows_accepted=7,
           processed_at=pd.Timestamp("2025-12-31T01:00Z"), snapshot_date=pd.Timestamp("2025-12-31").date())
lake.write_log_row(home / "lake", row, "probe")
storage = Storage(UcjPaths(home).ensure(), project_models())
with storage.model_session(pd.Timestamp("2025-12-31").date()) as session:
    for model in ("stg_extract_files", "quality_ingest_log"):
        session.run(storage.models[model])
[published] = [m for m in PUBLISHED if m.name == "quality_ingest_log"]
from assets.sql_model_assets import SQL_MODEL_COLUMNS
tables = [t for t in storage.published_tables(
    {m.name: describe_columns([c for c, _ in SQL_MODEL_COLUMNS[m.name]], m.name) for m in PUBLISHED}
) if t.qualified_name == "quality.ingest_log"]
built = build_warehouse(tables, home / "published.duckdb")
with duckdb.connect(str(built), read_only=True) as con:
    out["published"] = list(con.execute(
        "SELECT data_type, comment FROM duckdb_columns() WHERE table_name = 'ingest_log' AND column_name = 'rows_read'"
    ).fetchone())
[suite] = [s for s in published_suites() if s.name == "quality_ingest_log"]
[exists] = [kw for kind, kw in suite.expectations if kind == "ExpectColumnToExist" and kw["column"] == "rows_read"]
out["ge_suite"] = [exists["meta"]["type"], exists["meta"]["description"], exists["notes"]]
print(json.dumps(out))
"""


def test_a_change_in_the_contract_reaches_every_place_that_shows_the_column(tmp_path):
    root = changed_contract(tmp_path / "contract")
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), str(home)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["lake"] == ["int32", CHANGED_TEXT]
    assert seen["dagster_extract_files"] == ["INTEGER", CHANGED_TEXT]
    assert seen["dagster_quality_ingest_log"] == ["INTEGER", CHANGED_TEXT]  # the SQL carries the type on
    assert seen["published"] == ["INTEGER", CHANGED_TEXT]
    assert seen["ge_suite"] == ["INTEGER", CHANGED_TEXT, f"INTEGER: {CHANGED_TEXT}"]
    # And as the project stands, the same places show the committed contract.
    assert lake.SCHEMAS["extract_files"].field("rows_read").type == pa.int64()


def test_lake_schemas_are_the_contracts_types_in_the_contracts_order():
    for table in lake.LAKE_TABLES:
        declared = [(name, ARROW_TYPES[kind]) for name, kind in contract().typed_columns(table)]
        assert [(f.name, f.type) for f in lake.SCHEMAS[table]] == declared, table


def test_ingest_derives_exactly_the_participant_columns_the_contract_stores():
    columns = contract().typed_columns(lake.PARTICIPANT_SNAPSHOTS)
    assert [name for name, _ in columns] == list(PARTICIPANT_COLUMNS)
    with pytest.raises(ValueError, match="not \\['favourite_colour'\\]"):
        participant_sql([*columns, ("favourite_colour", "VARCHAR")])


def test_staging_models_read_the_lake_tables_whole():
    # The select lists are not written again: staging takes the contract's columns with `*`.
    for name in ("stg_extract_files", "stg_row_issues", "stg_targets", "stg_regions", "stg_worker_bases"):
        sql = (SQL_MODELS_DIR / "staging" / f"{name}.sql").read_text(encoding="utf-8")
        assert "select *\n" in sql, name


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("    rows_read: {type: BIGNUM}\n", "type 'BIGNUM'"),
        ("    rows_read: {type: BIGINT, tests: [always_right]}\n", "unknown test 'always_right'"),
        ("    no_such_glossary_entry: shared\n", "the glossary has no no_such_glossary_entry"),
    ],
)
def test_a_broken_contract_is_refused_naming_the_table_and_column(tmp_path, entry, message):
    text = (SQL_MODELS_DIR / "schema.yml").read_text(encoding="utf-8")
    text = text.replace("    rows_read: {type: BIGINT}\n", entry, 1)
    (tmp_path / "contract").mkdir()
    (tmp_path / "contract" / "schema.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ContractError, match=message) as raised:
        ColumnContract(tmp_path / "contract")
    assert "extract_files." in str(raised.value)


def test_the_contract_folder_is_the_projects(tmp_path):
    (tmp_path / "contract").mkdir()
    shutil.copy(SQL_MODELS_DIR / "schema.yml", tmp_path / "contract" / "schema.yml")
    assert ColumnContract(tmp_path / "contract").tables == contract().tables
