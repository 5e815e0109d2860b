"""The project's roll-up gives exactly the straightforward implementations' integer tables.

On synthetic footprints from the benchmark generator (bench/synthetic.py: clustered rectangles,
rotated ones, irregular polygons and multipolygons, about 5 % unknown figures, overlapping zones of
two types), ``geo.rollup.summarize`` in each membership mode must give the same whole-m² existing,
planned and total per zone, outside and total as the plain geopandas/pandas baselines of
bench/baselines.py, and every table must conserve floor area exactly (DESIGN.md rules 4 and 5).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from bench import baselines
from bench.synthetic import CRS, make_footprints, make_zones
from geo.rollup import summarize

N_FOOTPRINTS = 10_000
TYPES = ("pole", "belt")
BASELINES = {
    "area": baselines.area_overlay,
    "largest": baselines.largest_sjoin,
    "declared": baselines.declared_explode,
}


@pytest.fixture(scope="module")
def footprints() -> gpd.GeoDataFrame:
    return make_footprints(N_FOOTPRINTS, seed=7)


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    return make_zones(seed=7)


def _known_sums(frame: pd.DataFrame) -> tuple[int, int, int]:
    existing = int(frame["floor_area_existing_m2"].sum())
    planned = int(frame["floor_area_planned_m2"].sum())
    return existing, planned, existing + planned


@pytest.mark.parametrize("by", TYPES)
@pytest.mark.parametrize("mode", list(BASELINES))
def test_summarize_equals_baseline(footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, mode: str, by: str) -> None:
    project = summarize(footprints, zones, by=by, mode=mode)
    expected = BASELINES[mode](footprints, zones, by)
    assert baselines.table_records(project) == baselines.table_records(expected)


@pytest.mark.parametrize("by", TYPES)
@pytest.mark.parametrize("mode", list(BASELINES))
def test_summarize_conserves_floor_area(
    footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, mode: str, by: str
) -> None:
    table = summarize(footprints, zones, by=by, mode=mode)
    zone_ids = zones.loc[zones["type"] == by, "id"].tolist()
    assert table["group_id"].tolist() == [*zone_ids, "__outside__", "__total__"]
    records = baselines.table_records(table)
    *groups, total = records
    assert total[1:] == _known_sums(footprints)
    for column in (1, 2, 3):
        assert sum(group[column] for group in groups) == total[column]


@pytest.mark.parametrize("by", TYPES)
def test_apportioned_parts_really_split(footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, by: str) -> None:
    """The data exercise what the comparison is about: footprints crossing zone edges and overlaps."""
    area = baselines.table_records(summarize(footprints, zones, by=by, mode="area"))
    largest = baselines.table_records(summarize(footprints, zones, by=by, mode="largest"))
    assert area != largest  # some footprints straddle zone edges, so the modes disagree


def test_points_in_zones_conserves(footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> None:
    *groups, total = baselines.table_records(baselines.points_in_zones(footprints, zones, "belt"))
    assert total[1:] == _known_sums(footprints)
    assert sum(group[3] for group in groups) == total[3]


def test_generator_is_deterministic_and_follows_the_contract() -> None:
    first, again, other = make_footprints(2_000, seed=3), make_footprints(2_000, seed=3), make_footprints(2_000)
    pd.testing.assert_frame_equal(first, again)
    assert not first.geometry.geom_equals(other.geometry).all()
    assert first.crs == CRS
    assert first["id"].is_unique
    assert bool(shapely.is_valid(first.geometry.to_numpy()).all())
    assert set(first.geom_type) == {"Polygon", "MultiPolygon"}
    for column in (
        "floor_area_existing_m2",
        "floor_area_planned_m2",
        "planned_year",
        "opened_year",
        "site_area_m2",
        "geometry_accuracy_m",
    ):
        assert first[column].dtype == "Int64", column
    unknown = first["floor_area_existing_m2"].isna().mean()
    assert 0.02 < unknown < 0.08
    assert (first["kind"] == "building").all()
    assert first["parent_id"].isna().all()
    sides = np.sqrt(first.geometry.area.to_numpy())
    assert sides.min() > 5
    assert sides.max() < 90


def test_zones_overlap_within_a_type() -> None:
    zones = make_zones()
    assert zones.crs == CRS
    assert zones["id"].is_unique
    for by in TYPES:
        geoms = zones.loc[zones["type"] == by].geometry.to_numpy()
        overlap = sum(shapely.area(shapely.intersection(a, b)) for i, a in enumerate(geoms) for b in geoms[i + 1 :])
        assert overlap > 10_000, by
