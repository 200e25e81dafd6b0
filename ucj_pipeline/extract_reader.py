"""Reading one branch extract (CSV, csv.gz, Excel, Parquet) into a frame of text columns named by the contract.

DuckDB reads CSV and Parquet; Excel goes through polars' calamine reader (DuckDB's excel extension cannot be
downloaded on offline networks). Every value stays text here: parsing and judging values is the row rules' job,
so a bad value becomes a quarantined row with a reason, never a crash or a silent coercion.

Every way a file can be unusable is a contract rule with a message a branch can act on (`empty_file`,
`encoding`, `delimiter`, `malformed_csv` with its line, `duplicate_column`, `missing_column`, `no_data_rows`,
`unreadable`, `truncated`): never a library's message, which may quote a temporary path or a row's personal
values. A CSV row whose field count differs from the header's (an unquoted `,` in a name, say) is not the file's
fault: it is returned in `misaligned_rows` and quarantined under `field_count`, with none of its values.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from ucj_pipeline.extract_files import ExtractRejected
from ucj_pipeline.leftovers import scratch_prefix
from ucj_pipeline.sql_text import sql_string

REQUIRED_COLUMNS = (
    "NIK",
    "TGL_LAHIR",
    "JENIS_KELAMIN",
    "KODE_WILAYAH",
    "SEGMEN",
    "PROGRAM",
    "STATUS",
    "SUMBER_IURAN",
    "TGL_KEPESERTAAN",
)
OPTIONAL_COLUMNS = ("NAMA", "KATEGORI", "IURAN_TERAKHIR", "NPP")
CONTRACT_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
SOURCE_ROW = "source_row"
DELIMITERS = {",": "','", ";": "';'"}
FOREIGN_DELIMITERS = {"\t": "tab", "|": "'|'"}
CHUNK = 1 << 20


@dataclass
class RawExtract:
    """The file's rows as text, contract columns only, plus `source_row`: where the row starts in the file (CSV:
    its line, the header being line 1; Excel: its sheet row; Parquet: its record number + 1)."""

    rows: pl.DataFrame
    extra_columns: list[str] = field(default_factory=list)
    # CSV rows with more or fewer fields than the header: (source_row, fields) and nothing of their values.
    misaligned_rows: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={SOURCE_ROW: pl.Int64, "fields": pl.Int64})
    )


def read_extract(path: Path, file_format: str, file_name: str | None = None, scratch: Path | None = None) -> RawExtract:
    """Read `path` (delivered as `file_name`); `scratch` is where a transcoded copy may be written (a private
    folder: the copy holds personal data; a temporary folder of the system when not given)."""
    name = file_name or path.name
    if path.stat().st_size == 0:
        raise ExtractRejected(name, "empty_file", "the file is empty (0 bytes)")
    if file_format == "csv":
        return _read_csv(path, name, scratch)
    if file_format == "parquet":
        try:
            frame = _as_text(f"read_parquet({sql_string(path)})")
        except duckdb.Error:
            raise ExtractRejected(name, "unreadable", "not a readable Parquet file (corrupt or truncated?)") from None
        _check_header(frame.columns, name)
        return _to_contract_columns(frame, name, first_row=2)
    if file_format == "xlsx":
        return _to_contract_columns(_read_excel(path, name), name, first_row=2)
    raise ExtractRejected(name, "file_format", f"unsupported format {file_format!r}")


def _as_text(source: str) -> pl.DataFrame:
    """Every column of a DuckDB table expression as text, in the file's order."""
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        names = con.sql(f"SELECT * FROM {source}").columns
        casts = ", ".join(f"CAST(#{i + 1} AS VARCHAR) AS c{i}" for i in range(len(names)))
        frame = con.sql(f"SELECT {casts} FROM {source}").pl()
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


# --- CSV ---------------------------------------------------------------------------------------------------------


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _blocks(path: Path, name: str):
    try:
        with _open(path) as f:
            yield from iter(lambda: f.read(CHUNK), b"")
    except EOFError:
        raise ExtractRejected(name, "truncated", "the compressed file is cut short (gzip)") from None
    except (gzip.BadGzipFile, zlib.error):
        raise ExtractRejected(name, "unreadable", "not a valid gzip file, or its compressed data is corrupt") from None


