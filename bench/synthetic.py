"""Synthetic building footprints and zones for the roll-up benchmark, deterministic given a seed.

The study area is a 20 × 20 km square in EPSG:4549 (CGCS2000 3° Gauss–Krüger, CM 120°E) whose
south-west corner is lon 121.40°E, lat 31.10°N (Xuhui's latitude), projected and rounded to the
metre. Everything is built with vectorised NumPy/shapely calls: a million footprints take seconds.

Footprints (``make_footprints``) follow the carriers data contract with ``kind = 'building'``:

- clustered around 240 seeded centres (70 %) plus a uniform background (30 %);
- rectangles with sides of 10–80 m (most around 20 m), 35 % of them rotated; 3 % irregular
  star-shaped polygons with 9 vertices; 0.5 % two-part multipolygons;
- floor area = footprint area × storeys (whole m²); status existing (80 %), under construction (8 %)
  or planned (12 %), existing buildings sometimes with a planned increment; about 5 % of each
  figure unknown (NA);
- ``zone_ids`` names the zones whose outline holds the generation centre, in a varied order,
  but 8 % are left empty and 3 % name a zone picked at random (usually wrong, on purpose).

Zones (``make_zones``): 4 irregular ``pole`` blobs (the first two overlap) and 6 ``belt``
corridors buffered along jittered polylines (several cross, so belts overlap too), listed with the
two types interleaved so that "zone file order" is exercised.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "CRS",
    "GENERATOR_VERSION",
    "ORIGIN",
    "OUT_DIR",
    "SIDE_M",
    "cache_footprints",
    "footprints_path",
    "load_footprints",
    "make_footprints",
    "make_zones",
]

# Bump when the generator changes: cached files carry it in their name.
GENERATOR_VERSION = 1
CRS = "EPSG:4549"
SIDE_M = 20_000.0
# The projection of (121.40°E, 31.10°N) by pyproj is (633572.48, 3442904.39); rounded to the metre
# so that the data do not depend on pyproj's version.
ORIGIN = (633_572.0, 3_442_904.0)
OUT_DIR = Path(__file__).resolve().parent / "out"

_LAYOUT_TAG = 1  # random-stream tags: zones and cluster layout do not depend on n
_CLUSTER_TAG = 2
_FOOTPRINT_TAG = 3

# (x km, y km, radius km) of the poles; the first two overlap.
_POLES = ((6.0, 13.0, 2.8), (9.6, 11.2, 2.0), (15.0, 5.0, 2.2), (14.0, 16.0, 1.6))
# (polyline in km, corridor width in m) of the belts; 1 crosses 2 and 3, 3 crosses 2, 6 and 5 touch 2.
_BELTS = (
    (((1.0, 0.5), (5.0, 5.0), (8.0, 9.0), (11.0, 12.0), (15.0, 15.5), (19.0, 19.5)), 900.0),
    (((0.5, 7.0), (6.0, 7.5), (12.0, 6.5), (19.5, 8.0)), 500.0),
    (((12.0, 0.5), (12.5, 6.0), (11.5, 12.0), (12.5, 19.5)), 600.0),
    (((2.0, 18.0), (6.0, 15.0), (9.0, 12.5)), 400.0),
    (((16.0, 1.0), (18.0, 6.0), (17.5, 12.0)), 700.0),
    (((3.0, 3.0), (8.0, 2.0), (14.0, 3.0)), 350.0),
)
# Zone file order, types interleaved: (type, index into _POLES or _BELTS).
_ZONE_ORDER = (
    ("belt", 0),
    ("pole", 0),
    ("pole", 1),
    ("belt", 1),
    ("belt", 2),
    ("pole", 2),
    ("belt", 3),
    ("belt", 4),
    ("pole", 3),
    ("belt", 5),
)
_TYPE_NAMES = {"pole": ("增长极", "Pole"), "belt": ("发展带", "Belt")}


def _blob(rng: np.random.Generator, cx: float, cy: float, radius: float, vertices: int = 48) -> shapely.Polygon:
    """A smooth irregular polygon: a circle whose radius wobbles with a few random harmonics."""
    angles = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    wobble = np.zeros(vertices)
    for harmonic in range(2, 6):
        wobble += rng.uniform(0.0, 0.12) * np.cos(harmonic * angles + rng.uniform(0.0, 2.0 * np.pi))
    r = radius * (1.0 + wobble)
    return shapely.Polygon(np.column_stack([cx + r * np.cos(angles), cy + r * np.sin(angles)]))


def make_zones(*, seed: int = 42) -> gpd.GeoDataFrame:
    """About ten zones over the study area: 4 ``pole`` and 6 ``belt``, some overlapping.

    Columns follow the zones data contract; CRS EPSG:4549.

    >>> zones = make_zones()
    >>> zones["type"].value_counts().to_dict()
    {'belt': 6, 'pole': 4}
    """
    rng = np.random.default_rng([seed, _LAYOUT_TAG])
    x0, y0 = ORIGIN
    square = shapely.box(x0, y0, x0 + SIDE_M, y0 + SIDE_M)
    poles = []
    for cx, cy, radius in _POLES:
        jx, jy = rng.uniform(-300.0, 300.0, 2)
        poles.append(_blob(rng, x0 + cx * 1000.0 + jx, y0 + cy * 1000.0 + jy, radius * 1000.0))
    belts = []
    for line, width in _BELTS:
        xy = np.asarray(line, dtype=np.float64) * 1000.0 + (x0, y0)
        xy[1:-1] += rng.uniform(-400.0, 400.0, (len(xy) - 2, 2))
        corridor = shapely.buffer(shapely.LineString(xy), width / 2.0, quad_segs=8)
        belts.append(shapely.intersection(corridor, square))
    rows = []
    counters = {"pole": 0, "belt": 0}
    for kind, index in _ZONE_ORDER:
        counters[kind] += 1
        number = counters[kind]
        zh, en = _TYPE_NAMES[kind]
        declared = None if (kind, number) == ("belt", 4) else int(rng.integers(50, 800)) * 10_000
        rows.append(
            {
                "id": f"{kind}_{number}",
                "name_zh": f"{zh}{number}",
                "name_en": f"{en} {number}",
                "type": kind,
                "layout": "synthetic",
                "declared_floor_area_m2": declared,
                "source_ids": None,
                "geometry_accuracy_m": 50,
                "geometry": poles[index] if kind == "pole" else belts[index],
            }
        )
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    for column in ("declared_floor_area_m2", "geometry_accuracy_m"):
        zones[column] = zones[column].astype("Int64")
    zones["source_ids"] = zones["source_ids"].astype(object)
    return zones


def _rectangles(cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray, theta: np.ndarray) -> np.ndarray:
    corners = np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5)])
    lx = corners[None, :, 0] * w[:, None]
    ly = corners[None, :, 1] * h[:, None]
    cos, sin = np.cos(theta)[:, None], np.sin(theta)[:, None]
    coords = np.stack([cx[:, None] + lx * cos - ly * sin, cy[:, None] + lx * sin + ly * cos], axis=-1)
    return shapely.polygons(coords)


def _stars(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, radius: np.ndarray, k: int = 9) -> np.ndarray:
    """Irregular polygons: one vertex per angular sector, so the centre sees every edge (always valid)."""
    angles = (np.arange(k)[None, :] + rng.uniform(0.1, 0.9, (len(cx), k))) * (2.0 * np.pi / k)
    r = radius[:, None] * rng.uniform(0.55, 1.0, (len(cx), k))
    xs = cx[:, None] + r * np.cos(angles)
    ys = cy[:, None] + r * np.sin(angles)
    coords = np.stack([np.c_[xs, xs[:, :1]], np.c_[ys, ys[:, :1]]], axis=-1)
    return shapely.polygons(coords)


def _two_parts(cx: np.ndarray, cy: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Multipolygons of two rectangles side by side with a gap (a building in two wings)."""
    half = w / 2.0
    gap = 0.25 * half
    left = _rectangles(cx - (half + gap) / 2.0, cy, half, h, np.zeros(len(cx)))
    right = _rectangles(cx + (half + gap) / 2.0, cy, half, h, np.zeros(len(cx)))
    parts = np.column_stack([left, right]).ravel()
    return shapely.multipolygons(parts, indices=np.repeat(np.arange(len(cx)), 2))


