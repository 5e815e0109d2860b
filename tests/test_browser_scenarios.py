"""Two planners edit one scenario in two real Chromium sessions: nothing is lost, and the comparison shows it.

The server runs on a temporary workspace (``XUHUI_WORKSPACE`` in its environment) holding the base and a
scenario ``s``. Each session types its name, chooses ``s`` and types a new figure into the edit table
(``st.data_editor``, a canvas grid: cells are reached with the keyboard). The first save succeeds; the
second, made from the version both loaded, is refused with the conflict message and the offer to reload
and re-apply; re-applying keeps both edits in the log. The comparison of base and ``s`` then shows the sum
of both changes as the district total's difference.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pytest
from conftest import headline_figure
from test_browser_choices import choose_section, no_failure, select, wait_for_run

from geo.workspace import Change
from layers.compare import CHANGE_COLOURS
from ui.scenarios import EDITABLE, TEXTS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
FIELD = "floor_area_existing_m2"
TOTAL = "全区合计"  # the district total's row (geo.rollup)
EMPTY = (121.434, 31.1895)  # lon, lat near 徐家汇 outside every carrier (and every belt)
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
CONFLICT = "已被他人保存"  # the start of geo.workspace.ConflictError's Chinese message


TRIANGLE = ((0, 0), (30, 0), (15, 25), (0, 0))  # pixels from the first vertex; back to it closes the polygon


def draw_polygon(
    page: object, lonlat: tuple[float, float] = EMPTY, offsets: tuple[tuple[int, int], ...] = TRIANGLE
) -> None:
    """Draw a polygon with Leaflet.draw's tool on the page's map: the first vertex at ``lonlat`` (where the page's
    Leaflet map puts it on the screen), the others ``offsets`` pixels from it; then wait for the run it starts."""
    frame = page.locator(MAP_FRAME).first.content_frame  # type: ignore[attr-defined]
    frame.locator(".leaflet-draw-draw-polygon").wait_for()
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()  # type: ignore[attr-defined] # clicked on screen
    box = page.locator(MAP_FRAME).first.bounding_box()  # type: ignore[attr-defined]
    point = frame.locator(".leaflet-container").evaluate(
        """(el, lonlat) => {
            const map = Object.values(window).find(v => v instanceof L.Map && v.getContainer() === el);
            const p = map.latLngToContainerPoint([lonlat[1], lonlat[0]]);
            return [p.x, p.y];
        }""",
        list(lonlat),
    )
    x, y = box["x"] + point[0], box["y"] + point[1]
    frame.locator(".leaflet-draw-draw-polygon").click()
    for dx, dy in offsets:
        page.mouse.click(x + dx, y + dy)  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
    wait_for_run(page)


def open_scenario(browser: object, server: str, who: str) -> object:
    """A new session (its own browser context) on the scenarios section, ``who`` typed, ``s`` chosen."""
    context = browser.new_context(viewport={"width": 1400, "height": 1400})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{server}/?basemap=none&by=pole&mode=declared")
    wait_for_run(page)
    choose_section(page, "scenarios", "zh")
    name = page.get_by_label(TEXTS["who"].zh)
    name.fill(who)
    name.press("Enter")
    wait_for_run(page)
    select(page, TEXTS["scenario"].zh, "s")
    no_failure(page, f"{who} chose s")
    return page


def type_figure(page: object, carrier: str, value: int) -> None:
    """Type ``value`` into the edit table's ``FIELD`` cell of ``carrier``: the grid is a canvas, so the row is
    found in its accessible table, the cell reached with the keyboard and edited in the grid's own editor."""
    grid = page.locator('[data-testid="stDataFrame"]').first  # type: ignore[attr-defined]
    grid.scroll_into_view_if_needed()
    cell_id = grid.locator("td", has_text=carrier).first.get_attribute("id")  # glide-cell-<column>-<row>
    row = int(str(cell_id).rsplit("-", 1)[1])
    grid.click(position={"x": 60, "y": 35 * (row + 1) + 35 // 2})  # the id column; the header is 35 px high
    for _ in range(EDITABLE.index(FIELD) + 1):
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    editor = page.locator("#portal input.gdg-input").first  # type: ignore[attr-defined]
    editor.fill(str(value))
    editor.press("Enter")
    wait_for_run(page)
    no_failure(page, f"typing {value} for {carrier}")


def success(page: object) -> str:
    """The text of the page's success message, once the save's rerun has shown it."""
    box = page.locator('[data-testid="stAlertContentSuccess"]')  # type: ignore[attr-defined]
    box.wait_for(timeout=60_000)
    return box.inner_text().strip()


def click(page: object, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()  # type: ignore[attr-defined]
    wait_for_run(page)


def test_two_sessions_one_scenario_second_refused_reapplied_and_compared(
    browser, workspace_server, workspace_path
) -> None:
    from geo.workspace import open_workspace  # noqa: PLC0415

    store = open_workspace(workspace_path, create=False)
    carriers = store.load("s").dataset.carriers.set_index("id")
    # Two carriers whose figure the contract lets one type (no tranches fix it); their figure before.
    free = [i for i in carriers.index if not store.preview("s", [Change("carrier", i, {FIELD: 1})])][:2]
    first_id, second_id = free
    before = {i: 0 if pd.isna(carriers.at[i, FIELD]) else int(carriers.at[i, FIELD]) for i in free}
    first_value, second_value = before[first_id] + 100_000, before[second_id] + 50_000

    alice, bob = open_scenario(browser, workspace_server, "alice"), open_scenario(browser, workspace_server, "bob")
    type_figure(alice, first_id, first_value)
    type_figure(bob, second_id, second_value)
    click(alice, TEXTS["save"].zh)
    no_failure(alice, "alice saved")
    assert success(alice) == TEXTS["saved"].zh.format(version=1, n=1)
    assert [(e.object_id, e.value_after) for e in store.edits("s")] == [(first_id, first_value)]

    click(bob, TEXTS["save"].zh)
    warning = bob.locator('[data-testid="stAlertContentWarning"]', has_text=CONFLICT)
    warning.wait_for(timeout=60_000)  # the refusal's rerun
    assert bob.get_by_role("button", name=TEXTS["reload"].zh).count() == 1
    assert len(store.edits("s")) == 1  # refused: nothing of bob's saved
    click(bob, TEXTS["reapply"].zh)
    no_failure(bob, "bob re-applied")
    assert success(bob) == TEXTS["saved"].zh.format(version=2, n=1)
    edits = [(e.object_id, e.field, e.value_after, e.who) for e in store.edits("s")]
    assert edits == [(first_id, FIELD, first_value, "alice"), (second_id, FIELD, second_value, "bob")]

    # The comparison (base and s, chosen by default), rebuilt by the save: the district total differs by both.
    difference = (first_value - before[first_id] + second_value - before[second_id]) / 10_000
    compare = compare_rows(bob)
    assert TOTAL in compare, compare
    total = compare[TOTAL]
    assert float(total[-1]) == pytest.approx(difference), compare  # the last column: s's difference to base
    assert float(total[1]) - float(total[0]) == pytest.approx(difference), compare
    # and on the map: the two changed carriers in the "changed" colour, the others grey
    compare_frame = bob.locator(MAP_FRAME).nth(1).content_frame
    compare_frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    strokes = compare_frame.locator("path.leaflet-interactive").evaluate_all(
        "paths => paths.map(p => p.getAttribute('stroke'))"
    )
    assert strokes.count(CHANGE_COLOURS["changed"]) == 2, strokes
    assert strokes.count(CHANGE_COLOURS["unchanged"]) == len(strokes) - 2, strokes
    alice.context.close()
    bob.context.close()


def compare_rows(page: object) -> dict[str, list[str]]:
    """The comparison table's rows as the grid's accessible table reads them: group -> cell texts.

    Read again when a rerun replaced the grid while it was being read."""
    for _attempt in range(5):
        wait_for_run(page)
        grid = page.locator('[data-testid="stDataFrame"]').filter(  # type: ignore[attr-defined]
            has=page.locator("td", has_text=TOTAL)  # type: ignore[attr-defined]
        )
        try:
            grid.first.scroll_into_view_if_needed()
            rows = {}
            for row in grid.first.locator("tr").all():
                cells = [c.strip() for c in row.locator("td, th").all_inner_texts()]
                if cells:
                    rows[cells[0]] = cells[1:]
        except Exception:  # noqa: BLE001, S112 - playwright's Error: the grid was replaced by a rerun
            continue
        return rows
    return {}


def test_a_carrier_drawn_on_the_map_is_saved_into_the_table_and_the_sums(
    browser, workspace_server, workspace_path
) -> None:
    """Leaflet.draw in the scenarios section only, from the page's own files: draw a triangle, name it,
    give its figure, save; it is a row of the edit table and part of the headline total."""
    from geo.text import field_label  # noqa: PLC0415
    from geo.workspace import open_workspace  # noqa: PLC0415

    requests: list[str] = []
    page = open_scenario(browser, workspace_server, "frank")
    page.on("request", lambda r: requests.append(r.url))
    # The page's map (the comparison's is below) offers the drawing tool before anything is read.
    page.locator(MAP_FRAME).first.content_frame.locator(".leaflet-draw-draw-polygon").wait_for()
    shown_before = page.locator('[data-testid="stMetricValue"]').first.inner_text().strip()
    total_before = headline_figure(shown_before)[1]
    draw_polygon(page)  # on EMPTY, a spot of Xuhui no carrier covers
    page.get_by_label(TEXTS["draw_id"].zh).fill("drawn_tower")
    page.get_by_label(field_label("name_zh", "zh")).last.fill("绘制的楼")
    page.get_by_label(field_label("name_en", "zh")).last.fill("Drawn tower")
    figure = page.get_by_label(field_label("floor_area_existing_m2", "zh")).last  # counted in any as-of year
    figure.fill("300000")
    figure.press("Enter")
    wait_for_run(page)
    no_failure(page, "filling the drawn carrier")
    click(page, TEXTS["draw_save"].zh)
    assert success(page) == TEXTS["saved"].zh.format(version=open_workspace(workspace_path).scenario("s").version, n=1)
    no_failure(page, "saving the drawn carrier")
    saved = open_workspace(workspace_path, create=False).load("s").dataset.carriers.set_index("id")
    assert int(saved.at["drawn_tower", "floor_area_existing_m2"]) == 300_000
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    grid.hover()
    page.mouse.wheel(0, 2_000)  # the new carrier is the last row; the grid lists only the rows in view
    page.wait_for_timeout(500)
    assert grid.locator("td", has_text="drawn_tower").count() == 1
    with contextlib.suppress(Exception):  # playwright's TimeoutError: then the assertion below says what is shown
        page.wait_for_function(
            "before => document.querySelector('[data-testid=\"stMetricValue\"]').innerText.trim() !== before",
            arg=shown_before,
            timeout=30_000,
        )
    total_after = headline_figure(page.locator('[data-testid="stMetricValue"]').first.inner_text())[1]
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    assert total_after - total_before == pytest.approx(30.0), (metrics, saved.loc["drawn_tower"].to_dict())
    outside = [u for u in requests if not u.startswith(("http://127.0.0.1", "data:", "blob:", "about:"))]
    assert not outside, outside
    page.context.close()


def test_the_default_page_offers_no_drawing_tools(browser, workspace_server) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{workspace_server}/?basemap=none")
    wait_for_run(page)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    assert frame.locator(".leaflet-draw").count() == 0
    context.close()
