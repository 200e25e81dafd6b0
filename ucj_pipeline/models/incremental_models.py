"""Incremental SQL models: a refresh recomputes only the keys that a change of input can touch. No Dagster needed.

A model declared

    -- materialized: incremental
    -- unique_key: participant_key
    -- changes_by: branch_code

keeps, for every `unique_key`, one of the input rows of that key (a de-duplication: `qualify row_number() over
(partition by <unique_key> ...) = 1`), and reads one input, which holds both columns. Its input changes a whole
`changes_by` group at a time (a branch's current snapshot is replaced whole). Each run fingerprints every group of
the input (row count and the sum of the rows' hashes) and compares with the fingerprints stored beside the table by
the run before. With

    -- changes_marked_by: stored_snapshot_id

the input's rows carry a marker that is new whenever their group is written (the id of the write), and a group is
fingerprinted by the hashes of its rows' markers instead of its whole rows: one column read, not every column (a
scan of the country's rows took 20 s at 62 M rows). A group with rows that have no marker (written before markers
existed) is fingerprinted by its whole rows, as without the directive.

- no stored table, or one of another `code_version` (its SQL, the SQL it reads, or the code that runs it changed:
  `sql_models.stored_state_version`): the model runs in full;
- no group changed: the table stays as it is;
- otherwise the *affected keys* are the keys of the changed groups' new rows and the keys whose stored row came from
  a changed group; the model's own SQL runs over the input rows of those keys only, and replaces their rows. A key
  outside that set keeps its row: its winning row is unchanged, and a changed group only lost rows of it that did
  not win, which cannot change the winner. So the table equals a full run (a test compares them).

The table is one Parquet part per `changes_by` value of its rows, so an update rewrites only the parts that hold an
affected key. The stored fingerprints are removed before the first part is rewritten and written again after the
last (atomically): a crash in between leaves no fingerprints, and the next run is a full one. A full run writes every
part into a scratch folder that then replaces the model's folder.

A model declared with `changes_by` and no `unique_key`

    -- materialized: incremental
    -- changes_by: branch_code

is kept *part by part*: it reads one incremental model stored in parts by the same column, and groups by that column
(`group by all` selecting it, or `group by branch_code, ...`; no window, subquery or limit), so the rows of one
`changes_by` value come from that value's input part alone: its SQL run on each part and the results put together
equal its SQL run on the whole input. Its parts mirror its input's; a refresh compares each input part's file
(inode, size and modification time: a rewrite is a new file, renamed into place) with the one it last read, and
reruns its SQL on the parts rewritten since, alone. The marts then add up a few rows per cell instead of reading
every covered person of the country (2.4 s at 62 M rows for three marts, each reading 49.6 M rows).
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from ucj_pipeline.runtime.atomic_files import scratch_prefix, written_atomically
from ucj_pipeline.runtime.sql_text import sql_string


@dataclass(frozen=True)
class Incremental:
    """How an incremental model is kept: its key, the column its changes come by, and its one input."""

    unique_key: str | None  # None: kept part by part (it groups its input, stored in parts, by `changes_by`)
    changes_by: str
    source: str
    changes_marked_by: str | None = None  # a column whose value is new whenever its group's rows are written

    @property
    def part_by_part(self) -> bool:
        return self.unique_key is None


@dataclass(frozen=True)
class IncrementalRun:
    row_count: int
    groups_changed: int | None  # None: the model ran in full
    keys_recomputed: int | None


PART = "_part"  # the folder of one group's rows: `_part=<md5 of its changes_by value>/data_0.parquet`
PART_FILE = "data_0.parquet"
EMPTY = "_part=empty"  # a model without rows keeps one empty part, so that its columns stay readable
# Rows of the parts a full run writes in one COPY, per GiB of the connection's DuckDB memory (each open part holds
# buffers): 4.6 M within 768 MB, 12.4 M within 2 GB. 10 M rows written in two COPYs within 1.7 GiB took 8.6 s, in
# one 6.7 s.
ROWS_PER_WRITE_PER_GIB = 6_500_000
PART_FLUSH_ROWS = 20_000  # rows of one part a full run's COPY buffers before writing them to the part's file


def read_parts(folder: Path) -> str:
    """A DuckDB table expression reading every part of a stored incremental model (one Parquet file per
    `changes_by` value of its rows; the `_part=` folder names are not a column)."""
    return f"read_parquet({sql_string(str(folder / '*' / '*.parquet'))}, hive_partitioning = false)"


def fingerprints_path(folder: Path) -> Path:
    return folder.with_name(folder.name + ".groups.parquet")


def with_source(sql: str, source: str, replacement: str) -> str:
    """The model's SQL reading `replacement` where it reads `source`."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for table in tree.find_all(exp.Table):
        if table.name == source:
            table.set("this", exp.to_identifier(replacement))
    return tree.sql(dialect="duckdb")


