"""Synthetic claims months for the sample branches (`docs/claims-extract.md`, issue 28). SYNTHETIC DATA.

`sample.generate_sample` calls `write_claims_months` after the membership extracts, with the very people they hold (so a
payment links to its participant through the NIK) and a random generator of its own (so the membership files stay
byte-identical for a seed). Every branch delivers `<BRANCH>_KLAIM_<YYYYMM>.csv` for each month of 2025, in its
source system's delimiter, encoding and date format, and the accepted rows reproduce the seeds:

- Enrekang (73.16, branch PALOPO), 2025: exactly Rp21,880,000,000 to exactly 2,272 distinct workers, exactly
  Rp2,170,000,000 of it to workers whose premium a regional or village budget pays (`APBD`, `APBDES`: drawn from
  the regency's 17,125 APBD-funded participants and its village staff on APBDES), across JHT, JKK, JKM, JP and
  scholarships;
- Luwu Timur (73.24), March 2025: the only JKM death benefits of the month, three of Rp42 million (lump sum
  20 M + periodic 12 M + funeral 10 M, paid the same day) to heirs of fishermen (`NELAYAN`, `BPU`);
- every other regency: smaller plausible payments (about 1.2% of its participants paid in the year).

Each branch-year also has one to three payees in no membership snapshot (`payee_not_participant`), and one bad
row of each kind the contract names (four amount forms, a payment date outside the month, a disallowed
programme/benefit pair, a duplicate payment), each in a different month of at least `MIN_ROWS_FOR_A_BAD_ROW`
good rows, so that no file comes near the quarantine threshold. Bad rows are extra rows: the seeds are over the
accepted ones.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ucj_pipeline.contract.reference_data import branch_service_areas, region_codes
from ucj_pipeline.contract.sample_extracts import ENREKANG, LUWU_TIMUR, STYLES, BranchStyle
from ucj_pipeline.runtime.atomic_files import written_atomically

CLAIM_YEAR = 2025
COLUMNS = (
    "NO_KLAIM",
    "NIK",
    "PROGRAM",
    "MANFAAT",
    "TGL_KEJADIAN",
    "TGL_BAYAR",
    "NOMINAL",
    "SEGMEN",
    "SUMBER_IURAN",
    "KATEGORI",
    "KODE_WILAYAH",
)
BUDGET_FUNDED = ("APBD", "APBDES")
# PP 82/2019 (reference `benefit_amounts.csv`): the JKM death benefit, Rp42 million in three parts.
DEATH_PARTS = (("SANTUNAN_KEMATIAN", 20_000_000), ("SANTUNAN_BERKALA", 12_000_000), ("BIAYA_PEMAKAMAN", 10_000_000))
# PP 82/2019 scholarship per child and year: kindergarten/primary, junior, senior high school, university.
SCHOLARSHIPS = np.array([1_500_000, 2_000_000, 3_000_000, 12_000_000])
SCHOLARSHIP_SHARES = np.array([0.4, 0.25, 0.25, 0.1])

# The seeds (SOURCES.md, "Seeds, claims"): Enrekang, 2025.
ENREKANG_AMOUNT = 21_880_000_000
ENREKANG_WORKERS = 2_272
ENREKANG_BUDGET_AMOUNT = 2_170_000_000
ENREKANG_OUTSIDERS = 2  # payees in no membership snapshot: one JHT balance, one work-accident claim
# Workers paid in Enrekang by kind; JHT balances take the rest of the workers and of the amount.
ENREKANG_BUDGET_PLAN = {"death": 24, "scholarship": 20, "jkk": 200, "jht": 60}
ENREKANG_OTHER_PLAN = {"death": 16, "scholarship": 40, "pension": 90, "jkk": 700}
# Elsewhere: workers paid in the year per participant, and their mix.
PAID_SHARE = 0.012
OTHER_MIX = {"jht": 0.55, "jkk": 0.33, "death": 0.03, "scholarship": 0.04, "pension": 0.05}
LUWU_TIMUR_FISHERMEN_PAID = date(2025, 3, 14)
BAD_KINDS = ("amount_commas", "amount_rupiah", "amount_decimal_comma", "amount_decimal", "outside_month", "pair",
             "duplicate")  # fmt: skip
MIN_ROWS_FOR_A_BAD_ROW = 40  # one bad row in a file of at least 40 good ones: at most 2.4% quarantined


class _Book:
    """A branch's payments of the year: rows (values still typed: dates, whole rupiah) and its claim numbers."""

    def __init__(self, branch: str):
        self.branch = branch
        self.rows: list[dict] = []
        self.serial = 0

    def claim_number(self, programme: str, regency: str) -> str:
        self.serial += 1  # unique within the branch: `JKM/7316/2500042`
        return f"{programme}/{regency.replace('.', '')}/{CLAIM_YEAR % 100}{self.serial:05d}"

    def pay(self, person, claim: str, programme: str, benefit: str, event: date | None, paid: date, amount: int):
        row = {
            "NO_KLAIM": claim,
            "NIK": person.NIK,
            "PROGRAM": programme,
            "MANFAAT": benefit,
            "TGL_KEJADIAN": event,
            "TGL_BAYAR": paid,
            "NOMINAL": int(amount),
            "SEGMEN": person.SEGMEN,
            "SUMBER_IURAN": person.SUMBER_IURAN,
            "KATEGORI": person.KATEGORI,
            "KODE_WILAYAH": person.KODE_WILAYAH,
        }
        self.rows.append(row)
        return row


