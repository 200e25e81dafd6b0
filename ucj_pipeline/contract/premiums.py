"""The premium rule: what one worker's premium is in a month, and what a regency's budget pays per funded worker.

The rates, the discounts and the budget premiums are dated rows of the reference data (`premium_rates.csv`,
`premium_discounts.csv`, `budget_premiums.csv`, read by `ucj_pipeline.contract.reference_data`); this module holds no
rate, it applies the rows in force:

- a month's premium is made of the rates in force on the month's first day, one per programme (`JKK` and `JKM` by
  default: the programmes the UCJ coverage rule asks for);
- a discount in force on that day is taken off a programme's rate, except where the premium is paid by a funding
  source its row excludes (`not_for_funding`): PP 50/2025 halves the BPU JKK and JKM premiums from April to December
  2026, but not where APBN, a regional budget (APBD) or a village budget (APBDES) pays;
- a regency's budget premium is the figure a public report gives for it, in force that month; without one, the BPU
  schedule as a budget pays it (funding source `APBD`: no discount the regulation excludes).

Rounding: every amount is whole rupiah. A discounted programme rate is rounded half up to the whole rupiah
(Rp6,801 at 50% is Rp3,400.50, paid as Rp3,401), programme by programme, and the month's premium is the sum of the
rounded amounts. Undiscounted rates and budget figures are whole rupiah already.

Plain Python: no Dagster, and no pandas at import (the shipped rows are read on first use).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, Protocol, TypeVar

from ucj_pipeline.contract import reference_data

UCJ_COMPONENTS = ("JKK", "JKM")  # the programmes a worker must hold to count as covered
BUDGET_FUNDING = "APBD"  # how a regency's budget pays a premium it has no figure of its own for
BUDGET_SEGMENT = "BPU"  # budget-funded workers are enrolled as non-wage earners unless a regency's figure says else


class NoPremiumInForce(LookupError):
    """No rate of a requested programme and segment is in force on the month asked for."""


@dataclass(frozen=True)
class PremiumRate:
    """One row of `premium_rates.csv`: a programme's monthly premium per worker of a segment, for a period."""

    component: str
    segment: str
    effective_from: date
    effective_to: date | None  # inclusive; None: open-ended
    monthly_rupiah: int
    basis: str
    source: str


@dataclass(frozen=True)
class PremiumDiscount:
    """One row of `premium_discounts.csv`: a percentage off a programme's premium of a segment, for a period, not
    applied where one of `not_for_funding` pays."""

    component: str
    segment: str
    effective_from: date
    effective_to: date | None
    discount_pct: int
    not_for_funding: frozenset[str]
    source: str


@dataclass(frozen=True)
class BudgetPremium:
    """One row of `budget_premiums.csv`: what a regency's budget pays a month per funded worker, from a date."""

    regency_code: str
    effective_from: date
    effective_to: date | None
    monthly_rupiah_per_worker: int
    what: str
    source: str


@dataclass(frozen=True)
class Premium:
    """A monthly premium per worker in whole rupiah, with the basis it was computed on (in words) and its sources."""

    monthly_rupiah: int
    basis: str
    source: str


class _Dated(Protocol):
    effective_from: date
    effective_to: date | None


Row = TypeVar("Row", bound=_Dated)


def _in_force(rows: Iterable[Row], day: date, what: str) -> Row | None:
    found = [r for r in rows if r.effective_from <= day and (r.effective_to is None or day <= r.effective_to)]
    if len(found) > 1:
        raise ValueError(f"{len(found)} rows of {what} are in force on {day}: the reference data overlaps")
    return found[0] if found else None


def first_of_month(month: date) -> date:
    """The month's first day: the day whose rows are in force for the whole month."""
    day = month.date() if isinstance(month, datetime) else month
    return day.replace(day=1)


def rupiah(amount: int) -> str:
    return f"Rp{amount:,}"


def discounted(amount: int, discount_pct: int | Decimal) -> int:
    """`amount` less `discount_pct` percent, rounded half up to the whole rupiah."""
    exact = Decimal(amount) * (Decimal(100) - Decimal(discount_pct)) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _dotted_regency(code: str) -> str:
    return f"{code[:2]}.{code[2:]}" if len(code) == 4 and code.isdigit() else code


