"""Reference assets write their lake files only when what they derive from changed."""

from dagster import DagsterInstance, materialize

from assets.reference_assets import reference_assets
from resources import PipelineSettings


def _outcomes(result) -> dict[str, tuple[bool, int]]:
    """Per asset: was its lake file written, and how many rows it holds."""
    outcomes = {}
    for event in result.get_asset_materialization_events():
        metadata = event.step_materialization_data.materialization.metadata
        outcomes[event.asset_key.to_user_string()] = (metadata["rewritten"].value, metadata["dagster/row_count"].value)
    return outcomes


def test_an_unchanged_reference_is_not_written_again_and_a_damaged_file_is(tmp_path):
    instance = DagsterInstance.ephemeral()
    resources = {"settings": PipelineSettings(ucj_home=str(tmp_path))}
    first = _outcomes(materialize(reference_assets, instance=instance, resources=resources))
    assert all(rewritten for rewritten, _ in first.values())
    assert first["region_codes"][1] > 90_000 and first["targets"][1] > 0

    regions = tmp_path / "lake" / "reference" / "region_codes.parquet"
    written = regions.stat().st_mtime_ns
    second = _outcomes(materialize(reference_assets, instance=instance, resources=resources))
    assert second == {name: (False, rows) for name, (_, rows) in first.items()}
    assert regions.stat().st_mtime_ns == written

    regions.write_bytes(b"not parquet")  # damaged: written again
    third = _outcomes(materialize(reference_assets, instance=instance, resources=resources))
    assert third["region_codes"] == (True, first["region_codes"][1]) and third["targets"][0] is False
