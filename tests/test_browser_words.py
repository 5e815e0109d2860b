"""The Chinese page in a real Chromium speaks Chinese: no raw code or field name in any section.

Codes such as ``park``, ``under_construction``, ``belt``, column names such as ``message_zh`` or
``floor_area_existing_m2`` and reader codes such as ``detected-utf-8`` must never be a label on the
Chinese page. Ids may stay as a column of their own (``pole_caohejing``): they are matched as whole
words only, and an id joins its parts with ``_``. Tables are drawn on a canvas; their text is read
from the grid's accessible copy, which holds the cells in view. The map (its own iframe) is checked by
the map's tests.

Also: the section switcher is in view without scrolling at 1400 × 1000 (a screenshot is saved).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser_choices import choose_section, no_failure, section_switcher, wait_for_run

from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
RAW_CODES = (
    "park",
    "tower",
    "campus",
    "cluster",
    "building",
    "renewal_area",
    "existing",
    "under_construction",
    "planned",
    "pole",
    "belt",
    "declared",
    "largest",
    "severity",
    "kind",
    "subject",
    "message_zh",
    "message_en",
    "floor_area_existing_m2",
    "floor_area_planned_m2",
    "geometry_accuracy_m",
    "document",
    "quote",
    "unit",
    "row",
    "action",
    "reason_zh",
    "None",
    "nan",
    "Choose an option",
    "USED",
)
SECTIONS = ("summary", "timeline", "carriers", "quality", "sources", "scenarios", "downloads", "import")


@pytest.fixture
def page(chromium_path: str) -> Iterator[object]:
    from conftest import CHROMIUM_ARGS  # noqa: PLC0415
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        yield page
        browser.close()


def visible_text(page: object) -> str:
    """The page's text as a reader sees it, plus the cells of every table (from the grids' accessible copy)."""
    text = page.locator('[data-testid="stApp"]').inner_text()  # type: ignore[attr-defined]
    cells = page.locator('[data-testid="stDataFrame"] table').evaluate_all(  # type: ignore[attr-defined]
        "tables => tables.map(t => [...t.querySelectorAll('th, td')].map(c => c.textContent).join('\\n'))"
    )
    return text + "\n" + "\n".join(cells)


def raw_codes_in(text: str) -> list[str]:
    return [code for code in RAW_CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]


@pytest.fixture(scope="module")
def sections_text(server: str, chromium_path: str) -> dict[str, str]:
    """Each section's visible text, from one Chinese page opened with its defaults."""
    from conftest import CHROMIUM_ARGS  # noqa: PLC0415
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    texts: dict[str, str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(90_000)
        page.goto(f"{server}/?basemap=none")
        wait_for_run(page)
        for section in SECTIONS:
            choose_section(page, section, "zh")
            page.wait_for_timeout(1000)  # let the grid draw its accessible copy
            no_failure(page, section)
            texts[section] = visible_text(page)
        browser.close()
    return texts


@pytest.mark.parametrize("section", SECTIONS)
def test_the_chinese_page_shows_no_raw_code_in_any_section(sections_text, section):
    assert raw_codes_in(sections_text[section]) == []
    assert say(f"tab_{section}", "zh") in sections_text[section]  # the section's text was read


def test_the_section_switcher_is_in_view_without_scrolling(server, page, tmp_path):
    page.goto(f"{server}/?basemap=none")
    wait_for_run(page)
    switcher = section_switcher(page)
    switcher.wait_for()
    box = switcher.bounding_box()
    page.screenshot(path=str(tmp_path / "page_1400x1000.png"))
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= 1000, f"the switcher is at y={box['y']:.0f}, below the fold"
    assert page.evaluate("() => window.scrollY") == 0
    assert switcher.get_by_text(say("tab_downloads", "zh"), exact=True).is_visible()


def test_the_file_uploader_speaks_chinese_on_the_chinese_page(server, page):
    """Streamlit writes "Upload" and "… per file" in English; the page shows its own words instead."""
    page.goto(f"{server}/?basemap=none&section=import")
    wait_for_run(page)
    zone = page.locator('[data-testid="stFileUploaderDropzone"]')
    zone.wait_for()
    shown = zone.evaluate(
        """z => [z.querySelector('button p'),
                 z.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span')]
            .map(e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content])"""
    )
    (button_size, button_text), (limit_size, limit_text) = shown
    assert button_size == limit_size == "0px"  # Streamlit's English words are not shown
    assert say("upload_button", "zh") in button_text
    assert "单个文件不超过 50 MB" in limit_text