def _detect_encoding(path: Path, name: str) -> str:
    """'utf-8' (with or without BOM) or 'cp1252', as the contract allows; anything else is rejected."""
    head = next(_blocks(path, name), b"")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:64].count(b"\x00") > 4:
        raise ExtractRejected(name, "encoding", "the file is UTF-16; the contract allows UTF-8 or Windows-1252")
    if not head.lstrip(codecs.BOM_UTF8).strip():
        raise ExtractRejected(name, "empty_file", "the file holds no header and no rows")
    for encoding in ("utf-8", "cp1252"):
        decoder, row = codecs.getincrementaldecoder(encoding)(), 1
        try:
            for block in _blocks(path, name):
                if b"\x00" in block:
                    row += block[: block.index(b"\x00")].count(b"\n")
                    raise ExtractRejected(name, "encoding", f"line {row}: a NUL byte; not a text file")
                decoder.decode(block)
                row += block.count(b"\n")
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ExtractRejected(name, "encoding", "neither UTF-8 nor Windows-1252, the encodings the contract allows")


def _header(path: Path, name: str, encoding: str) -> tuple[list[str], str]:
    with _open(path) as f:
        first = f.readline()
    text = first.decode(encoding).removeprefix("\ufeff").rstrip("\r\n")
    counts = {d: text.count(d) for d in (*DELIMITERS, *FOREIGN_DELIMITERS)}
    delimiter = ";" if counts[";"] > counts[","] else ","
    if not counts[","] and not counts[";"] and any(counts[d] for d in FOREIGN_DELIMITERS):
        used = max(FOREIGN_DELIMITERS, key=counts.__getitem__)
        raise ExtractRejected(
            name, "delimiter", f"the header is separated by {FOREIGN_DELIMITERS[used]}; the contract allows ',' or ';'"
        )
    try:
        header = next(csv.reader([text], delimiter=delimiter, quotechar='"', doublequote=True, strict=True))
    except csv.Error:
        raise ExtractRejected(name, "malformed_csv", "line 1 (the header): a quoted name is not closed") from None
    return header, delimiter


# DuckDB's reject types for one row; others (an unclosed quote, an over-long line) break the file's structure.
MISALIGNED = ("TOO MANY COLUMNS", "MISSING COLUMNS")
MALFORMED = {
    "UNQUOTED VALUE": "a quoted value is not closed properly (unbalanced or stray quote)",
    "LINE SIZE OVER MAXIMUM": "the line is longer than 2 MB",
    "INVALID ENCODING": "bytes that are not valid in the file's encoding",
}


def _read_csv(path: Path, name: str, scratch: Path | None) -> RawExtract:
    encoding = _detect_encoding(path, name)
    header, delimiter = _header(path, name, encoding)
    _check_header(header, name)
    if encoding == "utf-8":
        return _scan_csv(path, name, header, delimiter)
    # DuckDB reads UTF-8 (its other encodings are extensions that offline networks cannot download): transcode.
    with tempfile.TemporaryDirectory(dir=scratch, prefix=scratch_prefix()) as tmp:
        copy = Path(tmp) / "extract.csv"
        with open(copy, "w", encoding="utf-8", newline="") as out:
            decoder = codecs.getincrementaldecoder(encoding)()
            for block in _blocks(path, name):
                out.write(decoder.decode(block))
        return _scan_csv(copy, name, header, delimiter)


def _scan_csv(path: Path, name: str, header: list[str], delimiter: str) -> RawExtract:
    # Columns by position (c0, c1, …): header names never enter SQL text; no sniffing, which guesses wrong on
    # large files (a first quoted value after 20,480 rows).
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        try:
            frame = con.sql(
                f"SELECT * FROM read_csv({sql_string(path)}, header = true, auto_detect = false, columns = {columns}, "
                f"delim = {DELIMITERS[delimiter]}, quote = '\"', escape = '\"', strict_mode = true, "
                "null_padding = false, store_rejects = true, rejects_table = 'rejected_rows', "
                "rejects_scan = 'rejected_scan')"
            ).pl()
            # Never read csv_line: it holds the row's values.
            rejected = con.sql(
                "SELECT line, any_value(error_type) AS error_type, "
                "CASE WHEN any_value(error_type) = 'TOO MANY COLUMNS' THEN max(column_idx) ELSE min(column_idx) END "
                "FROM rejected_rows GROUP BY line ORDER BY line"
            ).fetchall()
        except duckdb.Error:
            raise ExtractRejected(name, "unreadable", "the file could not be read as CSV") from None
    for line, error_type, _ in rejected:
        if error_type not in MISALIGNED:
            rule = "encoding" if error_type == "INVALID ENCODING" else "malformed_csv"
            raise ExtractRejected(name, rule, f"line {line}: {MALFORMED.get(error_type, error_type.lower())}")
    frame = frame.rename(dict(zip(frame.columns, header, strict=True)))
    misaligned = pl.DataFrame(
        {
            SOURCE_ROW: [r[0] for r in rejected],
            "fields": [(r[2] or 0) + (r[1] == "TOO MANY COLUMNS") for r in rejected],
        },
        schema={SOURCE_ROW: pl.Int64, "fields": pl.Int64},
    )
    if frame.height == 0 and misaligned.height == 0:
        raise ExtractRejected(name, "no_data_rows", "the file has a header but no data rows")
    lines = _start_lines(frame.height, misaligned[SOURCE_ROW].to_numpy())
    return _to_contract_columns(frame, name, source_rows=lines, misaligned=misaligned)


