"""The roll-up's fast paths give exactly what the plain computations give.

The settling grid (cells labelled by rasterising zone edges), the compact membership that sums
carriers wholly in one group without a row each, the apportioning of split carriers only and the
ancestor walk over carriers with a parent are checked against plain shapely / Python versions on
random layouts: zones with holes, multipolygons, overlapping zones, carriers sharing zone edges
exactly, carriers far beyond the zones, and big carriers.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from factories import ORIGIN, carriers, rect, zones

import geo.nesting
import geo.rollup
from geo.rollup import apportion, assign, contributions, disjoint_zones, summarize


def _blob(rng: np.random.Generator, cx: float, cy: float, radius: float) -> shapely.Polygon:
    angles = np.sort(rng.uniform(0.0, 2.0 * np.pi, 24))
    r = radius * rng.uniform(0.6, 1.0, 24)
    return shapely.Polygon(np.column_stack([ORIGIN[0] + cx + r * np.cos(angles), ORIGIN[1] + cy + r * np.sin(angles)]))


def _zone_geoms(seed: int) -> list[shapely.Geometry]:
    """Zones of one type: a blob with a hole, a two-part zone, an overlapping blob, a rectangle."""
    rng = np.random.default_rng(seed)
    holed = shapely.difference(_blob(rng, 300, 300, 220), _blob(rng, 300, 300, 80))
    two_parts = shapely.union(_blob(rng, 700, 250, 120), _blob(rng, 700, 650, 100))
    overlapping = _blob(rng, 420, 480, 150)  # overlaps the holed blob: made disjoint
    aligned = rect(100, 700, 400, 900)  # axis-aligned edges that carriers share exactly
    return [holed, two_parts, overlapping, aligned]


def _layout(seed: int, n: int = 2500) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-150, 1150, n), rng.uniform(-150, 1150, n)
    w, h = rng.uniform(4, 30, n), rng.uniform(4, 30, n)
    boxes = shapely.box(ORIGIN[0] + x, ORIGIN[1] + y, ORIGIN[0] + x + w, ORIGIN[1] + y + h)
    rotated = rng.random(n) < 0.3
    boxes[rotated] = [shapely.affinity.rotate(g, rng.uniform(0, 90)) for g in boxes[rotated]]
    # Carriers sharing the aligned zone's edges exactly (inside, outside, across), and a few big ones.
    extra = [rect(100, 880, 120, 900), rect(100, 900, 120, 920), rect(90, 750, 110, 760), rect(380, 700, 400, 710)]
    extra += [rect(400, 800, 420, 820), rect(0, 0, 600, 600), rect(-100, 600, 1100, 640)]
    geoms = [*boxes, *extra]
    existing = rng.integers(0, 5000, len(geoms))
    rows = [
        {
            "id": f"c{i}",
            "geometry": geom,
            "floor_area_existing_m2": None if i % 17 == 0 else int(existing[i]),
            "floor_area_planned_m2": None if i % 23 == 0 else int(i % 11),
            "status": ("existing", "planned", "under_construction")[i % 3],
        }
        for i, geom in enumerate(geoms)
    ]
    zone_rows = [{"id": f"z{k}", "type": "pole", "geometry": g} for k, g in enumerate(_zone_geoms(seed))]
    zone_rows.append({"id": "b0", "type": "belt", "geometry": rect(-50, 400, 1050, 460)})
    return carriers(*rows), zones(*zone_rows)


def _grid_setup(zone_geoms: list[shapely.Geometry], size: float) -> tuple:
    disjoint = disjoint_zones(np.array(zone_geoms, dtype=object))
    shapely.prepare(disjoint)
    minx, miny, maxx, maxy = shapely.total_bounds(disjoint)
    side = int(max(maxx - minx, maxy - miny) / size) + 5
    return disjoint, (minx - 2 * size, miny - 2 * size), side


@pytest.mark.parametrize(("seed", "size"), [(1, 9.7), (2, 23.0), (3, 4.1)])
def test_grid_labels_are_sound(seed, size):
    """A cell labelled with a zone lies in that zone's interior; a cell labelled nowhere touches none."""
    disjoint, origin, side = _grid_setup(_zone_geoms(seed), size)
    grid = geo.rollup._grid_labels(disjoint, origin, size, side, 1e-6)
    iy, ix = np.divmod(np.arange(side * side), side)
    cells = shapely.box(
        origin[0] + ix * size, origin[1] + iy * size, origin[0] + (ix + 1) * size, origin[1] + (iy + 1) * size
    )
    labels = grid.ravel()
    for z, zone in enumerate(disjoint):
        assert shapely.contains_properly(zone, cells[labels == z]).all()
    everything = shapely.union_all(disjoint)
    assert not shapely.intersects(everything, cells[labels == geo.rollup._NOWHERE]).any()
    # and the grid is useful: most cells are settled either way
    assert (labels >= 0).mean() > 0.1
    assert (labels == geo.rollup._NOWHERE).mean() > 0.1


