"""The target report as a regent's planning office reads it, rendered in plain Python from rows shaped like `make
demo`'s (tests/report_data.py): Bahasa Indonesia by default, status words a reader understands, a headline that says
how many branches delivered and what the figures cover, every South Sulawesi regency in the table and the chart (with
data, with zero covered, or without a delivering branch), the village programme's unit explained, clean trend axes,
English with lang=en, and `ucj report` from a published file."""

import re
from datetime import date
from functools import cache
from html.parser import HTMLParser

import duckdb
import pytest

from tests.report_data import SOUTH_SULAWESI_NO_BRANCH, ZERO_COVERED, demo_report_data, reference
from ucj_pipeline.orchestration import cli
from ucj_pipeline.orchestration.configuration import ConfigurationError, load_configuration
from ucj_pipeline.publish.charts import RenderedChart, history_by_target, target_trend_figure
from ucj_pipeline.publish.report_texts import EN, ID, STATUSES
from ucj_pipeline.publish.target_report import (
    REPORT_TABLES,
    ReportCharts,
    draw_charts,
    read_report_data,
    regencies_with_a_target,
    render_report,
    report_regencies,
)
from ucj_pipeline.runtime.paths import PROJECT_ROOT

SOUTH_SULAWESI = [r["code"] for r in reference("regencies.csv") if r["province_code"] == "73"]


@cache
def page(lang: str = "id") -> str:
    data = demo_report_data()
    return render_report(data, draw_charts(data, lang))


def without_charts(data, lang: str = "id") -> str:
    """The page with empty drawings: for what the text says (drawing the charts takes seconds)."""
    empty = RenderedChart("<svg></svg>", "")
    return render_report(data, ReportCharts(lang, empty, empty, []))


class _Text(HTMLParser):
    """The words a reader sees outside the charts (no style, no SVG)."""

    def __init__(self):
        super().__init__()
        self.words, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "svg")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "svg")

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.words))


def element(html: str, element_id: str, tag: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index(f"</{tag}>", start)]


def test_indonesian_by_default_with_indonesian_numbers():
    html, text = page(), visible(page())
    assert '<html lang="id">' in html
    assert "Data per 31 Desember 2025" in text
    national = element(html, "national", "p")
    assert re.search(r"<strong>\d{1,3}(\.\d{3})+</strong> pekerja terlindungi", national), national
    assert "141.983.048" in national and re.search(r"<strong>0,\d\d%</strong>", national)  # thousands '.', decimal ','
    assert "31 Des 2029" in text and "Kabupaten Sinjai" in text
    for code in STATUSES:  # no raw status code a reader would see
        assert code not in text


def test_status_words_a_reader_understands_each_explained():
    text = visible(page())
    table = visible(element(page(), "targets", "table"))
    assert {"Tidak sesuai jalur", "Sesuai jalur", "Berisiko"} <= {w for w in ID.status_words.values() if w in table}
    words = visible(element(page(), "status-words", "dl"))
    for status in STATUSES:
        assert ID.status_words[status] in words and ID.status_explained[status] in words
    assert (
        "Tercapai" in text and "tenggat sudah tiba, target belum tercapai" in table
    )  # RPJMN 2025: its date is the reporting date


def test_every_reason_of_the_status_rule_has_words_in_both_languages():
    sql = (PROJECT_ROOT / "dbt_like_sql" / "marts" / "target_tracking.sql").read_text(encoding="utf-8")
    reasons = sql[sql.index("case decision", sql.index("end as status,")) : sql.index("end as status_reason")]
    found = set(re.findall(r"(?:then|else) '([^']+)'", reasons))
    assert len(found) == 6
    assert found == ID.status_reasons.keys() == EN.status_reasons.keys()


def test_the_headline_says_how_many_branches_delivered_and_what_the_figures_cover():
    headline = visible(element(page(), "headline", "section"))
    assert "Baru 6 dari 120 kantor cabang yang mengirim data." in headline
    assert "6 cabang mengirim data terkini" in headline and "114 cabang belum pernah mengirim data" in headline
    assert "0 cabang datanya lama" in headline
    assert "hanya menghitung peserta dari 6 cabang" in headline
    assert "dibagi dengan jumlah pekerja seluruh Indonesia" in headline and "jauh lebih rendah" in headline
    # The national rows of the target table say it too.
    assert "hanya 6 dari 120 cabang mengirim data" in visible(element(page(), "target-national_rpjmn_2029", "tr"))


def test_the_headline_when_most_or_all_branches_delivered():
    branches = {r["branch_code"] for r in reference("branches.csv")}
    most = demo_report_data(frozenset(sorted(branches)[:100]))
    headline = visible(element(without_charts(most), "headline", "section"))
    assert "100 dari 120 kantor cabang sudah mengirim data." in headline
    assert "Peserta dari 20 cabang yang belum mengirim data belum terhitung" in headline
    assert "hanya menghitung" not in headline
    every = demo_report_data(frozenset(branches))
    headline = visible(element(without_charts(every), "headline", "section"))
    assert "Semua 120 kantor cabang sudah mengirim data terkini." in headline
    assert "belum terhitung" not in headline and "hanya menghitung" not in headline


