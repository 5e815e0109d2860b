"""Tables with coordinates: CSV and XLSX read as text, and their geometry columns found.

Cells are read as text (XLSX with the values Excel stored, no formula is ever evaluated here), so a
cell that starts with ``= + - @`` comes back as that same text; the exporters keep it text too.
Geometry comes from a WKT (or EWKT, or GeoJSON) column, or from a longitude/latitude pair; points
are not carriers or zones, so a lon/lat table is read and then every row is rejected with a reason.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo.io._readbase import Limits, Note

__all__ = [
    "GeometrySpec",
    "find_geometry",
    "parse_geometry",
    "read_csv_text",
    "read_xlsx",
    "unique_names",
    "xlsx_sheets",
]

_WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "图形", "空间信息", "边界", "范围", "wkt_geom")
_LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "东经", "x", "point_x", "x坐标", "横坐标")
_LAT_NAMES = ("lat", "latitude", "纬度", "北纬", "y", "point_y", "y坐标", "纵坐标")
_WKT_RE = re.compile(r"^\s*(SRID=\d+\s*;\s*)?(MULTI)?(POLYGON|POINT|LINESTRING|GEOMETRYCOLLECTION)\b", re.I)
_SRID_RE = re.compile(r"^\s*SRID=(\d+)\s*;", re.I)
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


@dataclass(frozen=True)
class GeometrySpec:
    """Where a table keeps its geometry: one text column, or a lon/lat pair."""

    kind: str  # 'wkt', 'geojson' or 'lonlat'
    columns: tuple[str, ...]

    def describe(self) -> str:
        """Human wording: ``WKT column 'geom'`` or ``lon/lat columns '经度', '纬度'``."""
        if self.kind == "lonlat":
            return f"lon/lat columns {self.columns[0]!r}, {self.columns[1]!r}"
        return f"{self.kind.upper()} column {self.columns[0]!r}"

    def describe_zh(self) -> str:
        """The same in Chinese."""
        if self.kind == "lonlat":
            return f"经纬度列 {self.columns[0]!r}、{self.columns[1]!r}"
        return f"{self.kind.upper()} 列 {self.columns[0]!r}"


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique and non-empty (``名称``, ``名称_2``, ``column_3``)."""
    out: list[str] = []
    for i, raw in enumerate(names):
        base = raw.strip() or f"column_{i + 1}"
        name, n = base, 2
        while name in out:
            name, n = f"{base}_{n}", n + 1
        out.append(name)
    return out


