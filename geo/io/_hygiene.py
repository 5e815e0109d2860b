"""Geometry hygiene, with a ledger: nothing is dropped or changed without a listed reason.

Null and empty geometries are dropped; Z is dropped (a note for the file when every height is 0,
a per-row change otherwise); non-polygons are rejected; GeometryCollections keep their polygonal
parts; invalid polygons are repaired with ``make_valid(method="structure")`` keeping the polygonal
parts, so a bowtie becomes two triangles, not zero area.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from geo.io._readbase import Action, Finding, Note
from geo.io._sources import Raw

__all__ = ["Ledger", "clean", "clean_checked", "is_valid", "polygonal", "repair", "row_ids"]


def polygonal(geom: Any) -> tuple[Any, list[str]]:
    """The polygonal parts of ``geom`` (None if none) and the kinds of the parts left out."""
    if geom is None or geom.is_empty:
        return None, []
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        return geom, []
    if kind == "GeometryCollection":
        polys: list[Any] = []
        dropped: list[str] = []
        for part in shapely.get_parts(geom):
            sub, lost = polygonal(part)
            dropped.extend(lost)
            if sub is not None:
                polys.extend(shapely.get_parts(sub))
            elif not part.is_empty and part.geom_type not in ("Polygon", "MultiPolygon"):
                dropped.append(part.geom_type)
        if not polys:
            return None, dropped
        return (polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)), dropped
    return None, [kind]


_ZH_KIND = {
    "Point": "点",
    "MultiPoint": "多点",
    "LineString": "线",
    "MultiLineString": "多线",
    "LinearRing": "环",
    "GeometryCollection": "几何集合",
}


def row_ids(cells: Any) -> list[str | None]:
    """Each row's id as the report names it: the cell as text, None where it is missing (None or NaN).

    ``cells`` is the id column (a Series, an array or a list), or None when the layer has no id column.
    """
    if cells is None:
        return []
    values = cells.tolist() if hasattr(cells, "tolist") else list(cells)
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]


@dataclass
class Ledger:
    """Findings and rejected rows, as the pipeline goes.

    ``ids`` is the id column (see :func:`row_ids`), or None when the layer has none: its cells are
    made text only when a row's first finding is added, so a layer with nothing to report pays nothing.
    """

    ids: Any = None
    report: list[Finding] = field(default_factory=list)
    out: dict[int, tuple[Action, Note]] = field(default_factory=dict)  # rows not loaded
    _names: list[str | None] | None = field(default=None, repr=False)

    def row_id(self, i: int) -> str | None:
        """Row ``i``'s id as text (None when the layer has no id column or the cell is missing)."""
        if self._names is None:
            self._names = row_ids(self.ids)
        return self._names[i] if self._names else None

    def add(self, i: int | None, action: Action, note: Note) -> None:
        row_id = self.row_id(i) if i is not None else None
        self.report.append(Finding(None if i is None else i + 1, row_id, action, note.en, note.zh))
        if i is not None and action in ("dropped", "rejected"):
            self.out[i] = (action, note)


def _drop_z(i: int, geom: Any, ledger: Ledger) -> bool:
    """Report a dropped Z on row ``i``; True when every height was 0 (nothing lost: no row finding)."""
    heights = shapely.get_coordinates(geom, include_z=True)[:, 2]
    if np.all((heights == 0) | np.isnan(heights)):
        return True  # KML's ",0" altitude
    low, high = np.nanmin(heights), np.nanmax(heights)
    ledger.add(i, "changed", Note(f"Z (height, {low:g}…{high:g}) dropped", f"已去掉 Z(高度 {low:g}…{high:g})坐标"))
    return False


def _not_polygon(i: int, geom: Any, lost: list[str], ledger: Ledger) -> None:
    kinds = sorted(set(lost)) or [geom.geom_type]
    ledger.add(
        i,
        "rejected",
        Note(
            f"{', '.join(kinds)} is not a polygon: carriers and zones are areas; draw the outline as a Polygon",
            f"{'、'.join(_ZH_KIND.get(k, k) for k in kinds)}不是多边形：载体和片区是面，请绘制为多边形轮廓",
        ),
    )


def is_valid(geoms: np.ndarray) -> npt.NDArray[np.bool_]:
    """``shapely.is_valid`` of every row (False for None), on two threads for a large layer.

    GEOS releases Python's lock while it checks outlines: a million footprints take 0.55 s on one
    core and 0.33 s on two.
    """
    if len(geoms) < _THREADED_FROM or (os.cpu_count() or 1) < 2:
        return np.asarray(shapely.is_valid(geoms), dtype=bool)
    halves = np.array_split(geoms, 2)
    with ThreadPoolExecutor(2) as pool:
        return np.concatenate(list(pool.map(shapely.is_valid, halves))).astype(bool)


_THREADED_FROM = 100_000


