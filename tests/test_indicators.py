"""Indicators per carrier and per group: additive summed, derived recomputed from sums, unknown stays unknown."""

from __future__ import annotations

import html

import pandas as pd
import pytest
from factories import carriers, square, to_wgs84, zones

from geo.indicators import DISTRICT, carrier_indicator_words, group_indicators, value_words
from geo.tranches import normalize_targets
from layers.carriers import carriers_layer_data

COLUMNS = ["id", "subject_type", "subject_id", "indicator", "value", "unit", "year", "year_basis", "qualifier"]


def values(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame([dict(zip(COLUMNS, row, strict=True)) for row in rows], columns=COLUMNS)
    frame["source_ids"] = None
    frame["note"] = None
    return normalize_targets(frame)


@pytest.fixture
def place():
    """Zone A holds carriers a1, a2 (and a1's nested a1x); zone B holds b."""
    built = carriers(
        {"id": "a1", "geometry": square(0, 0, 10), "zone_ids": "A"},
        {"id": "a1x", "geometry": square(1, 1, 2), "zone_ids": "A", "parent_id": "a1"},
        {"id": "a2", "geometry": square(20, 0, 10), "zone_ids": "A"},
        {"id": "b", "geometry": square(100, 0, 10), "zone_ids": "B"},
    )
    areas = zones(
        {"id": "A", "type": "pole", "geometry": square(-5, -5, 50)},
        {"id": "B", "type": "pole", "geometry": square(95, -5, 20)},
    )
    return to_wgs84(built), to_wgs84(areas)


def test_additive_values_are_summed_over_members_counting_a_nested_one_once(place) -> None:
    built, areas = place
    table = values(
        ("f1", "carrier", "a1", "firms", 600, "家", 2024, "stated", "exact"),
        ("f1x", "carrier", "a1x", "firms", 50, "家", 2024, "stated", "exact"),  # held by a1's 600
        ("f2", "carrier", "a2", "firms", 120, "家", 2024, "stated", "exact"),
    )
    out = group_indicators(built, areas, table, by="pole", lang="en").set_index("group_id")
    assert out.at["A", "firms"].startswith("720 firms (2024)")
    assert "summed over members" in out.at["A", "firms"]
    assert pd.isna(out.at["B", "firms"])  # b has no value: unknown, never 0
    assert pd.isna(out.at[DISTRICT, "firms"])  # the district reports none of its own


def test_a_derived_value_is_recomputed_from_sums_never_added(place) -> None:
    built, areas = place
    table = values(
        ("o1", "carrier", "a1", "output", 5, "亿元", 2024, "stated", "exact"),
        ("o2", "carrier", "a2", "output", 1, "亿元", 2024, "stated", "exact"),
        ("s1", "carrier", "a1", "floor_area", 50_000, "m²", 2024, "stated", "exact"),
        ("s2", "carrier", "a2", "floor_area", 10_000, "m²", 2024, "stated", "exact"),
        # each member's own output per m² (1 and 1 万元/m²): added they would make 2, averaged 1 only by chance
        ("d1", "carrier", "a1", "output_per_m2", 1, "万元/平方米", 2024, "stated", "exact"),
        ("d2", "carrier", "a2", "output_per_m2", 3, "万元/平方米", 2024, "stated", "exact"),
    )
    out = group_indicators(built, areas, table, by="pole", lang="zh").set_index("group_id")
    # (5 + 1) 亿元 / (50,000 + 10,000) m² = 10⁻⁴ 亿元/m² = 1 万元/m²; not 1 + 3 and not (1 + 3) / 2
    assert out.at["A", "每平方米产值"].startswith("1 万元/㎡（2024 年）")
    assert "按合计重算" in out.at["A", "每平方米产值"]


def test_one_unknown_member_makes_the_group_unknown_and_a_zones_own_value_wins(place) -> None:
    built, areas = place
    table = values(
        ("f1", "carrier", "a1", "firms", 600, "家", 2024, "stated", "exact"),
        ("fb", "zone", "B", "firms", 40, "家", None, "unknown", "about"),
        ("fd", "district", "xuhui", "firms", 700, "家", 2022, "stated", "exact"),
        ("fd2", "district", "xuhui", "firms", 1500, "家", 2025, "stated", "at_least"),
    )
    out = group_indicators(built, areas, table, by="pole", lang="zh").set_index("group_id")
    assert pd.isna(out.at["A", "企业数"])  # a2 has no firm count
    assert out.at["B", "企业数"] == "约40 家（年份未知）"
    assert out.at[DISTRICT, "企业数"] == "不少于1,500 家（2025 年）"  # the latest


def test_value_words_carry_no_codes() -> None:
    assert value_words(705, "亿元", year=2022, lang="zh") == "705 亿元（2022 年）"
    assert value_words(705, "亿元", year=2022, lang="en") == "705 × 100 million yuan (2022)"
    assert value_words(40, "家", qualifier="about", lang="en") == "about 40 firms (year not stated)"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_popup_shows_a_carriers_indicators_escaped(place, lang: str) -> None:
    built, _ = place
    table = values(("d1", "carrier", "a2", "output_per_m2", 1, "<b>x</b>", None, "unknown", "at_least"))
    words = carrier_indicator_words(table, lang)
    data = carriers_layer_data(built, lang=lang, view="full", indicators=words)
    pops = {f["id"]: f["properties"]["pop"] for piece in data.pieces for f in piece.data["features"]}
    name = "每平方米产值" if lang == "zh" else "output per m²"
    assert html.escape(name) in pops["a2"] or name in pops["a2"]
    assert "<b>x</b>" not in pops["a2"]
    assert "&lt;b&gt;x&lt;/b&gt;" in pops["a2"]
    assert name not in pops["a1"]


@pytest.mark.parametrize(
    ("lang", "line"), [("zh", "截至2021年的阶段：在建"), ("en", "phase in 2021: under construction")]
)
def test_carriers_coloured_by_phase_name_it_in_the_tooltip(place, lang: str, line: str) -> None:
    built, _ = place
    phases = {"a1": "built", "a2": "under_construction", "b": "unknown"}  # a1x: not given, unknown
    data = carriers_layer_data(built, lang=lang, view="full", phases=phases, phase_year=2021)
    (piece,) = data.pieces
    features = {f["id"]: f["properties"] for f in piece.data["features"]}
    assert line in features["a2"]["tip"]
    assert features["a1"]["s"] == "p0"
    assert features["a2"]["s"] == "p1"
    assert features["b"]["s"] == "p3"
    assert features["a1x"]["s"] == "p3n"  # nested, heavier outline
    assert piece.styles["p0"]["fillColor"] != piece.styles["p1"]["fillColor"]
    assert piece.styles["p3"]["dashArray"]
    by_status = carriers_layer_data(built, lang=lang, view="full")
    assert all(not f["properties"]["s"].startswith("p") for f in by_status.pieces[0].data["features"])
