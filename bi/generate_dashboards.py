"""Generates bi/dashboards/ (Superset YAML) from a published ucj.duckdb: dataset columns and descriptions from its
DuckDB comments, the charts, the dashboards ("UCJ coverage", "Benefits and budget") and their native filters. UUIDs
are uuid5 of fixed names (stable).

    .venv-bi/bin/python bi/generate_dashboards.py $UCJ_HOME/warehouse/ucj.duckdb bi/dashboards
"""

import json
import shutil
import sys
import uuid
from pathlib import Path

import duckdb
import yaml

PUBLISHED = Path(sys.argv[1])
OUT = Path(sys.argv[2])
NS = uuid.UUID("6f1c7f0e-29b1-4c55-9d1e-0000000000ee")


def uid(name):
    return str(uuid.uuid5(NS, name))


DB_UUID = uid("database:ucj")
con = duckdb.connect(str(PUBLISHED), read_only=True)

# Kemendagri province code -> ISO 3166-2 (38 provinces) and the shape of Superset's Indonesia map (33 shapes,
# before Kalimantan Utara (2012) and the Papua splits (2022)): a newer province is drawn inside its parent's shape.
ISO = {
    "11": "ID-AC",
    "12": "ID-SU",
    "13": "ID-SB",
    "14": "ID-RI",
    "15": "ID-JA",
    "16": "ID-SS",
    "17": "ID-BE",
    "18": "ID-LA",
    "19": "ID-BB",
    "21": "ID-KR",
    "31": "ID-JK",
    "32": "ID-JB",
    "33": "ID-JT",
    "34": "ID-YO",
    "35": "ID-JI",
    "36": "ID-BT",
    "51": "ID-BA",
    "52": "ID-NB",
    "53": "ID-NT",
    "61": "ID-KB",
    "62": "ID-KT",
    "63": "ID-KS",
    "64": "ID-KI",
    "65": "ID-KU",
    "71": "ID-SA",
    "72": "ID-ST",
    "73": "ID-SN",
    "74": "ID-SG",
    "75": "ID-GO",
    "76": "ID-SR",
    "81": "ID-MA",
    "82": "ID-MU",
    "91": "ID-PA",
    "92": "ID-PB",
    "93": "ID-PS",
    "94": "ID-PT",
    "95": "ID-PE",
    "96": "ID-PD",
}
MAP_PARENT = {"65": "64", "93": "91", "94": "91", "95": "91", "96": "92"}


def iso_values():
    rows = []
    for code, iso in ISO.items():
        rows.append(f"    ('{code}', '{iso}', '{ISO[MAP_PARENT.get(code, code)]}')")
    return ",\n".join(rows)


MAP_SQL = f"""-- One row per province with its ISO 3166-2 code and the shape of Superset's Indonesia country map.
-- The map has 33 shapes (before 2012): Kalimantan Utara (65) is drawn in Kalimantan Timur (ID-KI), Papua Selatan,
-- Tengah and Pegunungan (93-95) in Papua (ID-PA), Papua Barat Daya (96) in Papua Barat (ID-PB).
with iso(province_code, iso_3166_2, map_region) as (
  values
{iso_values()}
)
select p.as_of_date, p.province_code, p.province_name, iso.iso_3166_2, iso.map_region,
       p.covered_workers, p.worker_base, p.coverage_pct
from marts.coverage_province p
left join iso using (province_code)"""

TREND_SQL = """-- coverage_history of every regency, with its province: sums over the regencies a filter keeps give the
-- province's (or the country's) figures, as the published province rows are the sums of their regencies.
select h.as_of_date, r.province_code, p.region_name as province_name,
       h.region_code as regency_code, h.region_name as regency_name,
       h.covered_workers, h.worker_base, h.coverage_pct, h.has_stale_data
from marts.coverage_history h
join reference.regions r on r.region_code = h.region_code and r.region_level = 'regency'
join reference.regions p on p.region_code = r.province_code and p.region_level = 'province'
where h.region_level = 'regency'"""

COVERAGE_RATIO = "100.0 * SUM(covered_workers) / NULLIF(SUM(worker_base), 0)"

BENEFITS_MONTH_SQL = """-- marts.benefits_paid's regency rows with their province (reference.regions). Only regency rows: the published
-- province and national rows are the sums of their regencies, so sums over the regencies a filter keeps give a
-- province's (or, unfiltered, Indonesia's) amounts, never counted twice. workers_paid is left out on purpose: distinct
-- workers do not add up over regencies, months, programmes or benefits.
select b.as_of_date, b.month, r.province_code, p.region_name as province_name, b.region_code as regency_code,
       b.region_name as regency_name, b.programme, b.benefit, b.segment, b.funding_source, b.payments, b.amount_rupiah
from marts.benefits_paid b
left join reference.regions r on r.region_code = b.region_code and r.region_level = 'regency'
left join reference.regions p on p.region_code = r.province_code and p.region_level = 'province'
where b.region_level = 'regency'"""