def _non_finite(geoms: np.ndarray, suspects: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
    """Which rows hold a NaN or infinite x or y, looking only at the rows in ``suspects``."""
    found = np.zeros(len(geoms), dtype=bool)
    if len(suspects):
        coords, owner = shapely.get_coordinates(geoms[suspects], return_index=True)
        found[suspects[owner[~np.isfinite(coords).all(axis=1)]]] = True
    return found


def clean(geoms: np.ndarray, raw: Raw, ledger: Ledger) -> np.ndarray:
    """Drop empty, reject non-polygons and unreadable, drop Z; returns polygons (None where not kept).

    Vectorised: only rows with something to say are visited one by one.
    """
    return clean_checked(geoms, raw, ledger)[0]


def clean_checked(
    geoms: np.ndarray, raw: Raw, ledger: Ledger
) -> tuple[np.ndarray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """:func:`clean`, with what it learnt on the way, for the steps after it.

    Returns the polygons (None where not kept), their validity (``shapely.is_valid`` of each
    returned geometry; computed once here, for :func:`repair` to reuse) and which rows were
    returned untouched (the very object read, with nothing to report).

    Coordinates are checked for NaN and infinity only in invalid outlines: GEOS counts an outline
    with a non-finite x or y as invalid ("Invalid Coordinate"), so a valid one cannot hold any, and a
    million valid footprints need not be copied out coordinate by coordinate.
    """
    kinds = shapely.get_type_id(geoms)  # -1 for None
    empty = shapely.is_empty(geoms) & (kinds >= 0)
    has_z = shapely.has_z(geoms)
    valid = is_valid(geoms)
    bad_numbers = _non_finite(geoms, np.flatnonzero(~valid & (kinds >= 0) & ~empty))
    plain = np.isin(kinds, (3, 6)) & ~empty & ~has_z & ~bad_numbers  # polygons with nothing to report
    plain[list(raw.unreadable)] = False
    plain[list(raw.fixes)] = False
    out = np.where(plain, geoms, None)
    flat_z = 0
    for i in np.flatnonzero(~plain).tolist():
        for note in raw.fixes.get(i, []):
            ledger.add(i, "repaired", note)
        geom = geoms[i]
        if i in raw.unreadable:
            ledger.add(i, "rejected", raw.unreadable[i])
        elif geom is None:
            ledger.add(i, "dropped", Note("no geometry", "没有几何"))
        elif empty[i]:
            ledger.add(i, "dropped", Note("empty geometry", "几何为空"))
        elif bad_numbers[i]:
            ledger.add(i, "rejected", Note("coordinates hold NaN or infinity", "坐标含 NaN 或无穷大"))
        else:
            if has_z[i]:
                flat_z += _drop_z(i, geom, ledger)
                geom = shapely.force_2d(geom)
            poly, lost = polygonal(geom)
            if poly is None:
                _not_polygon(i, geom, lost, ledger)
                continue
            if lost:
                zh_lost = "、".join(_ZH_KIND.get(k, k) for k in lost)
                ledger.add(
                    i,
                    "changed",
                    Note(
                        f"non-polygon parts removed from the GeometryCollection: {', '.join(lost)}",
                        f"已从几何集合中移除非多边形部分：{zh_lost}",
                    ),
                )
            out[i] = poly
    if flat_z:
        ledger.add(
            None,
            "note",
            Note(
                f"{flat_z} row(s) carried a height of 0 on every vertex; the zeros were dropped",
                f"{flat_z} 行的所有顶点高度均为 0；已去掉该高度",
            ),
        )
    changed = np.flatnonzero(~plain & ~shapely.is_missing(out))  # made 2D or polygonal here: check them anew
    valid = valid & plain
    if len(changed):
        valid[changed] = shapely.is_valid(out[changed])
    return out, valid, plain


def repair(geoms: np.ndarray, ledger: Ledger, *, valid: npt.NDArray[np.bool_] | None = None) -> np.ndarray:
    """make_valid every invalid polygon, keeping its polygonal parts (a bowtie becomes two triangles).

    ``valid``: each row's ``shapely.is_valid``, when already known for these very geometries
    (:func:`clean_checked`); else computed here.
    """
    present = ~shapely.is_missing(geoms)
    if valid is None:
        valid = np.ones(len(geoms), dtype=bool)
        if present.any():
            valid[present] = is_valid(geoms[present])
    else:
        valid = valid | ~present
    for i in np.flatnonzero(~valid):
        geom = geoms[i]
        reason = shapely.is_valid_reason(geom)
        fixed, _ = polygonal(shapely.make_valid(geom, method="structure", keep_collapsed=False))
        if fixed is None or fixed.is_empty or fixed.area == 0:
            ledger.add(
                int(i),
                "rejected",
                Note(
                    f"invalid polygon ({reason}) has no area left after repair", f"无效多边形({reason})修复后面积为零"
                ),
            )
            geoms[i] = None
            continue
        before, after = len(shapely.get_parts(geom)), len(shapely.get_parts(fixed))
        ledger.add(
            int(i),
            "repaired",
            Note(
                f"invalid polygon ({reason}) repaired with make_valid: {before} part(s) → {after} polygon(s)",
                f"无效多边形({reason})已用 make_valid 修复：{before} 个部分 → {after} 个多边形",
            ),
        )
        geoms[i] = fixed
    return geoms
