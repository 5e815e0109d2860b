"""Scenario figures in a real Chromium: a tranche typed into the tranches table, and a carrier drawn with a planned
figure and its year, move the headline by exactly their figures.

The server runs on its own temporary workspace (``XUHUI_WORKSPACE``) holding the bundled base and a scenario ``s``.
"""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path

import pytest
from conftest import headline_figure
from test_browser_choices import choose_section, click_option, no_failure, select, wait_for_run
from test_browser_scenarios import MAP_FRAME, click, draw_polygon, open_scenario, success

from geo.data import load_dataset
from geo.io import export
from geo.present import label as present_label
from geo.present import summary_table
from geo.text import field_label, term
from geo.timeline import summary_as_of
from geo.workspace import open_workspace
from ui.scenarios import FIGURE_TEXTS, TEXTS, TRANCHE_EDITABLE
from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
IN_LINE15 = (121.43325595057534, 31.150828)  # lon, lat inside the Line 15 belt, outside every carrier
LINE15 = "漕河泾—华泾人工智能高质量创新带"  # the belt's name in the summary table


def bundled_frames() -> tuple[object, object]:
    """The bundled carriers and zones (the summary's columns do not depend on the figures)."""
    data = load_dataset(context=False)
    return data.carriers, data.zones


def headline(page: object) -> float:
    """The headline total (万㎡, after its qualifier's word), once the page has finished its run."""
    wait_for_run(page)
    return headline_figure(page.locator('[data-testid="stMetricValue"]').first.inner_text())[1]  # type: ignore[attr-defined]


def wait_for_headline(page: object, before: float) -> float:
    """The headline total once its number is no longer ``before`` (a save's rerun), or as it is after 30 s."""
    with contextlib.suppress(Exception):  # playwright's TimeoutError: the caller's assertion says what is shown
        page.wait_for_function(  # type: ignore[attr-defined]
            """before => {
                const text = document.querySelector('[data-testid="stMetricValue"]').innerText.trim();
                return !text.endsWith(' ' + before) && text !== before;
            }""",
            arg=f"{before:,.1f}",
            timeout=30_000,
        )
    return headline(page)


def as_of_last_year(page: object, *, on: bool) -> None:
    """Turn build-out off and move the sidebar's as-of year to its last year (``on``), or build-out back on."""
    sidebar = page.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    box = sidebar.locator('[data-testid="stCheckbox"]', has_text=say("buildout", "zh"))
    box.locator("label").click()
    wait_for_run(page)
    if on:
        slider = sidebar.locator('[data-testid="stSlider"]', has_text=say("year", "zh")).get_by_role("slider")
        slider.focus()
        page.keyboard.press("End")  # type: ignore[attr-defined]
        wait_for_run(page)


def grid_row(page: object, first_cell: str) -> list[str]:
    """The cells of the row of a table (st.dataframe's accessible table) whose first cell is ``first_cell``."""
    for _attempt in range(5):
        wait_for_run(page)
        grid = page.locator('[data-testid="stDataFrame"]').filter(  # type: ignore[attr-defined]
            has=page.locator("td", has_text=first_cell)  # type: ignore[attr-defined]
        )
        try:
            for row in grid.first.locator("tr").all():
                cells = [c.strip() for c in row.locator("td, th").all_inner_texts()]
                if first_cell in cells[:2]:
                    return cells[cells.index(first_cell) + 1 :]
        except Exception:  # noqa: BLE001, S112 - playwright's Error: a rerun replaced the grid while it was read
            continue
    return []


def test_a_carrier_drawn_with_its_planned_figure_and_year_grows_the_headline(
    browser, workspace_server, workspace_path
) -> None:
    """On the base (the default choice): Leaflet.draw a polygon in the Line 15 belt, 20万 planned by 2026, save.
    The headline and the belt's summary row grow by 20万 at build-out, the headline by 20万 as of 2035."""
    page = open_scenario(browser, workspace_server, "frank")
    select(page, TEXTS["scenario"].zh, TEXTS["base"].zh)
    click_option(page, say("grouping", "zh"), term("grouping", "belt", "zh"))  # the summary by belt
    as_of_last_year(page, on=True)
    late_before = headline(page)
    as_of_last_year(page, on=False)
    total_before = headline(page)
    choose_section(page, "summary", "zh")
    line15_before = grid_row(page, LINE15)
    choose_section(page, "scenarios", "zh")

    draw_polygon(page, IN_LINE15, ((0, 0), (20, 0), (10, -16), (0, 0)))
    page.get_by_label(TEXTS["draw_id"].zh).fill("drawn_planned")
    page.get_by_label(field_label("name_zh", "zh")).last.fill("规划新楼")
    page.get_by_label(field_label("name_en", "zh")).last.fill("Planned tower")
    select(page, field_label("status", "zh"), term("status", "planned", "zh"))
    figure = page.get_by_label(field_label("floor_area_planned_m2", "zh")).last
    figure.fill("200000")
    figure.press("Enter")
    wait_for_run(page)
    year = page.get_by_label(field_label("planned_year", "zh")).last
    year.fill("2026")
    year.press("Enter")
    wait_for_run(page)
    no_failure(page, "filling the drawn carrier")
    click(page, TEXTS["draw_save"].zh)
    assert success(page).startswith(TEXTS["saved"].zh.split("{")[0])
    no_failure(page, "saving the drawn carrier")
    saved = open_workspace(workspace_path, create=False).load("base").dataset.carriers.set_index("id")
    row = saved.loc["drawn_planned"]
    assert (int(row["floor_area_planned_m2"]), int(row["planned_year"]), row["zone_ids"]) == (
        200_000,
        2026,
        "belt_line15",
    )

    assert wait_for_headline(page, total_before) - total_before == pytest.approx(20.0)
    choose_section(page, "summary", "zh")
    line15_after = grid_row(page, LINE15)
    # The cells after the group's name, as geo.present.summary_table orders them (合计限定 comes before 合计).
    shown = list(summary_table(summary_as_of(*bundled_frames(), by="belt", mode="declared"), "zh").columns)
    total_column = shown.index(present_label("total", "zh")) - 1
    assert float(line15_after[total_column]) - float(line15_before[total_column]) == pytest.approx(20.0), (
        line15_before,
        line15_after,
    )
    as_of_last_year(page, on=True)
    assert headline(page) - late_before == pytest.approx(20.0)
    page.context.close()


