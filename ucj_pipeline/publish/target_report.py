"""The target report: one self-contained HTML page a regent's office can open, print or receive by mail (no script,
no network), in Bahasa Indonesia by default or in English.

It says first how many branch offices delivered and what the figures therefore cover, then the target table, coverage
against target for every regency of a province with a target (also those without data, marked so), each target's
trend, and the regencies. Everything comes from the rows the published tables hold; charts are inline SVG. The page
reads on a phone (390 px: the target table becomes cards, the coverage chart has a narrow drawing) and prints cleanly.
"""

from __future__ import annotations

import argparse
import html
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ucj_pipeline.publish.charts import (
    COMPLETE,
    NO_BRANCH,
    NO_DATA_YET,
    PARTIAL,
    STALE,
    STATUS_COLOURS,
    RenderedChart,
    benefits_by_programme_figure,
    history_by_target,
    regency_coverage_figure,
    render,
    target_trend_figure,
)
from ucj_pipeline.publish.report_texts import DEFAULT_LANG, Texts, texts_for
from ucj_pipeline.runtime.atomic_files import written_atomically
from ucj_pipeline.runtime.paths import STALE_AFTER_DAYS

if TYPE_CHECKING:  # the CLI starts without DuckDB
    import duckdb

# The published tables the report reads (model name: the asset maps them to their published schema.table).
REPORT_TABLES = (
    "coverage_national",
    "coverage_province",
    "coverage_regency",
    "target_tracking",
    "target_history",
    "branch_status",
    "target_cost",
    "benefits_paid",
    "benefits_year",
)
NO_DATE_IN_SOURCE = "NO DATE IN SOURCE"  # reference.targets.target_date_note: the team chose the date
OWN_TARGET_LEVELS = ("regency", "village_programme")  # a target of the regency itself
MOST = 0.5  # more than this share of branches missing: the headline says the figures cover only the delivered ones

STYLE = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; padding: 1.5rem 1rem;
       max-width: 1100px; color: #1d1d1d; line-height: 1.45; }
