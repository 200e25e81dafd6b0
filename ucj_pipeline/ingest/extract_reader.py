"""Loading one branch extract (CSV, csv.gz, Excel, Parquet) into a DuckDB database, without holding the file in
Python, and reading it once: `load_extract` runs a query over the view `raw_rows` (the contract columns as text,
straight from the file) as the file is read, and leaves its result with each row's `source_row` as the view
`loaded_rows`, and the table `misaligned_rows`, in the connection it is given (whose database may live on disk).
The query is the contract columns themselves unless the caller gives its own (ingest prepares the values the row
rules judge while the file is read: `row_preparation.PREPARE_SQL`).

DuckDB reads CSV and Parquet; Excel goes through polars' calamine reader (DuckDB's excel extension cannot be
downloaded on offline networks; a sheet holds at most 1,048,576 rows). Every value stays text here: parsing and
judging values is the row rules' job, so a bad value becomes a quarantined row with a reason, never a crash or a
silent coercion.

Every way a file can be unusable is a contract rule with a message a branch can act on (`empty_file`,
`encoding`, `delimiter`, `malformed_csv` with its line, `duplicate_column`, `missing_column`, `no_data_rows`,
`unreadable`, `truncated`): never a library's message, which may quote a temporary path or a row's personal
values. A CSV row whose field count differs from the header's (an unquoted `,` in a name, say) is not the file's
fault: it is kept in `misaligned_rows` and quarantined under `field_count`, with none of its values. (A shifted row
whose field count is still right is recognised by its content: `row_rules`, `misaligned_row`.)
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
import polars as pl

from ucj_pipeline.contract.feeds import Feed, membership
from ucj_pipeline.contract.file_names import ExtractRejected
from ucj_pipeline.contract.file_rules import DELIMITERS as CONTRACT_DELIMITERS
from ucj_pipeline.contract.row_preparation import SOURCE_ROW
from ucj_pipeline.ingest.text_scan import ScannedText, scan_file
from ucj_pipeline.runtime.atomic_files import scratch_prefix
from ucj_pipeline.runtime.sql_text import sql_string

DELIMITERS = {d: f"'{d}'" for d in CONTRACT_DELIMITERS}  # as DuckDB's read_csv takes them
FOREIGN_DELIMITERS = {"\t": "tab", "|": "'|'"}
CHUNK = 1 << 20


RAW_ROWS = "raw_rows"  # view: the contract columns as text, straight from the file (what a load query reads)
LOADED_ROWS = "loaded_rows"  # view: what the load query kept of every row, and source_row
MISALIGNED_ROWS = "misaligned_rows"  # table: (source_row, fields) of CSV rows with the wrong number of fields
LOADED_TABLE = "loaded_table"  # table: the load query's rows in file order (a row's rowid is its place in the file)


@dataclass
class LoadedExtract:
    """What `load_extract` found beside the rows: columns outside the contract, and how many rows DuckDB set aside
    as misaligned. The rows are in the connection (`loaded_rows`, `misaligned_rows`); `source_row` is where a row
    starts in the file (CSV: its line, the header being line 1; Excel: its sheet row; Parquet: its record + 1)."""

    extra_columns: list[str] = field(default_factory=list)
    misaligned: int = 0


@dataclass
class RawExtract:
    """The file's rows as text in a polars frame (for small files and tests: `read_extract`)."""

    rows: pl.DataFrame
    extra_columns: list[str] = field(default_factory=list)
    misaligned_rows: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={SOURCE_ROW: pl.Int64, "fields": pl.Int64})
    )


