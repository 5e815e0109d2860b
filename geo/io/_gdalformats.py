"""Formats read through GDAL (pyogrio): GeoJSON, GeoPackage and zipped Shapefile.

pyogrio is imported only after :func:`geo.io._gdal.check_hardened` proves that GDAL can no longer open
VRT, GDALG and other files that read other files or URLs. Before GDAL parses anything, each format
is checked here: GeoJSON ``crs`` members that link to URLs are refused (GDAL would fetch them) and
its vertices counted in the text; GeoPackage views and computed columns are refused (SQL that runs
when read) and blob sizes bound the vertices; Shapefiles are extracted member by member from the
checked zip, counted from their index, and their DBF rewritten as UTF-8 (see :mod:`geo.io._dbf`).
"""

from __future__ import annotations

import json
import re
import sqlite3
import struct
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
from pyproj import CRS

from geo.io import _dbf
from geo.io._archive import SafeZip
from geo.io._gdal import check_hardened, scoped_pyogrio
from geo.io._readbase import EncodingInfo, ErrorCode, Limits, Note, ReadError, fail
from geo.io._sources import (
    ENCODING_CHOICES,
    PREVIEW_ROWS,
    Meta,
    Opened,
    Raw,
    bracket_depth,
    check_counts,
    envelope,
    from_wkb,
    meta_from_raw,
    plain_polygon_wkb,
    preview_frame,
    refuse_type,
    text_head,
    to_utf8,
    too_many,
    user_codec,
)
from geo.io._tabular import unique_names

__all__ = ["GdalFile", "GeoJson", "GeoPackage", "ShapefileZip", "hardened_pyogrio", "raw_read_cells"]

_SOURCE_ZH = {
    "fallback-gb18030": "UTF-8 无效，按 GB18030 读取",
    "detected-utf-8": "检测为 UTF-8",
    "dbf-language-byte": "据 DBF 语言字节",
}
_LETTER_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u00([46][1-9a-fA-F]|[57][0-9aA])")
_GDAL_VIRTUAL = re.compile(rb"gdal_streamed_alg|OGRVRTDataSource|ogrvrtdatasource")
_SAFE_GEOJSON_CRS = re.compile(
    r"^(urn:ogc:def:crs:(EPSG|OGC|ESRI):[\d.]*:\w+|EPSG:\d+|https?://www\.opengis\.net/def/crs/(EPSG|OGC)/[\d.]+/\w+)$",
    re.I,
)


def hardened_pyogrio(source: str) -> Any:
    """pyogrio, once the GDAL hardening is proven in effect."""
    found = check_hardened()
    if found:
        raise fail(
            source,
            "unsafe-gdal",
            "GDAL is not hardened in this process (" + "; ".join(found) + "), "
            "so no file is opened: import geo before anything imports pyogrio, geopandas' readers or "
            "fiona",
            "本进程中 GDAL 未完成安全加固(" + "; ".join(found) + ")，因此不打开任何文件：请确保在导入 "
            "pyogrio 之前先导入 geo",
        )
    return scoped_pyogrio()  # every call runs with GDAL restricted (geo.io._gdal.restricted_gdal)


#: OGR field (type, subtype) pairs whose Arrow cells :func:`raw_read_cells` makes exactly what pyogrio's
#: ``raw.read`` makes of them.
_ARROW_FIELD_TYPES = frozenset(
    {
        ("OFTString", "OFSTNone"),
        ("OFTInteger", "OFSTNone"),
        ("OFTInteger", "OFSTInt16"),
        ("OFTInteger", "OFSTBoolean"),
        ("OFTInteger64", "OFSTNone"),
        ("OFTReal", "OFSTNone"),
        ("OFTReal", "OFSTFloat32"),
    }
)


def raw_read_cells(column: Any) -> Any:
    """An Arrow column of text, integers, booleans or reals as pyogrio's ``raw.read`` gives that column.

    ``raw.read`` gives text as ``str``/``None`` objects (which pandas stores as its text dtype, or as
    objects when every cell is missing), integers and booleans as numbers unless one is missing (then
    floats with NaN), reals as floats with NaN. The same cells come from Arrow's buffers here, with no
    Python object per text cell.
    """
    import pyarrow as pa  # noqa: PLC0415 - only GeoPackage layers come here
    import pyarrow.compute as pc  # noqa: PLC0415

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if len(column) == 0 or column.null_count == len(column):
            return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
        return column.to_pandas().array
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        if column.null_count:
            return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        return column.to_numpy(zero_copy_only=False)
    if pa.types.is_floating(kind):
        return column.to_numpy(zero_copy_only=False)
    raise TypeError(f"no raw.read cells for Arrow type {kind}")


