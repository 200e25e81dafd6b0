"""An independent recomputation of the published benefits from the claims files, for tests.

Plain Python over the raw claims CSV files and the reference CSVs, one row at a time, written from the text of the
claims contract (docs/claims-extract.md) and sharing no code with the pipeline (only the CSV reading, date parsing
and NIK structure of `tests/independent_coverage.py`). If the pipeline and this disagree, one of them misreads the
contract.

What counts: for each branch and month up to the reporting date's month, the file with the highest resend among
those the contract accepts (at most 5% of its rows quarantined; a header with no rows is a complete, empty month).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.independent_coverage import _date, _nik_ok, _read

REFERENCE = Path(__file__).resolve().parents[1] / "ucj_pipeline" / "contract" / "reference"
NAME = re.compile(r"([A-Z0-9]+)_KLAIM_(\d{4})(\d{2})(?:_(\d{2}))?\.csv")
DEATH = {"SANTUNAN_KEMATIAN", "SANTUNAN_BERKALA", "BIAYA_PEMAKAMAN", "BEASISWA"}
PAIRS = {
    "JKM": DEATH,
    "JKK": DEATH | {"PERAWATAN", "STMB", "CACAT"},
    "JHT": {"SALDO_JHT"},
    "JP": {"PENSIUN"},
    "JKP": {"TUNAI_JKP"},
}
SEGMENTS = {"PU", "BPU", "JAKON", "PMI"}
FUNDING = {"MANDIRI", "PEMBERI_KERJA", "APBD", "APBDES", "CSR", "LAINNYA"}
BUDGET = {"APBD", "APBDES"}
QUARANTINE_THRESHOLD = 0.05


@dataclass(frozen=True)
class Payment:
    branch: str
    month: date
    nik: str
    programme: str
    benefit: str
    segment: str
    funding: str
    regency: str
    amount: int


@dataclass(frozen=True)
class Reference:
    provinces: set[str]
    regencies: dict[str, str]  # code -> province code
    villages: set[str]
    service_areas: dict[str, set[str]]  # regency -> branches serving it
    branches: set[str]


def reference() -> Reference:
    def rows(name: str) -> list[dict[str, str]]:
        with open(REFERENCE / name, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    areas: dict[str, set[str]] = defaultdict(set)
    for r in rows("branch_regencies.csv"):
        areas[r["regency_code"]].add(r["branch_code"])
    return Reference(
        provinces={r["code"] for r in rows("provinces.csv")},
        regencies={r["code"]: r["province_code"] for r in rows("regencies.csv")},
        villages={r["code"] for r in rows("villages.csv")},
        service_areas=dict(areas),
        branches={r["branch_code"] for r in rows("branches.csv")},
    )


def _amount(text: str) -> int | None:
    if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+|[0-9]+", text):
        return None
    value = int(text.replace(".", ""))
    return value if 0 < value <= 5_000_000_000 else None


def _regency(text: str, ref: Reference) -> str | None:
    digits = text.replace(".", "")
    if re.fullmatch(r"\d{4}", digits):
        code = f"{digits[:2]}.{digits[2:]}"
        return code if code in ref.regencies else None
    if re.fullmatch(r"\d{10}", digits):
        code = f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
        return code[:5] if code in ref.villages and code[:5] in ref.regencies else None
    return None


def _payment(r: dict[str, str], branch: str, month: date, delivered_on: date, ref: Reference) -> Payment | None:
    """The payment of a row passing every row rule of the contract, else None."""
    nik = re.sub(r"[\s.\-]", "", r["NIK"].lstrip("'"))
    programme, benefit = r["PROGRAM"], r["MANFAAT"]
    paid = _date(r["TGL_BAYAR"])
    event = _date(r["TGL_KEJADIAN"]) if r.get("TGL_KEJADIAN") else None
    amount, regency = _amount(r["NOMINAL"]), _regency(r["KODE_WILAYAH"], ref)
    ok = (
        re.fullmatch(r"[A-Z0-9/-]{1,30}", r["NO_KLAIM"])
        and _nik_ok(nik, ref.provinces)
        and (benefit == "LAINNYA" and programme in PAIRS or benefit in PAIRS.get(programme, ()))
        and paid is not None
        and (paid.year, paid.month) == (month.year, month.month)
        and paid <= delivered_on
        and (not r.get("TGL_KEJADIAN") or (event is not None and event <= paid))
        and amount is not None
        and r["SEGMEN"] in SEGMENTS
        and r["SUMBER_IURAN"] in FUNDING
        and (not r.get("KATEGORI") or re.fullmatch(r"[A-Z]+(_[A-Z]+)*", r["KATEGORI"]))
        and regency is not None
    )
    if not ok:
        return None
    return Payment(branch, month, nik, programme, benefit, r["SEGMEN"], r["SUMBER_IURAN"], regency, amount)


def accepted_payments(path: Path, delivered_on: date, ref: Reference) -> list[Payment] | None:
    """The payments a claims file contributes, or None when the file is rejected (more than 5% of rows quarantined);
    the same claim number, benefit and payment date twice: the first is kept."""
    branch, year, month_number, _ = NAME.fullmatch(path.name).groups()
    month = date(int(year), int(month_number), 1)
    rows = _read(path)
    kept, seen = [], set()
    for r in rows:
        payment = _payment(r, branch, month, delivered_on, ref)
        key = (r["NO_KLAIM"], r["MANFAAT"], _date(r["TGL_BAYAR"]))
        if payment is None or key in seen:
            continue
        seen.add(key)
        kept.append(payment)
    return None if len(rows) - len(kept) > QUARANTINE_THRESHOLD * len(rows) else kept


def counted(
    files: list[Path], as_of: date, delivered_on: date, ref: Reference
) -> dict[tuple[str, date], list[Payment]]:
    """(branch, month) -> the payments of its accepted file with the highest resend, months up to as_of's."""
    best: dict[tuple[str, date], tuple[int, list[Payment]]] = {}
    for path in files:
        branch, year, month_number, resend = NAME.fullmatch(path.name).groups()
        month = date(int(year), int(month_number), 1)
        if month > as_of:
            continue
        payments = accepted_payments(path, delivered_on, ref)
        number = int(resend or 0)
        if payments is not None and ((branch, month) not in best or number > best[(branch, month)][0]):
            best[(branch, month)] = (number, payments)
    return {key: payments for key, (_, payments) in best.items()}


