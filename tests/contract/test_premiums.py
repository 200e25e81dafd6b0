"""The premium rule over the dated reference rows (PP 50/2025 halves the BPU JKK + JKM premium from April to December
2026, but not where a budget pays), the budget premium of a regency, and the four premium and benefit tables in the
lake and the published file as their CSVs give them."""

import csv
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ucj_pipeline.contract import reference_data
from ucj_pipeline.contract.premiums import (
    BudgetPremium,
    NoPremiumInForce,
    PremiumDiscount,
    PremiumRate,
    PremiumSchedule,
    budget_premium,
    discounted,
    monthly_premium,
)
from ucj_pipeline.runtime.paths import REFERENCE_DIR

ENREKANG, LUWU, SINJAI = "73.16", "73.17", "73.07"
DISCOUNTED_MONTHS = [date(2026, m, 1) for m in range(4, 13)]


def test_pp_50_2025_halves_a_self_paying_bpu_premium_from_april_to_december_2026_only():
    assert monthly_premium("BPU", "MANDIRI", date(2026, 3, 1)).monthly_rupiah == 16_800
    for month in DISCOUNTED_MONTHS:
        assert monthly_premium("BPU", "MANDIRI", month).monthly_rupiah == 8_400, month
    assert monthly_premium("BPU", "MANDIRI", date(2026, 12, 31)).monthly_rupiah == 8_400  # any day of the month
    assert monthly_premium("BPU", "MANDIRI", date(2027, 1, 1)).monthly_rupiah == 16_800


@pytest.mark.parametrize("funding_source", ["APBD", "APBDES", "APBN"])
def test_a_budget_funded_bpu_premium_is_not_discounted(funding_source):
    for month in [date(2026, 3, 1), *DISCOUNTED_MONTHS, date(2027, 1, 1)]:
        assert monthly_premium("BPU", funding_source, month).monthly_rupiah == 16_800, (funding_source, month)


def test_the_premium_names_its_basis_and_sources():
    halved = monthly_premium("BPU", "MANDIRI", date(2026, 5, 1))
    assert "JKK Rp10,000 less 50% = Rp5,000" in halved.basis and "JKM Rp6,800 less 50% = Rp3,400" in halved.basis
    assert "Rp8,400 a month per worker" in halved.basis
    assert "PP 44/2015" in halved.source and "PP 50/2025" in halved.source
    budget = monthly_premium("BPU", "APBD", date(2026, 5, 1))
    assert "does not apply where APBD pays" in budget.basis and "PP 50/2025" in budget.source
    before = monthly_premium("BPU", "MANDIRI", date(2026, 3, 1))
    assert "PP 50/2025" not in before.source and "less" not in before.basis


def test_components_are_chosen_and_a_missing_rate_says_so():
    assert monthly_premium("BPU", "MANDIRI", date(2026, 5, 1), components=("JKK", "JKM", "JHT")).monthly_rupiah == (
        5_000 + 3_400 + 20_000  # JHT is optional for BPU and not discounted
    )
    assert monthly_premium("BPU", "MANDIRI", date(2026, 5, 1), components=("JKM",)).monthly_rupiah == 3_400
    with pytest.raises(NoPremiumInForce, match="segment PU"):
        monthly_premium("PU", "PEMBERI_KERJA", date(2026, 5, 1))  # wage earners' premiums depend on the wage
    with pytest.raises(NoPremiumInForce, match="2015-06-01"):
        monthly_premium("BPU", "MANDIRI", date(2015, 6, 1))  # before the rates were in force


def test_a_regency_budget_premium_comes_from_its_csv_row_else_the_bpu_schedule_as_a_budget_pays_it():
    enrekang = budget_premium(ENREKANG, date(2026, 5, 1))
    assert enrekang.monthly_rupiah == 3_240 and enrekang.source == "inetnews.co.id, 2022"
    assert "Enrekang" in enrekang.basis
    assert budget_premium("7316", date(2025, 12, 1)).monthly_rupiah == 3_240  # undotted code
    assert budget_premium(LUWU, date(2026, 5, 1)).monthly_rupiah == 16_800
    for month in [date(2026, 3, 1), date(2026, 5, 1), date(2027, 1, 1)]:
        sinjai = budget_premium(SINJAI, month)  # no figure: the schedule, never discounted (the budget pays)
        assert sinjai.monthly_rupiah == 16_800, month
        assert (
            sinjai.basis.startswith(f"no budget premium known for regency {SINJAI}") and "PP 44/2015" in sinjai.source
        )
    assert budget_premium(ENREKANG, date(2021, 12, 1)).monthly_rupiah == 16_800  # before its figure's date


