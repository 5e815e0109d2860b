"""Coordinate reference systems: the metric CRS for area maths, and China's display datums.

Area and length are measured in a projected CRS in metres: EPSG:4549 (CGCS2000 3° Gauss–Krüger,
CM 120°E) for Shanghai, the CGCS2000 3° zone of the data's centre elsewhere in China, and the UTM
zone elsewhere. Area maths in degrees is refused, never approximated.

GCJ-02 (the obfuscated datum of AMap/高德 and Tencent maps) and BD-09 (Baidu) are display datums:
the forward formulas are public; their inverses have no closed form and are solved here by fixed-
point iteration to below 1e-9° (≈0.1 mm). Data, sums and exports never hold GCJ-02 or BD-09.
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer

__all__ = [
    "GEOGRAPHIC_CRS",
    "SHANGHAI_METRIC_CRS",
    "CRSProblemError",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "metric_crs_for",
    "metric_measures",
    "metric_xy",
    "shift_geometries",
    "to_metric",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

GEOGRAPHIC_CRS = CRS.from_epsg(4326)
SHANGHAI_METRIC_CRS = CRS.from_epsg(4549)

# Shanghai's extent with a margin; planning data here is conventionally in EPSG:4549 even east of
# 121.5°E, where the 3° zone arithmetic would pick CM 123°E.
_SHANGHAI_BOX = (120.5, 30.4, 122.5, 32.0)
# The usual "is this in China" test of the GCJ-02 formula (outside it, GCJ-02 equals WGS-84).
_CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)
_CGCS2000_3DEG_CM75 = 4534  # EPSG code of the CM 75°E zone; each next code is 3° further east

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

Array = npt.NDArray[np.float64]


class CRSProblemError(ValueError):
    """Coordinates that cannot be used for what was asked (e.g. area maths in degrees)."""


def _in_box(lon: Array, lat: Array, box: tuple[float, float, float, float]) -> npt.NDArray[np.bool_]:
    return (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])


def _delta_lat(x: Array, y: Array) -> Array:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lon(x: Array, y: Array) -> Array:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """WGS-84 → GCJ-02 by the public formula; points outside China are returned unchanged.

    >>> lon, lat = wgs84_to_gcj02([121.45513], [31.16165])
    >>> round(float(lon[0]), 6), round(float(lat[0]), 6)
    (121.459702, 31.15972)
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    dlat = _delta_lat(lon_a - 105.0, lat_a - 35.0)
    dlon = _delta_lon(lon_a - 105.0, lat_a - 35.0)
    radlat = lat_a / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_box(lon_a, lat_a, _CHINA_BOX)
    return np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → BD-09 by the public formula."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """WGS-84 → BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(
    forward: object, lon: npt.ArrayLike, lat: npt.ArrayLike, *, tol: float = 1e-10, max_iter: int = 30
) -> tuple[Array, Array]:
    """Solve forward(x) = target by fixed-point iteration x ← x − (forward(x) − target)."""
    target_lon = np.asarray(lon, dtype=np.float64)
    target_lat = np.asarray(lat, dtype=np.float64)
    x_lon, x_lat = target_lon.copy(), target_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = forward(x_lon, x_lat)  # type: ignore[operator]
        err_lon, err_lat = f_lon - target_lon, f_lat - target_lat
        x_lon -= err_lon
        x_lat -= err_lat
        if np.all(np.abs(err_lon) < tol) and np.all(np.abs(err_lat) < tol):
            break
    return x_lon, x_lat


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """GCJ-02 → WGS-84 by iterating the forward formula (error ≪ 1 cm).

    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02([121.45513], [31.16165]))
    >>> abs(float(lon[0]) - 121.45513) < 1e-9 and abs(float(lat[0]) - 31.16165) < 1e-9
    True
    """
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """BD-09 → GCJ-02 by iterating the forward formula (the usual one-step inverse errs ~1 m)."""
    return _invert(gcj02_to_bd09, lon, lat)


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Array, Array]:
    """BD-09 → WGS-84 by iterating the composed forward formula."""
    return _invert(wgs84_to_bd09, lon, lat)


