"""What the contract asks of a CSV extract's bytes, learned block by block while they are copied into the archive,
so that ingest reads each delivered file once (`archive.copy_into_archive` feeds every block to a `TextScan`):

- the encoding: UTF-8 (with or without BOM) or Windows-1252, nothing else (`encoding`); no NUL byte (`encoding`,
  with its line); not UTF-16 (`encoding`); not blank (`empty_file`);
- a `.csv.gz` file decompressed as it streams: cut short (`truncated`) or corrupt (`unreadable`);
- the header line (its bytes: delimiter and column names are read from it later, `extract_reader`);
- the empty lines, which DuckDB skips, so that each row keeps its line number (`BlankLines`).

Feeding never raises: the archive must hold the bytes whatever they are. The verdict is `ScannedText.rejection`,
raised when the archived copy is judged; DuckDB then parses the archived copy itself (`extract_reader`). No Dagster.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ucj_pipeline.contract.file_names import ExtractRejected
from ucj_pipeline.contract.file_rules import ENCODINGS

CHUNK = 1 << 20
HEADER_LIMIT = 2 << 20  # a header line longer than DuckDB's longest line is not a header
GZIP_MAGIC = b"\x1f\x8b"
BLANK_LINE_END = re.compile(rb"\n(?=\r?\n)")  # the end of a line followed by an empty line


@dataclass
class BlankLines:
    """The empty lines of a file, found block by block as it is read: DuckDB skips them, so the rows after one are
    numbered from them (`extract_reader._csv_source_row`). A `\n` followed by an empty line may straddle two blocks:
    each block is scanned with the last two bytes of the one before, and a line end is counted once."""

    lines: list[int] = field(default_factory=list)
    _newlines: int = 0  # newlines before the current block
    _tail: bytes = b""
    _last: int = -1  # absolute offset of the last line end counted
    _offset: int = 0  # absolute offset of the current block

    def scan(self, block: bytes) -> None:
        text, start = self._tail + block, self._offset - len(self._tail)
        before_text = self._newlines - self._tail.count(b"\n")
        for match in BLANK_LINE_END.finditer(text):
            if start + match.start() > self._last:
                self._last = start + match.start()
                self.lines.append(before_text + text.count(b"\n", 0, match.start() + 1) + 1)
        self._newlines += block.count(b"\n")
        self._offset += len(block)
        self._tail = text[-2:]


@dataclass(frozen=True)
class ScannedText:
    """The verdict on a CSV's bytes: the encoding the contract allows that decodes it all, its header line and empty
    lines; or why the file is rejected whole."""

    encoding: str | None
    header_line: bytes
    blank_lines: tuple[int, ...]
    rejection: ExtractRejected | None
    lines: int = 0  # lines of the text, the header and empty lines included (a last line without `\n` counts)

    @property
    def holds_rows(self) -> bool:
        """Whether any line after the header holds something (an empty claims month does not)."""
        return self.lines - 1 - len(self.blank_lines) > 0

    def header_text(self) -> str:
        assert self.encoding is not None
        return self.header_line.decode(self.encoding).removeprefix("\ufeff").rstrip("\r\n")


class _Gunzip:
    """gzip members decompressed as their bytes arrive (what `gzip.open` reads, without a second pass)."""

    def __init__(self) -> None:
        self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""  # the start of the next member, too short to tell its magic yet
        self.seen_bytes = False

    def feed(self, block: bytes) -> bytes:
        self.seen_bytes |= bool(block)
        out = []
        data = self._pending + block
        self._pending = b""
        while data:
            if self._member.eof:
                data = data.lstrip(b"\x00")  # zero padding after a member, as gzip.open allows
                if not data:
                    break
                if len(data) < len(GZIP_MAGIC):
                    self._pending = data
                    break
                if not data.startswith(GZIP_MAGIC):
                    raise zlib.error("trailing data is not a gzip member")
                self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out.append(self._member.decompress(data))
            data = self._member.unused_data
        return b"".join(out)

    def complete(self) -> bool:
        return not self.seen_bytes or (self._member.eof and not self._pending)


class TextScan:
    """Fed every block of a CSV (or `.csv.gz`) file as it is read once; `result()` says what the contract makes of
    it. Feeding never raises."""

    def __init__(self, name: str, compressed: bool):
        self.name = name
        self._gunzip = _Gunzip() if compressed else None
        self._broken: ExtractRejected | None = None  # a gzip stream that cannot be decompressed
        self._blocks = 0
        self._first = b""  # the start of the (decompressed) text, for the UTF-16 and blank checks
        self._header = bytearray()
        self._header_done = False
        self._any_text = False
        self._newlines = 0
        self._nul_line: int | None = None  # the line of the first NUL byte, and its block
        self._nul_block: int | None = None
        self._decoders = {e: codecs.getincrementaldecoder(e)() for e in ENCODINGS}
        self._failed_at: dict[str, int] = {}  # encoding -> the block its decoder failed in
        self._blank = BlankLines()
        self._last_byte = b""

    def feed(self, block: bytes) -> None:
        if self._broken is not None:
            return
        if self._gunzip is not None:
            try:
                block = self._gunzip.feed(block)
            except zlib.error:
                self._broken = ExtractRejected(
                    self.name, "unreadable", "not a valid gzip file, or its compressed data is corrupt"
                )
                return
        if block:
            self._text(block)

    def _text(self, block: bytes) -> None:
        if len(self._first) < 64:
            self._first += block[: 64 - len(self._first)]
        if not self._any_text and block.lstrip(codecs.BOM_UTF8 if not self._blocks else b"").strip():
            self._any_text = True
        if not self._header_done:
            end = block.find(b"\n")
            self._header += block if end < 0 else block[: end + 1]
            self._header_done = end >= 0 or len(self._header) > HEADER_LIMIT
        if self._nul_block is None and (at := block.find(b"\x00")) >= 0:
            self._nul_line = self._newlines + block.count(b"\n", 0, at) + 1
            self._nul_block = self._blocks
        for encoding, decoder in self._decoders.items():
            if encoding not in self._failed_at:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    self._failed_at[encoding] = self._blocks
        self._blank.scan(block)
        self._newlines += block.count(b"\n")
        self._last_byte = block[-1:]
        self._blocks += 1

    def result(self) -> ScannedText:
        lines = self._newlines + (1 if self._last_byte not in (b"", b"\n") else 0)
        return ScannedText(self._encoding(), bytes(self._header), tuple(self._blank.lines), self._rejection(), lines)

    def _rejection(self) -> ExtractRejected | None:
        if self._broken is not None:
            return self._broken
        if self._gunzip is not None and not self._gunzip.complete():
            return ExtractRejected(self.name, "truncated", "the compressed file is cut short (gzip)")
        if self._first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or self._first.count(b"\x00") > 4:
            return ExtractRejected(
                self.name, "encoding", "the file is UTF-16; the contract allows UTF-8 or Windows-1252"
            )
        if not self._any_text:
            return ExtractRejected(self.name, "empty_file", "the file holds no header and no rows")
        for encoding in ENCODINGS:  # as if each were tried in turn: a NUL before its decoder fails is reported
            failed = self._final_failure(encoding)
            if self._nul_block is not None and (failed is None or self._nul_block <= failed):
                return ExtractRejected(self.name, "encoding", f"line {self._nul_line}: a NUL byte; not a text file")
            if failed is None:
                return None
        return ExtractRejected(
            self.name, "encoding", "neither UTF-8 nor Windows-1252, the encodings the contract allows"
        )

    def _final_failure(self, encoding: str) -> int | None:
        if encoding not in self._failed_at:
            try:
                self._decoders[encoding].decode(b"", final=True)
            except UnicodeDecodeError:
                self._failed_at[encoding] = self._blocks
        return self._failed_at.get(encoding)

    def _encoding(self) -> str | None:
        return next((e for e in ENCODINGS if self._final_failure(e) is None), None)


def is_csv(name: str) -> bool:
    return name.lower().endswith((".csv", ".csv.gz"))


def scan_blocks(blocks: Iterable[bytes], name: str) -> ScannedText:
    scan = TextScan(name, compressed=name.lower().endswith(".gz"))
    for block in blocks:
        scan.feed(block)
    return scan.result()


def scan_file(path: Path, name: str) -> ScannedText:
    """The same verdict for a file that is not being archived (`ucj check` reads files where they are)."""
    with open(path, "rb") as source:
        return scan_blocks(iter(lambda: source.read(CHUNK), b""), name)
