"""Temporary files: one naming rule, so that a later run can tell a dead run's leftovers from a live run's work.

Every file written "to a temporary name, then renamed" is called `.<name>.<pid>.<tmp|building>` beside its
target, and scratch folders `.scratch.<pid>.<random>`. A process killed between the two steps leaves such a file;
`remove_leftovers` deletes those whose process no longer runs (on this machine), so they neither pile up nor hold
personal data (a transcoded extract) longer than the run that made them.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMPORARY = re.compile(r"\..+\.(?P<pid>[0-9]+)\.(?:tmp|building)", re.ASCII)
SCRATCH = re.compile(r"\.scratch\.(?P<pid>[0-9]+)\..*", re.ASCII)


_scratch_owner: int | None = None  # a helper process's scratch belongs to the run's process that started it


def own_scratch_by(pid: int) -> None:
    """In a helper process: name scratch folders by the run's process `pid`. When that process is killed, its
    helpers' scratch (which holds personal data while a file is judged) is a leftover at once, even if a helper has
    not noticed yet and still runs for a moment."""
    global _scratch_owner
    _scratch_owner = pid


def temporary_path(target: Path, kind: str = "tmp") -> Path:
    """Where to write `target` before renaming it into place."""
    return target.with_name(f".{target.name}.{_scratch_owner or os.getpid()}.{kind}")


@contextmanager
def written_atomically(target: Path, kind: str = "tmp") -> Iterator[Path]:
    """The one way the pipeline writes a file: the block writes the yielded temporary path beside `target`, which
    is renamed over `target` when the block ends without error (readers see the old file or the new one, never
    half of one) and deleted when it fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(target, kind)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def scratch_prefix() -> str:
    """Prefix for a scratch folder (tempfile.TemporaryDirectory(prefix=...)) of this process (of the run's process,
    in a helper)."""
    return f".scratch.{_scratch_owner or os.getpid()}."


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(folders: list[Path]) -> list[Path]:
    """Delete temporary files and scratch folders of processes that died; return what was removed."""
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder):
            for name in list(dirs):
                match = SCRATCH.fullmatch(name)
                if match and not process_alive(int(match["pid"])):
                    shutil.rmtree(Path(root) / name, ignore_errors=True)
                    dirs.remove(name)
                    removed.append(Path(root) / name)
            for name in files:
                match = TEMPORARY.fullmatch(name)
                if match and not process_alive(int(match["pid"])):
                    (Path(root) / name).unlink(missing_ok=True)
                    removed.append(Path(root) / name)
    return removed