def type_cell(page: object, grid: object, row_id: str, column: str, value: object) -> None:
    """Type ``value`` into the cell of ``column`` in the row whose id is ``row_id`` (the grid is a canvas: the row
    is found in its accessible table, the cell reached with the keyboard, edited in the grid's own editor)."""
    grid.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    cell_id = grid.locator("td", has_text=row_id).first.get_attribute("id")  # type: ignore[attr-defined]
    row = int(str(cell_id).rsplit("-", 1)[1])  # glide-cell-<column>-<row>
    grid.click(position={"x": 40, "y": 35 * (row + 1) + 35 // 2})  # type: ignore[attr-defined] # the id column
    for _ in range(TRANCHE_EDITABLE.index(column)):
        page.keyboard.press("ArrowRight")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    editor = page.locator("#portal input.gdg-input").first  # type: ignore[attr-defined]
    editor.fill(str(value))
    editor.press("Enter")
    wait_for_run(page)
    no_failure(page, f"typing {value} into {column} of {row_id}")


def test_the_issues_what_if_typed_into_the_tranches_table(browser, workspace_server, workspace_path) -> None:
    """北杨 delivers 60万 by 2026 instead of 100万 by 2027: typed into the tranches table of scenario s and saved
    with a reason, it is four logged edits (two of the tranche, two of the carrier's columns), and the headline
    at build-out falls by exactly 40万."""
    page = open_scenario(browser, workspace_server, "gao")
    total_before = headline(page)
    page.get_by_text(FIGURE_TEXTS["tranches"].zh).first.scroll_into_view_if_needed()
    grid = page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("td", has_text="beiyang_capacity"))
    type_cell(page, grid.first, "beiyang_capacity", "floor_area_m2", 600_000)
    type_cell(page, grid.first, "beiyang_capacity", "year", 2026)
    reason = page.get_by_label(TEXTS["reason"].zh).nth(1)  # the tranches table's (the carriers' is first)
    reason.fill("60万 by 2026?")
    reason.press("Enter")
    wait_for_run(page)
    click(page, TEXTS["save_tranches"].zh)
    assert success(page) == TEXTS["saved"].zh.format(version=1, n=4)
    no_failure(page, "saving the tranches")
    edits = [
        (e.object_type, e.object_id, e.field, e.value_after, e.who, e.reason)
        for e in open_workspace(workspace_path, create=False).edits("s")
    ]
    assert edits == [
        ("tranche", "beiyang_capacity", "floor_area_m2", 600_000, "gao", "60万 by 2026?"),
        ("tranche", "beiyang_capacity", "year", 2026, "gao", "60万 by 2026?"),
        ("carrier", "beiyang", "floor_area_planned_m2", 600_000, "gao", "60万 by 2026?"),
        ("carrier", "beiyang", "planned_year", 2026, "gao", "60万 by 2026?"),
    ]
    assert wait_for_headline(page, total_before) - total_before == pytest.approx(-40.0)
    page.context.close()


def test_the_comparison_shows_each_scenario_on_its_own_map_side_by_side(browser, workspace_server, tmp_path) -> None:
    """After the what-if (s changes 北杨's figures): base and s, compared by default, each on a map of its own,
    next to each other; on both, exactly one carrier (北杨) in the "figures changed" colour, the rest grey. The
    comparison and the change log download (their files are built on the click, outside the page's run)."""
    from layers.compare import CHANGE_COLOURS  # noqa: PLC0415

    page = open_scenario(browser, workspace_server, "hu")
    maps = page.locator(MAP_FRAME)
    maps.nth(2).scroll_into_view_if_needed()
    assert maps.count() == 3  # the page's map, then base's and s's
    boxes = [maps.nth(i).bounding_box() for i in (1, 2)]
    assert boxes[0]["y"] == pytest.approx(boxes[1]["y"], abs=2)  # side by side
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"] + 1
    for position in (1, 2):
        frame = maps.nth(position).content_frame
        frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
        strokes = frame.locator("path.leaflet-interactive").evaluate_all(
            "paths => paths.map(p => p.getAttribute('stroke'))"
        )
        assert strokes.count(CHANGE_COLOURS["changed"]) == 1, (position, strokes)
        assert strokes.count(CHANGE_COLOURS["unchanged"]) == len(strokes) - 1, (position, strokes)
    no_failure(page, "comparing base and s")
    stamped = {
        "compare": lambda stamp: stamp["compared"].startswith("base v"),
        "edit_log": lambda stamp: stamp["content"] == "edit log",
    }
    for label, name in ((TEXTS["download_csv"].zh, "compare"), (TEXTS["download_log"].zh, "edit_log")):
        with page.expect_download() as info:
            page.get_by_role("button", name=label).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.name == f"{name}.zip"
        with zipfile.ZipFile(path) as archive:
            assert "scenario" in archive.read(f"{name}.csv").decode("utf-8-sig")  # the table's own column
            stamp = export.stamp_of_csv_metadata(archive.read(f"{name}.csv-metadata.json"))
        assert stamped[name](stamp), stamp  # the stamp travels with the table
    page.context.close()
