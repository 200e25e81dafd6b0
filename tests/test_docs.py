"""The docs name only what exists: every repository path, module, `ucj` subcommand and option, `make` target and
relative link in README.md, docs/*.md and benchmarks/README.md. Fast, no servers; nothing of the project is imported
(modules are found with find_spec, the CLI's parser is read from `--help`).

What counts, in code (inline `code` spans and fenced blocks):
- a repository path: a token whose first component is a top-level folder of the repository (`TOP_FOLDERS`), or a
  top-level file (`TOP_FILES`). It must exist; `*` and `<placeholder>` match as globs, `file.py::test` is the file.
  Paths under UCJ_HOME (`data/…`, `$UCJ_HOME/…`, `archive/…`, `lake/…`) are runtime and not checked;
- a bare file name (no folder) ending in one of `BARE_FILE_SUFFIXES`: some file of the repository has that name
  (a module renamed or moved away is reported);
- a dotted name starting with a project package (`PACKAGES`), and `python -m NAME`: a module (find_spec), or a
  module and one name its source defines at top level (`lake.SCHEMAS`);
- `ucj SUBCOMMAND [--option …]`: a subcommand of the CLI and options of that subcommand;
- `make TARGET [VAR=…]`: a target of the Makefile and variables it defines.
In the prose: every relative link `[text](path#anchor)` resolves to a file (and, for a .md file, a heading), and every
`UCJ_*` variable is one the code, the deployment files or the scripts name.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
TOP_FOLDERS = (
    "ucj_pipeline", "assets", "resources", "schedules", "dbt_like_sql", "tests", "docs", "benchmarks", "deploy",
    "scripts", ".ci",
)  # fmt: skip
TOP_FILES = ("Makefile", "pyproject.toml", "workspace.yaml", "constraints.txt", "README.md")
PACKAGES = ("ucj_pipeline", "assets", "resources", "schedules", "dbt_like_sql", "tests")
BARE_FILE_SUFFIXES = (".py", ".sql", ".sh", ".yaml", ".yml", ".toml", ".md")
SOURCE_SUFFIXES = (".py", ".yaml", ".yml", ".sh", ".sql", ".toml")
README_MAX_LINES = 160

FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
INLINE = re.compile(r"(`+)(.+?)\1", re.S)
TOKEN_SPLIT = re.compile(r"""[\s"'(),;=\[\]|`]+""")
DOTTED = re.compile(rf"(?<![\w/.$-])((?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+)")
PYTHON_M = re.compile(r"\bpython[\d.]*\s+-m\s+([A-Za-z_][\w.]*)")
# A command where a shell would run it: at the start of a line (after `VAR=value` assignments), after a folder
# (`.venv/bin/ucj`), or after `&&`, `;`, `|` or `$(`; not `helm upgrade --install ucj …` (a release name).
COMMAND_POSITION = r"(?:^[ \t]*(?:[A-Za-z_]\w*=\S*[ \t]+)*|(?<=/)|(?:&&|;|\||\$\()[ \t]*)"
UCJ = re.compile(COMMAND_POSITION + r"ucj[ \t]+([A-Za-z][\w-]*)([^\n]*)", re.M)
MAKE = re.compile(COMMAND_POSITION + r"make[ \t]+([A-Za-z][\w-]*)([^\n]*)", re.M)
OPTION = re.compile(r"(?<![\w-])(--[A-Za-z][\w-]*)")
LINK = re.compile(r"(?<!\\)\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
ENV_VAR = re.compile(r"\bUCJ_[A-Z0-9_]*[A-Z0-9]")


def code_pieces(text: str) -> tuple[list[str], list[str], str]:
    """The code of a Markdown text (its fenced blocks, its inline spans) and the prose without it."""
    blocks = [m.group(2) for m in FENCE.finditer(text)]
    prose = FENCE.sub("\n", text)
    spans = [m.group(2) for m in INLINE.finditer(prose)]
    return blocks, spans, INLINE.sub(" ", prose)


def _path_problem(token: str) -> str | None:
    token = token.split("::")[0].rstrip(".:,")
    token = token.removeprefix("./")
    first = token.split("/")[0]
    if not ((first in TOP_FOLDERS and "/" in token) or token in TOP_FILES):
        return None
    pattern = re.sub(r"<[^<>/]*>", "*", token).rstrip("/") or token
    found = list(ROOT.glob(pattern)) if "*" in pattern else [ROOT / pattern] if (ROOT / pattern).exists() else []
    return None if found else f"path `{token}` does not exist"


@functools.cache
def repository_file_names() -> frozenset[str]:
    names = {p.name for p in ROOT.iterdir() if p.is_file()}
    for folder in TOP_FOLDERS:
        names |= {p.name for p in (ROOT / folder).rglob("*") if p.is_file()}
    return frozenset(names)


def _bare_file_problem(token: str) -> str | None:
    token = token.split("::")[0].rstrip(".:,")
    if "/" in token or "$" in token or "<" in token or "*" in token or not token.endswith(BARE_FILE_SUFFIXES):
        return None
    if not re.fullmatch(r"[\w.-]+", token) or token.startswith("."):
        return None
    return None if token in repository_file_names() else f"file `{token}` is nowhere in the repository"


def _spec(dotted: str):
    """find_spec without importing anything: the top level through every finder, each further part by the path
    finder in its parent package's folders (importlib.util.find_spec would import the parent packages)."""
    parts = dotted.split(".")
    spec = importlib.util.find_spec(parts[0])
    for end in range(2, len(parts) + 1):
        if spec is None or spec.submodule_search_locations is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:end]), list(spec.submodule_search_locations))
    return spec


