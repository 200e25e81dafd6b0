"""marts.benefits_paid and marts.benefits_year from claims files ingested by the domain code into a small lake, run
in-process (`ModelSession`), against an independent recomputation from the raw claims CSVs
(`tests/independent_benefits.py`): totals per regency, province and Indonesia, distinct workers paid, budget-funded
amounts, the months complete and the branch-months missing; the reconciliation checks; no personal value."""

import shutil
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from tests import independent_benefits as independent
from tests.factories import make_nik, row, write_extract
from tests.ingest.test_claims_ingest import HEIRS, KEY, TODAY, claims_bytes, three_fishermen
from ucj_pipeline.contract.pseudonymise import participant_key
from ucj_pipeline.contract.reference_data import REFERENCE_TABLES, known_branch_codes
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch
from ucj_pipeline.ingest.landing_store import LocalDelivery
from ucj_pipeline.models.sql_checks import discover_checks, run_check
from ucj_pipeline.models.sql_models import ModelSession, project_models, topological_order, upstream_tables
from ucj_pipeline.runtime.paths import UcjPaths

AS_OF = date(2025, 3, 31)  # the April file is month-to-date on TODAY (2025-04-10), after the reporting date
MARTS = ("benefits_paid", "benefits_year")
ENREKANG, LUWU, LUWU_TIMUR, MAKASSAR_CITY, ACEH_BARAT = "73.16", "73.17", "73.24", "73.71", "11.05"
# Workers paid in more than one regency, month or benefit: counted once per region.
W1, W2 = make_nik(serial=501), make_nik(serial=502)


def claim(number: str, nik: str, programme: str, benefit: str, amount: str, paid: str, regency: str,
          funding: str = "MANDIRI", segment: str = "BPU", category: str = "") -> dict[str, str]:  # fmt: skip
    return {
        "NO_KLAIM": number, "NIK": nik, "PROGRAM": programme, "MANFAAT": benefit, "TGL_KEJADIAN": "",
        "TGL_BAYAR": paid, "NOMINAL": amount, "SEGMEN": segment, "SUMBER_IURAN": funding, "KATEGORI": category,
        "KODE_WILAYAH": regency,
    }  # fmt: skip


def palopo_march() -> list[dict[str, str]]:
    """50 payments in Enrekang and Luwu across every programme and funding source, one with a bad amount and one
    repeated (both quarantined, 2 of 52 rows: the file is accepted)."""
    kinds = [
        ("JHT", "SALDO_JHT", "15.250.000"), ("JKK", "PERAWATAN", "3.400.000"), ("JKM", "BEASISWA", "5.000.000"),
        ("JP", "PENSIUN", "1.250.000"), ("JKP", "TUNAI_JKP", "2.100.000"), ("JKK", "BEASISWA", "1500000"),
    ]  # fmt: skip
    funding = ["APBD", "APBDES", "MANDIRI", "PEMBERI_KERJA", "APBD"]
    rows = []
    for i in range(48):
        programme, benefit, amount = kinds[i % len(kinds)]
        rows.append(claim(f"KLM/PLP/03{i:03d}", make_nik(serial=600 + i % 40), programme, benefit, amount,
                          f"2025-03-{10 + i % 15:02d}", (ENREKANG, LUWU)[i % 2], funding[i % 5],
                          "PU" if i % 3 else "BPU", "HONORER" if i % 4 == 0 else ""))  # fmt: skip
    rows.append(claim("KLM/PLP/03900", W1, "JKK", "PERAWATAN", "2.750.000", "2025-03-17", LUWU, "APBD"))
    rows.append(claim("KLM/PLP/03901", W2, "JHT", "SALDO_JHT", "8.800.000", "2025-03-18", ENREKANG))
    rows.append(claim("KLM/PLP/03902", W2, "JKK", "CACAT", "42,000,000", "2025-03-18", ENREKANG))  # amount_format
    rows.append(dict(rows[0]))  # duplicate_payment
    return rows