BENEFITS_YEAR_SQL = """-- marts.benefits_year's regency rows (one per regency and year) with their province (reference.regions), for the
-- Province and Regency filters. Charts show the rows as they are: workers_paid is distinct per regency and year and
-- is never added up.
select b.as_of_date, b.year, r.province_code, p.region_name as province_name, b.region_code as regency_code,
       b.region_name as regency_name, b.amount_rupiah, b.workers_paid, b.amount_scholarships,
       b.amount_to_budget_funded, b.workers_paid_budget_funded, b.months_due, b.months_complete,
       b.missing_branch_months
from marts.benefits_year b
left join reference.regions r on r.region_code = b.region_code and r.region_level = 'regency'
left join reference.regions p on p.region_code = r.province_code and p.region_level = 'province'
where b.region_level = 'regency'"""

BUDGET_SQL = """-- marts.budget_funded_workers with the province's name (reference.regions), for the Province filter.
select b.as_of_date, b.province_code, p.region_name as province_name, b.regency_code, b.regency_name, b.category,
       b.budget_funded_workers, b.premium_12_months_rupiah, b.benefits_12_months_rupiah, b.workers_paid_12_months,
       b.benefits_per_rupiah_of_premium
from marts.budget_funded_workers b
left join reference.regions p on p.region_code = b.province_code and p.region_level = 'province'"""


def comments(schema, table):
    return {
        name: (dtype, comment)
        for name, dtype, comment in con.execute(
            "select column_name, data_type, comment from duckdb_columns() where schema_name = ? and table_name = ?"
            " order by column_index",
            [schema, table],
        ).fetchall()
    }