def _top_level_names(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _module_problem(dotted: str) -> str | None:
    dotted = dotted.rstrip(".")
    if _spec(dotted) is not None:
        return None
    module, _, name = dotted.rpartition(".")
    spec = _spec(module) if module else None
    if spec is not None and spec.origin and spec.origin.endswith(".py") and name in _top_level_names(Path(spec.origin)):
        return None
    return f"`{dotted}` is neither a module nor a name defined by a module"


def _help(*args: str) -> str:
    command = [sys.executable, "-m", "ucj_pipeline.orchestration.cli", *args, "--help"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


@functools.cache
def cli_commands() -> dict[str, frozenset[str]]:
    """Each subcommand of `ucj` and its options, read from the parser's `--help` (main() builds it inline)."""
    choices = re.search(r"^usage: ucj .*?\{([\w,-]+)\}", _help(), re.M | re.S)
    assert choices, "no subcommands in `ucj --help`"
    return {name: frozenset(OPTION.findall(_help(name))) for name in choices.group(1).split(",")}


@functools.cache
def makefile() -> tuple[frozenset[str], frozenset[str]]:
    """The Makefile's targets and its variables."""
    text = (ROOT / "Makefile").read_text()
    targets = set()
    for line in text.splitlines():
        rule = re.match(r"^([A-Za-z0-9_. -]+?)\s*:(?![=:])", line)
        if rule and not line.startswith("\t"):
            targets |= set(rule.group(1).split()) - {".PHONY"}
    variables = set(re.findall(r"^(?:export\s+)?([A-Za-z_]\w*)\s*[?:+]?=", text, re.M))
    return frozenset(targets), frozenset(variables)


def _command_line(rest: str) -> str:
    """What belongs to one command: up to a comment, a pipe, `;`, `&&` or a closing parenthesis."""
    return re.split(r"\s#|(?<!\\)\||;|&&|\)", rest.replace("\\|", "/"), maxsplit=1)[0]


def _ucj_problems(code: str) -> list[str]:
    problems = []
    commands = cli_commands()
    for match in UCJ.finditer(code):
        name, rest = match.groups()
        if name not in commands:
            problems.append(f"`ucj {name}` is not a subcommand of ucj ({', '.join(sorted(commands))})")
            continue
        for option in OPTION.findall(_command_line(rest).split(" ucj ")[0]):
            if option not in commands[name]:
                problems.append(f"`ucj {name} {option}`: ucj {name} has no option {option}")
    return problems


def _make_problems(code: str) -> list[str]:
    targets, variables = makefile()
    problems = []
    for match in MAKE.finditer(code):
        target, rest = match.groups()
        if target not in targets:
            problems.append(f"`make {target}` is not a target of the Makefile")
        for variable in re.findall(r"(?<![\w-])([A-Z_][A-Z0-9_]*)=", _command_line(rest)):
            if variable not in variables:
                problems.append(f"`make {target} {variable}=…`: the Makefile has no variable {variable}")
    return problems


def github_anchor(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    text = FENCE.sub("\n", path.read_text())
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", text, re.M):
        slug = github_anchor(heading)
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _link_problems(prose: str, doc: Path) -> list[str]:
    problems = []
    for target in LINK.findall(prose):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.exists():
            problems.append(f"link `{target}` does not resolve to a file")
        elif not path.is_relative_to(ROOT):
            problems.append(f"link `{target}` leaves the repository")
        elif anchor and path.suffix == ".md" and anchor not in anchors_of(path):
            problems.append(f"link `{target}`: {path.relative_to(ROOT)} has no heading #{anchor}")
    return problems


@functools.cache
def named_in_sources() -> str:
    """The text of every file of the project that a variable could be read or set in."""
    files = [ROOT / "Makefile", *(ROOT / "deploy").rglob("*")]
    for folder in TOP_FOLDERS:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in SOURCE_SUFFIXES]
    this = Path(__file__).resolve()  # its planted names must not count
    return "\n".join(p.read_text(errors="replace") for p in files if p.is_file() and p.suffix != ".md" and p != this)


def problems_in(text: str, doc: Path) -> list[str]:
    """Everything a Markdown text names that does not exist; `doc` is where it lives (for relative links)."""
    problems: list[str] = []
    blocks, spans, prose = code_pieces(text)
    for piece in blocks + spans:
        for token in TOKEN_SPLIT.split(piece):
            # a bare file name only in an inline span: in a block, `con.sql(…)` is code, not a file
            problem = _path_problem(token) or (_bare_file_problem(token) if piece in spans else None)
            if problem:
                problems.append(problem)
        for dotted in DOTTED.findall(piece) + PYTHON_M.findall(piece):
            if problem := _module_problem(dotted):
                problems.append(problem)
        problems += _ucj_problems(piece) + _make_problems(piece)
    problems += _link_problems(prose, doc)
    for variable in sorted(set(ENV_VAR.findall(text))):
        if variable not in named_in_sources():
            problems.append(f"variable {variable} is named by no code, deployment file or script")
    return list(dict.fromkeys(problems))


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_everything_a_doc_names_exists(doc):
    assert doc.is_file(), f"{doc.relative_to(ROOT)} is missing"
    problems = problems_in(doc.read_text(), doc)
    assert not problems, f"{doc.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_the_checker_reports_planted_mistakes():
    planted = """
See `ucj_pipeline/nowhere.py`, `dbt_like_sql/marts/nowhere_*.sql` and `column_contract.py`.
Run `ucj frobnicate`, `ucj run --frobnicate`, `make nothing`, `make bench NOT_A_VARIABLE=1`.

```bash
python -m ucj_pipeline.nowhere
.venv/bin/ucj status --nowhere
```

`ucj_pipeline.ingest.lake.NO_SUCH_NAME` is read by `schedules.no_such_module`. [gone](nowhere.md),
[no heading](ui.md#no-such-heading). UCJ_NO_SUCH_VARIABLE sets nothing.

```bash
UCJ_HOME=/tmp/x ucj frobnicate2 && make nothing2
```
"""
    problems = "\n".join(problems_in(planted, ROOT / "docs" / "planted.md"))
    for expected in (
        "`ucj_pipeline/nowhere.py` does not exist",
        "`dbt_like_sql/marts/nowhere_*.sql` does not exist",
        "file `column_contract.py` is nowhere",
        "`ucj frobnicate` is not a subcommand",
        "ucj run has no option --frobnicate",
        "ucj status has no option --nowhere",
        "`make nothing` is not a target",
        "no variable NOT_A_VARIABLE",
        "`ucj_pipeline.nowhere` is neither a module",
        "`ucj_pipeline.ingest.lake.NO_SUCH_NAME` is neither a module",
        "`schedules.no_such_module` is neither a module",
        "link `nowhere.md` does not resolve",
        "has no heading #no-such-heading",
        "variable UCJ_NO_SUCH_VARIABLE",
        "`ucj frobnicate2` is not a subcommand",
        "`make nothing2` is not a target",
    ):
        assert expected in problems, f"not reported: {expected}\n{problems}"
    # and what exists passes
    fine = (
        "`ucj_pipeline/ingest/lake.py`, `ucj run --as-of D`, `make bench BENCH_ARGS=x`, "
        "`ucj_pipeline.ingest.lake.SCHEMAS`, `helm upgrade --install ucj dagster/dagster`, `tests/contract/test_nik.py::x`"
    )
    assert problems_in(fine, ROOT / "README.md") == []


def test_the_readme_is_a_front_door():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


def test_the_readme_names_every_command_and_option_and_the_test_command_of_the_makefile():
    readme = (ROOT / "README.md").read_text()
    for name, options in cli_commands().items():
        assert f"ucj {name}" in readme, f"`ucj {name}` is missing from README.md"
        for option in options - {"--help"}:
            assert re.search(rf"ucj {name} [^\n]*{re.escape(option)}\b", readme), f"`ucj {name} {option}` missing"
    recipe = re.search(r"^test:.*\n\t\$\(BIN\)/(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "the Makefile's test target has no pytest line"
    assert recipe.group(1).strip() in readme, f"README.md does not say what `make test` runs: {recipe.group(1)}"


def test_every_variable_the_configuration_reads_is_in_docs_configuration():
    page = (ROOT / "docs" / "configuration.md").read_text()
    read = set()
    for source in ("ucj_pipeline/orchestration/configuration.py", "ucj_pipeline/contract/pseudonymise.py"):
        tree = ast.parse((ROOT / source).read_text())
        read |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"UCJ_[A-Z_]+|DAGSTER_HOME", node.value)
        }
    for deployment in ("deploy/dagster.yaml", "deploy/celery/worker.yaml"):
        read |= set(re.findall(r"env:\s*(UCJ_[A-Z_]+)", (ROOT / deployment).read_text()))
    assert {"UCJ_HOME", "UCJ_PSEUDONYM_KEY", "DAGSTER_HOME", "UCJ_PG_DB"} <= read
    missing = sorted(v for v in read if f"`{v}`" not in page)
    assert not missing, f"docs/configuration.md does not list {missing}"
