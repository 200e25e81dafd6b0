"""The incremental engine on its own (no Dagster): how it sees which groups of its input changed.

With `changes_marked_by` it compares the groups' markers (the id of the write that produced the rows), not their
rows: a group rewritten under a new marker is recomputed, and the rows a group without markers holds (a lake from
before markers) are still compared whole."""

import duckdb
import pytest

from ucj_pipeline.incremental_models import Incremental, read_parts, run_incremental

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
    import ucj_pipeline.incremental_models as engine

    monkeypatch.setattr(engine, "ROWS_PER_WRITE", 4)  # two parts of two rows
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
