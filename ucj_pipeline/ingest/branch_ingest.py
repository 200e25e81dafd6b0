"""Ingest of branch extracts: file rules, row rules, pseudonymisation, lake and archive. No Dagster needed.

For every landed file of a branch, in snapshot order (a resend after what it replaces): take its bytes into the
archive (`archive.take_into_archive`), judge the archived copy (`judge_file`: the same code `ucj check` runs),
write the accepted rows, pseudonymised, as that branch's snapshot for that date, write the ingest log row, and only
then remove the file from the landing area. A crash at any point leaves the file landed, and the next run
completes what was interrupted: no delivery is ever lost, none is counted twice.

Resends and repeats, as the contract means them:
- the snapshot of a branch and date is its accepted file with the highest resend number, whatever the order of
  arrival: a lower resend arriving later, or landing in the same delivery set (the files of a date are judged from
  the highest resend down), is judged and logged as `superseded`;
- a *copy of another branch's file* (the same bytes as a delivery accepted for another branch) is rejected
  (`copy_of_other_branch`), naming that file: a file sent under the wrong branch's name must not replace the
  branch's own snapshot;
- a *duplicate* is the same bytes as the file that counts for the same branch and snapshot date (logged, nothing
  rewritten); the same bytes delivered as another date are that date's snapshot;
- two formats of the same branch, date and resend delivered together are a conflict: both are rejected, each
  naming the other.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ucj_pipeline.contract.feeds import Feed, feed_named, membership
from ucj_pipeline.contract.file_names import ExtractFile, ExtractRejected, delivery_rank, parse_delivery_name
from ucj_pipeline.contract.file_rules import file_rule
from ucj_pipeline.contract.reference_data import RegionIndex
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.archive import (
    ArchivedCopy,
    FileStillBeingWritten,
    NotARegularFile,
    archive_name,
    archived_names,
    printable_name,
)
from ucj_pipeline.ingest.judged_rows import JudgedRows, judged_rows
from ucj_pipeline.ingest.lake import IngestLog
from ucj_pipeline.ingest.landing_store import Delivery
from ucj_pipeline.ingest.text_scan import ScannedText
from ucj_pipeline.runtime.paths import DEFAULT_QUARANTINE_THRESHOLD, UcjPaths

log = logging.getLogger(__name__)
FIRST_OFFENDING_ROWS = 5


@dataclass(frozen=True)
class IngestSettings:
    paths: UcjPaths
    pseudonym_key: bytes
    quarantine_threshold: float = DEFAULT_QUARANTINE_THRESHOLD
    regions: RegionIndex = field(default_factory=RegionIndex.load)


@dataclass
class FileOutcome:
    """What happened to one delivered file: the ingest log row, plus how many (row, rule) pairs each rule
    quarantined if it got that far."""

    log_row: dict
    rule_counts: Counter[str] = field(default_factory=Counter)

    @property
    def outcome(self) -> str:
        return self.log_row["outcome"]


@dataclass
class Judgement:
    """The contract's verdict on one file, before anything is written: its rows' judgement (when it was readable)
    and, when it is rejected whole, why."""

    rows: JudgedRows | None
    rejection: ExtractRejected | None

    @property
    def counts(self) -> dict:
        if self.rows is None:
            return {}
        return dict(
            rows_read=self.rows.rows_read,
            rows_quarantined=self.rows.rows_quarantined,
            rows_warned=self.rows.rows_warned,
            extra_columns=",".join(self.rows.extra_columns) or None,
        )


@contextmanager
def judge_file(
    path: Path,
    extract: ExtractFile,
    regions: RegionIndex,
    quarantine_threshold: float,
    scratch: Path | None = None,
    scanned: ScannedText | None = None,
    feed: Feed | None = None,
) -> Iterator[Judgement]:
    """Apply the file and row rules to one file, writing nothing but the scratch database under `scratch` (removed
    on exit), in bounded memory (`judged_rows`). `scanned`: a CSV's bytes as the archive copy saw them."""
    feed = feed or membership()
    with ExitStack() as stack:
        try:
            rows = stack.enter_context(
                judged_rows(
                    path,
                    extract.file_format,
                    extract.name,
                    extract.snapshot_date,
                    regions,
                    scratch,
                    scanned=scanned,
                    feed=feed,
                )
            )
        except ExtractRejected as unreadable:
            rows, rejection = None, unreadable
        else:
            rejection = None
            if rows.quarantined_share > quarantine_threshold:
                rejection = ExtractRejected(
                    extract.name,
                    "quarantine_threshold",
                    f"{rows.rows_quarantined} of {rows.rows_read} rows ({rows.quarantined_share:.1%}) quarantined, "
                    f"more than the {quarantine_threshold:.0%} allowed; first offending rows: {first_offending(rows)}",
                )
        yield Judgement(rows, rejection)


