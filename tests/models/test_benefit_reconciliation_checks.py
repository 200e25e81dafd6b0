"""The blocking reconciliation checks of the benefit marts (`dbt_like_sql/checks/benefits_*_levels_add_up.sql`) run on
small tables: consistent figures give no row; a province that is not the sum of its regencies, or an Indonesia that
is not the sum of its provinces, gives exactly the region, period and figure that differ."""

from datetime import date

import duckdb
import pytest

from ucj_pipeline.runtime.paths import PROJECT_ROOT

CHECKS = PROJECT_ROOT / "dbt_like_sql" / "checks"
YEAR_AMOUNTS = ("amount_rupiah", "amount_jht", "amount_jkk", "amount_jkm", "amount_jp", "amount_jkp",
                "amount_scholarships", "amount_to_budget_funded")  # fmt: skip


def year_row(level: str, code: str, amounts: tuple[int, ...]) -> tuple:
    return (level, code, 2025, *amounts)


def consistent_year() -> list[tuple]:
    enrekang, luwu_timur = (100, 50, 10, 20, 5, 0, 5, 7), (10, 5, 1, 2, 1, 0, 0, 0)
    sulsel = tuple(a + b for a, b in zip(enrekang, luwu_timur, strict=True))
    palu = (3, 1, 1, 1, 0, 0, 0, 1)
    sulteng = palu
    national = tuple(a + b for a, b in zip(sulsel, sulteng, strict=True))
    return [year_row("regency", "73.16", enrekang), year_row("regency", "73.24", luwu_timur),
            year_row("regency", "72.71", palu), year_row("province", "73", sulsel), year_row("province", "72", sulteng),
            year_row("national", "ID", national)]  # fmt: skip


def run_check(name: str, table: str, columns: str, rows: list[tuple]) -> list[tuple]:
    with duckdb.connect() as con:
        con.execute(f"CREATE TABLE {table} ({columns})")
        con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        return con.sql((CHECKS / f"{name}.sql").read_text()).fetchall()


YEAR_COLUMNS = "region_level VARCHAR, region_code VARCHAR, year INTEGER, " + ", ".join(
    f"{c} DECIMAL(18, 0)" for c in YEAR_AMOUNTS
)
PAID_COLUMNS = ("region_level VARCHAR, region_code VARCHAR, month DATE, programme VARCHAR, benefit VARCHAR, "
                "segment VARCHAR, funding_source VARCHAR, payments BIGINT, amount_rupiah DECIMAL(18, 0)")  # fmt: skip


def test_benefits_year_levels_add_up():
    assert run_check("benefits_year_levels_add_up", "benefits_year", YEAR_COLUMNS, consistent_year()) == []
    rows = consistent_year()
    rows[3] = year_row("province", "73", (110, 55, 11, 22, 6, 0, 5, 8))  # Sulawesi Selatan: one rupiah too many
    differ = run_check("benefits_year_levels_add_up", "benefits_year", YEAR_COLUMNS, rows)
    assert {(level, code, column) for level, code, _, column, *_ in differ} == {
        ("province", "73", "amount_to_budget_funded"),  # not the sum of its regencies
        ("national", "ID", "amount_to_budget_funded"),  # and Indonesia is not the sum of the provinces
    }


@pytest.mark.parametrize("wrong", ["province", "national", "missing province"])
def test_benefits_paid_levels_add_up(wrong):
    march = date(2025, 3, 1)

    def paid(level, code, payments, amount):
        return (level, code, march, "JKM", "SANTUNAN_KEMATIAN", "BPU", "APBD", payments, amount)

    rows = [paid("regency", "73.24", 3, 60_000_000), paid("regency", "73.16", 1, 20_000_000),
            paid("province", "73", 4, 80_000_000), paid("national", "ID", 4, 80_000_000)]  # fmt: skip
    assert run_check("benefits_paid_levels_add_up", "benefits_paid", PAID_COLUMNS, rows) == []
    if wrong == "province":
        rows[2] = paid("province", "73", 4, 80_000_001)
    elif wrong == "national":
        rows[3] = paid("national", "ID", 5, 80_000_000)
    else:
        del rows[2]
    differ = run_check("benefits_paid_levels_add_up", "benefits_paid", PAID_COLUMNS, rows)
    expected = {"province": {("province", "73"), ("national", "ID")}, "national": {("national", "ID")},
                "missing province": {("province", "73"), ("national", "ID")}}[wrong]  # fmt: skip
    assert {(r[0], r[1]) for r in differ} == expected
