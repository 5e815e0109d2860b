"""The roll-up as public, composable steps: contributions, memberships, partial sums, combine, finish.

``summarize`` is their composition; an engine that holds the carriers in parts (dask) runs the
same steps per part and combines. These tests hold the steps to ``summarize`` bit for bit, on a
hand-checkable layout and on random splits of random layouts (any split, any order of the parts,
each part taking the grid or the plain path), in every mode.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from factories import carriers, rect, to_wgs84, zones
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geo.rollup
from geo.crs import metric_crs_for
from geo.rollup import (
    OUTSIDE,
    TOTAL,
    Contributions,
    combine,
    contributions,
    finish,
    measure,
    memberships,
    partial_sums,
    partition_sums,
    summarize,
)

MODES = ("declared", "largest", "area")


def _hand() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two poles side by side; a parent and its child; a carrier split half and half; an unknown parent."""
    zone_frame = zones(
        {"id": "A", "type": "pole", "geometry": rect(0, 0, 100, 100), "declared_floor_area_m2": 1000},
        {"id": "B", "type": "pole", "geometry": rect(100, 0, 200, 100)},
    )
    data = carriers(
        {"id": "p", "geometry": rect(10, 10, 60, 60), "floor_area_existing_m2": 1000, "zone_ids": "A"},
        {"id": "c1", "geometry": rect(20, 20, 30, 30), "parent_id": "p", "floor_area_existing_m2": 300},
        {"id": "q", "geometry": rect(90, 10, 110, 20), "floor_area_existing_m2": 101, "zone_ids": "B;A"},
        {"id": "u", "geometry": rect(300, 300, 310, 310)},
        {"id": "r", "geometry": rect(302, 302, 305, 305), "parent_id": "u", "floor_area_existing_m2": 9},
    )
    data["floor_area_planned_m2"] = pd.array([0, 0, 0, 0, 0], dtype="Int64")
    data["planned_year"] = pd.array([2026] * 5, dtype="Int64")
    return data, zone_frame


def _split_sums(
    data: gpd.GeoDataFrame,
    zone_frame: gpd.GeoDataFrame,
    parts: list[np.ndarray],
    *,
    by: str,
    mode: str,
    year: int | None = None,
) -> pd.DataFrame:
    """The table from the carriers held in ``parts`` (row positions): each part alone, then combined.

    As an engine does it: contributions from the whole parent tree, the metric CRS of the whole,
    each carrier's row in the whole as the order of unknown names.
    """
    contrib = contributions(data, year=year)
    crs = metric_crs_for(data)
    sums = [
        partition_sums(
            data.iloc[rows], zone_frame, contrib.take(rows), by=by, mode=mode, crs=crs, workers=1, order=rows
        )
        for rows in parts
    ]
    return finish(combine(*sums), zone_frame, by=by)


def test_the_hand_checked_layout_in_area_mode():
    data, zone_frame = _hand()
    table = summarize(data, zone_frame, by="pole", mode="area").set_index("group_id")
    # p adds 1000 (its child c1 itemizes it); q's 101 splits 50.5 / 50.5: the spare unit goes to the
    # zone listed first; r adds 9 outside, as its parent u's figure is unknown.
    assert table.loc[["A", "B", OUTSIDE, TOTAL], "total_m2"].tolist() == [1051, 50, 9, 1110]
    assert table.loc[OUTSIDE, "unknown_ids"] == "u"
    assert table.loc[TOTAL, "unknown_ids"] == "u"
    assert table.loc["A", "difference_m2"] == 51


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("by", ["pole", "status"])
def test_split_by_hand_equals_summarize_even_with_a_parent_in_another_part(mode, by):
    """c1 and r lie in another part than their parents: nesting still follows the whole tree."""
    data, zone_frame = _hand()
    data, zone_frame = to_wgs84(data), to_wgs84(zone_frame)
    whole = summarize(data, zone_frame, by=by, mode=mode, year=2030)
    parts = [np.array([3, 0]), np.array([1]), np.array([4, 2])]
    pd.testing.assert_frame_equal(_split_sums(data, zone_frame, parts, by=by, mode=mode, year=2030), whole)


