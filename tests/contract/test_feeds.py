"""A feed is contract + rules + lake table + SQL (`contract/feeds.py`); the delivery path takes it as a value."""

import dataclasses
from datetime import date

import pytest

from tests.factories import row, write_extract
from ucj_pipeline.contract.feeds import feeds, membership
from ucj_pipeline.contract.file_names import ExtractRejected
from ucj_pipeline.contract.reference_data import RegionIndex
from ucj_pipeline.ingest import lake
from ucj_pipeline.ingest.judged_rows import judged_rows
from ucj_pipeline.runtime.paths import SQL_MODELS_DIR

MEMBERSHIP = membership()


def test_each_feed_names_its_lake_table_its_staging_models_and_its_published_contract():
    assert [f.name for f in feeds()] == ["membership", "claims"]
    assert [f.lake_table for f in feeds()] == [lake.PARTICIPANT_SNAPSHOTS, lake.CLAIM_PAYMENTS]
    for feed in feeds():
        for model in feed.staging_models:
            assert f"from {feed.lake_table}" in (SQL_MODELS_DIR / "staging" / f"{model}.sql").read_text()
        assert (SQL_MODELS_DIR.parent / feed.contract_doc).is_file()
        assert feed.duplicate_rule in feed.rules and set(feed.not_stored) <= set(feed.warnings)


def test_the_path_judges_by_the_feed_it_is_given_not_by_membership_constants(tmp_path):
    """A variant feed that requires one more column rejects a file the membership feed accepts: the columns, rules
    and whole-file rule the reader and the judge apply come from the feed."""
    path = write_extract(tmp_path, "PALOPO_20251231.csv", [row(serial=i) for i in range(1, 11)])
    regions = RegionIndex.load()
    with judged_rows(path, "csv", path.name, date(2025, 12, 31), regions, tmp_path) as rows:
        assert rows.rows_accepted == 10
    strict = dataclasses.replace(MEMBERSHIP, required_columns=(*MEMBERSHIP.required_columns, "NO_KPJ"))
    with (
        pytest.raises(ExtractRejected, match="'missing_column': required column.s. missing: NO_KPJ"),
        judged_rows(path, "csv", path.name, date(2025, 12, 31), regions, tmp_path, feed=strict),
    ):
        pass
    by_status = dataclasses.replace(MEMBERSHIP, duplicate_key="status")  # every AKTIF row but one is a duplicate
    with judged_rows(path, "csv", path.name, date(2025, 12, 31), regions, tmp_path, feed=by_status) as rows:
        assert (rows.rows_accepted, rows.rule_counts()["duplicate_nik"]) == (1, 9)
