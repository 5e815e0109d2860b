"""The page's timeline section (ui.timeline): charts per group with stacked phases and target lines, its
table in both languages, and a click on a year setting the page's as-of year."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.data import load_dataset
from geo.timeline import bundled_figure_paths, load_figures, timeline
from ui.timeline import PICK, on_pick, timeline_chart, timeline_table


@pytest.fixture(scope="module")
def table():
    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    return timeline(data.carriers, data.zones, figures=figures, by="pole", years=range(2015, 2036))


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_chart_stacks_the_three_phases_in_wan_and_draws_the_target(table):
    spec = timeline_chart(table, "pole_caohejing", lang="zh").to_dict()
    bars, line = _layers(spec)
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["y"]["stack"] == "zero"
    assert bars["encoding"]["y"]["title"] == "建筑面积（万㎡）"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["已建成", "在建", "规划"]
    assert [p["name"] for p in spec["params"]] == [PICK]  # a click on a bar picks its year
    data = spec["datasets"]
    values = [v for rows in data.values() for v in rows]
    assert {"year": 2025, "phase": "规划", "order": 2, "wan": 100.0} in values  # 100万㎡ due 2025
    targets = [v for v in values if set(v) == {"year", "wan"}]
    assert {"year": 2025, "wan": 650.0} in targets  # the target line from 2025 on
    assert all(v["year"] >= 2025 for v in targets)
    assert line["mark"]["type"] == "line"


def test_chart_speaks_english_and_names_the_group(table):
    spec = timeline_chart(table, "pole_westbund", lang="en").to_dict()
    bars = _layers(spec)[0]
    assert spec["title"]["text"] == "West Bund AI Valley Industrial Cluster Growth Pole"
    assert bars["encoding"]["x"]["title"] == "year"
    assert bars["encoding"]["color"]["scale"]["domain"] == ["built", "under construction", "planned"]


def test_table_has_no_codes_as_labels(table):
    zh = timeline_table(table, lang="zh")
    assert "西岸数智谷产业集聚增长极" in set(zh["分组"])
    assert not any(c.endswith("_m2") or c in ("group_id", "target_status") for c in zh.columns)
    row = zh[(zh["分组"] == "漕河泾产业创新增长极") & (zh["年份"] == 2025)].iloc[0]
    assert (row["合计（万㎡）"], row["规划目标"], row["目标状态"]) == (650.0, 650.0, "已达到")
    en = timeline_table(table, lang="en")
    west = en[(en["group"] == "West Bund AI Valley Industrial Cluster Growth Pole") & (en["year"] == 2025)].iloc[0]
    assert west["target status"] == "short; unknown figures could close the gap"


def test_a_click_on_a_year_sets_the_as_of_year():
    state = {"year": 2025, "buildout": True, "chart": {"selection": {PICK: [{"year": 2021}]}}}
    on_pick(state, "chart")
    assert (state["year"], state["buildout"]) == (2021, False)
    untouched = {"year": 2025, "buildout": True, "chart": {"selection": {PICK: []}}}
    on_pick(untouched, "chart")  # a click on nothing changes nothing
    assert (untouched["year"], untouched["buildout"]) == (2025, True)


def _page() -> None:
    import streamlit as st  # noqa: PLC0415 - AppTest runs this function's body as a script

    from geo.data import load_dataset  # noqa: PLC0415
    from geo.timeline import bundled_figure_paths, load_figures  # noqa: PLC0415
    from ui.timeline import render_timeline  # noqa: PLC0415

    st.session_state.setdefault("year", 2025)
    st.session_state.setdefault("buildout", True)
    st.checkbox("build-out", key="buildout")
    st.slider("year", 2015, 2035, key="year")
    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    render_timeline(data, by="pole", mode="declared", lang=st.session_state.get("lang", "zh"), figures=figures)


@pytest.mark.parametrize(("lang", "heading"), [("zh", "逐年载体面积与规划目标"), ("en", "Floor space by year")])
def test_the_section_draws_a_chart_per_group_and_its_table(lang, heading):
    at = AppTest.from_function(_page, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert heading in at.subheader[0].value
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # two poles and the district total
    titles = [json.loads(chart.proto.spec)["title"]["text"] for chart in charts]
    expected = {"zh": "漕河泾产业创新增长极", "en": "Caohejing Industrial Innovation Growth Pole"}[lang]
    assert titles[0] == expected
    assert titles[-1] == {"zh": "全区合计", "en": "District total"}[lang]
    assert len(at.dataframe) == 1


def test_changes_table_speaks_the_planners_language():
    from geo.timeline import changes_in_year  # noqa: PLC0415
    from ui.timeline import changes_table  # noqa: PLC0415

    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    zh = changes_table(changes_in_year(data.carriers, 2027, figures=figures), lang="zh")
    assert zh.iloc[0].tolist() == ["北杨人工智能小镇", "预计建成（在建）", 100.0, "不少于", "推定", "是"]
    en = changes_table(changes_in_year(data.carriers, 2020, figures=figures), lang="en")
    assert en.iloc[0]["adds to sums"] == "no (held by its parent, or unknown)"
    assert pd.isna(en.iloc[0]["floor area (10,000 m²)"])  # AI Tower's area is unknown, never 0


def test_the_section_lists_the_changes_of_the_as_of_year():
    at = AppTest.from_function(_page, default_timeout=120)
    at.session_state["buildout"] = False
    at.session_state["year"] = 2025
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2025 年的变化" in m.value for m in at.markdown)
    changes = at.dataframe[1].value
    assert changes.iloc[0]["载体"] == "漕河泾开发区（徐汇部分）"
