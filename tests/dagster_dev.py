"""Start the real `ucj ui` (`dagster dev`: webserver, daemon, code server) on 127.0.0.1 for a test, and stop the whole
process tree afterwards."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from ucj_pipeline.runtime.helper_processes import spawn_with_default_signals

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


DOCS_PORTS: dict[int, int] = {}


def docs_port(port: int) -> int:
    return DOCS_PORTS[port]


@contextmanager
def dagster_dev(home: Path, **env_overrides: str):
    """Yields the port once the webserver answers; the code location may still be loading. The Data Docs server
    of `ucj ui` listens on `docs_port(port)`."""
    port = free_port()
    DOCS_PORTS[port] = free_port()
    env = {**os.environ, "UCJ_HOME": str(home), **env_overrides}
    env.pop("DAGSTER_HOME", None)
    home.mkdir(parents=True, exist_ok=True)
    log = open(home / "dagster_dev.log", "w")  # noqa: SIM115 - held open for the server's whole life
    # Its own process group: `dagster dev` starts the webserver, the daemon and code servers as children.
    process = subprocess.Popen([str(BIN / "ucj"), "ui", "--port", str(port), "--docs-port", str(DOCS_PORTS[port])],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((home / "dagster_dev.log").read_text()[-3000:]) from None
                time.sleep(1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        with suppress(ProcessLookupError):  # children that outlived the parent (daemon, code servers) go too
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def wait_for(predicate, timeout: float, interval: float = 2.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


CHROMIUM = "/usr/bin/chromium"  # Debian's (make test installs it: scripts/install-test-services.sh)


def launch_chromium(playwright):
    """Headless Chromium as every browser test drives it, through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])


@contextmanager
def serve_folder(folder: Path):
    """Serve a folder on 127.0.0.1 as `ucj ui` serves the Data Docs; yields the base URL (ending in /)."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(folder)]
    server = spawn_with_default_signals(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_for(lambda: _answers(base), timeout=30, interval=0.2, what=f"the server of {folder}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


# The Font Awesome icons of a page: the webfont loaded, and every mark drawn with it (a glyph, not an empty box).
MARKS_DRAWN = """async () => {
    await document.fonts.ready;
    const marks = Array.from(document.querySelectorAll("i.fas"));
    return {
        fonts: Array.from(document.fonts).filter(f => f.family.includes("Font Awesome")).map(f => f.status),
        marks: marks.length,
        drawn: marks.filter(m => m.getBoundingClientRect().width > 0
            && getComputedStyle(m, "::before").content.length > 2
            && getComputedStyle(m).fontFamily.includes("Font Awesome")).length,
        glyph: document.fonts.check('900 16px "Font Awesome 6 Free"', "\\uf058"),
    };
}"""
