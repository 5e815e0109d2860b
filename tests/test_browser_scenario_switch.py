"""In a real Chromium: a planner's unsaved scenario edits survive a switch 中文 → English → 中文, and are saved once.

Each kind of edit the scenarios section offers is made before the switch: a status chosen and a figure typed in the
carriers table, a tranche's figure typed in the tranches table, a carrier chosen for removal, and a carrier drawn on
the map (its id, names, status and figure). Before, the tranches table came back empty, the carriers table kept the
status as a Chinese word the English page's contract refused, and the comparison failed on the base's Chinese label.
After the switch back, each save records each edit once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser_choices import click_option, no_failure, select, selected, switch_language, wait_for_run
from test_browser_scenario_figures import type_cell
from test_browser_scenarios import click, draw_polygon, open_scenario, success

import layers
from geo.text import field_label, term
from geo.workspace import FEATURE, open_workspace
from ui.scenarios import EDITABLE, TEXTS
from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CARRIER = "westbund_media_port"  # no tranches fix its figures: the table may change them
REMOVED = "westbund_financial_city"
REMOVED_NAMES = {"zh": "西岸金融城", "en": "West Bund Financial City"}
TRANCHE = "beiyang_capacity"
DRAWN = "drawn_switch"


def carriers_grid(page: object) -> object:
    return page.locator('[data-testid="stDataFrame"]').first  # type: ignore[attr-defined]


def tranches_grid(page: object) -> object:
    return (
        page.locator('[data-testid="stDataFrame"]')  # type: ignore[attr-defined]
        .filter(has=page.locator("td", has_text=TRANCHE))  # type: ignore[attr-defined]
        .first
    )


def open_carrier_cell(page: object, carrier: str, column: str) -> None:
    """Open the grid's own editor on the carriers table's cell of ``column`` for ``carrier`` (the grid is a canvas:
    the row is found in its accessible table, the cell reached with the keyboard)."""
    grid = carriers_grid(page)
    grid.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    cell_id = grid.locator("td", has_text=carrier).first.get_attribute("id")  # type: ignore[attr-defined]
    row = int(str(cell_id).rsplit("-", 1)[1])  # glide-cell-<column>-<row>
    grid.click(position={"x": 60, "y": 35 * (row + 1) + 35 // 2})  # type: ignore[attr-defined] # the id column
    for _ in range(EDITABLE.index(column) + 1):
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]


def type_carrier_cell(page: object, carrier: str, column: str, value: int) -> None:
    editor = page.locator("#portal input.gdg-input").first  # type: ignore[attr-defined]
    for _attempt in range(3):
        open_carrier_cell(page, carrier, column)
        try:
            editor.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: the click went to the grid before a rerun redrew it
            page.keyboard.press("Escape")  # type: ignore[attr-defined]
            wait_for_run(page)
    editor.fill(str(value))
    editor.press("Enter")
    wait_for_run(page)
    no_failure(page, f"typing {value} into {column} of {carrier}")


def choose_status(page: object, carrier: str, word: str) -> None:
    """Choose ``word`` in the status cell's select list (typed, then taken with Enter)."""
    open_carrier_cell(page, carrier, "status")
    page.wait_for_timeout(500)  # type: ignore[attr-defined] # the list opens
    page.keyboard.type(word)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    wait_for_run(page)
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    no_failure(page, f"choosing {word} for {carrier}")


def row_cells(grid: object, first_cell: str) -> list[str]:
    """The cells of the row whose first cell is ``first_cell``, as the grid's accessible table reads them (read
    again while the grid, just redrawn by a rerun, has not written its rows yet)."""
    for _attempt in range(10):
        try:
            grid.scroll_into_view_if_needed()  # type: ignore[attr-defined]
            for row in grid.locator("tr").all():  # type: ignore[attr-defined]
                cells = [c.strip() for c in row.locator("td, th").all_inner_texts()]
                if cells and cells[0] == first_cell:
                    return cells
        except Exception:  # noqa: BLE001 - playwright's Error: a rerun replaced the grid while it was read
            grid.page.wait_for_timeout(500)  # type: ignore[attr-defined]
            continue
        grid.page.wait_for_timeout(500)  # type: ignore[attr-defined]
    return []


def removal_box(page: object, lang: str) -> object:
    return page.locator('[data-testid="stMultiSelect"]').filter(  # type: ignore[attr-defined]
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=TEXTS["remove"].in_(lang))  # type: ignore[attr-defined]
    )


def assert_all_kept(page: object, lang: str) -> None:
    """Every unsaved edit is shown, in ``lang``'s words."""
    carrier = row_cells(carriers_grid(page), CARRIER)
    columns = ["id", *EDITABLE]
    assert carrier[columns.index("status")] == term("status", "planned", lang), (lang, carrier)
    assert carrier[columns.index("floor_area_planned_m2")] == "123456", (lang, carrier)
    tranche = row_cells(tranches_grid(page), TRANCHE)
    assert "600000" in tranche, (lang, tranche)
    assert "1000000" not in tranche, (lang, tranche)
    chips = removal_box(page, lang).inner_text()  # type: ignore[attr-defined]
    assert REMOVED_NAMES[lang] in chips, (lang, chips)
    assert page.get_by_label(TEXTS["draw_id"].in_(lang)).input_value() == DRAWN  # type: ignore[attr-defined]
    assert selected(page, field_label("status", lang)) == term("status", "planned", lang)
    planned = page.get_by_label(field_label("floor_area_planned_m2", lang)).last  # type: ignore[attr-defined]
    assert planned.input_value().replace(",", "") == "200000"


