"""The map works with no CDN: vendored Leaflet is intact, the downloadable HTML draws from file:// with
every other request aborted, and streamlit-folium loads Leaflet from the page's own component route.

Browser tests need headless Chromium (``conftest.find_chromium``: skipped on a machine without it,
a failure in CI).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS, streamlit_server
from test_layers import make_carriers, make_context, make_sources, make_summary, make_zones

import layers

REPO = Path(__file__).resolve().parent.parent

VENDORED = {
    "leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    "leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
    "LICENSE": "53e8dc25862014e4324741ca18fbe3611e11d42ef69f59f86ea8c5389647d4cb",
    "images/layers-2x.png": "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
    "images/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
    "images/marker-icon-2x.png": "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
    "images/marker-icon.png": "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
    "images/marker-shadow.png": "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
}
DRAW_VENDORED = {
    "leaflet.draw.js": "b22a1f7385308e5adadd85a4c2d84e9fc523ebd70d37868cba0fe2387362460b",
    "leaflet.draw.css": "5f30f74696873efee5cd7f6ab7eda7d63e5c5a3e3c3b6e0ab2068662928df31f",
    "LICENSE": "72c0786b75ff5e42c00160544106893f0fc771cab823412ebe8449f3d444b5af",
    "images/spritesheet-2x.png": "fa2c95e0610f3787c879645e42b86ad010c305f8312e116841730d00d4ab72b7",
    "images/spritesheet.png": "a8978a1d3d21d8ee6f16cce342ff67fc47c4241f52161f05baf88f15e1058199",
    "images/spritesheet.svg": "7077bae968047180921324df351d95fe2f021cdaefa01e20645162402f767da4",
}
# Sets a flag instead of alerting, so the test can tell whether it ever ran.
XSS_FLAG = '<img src=x onerror="window.__xss=1">'


@pytest.mark.parametrize(("name", "sha256"), sorted(VENDORED.items()))
def test_vendored_leaflet_is_the_published_release(name: str, sha256: str) -> None:
    path = layers.assets.LEAFLET_DIR / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    assert sha256 in (REPO / "layers" / "static" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "sha256"), sorted(DRAW_VENDORED.items()))
def test_vendored_leaflet_draw_is_the_published_release(name: str, sha256: str) -> None:
    path = layers.assets.DRAW_DIR / name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    assert sha256 in (REPO / "layers" / "static" / "README.md").read_text(encoding="utf-8")


def test_the_drawing_tools_load_from_the_page_not_a_cdn() -> None:
    """folium's Draw lists cdnjs; the page's copy lists the vendored Leaflet.draw beside Leaflet."""
    m = layers.make_map(location=(31.18, 121.44))
    m.add_child(layers.offline_draw())
    html = m.get_root().render()
    sources = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"', html)
    assert sources
    assert not [u for u in sources if re.match(r"^(?:[a-z]+:)?//", u)], sources
    base = f"../ui.leaflet_assets.static/vendor/leaflet-draw-{layers.assets.DRAW_VERSION}/"
    assert {base + "leaflet.draw.js", base + "leaflet.draw.css"} <= set(sources)
    assert "MIT" in (layers.assets.DRAW_DIR / "LICENSE").read_text(encoding="utf-8")
    # the CSS's sprites are vendored too, under the same relative names
    css = (layers.assets.DRAW_DIR / "leaflet.draw.css").read_text(encoding="utf-8")
    for name in set(re.findall(r"url\('?(images/[\w.-]+)'?\)", css)):
        assert (layers.assets.DRAW_DIR / name).is_file(), name


def test_static_folder_is_package_data_of_layers() -> None:
    assert layers.STATIC_DIR == REPO / "layers" / "static"
    assert "BSD 2-Clause" in (layers.assets.LEAFLET_DIR / "LICENSE").read_text(encoding="utf-8")
    # relative to streamlit-folium's iframe, <base>/component/streamlit_folium.st_folium/index.html
    expected = f"../ui.leaflet_assets.static/vendor/leaflet-{layers.LEAFLET_VERSION}/"
    assert expected == layers.STREAMLIT_ASSET_URL


def test_the_page_declares_the_component_the_map_loads_from() -> None:
    leaflet_assets = pytest.importorskip("ui.leaflet_assets")
    assert leaflet_assets.serve() == layers.ASSET_COMPONENT  # outside a script run it only declares
    source = (REPO / "app.py").read_text(encoding="utf-8")
    assert re.search(r"^serve_leaflet\(\)", source, re.MULTILINE), "app.py must serve the Leaflet files"


# --- browser --------------------------------------------------------------------------------------


@pytest.fixture
def browser(chromium_path: str, tmp_path: Path) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield context
        finally:
            context.close()


OPEN_EVERYTHING = """() => {
    const key = Object.keys(window).find(k => /^map_[0-9a-f]{32}$/.test(k));
    const map = window[key];
    const texts = [];
    map.eachLayer(l => {
        if (l.getTooltip && l.getTooltip() && (l.getLatLngs || l.getLatLng)) {
            l.openTooltip(); texts.push(l.getTooltip().getElement().innerText); l.closeTooltip();
        }
    });
    map.eachLayer(l => {
        if (l.getPopup && l.getPopup()) { l.openPopup(); texts.push(l.getPopup().getElement().innerText); }
    });
    return texts;
}"""


def _standalone(tmp_path: Path, *, basemap: str, prefer_canvas: bool) -> Path:
    carriers = make_carriers(name_zh=XSS_FLAG, name_en=XSS_FLAG)
    parts = layers.build_map(
        carriers,
        make_zones(name_zh="${window.__xss=2}"),
        context=make_context(),
        summary=make_summary(),
        sources=make_sources(quote="`${window.__xss=3}`"),
        basemap=basemap,
        prefer_canvas=prefer_canvas,
    )
    path = tmp_path / "map.html"
    path.write_bytes(layers.standalone_html(parts.map))
    return path


@pytest.mark.browser
@pytest.mark.parametrize(("basemap", "prefer_canvas"), [("none", False), ("osm", True)])
def test_downloaded_map_draws_offline(browser, tmp_path: Path, basemap: str, prefer_canvas: bool) -> None:
    path = _standalone(tmp_path, basemap=basemap, prefer_canvas=prefer_canvas)
    page = browser.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith("file://"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas", state="attached", timeout=20_000)
    assert errors == []
    assert page.evaluate("typeof L !== 'undefined' && L.version") == "1.9.4"
    assert page.locator(".leaflet-map-pane").count() == 1
    assert page.locator(".leaflet-pane").count() >= 6
    if prefer_canvas:
        assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    else:
        assert page.locator(".leaflet-overlay-pane path").count() >= 10
    assert page.locator(".xh-label").count() == 6  # two zones, four carriers
    assert page.locator(".xh-legend").count() == 1
    texts = page.evaluate(OPEN_EVERYTHING)
    page.wait_for_timeout(300)
    joined = "\n".join(texts)
    assert XSS_FLAG in joined  # shown as text...
    assert "${window.__xss=2}" in joined
    assert "`${window.__xss=3}`" in joined
    assert page.evaluate("window.__xss") is None  # ...never run
    assert page.locator("img[src='x']").count() == 0
    # nothing but tiles ever left the machine (and those were aborted)
    if basemap == "none":
        assert outside == []
    else:
        assert outside
        assert all(url.startswith("https://tile.openstreetmap.org/") for url in outside), outside


# --- streamlit-folium through `streamlit run` ---------------------------------------------------------

APP = """
import sys
sys.path.insert(0, {repo!r})
sys.path.insert(0, {tests!r})
import streamlit as st
from streamlit_folium import st_folium
import layers
import test_layers as fx
from ui.leaflet_assets import serve