def load_extract(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_format: str,
    file_name: str | None = None,
    scratch: Path | None = None,
    query: str = f"SELECT * FROM {RAW_ROWS}",
    params: dict | None = None,
    scanned: ScannedText | None = None,
    feed: Feed | None = None,
) -> LoadedExtract:
    """Load `path` (delivered as `file_name`) into `con`: `query` (over the view RAW_ROWS, with `params`) as the
    file is read, its rows in the view `loaded_rows` with their `source_row`, and the table `misaligned_rows`.
    `scratch` is where a transcoded copy may be written (a private folder: the copy holds personal data; a
    temporary folder of the system when not given). `scanned`: what the archive copy learned of a CSV's bytes.
    `feed`: whose columns the file must have (membership when not given)."""
    feed = feed or membership()
    name = file_name or path.name
    load = _Load(name, query, params or {}, feed)
    if path.stat().st_size == 0:
        raise ExtractRejected(name, "empty_file", "the file is empty (0 bytes)")
    if file_format == "csv":
        return _load_csv(con, path, load, scratch, scanned)
    if file_format == "parquet":
        try:
            header = con.sql(f"SELECT * FROM read_parquet({sql_string(path)})").columns
        except duckdb.Error:
            raise ExtractRejected(name, "unreadable", "not a readable Parquet file (corrupt or truncated?)") from None
        _check_header(header, load)
        casts = ", ".join(f"CAST(#{i + 1} AS VARCHAR) AS c{i}" for i in range(len(header)))
        _raw_rows(con, header, f"(SELECT {casts} FROM read_parquet({sql_string(path)}))", load.feed)
        load.run(con, "not a readable Parquet file (corrupt or truncated?)")
        return _loaded(con, header, load)
    if file_format == "xlsx":
        frame = _read_excel(path, load)
        header = frame.columns
        con.register("excel_sheet", frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)}))
        _raw_rows(con, header, "excel_sheet", load.feed)
        load.run(con, "not a readable Excel workbook (.xlsx)")
        con.unregister("excel_sheet")
        return _loaded(con, header, load)
    raise ExtractRejected(name, "file_format", f"unsupported format {file_format!r}")


@dataclass(frozen=True)
class _Load:
    """The load query of one file, and the file's delivered name (for its errors)."""

    name: str
    query: str
    params: dict
    feed: Feed

    def run(self, con: duckdb.DuckDBPyConnection, unreadable: str) -> None:
        """The file read, once, through the query into LOADED_TABLE (in file order)."""
        try:
            con.execute(f"CREATE TABLE {LOADED_TABLE} AS {self.query}", self.params)
        except duckdb.Error:
            raise ExtractRejected(self.name, "unreadable", unreadable) from None


def read_extract(path: Path, file_format: str, file_name: str | None = None, scratch: Path | None = None) -> RawExtract:
    """The whole file in memory, in file order (`load_extract` into an in-memory database)."""
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        loaded = load_extract(con, path, file_format, file_name, scratch)
        rows = con.sql(f"SELECT * FROM {LOADED_ROWS} ORDER BY {SOURCE_ROW}").pl()
        misaligned = con.sql(f"SELECT * FROM {MISALIGNED_ROWS} ORDER BY {SOURCE_ROW}").pl()
    return RawExtract(rows, loaded.extra_columns, misaligned.cast({SOURCE_ROW: pl.Int64, "fields": pl.Int64}))


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


def _header(scanned: ScannedText, name: str) -> tuple[list[str], str]:
    text = scanned.header_text()
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


def _load_csv(
    con: duckdb.DuckDBPyConnection, path: Path, load: _Load, scratch: Path | None, scanned: ScannedText | None
) -> LoadedExtract:
    """A CSV whose bytes were scanned as they were copied into the archive (`scanned`; `text_scan`), parsed by
    DuckDB from the archived copy; a file that was not archived (`ucj check`) is scanned here, in one pass."""
    scanned = scanned or scan_file(path, load.name)
    if scanned.rejection is not None:
        raise scanned.rejection
    header, delimiter = _header(scanned, load.name)
    _check_header(header, load)
    blank_lines = list(scanned.blank_lines)
    if scanned.encoding == "utf-8":
        return _scan_csv(con, path, load, header, delimiter, blank_lines)
    # DuckDB reads UTF-8 (its other encodings are extensions that offline networks cannot download): transcode, the
    # one case where the archived copy is read again before DuckDB parses it.
    encoding = scanned.encoding
    with tempfile.TemporaryDirectory(dir=scratch, prefix=scratch_prefix()) as tmp:
        copy = Path(tmp) / "extract.csv"
        with open(copy, "w", encoding="utf-8", newline="") as out:
            decoder = codecs.getincrementaldecoder(encoding)()
            for block in _blocks(path, load.name):
                out.write(decoder.decode(block))
        return _scan_csv(con, copy, load, header, delimiter, blank_lines)