def first_offending(rows: JudgedRows, count: int = FIRST_OFFENDING_ROWS) -> str:
    return "; ".join(f"row {r} ({rule})" for r, rule in rows.first_offending(count))


def _now() -> datetime:
    return datetime.now(UTC)


def _log_row(name: str, file_hash: str | None, received_at: datetime | None, **fields) -> dict:
    row = dict.fromkeys(lake.SCHEMAS[lake.EXTRACT_FILES].names)
    row.update(file_name=name, file_hash=file_hash, received_at=received_at, processed_at=_now(), **fields)
    return row


def _judge_and_store(
    landed: Delivery, copy: ArchivedCopy, extract: ExtractFile, settings: IngestSettings, base: dict, log: IngestLog
) -> FileOutcome:
    paths, feed = settings.paths, feed_named(extract.feed)
    current = log.current_delivery(extract.branch_code, extract.snapshot_date, extract.feed)
    if current is not None and current.file_hash == copy.file_hash:
        reason = f"the same bytes as {current.file_name}, which counts for {extract.snapshot_date}; processed once"
        return FileOutcome(
            _log_row(extract.name, copy.file_hash, copy.received_at, **base, outcome="duplicate", reason=reason)
        )
    # Another branch's bytes: never the same file twice, but an empty month's header alone is every branch's.
    empty = copy.scanned is not None and copy.scanned.rejection is None and not copy.scanned.holds_rows
    other = None if empty else _accepted_for_another_branch(paths, copy.file_hash, extract.branch_code)
    if other is not None:
        rejection = ExtractRejected(
            extract.name,
            "copy_of_other_branch",
            f"the same bytes as {other['file_name']}, accepted for branch {other['branch_code']} "
            f"(snapshot {other['snapshot_date']}); a branch's delivery cannot be another branch's file (sent under the "
            f"wrong name?); {extract.branch_code}'s previous snapshot keeps counting",
        )
        return _store(Judgement(None, rejection), copy, extract, current, settings, base, feed)
    with judge_file(
        copy.path, extract, settings.regions, settings.quarantine_threshold, paths.tmp, copy.scanned, feed
    ) as judgement:
        if not landed.still_landed(copy):  # the writer was not done: judge the finished file later, write nothing
            raise FileStillBeingWritten(f"{extract.name}: changed while it was read (still being written?)")
        return _store(judgement, copy, extract, current, settings, base, feed)


def _accepted_for_another_branch(paths: UcjPaths, file_hash: str, branch_code: str) -> dict | None:
    """The log row of a delivery of another branch, with these bytes, that was accepted. The archive keeps every
    delivery under its hash (`archive/<sha256>/<name>`): only branches that delivered the same bytes are asked."""
    others = {name.split("_", 1)[0] for name in archived_names(paths.archive, file_hash)} - {branch_code}
    for other in sorted(others):
        row = lake.accepted_delivery_of(paths.lake, other, file_hash)
        if row is not None:
            return row
    return None


