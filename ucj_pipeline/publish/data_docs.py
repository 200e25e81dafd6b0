"""Great Expectations Data Docs that work offline: every page's styles and scripts from the site itself.

GX's pages load Bootstrap, jQuery and bootstrap-table from public CDNs, a logo from S3 and fonts and dark-mode
styles from elsewhere: offline (government networks often are) they render blank, and online they call out to the
internet when opened. After each build, `make_offline` copies the vendored files (`data_docs_static/`, with their
licences) into the site and rewrites each page: known CDN files point to the local copies, the logo to the one GX
ships in the site, and any other external stylesheet, script or image is dropped. The pass and fail marks are Font
Awesome icons: its solid webfont and CSS are vendored too (`fontawesome/`), or the pages would show no marks at all.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

VENDORED = Path(__file__).resolve().parent / "data_docs_static"
VENDOR_DIR = "static/vendor"
# The external file a page asks for -> the vendored copy that replaces it (the file name, minus version paths).
LOCAL_COPIES = {
    "bootstrap.min.css": "bootstrap.min.css",
    "bootstrap.min.js": "bootstrap.min.js",
    "jquery-3.7.1.min.js": "jquery.min.js",
    "popper.min.js": "popper.min.js",
    "bootstrap-table.min.css": "bootstrap-table.min.css",
    "bootstrap-table.min.js": "bootstrap-table.min.js",
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
}
FONT_AWESOME = "fontawesome"  # a folder: its CSS finds its webfonts at ../webfonts/, as published
# GX links Font Awesome's all.min.css (every style); the pages use its solid icons only, vendored as two files.
FONT_AWESOME_TAG = re.compile(
    r"""<link\b[^>]*href=["']https?://[^"']*font-?awesome[^"']*/all(?:\.min)?\.css["'][^>]*>""", re.IGNORECASE
)
FONT_AWESOME_CSS = ("fontawesome.min.css", "solid.min.css")
EXTERNAL_URL = re.compile(r"""(?P<attr>src|href)=(?P<q>["'])(?P<url>https?://[^"']+)(?P=q)""")
# The site's own files, at whatever depth GX wrote (its favicon link on validation pages is one folder short).
SITE_STATIC = re.compile(r"""(?P<attr>src|href)=(?P<q>["'])(?:\.\./)*static/""")
EXTERNAL_TAG = re.compile(
    r"""<(?:link|script|img)\b[^>]*?(?:src|href)=["']https?://[^"']*["'][^>]*>(?:\s*</script>)?""", re.IGNORECASE
)


def make_offline(site: Path) -> list[Path]:
    """Rewrite every page of the site to use local files only; returns the pages rewritten."""
    vendor = site / VENDOR_DIR
    vendor.mkdir(parents=True, exist_ok=True)
    for source in VENDORED.iterdir():
        if source.suffix in (".css", ".js", ".md"):
            shutil.copyfile(source, vendor / source.name)
    # File by file, not copytree (which copies the package's modes): folders and files get the private home's.
    for source in (VENDORED / FONT_AWESOME).rglob("*"):
        if source.is_file():
            target = vendor / source.relative_to(VENDORED)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        root = os.path.relpath(site, page.parent)
        text = page.read_text(encoding="utf-8")
        page.write_text(_localise(text, root), encoding="utf-8")
    return pages


def _localise(html: str, root: str) -> str:
    def local(match: re.Match) -> str:
        url = match["url"]
        name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if name in LOCAL_COPIES:
            return f"{match['attr']}={match['q']}{root}/{VENDOR_DIR}/{LOCAL_COPIES[name]}{match['q']}"
        if name.startswith("logo-long.png") or name.startswith("full_logo_dark.png"):
            return f"{match['attr']}={match['q']}{root}/static/images/logo-long.png{match['q']}"
        return match.group(0)

    icons = "".join(
        f'<link rel="stylesheet" href="{root}/{VENDOR_DIR}/{FONT_AWESOME}/css/{name}">' for name in FONT_AWESOME_CSS
    )
    html = FONT_AWESOME_TAG.sub(lambda _: icons, html)
    html = SITE_STATIC.sub(lambda m: f"{m['attr']}={m['q']}{root}/static/", html)
    html = EXTERNAL_URL.sub(local, html)
    # Whatever still loads from the internet (dark-mode styles, chart libraries) is dropped: the page
    # works without it, and opening it must not call out.
    return EXTERNAL_TAG.sub("", html)


def data_docs_site(quality_dir: Path) -> Path:
    """The folder of the Data Docs site (served by `ucj ui`)."""
    return quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site"


def serve_data_docs(quality_dir: Path, port: int):
    """Serve the Data Docs site (and nothing else of UCJ_HOME) on 127.0.0.1, so the link in the UI opens them.
    Returns the server's process: `ucj ui` stops it when it stops."""
    import subprocess

    from ucj_pipeline.runtime.helper_processes import spawn_with_default_signals

    site = data_docs_site(quality_dir)
    site.mkdir(parents=True, exist_ok=True)
    index = site / "index.html"
    if not index.exists():
        index.write_text(
            "<!doctype html><title>Data Docs</title><p>No Great Expectations run yet: the first "
            "refresh builds the Data Docs here.</p>"
        )
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)]
    return spawn_with_default_signals(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
