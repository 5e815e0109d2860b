"""The data contract: fields of carriers, zones and sources, and their validation.

Every problem in a file is collected and reported at once, each naming the row (by id where it has
one) and saying how to fix it. A file with any problem never yields a partial result: callers get
a :class:`DataError` carrying the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "CARRIER_FIELDS",
    "CARRIER_INT_FIELDS",
    "SOURCE_FIELDS",
    "SOURCE_FIGURE_FIELDS",
    "STATUSES",
    "ZONE_FIELDS",
    "DataError",
    "Field",
    "Problem",
    "normalize_carriers",
    "normalize_zones",
    "split_ids",
    "validate_carriers",
    "validate_zones",
]

STATUSES: tuple[str, ...] = ("existing", "under_construction", "planned")
OUTSIDE = "__outside__"
TOTAL = "__total__"

Kind = Literal["text", "int", "ids"]


@dataclass(frozen=True)
class Field:
    """One attribute of the contract: its name, kind, and whether a row may leave it empty."""

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    doc: str = ""


CARRIER_FIELDS: tuple[Field, ...] = (
    Field("id", "text", doc="stable unique slug"),
    Field("name_zh", "text"),
    Field("name_en", "text"),
    Field("kind", "text", doc="tower, campus, park, town, renewal_area, building, ..."),
    Field("parent_id", "text", nullable=True, doc="the carrier whose figure already includes this one"),
    Field("zone_ids", "ids", nullable=True, doc="zones this carrier belongs to by plan, ';'-separated"),
    Field("floor_area_existing_m2", "int", nullable=True, doc="floor area in use, m²"),
    Field("floor_area_planned_m2", "int", nullable=True, doc="additional floor area planned, m²"),
    Field("planned_year", "int", nullable=True),
    Field("opened_year", "int", nullable=True),
    Field("status", "text", doc="existing, under_construction or planned"),
    Field("site_area_m2", "int", required=False, nullable=True, doc="declared land area, m²"),
    Field("geometry_accuracy_m", "int", doc="how far the drawn outline may be from the real one"),
    Field("source_ids", "ids", nullable=True, doc="';'-separated ids into the sources table"),
)

ZONE_FIELDS: tuple[Field, ...] = (
    Field("id", "text"),
    Field("name_zh", "text"),
    Field("name_en", "text"),
    Field("type", "text", doc="pole, belt, or another layout's word"),
    Field("layout", "text", nullable=True, doc="e.g. 两极两带"),
    Field("declared_floor_area_m2", "int", nullable=True, doc="the plan's own figure for the zone, m²"),
    Field("source_ids", "ids", nullable=True),
    Field("geometry_accuracy_m", "int"),
)

SOURCE_FIELDS: tuple[str, ...] = ("id", "document", "line", "quote", "value", "unit", "note")
# Optional: which contract field a figure speaks to (floor_area_existing_m2, floor_area_planned_m2,
# floor_area_total_m2 = existing + planned, site_area_m2, declared_floor_area_m2), so conflicting
# figures are found by comparing like with like.
SOURCE_FIGURE_FIELDS: tuple[str, ...] = (
    "floor_area_existing_m2",
    "floor_area_planned_m2",
    "floor_area_total_m2",
    "site_area_m2",
    "declared_floor_area_m2",
)

CARRIER_INT_FIELDS: tuple[str, ...] = tuple(f.name for f in CARRIER_FIELDS if f.kind == "int")
ZONE_INT_FIELDS: tuple[str, ...] = tuple(f.name for f in ZONE_FIELDS if f.kind == "int")

# Years outside this range are almost always a typo (a floor area in the year column, say).
_YEAR_RANGE = (1900, 2100)
# Floor areas above this (1,000 km² of floor) are a unit error (mm², or 万㎡ × 10⁴ twice).
_MAX_AREA_M2 = 10**12


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and how to fix it."""

    where: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" + (f" — {self.fix}" if self.fix else "")


