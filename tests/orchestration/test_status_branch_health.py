"""`ucj status` says what the branches' deliveries mean for the published figures: a branch whose latest delivery
was rejected (with the one-line reason and what keeps counting), and a snapshot accepted for a date after the
published reporting date, which waits (and how to publish it)."""

import pytest

from tests.conftest import run_ucj
from tests.factories import HEADER, make_nik, row, write_extract

pytestmark = pytest.mark.slow(45)  # seconds, for the test order (conftest)


def sinjai(count: int) -> list[dict]:
    return [row(NIK=make_nik(region="7307", serial=i), KODE_WILAYAH="73.07") for i in range(1, count + 1)]


def test_status_lists_a_rejected_delivery_and_a_snapshot_that_waits(tmp_path):
    home = tmp_path / "ucj"
    landing = home / "landing"
    write_extract(landing, "PALOPO_20251231.csv", [row(serial=i) for i in range(1, 11)])
    write_extract(landing, "SINJAI_20251231.csv", sinjai(5))
    run_ucj(home, "run", "--as-of", "2025-12-31")
    # A bad file for PALOPO (no NIK column) and a good one for SINJAI, both dated after the published date.
    write_extract(landing, "PALOPO_20260115.csv", [row(serial=i) for i in range(1, 11)],
                  header=[h for h in HEADER if h != "NIK"])  # fmt: skip
    write_extract(landing, "SINJAI_20260115.csv", sinjai(8))
    run_ucj(home, "run", "--as-of", "2025-12-31", expect=3)
    out = run_ucj(home, "status").stdout
    assert "Branches on reporting date 2025-12-31: 1 of 120 with a current snapshot and a good latest delivery" in out
    assert "1 with a rejected latest delivery" in out and "1 snapshot(s) waiting for a later reporting date" in out
    [rejected] = [line for line in out.splitlines() if line.lstrip().startswith("REJECTED")]
    assert "PALOPO: PALOPO_20260115.csv: rejected by rule 'missing_column'" in rejected
    assert "the branch's snapshot of 2025-12-31 keeps counting" in rejected and "PALOPO_20260115_01.csv" in rejected
    [waiting] = [line for line in out.splitlines() if line.lstrip().startswith("WAITING")]
    assert "SINJAI: snapshot of 2026-01-15 accepted. The published figures are as of 2025-12-31, so it waits" in waiting
    assert "`ucj run --as-of 2026-01-15`" in waiting
    # Published for its date, it counts and waits no more.
    run_ucj(home, "run", "--as-of", "2026-01-15")
    out = run_ucj(home, "status").stdout
    assert "WAITING" not in out and "0 snapshot(s) waiting" in out
