"""The real page (app.py) in a real headless Chromium: ticking "colour carriers by phase" puts the phases' colours
and words in the map's legend, in place of the statuses, in both languages; unticking brings the statuses back."""

from __future__ import annotations

import json

import pytest
from test_browser_choices import map_frame, no_failure, wait_for_run

from ui.words import say

pytestmark = pytest.mark.browser

PHASES = {
    "zh": ("已建成", "在建", "规划", "阶段未知", "截至2025年的阶段"),
    "en": ("built", "under construction", "planned", "phase unknown", "phase in 2025"),
}
STATUS = {"zh": "已建成", "en": "existing"}
_LEGEND_JS = """() => Array.from(document.querySelectorAll(".xh-legend"))
    .filter((box) => box.isConnected && box.style.display !== "none")
    .map((box) => Array.from(box.querySelectorAll("[data-layer]"))
        .filter((row) => row.style.display !== "none")
        .map((row) => [row.textContent, (row.querySelector("span") || {style: {}}).style.background || ""]))"""


def _legend_rows(frame: object, *, wanted: str, present: bool) -> list[list[str]]:
    """The visible legend's rows (text, swatch fill) once ``wanted`` is (or is no longer) among them."""
    check = "rows.some((r) => r[0].includes(w))" if present else "!rows.some((r) => r[0].includes(w))"
    handle = frame.wait_for_function(  # type: ignore[attr-defined]
        f"""() => {{ const boxes = ({_LEGEND_JS})(); if (boxes.length !== 1) {{ return null; }}
            const rows = boxes[0]; const w = {json.dumps(wanted)}; return {check} ? rows : null; }}""",
        timeout=90_000,
    )
    return handle.json_value()


def _box(page: object, key: str, lang: str) -> object:
    """The sidebar's check box labelled ``say(key, lang)``."""
    sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    return sidebar.locator('[data-testid="stCheckbox"]', has_text=say(key, lang))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_colouring_by_phase_shows_the_phase_legend(server, page, lang: str) -> None:
    page.goto(f"{server}/?lang={lang}&basemap=none")  # type: ignore[attr-defined]
    wait_for_run(page)
    frame = map_frame(page)
    before = _legend_rows(frame, wanted=PHASES[lang][3], present=False)
    assert any(STATUS[lang] in text for text, _ in before)  # by status
    # as of a year (the slider's default, 2025), not build-out
    _box(page, "buildout", lang).locator("label").click()  # type: ignore[attr-defined]
    wait_for_run(page)
    _box(page, "by_phase", lang).locator("label").click()  # type: ignore[attr-defined]
    wait_for_run(page)
    no_failure(page, "colouring by phase")
    rows = _legend_rows(map_frame(page), wanted=PHASES[lang][3], present=True)
    texts = [text for text, _ in rows]
    for word in PHASES[lang][:4]:
        assert word in texts, (word, texts)
    assert any(PHASES[lang][4] in text for text in texts)  # "phase in 2025": the as-of year (the slider's default)
    fills = dict(rows)
    assert fills[PHASES[lang][0]] in ("rgb(43, 108, 176)", "#2b6cb0")  # built: the timeline chart's blue
    if lang == "en":
        assert STATUS["en"] not in texts  # the statuses' rows are gone
    # unticked: the statuses again
    _box(page, "by_phase", lang).locator("label").click()  # type: ignore[attr-defined]
    wait_for_run(page)
    after = _legend_rows(map_frame(page), wanted=PHASES[lang][3], present=False)
    assert any(STATUS[lang] in text for text, _ in after)