def table_comment(schema, table):
    return con.execute(
        "select comment from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchone()[0]


def column(name, dtype, description, filterable=True):
    return {
        "column_name": name,
        "verbose_name": None,
        "is_dttm": dtype in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"),
        "is_active": True,
        "type": dtype,
        "advanced_data_type": None,
        "groupby": True,
        "filterable": filterable,
        "expression": None,
        "description": description,
        "python_date_format": None,
        "extra": {},
    }


def metric(name, expression, verbose, description, d3format=None):
    return {
        "metric_name": name,
        "verbose_name": verbose,
        "metric_type": None,
        "expression": expression,
        "description": description,
        "d3format": d3format,
        "currency": None,
        "extra": {"warning_markdown": ""},
        "warning_text": None,
    }


COMMON_METRICS = [metric("count", "COUNT(*)", "COUNT(*)", "Rows.")]


def coverage_metrics():
    return [
        *COMMON_METRICS,
        metric("covered_workers_sum", "SUM(covered_workers)", "Covered workers", "Sum of covered_workers.", ",d"),
        metric("worker_base_sum", "SUM(worker_base)", "Worker base", "Sum of worker_base.", ",d"),
        metric(
            "coverage_ratio_pct",
            COVERAGE_RATIO,
            "Coverage %",
            "100 x the sum of covered workers / the sum of worker bases (a ratio of sums, never an average of percentages).",
            ".2f",
        ),
    ]


def dataset(name, schema, table=None, sql=None, description=None, metrics=None, columns=None, dttm=None):
    cols = columns
    if cols is None:
        cols = [column(n, t, c) for n, (t, c) in comments(schema, table).items()]
    return {
        "table_name": table or name,
        "main_dttm_col": dttm,
        "description": description if description is not None else table_comment(schema, table),
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": schema,
        "sql": sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "uuid": uid(f"dataset:{name}"),
        "metrics": metrics if metrics is not None else list(COMMON_METRICS),
        "columns": cols,
        "version": "1.0.0",
        "database_uuid": DB_UUID,
    }


def from_published(schema, table, name):
    """Columns of a virtual dataset described by the published comments of the table they come from."""
    found = comments(schema, table)
    t, c = found[name]
    return column(name, t, c)


prov = comments("marts", "coverage_province")
reg = comments("marts", "coverage_regency")
datasets = {
    "coverage_regency": dataset(
        "coverage_regency", "marts", "coverage_regency", metrics=coverage_metrics(), dttm="as_of_date"
    ),
    "target_tracking": dataset("target_tracking", "marts", "target_tracking", dttm="as_of_date"),
    "branch_status": dataset("branch_status", "marts", "branch_status", dttm="as_of_date"),
    "coverage_province_map": dataset(
        "coverage_province_map",
        "marts",
        sql=MAP_SQL,
        description="marts.coverage_province with each province's ISO 3166-2 code and its shape on Superset's "
        "Indonesia country map (map_region).",
        metrics=coverage_metrics(),
        dttm="as_of_date",
        columns=[
            column("as_of_date", *prov["as_of_date"]),
            column("province_code", *prov["province_code"]),
            column("province_name", *prov["province_name"]),
            column("iso_3166_2", "VARCHAR", "ISO 3166-2 code of the province (ID-AC ... ID-PD)."),
            column(
                "map_region",
                "VARCHAR",
                "ISO code of the shape on Superset's Indonesia map (33 shapes): the province's own, or its parent's "
                "for Kalimantan Utara (ID-KI) and the provinces split from Papua (ID-PA) and Papua Barat (ID-PB).",
            ),
            column("covered_workers", *prov["covered_workers"]),
            column("worker_base", *prov["worker_base"]),
            column("coverage_pct", *prov["coverage_pct"]),
        ],
    ),
    "coverage_history_regency": dataset(
        "coverage_history_regency",
        "marts",
        sql=TREND_SQL,
        description="marts.coverage_history of the regencies, with their province (reference.regions).",
        metrics=coverage_metrics(),
        dttm="as_of_date",
        columns=[
            column("as_of_date", "DATE", comments("marts", "coverage_history")["as_of_date"][1]),
            column("province_code", *reg["province_code"]),
            column("province_name", *reg["province_name"]),
            column("regency_code", *reg["regency_code"]),
            column("regency_name", *reg["regency_name"]),
            *[
                column(n, *comments("marts", "coverage_history")[n])
                for n in ("covered_workers", "worker_base", "coverage_pct", "has_stale_data")
            ],
        ],
    ),
}

paid = comments("marts", "benefits_paid")
year = comments("marts", "benefits_year")
budget = comments("marts", "budget_funded_workers")
datasets |= {
    "benefits_paid_regency": dataset(
        "benefits_paid_regency",
        "marts",
        sql=BENEFITS_MONTH_SQL,
        description="marts.benefits_paid of the regencies (region_level regency only), with their province "
        "(reference.regions); without workers_paid, which does not add up.",
        metrics=[
            *COMMON_METRICS,
            metric("amount_rupiah_sum", "SUM(amount_rupiah)", "Amount (Rp)", "Sum of amount_rupiah.", ",d"),
            metric("payments_sum", "SUM(payments)", "Payments", "Sum of payments.", ",d"),
        ],
        dttm="month",
        columns=[
            column("as_of_date", *paid["as_of_date"]),
            column("month", *paid["month"]),
            column("province_code", *reg["province_code"]),
            column("province_name", *reg["province_name"]),
            column("regency_code", *reg["regency_code"]),
            column("regency_name", *reg["regency_name"]),
            *[column(n, *paid[n]) for n in ("programme", "benefit", "segment", "funding_source", "payments")],
            column("amount_rupiah", *paid["amount_rupiah"]),
        ],
    ),
    "benefits_year_regency": dataset(
        "benefits_year_regency",
        "marts",
        sql=BENEFITS_YEAR_SQL,
        description="marts.benefits_year of the regencies (one row per regency and year), with their province "
        "(reference.regions).",
        dttm="as_of_date",
        columns=[
            column("as_of_date", *year["as_of_date"]),
            column("year", *year["year"]),
            column("province_code", *reg["province_code"]),
            column("province_name", *reg["province_name"]),
            column("regency_code", *reg["regency_code"]),
            column("regency_name", *reg["regency_name"]),
            *[
                column(n, *year[n])
                for n in (
                    "amount_rupiah",
                    "workers_paid",
                    "amount_scholarships",
                    "amount_to_budget_funded",
                    "workers_paid_budget_funded",
                    "months_due",
                    "months_complete",
                    "missing_branch_months",
                )
            ],
        ],
    ),
    "benefits_year": dataset("benefits_year", "marts", "benefits_year", dttm="as_of_date"),
    "budget_funded_workers_regency": dataset(
        "budget_funded_workers_regency",
        "marts",
        sql=BUDGET_SQL,
        description="marts.budget_funded_workers with the province's name (reference.regions).",
        dttm="as_of_date",
        columns=[
            column(n, *(reg[n] if n == "province_name" else budget[n]))
            for n in (
                "as_of_date",
                "province_code",
                "province_name",
                "regency_code",
                "regency_name",
                "category",
                "budget_funded_workers",
                "premium_12_months_rupiah",
                "benefits_12_months_rupiah",
                "workers_paid_12_months",
                "benefits_per_rupiah_of_premium",
            )
        ],
    ),
    "target_cost": dataset("target_cost", "marts", "target_cost", dttm="as_of_date"),
}
# Column headers of the "Benefits and budget" tables (the dataset columns' verbose names): the unit in the name.
LABELS = {
    "year": "Year",
    "province_name": "Province",
    "regency_code": "Code",
    "regency_name": "Regency",
    "region_name": "Region",
    "amount_rupiah": "Benefits paid (Rp)",
    "workers_paid": "Workers paid",
    "amount_jht": "JHT (Rp)",
    "amount_jkk": "JKK (Rp)",
    "amount_jkm": "JKM (Rp)",
    "amount_jp": "JP (Rp)",
    "amount_jkp": "JKP (Rp)",
    "amount_scholarships": "Scholarships (Rp)",
    "amount_to_budget_funded": "To budget-funded (Rp)",
    "workers_paid_budget_funded": "Budget-funded workers paid",
    "months_complete": "Months complete",
    "months_due": "Months due",
    "missing_branch_months": "Branch-months missing",
    "category": "Category",
    "budget_funded_workers": "Budget-funded workers",
    "premium_12_months_rupiah": "Premium, next 12 months (Rp)",
    "benefits_12_months_rupiah": "Benefits, last 12 months (Rp)",
    "workers_paid_12_months": "Workers paid, 12 months",
    "benefits_per_rupiah_of_premium": "Benefits per Rp of premium",
    "target_name": "Target",
    "status": "Status",
    "target_date": "Target date",
    "gap_workers": "Gap (workers)",
    "monthly_premium_rupiah": "Premium per worker a month (Rp)",
    "premium_basis": "Premium basis",
    "yearly_cost_full_gap_rupiah": "Whole gap for 12 months (Rp)",
    "path_months": "Months to target",
    "path_cost_rupiah": "Required path, total (Rp)",
    "premium_source": "Source",
}
for name in ("benefits_paid_regency", "benefits_year_regency", "benefits_year", "budget_funded_workers_regency"):
    for col in datasets[name]["columns"]:
        col["verbose_name"] = LABELS.get(col["column_name"])
for col in datasets["target_cost"]["columns"]:
    col["verbose_name"] = LABELS.get(col["column_name"])
# A dataset's table_name must be unique per database and schema: virtual ones are named as themselves.

# ---- charts ------------------------------------------------------------------------------------------------------
charts = {}
CHART_IDS = {}
DASHBOARD_OF = {}  # chart key -> the slug of the one dashboard that places it
COUNT = ",d"  # worker counts and rupiah amounts (whole numbers): 46,589 and 21,880,000,000


def sql_metric(expression, label):
    return {
        "expressionType": "SQL",
        "sqlExpression": expression,
        "label": label,
        "hasCustomLabel": True,
        "optionName": "metric_" + uuid.uuid5(NS, label + expression).hex[:12],
    }


def adhoc_where(sql):
    return {
        "expressionType": "SQL",
        "sqlExpression": sql,
        "clause": "WHERE",
        "filterOptionName": "filter_" + uuid.uuid5(NS, sql).hex[:12],
    }


def query_context(form_data, queries):
    return json.dumps(
        {
            "datasource": {"id": 0, "type": "table"},
            "force": False,
            "queries": [
                {
                    "filters": [],
                    "extras": {"having": "", "where": ""},
                    "applied_time_extras": {},
                    "annotation_layers": [],
                    "series_limit": 0,
                    "order_desc": True,
                    "url_params": {},
                    "custom_params": {},
                    "custom_form_data": {},
                    **q,
                }
                for q in queries
            ],
            "form_data": form_data,
            "result_format": "json",
            "result_type": "full",
        }
    )


def chart(key, chart_id, name, viz, ds, params, queries, description, dashboard="ucj-coverage"):
    CHART_IDS[key] = chart_id
    DASHBOARD_OF[key] = dashboard
    params = {"datasource": "0__table", "viz_type": viz, **params}
    charts[key] = {
        "slice_name": name,
        "description": description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": viz,
        "params": params,
        "query_context": query_context(params, queries),
        "cache_timeout": None,
        "uuid": uid(f"chart:{key}"),
        "version": "1.0.0",
        "dataset_uuid": datasets[ds]["uuid"],
    }


coverage_metric = sql_metric(COVERAGE_RATIO, "Coverage %")
chart(
    "province_map",
    1,
    "Coverage by province",
    "country_map",
    "coverage_province_map",
    {
        "select_country": "indonesia",
        "entity": "map_region",
        "metric": coverage_metric,
        "adhoc_filters": [],
        "row_limit": 100,
        "number_format": ".2f",
        "linear_color_scheme": "superset_seq_1",
    },
    [{"columns": ["map_region"], "metrics": [coverage_metric], "orderby": [], "row_limit": 100}],
    "Coverage (percent of the worker base) of each province on Superset's Indonesia map. The map has the 33 "
    "provinces of 2010: Kalimantan Utara is counted in Kalimantan Timur's shape, the provinces split from Papua and "
    "Papua Barat in theirs (ratio of the sums).",
)

regency_columns = [
    "province_name",
    "regency_code",
    "regency_name",
    "covered_workers",
    "worker_base",
    "coverage_pct",
    "exceeds_worker_base",
    "has_stale_data",
]
chart(
    "regency_table",
    2,
    "Coverage by regency",
    "table",
    "coverage_regency",
    {
        "query_mode": "raw",
        "all_columns": regency_columns,
        "order_by_cols": [json.dumps(["coverage_pct", False]), json.dumps(["regency_code", True])],
        "adhoc_filters": [],
        "row_limit": 1000,
        "server_page_length": 10,
        "include_search": True,
        "show_cell_bars": True,
        "table_timestamp_format": "smart_date",
        "column_config": {
            "covered_workers": {"d3NumberFormat": COUNT},
            "worker_base": {"d3NumberFormat": COUNT},
            "coverage_pct": {"d3NumberFormat": ".2f"},
        },
        "conditional_formatting": [],
    },
    [
        {
            "columns": regency_columns,
            "metrics": [],
            "orderby": [["coverage_pct", False], ["regency_code", True]],
            "row_limit": 1000,
        }
    ],
    "Covered workers, worker base and coverage of every regency on the reporting date (marts.coverage_regency), "
    "highest coverage first.",
)

target_columns = [
    "target_id",
    "target_name",
    "region_name",
    "status",
    "coverage_pct",
    "target_pct",
    "target_date",
    "gap_pct_points",
    "gap_workers",
    "required_monthly_net_new",
    "recent_monthly_net_change",
    "projected_coverage_pct",
    "status_reason",
]
STATUS_COLOURS = {"achieved": "#1E8449", "on_track": "#5AC189", "at_risk": "#FCC700", "off_track": "#E04355"}
chart(
    "target_table",
    3,
    "Target tracking",
    "table",
    "target_tracking",
    {
        "query_mode": "raw",
        "all_columns": target_columns,
        "order_by_cols": [json.dumps(["target_date", True])],
        "adhoc_filters": [],
        "row_limit": 100,
        "include_search": False,
        "show_cell_bars": False,
        "table_timestamp_format": "%Y-%m-%d",
        "column_config": {
            "coverage_pct": {"d3NumberFormat": ".2f"},
            "target_pct": {"d3NumberFormat": ".2f"},
            "gap_pct_points": {"d3NumberFormat": ".2f"},
            "gap_workers": {"d3NumberFormat": COUNT},
            "required_monthly_net_new": {"d3NumberFormat": COUNT},
            "recent_monthly_net_change": {"d3NumberFormat": ",.0f"},
            "projected_coverage_pct": {"d3NumberFormat": ".2f"},
        },
        "conditional_formatting": [
            {"column": "status", "operator": "=", "targetValue": status, "colorScheme": colour}
            for status, colour in STATUS_COLOURS.items()
        ],
    },
    [{"columns": target_columns, "metrics": [], "orderby": [["target_date", True]], "row_limit": 100}],
    "Each target of reference.targets on the reporting date (marts.target_tracking): coverage, gap, required and "
    "recent pace, projection and status (green achieved / on track, yellow at risk, red off track).",
)

bar_metrics = [sql_metric("MAX(coverage_pct)", "Coverage %"), sql_metric("MAX(target_pct)", "Target %")]
bar_where = adhoc_where("level IN ('regency', 'village_programme')")
chart(
    "target_bars",
    4,
    "Coverage against target per tracked regency",
    "echarts_timeseries_bar",
    "target_tracking",
    {
        "x_axis": "region_name",
        "xAxisForceCategorical": True,
        "metrics": bar_metrics,
        "groupby": [],
        "adhoc_filters": [bar_where],
        "row_limit": 100,
        "orientation": "vertical",
        "show_legend": True,
        "show_value": True,
        "y_axis_format": ".2f",
        "x_axis_sort_asc": True,
        "xAxisLabelRotation": 45,
        "truncate_metric": True,
        "rich_tooltip": True,
    },
    [
        {
            "columns": [
                {
                    "columnType": "BASE_AXIS",
                    "sqlExpression": "region_name",
                    "label": "region_name",
                    "expressionType": "SQL",
                }
            ],
            "metrics": bar_metrics,
            "filters": [],
            "extras": {"having": "", "where": "(level IN ('regency', 'village_programme'))"},
            "orderby": [[bar_metrics[0], False]],
            "row_limit": 100,
        }
    ],
    "Coverage now and the target, in percent, of every regency with a target (for Luwu Timur's village programme: "
    "the share of villages meeting 100 covered workers).",
)

trend_metric = coverage_metric
chart(
    "trend",
    5,
    "Coverage trend",
    "echarts_timeseries_line",
    "coverage_history_regency",
    {
        "x_axis": "as_of_date",
        "time_grain_sqla": "P1D",
        "metrics": [trend_metric],
        "groupby": [],
        "adhoc_filters": [
            {
                "clause": "WHERE",
                "subject": "as_of_date",
                "operator": "TEMPORAL_RANGE",
                "comparator": "No filter",
                "expressionType": "SIMPLE",
            }
        ],
        "row_limit": 10000,
        "show_legend": True,
        "markerEnabled": True,
        "y_axis_format": ".2f",
        "rich_tooltip": True,
    },
    [
        {
            "columns": [
                {
                    "columnType": "BASE_AXIS",
                    "sqlExpression": "as_of_date",
                    "label": "as_of_date",
                    "expressionType": "SQL",
                    "timeGrain": "P1D",
                }
            ],
            "metrics": [trend_metric],
            "orderby": [[{"label": "as_of_date", "sqlExpression": "as_of_date", "expressionType": "SQL"}, True]],
            "row_limit": 10000,
        }
    ],
    "Coverage over the reporting dates of marts.coverage_history, summed over the regencies the filters keep "
    "(all: Indonesia).",
)

branch_columns = [
    "branch_code",
    "branch_name",
    "regional_office",
    "regency_codes",
    "current_snapshot_date",
    "days_since_snapshot",
    "snapshot_state",
    "covered_workers_counted",
]
stale_where = adhoc_where("snapshot_state <> 'current'")
chart(
    "stale_branches",
    6,
    "Stale branches",
    "table",
    "branch_status",
    {
        "query_mode": "raw",
        "all_columns": branch_columns,
        "order_by_cols": [json.dumps(["branch_code", True])],
        "adhoc_filters": [stale_where],
        "row_limit": 1000,
        "server_page_length": 10,
        "include_search": True,
        "table_timestamp_format": "%Y-%m-%d",
        "column_config": {"covered_workers_counted": {"d3NumberFormat": COUNT}},
        "conditional_formatting": [
            {"column": "snapshot_state", "operator": "=", "targetValue": "stale", "colorScheme": "#FCC700"},
            {"column": "snapshot_state", "operator": "=", "targetValue": "missing", "colorScheme": "#E04355"},
        ],
    },
    [
        {
            "columns": branch_columns,
            "metrics": [],
            "orderby": [["branch_code", True]],
            "extras": {"having": "", "where": "(snapshot_state <> 'current')"},
            "row_limit": 1000,
        }
    ],
    "Branch offices whose snapshot is stale (older than 35 days, still counted) or missing (never delivered): the "
    "figures that depend on them may understate coverage (marts.branch_status).",
)

# ---- "Benefits and budget" ---------------------------------------------------------------------------------------
# Rupiah amounts and worker counts with thousands separators; workers_paid is distinct per region and period, so no
# chart adds it up: the tables show published rows as they are (one row per region and year), the bar chart only
# sums amounts over regency rows.
BENEFITS = "benefits-budget"
RAW_TABLE = {"query_mode": "raw", "adhoc_filters": [], "show_cell_bars": False, "conditional_formatting": []}


def raw_table(key, chart_id, name, ds, columns, order, formats, description, where=None, page_length=None, **extra):
    params = {
        **RAW_TABLE,
        "all_columns": columns,
        "order_by_cols": [json.dumps([c, asc]) for c, asc in order],
        "row_limit": 1000,
        "include_search": page_length is not None,
        "table_timestamp_format": "%Y-%m-%d",
        "column_config": {c: {"d3NumberFormat": f} for c, f in formats.items()},
        **extra,
    }
    query = {"columns": columns, "metrics": [], "orderby": [list(o) for o in order], "row_limit": 1000}
    if page_length:
        params["server_page_length"] = page_length
    if where:
        params["adhoc_filters"] = [adhoc_where(where)]
        query["extras"] = {"having": "", "where": f"({where})"}
    chart(key, chart_id, name, "table", ds, params, [query], description, dashboard=BENEFITS)


national_columns = [
    "year",
    "amount_rupiah",
    "workers_paid",
    "amount_jht",
    "amount_jkk",
    "amount_jkm",
    "amount_jp",
    "amount_scholarships",
    "amount_to_budget_funded",
    "workers_paid_budget_funded",
    "months_complete",
    "months_due",
]  # amount_jkp (job loss) left out for width: the claims carry no JKP payments; it is in amount_rupiah
raw_table(
    "benefits_national",
    7,
    "Benefits paid in Indonesia per year",
    "benefits_year",
    national_columns,
    [("year", False)],
    {"year": "d", "months_complete": "d", "months_due": "d"}
    | {c: COUNT for c in national_columns if c.startswith(("amount_", "workers_"))},
    "Indonesia's row of marts.benefits_year for each year (region_level = 'national', one row a year, nothing added "
    "up): the amount paid in rupiah, per programme (JHT, JKK, JKM, JP; JKP job-loss benefits only in the total), as "
    "scholarships (also inside JKK or JKM) and to workers whose "
    "premium a regional or village budget paid; the distinct workers paid. months_complete < months_due: some "
    "branch's claims file of a month is missing, and the amounts may understate what was paid (the branch-months "
    "are in the regency table).",
    where="region_level = 'national'",
)

programme_amount = sql_metric("SUM(amount_rupiah)", "Amount (Rp)")
chart(
    "benefits_month",
    8,
    "Benefits paid per month by programme",
    "echarts_timeseries_bar",
    "benefits_paid_regency",
    {
        "x_axis": "month",
        "time_grain_sqla": "P1M",
        "metrics": [programme_amount],
        "groupby": ["programme"],
        "adhoc_filters": [
            {
                "clause": "WHERE",
                "subject": "month",
                "operator": "TEMPORAL_RANGE",
                "comparator": "No filter",
                "expressionType": "SIMPLE",
            }
        ],
        "row_limit": 10000,
        "orientation": "vertical",
        "stack": "Stack",
        "show_legend": True,
        "legendOrientation": "top",
        "y_axis_format": COUNT,
        "x_axis_time_format": "%b %Y",
        "rich_tooltip": True,
        "show_value": False,
        "truncate_metric": True,
    },
    [
        {
            "columns": [
                {
                    "columnType": "BASE_AXIS",
                    "sqlExpression": "month",
                    "label": "month",
                    "expressionType": "SQL",
                    "timeGrain": "P1M",
                },
                "programme",
            ],
            "series_columns": ["programme"],
            "metrics": [programme_amount],
            "orderby": [[{"label": "month", "sqlExpression": "month", "expressionType": "SQL"}, True]],
            "row_limit": 10000,
        }
    ],
    "Benefits paid (rupiah) each month, stacked by programme (JHT old-age savings, JKK work accident, JKM death, JP "
    "pension, JKP job loss), summed over the regency rows of marts.benefits_paid the Province and Regency filters "
    "keep (all: Indonesia; province and national rows are never added to them). Workers paid are not shown: "
    "distinct workers do not add up over months or regencies.",
    dashboard=BENEFITS,
)

regency_year_columns = [
    "province_name",
    "regency_code",
    "regency_name",
    "year",
    "amount_rupiah",
    "workers_paid",
    "amount_scholarships",
    "amount_to_budget_funded",
    "workers_paid_budget_funded",
    "months_complete",
    "months_due",
    "missing_branch_months",
]
raw_table(
    "benefits_regency",
    9,
    "Benefits per regency and year",
    "benefits_year_regency",
    regency_year_columns,
    [("year", False), ("amount_rupiah", False), ("regency_code", True)],
    {"year": "d", "months_complete": "d", "months_due": "d"}
    | {c: COUNT for c in regency_year_columns if c.startswith(("amount_", "workers_"))},
    "One row of marts.benefits_year per regency and year (largest amount first), as published: the amount paid "
    "(rupiah), the distinct workers paid (each counted once in the regency and year; rows are never added up), the "
    "scholarships, the amount and workers paid on budget-funded claims (APBD, APBDES), and the months for which "
    "every branch delivered its claims file, with the branch-months missing.",
    page_length=10,
)

budget_columns = [
    "province_name",
    "regency_code",
    "regency_name",
    "category",
    "budget_funded_workers",
    "premium_12_months_rupiah",
    "benefits_12_months_rupiah",
    "workers_paid_12_months",
    "benefits_per_rupiah_of_premium",
]
raw_table(
    "budget_buys",
    10,
    "What the budget buys",
    "budget_funded_workers_regency",
    budget_columns,
    [("regency_name", True), ("budget_funded_workers", False)],
    {
        "budget_funded_workers": COUNT,
        "premium_12_months_rupiah": COUNT,
        "benefits_12_months_rupiah": COUNT,
        "workers_paid_12_months": COUNT,
        "benefits_per_rupiah_of_premium": ".2f",
    },
    "Per regency (marts.budget_funded_workers, on the reporting date): the covered workers whose premium a regional "
    "or village budget pays, in total (category ALL, first) and by category; the premium the budget pays for them "
    "over twelve months (rupiah); the benefits paid to budget-funded workers in the last twelve months and the "
    "distinct workers paid; benefits per rupiah of premium.",
    page_length=10,
)

cost_columns = [
    "target_name",
    "region_name",
    "status",
    "target_date",
    "gap_workers",
    "monthly_premium_rupiah",
    "premium_basis",
    "yearly_cost_full_gap_rupiah",
    "path_months",
    "path_cost_rupiah",
    "premium_source",
]
raw_table(
    "target_cost",
    11,
    "Budget each target needs",
    "target_cost",
    cost_columns,
    [("target_date", True), ("target_name", True)],
    {
        "gap_workers": COUNT,
        "monthly_premium_rupiah": COUNT,
        "yearly_cost_full_gap_rupiah": COUNT,
        "path_months": "d",
        "path_cost_rupiah": COUNT,
    },
    "Each tracked target (marts.target_cost): the workers still missing, the monthly premium per worker as a "
    "regional budget pays it (its basis and source), the yearly cost of funding the whole gap, and the total budget "
    "of the required monthly path to the target date (0 months: the date has passed). Whole rupiah.",
    conditional_formatting=[
        {"column": "status", "operator": "=", "targetValue": status, "colorScheme": colour}
        for status, colour in STATUS_COLOURS.items()
    ],
)

# ---- dashboards --------------------------------------------------------------------------------------------------
# Each chart is placed on exactly one dashboard (DASHBOARD_OF). Heights are in Superset's grid units (8 px).
DASHBOARDS = {
    "ucj-coverage": {
        "title": "UCJ coverage",
        "file": "UCJ_coverage",
        "layout": [
            ("ROW-maps", [("province_map", 6, 60), ("regency_table", 6, 60)]),
            ("ROW-targets", [("target_table", 12, 86)]),
            ("ROW-bars", [("target_bars", 6, 50), ("trend", 6, 50)]),
            ("ROW-branches", [("stale_branches", 12, 50)]),
        ],
        # The filters read coverage_regency; they apply to the charts with province_name and regency_name.
        "filter_dataset": "coverage_regency",
        "filtered": ["province_map", "regency_table", "trend"],
        "filter_ids": ("NATIVE_FILTER-province", "NATIVE_FILTER-regency"),
    },
    BENEFITS: {
        "title": "Benefits and budget",
        "file": "Benefits_and_budget",
        "layout": [
            ("ROW-national", [("benefits_national", 12, 26)]),
            ("ROW-months", [("benefits_month", 12, 60)]),
            ("ROW-regencies", [("benefits_regency", 12, 62)]),
            ("ROW-budget", [("budget_buys", 12, 62)]),
            ("ROW-cost", [("target_cost", 12, 128)]),
        ],
        # benefits_year_regency has every regency with its province; Indonesia's rows and the targets are not
        # filtered by province or regency.
        "filter_dataset": "benefits_year_regency",
        "filtered": ["benefits_month", "benefits_regency", "budget_buys"],
        "filter_ids": ("NATIVE_FILTER-benefits-province", "NATIVE_FILTER-benefits-regency"),
    },
}
for slug, spec in DASHBOARDS.items():
    placed = [key for _, cells in spec["layout"] for key, _, _ in cells]
    assert sorted(placed) == sorted(k for k, d in DASHBOARD_OF.items() if d == slug), slug


def native_filter(fid, name, column_name, parents, description, dataset_uuid, excluded):
    return {
        "id": fid,
        "name": name,
        "filterType": "filter_select",
        "targets": [{"datasetUuid": dataset_uuid, "column": {"name": column_name}}],
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        "cascadeParentIds": parents,
        "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
        "controlValues": {
            "enableEmptyFilter": False,
            "defaultToFirstItem": False,
            "multiSelect": True,
            "searchAllOptions": False,
            "inverseSelection": False,
        },
        "type": "NATIVE_FILTER",
        "description": description,
        "tabsInScope": [],
    }


def dataset_columns(chart_key):
    ds = next(d for d in datasets.values() if d["uuid"] == charts[chart_key]["dataset_uuid"])
    return {c["column_name"] for c in ds["columns"]}


def build_dashboard(slug, spec):
    layout = spec["layout"]
    position = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [r for r, _ in layout], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": spec["title"]}},
    }
    for row_id, cells in layout:
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [f"CHART-{k}" for k, _, _ in cells],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for key, width, height in cells:
            position[f"CHART-{key}"] = {
                "type": "CHART",
                "id": f"CHART-{key}",
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
                "meta": {
                    "width": width,
                    "height": height,
                    "chartId": CHART_IDS[key],
                    "sliceName": charts[key]["slice_name"],
                    "uuid": charts[key]["uuid"],
                },
            }
    keys = [k for _, cells in layout for k, _, _ in cells]

    def excluded(column_name):
        """Charts out of a filter's scope: those it is not meant for, and those whose dataset lacks its column (the
        province map has no regency_name: Superset would ignore the Regency filter there silently)."""
        return [CHART_IDS[k] for k in keys if k not in spec["filtered"] or column_name not in dataset_columns(k)]

    province_id, regency_id = spec["filter_ids"]
    target = datasets[spec["filter_dataset"]]["uuid"]
    return {
        "dashboard_title": spec["title"],
        "description": None,
        "css": "",
        "slug": slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": uid(f"dashboard:{slug}"),
        "position": position,
        "metadata": {
            "native_filter_configuration": [
                native_filter(
                    province_id,
                    "Province",
                    "province_name",
                    [],
                    "Kemendagri province.",
                    target,
                    excluded("province_name"),
                ),
                native_filter(
                    regency_id,
                    "Regency",
                    "regency_name",
                    [province_id],
                    "Regency or city (Kabupaten/Kota).",
                    target,
                    excluded("regency_name"),
                ),
            ],
            "chart_configuration": {},
            "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []}, "chartsInScope": []},
            "color_scheme": "",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "color_scheme_domain": [],
            "cross_filters_enabled": False,
            "default_filters": "{}",
            "timed_refresh_immune_slices": [],
        },
        "version": "1.0.0",
    }


