"""`ucj sample`'s claims months (issue 28, item 4), read back as plain CSV: the seeds for 2025 (Enrekang's amount,
workers and budget-funded amount; Luwu Timur's three Rp42 million death benefits in March), payees who are the
membership sample's people, a few bad rows of each kind the claims contract names; every file passes the
pipeline's pre-flight; the membership files are byte-identical to what the sample wrote before claims existed.

The rows are judged here from the contract's text (`docs/claims-extract.md`), sharing no code with the pipeline;
the pre-flight test then checks that the pipeline quarantines exactly the rows judged bad here.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.independent_coverage import _date, _read
from ucj_pipeline.contract.sample import generate_sample

pytestmark = pytest.mark.slow(35)  # seconds, for the test order (conftest): the whole sample, then 72 pre-flights

BRANCHES = ("PALOPO", "SINJAI", "LUWUTIMUR", "MAKASSAR", "PALU", "LUWUK")
MONTHS = range(1, 13)
BUDGET_FUNDED = {"APBD", "APBDES"}
# sha256 over (name, bytes) of the 18 membership files, in name order, of `generate_sample(folder)` (seed 20251231,
# scale 0.1), computed with the code as it was before the claims months were added (issue 28). If a numpy or pandas
# upgrade changes the bytes, recompute it at a commit before that change, never from the current code.
MEMBERSHIP_SHA256 = "626f798c5a562aa9d9289b48341103c529147011ebdb64e63ebf664760b6c5df"

# The claims contract, from its text.
AMOUNT = re.compile(r"[0-9]{1,3}(\.[0-9]{3})+|[0-9]+")
DEATH = ("SANTUNAN_KEMATIAN", "SANTUNAN_BERKALA", "BIAYA_PEMAKAMAN", "BEASISWA")
ALLOWED = {
    "JKM": {*DEATH, "LAINNYA"},
    "JKK": {*DEATH, "PERAWATAN", "STMB", "CACAT", "LAINNYA"},
    "JHT": {"SALDO_JHT", "LAINNYA"},
    "JP": {"PENSIUN", "LAINNYA"},
    "JKP": {"TUNAI_JKP", "LAINNYA"},
}
DEATH_PARTS = {"SANTUNAN_KEMATIAN": 20_000_000, "SANTUNAN_BERKALA": 12_000_000, "BIAYA_PEMAKAMAN": 10_000_000}
BAD_KINDS = ("42,000,000", "Rp 42.000.000", "42.000.000,00", "decimal", "outside_month", "pair", "duplicate")


def flaws(r: dict[str, str], month: int, seen: set) -> list[str]:
    """Why a claims row is quarantined (the kinds the sample plants, and the rules they could trip by accident)."""
    found = []
    amount = r["NOMINAL"]
    if not AMOUNT.fullmatch(amount):
        found.append(
            "42,000,000" if re.fullmatch(r"\d{1,3}(,\d{3})+", amount)
            else "Rp 42.000.000" if amount.startswith("Rp")
            else "42.000.000,00" if amount.endswith(",00")
            else "decimal" if re.fullmatch(r"\d+\.\d{1,2}", amount)
            else "amount"
        )  # fmt: skip
    elif not 0 < int(amount.replace(".", "")) <= 5_000_000_000:
        found.append("amount_range")
    paid, event = _date(r["TGL_BAYAR"]), _date(r["TGL_KEJADIAN"]) if r["TGL_KEJADIAN"] else None
    if paid is None or (paid.year, paid.month) != (2025, month):
        found.append("outside_month")
    if r["TGL_KEJADIAN"] and (event is None or (paid is not None and event > paid)):
        found.append("event")
    if r["MANFAAT"] not in ALLOWED.get(r["PROGRAM"], set()):
        found.append("pair")
    if not re.fullmatch(r"[A-Z0-9/-]{1,30}", r["NO_KLAIM"]) or not re.fullmatch(r"\d{16}", r["NIK"]):
        found.append("form")
    key = (r["NO_KLAIM"], r["MANFAAT"], r["TGL_BAYAR"])
    if key in seen:
        found.append("duplicate")
    seen.add(key)
    return found


def judged(path: Path) -> tuple[list[dict], list[tuple[int, list[str]]]]:
    """(accepted rows with their branch, month and amount; (line, flaws) of each quarantined row)."""
    branch, _, stamp = path.name.split(".")[0].split("_")
    month, seen = int(stamp[4:]), set()
    accepted, bad = [], []
    for line, r in enumerate(_read(path), start=2):
        found = flaws(r, month, seen)
        if found:
            bad.append((line, found))
        else:
            accepted.append({**r, "branch": branch, "month": month, "amount": int(r["NOMINAL"].replace(".", ""))})
    return accepted, bad


def membership(path: Path) -> pd.DataFrame:
    """A membership extract's NIK, funding source and region, as plain text."""
    data = path.read_bytes()
    data = gzip.decompress(data) if path.name.endswith(".gz") else data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    columns = ["NIK", "SUMBER_IURAN", "KODE_WILAYAH"]
    return pd.read_csv(io.StringIO(text), sep=sep, usecols=columns, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, list[Path]]:
    landing = tmp_path_factory.mktemp("landing")
    return landing, generate_sample(landing)


