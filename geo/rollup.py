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

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo import nesting
from geo.crs import to_metric
from geo.schema import OUTSIDE, STATUSES, TOTAL, split_ids

__all__ = [
    "MODES",
    "OUTSIDE",
    "STATUS_NAMES",
    "SUMMARY_COLUMNS",
    "TOTAL",
    "Contributions",
    "apportion",
    "assign",
    "contributions",
    "disjoint_zones",
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

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "existing": ("已建成", "Existing"),
    "under_construction": ("在建", "Under construction"),
    "planned": ("规划", "Planned"),
}
_OUTSIDE_NAMES = ("不属于任何{kind}", "Outside any {kind}")
_TOTAL_NAMES = ("全区合计", "District total")

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
_WORKERS = min(4, os.cpu_count() or 1)
_CHUNK_MIN = 25_000
# An intersection costs some 50 times a predicate: worth a thread from a few thousand pairs.
_INTERSECTION_CHUNK_MIN = 2_000
# Below this many carriers the grid is not worth building.
_GRID_MIN_CARRIERS = 20_000
# Shares below this (relative to the carrier's area) are float noise from intersecting along
# shared edges, not a real part of the carrier.
_SHARE_EPS = 1e-12

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


def _settled_by_grid(
    geoms: npt.NDArray[np.object_], areas: FloatArray, zones: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """Carriers whose bounding box lies in grid cells of one label: (settled mask, their zone or -1).

    A box inside cells that lie wholly inside one zone is inside that zone; a box in cells that
    touch no zone is outside every zone. Both are exact, so these carriers need no geometric test.
    The grid covers the zones with square cells of about the typical carrier's size (at most
    ``_GRID_CELLS`` a side), so only carriers within a cell or so of a zone's edge stay open. A box
    may span any number of cells: a summed-area table of the mixed cells tells in four look-ups
    whether its cells hold a mixed one (cells that are not mixed and touch have one label).
    """
    n = len(geoms)
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
        cell = shapely.bounds(geoms[start:stop])
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
    min_chunk: int = _CHUNK_MIN,
) -> npt.NDArray[Any]:
    """``function(pieces[piece_idx], others[other_idx])``, split across the machine's cores when large.

    Shapely's vectorised functions release the GIL, so threads run them in parallel. GEOS prepared
    geometries must not be shared between threads (each builds its index lazily), so every extra
    thread works on its own prepared copy of ``pieces`` (zone pieces: few and small).
    """
    workers = min(_WORKERS, len(piece_idx) // min_chunk)
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
    within = _pairwise(shapely.contains_properly, zones, edge_zone[candidate], geoms, edge_carrier[candidate])
    settled_first = candidate[within]
    area[edge[settled_first]] = areas[edge_carrier[settled_first]]
    settled = np.zeros(len(geoms), dtype=bool)
    settled[edge_carrier[settled_first]] = True
    return edge[~settled[edge_carrier]]


def _overlap_areas(
    geoms: npt.NDArray[np.object_], areas: FloatArray, zones: npt.NDArray[np.object_], *, exact: bool = True
) -> tuple[IntArray, IntArray, FloatArray]:
    """(carrier, zone, overlap area) for every carrier–zone pair that overlaps, summed per pair.

    ``zones`` must be disjoint, ``areas`` the carriers' areas; all in one metric CRS. Carriers the
    grid settles (wholly inside one zone, or touching none) skip the geometric tests; the rest are
    tested against the small pieces of the zones near them, and only those crossing a piece's
    edge are intersected. With ``exact=False`` (enough to find the largest overlap) a carrier
    whose interior meets one zone only is reported with its own area there, not intersected.
    """
    piece_list: list[shapely.Geometry] = []
    owner_list: list[int] = []
    for z, zone in enumerate(zones):
        parts = _subdivide(zone)
        piece_list.extend(parts)
        owner_list.extend([z] * len(parts))
    if not piece_list or not len(geoms):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    pieces = np.array(piece_list, dtype=object)
    owner = np.asarray(owner_list, dtype=np.int64)
    shapely.prepare(pieces)
    tree = shapely.STRtree(pieces)
    if len(geoms) >= _GRID_MIN_CARRIERS:
        shapely.prepare(zones)
        settled, settled_zone = _settled_by_grid(geoms, areas, zones)
    else:  # classifying the grid costs more than it saves
        settled, settled_zone = np.zeros(len(geoms), dtype=bool), np.full(len(geoms), _NOWHERE)
    fast = np.flatnonzero(settled & (settled_zone >= 0))
    open_ = np.flatnonzero(~settled)
    query_idx, piece_idx = tree.query(geoms[open_])
    carrier_idx = open_[query_idx]
    # Most candidates lie wholly inside a piece: test that first (pieces are prepared), then
    # intersect only the candidates that really cross a piece's edge.
    inside = _pairwise(shapely.contains_properly, pieces, piece_idx, geoms, carrier_idx)
    area = np.zeros(len(carrier_idx), dtype=np.float64)
    area[inside] = areas[carrier_idx[inside]]
    rest = np.flatnonzero(~inside)
    edge = rest[_pairwise(shapely.intersects, pieces, piece_idx[rest], geoms, carrier_idx[rest])]
    if not exact:
        # Interiors meet (a positive overlap) unless the shapes only touch along their boundaries.
        edge = edge[~shapely.touches(pieces[piece_idx[edge]], geoms[carrier_idx[edge]])]
        # Pairs are grouped by carrier (as the tree returns them): one zone if its pairs' zones agree.
        edge_zone = owner[piece_idx[edge]]
        starts = _run_starts(carrier_idx[edge])
        same = np.minimum.reduceat(edge_zone, starts) == np.maximum.reduceat(edge_zone, starts)
        one_zone = np.repeat(same, np.diff(np.r_[starts, len(edge)]))
        area[edge[one_zone]] = areas[carrier_idx[edge[one_zone]]]
        edge = edge[~one_zone]
    edge = _drop_inside_whole_zone(
        edge,
        carrier_idx=carrier_idx,
        zone_idx=owner[piece_idx],
        inside=inside,
        geoms=geoms,
        zones=zones,
        area=area,
        areas=areas,
    )
    area[edge] = _pairwise(
        _intersection_area, pieces, piece_idx[edge], geoms, carrier_idx[edge], min_chunk=_INTERSECTION_CHUNK_MIN
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
) -> Assignment:
    """Which zone of ``zone_type`` each carrier belongs to, and by what share (rule 4).

    ``declared`` follows the carrier's ``zone_ids`` (the first zone of the type in the zones'
    order); ``largest`` takes the zone with the largest overlap (ties: the zone listed first; no
    overlap: outside); ``area`` splits by the share of the outline in each zone. Zones of one
    type are made disjoint first, so the part two zones share counts for the one listed first.
    ``metric_geoms``/``metric_zones`` (and the carriers' ``areas``) let a caller pass outlines
    already in a metric CRS.
    """
    return _membership(
        carriers,
        zones,
        zone_type=zone_type,
        mode=mode,
        metric_geoms=metric_geoms,
        metric_zones=metric_zones,
        areas=areas,
    ).rows()


def _membership(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    zone_type: str,
    mode: Mode,
    metric_geoms: npt.NDArray[np.object_] | None,
    metric_zones: npt.NDArray[np.object_] | None,
    areas: FloatArray | None,
) -> _Membership:
    """:func:`assign` in compact form."""
    if mode not in MODES:
        raise ValueError(f"unknown membership mode {mode!r}; use one of: {', '.join(MODES)}")
    of_type = zones[zones["type"].astype(str) == zone_type]
    groups = [*of_type["id"].astype(str), OUTSIDE]
    n = len(carriers)
    if mode == "declared":
        return _wholly(_declared_groups(carriers, groups[:-1]), groups)
    if metric_geoms is None or metric_zones is None:
        metric = to_metric(carriers)
        metric_geoms = metric.geometry.to_numpy()
        metric_zones = to_metric(zones, crs=metric.crs).geometry.to_numpy()
    type_mask = (zones["type"].astype(str) == zone_type).to_numpy()
    pieces = disjoint_zones(metric_zones[type_mask])
    if areas is None:
        areas = shapely.area(metric_geoms)
    carrier_idx, zone_idx, overlap = _overlap_areas(metric_geoms, areas, pieces, exact=mode == "area")
    outside = len(groups) - 1
    if mode == "largest":
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
        return _wholly(group, groups)
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
    with_rest = rest > _SHARE_EPS
    row_carrier = np.r_[carrier_idx, carrier_idx[starts][with_rest]]
    row_group = np.r_[zone_idx, np.full(int(with_rest.sum()), outside, dtype=np.int64)]
    row_share = np.r_[share, rest[with_rest]]
    keep = row_share > _SHARE_EPS
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


def _group_names(zones: pd.DataFrame, by: str, groups: list[str]) -> list[tuple[str, str]]:
    if by == "status":
        return [STATUS_NAMES[g] for g in groups]
    named = zones.set_index(zones["id"].astype(str))
    kind_zh = {"pole": "增长极", "belt": "发展带"}.get(by, by)
    outside = (_OUTSIDE_NAMES[0].format(kind=kind_zh), _OUTSIDE_NAMES[1].format(kind=by))
    return [outside if g == OUTSIDE else (str(named.at[g, "name_zh"]), str(named.at[g, "name_en"])) for g in groups]


def _by_status(carriers: pd.DataFrame) -> _Membership:
    """Each carrier wholly in the group of its status."""
    groups = list(STATUSES)
    status_group = pd.Index(groups).get_indexer(carriers["status"].astype(str))
    if (status_group < 0).any():
        unknown = sorted(set(carriers["status"].astype(str)) - set(groups))
        raise ValueError(f"unknown status value(s) {', '.join(unknown)}; use one of: {', '.join(groups)}")
    return _wholly(status_group.astype(np.int64), groups)


def _declared_figures(zones: pd.DataFrame, by: str, groups: list[str]) -> list[int | None]:
    """The plan's declared figure per group (None for outside, status groups and unknowns)."""
    if by == "status":
        return [None] * len(groups)
    by_id = dict(zip(zones["id"].astype(str), pd.Series(zones["declared_floor_area_m2"]).astype("Int64"), strict=True))
    return [None if g == OUTSIDE or pd.isna(by_id[g]) else int(by_id[g]) for g in groups]


def summarize(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    by: str = "pole",
    mode: Mode = "declared",
    year: int | None = None,
) -> pd.DataFrame:
    """Floor area per group, with unknowns, declared figures, land area and FAR.

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

    Returns
    -------
    DataFrame
        One row per group (zones of the type in file order, or the statuses), then ``__outside__``
        (zone types only) and ``__total__``, with the columns of ``SUMMARY_COLUMNS``. Figures are
        whole m² (Int64); groups plus outside add up exactly to the total. ``unknown_ids`` names
        the members whose figure is unknown (rule 2); ``difference_m2`` is itemized minus declared;
        ``land_m2`` is the outline area of top-level carriers (children lie within their parent)
        and ``far`` is ``total_m2 / land_m2``.
    """
    types = zone_types(zones)
    if by != "status" and by not in types:
        choices = ", ".join([*types, "status"]) or "status"
        raise ValueError(f"cannot group by {by!r}: the zones have no zones of that type; use one of: {choices}")
    contrib = contributions(carriers, year=year)
    # Land area always comes from the outlines, so they are projected once, whatever the mode.
    metric = to_metric(carriers)
    metric_geoms = metric.geometry.to_numpy()
    areas = shapely.area(metric_geoms)
    metric_zones = None
    if by != "status" and mode != "declared":
        metric_zones = to_metric(zones, crs=metric.crs).geometry.to_numpy()
    n = len(carriers)
    if by == "status":
        membership = _by_status(carriers)
    else:
        membership = _membership(
            carriers, zones, zone_type=by, mode=mode, metric_geoms=metric_geoms, metric_zones=metric_zones, areas=areas
        )
    groups = membership.groups
    land_whole = np.where(contrib.top, np.rint(areas), 0).astype(np.int64)
    n_groups = len(groups)
    bins = np.where(membership.whole >= 0, membership.whole, n_groups)
    existing, planned, land = (
        _group_sums(values, membership, bins) for values in (contrib.existing, contrib.planned, land_whole)
    )
    members = np.bincount(bins, minlength=n_groups + 1)[:n_groups] + np.bincount(membership.group, minlength=n_groups)
    total_unknown = contrib.unknown
    unknown_ids, unknown_count, total_unknown_ids = _unknowns(carriers["id"], total_unknown, membership)

    names = _group_names(zones, by, groups)
    declared = _declared_figures(zones, by, groups)

    table = pd.DataFrame(
        {
            "group_id": groups,
            "name_zh": [zh for zh, _ in names],
            "name_en": [en for _, en in names],
            "existing_m2": existing,
            "planned_m2": planned,
            "total_m2": existing + planned,
            "unknown_count": unknown_count,
            "unknown_ids": unknown_ids,
            "declared_m2": pd.array(declared, dtype="Int64"),
            "land_m2": land,
            "member_count": members,
        }
    )
    total = {
        "group_id": TOTAL,
        "name_zh": _TOTAL_NAMES[0],
        "name_en": _TOTAL_NAMES[1],
        "existing_m2": int(contrib.existing.sum()),
        "planned_m2": int(contrib.planned.sum()),
        "total_m2": int(contrib.total.sum()),
        "unknown_count": int(total_unknown.sum()),
        "unknown_ids": total_unknown_ids,
        "declared_m2": pd.NA,
        "land_m2": int(land_whole.sum()),
        "member_count": n,
    }
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    for column in ("existing_m2", "planned_m2", "total_m2", "declared_m2", "land_m2"):
        table[column] = table[column].astype("Int64")
    for column in ("unknown_count", "member_count"):
        table[column] = table[column].astype(np.int64)
    table["difference_m2"] = (table["total_m2"] - table["declared_m2"]).astype("Int64")
    land_float = table["land_m2"].astype("float64")
    table["far"] = (table["total_m2"].astype("float64") / land_float.where(land_float > 0)).astype("float64")
    table["name_zh"] = table["name_zh"].astype(object)
    table["name_en"] = table["name_en"].astype(object)
    table["group_id"] = table["group_id"].astype(object)
    table["unknown_ids"] = table["unknown_ids"].astype(object)
    return table[list(SUMMARY_COLUMNS)]