def _scan_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    load: _Load,
    header: list[str],
    delimiter: str,
    blank_lines: list[int],
) -> LoadedExtract:
    # Columns by position (c0, c1, …): header names never enter SQL text; no sniffing, which guesses wrong on
    # large files (a first quoted value after 20,480 rows). The rows stream through the load query in file order.
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    _raw_rows(
        con,
        header,
        f"read_csv({sql_string(path)}, header = true, auto_detect = false, columns = {columns}, "
        f"delim = {DELIMITERS[delimiter]}, quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        "store_rejects = true, rejects_table = 'rejected_rows', rejects_scan = 'rejected_scan')",
        load.feed,
    )
    load.run(con, "the file could not be read as CSV")
    try:
        # Never read csv_line: it holds the row's values.
        broken = con.execute(
            "SELECT line, error_type FROM rejected_rows WHERE error_type NOT IN $misaligned ORDER BY line LIMIT 1",
            {"misaligned": list(MISALIGNED)},
        ).fetchall()
        con.execute(
            f"CREATE TABLE {MISALIGNED_ROWS} AS SELECT line::BIGINT AS {SOURCE_ROW}, "
            "(CASE WHEN any_value(error_type) = 'TOO MANY COLUMNS' THEN coalesce(max(column_idx), 0) + 1 "
            "ELSE coalesce(min(column_idx), 0) END)::BIGINT AS fields "
            "FROM rejected_rows GROUP BY line"
        )
    except duckdb.Error:
        raise ExtractRejected(load.name, "unreadable", "the file could not be read as CSV") from None
    if broken:
        line, error_type = broken[0]
        rule = "encoding" if error_type == "INVALID ENCODING" else "malformed_csv"
        raise ExtractRejected(load.name, rule, f"line {line}: {MALFORMED.get(error_type, error_type.lower())}")
    return _loaded(con, header, load, _csv_source_row(con, blank_lines))


def _csv_source_row(con: duckdb.DuckDBPyConnection, blank_lines: list[int]) -> tuple[str, str]:
    """The row number (as a spreadsheet numbers a CSV's rows: the header is row 1) of each row read, given the lines
    DuckDB did not read as rows (the rows it set aside as misaligned, and the empty lines it skips): the k-th row
    read lands after every such line before it. As (expression, join) over LOADED_TABLE aliased `r`."""
    naive = "(r.rowid + 2)"
    con.execute(
        f"CREATE TABLE skipped_lines AS SELECT {SOURCE_ROW} AS line FROM {MISALIGNED_ROWS} "
        "UNION SELECT unnest($blank)::BIGINT",
        {"blank": [line for line in blank_lines if line > 1]},
    )
    if not con.execute("SELECT count(*) FROM skipped_lines").fetchall()[0][0]:
        return naive, ""
    # A skipped line L, the k-th (from 0), comes before every row read whose naive number is >= L - k.
    shifts = (
        "(SELECT threshold, max(shift) AS shift FROM (SELECT line - row_number() OVER w + 1 AS threshold, "
        "row_number() OVER w AS shift FROM skipped_lines WINDOW w AS (ORDER BY line)) GROUP BY threshold)"
    )
    return f"{naive} + coalesce(s.shift, 0)", f"ASOF LEFT JOIN {shifts} s ON {naive} >= s.threshold"


