"""The layers and the direction of imports (`ucj_pipeline.orchestration.layers`): the tree as it is passes, and each
rule fails on a violation planted in a copy of the tree."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ucj_pipeline.orchestration.layers import LAYERS, PACKAGES, import_cycles, layer_violations, report
from ucj_pipeline.runtime.paths import PROJECT_ROOT


def test_no_layer_imports_a_higher_one_and_only_orchestration_imports_dagster():
    assert layer_violations() == []


def test_no_import_cycles_between_modules():
    assert import_cycles() == []


def test_ucj_pipeline_holds_only_the_layers():
    folders = {p.name for p in (PROJECT_ROOT / "ucj_pipeline").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(LAYERS)
    assert [p.name for p in (PROJECT_ROOT / "ucj_pipeline").glob("*.py")] == ["__init__.py"]


def test_the_command_prints_every_layer_with_its_imports_and_exits_0():
    done = subprocess.run(
        [sys.executable, "-m", "ucj_pipeline.orchestration.layers"], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[1 : 1 + len(LAYERS)]] == list(LAYERS)
    assert "no import cycles" in done.stdout


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or (not n.endswith(".py") and not Path(folder, n).is_dir())]


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the project's Python packages, to plant violations in."""
    for package in PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, tmp_path / package, ignore=_not_python)
    return tmp_path


def plant(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n\ndef planted():\n    {line}\n")


def test_a_lower_layer_importing_a_higher_one_is_found(tree):
    plant(tree / "ucj_pipeline/contract/nik.py", "from ucj_pipeline.publish import warehouse")
    [violation] = layer_violations(tree)
    assert violation.rule == "imports a higher layer"
    assert violation.where.startswith("ucj_pipeline/contract/nik.py:")
    assert "ucj_pipeline.contract.nik (contract) imports ucj_pipeline.publish.warehouse (publish)" in violation.detail
    text, ok = report(tree)
    assert not ok and "VIOLATION" in text


def test_dagster_imported_below_orchestration_is_found(tree):
    plant(tree / "ucj_pipeline/models/sql_checks.py", "import dagster")
    [violation] = layer_violations(tree)
    assert violation.rule == "imports Dagster outside orchestration"
    assert violation.where.startswith("ucj_pipeline/models/sql_checks.py:")


def test_a_module_outside_the_layers_is_found(tree):
    (tree / "ucj_pipeline/helpers.py").write_text("X = 1\n")
    assert [v.rule for v in layer_violations(tree)] == ["module outside the layers"]


def test_an_import_cycle_closed_inside_a_function_is_found(tree):
    # As the definitions once were: a hook importing the module that builds the jobs it is attached to.
    plant(tree / "schedules/refresh_hook.py", "from ucj_pipeline.orchestration.definitions import build_definitions")
    [cycle] = import_cycles(tree)
    assert {"schedules.refresh_hook", "ucj_pipeline.orchestration.definitions"} <= set(cycle)
    text, ok = report(tree)
    assert not ok and "CYCLE" in text