class GdalFile:
    """One GeoJSON or GeoPackage file (or one extracted Shapefile) read through pyogrio."""

    def __init__(self, path: Path, source: str, limits: Limits) -> None:
        self.path = path
        self.source = source
        self.limits = limits
        self.ogr = hardened_pyogrio(source)

    def layers(self) -> list[str]:
        return [str(name) for name, _ in self.ogr.list_layers(self.path)]

    def info(self, layer: str | int) -> dict[str, Any]:
        return self.ogr.read_info(self.path, layer=layer, force_feature_count=True)

    def preview(self, layer: str) -> tuple[pd.DataFrame, np.ndarray]:
        meta, _, wkb, fields = self.ogr.raw.read(
            self.path, layer=layer, max_features=PREVIEW_ROWS, datetime_as_string=True
        )
        rows = len(wkb) if wkb is not None else (len(fields[0]) if len(fields) else 0)
        attrs = pd.DataFrame({str(n): v for n, v in zip(meta["fields"], fields, strict=True)}, index=range(rows))
        geoms = from_wkb(np.asarray(wkb, dtype=object))[0] if wkb is not None else np.full(len(attrs), None)
        return attrs, geoms

    def bounds(self, layer: str) -> tuple[float, float, float, float] | None:
        _, boxes = self.ogr.read_bounds(self.path, layer=layer)
        boxes = boxes.T
        return envelope(boxes[~np.all(boxes == 0, axis=1)])  # GDAL gives empty geometries a 0,0,0,0 box

    def load_arrow(
        self, layer: str | int, attributes_ready: Callable[[pd.DataFrame], None] | None = None
    ) -> Raw | None:
        """:meth:`load` with the attributes through GDAL's Arrow stream, the same cells and outlines.

        pyogrio's ``raw.read`` builds a Python object per text cell (about 6 of the 7.5 s it took
        for a million GeoPackage footprints); the Arrow stream hands over whole columns (0.4 s). The
        cells are made what ``raw.read`` makes of them (:func:`raw_read_cells`): text as pandas' text
        (an all-null text column as ``None`` objects), integers and booleans as numbers, or as floats
        with NaN when a value is missing, reals as floats. Columns of any other type (dates, binary,
        lists, JSON) leave the layer to :meth:`load`, as does a stream whose columns or rows are not
        the ones ``raw.read`` gives.

        The outlines still come from ``raw.read`` (geometry only): GDAL parses each one as before, so
        a damaged, curved or deeply nested blob gives what it gave (the Arrow stream would hand the
        file's bytes over unparsed). They are put on Arrow buffers to be screened there.
        ``attributes_ready`` (:attr:`Opened.attributes_ready`) is given the attributes before the outlines are read.
        """
        import pyarrow as pa  # noqa: PLC0415 - loaded with the reader's formats

        info = self.ogr.read_info(self.path, layer=layer)
        kinds = list(zip(info.get("ogr_types", ()), info.get("ogr_subtypes", ()), strict=True))
        if len(kinds) != len(info["fields"]) or any(kind not in _ARROW_FIELD_TYPES for kind in kinds):
            return None
        _, table = self.ogr.raw.read_arrow(self.path, layer=layer, read_geometry=False)
        names = [str(n) for n in info["fields"]]
        if table.column_names != names:
            return None  # not the columns in the order raw.read gives them: let raw.read read the layer
        rows = table.num_rows
        attrs = pd.DataFrame({name: raw_read_cells(table.column(i)) for i, name in enumerate(names)}, index=range(rows))
        if attributes_ready is not None:
            attributes_ready(attrs)
        meta, _, blobs, _ = self.ogr.raw.read(self.path, layer=layer, columns=[], datetime_as_string=True)
        wkb = None
        if blobs is None:
            geoms, unreadable, fixes = np.full(rows, None, dtype=object), {}, {}
        else:
            values = np.asarray(blobs, dtype=object)
            if len(values) != rows:
                return None
            column = pa.array(values, type=pa.large_binary())
            geoms, unreadable, fixes = from_wkb(values, arrow=column)
            wkb = plain_polygon_wkb(values, column)
        declared = CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
        return Raw(attrs, geoms, unreadable, fixes, declared, wkb=wkb)

    def load(self, layer: str | int) -> Raw:
        meta, _, wkb, fields = self.ogr.raw.read(self.path, layer=layer, datetime_as_string=True)
        rows = len(wkb) if wkb is not None else (len(fields[0]) if len(fields) else 0)
        attrs = pd.DataFrame({str(n): v for n, v in zip(meta["fields"], fields, strict=True)}, index=range(rows))
        if wkb is None:
            geoms, unreadable, fixes = np.full(len(attrs), None, dtype=object), {}, {}
        else:
            geoms, unreadable, fixes = from_wkb(np.asarray(wkb, dtype=object))
        declared = CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
        return Raw(attrs, geoms, unreadable, fixes, declared)

    def meta(self, layer: str, *, vertices: int | None, estimated: bool) -> Meta:
        info = self.info(layer)
        check_counts(self.source, int(info["features"]), vertices, self.limits)
        attrs, geoms = self.preview(layer)
        declared = CRS.from_user_input(info["crs"]) if info.get("crs") else None
        return Meta(
            name=layer,
            features=int(info["features"]),
            vertices=vertices,
            vertices_estimated=estimated,
            geometry_type=str(info.get("geometry_type")),
            columns=[str(f) for f in info["fields"]],
            preview=preview_frame(attrs, geoms),
            declared=declared,
            crs_source=None,
            bounds=self.bounds(layer),
        )