def _zone_ids(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, zones: gpd.GeoDataFrame) -> np.ndarray:
    """The ';'-separated ids of the zones holding each point, some left empty or made wrong."""
    n = len(x)
    ids = zones["id"].tolist()
    code = np.zeros(n, dtype=np.int64)
    for bit, geom in enumerate(zones.geometry.to_numpy()):
        shapely.prepare(geom)
        code |= shapely.contains_xy(geom, x, y).astype(np.int64) << bit
    draw = rng.random(n)
    code[draw < 0.08] = 0
    wrong = (draw >= 0.08) & (draw < 0.11)
    code[wrong] = np.int64(1) << rng.integers(0, len(ids), int(wrong.sum()))
    uniques, inverse = np.unique(code, return_inverse=True)
    texts = []
    for value in uniques.tolist():
        named = [zone_id for bit, zone_id in enumerate(ids) if value >> bit & 1]
        if value % 3 == 1:
            named.reverse()  # the declared order need not be the zones' file order
        texts.append(";".join(named) if named else None)
    return np.asarray(texts, dtype=object)[inverse]


def make_footprints(n: int, *, seed: int = 42) -> gpd.GeoDataFrame:
    """``n`` synthetic building footprints with floor areas, per the carriers contract (EPSG:4549).

    >>> frame = make_footprints(1_000)
    >>> len(frame), frame.crs.to_epsg(), bool(frame.geometry.is_valid.all())
    (1000, 4549, True)
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, got {n}")
    x0, y0 = ORIGIN
    layout = np.random.default_rng([seed, _CLUSTER_TAG])
    n_clusters = 240
    centres = layout.uniform(1_000.0, SIDE_M - 1_000.0, (n_clusters, 2))
    spread = layout.uniform(150.0, 900.0, n_clusters)
    weight = layout.lognormal(0.0, 1.0, n_clusters)
    weight /= weight.sum()

    rng = np.random.default_rng([seed, _FOOTPRINT_TAG, n])
    clustered = rng.random(n) < 0.7
    cluster = rng.choice(n_clusters, size=n, p=weight)
    offset = rng.normal(0.0, 1.0, (n, 2)) * spread[cluster, None]
    uniform = rng.uniform(0.0, SIDE_M, (n, 2))
    local = np.where(clustered[:, None], centres[cluster] + offset, uniform)
    local = np.clip(local, 100.0, SIDE_M - 100.0)
    cx, cy = x0 + local[:, 0], y0 + local[:, 1]

    w = np.clip(np.exp(rng.normal(np.log(20.0), 0.45, n)), 10.0, 80.0)
    h = np.clip(w * np.exp(rng.normal(0.0, 0.35, n)), 10.0, 80.0)
    rotated = rng.random(n) < 0.35
    theta = np.where(rotated, rng.uniform(0.0, np.pi / 2.0, n), 0.0)
    shape = rng.random(n)
    star = shape < 0.03
    multi = (shape >= 0.03) & (shape < 0.035)
    rect = ~(star | multi)
    geoms = np.empty(n, dtype=object)
    geoms[rect] = _rectangles(cx[rect], cy[rect], w[rect], h[rect], theta[rect])
    geoms[star] = _stars(rng, cx[star], cy[star], w[star] / 2.0)
    geoms[multi] = _two_parts(cx[multi], cy[multi], w[multi], h[multi])

    storeys = np.minimum(rng.geometric(0.18, n), 60)
    floor = np.rint(shapely.area(geoms) * storeys).astype(np.int64)
    status = rng.choice(
        np.array(["existing", "under_construction", "planned"], dtype=object), size=n, p=[0.80, 0.08, 0.12]
    )
    is_existing = status == "existing"
    renewal = is_existing & (rng.random(n) < 0.10)
    existing = np.where(is_existing, floor, 0)
    increment = np.rint(floor * rng.uniform(0.1, 0.6, n)).astype(np.int64)
    planned = np.where(is_existing, np.where(renewal, increment, 0), floor)
    opened = np.where(is_existing & (rng.random(n) >= 0.05), rng.integers(1970, 2025, n), -1)
    due = np.where(status == "under_construction", rng.integers(2025, 2029, n), rng.integers(2026, 2036, n))
    planned_year = np.where(renewal | ~is_existing, due, -1)
    existing_na = rng.random(n) < 0.05
    planned_na = rng.random(n) < 0.05

    def _nullable(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(values.astype(np.int64), missing)

    number = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)
    zones = make_zones(seed=seed)
    frame = gpd.GeoDataFrame(
        {
            "id": "bldg-" + number,
            "name_zh": "楼宇" + number,
            "name_en": "Building " + number,
            "kind": "building",
            "parent_id": pd.Series([None] * n, dtype=object),
            "zone_ids": pd.Series(_zone_ids(rng, cx, cy, zones), dtype=object),
            "floor_area_existing_m2": _nullable(existing, existing_na),
            "floor_area_planned_m2": _nullable(planned, planned_na),
            "planned_year": _nullable(np.maximum(planned_year, 0), planned_year < 0),
            "opened_year": _nullable(np.maximum(opened, 0), opened < 0),
            "status": pd.Series(status).astype(str),
            "site_area_m2": pd.array([pd.NA] * n, dtype="Int64"),
            "geometry_accuracy_m": pd.array(np.full(n, 5), dtype="Int64"),
            "source_ids": pd.Series([None] * n, dtype=object),
        },
        geometry=gpd.GeoSeries(geoms, crs=CRS),
    )
    frame["kind"] = frame["kind"].astype(str)
    return frame


def footprints_path(n: int, *, seed: int = 42) -> Path:
    """Where :func:`load_footprints` caches ``n`` footprints for ``seed``."""
    return OUT_DIR / f"footprints_n{n}_seed{seed}_v{GENERATOR_VERSION}.parquet"


def load_footprints(n: int, *, seed: int = 42) -> gpd.GeoDataFrame:
    """:func:`make_footprints`, cached as GeoParquet in ``bench/out`` (keyed by n, seed and version)."""
    path = footprints_path(n, seed=seed)
    if path.exists():
        return gpd.read_parquet(path)
    frame = make_footprints(n, seed=seed)
    cache_footprints(frame, n, seed=seed)
    return frame


def cache_footprints(frame: gpd.GeoDataFrame, n: int, *, seed: int = 42) -> Path:
    """Write ``frame`` (the output of ``make_footprints(n, seed=seed)``) where the cache expects it."""
    path = footprints_path(n, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    frame.to_parquet(partial)
    partial.replace(path)
    return path
