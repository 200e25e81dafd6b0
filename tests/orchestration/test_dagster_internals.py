"""Dagster's internals (`dagster._…`) are imported in one door each: `ucj_pipeline/orchestration/dagster_internals.py` for the
code, `tests/dagster_test_internals.py` for the tests. A private import anywhere else fails here, naming the file and
line, so the places a Dagster upgrade can break stay listed in one module, each with why it is needed."""

import ast
from pathlib import Path

from ucj_pipeline.runtime.paths import PROJECT_ROOT

DOORS = {"ucj_pipeline/orchestration/dagster_internals.py", "tests/dagster_test_internals.py"}
SOURCES = ("ucj_pipeline", "assets", "resources", "schedules", "dbt_like_sql", "tests", "benchmarks", "scripts")


def private_dagster_imports(root: Path, folders=SOURCES) -> list[str]:
    """`file:line module` for every import of a private module of a Dagster package (`dagster._core…`,
    `dagster_graphql._…`) outside the doors. Read from the syntax tree: a string naming a module (Dagster's own
    instance configuration, say) is no import."""
    found = []
    for path in sorted(p for folder in folders for p in (root / folder).rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative in DOORS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            private = [m for m in modules if m.split(".")[0].startswith("dagster") and "._" in f".{m}"]
            found += [f"{relative}:{node.lineno} {m}" for m in private[:1]]
    return found


def test_no_private_dagster_import_outside_the_doors():
    assert private_dagster_imports(PROJECT_ROOT) == []


def test_a_planted_private_import_is_found(tmp_path):
    """The check finds what it is for: a private import in a module of any layer, in either form."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "planted.py").write_text(
        "import dagster\nfrom dagster import asset\nfrom dagster._core.storage.tags import PARTITION_NAME_TAG\n"
        "def f():\n    import dagster._utils.error\n    return 'dagster._core.run_coordinator'\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "dagster_test_internals.py").write_text("from dagster._core.test_utils import x\n")
    assert private_dagster_imports(tmp_path, ("assets", "tests")) == [
        "assets/planted.py:3 dagster._core.storage.tags",
        "assets/planted.py:5 dagster._utils.error",
    ]
