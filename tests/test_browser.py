"""The page in a real headless Chromium against `streamlit run app.py`.

What only a browser shows: the map draws the carriers, a sidebar toggle changes what is drawn, a
download arrives with the right bytes, and with "no basemap" no request leaves 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
from conftest import CHROMIUM_ARGS, streamlit_server

import layers

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port; its URL."""
    with streamlit_server(ROOT / "app.py", tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only the browser tests need it

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path,
            headless=True,
            args=list(CHROMIUM_ARGS),
            accept_downloads=True,
            viewport={"width": 1400, "height": 1000},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.set_default_timeout(30_000)
    yield page
    page.close()


def _wait_for_run(page: object) -> None:
    """Let the rerun an action started begin, then wait until the script has finished it."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') !== 'running';
        }""",
        timeout=90_000,
    )


def _show_section(page: object, name: str) -> None:
    """Switch the page to one of its sections (汇总, 载体, …, 下载, 导入数据)."""
    switch = page.locator('[data-testid="stRadio"]', has_text="导入数据")  # type: ignore[attr-defined]
    switch.get_by_text(name, exact=True).click()


def _drawn_paths(page: object) -> int:
    frame = page.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]
    return frame.locator("path.leaflet-interactive").count()


def _open(page: object, url: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    frame = page.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")


def test_the_map_draws_the_carriers(server, page):
    _open(page, f"{server}/?basemap=none")
    frame = page.frame_locator(MAP_FRAME)
    assert frame.locator(".leaflet-container").count() == 1
    assert _drawn_paths(page) > 17  # 17 carriers, 4 zones and the context layers
    # a carrier label (nested ones, such as 西岸智塔, show only when zoomed in: layers.labels)
    assert "北杨人工智能小镇" in frame.locator(".leaflet-container").inner_text()


def test_the_summary_chart_is_drawn_as_bars(server, page):
    """The chart's HTML survives the browser's sanitizing: a legend, a row per group, bars with a width."""
    _open(page, f"{server}/?basemap=none&by=belt")
    chart = page.locator(".xh-chart")
    chart.wait_for()
    names = chart.locator(".xh-rows > div:not(.xh-bar):not(.xh-value)").all_inner_texts()
    assert names == ["徐汇滨江人工智能高质量发展带", "漕河泾—华泾人工智能高质量创新带", "不属于任何发展带"]
    widths = chart.locator(".xh-bar span").evaluate_all("spans => spans.map(s => s.getBoundingClientRect().width)")
    assert len(widths) >= 3
    assert all(w > 0 for w in widths)
    assert chart.locator(".xh-bar span").first.get_attribute("title").endswith("万㎡")


def test_toggling_a_layer_changes_what_is_drawn(server, page):
    _open(page, f"{server}/?basemap=none")
    before = _drawn_paths(page)
    page.get_by_text(layers.layer_label("carriers", "zh"), exact=True).click()
    page.wait_for_function(
        """([selector, before]) => {
            const frame = document.querySelector(selector);
            const doc = frame && frame.contentDocument;
            return doc && doc.querySelectorAll('path.leaflet-interactive').length < before;
        }""",
        arg=[MAP_FRAME, before],
    )
    assert _drawn_paths(page) < before


def test_a_download_arrives_with_the_right_bytes(server, page, tmp_path):
    _open(page, f"{server}/?basemap=none")
    _show_section(page, "下载")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="汇总表 CSV").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename == "summary_pole_declared_buildout.zip"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "summary_pole_declared_buildout.csv",
            "summary_pole_declared_buildout.csv-metadata.json",
        ]
        data = archive.read("summary_pole_declared_buildout.csv")
        metadata = json.loads(archive.read("summary_pole_declared_buildout.csv-metadata.json"))
    assert data.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(data))  # no options: the header is line 1
    table.columns = [c.lstrip("\ufeff") for c in table.columns]
    assert [c["name"] for c in metadata["tableSchema"]["columns"]] == list(table.columns)
    from geo.data import load_dataset  # noqa: PLC0415
    from geo.rollup import summarize  # noqa: PLC0415

    data_set = load_dataset()
    expected = summarize(data_set.carriers, data_set.zones, by="pole")
    assert table["group_id"].tolist() == expected["group_id"].tolist()
    assert table["total_m2"].tolist() == expected["total_m2"].astype(int).tolist()


def test_without_a_basemap_no_request_leaves_the_machine(server, page):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    _open(page, f"{server}/?basemap=none")
    page.wait_for_timeout(1500)  # let late requests (tiles, fonts) show up
    outside = [
        u
        for u in requests
        if urlparse(u).scheme in ("http", "https", "ws", "wss") and urlparse(u).hostname not in LOCAL_HOSTS
    ]
    assert requests, "the page made no requests at all: the listener is not working"
    assert outside == []


