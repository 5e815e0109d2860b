"""The safe file reader: whatever colleagues send, read correctly or refused with a clear reason.

One reader serves the page and the command line. It decides the format from the bytes (never the
extension alone) before GDAL sees anything, and opens only GeoJSON, GeoPackage, zipped Shapefile,
KML/KMZ, GeoParquet, CSV and XLSX. Two calls:

- :func:`inspect` is cheap and reads nothing in full: the layers, their columns with a preview,
  the declared CRS and what looks wrong with it, the text encoding with a preview, and the feature
  and vertex counts, so the page can ask the user to choose a layer, a CRS, an encoding and the
  column mapping;
- :func:`read` reads one layer into WGS-84 polygons, with every dropped, repaired, rejected or
  converted row in a report, the rejected rows as a table, and never a guess about coordinates.

Every failure is a :class:`ReadError` (a ``ValueError``) with a message in 中文 and English; no
traceback reaches the user. Files go to a private temporary directory per call, removed after.

Both calls parse the bytes in a separate process with its own memory, time and network limits
(:mod:`geo.io._worker`): a file built to crash a native library, exhaust memory or stall a parser
costs that process, never the caller (the page's server, the command line), and comes back as a
``ReadError`` like any other refusal. Defences inside the parse come first (geometry nesting checked
from WKB headers and bracket depth before any decoder recurses, Parquet decoded in bounded batches,
GeoPackage rows counted, zip directories counted entry by entry, KML, GeoJSON and XLSX capped).

>>> from geo.io.reader import sniff
>>> sniff(b'{"type": "FeatureCollection", "features": []}', "x.json")
'geojson'
"""

from __future__ import annotations

import contextlib
import csv
import pickle
import sqlite3
import struct
import sys
import tempfile
import warnings
import xml.parsers.expat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError

from geo.io._gdalformats import GeoJson, GeoPackage, ShapefileZip
from geo.io._hygiene import Ledger, clean_checked, repair
from geo.io._pyformats import Csv, Kml, Kmz, Parquet, Table, Xlsx
from geo.io._readbase import CrsChoice, EncodingInfo, ErrorCode, Finding, Limits, Note, ReadError, fail
from geo.io._readcrs import (
    CHINA,
    CRS_CHOICES,
    DATUM_SHIFTS,
    USER_CRS_RE,
    WGS84,
    assess_crs,
    crs_choices,
    crs_label,
    in_box,
    is_degrees,
    suggest_crs,
    to_wgs84,
)
from geo.io._sniff import FORMATS, signature_format, sniff
from geo.io._sources import ENCODING_CHOICES, LayerFacts, Meta, Opened, Raw, bounds_of, user_codec
from geo.io._worker import early_value, run_isolated, send_early, sent_early
from geo.schema import (
    CARRIER_FIELDS,
    ZONE_FIELDS,
    FrameCells,
    Problem,
    same_cells,
    validate_carriers,
    validate_zones,
)
from geo.text import Text

__all__ = [
    "CRS_CHOICES",
    "ENCODING_CHOICES",
    "FORMATS",
    "CrsChoice",
    "EncodingInfo",
    "ErrorCode",
    "Finding",
    "Inspection",
    "LayerInfo",
    "Limits",
    "Note",
    "ReadError",
    "ReadResult",
    "inspect",
    "inspect_path",
    "read",
    "read_path",
    "sniff",
    "suggest_mapping",
]

_OPENERS: dict[str, type[Opened]] = {
    "geojson": GeoJson,
    "gpkg": GeoPackage,
    "shapefile": ShapefileZip,
    "kml": Kml,
    "kmz": Kmz,
    "geoparquet": Parquet,
    "csv": Csv,
    "xlsx": Xlsx,
}

Role = Literal["carriers", "zones"]


@dataclass(kw_only=True)
class LayerInfo(LayerFacts):
    """One layer as :func:`inspect` sees it, before any full read: its facts (:class:`LayerFacts`), the
    coordinate system it declares (as a label), and what the user must confirm."""

    declared_crs: str | None = None
    crs_issues: list[Note] = field(default_factory=list)
    crs_issue_codes: list[str] = field(default_factory=list)
    crs_choices: list[CrsChoice] = field(default_factory=list)
    suggested_crs: str | None = None
    swap_suggested: bool = False
    error: ReadError | None = None  # this layer cannot be read, and why

    @property
    def needs_crs(self) -> bool:
        """Whether :func:`read` will ask for ``crs=``."""
        return bool(self.crs_issues)

    @property
    def needs_encoding(self) -> bool:
        """Whether :func:`read` will ask for ``encoding=``."""
        return self.encoding is not None and self.encoding.problem is not None


@dataclass
class Inspection:
    """What a file holds, cheaply: format, layers and everything the user must confirm."""

    filename: str
    format: str
    layers: list[LayerInfo]
    notes: list[Note] = field(default_factory=list)

    def layer(self, name: str | int | None = None) -> LayerInfo:
        """The named layer, or the only one."""
        if name is None:
            if len(self.layers) != 1:
                raise KeyError("several layers: name one")
            return self.layers[0]
        if isinstance(name, int):
            return self.layers[name]
        for info in self.layers:
            if info.name == name:
                return info
        raise KeyError(name)


