"""The timeline section in a real headless Chromium: the charts draw, and a click on a year's bar moves the
page's as-of year (later bars, later years)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS, streamlit_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
PAGE = """
import sys
sys.path.insert(0, {root!r})
import streamlit as st
from geo.data import load_dataset
from geo.timeline import bundled_figure_paths, load_figures
from ui.timeline import render_timeline

st.session_state.setdefault("year", 2025)
st.session_state.setdefault("buildout", True)
st.checkbox("build-out", key="buildout")
st.slider("year", 2015, 2035, key="year")
st.markdown("AS-OF " + ("build-out" if st.session_state.buildout else str(st.session_state.year)))
data = load_dataset(context=False)
tranches, targets = bundled_figure_paths()
figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
render_timeline(data, by="pole", mode="declared", lang="zh", figures=figures)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("timeline-page")
    script = folder / "timeline_page.py"
    script.write_text(PAGE.format(root=str(ROOT)), encoding="utf-8")
    with streamlit_server(script, folder) as url:
        yield url


@pytest.fixture
def page(chromium_path: str, tmp_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only the browser tests need it

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def _settled(page: object) -> None:
    page.wait_for_timeout(400)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') !== 'running';
        }""",
        timeout=90_000,
    )


def _as_of(page: object) -> str:
    text = page.get_by_text(re.compile(r"^AS-OF ")).inner_text()  # type: ignore[attr-defined]
    return text.removeprefix("AS-OF ").strip()


def _click_year(page: object, chart: int, year: int) -> None:
    """Click the built bar of ``year`` in the ``chart``-th chart (Vega's SVG marks name their year)."""
    charts = page.locator('[data-testid="stVegaLiteChart"]')  # type: ignore[attr-defined]
    charts.nth(chart).locator(f'g.mark-rect path[aria-label*="{year}"]').first.click()


def test_a_click_on_a_year_moves_the_as_of_year(server, page):
    page.goto(server)  # type: ignore[attr-defined]
    _settled(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]')  # type: ignore[attr-defined]
    charts.nth(2).locator("g.mark-rect path").first.wait_for()
    assert charts.count() == 3  # two poles and the district total
    # Stacked phases: 21 years × 3 phases of bars per chart, labelled in Chinese.
    labels = charts.nth(2).locator("g.mark-rect path").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) == 21 * 3
    assert any("阶段: 规划" in label for label in labels)
    assert _as_of(page) == "build-out"
    _click_year(page, 2, 2021)
    _settled(page)
    assert _as_of(page) == "2021"  # build-out is off, the as-of year is the year clicked
    _click_year(page, 0, 2030)
    _settled(page)
    assert _as_of(page) == "2030"
