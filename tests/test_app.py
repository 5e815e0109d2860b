"""The page, driven by Streamlit's AppTest: widgets, numbers, and the map payload it emits."""

from __future__ import annotations

import html
import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from conftest import headline_figure
from streamlit.testing.v1 import AppTest

import geo.data
from geo import present
from geo.crs import wgs84_to_gcj02
from geo.data import load_dataset
from geo.rollup import summarize
from geo.timeline import bundled_figure_paths, load_figures, summary_as_of
from ui.tables import tidy_numbers

APP = str(Path(__file__).resolve().parent.parent / "app.py")
HOSTILE = ("<img src=x onerror=alert(1)>", "${alert(1)}", "`${document.title='pwned'}`")
# branca renders map scripts as Jinja templates: data must never be evaluated there either.
JINJA = ("{{ 7*7 }}", "{# x", "{% raw %}")


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def run_app(**state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def map_payload(at: AppTest) -> dict:
    """The st_folium component's arguments, as the browser receives them."""
    found = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and proto.DESCRIPTOR.name == "ComponentInstance":
            found.append(json.loads(proto.json_args))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    assert len(found) == 1, "exactly one map on the page"
    return found[0]


def summary_frame(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def decoded(text: str) -> str:
    """JSON ``\\uXXXX`` escapes resolved: what the browser's JavaScript sees after parsing."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def all_text(payload: dict) -> str:
    return decoded("\n".join(str(payload.get(k) or "") for k in ("script", "header", "html", "feature_group")))


# --- the page runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "title"), [("zh", "徐汇区人工智能产业载体"), ("en", "Xuhui AI-industry floor space")])
def test_page_runs_in_both_languages(lang, title):
    at = run_app(lang=lang)
    assert at.title[0].value == title
    assert len(at.radio(key=f"section@{lang}").options) == 8
    at.radio(key=f"section@{lang}").set_value("downloads").run()
    assert not at.exception
    assert len(at.get("download_button")) == 10


def test_only_the_chosen_section_is_built():
    """Hidden sections are not built at all: the page sends, and the browser draws, one at a time."""
    at = run_app()
    assert len(at.dataframe) == 2  # the summary table and its indicators
    assert not at.get("download_button")
    at.radio(key="section@zh").set_value("sources").run()
    assert len(at.dataframe) == 1
    assert "原文摘录" in at.dataframe[0].value.columns


def test_switching_language_relabels_the_table():
    at = run_app()
    assert "合计 (万㎡)" in summary_frame(at).columns
    at.sidebar.radio(key="lang").set_value("en").run()
    assert "Total (10k m²)" in summary_frame(at).columns


# --- the numbers are geo's numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "mode", "year"),
    [("pole", "declared", None), ("belt", "area", None), ("pole", "largest", 2025), ("status", "declared", 2020)],
)
def test_summary_table_equals_the_roll_up(by, mode, year):
    data = load_dataset()
    state = {"by": by, "mode": mode, "buildout": year is None}
    if year is not None:
        state["year"] = year
    at = run_app(**state)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    expected = present.summary_table(
        summary_as_of(data.carriers, data.zones, figures=figures, by=by, mode=mode, year=year), "zh"
    )
    # the page shows the figures as rounded for display (one decimal, FAR two, never -0.0)
    expected = tidy_numbers(expected)
    pd.testing.assert_frame_equal(summary_frame(at).reset_index(drop=True), expected.reset_index(drop=True))


def test_summary_chart_draws_the_roll_up():
    """The stacked bar chart under the table is drawn from the same roll-up, in the page's language."""
    data = load_dataset()
    at = run_app(by="belt", mode="area", lang="en")
    (chart,) = at.get("html")
    table = summarize(data.carriers, data.zones, by="belt", mode="area")
    assert chart.proto.body == present.chart_html(table, "en")
    for name in table.loc[table["group_id"] != "__total__", "name_en"]:
        assert f">{name}</div>" in chart.proto.body


@pytest.mark.parametrize("section", ["summary", "carriers"])
def test_empty_figures_read_as_a_dash_not_none(section):
    """Unknown figures (and the outside/total rows' absent declared figure) show as "—", never "None"."""
    at = run_app(section=section)
    assert len(at.dataframe) == (2 if section == "summary" else 1)  # the summary has its indicators below
    for table in at.dataframe:
        assert table.value.isna().any().any()  # there are empty cells to show
        assert table.proto.placeholder == "—"


def test_headline_metrics_are_the_district_total():
    data = load_dataset()
    table = summarize(data.carriers, data.zones, by="pole")
    total = table[table["group_id"] == "__total__"].iloc[0]
    at = run_app()
    values = [m.value for m in at.metric]
    # The total after the qualifier the summary table gives it (约 for the bundled data: see test_app_headline.py).
    word, figure = headline_figure(values[0])
    assert word == summary_frame(at)["合计限定"].iloc[-1]
    assert [f"{figure:,.1f}", *values[1:3]] == [
        f"{total[c] / 10_000:,.1f}" for c in ("total_m2", "existing_m2", "planned_m2")
    ]
    assert values[3] == str(int(total["unknown_count"]))


def test_grouping_widget_changes_the_groups():
    at = run_app()
    assert summary_frame(at)["分组"].iloc[0] == "漕河泾产业创新增长极"
    at.sidebar.radio(key="by@zh").set_value("belt").run()
    assert summary_frame(at)["分组"].iloc[0] == "徐汇滨江人工智能高质量发展带"


def test_year_slider_counts_as_of_the_year():
    at = run_app()
    at.sidebar.checkbox(key="buildout").uncheck().run()
    at.sidebar.slider(key="year").set_value(2020).run()
    data = load_dataset()
    expected = summarize(data.carriers, data.zones, by="pole", year=2020)
    total = summary_frame(at).iloc[-1]
    assert total["规划新增 (万㎡)"] == pytest.approx(expected.iloc[-1]["planned_m2"] / 10_000, abs=0.05)


def test_mode_is_disabled_when_grouping_by_status():
    at = run_app(by="status")
    assert at.sidebar.radio(key="mode@zh").disabled


# --- the map payload ------------------------------------------------------------------------------

_EXTERNAL = re.compile(r"""(?:<script[^>]*\bsrc|<link[^>]*\bhref)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def test_map_loads_no_script_or_css_from_outside():
    payload = map_payload(run_app(basemap="none"))
    for url in payload["js_links"] + payload["css_links"]:
        assert not re.match(r"(?:https?:)?//", url), url
    assert not _EXTERNAL.search(all_text(payload))
    assert "http" not in payload["feature_group"]  # no basemap: no tile URL either


def test_map_payload_is_within_budget():
    assert len(json.dumps(map_payload(run_app()))) <= 250_000


def test_layer_toggle_removes_the_layer_from_the_map():
    data = load_dataset()
    name = data.carriers.set_index("id").at["caohejing", "name_zh"]
    at = run_app()
    assert name in decoded(map_payload(at)["feature_group"])
    at.sidebar.checkbox(key="layer_carriers@zh").uncheck()
    at.sidebar.checkbox(key="layer_labels@zh").uncheck().run()
    assert name not in decoded(map_payload(at)["feature_group"])


def _first_coordinates(feature_group: str, marker: str) -> tuple[float, float]:
    """The first [lon, lat] pair after ``marker`` in the map's GeoJSON."""
    start = feature_group.index(marker)
    match = re.search(r"\[\s*(1\d\d\.\d+)\s*,\s*(\d\d\.\d+)\s*\]", feature_group[start:])
    assert match, f"no coordinates after {marker!r}"
    return float(match.group(1)), float(match.group(2))


def _reference_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The public WGS-84 → GCJ-02 formula, written out independently, scalar."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (a / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


@pytest.mark.parametrize(("lon", "lat"), [(121.45513, 31.16165), (121.40354, 31.17194), (121.44213, 31.13565)])
def test_gcj02_formula_matches_the_public_reference_to_a_centimetre(lon, lat):
    glon, glat = wgs84_to_gcj02([lon], [lat])
    rlon, rlat = _reference_gcj02(lon, lat)
    metres_per_degree = 111_320.0
    assert abs(glon[0] - rlon) * metres_per_degree * math.cos(math.radians(lat)) < 0.01
    assert abs(glat[0] - rlat) * metres_per_degree < 0.01


def test_gcj02_shift_is_applied_for_amap_only():
    name = "漕河泾开发区"
    plain = {}
    for basemap in ("osm", "carto_light", "none", "amap_vec", "amap_sat"):
        plain[basemap] = _first_coordinates(decoded(map_payload(run_app(basemap=basemap))["feature_group"]), name)
    assert plain["osm"] == plain["carto_light"] == plain["none"]
    expected = _reference_gcj02(*plain["osm"])
    for basemap in ("amap_vec", "amap_sat"):
        shifted = plain[basemap]
        assert shifted != plain["osm"]
        # display coordinates are rounded to 6 decimals (≈ 0.1 m)
        assert abs(shifted[0] - expected[0]) < 2e-6
        assert abs(shifted[1] - expected[1]) < 2e-6


# --- hostile attribute values ---------------------------------------------------------------------


@pytest.fixture
def hostile_seeds(tmp_path, monkeypatch):
    """The bundled data with hostile names, kinds and ids in place of a carrier's and a zone's."""
    seeds = tmp_path / "seeds"
    shutil.copytree(geo.data.SEEDS_DIR, seeds)
    carriers = json.loads((seeds / "carriers.geojson").read_text(encoding="utf-8"))
    props = carriers["features"][0]["properties"]
    props.update(name_zh=HOSTILE[0], name_en=HOSTILE[1], kind=HOSTILE[2])
    carriers["features"][1]["properties"].update(name_zh=JINJA[0], name_en=JINJA[1], kind=JINJA[2])
    (seeds / "carriers.geojson").write_text(json.dumps(carriers, ensure_ascii=False), encoding="utf-8")
    zones = json.loads((seeds / "zones.geojson").read_text(encoding="utf-8"))
    zones["features"][0]["properties"].update(name_zh=HOSTILE[1], name_en=HOSTILE[0])
    zones["features"][1]["properties"].update(name_zh=JINJA[0], name_en=JINJA[1], type=JINJA[0])
    (seeds / "zones.geojson").write_text(json.dumps(zones, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(geo.data, "SEEDS_DIR", seeds)
    return seeds


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_reach_the_map_only_as_escaped_text(hostile_seeds, lang):
    text = all_text(map_payload(run_app(lang=lang)))
    assert "<img src=x" not in text
    assert "${alert" not in text
    assert "${document" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_zone_names_reach_the_summary_only_as_escaped_text(hostile_seeds, lang):
    at = run_app(lang=lang)
    (chart,) = at.get("html")
    assert "<img src=x" not in chart.proto.body
    # the first zone is named HOSTILE[1] in Chinese and HOSTILE[0] in English; "${…}" is inert in HTML
    shown = {"zh": HOSTILE[1], "en": "&lt;img src=x onerror=alert(1)&gt;"}[lang]
    assert f">{shown}</div>" in chart.proto.body


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_syntax_in_data_is_never_evaluated(hostile_seeds, lang):
    """A name like {{ 7*7 }} must reach the page as text, not as 49 (branca compiles scripts as Jinja)."""
    text = all_text(map_payload(run_app(lang=lang)))
    for payload in JINJA:
        assert payload not in text  # escaped, so neither Jinja nor the browser sees template syntax
    name = JINJA[0] if lang == "zh" else JINJA[1]
    shown = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
    assert name in shown  # the literal text survives, entity-encoded


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_timeline_section_draws_every_group_with_its_table(lang: str) -> None:
    at = run_app(lang=lang)
    at.radio(key=f"section@{lang}").set_value("timeline").run()
    assert not at.exception
    assert not at.error
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3  # two poles and the district total (the outside row is in the table)
    assert at.dataframe  # the table under the charts


@pytest.mark.parametrize(
    ("lang", "title"),
    [("zh", "《徐汇区人工智能产业高质量发展“十四五”规划》"), ("en", "14th Five-Year Plan period")],
)
def test_popups_name_each_document_by_its_title_not_its_file(lang: str, title: str) -> None:
    text = all_text(map_payload(run_app(lang=lang, basemap="none")))
    assert html.escape(title, quote=True) in text or title in text
    assert "001_d210a0fb95f39cab.txt" not in text
