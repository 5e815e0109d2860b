"""Display geometry: what the browser draws, never what the numbers are computed from.

Outlines are simplified by a few metres (in a metric CRS, topology preserved) and their coordinates
rounded to 6 decimals (≈0.1 m) to keep the page small; for AMap (高德) tiles, which are drawn in the
GCJ-02 datum, a copy is shifted WGS-84 → GCJ-02. The input frame is never modified, and none of
these copies may be used for area maths or written out as data.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from geo.crs import metric_crs_for, wgs84_to_gcj02
from layers._common import LayerInputError, is_wgs84

__all__ = ["DEFAULT_DECIMALS", "DEFAULT_TOLERANCE_M", "display_geometry", "prepare_display", "to_gcj02"]

DEFAULT_TOLERANCE_M = 3.0
DEFAULT_DECIMALS = 6


def _require_lonlat(frame: gpd.GeoDataFrame, what: str) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise LayerInputError(f"{what}: expected a geopandas.GeoDataFrame, got {type(frame).__name__}")
    if not is_wgs84(frame.crs):
        raise LayerInputError(
            f"{what}: needs WGS-84 longitude/latitude (EPSG:4326), got {frame.crs!s}; "
            "call frame.to_crs('EPSG:4326') first (or frame.set_crs('EPSG:4326') if the numbers already are)"
        )


def to_gcj02(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with every vertex shifted WGS-84 → GCJ-02, for AMap tiles only.

    The CRS label stays EPSG:4326 (GCJ-02 has no EPSG code); the copy is for display and must
    never be summed, measured or exported. Points outside China are left as they are.

    Parameters
    ----------
    frame
        Geometries in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        A shifted copy; ``frame`` itself is untouched.
    """
    _require_lonlat(frame, "to_gcj02")

    def _shift(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = frame.copy()
    out.geometry = shapely.transform(frame.geometry.to_numpy(), _shift)
    return out


def display_geometry(
    frame: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    decimals: int = DEFAULT_DECIMALS,
) -> gpd.GeoDataFrame:
    """A lighter copy of ``frame`` to draw: simplified in metres, coordinates rounded.

    Parameters
    ----------
    frame
        Geometries in EPSG:4326.
    tolerance_m
        Simplification tolerance in metres (Douglas–Peucker, topology preserved); 0 keeps
        every vertex. Keep it below the data's ``geometry_accuracy_m``.
    decimals
        Decimal places kept in longitude/latitude (6 ≈ 0.1 m).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:4326. Never use it for area maths.
    """
    _require_lonlat(frame, "display_geometry")
    if tolerance_m < 0 or not np.isfinite(tolerance_m):
        raise LayerInputError(f"display_geometry: tolerance_m={tolerance_m!r} must be a finite number ≥ 0")
    out = frame.copy()
    if len(out) and tolerance_m > 0:
        metric = out.geometry.to_crs(metric_crs_for(out))
        out.geometry = metric.simplify(tolerance_m, preserve_topology=True).to_crs(frame.crs)
    return _round(out, decimals)


def _round(frame: gpd.GeoDataFrame, decimals: int) -> gpd.GeoDataFrame:
    out = frame.copy()
    out.geometry = shapely.transform(out.geometry.to_numpy(), lambda c: np.round(c, decimals))
    return out


def prepare_display(
    frame: gpd.GeoDataFrame,
    *,
    gcj02: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    decimals: int = DEFAULT_DECIMALS,
) -> gpd.GeoDataFrame:
    """Simplify, shift to GCJ-02 when ``gcj02`` is true, then round: the builders' one display step.

    Parameters
    ----------
    frame
        Geometries in EPSG:4326.
    gcj02
        Shift the copy WGS-84 → GCJ-02 (only for AMap basemaps).
    tolerance_m, decimals
        As in :func:`display_geometry`.

    Returns
    -------
    geopandas.GeoDataFrame
        A display-only copy.
    """
    out = display_geometry(frame, tolerance_m=tolerance_m, decimals=12)
    if gcj02:
        out = to_gcj02(out)
    return _round(out, decimals)
