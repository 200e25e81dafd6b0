"""Taking a delivery out of the landing area without ever losing it: the archive holds the bytes first.

The order is what makes a crash harmless at any line:
1. `take_into_archive`: the landed file is opened without following links (a link, a directory, a pipe or a
   device is never read), its bytes are copied into `archive/<sha256>/<name>` while being hashed and, for a CSV,
   scanned for what the contract asks of its bytes (encoding, header, empty lines: `text_scan`), and the copy is
   made durable. This is the one time ingest reads the delivery; DuckDB parses the archived copy. The landed file
   stays where it is.
2. The caller judges the archived copy (never the landed file, which the branch may still change), writes the lake
   and then the ingest log row.
3. `release_from_landing`: only then is the landed file removed, and only if it is still the file that was copied.

A process that dies before 3 leaves the file in the landing area: the next run takes it again (the same bytes
land on the same archive path) and, if its log row was already written, only finishes step 3.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ucj_pipeline.ingest.landing_files import DONE_MARKER
from ucj_pipeline.ingest.text_scan import ScannedText, TextScan, is_csv
from ucj_pipeline.runtime.atomic_files import temporary_path

CHUNK = 1 << 20
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", re.ASCII)


class FileStillBeingWritten(Exception):
    """A landed file changed while it was copied: transient; the caller retries later (nothing was used)."""


class NotARegularFile(Exception):
    """The landing-area entry is a link, a directory, a pipe, a socket or a device: it is never read."""

    def __init__(self, name: str, kind: str):
        super().__init__(f"{name}: {kind}; only regular files are read (links are never followed)")
        self.kind = kind


@dataclass(frozen=True)
class ArchivedCopy:
    """The bytes of one delivery, safe in the archive, and the identity of the landed file they came from."""

    path: Path
    file_hash: str
    size: int
    modified_ns: int
    identity: tuple  # what says "still the same delivery": (device, inode, size, mtime) of a file; etag of an object
    scanned: ScannedText | None = None  # a CSV's bytes as the copy saw them (`text_scan`); None for other formats

    @property
    def received_at(self) -> datetime:
        """When the delivery landed (its modification time), to the microsecond the ingest log keeps."""
        return EPOCH + timedelta(microseconds=self.modified_ns // 1000)  # exact: no float rounding


def entry_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return kind
    return "not a regular file"


def printable_name(name: str) -> str:
    """A name as the log shows it: control characters, non-ASCII letters and undecodable bytes escaped."""
    return name if name.isascii() and name.isprintable() else ascii(name)[1:-1]


def archive_name(name: str) -> str:
    """The file name the archive keeps: the delivered name when it is plain, a neutral one otherwise."""
    return name if SAFE_NAME.fullmatch(name) else "delivered_file"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_into_archive(
    blocks: Iterable[bytes], archive_root: Path, name: str, unchanged: Callable[[], bool], label: str
) -> tuple[Path, str, ScannedText | None]:
    """Write `blocks` to `archive/<sha256>/<name>` durably (a temporary name, fsync, rename, fsync the folder) and
    return the path, the hash and, for a CSV name, what `text_scan` found in the same pass. `unchanged` is asked
    after the last block: False means the source changed while it was read, and nothing is archived
    (FileStillBeingWritten)."""
    archive_root.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(archive_root / f"incoming.{os.urandom(4).hex()}")
    scan = TextScan(label, compressed=name.lower().endswith(".gz")) if is_csv(name) else None
    try:
        digest = hashlib.sha256()
        with open(tmp, "wb") as copy:
            for block in blocks:
                digest.update(block)
                copy.write(block)
                if scan is not None:
                    scan.feed(block)
            copy.flush()
            os.fsync(copy.fileno())
        if not unchanged():
            raise FileStillBeingWritten(f"{label}: changed while it was read (still being written?)")
        file_hash = digest.hexdigest()
        target = archive_root / file_hash / name
        target.parent.mkdir(exist_ok=True)
        os.replace(tmp, target)  # the same bytes land on the same path: a repeat is harmless
        _fsync_dir(target.parent)
        return target, file_hash, scan.result() if scan is not None else None
    finally:
        tmp.unlink(missing_ok=True)


def _identity(info: os.stat_result) -> tuple:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def archived_names(archive_root: Path, file_hash: str) -> list[str]:
    """The names under which these bytes were delivered (the archive keeps `<sha256>/<name>`)."""
    folder = archive_root / file_hash
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def take_into_archive(landed: Path, archive_root: Path, name: str) -> ArchivedCopy:
    """Copy a landed regular file's bytes into `archive/<sha256>/<name>`, durably; the landed file stays."""
    before = os.lstat(landed)
    if not stat.S_ISREG(before.st_mode):
        raise NotARegularFile(printable_name(landed.name), entry_kind(before.st_mode))
    # O_NOFOLLOW: a link swapped in after the lstat is refused; O_NONBLOCK: a pipe swapped in never blocks.
    fd = os.open(landed, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or _identity(opened) != _identity(before):
            raise FileStillBeingWritten(f"{printable_name(landed.name)}: replaced while it was opened")
        with os.fdopen(os.dup(fd), "rb") as source:
            target, file_hash, scanned = copy_into_archive(
                iter(lambda: source.read(CHUNK), b""),
                archive_root,
                name,
                lambda: _identity(os.fstat(fd)) == _identity(before) == _identity(os.lstat(landed)),
                printable_name(landed.name),
            )
        return ArchivedCopy(target, file_hash, before.st_size, before.st_mtime_ns, _identity(before), scanned)
    finally:
        os.close(fd)


def still_landed(landed: Path, copy: ArchivedCopy) -> bool:
    """Whether the landed file is still the one that was copied (same inode, size and modification time)."""
    try:
        return _identity(os.lstat(landed)) == copy.identity
    except FileNotFoundError:
        return False


def release_from_landing(landed: Path, copy: ArchivedCopy) -> bool:
    """Remove the landed file (and its `.done` marker) if it is still the file that was archived. A file that
    changed since is a new delivery under the same name: it stays for the next run."""
    if not still_landed(landed, copy):
        return False
    landed.unlink()
    landed.with_name(landed.name + DONE_MARKER).unlink(missing_ok=True)
    return True


def set_aside(entry: Path, folder: Path) -> Path:
    """Move a landing-area entry that is not a regular file out of the way, unread and unfollowed (a rename
    moves a link itself, not what it points to)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{stamp}_{archive_name(entry.name)}"
    os.rename(entry, target)
    return target