def geojson_crs_members(data: bytes, source: str) -> bool:
    """Refuse ``crs`` objects that link to a URL or file (GDAL would fetch them); True if one is present.

    Only objects matter (a property named ``crs`` holding text is data, not a CRS); an object too
    long to be a plain name is refused too.
    """
    found = False
    if b'"crs"' not in data:
        return found
    for match in re.finditer(rb'"crs"\s*:', data):
        window = data[match.end() : match.end() + 4096].decode("utf-8", errors="replace").lstrip()
        if not window.startswith("{"):
            continue
        try:
            value, _ = json.JSONDecoder().raw_decode(window)
        except ValueError:
            value = None
        props = value.get("properties") if isinstance(value, dict) else None
        name = props.get("name") if isinstance(props, dict) and value.get("type") == "name" else None
        if isinstance(name, str) and _SAFE_GEOJSON_CRS.match(name.strip()):
            found = True
            continue
        raise fail(
            source,
            "refused-content",
            "the GeoJSON 'crs' member is not a plain CRS name (it links to a "
            "URL or file, which would make the server fetch it); remove the 'crs' member or name the "
            "CRS as 'EPSG:4326'",
            "GeoJSON 的 'crs' 成员不是普通的坐标系名称(它指向网址或文件，会让服务器去"
            "访问)；请删除 'crs' 成员，或写成 'EPSG:4326' 这样的名称",
        )
    return found


def geojson_vertices(data: bytes, limits: Limits) -> int:
    """Coordinate positions in GeoJSON text, bounded without parsing: every position opens a ``[``.

    The count of ``[`` is an upper bound; only when it passes the limit are the positions counted
    (a ``[`` followed by a number).
    """
    upper = data.count(b"[")
    if upper <= limits.max_vertices:
        return upper
    return sum(1 for _ in re.finditer(rb"\[\s*-?[\d.]", data))


#: Brackets open at once in a GeoJSON: a FeatureCollection of multipolygons needs 8.
MAX_JSON_DEPTH = 64
_JSON_KEY = re.compile(rb'"((?:[^"\\]|\\.)*)"\s*:')
#: Member names of GeoJSON itself (type, features, geometry, coordinates, crs …) on top of the columns.
_GEOJSON_OWN_KEYS = 50


def geojson_keys(data: bytes, source: str, limits: Limits) -> int:
    """Refuse a GeoJSON with more distinct member names than the column cap allows, before GDAL.

    GDAL makes a field of every property name it meets; 200,000 names make it crawl. Names are
    collected in one pass over the text (nested objects' names count too: an upper bound).
    """
    cap = limits.max_columns + _GEOJSON_OWN_KEYS
    seen: set[bytes] = set()
    for match in _JSON_KEY.finditer(data):
        seen.add(match.group(1))
        if len(seen) > cap:
            raise fail(
                source,
                "too-large",
                f"the GeoJSON has more than {limits.max_columns:,} different property names; "
                f"keep the columns you need (at most {limits.max_columns:,}) and export it again",
                f"该 GeoJSON 的属性名超过 {limits.max_columns:,} 种；"
                f"请只保留需要的列(最多 {limits.max_columns:,} 列)后重新导出",
            )
    return len(seen)


