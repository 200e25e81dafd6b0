"""Paths and thresholds come from the code location's environment: a run configured in the launchpad with another
home, landing area or threshold is refused before it reads or writes anything; repeating the environment's values
passes."""

import pytest
from dagster import DagsterInstance, materialize

from assets.ingest_assets import misnamed_extract_files
from resources import LandingArea, PipelineSettings


@pytest.fixture
def environment(tmp_path, monkeypatch):
    monkeypatch.setenv("UCJ_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("UCJ_LANDING_URL", raising=False)
    return tmp_path / "home"


def _run(run_config: dict):
    settings = PipelineSettings.from_env()
    resources = {"settings": settings, "landing_area": LandingArea.from_env(settings.paths.landing)}
    return materialize(
        [misnamed_extract_files], resources=resources, run_config=run_config, instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("resource", "config"),
    [
        ("settings", {"ucj_home": "/tmp/elsewhere"}),
        ("settings", {"quarantine_threshold": 0.9}),
        ("landing_area", {"location": "/tmp/another-landing"}),
    ],
)
def test_a_run_that_changes_a_path_or_threshold_is_refused(environment, resource, config):
    required = {"ucj_home": str(environment)} if resource == "settings" else {}  # Dagster asks for it with the rest
    result = _run({"resources": {resource: {"config": {**required, **config}}}})
    assert not result.success
    errors = [getattr(e.event_specific_data, "error", None) for e in result.all_events]
    message = "\n".join(error.message for error in errors if error is not None)
    assert f"run configuration may not change resources.{resource}" in message and next(iter(config)) in message
    assert not (environment / "lake").exists() or not any((environment / "lake").rglob("*.parquet"))


def test_a_run_that_repeats_the_environment_passes(environment):
    result = _run({"resources": {"settings": {"config": {"ucj_home": str(environment)}}}})
    assert result.success
