"""Which landed files are complete, and which runs a new delivery needs. Plain Python: the sensor and the ingest
asset call it, the tests call it directly.

A branch's transfer job may still be writing a file when the pipeline looks. A file counts as *ready* when either
- a marker `<file name>.done` lies beside it (the writer says it has finished), or
- it has not changed for `settle_seconds` (its size and modification time are stable; default 30 s).
Names starting with `.` and names ending in `.tmp`, `.part` or `.partial` are never ready: a writer that writes to
such a name and renames when done never exposes half a file.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from ucj_pipeline.contract.file_names import ExtractFile, ExtractRejected, parse_delivery_name

DONE_MARKER = ".done"
IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial")
DEFAULT_SETTLE_SECONDS = 30.0


@dataclass(frozen=True)
class LandedFile:
    """A file in the landing area as listed (local folder or object storage): name, size, modification time."""

    name: str
    size: int
    modified_ns: int
    is_regular: bool = True  # False for links, directories, pipes, devices: rejected, never read or followed
    version: str = ""  # an object's ETag: a rewrite within the same second with the same size still changes it

    @property
    def fingerprint(self) -> str:
        """Changes when the file is resent or rewritten under the same name."""
        return f"{self.name}:{self.size}:{self.modified_ns}" + (f":{self.version}" if self.version else "")


def ready_files(
    files: list[LandedFile], now_ns: int, settle_seconds: float = DEFAULT_SETTLE_SECONDS
) -> list[LandedFile]:
    """The files that are complete: marked `.done`, or unchanged for `settle_seconds`. An entry that is not a
    regular file is 'ready' at once: to be rejected."""
    names = {f.name for f in files}
    ready = []
    for f in files:
        if f.name.startswith(".") or f.name.endswith(IN_PROGRESS_SUFFIXES + (DONE_MARKER,)):
            continue
        settled = now_ns - f.modified_ns >= settle_seconds * 1e9
        if f.name + DONE_MARKER in names or settled or not f.is_regular:
            ready.append(f)
    return sorted(ready, key=lambda f: f.name)


@dataclass(frozen=True)
class BranchRunRequest:
    """One ingest run for one branch: every new or resent file of that branch seen in this look."""

    branch_code: str
    file_names: tuple[str, ...]
    run_key: str


@dataclass(frozen=True)
class IngestRunRequest:
    """One ingest run: a contiguous block of branch partitions (in the instance's partition order), every one of
    them with new files."""

    branches: tuple[BranchRunRequest, ...]

    @property
    def branch_codes(self) -> tuple[str, ...]:
        return tuple(b.branch_code for b in self.branches)

    @property
    def first(self) -> str:
        return self.branches[0].branch_code

    @property
    def last(self) -> str:
        return self.branches[-1].branch_code

    @property
    def file_names(self) -> tuple[str, ...]:
        return tuple(name for b in self.branches for name in b.file_names)

    @property
    def run_key(self) -> str:
        """Derived from the branches' fingerprints: the same files never start two runs."""
        if len(self.branches) == 1:
            return self.branches[0].run_key
        return "ingest:" + hashlib.sha256("\n".join(b.run_key for b in self.branches).encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        return self.first if len(self.branches) == 1 else f"{len(self.branches)} branches {self.first}..{self.last}"


def ingest_runs(
    branch_runs: list[BranchRunRequest], partition_order: list[str], one_per_branch: bool = False
) -> list[IngestRunRequest]:
    """The branches with new files as few runs as possible: one per contiguous block of branch partitions.

    A run covers one partition or a range of them, and a run that fails (a branch's file was rejected) shows every
    partition of its range that it did not materialise as failed. So a range holds only branches with new files:
    a whole delivery (or a first run of every branch) is one run; a few scattered branches are a few runs.
    `partition_order` is the instance's order of the branch partitions, the new ones added already.

    `one_per_branch` (the distributed profile: Celery workers on many machines) asks for a run per branch, so that
    the workers share the branches: a run's one ingest step runs on one worker.
    """
    if one_per_branch:
        return [IngestRunRequest((run,)) for run in branch_runs]
    position = {code: i for i, code in enumerate(partition_order)}
    blocks: list[list[BranchRunRequest]] = []
    for run in sorted(branch_runs, key=lambda r: position[r.branch_code]):
        if blocks and position[run.branch_code] == position[blocks[-1][-1].branch_code] + 1:
            blocks[-1].append(run)
        else:
            blocks.append([run])
    return [IngestRunRequest(tuple(block)) for block in blocks]


@dataclass
class LandingPlan:
    new_branches: list[str]
    branch_runs: list[BranchRunRequest]
    misnamed: list[LandedFile]  # rejected before reading: a name that breaks the contract, or not a regular file
    seen: dict[str, str] = field(default_factory=dict)  # the next cursor: name -> fingerprint

    def cursor(self) -> str:
        return json.dumps({"seen": self.seen}, sort_keys=True)


def parse_cursor(cursor: str | None) -> dict[str, str]:
    return json.loads(cursor)["seen"] if cursor else {}


def branch_of(name: str, known_branches: frozenset[str], today: date) -> str | None:
    """The branch whose delivery a landed name is, when the name passes the contract; None for a misnamed file."""
    try:
        return parse_delivery_name(name, known_branches, today).branch_code
    except ExtractRejected:
        return None


def parse_landed(
    ready: list[LandedFile],
    branches: list[str],
    known_branches: frozenset[str],
    today: date,
) -> dict[str, list[tuple[ExtractFile, LandedFile]]]:
    """The run's one parse of the names it listed: each of `branches`' deliveries of every feed, its name parsed by
    its feed's contract (misnamed files are the misnamed files asset's; other branches' files wait for their own
    run)."""
    parsed: dict[str, list[tuple[ExtractFile, LandedFile]]] = {b: [] for b in branches}
    for landed in ready:
        try:
            extract = parse_delivery_name(landed.name, known_branches, today)
        except ExtractRejected:
            continue
        if extract.branch_code in parsed:
            parsed[extract.branch_code].append((extract, landed))
    return parsed


def plan_landing_runs(
    ready: list[LandedFile],
    seen: dict[str, str],
    known_branches: frozenset[str],
    existing_partitions: set[str],
    today: date,
) -> LandingPlan:
    """What a look at the landing area asks for.

    A file whose fingerprint was not seen before (new, or resent under a name seen before) asks for a run of its
    branch's partition; the run key is derived from the fingerprints, so the same files never start two runs.
    Branch codes come only from names that pass the contract (known branch, real date), so a partition is never
    made from an arbitrary string. Misnamed files are reported once. The cursor keeps the fingerprints of the
    files still in the landing area: ingest archives a file, and a later delivery under its name is new again.
    """
    by_branch: dict[str, list[LandedFile]] = defaultdict(list)
    misnamed = []
    for f in ready:
        if seen.get(f.name) == f.fingerprint:
            continue
        if not f.is_regular:
            misnamed.append(f)
            continue
        branch = branch_of(f.name, known_branches, today)
        if branch is None:
            misnamed.append(f)
            continue
        by_branch[branch].append(f)
    runs = []
    for branch, files in sorted(by_branch.items()):
        digest = hashlib.sha256("\n".join(sorted(f.fingerprint for f in files)).encode()).hexdigest()[:16]
        runs.append(BranchRunRequest(branch, tuple(f.name for f in files), f"{branch}:{digest}"))
    return LandingPlan(
        new_branches=sorted(set(by_branch) - existing_partitions),
        branch_runs=runs,
        misnamed=misnamed,
        seen={f.name: f.fingerprint for f in ready},
    )