def unescape_letters(data: bytes) -> bytes:
    r"""JSON text with ``\u0063``-style escapes of ASCII letters written as the letters themselves.

    The same JSON to any parser, but ``"\u0063rs"`` can no longer hide a ``crs`` member from the
    checks here. Encoders never escape letters, so real files pass unchanged.
    """
    if b"\\u00" not in data:
        return data
    return _LETTER_ESCAPE.sub(lambda m: m.group(1) + bytes([int(m.group(2), 16)]), data)


class GeoJson(Opened):
    fmt = "geojson"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        head = text_head(self.data, 1 << 20)
        if '"Topology"' in head and '"arcs"' in head:
            raise refuse_type(
                self.source,
                "this is TopoJSON; convert it to GeoJSON (e.g. mapshaper)",
                "这是 TopoJSON；请转换为 GeoJSON(如用 mapshaper)",
            )
        if re.search(r'"(geometryType|spatialReference)"\s*:', head) and not re.search(
            r'"type"\s*:\s*"(FeatureCollection|Feature)"', head
        ):
            raise refuse_type(
                self.source, "this is Esri JSON; export it as GeoJSON", "这是 Esri JSON；请导出为 GeoJSON"
            )
        if not re.search(
            r'"type"\s*:\s*"(FeatureCollection|Feature|(Multi)?(Polygon|Point|LineString)|'
            r'GeometryCollection)"',
            head,
        ):
            raise refuse_type(
                self.source,
                "this JSON is not GeoJSON (no 'type' of FeatureCollection, Feature or a geometry)",
                "该 JSON 不是 GeoJSON(缺少 FeatureCollection、Feature 或几何类型)",
            )
        utf8, self.enc = to_utf8(self.data, self.source, self.encoding, what="GeoJSON")
        if self.enc.source != "detected-utf-8":
            self.notes.append(
                Note(
                    f"text decoded as {self.enc.encoding} ({self.enc.source}) and converted to UTF-8; check the names",
                    f"文字按 {self.enc.encoding} 解码并转为 UTF-8；请核对名称",
                )
            )
        utf8 = unescape_letters(utf8)
        if _GDAL_VIRTUAL.search(utf8):
            raise refuse_type(
                self.source,
                "GDAL virtual files (GDALG, VRT) are refused: they read other files or URLs",
                "拒绝 GDAL 虚拟文件(GDALG、VRT)：它们会读取其他文件或网址",
            )
        self.has_crs_member = geojson_crs_members(utf8, self.source)
        self.vertices = geojson_vertices(utf8, self.limits)
        check_counts(self.source, 0, self.vertices, self.limits)  # before GDAL parses the whole text
        geojson_keys(utf8, self.source, self.limits)
        if bracket_depth(utf8) > MAX_JSON_DEPTH:
            raise fail(
                self.source,
                "refused-content",
                f"the GeoJSON nests objects and arrays more than {MAX_JSON_DEPTH} levels deep (geometry collections "
                "inside collections); no real layer needs that — simplify it to polygons in your GIS",
                f"该 GeoJSON 的对象和数组嵌套超过 {MAX_JSON_DEPTH} 层(几何集合套集合)；请在 GIS 中简化为多边形",
            )
        # Every feature is a JSON object: when there are fewer "{" than the cap, GDAL need not count.
        self.features_bounded = utf8.count(b"{") <= self.limits.max_features
        self.path = self.tmp / "data.geojson"
        self.path.write_bytes(utf8)
        self.gdal = GdalFile(self.path, self.source, self.limits)

    def layers(self) -> list[str]:
        return [self.path.stem]  # GeoJSON holds one layer, named after the file

    def _crs_source(self) -> str:
        return "GeoJSON crs member" if self.has_crs_member else "GeoJSON (RFC 7946: always WGS-84)"

    def meta(self, layer: str) -> Meta:
        # GDAL parses the whole text for any question about a GeoJSON: ask once, read everything.
        return meta_from_raw(layer, self.load(layer), self.vertices, estimated=True)

    def load(self, layer: str) -> Raw:
        # GeoJSON holds one layer. GDAL names it after the top-level "name" member when there is one
        # (GDAL and QGIS always write it), else after the file: read it by position, not by name.
        if not self.features_bounded:
            check_counts(self.source, int(self.gdal.info(0)["features"]), None, self.limits)
        raw = self.gdal.load(0)
        raw.crs_source = self._crs_source()
        raw.encoding = self.enc
        return raw


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def sqlite_name(name: str) -> str:
    """A table name as SQLite compares it: ASCII letters case-insensitively, everything else as is.

    >>> sqlite_name("Slow_视图") == sqlite_name("sLOW_视图")
    True
    """
    return name.translate(_ASCII_LOWER)