def _store(
    judgement: Judgement,
    copy: ArchivedCopy,
    extract: ExtractFile,
    current: lake.CurrentDelivery | None,
    settings: IngestSettings,
    base: dict,
    feed: Feed,
) -> FileOutcome:
    paths, rows = settings.paths, judgement.rows
    if rows is not None:
        rows.write_row_issues(
            lake.row_issues_path(paths.lake, copy.file_hash, extract.name),
            extract.name,
            copy.file_hash,
            extract.branch_code,
            extract.snapshot_date,
        )
    row = _log_row(extract.name, copy.file_hash, copy.received_at, **base, **judgement.counts, rows_accepted=0)
    if judgement.rejection is not None:
        log.warning("%s", judgement.rejection)
        row.update(outcome="rejected", rejection_rule=judgement.rejection.rule, reason=str(judgement.rejection))
    elif current is not None and (outranked := _outranked(extract, copy, current)) is not None:
        row.update(outcome="superseded", reason=outranked)
    else:
        row.update(
            outcome="accepted",
            rows_accepted=rows.write_snapshot(
                lake.snapshot_path(
                    paths.lake, extract.branch_code, extract.snapshot_date, feed.lake_table, feed.period_column
                ),
                extract.branch_code,
                extract.snapshot_date,
                copy.file_hash,
                settings.pseudonym_key,
            ),
        )
    return FileOutcome(row, rows.rule_counts() if rows is not None else Counter())


def _outranked(extract: ExtractFile, copy: ArchivedCopy, current: lake.CurrentDelivery) -> str | None:
    """Why the delivery being judged is outranked by the one that counts (`file_names.delivery_rank`), or None
    when it replaces it (an equal rank, the same name delivered again, replaces)."""
    rank = delivery_rank(extract.feed, extract.snapshot_date, extract.resend, copy.received_at)
    if rank >= current.rank:
        return None
    if current.month_to_date:
        return (
            f"{current.file_name} landed later for the same payment month and counts: a month-to-date file is "
            "replaced by any later delivery for its month"
        )
    if rank[0] < current.rank[0]:
        return (
            f"this file is month-to-date (it landed before its payment month was over) and {current.file_name}, "
            "delivered after the month, counts"
        )
    return (
        f"resend {current.resend:02d} ({current.file_name}) of the same snapshot date counts, not resend "
        f"{extract.resend:02d}: the highest resend counts, whether it arrived earlier or in the same delivery"
    )


def ingest_file(
    path: Delivery, extract: ExtractFile, settings: IngestSettings, log: IngestLog | None = None
) -> FileOutcome:
    """Process one landed file end to end; never raises for bad input, the outcome says what happened. Raises
    FileStillBeingWritten (transient: retry later) when the file changes while it is copied. `log`: the branch's
    ingest log, read once by the caller (read here when not given)."""
    paths = settings.paths
    log = log if log is not None else IngestLog.read(paths.lake, extract.branch_code)
    try:
        copy = path.take_into_archive(paths.archive, extract.name)
    except NotARegularFile as exc:
        return _reject_entry(path, settings, "not_a_regular_file", str(exc), log)
    logged = log.logged_delivery(extract.branch_code, copy.file_hash, extract.name, copy.received_at)
    if logged is not None:  # a crash came after the log row and before the landing area was cleared
        path.release(copy)
        return FileOutcome(logged)
    base = dict(
        branch_code=extract.branch_code,
        feed=extract.feed,
        snapshot_date=extract.snapshot_date,
        resend=extract.resend,
        file_format=extract.file_format,
    )
    outcome = _judge_and_store(path, copy, extract, settings, base, log)
    outcome.log_row["archived_as"] = str(copy.path.relative_to(paths.home))
    log.append(outcome.log_row)
    path.release(copy)
    return outcome


def _reject_whole(
    path: Delivery, settings: IngestSettings, log: IngestLog, rule: str, reason: str, **fields
) -> FileOutcome:
    """A regular file rejected before it is read (its name, or a conflict): archived, logged, released."""
    paths = settings.paths
    copy = path.take_into_archive(paths.archive, archive_name(path.name))
    row = _log_row(
        printable_name(path.name),
        copy.file_hash,
        copy.received_at,
        outcome="rejected",
        rejection_rule=file_rule(rule),
        reason=reason,
        rows_accepted=0,
        **fields,
    )
    row["archived_as"] = str(copy.path.relative_to(paths.home))
    if log.logged_delivery(row["branch_code"], copy.file_hash, row["file_name"], copy.received_at) is None:
        log.append(row)
    path.release(copy)
    return FileOutcome(row)


def _reject_entry(path: Delivery, settings: IngestSettings, rule: str, reason: str, log: IngestLog) -> FileOutcome:
    """An entry that is not a regular file: logged, then moved aside unread (never into the archive)."""
    row = _log_row(
        printable_name(path.name),
        None,
        None,
        outcome="rejected",
        rejection_rule=file_rule(rule),
        reason=reason,
        rows_accepted=0,
    )
    log.append(row)
    path.set_aside(settings.paths.set_aside)
    return FileOutcome(row)


