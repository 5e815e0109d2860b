"""Tranches and targets edited on the scenario page (ui.scenarios.figures_table): the table → edits conversion,
the contract's refusal, and the whole page (AppTest) showing the issue's own what-if: 北杨 delivers 60万 by 2026
instead of 100万 by 2027."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import headline_figure
from streamlit.testing.v1 import AppTest

from geo.schema import DataError
from geo.text import term
from geo.workspace import Change, Who, columns_following_tranches
from ui.scenarios import TRANCHE_EDITABLE, figure_changes, figure_frame

ROOT = Path(__file__).resolve().parents[1]
TRANCHES = "scenario_edit:s:tranches:0@en"  # the tranches editor's key (scenario s, first generation, in English)
TARGETS = "scenario_edit:s:targets:0@en"
BEIYANG = 7  # beiyang_capacity's row in the bundled tranches table (seeds/tranches.csv, 0-based)


def _page_zh() -> None:
    from ui.scenarios import scenario_page  # noqa: PLC0415 - AppTest runs this function's body as the page

    scenario_page("zh", by="belt")


def _page_en() -> None:
    from ui.scenarios import scenario_page  # noqa: PLC0415

    scenario_page("en", by="belt")


def _edit(row: int, **cells: object) -> dict[str, object]:
    """The edit state st.data_editor keeps (what a planner's typing produces), for one row's cells."""
    return {"edited_rows": {row: cells}, "added_rows": [], "deleted_rows": []}


# --- the table → edits conversion ------------------------------------------------------------------------

CHOICES = {
    "carrier_id": {"a": "甲楼", "b": "乙楼"},
    "phase": {code: term("phase", code, "zh") for code in ("built", "under_construction", "planned")},
    "year_basis": {code: term("year_basis", code, "zh") for code in ("stated", "inferred", "unknown")},
    "qualifier": {code: term("qualifier", code, "zh") for code in ("exact", "about", "at_least")},
}
RECORDS = [
    {"id": "a_built", "carrier_id": "a", "phase": "built", "floor_area_m2": "5000", "year": "2020",
     "year_basis": "stated", "qualifier": "exact", "source_ids": "s1", "note": None},
    {"id": "b_plan", "carrier_id": "b", "phase": "planned", "floor_area_m2": 8000, "year": None,
     "year_basis": "unknown", "qualifier": "about", "source_ids": None, "note": "n"},
]  # fmt: skip


def test_the_table_shows_words_and_whole_numbers_and_no_codes() -> None:
    frame = figure_frame(RECORDS, "tranche", CHOICES)
    assert list(frame.columns) == list(TRANCHE_EDITABLE)
    assert frame["carrier_id"].tolist() == ["甲楼", "乙楼"]
    assert frame["phase"].tolist() == ["已建成", "规划"]
    assert frame["qualifier"].tolist() == ["确数", "约"]
    assert frame["floor_area_m2"].tolist() == [5000, 8000]  # text of the base layer read as whole numbers
    assert str(frame["year"].dtype) == "Int64"
    assert frame["year"].isna().tolist() == [False, True]


def test_edited_cells_added_and_removed_rows_become_changes_with_codes() -> None:
    original = figure_frame(RECORDS, "tranche", CHOICES)
    edited = original.copy()
    edited.loc[0, "floor_area_m2"] = 6000
    edited.loc[0, "phase"] = "在建"
    edited = edited.drop(index=1)
    added = dict.fromkeys(TRANCHE_EDITABLE) | {"carrier_id": "乙楼", "phase": "规划", "floor_area_m2": 200_000.0,
                                                     "year": 2026, "year_basis": "推定"}  # fmt: skip
    empty = dict.fromkeys(TRANCHE_EDITABLE)  # a row added and left empty: nothing
    edited = pd.concat([edited, pd.DataFrame([added, empty])], ignore_index=True)
    changes = figure_changes(original, edited, "tranche", CHOICES)
    assert changes == [
        Change("tranche", "a_built", {"phase": "under_construction", "floor_area_m2": 6000}),
        Change(
            "tranche",
            "b_planned",
            {
                "carrier_id": "b",
                "phase": "planned",
                "floor_area_m2": 200_000,
                "year": 2026,
                "year_basis": "inferred",
                "qualifier": None,
                "source_ids": None,
                "note": None,
            },
        ),
        Change("tranche", "b_plan", None),
    ]
    assert figure_changes(original, original.copy(), "tranche", CHOICES) == []


def test_a_new_row_never_takes_an_existing_id() -> None:
    original = figure_frame(RECORDS, "tranche", CHOICES)
    copy = original.iloc[[0]].assign(floor_area_m2=1)
    changes = figure_changes(original, pd.concat([original, copy], ignore_index=True), "tranche", CHOICES)
    assert [(c.object_id, c.values and c.values["floor_area_m2"]) for c in changes] == [("a_built_2", 1)]


def test_a_targets_subject_goes_back_to_its_kind_and_id() -> None:
    choices = {"subject_id": {"zone:z1": "一号片区", "carrier:a": "甲楼"}, "indicator": {"floor_area": "面积"}}
    records = [{"id": "t1", "subject_type": "zone", "subject_id": "z1", "indicator": "floor_area", "value": "100",
                "unit": "m²", "year": "2025", "year_basis": "stated", "qualifier": None}]  # fmt: skip
    original = figure_frame(records, "target", choices)
    assert original.at[0, "subject_id"] == "一号片区"
    edited = original.copy()
    edited.loc[0, "subject_id"] = "甲楼"
    edited.loc[0, "value"] = 250.5
    assert figure_changes(original, edited, "target", choices) == [
        Change("target", "t1", {"subject_id": "a", "value": 250.5, "subject_type": "carrier"})
    ]


def test_a_carriers_two_columns_follow_its_edited_tranches(workspace) -> None:
    what_if = [Change("tranche", "beiyang_capacity", {"phase": "planned", "floor_area_m2": 600_000, "year": 2026})]
    assert workspace.preview("s", what_if), "the two columns would contradict the tranches"
    follow = columns_following_tranches(workspace.state("s"), what_if)
    assert follow == [
        Change(
            "carrier",
            "beiyang",
            {
                "floor_area_existing_m2": None,
                "opened_year": 2024,
                "floor_area_planned_m2": 600_000,
                "planned_year": 2026,
            },
        )
    ]
    assert workspace.preview("s", what_if + follow) == []
    assert columns_following_tranches(workspace.state("s"), [Change("carrier", "beiyang", {"name_en": "B"})]) == []


# --- the page ---------------------------------------------------------------------------------------------


def _session(page, name: str = "gao") -> AppTest:
    at = AppTest.from_function(page, default_timeout=120)
    at.run()
    language = "zh" if page is _page_zh else "en"
    at.text_input(key="scenario_who").input(name)
    at.selectbox(key=f"scenario@{language}").select("s")
    at.run()
    return at


def test_every_edit_table_shows_an_unknown_figure_as_a_dash_not_a_word(workspace) -> None:
    at = _session(_page_zh)
    editors = [d for d in at.data_editor if d.key and d.key.startswith("scenario_edit:s:")]
    assert [d.key for d in editors] == [f"scenario_edit:s:{part}0@zh" for part in ("", "tranches:", "targets:")]
    assert {d.proto.placeholder for d in editors} == {"—"}  # else the grid writes "None" on the Chinese page


@pytest.mark.parametrize(
    ("page", "said"),
    [(_page_zh, "年份 1800 不在 1900–2100 之间"), (_page_en, "year 1800 is outside 1900–2100")],
)
def test_an_invalid_row_is_refused_in_words_and_nothing_is_saved(workspace, page, said) -> None:
    """A valid edit and an invalid one in the same table: the contract's words name the row; nothing is saved."""
    at = _session(page)
    edits = _edit(BEIYANG, year=1800)
    edits["edited_rows"][1] = {"floor_area_m2": 1_200_000}  # caohejing_fyp: valid on its own
    at.session_state[TRANCHES.replace("@en", "@zh" if page is _page_zh else "@en")] = edits
    at.run()
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # markdown escapes
    assert any(said in e and "beiyang_capacity" in e for e in shown), shown
    assert at.button(key="scenario_edit:s:save:tranches").disabled
    # The store refuses the same change set as the page would send it, whole.
    with pytest.raises(DataError):
        workspace.save(
            "s",
            [
                Change("tranche", "caohejing_fyp", {"floor_area_m2": 1_200_000}),
                Change("tranche", "beiyang_capacity", {"year": 1800}),
            ],
            who=Who("gao"),
        )
    assert workspace.edits("s") == []
    assert workspace.scenario("s").version == 0


def test_a_tranche_and_a_target_are_saved_as_logged_edits_with_reason_and_who(workspace) -> None:
    at = _session(_page_en)
    at.session_state[TRANCHES] = _edit(BEIYANG, floor_area_m2=600_000, year=2026)
    at.run()
    at.text_input(key="scenario_edit:s:reason:tranches").input("what if 60万 by 2026").run()
    at.button(key="scenario_edit:s:save:tranches").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    edits = [(e.object_type, e.object_id, e.field, e.value_after, e.who, e.reason) for e in workspace.edits("s")]
    assert edits == [
        ("tranche", "beiyang_capacity", "floor_area_m2", 600_000, "gao", "what if 60万 by 2026"),
        ("tranche", "beiyang_capacity", "year", 2026, "gao", "what if 60万 by 2026"),
        ("carrier", "beiyang", "floor_area_planned_m2", 600_000, "gao", "what if 60万 by 2026"),
        ("carrier", "beiyang", "planned_year", 2026, "gao", "what if 60万 by 2026"),
    ]
    # The targets table, reloaded by the save (a new generation): one changed value is one edit.
    targets = next(d for d in at.dataframe if d.key == "scenario_edit:s:targets:1@en").value
    row = targets.index[targets["id"] == "tg_pole_westbund_120"][0]
    at.session_state["scenario_edit:s:targets:1@en"] = _edit(int(row), value=1_500_000)
    at.run()
    at.button(key="scenario_edit:s:save:targets").click().run()
    assert not at.exception
    last = workspace.edits("s")[-1]
    assert (last.object_type, last.object_id, last.field, last.value_after) == (
        "target",
        "tg_pole_westbund_120",
        "value",
        1_500_000,
    )
    assert workspace.scenario("s").version == 2


def test_a_tranche_save_is_refused_when_someone_saved_first_and_reapplied(workspace) -> None:
    at = _session(_page_en)
    workspace.save("s", [Change("carrier", "westbund_media_port", None)], who=Who("other"), reason="first")
    at.session_state[TRANCHES] = _edit(BEIYANG, floor_area_m2=600_000)
    at.run()
    at.button(key="scenario_edit:s:save:tranches").click().run()
    assert any("saved by someone else" in w.value for w in at.warning)
    assert len(workspace.edits("s")) == 1
    at.button(key="scenario_edit:s:reapply:tranches").click().run()
    assert not at.exception
    assert [(e.object_id, e.field) for e in workspace.edits("s")[1:]] == [
        ("beiyang_capacity", "floor_area_m2"),
        ("beiyang", "floor_area_planned_m2"),
    ]


def _timeline_totals(at: AppTest) -> pd.Series:
    """The district total per year of the page's timeline table (万㎡)."""
    table = next(d.value for d in at.dataframe if "年份" in d.value.columns and "合计（万㎡）" in d.value.columns)
    total = table[table.iloc[:, 0] == "全区合计"]
    return total.set_index("年份")["合计（万㎡）"]


def test_the_issues_what_if_moves_the_headline_and_the_timeline_by_exactly_its_figures(workspace) -> None:
    """The whole page: 北杨 delivers 60万 by 2026 instead of 100万 by 2027, typed into the tranches table."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["basemap"] = "none"
    at.run()
    at.radio(key="section@zh").set_value("scenarios").run()
    at.selectbox(key="scenario@zh").select("s").run()
    at.text_input(key="scenario_who").input("gao").run()
    headline_before = headline_figure(at.metric[0].value)[1]
    at.radio(key="section@zh").set_value("timeline").run()
    timeline_before = _timeline_totals(at)
    at.radio(key="section@zh").set_value("scenarios").run()
    at.session_state[TRANCHES.replace("@en", "@zh")] = _edit(BEIYANG, phase="规划", floor_area_m2=600_000, year=2026)
    at.run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="scenario_edit:s:save:tranches").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert headline_figure(at.metric[0].value)[1] - headline_before == pytest.approx(-40.0)  # build-out: 100万 → 60万
    at.radio(key="section@zh").set_value("timeline").run()
    assert not at.exception
    moved = (_timeline_totals(at) - timeline_before).round(6)
    expected = pd.Series(
        [60.0 if year == 2026 else (-40.0 if year >= 2027 else 0.0) for year in moved.index], index=moved.index
    )
    pd.testing.assert_series_equal(moved.astype(float), expected, check_names=False)
    at.checkbox(key="buildout").uncheck().run()  # the headline at a year: 2026 now holds the 60万
    at.slider(key="year").set_value(2026).run()
    at.radio(key="section@zh").set_value("summary").run()
    assert not at.exception
    at_2026 = headline_figure(at.metric[0].value)[1]
    at.radio(key="section@zh").set_value("scenarios").run()
    at.selectbox(key="scenario@zh").select("base").run()
    assert at_2026 - headline_figure(at.metric[0].value)[1] == pytest.approx(60.0)


# --- a carrier drawn on the map, with a planned figure and its year ------------------------------------------

IN_LINE15 = (121.43325595057534, 31.150828)  # lon, lat inside the Line 15 belt, outside every carrier


def _summary(at: AppTest) -> tuple[float, float]:
    """The headline total and the Line 15 belt's total in the summary table (万㎡)."""
    table = next(d.value for d in at.dataframe if "belt_line15" in d.value.index)
    return headline_figure(at.metric[0].value)[1], float(table.at["belt_line15", "合计 (万㎡)"])


def _as_of(at: AppTest, year: int | None) -> tuple[float, float]:
    at.radio(key="section@zh").set_value("summary").run()
    if year is None:
        at.checkbox(key="buildout").check().run()
    else:
        at.checkbox(key="buildout").uncheck().run()
        at.slider(key="year").set_value(year).run()
    assert not at.exception
    return _summary(at)


@pytest.mark.parametrize("scenario", ["s", "base"])
def test_a_drawn_carriers_planned_figure_moves_the_headline_at_buildout_and_from_its_year(workspace, scenario) -> None:
    """Drawn in the Line 15 belt, 20万 planned by 2026: the headline and the belt's row grow by exactly 20万 at
    build-out and as of 2026 (2025: not yet). On the base too: a saved base is what the page then shows."""
    import shapely  # noqa: PLC0415

    from ui.scenarios import DRAWING_KEY  # noqa: PLC0415

    x, y = IN_LINE15
    outline = shapely.box(x - 0.0005, y - 0.0005, x + 0.0005, y + 0.0005)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["basemap"] = "none"
    at.query_params["by"] = "belt"
    at.run()
    before = {year: _as_of(at, year) for year in (None, 2025, 2026)}
    at.radio(key="section@zh").set_value("scenarios").run()
    at.selectbox(key="scenario@zh").select(scenario).run()
    at.text_input(key="scenario_who").input("dora").run()
    at.session_state[DRAWING_KEY] = {
        "feature": {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(outline)},
        "gcj02": False,
    }  # what ui.scenarios.remember_drawing keeps of streamlit-folium's value
    at.run()
    at.text_input(key="scenario_edit:draw_id").input("new_tower")
    at.text_input(key="scenario_edit:draw_name_zh").input("新塔楼")
    at.text_input(key="scenario_edit:draw_name_en").input("New tower")
    at.selectbox(key="scenario_edit:draw_status@zh").select("planned")
    at.number_input(key="scenario_edit:draw_floor_area_planned_m2").set_value(200_000)
    at.number_input(key="scenario_edit:draw_planned_year").set_value(2026)
    at.run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="scenario_edit:draw_save").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    saved = workspace.load(scenario).dataset.carriers.set_index("id").loc["new_tower"]
    assert (int(saved["floor_area_planned_m2"]), int(saved["planned_year"]), saved["zone_ids"]) == (
        200_000,
        2026,
        "belt_line15",
    )
    assert at.title[0].value == "徐汇区人工智能产业载体"  # a scenario of Xuhui's data is not "uploaded data"
    shown = [i.value for i in at.info if "（第" in i.value]  # the headline's "showing scenario …" line
    assert shown, [i.value for i in at.info]
    assert ("“基础数据（规划）”" if scenario == "base" else "“s”") in shown[0]  # the base in words, never "base"
    after = {year: _as_of(at, year) for year in (None, 2025, 2026)}
    grown = {year: tuple(round(a - b, 6) for a, b in zip(after[year], before[year], strict=True)) for year in after}
    assert grown == {None: (20.0, 20.0), 2025: (0.0, 0.0), 2026: (20.0, 20.0)}


