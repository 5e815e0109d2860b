"""Capacity roll-up: floor area summed by zone (pole, belt, …) or by status, per DESIGN.md rules 1–8.

The pipeline is three pure steps, each usable on its own:

1. :func:`contributions` — per carrier, the existing and planned floor area that adds on its own
   (nesting, rule 3) and counts as of a year (rule 1), plus what is unknown (rule 2).
2. :func:`assign` — per carrier, its share in each zone of one type (rule 4: ``declared``,
   ``largest`` or ``area``), the rest ``__outside__``.
3. :func:`summarize` — the two combined: whole m² per group, apportioned parts rounded by largest
   remainder so that groups + outside equal the district total exactly (rule 5), declared figures
   beside itemized ones (rule 6), land area and floor-area ratio from outlines (rule 7).

Spatial membership is computed in a metric CRS on zones made disjoint within their type (the part
shared by two zones counts for the one listed first). From 20,000 carriers on, a grid of cells
about a carrier's size is laid over the zones; cells are labelled by rasterising the zones' edges
(plain arithmetic, one point-in-zone test per row of cells between edges), and every carrier whose
bounding box lies in cells wholly inside one zone, or touching none, is settled with no geometric
test. The others (those near a zone's edge) are tested against small pieces of the zones: a
carrier wholly inside a piece needs no intersection, and only those crossing a piece's edge are
intersected. Sums add each carrier lying wholly in one group straight to it and apportion only
the rows of split carriers. This keeps a million footprints to about a second.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from geo import nesting
from geo.crs import metric_crs_for, metric_measures, metric_xy, to_metric
from geo.schema import OUTSIDE, STATUSES, TOTAL, DataError, geometry_problems, in_file, split_ids
from geo.text import TERMS, Text, term

__all__ = [
    "GRID_COLUMNS",
    "MODES",
    "OUTSIDE",
    "PARTIAL_COLUMNS",
    "SHARE_EPS",
    "STATUS_NAMES",
    "SUMMARY_COLUMNS",
    "TOTAL",
    "Contributions",
    "MetricOutlines",
    "apportion",
    "assign",
    "combine",
    "contributions",
    "disjoint_zones",
    "finish",
    "grid_sums",
    "measure",
    "memberships",
    "metric_outlines",
    "partial_sums",
    "partition_sums",
    "summarize",
    "zone_types",
]

Mode = Literal["declared", "largest", "area"]
MODES: tuple[str, ...] = ("declared", "largest", "area")

SUMMARY_COLUMNS: tuple[str, ...] = (
    "group_id",
    "name_zh",
    "name_en",
    "existing_m2",
    "planned_m2",
    "total_m2",
    "unknown_count",
    "unknown_ids",
    "declared_m2",
    "difference_m2",
    "land_m2",
    "far",
    "member_count",
)

#: Status -> its name, from the one vocabulary (:data:`geo.text.TERMS`): 已建成 / 在建 / 规划.
STATUS_NAMES: dict[str, Text] = {status: TERMS["status"][status] for status in STATUSES}
_OUTSIDE_NAME = Text("不属于任何{kind}", "Outside any {kind}")
_TOTAL_NAME = Text("全区合计", "District total")

# Pieces of a zone have at most this many vertices: small enough that testing or intersecting a
# carrier against the pieces near it is cheap, large enough that there are few pieces.
_PIECE_VERTICES = 64
_PIECE_FILL = 0.5
_PIECE_DEPTH = 12
# The settling grid has at most this many cells a side.
_GRID_CELLS = 2048
# Grid cells are this many typical carrier sides a side.
_GRID_CELL_SIDES = 1.25
# Carriers are placed on the grid this many at a time.
_GRID_CHUNK = 65_536
# Threads for the vectorised geometry (shapely releases the GIL), for at least this many pairs each.
# The default when a caller does not say (``workers=``); read at each call, not fixed at import.
_WORKERS = min(4, os.cpu_count() or 1)
_CHUNK_MIN = 25_000
# An intersection costs some 50 times a predicate: worth a thread from a few thousand pairs.
_INTERSECTION_CHUNK_MIN = 2_000
# Below this many carriers the grid is not worth building.
_GRID_MIN_CARRIERS = 20_000
# Overlaps below this share of the carrier's area are float noise from intersecting along shared
# edges (a share of 1.4e-12 was seen, and it changes with the input CRS), not a real part of the
# carrier: no membership in ``largest``, no row in ``area``. One part in a billion of a 1 km²
# campus is a millimetre square.
SHARE_EPS = 1e-9

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Contributions:
    """Per carrier (positional, aligned with the carriers frame) what adds to sums.

    ``existing``/``planned`` are whole m² that add on their own as of the year (0 where the
    figure does not add: unknown, nested in an ancestor with a known figure, or not yet due).
    ``existing_unknown``/``planned_unknown`` mark carriers whose figure is unknown and would add
    (no ancestor has a known figure, and it is due by the year), or, as of a year, a planned
    increment whose year is unknown. ``top`` marks carriers without a
    parent, whose outlines make up land area.
    """

    existing: IntArray
    planned: IntArray
    existing_unknown: npt.NDArray[np.bool_]
    planned_unknown: npt.NDArray[np.bool_]
    top: npt.NDArray[np.bool_]

    @property
    def total(self) -> IntArray:
        return self.existing + self.planned

    @property
    def unknown(self) -> npt.NDArray[np.bool_]:
        return self.existing_unknown | self.planned_unknown

    def take(self, positions: npt.ArrayLike) -> Contributions:
        """The contributions of the carriers at ``positions`` (e.g. one partition's rows)."""
        at = np.asarray(positions, dtype=np.intp)
        return Contributions(
            existing=self.existing[at],
            planned=self.planned[at],
            existing_unknown=self.existing_unknown[at],
            planned_unknown=self.planned_unknown[at],
            top=self.top[at],
        )

    def to_frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        """The same, one row per carrier, indexed like the carriers (``index``; default 0…n−1).

        Columns ``existing_m2``, ``planned_m2`` (int64), ``existing_unknown``,
        ``planned_unknown`` and ``top`` (bool).
        """
        return pd.DataFrame(
            {
                "existing_m2": self.existing,
                "planned_m2": self.planned,
                "existing_unknown": self.existing_unknown,
                "planned_unknown": self.planned_unknown,
                "top": self.top,
            },
            index=index,
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Contributions:
        """The arrays of a frame made by :meth:`to_frame` (row order is kept, the index is not used)."""
        return cls(
            existing=frame["existing_m2"].to_numpy(dtype=np.int64),
            planned=frame["planned_m2"].to_numpy(dtype=np.int64),
            existing_unknown=frame["existing_unknown"].to_numpy(dtype=bool),
            planned_unknown=frame["planned_unknown"].to_numpy(dtype=bool),
            top=frame["top"].to_numpy(dtype=bool),
        )


def _int_values(column: pd.Series) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """(values with NA as 0, known mask) of a nullable integer column."""
    series = pd.Series(column).astype("Int64")
    known = series.notna().to_numpy()
    return series.fillna(0).to_numpy(dtype=np.int64), known


def _parent_positions(carriers: pd.DataFrame) -> IntArray:
    if "parent_id" not in carriers.columns:
        return np.full(len(carriers), -1, dtype=np.int64)
    return nesting.parent_positions(carriers["id"].tolist(), carriers["parent_id"].tolist())


def contributions(carriers: pd.DataFrame, *, year: int | None = None) -> Contributions:
    """What each carrier adds to sums, by rules 1–3 of DESIGN.md.

    Parameters
    ----------
    carriers
        Carriers per the data contract (validated and normalized).
    year
        Count the existing part when ``opened_year`` is unknown or ≤ ``year`` and the planned part
        when ``planned_year`` ≤ ``year``; ``None`` means build-out (everything counts).

    Notes
    -----
    Nesting applies per figure: a carrier adds only if no ancestor has a known figure; a carrier
    whose figure is unknown and would add is reported unknown (its known children still add).
    """
    existing, existing_known = _int_values(carriers["floor_area_existing_m2"])
    planned, planned_known = _int_values(carriers["floor_area_planned_m2"])
    parent = _parent_positions(carriers)
    existing_top = ~nesting.ancestor_any(parent, existing_known)
    planned_top = ~nesting.ancestor_any(parent, planned_known)
    everything = np.ones(len(carriers), dtype=bool)
    existing_due = planned_due = timing_known = everything
    if year is not None:
        opened, opened_known = _int_values(carriers["opened_year"])
        due, timing_known = _int_values(carriers["planned_year"])
        existing_due = ~opened_known | (opened <= year)
        planned_due = timing_known & (due <= year)
    existing_adds = existing_known & existing_top & existing_due
    planned_adds = planned_known & planned_top & planned_due
    # As of a year, a planned increment without a year may or may not be due: that is unknown too
    # (a known zero increment is zero whenever it is due).
    planned_unknown = planned_top & (
        (~planned_known & (planned_due | ~timing_known)) | (planned_known & ~timing_known & (planned != 0))
    )
    return Contributions(
        existing=np.where(existing_adds, existing, 0),
        planned=np.where(planned_adds, planned, 0),
        existing_unknown=~existing_known & existing_top & existing_due,
        planned_unknown=planned_unknown,
        top=parent < 0,
    )


@contextlib.contextmanager
def _outlines_checked(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> Iterator[None]:
    """GEOS refusing an outline (e.g. a self-intersecting ring) becomes a :class:`DataError` naming the rows."""
    try:
        yield
    except shapely.errors.GEOSException as exc:
        problems = [
            *in_file(geometry_problems(carriers), "carriers"),
            *in_file(geometry_problems(zones), "zones"),
        ]
        raise DataError(
            "carriers/zones",
            problems,
            message_en=f"an outline could not be measured ({exc}); repair the outlines listed and try again",
            message_zh=f"有边界无法计算（{exc}）；请修复下列边界后重试",
        ) from exc


def zone_types(zones: pd.DataFrame) -> list[str]:
    """The zone types present, in order of first appearance (e.g. ``['pole', 'belt']``)."""
    return list(dict.fromkeys(zones["type"].astype(str)))


def disjoint_zones(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Each zone minus the union of the zones before it, so that shared parts count once.

    >>> from shapely import box
    >>> [round(g.area) for g in disjoint_zones(np.array([box(0, 0, 2, 2), box(1, 0, 3, 2)]))]
    [4, 2]
    """
    out = np.empty(len(geoms), dtype=object)
    covered = None
    for i, geom in enumerate(geoms):
        out[i] = geom if covered is None else shapely.difference(geom, covered)
        covered = geom if covered is None else shapely.union(covered, geom)
    return out


def _run_starts(sorted_keys: npt.NDArray[np.int64]) -> IntArray:
    """Positions where a new run of equal keys begins in an already sorted array (empty → empty).

    >>> _run_starts(np.array([3, 3, 5, 7, 7])).tolist()
    [0, 2, 3]
    """
    if not len(sorted_keys):
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _subdivide(geom: shapely.Geometry, max_vertices: int = _PIECE_VERTICES, depth: int = 0) -> list[shapely.Geometry]:
    """Cut ``geom`` by halving boxes until each piece is small and fills its bounding box.

    Pieces have at most ``max_vertices`` vertices and fill at least half their box (up to a depth
    limit), so a bounding-box hit on a piece is nearly always a real hit: a long diagonal belt
    becomes a chain of small pieces instead of one polygon whose box covers the whole district.
    """
    if shapely.is_empty(geom):
        return []
    minx, miny, maxx, maxy = shapely.bounds(geom)
    box_area = (maxx - minx) * (maxy - miny)
    sparse = box_area > 0 and shapely.area(geom) < _PIECE_FILL * box_area and depth < _PIECE_DEPTH
    if shapely.get_num_coordinates(geom) <= max_vertices and not sparse:
        return [geom]
    if maxx - minx >= maxy - miny:
        mid = (minx + maxx) / 2.0
        halves = (shapely.clip_by_rect(geom, minx, miny, mid, maxy), shapely.clip_by_rect(geom, mid, miny, maxx, maxy))
    else:
        mid = (miny + maxy) / 2.0
        halves = (shapely.clip_by_rect(geom, minx, miny, maxx, mid), shapely.clip_by_rect(geom, minx, mid, maxx, maxy))
    pieces: list[shapely.Geometry] = []
    for half in halves:
        polygonal = shapely.get_parts(half)
        polygonal = polygonal[np.isin(shapely.get_type_id(polygonal), (3, 6))]
        if len(polygonal):
            pieces.extend(_subdivide(shapely.union_all(polygonal), max_vertices, depth + 1))
    return pieces


_MIXED, _NOWHERE = -2, -1  # grid cell labels besides a zone position


def _edge_cells(
    zones: npt.NDArray[np.object_], origin: tuple[float, float], size: float, side: int, margin: float
) -> npt.NDArray[np.bool_]:
    """Grid cells (side × side) that may meet a zone's edge: every cell that does, and a few more.

    Edges are cut into pieces at most a quarter cell long; each piece marks the cells its bounding
    box, widened by ``margin`` (in cells), overlaps: at most 2 × 2. Plain arithmetic, no geometry
    per cell, and an unmarked cell surely touches no edge.
    """
    marked = np.zeros((side, side), dtype=bool)
    polygons = shapely.get_parts(zones)
    polygons = polygons[shapely.get_type_id(polygons) == 3]
    coords, ring = shapely.get_coordinates(shapely.get_rings(polygons), return_index=True)
    if not len(coords):
        return marked
    u, v = (coords[:, 0] - origin[0]) / size, (coords[:, 1] - origin[1]) / size
    segment = np.flatnonzero(ring[1:] == ring[:-1])  # from vertex i to i + 1 of one ring
    du, dv = u[segment + 1] - u[segment], v[segment + 1] - v[segment]
    cuts = np.ceil(4.0 * np.hypot(du, dv)).astype(np.intp) + 1
    owner = np.repeat(np.arange(len(segment)), cuts)
    step = np.arange(len(owner)) - np.repeat(np.cumsum(cuts) - cuts, cuts)
    t0, t1 = step / cuts[owner], (step + 1) / cuts[owner]
    start, du, dv = segment[owner], du[owner], dv[owner]
    u0, u1 = u[start] + du * t0, u[start] + du * t1
    v0, v1 = v[start] + dv * t0, v[start] + dv * t1
    lo_u = np.clip(np.minimum(u0, u1) - margin, 0, side - 1).astype(np.intp)
    hi_u = np.clip(np.maximum(u0, u1) + margin, 0, side - 1).astype(np.intp)
    lo_v = np.clip(np.minimum(v0, v1) - margin, 0, side - 1).astype(np.intp)
    hi_v = np.clip(np.maximum(v0, v1) + margin, 0, side - 1).astype(np.intp)
    for row in (lo_v, hi_v):
        for col in (lo_u, hi_u):
            marked[row, col] = True
    return marked


def _grid_labels(
    zones: npt.NDArray[np.object_], origin: tuple[float, float], size: float, side: int, margin: float
) -> IntArray:
    """Labels (side × side) of the grid cells: the zone whose interior holds the cell, ``_NOWHERE``
    (the cell touches no zone) or ``_MIXED`` (it may meet a zone's edge).

    A cell that meets no edge lies wholly inside a zone or wholly outside all, and so do the cells
    of a row of such cells: one point-in-zone test (prepared) per row of them labels them all.
    """
    free = ~_edge_cells(zones, origin, size, side, margin)
    first = free.copy()  # the first free cell of each run of free cells in a grid row
    first[:, 1:] &= ~free[:, :-1]
    runs = np.flatnonzero(first)
    if not len(runs):
        return np.full((side, side), _MIXED, dtype=np.int32)
    row, col = np.divmod(runs, side)
    x, y = origin[0] + (col + 0.5) * size, origin[1] + (row + 0.5) * size  # cell centres
    run_label = np.full(len(runs), _NOWHERE, dtype=np.int32)
    holders = np.zeros(len(runs), dtype=np.int32)
    for z, (minx, miny, maxx, maxy) in enumerate(shapely.bounds(zones)):
        near = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        inside = near[shapely.contains_xy(zones[z], x[near], y[near])]
        run_label[inside] = z
        holders[inside] += 1
    run_label[holders > 1] = _MIXED  # zones overlapping (they should not): leave it to the tests
    grid = np.where(free, run_label[np.cumsum(first.ravel()) - 1].reshape(side, side), _MIXED)
    # Two side-by-side cells that are not mixed always have the same label (the edge they share
    # lies inside both); should that ever fail (float noise), the pair counts as mixed.
    for a, b in ((grid[:, 1:], grid[:, :-1]), (grid[1:, :], grid[:-1, :])):
        clash = (a != b) & (a != _MIXED) & (b != _MIXED)
        a[clash] = _MIXED
        b[clash] = _MIXED
    return grid


@dataclass
class MetricOutlines:
    """Carriers' outlines in a metric CRS: every box and area at once, the outlines only where asked.

    Most carriers lie wholly inside a zone or far from every zone, which their box tells; only
    those near a zone's edge need their projected outline. Made by :func:`metric_outlines` (boxes
    and areas from the projected vertices: the same numbers as the projected outlines give), it
    can be passed to :func:`summarize` (``outlines=``) to sum the same carriers by several
    groupings while measuring them once.
    """

    crs: CRS | None
    bounds: FloatArray
    areas: FloatArray
    _source: gpd.GeoSeries | None = None
    _geoms: npt.NDArray[np.object_] | None = None

    @classmethod
    def _of(cls, geoms: npt.NDArray[np.object_], areas: FloatArray | None = None) -> MetricOutlines:
        """Outlines already in the metric CRS."""
        return cls(None, shapely.bounds(geoms), shapely.area(geoms) if areas is None else areas, _geoms=geoms)

    def of_these(self, carriers: gpd.GeoDataFrame) -> bool:
        """Whether these are ``carriers``' own outlines (the same geometry column, not a copy of it)."""
        return self._source is not None and carriers.geometry.array is self._source.array

    def filled(self, positions: IntArray) -> npt.NDArray[np.object_]:
        """The metric outlines at ``positions``, in an array of all the carriers (None elsewhere)."""
        if self._geoms is not None:
            return self._geoms
        geoms = np.full(len(self.areas), None, dtype=object)
        if len(positions) and self._source is not None:
            geoms[positions] = to_metric(self._source.iloc[positions], crs=self.crs).to_numpy()
        return geoms


def metric_outlines(carriers: gpd.GeoDataFrame, *, crs: Any = None, workers: int | None = None) -> MetricOutlines:
    """``carriers``' outlines measured in the metric CRS ``crs`` (``None``: :func:`geo.crs.metric_crs_for`).

    Pass the result to :func:`summarize` or :func:`partition_sums` (``outlines=``) to sum the same
    carriers by several groupings, modes or years with one projection. Outlines of other carriers
    (even an equal copy) are not used: those functions then measure their own. ``workers``: threads
    projecting the vertices (``None``: up to 4, by the machine's cores).
    """
    target = CRS.from_user_input(crs) if crs is not None else metric_crs_for(carriers)
    threads = _WORKERS if workers is None else workers
    bounds, areas = metric_measures(carriers.geometry, crs=target, workers=threads)
    return MetricOutlines(target, bounds, areas, _source=carriers.geometry)


def _settled_by_grid(
    bounds: FloatArray, areas: FloatArray, zones: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """Carriers whose bounding box lies in grid cells of one label: (settled mask, their zone or -1).

    A box inside cells that lie wholly inside one zone is inside that zone; a box in cells that
    touch no zone is outside every zone. Both are exact, so these carriers need no geometric test.
    The grid covers the zones with square cells of about the typical carrier's size (at most
    ``_GRID_CELLS`` a side), so only carriers within a cell or so of a zone's edge stay open. A box
    may span any number of cells: a summed-area table of the mixed cells tells in four look-ups
    whether its cells hold a mixed one (cells that are not mixed and touch have one label).
    """
    n = len(bounds)
    # The typical carrier's side: the root of the median area of an evenly spaced sample.
    sample = areas[:: max(1, n // 65_536)]
    sample = sample[np.isfinite(sample)]  # missing geometries have no area
    typical = _GRID_CELL_SIDES * float(np.sqrt(np.median(sample))) if len(sample) else 0.0
    minx, miny, maxx, maxy = shapely.total_bounds(zones)
    span = max(maxx - minx, maxy - miny)
    scale = max(abs(minx), abs(maxx), abs(miny), abs(maxy), span, 1.0)
    size = max(typical, span / _GRID_CELLS, 1e-9 * scale)
    # Two spare rings of cells around the zones: the outer one touches no zone.
    side = int(span / size) + 5
    x0, y0 = minx - 2.0 * size, miny - 2.0 * size
    # Cell indices are computed with a margin (in cells) far above the rounding of the arithmetic,
    # and far below a cell, so that the cells found surely hold the box (or the piece of an edge).
    margin = 1e-6 + 1e3 * np.finfo(np.float64).eps * scale / size
    grid = _grid_labels(zones, (x0, y0), size, side, margin)
    # Summed-area table of the mixed cells, and the labels in the same (side + 1)² layout; the
    # extra row and column lie beyond the outer ring: nowhere.
    table = np.zeros((side + 1, side + 1), dtype=np.int32)
    table[1:, 1:] = (grid == _MIXED).cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
    labels = np.full((side + 1, side + 1), _NOWHERE, dtype=np.int16 if len(zones) < 2**15 else np.int64)
    labels[:side, :side] = grid
    table, labels = table.ravel(), labels.ravel()
    # Per box the cells [i0, i1) a side that hold it, clipped to the grid: the part of a box beyond
    # it touches no zone.
    low = np.array([x0 + margin * size, y0 + margin * size, x0 - (1.0 + margin) * size, y0 - (1.0 + margin) * size])
    offset = np.tile(low, (min(n, _GRID_CHUNK), 1))  # a same-shape subtraction beats broadcasting a row
    inverse = 1.0 / size
    blank = ~(areas > 0)  # empty or degenerate outlines (NaN bounds): left to the geometric tests
    settled = np.empty(n, dtype=bool)
    zone = np.empty(n, dtype=labels.dtype)
    # In chunks that stay in the CPU cache: a million boxes at once is slower.
    for start in range(0, n, _GRID_CHUNK):
        stop = min(start + _GRID_CHUNK, n)
        cell = bounds[start:stop].copy()
        if blank[start:stop].any():
            np.nan_to_num(cell, copy=False)
        np.subtract(cell, offset[: stop - start], out=cell)
        cell *= inverse
        np.clip(cell, 0.0, side, out=cell)
        index = cell.astype(np.intp)
        ix0, iy0, ix1, iy1 = index.T
        row0, row1 = iy0 * (side + 1), iy1 * (side + 1)
        first = row0 + ix0
        mixed = table.take(row1 + ix1) - table.take(row0 + ix1) - table.take(row1 + ix0) + table.take(first)
        settled[start:stop] = mixed == 0
        zone[start:stop] = labels.take(first)
    settled &= ~blank
    return settled, np.where(settled, zone, _NOWHERE).astype(np.int64)


def _intersection_area(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]) -> FloatArray:
    return shapely.area(shapely.intersection(a, b))


def _pairwise(
    function: Callable[[npt.NDArray[np.object_], npt.NDArray[np.object_]], npt.NDArray[Any]],
    pieces: npt.NDArray[np.object_],
    piece_idx: IntArray,
    others: npt.NDArray[np.object_],
    other_idx: IntArray,
    *,
    workers: int,
    min_chunk: int | None = None,
) -> npt.NDArray[Any]:
    """``function(pieces[piece_idx], others[other_idx])``, split across the machine's cores when large.

    Shapely's vectorised functions release the GIL, so threads run them in parallel. GEOS prepared
    geometries must not be shared between threads (each builds its index lazily), so every extra
    thread works on its own prepared copy of ``pieces`` (zone pieces: few and small).
    """
    workers = min(workers, len(piece_idx) // (_CHUNK_MIN if min_chunk is None else min_chunk))
    if workers < 2:
        return function(pieces[piece_idx], others[other_idx])
    bounds = np.linspace(0, len(piece_idx), workers + 1).astype(np.int64)

    def chunk(k: int) -> npt.NDArray[Any]:
        own = pieces if k == 0 else shapely.from_wkb(shapely.to_wkb(pieces))
        shapely.prepare(own)
        start, end = bounds[k], bounds[k + 1]
        return function(own[piece_idx[start:end]], others[other_idx[start:end]])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return np.concatenate(list(pool.map(chunk, range(workers))))


def _drop_inside_whole_zone(
    edge: IntArray,
    *,
    carrier_idx: IntArray,
    zone_idx: IntArray,
    inside: npt.NDArray[np.bool_],
    geoms: npt.NDArray[np.object_],
    zones: npt.NDArray[np.object_],
    area: FloatArray,
    areas: FloatArray,
    workers: int,
) -> IntArray:
    """The edge pairs still to intersect, once carriers wholly inside one zone are settled.

    A carrier crossing only the cuts between pieces of one zone lies wholly inside that zone: one
    containment test against the whole zone settles it (its whole area goes to its first pair, in
    place in ``area``) instead of an intersection with every piece. ``edge`` is sorted by carrier.
    """
    if not len(edge):
        return edge
    edge_carrier, edge_zone = carrier_idx[edge], zone_idx[edge]
    starts = _run_starts(edge_carrier)
    ends = np.r_[starts[1:], len(edge)]
    # One zone per carrier: the zone of its first and last pair agree, after sorting by zone within it.
    order = np.lexsort((edge_zone, edge_carrier))
    one_zone = edge_zone[order][starts] == edge_zone[order][ends - 1]
    counted = np.zeros(len(geoms), dtype=bool)
    counted[carrier_idx[inside]] = True
    candidate = starts[one_zone & ~counted[edge_carrier[starts]]]
    if not len(candidate):
        return edge
    shapely.prepare(zones)
    within = _pairwise(
        shapely.contains_properly, zones, edge_zone[candidate], geoms, edge_carrier[candidate], workers=workers
    )
    settled_first = candidate[within]
    area[edge[settled_first]] = areas[edge_carrier[settled_first]]
    settled = np.zeros(len(geoms), dtype=bool)
    settled[edge_carrier[settled_first]] = True
    return edge[~settled[edge_carrier]]


def _pieces(zones: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.object_], IntArray]:
    """The zones cut into small pieces (:func:`_subdivide`), and the zone position of each piece."""
    piece_list: list[shapely.Geometry] = []
    owner_list: list[int] = []
    for z, zone in enumerate(zones):
        parts = _subdivide(zone)
        piece_list.extend(parts)
        owner_list.extend([z] * len(parts))
    return np.array(piece_list, dtype=object), np.asarray(owner_list, dtype=np.int64)


def _overlap_areas(
    outlines: MetricOutlines,
    zones: npt.NDArray[np.object_],
    *,
    exact: bool = True,
    workers: int,
) -> tuple[IntArray, IntArray, FloatArray]:
    """(carrier, zone, overlap area) for every carrier–zone pair that overlaps, summed per pair.

    ``zones`` must be disjoint, in the metric CRS of ``outlines``. Carriers the
    grid settles (wholly inside one zone, or touching none) skip the geometric tests; the rest are
    tested against the small pieces of the zones near them, and only those crossing a piece's
    edge are intersected. With ``exact=False`` (enough to find the largest overlap) pairs that
    only touch are dropped, and a carrier meeting one zone only, which holds a point inside the
    carrier, is reported with its own area there, not intersected.
    """
    pieces, owner = _pieces(zones)
    areas = outlines.areas
    if not len(pieces) or not len(areas):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    shapely.prepare(pieces)
    tree = shapely.STRtree(pieces)
    if len(areas) >= _GRID_MIN_CARRIERS:
        shapely.prepare(zones)
        settled, settled_zone = _settled_by_grid(outlines.bounds, areas, zones)
    else:  # classifying the grid costs more than it saves
        settled, settled_zone = np.zeros(len(areas), dtype=bool), np.full(len(areas), _NOWHERE)
    fast = np.flatnonzero(settled & (settled_zone >= 0))
    open_ = np.flatnonzero(~settled)
    geoms = outlines.filled(open_)  # only the open carriers' outlines are tested below
    query_idx, piece_idx = tree.query(geoms[open_])
    carrier_idx = open_[query_idx]
    # Most candidates lie wholly inside a piece: test that first (pieces are prepared), then
    # intersect only the candidates that really cross a piece's edge.
    inside = _pairwise(shapely.contains_properly, pieces, piece_idx, geoms, carrier_idx, workers=workers)
    area = np.zeros(len(carrier_idx), dtype=np.float64)
    area[inside] = areas[carrier_idx[inside]]
    rest = np.flatnonzero(~inside)
    edge = rest[_pairwise(shapely.intersects, pieces, piece_idx[rest], geoms, carrier_idx[rest], workers=workers)]
    if not exact:
        # Interiors meet (a positive overlap) unless the shapes only touch along their boundaries.
        edge = edge[~shapely.touches(pieces[piece_idx[edge]], geoms[carrier_idx[edge]])]
        # Pairs are grouped by carrier (as the tree returns them): one zone if its pairs' zones agree.
        # Such a carrier belongs to that zone unless its overlap is a sliver of float noise along the
        # zone's edge (a share below SHARE_EPS): when the zone holds a point inside the carrier, the
        # overlap is real and needs no intersection; the others are measured below.
        edge_zone = owner[piece_idx[edge]]
        starts = _run_starts(carrier_idx[edge])
        same = np.minimum.reduceat(edge_zone, starts) == np.maximum.reduceat(edge_zone, starts)
        first = starts[same]
        if len(first):
            inner = shapely.point_on_surface(geoms[carrier_idx[edge[first]]])
            shapely.prepare(zones)
            held = shapely.contains_properly(zones[edge_zone[first]], inner)
            settled = np.zeros(len(geoms), dtype=bool)
            settled[carrier_idx[edge[first[held]]]] = True
            area[edge[first[held]]] = areas[carrier_idx[edge[first[held]]]]
            edge = edge[~settled[carrier_idx[edge]]]
    edge = _drop_inside_whole_zone(
        edge,
        carrier_idx=carrier_idx,
        zone_idx=owner[piece_idx],
        inside=inside,
        geoms=geoms,
        zones=zones,
        area=area,
        areas=areas,
        workers=workers,
    )
    area[edge] = _pairwise(
        _intersection_area,
        pieces,
        piece_idx[edge],
        geoms,
        carrier_idx[edge],
        workers=workers,
        min_chunk=_INTERSECTION_CHUNK_MIN,
    )
    keep = area > 0
    carrier_idx = np.r_[fast, carrier_idx[keep]]
    zone_idx = np.r_[settled_zone[fast], owner[piece_idx[keep]]]
    area = np.r_[areas[fast], area[keep]]
    if not len(area):
        return carrier_idx, zone_idx, area
    # One row per (carrier, zone): pieces of one zone add up.
    key = carrier_idx * len(zones) + zone_idx
    order = np.argsort(key, kind="stable")
    starts = _run_starts(key[order])
    return (
        carrier_idx[order][starts],
        zone_idx[order][starts],
        np.add.reduceat(area[order], starts),
    )


@dataclass(frozen=True)
class Assignment:
    """Carrier-to-group shares: rows (carrier position, group position, share), sorted by carrier.

    Group positions index ``groups``; the last group is ``__outside__``. Each carrier's shares
    add up to 1.
    """

    carrier: IntArray
    group: IntArray
    share: FloatArray
    groups: list[str]


@dataclass(frozen=True)
class _Membership:
    """An :class:`Assignment` in compact form, as most carriers lie wholly in one group.

    ``whole`` holds per carrier the group position holding it wholly, or -1 if it is split; the
    rows (``carrier``, ``group``, ``share``) are those of the split carriers only, sorted by
    carrier then group. Summing over this form avoids a row per carrier.
    """

    whole: IntArray
    carrier: IntArray
    group: IntArray
    share: FloatArray
    groups: list[str]

    def rows(self) -> Assignment:
        held = np.flatnonzero(self.whole >= 0)
        if not len(self.carrier):
            return Assignment(held, self.whole[held], np.ones(len(held)), self.groups)
        carrier = np.r_[held, self.carrier]
        group = np.r_[self.whole[held], self.group]
        share = np.r_[np.ones(len(held)), self.share]
        # (carrier, group) pairs are unique, so one key sorts; its two parts are already sorted
        # runs, which the stable sort (a merge sort) joins in linear time.
        order = np.argsort(carrier * len(self.groups) + group, kind="stable")
        return Assignment(carrier[order], group[order], share[order], self.groups)


def _wholly(group: IntArray, groups: list[str]) -> _Membership:
    """Every carrier wholly in one group."""
    empty = np.empty(0, dtype=np.int64)
    return _Membership(group, empty, empty, np.empty(0, dtype=np.float64), groups)


def _declared_groups(carriers: pd.DataFrame, zone_ids: list[str]) -> IntArray:
    """Per carrier the first of ``zone_ids`` (in that order) it declares, else len(zone_ids)."""
    order = {zone_id: position for position, zone_id in enumerate(zone_ids)}
    outside = len(zone_ids)
    codes, uniques = pd.factorize(carriers["zone_ids"].astype(object), use_na_sentinel=True)
    # Few distinct zone_ids strings even for a million footprints: parse each once.
    lookup = np.array(
        [min((order[z] for z in split_ids(text) if z in order), default=outside) for text in uniques] + [outside],
        dtype=np.int64,
    )
    return lookup[codes]  # the NA sentinel -1 picks the trailing `outside`


def assign(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    zone_type: str,
    mode: Mode = "declared",
    metric_geoms: npt.NDArray[np.object_] | None = None,
    metric_zones: npt.NDArray[np.object_] | None = None,
    areas: FloatArray | None = None,
    workers: int | None = None,
) -> Assignment:
    """Which zone of ``zone_type`` each carrier belongs to, and by what share (rule 4).

    ``declared`` follows the carrier's ``zone_ids`` (the first zone of the type in the zones'
    order); ``largest`` takes the zone with the largest overlap (ties: the zone listed first; no
    overlap: outside); ``area`` splits by the share of the outline in each zone. Zones of one
    type are made disjoint first, so the part two zones share counts for the one listed first.
    ``metric_geoms``/``metric_zones`` (and the carriers' ``areas``) let a caller pass outlines
    already in a metric CRS; ``workers`` is the number of threads for the geometry (default: up
    to 4, by the machine's cores). :func:`memberships` gives the same as an index-aligned frame.
    """
    outlines = None if metric_geoms is None else MetricOutlines._of(np.asarray(metric_geoms, dtype=object), areas)
    with _outlines_checked(carriers, zones):
        return _membership(
            carriers,
            zones,
            zone_type=zone_type,
            mode=mode,
            outlines=outlines,
            metric_zones=metric_zones,
            workers=workers,
        ).rows()


def _largest(carrier_idx: IntArray, zone_idx: IntArray, overlap: FloatArray, *, n: int, outside: int) -> IntArray:
    """Per carrier the zone with the largest overlap (ties: the zone listed first), else ``outside``."""
    group = np.full(n, outside, dtype=np.int64)
    if np.isnan(overlap).any():  # not from valid outlines; sorting puts NaN last
        # Sort by carrier, then overlap descending, then zone order: the first row wins.
        order = np.lexsort((zone_idx, -overlap, carrier_idx))
        first = order[_run_starts(carrier_idx[order])]
    else:
        # The same without sorting: rows come sorted by carrier, then zone, so the first row of
        # a carrier with its largest overlap wins.
        starts = _run_starts(carrier_idx)
        largest = np.repeat(np.maximum.reduceat(overlap, starts), np.diff(np.r_[starts, len(overlap)]))
        top = np.flatnonzero(overlap == largest)
        first = top[_run_starts(carrier_idx[top])]
    group[carrier_idx[first]] = zone_idx[first]
    return group


def _membership(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    zone_type: str,
    mode: Mode,
    outlines: MetricOutlines | None,
    metric_zones: npt.NDArray[np.object_] | None,
    workers: int | None = None,
) -> _Membership:
    """:func:`assign` in compact form (``outlines`` and ``metric_zones`` in one metric CRS, or None)."""
    if mode not in MODES:
        raise ValueError(f"unknown membership mode {mode!r}; use one of: {', '.join(MODES)}")
    of_type = zones[zones["type"].astype(str) == zone_type]
    groups = [*of_type["id"].astype(str), OUTSIDE]
    n = len(carriers)
    if mode == "declared":
        return _wholly(_declared_groups(carriers, groups[:-1]), groups)
    if outlines is None or metric_zones is None:
        outlines = metric_outlines(carriers, workers=workers)
        metric_zones = to_metric(zones, crs=outlines.crs).geometry.to_numpy()
    type_mask = (zones["type"].astype(str) == zone_type).to_numpy()
    pieces = disjoint_zones(metric_zones[type_mask])
    areas = outlines.areas
    carrier_idx, zone_idx, overlap = _overlap_areas(
        outlines, pieces, exact=mode == "area", workers=_WORKERS if workers is None else workers
    )
    real = ~(overlap <= SHARE_EPS * areas[carrier_idx])  # NaN (from invalid outlines) stays for the NaN path
    carrier_idx, zone_idx, overlap = carrier_idx[real], zone_idx[real], overlap[real]
    outside = len(groups) - 1
    if mode == "largest":
        return _wholly(_largest(carrier_idx, zone_idx, overlap, n=n, outside=outside), groups)
    share = np.divide(overlap, areas[carrier_idx], out=np.zeros_like(overlap), where=areas[carrier_idx] > 0)
    share = np.minimum(share, 1.0)
    # Per carrier with an overlap (rows come grouped by carrier, then by zone): the part inside
    # zones, and the rest outside. Carriers without an overlap lie wholly outside.
    starts = _run_starts(carrier_idx)
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(carrier_idx)]))
    inside = np.bincount(run, weights=share, minlength=len(starts))
    scale = np.where(inside > 1.0, inside, 1.0)  # float noise along shared piece edges
    share = share / scale[run]
    rest = np.clip(1.0 - inside / scale, 0.0, 1.0)
    with_rest = rest > SHARE_EPS
    row_carrier = np.r_[carrier_idx, carrier_idx[starts][with_rest]]
    row_group = np.r_[zone_idx, np.full(int(with_rest.sum()), outside, dtype=np.int64)]
    row_share = np.r_[share, rest[with_rest]]
    keep = row_share > SHARE_EPS
    row_carrier, row_group, row_share = row_carrier[keep], row_group[keep], row_share[keep]
    order = np.argsort(row_carrier * len(groups) + row_group, kind="stable")
    row_carrier, row_group, row_share = row_carrier[order], row_group[order], row_share[order]
    # A carrier whose only row has a share of 1 lies wholly in that group; the others are split.
    row_start = _run_starts(row_carrier)
    rows_each = np.diff(np.r_[row_start, len(row_carrier)])
    single = (rows_each == 1) & (row_share[row_start] == 1.0)
    whole = np.full(n, outside, dtype=np.int64)
    whole[row_carrier[row_start]] = np.where(single, row_group[row_start], -1)
    split = np.repeat(~single, rows_each)
    return _Membership(whole, row_carrier[split], row_group[split], row_share[split], groups)


def apportion(values: IntArray, carrier: IntArray, group: IntArray, share: FloatArray) -> IntArray:
    """Whole parts of ``values[carrier]`` by ``share`` that add up exactly to each carrier's value.

    Rows must be sorted by ``carrier`` and each carrier's shares add up to 1. The largest-remainder
    method: every part is rounded down, then the units left over go to the rows with the largest
    remainders (ties: lower group position first, so the zone listed first, outside last).

    >>> apportion(np.array([10]), np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([1, 1, 1]) / 3)
    array([4, 3, 3])
    """
    parts = values[carrier]  # a copy (fancy indexing)
    # A share of exactly 1 is its carrier's only row (shares add up to 1): the part is the whole.
    split = np.flatnonzero(share != 1.0)
    if not len(split):
        return parts
    split_carrier, split_group = carrier[split], group[split]
    exact = values[split_carrier] * share[split]
    split_parts = np.floor(exact).astype(np.int64)
    fraction = exact - split_parts
    order = np.lexsort((split_group, -fraction, split_carrier))
    sorted_carrier = split_carrier[order]
    first_row = _run_starts(sorted_carrier)
    run_length = np.diff(np.r_[first_row, len(order)])
    # Units left over per carrier (only carriers with split rows: not a pass over every carrier).
    left = values[sorted_carrier[first_row]] - np.add.reduceat(split_parts[order], first_row)
    rank = np.arange(len(order)) - np.repeat(first_row, run_length)
    split_parts[order] += rank < np.repeat(left, run_length)
    parts[split] = split_parts
    return parts


def _group_sum(values: IntArray, group: IntArray, n_groups: int) -> IntArray:
    out = np.zeros(n_groups, dtype=np.int64)
    np.add.at(out, group, values)
    return out


def _group_sums(values: IntArray, membership: _Membership, bins: IntArray) -> IntArray:
    """Per group the sum of ``values``, in whole parts by :func:`apportion`.

    ``bins`` holds per carrier its group, or ``len(groups)`` (a spare bin) if it is split:
    carriers wholly in a group add to it directly; only the split carriers' rows are apportioned.
    """
    n_groups = len(membership.groups)
    sums = _group_sum(values, bins, n_groups + 1)[:n_groups]
    if len(membership.carrier):
        parts = apportion(values, membership.carrier, membership.group, membership.share)
        sums += _group_sum(parts, membership.group, n_groups)
    return sums


# Columns of a partial-sums frame (:func:`partial_sums`): whole numbers that add across partitions,
# then the unknown members of each group, as arrays (order keys and ids) that concatenate.
PARTIAL_COLUMNS: tuple[str, ...] = (
    "existing_m2",
    "planned_m2",
    "land_m2",
    "member_count",
    "unknown_count",
    "unknown_order",
    "unknown_ids",
)
_PARTIAL_SUMS = PARTIAL_COLUMNS[:5]


def _unknowns(
    ids: pd.Series, unknown: npt.NDArray[np.bool_], membership: _Membership
) -> tuple[list[str], IntArray, str]:
    """Per group the ``;``-joined ids of its members whose figure is unknown, and their count; and
    the ids of all such carriers, joined, for the total.
    """
    n_groups = len(membership.groups)
    carriers = np.flatnonzero(unknown)
    # Python strings (not an Arrow string array, which pandas 3 would iterate element by element),
    # made once for the groups and the total.
    texts = ids.iloc[carriers].astype(str).to_numpy(dtype=object)
    # One row per (unknown carrier, group it is in): those wholly in a group, then the split rows.
    held = membership.whole[carriers]
    wholly = np.flatnonzero(held >= 0)
    split_rows = np.flatnonzero(unknown[membership.carrier])
    group = np.r_[held[wholly], membership.group[split_rows]]
    text = np.r_[wholly, np.searchsorted(carriers, membership.carrier[split_rows])]
    joined = _join_ids(texts[text], group, carriers[text], n_groups)
    return joined, np.bincount(group, minlength=n_groups).astype(np.int64), ";".join(texts.tolist())


def _join_ids(texts: npt.NDArray[np.object_], group: IntArray, carrier: IntArray, n_groups: int) -> list[str]:
    """Per group, the ``;``-joined ``texts`` of the rows in that group, in carrier order."""
    out = [""] * n_groups
    if not len(texts):
        return out
    order = np.lexsort((carrier, group))
    groups = group[order]
    ordered = texts[order].tolist()
    starts = _run_starts(groups)
    for start, end in zip(starts, [*starts[1:], len(groups)], strict=True):
        out[int(groups[start])] = ";".join(ordered[start:end])
    return out


def _group_names(zones: pd.DataFrame, by: str, groups: list[str]) -> list[Text]:
    if by == "status":
        return [STATUS_NAMES[g] for g in groups]
    named = zones.set_index(zones["id"].astype(str))
    outside = Text(
        _OUTSIDE_NAME.zh.format(kind=term("zone_type", by, "zh")),
        _OUTSIDE_NAME.en.format(kind=term("zone_type", by, "en")),
    )
    return [outside if g == OUTSIDE else Text(str(named.at[g, "name_zh"]), str(named.at[g, "name_en"])) for g in groups]


def _check_by(zones: pd.DataFrame, by: str) -> None:
    types = zone_types(zones)
    if by != "status" and by not in types:
        choices = ", ".join([*types, "status"]) or "status"
        raise ValueError(f"cannot group by {by!r}: the zones have no zones of that type; use one of: {choices}")


def _by_status(carriers: pd.DataFrame) -> _Membership:
    """Each carrier wholly in the group of its status."""
    groups = list(STATUSES)
    status_group = pd.Index(groups).get_indexer(carriers["status"].astype(str))
    if (status_group < 0).any():
        unknown = sorted(set(carriers["status"].astype(str)) - set(groups))
        raise ValueError(f"unknown status value(s) {', '.join(unknown)}; use one of: {', '.join(groups)}")
    return _wholly(status_group.astype(np.int64), groups)


def _measured(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    by: str,
    mode: Mode,
    crs: Any,
    land_only: npt.NDArray[np.bool_] | None = None,
    given: MetricOutlines | None = None,
    workers: int | None = None,
) -> tuple[MetricOutlines | None, FloatArray, npt.NDArray[np.object_] | None]:
    """(carriers' outlines in the metric CRS, their areas, zones' outlines there), when membership needs them.

    ``crs`` is the metric CRS (``None``: :func:`geo.crs.metric_crs_for` the carriers). ``given``:
    the carriers' outlines measured already (:func:`metric_outlines`), used when they are these
    carriers' own in that CRS. Otherwise only what the measurement needs is projected: the outlines'
    vertices alone (not the attribute columns), and the outlines themselves only for the carriers
    near a zone's edge (:class:`MetricOutlines`); the zones only when membership is spatial. When
    it is not (``declared``, ``status``: no outlines, None) and ``land_only`` marks the carriers
    whose land area counts (top-level ones), only those are measured, the others' areas being NaN.
    """
    target = CRS.from_user_input(crs) if crs is not None else None
    if given is None or not given.of_these(carriers) or (target is not None and target != given.crs):
        given = None
        target = target if target is not None else metric_crs_for(carriers)
    else:
        target = given.crs
    if by != "status" and mode != "declared":
        outlines = given if given is not None else metric_outlines(carriers, crs=target, workers=workers)
        return outlines, outlines.areas, to_metric(zones, crs=target).geometry.to_numpy()
    if given is not None:
        return None, given.areas if land_only is None else np.where(land_only, given.areas, np.nan), None
    threads = _WORKERS if workers is None else workers
    if land_only is None or land_only.all():
        return None, metric_measures(carriers.geometry, crs=target, workers=threads)[1], None
    areas = np.full(len(carriers), np.nan)
    areas[land_only] = metric_measures(carriers.geometry[land_only], crs=target, workers=threads)[1]
    return None, areas, None


def _compact_membership(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    by: str,
    mode: Mode,
    outlines: MetricOutlines | None,
    metric_zones: npt.NDArray[np.object_] | None,
    workers: int | None,
) -> _Membership:
    if by == "status":
        return _by_status(carriers)
    with _outlines_checked(carriers, zones):
        return _membership(
            carriers, zones, zone_type=by, mode=mode, outlines=outlines, metric_zones=metric_zones, workers=workers
        )


def measure(carriers: gpd.GeoDataFrame, *, crs: Any = None) -> pd.Series:
    """Each carrier's outline area in m², measured in the metric CRS, indexed like ``carriers``.

    Parameters
    ----------
    carriers
        Carriers per the data contract, in any CRS.
    crs
        The metric CRS to measure in; ``None`` picks the local one of the data
        (:func:`geo.crs.metric_crs_for`). An engine that sees the carriers in parts passes the one
        chosen for the whole, so that every part is measured alike.

    Returns
    -------
    Series
        ``area_m2`` (float64): NaN where the outline is missing.
    """
    metric = to_metric(carriers.geometry, crs=crs)
    return pd.Series(shapely.area(metric.to_numpy()), index=carriers.index, name="area_m2")


def _membership_frame(membership: _Membership, index: pd.Index) -> pd.DataFrame:
    rows = membership.rows()
    return pd.DataFrame(
        {
            "position": rows.carrier,
            "group_id": pd.Categorical.from_codes(rows.group, categories=membership.groups),
            "share": rows.share,
        },
        index=index.take(rows.carrier),
    )


def _membership_from_frame(frame: pd.DataFrame, n: int) -> _Membership:
    """The compact form of a :func:`memberships` frame of ``n`` carriers."""
    position = frame["position"].to_numpy(dtype=np.int64)
    group_id = frame["group_id"]
    if not isinstance(group_id.dtype, pd.CategoricalDtype):
        raise ValueError("memberships: 'group_id' must be the categorical column made by geo.rollup.memberships")
    groups = [str(g) for g in group_id.cat.categories]
    group = group_id.cat.codes.to_numpy(dtype=np.int64)
    share = frame["share"].to_numpy(dtype=np.float64)
    if len(position) and (np.any(np.diff(position) < 0) or position.min() < 0 or position.max() >= n):
        raise ValueError("memberships: rows must come sorted by carrier position, within the carriers given")
    # A share of exactly 1 is its carrier's only row (shares add up to 1): it lies wholly in that group.
    whole_rows = share == 1.0
    whole = np.full(n, -1, dtype=np.int64)
    whole[position[whole_rows]] = group[whole_rows]
    split = ~whole_rows
    return _Membership(whole, position[split], group[split], share[split], groups)


def memberships(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    by: str = "pole",
    mode: Mode = "declared",
    crs: Any = None,
    workers: int | None = None,
    outlines: MetricOutlines | None = None,
) -> pd.DataFrame:
    """Which group each carrier belongs to, and by what share (rule 4), one row per carrier and group.

    Parameters
    ----------
    carriers, zones
        Frames per the data contract, in any CRS.
    by
        A zone type of ``zones`` (membership by ``mode``) or ``status`` (each carrier in its status).
    mode
        ``declared``, ``largest`` or ``area`` (see :func:`assign`).
    crs
        The metric CRS shares are measured in (``None``: the local one of the carriers).
    workers
        Threads for the geometry (shapely releases the GIL); ``None``: up to 4, by the machine's cores.
    outlines
        The carriers' outlines measured already (:func:`metric_outlines`), as for :func:`summarize`.

    Returns
    -------
    DataFrame
        Indexed like ``carriers`` (a carrier split between groups repeats its label), sorted by
        carrier then group: ``position`` (the carrier's row position), ``group_id`` (categorical:
        the groups in order, ``__outside__`` last for zone types) and ``share`` (1.0 for a carrier
        wholly in one group; a split carrier's shares add up to 1).
    """
    if by != "status" and mode not in MODES:
        raise ValueError(f"unknown membership mode {mode!r}; use one of: {', '.join(MODES)}")
    _check_by(zones, by)
    if by == "status":
        return _membership_frame(_by_status(carriers), carriers.index)
    if mode == "declared":  # membership by the carriers' zone_ids: no outline is needed
        return _membership_frame(
            _membership(carriers, zones, zone_type=by, mode=mode, outlines=None, metric_zones=None),
            carriers.index,
        )
    outlines, _, metric_zones = _measured(carriers, zones, by=by, mode=mode, crs=crs, given=outlines, workers=workers)
    membership = _compact_membership(
        carriers,
        zones,
        by=by,
        mode=mode,
        outlines=outlines,
        metric_zones=metric_zones,
        workers=workers,
    )
    return _membership_frame(membership, carriers.index)


def _partials(
    contrib: Contributions,
    membership: _Membership,
    areas: FloatArray,
    *,
    ids: pd.Series,
    order: IntArray | None,
) -> pd.DataFrame:
    """The partial sums of one set of carriers (see :func:`partial_sums`), from the compact membership."""
    groups = membership.groups
    n_groups = len(groups)
    n = len(membership.whole)
    keys = np.arange(n, dtype=np.int64) if order is None else np.asarray(order, dtype=np.int64)
    if len(keys) != n or len(contrib.existing) != n or len(areas) != n or len(ids) != n:
        raise ValueError("partial sums: contributions, memberships, areas, ids and order must be of the same carriers")
    land_whole = np.where(contrib.top, np.rint(areas), 0).astype(np.int64)
    bins = np.where(membership.whole >= 0, membership.whole, n_groups)
    existing, planned, land = (
        _group_sums(values, membership, bins) for values in (contrib.existing, contrib.planned, land_whole)
    )
    members = np.bincount(bins, minlength=n_groups + 1)[:n_groups] + np.bincount(membership.group, minlength=n_groups)
    # Unknown members: one row per (unknown carrier, group it is in), those wholly in a group, then
    # the split rows; and every unknown carrier once for the total.
    unknown = contrib.unknown
    carriers = np.flatnonzero(unknown)
    # Python strings (not an Arrow string array, which pandas 3 would iterate element by element).
    texts = ids.iloc[carriers].astype(str).to_numpy(dtype=object)
    held = membership.whole[carriers]
    wholly = np.flatnonzero(held >= 0)
    split_rows = np.flatnonzero(unknown[membership.carrier])
    group = np.r_[held[wholly], membership.group[split_rows]].astype(np.int64)
    text = np.r_[wholly, np.searchsorted(carriers, membership.carrier[split_rows])].astype(np.int64)
    row_keys = keys[carriers]
    sort = np.lexsort((row_keys[text], group))
    starts = np.searchsorted(group[sort], np.arange(n_groups + 1))
    unknown_order = [row_keys[text[sort[starts[g] : starts[g + 1]]]] for g in range(n_groups)]
    unknown_ids = [texts[text[sort[starts[g] : starts[g + 1]]]] for g in range(n_groups)]
    frame = pd.DataFrame(
        {
            "existing_m2": np.r_[existing, contrib.existing.sum()],
            "planned_m2": np.r_[planned, contrib.planned.sum()],
            "land_m2": np.r_[land, land_whole.sum()],
            "member_count": np.r_[members, n],
            "unknown_count": np.r_[[len(o) for o in unknown_order], len(carriers)].astype(np.int64),
        },
        index=pd.Index([*groups, TOTAL], name="group_id", dtype=object),
    ).astype(np.int64)
    frame["unknown_order"] = pd.Series([*unknown_order, row_keys], index=frame.index, dtype=object)
    frame["unknown_ids"] = pd.Series([*unknown_ids, texts], index=frame.index, dtype=object)
    return frame


def partial_sums(
    contrib: Contributions | pd.DataFrame,
    member: pd.DataFrame,
    areas: pd.Series | FloatArray,
    *,
    ids: pd.Series,
    order: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Per group the whole m² and members of one set of carriers: the part that adds across partitions.

    Parameters
    ----------
    contrib
        :func:`contributions` of the carriers (or its :meth:`Contributions.to_frame`).
    member
        :func:`memberships` of the same carriers.
    areas
        :func:`measure` of the same carriers (land area comes from the outlines of top-level carriers).
    ids
        The carriers' ``id`` column, to name unknown members.
    order
        Per carrier a key that orders the names of unknown members (default: the row position);
        an engine that holds the carriers in parts passes each carrier's row in the whole file.

    Returns
    -------
    DataFrame
        Indexed by ``group_id`` (the groups in order, then ``__total__``), with the columns of
        ``PARTIAL_COLUMNS``: whole-m² existing, planned and land area, member and unknown counts
        (int64) and per group the order keys and ids of its unknown members (arrays). Each
        split carrier's floor area is apportioned to its groups in whole m² here, by the largest
        remainder over that carrier's rows only: a carrier lies in one part, so these integers
        do not depend on how carriers are split into parts, and :func:`combine` only adds.
    """
    contributions_ = Contributions.from_frame(contrib) if isinstance(contrib, pd.DataFrame) else contrib
    n = len(contributions_.existing)
    membership = _membership_from_frame(member, n)
    return _partials(
        contributions_,
        membership,
        np.asarray(areas, dtype=np.float64),
        ids=ids,
        order=None if order is None else np.asarray(order, dtype=np.int64),
    )


def partition_sums(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    contrib: Contributions,
    *,
    by: str = "pole",
    mode: Mode = "declared",
    crs: Any = None,
    workers: int | None = None,
    order: npt.ArrayLike | None = None,
    outlines: MetricOutlines | None = None,
) -> pd.DataFrame:
    """:func:`measure`, :func:`memberships` and :func:`partial_sums` in one pass over ``carriers``.

    The outlines are projected once for land area and shares (or not at all: ``outlines``, from
    :func:`metric_outlines` of these carriers). This is the step that each partition of an engine
    runs (:mod:`geo.engine_dask`), and :func:`summarize` on the whole. Parameters as in those
    functions; ``contrib`` must come from the whole carriers' parent tree (:func:`contributions`),
    row for row with ``carriers``.
    """
    if by != "status" and mode not in MODES:
        raise ValueError(f"unknown membership mode {mode!r}; use one of: {', '.join(MODES)}")
    outlines, areas, metric_zones = _measured(
        carriers, zones, by=by, mode=mode, crs=crs, land_only=contrib.top, given=outlines, workers=workers
    )
    membership = _compact_membership(
        carriers,
        zones,
        by=by,
        mode=mode,
        outlines=outlines,
        metric_zones=metric_zones,
        workers=workers,
    )
    return _partials(
        contrib,
        membership,
        areas,
        ids=carriers["id"],
        order=None if order is None else np.asarray(order, dtype=np.int64),
    )


def combine(*partials: pd.DataFrame) -> pd.DataFrame:
    """Partial sums of several parts of the carriers (:func:`partial_sums`) added into one.

    Whole numbers add and the unknown members' arrays concatenate, so the result does not depend
    on how the carriers were split nor on the order of the parts; combining combined parts again
    is the same (a tree reduction may be used). The parts must share their groups.
    """
    if not partials:
        raise ValueError("combine: give at least one partial-sums frame")
    first = partials[0]
    for other in partials[1:]:
        if not other.index.equals(first.index):
            raise ValueError(
                f"combine: partial sums of different groups ({list(first.index)} vs {list(other.index)}); "
                "compute every part with the same zones, grouping and mode"
            )
    out = first[list(_PARTIAL_SUMS)].copy()
    for other in partials[1:]:
        out += other[list(_PARTIAL_SUMS)]
    out = out.astype(np.int64)
    for column in ("unknown_order", "unknown_ids"):
        cells = [np.concatenate([p[column].iloc[g] for p in partials]) for g in range(len(first))]
        out[column] = pd.Series(cells, index=out.index, dtype=object)
    return out


def _declared_figures(zones: pd.DataFrame, by: str, groups: list[str]) -> list[int | None]:
    """The plan's declared figure per group (None for outside, status groups and unknowns)."""
    if by == "status":
        return [None] * len(groups)
    by_id = dict(zip(zones["id"].astype(str), pd.Series(zones["declared_floor_area_m2"]).astype("Int64"), strict=True))
    return [None if g == OUTSIDE or pd.isna(by_id[g]) else int(by_id[g]) for g in groups]


def _joined(order: IntArray, ids: npt.NDArray[np.object_]) -> str:
    """``ids`` joined with ``;`` in the order of their keys."""
    if not len(ids):
        return ""
    return ";".join(ids[np.argsort(order, kind="stable")].tolist())


def finish(sums: pd.DataFrame, zones: pd.DataFrame, *, by: str = "pole") -> pd.DataFrame:
    """The summary table from (combined) partial sums: names, declared figures, differences and FAR.

    Parameters
    ----------
    sums
        :func:`partial_sums` of all the carriers, or :func:`combine` of those of their parts.
    zones
        The zones the sums were made with (names and declared figures).
    by
        The grouping the sums were made with.

    Returns
    -------
    DataFrame
        As :func:`summarize` returns it (``SUMMARY_COLUMNS``).
    """
    groups = [str(g) for g in sums.index if g != TOTAL]
    names = [*_group_names(zones, by, groups), _TOTAL_NAME]
    declared = [*_declared_figures(zones, by, groups), None]
    table = pd.DataFrame(
        {
            "group_id": [*groups, TOTAL],
            "name_zh": [name.zh for name in names],
            "name_en": [name.en for name in names],
            "existing_m2": pd.array(sums["existing_m2"].to_numpy(dtype=np.int64), dtype="Int64"),
            "planned_m2": pd.array(sums["planned_m2"].to_numpy(dtype=np.int64), dtype="Int64"),
            "unknown_count": sums["unknown_count"].to_numpy(dtype=np.int64),
            "unknown_ids": [
                _joined(o, i) for o, i in zip(sums["unknown_order"].tolist(), sums["unknown_ids"].tolist(), strict=True)
            ],
            "declared_m2": pd.array(declared, dtype="Int64"),
            "land_m2": pd.array(sums["land_m2"].to_numpy(dtype=np.int64), dtype="Int64"),
            "member_count": sums["member_count"].to_numpy(dtype=np.int64),
        }
    )
    table["total_m2"] = (table["existing_m2"] + table["planned_m2"]).astype("Int64")
    table["difference_m2"] = (table["total_m2"] - table["declared_m2"]).astype("Int64")
    land_float = table["land_m2"].astype("float64")
    table["far"] = (table["total_m2"].astype("float64") / land_float.where(land_float > 0)).astype("float64")
    for column in ("group_id", "name_zh", "name_en", "unknown_ids"):
        table[column] = table[column].astype(object)
    return table[list(SUMMARY_COLUMNS)]


def summarize(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    by: str = "pole",
    mode: Mode = "declared",
    year: int | None = None,
    workers: int | None = None,
    contrib: Contributions | None = None,
    outlines: MetricOutlines | None = None,
) -> pd.DataFrame:
    """Floor area per group, with unknowns, declared figures, land area and FAR.

    The composition of the public steps: :func:`contributions`, then :func:`partition_sums`
    (:func:`measure`, :func:`memberships` and :func:`partial_sums` in one pass) over all the
    carriers, then :func:`finish`. An engine that holds the carriers in parts runs the same steps
    per part and :func:`combine` before :func:`finish` (:mod:`geo.engine_dask`).

    Parameters
    ----------
    carriers, zones
        Frames per the data contract, in EPSG:4326 or already in one projected metric CRS.
    by
        A zone type present in ``zones`` (``pole``, ``belt``, …) or ``status``.
    mode
        Membership mode for zone types: ``declared``, ``largest`` or ``area`` (ignored for status).
    year
        As of this year (rule 1); ``None`` for build-out.
    workers
        Threads for the geometry (shapely releases the GIL); ``None``: up to 4, by the machine's cores.
    contrib
        What each carrier adds as of ``year``, when computed elsewhere (from tranches:
        :func:`geo.tranches.contributions_by_year`); ``None``: from the carriers' two columns.
    outlines
        ``carriers``' outlines measured once for several summaries (:func:`metric_outlines`);
        ``None``, or outlines of other carriers: measured here.

    Returns
    -------
    DataFrame
        One row per group (zones of the type in file order, or the statuses), then ``__outside__``
        (zone types only) and ``__total__``, with the columns of ``SUMMARY_COLUMNS``. Figures are
        whole m² (Int64); groups plus outside add up exactly to the total. ``unknown_ids`` names
        the members whose figure is unknown (rule 2); ``difference_m2`` is itemized minus declared;
        ``land_m2`` is the outline area of top-level carriers (children lie within their parent)
        and ``far`` is ``total_m2 / land_m2``. Land and shares are measured in the local metric
        CRS of the data (:func:`geo.crs.metric_crs_for`), whatever CRS the frames are in.

    Raises
    ------
    DataError
        When GEOS cannot intersect an outline (a self-intersecting ring…): the problems name the
        rows and say how to repair them.
    ValueError
        When ``by`` is not a zone type of ``zones`` nor ``status``, or a status is unknown.
    """
    _check_by(zones, by)
    contrib = contributions(carriers, year=year) if contrib is None else contrib
    sums = partition_sums(carriers, zones, contrib, by=by, mode=mode, workers=workers, outlines=outlines)
    return finish(sums, zones, by=by)


#: Columns of :func:`grid_sums`.
GRID_COLUMNS: tuple[str, ...] = ("ix", "iy", "existing_m2", "planned_m2", "total_m2", "carriers", "unknown")


def grid_sums(carriers: gpd.GeoDataFrame, *, cell_m: float) -> gpd.GeoDataFrame:
    """Floor area of ``carriers`` summed per square grid cell, occupied cells only (the map's grid view).

    Each carrier falls in the cell holding its representative point (a point inside its outline,
    Shapely's ``point_on_surface``), placed in the data's metric CRS (:func:`geo.crs.metric_crs_for`;
    EPSG:4549 in Shanghai) on a grid aligned to multiples of the cell size. A cell sums what its
    carriers add by the roll-up's rules (:func:`contributions`, build-out): a nested carrier adds
    nothing when an ancestor's figure is known, and an unknown figure is counted as unknown, never
    as zero. So the cells add up exactly to the district total at build-out.

    Parameters
    ----------
    carriers
        Carriers per the data contract (``floor_area_*_m2``, ``parent_id``), any CRS.
    cell_m
        Cell side in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per occupied cell, in the metric CRS, ordered by (iy, ix): cell indices ``ix``,
        ``iy`` (the cell spans ``ix·cell_m … (ix+1)·cell_m`` in x), ``existing_m2``, ``planned_m2``,
        ``total_m2`` (whole m² that add), ``carriers`` (how many fall in the cell) and ``unknown``
        (how many of them have an unknown figure that would add). ``total_m2`` sums to the build-out
        district total of :func:`geo.rollup.contributions`.
    """
    crs = metric_crs_for(carriers)
    if not len(carriers):
        empty = {c: pd.Series([], dtype="int64") for c in GRID_COLUMNS}
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    # The point is found on the outline as given and projected alone: projecting every vertex
    # to find one point each cost more than the rest of the grid.
    points = gpd.GeoSeries(shapely.point_on_surface(carriers.geometry.to_numpy()), crs=carriers.crs)
    xy = metric_xy(points, crs=crs)
    ix = np.floor(xy[:, 0] / cell_m).astype(np.int64)
    iy = np.floor(xy[:, 1] / cell_m).astype(np.int64)
    span = int(ix.max() - ix.min()) + 1
    key = (iy - iy.min()) * span + (ix - ix.min())
    cells, inverse = np.unique(key, return_inverse=True)
    parts = contributions(carriers)
    existing = np.zeros(len(cells), dtype=np.int64)
    planned = np.zeros(len(cells), dtype=np.int64)
    np.add.at(existing, inverse, parts.existing)
    np.add.at(planned, inverse, parts.planned)
    cell_ix = cells % span + ix.min()
    cell_iy = cells // span + iy.min()
    boxes = shapely.box(cell_ix * cell_m, cell_iy * cell_m, (cell_ix + 1) * cell_m, (cell_iy + 1) * cell_m)
    return gpd.GeoDataFrame(
        {
            "ix": cell_ix,
            "iy": cell_iy,
            "existing_m2": existing,
            "planned_m2": planned,
            "total_m2": existing + planned,
            "carriers": np.bincount(inverse, minlength=len(cells)).astype(np.int64),
            "unknown": np.bincount(inverse, weights=parts.unknown, minlength=len(cells)).astype(np.int64),
        },
        geometry=gpd.GeoSeries(boxes, crs=crs),
        crs=crs,
    )