@pytest.mark.parametrize("mode", MODES)
def test_the_public_steps_compose_to_summarize(mode):
    data, zone_frame = _hand()
    data.index = pd.Index(["r0", "r1", "r2", "r3", "r4"], name="row")  # any index: results align with it
    contrib = contributions(data)
    member = memberships(data, zone_frame, by="pole", mode=mode)
    areas = measure(data)
    table = finish(partial_sums(contrib.to_frame(data.index), member, areas, ids=data["id"]), zone_frame, by="pole")
    pd.testing.assert_frame_equal(table, summarize(data, zone_frame, by="pole", mode=mode))
    # The steps' results are indexed like the carriers.
    assert areas.index.equals(data.index)
    assert areas["r0"] == pytest.approx(2500.0)
    assert set(member.index) <= set(data.index)
    assert member.groupby(level=0)["share"].sum().to_numpy() == pytest.approx(1.0)
    assert list(member["group_id"].cat.categories) == ["A", "B", OUTSIDE]
    if mode == "area":
        assert member.loc["r2", "share"].tolist() == pytest.approx([0.5, 0.5])
    assert Contributions.from_frame(contrib.to_frame()).existing.tolist() == [1000, 0, 101, 0, 9]


def test_combine_refuses_parts_of_different_groupings():
    data, zone_frame = _hand()
    contrib = contributions(data)
    by_pole = partition_sums(data, zone_frame, contrib, by="pole")
    by_status = partition_sums(data, zone_frame, contrib, by="status")
    with pytest.raises(ValueError, match="different groups"):
        combine(by_pole, by_status)


@pytest.mark.parametrize("mode", ["largest", "area"])
def test_the_number_of_threads_is_a_keyword_and_changes_nothing(monkeypatch, mode):
    data, zone_frame = _random_layout(11, 1500)
    one = summarize(data, zone_frame, by="pole", mode=mode, workers=1)
    monkeypatch.setattr(geo.rollup, "_CHUNK_MIN", 40)
    monkeypatch.setattr(geo.rollup, "_INTERSECTION_CHUNK_MIN", 10)
    calls: list[int] = []
    real = geo.rollup.ThreadPoolExecutor

    def counting(*args, **kwargs):
        calls.append(kwargs["max_workers"])
        return real(*args, **kwargs)

    monkeypatch.setattr(geo.rollup, "ThreadPoolExecutor", counting)
    three = summarize(data, zone_frame, by="pole", mode=mode, workers=3)
    assert calls
    assert max(calls) == 3  # the keyword, not the machine's core count
    pd.testing.assert_frame_equal(one, three)


def _random_layout(seed: int, n: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Rectangles over three overlapping poles and a belt, in WGS-84; one in eight nested in an earlier one."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-100, 1100, n), rng.uniform(-100, 1100, n)
    w, h = rng.uniform(5, 60, n), rng.uniform(5, 60, n)
    parent = [None] * n
    for i in range(1, n):
        if rng.random() < 0.125:
            parent[i] = f"c{rng.integers(0, i)}"
    rows = [
        {
            "id": f"c{i}",
            "geometry": rect(x[i], y[i], x[i] + w[i], y[i] + h[i]),
            "parent_id": parent[i],
            "zone_ids": ("z0", "z1;z0", None, "b0", "z2")[i % 5],
            "floor_area_existing_m2": None if i % 13 == 0 else int(rng.integers(0, 9000)),
            "floor_area_planned_m2": None if i % 17 == 0 else int(rng.integers(0, 500)),
            "planned_year": None if i % 19 == 0 else int(2024 + i % 10),
            "opened_year": None if i % 7 == 0 else int(2000 + i % 30),
            "status": ("existing", "planned", "under_construction")[i % 3],
        }
        for i in range(n)
    ]
    zone_rows = [
        {"id": "z0", "type": "pole", "geometry": rect(380, 380, 420, 420).centroid.buffer(350)},
        {"id": "z1", "type": "pole", "geometry": rect(500, 100, 900, 700), "declared_floor_area_m2": 10**6},
        {"id": "z2", "type": "pole", "geometry": rect(0, 800, 300, 1000)},
        {"id": "b0", "type": "belt", "geometry": rect(-50, 420, 1050, 480)},
    ]
    return to_wgs84(carriers(*rows)), to_wgs84(zones(*zone_rows))


LAYOUT = _random_layout(3, 400)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_parts=st.integers(1, 6),
    mode=st.sampled_from(MODES),
    by=st.sampled_from(["pole", "belt", "status"]),
    year=st.sampled_from([None, 2028]),
    grid_in_parts=st.booleans(),
)
def test_any_split_of_the_carriers_gives_the_same_table(seed, n_parts, mode, by, year, grid_in_parts):  # noqa: PLR0917
    """Random parts (not contiguous, possibly empty), combined in a random order: the same table, bit for bit."""
    data, zone_frame = LAYOUT
    whole = summarize(data, zone_frame, by=by, mode=mode, year=year)
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, n_parts, len(data))
    parts = [np.flatnonzero(owner == k) for k in rng.permutation(n_parts)]
    with pytest.MonkeyPatch.context() as patch:
        if grid_in_parts:  # the parts take the settling grid, the whole did not
            patch.setattr(geo.rollup, "_GRID_MIN_CARRIERS", 1)
        split = _split_sums(data, zone_frame, parts, by=by, mode=mode, year=year)
    pd.testing.assert_frame_equal(split, whole)