@pytest.mark.parametrize("seed", [4, 5])
def test_carriers_settled_by_the_grid_are_really_inside_or_outside(seed):
    data, zone_frame = _layout(seed)
    pole = zone_frame["type"] == "pole"
    disjoint = disjoint_zones(zone_frame.geometry.to_numpy()[pole.to_numpy()])
    shapely.prepare(disjoint)
    geoms = data.geometry.to_numpy()
    settled, zone = geo.rollup._settled_by_grid(shapely.bounds(geoms), shapely.area(geoms), disjoint)
    for z in range(len(disjoint)):
        assert shapely.contains_properly(disjoint[z], geoms[settled & (zone == z)]).all()
    nowhere = settled & (zone == geo.rollup._NOWHERE)
    assert not shapely.intersects(shapely.union_all(disjoint), geoms[nowhere]).any()
    assert settled.mean() > 0.5  # most are settled; the rest are tested one by one
    # carriers sharing the aligned zone's edge are never settled inside it (they touch its edge)
    shares_edge = shapely.touches(disjoint[3], geoms) | shapely.overlaps(disjoint[3], geoms)
    assert not (settled & (zone == 3) & shares_edge).any()


@pytest.mark.parametrize("mode", ["largest", "area"])
@pytest.mark.parametrize("by", ["pole", "belt"])
def test_the_grid_changes_nothing(monkeypatch, mode, by):
    """With and without the settling grid: the same assignment, bit for bit, and the same table."""
    data, zone_frame = _layout(6)
    monkeypatch.setattr(geo.rollup, "_GRID_MIN_CARRIERS", 10**9)
    plain = assign(data, zone_frame, zone_type=by, mode=mode)
    plain_table = summarize(data, zone_frame, by=by, mode=mode, year=2030)
    monkeypatch.setattr(geo.rollup, "_GRID_MIN_CARRIERS", 1)
    fast = assign(data, zone_frame, zone_type=by, mode=mode)
    fast_table = summarize(data, zone_frame, by=by, mode=mode, year=2030)
    for field in ("carrier", "group", "share"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(fast, field))
    pd.testing.assert_frame_equal(plain_table, fast_table)


@pytest.mark.parametrize("mode", ["declared", "largest", "area"])
def test_summary_equals_the_sums_over_the_assignment_rows(monkeypatch, mode):
    """The compact sums (carriers wholly in a group, then split rows) equal sums over every row."""
    monkeypatch.setattr(geo.rollup, "_GRID_MIN_CARRIERS", 1)
    data, zone_frame = _layout(7)
    data["zone_ids"] = np.where(np.arange(len(data)) % 3 == 0, "z1;z0", "z2").astype(object)
    table = summarize(data, zone_frame, by="pole", mode=mode).set_index("group_id")
    rows = assign(data, zone_frame, zone_type="pole", mode=mode)
    contrib = contributions(data)
    areas = shapely.area(data.geometry.to_numpy())
    land_whole = np.where(contrib.top, np.rint(areas), 0).astype(np.int64)
    unknown = contrib.unknown[rows.carrier]
    ids = data["id"].to_numpy()
    for position, group in enumerate(rows.groups):
        mine = rows.group == position
        expected = {
            "existing_m2": apportion(contrib.existing, rows.carrier, rows.group, rows.share)[mine].sum(),
            "planned_m2": apportion(contrib.planned, rows.carrier, rows.group, rows.share)[mine].sum(),
            "land_m2": apportion(land_whole, rows.carrier, rows.group, rows.share)[mine].sum(),
            "member_count": mine.sum(),
            "unknown_count": (mine & unknown).sum(),
            "unknown_ids": ";".join(ids[rows.carrier[mine & unknown]]),
        }
        assert {key: table.loc[group, key] for key in expected} == expected