def read_csv_text(text: str, limits: Limits) -> pd.DataFrame:
    """A CSV (or TSV, or ``;``-separated) table as text cells; empty cells are None."""
    # Lines end in \r\n, \n or a lone \r, as the csv module reads them: count all three.
    if text.count("\n") + text.count("\r") - text.count("\r\n") > limits.max_features + 1:
        raise ValueError(f"too many rows: more than {limits.max_features}")
    first = re.split(r"\r\n|\r|\n", text[: 1 << 20], maxsplit=1)[0]
    sep = max([",", ";", "\t", "|"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("the table is empty") from None
    if len(header) > limits.max_columns:
        raise ValueError(f"too many columns: {len(header)}, more than {limits.max_columns}")
    columns = unique_names(header)
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if any(cell.strip() for cell in row[len(columns) :]):
            raise ValueError(f"line {number} has {len(row)} cells but the header has {len(columns)}")
        cells = row[: len(columns)]
        rows.append(cells + [""] * (len(columns) - len(cells)))
        if len(rows) > limits.max_features:
            raise ValueError(f"too many rows: more than {limits.max_features}")
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame.map(lambda v: None if v is None or str(v).strip() == "" else v)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def xlsx_sheets(data: bytes) -> list[str]:
    """Sheet names, in workbook order."""
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy, only for spreadsheets

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()


#: Empty rows a sheet may hold between and around its data (a sheet can declare 30 million).
EMPTY_ROWS_ALLOWED = 100_000


def _trimmed(values: tuple[object, ...], width: int) -> list[str | None]:
    """A row's cells as text, at most ``width``, without the empty cells at its end."""
    cells = [_cell_text(v) for v in values[:width]]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def read_xlsx(data: bytes, sheet: str, limits: Limits) -> tuple[pd.DataFrame, list[Note]]:
    """One sheet as text cells (first non-empty row is the header), plus openpyxl's warnings.

    The sheet's declared dimension is not trusted: it is dropped, so that rows are read as the
    sheet holds them, and a sheet with more than :data:`EMPTY_ROWS_ALLOWED` empty rows (declared
    or real) is refused instead of walked row by row.
    """
    from openpyxl import load_workbook  # noqa: PLC0415 - heavy, only for spreadsheets

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            worksheet = book[sheet]
            if hasattr(worksheet, "reset_dimensions"):
                worksheet.reset_dimensions()  # read what is there, not the A1:Z30000000 it claims
            header: list[str] | None = None
            rows: list[list[str | None]] = []
            empty = 0
            for values in worksheet.iter_rows(values_only=True):
                if not values or values.count(None) == len(values):
                    empty += 1
                    if empty > EMPTY_ROWS_ALLOWED:
                        raise ValueError(
                            f"too many rows: more than {EMPTY_ROWS_ALLOWED:,} empty rows (the sheet declares "
                            "rows it does not fill); delete the empty rows below the table and save it again"
                        )
                    continue
                cells = _trimmed(values, limits.max_columns)
                if not cells:
                    empty += 1
                    continue
                if header is None:
                    header = [c or "" for c in cells]
                    continue
                rows.append(cells)
                if len(rows) > limits.max_features:
                    raise ValueError(f"too many rows: more than {limits.max_features}")
        finally:
            book.close()
    notes = [Note(f"spreadsheet: {w.message}", f"表格：{w.message}") for w in caught]
    if header is None:
        raise ValueError(f"sheet {sheet!r} is empty")
    used = max((len(r) for r in rows), default=0)  # no column beyond this holds a value
    header += [""] * (used - len(header))
    while header and not header[-1] and len(header) > used:
        header.pop()
    columns = unique_names(header)
    width = len(columns)
    rows = [(r + [None] * width)[:width] for r in rows]
    return pd.DataFrame(rows, columns=columns, dtype=object), notes


def _norm(name: str) -> str:
    return re.sub(r"[\s_()（）\[\]°]", "", name.casefold())


def find_geometry(frame: pd.DataFrame) -> list[GeometrySpec]:
    """Geometry columns, best first: WKT/GeoJSON columns whose values parse, then lon/lat pairs."""
    found: list[GeometrySpec] = []
    for column in frame.columns:
        values = frame[column].dropna().astype(str).head(20)
        if values.empty:
            continue
        if values.map(lambda v: bool(_WKT_RE.match(v))).mean() >= 0.5:
            found.append(GeometrySpec("wkt", (column,)))
        elif values.map(lambda v: v.lstrip().startswith("{") and '"coordinates"' in v).mean() >= 0.5:
            found.append(GeometrySpec("geojson", (column,)))
    found.sort(
        key=lambda s: (
            0 if _norm(s.columns[0]) in {_norm(n) for n in _WKT_NAMES} else 1,
            0 if frame[s.columns[0]].dropna().astype(str).str.contains("POLYGON", case=False).any() else 1,
        )
    )
    lons = [c for c in frame.columns if _norm(c) in {_norm(n) for n in _LON_NAMES}]
    lats = [c for c in frame.columns if _norm(c) in {_norm(n) for n in _LAT_NAMES}]
    if lons and lats:
        found.append(GeometrySpec("lonlat", (lons[0], lats[0])))
    return found


def _parse_lonlat(frame: pd.DataFrame, spec: GeometrySpec, geoms: np.ndarray, errors: dict[int, Note]) -> None:
    lon_col, lat_col = spec.columns
    for i, (lon, lat) in enumerate(zip(frame[lon_col].tolist(), frame[lat_col].tolist(), strict=True)):
        if lon is None and lat is None:
            continue
        try:
            geoms[i] = shapely.Point(float(str(lon).strip()), float(str(lat).strip()))
        except (TypeError, ValueError):
            errors[i] = Note(f"coordinates {lon!r}, {lat!r} are not numbers", f"坐标 {lon!r}, {lat!r} 不是数字")


#: Bracket nesting a geometry text may have: a collection of multipolygons nests 4 deep in WKT and 6 in
#: GeoJSON; a decoder recurses once per level, and 100,000 levels overflow a native stack.
MAX_TEXT_NESTING = 32


def _nesting(text: str) -> int:
    """The deepest bracket nesting of a geometry text (vectorised; no parser involved)."""
    codes = np.frombuffer(text.encode("utf-8", errors="ignore"), dtype=np.uint8)
    step = np.isin(codes, _OPENING).astype(np.int32) - np.isin(codes, _CLOSING)
    return int(np.cumsum(step).max(initial=0))


class _TooDeepError(ValueError):
    pass


_TOO_DEEP = Note(
    f"geometry text nested more than {MAX_TEXT_NESTING} levels deep (collections inside collections): refused "
    "before parsing; simplify it to polygons in your GIS",
    f"几何文本嵌套超过 {MAX_TEXT_NESTING} 层(集合套集合)：未解析即拒绝；请在 GIS 中简化为多边形",
)
_OPENING = np.frombuffer(b"([{", dtype=np.uint8)
_CLOSING = np.frombuffer(b")]}", dtype=np.uint8)


def _parse_text(kind: str, text: str, srids: set[int]) -> tuple[object | None, bool]:
    """One WKT/EWKT/GeoJSON cell: the geometry (None if unreadable) and whether a ring was closed.

    Raises ValueError for a text nested deeper than :data:`MAX_TEXT_NESTING`, before any parser sees it.
    """
    if text.count("(") + text.count("[") > MAX_TEXT_NESTING and _nesting(text) > MAX_TEXT_NESTING:
        raise _TooDeepError
    if kind == "geojson":
        return shapely.from_geojson(text, on_invalid="ignore"), False
    match = _SRID_RE.match(text)
    if match:
        srids.add(int(match.group(1)))
        text = text[match.end() :]
    geom = shapely.from_wkt(text, on_invalid="ignore")
    if geom is not None:
        return geom, False
    geom = shapely.from_wkt(text, on_invalid="fix")
    return geom, geom is not None


def parse_geometry(
    frame: pd.DataFrame, spec: GeometrySpec
) -> tuple[np.ndarray, dict[int, Note], dict[int, Note], int | None]:
    """Geometries for every row (None where empty), why rows failed, what was fixed, the EWKT SRID.

    Raises ValueError when the EWKT rows declare different SRIDs.
    """
    geoms = np.full(len(frame), None, dtype=object)
    errors: dict[int, Note] = {}
    fixes: dict[int, Note] = {}
    if spec.kind == "lonlat":
        _parse_lonlat(frame, spec, geoms, errors)
        return geoms, errors, fixes, None
    srids: set[int] = set()
    for i, value in enumerate(frame[spec.columns[0]].tolist()):
        if value is None:
            continue
        text = str(value).strip()
        try:
            geom, closed = _parse_text(spec.kind, text, srids)
        except _TooDeepError:
            errors[i] = _TOO_DEEP
            continue
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            errors[i] = Note(f"geometry text unreadable: {str(exc)[:200]}", f"几何文本无法解析：{str(exc)[:200]}")
            continue
        if geom is None:
            errors[i] = Note(f"geometry text unreadable: {text[:60]!r}", f"几何文本无法解析：{text[:60]!r}")
            continue
        if closed:
            fixes[i] = Note("ring was not closed: closed it", "环未闭合：已闭合")
        geoms[i] = geom
    if len(srids) > 1:
        raise ValueError(f"the rows declare different SRIDs ({', '.join(map(str, sorted(srids)))})")
    return geoms, errors, fixes, (srids.pop() if srids else None)


def count_text_vertices(values: list[str | None]) -> int:
    """An upper bound on the vertices in WKT/GeoJSON texts (numbers / 2), without parsing."""
    return sum(len(_NUMBER_RE.findall(v)) for v in values if v) // 2