@pytest.fixture(scope="module")
def claims_files(sample) -> list[Path]:
    return sorted(p for p in sample[1] if "_KLAIM_" in p.name)


@pytest.fixture(scope="module")
def verdicts(claims_files) -> dict[str, tuple[list[dict], list]]:
    return {p.name: judged(p) for p in claims_files}


@pytest.fixture(scope="module")
def payments(verdicts) -> list[dict]:
    return [r for accepted, _ in verdicts.values() for r in accepted]


@pytest.fixture(scope="module")
def december_members(sample) -> dict[str, pd.DataFrame]:
    """Each branch's membership snapshot of 2025-12-31 (anyone enrolled before 2025 is in every snapshot)."""
    landing, files = sample
    return {b: membership(p) for b in BRANCHES for p in files if p.name.startswith(f"{b}_20251231.")}


def test_every_sample_branch_delivers_each_month_of_2025(sample, claims_files):
    landing, _ = sample
    assert [p.name for p in claims_files] == sorted(f"{b}_KLAIM_2025{m:02d}.csv" for b in BRANCHES for m in MONTHS)
    assert all(p.parent == landing for p in claims_files)
    assert sum(p.stat().st_size for p in claims_files) < 3_000_000  # small files


def test_enrekang_2025_reproduces_the_seeds(payments):
    enrekang = [r for r in payments if r["KODE_WILAYAH"].startswith("73.16")]
    assert {r["branch"] for r in enrekang} == {"PALOPO"}  # Enrekang's branch (branch_regencies.csv)
    assert 21_875_000_000 <= sum(r["amount"] for r in enrekang) <= 21_884_999_999  # Rp21.88 billion
    assert len({r["NIK"] for r in enrekang}) == 2_272
    funded = [r for r in enrekang if r["SUMBER_IURAN"] in BUDGET_FUNDED]
    assert 2_165_000_000 <= sum(r["amount"] for r in funded) <= 2_174_999_999  # Rp2.17 billion of it
    kinds = {(r["PROGRAM"], r["MANFAAT"]) for r in enrekang}
    assert {("JHT", "SALDO_JHT"), ("JP", "PENSIUN"), ("JKM", "BEASISWA"), ("JKK", "BEASISWA")} <= kinds
    assert {("JKM", b) for b in DEATH_PARTS} | {("JKK", "PERAWATAN"), ("JKK", "STMB")} <= kinds


