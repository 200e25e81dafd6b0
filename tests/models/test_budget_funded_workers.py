"""What the budget buys (marts.budget_funded_workers): Enrekang's covered workers whose premium its budget pays, by
category, the premium at Enrekang's own figure (Rp3,240 a month), and the benefits paid to them."""

from datetime import date

from tests.assets.test_pipeline_assets import check_results, run_pipeline  # noqa: F401 (the fixture)
from tests.factories import make_nik, row, write_extract
from tests.ingest.test_claims_ingest import claims_bytes, death

FUNDED = {"HONORER": 30, "PERANGKAT_DESA": 12}


def test_budget_funded_workers_their_premium_and_their_benefits(run_pipeline):  # noqa: F811
    people, serial = [], 0
    for category, n in FUNDED.items():
        for _ in range(n):
            serial += 1
            people.append(row(NIK=make_nik(serial=serial), SUMBER_IURAN="APBD", KATEGORI=category))
    people += [row(NIK=make_nik(serial=1000 + i), SUMBER_IURAN="MANDIRI") for i in range(20)]
    write_extract(run_pipeline.landing, "PALOPO_20251231.csv", people)
    honorer = people[0]["NIK"]
    payments = [
        death(honorer, 1, "SANTUNAN_KEMATIAN", "20.000.000", paid="2025-12-03") | {"KODE_WILAYAH": "73.16",
                                                                                    "KATEGORI": "HONORER"},
        death(honorer, 1, "BIAYA_PEMAKAMAN", "10.000.000", paid="2025-12-03") | {"KODE_WILAYAH": "73.16",
                                                                                  "KATEGORI": "HONORER"},
        death(people[-1]["NIK"], 2, "SANTUNAN_KEMATIAN", "20.000.000", paid="2025-12-04")
        | {"KODE_WILAYAH": "73.16", "SUMBER_IURAN": "MANDIRI", "KATEGORI": ""},  # not budget-funded
    ]  # fmt: skip
    (run_pipeline.landing / "PALOPO_KLAIM_202512.csv").write_bytes(claims_bytes(payments))
    con = run_pipeline(["PALOPO"], date(2025, 12, 31).isoformat())
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT category, budget_funded_workers, premium_12_months_rupiah, benefits_12_months_rupiah, "
            "workers_paid_12_months, benefits_per_rupiah_of_premium FROM marts.budget_funded_workers "
            "WHERE regency_code = '73.16'"
        ).fetchall()
    }
    year = 12 * 3_240  # Enrekang's own budget premium (budget_premiums.csv), every month of the year
    assert rows["ALL"][:4] == (42, 42 * year, 30_000_000, 1)
    assert rows["HONORER"][:4] == (30, 30 * year, 30_000_000, 1)
    assert rows["PERANGKAT_DESA"][:4] == (12, 12 * year, 0, 0)
    assert float(rows["ALL"][4]) == round(30_000_000 / (42 * year), 2)
    passed, _, _ = check_results(run_pipeline.refresh, run_pipeline.instance)[
        "budget_funded_workers_total_equals_categories"
    ]
    assert passed
