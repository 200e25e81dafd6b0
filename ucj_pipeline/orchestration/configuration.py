"""The pipeline's configuration, read from the environment once and checked before anything runs.

A wrong value stops `ucj` with exit code 2 and one line per problem naming the variable and what it must be, and
stops the Dagster code location from loading with the same lines: never a run that fails later with a message
about a file ("a file was rejected" when the key was wrong). Secrets are never echoed.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ucj_pipeline.contract.pseudonymise import KEY_ENV, MIN_KEY_LENGTH
from ucj_pipeline.ingest.landing_store import check_location, shown_location
from ucj_pipeline.publish.report_texts import DEFAULT_LANG, LANGUAGES
from ucj_pipeline.runtime.paths import DEFAULT_QUARANTINE_THRESHOLD

DEFAULT_SETTLE_SECONDS = 30.0
# Dagster's sensor daemon looks at its sensors every 5 s; an interval equal to that loop skips every other look (a
# look due at 5.0 s comes at 4.99 s), so the default is below it: every look of the daemon evaluates the sensors.
DEFAULT_SENSOR_INTERVAL_SECONDS = 3
DEFAULT_LOCK_WAIT_SECONDS = 3600.0
DEFAULT_INGEST_WORKERS = max(1, os.cpu_count() or 1)  # one branch's file per core: memory is a file per worker
DEFAULT_DATA_DOCS_URL = "http://127.0.0.1:3001/"  # `ucj ui` serves the Data Docs one port above the UI
DEFAULT_CODE_BRANCH = "main"


class ConfigurationError(Exception):
    """One or more settings are wrong; `problems` has one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Configuration:
    home: Path
    pseudonym_key: str = field(repr=False)  # empty: the public development key (with a loud warning)
    quarantine_threshold: float
    settle_seconds: float
    sensor_interval_seconds: int
    lock_wait_seconds: float
    ingest_workers: int
    data_docs_url: str  # where the Data Docs site is served (`ucj ui` serves it; a proxy in production)
    landing_url: str = ""  # empty: the folder UCJ_HOME/landing; else a folder or file://, s3://, gs://, az:// URL
    celery_broker: str = ""  # empty: runs execute their steps in their own process (one machine)
    dagster_home: Path = Path("data/dagster_home")  # DAGSTER_HOME, else UCJ_HOME/dagster_home
    code_url: str = ""  # the repository's web address: assets link their code there; empty: no code links
    code_branch: str = DEFAULT_CODE_BRANCH  # the branch (or tag, or commit) the code links point into
    report_lang: str = DEFAULT_LANG  # the target report's language: id (Bahasa Indonesia) or en
    # The environment as read (for the child processes a command starts, e.g. Superset's, and the secrets only
    # they need, e.g. UCJ_BI_ADMIN_PASSWORD): read here once, like every setting, and never shown.
    environment: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float, meaning: str, problems):
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (low <= value <= high):
        problems.append(f"{name}={text!r} is not {meaning}")
        return default
    return value


def _home_problem(text: str) -> str | None:
    if any(c in text for c in "\0\n\r"):
        return "UCJ_HOME holds a control character"
    path = Path(text).expanduser().resolve()
    if path.exists():
        if not path.is_dir():
            return f"UCJ_HOME={text!r} exists and is not a folder"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"UCJ_HOME={text!r} is not writable by this user"
        return None
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"UCJ_HOME={text!r} does not exist and cannot be created here ({parent} is not writable)"
    return None


def _code_url_problem(url: str) -> str | None:
    """Dagster links code into GitHub (`/tree/<branch>/`) or GitLab (`/-/tree/<branch>/`) repositories only."""
    if "@" in url:  # a token in the address would be shown on every asset's page
        return "UCJ_CODE_URL holds credentials: give the repository's web address (its value is not shown)"
    match = re.fullmatch(r"https?://([^/\s\"'<>]+)(/[^\s\"'<>?#]*)?", url)
    if match is None:
        return f"UCJ_CODE_URL={url!r} is not an http:// or https:// address"
    if not any(platform in match[1].lower() for platform in ("github", "gitlab")):
        return (
            f"UCJ_CODE_URL={url!r} is not the web address of a GitHub or GitLab repository "
            "(e.g. https://github.com/org/ucj-pipeline)"
        )
    return None