def deliveries() -> dict[str, list[dict[str, str]]]:
    """Claims files by name; PALOPO_KLAIM_202501_01.csv is a resend, ingested in a second run."""
    return {
        # Palopo (Enrekang, Luwu, ...): January replaced by a resend, February rejected, March accepted.
        "PALOPO_KLAIM_202501.csv": [
            claim("KLM/PLP/01001", W1, "JHT", "SALDO_JHT", "99.000.000", "2025-01-20", ENREKANG),  # replaced
        ],
        "PALOPO_KLAIM_202501_01.csv": [
            claim("KLM/PLP/01001", W1, "JHT", "SALDO_JHT", "12.345.000", "2025-01-20", ENREKANG),
            claim("KLM/PLP/01002", W2, "JKM", "BEASISWA", "5.000.000", "2025-01-21", ENREKANG, "APBDES"),
        ],
        "PALOPO_KLAIM_202502.csv": [
            claim(f"KLM/PLP/02{i:03d}", W1, "JHT", "SALDO_JHT", "Rp 1.000.000", "2025-02-11", ENREKANG)
            for i in range(5)
        ],  # every amount is an error: rejected, February stays missing
        "PALOPO_KLAIM_202503.csv": palopo_march(),
        # Luwu Timur: an empty January, February, the fishermen's March, a month-to-date April after the reporting
        # date.
        "LUWUTIMUR_KLAIM_202501.csv": [],
        "LUWUTIMUR_KLAIM_202502.csv": [
            claim(
                "KLM/LTM/02001",
                HEIRS[0],
                "JKK",
                "STMB",
                "4.125.000",
                "2025-02-14",
                LUWU_TIMUR,
                "APBD",
                "BPU",
                "NELAYAN",
            ),  # fmt: skip
        ],
        "LUWUTIMUR_KLAIM_202503.csv": three_fishermen(),
        "LUWUTIMUR_KLAIM_202504.csv": [
            claim("KLM/LTM/04001", HEIRS[1], "JKM", "BEASISWA", "7.000.000", "2025-04-05", LUWU_TIMUR, "APBD"),
        ],
        # Makassar: a payment counted in Enrekang (so Enrekang's figures depend on Makassar too), an empty February,
        # March never delivered.
        "MAKASSAR_KLAIM_202501.csv": [
            claim(
                "KLM/MKS/01001",
                make_nik(region="7371", serial=1),
                "JP",
                "PENSIUN",
                "2.000.000",
                "2025-01-23",
                MAKASSAR_CITY,
                "PEMBERI_KERJA",
                "PU",
            ),  # fmt: skip
            claim("KLM/MKS/01002", W2, "JKK", "PERAWATAN", "6.600.000", "2025-01-24", ENREKANG, "APBD"),
        ],
        "MAKASSAR_KLAIM_202502.csv": [],
        # Aceh Barat: another province, every month delivered.
        **{
            f"ACEHBARAT_KLAIM_2025{m:02d}.csv": [
                claim(
                    f"KLM/ACB/{m:02d}001",
                    make_nik(region="1105", serial=m),
                    "JKM",
                    "SANTUNAN_KEMATIAN",
                    "20.000.000",
                    f"2025-{m:02d}-19",
                    ACEH_BARAT,
                    "APBDES",
                ),  # fmt: skip
                claim(
                    f"KLM/ACB/{m:02d}002",
                    make_nik(region="1105", serial=9),
                    "JHT",
                    "SALDO_JHT",
                    "3.000.000",
                    f"2025-{m:02d}-19",
                    ACEH_BARAT,
                ),  # fmt: skip
            ]
            for m in (1, 2, 3)
        },
    }


