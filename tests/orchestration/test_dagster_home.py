"""One instance configuration: the local home's dagster.yaml is deploy/dagster.yaml without its storage section,
kept current, and a hand-written one is never overwritten."""

import stat

import yaml

from ucj_pipeline.orchestration.dagster_home import GENERATED_HEADER, INSTANCE_CONFIGURATION, prepare_dagster_home


def test_the_local_configuration_is_the_production_one_with_sqlite_storage(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    written = prepare_dagster_home(tmp_path / "dagster_home")
    production = yaml.safe_load(INSTANCE_CONFIGURATION.read_text())
    assert "postgres" in production.pop("storage")
    assert yaml.safe_load(written.read_text()) == production  # run queue, concurrency, monitoring: all the same
    assert written.parent == tmp_path / "dagster_home"
    assert stat.S_IMODE(written.parent.stat().st_mode) == 0o700


def test_a_stale_generated_file_is_rewritten_and_a_hand_written_one_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    target = tmp_path / "dagster_home" / "dagster.yaml"
    target.parent.mkdir(mode=0o700)
    target.write_text(
        "# Written by `ucj` for local use: SQLite storage in this folder (the Dagster default).\n"
        "run_queue:\n  dequeue_interval_seconds: 5\n"
    )  # fmt: skip (what earlier versions wrote)
    prepare_dagster_home(tmp_path / "dagster_home")
    assert target.read_text().startswith(GENERATED_HEADER)
    assert yaml.safe_load(target.read_text())["run_queue"]["dequeue_use_threads"] is True

    own = "# my own instance\nrun_queue:\n  dequeue_interval_seconds: 7\n"
    target.write_text(own)
    prepare_dagster_home(tmp_path / "dagster_home")
    assert target.read_text() == own
