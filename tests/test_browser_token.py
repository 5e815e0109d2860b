"""A Tianditu token pasted on the page: masked, this session only, never logged, never downloaded.

And downloads are named after the data: ``xuhui_*`` for the bundled Xuhui data only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS, streamlit_server
from test_browser_choices import choose_section, click_option, no_failure, select, wait_for_run

import layers
from geo.text import term
from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "0123456789abcdef0123456789abcdef"  # noqa: S105 - a made-up key


@pytest.fixture(scope="module")
def server_and_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log_dir = tmp_path_factory.mktemp("streamlit")
    with streamlit_server(ROOT / "app.py", log_dir) as url:
        yield url, log_dir / "streamlit.log"


@pytest.fixture
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS))
        yield chromium
        chromium.close()


def new_page(browser: object) -> object:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(90_000)
    return page


def download(page: object, label: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_role("button", name=label).click()  # type: ignore[attr-defined]
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_a_pasted_token_is_used_here_only_and_never_leaves_in_a_download_or_the_log(server_and_log, browser, tmp_path):
    server, log = server_and_log
    page = new_page(browser)
    page.route("**/*tianditu.gov.cn/**", lambda route: route.abort())  # no tile requests leave the machine
    page.goto(f"{server}/?basemap=none")
    wait_for_run(page)
    field = page.get_by_label(say("token", "zh"), exact=True)
    assert field.get_attribute("type") == "password"  # masked
    field.fill(TOKEN)
    field.press("Enter")
    wait_for_run(page)
    select(page, say("basemap", "zh"), layers.basemap_info("tianditu_vec").label("zh"))
    no_failure(page, "choosing Tianditu")
    assert TOKEN not in page.locator('[data-testid="stApp"]').inner_text()
    choose_section(page, "downloads", "zh")
    html = download(page, say("dl_html", "zh"), tmp_path).read_text(encoding="utf-8")
    assert "L.map(" in html
    assert TOKEN not in html
    assert "tianditu.gov.cn" not in html  # the downloaded map falls back to OpenStreetMap
    for label in ("dl_geojson", "dl_kml"):
        assert TOKEN.encode() not in download(page, say(label, "zh"), tmp_path).read_bytes()
    # another session (another browser context) is not offered Tianditu
    other = new_page(browser)
    other.goto(f"{server}/?basemap=none")
    wait_for_run(other)
    other.locator('[data-testid="stSelectbox"]').first.locator('button[aria-label="Open"]').click()
    options = other.get_by_role("option").all_inner_texts()
    assert options
    assert not any("天地图" in o for o in options)
    assert TOKEN not in log.read_text(errors="replace")


def test_downloads_are_named_after_the_data(server_and_log, browser, tmp_path):
    from factories import carriers, rect  # noqa: PLC0415

    server, _log = server_and_log
    page = new_page(browser)
    page.goto(f"{server}/?basemap=none")
    wait_for_run(page)
    choose_section(page, "downloads", "zh")
    assert download(page, say("dl_geojson", "zh"), tmp_path).name.startswith("xuhui_")
    frame = carriers(
        {"id": "a", "geometry": rect(100, 100, 300, 300), "zone_ids": "pole_caohejing", "floor_area_existing_m2": 1}
    )
    path = tmp_path / "闵行 towers.geojson"
    path.write_bytes(frame.to_crs(4326).to_json(drop_id=True).encode())
    choose_section(page, "import", "zh")
    click_option(page, say("role", "zh"), term("object", "carriers", "zh"))
    page.locator("input[type=file]").set_input_files(str(path))
    wait_for_run(page)
    page.get_by_role("button", name=say("read", "zh")).click()
    wait_for_run(page)
    page.get_by_role("button", name=say("apply", "zh")).click()
    wait_for_run(page)
    no_failure(page, "using the upload")
    choose_section(page, "downloads", "zh")
    name = download(page, say("dl_geojson", "zh"), tmp_path).name
    assert not name.startswith("xuhui_carriers")
    assert "闵行_towers" in name