def run_incremental(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    how: Incremental,
    folder: Path,
    code_version: str,
    source_parts: Path | None = None,
) -> IncrementalRun:
    """Bring the model's parts in `folder` up to date with its `sql` over `con` (where its source is a view). Two
    refreshes never update the parts together: the second waits for the first (a lock beside the folder). A model
    kept part by part also names the folder of its source's parts, which no refresh rewrites while it reads them."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder, fcntl.LOCK_EX):
        if not how.part_by_part:
            return _bring_up_to_date(con, sql, how, folder, code_version)
        if source_parts is None:
            raise ValueError(f"{folder.name}: a model kept part by part needs the folder of its source's parts")
        with _locked(source_parts, fcntl.LOCK_SH):
            return _bring_parts_up_to_date(con, sql, how, folder, code_version, source_parts)


@contextmanager
def _locked(folder: Path, mode: int) -> Iterator[None]:
    """The lock beside a model's folder: exclusive while its parts are rewritten, shared while they are read."""
    with open(folder.with_name(folder.name + ".lock"), "a") as lock:
        fcntl.flock(lock, mode)  # released when the file is closed, or the process dies
        yield


def check_part_by_part(sql: str, by: str) -> None:
    """Raises ValueError unless the rows of each `by` value of the query come from its input rows of that value
    alone: a single select, grouped by `by` (named in GROUP BY, or GROUP BY ALL with `by` selected as it is), with
    no window, subquery, CTE or limit (each of which can mix the groups)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    group = tree.args.get("group") if isinstance(tree, exp.Select) else None
    mixes = [
        what
        for what, found in (
            ("a window function", tree.find(exp.Window)),
            ("a subquery or CTE", len(list(tree.find_all(exp.Select))) > 1),
            ("a limit", tree.args.get("limit")),
        )
        if found
    ]
    selected = any(s.alias_or_name == by and isinstance(s.unalias(), exp.Column) and s.unalias().name == by
                   for s in tree.selects)  # fmt: skip
    grouped = group is not None and (
        (group.args.get("all") and selected)
        or any(isinstance(e, exp.Column) and e.name == by for e in group.expressions)
    )
    if mixes or not grouped or not selected:
        why = ", ".join(mixes) or f"it must select {by} as it is and group by it by name (or GROUP BY ALL)"
        raise ValueError(f"a model kept part by part must keep each {by} to itself: {why}")


def _bring_up_to_date(
    con: duckdb.DuckDBPyConnection, sql: str, how: Incremental, folder: Path, code_version: str
) -> IncrementalRun:
    key, by, source = how.unique_key, how.changes_by, how.source
    _fingerprint_groups(con, how, code_version)
    stored = fingerprints_path(folder)
    current = (
        folder.is_dir()
        and stored.exists()
        and not con.execute(
            f"SELECT count(*) FROM read_parquet({sql_string(stored)}) WHERE code_version <> ?", [code_version]
        ).fetchone()[0]
    )
    if not current:
        con.execute(f"CREATE TEMP TABLE recomputed AS {sql}")
        _write_all_parts(con, folder, by)
        _write_fingerprints(con, stored)
        return IncrementalRun(_count(con, folder), None, None)
    con.execute(
        f"CREATE TEMP TABLE changed AS SELECT coalesce(n.grp, o.grp) AS grp FROM new_groups AS n "
        f"FULL OUTER JOIN read_parquet({sql_string(stored)}) AS o ON n.grp = o.grp "
        "WHERE n.row_count IS DISTINCT FROM o.row_count OR n.row_hash IS DISTINCT FROM o.row_hash"
    )
    [(changed,)] = con.execute("SELECT count(*) FROM changed").fetchall()
    if not changed:
        return IncrementalRun(_count(con, folder), 0, 0)
    previous = read_parts(folder)
    con.execute(
        f"CREATE TEMP TABLE affected AS SELECT {key} FROM {source} WHERE {by} IN (SELECT grp FROM changed) "
        f"UNION SELECT {key} FROM {previous} WHERE {by} IN (SELECT grp FROM changed)"
    )
    # The affected keys' input rows, in two passes: which groups hold any of them (reading two columns of every
    # row), then their rows from those groups alone, named as constants, so that DuckDB skips the other groups'
    # files by their statistics. One pass read every column of every row: 2.6 s at 62 M rows, against 1.1 s.
    holding = con.execute(f"SELECT DISTINCT {by} FROM {source} SEMI JOIN affected USING ({key})").fetchall()
    held = " OR ".join(f"{by} = {sql_string(str(g))}" if g is not None else f"{by} IS NULL" for (g,) in holding)
    con.execute(
        f"CREATE TEMP TABLE affected_input AS SELECT * FROM (SELECT * FROM {source} WHERE {held or 'false'}) "
        f"SEMI JOIN affected USING ({key})"
    )
    con.execute(f"CREATE TEMP TABLE recomputed AS {with_source(sql, source, 'affected_input')}")
    # Every part that holds an affected key now, or will: rewritten without them, plus their new rows. A key's
    # stored row came from a group that held the key before: a changed group, or an unchanged one, which holds it
    # still (its rows are as they were). So the groups of the affected keys' input rows and the changed groups hold
    # every such part (a part among them without an affected key is rewritten as it was), and the stored parts need
    # no scan for them (at 62 M rows, a scan of every stored key).
    touched = con.execute(
        f"SELECT DISTINCT {_digest(by)} FROM affected_input UNION SELECT DISTINCT {_digest('grp')} FROM changed"
    ).fetchall()
    stored.unlink()  # until the new fingerprints are written, the parts are not known to be whole: a crash in
    for (digest,) in touched:  # between makes the next run a full one
        _rewrite_part(con, folder / f"{PART}={digest}" / PART_FILE, by, key, digest)
    [(keys,)] = con.execute("SELECT count(*) FROM affected").fetchall()
    _write_fingerprints(con, stored)
    return IncrementalRun(_count(con, folder), changed, keys)


def _fingerprint_groups(con: duckdb.DuckDBPyConnection, how: Incremental, code_version: str) -> None:
    """Table `new_groups`: every group of the input, its row count and the sum of its rows' hashes, or of their
    markers' hashes where every row of the group has one."""
    by, source, marker = how.changes_by, how.source, how.changes_marked_by
    columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    if marker not in columns:  # no directive, or a lake written before markers existed
        row_hash, unmarked = "sum(hash(s)::HUGEINT)", "0"
    else:
        row_hash, unmarked = f"sum(hash({marker})::HUGEINT)", f"count(*) - count({marker})"
    con.execute(
        f"CREATE TEMP TABLE new_groups AS SELECT {by} AS grp, count(*) AS row_count, {row_hash} AS row_hash, "
        f"{sql_string(code_version)} AS code_version, {unmarked} AS unmarked FROM {source} AS s GROUP BY 1"
    )
    [(partly_unmarked,)] = con.execute("SELECT count(*) FROM new_groups WHERE unmarked > 0").fetchall()
    if partly_unmarked:  # a group with rows from before markers: its whole rows, as without a marker
        con.execute(
            f"UPDATE new_groups SET row_hash = h.row_hash FROM (SELECT {by} AS grp, sum(hash(s)::HUGEINT) AS "
            f"row_hash FROM {source} AS s WHERE {by} IN (SELECT grp FROM new_groups WHERE unmarked > 0) GROUP BY 1) "
            "AS h WHERE new_groups.grp IS NOT DISTINCT FROM h.grp"
        )
    con.execute("ALTER TABLE new_groups DROP COLUMN unmarked")


