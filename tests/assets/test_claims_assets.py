"""A claims month through the asset graph in-process: ingested beside membership, materialised as claim_payments
of the branch's partition, staged, and checked (a payee never seen as a participant is a warning, not a block)."""

from dagster import AssetKey, DagsterEventType

from tests.assets.test_pipeline_assets import check_results, run_pipeline  # noqa: F401 (the fixture)
from tests.factories import make_nik, row, write_extract
from tests.ingest.test_claims_ingest import HEIRS, claims_bytes, death, three_fishermen


def test_a_claims_month_is_materialised_staged_and_its_unknown_payee_warned(run_pipeline):  # noqa: F811
    write_extract(run_pipeline.landing, "LUWUTIMUR_20250331.csv", [row(NIK=n, KODE_WILAYAH="73.24") for n in HEIRS])
    stranger = make_nik(region="7324", serial=999)
    rows = three_fishermen() + [death(stranger, 99, "PERAWATAN", "2.500.000") | {"PROGRAM": "JKK"}]
    (run_pipeline.landing / "LUWUTIMUR_KLAIM_202503.csv").write_bytes(claims_bytes(rows))
    con = run_pipeline(["LUWUTIMUR"], "2025-03-31")
    ingest = run_pipeline.ingests["LUWUTIMUR"]
    materialized = {e.asset_key for e in ingest.get_asset_materialization_events()}
    assert {AssetKey("claim_payments"), AssetKey("participant_snapshots")} <= materialized
    staged = [
        e
        for e in run_pipeline.refresh.get_asset_materialization_events()
        if e.asset_key == AssetKey("stg_claim_payments")
    ]
    assert staged
    passed, metadata, _ = check_results(run_pipeline.refresh, run_pipeline.instance)["claims_payees_are_participants"]
    assert not passed and "LUWUTIMUR" in metadata["details"].value and "2500000" in metadata["details"].value
    severities = {
        e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data.severity.value
        for e in run_pipeline.instance.all_logs(
            run_pipeline.refresh.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
        )
    }
    assert severities["claims_payees_are_participants"] == "WARN"
    log = con.execute("SELECT feed, outcome FROM quality.ingest_log ORDER BY file_name").fetchall()
    assert log == [("membership", "accepted"), ("claims", "accepted")]
    report = (run_pipeline.landing.parent / "reports" / "latest.html").read_text()
    assert "Manfaat dan anggaran" in report and 'id="target-costs"' in report
    assert 'id="benefits-chart"' in report and "Kabupaten Luwu Timur" in report
    assert "Total Rp128.500.000 kepada 4 pekerja" in report  # 3 x Rp42 M + Rp2.5 M, to four workers
    assert 'id="cost-luwutimur_satu_desa_100"' in report


def test_a_branch_whose_latest_claims_file_is_rejected_fails_its_claims_check_until_a_resend(run_pipeline):  # noqa: F811
    write_extract(run_pipeline.landing, "LUWUTIMUR_20250331.csv", [row(NIK=n, KODE_WILAYAH="73.24") for n in HEIRS])
    broken = [death(HEIRS[0], 1, "SANTUNAN_KEMATIAN", "42,000,000")]  # one row of one: over the threshold
    (run_pipeline.landing / "LUWUTIMUR_KLAIM_202503.csv").write_bytes(claims_bytes(broken))
    run_pipeline(["LUWUTIMUR"], "2025-03-31")
    passed, metadata, description = check_results(run_pipeline.ingests["LUWUTIMUR"], run_pipeline.instance,
                                                   "LUWUTIMUR")["claims_file_rules"]  # fmt: skip
    assert not passed and metadata["rule"].value == "quarantine_threshold"
    assert "2025-03 are missing from the benefit figures" in description
    # Another branch's good claims month, in a later run: the asset-level check stays red, naming LUWUTIMUR, and
    # LUWUTIMUR's claims_file_rules is evaluated again last (the check list shows a partitioned check's latest).
    (run_pipeline.landing / "PALOPO_KLAIM_202503.csv").write_bytes(claims_bytes([]))
    run_pipeline(["PALOPO"], "2025-03-31")
    palopo_run = run_pipeline.ingests["PALOPO"]
    passed, metadata, description = check_results(palopo_run, run_pipeline.instance)["all_branches_claims_healthy"]
    assert not passed and metadata["rejected"].value == "LUWUTIMUR (LUWUTIMUR_KLAIM_202503.csv)"
    assert "- REJECTED LUWUTIMUR: LUWUTIMUR_KLAIM_202503.csv" in description
    last = [
        e.dagster_event.event_specific_data
        for e in run_pipeline.instance.all_logs(palopo_run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        if e.dagster_event.event_specific_data.check_name == "claims_file_rules"
    ][-1]
    assert (last.partition, last.passed) == ("LUWUTIMUR", False)
    (run_pipeline.landing / "LUWUTIMUR_KLAIM_202503_01.csv").write_bytes(claims_bytes(three_fishermen()))
    run_pipeline(["LUWUTIMUR"], "2025-03-31")
    passed, _, description = check_results(run_pipeline.ingests["LUWUTIMUR"], run_pipeline.instance, "LUWUTIMUR")[
        "claims_file_rules"
    ]
    assert passed and "LUWUTIMUR_KLAIM_202503_01.csv accepted" in description
    passed, _, description = check_results(run_pipeline.ingests["LUWUTIMUR"], run_pipeline.instance)[
        "all_branches_claims_healthy"
    ]
    assert passed and "2 of the 2 branches delivering claims have their latest claims file accepted" in description