@dataclass
class ReadResult:
    """One layer read: WGS-84 polygons, and everything done on the way."""

    frame: gpd.GeoDataFrame
    report: list[Finding]
    rejected: pd.DataFrame
    crs_note: Note
    source_crs: str
    encoding: str | None
    layer: str
    format: str
    problems: list[Problem] = field(default_factory=list)  # contract findings for ``role``
    filename: str = ""
    #: The outlines as read and the file's WKB of those left unchanged (:func:`_pack_frame`): only
    #: to send the frame from the reader's process; never pickled itself.
    _wire: _Wire | None = field(default=None, repr=False, compare=False)
    #: The attributes the worker sent to its caller ahead of the result (:func:`geo.io._worker.send_early`),
    #: which the result then names instead of sending them again; only in the reader's process.
    _early: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        """The state to pickle: the frame's outlines as one array of WKB (see :func:`_pack_frame`)."""
        state = dict(self.__dict__)
        state["frame"] = _pack_frame(self.frame, self._wire, early=self._early)
        state["_wire"] = None
        state["_early"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled result, rebuilding a packed frame."""
        state = dict(state)
        state["frame"] = _unpack_frame(state.get("frame"))
        state.setdefault("_wire", None)
        state.setdefault("_early", None)
        self.__dict__.update(state)

    def report_frame(self) -> pd.DataFrame:
        """The report as a table (row, id, action, reason_en, reason_zh)."""
        return pd.DataFrame([vars(f) for f in self.report], columns=["row", "id", "action", "reason_en", "reason_zh"])

    def rejected_csv(self) -> bytes:
        """The dropped and rejected rows as CSV for Excel (UTF-8 with BOM), formula-like text kept as text.

        Written by :func:`geo.io.export.summary_csv`, like every CSV the tool hands out: the header on
        line 1, nothing about the file in it (see :meth:`rejected_zip` for the CSV with its stamp).
        """
        from geo.io.export import summary_csv  # noqa: PLC0415 - export imports pyogrio: only after hardening

        return summary_csv(self.rejected)

    def rejected_zip(self) -> bytes:
        """:meth:`rejected_csv` zipped with its CSV on the Web metadata, which names the file and layer."""
        from geo.io.export import summary_csv_zip  # noqa: PLC0415 - export imports pyogrio: only after hardening

        stamp = {
            "content": "rows not loaded (dropped or rejected), with the reason",
            "file": self.filename,
            "layer": self.layer,
        }
        title = Text("未载入的行（舍弃或拒绝）及原因", "rows not loaded (dropped or rejected), with the reason")
        return summary_csv_zip(self.rejected, stamp, name="rejected_rows.csv", title=title)


def _library_errors() -> tuple[type[BaseException], ...]:
    import pyarrow  # noqa: PLC0415
    import pyogrio.errors  # noqa: PLC0415 - after hardening (this runs inside a call)

    # openpyxl is imported only to read a spreadsheet: if it is not loaded, it raised nothing.
    spreadsheet = sys.modules.get("openpyxl.utils.exceptions")
    spreadsheet_errors = (spreadsheet.InvalidFileException,) if spreadsheet is not None else ()

    return (
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        OSError,
        EOFError,
        OverflowError,
        RecursionError,
        UnicodeError,
        struct.error,
        zipfile.BadZipFile,
        zlib.error,
        sqlite3.Error,
        csv.Error,
        CRSError,
        ProjError,
        shapely.errors.GEOSException,
        xml.parsers.expat.ExpatError,
        *spreadsheet_errors,
        pyarrow.ArrowException,
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.CRSError,
        pyogrio.errors.GeometryError,
        pyogrio.errors.FieldError,
        pyogrio.errors.FeatureError,
        NotImplementedError,
        MemoryError,
    )


# GDAL warnings the reader already turns into per-row findings.
_HANDLED_WARNINGS = ("Non closed ring detected",)


@contextlib.contextmanager
def _boundary(source: str, captured: list[Note]) -> Iterator[None]:
    """Turn library failures into ReadError and library warnings into notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except ReadError:
            raise
        except _library_errors() as exc:
            text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise fail(
                source,
                "unreadable",
                f"the file cannot be read ({type(exc).__name__}: {text}); it may be "
                "damaged or not what its name says — export it again from its source",
                f"无法读取该文件({type(exc).__name__}: {text})；文件可能已损坏或与扩展名不符，请从源头重新导出",
            ) from exc
        finally:
            for w in caught:
                message = str(w.message).strip()
                if message.startswith(_HANDLED_WARNINGS):
                    continue
                if message and not any(n.en.endswith(message) for n in captured):
                    captured.append(Note(f"reader warning: {message}", f"读取提示：{message}"))


def _open(
    data: bytes, source: str, tmp: Path, *, limits: Limits, encoding: str | None, geometry: str | tuple[str, str] | None
) -> Opened:
    fmt = sniff(data, source, limits=limits)
    opener = _OPENERS[fmt]
    if issubclass(opener, Table):
        return opener(data, source, tmp, limits, encoding, geometry=geometry)
    return opener(data, source, tmp, limits, encoding)


def _pick_layer(opened: Opened, layer: str | int | None) -> str:
    names = opened.layers()
    if not names:
        raise fail(opened.source, "empty", "the file holds no layers", "文件中没有图层")
    if isinstance(layer, int) and not isinstance(layer, bool):
        if 0 <= layer < len(names):
            return names[layer]
        layer = str(layer)
    if layer is not None:
        if layer in names:
            return str(layer)
        raise fail(
            opened.source,
            "needs-layer",
            f"there is no layer {layer!r}; choose one of the layers listed",
            f"没有名为 {layer!r} 的图层；请从列出的图层中选择",
            choices=names,
        )
    if len(names) == 1:
        return names[0]
    if isinstance(opened, Kml) and opened.default_layer() is not None:
        return str(opened.default_layer())
    raise fail(
        opened.source,
        "needs-layer",
        f"the file holds {len(names)} layers; choose one",
        f"文件中有 {len(names)} 个图层；请选择一个",
        choices=names,
    )


def _fields(role: Role | None) -> list[str]:
    if role == "carriers":
        return [f.name for f in CARRIER_FIELDS]
    if role == "zones":
        return [f.name for f in ZONE_FIELDS]
    return list(dict.fromkeys([f.name for f in CARRIER_FIELDS] + [f.name for f in ZONE_FIELDS]))


_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "代码", "标识", "fid_1", "code"),
    "name_zh": ("name_zh", "name", "名称", "中文名", "中文名称", "载体名称", "片区名称"),
    "name_en": ("name_en", "英文名", "英文名称", "ename"),
    "kind": ("kind", "类型", "类别", "载体类型"),
    "type": ("type", "类型", "片区类型"),
    "parent_id": ("parent_id", "上级", "父级", "所属载体", "parent"),
    "zone_ids": ("zone_ids", "所属片区", "片区", "zones"),
    "floor_area_existing_m2": ("floor_area_existing_m2", "现状建筑面积", "已建面积", "存量面积", "existing"),
    "floor_area_planned_m2": ("floor_area_planned_m2", "规划建筑面积", "新增建筑面积", "新增面积", "planned"),
    "planned_year": ("planned_year", "规划年份", "计划年份"),
    "opened_year": ("opened_year", "建成年份", "启用年份", "开放年份"),
    "status": ("status", "状态", "建设状态"),
    "site_area_m2": ("site_area_m2", "用地面积", "占地面积"),
    "geometry_accuracy_m": ("geometry_accuracy_m", "精度", "轮廓精度"),
    "source_ids": ("source_ids", "来源", "出处", "sources"),
    "layout": ("layout", "布局"),
    "declared_floor_area_m2": ("declared_floor_area_m2", "规划面积", "目标面积", "规划建筑面积"),
}


