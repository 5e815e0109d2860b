"""In a real Chromium: switch the language, then click every radio, check box, select and section.

Streamlit sends a radio's or select box's *label* back from the browser. Before the page held its
choices as codes with per-language widgets, clicking 发展带 after switching to English turned the page
into ``ValueError: unknown membership mode '申报'``, and other orders reset choices silently. Only
a browser keeps the stale label, so only a browser test shows it. Both languages, with and
without an uploaded file: no traceback, no error box, no lost choice.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import layers
from geo.text import term
from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
OTHER = {"zh": "en", "en": "zh"}
LANG_NAMES = {"zh": "中文", "en": "English"}


def wait_for_run(page: object) -> None:
    """Let the rerun an action started begin, then wait until the script has finished it."""
    page.wait_for_timeout(400)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') !== 'running';
        }""",
        timeout=90_000,
    )


def no_failure(page: object, after: str) -> None:
    """No traceback and no error box on the page."""
    exceptions = page.locator('[data-testid="stException"]')  # type: ignore[attr-defined]
    assert exceptions.count() == 0, f"after {after}: {exceptions.first.inner_text()}"
    errors = page.locator('[data-testid="stAlertContentError"]')  # type: ignore[attr-defined]
    assert errors.count() == 0, f"after {after}: {errors.first.inner_text()}"
    text = page.locator('[data-testid="stApp"]').inner_text()  # type: ignore[attr-defined]
    for word in ("Traceback", "ValueError", "KeyError"):
        assert word not in text, f"after {after}: {word} on the page"


def radio(page: object, label: str) -> object:
    return page.locator('[data-testid="stRadio"]').filter(  # type: ignore[attr-defined]
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)  # type: ignore[attr-defined]
    )


def checked(page: object, label: str) -> str:
    """The text of the option checked in the radio group labelled ``label``."""
    group = radio(page, label)
    return group.locator("label:has(input:checked)").inner_text().strip()  # type: ignore[attr-defined]


def click_option(page: object, label: str, option: str) -> None:
    radio(page, label).get_by_text(option, exact=True).click()  # type: ignore[attr-defined]
    wait_for_run(page)


def switch_language(page: object, lang: str) -> None:
    radio(page, "Language").get_by_text(LANG_NAMES[lang], exact=True).click()  # type: ignore[attr-defined]
    wait_for_run(page)
    page.get_by_text(say("layers", lang), exact=True).first.wait_for()  # type: ignore[attr-defined]


def section_switcher(page: object) -> object:
    """The section switcher (its label is hidden): the radio group offering the import section."""
    return page.locator('[data-testid="stRadio"]', has_text=say("tab_import", "zh")).or_(  # type: ignore[attr-defined]
        page.locator('[data-testid="stRadio"]', has_text=say("tab_import", "en"))  # type: ignore[attr-defined]
    )


def choose_section(page: object, key: str, lang: str) -> None:
    section_switcher(page).get_by_text(say(f"tab_{key}", lang), exact=True).click()  # type: ignore[attr-defined]
    wait_for_run(page)