def _branch_problem(branch: str) -> str | None:
    allowed = re.fullmatch(r"[A-Za-z0-9._][A-Za-z0-9._/-]*", branch)
    if allowed is None or ".." in branch or branch.endswith(("/", ".lock")) or "//" in branch:
        return f"UCJ_CODE_BRANCH={branch!r} is not a git branch, tag or commit name"
    return None


def load_configuration(env: Mapping[str, str] | None = None, check_home: bool = True) -> Configuration:
    """Read and check every `UCJ_*` setting; raise ConfigurationError listing every problem at once."""
    env = os.environ if env is None else env
    problems: list[str] = []
    home = env.get("UCJ_HOME", "").strip() or "./data"
    if check_home and (problem := _home_problem(home)):
        problems.append(problem)
    key = env.get(KEY_ENV, "")
    if key and len(key) < MIN_KEY_LENGTH:
        problems.append(f"{KEY_ENV} is set but shorter than {MIN_KEY_LENGTH} characters (its value is not shown)")
    threshold = _number(
        env,
        "UCJ_QUARANTINE_THRESHOLD",
        DEFAULT_QUARANTINE_THRESHOLD,
        0.0,
        1.0,
        "a share between 0 and 1 (5% is 0.05)",
        problems,
    )
    settle = _number(env, "UCJ_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS, 0, 86400, "seconds from 0 to 86400", problems)
    interval = _number(
        env,
        "UCJ_SENSOR_INTERVAL_SECONDS",
        DEFAULT_SENSOR_INTERVAL_SECONDS,
        1,
        86400,
        "whole seconds from 1 to 86400",
        problems,
    )
    if interval != int(interval):
        problems.append(f"UCJ_SENSOR_INTERVAL_SECONDS={env['UCJ_SENSOR_INTERVAL_SECONDS']!r} is not whole seconds")
    wait = _number(
        env,
        "UCJ_LOCK_WAIT_SECONDS",
        DEFAULT_LOCK_WAIT_SECONDS,
        0,
        7 * 86400,
        "seconds from 0 (refuse at once) to 604800",
        problems,
    )
    workers = _number(
        env, "UCJ_INGEST_WORKERS", DEFAULT_INGEST_WORKERS, 1, 64, "a whole number of processes from 1 to 64", problems
    )
    if workers != int(workers):
        problems.append(f"UCJ_INGEST_WORKERS={env['UCJ_INGEST_WORKERS']!r} is not a whole number")
    docs_url = env.get("UCJ_DATA_DOCS_URL", "").strip() or DEFAULT_DATA_DOCS_URL
    if not re.fullmatch(r"https?://[^\s\"'<>]+", docs_url):
        problems.append(f"UCJ_DATA_DOCS_URL={docs_url!r} is not an http:// or https:// address")
    landing_url = env.get("UCJ_LANDING_URL", "").strip()
    if landing_url and (problem := check_location(landing_url)):
        problems.append(f"UCJ_LANDING_URL={shown_location(landing_url)} {problem}")
    broker = env.get("UCJ_CELERY_BROKER", "").strip()
    if broker and not re.fullmatch(r"rediss?://\S+", broker):
        problems.append("UCJ_CELERY_BROKER is not a redis:// or rediss:// URL (its value is not shown)")
    code_url = env.get("UCJ_CODE_URL", "").strip().rstrip("/").removesuffix(".git")
    if code_url and (problem := _code_url_problem(code_url)):
        problems.append(problem)
    code_branch = env.get("UCJ_CODE_BRANCH", "").strip() or DEFAULT_CODE_BRANCH
    if problem := _branch_problem(code_branch):
        problems.append(problem)
    report_lang = env.get("UCJ_REPORT_LANG", "").strip().lower() or DEFAULT_LANG
    if report_lang not in LANGUAGES:
        problems.append(f"UCJ_REPORT_LANG={env['UCJ_REPORT_LANG']!r} is not a report language: id or en")
    if problems:
        raise ConfigurationError(problems)
    return Configuration(
        home=Path(home).expanduser().resolve(),
        pseudonym_key=key,
        quarantine_threshold=threshold,
        settle_seconds=settle,
        sensor_interval_seconds=int(interval),
        lock_wait_seconds=wait,
        ingest_workers=int(workers),
        data_docs_url=docs_url.rstrip("/") + "/",
        landing_url=landing_url,
        celery_broker=broker,
        dagster_home=Path(env.get("DAGSTER_HOME", "").strip() or Path(home) / "dagster_home").expanduser().resolve(),
        code_url=code_url,
        code_branch=code_branch,
        report_lang=report_lang,
        environment=dict(env),
    )
