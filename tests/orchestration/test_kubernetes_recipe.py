"""The Kubernetes recipe (deploy/kubernetes/) cannot run here (no cluster, no container runtime), so what can be
checked is that it says what the project really is: the code location's module and name, the variables the
configuration reads, versions that match the pinned Dagster, and no secret written into it."""

import re
import tomllib
from pathlib import Path

import yaml

from ucj_pipeline.orchestration.configuration import load_configuration
from ucj_pipeline.runtime.paths import PROJECT_ROOT

RECIPE = PROJECT_ROOT / "deploy" / "kubernetes"


def values() -> dict:
    return yaml.safe_load((RECIPE / "values.yaml").read_text())


def test_the_user_deployment_serves_the_code_location_of_workspace_yaml():
    [location] = yaml.safe_load((PROJECT_ROOT / "workspace.yaml").read_text())["load_from"]
    [deployment] = values()["dagster-user-deployments"]["deployments"]
    assert deployment["name"].replace("-", "_") == location["python_module"]["location_name"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", location["python_module"]["module_name"]]
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["dagster"]["module_name"] == location["python_module"]["module_name"]


def test_every_variable_set_is_one_the_configuration_reads_and_it_accepts_them(tmp_path):
    [deployment] = values()["dagster-user-deployments"]["deployments"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    ucj = {k: v for k, v in env.items() if k.startswith("UCJ_")}
    read = set(
        re.findall(r"UCJ_[A-Z_]+", (PROJECT_ROOT / "ucj_pipeline" / "orchestration" / "configuration.py").read_text())
    )
    assert set(ucj) <= read, set(ucj) - read
    config = load_configuration({**ucj, "UCJ_HOME": str(tmp_path)})  # the recipe's values pass the checks
    assert config.landing_url == env["UCJ_LANDING_URL"]
    mount = {m["mountPath"] for m in deployment["volumeMounts"]}
    assert env["UCJ_HOME"] in mount  # the shared volume is where UCJ_HOME points


def test_no_secret_is_written_into_the_recipe():
    text = (RECIPE / "values.yaml").read_text() + (RECIPE / "Dockerfile").read_text()
    for secret in ("UCJ_PSEUDONYM_KEY", "AWS_SECRET_ACCESS_KEY", "postgresqlPassword", "UCJ_PG_PASSWORD"):
        assert not re.search(rf"{secret}\s*[:=]\s*\S", text), secret
    assert values()["generatePostgresqlPasswordSecret"] is False


def test_the_image_installs_the_pinned_dagster_and_the_matching_dagster_k8s():
    dockerfile = (RECIPE / "Dockerfile").read_text()
    assert "-c constraints.txt -e '.[kubernetes]'" in dockerfile
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    postgres = next(d for d in pyproject["dependencies"] if d.startswith("dagster-postgres=="))
    assert pyproject["optional-dependencies"]["kubernetes"] == [postgres.replace("postgres", "k8s")]  # one release
    dagster = re.search(r'"dagster==(\S+)"', (PROJECT_ROOT / "pyproject.toml").read_text()).group(1)
    assert f"--version {dagster}" in (RECIPE / "values.yaml").read_text()
    for folder in ("ucj_pipeline", "assets", "resources", "schedules", "dbt_like_sql"):
        assert f"COPY {folder} ./{folder}" in dockerfile, folder
    assert Path(PROJECT_ROOT / "workspace.yaml").name in dockerfile
