"""Where branches deliver: a local folder or an object-storage bucket, behind one interface. No Dagster needed.

`open_landing(location)` takes a folder path or a URL (`file://`, `s3://`, `gs://`, `az://`, read through obstore)
and returns a `LandingStore`: `list_files()` for the sensor's look, `delivery(name)` for ingest. A `Delivery` is
taken out of the landing area in the order `ucj_pipeline.ingest.archive` describes, the same for both kinds:
1. `take_into_archive`: its bytes are copied into `archive/<sha256>/<name>` while hashed; the delivery stays;
2. the caller judges the archived copy, writes the lake and the ingest log row;
3. `release`: only then is the delivery (and its `.done` marker) removed, and only if it is still what was copied.

In a bucket, "still the same" is the object's ETag, size and modification time; a delivery that changed while it
was copied is not archived (FileStillBeingWritten: retried later). Only objects directly under the URL's prefix
are the landing area: keys under a deeper prefix ("sub-folders") are never read, and are reported by
`ignored_prefixes` so the sensor can say so. An upload in progress (a multipart upload not yet completed) is not
an object yet, so it is never listed. Credentials come from the environment only (`AWS_*`, `GOOGLE_*`,
`AZURE_*`, as obstore reads them); a URL carrying a secret (user, password or query) is refused.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from ucj_pipeline.ingest.archive import (
    CHUNK,
    EPOCH,
    ArchivedCopy,
    FileStillBeingWritten,
    NotARegularFile,
    copy_into_archive,
    entry_kind,
    printable_name,
    release_from_landing,
    set_aside,
    still_landed,
    take_into_archive,
)
from ucj_pipeline.ingest.landing_files import DONE_MARKER, LandedFile
from ucj_pipeline.runtime.atomic_files import written_atomically

OBJECT_STORE_SCHEMES = ("s3", "s3a", "gs", "az", "azure", "abfs", "abfss", "adl")


class LandingLocationError(ValueError):
    """The landing area's location is not a usable folder or URL."""


class Delivery(Protocol):
    """One landed entry, as ingest handles it."""

    name: str

    def kind(self) -> str | None:
        """None for a regular file (or object); otherwise what it is ('a symbolic link', ...). FileNotFoundError
        when it is gone."""

    def take_into_archive(self, archive_root: Path, name: str) -> ArchivedCopy: ...

    def still_landed(self, copy: ArchivedCopy) -> bool: ...

    def release(self, copy: ArchivedCopy) -> bool: ...

    def set_aside(self, folder: Path) -> Path: ...


class LandingStore(Protocol):
    location: str

    def list_files(self) -> list[LandedFile]: ...

    def delivery(self, name: str) -> Delivery: ...

    def ignored_prefixes(self) -> list[str]: ...

    def deliver(self, source: Path, name: str | None = None) -> str:
        """Put a local file into the landing area, with its `.done` marker (what a branch's transfer job does)."""


def check_location(location: str) -> str | None:
    """What is wrong with a landing-area location, or None."""
    if not location.strip():
        return "is empty"
    if any(c in location for c in "\0\n\r"):
        return "holds a control character"
    parts = urlsplit(location)
    if parts.scheme in ("", "file"):
        return None
    if parts.scheme not in OBJECT_STORE_SCHEMES:
        return f"has the scheme {parts.scheme!r}; use a folder, file://, s3://, gs:// or az://"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "carries credentials or options in the URL; credentials come from the environment only"
    if not parts.netloc:
        return "names no bucket or container"
    return None


def shown_location(location: str) -> str:
    """The location as a message may show it: quoted, or not at all when it may hold a secret."""
    return "(not shown: it holds a secret)" if "@" in location or "?" in location else repr(location)


def open_landing(location: str) -> LandingStore:
    """The landing area at a folder path, a `file://` URL or an object-storage URL."""
    problem = check_location(location)
    if problem:
        raise LandingLocationError(f"landing area {shown_location(location)} {problem}")
    parts = urlsplit(location)
    if parts.scheme == "file":
        return LocalLanding(Path(parts.path))
    if parts.scheme == "":
        return LocalLanding(Path(location).expanduser())
    return ObjectLanding(location)


# --- a local folder -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalDelivery:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def kind(self) -> str | None:
        mode = self.path.lstat().st_mode
        return None if stat.S_ISREG(mode) else entry_kind(mode)

    def take_into_archive(self, archive_root: Path, name: str) -> ArchivedCopy:
        return take_into_archive(self.path, archive_root, name)

    def still_landed(self, copy: ArchivedCopy) -> bool:
        return still_landed(self.path, copy)

    def release(self, copy: ArchivedCopy) -> bool:
        return release_from_landing(self.path, copy)

    def set_aside(self, folder: Path) -> Path:
        return set_aside(self.path, folder)