def select(page: object, label: str, option: str) -> None:
    """Open the select box labelled ``label`` and pick ``option`` (retried if a rerun closed the list)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(  # type: ignore[attr-defined]
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)  # type: ignore[attr-defined]
    )
    choice = page.get_by_role("option", name=option, exact=True)  # type: ignore[attr-defined]
    for _attempt in range(5):
        wait_for_run(page)
        box.locator('button[aria-label="Open"]').click()
        try:
            choice.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: the list closed on a rerun
            page.keyboard.press("Escape")  # type: ignore[attr-defined]
    choice.click()
    wait_for_run(page)


def selected(page: object, label: str) -> str:
    box = page.locator('[data-testid="stSelectbox"]').filter(  # type: ignore[attr-defined]
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)  # type: ignore[attr-defined]
    )
    return box.locator('input[role="combobox"]').input_value().strip()  # type: ignore[attr-defined]


def check_all_kept(page: object, lang: str, kept: dict[str, str]) -> None:
    """Every choice made so far is what the page shows now, in ``lang``."""
    if "by" in kept:
        assert checked(page, say("grouping", lang)) == term("grouping", kept["by"], lang)
    if "mode" in kept:
        assert checked(page, say("mode", lang)) == term("mode", kept["mode"], lang)
    if "section" in kept:
        shown = section_switcher(page).locator("label:has(input:checked)").inner_text().strip()  # type: ignore[attr-defined]
        assert shown == say(f"tab_{kept['section']}", lang)
    if "basemap" in kept:
        names = {b.key: b.label(lang) for b in layers.available_basemaps()}
        assert selected(page, say("basemap", lang)) == names[kept["basemap"]]
    if "carriers_layer" in kept:
        box = page.get_by_test_id("stSidebarUserContent").get_by_role(  # type: ignore[attr-defined]
            "checkbox", name=layers.layer_label("carriers", lang), exact=True
        )
        assert box.is_checked() == (kept["carriers_layer"] == "on")


def click_everything(page: object, lang: str) -> dict[str, str]:
    """Switch to ``lang`` and change every choice in turn, checking the page after each click."""
    kept: dict[str, str] = {}
    switch_language(page, lang)
    no_failure(page, f"switching to {lang}")
    steps = [
        ("by", "belt", lambda: click_option(page, say("grouping", lang), term("grouping", "belt", lang))),
        ("mode", "largest", lambda: click_option(page, say("mode", lang), term("mode", "largest", lang))),
        (
            "basemap",
            "carto_light",
            lambda: select(page, say("basemap", lang), layers.basemap_info("carto_light").label(lang)),
        ),
        ("basemap", "none", lambda: select(page, say("basemap", lang), layers.basemap_info("none").label(lang))),
        (
            "carriers_layer",
            "off",
            lambda: (
                page.get_by_test_id("stSidebarUserContent")  # type: ignore[attr-defined]
                .get_by_text(layers.layer_label("carriers", lang), exact=True)
                .click(),
                wait_for_run(page),
            ),
        ),
        *[
            (("section", key, lambda key=key: choose_section(page, key, lang)))
            for key in ("carriers", "quality", "sources", "downloads", "import", "summary")
        ],
        ("by", "status", lambda: click_option(page, say("grouping", lang), term("grouping", "status", lang))),
        ("by", "pole", lambda: click_option(page, say("grouping", lang), term("grouping", "pole", lang))),
        ("mode", "area", lambda: click_option(page, say("mode", lang), term("mode", "area", lang))),
    ]
    for name, value, act in steps:
        act()
        kept[name] = value
        no_failure(page, f"{name}={value} in {lang}")
        check_all_kept(page, lang, kept)
    # switching back keeps every choice too
    switch_language(page, OTHER[lang])
    no_failure(page, f"switching back to {OTHER[lang]}")
    check_all_kept(page, OTHER[lang], kept)
    return kept


@pytest.mark.parametrize("first", ["zh", "en"])
def test_switch_language_then_click_everything(server, page, first):
    page.goto(f"{server}/?basemap=none&lang={first}")
    wait_for_run(page)
    no_failure(page, "opening")
    click_everything(page, OTHER[first])


def test_switch_language_then_click_everything_with_an_upload(server, page, tmp_path):
    from factories import carriers, rect, zones  # noqa: PLC0415

    zone_frame = zones(
        {"id": "east", "type": "pole", "geometry": rect(0, 0, 1000, 1000)},
        {"id": "north", "type": "belt", "geometry": rect(0, 0, 2000, 500)},
    )
    carrier_frame = carriers(
        {
            "id": "a",
            "geometry": rect(100, 100, 300, 300),
            "zone_ids": "east;north",
            "floor_area_existing_m2": 10_000,
            "floor_area_planned_m2": 0,
        },
    )
    page.goto(f"{server}/?basemap=none")
    wait_for_run(page)
    choose_section(page, "import", "zh")
    for role, frame in (("zones", zone_frame), ("carriers", carrier_frame)):
        click_option(page, say("role", "zh"), term("object", role, "zh"))
        path = tmp_path / f"{role}.geojson"
        path.write_bytes(frame.to_crs(4326).to_json(drop_id=True).encode())
        page.locator("input[type=file]").set_input_files(str(path))
        wait_for_run(page)
        no_failure(page, f"uploading {role}")
        page.get_by_role("button", name=say("read", "zh")).click()
        wait_for_run(page)
        no_failure(page, f"reading {role}")
    page.get_by_role("button", name=say("apply", "zh")).click()
    wait_for_run(page)
    no_failure(page, "using the upload")
    assert page.get_by_text(say("title_other", "zh"), exact=True).count() == 1
    click_everything(page, "en")


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: The Leaflet map inside streamlit-folium's frame (its script names it map_div and sets window.map too).
MAP_VIEW_JS = """() => {
    const key = Object.keys(window).find((k) => k.startsWith("map_") && window[k] && window[k].getZoom);
    const map = key ? window[key] : null;
    const panning = map && map._panAnim && map._panAnim._inProgress;
    if (!map || map._animatingZoom || panning || !document.querySelector(".xh-legend")) { return null; }
    const c = map.getCenter();
    return {zoom: map.getZoom(), lat: c.lat, lng: c.lng,
            legend: document.querySelector(".xh-legend b").textContent,
            zoomTitle: document.querySelector(".leaflet-control-zoom-in").getAttribute("title"),
            lang: map.getContainer().getAttribute("lang")};
}"""


def map_frame(page: object) -> object:
    """The map's iframe as a Playwright Frame, once its Leaflet map and legend are drawn."""
    frame = page.locator(MAP_FRAME).element_handle().content_frame()  # type: ignore[attr-defined]
    frame.wait_for_function(MAP_VIEW_JS)
    return frame


