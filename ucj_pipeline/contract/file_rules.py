"""The contract's file rules, declared in one place: every way a whole file is rejected, with what the contract
says of it (`docs/branch-extract.md`, "File rules" and "File name"), and the columns and text forms a
file must have. A failing file is rejected whole; nothing of it is used; the branch's last good snapshot stays.

Where each is detected: the name before a byte is read (`contract/file_names.py`); the bytes as they are copied
into the archive (`ingest/text_scan.py`); the header and the parse (`ingest/extract_reader.py`); the rows'
judgement (`ingest/branch_ingest.py`: the threshold); the delivery itself (`ingest/branch_ingest.py`,
`ingest/archive.py`: copies, conflicts, entries that are not files). `ExtractRejected` refuses a rule that is not
declared here, and `tests/contract/test_file_rules.py` checks that every declared rule is raised somewhere.
"""

from __future__ import annotations

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
ENCODINGS = ("utf-8", "cp1252")  # "UTF-8 (with or without BOM) or Windows-1252", tried in this order
DELIMITERS = (",", ";")  # "delimiter , or ;, detected"

FILE_RULES: dict[str, str] = {
    # the name, before the file is read
    "file_name": "the name is not <BRANCH>_<YYYYMMDD>[_<NN>].<csv|csv.gz|xlsx|parquet>",
    "unknown_branch": "the branch code is not in the branch registry",
    "snapshot_date": "the snapshot date is not a real date, or is in the future",
    "payment_month": "a claims file's payment month is not a real month, or is after the current month",
    "file_format": "the format is not one the contract allows",
    # the bytes
    "empty_file": "the file holds no header and no rows",
    "encoding": "the text is neither UTF-8 nor Windows-1252 (UTF-16, a NUL byte, undecodable bytes)",
    "truncated": "the compressed file is cut short",
    "unreadable": "the file cannot be read as its format (corrupt gzip, Excel or Parquet; broken CSV)",
    # the header and the parse
    "delimiter": "the header is separated by something other than , or ;",
    "malformed_csv": "a quoted value is not closed, or a line is longer than DuckDB reads",
    "duplicate_column": "a contract column appears twice in the header",
    "missing_column": "a required column is missing",
    "no_data_rows": "a header and no rows",
    # the rows
    "quarantine_threshold": "more than the allowed share of rows quarantined (5%, configuration)",
    # the delivery
    "copy_of_other_branch": "the same bytes as another branch's accepted delivery",
    "format_conflict": "two formats of the same branch, date and resend delivered together",
    "not_a_regular_file": "a link, directory, pipe, socket or device in the landing area (never read)",
}


def file_rule(code: str) -> str:
    """A declared rule's code (ValueError for one the contract does not have: a bug, not bad input)."""
    if code not in FILE_RULES:
        raise ValueError(f"{code!r} is not a file rule of the contract (contract/file_rules.py)")
    return code
