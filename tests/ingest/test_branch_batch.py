"""Many branches in one go (`ucj_pipeline.ingest.branch_batch`): a branch's failure stops no other, and a branch is never
ingested by two runs at once (its lock)."""

import pytest

from tests.factories import make_nik, row, write_extract
from ucj_pipeline.contract.pseudonymise import DEV_KEY
from ucj_pipeline.contract.reference_data import known_branch_codes
from ucj_pipeline.ingest.branch_batch import ingest_branches
from ucj_pipeline.ingest.branch_ingest import IngestSettings
from ucj_pipeline.ingest.landing_files import parse_landed
from ucj_pipeline.ingest.landing_store import open_landing
from ucj_pipeline.runtime import home_lock
from ucj_pipeline.runtime.home_lock import HomeBusy
from ucj_pipeline.runtime.paths import UcjPaths, today_in_jakarta


def test_a_branch_is_ingested_by_one_run_at_a_time(tmp_path):
    said = []
    with home_lock.branch_alone(tmp_path, "PALOPO", 0, said.append):
        with home_lock.branch_alone(tmp_path, "SINJAI", 0, said.append):  # another branch: no wait
            pass
        with (
            pytest.raises(HomeBusy, match="branch PALOPO is still being ingested by another run after 0s"),
            home_lock.branch_alone(tmp_path, "PALOPO", 0, said.append),
        ):
            pass
    assert said == ["branch PALOPO is being ingested by another run; its ingest here waits up to 0s for it "
                    "(UCJ_LOCK_WAIT_SECONDS)"]  # fmt: skip
    with pytest.raises(ValueError, match="is not a branch code"), home_lock.branch_alone(tmp_path, "../x", 0, print):
        pass


def test_a_branch_whose_ingest_cannot_finish_stops_no_other(tmp_path):
    paths = UcjPaths(tmp_path / "home").ensure()
    landing = tmp_path / "landing"
    write_extract(landing, "PALOPO_20251231.csv", [row(NIK=make_nik(serial=i)) for i in range(1, 11)])
    write_extract(landing, "SINJAI_20251231.csv", [row(NIK=make_nik(serial=i)) for i in range(11, 15)])
    files = parse_landed(open_landing(str(landing)).list_files(), ["PALOPO", "SINJAI"], known_branch_codes(),
                         today_in_jakarta())  # fmt: skip
    settings = IngestSettings(paths=paths, pseudonym_key=DEV_KEY.encode())
    with home_lock.branch_alone(paths.home, "PALOPO", 0, print):  # another run holds PALOPO all along
        results = {r.branch_code: r for r in ingest_branches(files, str(landing), settings, 2, 0)}
    assert not results["PALOPO"].finished and "being ingested by another run" in results["PALOPO"].error
    assert (landing / "PALOPO_20251231.csv").exists()  # untouched: the other run takes it
    assert results["SINJAI"].finished and [r["outcome"] for r in results["SINJAI"].log_rows] == ["accepted"]
    assert [r["rows_accepted"] for r in results["SINJAI"].log_rows] == [4]
