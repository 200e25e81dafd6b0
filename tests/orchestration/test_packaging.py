"""A non-editable install carries everything the code location reads at run time: the SQL project, the instance
configuration, the workspace and the reference data. And the repository holds no large file but reference data."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from ucj_pipeline.runtime.paths import PROJECT_ROOT

MAX_FILE_BYTES = 1_000_000


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def test_the_wheel_holds_what_the_code_location_reads(tmp_path):
    source = tmp_path / "source"
    for name in tracked_files():  # a copy of the tree as committed: the build writes build/ and *.egg-info
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, source / name, follow_symlinks=False)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), "."],
        cwd=source, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("ucj_pipeline-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        read = archive.read
        needed = [
            n
            for n in tracked_files()
            if n.startswith("dbt_like_sql/") or n.startswith("ucj_pipeline/contract/reference/")
        ]
        assert needed and not [n for n in needed if n not in names]
        # The links are packaged as copies of the files they point to: one instance configuration, one workspace.
        assert (
            read("ucj_pipeline/orchestration/instance.yaml") == (PROJECT_ROOT / "deploy" / "dagster.yaml").read_bytes()
        )
        assert read("ucj_pipeline/orchestration/workspace.yaml") == (PROJECT_ROOT / "workspace.yaml").read_bytes()
        assert "ucj_pipeline/publish/data_docs_static/jquery.min.js" in names
        assert (
            "ucj_pipeline/publish/data_docs_static/fontawesome/webfonts/fa-solid-900.woff2" in names
        )  # the Data Docs' marks
        assert not [n for n in names if n.startswith("tests/") or n.endswith(".duckdb")]


def test_the_package_reads_the_repository_files_through_links():
    for link, target in (("instance.yaml", "deploy/dagster.yaml"), ("workspace.yaml", "workspace.yaml")):
        path = PROJECT_ROOT / "ucj_pipeline" / "orchestration" / link
        assert path.is_symlink() and path.resolve() == (PROJECT_ROOT / target).resolve(), link


def test_no_file_in_the_repository_is_over_1_mb_but_reference_data():
    large = [n for n in tracked_files() if (PROJECT_ROOT / n).stat().st_size > MAX_FILE_BYTES]
    assert all(Path(n).parent == Path("ucj_pipeline/contract/reference") for n in large), large
