"""Formats read in Python, without GDAL: KML/KMZ, CSV, XLSX and GeoParquet."""

from __future__ import annotations

import codecs
import csv
import json
import re
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.io import _dbf, _kml, _tabular
from geo.io._archive import SafeZip
from geo.io._readbase import EncodingInfo, Note, ReadError, fail
from geo.io._readcrs import USER_CRS_RE
from geo.io._sources import (
    ENCODING_CHOICES,
    Meta,
    Opened,
    Raw,
    check_counts,
    from_wkb,
    meta_from_raw,
    plain_polygon_wkb,
    strip_bom,
    text_preview,
    to_utf8,
    too_many,
    valid_text,
)

__all__ = ["Csv", "Kml", "Kmz", "Parquet", "Table", "Xlsx", "arrow_cells"]


_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.I)


def kml_utf8(data: bytes, source: str, encoding: str | None) -> tuple[bytes, EncodingInfo]:
    """KML bytes as UTF-8 for expat, transcoding UTF-16, GBK and friends (the declaration follows)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = _XML_DECL.sub(b'<?xml version="1.0" encoding="UTF-8"', data.decode("utf-16").encode("utf-8"), count=1)
    body = strip_bom(data)
    match = _XML_DECL.match(body)
    label = match.group(1).decode("ascii") if match else None
    declared = _dbf.codec_from_label(label) if label else None
    transform = _dbf.not_text_encoding(label) if label else None
    if transform is not None and encoding is None:
        raise fail(
            source,
            "needs-encoding",
            f"the KML's XML declaration names {label!r} ({transform}), which is not a text encoding but a data "
            "transform; choose the encoding the text was written in (KML is normally UTF-8)",
            f"该 KML 的 XML 声明中的编码 {label!r}({transform})不是文字编码，而是数据变换；"
            "请选择文字实际使用的编码(KML 通常为 UTF-8)",
            choices=ENCODING_CHOICES,
        )
    if encoding is None:
        if declared in (None, "utf-8") and valid_text(body, "utf-8"):
            return body, EncodingInfo("UTF-8", "xml-declaration" if declared else "detected-utf-8", (), ())
        if declared == "utf-8":
            alt = "GB18030" if valid_text(body, "gb18030") else None
            preview = text_preview(body.decode("gb18030", errors="replace")) if alt else ()
            raise fail(
                source,
                "needs-encoding",
                "the KML says it is UTF-8 but its bytes are not"
                + (f"; they read as GB18030 ({', '.join(preview[:3])}): pass encoding='GB18030'" if alt else ""),
                "该 KML 声明为 UTF-8，但内容不是 UTF-8"
                + (f"；按 GB18030 可读取({'、'.join(preview[:3])})：请选择 encoding='GB18030'" if alt else ""),
                choices=ENCODING_CHOICES,
            )
        encoding = declared  # GBK, Latin-1…: transcoded, so every check sees UTF-8; None: detected
    body = _XML_DECL.sub(b'<?xml version="1.0" encoding="UTF-8"', body, count=1)
    utf8, info = to_utf8(body, source, encoding, what="KML")
    if declared is not None and encoding == declared:
        info = replace(info, source="xml-declaration")
    return utf8, info


#: Folder paths (layers) a KML may hold.
MAX_KML_FOLDERS = 1000


def kml_layers(doc: _kml.KmlDocument, source: str = "") -> dict[str, int]:
    """Every folder path holding placemarks (directly or below), with its placemark count.

    Placemarks are counted per distinct folder first, so the cost follows the folders, not
    placemarks × depth; more than :data:`MAX_KML_FOLDERS` folder paths are refused.
    """
    direct: dict[tuple[str, ...], int] = {}
    for pm in doc.placemarks:
        direct[pm.folder] = direct.get(pm.folder, 0) + 1
    counts: dict[str, int] = {}
    for folder, count in direct.items():
        if not folder:
            counts["(document)"] = counts.get("(document)", 0) + count
        key = ""
        for depth, name in enumerate(folder):
            key = f"{key} / {name}" if depth else name
            counts[key] = counts.get(key, 0) + count
        if len(counts) > MAX_KML_FOLDERS:
            raise fail(
                source,
                "too-large",
                f"the KML holds more than {MAX_KML_FOLDERS:,} folders with placemarks; merge or split them",
                f"该 KML 含超过 {MAX_KML_FOLDERS:,} 个含要素的文件夹；请合并或拆分",
            )
    return counts


class Kml(Opened):
    fmt = "kml"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        utf8, self.enc = kml_utf8(self.kml_bytes(), self.source, self.encoding)
        if _kml.unsafe_xml(utf8):  # checked on UTF-8, so UTF-16 cannot hide it (defusedxml checks again)
            raise fail(
                self.source,
                "refused-content",
                "the KML declares a DOCTYPE or XML entities, which can "
                "expand without limit or read local files; export it again without them",
                "该 KML 含 DOCTYPE 或 XML 实体声明，可能无限膨胀或读取本地文件；请重新导出(不含这些声明)",
            )
        try:
            self.doc = _kml.parse_kml(utf8, self.limits)
        except ValueError as exc:
            text = str(exc)
            if text.startswith("too many nesting"):
                raise fail(
                    self.source,
                    "too-large",
                    f"the KML nests elements more than {_kml.MAX_DEPTH} levels deep (folders in folders…); "
                    "flatten its folders",
                    f"该 KML 的元素嵌套超过 {_kml.MAX_DEPTH} 层(文件夹套文件夹…)；请减少文件夹层级",
                ) from exc
            if text.startswith("too many"):
                raise fail(
                    self.source,
                    "too-large",
                    f"the KML has {text}; split it or simplify the outlines",
                    f"该 KML 的{'顶点' if 'vertices' in text else '要素'}数超过上限；请拆分或简化",
                ) from exc
            if "DTD" in text or "ntit" in text:
                raise fail(
                    self.source, "refused-content", f"the KML was refused: {text}", f"该 KML 被拒绝：{text}"
                ) from exc
            raise fail(
                self.source, "unreadable", f"the KML cannot be parsed ({text})", f"无法解析该 KML({text})"
            ) from exc
        self.counts = kml_layers(self.doc, self.source)
        self.notes.append(
            Note(
                "KML coordinates are WGS-84 by definition; if the file came from a Chinese map app "
                "and the outlines sit ~500 m off, read it again choosing GCJ-02 (高德) or BD-09 (百度)",
                "KML 坐标按标准为 WGS-84；若来自国内地图软件且轮廓偏移约 500 米，请选择 GCJ-02(高德)或 "
                "BD-09(百度)重新读取",
            )
        )

    def kml_bytes(self) -> bytes:
        return self.data

    def layers(self) -> list[str]:
        return list(self.counts)

    def default_layer(self) -> str | None:
        """The layer to use when none is named: the folder, when every placemark is in the same one."""
        folders = {pm.folder for pm in self.doc.placemarks}
        if len(folders) != 1:
            return None
        only = folders.pop()
        return " / ".join(only) if only else "(document)"

    def _raw(self, layer: str) -> tuple[Raw, int]:
        parts = tuple(layer.split(" / ")) if layer != "(document)" else ()
        chosen = [pm for pm in self.doc.placemarks if (pm.folder[: len(parts)] == parts if parts else not pm.folder)]
        seen: dict[str, None] = {}  # the attribute names, in order of first appearance (one pass)
        for pm in chosen:
            seen.update(dict.fromkeys(pm.attrs))
            if len(seen) > self.limits.max_columns:
                raise too_many(self.source, "columns", f"more than {len(seen) - 1:,}", self.limits.max_columns)
        keys = list(seen)
        attrs = pd.DataFrame(
            [[pm.attrs.get(k) for k in keys] for pm in chosen], columns=keys, dtype=object, index=range(len(chosen))
        )
        if len(parts) < max((len(pm.folder) for pm in chosen), default=0):
            attrs["folder"] = [" / ".join(pm.folder) for pm in chosen]
        geoms = np.array([pm.geometry for pm in chosen] + [None], dtype=object)[:-1]
        unreadable = {i: pm.error for i, pm in enumerate(chosen) if pm.error is not None}
        fixes = {i: pm.fixes for i, pm in enumerate(chosen) if pm.fixes}
        vertices = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
        wgs84 = CRS.from_epsg(4326)
        return Raw(attrs, geoms, unreadable, fixes, wgs84, "KML (always WGS-84)", self.enc, list(self.notes)), vertices

    def meta(self, layer: str) -> Meta:
        raw, vertices = self._raw(layer)
        return meta_from_raw(layer, raw, vertices)

    def load(self, layer: str) -> Raw:
        return self._raw(layer)[0]


class Kmz(Kml):
    fmt = "kmz"

    def kml_bytes(self) -> bytes:
        archive = SafeZip(self.data, self.source, self.limits, kind="KMZ")
        try:
            kmls = sorted(
                (m for m in archive.members if m.suffix == ".kml"),
                key=lambda m: (m.name.casefold() != "doc.kml", m.name.count("/"), m.name),
            )
            archive.check_declared(kmls[:1])
            if len(kmls) > 1:
                self.notes.append(
                    Note(
                        f"the KMZ holds {len(kmls)} KML files; read {kmls[0].name!r}",
                        f"该 KMZ 含 {len(kmls)} 个 KML 文件；已读取 {kmls[0].name!r}",
                    )
                )
            return archive.read(kmls[0])
        finally:
            archive.close()


class Table(Opened):
    """CSV or one XLSX sheet: text cells plus a geometry made from WKT or lon/lat columns."""

    def __init__(self, *args: Any, geometry: str | tuple[str, str] | None = None) -> None:
        super().__init__(*args)
        self.geometry = geometry
        self.frames: dict[str, tuple[pd.DataFrame, EncodingInfo | None, list[Note]]] = {}

    def frame(self, layer: str) -> tuple[pd.DataFrame, EncodingInfo | None, list[Note]]:
        raise NotImplementedError

    def spec(self, frame: pd.DataFrame) -> _tabular.GeometrySpec:
        found = _tabular.find_geometry(frame)
        if self.geometry is not None:
            wanted = (self.geometry,) if isinstance(self.geometry, str) else tuple(self.geometry)
            missing = [c for c in wanted if c not in frame.columns]
            if missing:
                raise fail(
                    self.source,
                    "no-geometry",
                    f"no column named {', '.join(map(repr, missing))}",
                    f"没有名为 {', '.join(map(repr, missing))} 的列",
                    choices=list(frame.columns),
                )
            if len(wanted) == 2:
                return _tabular.GeometrySpec("lonlat", wanted)
            kind = next((s.kind for s in found if s.columns == wanted), "wkt")
            return _tabular.GeometrySpec(kind, wanted)
        if not found:
            raise fail(
                self.source,
                "no-geometry",
                "the table has no geometry column: carriers and zones need "
                "outlines, as a WKT column (POLYGON((lon lat, …))) or GeoJSON text; lon/lat columns (经度/纬度) "
                "give only points",
                "表格中没有几何列：载体和片区需要轮廓，请提供 WKT 列(POLYGON((经度 纬度, …)))"
                "或 GeoJSON 文本；经度/纬度列只能给出点",
                choices=list(frame.columns),
            )
        return found[0]

    def _raw(self, layer: str) -> tuple[Raw, int]:
        frame, enc, notes = self.frame(layer)
        spec = self.spec(frame)
        if spec.kind != "lonlat":
            vertices = _tabular.count_text_vertices(frame[spec.columns[0]].tolist())
            check_counts(self.source, len(frame), vertices, self.limits)
        try:
            geoms, errors, fixes, srid = _tabular.parse_geometry(frame, spec)
        except ValueError as exc:
            raise fail(self.source, "unreadable", str(exc), f"几何列有误：{exc}") from exc
        attrs = frame.drop(columns=list(spec.columns)).reset_index(drop=True)
        declared = CRS.from_epsg(srid) if srid else None
        raw = Raw(
            attrs,
            geoms,
            errors,
            {i: [n] for i, n in fixes.items()},
            declared,
            f"EWKT SRID={srid}" if srid else None,
            enc,
            list(notes),
            spec.columns,
        )
        raw.notes.append(Note(f"geometry from the {spec.describe()}", f"几何取自{spec.describe_zh()}"))
        if spec.kind == "lonlat":
            raw.notes.append(
                Note(
                    "lon/lat columns give points, not outlines: carriers and zones need polygons (add a WKT column)",
                    "经度/纬度列只能给出点，不是轮廓：载体和片区需要多边形(请添加 WKT 列)",
                )
            )
        vertices = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
        return raw, vertices

    def meta(self, layer: str) -> Meta:
        try:
            raw, vertices = self._raw(layer)
        except ReadError as exc:
            if exc.code != "no-geometry":
                raise
            frame, enc, notes = self.frame(layer)
            meta = meta_from_raw(
                layer, Raw(frame, np.full(len(frame), None, dtype=object), encoding=enc, notes=notes), 0
            )
            meta.notes.append(Note(exc.message_en, exc.message_zh))
            return meta
        return meta_from_raw(layer, raw, vertices)

    def load(self, layer: str) -> Raw:
        return self._raw(layer)[0]


class Csv(Table):
    fmt = "csv"

    def layers(self) -> list[str]:
        return [PurePosixPath(self.source).stem or "table"]

    def frame(self, layer: str) -> tuple[pd.DataFrame, EncodingInfo | None, list[Note]]:
        if layer not in self.frames:
            utf8, enc = to_utf8(self.data, self.source, self.encoding, what="CSV")
            try:
                frame = _tabular.read_csv_text(utf8.decode("utf-8"), self.limits)
            except (ValueError, csv.Error) as exc:
                if str(exc).startswith("too many"):
                    raise fail(
                        self.source, "too-large", f"the table has {exc}", f"表格行数或列数超过上限：{exc}"
                    ) from exc
                raise fail(
                    self.source, "unreadable", f"the CSV cannot be read ({exc})", f"无法读取该 CSV({exc})"
                ) from exc
            notes = []
            if enc.source != "detected-utf-8":
                notes.append(
                    Note(f"text decoded as {enc.encoding}; check the names", f"文字按 {enc.encoding} 解码；请核对名称")
                )
            self.frames[layer] = (frame, enc, notes)
        return self.frames[layer]


class Xlsx(Table):
    fmt = "xlsx"

    def __init__(self, *args: Any, geometry: str | tuple[str, str] | None = None) -> None:
        super().__init__(*args, geometry=geometry)
        archive = SafeZip(self.data, self.source, self.limits, kind="XLSX")
        try:
            archive.check_declared(archive.members)
            for member in archive.members:
                if member.suffix in (".xml", ".rels", ".vml") or member.name.endswith(".xml.rels"):
                    tail = b""
                    for chunk in archive.iter_chunks(member):
                        if _kml.unsafe_xml(tail + chunk):
                            raise fail(
                                self.source,
                                "refused-content",
                                f"the workbook part {member.name!r} "
                                "declares a DOCTYPE or XML entities; save the workbook again in Excel",
                                f"工作簿部件 {member.name!r} 含 DOCTYPE 或 XML 实体声明；请在 Excel 中重新保存",
                            )
                        tail = chunk[-16:]
        finally:
            archive.close()
        self.sheets = _tabular.xlsx_sheets(self.data)

    def layers(self) -> list[str]:
        return list(self.sheets)

    def frame(self, layer: str) -> tuple[pd.DataFrame, EncodingInfo | None, list[Note]]:
        if layer not in self.frames:
            try:
                frame, notes = _tabular.read_xlsx(self.data, layer, self.limits)
            except ValueError as exc:
                if str(exc).startswith("too many"):
                    raise fail(
                        self.source, "too-large", f"sheet {layer!r} has {exc}", f"工作表 {layer!r} 行数超过上限：{exc}"
                    ) from exc
                raise fail(
                    self.source,
                    "empty" if "empty" in str(exc) else "unreadable",
                    str(exc),
                    f"工作表 {layer!r} 无法读取：{exc}",
                ) from exc
            self.frames[layer] = (frame, None, notes)
        return self.frames[layer]


_PARQUET_BATCH = 1024  # rows decoded first: 1,024 rows of a bomb's 20 KB value are 20 MB
#: Arrow decodes a batch at a fixed cost per batch and column: 65,536-row batches took 3.7 CPU s for a
#: million footprints that one batch decodes in 0.5 s. The bytes per batch stay capped at
#: ``_PARQUET_BATCH_BYTES`` (256 MB) at the probe's row size; rows far larger than the probe's end the worker
#: by its memory cap, which the caller reports as such.
_PARQUET_MAX_BATCH = 1 << 20
_PARQUET_BATCH_BYTES = 256 * 2**20


def arrow_cells(table: Any) -> pd.DataFrame:
    """An Arrow table's columns as the cells the checks read.

    Text columns keep pandas' text dtype on Arrow's own buffers (missing: NaN), as a GeoPackage's text
    columns read: no Python string is made, and the column crosses from the reader's worker as buffers
    rather than one string at a time. Number columns are numpy arrays, as a GeoPackage's read
    (:func:`geo.io._gdalformats.raw_read_cells`): integers as integers, or as floats with NaN where a
    value is missing, reals as floats. The checks read the same numbers from them as from Python
    values, and a million footprints' number columns are not millions of Python objects, made, sent
    from the worker and read back. Every other column holds Python values with None where missing,
    the cells of ``table.to_pandas()`` cast to ``object`` with nulls and NaN made None. Tables with
    repeated column names take that way for every column but text.
    """
    import pyarrow as pa  # noqa: PLC0415

    names = [str(name) for name in table.column_names]
    if len(set(names)) != len(names):
        frame = table.to_pandas()
        cells = frame.astype(dict.fromkeys(frame.columns, object)).where(frame.notna(), None)
        for position, field in enumerate(table.schema):
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
                cells.isetitem(position, frame.iloc[:, position])
        return cells
    columns: dict[str, Any] = {}
    index = pd.RangeIndex(table.num_rows)
    for name, column in zip(names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            columns[name] = column.to_pandas().array  # pandas' "str" dtype, NaN where null
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
            columns[name] = column.to_numpy(zero_copy_only=False)  # floats with NaN where null
        else:
            series = column.to_pandas()
            values = series.astype(object).where(series.notna(), None).to_numpy(dtype=object)
            columns[name] = pd.Series(values, index=index, dtype=object, copy=False)  # not read as text
    return pd.DataFrame(columns, index=index, columns=names, copy=False)


def _decoded_bytes(column: Any) -> int:
    """What an Arrow column takes once expanded: a dictionary column's text values counted per row."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    if isinstance(column, pa.DictionaryArray) and (
        pa.types.is_binary(column.dictionary.type)
        or pa.types.is_string(column.dictionary.type)
        or pa.types.is_large_binary(column.dictionary.type)
        or pa.types.is_large_string(column.dictionary.type)
    ):
        lengths = pc.binary_length(column.dictionary).fill_null(0)
        taken = pc.take(lengths, column.indices.fill_null(0))
        return int(pc.sum(taken).as_py() or 0) + 8 * len(column)
    return int(column.nbytes)