serve()

st.checkbox("labels", value=True, key="labels")
on = ["district_boundary", "line15", "zones", "carriers"] + (["labels"] if st.session_state.labels else [])
parts = layers.build_map(fx.make_carriers(), fx.make_zones(), context=fx.make_context(),
                         summary=fx.make_summary(), sources=fx.make_sources(), basemap="none",
                         layers=on, embed_overlays=False)
st_folium(parts.map, key="map", height=400, width=600, returned_objects=[],
          feature_group_to_add=parts.feature_groups, layer_control=parts.layer_control)
"""


@pytest.fixture
def streamlit_app(tmp_path: Path) -> Iterator[str]:
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(APP.format(repo=str(REPO), tests=str(REPO / "tests")), encoding="utf-8")
    # no static/ folder and no .streamlit/config.toml beside the script: the page serves Leaflet itself
    with streamlit_server(app_dir / "app.py", tmp_path) as url:
        yield url + "/"


@pytest.mark.browser
def test_st_folium_loads_leaflet_from_the_page_component_route(browser, streamlit_app: str) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": 1000, "height": 800})
    outside: list[str] = []
    assets: dict[str, tuple[int, str]] = {}

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith((streamlit_app, "data:", "about:", "blob:")):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    def on_response(response) -> None:
        if "/component/" in response.url and "/vendor/" in response.url:
            assets[response.url] = (response.status, response.headers.get("content-type", ""))

    browser.route("**/*", route)
    page.on("response", on_response)
    page.goto(streamlit_app)
    frame = None
    deadline = time.monotonic() + 90
    while frame is None and time.monotonic() < deadline:
        handle = page.query_selector("iframe")
        candidate = handle.content_frame() if handle else None
        if candidate is not None and candidate.query_selector(".leaflet-overlay-pane path"):
            frame = candidate
        else:
            page.wait_for_timeout(300)
    assert frame is not None, f"the map never drew; outside requests: {outside}"
    base = f"{streamlit_app}component/{layers.ASSET_COMPONENT}/vendor/leaflet-{layers.LEAFLET_VERSION}/"
    assert assets[base + "leaflet.js"][0] == 200
    assert "javascript" in assets[base + "leaflet.js"][1]
    assert assets[base + "leaflet.css"] == (200, "text/css; charset=utf-8")
    assert frame.evaluate("L.version") == "1.9.4"
    assert frame.locator(".xh-legend").count() == 1
    assert frame.locator(".xh-label").count() == 6
    assert frame.locator(".leaflet-control-layers-overlays label").count() == 5

    # toggling an overlay is a rerun that swaps the feature groups, not a new map: the view stays
    page.wait_for_timeout(1_000)  # let the opening fitBounds animation finish
    frame.evaluate("window.map.setZoom(15, {animate: false}); window.__same_map = true;")
    assert frame.evaluate("window.map.getZoom()") == 15
    page.get_by_text("labels", exact=True).click()
    deadline = time.monotonic() + 30
    while frame.locator(".xh-label").count() > 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert frame.locator(".xh-label").count() == 2  # the carriers' names went; the zones' stay with the zones
    assert frame.locator(".leaflet-overlay-pane path").count() > 0
    assert frame.evaluate("window.__same_map === true && window.map.getZoom()") == 15
    assert outside == []