def map_view(frame: object, **expected: object) -> dict:
    """The map's zoom, centre, legend title, zoom-button title and language, once they read ``expected``."""
    condition = " && ".join(f"v.{k} === {json.dumps(v)}" for k, v in expected.items()) or "true"
    return frame.wait_for_function(  # type: ignore[attr-defined]
        f"() => {{ const v = ({MAP_VIEW_JS})(); return v && {condition} ? v : null; }}"
    ).json_value()


def test_a_language_switch_keeps_the_map_view(server, page):
    """Issue 9: zoom in and pan, switch the language: the map keeps its view and now speaks English."""
    page.goto(f"{server}/?basemap=none")
    wait_for_run(page)
    frame = map_frame(page)
    opened = map_view(frame, legend="图例", zoomTitle="放大", lang="zh-CN")
    zoom_in = frame.locator(".leaflet-control-zoom-in")  # type: ignore[attr-defined]
    zoom_in.click()
    map_view(frame, zoom=opened["zoom"] + 1)
    zoom_in.click()
    map_view(frame, zoom=opened["zoom"] + 2)
    box = page.locator(MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5
    # the drag ends with a "moveend" once the map has come to rest (after any inertia)
    frame.evaluate("() => { window.xhMoved = false; window.map.once('moveend', () => { window.xhMoved = true; }); }")
    page.mouse.move(x, y)  # type: ignore[attr-defined]
    page.mouse.down()  # type: ignore[attr-defined]
    page.mouse.move(x + 120, y + 60, steps=8)  # type: ignore[attr-defined]
    page.mouse.up()  # type: ignore[attr-defined]
    frame.wait_for_function("() => window.xhMoved")  # type: ignore[attr-defined]
    before = map_view(frame)
    assert before["lng"] != opened["lng"]
    assert before["zoom"] == opened["zoom"] + 2

    switch_language(page, "en")
    no_failure(page, "switching to English")
    after = map_view(map_frame(page), legend="Legend", zoomTitle="Zoom in", lang="en")
    assert after["zoom"] == before["zoom"]
    assert after["lat"] == pytest.approx(before["lat"], abs=1e-9)
    assert after["lng"] == pytest.approx(before["lng"], abs=1e-9)
