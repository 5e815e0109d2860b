"""Roll-up rules 1–7 on hand-checkable squares, and conservation as a property."""

from __future__ import annotations

import geopandas as gpd
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from factories import ORIGIN, carriers, rect, square, to_wgs84, zones
from hypothesis import HealthCheck, given, settings

from geo.crs import CRSProblemError, to_metric
from geo.rollup import OUTSIDE, TOTAL, apportion, contributions, summarize

MODES = ("declared", "largest", "area")


def row(table: pd.DataFrame, group: str) -> pd.Series:
    return table.set_index("group_id").loc[group]


@pytest.fixture
def two_poles() -> gpd.GeoDataFrame:
    """Poles A (0–10 m) and B (10–20 m) side by side, a belt L along the bottom 5 m of both."""
    return zones(
        {"id": "A", "type": "pole", "geometry": rect(0, 0, 10, 10), "declared_floor_area_m2": 120},
        {"id": "B", "type": "pole", "geometry": rect(10, 0, 20, 10)},
        {"id": "L", "type": "belt", "geometry": rect(0, 0, 30, 5), "declared_floor_area_m2": 50},
    )


# --- rule 3: nesting -----------------------------------------------------------------------------


def test_child_of_known_parent_never_adds(two_poles):
    data = carriers(
        {"id": "valley", "geometry": square(0, 0, 10), "zone_ids": "A", "floor_area_existing_m2": 120},
        {
            "id": "tower",
            "geometry": square(1, 1, 3),
            "zone_ids": "A",
            "parent_id": "valley",
            "floor_area_existing_m2": 35,
            "floor_area_planned_m2": 0,
        },
    )
    table = summarize(data, two_poles, by="pole")
    assert row(table, "A")["existing_m2"] == 120
    assert row(table, TOTAL)["existing_m2"] == 120
    assert row(table, TOTAL)["unknown_count"] == 1  # the valley's planned figure is unknown
    assert row(table, TOTAL)["unknown_ids"] == "valley"


def test_children_of_unknown_parent_add_and_parent_is_listed_unknown(two_poles):
    data = carriers(
        {"id": "park", "geometry": square(0, 0, 10), "zone_ids": "A", "floor_area_planned_m2": 0},
        {"id": "b1", "geometry": square(1, 1, 2), "zone_ids": "A", "parent_id": "park", "floor_area_existing_m2": 30},
        {"id": "b2", "geometry": square(5, 5, 2), "zone_ids": "A", "parent_id": "park", "floor_area_existing_m2": 12},
    )
    total = row(summarize(data, two_poles, by="pole"), TOTAL)
    assert total["existing_m2"] == 42
    assert total["unknown_ids"] == "park"


def test_grandchild_itemizes_the_nearest_known_ancestor(two_poles):
    data = carriers(
        {"id": "a", "geometry": square(0, 0, 10), "floor_area_existing_m2": 100, "floor_area_planned_m2": 0},
        {"id": "b", "geometry": square(1, 1, 5), "parent_id": "a", "floor_area_planned_m2": 0},
        {
            "id": "c",
            "geometry": square(2, 2, 1),
            "parent_id": "b",
            "floor_area_existing_m2": 40,
            "floor_area_planned_m2": 0,
        },
    )
    contrib = contributions(data)
    assert contrib.existing.tolist() == [100, 0, 0]
    assert not contrib.unknown.any()  # b's unknown existing figure is covered by a's


def test_nesting_is_per_figure(two_poles):
    """A parent known only for existing floor area lets its children's planned figures add."""
    data = carriers(
        {"id": "p", "geometry": square(0, 0, 10), "floor_area_existing_m2": 100},
        {
            "id": "c",
            "geometry": square(1, 1, 3),
            "parent_id": "p",
            "floor_area_existing_m2": 20,
            "floor_area_planned_m2": 7,
        },
    )
    contrib = contributions(data)
    assert contrib.existing.tolist() == [100, 0]
    assert contrib.planned.tolist() == [0, 7]
    assert contrib.planned_unknown.tolist() == [True, False]