def _working_day(month: int, rng, first_week: bool = False) -> date:
    """A random working day (Monday to Friday) of the month; the first five working days for pensions."""
    days = [date(CLAIM_YEAR, month, d) for d in range(1, calendar.monthrange(CLAIM_YEAR, month)[1] + 1)]
    days = [d for d in days if d.weekday() < 5]
    return days[int(rng.integers(0, 5 if first_week else len(days)))]


def _days_before(day: date, low: int, high: int, rng) -> date:
    return day - timedelta(days=int(rng.integers(low, high)))


def _lognormal(median: float, sigma: float, low: int, high: int, rng, step: int = 1) -> int:
    amount = float(np.clip(rng.lognormal(np.log(median), sigma), low, high))
    return int(round(amount / step) * step)


def _jht(book: _Book, p, month: int, median: float, rng) -> list[dict]:
    """The old-age savings balance, paid at once some weeks after the worker left (amount fitted later for the
    seeds)."""
    paid = _working_day(month, rng)
    claim = book.claim_number("JHT", p.KODE_WILAYAH[:5])
    amount = _lognormal(median, 0.9, 1_000_000, 300_000_000, rng)
    return [book.pay(p, claim, "JHT", "SALDO_JHT", _days_before(paid, 20, 120, rng), paid, amount)]


def _death(book: _Book, p, paid: date, rng) -> list[dict]:
    """JKM on a death: lump sum, periodic benefit (24 x Rp500,000 at once) and funeral costs, the same day."""
    claim, died = book.claim_number("JKM", p.KODE_WILAYAH[:5]), _days_before(paid, 10, 60, rng)
    return [book.pay(p, claim, "JKM", benefit, died, paid, amount) for benefit, amount in DEATH_PARTS]