def shift_geometries(frame: gpd.GeoDataFrame, transform: object) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with every vertex passed through ``transform(lon, lat)``.

    Used for display datums only (e.g. ``wgs84_to_gcj02`` for AMap tiles); the CRS label is kept,
    because GCJ-02 has no EPSG code and must never be written out as data.
    """

    def _apply(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = transform(coords[:, 0], coords[:, 1])  # type: ignore[operator]
        return np.column_stack([lon, lat])

    out = frame.copy()
    out.geometry = shapely.transform(frame.geometry.to_numpy(), _apply)
    return out


def metric_crs_for(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The projected CRS in metres to measure ``frame`` in, whatever CRS ``frame`` is in.

    EPSG:4549 for data in Shanghai; the CGCS2000 3° Gauss–Krüger zone of the data's centre
    elsewhere in China; the UTM zone of the centre elsewhere. The choice depends on where the data
    lies, not on its CRS: data in Web Mercator (EPSG:3857, whose "metres" are 2.4 times too large
    at 50°N) or in any other projection is measured in the same local CRS as the same data in
    longitude/latitude. ``frame`` must carry a CRS.

    >>> import shapely
    >>> frame = gpd.GeoSeries([shapely.box(121.40, 31.16, 121.43, 31.18)], crs=4326)
    >>> metric_crs_for(frame).to_epsg(), metric_crs_for(frame.to_crs(3857)).to_epsg()
    (4549, 4549)
    """
    if frame.crs is None:
        raise CRSProblemError(
            "the data has no coordinate reference system, so its areas cannot be measured; "
            "set one first (e.g. frame.set_crs('EPSG:4326') for longitude/latitude)"
        )
    minx, miny, maxx, maxy = frame.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return SHANGHAI_METRIC_CRS  # empty frame: any metric CRS measures zero area
    lon, lat = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    if not frame.crs.is_geographic:
        to_lonlat = _transformer(CRS.from_user_input(frame.crs).srs, GEOGRAPHIC_CRS.srs)
        lon, lat = (float(v) for v in to_lonlat.transform(lon, lat))
        if not (np.isfinite(lon) and np.isfinite(lat)):
            raise CRSProblemError(
                f"the data's centre cannot be placed on the globe from {CRS.from_user_input(frame.crs).name}; "
                "check that the coordinate system fits the numbers"
            )
        local = _local_metric_crs(lon, lat)
        return CRS.from_user_input(frame.crs) if local == CRS.from_user_input(frame.crs) else local
    return _local_metric_crs(lon, lat)


def _local_metric_crs(lon: float, lat: float) -> CRS:
    if _in_box(np.array([lon]), np.array([lat]), _SHANGHAI_BOX)[0]:
        return SHANGHAI_METRIC_CRS
    # Inside China the CGCS2000 3° Gauss–Krüger zone of the centre; elsewhere its UTM zone.
    if 73.5 <= lon <= 135.0 and 18.0 <= lat <= 53.6:
        central = int(round(lon / 3.0) * 3)
        return CRS.from_epsg(_CGCS2000_3DEG_CM75 + (central - 75) // 3)
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def to_metric(frame: gpd.GeoDataFrame, *, crs: CRS | str | int | None = None) -> gpd.GeoDataFrame:
    """``frame`` in a projected CRS in metres (``crs``, or :func:`metric_crs_for`).

    A frame already in a projected metre CRS is returned as is (no copy). A projected CRS in other
    units, or a target CRS that is geographic, is refused: areas would not be in m².
    """
    target = CRS.from_user_input(crs) if crs is not None else metric_crs_for(frame)
    if target.is_geographic:
        raise CRSProblemError(
            f"{target.name} is a longitude/latitude CRS: areas in it would be in square degrees; "
            "pick a projected CRS in metres such as EPSG:4549"
        )
    unit = target.axis_info[0].unit_name if target.axis_info else ""
    if unit not in ("metre", "meter"):
        raise CRSProblemError(
            f"{target.name} measures in {unit or 'unknown units'}, not metres; "
            "reproject to a metre-based CRS such as EPSG:4549"
        )
    if frame.crs is not None and CRS.from_user_input(frame.crs) == target:
        return frame
    return frame.to_crs(target)


@functools.lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    """A transformer between two CRSs, as GeoPandas' ``to_crs`` makes it (``always_xy``), made once per pair
    (making one costs some 0.1 s)."""
    return Transformer.from_crs(CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True)


#: Vertices below which projecting them in several threads costs more than it saves.
_THREADED_VERTICES = 1_000_000
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """Threads kept for the process: each makes its PROJ transformation once (some 0.05 s), not per call."""
    global _POOL  # noqa: PLW0603 - one pool per process
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="geo-crs")
        return _POOL