def suggest_mapping(columns: list[str], role: Role) -> dict[str, str]:
    """A first guess at file column → contract field, for the page to show and the user to correct.

    Exact names, case-insensitive names, Shapefile names cut to 10 bytes (``floor_area`` of
    ``floor_area_existing_m2`` is ambiguous and left out), common Chinese headers, and the short
    field codes of the tool's own Shapefile export (``EXIST_M2``: :func:`geo.io.export.field_for_code`).

    >>> suggest_mapping(["ID", "名称", "geometry_a", "状态"], "carriers")
    {'ID': 'id', '名称': 'name_zh', 'geometry_a': 'geometry_accuracy_m', '状态': 'status'}
    """
    from geo.io import export  # noqa: PLC0415 - the export's field table: the one place for the short codes

    targets = _fields(role)
    out: dict[str, str] = {}
    used: set[str] = set()
    for column in columns:
        key = column.strip().casefold()
        candidates = [t for t in targets if t == key]
        candidates = candidates or [t for t in targets if key in _ALIASES.get(t, ())]
        candidates = candidates or [t for t in targets if t == export.field_for_code(column, role)]  # EXIST_M2…
        if not candidates and len(column.encode()) >= 8:
            candidates = [t for t in targets if t.encode()[:10].decode(errors="ignore") == key]
        candidates = [t for t in candidates if t not in used]
        if len(candidates) == 1:
            out[column] = candidates[0]
            used.add(candidates[0])
    return out


def _apply_mapping(
    attrs: pd.DataFrame, columns: dict[str, str] | None, role: Role | None, source: str, ledger_notes: list[Note]
) -> pd.DataFrame:
    if not columns:
        return attrs
    problems: list[Problem] = []
    allowed = set(_fields(role))
    for src, dst in columns.items():
        if src not in attrs.columns:
            problems.append(Problem(f"column {src!r}", "is not in the file", "pick one of the file's columns"))
        if dst not in allowed:
            problems.append(
                Problem(
                    f"field {dst!r}",
                    f"is not a {role or 'contract'} field",
                    f"use one of: {', '.join(sorted(allowed))}",
                )
            )
    targets = list(columns.values())
    for dst in sorted({t for t in targets if targets.count(t) > 1}):
        problems.append(Problem(f"field {dst!r}", "is mapped from more than one column", "map each field once"))
    if problems:
        raise fail(
            source,
            "bad-mapping",
            f"the column mapping has {len(problems)} problem(s)",
            f"列对应关系有 {len(problems)} 个问题",
            problems=problems,
        )
    out = attrs.copy()
    clashing = [c for c in out.columns if c in targets and c not in columns]
    for column in clashing:
        new = f"{column}_file"
        out = out.rename(columns={column: new})
        ledger_notes.append(
            Note(
                f"the file's own column {column!r} was renamed {new!r}: another column is mapped to {column!r}",
                f"文件自带的列 {column!r} 已改名为 {new!r}：另一列被对应到 {column!r}",
            )
        )
    return out.rename(columns=columns)


def _id_column(attrs: pd.DataFrame) -> str | None:
    for column in attrs.columns:
        if str(column).strip().casefold() == "id":
            return str(column)
    return None


def inspect(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    geometry: str | tuple[str, str] | None = None,
    limits: Limits | None = None,
) -> Inspection:
    """What ``data`` holds, cheaply, for the user to choose a layer, CRS, encoding and mapping.

    The bytes are parsed in a separate, resource-limited process (:mod:`geo.io._worker`): a file that
    crashes a native library, or asks for too much memory or time, is refused with a ``ReadError``.

    Parameters
    ----------
    data, filename
        The upload and its name.
    encoding
        Re-inspect with this text encoding (after the preview showed mojibake).
    geometry
        For CSV/XLSX: the WKT column, or a (lon, lat) pair, when the guess is wrong.
    limits
        Caps (see :class:`Limits`).

    Raises
    ------
    ReadError
        When the file is refused as a whole, or its only layer cannot be read.
    """
    limits = limits or Limits()
    kwargs = {"encoding": encoding, "geometry": geometry, "limits": limits}
    result: Inspection = run_isolated("geo.io.reader:_inspect_here", filename, (data, filename), kwargs, limits)
    return result


def _inspect_here(
    data: bytes,
    filename: str,
    *,
    encoding: str | None = None,
    geometry: str | tuple[str, str] | None = None,
    limits: Limits | None = None,
) -> Inspection:
    """:func:`inspect` in this process (the worker's side)."""
    limits = limits or Limits()
    _check_encoding_option(filename, encoding)
    captured: list[Note] = []
    with _boundary(filename, captured), tempfile.TemporaryDirectory(prefix="geo-reader-") as tmp:
        opened = _open(data, filename, Path(tmp), limits=limits, encoding=encoding, geometry=geometry)
        try:
            names = opened.layers()
            if not names:
                raise fail(filename, "empty", "the file holds no layers", "文件中没有图层")
            layers = []
            for name in names[: limits.max_layers]:
                try:
                    layers.append(_layer_info(opened.meta(name)))
                except ReadError as exc:
                    if len(names) == 1:
                        raise
                    layers.append(_failed_layer(name, exc))
        finally:
            opened.close()
    return Inspection(filename, opened.fmt, layers, [*opened.notes, *captured])  # warnings land on exit


def _check_encoding_option(source: str, encoding: str | None) -> None:
    """Refuse an ``encoding=`` that is not a text encoding (``rot13``, ``base64``…) before anything is read."""
    if encoding is not None:
        user_codec(source, encoding)