def _start_lines(count: int, set_aside: np.ndarray) -> pl.Series:
    """The row number (as a spreadsheet numbers a CSV's rows: the header is row 1) of each row read, given the
    rows DuckDB set aside as misaligned: row k of those read lands after every set-aside row before it."""
    naive = np.arange(2, count + 2, dtype=np.int64)
    thresholds = set_aside - np.arange(len(set_aside))  # a set-aside row at L comes before naive rows >= L - k
    return pl.Series(SOURCE_ROW, naive + np.searchsorted(thresholds, naive, side="right"), dtype=pl.Int64)


def _check_header(header: list[str], name: str) -> None:
    seen: dict[str, str] = {}
    for column in header:
        key = column.strip().upper()
        if key in CONTRACT_COLUMNS and key in seen:
            raise ExtractRejected(name, "duplicate_column", f"column {key} appears twice in the header")
        seen[key] = column
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise ExtractRejected(name, "missing_column", f"required column(s) missing: {', '.join(missing)}")


# --- Excel -------------------------------------------------------------------------------------------------------

EXCEL_DATE_COLUMNS = ("TGL_LAHIR", "TGL_KEPESERTAAN")
EXCEL_EPOCH = "1899-12-30"  # Excel's 1900 date system, as every spreadsheet since Lotus counts it


def _read_excel(path: Path, name: str) -> pl.DataFrame:
    import fastexcel

    try:
        sheet = fastexcel.read_excel(path).load_sheet(0, dtypes="string")
        header = [c.name for c in sheet.available_columns()]
        frame = sheet.to_polars()
    except Exception:  # calamine raises its own types for corrupt workbooks; its text is not for the branch
        raise ExtractRejected(name, "unreadable", "not a readable Excel workbook (.xlsx)") from None
    if not header:
        raise ExtractRejected(name, "empty_file", "the first sheet of the workbook is empty")
    _check_header(_excel_header_names(header), name)
    return frame.with_columns(_excel_date_text(c) for c in frame.columns if _key(c) in EXCEL_DATE_COLUMNS)


def _key(column: str) -> str:
    return column.strip().upper()


def _excel_header_names(names: list[str]) -> list[str]:
    """calamine renames a repeated header `NIK` to `NIK_1`: put the names back as the branch wrote them."""
    seen = {_key(n) for n in names}
    return [
        n.rsplit("_", 1)[0] if n.rsplit("_", 1)[-1].isdigit() and _key(n.rsplit("_", 1)[0]) in seen else n
        for n in names
    ]


def _excel_date_text(column: str) -> pl.Expr:
    """A date cell arrives as '1990-01-05 00:00:00' (or, unformatted, as the serial number 32878): the date."""
    cell = pl.col(column)
    serial = cell.str.contains(r"^[0-9]+(\.0+)?$")
    as_date = pl.lit(EXCEL_EPOCH).str.to_date() + pl.duration(
        days=cell.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
    )
    timestamp = cell.str.extract(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00:00(\.0+)?$", 1)
    return (
        (pl.when(serial).then(as_date.dt.strftime("%Y-%m-%d")).when(timestamp.is_not_null()).then(timestamp))
        .otherwise(cell)
        .alias(column)
    )


# --- all formats -------------------------------------------------------------------------------------------------


def _to_contract_columns(
    frame: pl.DataFrame,
    name: str,
    first_row: int = 2,
    source_rows: pl.Series | None = None,
    misaligned: pl.DataFrame | None = None,
) -> RawExtract:
    by_contract_name: dict[str, str] = {}
    extra: list[str] = []
    for column in frame.columns:
        key = _key(column)
        if key in CONTRACT_COLUMNS and key not in by_contract_name:
            by_contract_name[key] = column
        else:
            extra.append(column)
    if frame.height == 0 and (misaligned is None or misaligned.height == 0):
        raise ExtractRejected(name, "no_data_rows", "the file has a header but no data rows")
    rows = frame.select(
        *(
            pl.col(by_contract_name[c]).cast(pl.String).alias(c)
            if c in by_contract_name
            else pl.lit(None, pl.String).alias(c)
            for c in CONTRACT_COLUMNS
        ),
        (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias(SOURCE_ROW)
        if source_rows is None
        else pl.lit(source_rows).alias(SOURCE_ROW),
    )
    result = RawExtract(rows=rows, extra_columns=extra)
    if misaligned is not None:
        result.misaligned_rows = misaligned
    return result