def test_every_south_sulawesi_regency_in_the_table_and_the_chart():
    data = demo_report_data()
    html = page()
    assert len(SOUTH_SULAWESI) == 24
    charted = regencies_with_a_target(data.regencies, data.tracking)
    assert {r["regency_code"] for r in charted} == {*SOUTH_SULAWESI, "72.01"}  # province 73's target, Banggai's own
    table = element(html, "regencies", "table")
    for chart_id in ("coverage-chart", "coverage-chart-phone"):
        chart = element(html, chart_id, "figure")
        for code in SOUTH_SULAWESI:
            assert f"({code})" in chart, (chart_id, code)
        assert chart.count("belum ada data: cabang belum mengirim") == len(SOUTH_SULAWESI_NO_BRANCH)
    for code in SOUTH_SULAWESI:
        assert f'id="regency-{code}"' in table
    states = {r["regency_code"]: r["data_state"] for r in report_regencies(data)}
    for code, name in SOUTH_SULAWESI_NO_BRANCH.items():
        row = visible(element(table, f"regency-{code}", "tr"))
        assert states[code] == "none" and name in row
        assert "belum ada data: cabang belum mengirim" in row and "0,00%" not in row, row
    zero = visible(element(table, f"regency-{ZERO_COVERED}", "tr"))
    assert states[ZERO_COVERED] == "complete" and " 0 " in f" {zero} " and "0,00%" in zero and "lengkap" in zero
    # Provinces with data but without a target (Sulawesi Tengah) are listed whole too, not only their delivering part.
    assert 'id="regency-72.06"' in table and "36 provinsi lain tidak ditampilkan" in visible(html)


def test_the_village_programme_says_its_unit_in_the_table_and_the_chart():
    html = page()
    row = visible(element(html, "target-luwutimur_satu_desa_100", "tr"))
    assert "97,36% †" in row and "kemajuan desa, bukan % pekerja" in row and "100 pekerja di setiap desa" in row
    note = visible(html)
    assert "diukur dengan satuan lain: kemajuan desa, bukan cakupan pekerja" in note
    assert "112 dari 128 desa" in note and "Cakupan pekerja Kabupaten Luwu Timur sendiri 37,85%" in note
    chart = element(html, "coverage-chart", "figure")
    assert "Luwu Timur (73.24) †" in chart and "kemajuan desa (satuan lain), bukan % pekerja" in chart
    trend = element(html, "trend-luwutimur_satu_desa_100", "figure")
    assert "% kemajuan desa" in trend and "(bukan % pekerja)" in trend


def test_english_with_lang_en():
    html, text = page("en"), visible(page("en"))
    assert '<html lang="en">' in html
    assert "Only 6 of 120 branch offices have delivered data." in text
    assert "counts only the participants of the 6 branches" in text
    assert "141,983,048" in text and "Figures as of 31 December 2025" in text
    assert {"Off track", "On track", "At risk", "Achieved"} <= set(re.findall(r"Off track|On track|At risk|Achieved",
                                                                              text))  # fmt: skip
    assert "no data yet: branch has not delivered" in element(html, "coverage-chart", "figure")
    assert "Tidak sesuai jalur" not in text and "Desember" not in text


def _axes(target_id: str, history: list[dict], texts=ID):
    data = demo_report_data()
    [target] = [t for t in data.tracking if t["target_id"] == target_id]
    fig = target_trend_figure(target, history, texts)
    return fig, fig.axes[0]