def make_every_kind_of_edit(page: object) -> None:
    """A tranche's figure, a carrier's figure and status, a carrier to remove, a carrier drawn and described."""
    type_cell(page, tranches_grid(page), TRANCHE, "floor_area_m2", 600_000)
    type_carrier_cell(page, CARRIER, "floor_area_planned_m2", 123_456)
    choose_status(page, CARRIER, term("status", "planned", "zh"))  # last: the grid keeps its select list's focus
    removal_box(page, "zh").click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=REMOVED_NAMES["zh"], exact=True).click()  # type: ignore[attr-defined]
    wait_for_run(page)
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    draw_polygon(page)
    page.get_by_label(TEXTS["draw_id"].zh).fill(DRAWN)  # type: ignore[attr-defined]
    page.get_by_label(field_label("name_zh", "zh")).last.fill("切换楼")  # type: ignore[attr-defined]
    page.get_by_label(field_label("name_en", "zh")).last.fill("Switch tower")  # type: ignore[attr-defined]
    select(page, field_label("status", "zh"), term("status", "planned", "zh"))
    figure = page.get_by_label(field_label("floor_area_planned_m2", "zh")).last  # type: ignore[attr-defined]
    figure.fill("200000")
    figure.press("Enter")
    wait_for_run(page)


def test_every_unsaved_edit_survives_a_language_switch_and_is_saved_once(
    browser, workspace_server, workspace_path
) -> None:
    page = open_scenario(browser, workspace_server, "lin")
    page.set_viewport_size({"width": 2200, "height": 1400})  # every column of the carriers table in view
    wait_for_run(page)
    make_every_kind_of_edit(page)
    no_failure(page, "making every kind of edit")
    assert_all_kept(page, "zh")

    for lang in ("en", "zh"):
        switch_language(page, lang)
        no_failure(page, f"switching to {lang}")
        assert_all_kept(page, lang)
    # Any other rerun keeps them too: the grouping, a layer box.
    click_option(page, say("grouping", "zh"), term("grouping", "belt", "zh"))
    page.get_by_test_id("stSidebarUserContent").get_by_text(  # type: ignore[attr-defined]
        layers.layer_label("carriers", "zh"), exact=True
    ).click()
    wait_for_run(page)
    no_failure(page, "changing the grouping and a layer")
    assert_all_kept(page, "zh")

    store = open_workspace(workspace_path, create=False)
    assert store.edits("s") == []  # nothing saved by a switch
    click(page, TEXTS["save"].zh)
    no_failure(page, "saving the carriers")
    assert success(page) == TEXTS["saved"].zh.format(version=1, n=3)
    emptied = removal_box(page, "zh").inner_text()  # type: ignore[attr-defined] # saved: nothing chosen now
    assert REMOVED_NAMES["zh"] not in emptied, emptied
    drawn = removal_box(page, "zh").inner_html()  # type: ignore[attr-defined] # the placeholder: an attribute
    assert say("choose", "zh") in drawn, drawn  # in Chinese, not Streamlit's "Choose options"
    assert "Choose" not in drawn, drawn
    edits = sorted((e.object_id, e.field, e.value_after) for e in store.edits("s"))
    assert edits == sorted(
        [(CARRIER, "floor_area_planned_m2", 123_456), (CARRIER, "status", "planned"), (REMOVED, FEATURE, None)]
    ), edits
    click(page, TEXTS["save_tranches"].zh)  # its edit was kept through the carriers' save
    no_failure(page, "saving the tranches")
    assert success(page).startswith(TEXTS["saved"].zh.split("{")[0])
    tranche_edits = [(e.object_id, e.field, e.value_after) for e in store.edits("s") if e.object_type == "tranche"]
    assert tranche_edits == [(TRANCHE, "floor_area_m2", 600_000)]
    click(page, TEXTS["draw_save"].zh)
    no_failure(page, "saving the drawn carrier")
    assert success(page).startswith(TEXTS["saved"].zh.split("{")[0])
    saved = store.load("s").dataset.carriers.set_index("id")
    assert (saved.at[DRAWN, "status"], int(saved.at[DRAWN, "floor_area_planned_m2"])) == ("planned", 200_000)
    assert (saved.at[CARRIER, "status"], int(saved.at[CARRIER, "floor_area_planned_m2"])) == ("planned", 123_456)
    assert REMOVED not in saved.index
    assert [e.object_id for e in store.edits("s")].count(CARRIER) == 2  # its two fields, once each
    page.context.close()