def _scholarship(book: _Book, p, month: int, rng) -> list[dict]:
    """A yearly scholarship for the children of a worker who died (JKM) or was disabled at work (JKK) earlier."""
    programme = "JKM" if rng.random() < 0.75 else "JKK"
    event = date(int(rng.integers(2019, 2025)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    children = 1 if rng.random() < 0.7 else 2
    amount = int(rng.choice(SCHOLARSHIPS, children, p=SCHOLARSHIP_SHARES).sum())
    claim = book.claim_number(programme, p.KODE_WILAYAH[:5])
    return [book.pay(p, claim, programme, "BEASISWA", event, _working_day(month, rng), amount)]


def _pension(book: _Book, p, first_month: int, rng) -> list[dict]:
    """A JP pension: a few hundred thousand rupiah in the first week of every month from `first_month`."""
    monthly = int(rng.integers(700, 1_900)) * 500  # Rp350,000 - Rp949,500
    claim = book.claim_number("JP", p.KODE_WILAYAH[:5])
    retired = date(CLAIM_YEAR, first_month, 1) - timedelta(days=int(rng.integers(20, 2_500)))
    return [
        book.pay(p, claim, "JP", "PENSIUN", retired, _working_day(m, rng, first_week=True), monthly)
        for m in range(first_month, 13)
    ]


def _work_accident(book: _Book, p, month: int, wage: float, rng) -> list[dict]:
    """JKK: care bills over one to three months, for some the wage while unable to work (STMB), rarely a
    disability lump sum; one claim."""
    claim = book.claim_number("JKK", p.KODE_WILAYAH[:5])
    first = _working_day(month, rng)
    accident = _days_before(date(CLAIM_YEAR, month, 1), 0, 30, rng)  # before the claim's first payment
    care_months = range(month, min(12, month + int(rng.choice([0, 1, 2], p=[0.7, 0.22, 0.08]))) + 1)
    rows = [
        book.pay(p, claim, "JKK", "PERAWATAN", accident, first if m == month else _working_day(m, rng),
                 _lognormal(700_000, 1.0, 100_000, 50_000_000, rng, step=100))
        for m in care_months
    ]  # fmt: skip
    if rng.random() < 0.2:
        for m in range(month, min(12, month + int(rng.integers(0, 2))) + 1):
            amount = int(rng.uniform(1_000_000, 3_000_000) * wage / 100) * 100
            rows.append(book.pay(p, claim, "JKK", "STMB", accident, _working_day(m, rng), amount))
    if rng.random() < 0.01:
        amount = int(rng.uniform(10_000_000, 60_000_000) * wage / 1_000) * 1_000
        rows.append(book.pay(p, claim, "JKK", "CACAT", accident, _working_day(min(12, month + 1), rng), amount))
    return rows


def _claimable(people: pd.DataFrame, regency: str) -> pd.DataFrame:
    """A regency's participants who can be paid in 2025: enrolled before it began, one record per NIK."""
    mine = people[people["KODE_WILAYAH"].str.startswith(regency) & (people["TGL_KEPESERTAAN"] < "2025-01-01")]
    return mine.drop_duplicates("NIK").reset_index(drop=True)


def _outsiders(regency: str, n: int, rng, taken: set[str]) -> pd.DataFrame:
    """Workers of a regency's employers in no membership snapshot (NIKs of valid form that the sample never
    enrolled)."""
    districts = region_codes().query("region_level == 'district' and regency_code == @regency")["region_code"]
    niks: list[str] = []
    while len(niks) < n:
        born = date(1965, 1, 1) + timedelta(days=int(rng.integers(0, 14_000)))
        day = born.day + (40 if rng.random() < 0.4 else 0)
        district = str(rng.choice(districts.to_numpy()))[-2:]
        nik = f"{regency.replace('.', '')}{district}{day:02d}{born:%m%y}{int(rng.integers(1, 10_000)):04d}"
        if nik not in taken:
            taken.add(nik)
            niks.append(nik)
    return pd.DataFrame(
        {"NIK": niks, "SEGMEN": "PU", "SUMBER_IURAN": "PEMBERI_KERJA", "KATEGORI": "", "KODE_WILAYAH": regency}
    )


def _draw(pool: pd.DataFrame, n: int, used: np.ndarray, eligible: np.ndarray, rng, exact: bool) -> pd.DataFrame:
    """`n` people of the pool not drawn yet, among the eligible ones (all of them if fewer, unless `exact`)."""
    free = np.flatnonzero(eligible & ~used)
    if exact and len(free) < n:
        raise ValueError(f"the sample has {len(free)} people for {n} claims")
    take = rng.choice(free, min(n, len(free)), replace=False)
    used[take] = True
    return pool.iloc[take]


def _regency_year(
    book: _Book,
    pool: pd.DataFrame,
    plan: dict[str, int],
    rng,
    jht_median: float,
    outsiders: pd.DataFrame | None = None,
    death_months: tuple[int, ...] = tuple(range(1, 13)),
    exact: bool = False,
) -> tuple[list[dict], list[dict]]:
    """One regency's (or one funding group's) payments of the year, each worker drawn once: (all rows, JHT rows)."""
    used = np.zeros(len(pool), dtype=bool)
    programmes = pool["PROGRAM"].fillna("")
    old = pd.to_datetime(pool["TGL_LAHIR"]) < "1969-01-01"
    wage = np.where(pool["SEGMEN"].isin(["PU", "JAKON"]), 1.8, 1.0)
    rows: list[dict] = []
    jht_rows: list[dict] = []
    # Scarce eligibility first: pensioners (wage earners in JP, born before 1969), then JHT savers.
    pensioners = _draw(pool, plan.get("pension", 0), used, (programmes.str.contains("JP") & old).to_numpy(), rng, exact)
    savers = _draw(pool, plan.get("jht", 0), used, programmes.str.contains("JHT").to_numpy(), rng, exact)
    anyone = np.ones(len(pool), dtype=bool)
    dead = _draw(pool, plan.get("death", 0), used, anyone, rng, exact)
    families = _draw(pool, plan.get("scholarship", 0), used, anyone, rng, exact)
    injured = _draw(pool, plan.get("jkk", 0), used, anyone, rng, exact)
    injured_wage = wage[pool.index.get_indexer(injured.index)]
    if outsiders is not None and len(outsiders):  # the first outsider saved JHT elsewhere, the next had an accident
        savers = pd.concat([savers, outsiders.iloc[:1]], ignore_index=True)
        injured = pd.concat([injured, outsiders.iloc[1:]], ignore_index=True)
        injured_wage = np.concatenate([injured_wage, np.full(len(outsiders) - 1, 1.8)])
    for p in pensioners.itertuples():
        rows += _pension(book, p, 1 if rng.random() < 0.7 else int(rng.integers(2, 13)), rng)
    for p in savers.itertuples():
        paid = _jht(book, p, int(rng.integers(1, 13)), jht_median, rng)
        rows += paid
        jht_rows += paid
    for p in dead.itertuples():
        rows += _death(book, p, _working_day(int(rng.choice(death_months)), rng), rng)
    for p in families.itertuples():
        rows += _scholarship(book, p, int(rng.integers(1, 13)), rng)
    for p, w in zip(injured.itertuples(), injured_wage, strict=True):
        rows += _work_accident(book, p, int(rng.integers(1, 13)), float(w), rng)
    return rows, jht_rows


def _fit_jht(rows: list[dict], jht_rows: list[dict], target: int) -> None:
    """Scale the JHT balances so that `rows` add up to `target` exactly (the rest of the rounding on the largest)."""
    fixed = sum(r["NOMINAL"] for r in rows) - sum(r["NOMINAL"] for r in jht_rows)
    need, drawn = target - fixed, sum(r["NOMINAL"] for r in jht_rows)
    if need < 1_000_000 * len(jht_rows):
        raise ValueError(f"JHT balances cannot make up Rp{need:,} over {len(jht_rows)} workers")
    for r in jht_rows:
        r["NOMINAL"] = max(1_000_000, round(r["NOMINAL"] * need / drawn))
    largest = max(jht_rows, key=lambda r: r["NOMINAL"])
    largest["NOMINAL"] += target - sum(r["NOMINAL"] for r in rows)


def _enrekang(book: _Book, people: pd.DataFrame, rng, taken: set[str]) -> None:
    """Enrekang's seeds, exactly: the amount, the workers and the amount to budget-funded workers."""
    pool = _claimable(people, ENREKANG)
    budget = pool["SUMBER_IURAN"].isin(BUDGET_FUNDED).to_numpy()
    plan = dict(ENREKANG_OTHER_PLAN)
    plan["jht"] = ENREKANG_WORKERS - ENREKANG_OUTSIDERS - sum(ENREKANG_BUDGET_PLAN.values()) - sum(plan.values())
    funded, funded_jht = _regency_year(
        book, pool[budget].reset_index(drop=True), ENREKANG_BUDGET_PLAN, rng, 6_000_000, exact=True
    )
    outsiders = _outsiders(ENREKANG, ENREKANG_OUTSIDERS, rng, taken)
    others, others_jht = _regency_year(
        book, pool[~budget].reset_index(drop=True), plan, rng, 9_000_000, outsiders, exact=True
    )
    _fit_jht(funded, funded_jht, ENREKANG_BUDGET_AMOUNT)
    _fit_jht(others, others_jht, ENREKANG_AMOUNT - ENREKANG_BUDGET_AMOUNT)


def _other_plan(pool_size: int) -> dict[str, int]:
    workers = min(pool_size // 3, max(12, round(pool_size * PAID_SHARE)), 700)
    return {kind: round(workers * share) for kind, share in OTHER_MIX.items()}


def _luwu_timur_fishermen(book: _Book, pool: pd.DataFrame, rng) -> np.ndarray:
    """Three fishermen lost in February; their heirs receive JKM's Rp42 million each on the same March day. Returns
    which pool rows are still free."""
    fishers = np.flatnonzero(((pool["KATEGORI"] == "NELAYAN") & (pool["SEGMEN"] == "BPU")).to_numpy())
    chosen = rng.choice(fishers, 3, replace=False)
    for p in pool.iloc[chosen].itertuples():
        claim, died = book.claim_number("JKM", LUWU_TIMUR), date(2025, 2, int(rng.integers(17, 28)))
        for benefit, amount in DEATH_PARTS:
            book.pay(p, claim, "JKM", benefit, died, LUWU_TIMUR_FISHERMEN_PAID, amount)
    return np.isin(np.arange(len(pool)), chosen, invert=True)


def _branch_year(branch: str, people: pd.DataFrame, rng, taken: set[str]) -> _Book:
    book = _Book(branch)
    served = branch_service_areas().query("branch_code == @branch")["regency_code"].tolist()
    outsiders_at: list[str] = []
    if ENREKANG not in served:
        outsiders_at = list(rng.choice(served, int(rng.integers(1, 4))))
    for regency in served:
        if regency == ENREKANG:
            _enrekang(book, people, rng, taken)
            continue
        pool = _claimable(people, regency)
        outsiders = _outsiders(regency, outsiders_at.count(regency), rng, taken)
        if pool.empty and outsiders.empty:
            continue
        if regency == LUWU_TIMUR:  # March's only JKM death benefits are the fishermen's
            pool = pool[_luwu_timur_fishermen(book, pool, rng)].reset_index(drop=True)
            months = tuple(m for m in range(1, 13) if m != 3)
            _regency_year(book, pool, _other_plan(len(pool)), rng, 6_000_000, outsiders, death_months=months)
        else:
            _regency_year(book, pool, _other_plan(len(pool)), rng, 6_000_000, outsiders)
    return book


def _dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _break(kind: str, row: dict, book: _Book, month: int) -> dict:
    """A copy of a good row that breaks one contract rule (a fresh claim number, except for the duplicate)."""
    bad = dict(row)
    if kind != "duplicate":
        bad["NO_KLAIM"] = book.claim_number(row["PROGRAM"], row["KODE_WILAYAH"][:5])
    amount = row["NOMINAL"]
    if kind == "amount_commas":
        bad["NOMINAL"] = f"{amount:,}"  # 42,000,000
    elif kind == "amount_rupiah":
        bad["NOMINAL"] = f"Rp {_dotted(amount)}"  # Rp 42.000.000
    elif kind == "amount_decimal_comma":
        bad["NOMINAL"] = f"{_dotted(amount)},00"  # 42.000.000,00
    elif kind == "amount_decimal":
        bad["NOMINAL"] = f"{amount}.50"
    elif kind == "outside_month":
        bad["TGL_BAYAR"] = date(CLAIM_YEAR, month, 1) - timedelta(days=1)  # the previous month's last day
        if bad["TGL_KEJADIAN"] is not None and bad["TGL_KEJADIAN"] > bad["TGL_BAYAR"]:
            bad["TGL_KEJADIAN"] = None
    elif kind == "pair":
        bad["PROGRAM"], bad["MANFAAT"] = "JP", "SALDO_JHT"  # a JHT balance booked under the pension programme
    return bad


def _month_files(book: _Book, branch_index: int, rng) -> dict[int, list[dict]]:
    """The branch's rows by payment month, in the order its system exports them, with one bad row of each kind in
    distinct months big enough for it."""
    months: dict[int, list[dict]] = {m: [] for m in range(1, 13)}
    for row in book.rows:
        months[row["TGL_BAYAR"].month].append(row)
    for rows in months.values():
        rows.sort(key=lambda r: (r["TGL_BAYAR"], r["NO_KLAIM"]))
    spoiled: set[int] = set()
    for i, kind in enumerate(BAD_KINDS):
        start = (i * 5 + branch_index * 3) % 12
        month = next(
            (m for k in range(12) if (m := (start + k) % 12 + 1) not in spoiled
             and len(months[m]) >= MIN_ROWS_FOR_A_BAD_ROW),
            None,
        )  # fmt: skip
        if month is None:
            continue
        spoiled.add(month)
        rows = months[month]
        source = int(rng.integers(0, len(rows)))
        jht = [at for at, r in enumerate(rows) if r["PROGRAM"] == "JHT"]
        if kind == "pair" and jht:
            source = jht[int(rng.integers(0, len(jht)))]
        bad = _break(kind, rows[source], book, month)
        at = int(rng.integers(source + 1, len(rows) + 1)) if kind == "duplicate" else int(rng.integers(0, len(rows)))
        rows.insert(at, bad)
    return months


def _write_month(rows: list[dict], landing: Path, branch: str, month: int, style: BranchStyle) -> Path:
    grouped = style.delimiter == ";"  # Indonesian-locale systems group thousands with dots: 42.000.000

    def text(value, column: str) -> str:
        if value is None:
            return ""
        if isinstance(value, date):
            return value.strftime(style.date_format)
        if column == "NOMINAL" and isinstance(value, int):
            return _dotted(value) if grouped else str(value)
        return str(value)

    frame = pd.DataFrame([[text(r[c], c) for c in COLUMNS] for r in rows], columns=list(COLUMNS), dtype=str)
    path = landing / f"{branch}_KLAIM_{CLAIM_YEAR}{month:02d}.csv"
    data = frame.to_csv(index=False, sep=style.delimiter).encode(style.encoding, errors="replace")
    with written_atomically(path) as tmp:
        tmp.write_bytes(data)
    return path


def write_claims_months(populations: dict[str, pd.DataFrame], landing: Path, seed: int) -> list[Path]:
    """Every branch's claims file for each month of 2025, paying the people of its membership sample."""
    rng = np.random.default_rng([seed, 28])  # the claims' own stream: membership's files do not move
    taken = set().union(*(set(people["NIK"]) for people in populations.values())) if populations else set()
    written = []
    for index, (branch, people) in enumerate(populations.items()):
        book = _branch_year(branch, people, rng, taken)
        style = STYLES.get(branch, BranchStyle())
        for month, rows in _month_files(book, index, rng).items():
            written.append(_write_month(rows, landing, branch, month, style))
    return written