#: Seconds the reader's own queries on a GeoPackage may take (counting rows, summing blob sizes).
SURVEY_SECONDS = 10.0


class GeoPackage(Opened):
    """A GeoPackage: only plain tables registered in ``gpkg_contents`` are read, and counted first.

    SQLite names are case-insensitive: a view registered as ``SLOW`` is the view ``slow``. So every
    layer name is compared as SQLite does (:func:`sqlite_name`), views, virtual tables and computed
    columns are refused, and any layer GDAL lists that was not surveyed is refused too. Rows are
    counted with ``COUNT(*)`` (bounded by a progress handler): the ``gpkg_ogr_contents`` count is a
    claim, and a file whose claim differs from its table is refused, so no row is dropped silently
    and no cap is passed unseen.
    """

    fmt = "gpkg"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.path = self.tmp / "data.gpkg"
        self.path.write_bytes(self.data)
        self.refused: dict[str, ReadError] = {}  # by sqlite_name
        self.refused_as: dict[str, str] = {}  # sqlite_name → the name as gpkg_contents spells it
        self.blob_bytes: dict[str, int] = {}  # by sqlite_name
        self.rows: dict[str, int] = {}  # by sqlite_name: the rows really there
        self._survey()
        self.gdal = GdalFile(self.path, self.source, self.limits)

    def _refuse(self, table: str, en: str, zh: str, code: ErrorCode = "refused-content") -> None:
        self.refused[sqlite_name(table)] = fail(self.source, code, en, zh)
        self.refused_as[sqlite_name(table)] = table

    def _survey(self) -> None:
        """Refuse what runs SQL when read (views, virtual tables, computed columns); count what is there."""
        uri = f"file:{self.path}?mode=ro&immutable=1"
        try:
            con = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise fail(
                self.source, "unreadable", f"the GeoPackage cannot be opened ({exc})", f"无法打开该 GeoPackage({exc})"
            ) from exc
        deadline = time.monotonic() + SURVEY_SECONDS
        con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            con.execute("PRAGMA trusted_schema = OFF")
            kinds = {
                sqlite_name(str(name)): (str(kind), str(sql or ""))
                for name, kind, sql in con.execute("SELECT name, type, sql FROM sqlite_master")
            }
            rows = con.execute(
                "SELECT c.table_name, g.column_name FROM gpkg_contents c "
                "LEFT JOIN gpkg_geometry_columns g ON g.table_name = c.table_name"
            ).fetchall()
            if len(rows) > self.limits.max_layers:
                raise too_many(self.source, "layers", len(rows), self.limits.max_layers)
            claimed = self._claimed_counts(con, kinds)
            for raw_name, geom_col in rows:
                self._survey_table(con, str(raw_name), geom_col, kinds, claimed)
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                raise self._unreadable(exc) from exc
            raise fail(
                self.source,
                "refused-content",
                f"checking the GeoPackage took longer than {SURVEY_SECONDS:.0f} s and was stopped; "
                "export its layers again as plain tables",
                f"检查该 GeoPackage 超过 {SURVEY_SECONDS:.0f} 秒，已停止；请将图层重新导出为普通表",
            ) from exc
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from exc
        finally:
            con.close()

    def _unreadable(self, exc: Exception) -> ReadError:
        return fail(
            self.source,
            "unreadable",
            f"the file is SQLite but not a readable GeoPackage ({exc})",
            f"该文件是 SQLite 数据库，但不是可读取的 GeoPackage({exc})",
        )

    @staticmethod
    def _claimed_counts(con: sqlite3.Connection, kinds: dict[str, tuple[str, str]]) -> dict[str, int | None]:
        if kinds.get("gpkg_ogr_contents", ("", ""))[0] != "table":
            return {}
        found = con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents").fetchall()
        return {sqlite_name(str(name)): (None if count is None else int(count)) for name, count in found}

    def _survey_table(
        self,
        con: sqlite3.Connection,
        table: str,
        geom_col: object,
        kinds: dict[str, tuple[str, str]],
        claimed: dict[str, int | None],
    ) -> None:
        key = sqlite_name(table)
        kind, sql = kinds.get(key, ("", ""))
        if kind == "view":
            self._refuse(
                table,
                f"layer {table!r} is a database view (SQL that runs when read); export it as a table",
                f"图层 {table!r} 是数据库视图(读取时会执行 SQL)；请导出为普通表",
            )
            return
        if kind != "table" or sql.lstrip().upper().startswith("CREATE VIRTUAL"):
            self._refuse(
                table,
                f"layer {table!r} is not a plain table (a virtual table, or missing); export it as a plain table",
                f"图层 {table!r} 不是普通表(虚拟表或不存在)；请导出为普通表",
            )
            return
        quoted = quote_identifier(table)
        xinfo = con.execute(f"PRAGMA table_xinfo({quoted})").fetchall()
        if any(col[-1] in (2, 3) for col in xinfo):
            self._refuse(
                table,
                f"layer {table!r} has computed columns (SQL that runs when read); export it as a plain table",
                f"图层 {table!r} 含计算列(读取时会执行 SQL)；请导出为普通表",
            )
            return
        count = int(con.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])  # noqa: S608 - quoted identifier
        said = claimed.get(key)
        if said is not None and said != count:
            self._refuse(
                table,
                f"layer {table!r} says it holds {said:,} features (gpkg_ogr_contents) but its table holds {count:,}; "
                "a reader trusting the claim would drop or hide rows — open the file in QGIS or run "
                "ogr2ogr to write it again, which recounts the features",
                f"图层 {table!r} 声明含 {said:,} 个要素(gpkg_ogr_contents)，但表中实有 {count:,} 个；"
                "按声明读取会遗漏或隐藏数据——请用 QGIS 或 ogr2ogr 重新导出(会重新计数)",
                "unreadable",
            )
            return
        self.rows[key] = count
        if geom_col:
            column = quote_identifier(str(geom_col))
            sql_sum = f"SELECT coalesce(sum(length({column})), 0) FROM {quoted}"  # noqa: S608 - quoted identifiers
            self.blob_bytes[key] = int(con.execute(sql_sum).fetchone()[0])

    def layers(self) -> list[str]:
        names = self.gdal.layers()
        listed = {sqlite_name(n) for n in names}
        return names + [n for k, n in self.refused_as.items() if k not in listed]

    def _guard(self, layer: str) -> int:
        """The layer's real row count, or its refusal (also for a layer GDAL lists that was not surveyed)."""
        key = sqlite_name(layer)
        if key in self.refused:
            raise self.refused[key]
        if key not in self.rows:
            raise fail(
                self.source,
                "refused-content",
                f"layer {layer!r} is not a table registered in gpkg_contents; export it as a plain layer",
                f"图层 {layer!r} 不是 gpkg_contents 中登记的表；请导出为普通图层",
            )
        count = self.rows[key]
        check_counts(self.source, count, self._vertices(layer), self.limits)
        return count

    def _vertices(self, layer: str) -> int:
        # WKB stores 16 bytes per 2D vertex plus small headers: an upper bound close to the truth.
        return self.blob_bytes.get(sqlite_name(layer), 0) // 16

    def meta(self, layer: str) -> Meta:
        count = self._guard(layer)
        meta = self.gdal.meta(layer, vertices=self._vertices(layer), estimated=True)
        meta.features = count
        meta.crs_source = "GeoPackage"
        return meta

    def load(self, layer: str) -> Raw:
        count = self._guard(layer)
        raw = self.gdal.load_arrow(layer, self.attributes_ready) or self.gdal.load(layer)
        if len(raw.attrs) != count:
            raise fail(
                self.source,
                "unreadable",
                f"layer {layer!r} holds {count:,} rows but only {len(raw.attrs):,} could be read; "
                "open the file in QGIS or run ogr2ogr to write it again",
                f"图层 {layer!r} 有 {count:,} 行，但只读出 {len(raw.attrs):,} 行；请用 QGIS 或 ogr2ogr 重新导出",
            )
        raw.crs_source = "GeoPackage"
        return raw


