"""One lock per UCJ_HOME, so overlapping runs wait for each other instead of tripping over each other.

`ucj run`, `ucj backfill` and the first start of `ucj ui` hold it *exclusively* for the whole command (they move
files out of the landing area, write the lake, publish, and may create the Dagster instance storage); every step
of a run launched by the daemon holds it *shared* while it runs (steps of different runs may go in parallel, as
they write disjoint lake files). A second `ucj run` therefore waits, with a message saying who holds the home, up
to `UCJ_LOCK_WAIT_SECONDS` (0: refuse at once), then stops cleanly. Steps running inside the command that holds
the exclusive lock (`ucj run` executes its runs in its own process) do not lock again.

The lock is `flock` on `$UCJ_HOME/.ucj.lock`: the kernel releases it when a process dies, so a killed run never
leaves the home locked. (`flock` is per machine on NFS: see docs/production.md before sharing UCJ_HOME between hosts.)
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = ".ucj.lock"
HOLDER_FILE = ".ucj.lock.holder"
POLL_SECONDS = 0.5
_exclusive_in_this_process = False


class HomeBusy(Exception):
    """The home stayed locked for longer than the caller would wait."""


def holds_exclusive() -> bool:
    return _exclusive_in_this_process


def _holder(home: Path) -> str:
    try:
        return (home / HOLDER_FILE).read_text(encoding="utf-8").strip() or "a pipeline run"
    except OSError:
        return "a pipeline run"


def _acquire(fd: int, mode: int, wait_seconds: float) -> bool:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)


@contextmanager
def _locked(
    home: Path,
    mode: int,
    wait_seconds: float,
    say: Callable[[str], None],
    what: str,
    lock_file: str = LOCK_FILE,
    in_use: str = "",  # what holds the lock, with a {still} slot: "branch X is {still}being ingested"
) -> Iterator[None]:
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(home / lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if not _acquire(fd, mode, 0):
            in_use = in_use or f"UCJ_HOME {home} is {{still}}in use by {_holder(home)}"
            say(f"{in_use.format(still='')}; {what} waits up to {wait_seconds:.0f}s for it (UCJ_LOCK_WAIT_SECONDS)")
            if not _acquire(fd, mode, wait_seconds):
                raise HomeBusy(
                    f"{in_use.format(still='still ')} after {wait_seconds:.0f}s; {what} did not start (nothing was "
                    "changed)"
                )
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def exclusive(home: Path, command: str, wait_seconds: float, say: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the home alone for a whole command."""
    global _exclusive_in_this_process
    if _exclusive_in_this_process:
        yield
        return
    with _locked(home, fcntl.LOCK_EX, wait_seconds, say, command):
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        (home / HOLDER_FILE).write_text(f"{command} (pid {os.getpid()} on {socket.gethostname()}, since {stamp})\n")
        _exclusive_in_this_process = True
        try:
            yield
        finally:
            _exclusive_in_this_process = False
            (home / HOLDER_FILE).unlink(missing_ok=True)


@contextmanager
def branch_alone(home: Path, branch_code: str, wait_seconds: float, say: Callable[[str], None]) -> Iterator[None]:
    """One ingest of a branch at a time, whatever runs overlap: a run over a range of branches and a run of one of
    them (a resend arriving meanwhile) never take the same branch's files together; the later one waits. The
    branch code is a registry code (letters and digits), checked before it names a lock file."""
    if not branch_code.isalnum():
        raise ValueError(f"{branch_code!r} is not a branch code")
    in_use = f"branch {branch_code} is {{still}}being ingested by another run"
    with _locked(home, fcntl.LOCK_EX, wait_seconds, say, "its ingest here", f".ucj.branch.{branch_code}.lock", in_use):
        yield


@contextmanager
def shared(home: Path, what: str, wait_seconds: float, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the home alongside other run steps, never alongside a command that holds it alone."""
    if _exclusive_in_this_process:
        yield
        return
    with _locked(home, fcntl.LOCK_SH, wait_seconds, say, what):
        yield
