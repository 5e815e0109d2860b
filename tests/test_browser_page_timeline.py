"""The real page (app.py) in a real headless Chromium: section timeline in both languages, the charts drawn,
and a click on a year's bar sets the sidebar's as-of year and turns build-out off."""

from __future__ import annotations

import pytest
from test_browser_choices import no_failure, wait_for_run

from geo.tranches import VOCABULARY
from ui.words import say

pytestmark = pytest.mark.browser


def _sidebar(page: object) -> object:
    return page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]


def _buildout(page: object, lang: str) -> object:
    box = _sidebar(page).locator('[data-testid="stCheckbox"]', has_text=say("buildout", lang))
    return box.locator("input[type=checkbox]")


def _as_of_year(page: object, lang: str) -> str:
    slider = _sidebar(page).locator('[data-testid="stSlider"]', has_text=say("year", lang))
    return slider.locator('[data-testid="stSliderThumbValue"]').inner_text().strip()


@pytest.mark.parametrize(("lang", "year"), [("zh", 2021), ("en", 2030)])
def test_a_click_on_a_year_of_the_pages_timeline_sets_the_as_of_year(server, page, lang: str, year: int) -> None:
    page.goto(f"{server}/?lang={lang}&section=timeline")  # type: ignore[attr-defined]
    wait_for_run(page)
    charts = page.locator('[data-testid="stVegaLiteChart"]')  # type: ignore[attr-defined]
    charts.nth(2).locator("g.mark-rect path").first.wait_for()
    assert charts.count() == 3  # two poles and the district total
    labels = charts.nth(2).locator("g.mark-rect path").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert len(labels) == 21 * 3  # 2015–2035, three phases stacked
    planned = VOCABULARY["phase"]["planned"].in_(lang)
    assert any(planned in label for label in labels)
    other = VOCABULARY["phase"]["planned"].in_("en" if lang == "zh" else "zh")
    assert not any(other in label for label in labels)  # the page's language only
    assert _buildout(page, lang).is_checked()
    no_failure(page, "opening the timeline")

    charts.nth(2).locator(f'g.mark-rect path[aria-label*="{year}"]').first.click()
    wait_for_run(page)
    from playwright.sync_api import expect  # noqa: PLC0415 - only the browser tests need it

    expect(_buildout(page, lang)).not_to_be_checked(timeout=60_000)  # build-out is off
    assert _as_of_year(page, lang) == str(year)  # the sidebar's as-of year is the year clicked
    changes = f"{year} 年的变化" if lang == "zh" else f"What changes in {year}"
    page.get_by_text(changes).first.wait_for()  # type: ignore[attr-defined]
    no_failure(page, f"clicking {year}")