RESEND = "PALOPO_KLAIM_202501_01.csv"
BRANCHES = ("PALOPO", "LUWUTIMUR", "MAKASSAR", "ACEHBARAT")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The lake after two runs of ingest (the resend in the second), and the two marts run on it."""
    home = tmp_path_factory.mktemp("home")
    paths = UcjPaths(home).ensure()
    settings = IngestSettings(paths=paths, pseudonym_key=KEY)
    for name, build in REFERENCE_TABLES.items():
        lake.write_parquet(build(), lake.reference_path(paths.lake, name), lake.SCHEMAS[name])
    delivered = home / "delivered"  # the raw files as the branches sent them, for the independent recomputation
    delivered.mkdir()
    for name, rows in deliveries().items():
        (delivered / name).write_bytes(claims_bytes(rows))
    # Two branches' empty months are the same bytes, and ingest rejects the second as a copy of the other branch's
    # file (copy_of_other_branch): Makassar's is sent with semicolons.
    empty = delivered / "MAKASSAR_KLAIM_202502.csv"
    empty.write_bytes(empty.read_bytes().replace(b",", b";"))
    write_extract(paths.landing, "PALOPO_20250331.csv", [row(NIK=n) for n in (W1, W2)])
    write_extract(paths.landing, "LUWUTIMUR_20250331.csv", [row(NIK=n, KODE_WILAYAH=LUWU_TIMUR) for n in HEIRS])

    def ingest(names: list[str]) -> dict[str, dict]:
        for name in names:
            shutil.copy(delivered / name, paths.landing / name)
        files = [LocalDelivery(p) for p in sorted(paths.landing.iterdir()) if not p.name.endswith(".done")]
        return {
            o.log_row["file_name"]: o.log_row
            for branch in BRANCHES
            for o in ingest_branch(branch, files, settings, known_branch_codes(), TODAY)
        }

    log = ingest([n for n in deliveries() if n != RESEND])
    log |= ingest([RESEND])
    models = project_models()
    needed = set(MARTS).union(*(upstream_tables(m, models) for m in MARTS))
    with ModelSession(models, paths.lake, AS_OF, paths.tmp) as session:
        for name in topological_order(models):
            if name in needed:
                session.run(models[name])
    con = duckdb.connect()
    for mart in MARTS:
        con.execute(f"CREATE VIEW {mart} AS SELECT * FROM read_parquet('{lake.model_path(paths.lake, mart)}')")
    ref = independent.reference()
    months = independent.counted(sorted(delivered.iterdir()), AS_OF, TODAY, ref)
    return paths, models, log, con, ref, months


def rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def test_the_deliveries_are_what_the_scenario_says(built):
    _, _, log, _, _, months = built
    outcomes = {name: r["outcome"] for name, r in log.items()}
    assert outcomes["PALOPO_KLAIM_202502.csv"] == "rejected"
    assert outcomes["PALOPO_KLAIM_202503.csv"] == "accepted" and log["PALOPO_KLAIM_202503.csv"]["rows_quarantined"] == 2
    assert outcomes["LUWUTIMUR_KLAIM_202501.csv"] == outcomes["MAKASSAR_KLAIM_202502.csv"] == "accepted"
    assert outcomes[RESEND] == outcomes["PALOPO_KLAIM_202501.csv"] == "accepted"
    # The independent reading agrees on which branch-months count.
    assert ("PALOPO", date(2025, 2, 1)) not in months and ("MAKASSAR", date(2025, 3, 1)) not in months
    assert months[("LUWUTIMUR", date(2025, 1, 1))] == [] and ("LUWUTIMUR", date(2025, 4, 1)) not in months
    assert sum(p.amount for p in months[("PALOPO", date(2025, 1, 1))]) == 12_345_000 + 5_000_000


def test_benefits_paid_equals_the_independent_recomputation(built):
    _, _, _, con, _, months = built
    published = {
        (r["region_level"], r["region_code"], r["month"], r["programme"], r["benefit"], r["segment"],
         r["funding_source"]): (r["payments"], r["amount_rupiah"], r["workers_paid"])
        for r in rows(con, "SELECT * FROM benefits_paid")
    }  # fmt: skip
    expected = independent.benefits_paid(months)
    assert published == expected
    assert len(published) == len(rows(con, "SELECT * FROM benefits_paid"))  # one row per key
    # The resend replaced January's original (Rp99 M); April is after the reporting date.
    enrekang_jan = [v for k, v in published.items() if k[:3] == ("regency", ENREKANG, date(2025, 1, 1))]
    assert sum(amount for _, amount, _ in enrekang_jan) == 12_345_000 + 5_000_000 + 6_600_000
    assert date(2025, 4, 1) not in {k[2] for k in published}
    fishermen = published[("regency", LUWU_TIMUR, date(2025, 3, 1), "JKM", "SANTUNAN_KEMATIAN", "BPU", "APBD")]
    assert fishermen == (3, 60_000_000, 3)


def test_workers_paid_counts_a_worker_once_in_the_region_not_as_a_sum(built):
    _, _, _, con, _, _ = built
    # W1 is paid in Enrekang (January) and Luwu (March): once in each regency, once in the province for the year.
    year = {(r["region_level"], r["region_code"]): r for r in rows(con, "SELECT * FROM benefits_year")}
    province, regencies = (
        year[("province", "73")],
        [v for k, v in year.items() if k[0] == "regency" and k[1][:2] == "73"],
    )
    assert province["workers_paid"] < sum(r["workers_paid"] for r in regencies)
    assert province["amount_rupiah"] == sum(r["amount_rupiah"] for r in regencies)
    national = year[("national", "ID")]
    assert national["amount_rupiah"] == sum(v["amount_rupiah"] for k, v in year.items() if k[0] == "province")


def test_benefits_year_equals_the_independent_recomputation(built):
    _, _, _, con, ref, months = built
    published = {
        (r.pop("region_level"), r.pop("region_code"), r.pop("year")): r
        for r in rows(con, "SELECT * EXCLUDE (as_of_date, region_name) FROM benefits_year")
    }
    expected = independent.benefits_year(months, AS_OF, ref)
    assert len(published) == len(expected) == 1 + len(ref.provinces) + len(ref.regencies)  # one year: 2025
    assert published == expected
    enrekang = published[("regency", ENREKANG, 2025)]
    assert (enrekang["months_due"], enrekang["months_complete"]) == (3, 1)
    assert enrekang["missing_branch_months"] == "MAKASSAR 2025-03; PALOPO 2025-02"
    luwu_timur = published[("regency", LUWU_TIMUR, 2025)]
    assert (luwu_timur["months_complete"], luwu_timur["missing_branch_months"]) == (3, None)
    assert luwu_timur["amount_jkm"] == 3 * 42_000_000 and luwu_timur["amount_jkk"] == 4_125_000
    assert luwu_timur["amount_to_budget_funded"] == luwu_timur["amount_rupiah"]  # every payment there: APBD
    assert (luwu_timur["workers_paid"], luwu_timur["workers_paid_budget_funded"]) == (3, 3)
    assert published[("regency", LUWU, 2025)]["missing_branch_months"] == "PALOPO 2025-02"
    aceh = published[("regency", ACEH_BARAT, 2025)]
    assert (aceh["amount_jkm"], aceh["amount_to_budget_funded"], aceh["workers_paid_budget_funded"]) == (
        60_000_000, 60_000_000, 3)  # fmt: skip
    assert published[("province", "11", 2025)]["missing_branch_months"] is not None  # Aceh's other branches
    for columns in published.values():  # the programmes split the total; scholarships are inside JKM and JKK
        assert columns["amount_rupiah"] == sum(columns[f"amount_{p}"] for p in ("jht", "jkk", "jkm", "jp", "jkp"))
        assert columns["amount_scholarships"] <= columns["amount_jkm"] + columns["amount_jkk"]


def test_whole_rupiah_and_counts_are_integers(built):
    _, _, _, con, _, _ = built
    types = {(table, name): kind for table in MARTS for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()}
    assert types[("benefits_paid", "amount_rupiah")] == "DECIMAL(18,0)"
    assert types[("benefits_paid", "payments")] == types[("benefits_paid", "workers_paid")] == "BIGINT"
    amounts = [k for k in types if k[0] == "benefits_year" and k[1].startswith("amount_")]
    assert len(amounts) == 8 and {types[k] for k in amounts} == {"DECIMAL(18,0)"}
    assert {types[("benefits_year", c)] for c in ("workers_paid", "months_complete", "months_due")} == {"BIGINT"}
    assert con.execute("SELECT sum(amount_rupiah) FROM benefits_year").fetchone()[0] % 1 == Decimal(0)


def test_the_reconciliation_checks_pass_and_catch_a_province_that_is_not_the_sum(built):
    paths, models, _, _, _, _ = built
    checks = {n: c for n, c in discover_checks(models).items() if c.asset in MARTS}
    assert len(checks) == 2 and all(c.blocking for c in checks.values())
    for check in checks.values():
        assert run_check(check, models, paths.lake, AS_OF).passed, check.name
    for mart in MARTS:  # a province's amount off by one rupiah: the mart's check sees the province and Indonesia
        path = lake.model_path(paths.lake, mart)
        original = path.read_bytes()
        try:
            with duckdb.connect() as con:
                con.execute(
                    f"COPY (SELECT * REPLACE (CASE WHEN region_level = 'province' AND region_code = '73' "
                    f"THEN amount_rupiah + 1 ELSE amount_rupiah END AS amount_rupiah) FROM read_parquet('{path}')) "
                    f"TO '{path}.tmp' (FORMAT parquet)"
                )
            path.with_name(path.name + ".tmp").replace(path)
            [check] = [c for c in checks.values() if c.asset == mart]
            result = run_check(check, models, paths.lake, AS_OF)
            assert check.name == f"{mart}_levels_add_up" and not result.passed
            assert {(row[0], row[1]) for row in result.rows} == {("province", "73"), ("national", "ID")}, result.rows
        finally:
            path.write_bytes(original)


def test_no_personal_value_and_nothing_below_a_regency(built):
    _, _, _, con, _, _ = built
    raw = deliveries()
    secrets = set()
    for records in raw.values():
        for r in records:
            secrets |= {r["NIK"], r["NO_KLAIM"], r["TGL_BAYAR"], str(participant_key(r["NIK"], KEY))}
    secrets.discard("")
    for table in MARTS:
        assert {r[0] for r in con.execute(f"SELECT DISTINCT region_level FROM {table}").fetchall()} == {
            "national", "province", "regency"}  # fmt: skip
        assert all(len(code) <= 5 for (code,) in con.execute(f"SELECT DISTINCT region_code FROM {table}").fetchall())
        columns = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
        assert not {"participant_key", "village_code", "payment_date", "claim_number", "nik"} & set(columns)
        for record in con.execute(f"SELECT * FROM {table}").fetchall():
            for value in record:
                text = "" if value is None else str(value)
                assert not any(secret in text for secret in secrets), (table, value)