SHP_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def shp_counts(shp: Path, shx: Path, limits: Limits) -> tuple[int, int]:
    """Features and vertices from the .shx index and the .shp record headers (no geometry read).

    Stops counting as soon as a limit is passed (the counts returned are then just over it).
    """
    size = shx.stat().st_size
    if size < 100 or (size - 100) % 8:
        raise ValueError("the .shx index is damaged")
    count = (size - 100) // 8
    if count > limits.max_features:
        return count, 0
    vertices = 0
    with shx.open("rb") as index, shp.open("rb") as main:
        index.seek(100)
        offsets = index.read(count * 8)
        for i in range(count):
            offset, _ = struct.unpack(">ii", offsets[i * 8 : i * 8 + 8])
            main.seek(offset * 2 + 8)
            head = main.read(44)
            if len(head) < 4:
                raise ValueError("the .shp is shorter than its index says")
            kind = struct.unpack("<i", head[:4])[0]
            if kind in (1, 11, 21):
                vertices += 1
            elif kind in (8, 18, 28) and len(head) >= 40:
                vertices += max(0, struct.unpack("<i", head[36:40])[0])
            elif kind in (3, 13, 23, 5, 15, 25, 31) and len(head) >= 44:
                vertices += max(0, struct.unpack("<i", head[40:44])[0])
            if vertices > limits.max_vertices:
                break
    return count, vertices


