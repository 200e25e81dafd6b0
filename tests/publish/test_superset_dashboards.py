"""The dashboards kept as code (`bi/dashboards`, Superset's YAML export) against the published file's schema, without
Superset: every dataset reads a published table (a virtual one runs, in DuckDB, over empty tables with the published
columns and types), each of its columns exists there and carries the published description, every column and SQL
expression of every chart is its dataset's, and the database is read-only. A renamed or dropped published column
fails here, not in an analyst's dashboard."""

from pathlib import Path

import duckdb
import pytest
import sqlglot
import yaml
from sqlglot import exp

from ucj_pipeline.contract.columns import describe_columns
from ucj_pipeline.models.sql_manifest import load_manifest
from ucj_pipeline.models.sql_models import project_models
from ucj_pipeline.publish.superset import BiPaths, build_bundle, warehouse_uri

DASHBOARDS = BiPaths(Path("/nonexistent")).dashboards


def documents(kind: str) -> dict[str, dict]:
    return {
        str(p.relative_to(DASHBOARDS)): yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((DASHBOARDS / kind).rglob("*.yaml"))
    }


@pytest.fixture(scope="module")
def published() -> dict[str, dict[str, str]]:
    """schema.table -> column -> type, of every table the publish writes."""
    models = project_models()
    manifest = load_manifest(models)
    return {model.publish_as: dict(manifest[name]["columns"]) for name, model in models.items() if model.publish_as}


@pytest.fixture(scope="module")
def empty_warehouse(published):
    con = duckdb.connect()
    for schema in {name.split(".")[0] for name in published}:
        con.execute(f"CREATE SCHEMA {schema}")
    for name, columns in published.items():
        con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    yield con
    con.close()


def dataset_columns(dataset: dict, published: dict, con) -> dict[str, str]:
    """The dataset's columns as the published file gives them (name -> type)."""
    if dataset["sql"]:
        relation = con.sql(dataset["sql"])
        return {c: str(t) for c, t in zip(relation.columns, relation.types, strict=True)}
    name = f"{dataset['schema']}.{dataset['table_name']}"
    assert name in published, f"{name} is not a published table"
    return published[name]


def test_every_dataset_column_is_in_the_published_file_with_its_description(published, empty_warehouse):
    datasets = documents("datasets")
    assert len(datasets) >= 5
    for path, dataset in datasets.items():
        available = dataset_columns(dataset, published, empty_warehouse)
        declared = {c["column_name"]: c for c in dataset["columns"] if not c.get("expression")}
        assert declared.keys() <= available.keys(), (path, declared.keys() - available.keys())
        if not dataset["sql"]:  # a physical table: every column, described as the published comment says
            assert declared.keys() == available.keys(), (path, available.keys() - declared.keys())
            described = describe_columns(list(declared), dataset["table_name"])
            for name, column in declared.items():
                assert column["description"] == described[name], (path, name)
        for column in declared.values():
            assert column["description"], (path, column["column_name"])


def test_every_chart_column_and_expression_is_its_datasets(published, empty_warehouse):
    datasets = {d["uuid"]: d for d in documents("datasets").values()}
    charts = documents("charts")
    assert len(charts) >= 6
    for path, chart in charts.items():
        dataset = datasets[chart["dataset_uuid"]]
        columns = set(dataset_columns(dataset, published, empty_warehouse))
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        for name in _column_names(chart["params"]):
            assert name in columns, (path, name)
        for sql in _expressions(chart["params"]):
            for column in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Column):
                assert column.name in columns, (path, sql)
        for metric in _saved_metrics(chart["params"]):
            assert metric in metrics, (path, metric)


def test_the_dashboard_uses_every_chart_and_its_filters_read_published_columns(published, empty_warehouse):
    [dashboard] = documents("dashboards").values()
    assert dashboard["dashboard_title"] == "UCJ coverage" and dashboard["slug"] == "ucj-coverage"
    charts = {c["uuid"] for c in documents("charts").values()}
    placed = {node["meta"]["uuid"] for node in dashboard["position"].values() if isinstance(node, dict)
              and node.get("type") == "CHART"}  # fmt: skip
    assert placed == charts
    datasets = {d["uuid"]: d for d in documents("datasets").values()}
    filters = dashboard["metadata"]["native_filter_configuration"]
    assert {f["name"] for f in filters} == {"Province", "Regency"}
    for native in filters:
        for target in native["targets"]:
            columns = dataset_columns(datasets[target["datasetUuid"]], published, empty_warehouse)
            assert target["column"]["name"] in columns, native["name"]


def test_the_bundle_points_at_this_homes_file_read_only(tmp_path):
    home = tmp_path / "home"
    bundle = build_bundle(BiPaths(home), tmp_path / "bundle.zip")
    import zipfile

    with zipfile.ZipFile(bundle) as archive:
        [database] = [n for n in archive.namelist() if "/databases/" in n]
        uri = yaml.safe_load(archive.read(database))["sqlalchemy_uri"]
    assert uri == warehouse_uri(home / "warehouse" / "ucj.duckdb")
    assert uri.startswith("duckdb:////") and uri.endswith("/warehouse/ucj.duckdb?access_mode=read_only")


def _column_names(params: dict) -> list[str]:
    names = [params[k] for k in ("x_axis", "entity", "granularity_sqla") if isinstance(params.get(k), str)]
    for key in ("all_columns", "groupby", "columns"):
        names += [c for c in params.get(key) or [] if isinstance(c, str)]
    names += [yaml.safe_load(c)[0] for c in params.get("order_by_cols") or []]
    names += [f["subject"] for f in params.get("adhoc_filters") or [] if f.get("expressionType") == "SIMPLE"]
    return names


def _expressions(params: dict) -> list[str]:
    adhoc = [params.get("metric"), *(params.get("metrics") or []), *(params.get("adhoc_filters") or [])]
    return [m["sqlExpression"] for m in adhoc if isinstance(m, dict) and m.get("expressionType") == "SQL"]


def _saved_metrics(params: dict) -> list[str]:
    return [m for m in [params.get("metric"), *(params.get("metrics") or [])] if isinstance(m, str)]
