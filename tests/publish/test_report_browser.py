"""The target report in headless Chromium (Debian's, through Playwright) as a regent's office opens it: on a phone
(390x844) and on a desktop the page never scrolls sideways (wide tables scroll inside their own box, the target table
becomes cards, the coverage chart has a narrow drawing), the charts fit, and printed on A4 nothing runs off the page.

The page is rendered from rows shaped like `make demo`'s (tests/report_data.py). With UCJ_UPDATE_SCREENSHOTS=1 the
test takes the docs' screenshots (docs/images/report-desktop.png, report-phone.png, full page; report-budget-benefits.png,
the budget and benefits section) of the report of
UCJ_HOME when that home has one (a `make demo` home: real sample figures), else of this test's own page.
"""

import os
from pathlib import Path

import pytest

from tests.dagster_dev import launch_chromium
from tests.report_data import demo_report_data
from ucj_pipeline.publish.target_report import draw_charts, render_report
from ucj_pipeline.runtime.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow(20)  # seconds, for the test order (conftest)

SCREENSHOTS = PROJECT_ROOT / "docs" / "images"
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
A4_PRINTABLE = {"width": 703, "height": 1000}  # 210 mm less the print stylesheet's 2 x 12 mm margins, at 96 dpi

LAYOUT = """() => {
  const shown = (id) => { const e = document.getElementById(id); return !!e && e.getBoundingClientRect().width > 0; };
  const wider = [...document.querySelectorAll('body *')].filter((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > window.innerWidth + 1 && !e.closest('.table-wrap');
  }).map((e) => e.tagName + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined
    ? '.' + e.className : ''));
  const svgs = [...document.querySelectorAll('figure svg')].filter((s) => s.getBoundingClientRect().width > 0);
  return {
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wider: wider.slice(0, 5),
    wideChart: shown('coverage-chart'), phoneChart: shown('coverage-chart-phone'),
    svgsFit: svgs.every((s) => s.getBoundingClientRect().right <= window.innerWidth + 1), svgs: svgs.length,
    targetHead: getComputedStyle(document.querySelector('#targets thead')).display,
    tablesFit: [...document.querySelectorAll('table')].every((t) => t.getBoundingClientRect().right <= window.innerWidth + 1),
  };
}"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    demo = Path(os.environ.get("UCJ_HOME", "data")).resolve() / "reports" / "latest.html"
    if os.environ.get("UCJ_UPDATE_SCREENSHOTS") and demo.is_file():
        return demo
    data = demo_report_data()
    page = tmp_path_factory.mktemp("report") / "latest.html"
    page.write_text(render_report(data, draw_charts(data)), encoding="utf-8")
    return page


def _save(page, name: str, section: str | None = None) -> None:
    """A full-page screenshot (or of one section), its colours reduced (a report is a few flat colours) to keep the
    file small."""
    from PIL import Image

    path = SCREENSHOTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if section:
        page.locator(section).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE)
    reduced.save(path, optimize=True)


def test_the_report_reads_on_a_phone_on_a_desktop_and_on_paper(report):
    from playwright.sync_api import sync_playwright

    update = bool(os.environ.get("UCJ_UPDATE_SCREENSHOTS"))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
                page = browser.new_page(viewport=viewport)
                page.goto(report.as_uri())
                layout = page.evaluate(LAYOUT)
                assert layout["scrollWidth"] <= layout["innerWidth"], (name, layout)  # no sideways scroll
                assert layout["wider"] == [] and layout["tablesFit"], (name, layout)  # not even inside their box
                assert layout["svgsFit"] and layout["svgs"] >= 8, (name, layout)  # coverage + one per target
                phone = name == "phone"
                assert (layout["phoneChart"], layout["wideChart"]) == (phone, not phone), (name, layout)
                assert layout["targetHead"] == ("none" if phone else "table-header-group"), (name, layout)  # cards
                assert page.evaluate("document.documentElement.lang") == "id"
                if update:
                    _save(page, f"report-{name}.png")
                    if not phone:  # the budget and benefits section on its own, for docs/report.md
                        _save(page, "report-budget-benefits.png", "#budget-benefits")
                page.close()
            page = browser.new_page(viewport=A4_PRINTABLE)
            page.goto(report.as_uri())
            page.emulate_media(media="print")
            layout = page.evaluate(LAYOUT)
            assert layout["scrollWidth"] <= layout["innerWidth"] and layout["wider"] == [], ("print", layout)
            assert layout["tablesFit"], ("print", layout)
            assert layout["wideChart"] and not layout["phoneChart"], ("print", layout)
            assert len(page.pdf(format="A4")) > 10_000
        finally:
            browser.close()