class ShapefileZip(Opened):
    fmt = "shapefile"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.archive = SafeZip(self.data, self.source, self.limits, kind="Shapefile")
        groups: dict[str, dict[str, Any]] = {}
        for member in self.archive.members:
            stem = str(PurePosixPath(member.name).with_suffix(""))
            if member.suffix in SHP_SIDECARS:
                groups.setdefault(stem.casefold(), {"name": stem})[member.suffix] = member
        self.groups = {g["name"]: g for g in groups.values() if ".shp" in g}
        skipped = [m.name for m in self.archive.members if m.suffix not in SHP_SIDECARS]
        if skipped:
            self.notes.append(
                Note(
                    f"ignored (not extracted): {', '.join(skipped[:20])}" + (" …" if len(skipped) > 20 else ""),
                    f"已忽略(未解压)：{', '.join(skipped[:20])}" + (" …" if len(skipped) > 20 else ""),
                )
            )
        if len(self.groups) > self.limits.max_layers:
            raise too_many(self.source, "layers", len(self.groups), self.limits.max_layers)
        self._prepared: dict[str, tuple[Path, _dbf.EncodingCheck | None, list[str]]] = {}

    def close(self) -> None:
        self.archive.close()

    def layers(self) -> list[str]:
        return sorted(self.groups)

    def _prepare(self, layer: str) -> tuple[Path, _dbf.EncodingCheck | None, list[str]]:
        if layer in self._prepared:
            return self._prepared[layer]
        group = self.groups[layer]
        for needed in (".shx",):
            if needed not in group:
                raise fail(
                    self.source,
                    "unreadable",
                    f"{layer}.shp has no {needed} in the zip; add it (the "
                    "Shapefile is the .shp, .shx, .dbf, .prj and .cpg together)",
                    f"压缩包中缺少 {layer}{needed}；请补上(Shapefile 由 .shp .shx .dbf .prj .cpg 共同组成)",
                )
        self.archive.check_declared([group[s] for s in SHP_SIDECARS if s in group])
        folder = self.tmp / f"layer{len(self._prepared)}"
        folder.mkdir()
        for suffix in (".shp", ".shx", ".prj"):
            if suffix in group:
                self.archive.extract(group[suffix], folder / f"layer{suffix}")
        features, vertices = shp_counts(folder / "layer.shp", folder / "layer.shx", self.limits)
        check_counts(self.source, features, vertices, self.limits)
        check, names = None, []
        if ".dbf" in group:
            original = self.tmp / f"{folder.name}.dbf"
            self.archive.extract(group[".dbf"], original)
            header = _dbf.read_header(original, max_columns=self.limits.max_columns)
            if header.records > self.limits.max_features:
                raise too_many(self.source, "features", f"{header.records:,}", self.limits.max_features)
            cpg = None
            if ".cpg" in group:
                cpg = self.archive.read(group[".cpg"])[:200].decode("ascii", errors="replace")
                refuse_cpg(self.source, layer, cpg, user=self.encoding)
            if self.encoding is not None:
                user_codec(self.source, self.encoding)  # names a non-text or unknown encoding as such
            try:
                check = _dbf.detect_encoding(original, header, cpg=cpg, user=self.encoding, source=f"{layer}.dbf")
            except LookupError:
                raise fail(
                    self.source,
                    "needs-encoding",
                    f"unknown text encoding {self.encoding!r}",
                    f"未知的文字编码 {self.encoding!r}",
                    choices=ENCODING_CHOICES,
                ) from None
            codec = check.codec or "utf-8"
            placeholders, bad = _dbf.rewrite_utf8(original, header, codec, folder / "layer.dbf")
            original.unlink()
            (folder / "layer.cpg").write_text("UTF-8", encoding="ascii")
            names = unique_names(check.names)
            if bad and check.problem is None:
                self.notes.append(
                    Note(
                        f"{bad} text value(s) of {layer} held bytes invalid in {check.label}; shown as �",
                        f"{layer} 中有 {bad} 个文字值含 {check.label} 无效字节，显示为 �",
                    )
                )
            names = [*names, *placeholders[len(names) :]]
        self._prepared[layer] = (folder / "layer.shp", check, names)
        return self._prepared[layer]

    def _encoding_info(self, check: _dbf.EncodingCheck | None) -> EncodingInfo | None:
        if check is None:
            return None
        return EncodingInfo(
            check.label,
            check.source,
            tuple(check.names),
            tuple(check.preview),
            check.problem,
            {k: tuple(v) for k, v in check.alternatives.items()},
            tuple(check.cut_names),
            check.cut_values,
        )

    def _notes(self, check: _dbf.EncodingCheck | None) -> list[Note]:
        notes = []
        if check and check.cut_names:
            notes.append(
                Note(
                    f"column name(s) cut mid-character by the 10-byte DBF limit: "
                    f"{', '.join(map(repr, check.cut_names))}; map them to the contract's fields",
                    f"列名被 DBF 10 字节上限截断在字符中间：{', '.join(map(repr, check.cut_names))}；"
                    "请将其对应到数据约定的字段",
                )
            )
        if check and check.cut_values:
            notes.append(
                Note(
                    f"{check.cut_values} text value(s) were cut mid-character by their field width; "
                    "the incomplete last character was dropped",
                    f"{check.cut_values} 个文字值被字段宽度截断在字符中间；已去掉不完整的最后一个字符",
                )
            )
        return notes

    def meta(self, layer: str) -> Meta:
        path, check, names = self._prepare(layer)
        gdal = GdalFile(path, self.source, self.limits)
        features, vertices = shp_counts(path, path.with_suffix(".shx"), self.limits)
        meta = gdal.meta("layer", vertices=vertices, estimated=False)
        meta.name = layer
        rename = dict(zip([f"c{i}" for i in range(len(names))], names, strict=True))
        meta.columns = [rename.get(c, c) for c in meta.columns]
        meta.preview = meta.preview.rename(columns=rename)
        meta.crs_source = ".prj" if path.with_suffix(".prj").exists() else None
        meta.encoding = self._encoding_info(check)
        meta.notes = self._notes(check)
        meta.features = features
        return meta

    def load(self, layer: str) -> Raw:
        path, check, names = self._prepare(layer)
        if check is not None and check.problem is not None:
            raise encoding_error(self.source, layer, check)
        raw = GdalFile(path, self.source, self.limits).load("layer")
        raw.attrs = raw.attrs.rename(columns=dict(zip([f"c{i}" for i in range(len(names))], names, strict=True)))
        raw.crs_source = ".prj" if path.with_suffix(".prj").exists() else None
        if raw.crs_source is None:
            raw.declared = None
        raw.encoding = self._encoding_info(check)
        raw.notes.extend(self._notes(check))
        if check is not None and check.source in _SOURCE_ZH:  # detected, not declared: ask for a look
            how = _SOURCE_ZH[check.source]
            raw.notes.append(
                Note(
                    f"text read as {check.label} ({check.source.replace('-', ' ')}); check the names",
                    f"文字按 {check.label} 读取({how})；请核对名称",
                )
            )
        return raw


