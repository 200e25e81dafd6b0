"""Which landed files are complete, and which runs a look at the landing area asks for."""

from datetime import date

from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest.landing_files import LandedFile, ingest_runs, parse_cursor, plan_landing_runs, ready_files

NOW = 1_800_000_000 * 10**9
SECOND = 10**9
TODAY = date(2026, 1, 15)


def landed(name: str, age_seconds: float = 60, size: int = 100) -> LandedFile:
    return LandedFile(name, size, NOW - int(age_seconds * SECOND))


def test_a_file_is_ready_once_settled_or_marked_done():
    files = [
        landed("PALOPO_20251231.csv", age_seconds=60),
        landed("SINJAI_20251231.csv", age_seconds=2),  # still being written, maybe
        landed("PALU_20251231.csv", age_seconds=2),
        landed("PALU_20251231.csv.done", age_seconds=1),  # ... but this one says it is finished
        landed(".LUWUK_20251231.csv", age_seconds=600),  # hidden: a writer's temporary name
        landed("LUWUK_20251231.csv.part", age_seconds=600),
    ]
    assert [f.name for f in ready_files(files, NOW, settle_seconds=30)] == ["PALOPO_20251231.csv", "PALU_20251231.csv"]


def test_new_files_ask_for_one_run_per_branch_and_new_branches_for_partitions():
    ready = [landed("PALOPO_20251231.csv"), landed("PALOPO_20251130.csv"), landed("SINJAI_20251231.csv")]
    plan = plan_landing_runs(ready, {}, known_branch_codes(), {"PALOPO"}, TODAY)
    assert [(r.branch_code, r.file_names) for r in plan.branch_runs] == [
        ("PALOPO", ("PALOPO_20251231.csv", "PALOPO_20251130.csv")),
        ("SINJAI", ("SINJAI_20251231.csv",)),
    ]
    assert plan.new_branches == ["SINJAI"]
    assert len({r.run_key for r in plan.branch_runs}) == 2


def test_branches_with_files_become_one_run_per_contiguous_block_of_partitions():
    names = ["LUWUK", "PALOPO", "PALU", "SINJAI", "AMBON"]
    ready = [landed(f"{b}_20251231.csv") for b in ("PALOPO", "AMBON", "LUWUK", "SINJAI")]  # not PALU
    plan = plan_landing_runs(ready, {}, known_branch_codes(), set(names), TODAY)
    runs = ingest_runs(plan.branch_runs, names)
    assert [r.branch_codes for r in runs] == [("LUWUK", "PALOPO"), ("SINJAI", "AMBON")]
    assert [r.label for r in runs] == ["2 branches LUWUK..PALOPO", "2 branches SINJAI..AMBON"]
    assert runs[0].file_names == ("LUWUK_20251231.csv", "PALOPO_20251231.csv")
    resent = plan_landing_runs(
        [*ready[:3], landed("SINJAI_20251231.csv", size=7)], {}, known_branch_codes(), set(names), TODAY
    )
    assert [r.run_key for r in ingest_runs(resent.branch_runs, names)][1] != runs[1].run_key  # new bytes, new run
    [alone] = ingest_runs(plan.branch_runs[:1], names)
    assert (alone.label, alone.run_key) == ("AMBON", plan.branch_runs[0].run_key)


def test_seen_files_ask_for_nothing_and_a_resend_asks_again():
    ready = [landed("PALOPO_20251231.csv")]
    first = plan_landing_runs(ready, {}, known_branch_codes(), set(), TODAY)
    again = plan_landing_runs(ready, parse_cursor(first.cursor()), known_branch_codes(), {"PALOPO"}, TODAY)
    assert again.branch_runs == [] and again.new_branches == []
    resent = [landed("PALOPO_20251231.csv", age_seconds=40, size=120)]
    plan = plan_landing_runs(resent, parse_cursor(first.cursor()), known_branch_codes(), {"PALOPO"}, TODAY)
    assert [r.branch_code for r in plan.branch_runs] == ["PALOPO"]
    assert plan.branch_runs[0].run_key != first.branch_runs[0].run_key


def test_branch_codes_become_partitions_only_from_contract_names():
    ready = [landed("NOSUCHBRANCH_20251231.csv"), landed("a,b_20251231.csv"), landed("PALOPO_20991231.csv")]
    plan = plan_landing_runs(ready, {}, known_branch_codes(), set(), TODAY)
    assert plan.branch_runs == [] and plan.new_branches == []
    assert sorted(f.name for f in plan.misnamed) == sorted(f.name for f in ready)