@dataclass(frozen=True)
class LocalLanding:
    """A folder on this machine (or a mounted share)."""

    folder: Path

    @property
    def location(self) -> str:
        return str(self.folder)

    def _folder(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def list_files(self) -> list[LandedFile]:
        """Every entry, seen with `lstat`: a link is listed as a link (to be rejected), never followed."""
        files = []
        for entry in os.scandir(self._folder()):
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:  # archived between listing and stat
                continue
            files.append(LandedFile(entry.name, info.st_size, info.st_mtime_ns, stat.S_ISREG(info.st_mode)))
        return files

    def delivery(self, name: str) -> LocalDelivery:
        return LocalDelivery(self._folder() / name)

    def ignored_prefixes(self) -> list[str]:
        return []  # sub-folders are entries of the folder: listed, and rejected as not regular files

    def deliver(self, source: Path, name: str | None = None) -> str:
        name = name or source.name
        target = self._folder() / name
        with written_atomically(target) as partial:  # a hidden name until complete: never seen half-written
            shutil.copyfile(source, partial)
        (self._folder() / (name + DONE_MARKER)).touch()
        return name


# --- object storage -------------------------------------------------------------------------------------------------


def _modified_ns(meta) -> int:
    moment: datetime = meta["last_modified"]
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def _identity(meta) -> tuple:
    return (meta.get("e_tag") or "", meta["size"], _modified_ns(meta), meta.get("version") or "")


@dataclass(frozen=True)
class ObjectDelivery:
    store: object
    name: str

    def _head(self):
        import obstore

        return obstore.head(self.store, self.name)

    def kind(self) -> str | None:
        self._head()  # FileNotFoundError when gone
        return None  # an object is bytes: no links, pipes or devices

    def take_into_archive(self, archive_root: Path, name: str) -> ArchivedCopy:
        import obstore

        result = obstore.get(self.store, self.name)
        meta = result.meta
        label = printable_name(self.name)
        size = 0

        def blocks():
            nonlocal size
            for chunk in result.stream(min_chunk_size=CHUNK):
                block = bytes(chunk)
                size += len(block)
                yield block

        def unchanged() -> bool:
            try:
                return size == meta["size"] and _identity(self._head()) == _identity(meta)
            except FileNotFoundError:
                return False

        target, file_hash, scanned = copy_into_archive(blocks(), archive_root, name, unchanged, label)
        return ArchivedCopy(target, file_hash, meta["size"], _modified_ns(meta), _identity(meta), scanned)

    def still_landed(self, copy: ArchivedCopy) -> bool:
        try:
            return _identity(self._head()) == copy.identity
        except FileNotFoundError:
            return False

    def release(self, copy: ArchivedCopy) -> bool:
        """Delete the object and its marker if it is still what was archived. (Object stores have no conditional
        delete: an object replaced in the milliseconds between the look and the delete would be lost from the
        bucket; the contract's resends use a new name, `_NN`, so a delivery never overwrites another.)"""
        import obstore

        if not self.still_landed(copy):
            return False
        obstore.delete(self.store, self.name)
        with contextlib.suppress(FileNotFoundError):  # S3 deletes a missing key silently; others raise
            obstore.delete(self.store, self.name + DONE_MARKER)
        return True

    def set_aside(self, folder: Path) -> Path:
        raise NotARegularFile(printable_name(self.name), "an object")  # never called: objects are regular


class ObjectLanding:
    """A prefix in a bucket (S3 or compatible, Google Cloud Storage, Azure Blob Storage), read through obstore."""

    def __init__(self, location: str):
        self.location = location
        self._ignored: list[str] = []

    @cached_property
    def store(self):
        from obstore.store import from_url

        return from_url(self.location)  # credentials and endpoint from the environment

    def list_files(self) -> list[LandedFile]:
        import obstore

        listing = obstore.list_with_delimiter(self.store)
        self._ignored = sorted(listing["common_prefixes"])
        return [
            LandedFile(meta["path"], meta["size"], _modified_ns(meta), True, version=meta.get("e_tag") or "")
            for meta in listing["objects"]
        ]

    def ignored_prefixes(self) -> list[str]:
        """Sub-prefixes seen by the last `list_files`: their objects are not in the landing area."""
        return list(self._ignored)

    def delivery(self, name: str) -> ObjectDelivery:
        return ObjectDelivery(self.store, name)

    def deliver(self, source: Path, name: str | None = None) -> str:
        import obstore

        name = name or source.name
        with open(source, "rb") as data:
            obstore.put(self.store, name, data)
        obstore.put(self.store, name + DONE_MARKER, b"")
        return name


__all__ = [
    "Delivery",
    "FileStillBeingWritten",
    "LandingLocationError",
    "LandingStore",
    "LocalLanding",
    "ObjectLanding",
    "check_location",
    "open_landing",
    "shown_location",
]
