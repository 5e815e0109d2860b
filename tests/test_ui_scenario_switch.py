"""Unsaved scenario edits survive a language switch (AppTest): each kind of edit the section offers, zh → en → zh.

Before, the carriers editor kept its edits across a switch with the old language's words in them (a status typed as
规划 reached the English page as an unknown status, and the contract refused it), the tranches and targets editors
(whose identity includes their words) started empty, and the multiselects (carriers to remove, scenarios to compare,
a drawn carrier's zones) came back holding the other language's labels: the comparison then failed on '基础数据（规划）'
as a scenario name. Every edit is also saved once, not once per language.
"""

from __future__ import annotations

import pandas as pd
import shapely
import shapely.geometry
from streamlit.testing.v1 import AppTest

from geo.text import term
from geo.workspace import Change
from ui.scenarios import DRAWING_KEY, with_draft

CARRIER = "westbund_media_port"  # no tranches fix its figures: the table may change them
REMOVED = "westbund_financial_city"
BEIYANG = 7  # beiyang_capacity's row in the bundled tranches table (seeds/tranches.csv, 0-based)


def _page() -> None:
    import streamlit as st  # noqa: PLC0415 - AppTest runs this function's body as the page

    from ui.scenarios import scenario_page  # noqa: PLC0415

    scenario_page(st.session_state.get("lang", "zh"), by="belt")


def _switch(at: AppTest, lang: str) -> None:
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _editor(at: AppTest, key: str) -> pd.DataFrame:
    return next(d for d in at.data_editor if d.key == key).value


def _carriers(at: AppTest, lang: str) -> pd.DataFrame:
    """The carriers editor's table as sent to the browser (without the edits it holds), by carrier id."""
    frame = _editor(at, f"scenario_edit:s:0@{lang}")
    return frame if frame.index.name == "id" else frame.set_index("id")


def _row(at: AppTest, lang: str) -> pd.Series:
    return _carriers(at, lang).loc[CARRIER]