def _failed_layer(name: str, exc: ReadError) -> LayerInfo:
    return LayerInfo(
        name=name,
        features=0,
        vertices=None,
        vertices_estimated=False,
        geometry_type="",
        columns=[],
        preview=pd.DataFrame(),
        crs_source=None,
        bounds=None,
        error=exc,
    )


def _layer_info(meta: Meta) -> LayerInfo:
    codes, issues, swap = assess_crs(meta.declared, meta.bounds)
    choices = crs_choices(meta.bounds, swap) if issues else []
    facts = {f.name: getattr(meta, f.name) for f in fields(LayerFacts)}
    return LayerInfo(
        **facts,
        declared_crs=crs_label(meta.declared),
        crs_issues=issues,
        crs_issue_codes=codes,
        crs_choices=choices,
        suggested_crs=suggest_crs(choices, codes) if choices else None,
        swap_suggested=swap,
    )


def read(
    data: bytes,
    filename: str,
    *,
    layer: str | int | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    swap_xy: bool | None = None,
    columns: dict[str, str] | None = None,
    role: Role | None = None,
    geometry: str | tuple[str, str] | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """Read one layer into WGS-84 polygons, reporting everything done on the way.

    Parameters
    ----------
    data, filename
        The upload and its name.
    layer
        Layer name (or index) when the file holds several (GeoPackage layers, the zip's
        Shapefiles, KML folders, XLSX sheets).
    encoding
        Text encoding, when :func:`inspect` reported a conflict (``'GB18030'``, ``'UTF-8'`` …).
    crs
        The coordinate system the numbers are really in, overriding the file's: a key of
        :data:`CRS_CHOICES` (``'EPSG:4549'``, ``'GCJ-02'`` …) or another ``'EPSG:nnnn'``.
        Required when the file declares none or its declaration does not fit the numbers.
    swap_xy
        True when the file has latitude first; False to confirm the order as is.
    columns
        File column → contract field (``{'名称': 'name_zh'}``); other columns are kept.
    role
        ``'carriers'`` or ``'zones'``: checks the mapping's targets and fills ``problems``.
    geometry
        For CSV/XLSX: the WKT column, or a (lon, lat) pair.
    limits
        Caps (see :class:`Limits`).

    Returns
    -------
    ReadResult
        ``frame`` (EPSG:4326, polygons only, Z dropped, repaired), ``report``, ``rejected``,
        ``crs_note`` and the contract ``problems``.

    Raises
    ------
    ReadError
        With a bilingual message, and ``choices`` for the ``needs-*`` codes. The bytes are parsed in
        a separate, resource-limited process (:mod:`geo.io._worker`): a file that crashes a native
        library, or asks for too much memory or time, is refused like any other.
    """
    limits = limits or Limits()
    kwargs = {
        "layer": layer,
        "encoding": encoding,
        "crs": crs,
        "swap_xy": swap_xy,
        "columns": columns,
        "role": role,
        "geometry": geometry,
        "limits": limits,
    }
    result: ReadResult = run_isolated("geo.io.reader:_read_here", filename, (data, filename), kwargs, limits)
    return result


def _read_here(
    data: bytes,
    filename: str,
    *,
    layer: str | int | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    swap_xy: bool | None = None,
    columns: dict[str, str] | None = None,
    role: Role | None = None,
    geometry: str | tuple[str, str] | None = None,
    limits: Limits | None = None,
) -> ReadResult:
    """:func:`read` in this process (the worker's side)."""
    limits = limits or Limits()
    _check_encoding_option(filename, encoding)
    if crs is not None and crs not in CRS_CHOICES and not USER_CRS_RE.match(crs.strip()):
        raise fail(
            filename,
            "needs-crs",
            f"{crs!r} is not a coordinate system this reader accepts",
            f"不接受坐标系 {crs!r}",
            choices=list(CRS_CHOICES),
        )
    captured: list[Note] = []
    attributes = _Attributes(columns, role, filename)
    with _boundary(filename, captured), tempfile.TemporaryDirectory(prefix="geo-reader-") as tmp:
        opened = _open(data, filename, Path(tmp), limits=limits, encoding=encoding, geometry=geometry)
        try:
            name = _pick_layer(opened, layer)
            opened.attributes_ready = attributes.send
            raw = opened.load(name)
        finally:
            opened.close()
        if len(raw.attrs) == 0:
            raise fail(filename, "empty", f"layer {name!r} holds no features", f"图层 {name!r} 中没有要素")
        result = _finish(
            raw, opened.fmt, name, filename, crs=crs.strip() if crs else None, swap_xy=swap_xy, attributes=attributes
        )
    # After the boundary: library warnings are collected into ``captured`` as it exits.
    result.report[:0] = [
        Finding(None, None, "note", n.en, n.zh) for n in [*opened.notes, *captured] if n not in raw.notes
    ]
    return result


def _resolve_crs(
    raw: Raw, bounds: tuple[float, float, float, float] | None, source: str, crs: str | None, swap_xy: bool | None
) -> tuple[CRS | str, str]:
    """The CRS the numbers are in: the caller's choice, else the declared one if nothing looks wrong."""
    if crs is not None:
        if crs in DATUM_SHIFTS:
            return crs, crs
        chosen = CRS.from_user_input(crs)
        return chosen, crs_label(chosen) or crs
    codes, issues, swap_hint = assess_crs(raw.declared, bounds)
    if swap_xy is not None:  # the caller confirmed the axis order
        issues = [n for n, c in zip(issues, codes, strict=True) if c != "swapped-axes"]
    if issues:
        fitting = [c.code for c in crs_choices(bounds, swap_hint) if c.fits]
        hint_en = f" Choices that land in China: {', '.join(fitting)}." if fitting else ""
        hint_zh = f"落在中国境内的选项：{'、'.join(fitting)}。" if fitting else ""
        raise fail(
            source,
            "needs-crs",
            " ".join(n.en for n in issues) + ". Pass crs= (and swap_xy=True if latitude comes first)." + hint_en,
            "；".join(n.zh for n in issues) + "。请指定 crs=(纬度在前时再加 swap_xy=True)。" + hint_zh,
            choices=list(CRS_CHOICES),
        )
    if raw.declared is None:  # no CRS and no coordinates at all
        raise fail(
            source,
            "needs-crs",
            "the file declares no coordinate system; pass crs=",
            "文件未声明坐标系；请指定 crs=",
            choices=list(CRS_CHOICES),
        )
    return raw.declared, crs_label(raw.declared) or raw.declared.name


def _place(geoms: np.ndarray, chosen: CRS | str, label: str, *, swap: bool, source: str, ledger: Ledger) -> bool:
    """Convert the kept geometries to WGS-84 in place; refuse a choice that yields no lon/lat.

    Returns whether any coordinate moved (False when the data are WGS-84 already).
    """
    keep = ~shapely.is_missing(geoms)
    if not keep.any():
        return False
    before = geoms[keep]
    placed = to_wgs84(before, chosen, swap)
    geoms[keep] = placed
    landed = bounds_of(placed)
    if landed is not None and not is_degrees(landed):
        raise fail(
            source,
            "needs-crs",
            f"read as {label}{' with axes swapped' if swap else ''}, the numbers "
            "do not become valid longitude/latitude; choose another coordinate system"
            + (" or swap_xy=True" if not swap else ""),
            f"按 {label}{'(交换坐标轴)' if swap else ''} "
            "解释后不是有效的经纬度；请选择其他坐标系" + ("或 swap_xy=True" if not swap else ""),
            choices=list(CRS_CHOICES),
        )
    if landed is not None and not in_box(landed, CHINA):
        ledger.add(
            None,
            "note",
            Note("the data lies outside China: check the coordinate system", "数据位于中国境外：请核对坐标系"),
        )
    return placed is not before  # to_wgs84 hands back the same array when nothing moves


def _no_polygons(ledger: Ledger, layer: str, source: str) -> ReadError:
    lost = [f for f in ledger.report if f.action in ("rejected", "dropped")]
    return fail(
        source,
        "no-polygons",
        f"no polygon could be read from layer {layer!r}: " + "; ".join(sorted({f.reason_en for f in lost})[:5]),
        f"图层 {layer!r} 中没有可用的多边形：" + "；".join(sorted({f.reason_zh for f in lost})[:5]),
        problems=[Problem(f"row {f.row}", f.reason_en) for f in lost][:50],
    )


class _Attributes:
    """A layer's attribute table as a read hands it on (its columns mapped, a ``geometry`` column renamed), made once.

    In a worker whose caller asked for it (:func:`geo.io._worker.send_early`), the table goes ahead of
    the result: the caller reads its cells while this process checks the outlines (both cores at
    work), and the result names the table instead of holding it again. A format that reads the
    attributes apart from the outlines hands them over before it decodes the outlines
    (:meth:`send`, as :attr:`Opened.attributes_ready`); :func:`_finish` sends the table of any other.
    """

    def __init__(self, columns: dict[str, str] | None, role: Role | None, source: str) -> None:
        self.columns, self.role, self.source = columns, role, source
        self._made: tuple[pd.DataFrame, pd.DataFrame, list[Note]] | None = None

    def of(self, attrs: pd.DataFrame) -> tuple[pd.DataFrame, list[Note]]:
        """The table made of the file's attributes ``attrs`` (made once for that object), and its mapping's notes."""
        if self._made is None or self._made[0] is not attrs:
            notes: list[Note] = []
            table = _apply_mapping(attrs.reset_index(drop=True), self.columns, self.role, self.source, notes)
            if "geometry" in table.columns:
                table = table.rename(columns={"geometry": "geometry_file"})
            self._made = (attrs, table, notes)
        return self._made[1], list(self._made[2])

    def send(self, attrs: pd.DataFrame) -> pd.DataFrame | None:
        """Send the table made of ``attrs`` ahead, when the caller asked for it; the table sent, or None.

        Not a table with no row, nor one that cannot be made (a bad column mapping): the read then
        fails as it would have, in its order (:func:`_finish` raises the same error).
        """
        if len(attrs) == 0:
            return None
        try:
            table, _ = self.of(attrs)
        except ReadError:
            return None
        return table if sent_early(table) or send_early(table) else None


def _finish(
    raw: Raw,
    fmt: str,
    layer: str,
    source: str,
    *,
    crs: str | None,
    swap_xy: bool | None,
    attributes: _Attributes,
) -> ReadResult:
    if raw.encoding is not None and raw.encoding.problem is not None:
        raise fail(source, "needs-encoding", raw.encoding.problem.en, raw.encoding.problem.zh, choices=ENCODING_CHOICES)
    role = attributes.role
    attrs, mapped = attributes.of(raw.attrs)
    notes: list[Note] = [*raw.notes, *mapped]
    early = attributes.send(raw.attrs)
    ahead = early is not None and _send_outlines(raw, crs, swap_xy)
    id_col = "id" if "id" in attrs.columns else _id_column(attrs)
    ledger = Ledger(attrs[id_col] if id_col else None)
    for note in notes:
        ledger.add(None, "note", note)

    geoms, valid, untouched = clean_checked(raw.geoms, raw, ledger)
    bounds = bounds_of(raw.geoms)  # None (missing) rows have no bounds and are ignored
    chosen, label = _resolve_crs(raw, bounds, source, crs, swap_xy)
    swap = bool(swap_xy)
    crs_note = _crs_note(label, crs_label(raw.declared), crs, swap, raw.crs_source)
    wgs84 = isinstance(chosen, CRS) and chosen.is_geographic and chosen.equals(WGS84, ignore_axis_order=True)
    ledger.add(None, "note" if wgs84 and not swap else "converted", crs_note)
    moved = _place(geoms, chosen, label, swap=swap, source=source, ledger=ledger)
    geoms = repair(geoms, ledger, valid=None if moved else valid)  # validity checked once when nothing moved

    kept = ~shapely.is_missing(geoms)
    if not kept.any():
        raise _no_polygons(ledger, layer, source)
    outlines = geoms[kept]
    frame = _frame(attrs, outlines, kept)
    wire = None
    if raw.wkb is not None and not moved:  # the file's own bytes for every outline left as read
        wire = _Wire(outlines, np.where(untouched & valid, raw.wkb, None)[kept], np.flatnonzero(kept), ahead)
    problems: list[Problem] = []
    if role in ("carriers", "zones"):
        # Every outline kept passed GEOS's validity check here; a repaired one was made valid, so those
        # are checked again (as a file handed in would be).
        repaired = any(finding.action == "repaired" for finding in ledger.report)
        cells = FrameCells(frame, outlines_valid=not repaired)
        check = validate_carriers if role == "carriers" else validate_zones
        problems = check(frame, cells=cells)
    return ReadResult(
        frame,
        ledger.report,
        _rejected_frame(attrs, raw.geoms, ledger),
        crs_note,
        label,
        raw.encoding.encoding if raw.encoding else None,
        layer,
        fmt,
        problems,
        source,
        _wire=wire,
        _early=early,
    )


def _frame(attrs: pd.DataFrame, outlines: np.ndarray, kept: np.ndarray) -> gpd.GeoDataFrame:
    """The kept rows and their ``outlines`` as a GeoDataFrame in EPSG:4326 (index 0…n-1).

    The outlines go in as one GeometryArray, not a Python list of them; when every row is kept, the
    attributes are not copied row by row.
    """
    rows = attrs if kept.all() else attrs[kept]
    return gpd.GeoDataFrame(
        rows.reset_index(drop=True),
        geometry=gpd.array.from_shapely(outlines, crs="EPSG:4326"),
        crs="EPSG:4326",
        copy=False,  # the reader's own attributes (copy-on-write protects them): no second copy
    )


#: A frame as :meth:`ReadResult.__getstate__` sends it (the tag, then :func:`_pack_frame`'s fields).
_PACKED = "geo.io.reader:frame-wkb-2"


class _Wire(NamedTuple):
    """What :func:`_pack_frame` may send of a frame's outlines instead of writing each one again."""

    #: The frame's outlines as the read left them (the objects themselves).
    outlines: np.ndarray
    #: Per row of the frame, the file's WKB of its outline when that is still as read, else None.
    wkb: np.ndarray
    #: Per row of the frame, its row in the file (``Raw``'s), for outlines sent ahead.
    rows: np.ndarray | None = None
    #: Whether the file's WKB of every outline (``Raw.wkb``) went to the caller ahead (:func:`_send_outlines`).
    ahead: bool = False


#: In a worker's part sent ahead: the file's WKB of the outlines read (:func:`_send_outlines`).
_EARLY_OUTLINES = "geo.io.reader:outlines-sent-early"


def _send_outlines(raw: Raw, crs: str | None, swap_xy: bool | None) -> bool:
    """Send the file's own WKB of the outlines read as they are (``Raw.wkb``) to the caller ahead; whether sent.

    Only bytes this worker has decoded already go, so the caller decodes nothing the reader has not: the
    caller decodes them while this worker checks the outlines, and the result names each outline left
    as read by its row instead of sending its WKB (:func:`_pack_frame`). Sent after the attribute table
    (as the second part ahead, :func:`geo.io._worker.early_value`), only when the layer declares WGS-84
    with nothing asked of its coordinates (outlines to be reprojected would not be the result's), and
    only its polygons: a GeoPackage's multipolygons of one part, decoded beside the caller's other work,
    made a million-footprint command slower (10.5 s against 9.3 s), so they cross with the answer.
    """
    import pyarrow as pa  # noqa: PLC0415 - loaded with the reader's formats

    declared = raw.declared
    wgs84 = declared is not None and declared.is_geographic and declared.equals(WGS84, ignore_axis_order=True)
    if raw.wkb is None or not wgs84 or crs is not None or swap_xy:
        return False
    wkb = np.where(shapely.get_type_id(raw.geoms) == shapely.GeometryType.POLYGON, raw.wkb, None)
    if pd.isna(wkb).all():
        return False
    return send_early((_EARLY_OUTLINES, pa.array(wkb, type=pa.large_binary(), from_pandas=True)))


def _sent_outlines(value: Any) -> Any:
    """The Arrow WKB of a part sent ahead that is the outlines (:func:`_send_outlines`), else None."""
    import pyarrow as pa  # noqa: PLC0415 - loaded with the reader

    if isinstance(value, tuple) and len(value) == 2 and value[0] == _EARLY_OUTLINES:
        cells = value[1]
        if isinstance(cells, pa.Array) and pa.types.is_large_binary(cells.type):
            return cells
    return None


class _Decoding:
    """The caller's decoding of the outlines a worker sent ahead (:func:`_send_outlines`), in a thread of its own.

    ``then``: called in that thread with the outlines decoded, as a GeoSeries in EPSG:4326 (``on_outlines``
    of :func:`read_path`); what it does is its own business (a failure there changes nothing here).
    """

    def __init__(self, cells: Any, *, then: Callable[[gpd.GeoSeries], None] | None = None) -> None:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-outlines")
        self._done: Future[np.ndarray] = pool.submit(self._decode, cells, then)
        pool.shutdown(wait=False)

    @staticmethod
    def _decode(cells: Any, then: Callable[[gpd.GeoSeries], None] | None) -> np.ndarray:
        outlines = _decoded(cells)
        if then is not None:
            with contextlib.suppress(Exception):
                then(gpd.GeoSeries(gpd.array.GeometryArray(outlines, crs="EPSG:4326"), copy=False))
        return outlines

    def outlines(self) -> np.ndarray:
        """The outlines decoded, one per row of the file (None where no bytes came)."""
        return self._done.result()


def _decoded(cells: Any) -> np.ndarray:
    """Shapely outlines of an Arrow array of WKB (None where null)."""
    return np.asarray(shapely.from_wkb(cells.to_numpy(zero_copy_only=False)), dtype=object)


def _early_outlines() -> np.ndarray:
    """In the caller, while a worker's answer is unpickled: the outlines it sent ahead, decoded.

    The caller started decoding them as they came (:func:`_parts_to`); anything else in their place is
    not outlines. ``pickle.UnpicklingError`` when the second part sent ahead is not such outlines, or
    they do not decode.
    """
    try:
        sent = early_value(1)
    except LookupError as exc:
        raise pickle.UnpicklingError("the answer names outlines never sent ahead") from exc
    if not isinstance(sent, _Decoding):
        raise pickle.UnpicklingError("the second part sent ahead is not the outlines")
    try:
        return sent.outlines()
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise pickle.UnpicklingError(f"the outlines sent ahead do not decode ({exc})") from exc


#: In a packed frame, in place of its attributes: "the table the worker sent ahead" (:func:`_pack_frame`).
_EARLY_ATTRS = "geo.io.reader:attributes-sent-early"


def _pack_frame(frame: pd.DataFrame, wire: _Wire | None, *, early: pd.DataFrame | None = None) -> Any:
    """A GeoDataFrame as its attributes plus every outline's WKB in one Arrow binary array.

    geopandas pickles outlines as a million separate WKB objects; one array of them is written and
    read in one piece. Where ``wire`` holds the file's own WKB for an outline that is still the very
    object read (checked object by object), those bytes are sent as they are, or, when they went to
    the caller ahead (``wire.ahead``), the outline is named by its row in the file and no bytes are
    sent; every other outline is written anew. Anything but a GeoDataFrame with an active geometry
    column is returned as is.

    ``early``: the attribute table this worker sent its caller ahead (:func:`geo.io._worker.send_early`).
    When the frame's attributes are that table's very columns (every row kept), they are named, not
    sent again, and the caller rebuilds the frame on the columns it already holds.
    """
    import pyarrow as pa  # noqa: PLC0415 - loaded with the reader's formats

    name = frame.active_geometry_name if isinstance(frame, gpd.GeoDataFrame) else None
    if name is None or list(frame.columns).count(name) != 1:
        return frame
    array = frame[name].array
    if not isinstance(array, gpd.array.GeometryArray):
        return frame
    data = np.asarray(array, dtype=object)  # the shapely objects themselves
    blobs = np.full(len(data), None, dtype=object)
    fresh = np.ones(len(data), dtype=bool)
    rows = None  # per row: its row in the file, whose outline went ahead (-1: its WKB is in ``cells``)
    if wire is not None and len(wire.outlines) == len(data):
        read = wire.outlines
        same = np.fromiter(map(id, data), np.int64, len(data)) == np.fromiter(map(id, read), np.int64, len(data))
        reuse = same & ~pd.isna(wire.wkb)  # wire.outlines holds the objects read, so their ids cannot be reused
        if wire.ahead and wire.rows is not None:
            rows = np.where(reuse, wire.rows, -1).astype(np.int64)
        else:
            blobs[reuse] = wire.wkb[reuse]
        fresh = ~reuse
    blobs[fresh] = shapely.to_wkb(data[fresh])
    cells = pa.array(blobs, type=pa.large_binary(), from_pandas=True)
    attrs = pd.DataFrame(frame, copy=False)  # the same columns, not copied nor merged into fewer blocks
    del attrs[name]
    sent = attrs
    if early is not None and sent_early(early) and _same_table(attrs, early):
        sent = _EARLY_ATTRS
    return (_PACKED, sent, name, list(frame.columns).index(name), array.crs, cells, dict(frame.attrs), rows)


def _same_table(attrs: pd.DataFrame, early: pd.DataFrame) -> bool:
    """Whether ``attrs`` holds ``early``'s very columns: same names, order, rows and memory (:func:`same_cells`)."""
    names = list(attrs.columns)
    if names != list(early.columns) or len(set(names)) != len(names) or len(attrs) != len(early):
        return False
    if not (isinstance(attrs.index, pd.RangeIndex) and attrs.index.equals(early.index)):
        return False
    return all(same_cells(attrs[name], early[name]) for name in names)


def _unpack_frame(packed: Any) -> Any:
    """The GeoDataFrame :func:`_pack_frame` packed (anything else as is)."""
    if not (isinstance(packed, tuple) and packed and packed[0] == _PACKED):
        return packed
    _, attrs, name, position, crs, cells, frame_attrs, rows = packed
    if isinstance(attrs, str) and attrs == _EARLY_ATTRS:  # the table the worker sent ahead
        attrs = early_value()
        if not isinstance(attrs, pd.DataFrame) or len(attrs) != len(cells):
            raise pickle.UnpicklingError("the attributes sent ahead do not fit the outlines")
    outlines = gpd.array.GeometryArray(_outlines(cells, rows), crs=crs)
    columns = attrs.copy(deep=False)
    columns.insert(position, name, outlines)
    frame = gpd.GeoDataFrame(columns, geometry=name, copy=False)  # the columns were made for it: no copy
    frame.attrs.update(frame_attrs)
    return frame


def _outlines(cells: Any, rows: Any) -> np.ndarray:
    """A packed frame's outlines: its WKB (``cells``), and where ``rows`` names a row of the file (≥ 0), that
    row's outline sent ahead (:func:`_pack_frame`); a row named that never came is a malformed answer."""
    blobs = cells.to_numpy(zero_copy_only=False)
    if rows is None:
        return shapely.from_wkb(blobs)
    if not isinstance(rows, np.ndarray) or rows.dtype != np.int64 or rows.shape != (len(blobs),):
        raise pickle.UnpicklingError("the rows of the outlines sent ahead do not fit the frame")
    ahead = _early_outlines()
    named = rows >= 0
    if (rows < -1).any() or (rows >= len(ahead)).any():
        raise pickle.UnpicklingError("the answer names a row of outlines never sent ahead")
    outlines = np.empty(len(blobs), dtype=object)
    outlines[named] = ahead[rows[named]]
    if pd.isna(outlines[named]).any() or not pd.isna(blobs[named]).all():
        raise pickle.UnpicklingError("the answer names outlines that did not come ahead, or sends them twice")
    outlines[~named] = shapely.from_wkb(blobs[~named])
    return outlines


_SOURCE_ZH = {
    ".prj": " .prj 文件",
    "GeoJSON crs member": " GeoJSON 的 crs 成员",
    "GeoPackage": " GeoPackage",
    "GeoJSON (RFC 7946: always WGS-84)": " GeoJSON 标准(RFC 7946：始终为 WGS-84)",
    "KML (always WGS-84)": " KML 标准(始终为 WGS-84)",
    "GeoParquet metadata": " GeoParquet 元数据",
}


def _crs_note(chosen: str, declared: str | None, user: str | None, swap: bool, source: str | None) -> Note:
    swapped_en, swapped_zh = (" with longitude and latitude swapped back", "(已交换经纬度顺序)") if swap else ("", "")
    if user is None:
        en = f"coordinates declared as {chosen} by the {source or 'file'}{swapped_en}"
        zh = f"坐标系由{_SOURCE_ZH.get(source or '', f' {source}' if source else '文件')}声明为 {chosen}{swapped_zh}"
    else:
        was = f" (the file declared {declared})" if declared else " (the file declared none)"
        was_zh = f"(文件声明为 {declared})" if declared else "(文件未声明)"
        en = f"coordinates read as {chosen}, as chosen{was}{swapped_en}"
        zh = f"坐标按所选的 {chosen} 读取{was_zh}{swapped_zh}"
    if chosen.startswith("EPSG:4326"):
        return Note(en + "; already WGS-84", zh + "；已是 WGS-84")
    return Note(en + "; converted to WGS-84 (EPSG:4326)", zh + "；已转换为 WGS-84(EPSG:4326)")


def _rejected_frame(attrs: pd.DataFrame, geoms: np.ndarray, ledger: Ledger) -> pd.DataFrame:
    rows = sorted(ledger.out)
    base = attrs.iloc[rows].reset_index(drop=True) if rows else attrs.iloc[0:0].reset_index(drop=True)
    wkt = [shapely.to_wkt(geoms[i]) if geoms[i] is not None else None for i in rows]
    head = pd.DataFrame(
        {
            "row": [i + 1 for i in rows],
            "action": [ledger.out[i][0] for i in rows],
            "reason_en": [ledger.out[i][1].en for i in rows],
            "reason_zh": [ledger.out[i][1].zh for i in rows],
            "geometry_wkt": wkt,
        }
    )
    base = base.rename(columns={c: f"{c}_file" for c in base.columns if c in head.columns})
    return pd.concat([head, base], axis=1)


def _read_file_bytes(path: Path | str, limits: Limits) -> bytes:
    """The file's bytes, refused before they are loaded when it is larger than ``limits`` allow.

    The worker's side of :func:`read_path` and :func:`inspect_path`: the caller has refused an
    oversized file already; what is loaded is checked again (the file may have grown since).
    """
    path = Path(path)
    cap = _refuse_if_too_large(path, limits)
    data = path.read_bytes()
    if len(data) > cap:
        raise fail(
            path.name,
            "too-large",
            "the file grew past the size allowed while it was being read; read it again once nothing writes to it",
            "读取期间文件增大并超过上限；请在没有程序写入该文件时重新读取",
        )
    return data


def read_path(path: Path | str, **kwargs: Any) -> ReadResult:
    """:func:`read` on a file on the user's own disk (size checked before the bytes are loaded).

    Unless ``limits`` is given, the caps are :meth:`Limits.local` (2 GB, 5 million features), not
    the page's upload caps: the command line reads a city's footprints. Every other defence is the
    same, and the bytes are parsed in the isolated worker, which loads them from the file itself
    (a 300 MB GeoPackage is not copied through a pipe first).

    ``on_attributes`` (optional): called in this process with the layer's attribute table (columns
    mapped, every row read, no outlines) as soon as the worker has it, while the worker goes on
    checking the outlines; it should return at once (start a thread). The result's frame is these
    very columns when every row was kept, so work begun on them (reading cells for the contract
    check: :meth:`geo.schema.FrameCells.warm`) carries over; it is not called when the read fails
    before the attributes are read.

    ``on_outlines`` (optional, with ``on_attributes``): called in a thread of this process with the
    outlines of a WGS-84 layer as the worker decoded them (a GeoSeries, one per row of the file, None
    where the worker will write the outline anew), while the worker checks them. The result's frame
    holds these very objects for every outline the checks left as read, so work begun on them
    (measuring them: :func:`geo.rollup.metric_outlines`) carries over.
    """
    on_attributes = kwargs.pop("on_attributes", None)
    on_outlines = kwargs.pop("on_outlines", None)
    limits = kwargs["limits"] = kwargs.get("limits") or Limits.local()
    path = Path(path)
    _refuse_if_too_large(path, limits)
    result: ReadResult = run_isolated(
        "geo.io.reader:_read_path_here",
        path.name,
        (str(path),),
        kwargs,
        limits,
        on_early=None if on_attributes is None else _parts_to(on_attributes, on_outlines),
    )
    return result


def _parts_to(on_attributes: Any, on_outlines: Any) -> Any:
    """The worker's parts sent ahead: :func:`_finish`'s attribute table to ``on_attributes``, the outlines
    (:func:`_send_outlines`) decoded in a thread of their own (:class:`_Decoding`) and then handed to
    ``on_outlines`` (if any); anything else dropped."""

    def hand_over(value: Any) -> _Decoding | None:
        if isinstance(value, pd.DataFrame):
            on_attributes(value)
        elif (cells := _sent_outlines(value)) is not None:
            return _Decoding(cells, then=on_outlines)
        return None

    return hand_over


def _read_path_here(path: str, **kwargs: Any) -> ReadResult:
    """:func:`read_path` in this process (the worker's side)."""
    return _read_here(_read_file_bytes(path, kwargs["limits"]), Path(path).name, **kwargs)


def inspect_path(path: Path | str, **kwargs: Any) -> Inspection:
    """:func:`inspect` on a file on the user's own disk, with the caps of :func:`read_path`."""
    limits = kwargs["limits"] = kwargs.get("limits") or Limits.local()
    path = Path(path)
    _refuse_if_too_large(path, limits)
    result: Inspection = run_isolated("geo.io.reader:_inspect_path_here", path.name, (str(path),), kwargs, limits)
    return result


def _inspect_path_here(path: str, **kwargs: Any) -> Inspection:
    """:func:`inspect_path` in this process (the worker's side)."""
    return _inspect_here(_read_file_bytes(path, kwargs["limits"]), Path(path).name, **kwargs)


def _refuse_if_too_large(path: Path, limits: Limits) -> int:
    """Refuse a file larger than ``limits`` allow for its format, before anything loads it; the cap."""
    size = path.stat().st_size
    with path.open("rb") as head:
        cap = limits.upload_bytes(signature_format(head.read(16)) or "")
    if size > cap:
        raise fail(
            path.name,
            "too-large",
            f"the file is {size / 2**20:.1f} MB, more than the {cap / 2**20:.0f} MB allowed",
            f"文件大小 {size / 2**20:.1f} MB，超过上限 {cap / 2**20:.0f} MB",
        )
    return cap
