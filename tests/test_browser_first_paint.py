"""The map first (ui.first_paint), in a real headless Chromium against `streamlit run app.py`.

A browser's first run of a session sends the map alone; the map, once drawn, reports back and the
next run draws the rest of the page around the same map. If the map cannot be drawn, the rest of
the page follows anyway after a timer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import streamlit_server

from ui.first_paint import WAIT_ENV
from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# At the first animation frame with a drawn map path: what else the page holds (polled from the page itself).
_AT_FIRST_PATH_JS = """selector => {
    const frame = document.querySelector(selector);
    const doc = frame && frame.contentDocument;
    if (!doc || !doc.querySelector('path.leaflet-interactive')) return false;
    frame.contentWindow.xhFirstDrawn = true;  // marks this map: a reloaded map would not have it
    return {
        title: document.querySelectorAll('h1').length,
        widgets: document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stRadio"]').length,
        metrics: document.querySelectorAll('[data-testid="stMetric"]').length,
        tables: document.querySelectorAll('[data-testid="stDataFrame"]').length,
    };
}"""
# Every change of the script's run state from now on.
_WATCH_RUNS_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.xhRuns = [];
    new MutationObserver(() => window.xhRuns.push(app.getAttribute('data-test-script-state')))
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


@pytest.fixture(scope="module")
def waiting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page, waiting ten minutes for the map's report: only the report can bring the rest of the page."""
    with streamlit_server(ROOT / "app.py", tmp_path_factory.mktemp("streamlit"), env={WAIT_ENV: "600"}) as url:
        yield url


@pytest.fixture(scope="module")
def impatient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page, waiting one second for the map's report."""
    with streamlit_server(ROOT / "app.py", tmp_path_factory.mktemp("streamlit"), env={WAIT_ENV: "1"}) as url:
        yield url


def _whole_page(page: object) -> None:
    """Wait until the sidebar's language switch, the headline's numbers and the summary table are all drawn."""
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]', has_text=say("language", "zh")).wait_for()  # type: ignore[attr-defined]
    page.locator('[data-testid="stMetric"]', has_text=say("m_total", "zh")).wait_for()  # type: ignore[attr-defined]
    page.locator('[data-testid="stDataFrame"]').first.wait_for()  # type: ignore[attr-defined]


def _drag_map(page: object) -> None:
    """Pan the map by dragging it, until Leaflet says it has come to rest."""
    frame = page.locator(MAP_FRAME).element_handle().content_frame()  # type: ignore[attr-defined]
    frame.evaluate("() => { window.xhMoved = false; window.map.once('moveend', () => { window.xhMoved = true; }); }")
    box = page.locator(MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5
    page.mouse.move(x, y)  # type: ignore[attr-defined]
    page.mouse.down()  # type: ignore[attr-defined]
    page.mouse.move(x + 120, y + 60, steps=8)  # type: ignore[attr-defined]
    page.mouse.up()  # type: ignore[attr-defined]
    frame.wait_for_function("() => window.xhMoved")


def test_the_map_is_drawn_alone_then_the_page_follows_around_it(waiting_server, page):
    page.goto(f"{waiting_server}/?basemap=none")  # type: ignore[attr-defined]
    at_first_path = page.wait_for_function(_AT_FIRST_PATH_JS, arg=MAP_FRAME, polling="raf").json_value()  # type: ignore[attr-defined]
    assert at_first_path == {"title": 0, "widgets": 0, "metrics": 0, "tables": 0}  # the map had the browser alone

    _whole_page(page)  # brought by the map's report: the timer would take ten minutes
    page.locator("h1", has_text=say("title", "zh")).wait_for()  # type: ignore[attr-defined]
    frames = page.locator(MAP_FRAME)  # type: ignore[attr-defined]
    assert frames.count() == 1
    assert frames.element_handle().content_frame().evaluate("() => window.xhFirstDrawn === true")  # the same map

    # Once the page is whole, the map sends nothing back: a pan starts no run (as before the map went first).
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => document.querySelector('[data-testid=\"stApp\"]').getAttribute('data-test-script-state') !== 'running'"
    )
    page.evaluate(_WATCH_RUNS_JS)  # type: ignore[attr-defined]
    _drag_map(page)
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]  # streamlit-folium reports 250 ms after a move
    assert page.evaluate("() => window.xhRuns") == []  # type: ignore[attr-defined]


def test_a_map_that_cannot_be_drawn_does_not_hold_the_page_back(impatient_server, page):
    page.route("**/leaflet.js", lambda route: route.abort())  # type: ignore[attr-defined]
    page.goto(f"{impatient_server}/?basemap=none")  # type: ignore[attr-defined]
    _whole_page(page)  # the timer's run: the map never reported
    assert page.frame_locator(MAP_FRAME).locator("path.leaflet-interactive").count() == 0  # type: ignore[attr-defined]
    assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