def _digest(by: str) -> str:
    return f"md5(CAST({by} AS VARCHAR))"


def _write_all_parts(con: duckdb.DuckDBPyConnection, folder: Path, by: str) -> None:
    """A full run: every part written into a scratch folder, which then replaces the model's folder. The parts are
    written a batch of about `_rows_per_write` rows at a time: DuckDB holds buffers for every part a COPY has open,
    beyond what its memory limit can spill (the 120 parts of 62 M rows in one COPY ran out of 768 MB; 15 parts,
    5.3 M rows, did not)."""
    scratch = folder.with_name(f"{scratch_prefix()}{folder.name}")
    shutil.rmtree(scratch, ignore_errors=True)
    sizes = con.execute(f"SELECT {_digest(by)}, count(*) FROM recomputed GROUP BY 1 ORDER BY 1").fetchall()
    batches = _batches(sizes, _rows_per_write(con))
    for batch in batches:
        # Every part of the batch open at once, so that each is one file (DuckDB closes a part beyond its limit of
        # open files and starts another file for it later); its rows flushed to the file 20,000 at a time (the
        # default, 512 K, held more and wrote 8 M rows in 120 parts in 8.0 s, against 5.0 s).
        con.execute(
            f"SET partitioned_write_max_open_files = {len(batch) + 1}; "
            f"SET partitioned_write_flush_threshold = {PART_FLUSH_ROWS}"
        )
        unkeyed = f" OR {_digest(by)} IS NULL" if None in batch else ""
        chosen = f" WHERE list_contains($parts::VARCHAR[], {_digest(by)}){unkeyed}" if len(batches) > 1 else ""
        con.execute(
            f"COPY (SELECT *, {_digest(by)} AS {PART} FROM recomputed{chosen}) TO {sql_string(scratch)} "
            f"(FORMAT parquet, PARTITION_BY ({PART}), COMPRESSION zstd, OVERWRITE_OR_IGNORE)",
            {"parts": [d for d in batch if d is not None]} if chosen else {},
        )
    scratch.mkdir(exist_ok=True)  # no rows, no part: `_count` adds the empty one
    strays = sorted(str(f.relative_to(scratch)) for f in scratch.glob("*/*") if f.name != PART_FILE)
    if strays:  # a part in two files would keep the second file's rows when the part is rewritten
        raise RuntimeError(f"{folder.name}: a full run wrote a part in more than one file: {', '.join(strays[:5])}")
    replaced = folder.with_name(f"{scratch_prefix()}{folder.name}.replaced")
    if folder.exists():
        folder.rename(replaced)  # a crash from here to the next line leaves no folder: the next run runs in full
    scratch.rename(folder)
    shutil.rmtree(replaced, ignore_errors=True)