def refuse_cpg(source: str, layer: str, cpg: str, *, user: str | None) -> None:
    """Refuse a ``.cpg`` naming a Python codec that is not a text encoding (``rot13``…), naming it.

    A user's ``encoding=`` answers the question, so it wins over the ``.cpg``.
    """
    transform = _dbf.not_text_encoding(cpg)
    if transform is None or user is not None:
        return
    label = cpg.strip()[:40]
    raise fail(
        source,
        "needs-encoding",
        f"{layer}.cpg names {label!r} ({transform}), which is not a text encoding but a data transform; "
        f"choose the encoding the text was written in (or fix the .cpg)",
        f"{layer}.cpg 声明的 {label!r}({transform})不是文字编码，而是数据变换；"
        "请选择文字实际使用的编码(或修正 .cpg 文件)",
        choices=ENCODING_CHOICES,
    )


def encoding_error(source: str, layer: str, check: _dbf.EncodingCheck) -> ReadError:
    problem = check.problem or Note("", "")
    alts = "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in check.alternatives.items())
    return fail(
        source,
        "needs-encoding",
        f"{layer}: {problem.en}" + (f" (preview — {alts})" if alts else ""),
        f"{layer}：{problem.zh}" + (f"(预览 — {alts})" if alts else ""),
        choices=ENCODING_CHOICES,
    )
