"""The incremental engine on its own (no Dagster): how it sees which groups of its input changed.

With `changes_marked_by` it compares the groups' markers (the id of the write that produced the rows), not their
rows: a group rewritten under a new marker is recomputed, and the rows a group without markers holds (a lake from
before markers) are still compared whole."""

import hashlib

import duckdb
import pytest

import ucj_pipeline.models.incremental_models as engine
from ucj_pipeline.models.incremental_models import Incremental, read_parts, run_incremental

SQL = "select person, branch, enrolled from people qualify row_number() over (partition by person order by enrolled desc, branch) = 1"
MARKED = Incremental(unique_key="person", changes_by="branch", source="people", changes_marked_by="written_as")


def connection(rows: list[tuple], with_marker_column: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    columns = "person VARCHAR, branch VARCHAR, enrolled INTEGER" + (
        ", written_as VARCHAR" if with_marker_column else ""
    )
    con.execute(f"CREATE TABLE people ({columns})")
    con.executemany(f"INSERT INTO people VALUES ({', '.join('?' * len(rows[0]))})", rows)
    return con


def refresh(con, folder, how=MARKED):
    run = run_incremental(con, SQL, how, folder, "v1")
    kept = con.execute(f"SELECT * FROM {read_parts(folder)} ORDER BY ALL").fetchall()
    full = con.execute(f"SELECT * FROM ({SQL}) ORDER BY ALL").fetchall()
    for table in ("new_groups", "changed", "affected", "affected_input", "recomputed"):
        con.execute(f"DROP TABLE IF EXISTS {table}")  # the engine's scratch tables, as a new connection has none
    return run, kept, full


def test_a_group_written_again_is_recomputed_by_its_marker_alone(tmp_path):
    folder = tmp_path / "covered"
    con = connection([("p1", "A", 1, "a1"), ("p2", "A", 1, "a1"), ("p2", "B", 2, "b1"), ("p3", "B", 1, "b1")])
    first, kept, full = refresh(con, folder)
    assert first.groups_changed is None and kept == full and len(kept) == 3

    # A is written again (a resend): new marker, p2 now enrolled later in A than in B.
    con.execute("DELETE FROM people WHERE branch = 'A'")
    con.execute("INSERT INTO people VALUES ('p1', 'A', 1, 'a2'), ('p2', 'A', 3, 'a2')")
    second, kept, full = refresh(con, folder)
    assert (second.groups_changed, second.keys_recomputed) == (1, 2)
    assert kept == full and ("p2", "A", 3) in kept

    # Rows that change under the same marker are not a write the engine knows of: the marker is what it compares
    # (the lake gives every write a new one). This pins down that it does not read the rows.
    con.execute("UPDATE people SET enrolled = 9 WHERE branch = 'B'")
    third, kept, full = refresh(con, folder)
    assert third.groups_changed == 0 and kept != full


@pytest.mark.parametrize("with_marker_column", [True, False], ids=["rows without markers", "no marker column"])
def test_rows_from_before_markers_are_compared_whole(tmp_path, with_marker_column):
    folder = tmp_path / "covered"
    marker = (None,) if with_marker_column else ()
    con = connection([("p1", "A", 1, *marker), ("p2", "B", 2, *marker)], with_marker_column)
    refresh(con, folder)
    con.execute("UPDATE people SET enrolled = 5 WHERE branch = 'A'")  # the same rows, new content, no marker
    second, kept, full = refresh(con, folder)
    assert second.groups_changed == 1 and kept == full and ("p1", "A", 5) in kept
    unchanged, kept, full = refresh(con, folder)
    assert unchanged.groups_changed == 0 and kept == full


def test_a_full_run_writes_its_parts_a_few_at_a_time(tmp_path, monkeypatch):
    """A full run writes its parts a few at a time (one COPY with every part open ran out of memory at 62 M rows):
    every part is written once, whole, and an update then finds each of them."""
    import ucj_pipeline.models.incremental_models as engine

    per_write = {m: engine._rows_per_write(duckdb.connect(config={"memory_limit": m})) for m in ("768MB", "2048MB")}
    assert 4_600_000 < per_write["768MB"] < 4_700_000 and 12_000_000 < per_write["2048MB"] < 13_000_000
    monkeypatch.setattr(engine, "_rows_per_write", lambda con: 4)  # two parts of two rows
    folder = tmp_path / "covered"
    rows = [(f"p{i}", branch, i, f"{branch}1") for i, branch in enumerate("ABCDEABCDE")]
    con = connection(rows)
    first, kept, full = refresh(con, folder)
    assert first.groups_changed is None and kept == full and len(kept) == 10
    assert engine._batches([("a", 2), ("b", 2), ("c", 5), ("d", 1)], 4) == [["a", "b"], ["c"], ["d"]]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"_part={d}" for (d,) in con.execute("SELECT DISTINCT md5(branch) FROM people").fetchall()
    )  # five parts, one file each
    assert all([f.name for f in p.iterdir()] == ["data_0.parquet"] for p in folder.iterdir())

    con.execute("UPDATE people SET enrolled = 20, written_as = 'C2' WHERE branch = 'C'")
    second, kept, full = refresh(con, folder)
    assert second.groups_changed == 1 and kept == full