h1 { font-size: 1.55rem; margin: 0.2rem 0; line-height: 1.2; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 2px solid #e4e4e4; padding-bottom: 0.2rem; }
.kicker { color: #555; font-size: 0.85rem; margin: 0; }
.asof { font-size: 1.05rem; margin: 0.2rem 0 1rem; }
.headline { border-left: 6px solid #1b7f3b; background: #f1f8f3; padding: 0.8rem 1rem; border-radius: 4px; }
.headline.warn { border-color: #c8362c; background: #fdf1f0; }
.headline.some { border-color: #b07d00; background: #fdf7e8; }
.headline .lead { font-size: 1.15rem; font-weight: 700; margin: 0 0 0.5rem; }
.counts { list-style: none; padding: 0; margin: 0.4rem 0 0.6rem; display: flex; flex-wrap: wrap; gap: 0.4rem 1.4rem; }
.counts li { display: flex; align-items: baseline; gap: 0.4rem; max-width: 22rem; }
.counts .n { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.headline p { margin: 0.4rem 0; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #ddd; padding: 5px 6px; text-align: left; vertical-align: top; }
thead th { background: #f4f4f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td small, .sub { display: block; color: #666; font-size: 0.75rem; white-space: normal; }
.flag { color: #a15c00; min-width: 8.5rem; }
.unit { color: #6a3d9a; }
.status { font-weight: 700; white-space: nowrap; }
.achieved { color: #1b7f3b; } .on_track { color: #2f7bbf; } .at_risk { color: #a86f00; } .off_track { color: #c8362c; }
tr.province th { background: #eef3f8; font-weight: 600; padding-top: 8px; }
tr.nodata td { color: #666; } tr.nodata td.data { font-style: italic; }
.note { color: #555; font-size: 0.82rem; }
dl.statuses { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.8rem; font-size: 0.85rem; }
dl.statuses dt { font-weight: 700; } dl.statuses dd { margin: 0; }
figure { margin: 1rem 0; }
figure svg { display: block; max-width: 100%; height: auto; }
.phone-only { display: none; }
.trends { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 440px), 1fr)); gap: 0.5rem 1rem; }
.trends figure { margin: 0; } .trends svg { width: 100%; }
footer { margin-top: 2rem; }
@media screen and (max-width: 700px) {
  body { padding: 1rem 0.75rem; }
  h1 { font-size: 1.3rem; }
  .wide-only { display: none; } .phone-only { display: block; }
  table.cards thead { display: none; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border: 1px solid #ddd; border-radius: 6px; margin: 0 0 0.7rem; padding: 0.4rem 0.6rem; }
  table.cards td { display: flex; justify-content: space-between; gap: 0.8rem; border: 0; padding: 3px 0;
                   text-align: right; white-space: normal; }
  table.cards td::before { content: attr(data-label); color: #555; font-weight: 600; text-align: left;
                           flex: 0 0 42%; }
  table.cards td.name { display: block; text-align: left; font-weight: 700; font-size: 0.95rem; }
  table.cards td.name::before { content: none; }
  table.cards td > span { flex: 1; }
  table.regencies .opt, table.regencies th.data { display: none; }
  table.regencies, table.regencies thead, table.regencies tbody { display: block; font-size: 0.8rem; }
  table.regencies tr { display: grid; grid-template-columns: 1fr 6.2rem 4.8rem; border-bottom: 1px solid #ddd; }
  table.regencies td, table.regencies th { display: block; border: 0; }
  table.regencies td.data, table.regencies tr.province th { grid-column: 1 / -1; }
  table.regencies td.data { padding-top: 0; color: #666; font-size: 0.75rem; }
  dl.statuses { grid-template-columns: 1fr; } dl.statuses dd { margin-bottom: 0.4rem; }
}
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 9.5pt; color: #000; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .phone-only { display: none !important; } .wide-only { display: block !important; }
  .table-wrap { overflow: visible; }
  table { font-size: 7.5pt; } thead { display: table-header-group; }
  td small, .sub { font-size: 6.5pt; } .status { white-space: normal; } th, td { padding: 3px 4px; }
  #target-costs td.num { white-space: normal; }  /* a national budget path is 20 digits: wrap before its "(… miliar)" */
  .flag { min-width: 0; }
  .note, dl.statuses { font-size: 8pt; }
  tr, figure, .headline, dl.statuses { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 1.2rem; }
  .trends { grid-template-columns: 1fr 1fr; }
}
"""


@dataclass(frozen=True)
class ReportData:
    as_of_date: date
    national: dict
    tracking: list[dict]
    target_history: list[dict]
    regencies: list[dict]  # every regency of marts.coverage_regency (the report chooses which to show)
    provinces: list[dict] = field(default_factory=list)  # marts.coverage_province
    branches: list[dict] = field(default_factory=list)  # marts.branch_status: one row per branch office
    target_costs: list[dict] = field(default_factory=list)  # marts.target_cost: one row per target
    # marts.benefits_paid at regency level, summed to (region_code, month, programme), with the budget-funded part
    benefits: list[dict] = field(default_factory=list)
    benefits_year: list[dict] = field(default_factory=list)  # marts.benefits_year at regency level


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict]:
    cursor = con.execute(query)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_report_data(
    con: duckdb.DuckDBPyConnection, as_of_date: date | None = None, tables: dict[str, str] | None = None
) -> ReportData:
    """The rows the report shows, from the published ucj.duckdb (the report shows what BI tools see). `tables` maps
    each of REPORT_TABLES to its schema.table (default marts.<name>); `as_of_date` defaults to the published one."""
    source = {name: f"marts.{name}" for name in REPORT_TABLES} | (tables or {})
    national = _rows(con, f"SELECT * FROM {source['coverage_national']}")[0]
    return ReportData(
        as_of_date=as_of_date or national["as_of_date"],
        national=national,
        tracking=_rows(con, f"SELECT * FROM {source['target_tracking']}"),
        target_history=_rows(con, f"SELECT * FROM {source['target_history']} ORDER BY as_of_date, target_id"),
        regencies=_rows(con, f"SELECT * FROM {source['coverage_regency']} ORDER BY regency_code"),
        provinces=_rows(con, f"SELECT * FROM {source['coverage_province']} ORDER BY province_code"),
        branches=_rows(con, f"SELECT * FROM {source['branch_status']} ORDER BY branch_code"),
        target_costs=_rows(con, f"SELECT * FROM {source['target_cost']}"),
        benefits=_rows(
            con,
            "SELECT region_code, month, programme, sum(amount_rupiah) AS amount_rupiah, "
            "sum(amount_rupiah) FILTER (WHERE funding_source IN ('APBD', 'APBDES')) AS amount_budget_funded "
            f"FROM {source['benefits_paid']} WHERE region_level = 'regency' GROUP BY ALL ORDER BY ALL",
        ),
        benefits_year=_rows(con, f"SELECT * FROM {source['benefits_year']} WHERE region_level = 'regency'"),
    )


@dataclass(frozen=True)
class BranchCounts:
    """The branch offices on the reporting date (marts.branch_status.snapshot_state)."""

    total: int
    current: int
    stale: int
    missing: int

    @property
    def delivered(self) -> int:
        return self.current + self.stale

    @property
    def most_missing(self) -> bool:
        return self.missing > MOST * self.total

    @property
    def complete(self) -> bool:
        return self.current == self.total


def branch_counts(branches: list[dict]) -> BranchCounts:
    states = [b["snapshot_state"] for b in branches]
    return BranchCounts(len(states), states.count("current"), states.count("stale"), states.count("missing"))


def _names(value) -> list[str]:
    """A list of branch codes as the marts hold them: 'A, B' (or None)."""
    if not value:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def regency_data_state(row: dict) -> str:
    """complete, none (no branch serving it has delivered), partial (some have not), stale (some data is old) or
    no_branch (no branch office serves it)."""
    current, stale, missing = (
        row.get("current_branches") or 0,
        _names(row.get("stale_branches")),
        _names(row.get("missing_branches")),
    )
    if not current and not stale:
        return NO_DATA_YET if missing else NO_BRANCH
    if missing:
        return PARTIAL
    if stale:
        return STALE
    return COMPLETE


def _with_state(regencies: list[dict]) -> list[dict]:
    return [{**r, "data_state": r.get("data_state") or regency_data_state(r)} for r in regencies]


def regencies_with_a_target(regencies: list[dict], targets: list[dict]) -> list[dict]:
    """Every regency that has a target to be measured against: its own, or its province's, whatever its data (a
    regency without data is shown as such, never dropped). A chart of all 514 would be 160 inches tall."""
    own = {t["region_code"] for t in targets if t["level"] in OWN_TARGET_LEVELS}
    provinces = {t["region_code"] for t in targets if t["level"] == "province"}
    return [r for r in regencies if r["regency_code"] in own or r["province_code"] in provinces]


def provinces_shown(data: ReportData) -> list[str]:
    """Provinces whose every regency the table lists: a province target, a regency target inside, or data."""
    codes = {t["region_code"] for t in data.tracking if t["level"] == "province"}
    codes |= {t["region_code"][:2] for t in data.tracking if t["level"] in OWN_TARGET_LEVELS}
    codes |= {r["province_code"] for r in data.regencies if (r["covered_workers"] or 0) > 0}
    return sorted(codes)


def report_regencies(data: ReportData) -> list[dict]:
    """The regency table: every regency of the provinces shown, with its data state."""
    shown = set(provinces_shown(data))
    return _with_state([r for r in data.regencies if r["province_code"] in shown])


@dataclass(frozen=True)
class ReportCharts:
    lang: str
    coverage_against_target: RenderedChart  # wide: the report on a screen or paper, and the Dagster UI (PNG)
    coverage_phone: RenderedChart  # narrow: the report on a phone (SVG only)
    target_trends: list[tuple[str, RenderedChart]]  # (target_id, chart), in the target table's order
    benefits: RenderedChart | None = None  # benefits per programme per month of `benefits_regency`
    benefits_regency: str | None = None


def _village_targets(data: ReportData) -> list[dict]:
    return [t for t in data.tracking if t["level"] == "village_programme"]


def _regency(data: ReportData, code: str) -> dict | None:
    return next((r for r in data.regencies if r["regency_code"] == code), None)


def _chart_footnote(data: ReportData, texts: Texts) -> tuple[dict[str, str], str | None]:
    """The regencies with a target measured in another unit (village progress) and the chart's note about it."""
    marks, notes = {}, []
    for t in _village_targets(data):
        regency = _regency(data, t["region_code"])
        if regency is None:
            continue
        marks[t["region_code"]] = " †"
        notes.append(
            texts.chart_village_note.format(
                name=_target_name(t, texts),
                pct=texts.pct(t["coverage_pct"]),
                coverage=texts.pct(regency["coverage_pct"]),
            )
        )
    return marks, " ".join(notes) or None


def _trend_caveat(target: dict, data: ReportData, counts: BranchCounts, texts: Texts) -> str | None:
    if target["level"] == "national" and counts.most_missing:
        return texts.trend_incomplete.format(delivered=counts.delivered, total=counts.total)
    return texts.trend_partial if target["has_stale_data"] else None


def benefits_shown(data: ReportData) -> tuple[str | None, list[dict]]:
    """The regency whose benefits the report charts: of the provinces shown, the one paid the most in the reporting
    year (a regency's planning office reads its own row in the BI tools), and its rows of that year."""
    year = data.as_of_date.year
    shown = set(provinces_shown(data))
    of_year = [
        r
        for r in data.benefits
        if r["month"].year == year and r["month"] <= data.as_of_date and r["region_code"][:2] in shown
    ]
    totals: dict[str, float] = {}
    for r in of_year:
        totals[r["region_code"]] = totals.get(r["region_code"], 0) + float(r["amount_rupiah"])
    if not totals:
        return None, []
    regency = max(sorted(totals), key=totals.__getitem__)
    return regency, [r for r in of_year if r["region_code"] == regency]


def _budget_section(data: ReportData, charts: ReportCharts, t: Texts) -> str:
    """The budget each target needs, and the benefits chart of one regency."""
    head = [(t.col_target, ""), (t.col_region, ""), (t.col_gap, "num"), (t.col_premium, "num"),
            (t.col_year_cost, "num"), (t.col_path_cost, "num")]  # fmt: skip
    names = {row["target_id"]: _target_name(row, t) for row in data.tracking}
    body = "".join(
        f'<tr id="cost-{_e(c["target_id"])}">'
        f'<td class="name" data-label="{_e(t.col_target)}">{_e(names.get(c["target_id"], c["target_name"]))}</td>'
        + _td(t.col_region, _e(c["region_name"]))
        + _td(t.col_gap, _e(t.integer(c["gap_workers"])), "num")
        + _td(t.col_premium, _e(t.rupiah(c["monthly_premium_rupiah"])), "num")
        + _td(t.col_year_cost, _e(t.rupiah(c["yearly_cost_full_gap_rupiah"])), "num")
        + _td(t.col_path_cost, _e(t.rupiah(c["path_cost_rupiah"])), "num")
        + "</tr>"
        for c in data.target_costs
    )
    header = "".join(f'<th class="{cls}">{_e(label)}</th>' if cls else f"<th>{_e(label)}</th>" for label, cls in head)
    bases = "".join(f"<li>{_e(names.get(c['target_id'], c['target_id']))}: {_e(t.premium_basis(c['premium_basis']))}</li>"
                    for c in data.target_costs)  # fmt: skip
    year = data.as_of_date.year
    if charts.benefits is None:
        benefits = f'<p class="note">{_e(t.benefits_none.format(year=year))}</p>'
    else:
        regency = _regency(data, charts.benefits_regency)["regency_name"]
        [total] = [r for r in data.benefits_year if r["region_code"] == charts.benefits_regency and r["year"] == year]
        line = t.benefits_total.format(
            amount=t.rupiah(total["amount_rupiah"]),
            workers=t.integer(total["workers_paid"]),
            funded=t.rupiah(total["amount_to_budget_funded"]),
        )
        benefits = (
            f'<p class="note">{_e(t.benefits_intro.format(regency=regency, year=year))}</p>'
            f'<figure id="benefits-chart">{charts.benefits.svg}</figure><p class="note">{_e(line)}</p>'
        )
    return (
        f'<section id="budget-benefits"><h2>{_e(t.h_budget)}</h2><p class="note">{_e(t.budget_intro)}</p>'
        f'<div class="table-wrap"><table id="target-costs" class="cards"><thead><tr>{header}</tr></thead>'
        f'<tbody>{body}</tbody></table></div><ul class="note">{bases}</ul>{benefits}</section>'
    )


def draw_charts(data: ReportData, lang: str = DEFAULT_LANG) -> ReportCharts:
    """Each chart drawn once per form: the report embeds the SVG, the Dagster UI shows the PNG."""
    texts = texts_for(lang)
    targets = [t for t in data.tracking if t["level"] in ("province", "regency")]
    regencies = regencies_with_a_target(_with_state(data.regencies), data.tracking)
    marks, footnote = _chart_footnote(data, texts)
    counts = branch_counts(data.branches)
    history = history_by_target(data.target_history)

    def coverage(compact: bool) -> RenderedChart:
        figure = regency_coverage_figure(regencies, targets, texts, compact=compact, marks=marks, footnote=footnote)
        return render(figure, png=not compact)

    regency, rows = benefits_shown(data)
    benefits = None
    if rows:
        title = texts.benefits_title.format(regency=_regency(data, regency)["regency_name"], year=data.as_of_date.year)
        benefits = render(benefits_by_programme_figure(rows, title, texts), png=False)
    return ReportCharts(
        lang=lang,
        benefits=benefits,
        benefits_regency=regency,
        coverage_against_target=coverage(compact=False),
        coverage_phone=coverage(compact=True),
        target_trends=[
            (
                t["target_id"],
                render(target_trend_figure(t, history[t["target_id"]], texts, _trend_caveat(t, data, counts, texts))),
            )
            for t in data.tracking
        ],  # fmt: skip
    )


# --- the page ---------------------------------------------------------------------------------------------------


def _e(text) -> str:
    return html.escape(str(text))


def _target_name(target: dict, texts: Texts) -> str:
    return texts.target_names.get(target["target_id"], target["target_name"])


def _headline(data: ReportData, texts: Texts) -> str:
    counts = branch_counts(data.branches)
    n = data.national
    if counts.total == 0:  # no branch registry in the rows: nothing to say about delivery
        severity, lead = "ok", ""
    elif counts.complete:
        severity, lead = "ok", texts.lead_complete.format(total=counts.total)
    elif counts.most_missing:
        severity, lead = "warn", texts.lead_most_missing.format(delivered=counts.delivered, total=counts.total)
    else:
        severity, lead = "some", texts.lead_some_missing.format(delivered=counts.delivered, total=counts.total)
    items = [
        (counts.current, texts.count_current.format(days=STALE_AFTER_DAYS)),
        (counts.stale, texts.count_stale.format(days=STALE_AFTER_DAYS)),
        (counts.missing, texts.count_missing),
    ]
    listed = "".join(
        f'<li class="count-{key}"><span class="n">{texts.integer(value)}</span> <span>{_e(words)}</span></li>'
        for key, (value, words) in zip(("current", "stale", "missing"), items, strict=True)
    )
    national = texts.national.format(
        covered=texts.integer(n["covered_workers"]),
        base=texts.integer(n["worker_base"]),
        pct=texts.pct(n["coverage_pct"]),
    )
    caveats = []
    if counts.most_missing:
        caveats.append(texts.national_most_missing.format(delivered=counts.delivered, total=counts.total))
    elif counts.missing:
        caveats.append(texts.national_some_missing.format(missing=texts.integer(counts.missing)))
    if counts.stale:
        caveats.append(texts.national_stale.format(stale=texts.integer(counts.stale), days=STALE_AFTER_DAYS))
    read = "" if severity == "ok" else f"<p>{texts.read_complete}</p>"
    lead_html = f'<p class="lead">{_e(lead)}</p>\n<ul class="counts">{listed}</ul>' if counts.total else ""
    return f"""<section id="headline" class="headline {severity}">
{lead_html}
<p id="national">{national} {" ".join(caveats)}</p>
{read}
</section>"""


def _incomplete_details(target: dict, data: ReportData, counts: BranchCounts, texts: Texts) -> list[str]:
    """Why a target's figure is incomplete: the branches serving its region that have not delivered or are old."""
    if target["level"] == "national":
        if counts.most_missing:
            return [texts.trend_incomplete.format(delivered=counts.delivered, total=counts.total)]
        details = []
        if counts.missing:
            details.append(f"{texts.integer(counts.missing)} {texts.count_missing}")
        if counts.stale:
            details.append(f"{texts.integer(counts.stale)} {texts.count_stale.format(days=STALE_AFTER_DAYS)}")
        return details
    if target["level"] == "province":
        row = next((p for p in data.provinces if p["province_code"] == target["region_code"]), None)
    else:
        row = _regency(data, target["region_code"])
    if row is None:
        return []
    missing, stale = _names(row.get("missing_branches")), _names(row.get("stale_branches"))
    details = []
    if missing:
        details.append(texts.incomplete_missing.format(n=len(missing), branches=", ".join(missing)))
    if stale:
        details.append(texts.incomplete_stale.format(n=len(stale), branches=", ".join(stale)))
    return details


def _td(label: str, content: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<td{klass} data-label="{_e(label)}"><span>{content}</span></td>'


def _targets_table(data: ReportData, texts: Texts) -> tuple[str, list[str]]:
    """The target table and the footnotes its rows call for."""
    counts = branch_counts(data.branches)
    t = texts
    head = [(t.col_target, ""), (t.col_region, ""), (t.col_now, "num"), (t.col_target_pct, "num"), (t.col_by, "num"),
            (t.col_gap, "num"), (t.col_needed, "num"), (t.col_pace, "num"), (t.col_projected, "num"),
            (t.col_status, "")]  # fmt: skip
    body, notes = [], {"incomplete": False, "date": False, "village": []}
    for row in data.tracking:
        village = row["level"] == "village_programme"
        now = _e(t.pct(row["coverage_pct"]))
        if village:
            now += f' †<small class="unit">{_e(t.village_unit)}</small>'
            notes["village"].append(row)
        if row["has_stale_data"]:
            notes["incomplete"] = True
            details = "; ".join(_incomplete_details(row, data, counts, t))
            now += f'<small class="flag">⚠ {_e(t.incomplete_mark)}{": " + _e(details) if details else ""}</small>'
        target = _e(t.pct(row["target_pct"]))
        if village and row.get("target_workers_per_village"):
            target += f"<small>{_e(t.village_target.format(n=t.integer(row['target_workers_per_village'])))}</small>"
        by = _e(t.short_date(row["target_date"]))
        if str(row.get("target_date_note") or "").startswith(NO_DATE_IN_SOURCE):
            by += " *"
            notes["date"] = True
        status = row["status"]
        reason = t.status_reasons.get(row.get("status_reason") or "", "")
        status_cell = f'<strong class="status {_e(status)}">{_e(t.status_words.get(status, status))}</strong>' + (
            f"<small>{_e(reason)}</small>" if reason else ""
        )
        cells = [
            f'<td class="name" data-label="{_e(t.col_target)}">{_e(_target_name(row, t))}</td>',
            _td(t.col_region, _e(row["region_name"])),
            _td(t.col_now, now, "num"),
            _td(t.col_target_pct, target, "num"),
            _td(t.col_by, by, "num"),
            _td(t.col_gap, _e(t.integer(row["gap_workers"])), "num"),
            _td(t.col_needed, _e(t.integer(row["required_monthly_net_new"])), "num"),
            _td(t.col_pace, _e(t.signed(row["recent_monthly_net_change"])), "num"),
            _td(t.col_projected, _e(t.pct(row["projected_coverage_pct"])), "num"),
            _td(t.col_status, status_cell),
        ]
        body.append(f'<tr id="target-{_e(row["target_id"])}">{"".join(cells)}</tr>')
    header = "".join(f'<th class="{cls}">{_e(label)}</th>' if cls else f"<th>{_e(label)}</th>" for label, cls in head)
    table = (
        f'<div class="table-wrap"><table id="targets" class="cards"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
    footnotes = []
    for row in notes["village"]:
        regency = _regency(data, row["region_code"])
        per_village = row.get("target_workers_per_village") or 0
        footnotes.append(
            t.village_note.format(
                name=_e(_target_name(row, t)),
                pct=t.pct(row["coverage_pct"]),
                filled=t.integer(row["covered_workers"]),
                quota=t.integer(row["worker_base"]),
                villages=t.integer(row["villages"]),
                meeting=t.integer(row["villages_meeting_target"]),
                per_village=t.integer(per_village),
                regency=_e(row["region_name"]),
                coverage=t.pct(regency["coverage_pct"]) if regency else t.no_value,
            )
        )
    if notes["incomplete"]:
        footnotes.append(t.incomplete_note)
    if notes["date"]:
        footnotes.append(_e(t.date_chosen_note))
    return table, footnotes


def _statuses(texts: Texts) -> str:
    items = "".join(
        f'<dt class="{s}" style="color:{STATUS_COLOURS[s]}">{_e(texts.status_words[s])}</dt>'
        f"<dd>{_e(texts.status_explained[s])}</dd>"
        for s in ("achieved", "on_track", "at_risk", "off_track")
    )
    return f'<h3 class="note">{_e(texts.status_heading)}</h3><dl class="statuses" id="status-words">{items}</dl>'


def _regencies_table(data: ReportData, texts: Texts) -> str:
    t = texts
    rows = report_regencies(data)
    provinces = {p["province_code"]: p for p in data.provinces}
    head = [(t.col_code, "opt"), (t.col_regency, ""), (t.col_covered, "num"), (t.col_base, "num opt"),
            (t.col_coverage, "num"), (t.col_data, "data")]  # fmt: skip
    header = "".join(f'<th class="{cls}">{_e(label)}</th>' for label, cls in head)
    body, province_code = [], None
    for r in rows:
        if r["province_code"] != province_code:
            province_code = r["province_code"]
            p = provinces.get(province_code)
            if p is not None:
                text = t.province_row.format(name=p["province_name"], code=province_code, pct=t.pct(p["coverage_pct"]),
                                             covered=t.integer(p["covered_workers"]), base=t.integer(p["worker_base"]))  # fmt: skip
                missing = _names(p.get("missing_branches"))
                if missing:
                    text += " · " + t.province_missing.format(n=len(missing), branches=", ".join(missing))
            else:
                text = f"{r['province_name']} ({province_code})"
            body.append(f'<tr class="province"><th colspan="6">{_e(text)}</th></tr>')
        state = r["data_state"]
        has_figure = state not in (NO_DATA_YET, NO_BRANCH)
        stale, missing = _names(r.get("stale_branches")), _names(r.get("missing_branches"))
        data_text = {
            COMPLETE: t.data_complete,
            NO_DATA_YET: t.data_none.format(branches=", ".join(missing)),
            PARTIAL: t.data_partial.format(branches=", ".join(missing)),
            STALE: t.data_stale.format(branches=", ".join(stale), days=STALE_AFTER_DAYS),
            NO_BRANCH: t.data_no_branch,
        }[state]
        base = t.integer(r["worker_base"])
        if r.get("worker_base_is_estimate"):
            base = f"{t.estimate_mark} {base}"
        cells = [
            f'<td class="opt">{_e(r["regency_code"])}</td>',
            f"<td>{_e(r['regency_name'])}</td>",
            f'<td class="num">{_e(t.integer(r["covered_workers"]) if has_figure else t.no_value)}</td>',
            f'<td class="num opt">{_e(base)}</td>',
            f'<td class="num">{_e(t.pct(r["coverage_pct"]) if has_figure else t.no_value)}</td>',
            f'<td class="data">{_e(data_text)}</td>',
        ]
        klass = "" if has_figure else ' class="nodata"'
        body.append(f'<tr id="regency-{_e(r["regency_code"])}" data-state="{state}"{klass}>{"".join(cells)}</tr>')
    others = len({p["province_code"] for p in data.provinces} - set(provinces_shown(data))) if data.provinces else 0
    notes = [t.estimate_note] + ([t.other_provinces.format(n=others)] if others else [])
    return (
        f'<div class="table-wrap"><table id="regencies" class="regencies"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>" + "".join(f'<p class="note">{_e(n)}</p>' for n in notes)
    )


def render_report(data: ReportData, charts: ReportCharts, lang: str | None = None) -> str:
    """The page, in the language of `charts` (drawn by draw_charts for that language)."""
    lang = lang or charts.lang
    if lang != charts.lang:
        raise ValueError(f"the charts are drawn in {charts.lang!r}, the page asked for {lang!r}")
    t = texts_for(lang)
    day = t.long_date(data.as_of_date)
    targets_table, footnotes = _targets_table(data, t)
    trend_names = {row["target_id"]: _target_name(row, t) for row in data.tracking}
    trends = "".join(
        f'<figure class="trend" id="trend-{_e(target_id)}" aria-label="{_e(trend_names.get(target_id, target_id))}">'
        f"{chart.svg}</figure>"
        for target_id, chart in charts.target_trends
    )
    footnote_html = "".join(f'<p class="note">{n}</p>' for n in footnotes)
    return f"""<!doctype html>
<html lang="{t.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(t.page_title.format(date=day))}</title><style>{STYLE}</style></head>
<body>
<header>
<p class="kicker">{_e(t.kicker)}</p>
<h1>{_e(t.heading)}</h1>
<p class="asof">{_e(t.as_of.format(date=day))}</p>
</header>
{_headline(data, t)}
<h2>{_e(t.h_targets)}</h2>
{targets_table}
{footnote_html}
{_statuses(t)}
<h2>{_e(t.h_coverage)}</h2>
<p class="note">{_e(t.coverage_intro)}</p>
<figure id="coverage-chart" class="wide-only">{charts.coverage_against_target.svg}</figure>
<figure id="coverage-chart-phone" class="phone-only">{charts.coverage_phone.svg}</figure>
<h2>{_e(t.h_trends)}</h2>
<p class="note">{_e(t.trends_intro)}</p>
<div id="trend-chart" class="trends">{trends}</div>
{_budget_section(data, charts, t)}
<h2>{_e(t.h_regencies)}</h2>
<p class="note">{_e(t.regencies_intro)}</p>
{_regencies_table(data, t)}
<footer><p class="note">{t.footer}</p></footer>
</body></html>
"""


def write_report(data: ReportData, charts: ReportCharts, folder: Path) -> Path:
    """Write the dated report and refresh `latest.html` beside it; returns the dated file."""
    page = render_report(data, charts)
    dated = folder / f"ucj_targets_{data.as_of_date}.html"
    for path in (dated, folder / "latest.html"):
        with written_atomically(path) as tmp:
            tmp.write_text(page, encoding="utf-8")
    return dated


def write_report_file(data: ReportData, lang: str, out: Path) -> Path:
    """The report in `lang` into one file (`ucj report`)."""
    page = render_report(data, draw_charts(data, lang))
    with written_atomically(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out


def cmd_report(args: argparse.Namespace, config) -> int:
    """`ucj report [--lang id|en] [--out FILE]`: the report of the published figures, in a language, into a file
    (default $UCJ_HOME/reports/ucj_targets_<date>.<lang>.html). Reads the published file read-only, like status."""
    import duckdb

    from ucj_pipeline.runtime.paths import UcjPaths

    paths = UcjPaths(config.home)
    if not paths.warehouse.exists():
        print(f"No published warehouse at {paths.warehouse}: run `ucj run` first.", file=sys.stderr)
        return 2
    lang = args.lang or config.report_lang
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        data = read_report_data(con)
    out = Path(args.out) if args.out else paths.reports / f"ucj_targets_{data.as_of_date}.{lang}.html"
    print(write_report_file(data, lang, out))
    return 0
