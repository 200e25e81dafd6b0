"""`ucj check`: a branch's pre-flight. The contract's file and row rules on files anywhere, writing nothing.

It runs the very code ingest runs (`contract.file_names.parse_delivery_name`, `ingest.branch_ingest.judge_file`), so a file that passes
here is accepted there (unless the branch registry or the threshold changed in between). The report says, per
file, whether it would be accepted, how many rows would be quarantined by which rule and on which lines, or why
it would be rejected. It never prints a value of a personal column.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ucj_pipeline.contract.feeds import feed_named
from ucj_pipeline.contract.file_names import ExtractRejected, parse_delivery_name
from ucj_pipeline.contract.reference_data import RegionIndex, known_branch_codes
from ucj_pipeline.ingest.archive import entry_kind, printable_name
from ucj_pipeline.ingest.branch_ingest import judge_file
from ucj_pipeline.ingest.judged_rows import JudgedRows

LINES_SHOWN = 10


@dataclass(frozen=True)
class FileReport:
    file_name: str
    accepted: bool
    text: str


def _rules_text(rows: JudgedRows) -> list[str]:
    lines = []
    for rule, count, shown_rows, description in rows.rules_summary(LINES_SHOWN):
        shown = ", ".join(map(str, shown_rows)) + (", …" if count > LINES_SHOWN else "")
        lines.append(f"  {rule}: {count} row(s) (rows {shown}): {description}")
    return lines


def check_file(path: Path, threshold: float, today: date, regions: RegionIndex, known: frozenset[str]) -> FileReport:
    name = printable_name(path.name)
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return FileReport(name, False, f"{name}: REJECTED (not_found): no such file")
    if not stat.S_ISREG(mode):
        return FileReport(name, False, f"{name}: REJECTED (not_a_regular_file): {entry_kind(mode)}")
    try:
        extract = parse_delivery_name(path.name, known, today)
    except ExtractRejected as rejection:
        return FileReport(name, False, f"{name}: REJECTED ({rejection.rule}): {rejection.detail}")
    with judge_file(path, extract, regions, threshold, feed=feed_named(extract.feed)) as judgement:
        rows = judgement.rows
        counts = (
            f"{rows.rows_read:,} rows read, {rows.rows_quarantined:,} would be quarantined "
            f"({rows.quarantined_share:.1%}; a file is rejected above {threshold:.0%})"
            if rows is not None
            else ""
        )
        details = _rules_text(rows) if rows is not None else []
    if judgement.rejection is not None:
        head = f"{name}: REJECTED ({judgement.rejection.rule}): {judgement.rejection.detail}"
        return FileReport(name, False, "\n".join([head, *([f"  {counts}"] if counts else []), *details]))
    head = f"{name}: ACCEPTED as {extract.branch_code}'s snapshot of {extract.snapshot_date}: {counts}"
    return FileReport(name, True, "\n".join([head, *details]))


def check_files(paths: list[Path], threshold: float, today: date) -> list[FileReport]:
    regions, known = RegionIndex.load(), known_branch_codes()
    return [check_file(path, threshold, today, regions, known) for path in paths]