# --- rule 2: unknowns ------------------------------------------------------------------------------


def test_unknown_is_counted_and_named_never_summed_as_zero(two_poles):
    data = carriers(
        {
            "id": "known",
            "geometry": square(0, 0, 4),
            "zone_ids": "A",
            "floor_area_existing_m2": 10,
            "floor_area_planned_m2": 0,
        },
        {"id": "mystery", "geometry": square(5, 5, 4), "zone_ids": "A"},
    )
    a = row(summarize(data, two_poles, by="pole"), "A")
    assert (a["total_m2"], a["unknown_count"], a["unknown_ids"]) == (10, 1, "mystery")
    assert a["member_count"] == 2


# --- rule 4: membership modes ---------------------------------------------------------------------


@pytest.fixture
def straddler() -> gpd.GeoDataFrame:
    """A 10 × 10 m carrier, 20 % in A and 80 % in B, declared in B and the belt."""
    return carriers(
        {
            "id": "s",
            "geometry": rect(8, 0, 18, 10),
            "zone_ids": "B;L",
            "floor_area_existing_m2": 1001,
            "floor_area_planned_m2": 0,
        }
    )


def test_declared_mode_follows_zone_ids(two_poles, straddler):
    table = summarize(straddler, two_poles, by="pole", mode="declared")
    assert row(table, "B")["total_m2"] == 1001
    assert row(table, "A")["total_m2"] == 0


def test_largest_mode_takes_the_zone_with_most_overlap(two_poles):
    data = carriers(
        {"id": "s", "geometry": rect(4, 0, 14, 10), "floor_area_existing_m2": 500, "floor_area_planned_m2": 0}
    )  # 60 % in A, 40 % in B
    assert row(summarize(data, two_poles, by="pole", mode="largest"), "A")["total_m2"] == 500


def test_largest_mode_tie_goes_to_the_zone_listed_first(two_poles):
    data = carriers(
        {"id": "s", "geometry": rect(5, 0, 15, 10), "floor_area_existing_m2": 500, "floor_area_planned_m2": 0}
    )
    assert row(summarize(data, two_poles, by="pole", mode="largest"), "A")["total_m2"] == 500


def test_largest_mode_without_overlap_is_outside(two_poles):
    data = carriers(
        {
            "id": "far",
            "geometry": square(100, 100, 5),
            "zone_ids": "A",
            "floor_area_existing_m2": 9,
            "floor_area_planned_m2": 0,
        }
    )
    table = summarize(data, two_poles, by="pole", mode="largest")
    assert row(table, OUTSIDE)["total_m2"] == 9


def test_area_mode_splits_across_two_zones_and_outside(two_poles):
    """x from 8 to 23 m: 2/15 in A, 10/15 in B, 3/15 outside; 1001 m² → 133.47 / 667.33 / 200.2."""
    data = carriers(
        {"id": "s", "geometry": rect(8, 0, 23, 10), "floor_area_existing_m2": 1001, "floor_area_planned_m2": 0}
    )
    table = summarize(data, two_poles, by="pole", mode="area")
    parts = [row(table, g)["existing_m2"] for g in ("A", "B", OUTSIDE)]
    assert parts == [134, 667, 200]  # the one unit left after rounding down goes to A's remainder .47
    assert sum(parts) == row(table, TOTAL)["existing_m2"] == 1001


def test_area_mode_land_area_follows_the_outline(two_poles):
    data = carriers(
        {"id": "s", "geometry": rect(8, 0, 23, 10), "floor_area_existing_m2": 300, "floor_area_planned_m2": 0}
    )
    table = summarize(data, two_poles, by="pole", mode="area")
    assert [row(table, g)["land_m2"] for g in ("A", "B", OUTSIDE, TOTAL)] == [20, 100, 30, 150]
    assert row(table, TOTAL)["far"] == pytest.approx(2.0)
    assert row(table, "A")["far"] == pytest.approx(40 / 20)


