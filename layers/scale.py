"""How the map degrades as carriers grow: three views, chosen by the number of carriers.

=========  ===========================  =====================================================================
view       carriers                     what the map draws
=========  ===========================  =====================================================================
``full``   ≤ :data:`FULL_MAX`  (300)    every outline on SVG, tooltip, click popup (attributes, cited quotes),
                                        a name label each; simplified by ``tolerance_m`` (3 m), 6 decimals
``light``  ≤ :data:`LIGHT_MAX` (2,500)  every outline on a canvas, a short tooltip (name, total), no popups,
                                        no carrier labels (zone labels stay); simplified by at least
                                        :data:`LIGHT_TOLERANCE_M` (10 m), 5 decimals (≈1 m)
``grid``   more                         no outlines: floor area (existing + planned, build-out) summed on a
                                        square grid of :func:`grid_cell_m` metres in the metric CRS (≥ 250 m,
                                        coarser so that there are at most about :data:`GRID_MAX_CELLS` cells),
                                        one polygon per occupied cell coloured by floor-area density, an
                                        escaped tooltip each; the zone outlines drawn as usual
=========  ===========================  =====================================================================

The thresholds come from the payload streamlit-folium sends on every rerun, measured with the
synthetic building footprints of ``bench/synthetic.py``: a full-view carrier costs about 1.7 kB (its
popup lists every attribute), a light-view one about 0.3 kB, a grid cell about 0.3 kB — so at most
≈ 0.5 MB (300 full), ≈ 0.75 MB (2,500 light) and ≈ 0.15 MB (grid, any number of carriers). The page
shows :func:`view_note` whenever the view is not ``full``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np

from geo.text import Text
from layers._common import Lang, LayerInputError, check_lang, is_wgs84

__all__ = [
    "FULL_MAX",
    "GRID_BREAKS_WAN_PER_KM2",
    "GRID_MAX_CELLS",
    "GRID_MIN_CELL_M",
    "LIGHT_DECIMALS",
    "LIGHT_MAX",
    "LIGHT_TOLERANCE_M",
    "VIEWS",
    "MapBasis",
    "View",
    "choose_view",
    "data_bounds",
    "grid_cell_m",
    "map_basis",
    "view_note",
]

View = Literal["full", "light", "grid"]
VIEWS: tuple[str, ...] = ("full", "light", "grid")

#: Most carriers drawn in the full view (SVG, popups, labels).
FULL_MAX = 300
#: Most carriers drawn one by one at all (light view); above it the grid view.
LIGHT_MAX = 2_500
#: Least display simplification in the light and grid views, metres.
LIGHT_TOLERANCE_M = 10.0
#: Decimals kept in longitude/latitude in the light and grid views (5 ≈ 1 m).
LIGHT_DECIMALS = 5
#: Smallest grid cell, metres.
GRID_MIN_CELL_M = 250.0
#: The grid coarsens (in the steps of :data:`_NICE_CELLS_M`) until the carriers' extent holds about this many cells:
#: a district (about 7 × 8 km) gets 400 m cells, a 20 km city extent 1 km cells (the resolution of the usual
#: population-density grids), and the map payload stays about 0.2 MB.
GRID_MAX_CELLS = 500
#: Floor-area density classes of the grid, in 万㎡ per km² (100 万㎡/km² is a floor-area ratio of 1).
GRID_BREAKS_WAN_PER_KM2: tuple[float, ...] = (10.0, 25.0, 50.0, 100.0, 200.0)
_NICE_CELLS_M = (250, 300, 400, 500, 600, 800, 1_000, 1_200, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000)

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
Bounds = tuple[float, float, float, float]


def choose_view(n_carriers: int) -> View:
    """The view for ``n_carriers`` carriers.

    >>> choose_view(300), choose_view(301), choose_view(2_501)
    ('full', 'light', 'grid')
    """
    if n_carriers <= FULL_MAX:
        return "full"
    if n_carriers <= LIGHT_MAX:
        return "light"
    return "grid"


def check_view(view: object) -> View:
    """``view`` if it is one of :data:`VIEWS`, else :class:`LayerInputError`."""
    if view not in VIEWS:
        raise LayerInputError(f"view={view!r} is not a map view; use one of {', '.join(VIEWS)} (or None for automatic)")
    return view  # type: ignore[return-value]


def data_bounds(*frames: gpd.GeoDataFrame | None) -> Bounds | None:
    """(south, west, north, east) of the frames in WGS-84, or None when there is nothing to frame."""
    bounds = []
    for frame in frames:
        if frame is None or frame.crs is None or not len(frame):
            continue
        b = frame.total_bounds if is_wgs84(frame.crs) else frame.to_crs(4326).total_bounds
        if np.all(np.isfinite(b)):
            bounds.append(b)
    if not bounds:
        return None
    arr = np.array(bounds)
    return float(arr[:, 1].min()), float(arr[:, 0].min()), float(arr[:, 3].max()), float(arr[:, 2].max())


def grid_cell_m(bounds: Bounds | None) -> float:
    """The grid cell size in metres for carriers spanning ``bounds`` (south, west, north, east; WGS-84).

    The smallest of 250, 300, 400, 500, 600, 800, 1,000 … 5,000 m (then whole kilometres) that
    covers the extent with about :data:`GRID_MAX_CELLS` cells or fewer.

    >>> grid_cell_m((31.10, 121.40, 31.28, 121.61))  # about 20 × 20 km
    1000.0
    >>> grid_cell_m(None)
    250.0
    """
    if bounds is None:
        return GRID_MIN_CELL_M
    south, west, north, east = bounds
    height = (north - south) * _M_PER_DEG_LAT
    width = (east - west) * _M_PER_DEG_LON * math.cos(math.radians((north + south) / 2))
    wanted = max(GRID_MIN_CELL_M, math.sqrt(max(width, 0.0) * max(height, 0.0) / GRID_MAX_CELLS))
    for size in _NICE_CELLS_M:
        if size >= wanted:
            return float(size)
    return float(math.ceil(wanted / 1_000) * 1_000)


@dataclass(frozen=True)
class MapBasis:
    """What the map itself (not its overlays) needs from the data: computed once, cached, then cheap.

    Everything here depends on the data only — never on the basemap, the language or which layers
    are on — so the map (and streamlit-folium's component key) stays the same across reruns.

    Attributes
    ----------
    bounds
        (south, west, north, east) of zones and carriers in WGS-84, or None.
    zone_types
        Zone types present, for the legend.
    context_keys
        Context layers present, for the legend (``line15`` when only its stations are given).
    n_carriers
        Number of carriers.
    view
        The carriers' view (:func:`choose_view`).
    cell_m
        Grid cell size in metres (the grid view), else None.
    """

    bounds: Bounds | None = None
    zone_types: tuple[str, ...] = ()
    context_keys: tuple[str, ...] = ()
    n_carriers: int = 0
    view: View = "full"
    cell_m: float | None = None

    @property
    def center(self) -> tuple[float, float] | None:
        """(lat, lon) of the middle of :attr:`bounds` in WGS-84, or None."""
        if self.bounds is None:
            return None
        south, west, north, east = self.bounds
        return (south + north) / 2, (west + east) / 2

    def note(self, lang: Lang = "zh") -> str:
        """:func:`view_note` for this data."""
        return view_note(self.view, lang, n_carriers=self.n_carriers, cell_m=self.cell_m)


def map_basis(
    carriers: gpd.GeoDataFrame | None,
    zones: gpd.GeoDataFrame | None,
    *,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    view: View | None = None,
) -> MapBasis:
    """The :class:`MapBasis` of the data: extent, legend contents, view.

    Parameters
    ----------
    carriers, zones, context
        As for :func:`layers.build_map`.
    view
        Force a view; None chooses by the number of carriers (:func:`choose_view`).

    Returns
    -------
    MapBasis
    """
    n = 0 if carriers is None else len(carriers)
    chosen = choose_view(n) if view is None else check_view(view)
    zone_types = (
        tuple(dict.fromkeys(str(t) for t in zones["type"])) if zones is not None and "type" in zones.columns else ()
    )
    present = set(context or {}) | ({"line15"} if "line15_stations" in (context or {}) else set())
    context_keys = tuple(k for k in ("district_boundary", "huangpu", "outer_ring", "line15") if k in present)
    cell = grid_cell_m(data_bounds(carriers)) if chosen == "grid" else None
    return MapBasis(
        bounds=data_bounds(zones, carriers),
        zone_types=zone_types,
        context_keys=context_keys,
        n_carriers=n,
        view=chosen,
        cell_m=cell,
    )


_LIGHT_NOTE = Text(
    "载体较多（{n} 个，超过 {limit}）：轮廓以画布绘制并简化，提示框只显示名称与合计，不提供点击弹窗和载体名称。",
    "{n} carriers (more than {limit}): outlines are simplified and drawn on a canvas; "
    "tooltips show the name and total only, without click popups or carrier names.",
)
_GRID_NOTE = Text(
    "载体过多（{n} 个，超过 {limit}）：地图不逐个绘制轮廓，而按 {cell} 米网格汇总建筑面积（已建成＋规划，以万㎡计），"
    "颜色表示面积密度；面积未知的载体单独计数。",
    "{n} carriers (more than {limit}): the map shows floor area (existing + planned) summed on a {cell} m grid "
    "instead of each outline, coloured by density; carriers with unknown figures are counted separately.",
)


def view_note(view: str, lang: Lang = "zh", *, n_carriers: int = 0, cell_m: float | None = None) -> str:
    """Plain text for the page saying how the map is reduced ("" in the full view).

    >>> view_note("grid", "en", n_carriers=100_000, cell_m=600)[:60]
    '100,000 carriers (more than 2,500): the map shows floor area'
    """
    lang = check_lang(lang)
    if view == "light":
        return _LIGHT_NOTE.format(n=f"{n_carriers:,}", limit=f"{FULL_MAX:,}").in_(lang)
    if view == "grid":
        cell = f"{cell_m or GRID_MIN_CELL_M:,.0f}"
        return _GRID_NOTE.format(n=f"{n_carriers:,}", limit=f"{LIGHT_MAX:,}", cell=cell).in_(lang)
    return ""
