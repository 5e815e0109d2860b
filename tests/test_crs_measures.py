"""geo.crs.metric_measures: boxes and areas in the metric CRS, the same numbers as the projected outlines give."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import MultiPolygon, Polygon

import geo.crs
from geo.crs import metric_measures, metric_xy, to_metric


def _outline(rng: np.random.Generator) -> shapely.Geometry | None:
    """A random footprint near Xuhui: a hull of scattered points, sometimes buffered, holed or split."""
    kind = rng.integers(0, 10)
    if kind == 0:
        return None
    if kind == 1:
        return Polygon()
    centre = rng.uniform([121.40, 31.10], [121.50, 31.20])
    hull = shapely.convex_hull(shapely.MultiPoint(centre + rng.normal(0, 0.001, (int(rng.integers(3, 40)), 2))))
    if kind in (2, 3):
        hull = hull.buffer(0.0003, quad_segs=int(rng.integers(1, 12)))
    if kind == 4:
        hull = hull.difference(shapely.Point(centre).buffer(0.0001))  # a hole, or a bite
    if kind == 5:
        hull = MultiPolygon(
            [shapely.box(*centre, *(centre + 0.0002)), shapely.box(*(centre + 0.0004), *(centre + 0.0006))]
        )
    if kind == 6:
        hull = shapely.force_3d(hull, 4.0)
    if kind == 7:  # a multipolygon of one part, as GeoPackages store outlines
        hull = MultiPolygon([hull])
    return hull


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 60), source=st.sampled_from([4326, 3857, 4490]))
def test_boxes_and_areas_are_those_of_the_projected_outlines_bit_for_bit(seed, n, source):
    """Any mix of outlines, from longitude/latitude or another projection: the same floats as ``to_metric``."""
    rng = np.random.default_rng(seed)
    outlines = gpd.GeoSeries([_outline(rng) for _ in range(n)], crs=4326).to_crs(source)
    projected = to_metric(outlines, crs=4549).to_numpy()
    bounds, areas = metric_measures(outlines, crs=4549)
    np.testing.assert_array_equal(bounds, shapely.bounds(projected))
    np.testing.assert_array_equal(areas, shapely.area(projected))


def test_outlines_already_in_the_metric_crs_are_measured_as_they_are():
    outlines = gpd.GeoSeries([shapely.box(0, 0, 30, 20), None], crs=4549)
    bounds, areas = metric_measures(outlines, crs="EPSG:4549")
    np.testing.assert_array_equal(areas, [600.0, np.nan])
    np.testing.assert_array_equal(bounds, [[0, 0, 30, 20], [np.nan] * 4])


@pytest.mark.parametrize("n", [1, 3])
def test_a_square_of_a_hundred_metres_measures_ten_thousand_square_metres(n):
    """The numbers mean what they say: a 100 m square drawn in EPSG:4549, measured from WGS-84."""
    squares = gpd.GeoSeries(
        [shapely.box(x, 3_450_000, x + 100, 3_450_100) for x in 350_000 + 500 * np.arange(n)], crs=4549
    )
    _, areas = metric_measures(squares.to_crs(4326), crs=4549)
    np.testing.assert_allclose(areas, 10_000.0, rtol=1e-6)


@pytest.mark.parametrize("source", [4326, 3857])
def test_points_projected_as_coordinates_are_those_of_the_projected_points(source):
    rng = np.random.default_rng(7)
    points = gpd.GeoSeries(shapely.points(rng.uniform([121.3, 31.0], [121.6, 31.3], (500, 2))), crs=4326).to_crs(source)
    np.testing.assert_array_equal(metric_xy(points, crs=4549), shapely.get_coordinates(to_metric(points, crs=4549)))


def test_vertices_projected_in_threads_are_the_same_numbers(monkeypatch):
    """Split between threads (a small threshold here), the boxes and areas are the same, bit for bit."""
    rng = np.random.default_rng(3)
    outlines = gpd.GeoSeries([_outline(rng) for _ in range(3_000)], crs=4326)
    alone = metric_measures(outlines, crs=4549, workers=1)
    monkeypatch.setattr(geo.crs, "_THREADED_VERTICES", 100)
    monkeypatch.setattr(geo.crs.os, "cpu_count", lambda: 4)
    split: list[int] = []
    real = geo.crs._transform_in_place

    def counting(transformer, x, y, *, workers):
        split.append(workers)
        return real(transformer, x, y, workers=workers)

    monkeypatch.setattr(geo.crs, "_transform_in_place", counting)
    threaded = metric_measures(outlines, crs=4549, workers=3)
    assert split == [3]
    for a, b in zip(alone, threaded, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_vertex_the_transformation_cannot_place_spoils_no_other_outline():
    """A latitude of 95° (out of range: infinite when projected) leaves its neighbours' numbers as they are."""
    beside = [shapely.box(121.40 + k / 100, 31.10, 121.405 + k / 100, 31.105) for k in range(4)]
    # Its first vertex unplaceable: the vertex array's neighbours on both sides read it.
    broken = Polygon([(121.42, 95.0), (121.43, 31.1), (121.44, 31.2), (121.42, 95.0)])
    outlines = gpd.GeoSeries([*beside[:2], broken, *beside[2:]], crs=4326)
    projected = to_metric(outlines, crs=4549).to_numpy()
    with np.errstate(invalid="ignore"):
        expected = shapely.bounds(projected), shapely.area(projected)
    bounds, areas = metric_measures(outlines, crs=4549)
    np.testing.assert_array_equal(bounds, expected[0])
    np.testing.assert_array_equal(areas, expected[1])
    assert np.isfinite(areas[[0, 1, 3, 4]]).all()
