"""Reading one branch extract (CSV, csv.gz, Excel, Parquet) into a frame of text columns named by the contract.

DuckDB reads CSV and Parquet; Excel goes through polars' calamine reader (DuckDB's excel extension cannot be
downloaded on offline networks). Every value stays text here: parsing and judging values is the row rules' job,
so a bad value becomes a quarantined row with a reason, never a crash or a silent coercion.
"""

from __future__ import annotations

import gzip
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from ucj_pipeline.extract_files import ExtractRejected

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


@dataclass
class RawExtract:
    """The file's rows as text, contract columns only, plus `source_row` (the spreadsheet row: header = 1)."""

    rows: pl.DataFrame
    extra_columns: list[str] = field(default_factory=list)


def read_extract(path: Path, file_format: str, file_name: str | None = None) -> RawExtract:
    name = file_name or path.name
    try:
        if file_format == "csv":
            frame = _read_csv(path)
        elif file_format == "parquet":
            frame = _read_with_duckdb(f"read_parquet('{_sql_path(path)}')")
        elif file_format == "xlsx":
            frame = _excel_serial_dates_to_text(_read_excel(path))
        else:
            raise ExtractRejected(name, "file_format", f"unsupported format {file_format!r}")
    except ExtractRejected:
        raise
    except (duckdb.Error, UnicodeDecodeError, OSError, EOFError, ValueError) as exc:
        raise ExtractRejected(name, "unreadable", _first_line(exc)) from exc
    except Exception as exc:  # calamine and polars raise their own types for corrupt workbooks
        raise ExtractRejected(name, "unreadable", f"{type(exc).__name__}: {_first_line(exc)}") from exc
    return _to_contract_columns(frame, name)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_with_duckdb(source: str) -> pl.DataFrame:
    with duckdb.connect() as con:
        con.execute("SET python_enable_replacements = false")
        rel = con.sql(f"SELECT * FROM {source}")
        # Cast in SQL so numbers and dates arrive as the text the file holds; insertion order is the file's order.
        casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in (n.replace('"', '""') for n in rel.columns))
        return con.sql(f"SELECT {casts} FROM {source}").pl()


def _opener(path: Path):
    return gzip.open if path.name.endswith(".gz") else open


def _detect_delimiter(path: Path) -> str:
    """The contract allows ',' or ';': whichever the header line has more of."""
    with _opener(path)(path, "rb") as f:
        header = f.readline()
    return ";" if header.count(b";") > header.count(b",") else ","


def _read_csv(path: Path) -> pl.DataFrame:
    delimiter = _detect_delimiter(path)

    def scan(p: Path) -> pl.DataFrame:
        return _read_with_duckdb(
            f"read_csv('{_sql_path(p)}', header=true, all_varchar=true, delim='{delimiter}', quote='\"', "
            "escape='\"', strict_mode=true, null_padding=false)"
        )

    try:
        return scan(path)
    except duckdb.Error as exc:
        if "unicode" not in str(exc).lower() and "utf-8" not in str(exc).lower():
            raise
    # Not UTF-8: the contract's other encoding is Windows-1252. Transcode to a temporary UTF-8 copy.
    with _opener(path)(path, "rb") as f:
        text = f.read().decode("cp1252")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "extract.csv"
        copy.write_text(text, encoding="utf-8")
        return scan(copy)


def _read_excel(path: Path) -> pl.DataFrame:
    return pl.read_excel(path, sheet_id=1, infer_schema_length=0, engine="calamine")


EXCEL_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, as every spreadsheet since Lotus counts it
DATE_COLUMNS = ("TGL_LAHIR", "TGL_KEPESERTAAN")


def _excel_serial_dates_to_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Date cells arrive as Excel serial numbers (32878 = 1990-01-05): write them as ISO dates."""
    serial = r"^\d+(\.0+)?$"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(serial))
        .then(
            (
                pl.lit(EXCEL_EPOCH) + pl.duration(days=pl.col(c).str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
            ).dt.strftime("%Y-%m-%d")
        )
        .otherwise(pl.col(c))
        .alias(c)
        for c in frame.columns
        if c.strip().upper() in DATE_COLUMNS
    )


def _to_contract_columns(frame: pl.DataFrame, name: str) -> RawExtract:
    by_contract_name: dict[str, str] = {}
    extra: list[str] = []
    for column in frame.columns:
        key = column.strip().upper()
        if key in CONTRACT_COLUMNS and key not in by_contract_name:
            by_contract_name[key] = column
        else:
            extra.append(column)
    missing = [c for c in REQUIRED_COLUMNS if c not in by_contract_name]
    if missing:
        raise ExtractRejected(name, "missing_column", f"required column(s) missing: {', '.join(missing)}")
    if frame.height == 0:
        raise ExtractRejected(name, "no_data_rows", "the file has a header but no data rows")
    rows = frame.select(
        *(
            pl.col(by_contract_name[c]).cast(pl.String).alias(c)
            if c in by_contract_name
            else pl.lit(None, pl.String).alias(c)
            for c in CONTRACT_COLUMNS
        ),
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias(SOURCE_ROW),
    )
    return RawExtract(rows=rows, extra_columns=extra)