def _regions(regency: str) -> list[tuple[str, str]]:
    return [("regency", regency), ("province", regency[:2]), ("national", "ID")]


def benefits_paid(months: dict[tuple[str, date], list[Payment]]) -> dict[tuple, tuple[int, int, int]]:
    """(level, region, month, programme, benefit, segment, funding) -> (payments, amount, distinct workers)."""
    cells: dict[tuple, list[Payment]] = defaultdict(list)
    for payments in months.values():
        for p in payments:
            for level, region in _regions(p.regency):
                cells[(level, region, p.month, p.programme, p.benefit, p.segment, p.funding)].append(p)
    return {k: (len(ps), sum(p.amount for p in ps), len({p.nik for p in ps})) for k, ps in cells.items()}


def benefits_year(months: dict[tuple[str, date], list[Payment]], as_of: date, ref: Reference) -> dict[tuple, dict]:
    """(level, region, year) -> the published columns of benefits_year, for every regency, province and Indonesia and
    every year from the first with a counted file to as_of's."""
    if not months:
        return {}
    first = min(month for _, month in months)
    years = range(first.year, as_of.year + 1)
    regions = [("national", "ID")] + [("province", p) for p in ref.provinces]
    regions += [("regency", r) for r in ref.regencies]
    out = {}
    for year in years:
        due = [date(year, m, 1) for m in range(1, 13) if date(year, m, 1) <= as_of]
        paid = [p for ps in months.values() for p in ps if p.month.year == year]
        depends: dict[str, set[str]] = {r: set(b) for r, b in ref.service_areas.items()}
        for p in paid:
            depends.setdefault(p.regency, set()).add(p.branch)
        missing_in: dict[tuple[str, str], set[tuple[str, date]]] = defaultdict(set)
        for regency, branches in depends.items():
            for branch in branches:
                for month in due:
                    if (branch, month) not in months:
                        for region in _regions(regency):
                            missing_in[region].add((branch, month))
        by_region: dict[tuple[str, str], list[Payment]] = defaultdict(list)
        for p in paid:
            for region in _regions(p.regency):
                by_region[region].append(p)
        for region in regions:
            ps, missing = by_region.get(region, []), missing_in.get(region, set())
            per_branch: dict[str, list[date]] = defaultdict(list)
            for branch, month in missing:
                per_branch[branch].append(month)
            text = "; ".join(
                f"{b} " + ", ".join(m.strftime("%Y-%m") for m in sorted(ms)) for b, ms in sorted(per_branch.items())
            )
            budget = [p for p in ps if p.funding in BUDGET]
            out[(*region, year)] = {
                "amount_rupiah": sum(p.amount for p in ps),
                "workers_paid": len({p.nik for p in ps}),
                **{f"amount_{prog.lower()}": sum(p.amount for p in ps if p.programme == prog) for prog in PAIRS},
                "amount_scholarships": sum(p.amount for p in ps if p.benefit == "BEASISWA"),
                "amount_to_budget_funded": sum(p.amount for p in budget),
                "workers_paid_budget_funded": len({p.nik for p in budget}),
                "months_due": len(due),
                "months_complete": len(due) - len({month for _, month in missing}),
                "missing_branch_months": text or None,
            }
    return out