def test_every_unsaved_edit_survives_zh_en_zh_and_is_saved_once(workspace) -> None:
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    at.text_input(key="scenario_who").input("lin")
    at.selectbox(key="scenario@zh").select("s")
    at.run()
    position = list(_carriers(at, "zh").index).index(CARRIER)
    # What a planner's typing leaves in the editors: a status chosen (as its word), a figure, a year; a tranche.
    at.session_state["scenario_edit:s:0@zh"] = {
        "edited_rows": {
            position: {
                "status": term("status", "planned", "zh"),
                "floor_area_planned_m2": 123_456,
                "planned_year": 2030,
            }
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.session_state["scenario_edit:s:tranches:0@zh"] = {
        "edited_rows": {BEIYANG: {"floor_area_m2": 600_000}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.multiselect(key="scenario_edit:s:remove@zh").select(REMOVED).run()
    assert not at.error, [e.value for e in at.error]

    for lang in ("en", "zh"):
        _switch(at, lang)
        shown = _row(at, lang)
        assert (shown["status"], shown["floor_area_planned_m2"], shown["planned_year"]) == (
            term("status", "planned", lang),
            123_456,
            2030,
        ), lang
        tranches = _editor(at, f"scenario_edit:s:tranches:0@{lang}").set_index("id")
        assert tranches.at["beiyang_capacity", "floor_area_m2"] == 600_000, lang
        assert at.multiselect(key=f"scenario_edit:s:remove@{lang}").value == [REMOVED], lang
        assert at.multiselect(key=f"scenario_compare@{lang}").value == ["base", "s"], lang

    # Any other rerun (the same widgets drawn again) keeps them too.
    at.run()
    assert _row(at, "zh")["floor_area_planned_m2"] == 123_456

    at.button(key="scenario_edit:s:save").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    edits = sorted((e.object_id, e.field, e.value_after) for e in workspace.edits("s"))
    assert edits == sorted(
        [
            (CARRIER, "status", "planned"),
            (CARRIER, "floor_area_planned_m2", 123_456),
            (CARRIER, "planned_year", 2030),
            (REMOVED, "__feature__", None),
        ]
    ), edits
    saved = workspace.load("s").dataset.carriers.set_index("id")
    assert (saved.at[CARRIER, "status"], int(saved.at[CARRIER, "floor_area_planned_m2"])) == ("planned", 123_456)
    assert REMOVED not in saved.index

    # The tranches table, not saved yet, keeps its edit through the carriers' save (which reloads every table).
    assert at.multiselect(key="scenario_edit:s:remove@zh").value == []
    tranches = _editor(at, "scenario_edit:s:tranches:1@zh").set_index("id")
    assert tranches.at["beiyang_capacity", "floor_area_m2"] == 600_000
    at.button(key="scenario_edit:s:save:tranches").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    tranche_edits = [(e.object_id, e.field, e.value_after) for e in workspace.edits("s") if e.object_type == "tranche"]
    assert tranche_edits == [("beiyang_capacity", "floor_area_m2", 600_000)]


def test_a_drawn_carriers_choices_survive_a_switch(workspace) -> None:
    x, y = 121.435, 31.176
    outline = shapely.box(x - 0.001, y - 0.001, x + 0.001, y + 0.001)
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    at.selectbox(key="scenario@zh").select("s")
    at.session_state[DRAWING_KEY] = {
        "feature": {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(outline)},
        "gcj02": False,
    }
    at.run()
    at.text_input(key="scenario_edit:draw_id").input("new_tower")
    at.text_input(key="scenario_edit:draw_name_zh").input("新塔楼")
    at.text_input(key="scenario_edit:draw_name_en").input("New tower")
    at.selectbox(key="scenario_edit:draw_status@zh").select("planned")
    at.selectbox(key="scenario_edit:draw_kind@zh").select("campus")
    at.number_input(key="scenario_edit:draw_floor_area_planned_m2").set_value(200_000)
    at.run()
    zones = next(m for m in at.multiselect if m.key and m.key.startswith("scenario_edit:draw_zones:"))
    zones.set_value(["pole_westbund"]).run()
    for lang in ("en", "zh"):
        _switch(at, lang)
        assert at.selectbox(key=f"scenario_edit:draw_status@{lang}").value == "planned"
        assert at.selectbox(key=f"scenario_edit:draw_kind@{lang}").value == "campus"
        assert at.text_input(key="scenario_edit:draw_id").value == "new_tower"
        assert at.number_input(key="scenario_edit:draw_floor_area_planned_m2").value == 200_000
        zones = next(m for m in at.multiselect if m.key and m.key.startswith("scenario_edit:draw_zones:"))
        assert zones.key.endswith(f"@{lang}")
        assert zones.value == ["pole_westbund"]
    _switch(at, "en")
    at.radio(key="scenario_edit:draw_use@en").set_value("reshape").run()
    at.selectbox(key="scenario_edit:draw_target@en").select("modelspeed").run()
    _switch(at, "zh")
    assert at.radio(key="scenario_edit:draw_use@zh").value == "reshape"
    assert at.selectbox(key="scenario_edit:draw_target@zh").value == "modelspeed"


def test_with_draft_writes_unsaved_changes_in_the_tables_language() -> None:
    frame = pd.DataFrame(
        {"status": [term("status", "existing", "zh")], "floor_area_planned_m2": pd.array([None], dtype="Int64")},
        index=pd.Index(["a"], name="id"),
    )
    draft = [Change("carrier", "a", {"status": "planned", "floor_area_planned_m2": 5}), Change("carrier", "b", None)]
    shown = with_draft(frame, draft, "en")
    assert shown.to_dict("index") == {"a": {"status": "planned", "floor_area_planned_m2": 5}}
    assert frame.at["a", "status"] == term("status", "existing", "zh")  # the saved table is left as it is