def _rows_per_write(con: duckdb.DuckDBPyConnection) -> int:
    """ROWS_PER_WRITE_PER_GIB times the connection's memory limit (DuckDB shows it as e.g. '1.7 GiB')."""
    [(limit,)] = con.execute("SELECT current_setting('memory_limit')").fetchall()
    number, unit = limit.split()
    gib = float(number) * {"KiB": 2**-20, "MiB": 2**-10, "GiB": 1, "TiB": 2**10}.get(unit, 2**-30)
    return max(int(gib * ROWS_PER_WRITE_PER_GIB), 1)


def _batches(sizes: list[tuple[str | None, int]], rows: int) -> list[list[str | None]]:
    """Consecutive parts, (digest, rows) each, in batches of at most `rows` rows (a larger part alone)."""
    batches: list[list[str | None]] = []
    total = rows
    for digest, count in sizes:
        if total + count > rows:
            batches.append([])
            total = 0
        batches[-1].append(digest)
        total += count
    return batches


def _rewrite_part(con: duckdb.DuckDBPyConnection, part: Path, by: str, key: str, digest: str) -> None:
    """One group's part: its rows that are not an affected key, and its recomputed rows; removed when empty."""
    kept = (
        f"SELECT * FROM read_parquet({sql_string(part)}, hive_partitioning = false) ANTI JOIN affected USING ({key}) UNION ALL BY NAME "
        if part.exists()
        else ""
    )
    rows = f"{kept}SELECT * FROM recomputed WHERE {_digest(by)} = $digest"
    part.parent.mkdir(exist_ok=True)
    with written_atomically(part) as tmp:
        [(count,)] = con.execute(
            f"COPY ({rows}) TO {sql_string(tmp)} (FORMAT parquet, COMPRESSION zstd)", {"digest": digest}
        ).fetchall()
    if not count:
        shutil.rmtree(part.parent)
    elif (part.parent.parent / EMPTY).exists():
        shutil.rmtree(part.parent.parent / EMPTY)


