import gzip
from datetime import datetime

import duckdb
import pytest
import xlsxwriter

from tests.factories import HEADER, row, write_extract
from ucj_pipeline.contract.file_names import ExtractRejected
from ucj_pipeline.ingest.extract_reader import read_extract


def test_csv_semicolon_windows_1252_and_messy_headers(tmp_path):
    header = [f"  {h.lower()} " for h in HEADER] + ["CATATAN"]
    rows = [{f"  {k.lower()} ": v for k, v in row(NAMA="José Ñandu").items()} | {"CATATAN": "x"}]
    path = write_extract(tmp_path, "PALOPO_20251231.csv", rows, delimiter=";", encoding="cp1252", header=header)
    extract = read_extract(path, "csv")
    assert extract.rows["NAMA"].to_list() == ["José Ñandu"]
    assert extract.rows["NIK"].to_list() == [row()["NIK"]]
    assert extract.extra_columns == ["CATATAN"]
    assert extract.rows["source_row"].to_list() == [2]


def test_utf8_bom_gzip_and_quoted_delimiters(tmp_path):
    path = write_extract(tmp_path, "PALOPO_20251231.csv.gz", [row(PROGRAM="JKK,JKM,JHT")], encoding="utf-8-sig")
    extract = read_extract(path, "csv")
    assert extract.rows["NIK"].to_list() == [row()["NIK"]]
    assert extract.rows["PROGRAM"].to_list() == ["JKK,JKM,JHT"]


def test_optional_columns_may_be_absent(tmp_path):
    header = [h for h in HEADER if h not in ("NAMA", "KATEGORI", "IURAN_TERAKHIR", "NPP")]
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [row()], header=header)
    assert read_extract(path, "csv").rows["KATEGORI"].to_list() == [None]


def test_missing_required_column_rejects_the_file(tmp_path):
    header = [h for h in HEADER if h != "STATUS"]
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [row()], header=header)
    with pytest.raises(ExtractRejected) as rejected:
        read_extract(path, "csv")
    assert rejected.value.rule == "missing_column"
    assert "STATUS" in str(rejected.value) and "PALOPO_20251231.csv" in str(rejected.value)


def test_header_without_rows_is_rejected(tmp_path):
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [])
    with pytest.raises(ExtractRejected, match="no_data_rows"):
        read_extract(path, "csv")


def test_truncated_gzip_is_rejected_as_truncated(tmp_path):
    good = write_extract(tmp_path, "PALOPO_20251231.csv.gz", [row(serial=i) for i in range(1, 2000)])
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractRejected) as rejected:
        read_extract(good, "csv")
    assert rejected.value.rule == "truncated"


def test_a_row_cut_short_is_set_aside_as_misaligned_with_its_row_number(tmp_path):
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [row(serial=1), row(serial=2), row(serial=3)])
    lines = path.read_text().splitlines()
    lines[2] = lines[2].rsplit(",", 6)[0]  # row 3 (the second participant) lost its last six fields
    path.write_text("\n".join(lines) + "\n")
    extract = read_extract(path, "csv")
    assert extract.rows["source_row"].to_list() == [2, 4]
    assert extract.misaligned_rows.to_dicts() == [{"source_row": 3, "fields": 7}]


def test_parquet_numbers_and_dates_arrive_as_text(tmp_path):
    path = tmp_path / "PALOPO_20251231.parquet"
    duckdb.sql(
        "COPY (SELECT 7316014501900001::BIGINT AS nik, DATE '1990-01-05' AS tgl_lahir, 'L' AS jenis_kelamin, "
        "'73.16' AS kode_wilayah, 'PU' AS segmen, 'JKK,JKM' AS program, 'AKTIF' AS status, "
        f"'MANDIRI' AS sumber_iuran, DATE '2024-01-01' AS tgl_kepesertaan) TO '{path}' (FORMAT parquet)"
    )
    rows = read_extract(path, "parquet").rows
    assert rows["NIK"].to_list() == ["7316014501900001"]
    assert rows["TGL_LAHIR"].to_list() == ["1990-01-05"]


def test_excel_first_sheet_numbers_apostrophes_and_date_cells(tmp_path):
    path = tmp_path / "PALOPO_20251231.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    book.add_worksheet("ignored second sheet").write(0, 0, "not read")
    values = row()
    for column, name in enumerate(HEADER):
        sheet.write(0, column, name)
        sheet.write_string(1, column, values[name])
        sheet.write_string(2, column, values[name])
    nik = HEADER.index("NIK")
    sheet.write_number(1, nik, int(values["NIK"]))  # a number, as Excel stores typed-in digits
    sheet.write_string(2, nik, "'" + values["NIK"])  # text forced with a leading apostrophe
    sheet.write_datetime(1, HEADER.index("TGL_LAHIR"), datetime(1990, 1, 5))  # a real date cell
    book.close()
    rows = read_extract(path, "xlsx").rows
    assert rows["NIK"].to_list() == [values["NIK"], "'" + values["NIK"]]
    assert rows["TGL_LAHIR"].to_list() == ["1990-01-05", "1990-01-05"]
    assert rows["SEGMEN"].to_list() == ["BPU", "BPU"]


def test_garbage_bytes_are_rejected(tmp_path):
    path = tmp_path / "PALOPO_20251231.csv.gz"
    path.write_bytes(gzip.compress(b"\x00\x01\x02")[:5])
    with pytest.raises(ExtractRejected, match="truncated"):
        read_extract(path, "csv")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_empty_lines_are_skipped_and_the_rows_after_them_keep_their_line_numbers(tmp_path, newline):
    """DuckDB skips an empty line; the rows after it are still numbered by their line in the file, as a branch's
    spreadsheet shows it (with a misaligned row among them, and the empty lines at the end)."""
    lines = [",".join(HEADER), *(",".join(row(serial=i)[h] for h in HEADER) for i in range(1, 5))]
    lines.insert(2, "")  # line 3
    lines.insert(4, "")  # line 5
    lines.insert(5, "")  # line 6
    lines.insert(7, "1,2,3")  # line 8: too few fields
    path = tmp_path / "PALOPO_20251231.csv"
    path.write_bytes((newline.join(lines) + newline * 3).encode())
    extract = read_extract(path, "csv")
    assert extract.rows["source_row"].to_list() == [2, 4, 7, 9]
    assert extract.rows["NIK"].to_list() == [row(serial=i)["NIK"] for i in range(1, 5)]
    assert extract.misaligned_rows["source_row"].to_list() == [8]


def test_empty_lines_are_found_whatever_the_blocks_the_file_is_read_in():
    from ucj_pipeline.ingest.text_scan import BlankLines as _BlankLines

    text = b"h\r\na\n\n\nb\r\n\r\nc\n"  # empty lines 3, 4 and 6
    for size in range(1, len(text) + 1):
        blank = _BlankLines()
        for start in range(0, len(text), size):
            blank.scan(text[start : start + size])
        assert blank.lines == [3, 4, 6], size