def test_a_hostile_upload_never_runs_and_shows_as_text(server, page, tmp_path):
    """Markup and template literals in every name go through the real upload widget and stay text."""
    from factories import carriers, rect, zones  # noqa: PLC0415

    payloads = ("<img src=x onerror=alert(1)>", "${alert(2)}", "`${document.title='pwned'}`")
    zone_frame = zones(
        {
            "id": "east",
            "type": "pole",
            "geometry": rect(0, 0, 1000, 1000),
            "name_zh": payloads[0],
            "name_en": payloads[1],
        }
    )
    carrier_frame = carriers(
        {
            "id": "a",
            "geometry": rect(100, 100, 300, 300),
            "zone_ids": "east",
            "name_zh": payloads[2],
            "name_en": payloads[0],
            "kind": payloads[1],
            "floor_area_existing_m2": 10,
            "floor_area_planned_m2": 0,
        }
    )
    carrier_frame[payloads[0]] = payloads[1]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _open(page, f"{server}/?basemap=none")
    title = page.title()
    _show_section(page, "导入数据")
    page.set_default_timeout(90_000)  # a loaded two-core CI machine reruns slowly
    _wait_for_run(page)
    role_radio = page.locator('[data-testid="stRadio"]', has_text="文件内容")
    for role, name, frame in (("片区", "zones.geojson", zone_frame), ("载体", "carriers.geojson", carrier_frame)):
        role_radio.get_by_text(role, exact=True).click()
        _wait_for_run(page)
        path = tmp_path / name
        path.write_bytes(frame.to_crs(4326).to_json(drop_id=True).encode())
        page.locator("input[type=file]").set_input_files(str(path))
        _wait_for_run(page)
        page.get_by_role("button", name="读取并检查").click()
        _wait_for_run(page)
        page.get_by_text(f"{name} ({role})", exact=False).first.wait_for()
    page.get_by_role("button", name="在本次会话中使用").click()
    _wait_for_run(page)
    # New data means a new map: wait for it to draw the zone's name (a label: literal text), then for
    # the old map's frame to go.
    page.wait_for_function(
        """([selector, text]) => [...document.querySelectorAll(selector)].some(
            f => f.contentDocument && f.contentDocument.body && f.contentDocument.body.innerText.includes(text))""",
        arg=[MAP_FRAME, payloads[0]],
    )
    page.wait_for_function("s => document.querySelectorAll(s).length === 1", arg=MAP_FRAME)
    frame = page.frame_locator(MAP_FRAME)
    page.wait_for_timeout(1000)
    assert dialogs == []
    assert page.title() == title
    assert page.locator("img[src='x']").count() == 0
    assert frame.locator("img[src='x']").count() == 0
    assert payloads[2] in frame.locator(".leaflet-container").inner_text()


def test_the_map_download_is_a_self_contained_page(server, page, tmp_path):
    """The standalone HTML carries Leaflet inline and loads no script or style from anywhere else."""
    import re  # noqa: PLC0415

    _open(page, f"{server}/?basemap=none")
    _show_section(page, "下载")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="地图 HTML（可离线打开）").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    html = path.read_text(encoding="utf-8")
    assert path.name == "xuhui_carriers_map.html"
    assert "L.map(" in html
    assert "Leaflet" in html  # the library itself, inlined
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=[\"']?(?:https?:)?//", html)
    assert "漕河泾" in html or "\\u6f15\\u6cb3\\u6cfe" in html  # the carriers are in it


def test_clicking_a_carrier_shows_its_attributes_and_cited_quotes(server, page):
    _open(page, f"{server}/?basemap=none")
    frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    opened = frame.evaluate(
        """() => {
            let found = null;
            for (const group of window.feature_group || []) {
                group.eachLayer(geojson => geojson.eachLayer && geojson.eachLayer(layer => {
                    if (layer.feature && layer.feature.id === 'caohejing') { found = layer; }
                }));
            }
            if (!found) { return false; }
            found.fire('click', {latlng: found.getBounds().getCenter()});
            return true;
        }"""
    )
    assert opened, "the carrier 'caohejing' is not on the map"
    popup = page.frame_locator(MAP_FRAME).locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "漕河泾开发区" in text
    assert "550 万㎡（5,500,000 ㎡）" in text  # its figure, in 万㎡ and whole m²
    assert "目前载体面积约550万方" in text  # the cited quote, verbatim
    assert "《徐汇区人工智能产业高质量发展“十四五”规划》" in text  # and where it comes from, by its title
    assert "001_d210a0fb95f39cab.txt" not in text
