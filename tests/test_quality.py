"""Data-quality findings on hand-checkable squares: each names the carrier or zone and says what is wrong.

Poles A (0–10 m) and B (10–20 m) side by side and a belt L over both, as in ``test_rollup``; figures
are whole m², so 1,200,000 m² reads "120 万㎡".
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from factories import carriers, rect, square, zones

from geo.quality import FINDING_COLUMNS, check_quality, itemization, source_value_m2

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def two_poles() -> gpd.GeoDataFrame:
    return zones(
        {"id": "A", "type": "pole", "geometry": rect(0, 0, 10, 10), "declared_floor_area_m2": 1_200_000},
        {"id": "B", "type": "pole", "geometry": rect(10, 0, 20, 10)},
        {"id": "L", "type": "belt", "geometry": rect(0, 0, 30, 10)},
    )


def known(**figures: object) -> dict[str, object]:
    """Both figures known (0 unless given), so a carrier raises no unknown finding by itself."""
    return {"floor_area_existing_m2": 0, "floor_area_planned_m2": 0, **figures}


def findings_of(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    return table[table["kind"] == kind].reset_index(drop=True)


def test_a_sound_layout_has_no_findings(two_poles):
    data = carriers({"id": "p", "geometry": square(1, 1, 5), "zone_ids": "A;L", **known(floor_area_existing_m2=10)})
    table = check_quality(data, two_poles)
    assert table.empty
    assert list(table.columns) == list(FINDING_COLUMNS)


# --- rule 8: declared vs drawn membership --------------------------------------------------------------


def test_declared_in_one_zone_but_drawn_in_another(two_poles):
    data = carriers({"id": "misfiled", "geometry": square(12, 1, 5), "zone_ids": "A;L", **known()})
    found = findings_of(check_quality(data, two_poles), "declared_vs_drawn")
    assert found["subject"].tolist() == ["misfiled"]
    row = found.iloc[0]
    assert row["severity"] == "warning"
    assert row["message_en"] == (
        "misfiled: declared pole is A, but its outline lies mostly in B; check its zone_ids or its outline."
    )
    assert "“A区”（A）" in row["message_zh"]
    assert "“B区”（B）" in row["message_zh"]
    assert "增长极" in row["message_zh"]


def test_declared_in_a_zone_but_drawn_outside_every_zone(two_poles):
    data = carriers({"id": "far", "geometry": square(100, 100, 5), "zone_ids": "B;L", **known()})
    found = findings_of(check_quality(data, two_poles), "declared_vs_drawn")
    assert sorted(found["message_en"]) == [
        "far: declared belt is L, but its outline lies mostly in none (outside); check its zone_ids or its outline.",
        "far: declared pole is B, but its outline lies mostly in none (outside); check its zone_ids or its outline.",
    ]


def test_drawn_in_a_zone_but_declared_in_none(two_poles):
    data = carriers({"id": "stray", "geometry": square(1, 1, 5), **known()})
    found = findings_of(check_quality(data, two_poles), "declared_vs_drawn")
    assert set(found["subject"]) == {"stray"}
    assert any("declared pole is none, but its outline lies mostly in A" in m for m in found["message_en"])


def test_declared_in_two_zones_of_one_type(two_poles):
    data = carriers({"id": "both", "geometry": rect(8, 0, 12, 4), "zone_ids": "A;B;L", **known()})
    found = findings_of(check_quality(data, two_poles), "multiple_declared")
    assert found["subject"].tolist() == ["both"]
    assert "counted in the one listed first, A" in found.loc[0, "message_en"]


# --- rule 3: a child itemizes its parent, so it belongs where the parent does --------------------------


def test_a_child_declared_in_another_zone_than_its_parent(two_poles):
    data = carriers(
        {"id": "park", "geometry": square(0, 0, 10), "zone_ids": "A;L", **known(floor_area_existing_m2=100)},
        {"id": "annex", "geometry": square(1, 1, 2), "zone_ids": "B;L", "parent_id": "park", **known()},
    )
    found = findings_of(check_quality(data, two_poles), "child_membership")
    assert found["subject"].tolist() == ["annex"]  # the belt agrees, the pole does not
    assert found.loc[0, "message_en"] == "annex is declared in B but its parent park in A (pole)."
    assert "母载体" in found.loc[0, "message_zh"]


def test_a_child_in_its_parents_zones_raises_nothing(two_poles):
    data = carriers(
        {"id": "park", "geometry": square(0, 0, 10), "zone_ids": "A;L", **known(floor_area_existing_m2=100)},
        {"id": "annex", "geometry": square(1, 1, 2), "zone_ids": "A;L", "parent_id": "park", **known()},
    )
    assert findings_of(check_quality(data, two_poles), "child_membership").empty


# --- rule 4: zones of one type should not overlap --------------------------------------------------------


def test_overlapping_zones_of_one_type_name_both_ids():
    layout = zones(
        {"id": "first", "type": "belt", "geometry": rect(0, 0, 1000, 1000)},
        {"id": "second", "type": "belt", "geometry": rect(500, 0, 1500, 1000)},
        {"id": "pole", "type": "pole", "geometry": rect(0, 0, 1500, 1000)},  # a pole may overlap a belt
    )
    data = carriers({"id": "x", "geometry": square(10, 10, 5), "zone_ids": "first;pole", **known()})
    found = findings_of(check_quality(data, layout), "zone_overlap")
    assert found["subject"].tolist() == ["first;second"]
    row = found.iloc[0]
    assert row["message_en"] == (
        "belt zones first and second overlap by 0.500 km²; the shared part counts for first, listed first."
    )
    assert "first" in row["message_zh"]
    assert "second" in row["message_zh"]
    assert "发展带" in row["message_zh"]


def test_zones_that_only_touch_do_not_overlap(two_poles):
    data = carriers({"id": "p", "geometry": square(1, 1, 5), "zone_ids": "A;L", **known()})
    assert findings_of(check_quality(data, two_poles), "zone_overlap").empty


# --- itemization: a parent's figure beside the sum of its children -------------------------------------


def valley(*children_existing: int | None) -> gpd.GeoDataFrame:
    rows = [
        {"id": "valley", "geometry": square(0, 0, 10), "zone_ids": "A;L", **known(floor_area_existing_m2=1_200_000)}
    ]
    for i, existing in enumerate(children_existing):
        rows.append(
            {
                "id": f"c{i}",
                "geometry": square(1 + 2 * i, 1, 1),
                "zone_ids": "A;L",
                "parent_id": "valley",
                "floor_area_existing_m2": existing,
                "floor_area_planned_m2": 0,
            }
        )
    return carriers(*rows)


def test_itemized_35_of_120(two_poles):
    data = valley(350_000, None, None)
    table = itemization(data)
    existing = table[table["figure"] == "existing"].iloc[0]
    assert (existing["parent_m2"], existing["itemized_m2"], existing["children"], existing["unknown_children"]) == (
        1_200_000,
        350_000,
        3,
        2,
    )
    found = findings_of(check_quality(data, two_poles), "itemization")
    assert found["subject"].tolist() == ["valley"]
    row = found.iloc[0]
    assert row["severity"] == "info"
    assert row["message_en"] == "valley existing: itemized 35 of 120 万㎡ (3 children, 2 unknown)"
    assert row["message_zh"] == "valley现有：已分项 35 / 120 万㎡（3 个子载体，2 个面积未知）"


def test_children_exceeding_their_parent_are_an_error(two_poles):
    data = valley(700_000, 600_000)
    found = findings_of(check_quality(data, two_poles), "itemization")
    row = found.iloc[0]
    assert row["severity"] == "error"
    assert row["message_en"].startswith("valley existing: itemized 130 of 120 万㎡")
    assert "more than the parent's figure" in row["message_en"]
    assert "超过母载体" in row["message_zh"]
    assert check_quality(data, two_poles).iloc[0]["severity"] == "error"  # most serious first


def test_small_figures_are_shown_exactly():
    data = carriers(
        {"id": "p", "geometry": square(0, 0, 10), **known(floor_area_existing_m2=120)},
        {"id": "c", "geometry": square(1, 1, 2), "parent_id": "p", **known(floor_area_existing_m2=35)},
    )
    layout = zones({"id": "A", "type": "pole", "geometry": rect(0, 0, 10, 10)})
    found = findings_of(check_quality(data, layout), "itemization")
    assert "itemized 0.0035 of 0.012 万㎡" in found.loc[0, "message_en"]


def test_a_parent_of_unknown_figure_lets_its_childrens_known_figures_add(two_poles):
    data = carriers(
        {"id": "park", "geometry": square(0, 0, 10), "zone_ids": "A;L", "floor_area_planned_m2": 0},
        {
            "id": "b1",
            "geometry": square(1, 1, 2),
            "zone_ids": "A;L",
            "parent_id": "park",
            **known(floor_area_existing_m2=300_000),
        },
    )
    table = check_quality(data, two_poles)
    found = findings_of(table, "itemization")
    assert found["severity"].tolist() == ["warning"]
    assert found.loc[0, "message_en"] == "park: existing figure unknown; its children's known 30 万㎡ add instead."
    assert findings_of(table, "unknown_figure")["subject"].tolist() == ["park"]


# --- rule 2: unknowns -------------------------------------------------------------------------------------


def test_unknown_figures_are_named(two_poles):
    data = carriers(
        {"id": "mystery", "geometry": square(1, 1, 3), "zone_ids": "A;L"},
        {"id": "half", "geometry": square(5, 5, 3), "zone_ids": "A;L", "floor_area_existing_m2": 10},
        {"id": "fine", "geometry": square(12, 1, 3), "zone_ids": "B;L", **known(floor_area_existing_m2=10)},
    )
    found = findings_of(check_quality(data, two_poles), "unknown_figure")
    assert found["subject"].tolist() == ["mystery", "half"]
    assert found["message_en"].tolist() == [
        "mystery: existing and planned floor area unknown; reported, not summed as zero.",
        "half: planned floor area unknown; reported, not summed as zero.",
    ]
    assert found["message_zh"].tolist() == [
        "mystery：现有、规划新增面积未知，合计中未计入（不按零计）。",
        "half：规划新增面积未知，合计中未计入（不按零计）。",
    ]


def test_a_child_of_a_known_parent_is_not_an_unknown(two_poles):
    data = valley(None)
    assert findings_of(check_quality(data, two_poles), "unknown_figure").empty


def test_a_planned_increment_without_a_year(two_poles):
    data = carriers(
        {"id": "undated", "geometry": square(1, 1, 3), "zone_ids": "A;L", **known(floor_area_planned_m2=300_000)},
        {
            "id": "dated",
            "geometry": square(5, 5, 3),
            "zone_ids": "A;L",
            **known(floor_area_planned_m2=300_000),
            "planned_year": 2025,
        },
        {"id": "none_planned", "geometry": square(12, 1, 3), "zone_ids": "B;L", **known()},  # 0 needs no year
    )
    found = findings_of(check_quality(data, two_poles), "planned_without_year")
    assert found["subject"].tolist() == ["undated"]
    assert found.loc[0, "message_en"] == "undated: planned 30 万㎡ has no year; as-of-year sums list it as unknown."


# --- conflicting figures, through the sources' `field` column --------------------------------------------


def sources(*rows: dict[str, str]) -> pd.DataFrame:
    base = {"document": "plan.txt", "line": "7", "quote": "约550万方", "value": "", "unit": "", "note": "", "field": ""}
    return pd.DataFrame([{**base, **r} for r in rows], dtype=str)


def test_a_cited_figure_that_differs_from_the_one_used(two_poles):
    data = carriers(
        {
            "id": "chj",
            "name_en": "Caohejing",
            "geometry": square(1, 1, 5),
            "zone_ids": "A;L",
            **known(floor_area_existing_m2=5_500_000),
            "source_ids": "s_same;s_other;s_context",
        }
    )
    table = sources(
        {"id": "s_same", "value": "550", "unit": "万方", "field": "floor_area_existing_m2"},
        {"id": "s_other", "value": "500", "unit": "万方", "field": "floor_area_existing_m2", "note": "older count"},
        {"id": "s_context", "value": "20", "unit": "万方"},  # no field: context, never compared
    )
    found = findings_of(check_quality(data, two_poles, table), "conflicting_figure")
    assert found["subject"].tolist() == ["chj"]
    row = found.iloc[0]
    assert row["severity"] == "info"
    assert row["message_en"] == (
        "Caohejing (existing floor area (m²)): plan.txt:7 gives 500 万方 (\u201c约550万方\u201d); "
        "the data uses 550 万㎡. older count"
    )
    assert "本数据采用 550 万㎡" in row["message_zh"]
    assert "（现有建筑面积（㎡））" in row["message_zh"]  # the field as a planner names it, not its code
    assert "older count" not in row["message_zh"]  # an English note is not put into the Chinese message


def test_quality_messages_never_show_the_datas_own_bookkeeping():
    from geo.data import load_dataset  # noqa: PLC0415

    data = load_dataset(context=False)
    found = check_quality(data.carriers, data.zones, data.sources)
    for column in ("message_zh", "message_en"):
        assert not found[column].str.contains("USED").any(), column
    assert not found["message_zh"].str.contains("floor_area_").any()
    assert not found["message_zh"].str.contains("分区").any()  # zones are 片区 everywhere


def test_a_cited_total_is_compared_with_existing_plus_planned(two_poles):
    data = carriers(
        {
            "id": "ms",
            "geometry": square(1, 1, 5),
            "zone_ids": "A;L",
            "floor_area_existing_m2": 50_000,
            "source_ids": "s_total",
        }
    )
    table = sources({"id": "s_total", "value": "10", "unit": "万平方米", "field": "floor_area_total_m2"})
    found = findings_of(check_quality(data, two_poles, table), "conflicting_figure")
    assert "the data uses existing 5 万㎡ + planned unknown" in found.loc[0, "message_en"]
    assert "本数据采用 现有 5 万㎡ + 规划新增未知" in found.loc[0, "message_zh"]


def test_a_cited_figure_the_data_leaves_unknown_is_reported(two_poles):
    data = carriers({"id": "v", "geometry": square(1, 1, 5), "zone_ids": "A;L", **known(), "source_ids": "s_site"})
    table = sources({"id": "s_site", "value": "30", "unit": "万平方米", "field": "site_area_m2"})
    found = findings_of(check_quality(data, two_poles, table), "conflicting_figure")
    assert "the data uses unknown" in found.loc[0, "message_en"]


def test_a_zones_declared_figure_is_compared_too(two_poles):
    cited = two_poles.assign(source_ids=["s_pole", None, None])
    data = carriers({"id": "p", "geometry": square(1, 1, 5), "zone_ids": "A;L", **known()})
    table = sources({"id": "s_pole", "value": "100", "unit": "万方", "field": "declared_floor_area_m2"})
    found = findings_of(check_quality(data, cited, table), "conflicting_figure")
    assert found["subject"].tolist() == ["A"]
    assert "gives 100 万方" in found.loc[0, "message_en"]
    assert "the data uses 120 万㎡" in found.loc[0, "message_en"]


def test_sources_without_a_field_column_are_not_compared(two_poles):
    data = carriers(
        {
            "id": "p",
            "geometry": square(1, 1, 5),
            "zone_ids": "A;L",
            **known(floor_area_existing_m2=1),
            "source_ids": "s",
        }
    )
    table = sources({"id": "s", "value": "500", "unit": "万方"}).drop(columns="field")
    assert findings_of(check_quality(data, two_poles, table), "conflicting_figure").empty


@pytest.mark.parametrize(
    ("value", "unit", "m2"),
    [
        ("550", "万方", 5_500_000),
        ("5", "万平方米", 50_000),
        ("54.3", "公顷", 543_000),
        ("1,200", "㎡", 1200),
        ("2020", "年", None),
    ],
)
def test_source_values_in_whole_square_metres(value, unit, m2):
    assert source_value_m2(value, unit) == m2


# --- every finding in both languages -----------------------------------------------------------------------


def test_every_finding_is_bilingual_and_names_its_subject(two_poles):
    data = carriers(
        {"id": "valley", "geometry": square(0, 0, 10), "zone_ids": "B;L", "floor_area_existing_m2": 100},
        {
            "id": "child",
            "geometry": square(1, 1, 2),
            "zone_ids": "A",
            "parent_id": "valley",
            **known(floor_area_existing_m2=200),
        },
        {"id": "undated", "geometry": square(12, 1, 2), "zone_ids": "B;L", **known(floor_area_planned_m2=5)},
    )
    table = check_quality(data, two_poles)
    assert set(table["kind"]) >= {"declared_vs_drawn", "child_membership", "itemization", "unknown_figure"}
    for row in table.itertuples(index=False):
        assert CJK.search(row.message_zh), row
        assert row.message_en, row
        assert all(part in set(data["id"]) | set(two_poles["id"]) for part in row.subject.split(";")), row
    ranks = table["severity"].map({"error": 0, "warning": 1, "info": 2}).tolist()
    assert ranks == sorted(ranks)