def test_amounts_are_plausible_per_benefit(payments):
    by_kind = defaultdict(list)
    for r in payments:
        by_kind[r["PROGRAM"], r["MANFAAT"]].append(r["amount"])
    for benefit, amount in DEATH_PARTS.items():
        assert set(by_kind["JKM", benefit]) == {amount}  # the reference amounts: no death_benefit_amount warning
    jht = sorted(by_kind["JHT", "SALDO_JHT"])
    assert jht[0] >= 1_000_000 and 5_000_000 <= jht[len(jht) // 2] <= 30_000_000 and jht[-1] <= 1_000_000_000
    enrekang = [r for r in payments if r["KODE_WILAYAH"].startswith("73.16")]
    jht_share = sum(r["amount"] for r in enrekang if r["PROGRAM"] == "JHT") / sum(r["amount"] for r in enrekang)
    assert 0.6 <= jht_share <= 0.9  # JHT balances are the bulk (nationally 79% in 2024)
    assert all(300_000 <= a <= 1_000_000 for a in by_kind["JP", "PENSIUN"])  # a few hundred thousand a month
    scholarships = by_kind["JKM", "BEASISWA"] + by_kind["JKK", "BEASISWA"]
    assert all(1_500_000 <= a <= 24_000_000 for a in scholarships)
    assert all(50_000 <= a <= 200_000_000 for k in ("PERAWATAN", "STMB", "CACAT") for a in by_kind["JKK", k])


def test_luwu_timur_pays_three_fishermens_heirs_rp42_million_each_in_march(payments):
    deaths = [
        r for r in payments
        if r["branch"] == "LUWUTIMUR" and r["month"] == 3 and r["PROGRAM"] == "JKM" and r["MANFAAT"] in DEATH_PARTS
    ]  # fmt: skip
    heirs = defaultdict(dict)
    for r in deaths:
        heirs[r["NIK"]][r["MANFAAT"]] = r["amount"]
    assert len(heirs) == 3 and all(parts == DEATH_PARTS for parts in heirs.values())  # 20 + 12 + 10 = 42 M each
    assert len(deaths) == 9 and len({r["TGL_BAYAR"] for r in deaths}) == 1  # the three parts, the same day
    assert {(r["KATEGORI"], r["SEGMEN"]) for r in deaths} == {("NELAYAN", "BPU")}
    assert all(r["KODE_WILAYAH"].startswith("73.24") for r in deaths)
    assert all(_date(r["TGL_KEJADIAN"]) < _date(r["TGL_BAYAR"]) for r in deaths)


def test_payees_are_the_membership_samples_people_but_a_few(payments, december_members):
    members = {b: set(frame["NIK"]) for b, frame in december_members.items()}
    anyone = set().union(*members.values())
    for branch in BRANCHES:
        payees = {r["NIK"] for r in payments if r["branch"] == branch}
        strangers = payees - anyone  # the contract's payee_not_participant warning
        assert 1 <= len(strangers) <= 3, (branch, len(strangers))
        assert payees - strangers <= members[branch]  # paid by the branch whose books hold them
    palopo = december_members["PALOPO"]
    funded = set(
        palopo.loc[palopo["SUMBER_IURAN"].isin(BUDGET_FUNDED) & palopo["KODE_WILAYAH"].str.startswith("73.16"), "NIK"]
    )
    enrekang = [r for r in payments if r["KODE_WILAYAH"].startswith("73.16")]
    budget_payees = {r["NIK"] for r in enrekang if r["SUMBER_IURAN"] in BUDGET_FUNDED}
    assert len(budget_payees) >= 100 and budget_payees <= funded  # among Enrekang's budget-funded participants
    assert len(funded) >= 17_125


def test_claim_numbers_are_well_formed_and_each_names_one_claim_of_its_branch(payments):
    owners = defaultdict(set)
    for r in payments:
        assert re.fullmatch(r"[A-Z0-9/-]{1,30}", r["NO_KLAIM"])
        owners[r["branch"], r["NO_KLAIM"]].add((r["NIK"], r["PROGRAM"]))
    assert all(len(owner) == 1 for owner in owners.values())  # one worker and programme per claim number
    numbers = Counter(number for _, number in owners)
    assert max(numbers.values()) == 1  # and here, unique across branches too


def test_a_few_bad_rows_of_each_kind_and_no_file_near_the_threshold(verdicts):
    kinds = Counter(kind for _, bad in verdicts.values() for _, found in bad for kind in found)
    assert set(kinds) == set(BAD_KINDS)  # nothing else is broken
    assert all(2 <= kinds[kind] <= 12 for kind in BAD_KINDS), kinds
    for name, (accepted, bad) in verdicts.items():
        assert len(bad) <= 0.05 * (len(accepted) + len(bad)), name


def test_every_claims_file_passes_the_pipelines_preflight_quarantining_exactly_the_bad_rows(claims_files, verdicts):
    from ucj_pipeline.ingest.preflight import check_files

    reports = check_files(claims_files, 0.05, date(2026, 1, 15))
    for path, report in zip(claims_files, reports, strict=True):
        assert report.accepted, report.text
        accepted, bad = verdicts[path.name]
        counts = re.search(r"([\d,]+) rows read, ([\d,]+) would be quarantined", report.text)
        assert (int(counts[1].replace(",", "")), int(counts[2].replace(",", ""))) == (
            len(accepted) + len(bad),
            len(bad),
        ), report.text
        lines = {int(n) for shown in re.findall(r"\(rows ([\d, ]+)", report.text) for n in shown.split(", ")}
        assert lines == {line for line, _ in bad}, report.text


def test_membership_files_are_byte_identical_to_the_sample_before_claims(sample):
    _, files = sample
    membership = sorted(p.name for p in files if "_KLAIM_" not in p.name)
    names = [n for n in membership if "_2024" not in n]  # the snapshots of before the claims: a stream of their own
    assert len(names) == 18 and all(re.fullmatch(r"[A-Z]+_2025(1031|1130|1231)\.csv(\.gz)?", n) for n in names)
    assert len(membership) == 24 and sum("_20241231." in n for n in membership) == 6
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update((files[0].parent / name).read_bytes())
    assert digest.hexdigest() == MEMBERSHIP_SHA256


def test_the_claims_are_deterministic_for_a_seed(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    written = [generate_sample(folder, scale=0.02, branches=("PALU",)) for folder in (first, second)]
    assert [p.name for p in written[0]] == [p.name for p in written[1]]
    assert sum("_KLAIM_" in p.name for p in written[0]) == 12
    assert all(p.read_bytes() == (second / p.name).read_bytes() for p in written[0])
    other = generate_sample(tmp_path / "other", scale=0.02, seed=7, branches=("PALU",))
    assert (tmp_path / "other" / other[-1].name).read_bytes() != (second / other[-1].name).read_bytes()
