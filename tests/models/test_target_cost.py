"""What closing each target's gap would cost a regional budget (marts.target_cost), recomputed independently from
the reference CSVs with plain Python (no pipeline code), and the month-by-month budget premium of the SQL model
(int_budget_premium_months) equal to the premium rule in Python (contract/premiums.py)."""

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb

from tests.assets.test_pipeline_assets import run_pipeline  # noqa: F401 (the fixture)
from tests.factories import make_nik, row, write_extract
from ucj_pipeline.contract import premiums
from ucj_pipeline.ingest import lake
from ucj_pipeline.runtime.paths import REFERENCE_DIR

AS_OF = date(2025, 12, 31)


def reference(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def in_force(r: dict[str, str], day: date) -> bool:
    return date.fromisoformat(r["effective_from"]) <= day and (
        not r.get("effective_to") or day <= date.fromisoformat(r["effective_to"])
    )


def budget_premium(regency: str | None, month: date) -> int:
    """Independently: the regency's own budget figure (the newest in force), else BPU JKK + JKM less discounts
    that do not exclude APBD, each rounded half up."""
    own = [
        r for r in reference("budget_premiums.csv")
        if r["regency_code"] == regency and date.fromisoformat(r["effective_from"]) <= month
    ]  # fmt: skip
    if own:
        return int(max(own, key=lambda r: r["effective_from"])["monthly_rupiah_per_worker"])
    total = 0
    for component in ("JKK", "JKM"):
        [rate] = [r for r in reference("premium_rates.csv") if (r["component"], r["segment"]) == (component, "BPU")
                  and in_force(r, month)]  # fmt: skip
        amount = Decimal(rate["monthly_rupiah"])
        for d in reference("premium_discounts.csv"):
            applies = (d["component"], d["segment"]) == (component, "BPU") and in_force(d, month)
            if applies and "APBD" not in d["not_for_funding"].split(","):
                amount = amount * (100 - Decimal(d["discount_pct"])) / 100
        total += int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return total


def months_between(after: date, until: date) -> list[date]:
    months, y, m = [], after.year, after.month
    while True:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        if date(y, m, 1) > until:
            return months
        months.append(date(y, m, 1))


def test_target_cost_equals_an_independent_recomputation(run_pipeline, tmp_path):  # noqa: F811
    write_extract(run_pipeline.landing, "SINJAI_20251231.csv", [row(NIK=make_nik(region="7307", serial=i),
                  KODE_WILAYAH="73.07") for i in range(1, 201)])  # fmt: skip
    write_extract(run_pipeline.landing, "PALOPO_20251231.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 51)])
    con = run_pipeline(["SINJAI", "PALOPO"], AS_OF.isoformat())
    cursor = con.execute("SELECT * FROM marts.target_cost ORDER BY target_id")
    names = [d[0] for d in cursor.description]
    published = {r["target_id"]: r for r in (dict(zip(names, v, strict=True)) for v in cursor.fetchall())}
    targets = {t["target_id"]: t for t in reference("targets.csv")}
    assert set(published) == set(targets)
    for target_id, cost in published.items():
        target = targets[target_id]
        regency = target["region_code"] if target["level"] in ("regency", "village_programme") else None
        now = budget_premium(regency, date(2025, 12, 1))
        assert cost["monthly_premium_rupiah"] == now, target_id
        assert cost["yearly_cost_full_gap_rupiah"] == cost["gap_workers"] * now * 12, target_id
        path = months_between(date(2025, 12, 1), date.fromisoformat(target["target_date"]))
        expected = sum(
            (Decimal(cost["gap_workers"]) * k / len(path) * budget_premium(regency, m) for k, m in enumerate(path, 1)),
            Decimal(0),
        ).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        assert (cost["path_months"], cost["path_cost_rupiah"]) == (len(path), int(expected)), target_id
    assert published["sinjai_plus_20_points"]["monthly_premium_rupiah"] == 16_800  # no figure of its own: BPU, APBD
    assert "APBD" in published["sinjai_plus_20_points"]["premium_basis"]
    assert published["national_rpjmn_2025"]["path_months"] == 0 == published["national_rpjmn_2025"]["path_cost_rupiah"]


def test_the_sql_budget_premium_is_the_python_rule_month_by_month(run_pipeline):  # noqa: F811
    write_extract(run_pipeline.landing, "PALOPO_20251231.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 11)])
    run_pipeline(["PALOPO"], "2026-02-15")
    path = lake.model_path(run_pipeline.landing.parent / "lake", "int_budget_premium_months")
    rows = duckdb.sql(f"SELECT regency_code, month, monthly_rupiah FROM read_parquet('{path}')").fetchall()
    assert len(rows) > 500 * 200
    checked = 0
    for regency, month, amount in rows:
        if regency in (None, "73.16", "73.17", "73.13", "73.07") or month.month == 4:
            python = premiums.budget_premium(regency or "00.00", month) if regency else premiums.monthly_premium(
                "BPU", "APBD", month)  # fmt: skip
            assert amount == python.monthly_rupiah, (regency, month)
            checked += 1
    assert checked > 1000