@pytest.mark.parametrize("grid_from", [10**9, 1])
def test_largest_matches_plain_intersection_areas(monkeypatch, grid_from):
    """``largest`` picks the zone of largest overlap (the first of equals), outside if none."""
    monkeypatch.setattr(geo.rollup, "_GRID_MIN_CARRIERS", grid_from)
    data, zone_frame = _layout(8, n=1500)
    of_type = zone_frame[zone_frame["type"] == "pole"]
    disjoint = disjoint_zones(of_type.geometry.to_numpy())
    geoms = data.geometry.to_numpy()
    overlap = np.stack([shapely.area(shapely.intersection(geoms, zone)) for zone in disjoint], axis=1)
    best = np.argmax(overlap, axis=1)
    best[overlap.max(axis=1) <= 1e-9] = len(disjoint)  # outside
    top2 = np.sort(overlap, axis=1)[:, -2:]
    clear = (top2[:, 1] - top2[:, 0] > 1e-6 * top2[:, 1]) | (top2[:, 0] <= 1e-9)  # no near-tie
    assert clear.mean() > 0.99
    group = assign(data, zone_frame, zone_type="pole", mode="largest").group
    np.testing.assert_array_equal(group[clear], best[clear])


def _apportion_plainly(values, carrier, group, share):
    parts = []
    for c in dict.fromkeys(carrier.tolist()):
        rows = np.flatnonzero(carrier == c)
        exact = [values[c] * share[r] for r in rows]
        floors = [int(np.floor(e)) for e in exact]
        left = int(values[c]) - sum(floors)
        ranked = sorted(range(len(rows)), key=lambda k: (-(exact[k] - floors[k]), group[rows[k]]))
        for k in ranked[:left]:
            floors[k] += 1
        parts.extend(floors)
    return np.array(parts, dtype=np.int64)


@pytest.mark.parametrize("seed", range(5))
def test_apportion_matches_a_plain_largest_remainder(seed):
    rng = np.random.default_rng(seed)
    carrier, group, share = [], [], []
    for c in range(300):
        k = int(rng.integers(1, 5))
        if c % 5 == 0:
            weights = np.full(k, 1.0 / k)  # exact ties between remainders
        else:
            weights = rng.random(k)
            weights /= weights.sum()
        carrier += [c] * k
        group += sorted(rng.choice(6, k, replace=False).tolist())
        share += weights.tolist()
    values = rng.integers(0, 10**7, 300)
    values[::7] = 0
    carrier_a, group_a, share_a = np.array(carrier), np.array(group), np.array(share)
    parts = apportion(values, carrier_a, group_a, share_a)
    np.testing.assert_array_equal(parts, _apportion_plainly(values, carrier_a, group_a, share_a))
    np.testing.assert_array_equal(np.bincount(carrier_a, weights=parts).astype(np.int64), values)


@pytest.mark.parametrize("seed", range(3))
def test_ancestor_walk_matches_a_plain_walk(seed):
    rng = np.random.default_rng(seed)
    n = 400
    parent = np.where(rng.random(n) < 0.6, -1, 0)
    for i in range(n):  # a forest: every parent comes before its child
        if parent[i] == 0:
            parent[i] = rng.integers(0, i) if i else -1
    known = rng.random(n) < 0.4
    expected = np.zeros(n, dtype=bool)
    for i in range(n):
        node = parent[i]
        while node >= 0:
            expected[i] |= known[node]
            node = parent[node]
    np.testing.assert_array_equal(geo.nesting.ancestor_any(parent, known), expected)


@pytest.mark.parametrize("with_nan", [False, True])
def test_largest_picks_the_first_zone_of_largest_overlap(monkeypatch, with_nan):
    """Per carrier the zone of largest overlap, ties to the zone listed first, found without a sort."""
    rng = np.random.default_rng(9)
    carrier = np.sort(rng.integers(0, 400, 1500))
    zone = rng.integers(0, 4, 1500)
    unique = np.unique(carrier * 4 + zone, return_index=True)[1]  # one row per (carrier, zone)
    carrier, zone = carrier[unique], zone[unique]
    overlap = rng.choice([1.0, 2.0, 2.5, 3.0], len(carrier))  # many ties
    if with_nan:
        overlap[::13] = np.nan
    monkeypatch.setattr(geo.rollup, "_overlap_areas", lambda *_args, **_kwargs: (carrier, zone, overlap))
    frame = zones(*({"id": f"z{k}", "type": "pole", "geometry": rect(k, 0, k + 1, 1)} for k in range(4)))
    data = carriers(*({"id": f"c{i}", "geometry": rect(0, 0, 1, 1)} for i in range(400)))
    group = assign(data, frame, zone_type="pole", mode="largest").group
    order = np.lexsort((zone, -overlap, carrier))  # the definition: sort, first row per carrier wins
    first = order[np.r_[True, carrier[order][1:] != carrier[order][:-1]]]
    expected = np.full(400, 4)
    expected[carrier[first]] = zone[first]
    np.testing.assert_array_equal(group, expected)
