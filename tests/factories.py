"""Tiny carriers and zones built in code, for hand-checkable tests.

Coordinates are metres in EPSG:4549 (CGCS2000 3° Gauss–Krüger CM 120°E), so a 10 m square has an
area of exactly 100 m²; ``to_wgs84`` gives the same features as longitude/latitude.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

METRIC = "EPSG:4549"
# A point in Xuhui in EPSG:4549, so that reprojected fixtures land where real data would.
ORIGIN = (637_000.0, 3_450_700.0)

_CARRIER_DEFAULTS: dict[str, Any] = {
    "name_zh": None,
    "name_en": None,
    "kind": "park",
    "parent_id": None,
    "zone_ids": None,
    "floor_area_existing_m2": None,
    "floor_area_planned_m2": None,
    "planned_year": None,
    "opened_year": None,
    "status": "existing",
    "site_area_m2": None,
    "geometry_accuracy_m": 10,
    "source_ids": None,
}
_INT_COLUMNS = (
    "floor_area_existing_m2",
    "floor_area_planned_m2",
    "planned_year",
    "opened_year",
    "site_area_m2",
    "geometry_accuracy_m",
)


def square(x: float, y: float, size: float) -> shapely.Polygon:
    """A square with its south-west corner at (x, y) metres from ``ORIGIN``."""
    return shapely.box(ORIGIN[0] + x, ORIGIN[1] + y, ORIGIN[0] + x + size, ORIGIN[1] + y + size)


def rect(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle from (x0, y0) to (x1, y1) metres from ``ORIGIN``."""
    return shapely.box(ORIGIN[0] + x0, ORIGIN[1] + y0, ORIGIN[0] + x1, ORIGIN[1] + y1)


def carriers(*rows: dict[str, Any], crs: str = METRIC) -> gpd.GeoDataFrame:
    """Carriers from dicts with at least ``id`` and ``geometry``; other fields default."""
    records = [{**_CARRIER_DEFAULTS, "name_zh": r["id"], "name_en": r["id"], **r} for r in rows]
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=crs)
    for column in _INT_COLUMNS:
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    for column in ("parent_id", "zone_ids", "source_ids", "name_zh", "name_en"):
        frame[column] = frame[column].astype(object)
    return frame


def zones(*rows: dict[str, Any], crs: str = METRIC) -> gpd.GeoDataFrame:
    """Zones from dicts with at least ``id``, ``type`` and ``geometry``."""
    defaults = {"layout": "test", "declared_floor_area_m2": None, "source_ids": None, "geometry_accuracy_m": 10}
    records = [{**defaults, "name_zh": f"{r['id']}区", "name_en": f"Zone {r['id']}", **r} for r in rows]
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=crs)
    frame["declared_floor_area_m2"] = pd.array(frame["declared_floor_area_m2"].tolist(), dtype="Int64")
    frame["geometry_accuracy_m"] = pd.array(frame["geometry_accuracy_m"].tolist(), dtype="Int64")
    frame["source_ids"] = frame["source_ids"].astype(object)
    return frame


def to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same features in EPSG:4326, as files store them."""
    return frame.to_crs(4326)
