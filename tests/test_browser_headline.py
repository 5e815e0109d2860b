"""In a real Chromium: the headline's total is worded with its qualifier, as the summary table words it.

The server's workspace holds a scenario ``s`` in which 漕河泾's built figure is "at least" (the bundled data says
"about"), so its district total is "at least". Before, the headline showed the bare number either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import headline_figure, streamlit_server
from test_browser_choices import choose_section, no_failure, select, switch_language, wait_for_run

from geo.present import qualifier_words
from geo.workspace import Change, Who, create_workspace
from ui.scenarios import TEXTS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("workspace") / "workspace.gpkg"
    store = create_workspace(path, who=Who("lead"))
    store.new_scenario("s", who=Who("lead"))
    store.save("s", [Change("tranche", "caohejing_built", {"qualifier": "at_least"})], who=Who("lead"), reason="test")
    env = {"XUHUI_WORKSPACE": str(path)}
    with streamlit_server(ROOT / "app.py", tmp_path_factory.mktemp("streamlit"), env=env) as url:
        yield url


def headline(page: object) -> str:
    wait_for_run(page)
    return page.locator('[data-testid="stMetricValue"]').first.inner_text().strip()  # type: ignore[attr-defined]


def test_the_headline_says_about_and_at_least_in_the_pages_language(page, server) -> None:
    page.goto(f"{server}/?basemap=none")
    wait_for_run(page)
    bundled = headline(page)
    assert headline_figure(bundled)[0] == qualifier_words(["about"], "zh")[0], bundled  # 约
    choose_section(page, "scenarios", "zh")
    select(page, TEXTS["scenario"].zh, "s")
    no_failure(page, "choosing s")
    shown = headline(page)
    assert shown.startswith("不少于 "), shown
    assert headline_figure(shown)[1] == headline_figure(bundled)[1]  # the same total, now "at least"
    switch_language(page, "en")
    no_failure(page, "switching to English")
    shown_en = headline(page)
    assert shown_en.startswith("at least "), shown_en
    assert headline_figure(shown_en)[1] == headline_figure(shown)[1]
