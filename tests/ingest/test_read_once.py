"""Each delivered file's bytes are read once at ingest: while they are copied into the archive, the same pass
hashes them, sizes them and scans a CSV for what the contract asks of its bytes (encoding, NUL bytes, header, empty
lines: `text_scan`); DuckDB then parses the archived copy, which Python never reads again. Counted here by
wrapping every way Python opens a file."""

import builtins
import gzip
import io
import os
from datetime import date
from pathlib import Path

import pytest

from tests.factories import row, write_extract
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest import archive
from ucj_pipeline.ingest.branch_ingest import IngestSettings, ingest_branch
from ucj_pipeline.ingest.landing_store import LocalDelivery
from ucj_pipeline.runtime.paths import UcjPaths

TODAY = date(2026, 1, 15)


class Reads:
    """Every open of a file under `root` for reading, and the bytes read from the landed files."""

    def __init__(self, root: Path):
        self.root = str(root)
        self.opened: list[str] = []
        self.bytes_read: dict[str, int] = {}

    def note(self, path) -> str | None:
        path = os.path.realpath(os.fspath(path)) if isinstance(path, str | bytes | os.PathLike) else None
        if path and path.startswith(self.root):
            self.opened.append(os.path.relpath(path, self.root))
            return path
        return None


class CountingReader(io.RawIOBase):
    def __init__(self, inner, reads: Reads, key: str):
        self.inner, self.reads, self.key = inner, reads, key

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.reads.bytes_read[self.key] = self.reads.bytes_read.get(self.key, 0) + len(data)
        return len(data)

    def close(self):
        self.inner.close()
        super().close()


@pytest.fixture
def reads(tmp_path, monkeypatch) -> Reads:
    reads = Reads(tmp_path)
    real_open, real_os_open, real_fdopen, real_gzip_open = builtins.open, os.open, os.fdopen, gzip.open

    def counted_open(file, mode="r", *args, **kwargs):
        if "r" in mode and "+" not in mode:
            reads.note(file)
        return real_open(file, mode, *args, **kwargs)

    def counted_os_open(path, flags, *args, **kwargs):
        if not flags & (os.O_WRONLY | os.O_RDWR | os.O_DIRECTORY):
            reads.note(path)
        return real_os_open(path, flags, *args, **kwargs)

    def counted_fdopen(fd, mode="r", *args, **kwargs):
        inner = real_fdopen(fd, mode, *args, **kwargs)
        target = os.readlink(f"/proc/self/fd/{fd}")
        if "b" in mode and "r" in mode and target.startswith(reads.root):
            return io.BufferedReader(CountingReader(inner, reads, os.path.relpath(target, reads.root)))
        return inner

    monkeypatch.setattr(builtins, "open", counted_open)
    monkeypatch.setattr(io, "open", counted_open)
    monkeypatch.setattr(os, "open", counted_os_open)
    monkeypatch.setattr(os, "fdopen", counted_fdopen)
    monkeypatch.setattr(gzip, "open", lambda f, *a, **k: (reads.note(f), real_gzip_open(f, *a, **k))[1])
    return reads


def ingest(tmp_path: Path, name: str, nama: str = "Andi", **write) -> tuple[dict, Path]:
    settings = IngestSettings(paths=UcjPaths(tmp_path).ensure(), pseudonym_key=b"test-key-0123456789")
    path = write_extract(settings.paths.landing, name, [row(serial=i, NAMA=nama) for i in range(1, 301)], **write)
    size = path.stat().st_size
    [outcome] = ingest_branch("PALOPO", [LocalDelivery(path)], settings, known_branch_codes(), TODAY)
    return outcome.log_row, size


@pytest.mark.parametrize("name", ["PALOPO_20251231.csv", "PALOPO_20251231.csv.gz"])
def test_a_delivery_is_read_once_as_it_is_archived_and_duckdb_parses_the_archived_copy(tmp_path, reads, name):
    log_row, size = ingest(tmp_path, name)
    assert log_row["outcome"] == "accepted" and log_row["rows_accepted"] == 300
    landed, archived = f"landing/{name}", log_row["archived_as"]
    assert reads.opened.count(landed) == 1  # the archive copy's one open (no link followed)
    assert reads.bytes_read == {landed: size}  # and every byte read once, through it
    assert archived not in reads.opened  # Python never opens the archived copy: DuckDB reads it


def test_the_scan_in_the_copy_rejects_what_the_contract_rejects_without_another_read(tmp_path, reads):
    name = "PALOPO_20251231.csv"
    log_row, size = ingest(tmp_path, name, encoding="utf-16")
    assert (log_row["outcome"], log_row["rejection_rule"]) == ("rejected", "encoding")
    assert "UTF-16" in log_row["reason"]
    assert reads.opened.count(f"landing/{name}") == 1 and reads.bytes_read == {f"landing/{name}": size}
    assert log_row["archived_as"] not in reads.opened


def test_a_windows_1252_file_is_transcoded_for_duckdb_the_one_second_read(tmp_path, reads):
    """DuckDB reads UTF-8 only (its other encodings are extensions offline networks cannot download), so a
    Windows-1252 file's archived copy is read once more, to write a UTF-8 scratch copy for DuckDB."""
    name = "PALOPO_20251231.csv"
    log_row, size = ingest(tmp_path, name, nama="Andi Mappé", encoding="cp1252")
    assert log_row["outcome"] == "accepted"
    assert reads.bytes_read == {f"landing/{name}": size}
    assert reads.opened.count(log_row["archived_as"]) == 1


def test_the_copy_pass_is_the_archive_s_only_reader(tmp_path, reads, monkeypatch):
    """The counting above sees the copy: without it the landed file would not be read at all."""
    copies = []
    real = archive.copy_into_archive
    monkeypatch.setattr(archive, "copy_into_archive", lambda *a, **k: copies.append(a[2]) or real(*a, **k))
    ingest(tmp_path, "PALOPO_20251231.csv")
    assert copies == ["PALOPO_20251231.csv"]


def test_each_branch_s_ingest_log_is_read_once_per_run_however_many_files_it_delivers(tmp_path, monkeypatch):
    from ucj_pipeline.ingest import lake
    from ucj_pipeline.ingest.branch_batch import ingest_branches
    from ucj_pipeline.ingest.landing_files import parse_landed
    from ucj_pipeline.ingest.landing_store import open_landing

    settings = IngestSettings(paths=UcjPaths(tmp_path).ensure(), pseudonym_key=b"test-key-0123456789")
    landing = settings.paths.landing
    for start, name in enumerate(("PALOPO_20251130.csv", "PALOPO_20251231.csv", "PALOPO_20251231_01.csv",
                                  "SINJAI_20251231.csv")):  # fmt: skip
        write_extract(landing, name, [row(serial=i) for i in range(1 + start, 21 + start)])
    reads = []
    real = lake._log_rows
    monkeypatch.setattr(
        lake, "_log_rows", lambda lake_dir, branch, *a: reads.append(branch) or real(lake_dir, branch, *a)
    )
    parsed = parse_landed(open_landing(str(landing)).list_files(), ["PALOPO", "SINJAI"], known_branch_codes(), TODAY)
    results = {
        r.branch_code: r for r in ingest_branches(parsed, str(landing), settings, workers=1, lock_wait_seconds=0)
    }
    assert sorted(reads) == ["PALOPO", "SINJAI"]  # once each, under the branch's lock; appended rows kept in memory
    assert [r["outcome"] for r in results["PALOPO"].log_rows] == ["accepted", "accepted", "superseded"]
    assert results["PALOPO"].health.counting_snapshot == date(2025, 12, 31)  # from the same read
