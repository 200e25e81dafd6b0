"""The layers of the code and the direction of its imports, checked: `python -m ucj_pipeline.orchestration.layers`.

A row travels up the layers (docs/architecture.md), and imports only ever point down:

    runtime        paths, the home's lock, atomic writes and scratch files, helper processes
    contract       what branches deliver: file names, columns, NIK, row rules, reference data, the feeds
    ingest         landing area, archive, reading, judging, the lake, branch health, pre-flight
    models         the SQL models of dbt_like_sql/, incremental models, SQL checks, lineage, manifest
    publish        the published ucj.duckdb, its quality suites and Data Docs, the report, `ucj explain`
    orchestration  Dagster: ucj_pipeline/orchestration/ (definitions, CLI, runs) with assets/, resources/ and
                   schedules/ (the product card's top-level packages): the only code that imports `dagster`

The rules: no module imports a module of a higher layer; only the orchestration layer imports Dagster (and only
`ucj_pipeline/orchestration/dagster_internals.py` its private modules: `tests/orchestration/test_dagster_internals.py`); no two
modules import each other, directly or round a loop, even from inside a function. Imports are read from the
source (every `import` statement, wherever it stands), not by importing anything.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ucj_pipeline.runtime.paths import PROJECT_ROOT

LAYERS = ("runtime", "contract", "ingest", "models", "publish", "orchestration")
# Top-level packages of the product card that belong to the orchestration layer (they wire the domain into Dagster).
WIRING_PACKAGES = ("assets", "resources", "schedules")
PACKAGES = ("ucj_pipeline", *WIRING_PACKAGES)
DAGSTER_PACKAGES = ("dagster", "dagster_celery", "dagster_postgres", "dagster_webserver", "dagster_k8s", "dagster_dg")


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a module of the project, or the top-level name of another distribution
    line: int


@dataclass(frozen=True)
class Violation:
    rule: str
    where: str  # path:line
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.detail}"


def project_modules(root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Every module of the project's packages, by dotted name (a package by its `__init__.py`)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, _resolve(alias.name, modules), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importer's package
                package = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield Import(name, submodule if submodule in modules else _resolve(base, modules), node.lineno)


def _resolve(dotted: str, modules: dict[str, Path]) -> str:
    """The project module an import names (its longest known prefix), or the top-level name outside the project."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return parts[0]


def all_imports(root: Path = PROJECT_ROOT) -> list[Import]:
    modules = project_modules(root)
    return [found for name, path in modules.items() for found in _imports_of(name, path, modules)]


def layer_of(module: str) -> str | None:
    """The layer of a project module; None for the package roots (`ucj_pipeline` itself, a docstring)."""
    parts = module.split(".")
    if parts[0] in WIRING_PACKAGES:
        return "orchestration"
    if parts[0] == "ucj_pipeline" and len(parts) > 1:
        if parts[1] not in LAYERS:
            raise ValueError(f"{module} is in no layer: ucj_pipeline/ holds only the layers {', '.join(LAYERS)}")
        return parts[1]
    return None


def layer_violations(root: Path = PROJECT_ROOT) -> list[Violation]:
    modules = project_modules(root)
    found = []
    for name in modules:
        if name.startswith("ucj_pipeline.") and name.split(".")[1] not in LAYERS:
            found.append(Violation("module outside the layers", str(modules[name].relative_to(root)), name))
    for imp in all_imports(root):
        where = f"{modules[imp.importer].relative_to(root)}:{imp.line}"
        source = _layer_or_none(imp.importer)
        if imp.imported in modules:
            target = _layer_or_none(imp.imported)
            if source and target and LAYERS.index(target) > LAYERS.index(source):
                found.append(
                    Violation(
                        "imports a higher layer", where, f"{imp.importer} ({source}) imports {imp.imported} ({target})"
                    )  # fmt: skip
                )
        elif imp.imported in DAGSTER_PACKAGES and source != "orchestration":
            found.append(Violation("imports Dagster outside orchestration", where, f"{imp.importer} ({source})"))
    return found


def _layer_or_none(module: str) -> str | None:
    try:
        return layer_of(module)
    except ValueError:
        return None


def import_cycles(root: Path = PROJECT_ROOT) -> list[list[str]]:
    """Every loop of imports between project modules (Tarjan's strongly connected components of two or more
    modules, or a module importing itself), each as a sorted list of module names."""
    modules = project_modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for imp in all_imports(root):
        if imp.imported in modules and not _is_parent(imp.imported, imp.importer):
            graph[imp.importer].add(imp.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:  # recursion depth is bounded by the number of modules (about 70)
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _is_parent(package: str, module: str) -> bool:
    """A package's `__init__` re-exporting its own submodules is not a loop (`resources` → `resources.x`)."""
    return module.startswith(package + ".")


def layer_import_counts(imports: Iterable[Import]) -> Counter[tuple[str, str]]:
    """How many import statements go from each layer to each layer (within the project)."""
    counts: Counter[tuple[str, str]] = Counter()
    for imp in imports:
        source, target = _layer_or_none(imp.importer), _layer_or_none(imp.imported)
        if source and target:
            counts[source, target] += 1
    return counts


def report(root: Path = PROJECT_ROOT) -> tuple[str, bool]:
    modules = project_modules(root)
    imports = all_imports(root)
    counts = layer_import_counts(imports)
    dagster_importers = {i.importer for i in imports if i.imported in DAGSTER_PACKAGES}
    rows = []
    for layer in LAYERS:
        members = [m for m in modules if _layer_or_none(m) == layer]
        lower = ", ".join(f"{t} {counts[layer, t]}" for t in LAYERS[: LAYERS.index(layer) + 1] if counts[layer, t])
        rows.append((layer, str(len(members)), str(sum(1 for m in members if m in dagster_importers)), lower or "-"))
    lines = [f"{'layer':<15} {'modules':>7}  {'import dagster':>14}  imports of its own and each lower layer"]
    lines += [f"{layer:<15} {count:>7}  {dagster:>14}  {lower}" for layer, count, dagster, lower in rows]
    violations, cycles = layer_violations(root), import_cycles(root)
    lines.append("")
    lines += [f"VIOLATION {v}" for v in violations] or [
        "no layer imports a higher one; only orchestration imports Dagster"
    ]
    lines += [f"CYCLE {' <-> '.join(c)}" for c in cycles] or ["no import cycles"]
    return "\n".join(lines), not violations and not cycles


def main(argv: list[str] | None = None) -> int:
    text, ok = report(Path(argv[0]) if argv else PROJECT_ROOT)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