def test_overlapping_zones_of_one_type_count_the_shared_part_once():
    overlapping = zones(
        {"id": "first", "type": "belt", "geometry": rect(0, 0, 10, 10)},
        {"id": "second", "type": "belt", "geometry": rect(5, 0, 15, 10)},
    )
    data = carriers(
        {"id": "s", "geometry": rect(0, 0, 15, 10), "floor_area_existing_m2": 150, "floor_area_planned_m2": 0}
    )
    table = summarize(data, overlapping, by="belt", mode="area")
    assert [row(table, g)["total_m2"] for g in ("first", "second", OUTSIDE)] == [100, 50, 0]
    inside_shared = carriers(
        {"id": "x", "geometry": square(6, 1, 2), "floor_area_existing_m2": 8, "floor_area_planned_m2": 0}
    )
    largest = summarize(inside_shared, overlapping, by="belt", mode="largest")
    assert row(largest, "first")["total_m2"] == 8


def test_a_carrier_in_a_pole_and_a_belt_appears_in_both_and_once_in_the_total(two_poles):
    data = carriers(
        {
            "id": "both",
            "geometry": square(1, 1, 2),
            "zone_ids": "A;L",
            "floor_area_existing_m2": 70,
            "floor_area_planned_m2": 0,
        }
    )
    poles = summarize(data, two_poles, by="pole")
    belts = summarize(data, two_poles, by="belt")
    assert row(poles, "A")["total_m2"] == row(belts, "L")["total_m2"] == 70
    assert row(poles, TOTAL)["total_m2"] == row(belts, TOTAL)["total_m2"] == 70


# --- rule 1: as of a year -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "existing", "planned", "unknown"),
    [(2019, 0, 0, "undated"), (2020, 100, 0, "undated"), (2025, 100, 50, "undated"), (None, 100, 80, "")],
)
def test_as_of_year_counts_what_is_open_or_due(two_poles, year, existing, planned, unknown):
    data = carriers(
        {
            "id": "old",
            "geometry": square(0, 0, 5),
            "zone_ids": "A",
            "floor_area_existing_m2": 100,
            "opened_year": 2020,
            "floor_area_planned_m2": 50,
            "planned_year": 2025,
        },
        {
            "id": "undated",
            "geometry": square(5, 5, 5),
            "zone_ids": "A",
            "floor_area_existing_m2": 0,
            "floor_area_planned_m2": 30,
        },
    )
    a = row(summarize(data, two_poles, by="pole", year=year), "A")
    assert (a["existing_m2"], a["planned_m2"], a["unknown_ids"]) == (existing, planned, unknown)


def test_existing_with_unknown_opening_year_counts_in_any_year(two_poles):
    data = carriers(
        {
            "id": "x",
            "geometry": square(0, 0, 5),
            "zone_ids": "A",
            "floor_area_existing_m2": 9,
            "floor_area_planned_m2": 0,
        }
    )
    assert row(summarize(data, two_poles, by="pole", year=1990), "A")["existing_m2"] == 9


# --- rule 6: reconciliation, and grouping by status -----------------------------------------------


def test_declared_figure_sits_beside_the_itemized_sum(two_poles):
    data = carriers(
        {
            "id": "x",
            "geometry": square(0, 0, 5),
            "zone_ids": "A;L",
            "floor_area_existing_m2": 100,
            "floor_area_planned_m2": 0,
        }
    )
    poles = summarize(data, two_poles, by="pole")
    assert (row(poles, "A")["declared_m2"], row(poles, "A")["difference_m2"]) == (120, -20)
    assert pd.isna(row(poles, "B")["declared_m2"])
    assert pd.isna(row(poles, "B")["difference_m2"])
    assert pd.isna(row(poles, OUTSIDE)["declared_m2"])
    assert row(summarize(data, two_poles, by="belt"), "L")["difference_m2"] == 50


