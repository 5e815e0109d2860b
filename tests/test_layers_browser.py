"""The map as a planner sees it, in headless Chromium: the bundled Xuhui data at the page's map size.

Labels never overlap (at the opening view and at every zoom in to the street); nested carriers' names
appear once zoomed in far enough; zone names and legend rows follow the layers that are on; tiles that
fail to load are said on the map; popups keep their labels on one line and stay clear of the legend.
Each test opens the downloadable map (``layers.standalone_html``) from ``file://``; nothing leaves the
machine (tile requests are answered or aborted here).
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS

import layers
from geo.data import Dataset, load_dataset

pytestmark = pytest.mark.browser

#: The page's map at 1400 × 1000: st_folium(height=560) beside the sidebar.
MAP_SIZE = {"width": 960, "height": 560}
#: A 1 × 1 grey PNG, the answer to every tile request when tiles "load".
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mO8e+/efwAJYAPjGq3m5AAAAABJRU5ErkJggg=="
)

LABEL_BOXES = """() => [...document.querySelectorAll('.xh-label')]
    .filter(icon => icon.style.display !== 'none')
    .map(icon => { const r = icon.firstElementChild.getBoundingClientRect();
                   return {text: icon.innerText, left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })"""


@functools.cache
def bundled() -> Dataset:
    return load_dataset()


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]
    ]


def write_map(tmp_path: Path, *, lang: str = "zh", basemap: str = "none", on: tuple[str, ...] | None = None) -> str:
    data = bundled()
    parts = layers.build_map(
        data.carriers,
        data.zones,
        context=data.context,
        sources=data.sources,
        basemap=basemap,
        lang=lang,
        layers=layers.LAYER_KEYS if on is None else on,
    )
    path = tmp_path / f"map_{lang}_{basemap}.html"
    path.write_bytes(layers.standalone_html(parts.map))
    return path.as_uri()


@pytest.fixture
def page(chromium_path: str) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport=MAP_SIZE)
            page.set_default_timeout(20_000)
            yield page
        finally:
            browser.close()


def open_map(page, url: str, *, tiles: str = "abort") -> list[str]:
    """Open the map; tile requests are aborted (``"abort"``) or answered with a grey PNG (``"ok"``)."""
    asked: list[str] = []

    def route(request_route) -> None:
        request_url = request_route.request.url
        if request_url.startswith(("file://", "data:")):
            request_route.continue_()
            return
        asked.append(request_url)
        if tiles == "ok":
            request_route.fulfill(status=200, content_type="image/png", body=TILE)
        else:
            request_route.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached")
    page.wait_for_timeout(600)  # the opening fitBounds
    return asked


def the_map(page) -> str:
    return "window[Object.keys(window).find(k => /^map_[0-9a-f]{32}$/.test(k))]"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_two_labels_overlap_from_the_opening_view_to_the_street(page, tmp_path: Path, lang: str) -> None:
    open_map(page, write_map(tmp_path, lang=lang))
    opening = page.evaluate(f"() => {the_map(page)}.getZoom()")
    boxes = page.evaluate(LABEL_BOXES)
    texts = [b["text"] for b in boxes]
    assert overlapping(boxes) == []
    zones = bundled().zones
    names = zones["name_zh" if lang == "zh" else "name_en"]
    assert any(name in texts for name in names)  # zone names are shown at the opening view
    nested = bundled().carriers[bundled().carriers["parent_id"].notna()]
    nested_names = set(nested["name_zh" if lang == "zh" else "name_en"])
    assert not nested_names <= set(texts), "every nested carrier labelled at the opening view: they would crowd"
    for zoom in range(opening + 1, 19):
        page.evaluate(f"() => {the_map(page)}.setZoom({zoom}, {{animate: false}})")
        page.wait_for_timeout(50)
        boxes = page.evaluate(LABEL_BOXES)
        assert overlapping(boxes) == [], f"zoom {zoom}"
    shown = {b["text"] for b in page.evaluate(LABEL_BOXES)}
    all_labels = page.evaluate("() => [...document.querySelectorAll('.xh-label')].map(i => i.innerText)")
    assert set(all_labels) == shown  # at street level every name is there
    assert nested_names <= shown


def test_zone_names_and_legend_rows_follow_the_layers_on_the_map(page, tmp_path: Path) -> None:
    open_map(page, write_map(tmp_path, lang="zh"))
    legend = page.locator(".xh-legend")

    def rows() -> list[str]:
        return [r.strip() for r in legend.inner_text().splitlines() if r.strip()]

    every = rows()
    assert {"已建成", "在建", "规划", "增长极", "发展带", "黄浦江"} <= set(every)
    assert "现状" not in every  # the project's word for existing is 已建成
    assert page.locator(".xh-zone").count() == len(bundled().zones)

    def toggle(name: str) -> None:
        page.evaluate(
            """name => { const label = [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
                .find(l => l.innerText.trim() === name); label.querySelector('input').click(); }""",
            name,
        )
        page.wait_for_timeout(100)

    toggle("规划片区（两极两带）")
    assert page.locator(".xh-zone").count() == 0  # the zones' names went with their outlines
    assert "增长极" not in rows()
    assert "发展带" not in rows()
    assert "已建成" in rows()
    toggle("黄浦江")
    assert "黄浦江" not in rows()
    toggle("规划片区（两极两带）")
    assert page.locator(".xh-zone").count() == len(bundled().zones)
    assert {"增长极", "发展带"} <= set(rows())


def test_a_map_with_only_context_lines_lists_only_those(page, tmp_path: Path) -> None:
    open_map(page, write_map(tmp_path, lang="en", on=("huangpu", "zones")))
    text = page.locator(".xh-legend").inner_text()
    assert "Huangpu River" in text
    assert "pole" in text
    assert "existing" not in text
    assert "Metro Line 15" not in text


@pytest.mark.parametrize(("lang", "words"), [("zh", "无底图"), ("en", "No basemap")])
def test_tiles_that_fail_to_load_are_said_on_the_map(page, tmp_path: Path, lang: str, words: str) -> None:
    asked = open_map(page, write_map(tmp_path, lang=lang, basemap="osm"), tiles="abort")
    assert asked
    notice = page.locator(".xh-notice")
    notice.wait_for(state="visible")
    assert words in notice.inner_text()


def test_tiles_that_load_leave_the_map_quiet(page, tmp_path: Path) -> None:
    asked = open_map(page, write_map(tmp_path, lang="zh", basemap="osm"), tiles="ok")
    assert asked
    page.wait_for_timeout(500)
    assert page.locator(".xh-notice").count() == 0


POPUPS = """async () => {
    const map = %s;
    const legend = document.querySelector('.xh-legend').getBoundingClientRect();
    const box = map.getContainer().getBoundingClientRect();
    const layers = [];
    map.eachLayer(l => { if (l.getPopup && l.getPopup() && l.getLatLngs) { layers.push(l); } });
    const out = [];
    for (const layer of layers) {
        map.closePopup();
        map.fitBounds(%s, {animate: false});
        layer.openPopup(layer.getCenter());
        await new Promise(r => setTimeout(r, 400));
        const r = layer.getPopup().getElement().getBoundingClientRect();
        const heads = [...layer.getPopup().getElement().querySelectorAll('th')];
        out.push({
            title: layer.getPopup().getElement().querySelector('b').innerText,
            clear: r.right <= legend.left || r.left >= legend.right || r.bottom <= legend.top || r.top >= legend.bottom,
            inside: r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom,
            lines: Math.max(...heads.map(h => {
                const range = document.createRange(); range.selectNodeContents(h);
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
            })),
            text: layer.getPopup().getElement().innerText,
        });
    }
    return out;
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_popups_read_on_one_line_per_field_and_never_cover_the_legend(page, tmp_path: Path, lang: str) -> None:
    open_map(page, write_map(tmp_path, lang=lang))
    bounds = page.evaluate(
        f"() => {{ const b = {the_map(page)}.getBounds(); return [[b.getSouth(), b.getWest()], "
        "[b.getNorth(), b.getEast()]]; }"
    )
    popups = page.evaluate(POPUPS % (the_map(page), bounds))
    assert len(popups) == len(bundled().carriers)
    for popup in popups:
        assert popup["clear"], f"{popup['title']} covers the legend"
        assert popup["inside"], f"{popup['title']} runs off the map"
        assert popup["lines"] == 1, f"{popup['title']}: a field name wraps"
        assert "USED" not in popup["text"]
        assert "->" not in popup["text"]
        assert ".0\n" not in popup["text"] + "\n"
    if lang == "zh":
        joined = "\n".join(p["text"] for p in popups)
        for code in ("existing", "planned", "under_construction", "park", "tower", "renewal_area"):
            assert f"\t{code}\n" not in joined
        assert "已建成" in joined
        assert "现有建筑面积" in joined