def test_rates_are_dated_rows_and_discounts_round_half_up():
    rates = [
        PremiumRate("JKK", "BPU", date(2015, 7, 1), date(2026, 12, 31), 10_000, "old", "rule A"),
        PremiumRate("JKK", "BPU", date(2027, 1, 1), None, 10_001, "new", "rule B"),
        PremiumRate("JKM", "BPU", date(2015, 7, 1), None, 6_801, "flat", "rule C"),
    ]
    discounts = [PremiumDiscount("JKM", "BPU", date(2026, 4, 1), date(2026, 12, 31), 50, frozenset({"APBD"}), "rule D")]
    budgets = [
        BudgetPremium(ENREKANG, date(2022, 1, 1), date(2026, 12, 31), 3_240, "first", "report 1"),
        BudgetPremium(ENREKANG, date(2027, 1, 1), None, 4_000, "second", "report 2"),
    ]
    schedule = PremiumSchedule(rates, discounts, budgets)
    assert schedule.monthly_premium("BPU", "MANDIRI", date(2026, 4, 1)).monthly_rupiah == 10_000 + 3_401  # 3,400.5
    assert schedule.monthly_premium("BPU", "APBD", date(2026, 4, 1)).monthly_rupiah == 10_000 + 6_801
    assert schedule.monthly_premium("BPU", "MANDIRI", date(2027, 1, 1)).monthly_rupiah == 10_001 + 6_801
    assert schedule.budget_premium(ENREKANG, date(2027, 3, 1)).monthly_rupiah == 4_000
    assert schedule.budget_premium(SINJAI, date(2027, 3, 1)).monthly_rupiah == 10_001 + 6_801
    assert [discounted(a, 50) for a in (1, 3, 5, 6_800)] == [1, 2, 3, 3_400]  # half up, never to even
    assert discounted(10_000, 13) == 8_700 and discounted(999, Decimal("12.5")) == 874  # 874.125

    overlapping = PremiumSchedule([*rates, PremiumRate("JKM", "BPU", date(2020, 1, 1), None, 1, "x", "y")])
    with pytest.raises(ValueError, match="overlaps"):
        overlapping.monthly_premium("BPU", "MANDIRI", date(2026, 1, 1))


def test_the_loaded_tables_are_typed_and_open_ended_rows_have_no_end():
    rates = reference_data.premium_rates()
    assert str(rates["monthly_rupiah"].dtype) == "int64"
    assert all(isinstance(d, date) for d in rates["effective_from"]) and all(e is None for e in rates["effective_to"])
    discounts = reference_data.premium_discounts()
    assert set(zip(discounts["effective_from"], discounts["effective_to"], strict=True)) == {
        (date(2026, 4, 1), date(2026, 12, 31))
    }
    budgets = reference_data.budget_premiums()
    assert list(budgets.columns) == [
        "regency_code", "effective_from", "effective_to", "monthly_rupiah_per_worker", "what", "source",
    ]  # fmt: skip
    assert all(e is None for e in budgets["effective_to"])  # one figure per regency: each still in force
    benefits = reference_data.benefit_amounts()
    assert int(benefits.loc[benefits["programme"] == "JKM", "amount_rupiah"].sum()) == 42_000_000


TABLES = {  # lake table: (published table, CSV)
    "premium_rates": ("reference.premium_rates", "premium_rates.csv"),
    "premium_discounts": ("reference.premium_discounts", "premium_discounts.csv"),
    "budget_premiums": ("reference.budget_premiums", "budget_premiums.csv"),
    "benefit_amounts": ("reference.benefit_amounts", "benefit_amounts.csv"),
}


def csv_rows(name: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The file's header and its rows as text, sorted."""
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), sorted(tuple(row.values()) for row in reader)


def as_text(value) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


def test_the_lake_and_the_published_file_hold_the_csv_rows_with_their_dates_and_sources(tmp_path):
    from dagster import DagsterInstance, materialize

    from assets.reference_assets import reference_assets
    from assets.sql_model_assets import SQL_MODEL_COLUMNS, sql_models
    from resources import AS_OF_DATE_TAG, PipelineSettings
    from ucj_pipeline.contract.columns import describe_columns
    from ucj_pipeline.ingest import lake
    from ucj_pipeline.publish.warehouse import build_warehouse

    settings = PipelineSettings(ucj_home=str(tmp_path))
    models = [f"{layer}_{table}" for table in TABLES for layer in ("stg", "reference")]
    result = materialize(
        [*reference_assets, sql_models],
        instance=DagsterInstance.ephemeral(),
        resources={"settings": settings},
        tags={AS_OF_DATE_TAG: "2026-05-31"},
        selection=[*TABLES, "region_codes", *models],  # region names for the budget premiums' regencies
    )
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized >= {*TABLES, *models}

    descriptions = {name: describe_columns([c for c, _ in cols], name) for name, cols in SQL_MODEL_COLUMNS.items()}
    names = {published_name for published_name, _ in TABLES.values()}
    published = [t for t in settings.storage.published_tables(descriptions) if t.qualified_name in names]
    assert len(published) == 4
    built = build_warehouse(published, tmp_path / "warehouse" / "ucj.duckdb")
    with duckdb.connect(str(built), read_only=True) as con:
        for table, (published_name, csv_name) in TABLES.items():
            columns, expected = csv_rows(csv_name)
            column_list = ", ".join(columns)
            in_lake = con.execute(f"select {column_list} from {lake.table_sql(tmp_path / 'lake', table)}").fetchall()
            in_file = con.execute(f"select {column_list} from {published_name}").fetchall()
            for rows in (in_lake, in_file):
                assert sorted(tuple(as_text(v) for v in row) for row in rows) == expected, table
            types = dict(con.execute(f"select column_name, column_type from (describe {published_name})").fetchall())
            assert types["effective_from"] == types["effective_to"] == "DATE", table
            amounts = [c for c in columns if "rupiah" in c or c == "discount_pct"]
            assert amounts and all(types[c] == "BIGINT" for c in amounts), table
            comments = dict(
                con.execute(
                    "select column_name, comment from duckdb_columns() where schema_name = 'reference' and table_name = ?",
                    [published_name.split(".")[1]],
                ).fetchall()
            )
            assert all(len(comments[c] or "") > 10 for c in comments), f"{published_name}: every column described"
        [(name,)] = con.execute(
            "select regency_name from reference.budget_premiums where regency_code = '73.16'"
        ).fetchall()
        assert name == "Kabupaten Enrekang"
