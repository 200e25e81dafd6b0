"""Every word of the target report and its charts, one set per language (Bahasa Indonesia first), and the number and
date formats of each language. No Dagster, no matplotlib: plain strings and formatting.

A string with `{name}` fields is filled with str.format by target_report.py / charts.py. Both languages are instances
of the same dataclass, so a text missing in one of them fails at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

LANGUAGES = ("id", "en")
DEFAULT_LANG = "id"
STATUSES = ("achieved", "on_track", "at_risk", "off_track")


@dataclass(frozen=True)
class Texts:
    lang: str
    thousands_sep: str
    decimal_sep: str
    months: tuple[str, ...]  # January .. December
    months_short: tuple[str, ...]

    # The page: title and header
    page_title: str  # {date}
    kicker: str
    heading: str
    as_of: str  # {date}

    # Headline: how many branches delivered, and what the figures cover
    lead_complete: str  # {total}
    lead_some_missing: str  # {delivered} {total}
    lead_most_missing: str  # {delivered} {total}
    count_current: str  # {days}; the counts are shown as big numbers with these words beside them
    count_stale: str  # {days}
    count_missing: str
    national: str  # {covered} {base} {pct}
    national_most_missing: str  # {delivered} {total}
    national_some_missing: str  # {missing}
    national_stale: str  # {stale} {days}
    read_complete: str

    # The target table
    h_targets: str
    col_target: str
    col_region: str
    col_now: str
    col_target_pct: str
    col_by: str
    col_gap: str
    col_needed: str
    col_pace: str
    col_projected: str
    col_status: str
    status_words: dict[str, str]
    status_explained: dict[str, str]
    status_reasons: dict[str, str]  # marts.target_tracking.status_reason (English, from the SQL) -> these words
    status_heading: str
    incomplete_mark: str  # beside a figure some of whose branches have not delivered or are stale
    incomplete_note: str
    incomplete_missing: str  # {n} {branches}
    incomplete_stale: str  # {n} {branches}
    date_chosen_note: str
    village_unit: str  # under the village programme's figure
    village_target: str  # {n}: the village programme's target, per village
    village_note: str  # {name} {pct} {filled} {quota} {meeting} {villages} {per_village} {coverage} {regency}
    target_names: dict[str, str]  # target_id -> name in this language (others keep reference.targets' name)
    no_value: str  # a cell without a value (e.g. no required pace after the date passed)

    # The coverage chart
    h_coverage: str
    coverage_intro: str
    coverage_axis: str
    coverage_title: str  # {date}
    legend_coverage: str
    legend_regency_target: str
    legend_province_target: str
    no_data_bar: str  # beside a regency whose branches have not delivered
    partial_bar: str
    stale_bar: str
    chart_village_note: str  # {name} {pct} {coverage}

    # The trend charts
    h_trends: str
    trends_intro: str
    trend_unit_workers: str
    trend_unit_villages: str
    trend_target: str  # {pct}
    trend_projection: str  # {pct}
    trend_no_history: str
    trend_one_date: str
    trend_incomplete: str  # {delivered} {total}
    trend_partial: str

    # The regency table
    h_regencies: str
    regencies_intro: str
    col_code: str
    col_regency: str
    col_covered: str
    col_base: str
    col_coverage: str
    col_data: str
    data_complete: str
    data_none: str  # {branches}
    data_partial: str  # {branches}
    data_stale: str  # {branches} {days}
    data_no_branch: str
    province_row: str  # {name} {code} {pct} {covered} {base}
    province_missing: str  # {n} {branches}
    estimate_mark: str
    estimate_note: str
    other_provinces: str  # {n}
    footer: str

    # Benefits and budget
    h_budget: str
    budget_intro: str
    col_premium: str
    col_year_cost: str
    col_path_cost: str
    benefits_intro: str  # {regency} {year}
    benefits_none: str  # {year}
    benefits_title: str  # {regency} {year}
    benefits_total: str  # {amount} {workers} {funded}
    programme_names: dict[str, str]
    # marts.target_cost.premium_basis is written in English for BI tools: its phrases in this language (regex, text)
    basis_phrases: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...]

    # The Dagster UI
    alt_coverage: str
    alt_trends: str
    billions: str = "bn"

    def integer(self, value: float | int | None) -> str:
        if value is None:
            return self.no_value
        return self._separators(f"{round(value):,}")

    def number(self, value: float | None, digits: int = 2) -> str:
        if value is None:
            return self.no_value
        return self._separators(f"{value:,.{digits}f}")

    def pct(self, value: float | None, digits: int = 2) -> str:
        return self.no_value if value is None else f"{self.number(value, digits)}%"

    def signed(self, value: float | None) -> str:
        """A monthly change in workers, rounded to whole workers, with its sign."""
        if value is None:
            return self.no_value
        whole = round(value)
        return ("+" if whole > 0 else "−" if whole < 0 else "") + self.integer(abs(whole))

    def rupiah(self, value) -> str:
        """Whole rupiah, and from Rp1 billion on in billions too (miliar / billion), as budget meetings speak."""
        if value is None:
            return self.no_value
        whole = int(value)
        text = f"Rp{self.integer(whole)}"
        if whole >= 1_000_000_000:
            text += f" ({self.number(whole / 1e9)} {self.billions})"
        return text

    def premium_basis(self, basis: str) -> str:
        """A target's premium basis (`int_budget_premium_months.sql`) in this language; amounts keep their digits."""
        for pattern, replacement in self.basis_phrases:
            basis = re.sub(pattern, replacement, basis)
        return basis

    def long_date(self, day: date) -> str:
        return f"{day.day} {self.months[day.month - 1]} {day.year}"

    def short_date(self, day: date) -> str:
        return f"{day.day} {self.months_short[day.month - 1]} {day.year}"

    def _separators(self, english: str) -> str:
        return english.replace(",", "\0").replace(".", self.decimal_sep).replace("\0", self.thousands_sep)