def _conflicts(found: list[tuple[ExtractFile, Delivery]]) -> dict[str, list[str]]:
    """Files delivered together for the same branch, date and resend in different formats: name -> the others."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for extract, _ in found:
        groups[extract.feed, extract.sort_key].append(extract.name)
    return {n: [o for o in names if o != n] for names in groups.values() if len(names) > 1 for n in names}


def ingest_branch(
    branch_code: str, files: list[Delivery], settings: IngestSettings, known_branches: frozenset[str], today: date
) -> list[FileOutcome]:
    """Ingest every landed file of one branch whose name passes the contract (the others are
    `reject_unusable_entries`'): its names parsed here (`ingest_deliveries` takes them parsed, as a run does)."""
    found = []
    for path in files:
        try:
            extract = parse_delivery_name(path.name, known_branches, today)
        except ExtractRejected:
            continue  # left for reject_unusable_entries, which logs it
        if extract.branch_code == branch_code:
            found.append((extract, path))
    return ingest_deliveries(branch_code, found, settings)


def ingest_deliveries(
    branch_code: str, found: list[tuple[ExtractFile, Delivery]], settings: IngestSettings, log: IngestLog | None = None
) -> list[FileOutcome]:
    """Ingest one branch's deliveries (their names parsed once, by the run: `landing_files.parse_landed`), oldest
    snapshot first, within a date the highest resend first (`ExtractFile.sort_key`), so the lower resends delivered
    with it are superseded. The branch's ingest log is read once (by the caller, who holds the branch's lock, or
    here) and kept up to date as rows are appended."""
    found = sorted(found, key=lambda item: (item[0].sort_key, item[0].name))
    log = log if log is not None else IngestLog.read(settings.paths.lake, branch_code)
    conflicts = _conflicts(found)
    outcomes = []
    for extract, path in found:
        if extract.name in conflicts:
            others = ", ".join(conflicts[extract.name])
            reason = (
                f"{extract.name}: rejected by rule 'format_conflict': delivered together with {others} for the "
                "same branch, snapshot date and resend; send one file (a resend _NN replaces a snapshot)"
            )
            fields = dict(
                branch_code=extract.branch_code,
                feed=extract.feed,
                snapshot_date=extract.snapshot_date,
                resend=extract.resend,
                file_format=extract.file_format,
            )
            outcomes.append(_reject_whole(path, settings, log, "format_conflict", reason, **fields))
        else:
            outcomes.append(ingest_file(path, extract, settings, log))
    return outcomes


def reject_unusable_entries(
    entries: list[Delivery], settings: IngestSettings, known_branches: frozenset[str], today: date
) -> list[dict]:
    """Landing-area entries that are not regular files, and files whose names break the contract: logged, the
    files archived untouched and never parsed, the other entries moved aside unfollowed."""
    rows = []
    log = IngestLog.read(settings.paths.lake, None)  # the log of entries without a branch
    for path in sorted(entries, key=lambda p: p.name):
        try:
            kind = path.kind()
        except FileNotFoundError:
            continue
        if kind is not None:
            reason = str(NotARegularFile(printable_name(path.name), kind))
            rows.append(_reject_entry(path, settings, "not_a_regular_file", reason, log).log_row)
            continue
        try:
            parse_delivery_name(path.name, known_branches, today)
            continue  # a good name: its branch's ingest takes it
        except ExtractRejected as rejection:
            reason = f"{printable_name(path.name)}: rejected by rule '{rejection.rule}': {rejection.detail}"
            try:
                rows.append(_reject_whole(path, settings, log, rejection.rule, reason).log_row)
            except NotARegularFile as swapped:  # replaced by a link or the like since the look
                rows.append(_reject_entry(path, settings, "not_a_regular_file", str(swapped), log).log_row)
    return rows


__all__ = [
    "FileOutcome",
    "FileStillBeingWritten",
    "IngestSettings",
    "Judgement",
    "ingest_branch",
    "ingest_deliveries",
    "ingest_file",
    "judge_file",
    "reject_unusable_entries",
]
