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
    assert len(datasets) >= 10
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
    assert len(charts) >= 11
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


DASHBOARDS_EXPECTED = {"ucj-coverage": "UCJ coverage", "benefits-budget": "Benefits and budget"}


def _placed(dashboard: dict) -> list[str]:
    """The uuids of the charts a dashboard's layout places (one per CHART node)."""
    return [node["meta"]["uuid"] for node in dashboard["position"].values() if isinstance(node, dict)
            and node.get("type") == "CHART"]  # fmt: skip


def test_every_chart_is_placed_on_exactly_one_dashboard():
    dashboards = {d["slug"]: d for d in documents("dashboards").values()}
    assert {slug: d["dashboard_title"] for slug, d in dashboards.items()} == DASHBOARDS_EXPECTED
    assert len({d["uuid"] for d in dashboards.values()}) == len(dashboards)
    charts = {c["uuid"]: c for c in documents("charts").values()}
    placements = [uuid for dashboard in dashboards.values() for uuid in _placed(dashboard)]
    assert sorted(placements) == sorted(charts), "a chart placed twice, on no dashboard, or not exported"
    for slug, dashboard in dashboards.items():
        placed = _placed(dashboard)
        assert len(placed) >= 5, slug
        for node in dashboard["position"].values():  # the layout names each chart as its export does
            if isinstance(node, dict) and node.get("type") == "CHART":
                assert node["meta"]["sliceName"] == charts[node["meta"]["uuid"]]["slice_name"], slug
        for parent in dashboard["position"]["GRID_ID"]["children"]:
            row = dashboard["position"][parent]
            assert sum(dashboard["position"][child]["meta"]["width"] for child in row["children"]) <= 12, parent
    assert len({c["slice_name"] for c in charts.values()}) == len(charts)  # looked up by name, as users do


def test_each_dashboards_filters_read_published_columns_of_the_charts_they_filter(published, empty_warehouse):
    datasets = {d["uuid"]: d for d in documents("datasets").values()}
    charts = {c["uuid"]: c for c in documents("charts").values()}
    for dashboard in documents("dashboards").values():
        slug = dashboard["slug"]
        ids = {node["meta"]["chartId"]: node["meta"]["uuid"] for node in dashboard["position"].values()
               if isinstance(node, dict) and node.get("type") == "CHART"}  # fmt: skip
        filters = dashboard["metadata"]["native_filter_configuration"]
        assert [f["name"] for f in filters] == ["Province", "Regency"], slug
        by_name = {f["name"]: f for f in filters}
        assert by_name["Regency"]["cascadeParentIds"] == [by_name["Province"]["id"]], slug
        for native in filters:
            [target] = native["targets"]
            column = target["column"]["name"]
            assert column in dataset_columns(datasets[target["datasetUuid"]], published, empty_warehouse), slug
            excluded = set(native["scope"]["excluded"])
            assert excluded <= ids.keys(), (slug, native["name"], excluded - ids.keys())
            in_scope = [ids[i] for i in ids.keys() - excluded]
            assert in_scope, (slug, native["name"])
            for uuid in in_scope:  # a chart the filter applies to has the column it filters on
                chart = charts[uuid]
                columns = dataset_columns(datasets[chart["dataset_uuid"]], published, empty_warehouse)
                assert column in columns, (slug, native["name"], chart["slice_name"])


# Whole-number columns that are not counts of workers or rupiah: shown without thousands separators.
NOT_AMOUNTS = {"year", "months_due", "months_complete", "path_months", "days_since_snapshot"}


def test_worker_counts_and_rupiah_amounts_have_thousands_separators_and_are_never_added_up(published, empty_warehouse):
    """Tables show every whole-number count and rupiah amount as 46,589 (BIGINT, HUGEINT, DECIMAL(p,0)); distinct
    workers paid are only ever shown row by row (raw tables), never in a metric that adds rows up."""
    datasets = {d["uuid"]: d for d in documents("datasets").values()}
    for path, chart in documents("charts").items():
        params, dataset = chart["params"], datasets[chart["dataset_uuid"]]
        types = dataset_columns(dataset, published, empty_warehouse)
        formats = {name: config.get("d3NumberFormat") for name, config in (params.get("column_config") or {}).items()}
        for name in params.get("all_columns") or []:
            whole = types[name] in ("BIGINT", "INTEGER", "HUGEINT") or types[name].endswith(",0)")
            if whole and name not in NOT_AMOUNTS:
                assert formats.get(name) in (",d", ",.0f"), (path, name)
            elif name in NOT_AMOUNTS:  # 2025, not 2.03k
                assert formats.get(name) in (None, "d") and (name != "year" or formats.get(name) == "d"), (path, name)
        for sql in _expressions(params):
            assert "workers_paid" not in sql, (path, sql)
        for metric in dataset["metrics"]:
            assert "workers_paid" not in metric["expression"], (path, metric["metric_name"])


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
