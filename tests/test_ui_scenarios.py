"""The page's scenario parts (ui.scenarios) driven by Streamlit's AppTest: two sessions, compare, history."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.text import term
from geo.workspace import Change, Who, create_workspace
from ui.scenarios import EDITABLE, table_changes


def _page() -> None:
    from ui.scenarios import scenario_page  # noqa: PLC0415 - AppTest runs this function's body as the page

    scenario_page("en", by="belt")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "workspace.gpkg"
    monkeypatch.setenv("XUHUI_WORKSPACE", str(path))
    store = create_workspace(path, who=Who("lead"))
    store.new_scenario("s", who=Who("lead"))
    return store


def _session(name: str) -> AppTest:
    at = AppTest.from_function(_page, default_timeout=120)
    at.run()
    at.text_input(key="scenario_who").input(name)
    at.selectbox(key="scenario@en").select("s")
    at.run()
    return at


def _remove(at: AppTest, carrier: str) -> None:
    at.multiselect(key="scenario_edit:s:remove:0").select(carrier)
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
    at.multiselect(key="scenario_edit:s:remove:0").select("westbund_media_port")
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
    assert set(log["field"]) == {"planned floor area (m²)", "floor_area_m2"}
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


def test_the_page_shows_the_chosen_scenario_everywhere_and_keeps_it_across_languages(workspace) -> None:
    """On the whole page: choosing a scenario drives the headline; switching the language keeps it."""
    workspace.save("s", [Change("carrier", "westbund_media_port", None)], who=Who("lead"), reason="test")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.query_params["basemap"] = "none"
    at.run()
    base_total = at.metric[0].value
    at.radio(key="section@zh").set_value("scenarios").run()
    at.selectbox(key="scenario@zh").select("s").run()
    assert not at.exception
    assert any("“s”" in i.value for i in at.info), [i.value for i in at.info]
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.session_state["scenario"] == "s"
    assert any("scenario “s”" in i.value for i in at.info)
    assert at.metric[0].value == base_total  # the media port's figure was unknown: removing it changes no sum