class Parquet(Opened):
    fmt = "geoparquet"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        import pyarrow as pa  # noqa: PLC0415 - heavy, only for Parquet
        import pyarrow.parquet as pq  # noqa: PLC0415

        try:
            self.file = pq.ParquetFile(pa.BufferReader(self.data))
        except (pa.ArrowException, ValueError, OSError) as exc:
            raise fail(
                self.source,
                "unreadable",
                f"the Parquet file cannot be opened ({exc})",
                f"无法打开该 Parquet 文件({exc})",
            ) from exc
        md = self.file.metadata
        if md.num_rows > self.limits.max_features:
            raise too_many(self.source, "features", f"{md.num_rows:,}", self.limits.max_features)
        if md.num_columns > self.limits.max_columns:
            raise too_many(self.source, "columns", md.num_columns, self.limits.max_columns)
        total = 0
        for g in range(md.num_row_groups):
            group = md.row_group(g)
            total += group.total_byte_size
            for c in range(group.num_columns):
                if group.column(c).file_path:
                    raise fail(
                        self.source,
                        "refused-content",
                        "the Parquet file points at column data in other files; write it as one self-contained file",
                        "该 Parquet 文件引用了其他文件中的列数据；请写成单个完整文件",
                    )
        if total > self.limits.max_total_uncompressed:
            raise fail(
                self.source,
                "too-large",
                f"the Parquet data expands to {total / 2**20:.0f} MB, more than "
                f"{self.limits.max_total_uncompressed / 2**20:.0f} MB",
                f"Parquet 数据解压后 {total / 2**20:.0f} MB，超过上限",
            )
        raw_geo = (md.metadata or {}).get(b"geo")
        if raw_geo is None:
            raise fail(
                self.source,
                "no-geometry",
                "the Parquet file has no GeoParquet 'geo' metadata; write it with "
                "GeoPandas (to_parquet) or GDAL, or upload a CSV with a WKT column",
                "该 Parquet 文件没有 GeoParquet 的 'geo' 元数据；请用 GeoPandas 或 GDAL 写出，或上传含 WKT 列的 CSV",
            )
        try:
            self.geo = json.loads(raw_geo)
            self.column = self.geo.get("primary_column") or next(iter(self.geo["columns"]))
            self.spec = self.geo["columns"][self.column]
        except (ValueError, KeyError, TypeError, StopIteration) as exc:
            raise fail(
                self.source,
                "unreadable",
                f"the GeoParquet metadata is malformed ({exc})",
                f"GeoParquet 元数据有误({exc})",
            ) from exc

    def layers(self) -> list[str]:
        return [PurePosixPath(self.source).stem or "table"]

    def _declared(self) -> CRS | None:
        if "crs" not in self.spec:
            return CRS.from_user_input("OGC:CRS84")  # the GeoParquet default
        value = self.spec["crs"]
        if value is None:
            return None
        if isinstance(value, dict):
            return CRS.from_json_dict(value)
        if isinstance(value, str) and USER_CRS_RE.match(value):
            return CRS.from_user_input(value)
        raise fail(
            self.source,
            "unreadable",
            f"the GeoParquet CRS {str(value)[:80]!r} is not PROJJSON",
            f"GeoParquet 坐标系 {str(value)[:80]!r} 不是 PROJJSON",
        )

    def _table(self) -> Any:
        """The whole table, decoded in batches, refused as soon as its decoded size passes the cap.

        Sizes in the metadata are what the pages hold *encoded*: a dictionary-encoded column of one
        20 KB value repeated 200,000 times is a few KB on disk and 4 GB decoded. So the first 1,024
        rows are decoded to size the batches (at most 256 MB each), the decoded size is added up batch
        by batch, and a bomb is refused after a few batches, before it is expanded into Python
        objects. (Values too large for the worker's memory end the worker, which the caller reports
        as such.)
        """
        import pyarrow as pa  # noqa: PLC0415

        budget = self.limits.max_total_uncompressed
        total = rows = 0
        batches = []
        probe = next(self.file.iter_batches(batch_size=_PARQUET_BATCH, use_threads=False), None)
        size = _PARQUET_BATCH
        if probe is not None and probe.num_rows:  # rows as small as the first ones: read more at once
            per_row = max(1, sum(_decoded_bytes(column) for column in probe.columns) // probe.num_rows)
            size = max(_PARQUET_BATCH, min(_PARQUET_MAX_BATCH, _PARQUET_BATCH_BYTES // per_row))
        for batch in self.file.iter_batches(batch_size=size, use_threads=False):
            rows += batch.num_rows
            if rows > self.limits.max_features:
                raise too_many(
                    self.source, "features", f"more than {rows - batch.num_rows:,}", self.limits.max_features
                )
            total += sum(_decoded_bytes(column) for column in batch.columns)
            if total > budget:
                raise fail(
                    self.source,
                    "too-large",
                    f"the Parquet data expands to more than {budget / 2**20:.0f} MB when decoded (repeated values "
                    "compress to almost nothing on disk); split the file or write it without the repetition",
                    f"Parquet 数据解码后超过 {budget / 2**20:.0f} MB(重复值在磁盘上几乎不占空间)；请拆分文件",
                )
            batches.append(batch)
        if not batches:
            return self.file.read()
        return pa.Table.from_batches(batches, schema=self.file.schema_arrow)  # chunked: no second copy

    def _raw(self) -> tuple[Raw, int]:
        import pyarrow.compute as pc  # noqa: PLC0415

        table = self._table()
        column = table.column(self.column)
        attrs = arrow_cells(table.drop_columns([self.column]))
        if self.attributes_ready is not None:
            self.attributes_ready(attrs)  # before the outlines are decoded
        encoding = str(self.spec.get("encoding", "WKB")).upper()
        if encoding != "WKB":
            geoms = gpd.GeoSeries.from_arrow(column).to_numpy()
            unreadable: dict[int, Note] = {}
            fixes: dict[int, list[Note]] = {}
            wkb = None
        else:
            if hasattr(column.type, "value_type"):  # a dictionary column (written from a categorical)
                column = pc.cast(column, column.type.value_type)
            values = np.asarray(column.to_numpy(), dtype=object)  # bytes or None, without Python lists
            geoms, unreadable, fixes = from_wkb(values, arrow=column)  # headers screened on Arrow's buffers
            wkb = plain_polygon_wkb(values, column)
        vertices = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
        check_counts(self.source, len(attrs), vertices, self.limits)
        raw = Raw(attrs, geoms, unreadable, fixes, self._declared(), "GeoParquet metadata", wkb=wkb)
        return raw, vertices

    def meta(self, layer: str) -> Meta:
        raw, vertices = self._raw()
        return meta_from_raw(layer, raw, vertices)

    def load(self, layer: str) -> Raw:
        return self._raw()[0]