def test_by_status_counts_each_carrier_once(two_poles):
    data = carriers(
        {
            "id": "a",
            "geometry": square(0, 0, 5),
            "status": "existing",
            "floor_area_existing_m2": 10,
            "floor_area_planned_m2": 0,
        },
        {
            "id": "b",
            "geometry": square(5, 5, 5),
            "status": "planned",
            "floor_area_existing_m2": 0,
            "floor_area_planned_m2": 20,
        },
    )
    table = summarize(data, two_poles, by="status")
    assert table["group_id"].tolist() == ["existing", "under_construction", "planned", TOTAL]
    assert table["total_m2"].tolist() == [10, 0, 20, 30]


def test_unknown_grouping_says_what_groupings_exist(two_poles):
    with pytest.raises(ValueError, match="pole, belt, status"):
        summarize(carriers({"id": "x", "geometry": square(0, 0, 1)}), two_poles, by="ring")


def test_summary_has_the_documented_columns_and_integer_figures(two_poles, straddler):
    table = summarize(straddler, two_poles, by="pole", mode="area")
    for column in ("existing_m2", "planned_m2", "total_m2", "declared_m2", "difference_m2", "land_m2"):
        assert str(table[column].dtype) == "Int64"
    assert table["group_id"].tolist() == ["A", "B", OUTSIDE, TOTAL]
    assert row(table, OUTSIDE)["name_en"] == "Outside any pole"


# --- metric CRS -----------------------------------------------------------------------------------


def test_wgs84_input_is_measured_in_a_metric_crs(two_poles):
    data = carriers(
        {"id": "s", "geometry": rect(8, 0, 23, 10), "floor_area_existing_m2": 300, "floor_area_planned_m2": 0}
    )
    metric = summarize(data, two_poles, by="pole", mode="area")
    degrees = summarize(to_wgs84(data), to_wgs84(two_poles), by="pole", mode="area")
    assert degrees["existing_m2"].tolist() == metric["existing_m2"].tolist()
    assert degrees["land_m2"].tolist() == metric["land_m2"].tolist()


def test_area_maths_in_degrees_is_refused():
    with pytest.raises(CRSProblemError, match="square degrees"):
        to_metric(carriers({"id": "x", "geometry": square(0, 0, 1)}), crs="EPSG:4326")


# --- apportionment and conservation as properties -------------------------------------------------


@given(
    values=st.lists(st.integers(0, 10**9), min_size=1, max_size=20),
    weights=st.lists(st.lists(st.integers(1, 1000), min_size=1, max_size=5), min_size=20, max_size=20),
)
def test_apportioned_parts_add_up_to_each_value(values, weights):
    carrier, group, share = [], [], []
    for position, _ in enumerate(values):
        w = np.array(weights[position], dtype=float)
        carrier += [position] * len(w)
        group += list(range(len(w)))
        share += list(w / w.sum())
    parts = apportion(np.array(values, dtype=np.int64), np.array(carrier), np.array(group), np.array(share))
    sums = np.bincount(carrier, weights=parts, minlength=len(values)).astype(np.int64)
    assert sums.tolist() == values
    assert (parts >= 0).all()
    exact = np.array(values)[carrier] * np.array(share)
    assert (np.abs(parts - exact) < 1).all()


boxes = st.tuples(st.integers(-20, 40), st.integers(-20, 40), st.integers(1, 25), st.integers(1, 25))
figures = st.one_of(st.none(), st.integers(0, 10**7))


@st.composite
def layouts(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    zone_boxes = draw(st.lists(boxes, min_size=1, max_size=4))
    zone_rows = [
        {"id": f"z{i}", "type": draw(st.sampled_from(["pole", "belt"])), "geometry": rect(x, y, x + w, y + h)}
        for i, (x, y, w, h) in enumerate(zone_boxes)
    ]
    zone_rows[0]["type"] = "pole"
    ids = [z["id"] for z in zone_rows]
    n = draw(st.integers(1, 8))
    rows = []
    for i in range(n):
        x, y, w, h = draw(boxes)
        parent = draw(st.sampled_from([None, *[f"c{j}" for j in range(i)]]))
        rows.append(
            {
                "id": f"c{i}",
                "geometry": rect(x, y, x + w, y + h),
                "parent_id": parent,
                "zone_ids": ";".join(draw(st.lists(st.sampled_from(ids), max_size=2))) or None,
                "floor_area_existing_m2": draw(figures),
                "floor_area_planned_m2": draw(figures),
                "planned_year": draw(st.one_of(st.none(), st.integers(2015, 2035))),
                "opened_year": draw(st.one_of(st.none(), st.integers(2000, 2030))),
                "status": draw(st.sampled_from(["existing", "under_construction", "planned"])),
            }
        )
    return carriers(*rows), zones(*zone_rows)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts(), mode=st.sampled_from(MODES), year=st.one_of(st.none(), st.integers(2010, 2035)))
