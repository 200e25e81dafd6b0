"""Charts of coverage against targets, as PNG (Dagster UI metadata) or SVG (the HTML report). No Dagster needed.

Both take plain rows (dicts) as the published tables hold them, so they draw exactly what BI users read, and the
words and number formats of one language (`report_texts.Texts`). A regency whose branches have not delivered is
drawn as "no data yet", never as a bar at 0%; a target's trend shows only the dates it has figures for.
"""

from __future__ import annotations

import base64
import io
import textwrap
import warnings
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from ucj_pipeline.publish.report_texts import Texts

STATUS_COLOURS = {"achieved": "#1b7f3b", "on_track": "#2f7bbf", "at_risk": "#a86f00", "off_track": "#c8362c"}
BAR = "#3a8fd9"
NO_DATA = "#8a8a8a"

# A regency's data, as target_report.regency_data_state says it
COMPLETE, NO_DATA_YET, PARTIAL, STALE, NO_BRANCH = "complete", "none", "partial", "stale", "no_branch"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display: charts are files
    warnings.filterwarnings("ignore", message="AutoDateLocator was unable", category=UserWarning)
    matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text: searchable, selectable, accessible
    import matplotlib.pyplot as plt

    return plt


def _short(name: str) -> str:
    return name.removeprefix("Kabupaten ")


def _xy(points: list[tuple[float, int]]) -> tuple[list[float], list[int]]:
    """(x values, y values) of points: one line of markers per kind, not one artist per marker."""
    return [x for x, _ in points], [y for _, y in points]


def _has_figure(row: dict) -> bool:
    return row.get("data_state", COMPLETE) not in (NO_DATA_YET, NO_BRANCH)


def regency_coverage_figure(
    regencies: list[dict],
    targets: list[dict],
    texts: Texts,
    *,
    compact: bool = False,
    marks: dict[str, str] | None = None,
    footnote: str | None = None,
):
    """Horizontal bars of coverage per regency, with the regency's target (or its province's) as a marker.

    Regencies without a figure (`data_state` none or no_branch: their branches have not delivered) are listed last
    and say so instead of showing a bar. `compact` draws for a phone: narrow, each name above its bar. `marks` adds
    a sign to a regency's name (e.g. † for a target measured in another unit) that `footnote` explains.
    """
    plt = _pyplot()
    marks = marks or {}
    own = {t["region_code"]: t for t in targets if t["level"] == "regency"}
    province = {t["region_code"]: t for t in targets if t["level"] == "province"}
    with_figure = sorted((r for r in regencies if _has_figure(r)), key=lambda r: -(r["coverage_pct"] or 0))
    without = [r for r in regencies if not _has_figure(r)]
    rows = with_figure + without  # top to bottom
    n = len(rows)
    ys = [n - 1 - i for i in range(n)]
    row_height = 0.5 if compact else 0.3
    extra = 1.0 + (0.5 if footnote else 0) + (0.35 if compact else 0)
    fig, ax = plt.subplots(figsize=(4.0 if compact else 9.0, max(2.5, row_height * n + 1.4 + extra)), dpi=100,
                           layout="constrained")  # fmt: skip
    font = 8.5 if compact else 8
    values = [(r["coverage_pct"] or 0) if _has_figure(r) else 0 for r in rows]
    ax.barh(ys, values, height=0.42 if compact else 0.7, color=BAR, label=texts.legend_coverage)
    for y, row, value in zip(ys, rows, values, strict=True):
        if _has_figure(row):
            state = {PARTIAL: texts.partial_bar, STALE: texts.stale_bar}.get(row.get("data_state", COMPLETE))
            label = texts.pct(value, 1) + (f" ({state})" if state else "")
            ax.text(value + 1, y, label, va="center", fontsize=font - 0.5)
        else:
            ax.text(1, y, texts.no_data_bar, va="center", fontsize=font - 0.5, color=NO_DATA, style="italic")
    mine = [
        (own[r["regency_code"]]["target_pct"], y) for y, r in zip(ys, rows, strict=True) if r["regency_code"] in own
    ]
    theirs = [(province[r["province_code"]]["target_pct"], y) for y, r in zip(ys, rows, strict=True)
              if r["regency_code"] not in own and r["province_code"] in province]  # fmt: skip
    ax.plot(*_xy(mine), marker="D", color="#c8362c", markersize=7, linestyle="none", label=texts.legend_regency_target)
    ax.plot(*_xy(theirs), marker="|", color="#555555", markersize=12 if not compact else 10, mew=2, linestyle="none",
            label=texts.legend_province_target)  # fmt: skip
    names = [f"{_short(r['regency_name'])} ({r['regency_code']}){marks.get(r['regency_code'], '')}" for r in rows]
    if compact:  # the name above its bar: the bars get the whole width of a phone
        ax.set_yticks([])
        for y, name in zip(ys, names, strict=True):
            ax.text(0, y + 0.3, name, va="bottom", fontsize=font, fontweight="bold")
        ax.set_ylim(-0.6, n - 0.1 + 0.35)
    else:
        ax.set_yticks(ys, names)
        ax.tick_params(axis="y", labelsize=font)
        ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, 105)
    ax.xaxis.set_major_formatter(_percent_formatter(texts))
    ax.tick_params(axis="x", labelsize=font)
    ax.set_xlabel(textwrap.fill(texts.coverage_axis, 45 if compact else 90), fontsize=font)
    as_of = rows[0]["as_of_date"] if rows else None
    title = texts.coverage_title.format(date=texts.long_date(as_of) if as_of else "")
    fig.suptitle(textwrap.fill(title, 44 if compact else 100), fontsize=font + 1.5)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=1 if compact else 3, fontsize=font - 0.5, frameon=False,
              borderaxespad=0.3)  # fmt: skip
    if footnote:
        fig.supxlabel(textwrap.fill(footnote, 62 if compact else 150), x=0.02, ha="left", fontsize=font - 0.5)
    return fig