def _check_header(header: list[str], load: _Load) -> None:
    seen: dict[str, str] = {}
    for column in header:
        key = column.strip().upper()
        if key in load.feed.columns and key in seen:
            raise ExtractRejected(load.name, "duplicate_column", f"column {key} appears twice in the header")
        seen[key] = column
    missing = [c for c in load.feed.required_columns if c not in seen]
    if missing:
        raise ExtractRejected(load.name, "missing_column", f"required column(s) missing: {', '.join(missing)}")


# --- Excel -------------------------------------------------------------------------------------------------------

EXCEL_EPOCH = "1899-12-30"  # Excel's 1900 date system, as every spreadsheet since Lotus counts it


def _read_excel(path: Path, load: _Load) -> pl.DataFrame:
    import fastexcel

    try:
        sheet = fastexcel.read_excel(path).load_sheet(0, dtypes="string")
        header = [c.name for c in sheet.available_columns()]
        frame = sheet.to_polars()
    except Exception:  # calamine raises its own types for corrupt workbooks; its text is not for the branch
        raise ExtractRejected(load.name, "unreadable", "not a readable Excel workbook (.xlsx)") from None
    if not header:
        raise ExtractRejected(load.name, "empty_file", "the first sheet of the workbook is empty")
    _check_header(_excel_header_names(header), load)
    dates = load.feed.excel_date_columns
    return frame.with_columns(_excel_date_text(c) for c in frame.columns if _key(c) in dates)


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


def _raw_rows(con: duckdb.DuckDBPyConnection, header: list[str], source: str, feed: Feed) -> None:
    """The view RAW_ROWS over `source` (the file's columns by position, c0, c1, …): each contract column by its
    position in the header, absent optional ones empty."""
    position = _contract_positions(header, feed)
    columns = ", ".join(f"c{position[c]} AS {c}" if c in position else f"NULL::VARCHAR AS {c}" for c in feed.columns)
    con.execute(f"CREATE VIEW {RAW_ROWS} AS SELECT {columns} FROM {source}")


def _contract_positions(header: list[str], feed: Feed) -> dict[str, int]:
    """Each contract column's position in the header (the first, if named twice in another case)."""
    position: dict[str, int] = {}
    for i, column in enumerate(header):
        key = _key(column)
        if key in feed.columns and key not in position:
            position[key] = i
    return position


def _loaded(
    con: duckdb.DuckDBPyConnection, header: list[str], load: _Load, source_row: tuple[str, str] = ("(r.rowid + 2)", "")
) -> LoadedExtract:
    """The view LOADED_ROWS over LOADED_TABLE (its rows with `source_row`) and the table MISALIGNED_ROWS (empty
    unless the CSV reader made it). RAW_ROWS goes: the file is not read again (a transcoded copy is gone)."""
    con.execute(f"DROP VIEW {RAW_ROWS}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {MISALIGNED_ROWS} ({SOURCE_ROW} BIGINT, fields BIGINT)")
    misaligned = con.execute(f"SELECT count(*) FROM {MISALIGNED_ROWS}").fetchall()[0][0]
    empty = not con.execute(f"SELECT count(*) FROM {LOADED_TABLE}").fetchall()[0][0] and not misaligned
    if empty and not load.feed.empty_allowed:
        raise ExtractRejected(load.name, "no_data_rows", "the file has a header but no data rows")
    expression, join = source_row
    con.execute(
        f"CREATE VIEW {LOADED_ROWS} AS SELECT r.*, ({expression})::BIGINT AS {SOURCE_ROW} FROM {LOADED_TABLE} r {join}"
    )
    position = _contract_positions(header, load.feed)
    extra = [column for i, column in enumerate(header) if i not in position.values()]
    return LoadedExtract(extra_columns=extra, misaligned=misaligned)