@pytest.mark.parametrize(
    ("by", "mode", "measured", "projected"),
    [("pole", "declared", [3], []), ("status", "area", [3], []), ("pole", "area", [5], [5])],
)
def test_only_the_outlines_the_measurement_needs_are_reprojected(monkeypatch, by, mode, measured, projected):
    """Declared and status membership need no outline: only top-level carriers' areas (their land) are measured.

    Measuring (boxes and areas) projects vertices only; the outlines themselves are projected
    only where membership is spatial, for the carriers near a zone's edge (here all of them:
    too few carriers for the grid).
    """
    data, zone_frame = _hand()
    data, zone_frame = to_wgs84(data), to_wgs84(zone_frame)
    expected = summarize(data, zone_frame, by=by, mode=mode)
    seen: dict[str, list[int]] = {"measured": [], "projected": []}
    real_measures, real_to_metric = geo.rollup.metric_measures, geo.rollup.to_metric

    def measuring(outlines, **kwargs):
        seen["measured"].append(len(outlines))
        return real_measures(outlines, **kwargs)

    def projecting(frame, **kwargs):
        if "type" not in getattr(frame, "columns", ()):  # the carriers' outlines, not the zones
            seen["projected"].append(len(frame))
        return real_to_metric(frame, **kwargs)

    monkeypatch.setattr(geo.rollup, "metric_measures", measuring)
    monkeypatch.setattr(geo.rollup, "to_metric", projecting)
    pd.testing.assert_frame_equal(summarize(data, zone_frame, by=by, mode=mode), expected)
    assert seen == {"measured": measured, "projected": projected}  # p, q, u are top-level; c1 and r are nested


@pytest.mark.parametrize("mode", ["area", "largest"])
def test_only_carriers_near_a_zone_edge_have_their_outlines_projected(monkeypatch, mode):
    """With the settling grid, the carriers it settles are never projected whole, and the table is the same."""
    data, zone_frame = LAYOUT
    data, zone_frame = to_wgs84(data), to_wgs84(zone_frame)
    expected = summarize(data, zone_frame, by="pole", mode=mode)
    projected: list[int] = []
    real = geo.rollup.to_metric

    def projecting(frame, **kwargs):
        if "type" not in getattr(frame, "columns", ()):
            projected.append(len(frame))
        return real(frame, **kwargs)

    monkeypatch.setattr(geo.rollup, "_GRID_MIN_CARRIERS", 1)
    monkeypatch.setattr(geo.rollup, "to_metric", projecting)
    pd.testing.assert_frame_equal(summarize(data, zone_frame, by="pole", mode=mode), expected)
    assert len(projected) == 1
    assert 0 < projected[0] < len(data) / 2


@pytest.mark.parametrize("mode", MODES)
def test_outlines_measured_once_serve_every_grouping(monkeypatch, mode):
    """metric_outlines passed to summarize: the same tables by pole, belt and status, with one projection."""
    data, zone_frame = LAYOUT
    data, zone_frame = to_wgs84(data), to_wgs84(zone_frame)
    expected = {by: summarize(data, zone_frame, by=by, mode=mode) for by in ("pole", "belt", "status")}
    outlines = geo.rollup.metric_outlines(data)
    calls: list[int] = []
    real = geo.rollup.metric_measures

    def measuring(frame, **kwargs):
        calls.append(len(frame))
        return real(frame, **kwargs)

    monkeypatch.setattr(geo.rollup, "metric_measures", measuring)
    for by, table in expected.items():
        pd.testing.assert_frame_equal(summarize(data, zone_frame, by=by, mode=mode, outlines=outlines), table)
    assert calls == []
    # Outlines of other carriers (here an equal copy) are not taken for these: they are measured.
    pd.testing.assert_frame_equal(
        summarize(data.copy(), zone_frame, by="pole", mode=mode, outlines=outlines), expected["pole"]
    )
    assert len(calls) == 1  # declared: the top-level carriers only