def _percent_formatter(texts: Texts):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: texts.pct(v, 0 if float(v).is_integer() else 1))


def _date_ticks(start: date, end: date, texts: Texts) -> tuple[list[date], list[str]]:
    """At most six ticks between start and end with their labels in the report's language: years ("2027") on a long
    span, otherwise months ("Okt 2025", later ones of the same year just "Des"). No offset label."""
    if (end - start).days > 3 * 366:
        years = list(range(start.year + (start > date(start.year, 1, 1)), end.year + 1))
        step = max(1, -(-len(years) // 6))
        chosen = years[::step]
        return [date(y, 1, 1) for y in chosen], [str(y) for y in chosen]
    months = []
    day = date(start.year, start.month, 1)
    if day < start:
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    while day <= end:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, -(-len(months) // 6))
    chosen = months[::step]
    labels, year = [], None
    for d in chosen:
        month = texts.months_short[d.month - 1]
        labels.append(month if d.year == year else f"{month}\n{d.year}")
        year = d.year
    return chosen, labels


def _usable(point: dict) -> bool:
    """A history date with a figure: not a date on which no branch serving the region had delivered (0 covered
    workers of a region with stale or missing branches is 'no data', not 0%)."""
    return point["coverage_pct"] is not None and not (point["covered_workers"] == 0 and point["has_stale_data"])


def target_trend_figure(target: dict, history: list[dict], texts: Texts, caveat: str | None = None):
    """One target: its figure on each history date, the target, and the projection at the recent pace to the
    target's date. `caveat` is written into the panel (e.g. how few branches delivered)."""
    plt = _pyplot()
    points = sorted((p for p in history if _usable(p)), key=lambda r: r["as_of_date"])
    village = target["level"] == "village_programme"
    fig, ax = plt.subplots(figsize=(4.8, 3.1), dpi=100, layout="constrained")
    dates = [p["as_of_date"] for p in points]
    values = [float(p["coverage_pct"]) for p in points]
    target_pct = float(target["target_pct"])
    target_date = target["target_date"]
    start = dates[0] if dates else target["as_of_date"]
    end = max(target_date, dates[-1] if dates else target_date)
    if dates:
        ax.plot(dates, values, marker="o", markersize=4, color=BAR, linewidth=2)
        where = (dates[-1] - start).days / max((end - start).days, 1)  # near an edge: the label leans inwards
        ha = "left" if where < 0.15 else "right" if where > 0.85 else "center"
        ax.annotate(texts.pct(values[-1]), (dates[-1], values[-1]), textcoords="offset points", xytext=(0, 7), ha=ha,
                    fontsize=8, color="#1f5f9f", fontweight="bold")  # fmt: skip
    ax.axhline(target_pct, color="#c8362c", linestyle="--", linewidth=1)
    projected = None if target["projected_coverage_pct"] is None else float(target["projected_coverage_pct"])
    top = max([target_pct, *values] + ([projected] if projected is not None else []))
    # The labels of the target and of the projection sit above their lines, unless the two are close: then on
    # opposite sides.
    close = projected is not None and abs(projected - target_pct) < 0.12 * top
    projection_above = not (close and projected < target_pct)
    target_above = not (close and projected >= target_pct)
    ax.annotate(texts.trend_target.format(pct=texts.pct(target_pct)), (1, target_pct), xycoords=("axes fraction", "data"),
                textcoords="offset points", xytext=(-2, 3 if target_above else -3), ha="right",
                va="bottom" if target_above else "top", fontsize=7.5, color="#c8362c")  # fmt: skip
    if projected is not None and dates and target_date > dates[-1]:
        ax.plot([dates[-1], target_date], [values[-1], projected], linestyle=":", color="#555555", linewidth=1.5)
        ax.annotate(texts.trend_projection.format(pct=texts.pct(projected)), (target_date, projected),
                    textcoords="offset points", xytext=(-2, 4 if projection_above else -4), ha="right",
                    va="bottom" if projection_above else "top", fontsize=7.5, color="#555555")  # fmt: skip
    notes = []
    if not dates:
        notes.append(texts.trend_no_history)
    elif len(dates) == 1:
        notes.append(texts.trend_one_date)
    if caveat:
        notes.append(caveat)
    if notes:
        ax.text(0.02, 0.5, "\n".join(notes), transform=ax.transAxes, fontsize=8, color="#8a5a00", va="center",
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "#fff6e0", "edgecolor": "#e0c080"})  # fmt: skip
    pad = timedelta(days=max(10, (end - start).days * 0.04))
    ax.set_xlim(start - pad, end + pad)
    ticks, labels = _date_ticks(start, end, texts)
    ax.set_xticks(ticks, labels)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    ax.set_yticks([v for v in ax.get_yticks() if 0 <= v <= 100 and v <= top * 1.15])
    ax.yaxis.set_major_formatter(_percent_formatter(texts))
    ax.set_ylabel(textwrap.fill(texts.trend_unit_villages if village else texts.trend_unit_workers, 18), fontsize=8)
    ax.tick_params(labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    name = textwrap.fill(texts.target_names.get(target["target_id"], target["target_name"]), 48)
    colour = STATUS_COLOURS.get(target["status"], "#333333")
    ax.set_title(name, fontsize=9, loc="left", pad=17)
    ax.annotate(texts.status_words.get(target["status"], target["status"]), (0, 1), xycoords="axes fraction",
                xytext=(0, 5), textcoords="offset points", va="bottom", fontsize=8.5, fontweight="bold", color=colour)  # fmt: skip
    return fig


PROGRAMME_COLOURS = {"JHT": "#1f5f9f", "JKK": "#e08a1e", "JKM": "#6b4c9a", "JP": "#2e8b57", "JKP": "#8c8c8c"}


def benefits_by_programme_figure(rows: list[dict], title: str, texts: Texts):
    """Benefits paid per month of one regency, stacked by programme (rows: month, programme, amount_rupiah), in
    billions of rupiah."""
    plt = _pyplot()
    months = sorted({r["month"] for r in rows})
    fig, ax = plt.subplots(figsize=(7.2, 3.2), dpi=100, layout="constrained")
    bottom = [0.0] * len(months)
    for programme, colour in PROGRAMME_COLOURS.items():
        by_month = {r["month"]: float(r["amount_rupiah"]) / 1e9 for r in rows if r["programme"] == programme}
        if not by_month:
            continue
        values = [by_month.get(m, 0.0) for m in months]
        ax.bar(range(len(months)), values, bottom=bottom, color=colour, label=texts.programme_names.get(programme,
               programme))  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(months)), [texts.months_short[m.month - 1] for m in months])
    ax.yaxis.set_major_formatter(lambda v, _: texts.number(v, 1))
    ax.set_ylabel(f"Rp, {texts.billions}", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7.5, frameon=False, ncols=3, loc="upper left")
    ax.set_ylim(0, max(bottom, default=1) * 1.35 or 1)
    ax.set_title(textwrap.fill(title, 70), fontsize=9, loc="left")
    return fig


def history_by_target(history: list[dict]) -> dict[str, list[dict]]:
    by_target: dict[str, list[dict]] = defaultdict(list)
    for row in history:
        by_target[row["target_id"]].append(row)
    return by_target


@dataclass(frozen=True)
class RenderedChart:
    """One drawing in the forms the pipeline shows it: inline SVG (the HTML report), PNG (the Dagster UI; empty
    when only the report shows it)."""

    svg: str
    png_base64: str


def render(fig, png: bool = True) -> RenderedChart:
    """Save the figure as SVG (and PNG), then close it."""
    svg, image = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    if png:
        fig.savefig(image, format="png")
    _pyplot().close(fig)
    text = svg.getvalue()
    return RenderedChart(text[text.index("<svg") :], base64.b64encode(image.getvalue()).decode("ascii") if png else "")


def markdown_image(png_base64: str, alt: str) -> str:
    """Markdown the Dagster UI renders as an image (asset metadata)."""
    return f"![{alt}](data:image/png;base64,{png_base64})"