ID = Texts(
    lang="id",
    thousands_sep=".",
    decimal_sep=",",
    months=(
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),  # fmt: skip
    months_short=("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    page_title="Cakupan UCJ dan target daerah, {date}",
    kicker="BPJS Ketenagakerjaan · Universal Coverage Jamsostek (UCJ)",
    heading="Cakupan perlindungan pekerja dan target daerah",
    as_of="Data per {date}",
    lead_complete="Semua {total} kantor cabang sudah mengirim data terkini.",
    lead_some_missing="{delivered} dari {total} kantor cabang sudah mengirim data.",
    lead_most_missing="Baru {delivered} dari {total} kantor cabang yang mengirim data.",
    count_current="cabang mengirim data terkini (umur data paling lama {days} hari)",
    count_stale="cabang datanya lama (lebih dari {days} hari; tetap dihitung)",
    count_missing="cabang belum pernah mengirim data",
    national="Indonesia: <strong>{covered}</strong> pekerja terlindungi JKK dan JKM dari {base} pekerja "
    "= <strong>{pct}</strong>.",
    national_most_missing="Angka nasional ini <strong>hanya menghitung peserta dari {delivered} cabang</strong> "
    "yang sudah mengirim data, tetapi dibagi dengan jumlah pekerja seluruh Indonesia. Karena itu angkanya jauh lebih "
    "rendah dari cakupan sebenarnya dan belum dapat dibandingkan dengan target nasional.",
    national_some_missing="Peserta dari {missing} cabang yang belum mengirim data belum terhitung, jadi angka ini "
    "lebih rendah dari cakupan sebenarnya.",
    national_stale="{stale} cabang dihitung dari data yang lebih tua dari {days} hari.",
    read_complete="Angka yang sudah lengkap: kabupaten/kota yang semua cabangnya mengirim data terkini "
    "(kolom “Data”: <em>lengkap</em>).",
    h_targets="Target",
    col_target="Target",
    col_region="Wilayah",
    col_now="Capaian sekarang",
    col_target_pct="Target",
    col_by="Tenggat",
    col_gap="Kekurangan (pekerja)",
    col_needed="Dibutuhkan per bulan",
    col_pace="Laju per bulan (90 hari terakhir)",
    col_projected="Proyeksi pada tenggat",
    col_status="Status",
    status_words={
        "achieved": "Tercapai",
        "on_track": "Sesuai jalur",
        "at_risk": "Berisiko",
        "off_track": "Tidak sesuai jalur",
    },
    status_explained={
        "achieved": "target sudah terpenuhi pada tanggal data.",
        "on_track": "penambahan bersih pekerja terlindungi per bulan dalam 90 hari terakhir sama dengan atau lebih "
        "besar dari yang dibutuhkan per bulan untuk mencapai target tepat pada tenggatnya.",
        "at_risk": "penambahannya paling sedikit separuh dari yang dibutuhkan, tetapi belum cukup; atau belum dapat "
        "dihitung karena riwayat data kurang dari dua tanggal dalam 90 hari terakhir.",
        "off_track": "penambahannya kurang dari separuh yang dibutuhkan atau tidak bertambah sama sekali, atau "
        "tenggat sudah lewat dan target belum tercapai.",
    },
    status_reasons={
        "target met on the reporting date": "terpenuhi pada tanggal data",
        "target date passed without meeting the target": "tenggat sudah tiba, target belum tercapai",
        "pace unknown: fewer than two history dates within the last 90 days": "laju belum dapat dihitung",
        "recent pace meets or beats the required pace": "laju cukup",
        "recent pace is at least half the required pace": "laju minimal separuh yang dibutuhkan",
        "recent pace is below half the required pace, or not positive": "laju kurang dari separuh yang dibutuhkan",
    },
    status_heading="Arti status",
    incomplete_mark="data belum lengkap",
    incomplete_note="<strong>Data belum lengkap</strong>: sebagian cabang yang melayani wilayah itu belum mengirim "
    "data (atau datanya lama), jadi capaiannya lebih rendah dari kenyataan dan statusnya belum dapat dipegang.",
    incomplete_missing="{n} cabang belum mengirim: {branches}",
    incomplete_stale="{n} cabang datanya lama: {branches}",
    date_chosen_note="* Dokumen sumber tidak menyebut tanggal; tenggat dipilih oleh tim pengelola data.",
    village_unit="kemajuan desa, bukan % pekerja",
    village_target="{n} pekerja di setiap desa",
    village_note="† <strong>{name}</strong> diukur dengan satuan lain: <strong>kemajuan desa, bukan cakupan "
    "pekerja</strong>. Setiap desa dihitung sampai {per_village} pekerja terlindungi; {pct} berarti {filled} dari "
    "{quota} ({villages} desa × {per_village}) sudah terisi, dan {meeting} dari {villages} desa sudah mencapai "
    "{per_village} pekerja. Cakupan pekerja {regency} sendiri {coverage} (tabel kabupaten/kota).",
    target_names={
        "national_rpjmn_2025": "RPJMN 2025–2029: target nasional 2025",
        "national_rpjmn_2029": "RPJMN 2025–2029: target nasional 2029",
        "national_rpjpn_2045": "RPJPN 2025–2045: target nasional 99,5%",
        "sulsel_inpres_2021": "Sulawesi Selatan 68% (pemantauan Inpres 2/2021)",
        "banggai_rpjmd_2030": "Banggai 99,5% (RPJMD 2025–2030)",
        "sinjai_plus_20_points": "Sinjai dari 40% menjadi 60%",
        "luwutimur_satu_desa_100": "Luwu Timur: Satu Desa 100 Tenaga Kerja",
    },
    no_value="–",
    h_coverage="Cakupan terhadap target per kabupaten/kota",
    coverage_intro="Semua kabupaten/kota di provinsi yang punya target, dan kabupaten/kota yang punya target "
    "sendiri. Batang: pekerja terlindungi sebagai persen dari jumlah pekerja. “Belum ada data” berarti cabang yang "
    "melayani wilayah itu belum mengirim data: bukan 0%.",
    coverage_axis="Cakupan UCJ, % dari jumlah pekerja (BPS)",
    coverage_title="Cakupan terhadap target per kabupaten/kota, {date}",
    legend_coverage="cakupan pada tanggal data",
    legend_regency_target="target kabupaten/kota",
    legend_province_target="target provinsi",
    no_data_bar="belum ada data: cabang belum mengirim",
    partial_bar="sebagian cabang belum mengirim",
    stale_bar="data lama",
    chart_village_note="† {name}: {pct} adalah kemajuan desa (satuan lain), bukan % pekerja; batangnya adalah "
    "cakupan pekerja, {coverage}.",
    h_trends="Perkembangan tiap target",
    trends_intro="Garis biru: capaian pada tiap tanggal data. Garis merah putus-putus: target. Garis titik-titik "
    "abu-abu: proyeksi sampai tenggat dengan laju 90 hari terakhir.",
    trend_unit_workers="% pekerja terlindungi",
    trend_unit_villages="% kemajuan desa (bukan % pekerja)",
    trend_target="target {pct}",
    trend_projection="proyeksi {pct}",
    trend_no_history="belum ada riwayat data",
    trend_one_date="baru satu tanggal data: laju belum dapat dihitung",
    trend_incomplete="hanya {delivered} dari {total} cabang mengirim data",
    trend_partial="data belum lengkap",
    h_regencies="Kabupaten/kota",
    regencies_intro="Setiap kabupaten/kota di provinsi yang punya target atau yang sudah punya data, termasuk yang "
    "belum ada datanya.",
    col_code="Kode",
    col_regency="Kabupaten/kota",
    col_covered="Pekerja terlindungi",
    col_base="Jumlah pekerja",
    col_coverage="Cakupan",
    col_data="Data",
    data_complete="lengkap",
    data_none="belum ada data: cabang belum mengirim ({branches})",
    data_partial="sebagian: cabang belum mengirim ({branches})",
    data_stale="data lama: {branches} (lebih dari {days} hari)",
    data_no_branch="belum ada cabang yang melayani",
    province_row="{name} ({code}): {pct}, {covered} dari {base} pekerja",
    province_missing="{n} cabang belum mengirim: {branches}",
    estimate_mark="≈",
    estimate_note="≈ jumlah pekerja diperkirakan dari jumlah penduduk (BPS belum menerbitkan angka pekerja wilayah "
    "itu); yang lain: penduduk bekerja menurut BPS Sakernas.",
    other_provinces="{n} provinsi lain tidak ditampilkan: tidak punya target provinsi dan belum ada peserta "
    "tercatat dari cabangnya.",
    footer="Pekerja terlindungi: peserta aktif yang memiliki JKK dan JKM, dihitung sekali secara nasional. Dihasilkan "
    "oleh ucj-pipeline dari data kiriman kantor cabang; data contoh dari <code>ucj sample</code> adalah data sintetis.",
    h_budget="Manfaat dan anggaran",
    budget_intro="Berapa anggaran daerah (APBD) yang dibutuhkan untuk menutup kekurangan setiap target, bila anggaran "
    "membayar iuran setiap pekerja yang belum terlindungi: iuran per pekerja per bulan sesuai angka kabupaten bila "
    "diketahui, selain itu iuran BPU (JKK dan JKM) yang dibayar anggaran (tanpa potongan yang tidak berlaku untuk "
    "APBD). Biaya jalur: pekerja baru tiap bulan sampai tanggal target, masing-masing dibayar tiap bulan.",
    col_premium="Iuran per pekerja per bulan",
    col_year_cost="Seluruh kekurangan, setahun",
    col_path_cost="Jalur sampai tanggal target, total",
    benefits_intro="Manfaat yang dibayarkan BPJS Ketenagakerjaan di {regency} pada {year}, per program per bulan.",
    benefits_none="Belum ada data klaim untuk {year}.",
    benefits_title="Manfaat dibayarkan per bulan, {regency} {year}",
    benefits_total="Total {amount} kepada {workers} pekerja; {funded} di antaranya kepada pekerja yang iurannya "
    "dibayar APBD/APBDes.",
    programme_names={
        "JHT": "JHT (hari tua)",
        "JKK": "JKK (kecelakaan kerja)",
        "JKM": "JKM (kematian)",
        "JP": "JP (pensiun)",
        "JKP": "JKP (kehilangan pekerjaan)",
    },  # fmt: skip
    basis_phrases=(
        (r"^BPU schedule paid by a regional budget \(APBD\): ", "iuran BPU yang dibayar anggaran daerah (APBD): "),
        (r"^budget premium of the regency: ", "iuran yang dianggarkan kabupaten: "),
        (
            r" \(the (\d+)% discount does not apply where a budget pays\)",
            r" (potongan \1% tidak berlaku bila anggaran membayar)",
        ),
        (r"Rp(\d{1,3}(?:,\d{3})+)", lambda m: "Rp" + m[1].replace(",", ".")),
    ),
    billions="miliar",
    alt_coverage="cakupan terhadap target",
    alt_trends="perkembangan target",
)

EN = Texts(
    lang="en",
    thousands_sep=",",
    decimal_sep=".",
    months=(
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),  # fmt: skip
    months_short=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    page_title="UCJ coverage and regional targets, {date}",
    kicker="BPJS Ketenagakerjaan · Universal Coverage Jamsostek (UCJ)",
    heading="Workers' protection coverage and regional targets",
    as_of="Figures as of {date}",
    lead_complete="All {total} branch offices have delivered current data.",
    lead_some_missing="{delivered} of {total} branch offices have delivered data.",
    lead_most_missing="Only {delivered} of {total} branch offices have delivered data.",
    count_current="branches with current data (at most {days} days old)",
    count_stale="branches with old data (more than {days} days; still counted)",
    count_missing="branches that have never delivered",
    national="Indonesia: <strong>{covered}</strong> workers protected by JKK and JKM of {base} workers "
    "= <strong>{pct}</strong>.",
    national_most_missing="This national figure <strong>counts only the participants of the {delivered} branches"
    "</strong> that delivered, divided by the worker base of the whole country. It therefore understates coverage by "
    "far and cannot yet be compared with the national targets.",
    national_some_missing="The participants of the {missing} branches that have not delivered are not counted, so "
    "this figure understates coverage.",
    national_stale="{stale} branches are counted from data older than {days} days.",
    read_complete="Complete figures: regencies all of whose branches delivered current data (column “Data”: "
    "<em>complete</em>).",
    h_targets="Targets",
    col_target="Target",
    col_region="Region",
    col_now="Now",
    col_target_pct="Target",
    col_by="By",
    col_gap="Gap (workers)",
    col_needed="Needed per month",
    col_pace="Pace per month (last 90 days)",
    col_projected="Projected at the date",
    col_status="Status",
    status_words={
        "achieved": "Achieved",
        "on_track": "On track",
        "at_risk": "At risk",
        "off_track": "Off track",
    },
    status_explained={
        "achieved": "the target is met on the reporting date.",
        "on_track": "the net number of newly protected workers a month over the last 90 days meets or beats the "
        "number a month needed to reach the target by its date.",
        "at_risk": "that pace is at least half the pace needed, but less; or it cannot be computed yet (fewer than "
        "two dates of history within the last 90 days).",
        "off_track": "that pace is below half the pace needed or not growing at all, or the date has passed with the "
        "target unmet.",
    },
    status_reasons={
        "target met on the reporting date": "met on the reporting date",
        "target date passed without meeting the target": "the date has come, target unmet",
        "pace unknown: fewer than two history dates within the last 90 days": "pace not known yet",
        "recent pace meets or beats the required pace": "pace sufficient",
        "recent pace is at least half the required pace": "pace at least half of what is needed",
        "recent pace is below half the required pace, or not positive": "pace below half of what is needed",
    },
    status_heading="What the status means",
    incomplete_mark="incomplete data",
    incomplete_note="<strong>Incomplete data</strong>: some branches serving that region have not delivered (or their "
    "data is old), so the figure understates coverage and its status cannot be relied on yet.",
    incomplete_missing="{n} branches not delivered: {branches}",
    incomplete_stale="{n} branches with old data: {branches}",
    date_chosen_note="* The source document gives no date; the data team chose this one.",
    village_unit="village progress, not % of workers",
    village_target="{n} workers in every village",
    village_note="† <strong>{name}</strong> is measured in another unit: <strong>village progress, not coverage of "
    "workers</strong>. Each village counts up to {per_village} protected workers; {pct} means {filled} of {quota} "
    "({villages} villages × {per_village}) are filled, and {meeting} of {villages} villages have reached "
    "{per_village} workers. {regency}'s own coverage of workers is {coverage} (regency table).",
    target_names={},
    no_value="–",
    h_coverage="Coverage against target by regency",
    coverage_intro="Every regency of a province with a target, and every regency with a target of its own. Bars: "
    "protected workers as a percentage of the worker base. “No data yet” means the branches serving that regency "
    "have not delivered: not 0%.",
    coverage_axis="UCJ coverage, % of worker base (BPS)",
    coverage_title="Coverage against target by regency, {date}",
    legend_coverage="coverage on the reporting date",
    legend_regency_target="regency target",
    legend_province_target="province target",
    no_data_bar="no data yet: branch has not delivered",
    partial_bar="some branches not delivered",
    stale_bar="old data",
    chart_village_note="† {name}: {pct} is village progress (another unit), not % of workers; its bar is coverage of "
    "workers, {coverage}.",
    h_trends="Trend of each target",
    trends_intro="Blue line: the figure on each reporting date. Red dashes: the target. Grey dots: the projection to "
    "the target date at the pace of the last 90 days.",
    trend_unit_workers="% of workers protected",
    trend_unit_villages="% village progress (not % of workers)",
    trend_target="target {pct}",
    trend_projection="projected {pct}",
    trend_no_history="no history yet",
    trend_one_date="one reporting date so far: no pace yet",
    trend_incomplete="only {delivered} of {total} branches delivered",
    trend_partial="incomplete data",
    h_regencies="Regencies",
    regencies_intro="Every regency of a province with a target or with data, including those without data yet.",
    col_code="Code",
    col_regency="Regency",
    col_covered="Protected workers",
    col_base="Worker base",
    col_coverage="Coverage",
    col_data="Data",
    data_complete="complete",
    data_none="no data yet: branch has not delivered ({branches})",
    data_partial="partial: branch not delivered ({branches})",
    data_stale="old data: {branches} (more than {days} days)",
    data_no_branch="no branch serves it",
    province_row="{name} ({code}): {pct}, {covered} of {base} workers",
    province_missing="{n} branches not delivered: {branches}",
    estimate_mark="≈",
    estimate_note="≈ worker base estimated from population (BPS publishes no employed figure for that regency); the "
    "others: employed population, BPS Sakernas.",
    other_provinces="{n} other provinces are not shown: no province target and no participant recorded from their "
    "branches yet.",
    footer="Protected workers: active participants holding JKK and JKM, counted once nationally. Produced by "
    "ucj-pipeline from the branch extracts; the sample data of <code>ucj sample</code> is synthetic.",
    h_budget="Benefits and budget",
    budget_intro="What a regional budget (APBD) would need to close each target's gap if it paid the premium of "
    "every worker still unprotected: the premium per worker per month is the regency's own figure where known, else "
    "the BPU schedule of JKK and JKM as a budget pays it (no discount the regulation excludes for budgets). The path: "
    "new workers each month until the target date, each paid every month.",
    col_premium="Premium per worker per month",
    col_year_cost="Whole gap, a year",
    col_path_cost="Path to the target date, total",
    benefits_intro="Benefits BPJS Ketenagakerjaan paid in {regency} in {year}, by programme and month.",
    benefits_none="No claims data for {year} yet.",
    benefits_title="Benefits paid per month, {regency} {year}",
    benefits_total="In total {amount} to {workers} workers; {funded} of it to workers whose premium a regional or "
    "village budget pays.",
    programme_names={
        "JHT": "JHT (old age)",
        "JKK": "JKK (work accident)",
        "JKM": "JKM (death)",
        "JP": "JP (pension)",
        "JKP": "JKP (job loss)",
    },  # fmt: skip
    basis_phrases=(),
    billions="bn",
    alt_coverage="coverage against target",
    alt_trends="target trends",
)

TEXTS = {"id": ID, "en": EN}


def texts_for(lang: str) -> Texts:
    """The texts of a language code (id or en); ValueError for any other."""
    try:
        return TEXTS[lang]
    except KeyError:
        raise ValueError(f"unknown report language {lang!r}: one of {', '.join(LANGUAGES)}") from None