def _transform_in_place(transformer: Transformer, x: Array, y: Array, *, workers: int) -> None:
    """``transformer`` applied to the vertices ``x``, ``y`` in place, in up to ``workers`` threads (PROJ
    releases the GIL; each point's result does not depend on how the vertices are split)."""
    parts = min(workers, 4, os.cpu_count() or 1, len(x) // (_THREADED_VERTICES // 2))
    if parts <= 1:
        transformer.transform(x, y, inplace=True)
        return
    cuts = np.linspace(0, len(x), parts + 1).astype(np.intp)
    done = [_pool().submit(transformer.transform, x[a:b], y[a:b], inplace=True) for a, b in itertools.pairwise(cuts)]
    for future in done:
        future.result()


def metric_measures(outlines: gpd.GeoSeries, *, crs: CRS | str | int, workers: int = 1) -> tuple[Array, Array]:
    """(bounds, areas) of ``outlines`` in the metric CRS ``crs``, without building the projected outlines.

    The same numbers, bit for bit, as ``shapely.bounds`` and ``shapely.area`` of
    ``to_metric(outlines, crs=crs)``: the vertices go through the same transformation, and each
    ring's area is summed in GEOS's order (the shoelace formula relative to the ring's first
    vertex). Building a million projected polygons costs more than projecting their vertices, and
    most carriers only need their box and their area (:func:`geo.rollup` intersects only those near
    a zone's edge). Outlines of one ring (a polygon without holes, or a multipolygon of one such
    part) take this path; any other outline (holes, several parts, a third coordinate, missing,
    empty) is projected whole and measured by Shapely.

    ``workers`` threads project the vertices of a large set (a million vertices or more).

    Returns
    -------
    tuple of ndarray
        ``bounds`` (n × 4: minx, miny, maxx, maxy; NaN for missing or empty outlines) and ``areas``
        (n; NaN for missing outlines).
    """
    geoms = np.asarray(outlines.to_numpy(), dtype=object)
    target = CRS.from_user_input(crs)
    if outlines.crs is None or CRS.from_user_input(outlines.crs) == target:
        return shapely.bounds(geoms), shapely.area(geoms)
    n = len(geoms)
    bounds = np.empty((n, 4), dtype=np.float64)
    areas = np.empty(n, dtype=np.float64)
    counts = shapely.get_num_coordinates(geoms)
    # One ring each: a polygon without holes, or a multipolygon of one such part (as GeoPackages store
    # them), whose area GEOS sums from 0.0 over its one part: the same number.
    kind = shapely.get_type_id(geoms)
    one_part = (kind == shapely.GeometryType.MULTIPOLYGON) & (shapely.get_num_geometries(geoms) == 1)
    holes = shapely.get_num_interior_rings(geoms)  # 0 for anything but a polygon
    holes[one_part] = shapely.get_num_interior_rings(shapely.get_geometry(geoms[one_part], 0))
    simple = ((kind == shapely.GeometryType.POLYGON) | one_part) & (counts >= 4) & (holes == 0)
    simple &= ~shapely.has_z(geoms)  # a third coordinate may move the other two in some transformations
    simple_at, other = np.flatnonzero(simple), np.flatnonzero(~simple)
    if len(simple_at):
        transformer = _transformer(CRS.from_user_input(outlines.crs).srs, target.srs)
        bounds[simple_at], areas[simple_at], unsure = _ring_measures(
            geoms[simple_at], counts[simple_at], transformer, workers=workers
        )
        other = np.r_[other, simple_at[unsure]]  # beside a vertex the transformation could not place
    if len(other):
        projected = to_metric(outlines.iloc[other], crs=target).to_numpy()
        with np.errstate(invalid="ignore"):
            bounds[other], areas[other] = shapely.bounds(projected), shapely.area(projected)
    return bounds, areas


def metric_xy(points: gpd.GeoSeries, *, crs: CRS | str | int) -> npt.NDArray[np.float64]:
    """The coordinates (n × 2) of ``points`` in the metric CRS ``crs``, without building projected points.

    The same numbers as ``shapely.get_coordinates(to_metric(points, crs=crs))`` for points (one
    row per point; missing or empty points are left out, as there).
    """
    xy = shapely.get_coordinates(np.asarray(points.to_numpy(), dtype=object))
    target = CRS.from_user_input(crs)
    if points.crs is None or CRS.from_user_input(points.crs) == target or not len(xy):
        return xy
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    _transformer(CRS.from_user_input(points.crs).srs, target.srs).transform(x, y, inplace=True)
    return np.column_stack([x, y])


def _ring_measures(
    polygons: npt.NDArray[np.object_], counts: npt.NDArray[np.int64], transformer: Transformer, *, workers: int
) -> tuple[Array, Array, npt.NDArray[np.intp]]:
    """Bounds and areas of polygons without holes after ``transformer``, GEOS's arithmetic in numpy.

    Also the positions whose numbers are not to be trusted: polygons with a vertex the transformation
    could not place (infinite), and their neighbours in the vertex array, whose sums read it.
    """
    xy = shapely.get_coordinates(polygons)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    del xy
    _transform_in_place(transformer, x, y, workers=workers)
    starts = np.r_[0, np.cumsum(counts[:-1])]
    bounds = np.column_stack(
        [
            np.minimum.reduceat(x, starts),
            np.minimum.reduceat(y, starts),
            np.maximum.reduceat(x, starts),
            np.maximum.reduceat(y, starts),
        ]
    )
    # GEOS (Area::ofRingSigned): sum over i = 1 … m-2 of (x[i] - x[0]) * (y[i-1] - y[i+1]), in
    # order, halved. At i = 0 and at the closing vertex (equal to the first) x[i] - x[0] is 0, so
    # the terms of every vertex can be summed (adding 0.0 changes nothing), and the neighbours
    # read across two rings' boundary never count; bincount adds each ring's terms in order,
    # from 0.0, as GEOS does.
    ring = np.repeat(np.arange(len(polygons)), counts)
    placed = np.isfinite(x) & np.isfinite(y)
    unsure = np.empty(0, dtype=np.intp)
    if not placed.all():
        lost = np.unique(ring[~placed])
        unsure = np.unique(np.clip(np.r_[lost - 1, lost, lost + 1], 0, len(polygons) - 1))
    terms = np.zeros(len(x))
    with np.errstate(invalid="ignore"):  # only beside an unplaced vertex, whose polygons are redone
        x -= np.repeat(x[starts], counts)
        np.multiply(x[1:-1], np.subtract(y[:-2], y[2:]), out=terms[1:-1])
    areas = np.abs(np.bincount(ring, weights=terms, minlength=len(polygons)) / 2.0)
    return bounds, areas, unsure