@dataclass
class DataError(ValueError):
    """An input that breaks the data contract; ``problems`` lists every finding."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{self.source}: {len(self.problems)} problem(s) found; nothing was loaded."
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def split_ids(value: object) -> list[str]:
    """Split a ``;``-separated id list, dropping blanks.

    >>> split_ids("pole_a; belt_b;;")
    ['pole_a', 'belt_b']
    >>> split_ids(None)
    []
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _as_int(value: object) -> int | None:
    """The whole number a cell holds, or None if empty; raises ValueError for anything else."""
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError("a true/false value is not a number")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    text = str(value).strip().replace(",", "").replace("_", "")
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        number = float(text)  # raises ValueError with the text for non-numbers
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number") from None
        return int(number)


def _row_label(frame: pd.DataFrame, position: int) -> str:
    if "id" in frame.columns:
        value = frame["id"].iloc[position]
        if not _is_missing(value) and str(value).strip():
            return f"row {position + 1} (id {str(value).strip()!r})"
    return f"row {position + 1}"


def _check_fields(frame: gpd.GeoDataFrame, fields: tuple[Field, ...], problems: list[Problem]) -> None:
    for spec in fields:
        if spec.name not in frame.columns:
            if spec.required:
                problems.append(
                    Problem(
                        "columns",
                        f"the required field {spec.name!r} is missing",
                        f"add a {spec.name!r} property to every feature ({spec.doc or spec.kind})",
                    )
                )
            continue
        column = frame[spec.name]
        for position, value in enumerate(column.tolist()):
            where = f"{_row_label(frame, position)}, field {spec.name!r}"
            if _is_missing(value) or (spec.kind != "int" and str(value).strip() == ""):
                if not spec.nullable:
                    problems.append(Problem(where, "is empty", f"give it a value ({spec.doc or spec.kind})"))
                continue
            if spec.kind == "int":
                try:
                    number = _as_int(value)
                except ValueError as exc:
                    problems.append(
                        Problem(
                            where,
                            f"{value!r} is not a whole number ({exc})",
                            "write whole square metres or years as integers",
                        )
                    )
                    continue
                if number is None and not spec.nullable:
                    problems.append(Problem(where, "is empty", "give it a whole number"))
                elif number is not None and number < 0:
                    problems.append(Problem(where, f"{number} is negative", "areas and years are ≥ 0"))
                elif (
                    number is not None
                    and spec.name.endswith("_year")
                    and not (_YEAR_RANGE[0] <= number <= _YEAR_RANGE[1])
                ):
                    problems.append(
                        Problem(
                            where,
                            f"{number} is not a plausible year",
                            f"use a year between {_YEAR_RANGE[0]} and {_YEAR_RANGE[1]}",
                        )
                    )
                elif number is not None and spec.name.endswith("_m2") and number > _MAX_AREA_M2:
                    problems.append(
                        Problem(
                            where,
                            f"{number} m² is implausibly large",
                            "check the unit: the contract wants whole m² (1 万㎡ = 10,000)",
                        )
                    )