def test_trend_axes_have_no_zero_lines_without_history_and_no_stray_labels():
    import matplotlib.pyplot as plt

    data = demo_report_data()
    history = history_by_target(data.target_history)
    fig, ax = _axes("national_rpjmn_2025", history["national_rpjmn_2025"])
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["Nov\n2025", "Des"], labels  # Indonesian months, the year where it starts, no offset label
    assert ax.xaxis.get_offset_text().get_text() == ""
    plt.close(fig)
    fig, ax = _axes("sinjai_plus_20_points", history["sinjai_plus_20_points"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026", "2027", "2028", "2029"]
    plt.close(fig)
    # No history, or only dates on which no branch of the region had delivered: no line at zero, a note instead.
    no_data = [{**h, "covered_workers": 0, "coverage_pct": 0.0, "has_stale_data": True}
               for h in history["banggai_rpjmd_2030"]]  # fmt: skip
    for rows in ([], no_data):
        fig, ax = _axes("banggai_rpjmd_2030", rows)
        drawn = [line for line in ax.get_lines() if len(line.get_xdata()) > 1 or line.get_marker() not in ("", "None")]
        assert all(min(line.get_ydata()) > 0 for line in drawn), [list(line.get_ydata()) for line in drawn]
        assert "belum ada riwayat data" in [t.get_text() for t in ax.texts]
        plt.close(fig)
    fig, ax = _axes("national_rpjmn_2029", history["national_rpjmn_2029"], EN)
    assert all(re.fullmatch(r"\d{4}", t.get_text()) for t in ax.get_xticklabels())
    plt.close(fig)


def test_the_report_language_is_configured_and_checked(tmp_path):
    assert load_configuration({"UCJ_HOME": str(tmp_path)}).report_lang == "id"
    assert load_configuration({"UCJ_HOME": str(tmp_path), "UCJ_REPORT_LANG": "EN"}).report_lang == "en"
    with pytest.raises(ConfigurationError) as error:
        load_configuration({"UCJ_HOME": str(tmp_path), "UCJ_REPORT_LANG": "fr"})
    assert error.value.problems == ["UCJ_REPORT_LANG='fr' is not a report language: id or en"]


# The report's tables that the demo data leaves empty, as the publish declares them (the columns the report reads).
EMPTY_TABLES = {
    "target_cost": "target_id VARCHAR",
    "benefits_paid": "region_level VARCHAR, region_code VARCHAR, month DATE, programme VARCHAR, "
    "funding_source VARCHAR, amount_rupiah DECIMAL(18, 0)",
    "benefits_year": "region_level VARCHAR, region_code VARCHAR, year INTEGER",
}
SQL_TYPES = ((bool, "BOOLEAN"), (int, "BIGINT"), (float, "DOUBLE"), (date, "DATE"), (str, "VARCHAR"))


def _publish(data, path) -> None:
    """The report's tables in a DuckDB file, as the publish writes them (marts.<name>)."""
    tables = {"coverage_national": [data.national], "coverage_province": data.provinces,
              "coverage_regency": data.regencies, "target_tracking": data.tracking,
              "target_history": data.target_history, "branch_status": data.branches,
              "target_cost": data.target_costs, "benefits_paid": [], "benefits_year": data.benefits_year}  # fmt: skip
    assert tables.keys() == set(REPORT_TABLES)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        for name, columns in EMPTY_TABLES.items():
            if not tables[name]:
                con.execute(f"CREATE TABLE marts.{name} ({columns})")
        for name, rows in ((n, r) for n, r in tables.items() if r):
            columns = list(dict.fromkeys(c for r in rows for c in r))
            types = []
            for column in columns:
                value = next((r[column] for r in rows if r.get(column) is not None), "")
                types.append(next(sql for kind, sql in SQL_TYPES if isinstance(value, kind)))
            con.execute(
                f"CREATE TABLE marts.{name} ({', '.join(f'{c} {t}' for c, t in zip(columns, types, strict=True))})"
            )
            con.executemany(f"INSERT INTO marts.{name} VALUES ({', '.join('?' * len(columns))})",
                            [[r.get(c) for c in columns] for r in rows])  # fmt: skip


def test_ucj_report_renders_the_published_file_in_the_other_language(tmp_path, monkeypatch, capsys):
    data = demo_report_data()
    (tmp_path / "warehouse").mkdir()
    _publish(data, tmp_path / "warehouse" / "ucj.duckdb")
    with duckdb.connect(str(tmp_path / "warehouse" / "ucj.duckdb"), read_only=True) as con:
        read = read_report_data(con)
    assert read.as_of_date == date(2025, 12, 31) and len(read.regencies) == 514 and len(read.branches) == 120
    monkeypatch.setenv("UCJ_HOME", str(tmp_path))
    monkeypatch.delenv("UCJ_REPORT_LANG", raising=False)
    assert cli.main(["report", "--lang", "en"]) == 0
    written = tmp_path / "reports" / "ucj_targets_2025-12-31.en.html"
    assert capsys.readouterr().out.strip() == str(written)
    assert "Only 6 of 120 branch offices have delivered data." in visible(written.read_text(encoding="utf-8"))
    out = tmp_path / "laporan.html"
    assert cli.main(["report", "--out", str(out)]) == 0  # UCJ_REPORT_LANG unset: Bahasa Indonesia
    assert '<html lang="id">' in out.read_text(encoding="utf-8")


def test_the_premium_basis_reads_in_the_report_language():
    from ucj_pipeline.publish.report_texts import texts_for

    basis = (
        "BPU schedule paid by a regional budget (APBD): JKK Rp10,000 (the 50% discount does not apply where a "
        "budget pays) + JKM Rp6,800"
    )
    assert texts_for("id").premium_basis(basis) == (
        "iuran BPU yang dibayar anggaran daerah (APBD): JKK Rp10.000 (potongan 50% tidak berlaku bila anggaran "
        "membayar) + JKM Rp6.800"
    )
    assert texts_for("en").premium_basis(basis) == basis
    assert texts_for("id").premium_basis("budget premium of the regency: PBI daerah") == (
        "iuran yang dianggarkan kabupaten: PBI daerah"
    )
