"""Apache Superset on the published `ucj.duckdb`, provisioned from the repository (issue 29).

Plain Python (no Dagster), run from the pipeline's own virtualenv; Superset itself lives in `.venv-bi`, a
virtualenv of its own (its pins conflict with the pipeline's), and is only ever driven as a subprocess or over HTTP.

- `install_bi_venv`: `.venv-bi` with the pinned working set of `bi/constraints-superset.txt`; idempotent (a marker
  keyed on the constraints file's hash).
- `setup_metadata`: `superset db upgrade`, `superset init`, the admin user from `UCJ_BI_ADMIN_PASSWORD`.
- `start_superset`: `superset run -h 127.0.0.1 -p PORT --with-threads` with `bi/superset_config.py`; waits for
  `/health`.
- `build_bundle` / `SupersetClient.import_assets`: the dashboards kept as code in `bi/dashboards/`, zipped with
  the real read-only URI of `$UCJ_HOME/warehouse/ucj.duckdb`, imported through `POST /api/v1/assets/import/`
  (which overwrites databases, datasets and charts too; `superset import-dashboards` keeps existing ones).
- `SupersetClient`: login, charts, chart data.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ucj_pipeline.runtime.helper_processes import spawn_with_default_signals
from ucj_pipeline.runtime.paths import PROJECT_ROOT as REPO_ROOT

SUPERSET_VERSION = "6.1.0"
# What is asked for by name; the constraints file pins these and everything beneath them.
BI_REQUIREMENTS: tuple[str, ...] = (
    f"apache-superset=={SUPERSET_VERSION}",
    "rich",
    "cachetools",
    "flask-caching",
    "duckdb",
    "duckdb-engine",
)
ADMIN_PASSWORD_VARIABLE = "UCJ_BI_ADMIN_PASSWORD"
DEFAULT_ADMIN = "admin"
LOOPBACK = "127.0.0.1"


class SupersetError(RuntimeError):
    """Superset could not be installed, set up, started or asked."""


class AdminPasswordMissing(SupersetError):
    """UCJ_BI_ADMIN_PASSWORD is unset or empty: there is no default password."""


@dataclass(frozen=True)
class BiPaths:
    """Where the BI pieces are: the repository's `bi/`, the BI virtualenv, and UCJ_HOME's `bi/` and warehouse."""

    ucj_home: Path
    repo: Path = REPO_ROOT
    venv: Path | None = None

    @property
    def bi_venv(self) -> Path:
        return self.venv or self.repo / ".venv-bi"

    @property
    def bi_source(self) -> Path:
        return self.repo / "bi"

    @property
    def constraints(self) -> Path:
        return self.bi_source / "constraints-superset.txt"

    @property
    def config(self) -> Path:
        return self.bi_source / "superset_config.py"

    @property
    def dashboards(self) -> Path:
        return self.bi_source / "dashboards"

    @property
    def bi_home(self) -> Path:
        return self.ucj_home / "bi"

    @property
    def warehouse(self) -> Path:
        return self.ucj_home / "warehouse" / "ucj.duckdb"

    @property
    def superset(self) -> Path:
        return self.bi_venv / "bin" / "superset"

    @property
    def python(self) -> Path:
        return self.bi_venv / "bin" / "python"


def warehouse_uri(path: Path) -> str:
    """The read-only duckdb-engine URI of a published file (absolute path: four slashes)."""
    return f"duckdb:///{path.resolve()}?access_mode=read_only"


def admin_password(env: Mapping[str, str]) -> str:
    password = env.get(ADMIN_PASSWORD_VARIABLE, "")
    if not password.strip():
        raise AdminPasswordMissing(
            f"{ADMIN_PASSWORD_VARIABLE} is unset or empty: set the Superset admin's password in it "
            "(there is no default password)"
        )
    return password


# --- (a) the virtualenv -------------------------------------------------------------------------------------------


def constraints_hash(paths: BiPaths) -> str:
    return hashlib.sha256(paths.constraints.read_bytes()).hexdigest()[:16]


def install_marker(paths: BiPaths) -> Path:
    return paths.bi_venv / f".installed-{constraints_hash(paths)}"


def install_bi_venv(paths: BiPaths, python: str | None = None, quiet: bool = True) -> bool:
    """Create `.venv-bi` with Superset's pinned working set; False when it is already installed from these pins.

    A venv installed from other pins is removed first, so the set is exactly the constraints file's.
    """
    marker = install_marker(paths)
    if marker.exists():
        return False
    if paths.bi_venv.exists():
        shutil.rmtree(paths.bi_venv)
    _run([python or _default_python(), "-m", "venv", str(paths.bi_venv)], what="create the BI virtualenv")
    pip = [str(paths.bi_venv / "bin" / "pip"), "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("--quiet")
    _run([*pip, "-c", str(paths.constraints), *BI_REQUIREMENTS], what="install Superset")
    marker.write_text(f"{paths.constraints}\n", encoding="utf-8")
    return True


def _default_python() -> str:
    """Python 3.10 to 3.12 (what Superset 6.1 supports): this interpreter if it is one, else python3.11 on PATH."""
    if (3, 10) <= sys.version_info[:2] <= (3, 12):
        return sys.executable
    for name in ("python3.12", "python3.11", "python3.10"):
        if found := shutil.which(name):
            return found
    raise SupersetError("Superset 6.1 needs Python 3.10, 3.11 or 3.12; none found")


# --- (b) metadata database and admin ------------------------------------------------------------------------------


def superset_env(paths: BiPaths, base: Mapping[str, str]) -> dict[str, str]:
    """The environment of every Superset command (`base`, the process's as the configuration read it, plus its
    config, UCJ_HOME and its data under UCJ_HOME/bi)."""
    env = dict(base)
    env.update(
        SUPERSET_CONFIG_PATH=str(paths.config),
        UCJ_HOME=str(paths.ucj_home),
        UCJ_BI_HOME=str(paths.bi_home),
        SUPERSET_HOME=str(paths.bi_home),
        FLASK_APP="superset",
        PYTHONUNBUFFERED="1",
    )
    env.pop("FLASK_DEBUG", None)
    return env


# Creates the admin, or resets its password to the one given: run inside .venv-bi, reads the password from the
# environment (never from the command line, where `ps` would show it).
_ADMIN_SCRIPT = """
import os, sys
from superset.app import create_app
app = create_app()
with app.app_context():
    from superset import db, security_manager as sm
    from werkzeug.security import generate_password_hash
    name, password = sys.argv[1], os.environ["UCJ_BI_ADMIN_PASSWORD"]
    role = sm.find_role(sm.auth_role_admin)
    if role is None:
        sys.exit("the Admin role is missing: run `superset init` first")
    user = sm.find_user(username=name)
    if user is None:
        if not sm.add_user(name, "UCJ", "Admin", f"{name}@localhost", role, password=password):
            sys.exit(f"could not create the user {name}")
        print(f"created admin {name}")
    else:
        user.password = generate_password_hash(password)
        user.active = True
        if role not in user.roles:
            user.roles.append(role)
        db.session.commit()
        print(f"admin {name} exists: password reset")