def _bring_parts_up_to_date(
    con: duckdb.DuckDBPyConnection, sql: str, how: Incremental, folder: Path, code_version: str, source_parts: Path
) -> IncrementalRun:
    """A model kept part by part: its SQL on each input part rewritten since the last refresh (or on every part)."""
    by, source = how.changes_by, how.source
    inputs = _part_files(source_parts, code_version)  # looked at before they are read: a part rewritten in between
    stored = fingerprints_path(folder)  # is read anew by the next refresh
    previous = {}
    if folder.is_dir() and stored.exists():
        read = con.execute(f"SELECT * FROM read_parquet({sql_string(stored)})")
        names = [column[0] for column in read.description]
        previous = {row[0]: dict(zip(names, row, strict=True)) for row in read.fetchall()}
    if not previous or any(row["code_version"] != code_version for row in previous.values()):
        con.execute(f"CREATE TEMP TABLE recomputed AS {sql}")
        _write_all_parts(con, folder, by)
        _write_part_files(con, stored, inputs)
        return IncrementalRun(_count(con, folder), None, None)
    changed = sorted(part for part in inputs.keys() | previous.keys() if inputs.get(part) != previous.get(part))
    if not changed:
        return IncrementalRun(_count(con, folder), 0, None)
    stored.unlink()  # as above: until the new file list is written, a crash makes the next run a full one
    for part in changed:
        target = folder / part / PART_FILE
        if part not in inputs:  # its rows are gone from the input
            shutil.rmtree(target.parent, ignore_errors=True)
            continue
        one_part = sql_string(source_parts / part / PART_FILE)
        con.execute(f"CREATE OR REPLACE TEMP VIEW one_part AS FROM read_parquet({one_part}, hive_partitioning = false)")
        target.parent.mkdir(parents=True, exist_ok=True)
        with written_atomically(target) as tmp:
            [(count,)] = con.execute(
                f"COPY ({with_source(sql, source, 'one_part')}) TO {sql_string(tmp)} (FORMAT parquet, COMPRESSION zstd)"
            ).fetchall()
        if not count:
            shutil.rmtree(target.parent)
    if any(p.parent.name != EMPTY for p in folder.glob("*/*.parquet")):
        shutil.rmtree(folder / EMPTY, ignore_errors=True)
    else:  # no rows left: `_count` keeps an empty part of the model's columns
        con.execute(f"CREATE OR REPLACE TEMP VIEW one_part AS FROM {source} LIMIT 0")
        con.execute(f"CREATE TEMP TABLE recomputed AS {with_source(sql, source, 'one_part')}")
    _write_part_files(con, stored, inputs)
    return IncrementalRun(_count(con, folder), len(changed), None)


def _part_files(source_parts: Path, code_version: str) -> dict[str, dict]:
    """Each part of a stored model: the file it is now (a rewrite renames a new file into place)."""
    found = {}
    for file in sorted(source_parts.glob(f"*/{PART_FILE}")):
        seen = file.stat()
        found[file.parent.name] = {"part": file.parent.name, "inode": seen.st_ino, "size": seen.st_size,
                                   "modified_ns": seen.st_mtime_ns, "code_version": code_version}  # fmt: skip
    return found


def _write_part_files(con: duckdb.DuckDBPyConnection, stored: Path, inputs: dict[str, dict]) -> None:
    schema = pa.schema([("part", pa.string()), ("inode", pa.uint64()), ("size", pa.int64()),
                        ("modified_ns", pa.int64()), ("code_version", pa.string())])  # fmt: skip
    con.register("part_files", pa.Table.from_pylist(list(inputs.values()), schema=schema))
    with written_atomically(stored) as tmp:
        con.execute(f"COPY part_files TO {sql_string(tmp)} (FORMAT parquet)")
    con.unregister("part_files")


def _count(con: duckdb.DuckDBPyConnection, folder: Path) -> int:
    """The model's rows. A model left without rows keeps one empty part: its columns stay readable downstream."""
    if not any(folder.glob("*/*.parquet")):
        (folder / EMPTY).mkdir(parents=True, exist_ok=True)
        with written_atomically(folder / EMPTY / PART_FILE) as tmp:
            con.execute(f"COPY (SELECT * FROM recomputed LIMIT 0) TO {sql_string(tmp)} (FORMAT parquet)")
        return 0
    return con.execute(f"SELECT count(*) FROM {read_parts(folder)}").fetchone()[0]


def _write_fingerprints(con: duckdb.DuckDBPyConnection, stored: Path) -> None:
    with written_atomically(stored) as tmp:
        con.execute(f"COPY new_groups TO {sql_string(tmp)} (FORMAT parquet)")
