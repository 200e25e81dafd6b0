"""The target report: one self-contained HTML page a regent's office can open (no script, no network).

It shows the target-tracking table, coverage against target by regency and each target's trend, from the same
rows the published tables hold. Charts are inline SVG, so the file works offline and can be mailed as it is.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ucj_pipeline.charts import RenderedChart, regency_coverage_figure, render, target_trend_figure
from ucj_pipeline.leftovers import written_atomically

TRACKING_COLUMNS = [
    ("target_name", "Target"),
    ("region_name", "Region"),
    ("coverage_pct", "Coverage %"),
    ("target_pct", "Target %"),
    ("target_date", "By"),
    ("gap_workers", "Workers needed"),
    ("required_monthly_net_new", "Needed / month"),
    ("recent_monthly_net_change", "Recent pace / month"),
    ("projected_coverage_pct", "Projected %"),
    ("status", "Status"),
]
REGENCY_COLUMNS = [
    ("regency_code", "Code"),
    ("regency_name", "Regency"),
    ("covered_workers", "Covered workers"),
    ("worker_base", "Worker base"),
    ("coverage_pct", "Coverage %"),
    ("stale_branches", "Stale branches"),
]
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; } .achieved { color: #1b7f3b; } .on_track { color: #3a8fd9; }
.at_risk { color: #b07d00; } .off_track { color: #c8362c; }
.note { color: #666; font-size: 0.8rem; } figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }
"""


@dataclass(frozen=True)
class ReportData:
    as_of_date: date
    national: dict
    tracking: list[dict]
    target_history: list[dict]
    regencies: list[dict]  # regencies with covered workers or a target


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape(str(value))


def _table(rows: list[dict], columns: list[tuple[str, str]], table_id: str) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            if key == "status":
                cells.append(f'<td class="status {html.escape(str(value))}">{_cell(value)}</td>')
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<td class="num">{_cell(value)}</td>')
            else:
                cells.append(f"<td>{_cell(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


@dataclass(frozen=True)
class ReportCharts:
    coverage_against_target: RenderedChart
    target_trends: RenderedChart


def regencies_with_a_target(regencies: list[dict], targets: list[dict]) -> list[dict]:
    """The regencies that have a target to be measured against: their own, or their province's. (Every regency is
    in the report's table; a chart of all 514 would be 160 inches tall and take 20 s to draw.)"""
    own = {t["region_code"] for t in targets if t["level"] == "regency"}
    provinces = {t["region_code"] for t in targets if t["level"] == "province"}
    return [r for r in regencies if r["regency_code"] in own or r["province_code"] in provinces]


def draw_charts(data: ReportData) -> ReportCharts:
    """Each chart drawn once; the report embeds the SVG, the Dagster UI shows the PNG."""
    targets = [t for t in data.tracking if t["level"] in ("province", "regency")]
    return ReportCharts(
        coverage_against_target=render(
            regency_coverage_figure(regencies_with_a_target(data.regencies, targets), targets)
        ),
        target_trends=render(target_trend_figure(data.tracking, data.target_history)),
    )


def render_report(data: ReportData, charts: ReportCharts) -> str:
    coverage_svg = charts.coverage_against_target.svg
    trend_svg = charts.target_trends.svg
    n = data.national
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>UCJ coverage and targets, {data.as_of_date}</title><style>{STYLE}</style></head>
<body>
<h1>Universal Coverage Jamsostek: coverage and targets, {data.as_of_date}</h1>
<p>Indonesia: <strong>{n["covered_workers"]:,}</strong> workers covered (active, holding JKK and JKM) of
{n["worker_base"]:,} employed = <strong>{n["coverage_pct"]}%</strong>.
{"Some branches are stale or missing: figures may understate coverage." if n["has_stale_data"] else ""}</p>
<h2>Targets</h2>
{_table(data.tracking, TRACKING_COLUMNS, "targets")}
<p class="note">Status: achieved = met today; on track = the recent pace (net change a month over the last 90 days)
meets the pace required to reach the target by its date; at risk = at least half the required pace, or not enough
history to know; off track = less than half, or the date has passed.</p>
<h2>Coverage against target by regency</h2>
<p class="note">Regencies with a target of their own or of their province; every regency is in the table below.</p>
<figure id="coverage-chart">{coverage_svg}</figure>
<h2>Trend of each target</h2>
<figure id="trend-chart">{trend_svg}</figure>
<h2>Regencies</h2>
{_table(data.regencies, REGENCY_COLUMNS, "regencies")}
<p class="note">Worker base: BPS Sakernas employed population where published, otherwise an estimate from population
(see reference.worker_base). People are counted once nationally. Produced by ucj-pipeline from the branch extracts;
the sample data of <code>ucj sample</code> is synthetic.</p>
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
