"""Configuration in one place: `ucj_pipeline.orchestration.configuration` is the only module that reads the environment, and the
resources carry what it checked, the secret as an EnvVar (the UI shows its name, never its value)."""

import ast
from pathlib import Path

from dagster import EnvVar

from resources import PipelineSettings
from ucj_pipeline.orchestration.configuration import ConfigurationError, load_configuration
from ucj_pipeline.runtime.paths import PROJECT_ROOT

PACKAGES = ("ucj_pipeline", "assets", "resources", "schedules")


def environment_reads(path: Path) -> list[int]:
    """Lines that read os.environ or os.getenv (assigning into os.environ, for a child process, is not a read)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    written = {id(t.value) for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets
               if isinstance(t, ast.Subscript)}  # fmt: skip
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and id(node) not in written:
            lines.append(node.lineno)
    return lines


def test_only_the_configuration_module_reads_the_environment():
    readers = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for package in PACKAGES
        for path in sorted((PROJECT_ROOT / package).rglob("*.py"))
        if (lines := environment_reads(path))
    }
    assert readers == {
        "ucj_pipeline/orchestration/configuration.py": [
            environment_reads(PROJECT_ROOT / "ucj_pipeline/orchestration/configuration.py")[0]
        ]
    }


def test_the_key_reaches_the_resource_as_an_env_var_and_is_read_when_a_run_starts(monkeypatch, tmp_path):
    monkeypatch.setenv("UCJ_HOME", str(tmp_path))
    monkeypatch.setenv("UCJ_PSEUDONYM_KEY", "a-secret-of-twenty-chars")
    settings = PipelineSettings.from_env()
    assert isinstance(settings.pseudonym_key, EnvVar) and settings.pseudonym_key.env_var_name == "UCJ_PSEUDONYM_KEY"
    assert "a-secret" not in repr(settings)
    monkeypatch.delenv("UCJ_PSEUDONYM_KEY")
    assert PipelineSettings.from_env().pseudonym_key == ""  # the development key, loudly, at ingest


def test_dagster_home_is_part_of_the_checked_configuration(tmp_path):
    assert load_configuration({"UCJ_HOME": str(tmp_path)}).dagster_home == tmp_path.resolve() / "dagster_home"
    elsewhere = tmp_path / "instance"
    assert load_configuration({"UCJ_HOME": str(tmp_path), "DAGSTER_HOME": str(elsewhere)}).dagster_home == elsewhere


def test_code_links_need_a_github_or_gitlab_address_without_credentials(tmp_path):
    def problems(**env: str) -> list[str]:
        try:
            load_configuration({"UCJ_HOME": str(tmp_path), **env})
        except ConfigurationError as error:
            return error.problems
        return []

    configured = load_configuration(
        {"UCJ_HOME": str(tmp_path), "UCJ_CODE_URL": "https://github.com/bpjs/ucj-pipeline.git/"}
    )
    assert (configured.code_url, configured.code_branch) == ("https://github.com/bpjs/ucj-pipeline", "main")
    assert load_configuration({"UCJ_HOME": str(tmp_path)}).code_url == ""  # no code links at all
    assert problems(UCJ_CODE_URL="https://gitlab.bpjs.example/data/ucj", UCJ_CODE_BRANCH="release/2026.1") == []
    [wrong] = problems(UCJ_CODE_URL="https://example.org/ucj")
    assert wrong.startswith("UCJ_CODE_URL='https://example.org/ucj' is not the web address of a GitHub or GitLab")
    [secret] = problems(UCJ_CODE_URL="https://oauth2:glpat-s3cret@gitlab.com/bpjs/ucj")
    assert "credentials" in secret and "s3cret" not in secret
    assert problems(UCJ_CODE_URL="file:///srv/ucj") == [
        "UCJ_CODE_URL='file:///srv/ucj' is not an http:// or https:// address"
    ]
    assert problems(UCJ_CODE_BRANCH="main..evil") == [
        "UCJ_CODE_BRANCH='main..evil' is not a git branch, tag or commit name"
    ]


def test_the_configuration_never_shows_a_secret(tmp_path):
    config = load_configuration(
        {"UCJ_HOME": str(tmp_path), "UCJ_PSEUDONYM_KEY": "a-secret-of-twenty-chars", "UCJ_BI_ADMIN_PASSWORD": "Sandi-1"}
    )
    assert config.pseudonym_key == "a-secret-of-twenty-chars"
    assert config.environment["UCJ_BI_ADMIN_PASSWORD"] == "Sandi-1"  # for `ucj bi`, which needs it
    assert "a-secret" not in repr(config) and "Sandi-1" not in repr(config)