def test_a_workspace_without_tranches_shows_empty_tables_to_add_rows_to() -> None:
    for kind in ("tranche", "target"):
        frame = figure_frame([], kind, {})
        assert frame.empty
        assert str(frame["year"].dtype) == "Int64"
        added = pd.DataFrame(
            [{"id": None, "carrier_id" if kind == "tranche" else "subject_id": "甲楼", "year": 2030}],
            columns=frame.columns,
        )
        changes = figure_changes(frame, added, kind, {"carrier_id": {"a": "甲楼"}, "subject_id": {"carrier:a": "甲楼"}})
        assert [c.object_id for c in changes] == (["a_tranche"] if kind == "tranche" else ["tg_a_target"])


FLAT = ("floor_area_existing_m2", "opened_year", "floor_area_planned_m2", "planned_year")


def test_a_tranche_moved_to_another_carrier_brings_that_carriers_columns_in_line(workspace) -> None:
    """modelspeed's only tranche given to the media port: the port's columns follow it; modelspeed, left without
    tranche rows, has its two columns emptied (the figure moved, it is not counted twice); the save is valid."""
    moved = [Change("tranche", "modelspeed_built", {"carrier_id": "westbund_media_port"})]
    follow = columns_following_tranches(workspace.state("s"), moved)
    assert follow == [
        Change(
            "carrier",
            "westbund_media_port",
            {
                "floor_area_existing_m2": 50_000,
                "opened_year": 2023,
                "floor_area_planned_m2": None,
                "planned_year": None,
            },
        ),
        Change("carrier", "modelspeed", dict.fromkeys(FLAT)),
    ]
    workspace.save("s", moved + follow, who=Who("gao"), reason="moved")
    carriers = workspace.load("s").dataset.carriers.set_index("id")
    assert int(carriers.at["westbund_media_port", "floor_area_existing_m2"]) == 50_000
    assert carriers.loc["modelspeed", list(FLAT)].isna().all()  # unknown, never 0, and not counted twice
