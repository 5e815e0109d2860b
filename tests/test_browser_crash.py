"""A file that crashes its decoder cannot take the server down (issue 10).

A ~1 KB GeoParquet whose geometry nests 100,000 levels deep made GEOS's WKB reader overflow its
stack: SIGSEGV, in the page's upload step, which took the whole Streamlit server (every user's
session) with it. Uploads are now parsed in a separate, limited worker process, and deep nesting is
refused before any decoder recurses. Real Chromium: one session uploads the file and gets a
refusal in words; the server keeps serving, and a second session then opens the page and gets its map.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import deep_parquet
from test_browser_choices import choose_section, wait_for_run
from test_browser_sessions import map_text

from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent


def test_a_crashing_upload_is_refused_and_the_server_serves_the_next_session(server, browser, tmp_path) -> None:
    crash = tmp_path / "deep.parquet"
    crash.write_bytes(deep_parquet(100_000))
    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = first.new_page()
    page.goto(f"{server}/?basemap=none")
    wait_for_run(page)
    choose_section(page, "import", "zh")
    page.locator("input[type=file]").set_input_files(str(crash))
    wait_for_run(page)
    page.get_by_role("button", name=say("read", "zh")).click()  # decoding the geometry is what crashed
    wait_for_run(page)
    refusal = page.locator('[data-testid="stAlert"]', has_text="嵌套")  # refused in the planner's words
    refusal.first.wait_for(timeout=60_000)
    assert "Traceback" not in page.inner_text("body")
    first.close()

    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = second.new_page()
    other.goto(f"{server}/?basemap=none")
    other.get_by_text(say("title", "zh")).first.wait_for()  # after the map: the first run sends the map alone
    assert "漕河泾" in map_text(other)  # the map of the bundled data is drawn: the server is alive
    second.close()