class PremiumSchedule:
    """The premium rule over a set of dated rows (the shipped reference data: `PremiumSchedule.shipped()`)."""

    def __init__(
        self,
        rates: Iterable[PremiumRate],
        discounts: Iterable[PremiumDiscount] = (),
        budget_premiums: Iterable[BudgetPremium] = (),
    ):
        self.rates = tuple(rates)
        self.discounts = tuple(discounts)
        self.budget_premiums = tuple(budget_premiums)

    @classmethod
    def from_records(
        cls,
        rates: Iterable[Mapping[str, Any]],
        discounts: Iterable[Mapping[str, Any]] = (),
        budget_premiums: Iterable[Mapping[str, Any]] = (),
    ) -> PremiumSchedule:
        """From loaded rows as mappings (e.g. `frame.to_dict("records")` of the reference_data tables)."""
        return cls(
            (
                PremiumRate(
                    str(r["component"]),
                    str(r["segment"]),
                    _date(r["effective_from"]),
                    _optional_date(r["effective_to"]),
                    int(r["monthly_rupiah"]),
                    str(r["basis"]),
                    str(r["source"]),
                )
                for r in rates
            ),
            (
                PremiumDiscount(
                    str(d["component"]),
                    str(d["segment"]),
                    _date(d["effective_from"]),
                    _optional_date(d["effective_to"]),
                    int(d["discount_pct"]),
                    frozenset(s.strip() for s in str(d["not_for_funding"] or "").split(",") if s.strip()),
                    str(d["source"]),
                )
                for d in discounts
            ),
            (
                BudgetPremium(
                    str(b["regency_code"]),
                    _date(b["effective_from"]),
                    _optional_date(b.get("effective_to")),
                    int(b["monthly_rupiah_per_worker"]),
                    str(b["what"]),
                    str(b["source"]),
                )
                for b in budget_premiums
            ),
        )

    @classmethod
    def shipped(cls) -> PremiumSchedule:
        """The schedule of the reference data shipped with the project (read once per process)."""
        return _shipped()

    def monthly_premium(
        self, segment: str, funding_source: str, month: date, components: Sequence[str] = UCJ_COMPONENTS
    ) -> Premium:
        """The premium per worker of `segment` for `month` (any day of it; the rows in force on its first day
        count), for `components`, whole rupiah: each programme's rate less any discount in force that does not
        exclude `funding_source`, rounded half up, then summed. Raises NoPremiumInForce when a programme has no rate
        for the segment that month."""
        day = first_of_month(month)
        if not components:
            raise ValueError("a premium needs at least one programme")
        parts, sources, discount_sources, total = [], [], [], 0
        for component in components:
            rate = _in_force(
                (r for r in self.rates if r.component == component and r.segment == segment),
                day,
                f"{component} {segment} premium rates",
            )
            if rate is None:
                raise NoPremiumInForce(f"no {component} premium rate for segment {segment} is in force on {day}")
            sources.append(rate.source)
            discount = _in_force(
                (d for d in self.discounts if d.component == component and d.segment == segment),
                day,
                f"{component} {segment} premium discounts",
            )
            if discount is None:
                amount, part = rate.monthly_rupiah, f"{component} {rupiah(rate.monthly_rupiah)}"
            elif funding_source in discount.not_for_funding:
                amount = rate.monthly_rupiah
                part = f"{component} {rupiah(amount)} (no discount: the {discount.discount_pct}% off does not apply where {funding_source} pays)"
                discount_sources.append(discount.source)
            else:
                amount = discounted(rate.monthly_rupiah, discount.discount_pct)
                part = f"{component} {rupiah(rate.monthly_rupiah)} less {discount.discount_pct}% = {rupiah(amount)}"
                discount_sources.append(discount.source)
            parts.append(part)
            total += amount
        basis = (
            f"{segment} schedule in force on {day}, paid by {funding_source}: "
            f"{' + '.join(parts)}; {rupiah(total)} a month per worker"
        )
        return Premium(total, basis, "; ".join(dict.fromkeys(sources + discount_sources)))

    def budget_premium(self, regency_code: str, month: date) -> Premium:
        """What a regency's budget pays for `month` per funded worker, whole rupiah: its own figure in force on the
        month's first day (`budget_premiums.csv`) where it has one, otherwise the BPU schedule of JKK and JKM as a
        budget pays it (funding source APBD: no discount the regulation excludes)."""
        code = _dotted_regency(regency_code)
        day = first_of_month(month)
        own = _in_force((b for b in self.budget_premiums if b.regency_code == code), day, f"{code} budget premiums")
        if own is not None:
            basis = (
                f"budget premium of regency {code} in force on {day}: {rupiah(own.monthly_rupiah_per_worker)} a month "
                f"per budget-funded worker; {own.what}"
            )
            return Premium(own.monthly_rupiah_per_worker, basis, own.source)
        schedule = self.monthly_premium(BUDGET_SEGMENT, BUDGET_FUNDING, day)
        basis = f"no budget premium known for regency {code}: the {schedule.basis}"
        return Premium(schedule.monthly_rupiah, basis, schedule.source)


@cache
def _shipped() -> PremiumSchedule:
    return PremiumSchedule.from_records(
        reference_data.premium_rates().to_dict("records"),
        reference_data.premium_discounts().to_dict("records"),
        reference_data.budget_premiums().to_dict("records"),
    )


def monthly_premium(
    segment: str, funding_source: str, month: date, components: Sequence[str] = UCJ_COMPONENTS
) -> Premium:
    """`PremiumSchedule.monthly_premium` on the shipped reference data."""
    return _shipped().monthly_premium(segment, funding_source, month, components)


def budget_premium(regency_code: str, month: date) -> Premium:
    """`PremiumSchedule.budget_premium` on the shipped reference data."""
    return _shipped().budget_premium(regency_code, month)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _optional_date(value: Any) -> date | None:
    if value is None or value == "" or value != value:  # None, an empty cell, NaN or NaT
        return None
    return _date(value)