def test_a_full_run_writes_each_of_many_parts_in_one_file(tmp_path, monkeypatch):
    """More parts than DuckDB keeps open by default (100), their rows interleaved and flushed often: DuckDB would
    close some parts and start a second file for them, whose rows an update of the part would keep (counted twice).
    Each part is one file, and an update replaces it whole."""
    monkeypatch.setattr(engine, "PART_FLUSH_ROWS", 2)
    folder = tmp_path / "covered"
    rows = [(f"p{i}", f"B{i % 150:03d}", i, "w1") for i in range(3000)]
    con = connection(rows)
    first, kept, full = refresh(con, folder)
    assert first.groups_changed is None and kept == full and len(kept) == 3000
    assert len(list(folder.iterdir())) == 150
    assert all([f.name for f in p.iterdir()] == ["data_0.parquet"] for p in folder.iterdir())

    con.execute("UPDATE people SET enrolled = enrolled + 1, written_as = 'w2' WHERE branch = 'B007'")
    second, kept, full = refresh(con, folder)
    assert second.groups_changed == 1 and kept == full and len(kept) == 3000


COUNTS = "select branch, enrolled, count(*) as people from covered group by all"
BY_PART = Incremental(unique_key=None, changes_by="branch", source="covered")


def count_by_part(con, covered, counts):
    """The counts model kept part by part over the parts of `covered`, and its SQL run on all of them."""
    con.execute(f"CREATE OR REPLACE VIEW covered AS FROM {read_parts(covered)}")
    run = run_incremental(con, COUNTS, BY_PART, counts, "v1", covered)
    kept = con.execute(f"SELECT * FROM {read_parts(counts)} ORDER BY ALL").fetchall()
    full = con.execute(f"SELECT * FROM ({COUNTS}) ORDER BY ALL").fetchall()
    con.execute("DROP TABLE IF EXISTS recomputed")
    return run, kept, full


def test_a_model_kept_part_by_part_recounts_the_rewritten_parts_alone(tmp_path):
    covered, counts = tmp_path / "covered", tmp_path / "counts"
    con = connection([("p1", "A", 1, "a1"), ("p2", "A", 1, "a1"), ("p3", "B", 1, "b1"), ("p4", "C", 2, "c1")])
    refresh(con, covered)
    first, kept, full = count_by_part(con, covered, counts)
    assert first.groups_changed is None and kept == full == [("A", 1, 2), ("B", 1, 1), ("C", 2, 1)]
    assert sorted(p.name for p in counts.iterdir()) == sorted(p.name for p in covered.iterdir())  # mirrored parts

    unchanged, kept, full = count_by_part(con, covered, counts)
    assert unchanged.groups_changed == 0 and kept == full

    # B's new snapshot: p2 moves there (a later enrolment) and p3 leaves; C's part is not rewritten.
    c_part = counts / f"_part={hashlib.md5(b'C').hexdigest()}"
    c_file = (c_part / "data_0.parquet").stat().st_ino
    con.execute("DELETE FROM people WHERE branch = 'B'")
    con.execute("INSERT INTO people VALUES ('p2', 'B', 5, 'b2')")
    refresh(con, covered)
    second, kept, full = count_by_part(con, covered, counts)
    assert second.groups_changed == 2 and kept == full == [("A", 1, 1), ("B", 5, 1), ("C", 2, 1)]
    assert (c_part / "data_0.parquet").stat().st_ino == c_file  # read and written again: neither

    # C's people all gone: its part goes from the input, and from the counts.
    con.execute("DELETE FROM people WHERE branch = 'C'")
    refresh(con, covered)
    third, kept, full = count_by_part(con, covered, counts)
    assert third.groups_changed == 1 and kept == full and not c_part.exists()

    # Everyone gone: the counts keep their columns, with no rows.
    con.execute("DELETE FROM people")
    refresh(con, covered)
    emptied, kept, full = count_by_part(con, covered, counts)
    assert emptied.row_count == 0 and kept == full == []
    assert [p.name for p in counts.iterdir()] == ["_part=empty"]

    # A crash after the first part was rewritten, before the list of parts read was written: the next run is full.
    con.execute("INSERT INTO people VALUES ('p9', 'D', 1, 'd1')")
    refresh(con, covered)
    (counts.with_name("counts.groups.parquet")).unlink()
    after_crash, kept, full = count_by_part(con, covered, counts)
    assert after_crash.groups_changed is None and kept == full == [("D", 1, 1)]


@pytest.mark.parametrize(
    "sql, why",
    [
        ("select branch, count(*) over () as n from covered", "window"),
        ("select branch, count(*) as n from covered group by 1", "group by it by name"),
        ("select enrolled, count(*) as n from covered group by all", "group by it by name"),
        ("select upper(branch) as branch, count(*) as n from covered group by all", "group by it by name"),
        ("select branch, count(*) as n from covered group by branch limit 5", "limit"),
        ("select branch, count(*) as n from (select * from covered) group by all", "subquery"),
        ("with c as (select * from covered) select branch, count(*) as n from c group by all", "subquery"),
    ],
)
def test_a_model_kept_part_by_part_must_keep_each_part_to_itself(sql, why):
    engine.check_part_by_part("select branch, count(*) as n from covered group by branch", "branch")
    engine.check_part_by_part("select branch, enrolled, count(*) as n from covered group by all", "branch")
    with pytest.raises(ValueError, match=why):
        engine.check_part_by_part(sql, "branch")