def _check_ids(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if "id" not in frame.columns:
        return
    ids = frame["id"].map(lambda v: None if _is_missing(v) else str(v).strip())
    duplicated = ids[ids.notna() & ids.duplicated(keep=False)]
    for value in sorted(set(duplicated)):
        rows = ", ".join(str(i + 1) for i in np.flatnonzero((ids == value).to_numpy()))
        problems.append(
            Problem(f"id {value!r}", f"is used by more than one row (rows {rows})", "give every feature its own id")
        )
    for reserved in (OUTSIDE, TOTAL):
        if (ids == reserved).any():
            problems.append(Problem(f"id {reserved!r}", "is reserved for summary rows", "rename the feature"))


def _check_geometry(frame: gpd.GeoDataFrame, problems: list[Problem]) -> None:
    if frame.crs is None:
        problems.append(
            Problem(
                "CRS",
                "the file declares no coordinate reference system",
                "save it as GeoJSON (WGS-84) or set the CRS in your GIS before exporting",
            )
        )
    elif not frame.crs.is_geographic or frame.crs.to_epsg() not in (4326, 4490, None):
        problems.append(
            Problem(
                "CRS",
                f"coordinates are in {frame.crs.name}, not WGS-84 longitude/latitude",
                "reproject to EPSG:4326 (or load it through geo.reader, which converts)",
            )
        )
    geoms = frame.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    for position, geom in enumerate(geoms):
        where = f"{_row_label(frame, position)}, geometry"
        if geom is None:
            problems.append(Problem(where, "is missing", "draw the outline as a Polygon or MultiPolygon"))
        elif shapely.is_empty(geom):
            problems.append(Problem(where, "is empty", "draw the outline as a Polygon or MultiPolygon"))
        elif kinds[position] not in (3, 6):
            problems.append(
                Problem(
                    where,
                    f"is a {geom.geom_type}, not a polygon",
                    "carriers and zones are areas: give each a Polygon or MultiPolygon",
                )
            )
        elif not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            problems.append(
                Problem(
                    where,
                    f"is invalid ({reason})",
                    "repair it (e.g. shapely.make_valid or your GIS's 'fix geometries')",
                )
            )
    if frame.crs is not None and frame.crs.is_geographic and len(frame):
        finite = frame.geometry[~frame.geometry.is_empty & frame.geometry.notna()]
        if len(finite):
            minx, miny, maxx, maxy = finite.total_bounds
            if min(minx, miny) < -180 or maxx > 180 or maxy > 90 or miny < -90:
                problems.append(
                    Problem(
                        "coordinates",
                        f"values up to ({maxx:.0f}, {maxy:.0f}) are not degrees",
                        "these look like projected metres: declare their real CRS and reproject to EPSG:4326",
                    )
                )


def _check_status(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if "status" not in frame.columns:
        return
    for position, value in enumerate(frame["status"].tolist()):
        if _is_missing(value) or str(value).strip() == "":
            continue
        if str(value).strip() not in STATUSES:
            problems.append(
                Problem(
                    f"{_row_label(frame, position)}, field 'status'",
                    f"{value!r} is not a known status",
                    f"use one of: {', '.join(STATUSES)}",
                )
            )


def _parents(frame: pd.DataFrame) -> dict[str, str]:
    out: dict[str, str] = {}
    for child, parent in zip(frame["id"].tolist(), frame["parent_id"].tolist(), strict=True):
        if not _is_missing(child) and not _is_missing(parent) and str(parent).strip():
            out[str(child).strip()] = str(parent).strip()
    return out


def _check_parents(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if "id" not in frame.columns or "parent_id" not in frame.columns:
        return
    ids = {str(v).strip() for v in frame["id"].tolist() if not _is_missing(v)}
    parents = _parents(frame)
    for child, parent in parents.items():
        if parent == child:
            problems.append(Problem(f"carrier {child!r}", "is its own parent", "clear its parent_id"))
        elif parent not in ids:
            problems.append(
                Problem(
                    f"carrier {child!r}",
                    f"names an unknown parent_id {parent!r}",
                    "use the id of another carrier in the same file, or leave it empty",
                )
            )
    reported: set[str] = set()
    for start in parents:
        seen = [start]
        node = start
        while node in parents:
            node = parents[node]
            if node == start and len(seen) > 1:
                cycle = " → ".join([*seen, start])
                if not reported.intersection(seen):
                    problems.append(
                        Problem(
                            f"carrier {start!r}",
                            f"parent_id forms a cycle ({cycle})",
                            "break the cycle: a carrier cannot contain its own ancestor",
                        )
                    )
                reported.update(seen)
                break
            if node in seen:
                break
            seen.append(node)


def _check_zone_refs(frame: pd.DataFrame, zone_ids: set[str] | None, problems: list[Problem]) -> None:
    if zone_ids is None or "zone_ids" not in frame.columns:
        return
    for position, value in enumerate(frame["zone_ids"].tolist()):
        unknown = [z for z in split_ids(value) if z not in zone_ids]
        if unknown:
            problems.append(
                Problem(
                    f"{_row_label(frame, position)}, field 'zone_ids'",
                    f"names unknown zone(s) {', '.join(map(repr, unknown))}",
                    "use ids from the zones file, separated by ';'",
                )
            )


def _check_source_refs(frame: pd.DataFrame, source_ids: set[str] | None, problems: list[Problem]) -> None:
    if source_ids is None or "source_ids" not in frame.columns:
        return
    for position, value in enumerate(frame["source_ids"].tolist()):
        unknown = [s for s in split_ids(value) if s not in source_ids]
        if unknown:
            problems.append(
                Problem(
                    f"{_row_label(frame, position)}, field 'source_ids'",
                    f"cites unknown source(s) {', '.join(map(repr, unknown))}",
                    "add them to the sources table or correct the ids",
                )
            )


def validate_carriers(
    frame: gpd.GeoDataFrame,
    *,
    zone_ids: set[str] | None = None,
    source_ids: set[str] | None = None,
) -> list[Problem]:
    """Every way ``frame`` breaks the carriers contract (empty list when it is sound)."""
    problems: list[Problem] = []
    _check_fields(frame, CARRIER_FIELDS, problems)
    _check_ids(frame, problems)
    _check_status(frame, problems)
    _check_parents(frame, problems)
    _check_zone_refs(frame, zone_ids, problems)
    _check_source_refs(frame, source_ids, problems)
    _check_geometry(frame, problems)
    return problems


def validate_zones(frame: gpd.GeoDataFrame, *, source_ids: set[str] | None = None) -> list[Problem]:
    """Every way ``frame`` breaks the zones contract (empty list when it is sound)."""
    problems: list[Problem] = []
    _check_fields(frame, ZONE_FIELDS, problems)
    _check_ids(frame, problems)
    _check_source_refs(frame, source_ids, problems)
    _check_geometry(frame, problems)
    return problems


def _normalize(frame: gpd.GeoDataFrame, fields: tuple[Field, ...]) -> gpd.GeoDataFrame:
    out = frame.copy()
    for spec in fields:
        if spec.name not in out.columns:
            out[spec.name] = pd.Series(pd.NA, index=out.index, dtype="Int64" if spec.kind == "int" else object)
            continue
        if spec.kind == "int":
            out[spec.name] = pd.array([_as_int(v) for v in out[spec.name].tolist()], dtype="Int64")
        else:
            out[spec.name] = [
                None if _is_missing(v) or str(v).strip() == "" else str(v).strip() for v in out[spec.name].tolist()
            ]
            out[spec.name] = out[spec.name].astype(object)
    if out.crs is not None and out.crs.to_epsg() != 4326 and out.crs.is_geographic:
        # CGCS2000 (EPSG:4490) agrees with WGS-84 to well under a metre: relabel, don't shift.
        out = out.set_crs(4326, allow_override=True)
    ordered = [f.name for f in fields]
    extra = [c for c in out.columns if c not in ordered and c != out.geometry.name]
    return out[[*ordered, *extra, out.geometry.name]].reset_index(drop=True)


def normalize_carriers(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Carriers with contract dtypes: Int64 figures, stripped text, None for empty, EPSG:4326.

    Call only on a frame that :func:`validate_carriers` passed.
    """
    return _normalize(frame, CARRIER_FIELDS)


def normalize_zones(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Zones with contract dtypes; call only on a frame that :func:`validate_zones` passed."""
    return _normalize(frame, ZONE_FIELDS)