dashboards = {spec["file"]: build_dashboard(slug, spec) for slug, spec in DASHBOARDS.items()}

database = {
    "database_name": "UCJ published warehouse",
    "sqlalchemy_uri": "duckdb:////REPLACED/AT/IMPORT/warehouse/ucj.duckdb?access_mode=read_only",
    "cache_timeout": None,
    "expose_in_sqllab": True,
    "allow_run_async": False,
    "allow_ctas": False,
    "allow_cvas": False,
    "allow_dml": False,
    "allow_file_upload": False,
    "impersonate_user": False,
    "extra": {
        "allows_virtual_table_explore": True,
        "metadata_params": {},
        "engine_params": {},
        "schemas_allowed_for_file_upload": [],
    },
    "uuid": DB_UUID,
    "version": "1.0.0",
}

if OUT.exists():
    shutil.rmtree(OUT)
for sub in ("databases", "datasets/ucj_published_warehouse", "charts", "dashboards"):
    (OUT / sub).mkdir(parents=True)


def dump(path, doc, header=None):
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)
    path.write_text((header or "") + text, encoding="utf-8")


dump(
    OUT / "metadata.yaml",
    {"version": "1.0.0", "type": "Dashboard", "timestamp": "2026-12-02T00:00:00+00:00"},
)
dump(
    OUT / "databases" / "ucj_published_warehouse.yaml",
    database,
    "# The URI is machine-specific: ucj_pipeline.publish.superset.build_bundle writes the real read-only URI of\n"
    "# $UCJ_HOME/warehouse/ucj.duckdb at import; bi/superset_config.py forces access_mode=read_only on every query.\n",
)
for name, ds in datasets.items():
    dump(OUT / "datasets" / "ucj_published_warehouse" / f"{name}.yaml", ds)
for key, c in charts.items():
    dump(OUT / "charts" / f"{c['slice_name'].replace(' ', '_')}_{CHART_IDS[key]}.yaml", c)
for file, board in dashboards.items():
    dump(OUT / "dashboards" / f"{file}.yaml", board)
print("written", sorted(p.relative_to(OUT).as_posix() for p in OUT.rglob("*.yaml")))
