"""The page's scenario parts (ui.scenarios) driven by Streamlit's AppTest: two sessions, compare, history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.geometry
from conftest import headline_figure
from streamlit.testing.v1 import AppTest

from geo.crs import wgs84_to_gcj02
from geo.text import term
from geo.workspace import Change, Who
from ui.scenarios import DRAWING_KEY, EDITABLE, DrawingError, drawn_outline, table_changes


def _page() -> None:
    from ui.scenarios import scenario_page  # noqa: PLC0415 - AppTest runs this function's body as the page

    scenario_page("en", by="belt")


def _session(name: str) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    at.text_input(key="scenario_who").input(name)
    at.selectbox(key="scenario@en").select("s")
    at.run()
    return at


def _remove(at: AppTest, carrier: str) -> None:
    at.multiselect(key="scenario_edit:s:remove@en").select(carrier)
    at.run()
    at.button(key="scenario_edit:s:save").click()
    at.run()


def test_two_sessions_edit_one_scenario_the_second_is_refused_then_reapplies(workspace) -> None:
    first, second = _session("alice"), _session("bob")  # both loaded version 0
    _remove(first, "westbund_media_port")
    assert not first.exception
    assert [s.value for s in first.success] == ["Saved as version 1 (1 edits)."]
    _remove(second, "westbund_financial_city")
    assert not second.exception
    assert any("saved by someone else" in w.value for w in second.warning)
    assert [e.object_id for e in workspace.edits("s")] == ["westbund_media_port"]
    second.button(key="scenario_edit:s:reapply").click()
    second.run()
    assert [s.value for s in second.success] == ["Saved as version 2 (1 edits)."]
    edits = workspace.edits("s")
    assert [(e.object_id, e.who, e.who_verified) for e in edits] == [
        ("westbund_media_port", "alice", False),
        ("westbund_financial_city", "bob", False),
    ]


def test_nothing_is_saved_without_a_name(workspace) -> None:
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    at.selectbox(key="scenario@en").select("s")
    at.run()
    at.multiselect(key="scenario_edit:s:remove@en").select("westbund_media_port")
    at.run()
    assert at.button(key="scenario_edit:s:save").disabled
    assert any("Give your name" in i.value for i in at.info)
    assert workspace.edits("s") == []


def test_compare_shows_the_difference_and_history_lists_the_edit(workspace) -> None:
    base = workspace.load("base").dataset.carriers.set_index("id")
    before = int(base.at["beiyang", "floor_area_planned_m2"])
    workspace.save(
        "s",
        [
            Change("carrier", "beiyang", {"floor_area_planned_m2": before // 2}),
            Change("tranche", "beiyang_capacity", {"floor_area_m2": before // 2}),
        ],
        who=Who("carol"),
        reason="half",
    )
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if d.value.index.name == "group")  # the comparison, 万㎡
    line15 = table.loc["Caohejing–Huajing AI High-Quality Innovation Belt (Metro Line 15)"]
    difference = next(c for c in table.columns if c.startswith("s · difference"))
    assert line15[difference] == pytest.approx(-(before - before // 2) / 10_000)
    log = at.dataframe[-1].value
    assert log["who"].tolist() == ["carol", "carol"]
    assert set(log["field"]) == {"planned floor area (m²)", "floor area (m²)"}  # words, never the codes
    at.multiselect(key="history_people").select("nobody") if "nobody" in at.multiselect(
        key="history_people"
    ).options else None


def test_table_changes_reads_words_back_to_codes() -> None:
    original = pd.DataFrame(
        {
            "name_zh": ["甲"],
            "name_en": ["A"],
            "status": [term("status", "existing", "zh")],
            "floor_area_existing_m2": pd.array([100], dtype="Int64"),
            "floor_area_planned_m2": pd.array([None], dtype="Int64"),
            "opened_year": pd.array([2020], dtype="Int64"),
            "planned_year": pd.array([None], dtype="Int64"),
        },
        index=pd.Index(["a"], name="id"),
    )[list(EDITABLE)]
    edited = original.copy()
    edited.loc["a", "status"] = term("status", "planned", "zh")
    edited.loc["a", "floor_area_planned_m2"] = 5000
    edited.loc["a", "opened_year"] = pd.NA
    changes = table_changes(original, edited, "zh")
    assert changes == [
        Change("carrier", "a", {"status": "planned", "floor_area_planned_m2": 5000, "opened_year": None})
    ]
    assert table_changes(original, original.copy(), "zh") == []


def test_a_notes_markdown_is_shown_as_text(workspace) -> None:
    workspace.new_scenario("linked", note="![x](http://e/x.png) <b>bold</b>", who=Who("lead"))
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    at.selectbox(key="scenario@en").select("linked")
    at.run()
    captions = [c.value for c in at.caption]
    assert any(r"\!\[x\]\(http" in c and r"\<b\>" in c for c in captions), captions


def _in_english(word: str) -> str:
    """A qualifier's Chinese word (the summary table's) in English."""
    from geo.present import qualifier_words  # noqa: PLC0415

    codes = ["exact", "about", "at_least"]
    return dict(zip(qualifier_words(codes, "zh"), qualifier_words(codes, "en"), strict=True))[word]


def test_the_page_shows_the_chosen_scenario_everywhere_and_keeps_it_across_languages(workspace) -> None:
    """On the whole page: choosing a scenario drives the headline; switching the language keeps it."""
    workspace.save("s", [Change("carrier", "westbund_media_port", None)], who=Who("lead"), reason="test")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params["basemap"] = "none"
    at.run()
    base_word, base_total = headline_figure(at.metric[0].value)
    at.radio(key="section@zh").set_value("scenarios").run()
    at.selectbox(key="scenario@zh").select("s").run()
    assert not at.exception
    assert any("“s”" in i.value for i in at.info), [i.value for i in at.info]
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.session_state["scenario"] == "s"
    assert any("scenario “s”" in i.value for i in at.info)
    # the media port's figure was unknown: removing it changes no sum; its qualifier is worded in English now
    assert headline_figure(at.metric[0].value) == (_in_english(base_word), base_total)


# --- drawing on the map ---------------------------------------------------------------------------


def _drawn(outline) -> dict:
    """What streamlit-folium returns as ``last_active_drawing`` for a shape drawn with Leaflet.draw."""
    return {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(outline)}


def test_a_shape_drawn_on_amap_tiles_is_saved_in_wgs84() -> None:
    wgs = shapely.box(121.43, 31.17, 121.432, 31.172)
    on_amap = shapely.transform(wgs, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    back = drawn_outline(_drawn(on_amap), gcj02=True)
    assert shapely.get_coordinates(back) == pytest.approx(shapely.get_coordinates(wgs), abs=1e-8)
    assert drawn_outline(_drawn(wgs), gcj02=False).equals(wgs)
    assert shapely.get_coordinates(on_amap) != pytest.approx(shapely.get_coordinates(wgs), abs=1e-05)


@pytest.mark.parametrize(
    "feature",
    [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [121.4, 31.2]}},
        {"type": "Polygon", "coordinates": [[[121.4, 31.2], [float("nan"), 31.3], [121.5, 31.2], [121.4, 31.2]]]},
        {"type": "Polygon", "coordinates": [[[1e9, 31.2], [121.5, 31.3], [121.5, 31.2], [1e9, 31.2]]]},
        {"type": "Polygon", "coordinates": "<img src=x>"},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},  # a bow tie
        "not a feature",
    ],
)
def test_a_drawn_shape_that_is_not_one_outline_is_refused_in_words(feature) -> None:
    with pytest.raises(DrawingError) as info:
        drawn_outline(feature, gcj02=False)
    assert "重新绘制" in info.value.text.zh
    assert "Draw a polygon" in info.value.text.en


def test_a_carrier_drawn_on_the_map_is_in_the_table_and_the_sums(workspace) -> None:
    """The whole page: a drawn outline (the value streamlit-folium returns) becomes a new carrier of the
    scenario, with its figure; saved, it is a logged edit, a row of the edit table and part of the total."""
    base = workspace.load("s").dataset.carriers.set_index("id")
    middle = base.at["caohejing", "geometry"].representative_point()
    outline = shapely.box(middle.x - 0.001, middle.y - 0.001, middle.x + 0.001, middle.y + 0.001)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params["basemap"] = "none"
    at.run()
    at.radio(key="section@zh").set_value("scenarios").run()
    at.selectbox(key="scenario@zh").select("s").run()
    at.text_input(key="scenario_who").input("dora").run()
    total_before = headline_figure(at.metric[0].value)[1]
    assert not _has_button(at, "scenario_edit:draw_save")  # nothing drawn yet: only the hint
    at.session_state[DRAWING_KEY] = {"feature": _drawn(outline), "gcj02": False}  # as remember_drawing keeps it
    at.run()
    at.text_input(key="scenario_edit:draw_id").input("new_tower")
    at.text_input(key="scenario_edit:draw_name_zh").input("新塔楼")
    at.text_input(key="scenario_edit:draw_name_en").input("New tower")
    at.number_input(key="scenario_edit:draw_floor_area_planned_m2").set_value(200_000)
    at.run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    at.button(key="scenario_edit:draw_save").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    edits = [(e.object_id, e.who) for e in workspace.edits("s")]
    assert edits
    assert set(edits) == {("new_tower", "dora")}
    saved = workspace.load("s").dataset.carriers.set_index("id")
    assert saved.at["new_tower", "geometry"].equals_exact(outline, 1e-9)
    assert int(saved.at["new_tower", "floor_area_planned_m2"]) == 200_000
    assert any("new_tower" in d.value.index for d in at.dataframe), "not a row of the edit table"
    assert headline_figure(at.metric[0].value)[1] - total_before == pytest.approx(200_000 / 10_000)


def _has_button(at: AppTest, key: str) -> bool:
    return any(b.key == key for b in at.button)


def test_a_shape_drawn_on_the_map_reshapes_the_chosen_carrier(workspace) -> None:
    outline = shapely.box(121.435, 31.175, 121.437, 31.177)
    at = _session("erin")
    at.session_state[DRAWING_KEY] = {"feature": _drawn(outline), "gcj02": False}
    at.run()
    at.radio(key="scenario_edit:draw_use@en").set_value("reshape").run()
    at.selectbox(key="scenario_edit:draw_target@en").select("modelspeed").run()
    at.button(key="scenario_edit:draw_save").click().run()
    assert not at.exception
    assert [(e.object_id, e.field) for e in workspace.edits("s")] == [("modelspeed", "geometry")]
    assert workspace.load("s").dataset.carriers.set_index("id").at["modelspeed", "geometry"].equals_exact(outline, 1e-9)
    assert DRAWING_KEY not in at.session_state  # used once: the next drawing starts afresh