def test_groups_plus_outside_add_up_to_the_total_exactly(layout, mode, year):
    data, zone_frame = layout
    for by in ("pole", "belt", "status"):
        if by != "status" and by not in set(zone_frame["type"]):
            continue
        table = summarize(data, zone_frame, by=by, mode=mode, year=year)
        parts, total = table.iloc[:-1], table.iloc[-1]
        for column in ("existing_m2", "planned_m2", "total_m2", "land_m2"):
            assert int(parts[column].sum()) == int(total[column]), (by, column)
        # a carrier in several zones of a type counts once in the district total
        assert total["total_m2"] == int(contributions(data, year=year).total.sum())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts(), mode=st.sampled_from(MODES), seed=st.integers(0, 2**16))
def test_results_do_not_depend_on_carrier_order(layout, mode, seed):
    data, zone_frame = layout
    shuffled = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    before = summarize(data, zone_frame, by="pole", mode=mode)
    after = summarize(shuffled, zone_frame, by="pole", mode=mode)
    columns = ["group_id", "existing_m2", "planned_m2", "total_m2", "land_m2", "unknown_count"]
    pd.testing.assert_frame_equal(before[columns], after[columns])
    assert [set(s.split(";")) - {""} for s in before["unknown_ids"]] == [
        set(s.split(";")) - {""} for s in after["unknown_ids"]
    ]


@pytest.mark.parametrize("mode", ["largest", "area"])
def test_threads_and_the_grid_give_the_same_result_as_one_thread(monkeypatch, mode):
    """The fast paths for large inputs (settling grid, threads with their own prepared zones) change nothing."""
    import geo.rollup  # noqa: PLC0415

    rng = np.random.default_rng(7)
    x, y, size = rng.uniform(-50, 1050, 3000), rng.uniform(-50, 1050, 3000), rng.uniform(2, 30, 3000)
    rows = [
        {
            "id": f"b{i}",
            "geometry": rect(x[i], y[i], x[i] + size[i], y[i] + size[i] * 0.7),
            "floor_area_existing_m2": int(size[i] ** 2 * 3),
            "floor_area_planned_m2": int(i % 7),
        }
        for i in range(3000)
    ]
    data = carriers(*rows)
    ring = shapely.Point(*ORIGIN).buffer(1, quad_segs=64)  # many vertices: cut into many pieces
    zone_frame = zones(
        {
            "id": "round",
            "type": "pole",
            "geometry": shapely.affinity.scale(ring, 400, 400).buffer(0).union(rect(0, 0, 200, 200)),
        },
        {"id": "strip", "type": "pole", "geometry": rect(300, -100, 700, 1100)},
        {"id": "corner", "type": "pole", "geometry": rect(800, 800, 1000, 1000)},
    )
    plain = summarize(data, zone_frame, by="pole", mode=mode)
    monkeypatch.setattr(geo.rollup, "_GRID_MIN_CARRIERS", 1)
    monkeypatch.setattr(geo.rollup, "_CHUNK_MIN", 50)
    monkeypatch.setattr(geo.rollup, "_INTERSECTION_CHUNK_MIN", 10)
    fast_kwargs = {"workers": 3}
    fast = summarize(data, zone_frame, by="pole", mode=mode, **fast_kwargs)
    pd.testing.assert_frame_equal(plain, fast)
