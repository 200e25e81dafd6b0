"""Charts of coverage against targets, as PNG (Dagster UI metadata) or SVG (the HTML report). No Dagster needed.

Both take plain rows (dicts) as the published tables hold them, so they draw exactly what BI users read.
"""

from __future__ import annotations

import base64
import io
import warnings
from collections import defaultdict
from dataclasses import dataclass

STATUS_COLOURS = {"achieved": "#1b7f3b", "on_track": "#3a8fd9", "at_risk": "#e0a000", "off_track": "#c8362c"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display: charts are files
    # A trend of one or two dates is normal at first: the date locator's complaint about it is not news.
    warnings.filterwarnings("ignore", message="AutoDateLocator was unable", category=UserWarning)
    matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text: searchable, selectable, accessible
    import matplotlib.pyplot as plt

    return plt


def _short(name: str) -> str:
    return name.removeprefix("Kabupaten ")


def _xy(points: list[tuple[float, int]]) -> tuple[list[float], list[int]]:
    """(x values, y values) of points: one line of markers per kind, not one artist per marker."""
    return [x for x, _ in points], [y for _, y in points]


def regency_coverage_figure(regencies: list[dict], targets: list[dict]):
    """Horizontal bars of coverage per regency, with the regency's target (or its province's) as a marker."""
    plt = _pyplot()
    own = {t["region_code"]: t for t in targets if t["level"] == "regency"}
    province = {t["region_code"]: t for t in targets if t["level"] == "province"}
    rows = sorted(regencies, key=lambda r: r["coverage_pct"] or 0)
    height = max(3.0, 0.32 * len(rows) + 1.2)
    fig, ax = plt.subplots(figsize=(9, height), dpi=100)
    labels = [f"{_short(r['regency_name'])} ({r['regency_code']})" for r in rows]
    values = [r["coverage_pct"] or 0 for r in rows]
    bars = ax.barh(labels, values, color="#3a8fd9", label="coverage on the reporting date")
    ax.bar_label(bars, labels=[f"{v:.1f}%" for v in values], padding=3, fontsize=8)
    mine = [(own[r["regency_code"]]["target_pct"], i) for i, r in enumerate(rows) if r["regency_code"] in own]
    theirs = [(province[r["province_code"]]["target_pct"], i) for i, r in enumerate(rows)
              if r["regency_code"] not in own and r["province_code"] in province]  # fmt: skip
    ax.plot(*_xy(mine), marker="D", color="#c8362c", markersize=7, linestyle="none", label="regency target")
    ax.plot(*_xy(theirs), marker="|", color="#555555", markersize=12, mew=2, linestyle="none", label="province target")
    ax.set_xlim(0, 105)
    ax.set_xlabel("UCJ coverage, % of worker base (BPS employed)")
    as_of = rows[0]["as_of_date"] if rows else ""
    ax.set_title(f"Coverage against target by regency, {as_of}")
    ax.legend(loc="lower right", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    return fig


def target_trend_figure(tracking: list[dict], history: list[dict]):
    """One panel per target: coverage on each history date, the target, and the projection at the recent pace."""
    plt = _pyplot()
    import matplotlib.dates as mdates

    by_target: dict[str, list[dict]] = defaultdict(list)
    for row in history:
        by_target[row["target_id"]].append(row)
    columns = 2
    panels = max(1, len(tracking))
    rows_of_panels = (panels + columns - 1) // columns
    fig, axes = plt.subplots(rows_of_panels, columns, figsize=(10, 3.0 * rows_of_panels), dpi=100, squeeze=False)
    for ax in axes.flat[len(tracking) :]:
        ax.axis("off")
    for ax, target in zip(axes.flat, tracking, strict=False):
        points = sorted(by_target[target["target_id"]], key=lambda r: r["as_of_date"])
        dates = [p["as_of_date"] for p in points]
        ax.plot(dates, [p["coverage_pct"] for p in points], marker="o", color="#3a8fd9", label="coverage")
        ax.axhline(target["target_pct"], color="#c8362c", linestyle="--", linewidth=1, label="target")
        if target["projected_coverage_pct"] is not None and dates:
            ax.plot(
                [dates[-1], target["target_date"]],
                [points[-1]["coverage_pct"], target["projected_coverage_pct"]],
                linestyle=":",
                color="#555555",
                label="projection at recent pace",
            )
        colour = STATUS_COLOURS.get(target["status"], "#333333")
        ax.set_title(f"{target['target_name']}\n{target['status']}", fontsize=9, color=colour)
        ax.set_ylabel("%", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        locator = mdates.AutoDateLocator(maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class RenderedChart:
    """One drawing in both forms the pipeline shows it: inline SVG (the HTML report), PNG (the Dagster UI)."""

    svg: str
    png_base64: str


def render(fig) -> RenderedChart:
    """Save the figure as SVG and PNG, then close it."""
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg")
    fig.savefig(png, format="png")
    _pyplot().close(fig)
    text = svg.getvalue()
    return RenderedChart(text[text.index("<svg") :], base64.b64encode(png.getvalue()).decode("ascii"))


def markdown_image(png_base64: str, alt: str) -> str:
    """Markdown the Dagster UI renders as an image (asset metadata)."""
    return f"![{alt}](data:image/png;base64,{png_base64})"