"""


def setup_metadata(paths: BiPaths, env: Mapping[str, str], admin: str = DEFAULT_ADMIN) -> None:
    """Metadata database (SQLite under UCJ_HOME/bi), roles and permissions, and the admin. Safe to repeat."""
    password = admin_password(env)
    paths.bi_home.mkdir(parents=True, exist_ok=True)
    run_env = superset_env(paths, env)
    run_env[ADMIN_PASSWORD_VARIABLE] = password
    _run([str(paths.superset), "db", "upgrade"], env=run_env, what="superset db upgrade")
    _run([str(paths.superset), "init"], env=run_env, what="superset init")
    _run([str(paths.python), "-c", _ADMIN_SCRIPT, admin], env=run_env, what="create the Superset admin")


# --- (c) the server -----------------------------------------------------------------------------------------------


@dataclass
class SupersetServer:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self, timeout: float = 20) -> None:
        """End the server and what it started (its own process group)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)
        except ProcessLookupError:
            pass

    def __enter__(self) -> SupersetServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_superset(paths: BiPaths, port: int, env: Mapping[str, str], timeout: float = 180) -> SupersetServer:
    """`superset run` on 127.0.0.1 only; returns once `/health` answers OK. Refuses without an admin password."""
    admin_password(env)
    if not paths.warehouse.exists():
        raise SupersetError(f"{paths.warehouse} does not exist: run `ucj run` first")
    paths.bi_home.mkdir(parents=True, exist_ok=True)
    log = paths.bi_home / "superset-run.log"
    run_env = superset_env(paths, env)
    run_env.pop(ADMIN_PASSWORD_VARIABLE, None)  # the server does not need it
    with log.open("ab") as out:
        process = spawn_with_default_signals(
            [str(paths.superset), "run", "-h", LOOPBACK, "-p", str(port), "--with-threads"],
            env=run_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = SupersetServer(process=process, url=f"http://{LOOPBACK}:{port}", log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SupersetError(f"superset run exited with {process.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=5) as response:
                if response.status == 200 and response.read().strip() == b"OK":
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    server.stop()
    raise SupersetError(f"Superset did not answer /health within {timeout:.0f} s: see {log}")


# --- (d) dashboards as code ---------------------------------------------------------------------------------------


def build_bundle(paths: BiPaths, destination: Path, bundle_type: str = "assets") -> Path:
    """Zip `bi/dashboards/` as Superset's import bundle, every database pointing at this UCJ_HOME's file read-only.

    `bundle_type` "assets" is for `POST /api/v1/assets/import/` (overwrites everything); "Dashboard" for
    `superset import-dashboards` and `POST /api/v1/dashboard/import/` (keep existing databases, datasets, charts).
    """
    source = paths.dashboards
    if not (source / "metadata.yaml").exists():
        raise SupersetError(f"{source} has no metadata.yaml")
    uri = warehouse_uri(paths.warehouse)
    root = "ucj_dashboards"
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as bundle:
        for file in sorted(source.rglob("*.yaml")):
            relative = file.relative_to(source).as_posix()
            document = yaml.safe_load(file.read_text(encoding="utf-8"))
            if relative == "metadata.yaml":
                document["type"] = bundle_type
            elif relative.startswith("databases/"):
                document["sqlalchemy_uri"] = uri
            bundle.writestr(f"{root}/{relative}", yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return destination


# --- (e) the REST client ------------------------------------------------------------------------------------------


class SupersetClient:
    """A small client of Superset's REST API: a bearer token for the API, a session cookie and CSRF token for
    the endpoints that check it (imports)."""

    def __init__(self, url: str, username: str, password: str, timeout: float = 120) -> None:
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout
        self._token: str | None = None
        self._csrf: str | None = None
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def login(self) -> str:
        body = {"username": self.username, "password": self.password, "provider": "db", "refresh": True}
        answer = self._request("POST", "/api/v1/security/login", body, auth=False)
        self._token = str(answer["access_token"])
        return self._token

    def csrf_token(self) -> str:
        if self._csrf is None:
            self._csrf = str(self.get("/api/v1/security/csrf_token/")["result"])
        return self._csrf

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        if params:
            path = f"{path}?{urllib.parse.urlencode(params)}"
        return self._request("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self._request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._request("PUT", path, body)

    def charts(self) -> list[dict[str, Any]]:
        """Every chart: id, slice_name, viz_type, datasource name."""
        query = "(columns:!(id,slice_name,viz_type,datasource_name_text),page_size:100)"
        return sorted(self.get("/api/v1/chart/", {"q": query})["result"], key=lambda chart: int(chart["id"]))

    def chart_id(self, slice_name: str) -> int:
        ids = [chart["id"] for chart in self.charts() if chart["slice_name"] == slice_name]
        if len(ids) != 1:
            raise SupersetError(f"{len(ids)} charts named {slice_name!r}")
        return int(ids[0])

    def chart_data(self, chart_id: int, force: bool = True) -> list[dict[str, Any]]:
        """The rows of a chart, from its saved query context (what the dashboard shows); `force` skips any cache."""
        params = {"format": "json", "type": "full"}
        if force:
            params["force"] = "true"
        answer = self.get(f"/api/v1/chart/{chart_id}/data/", params)
        rows: list[dict[str, Any]] = []
        for result in answer["result"]:
            if result.get("error"):
                raise SupersetError(f"chart {chart_id}: {result['error']}")
            rows.extend(result.get("data") or [])
        return rows

    def dashboards(self) -> list[dict[str, Any]]:
        query = "(columns:!(id,dashboard_title,slug),page_size:100)"
        return list(self.get("/api/v1/dashboard/", {"q": query})["result"])

    def databases(self) -> list[dict[str, Any]]:
        query = "(columns:!(id,uuid,database_name,backend),page_size:100)"
        return list(self.get("/api/v1/database/", {"q": query})["result"])

    def database_uri(self, database_id: int) -> str:
        """The saved SQLAlchemy URI (password masked), to check that access_mode=read_only survived the import."""
        return str(self.get(f"/api/v1/database/{database_id}/connection")["result"]["sqlalchemy_uri"])

    def import_assets(self, bundle: Path) -> Any:
        """`POST /api/v1/assets/import/`: databases, datasets, charts and dashboards, overwriting what exists."""
        return self._multipart("/api/v1/assets/import/", {"bundle": bundle})

    def import_dashboard(self, bundle: Path, overwrite: bool = True) -> Any:
        """`POST /api/v1/dashboard/import/` (a "Dashboard" bundle): only the dashboard itself is overwritten."""
        return self._multipart(
            "/api/v1/dashboard/import/", {"formData": bundle}, {"overwrite": "true" if overwrite else "false"}
        )

    def _headers(self, auth: bool = True) -> dict[str, str]:
        headers = {"Accept": "application/json", "Referer": self.url}
        if auth:
            if self._token is None:
                self.login()
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        headers = self._headers(auth)
        if auth and method != "GET":
            headers["X-CSRFToken"] = self.csrf_token()
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return self._send(urllib.request.Request(self.url + path, data=data, headers=headers, method=method))

    def _multipart(self, path: str, files: Mapping[str, Path], fields: Mapping[str, str] | None = None) -> Any:
        boundary = uuid.uuid4().hex
        payload = io.BytesIO()
        for name, value in (fields or {}).items():
            payload.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, file in files.items():
            payload.write(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file.name}"\r\n'
                "Content-Type: application/zip\r\n\r\n".encode()
            )
            payload.write(file.read_bytes())
            payload.write(b"\r\n")
        payload.write(f"--{boundary}--\r\n".encode())
        headers = self._headers()
        headers["X-CSRFToken"] = self.csrf_token()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(self.url + path, data=payload.getvalue(), headers=headers, method="POST")
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> Any:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")[:2000]
            raise SupersetError(f"{request.get_method()} {request.full_url}: HTTP {error.code}: {detail}") from None
        return json.loads(text) if text else None


def _run(command: Sequence[str], what: str, env: Mapping[str, str] | None = None) -> None:
    result = subprocess.run(
        list(command), env=None if env is None else dict(env), stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
        raise SupersetError(f"{what} failed (exit {result.returncode}):\n{tail}")
