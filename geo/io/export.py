"""Exports: summary tables and the carriers and zones layers as bytes, ready for a download.

Every function here returns ``bytes`` (what ``st.download_button`` takes) and carries a metadata
stamp made by :func:`make_stamp`: the sha256 of each input, the grouping and membership mode, the
year, the CRS the areas were measured in (``area_crs``), the tool's version, the time, and a note
that outlines are approximate. XLSX, GeoPackage, GeoJSON, KML and the Shapefile zip hold the stamp
inside; a CSV keeps its header on line 1 (plain ``pandas.read_csv`` reads it) and the stamp goes
beside it as a W3C CSV on the Web metadata file, ``NAME.csv-metadata.json``
(:func:`summary_csv_files`, or both in one zip: :func:`summary_csv_zip`).

Rules that hold in every format:

- Floor areas are whole square metres and stay integers; an unknown figure (``pd.NA``) is written
  as an empty cell or ``null``, never as 0.
- Geometries are written in WGS-84 longitude/latitude (EPSG:4326); the GeoPackage may instead be
  labelled CGCS2000 (EPSG:4490), which agrees with WGS-84 to well under a metre, so coordinates
  are relabelled, not shifted.
- Spreadsheet formats (CSV, XLSX) never let a text cell become a formula (OWASP CSV injection):
  text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is kept as text. Nor
  does any carrier of the stamp: a zone type or file name from a user's upload (``pole,=cmd|…``)
  gets a leading apostrophe wherever the stamp is written (XLSX: Excel's quote prefix).
- A FAR is written with two decimals; a float is never written as ``-0.0``.
- The Shapefile's short field codes (``EXIST_M2``…) are in one table (:func:`field_codes`,
  :func:`field_for_code`), which the reader uses to map an exported Shapefile back.

Files are built in memory or in a private temporary directory; nothing else touches the disk.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET  # builds XML only; nothing here parses any
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.text import FIELD_LABELS, Lang, Text

if TYPE_CHECKING:  # openpyxl is imported when a workbook is written, not for CSV or GeoJSON
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "EXPORT_FORMATS",
    "HASH_PREFIX",
    "ROUNDED",
    "STAMP_NOTE",
    "ExportError",
    "ExportFormat",
    "column_titles",
    "csv_metadata",
    "csv_metadata_name",
    "field_codes",
    "field_for_code",
    "geopackage",
    "hash_bytes",
    "kml",
    "layer_geojson",
    "layers_geojson",
    "make_stamp",
    "shapefile_zip",
    "stamp_of_csv_metadata",
    "summary_csv",
    "summary_csv_files",
    "summary_csv_zip",
    "summary_json",
    "summary_records",
    "summary_xlsx",
]

DISTRIBUTION: Final = "xuhui-carriers"
UNKNOWN_VERSION: Final = "0+unknown"
BUILD_OUT: Final = "build-out"
TOTAL_ID: Final = "__total__"
WGS84: Final = "EPSG:4326"
CGCS2000: Final = "EPSG:4490"

STAMP_NOTE: Final = (
    "Outlines are approximate: geometry_accuracy_m says how far each drawn outline may be from the "
    "real one. Floor areas are whole m²; an empty figure is unknown (not zero). "
    "边界为示意：geometry_accuracy_m 为绘制边界与实际边界的可能偏差（米）；"
    "面积为整平方米，空值表示未知而非零。"
)

#: The stamp's key for the hash of input ``name`` is ``input_sha256.<name>``.
HASH_PREFIX: Final = "input_sha256."


class ExportFormat(NamedTuple):
    """File suffix and MIME type of one download."""

    suffix: str
    mime: str


#: Format key -> (file suffix, MIME type), for the page's download buttons. ``csvw`` is a CSV
#: with its CSV on the Web metadata, zipped (:func:`summary_csv_zip`).
EXPORT_FORMATS: Final[Mapping[str, ExportFormat]] = {
    "csv": ExportFormat(".csv", "text/csv"),
    "json": ExportFormat(".json", "application/json"),
    "xlsx": ExportFormat(".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "geojson": ExportFormat(".geojson", "application/geo+json"),
    "gpkg": ExportFormat(".gpkg", "application/geopackage+sqlite3"),
    "kml": ExportFormat(".kml", "application/vnd.google-earth.kml+xml"),
    "shp": ExportFormat(".zip", "application/zip"),
    "csvw": ExportFormat(".zip", "application/zip"),
    "html": ExportFormat(".html", "text/html"),
}


class ExportError(ValueError):
    """An input that cannot be exported as asked; the message says why and how to fix it, in 中文 and English.

    ``str()`` is the English message; :attr:`message` holds both (:class:`geo.text.Text`).
    """

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message

    def text(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return self.message.in_(lang)


# --------------------------------------------------------------------------------------------------
# The stamp

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def hash_bytes(data: bytes) -> str:
    """The sha256 of ``data`` as 64 lowercase hex digits.

    >>> hash_bytes(b"abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(data).hexdigest()


def _tool_version() -> str:
    try:
        return importlib_metadata.version(DISTRIBUTION)
    except importlib_metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def _stamp_text(name: str, value: str) -> str:
    if not isinstance(value, str):
        raise ExportError(
            Text(f"元数据 {name}：{value!r} 不是文本", f"stamp {name}: {value!r} is not text; pass a string")
        )
    if _CONTROL_RE.search(value):
        raise ExportError(
            Text(
                f"元数据 {name}：{value!r} 含换行或控制字符；请删除",
                f"stamp {name}: {value!r} contains a line break or control character; remove it",
            )
        )
    return value


def make_stamp(
    *,
    input_hashes: dict[str, str],
    by: str,
    mode: str,
    year: int | None,
    crs: str,
    tool_version: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The metadata stamp every export carries.

    Parameters
    ----------
    input_hashes
        Input name (e.g. ``carriers.geojson``) -> its sha256 (see :func:`hash_bytes`).
    by
        The grouping of the summary (``pole``, ``belt``, ``status``, …).
    mode
        The membership mode (``declared``, ``largest``, ``area``; or one per zone type, as text).
    year
        The "as of" year; ``None`` means build-out (everything planned counted).
    crs
        The CRS the areas were measured in (e.g. ``EPSG:4549``), stamped as ``area_crs``
        (a GeoJSON ``crs`` member would claim the file's own CRS). Geometry exports add
        ``file_crs``, the CRS of the file itself.
    tool_version
        Defaults to the installed version of the ``xuhui-carriers`` distribution, or
        ``0+unknown`` when it is not installed.
    now
        Time of the export, timezone-aware; defaults to the current time.

    Returns
    -------
    dict[str, str]
        In this order: ``tool``, ``tool_version``, ``created_utc`` (ISO 8601, ``Z``),
        ``grouping``, ``membership_mode``, ``year`` (or ``build-out``), ``area_crs``, one
        ``input_sha256.<name>`` per input, and ``note``. All values are single-line text.

    Raises
    ------
    ExportError
        If a hash is not 64 hex digits, ``now`` is naive, ``year`` is not an integer, or a
        value holds a line break.
    """
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ExportError(
            Text(
                f"导出时间 {now.isoformat()} 没有时区",
                f"now={now.isoformat()} has no timezone; pass an aware time, e.g. datetime.now(UTC)",
            )
        )
    if year is not None and (isinstance(year, bool) or not isinstance(year, (int, np.integer))):
        raise ExportError(
            Text(
                f"年份 {year!r} 不是整数年份", f"year={year!r} is not a whole year; pass an int, or None for build-out"
            )
        )
    stamp = {
        "tool": DISTRIBUTION,
        "tool_version": _stamp_text("tool_version", tool_version or _tool_version()),
        "created_utc": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "grouping": _stamp_text("by", by),
        "membership_mode": _stamp_text("mode", mode),
        "year": BUILD_OUT if year is None else str(int(year)),
        "area_crs": _stamp_text("crs", crs),
    }
    problems = []
    for name, digest in input_hashes.items():
        _stamp_text(f"input name {name!r}", name)
        if not isinstance(digest, str) or not _SHA256_RE.fullmatch(digest.lower()):
            problems.append(f"{name!r}: {digest!r}")
            continue
        stamp[HASH_PREFIX + name] = digest.lower()
    if problems:
        listed = "; ".join(problems)
        raise ExportError(
            Text(
                f"输入文件的校验值应为 64 位十六进制 sha256，以下不是：{listed}",
                f"input_hashes must be sha256 hex digests (64 characters); these are not: {listed}"
                " — compute them with geo.io.export.hash_bytes(file_bytes)",
            )
        )
    stamp["note"] = STAMP_NOTE
    return stamp


def _stamp_lines(stamp: Mapping[str, str]) -> list[str]:
    # Values are single-line by construction; a hand-made stamp is flattened all the same.
    return [f"{key}: {_CONTROL_RE.sub(' ', str(value))}" for key, value in _carried(stamp).items()]


def _carried(stamp: Mapping[str, str]) -> dict[str, str]:
    """The stamp as a file carries it: no key or value can become a spreadsheet formula.

    A zone type or a file name comes from a user's file; whatever carries the stamp (CSVW
    sidecar, GeoJSON, GeoPackage table, KML, the Shapefile README) gets the same leading
    apostrophe as table cells (OWASP CSV injection).

    >>> _carried({"grouping": "pole,=cmd|' /C calc'!A0"})
    {'grouping': "'pole,=cmd|' /C calc'!A0"}
    """
    return {_defuse_anywhere(str(key)): _defuse_anywhere(str(value)) for key, value in stamp.items()}


# --------------------------------------------------------------------------------------------------
# Cells

_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")

Scalar = int | float | str | bool | None


def _cell(value: object) -> Scalar:
    """A plain Python value for one cell: int, float, str, bool, or None for unknown.

    Non-finite floats (NaN, ±inf) are unknown too: no format here can hold them faithfully.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value) + 0.0  # never "-0.0"
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        return value
    return str(value)


def _columns(frame: pd.DataFrame) -> list[str]:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [str(c) for c in frame.columns if c != geometry]


def _rows(frame: pd.DataFrame, columns: list[str]) -> Iterator[list[Scalar]]:
    values = [frame[c].tolist() for c in columns]
    for row in zip(*values, strict=True):
        yield [_cell(v) for v in row]


def _looks_like_formula(text: str) -> bool:
    return text.startswith(_FORMULA_START)


def _defuse(text: str) -> str:
    """Text a spreadsheet will not run: formula-like text gets a leading apostrophe (OWASP)."""
    return "'" + text if _looks_like_formula(text) else text


_SPLIT_FORMULA_RE = re.compile(r"[,;\t|][ ]*[=+\-@\t\r]")


def _defuse_anywhere(text: str) -> str:
    """Like :func:`_defuse`, and also when a part after a separator looks like a formula.

    A stamp value such as ``pole,=cmd|…`` is one value, but a tool that splits it at the comma
    would start a cell with ``=``; it is written with a leading apostrophe too.
    """
    if _looks_like_formula(text) or _SPLIT_FORMULA_RE.search(text):
        return "'" + text
    return text


def _is_int_column(column: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)


# --------------------------------------------------------------------------------------------------
# Summary tables: records, JSON, CSV, XLSX


def summary_records(table: pd.DataFrame) -> list[dict[str, Scalar]]:
    """The summary table as a list of row objects (the command line's JSON contract).

    Integers stay ``int``; unknown figures (``NA``) and a missing FAR become ``None``; ``far``
    is a ``float``. Column order is the table's.

    >>> t = pd.DataFrame({"group_id": ["a"], "total_m2": pd.array([None], dtype="Int64")})
    >>> summary_records(t)
    [{'group_id': 'a', 'total_m2': None}]
    """
    table = _rounded(table)
    columns = _columns(table)
    return [dict(zip(columns, row, strict=True)) for row in _rows(table, columns)]


def summary_json(table: pd.DataFrame, stamp: Mapping[str, str] | None = None) -> bytes:
    """The summary table as UTF-8 JSON.

    Parameters
    ----------
    table
        A summary table (rows: groups, ``__outside__``, ``__total__``).
    stamp
        ``None`` gives the bare list of row objects (the command line's contract); a stamp gives
        ``{"metadata": stamp, "rows": [...]}``.

    Returns
    -------
    bytes
        UTF-8 JSON, Chinese text unescaped, ``null`` for unknown.
    """
    rows = summary_records(table)
    document: object = rows if stamp is None else {"metadata": _carried(stamp), "rows": rows}
    return (json.dumps(document, ensure_ascii=False, allow_nan=False, indent=2) + "\n").encode("utf-8")


def _csv_field(value: Scalar) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return '"' + _defuse(value).replace('"', '""') + '"'


def summary_csv(table: pd.DataFrame) -> bytes:
    """The table as CSV for Excel on Chinese Windows: UTF-8 with a byte-order mark, header on line 1.

    ``pandas.read_csv`` reads it with no options, and Excel's filter lands on the header. A stamp
    never goes into the file: hand the CSV out with its CSV on the Web metadata file beside it
    (:func:`summary_csv_files`, :func:`summary_csv_zip`; the command line's ``--stamp``).

    Cells: integers as digits (no thousands separators), FAR with two decimals, unknown as an
    empty cell. Every text cell is quoted; numbers never are. Text starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading apostrophe so that a spreadsheet
    shows it as text instead of running it (OWASP CSV injection); the apostrophe is then part of
    the value read back.

    Parameters
    ----------
    table
        A summary table (rows: groups, ``__outside__``, ``__total__``), or any table to hand out.

    Returns
    -------
    bytes
        ``\\ufeff`` + CSV with CRLF line ends, encoded UTF-8.

    >>> t = pd.DataFrame({"group_id": ["a"], "far": [1.0 / 3.0]})
    >>> summary_csv(t).decode("utf-8-sig")
    '"group_id","far"\\r\\n"a",0.33\\r\\n'
    """
    table = _rounded(table)
    columns = _columns(table)
    lines = [",".join(_csv_field(c) for c in columns)]
    lines += [",".join(_csv_field(v) for v in row) for row in _rows(table, columns)]
    # Encode by hand: DataFrame.to_csv returns a str without the BOM when no path is given.
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


#: Columns rounded for tables and exports: FAR to two decimals.
ROUNDED: Final[Mapping[str, int]] = {"far": 2}


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with FAR at two decimals (and never ``-0.0``); other columns as they are."""
    columns = [c for c in ROUNDED if c in table.columns and pd.api.types.is_float_dtype(table[c].dtype)]
    if not columns:
        return table
    out = table.copy()
    for column in columns:
        out[column] = out[column].astype("float64").round(ROUNDED[column]) + 0.0  # -0.0 + 0.0 is 0.0
    return out


_CSVW_CONTEXT: Final = "http://www.w3.org/ns/csvw"
_CSVW_NAME_RE = re.compile(r"[A-Za-z0-9_]")


def _csvw_name(column: str) -> str:
    """A CSVW column name (letters, digits, ``_``; anything else percent-encoded, never a leading ``_``)."""
    name = "".join(ch if _CSVW_NAME_RE.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode()) for ch in column)
    return name if name and not name.startswith("_") else "c" + name


def column_titles(column: str) -> Text:
    """A table column's title in 中文 and English, with its unit (``现有面积（㎡）`` / ``existing (m²)``).

    >>> column_titles("existing_m2").in_("zh")
    '现有面积（㎡）'
    >>> column_titles("my_column").in_("en")
    'my_column'
    """
    label = _SUMMARY_LABELS.get(column)
    if label is None:
        field = FIELD_LABELS.get(column)
        return field if field is not None else Text(column, column)
    name, unit = label
    if not unit:
        return name
    unit_zh = {"m²": "㎡", "count": "个", "floor/land": "建筑面积/用地面积"}.get(unit, unit)
    return Text(f"{name.zh}（{unit_zh}）", f"{name.en} ({unit})")


def csv_metadata(table: pd.DataFrame, stamp: Mapping[str, str], *, url: str, title: Text | None = None) -> bytes:
    """The W3C CSV on the Web metadata of a CSV made by :func:`summary_csv` (``NAME.csv-metadata.json``).

    A table description (``@context`` ``http://www.w3.org/ns/csvw``) with the CSV's ``url``, its
    dialect (UTF-8 with BOM, header row, CRLF), and a ``tableSchema`` naming every column in order
    with its ``titles`` in 中文 and English (``{"zh": …, "en": …}``), its ``datatype``
    (``integer``, ``decimal``, ``boolean``, ``string``) and ``null: ""`` (an empty cell is unknown).
    The stamp is carried as Dublin Core and PROV properties (``dc:created``, ``dc:creator``,
    ``dc:description``, ``prov:wasGeneratedBy`` with the tool, its version and each input's
    sha256) and, key by key, as the ``notes`` annotation (``schema:PropertyValue`` pairs). Every
    property is a prefixed name of the CSVW context (``dc``, ``prov``, ``schema``, ``xsd``), as
    the specification requires of common properties. No value can become a spreadsheet formula.

    Parameters
    ----------
    table
        The table the CSV holds (its columns and dtypes).
    stamp
        From :func:`make_stamp` (or any key/value pairs, such as a reader's report's).
    url
        The CSV's file name, relative to the metadata file (``summary_pole.csv``).
    title
        What the table is; defaults to "汇总表 / summary table".

    Returns
    -------
    bytes
        UTF-8 JSON.
    """
    carried = _carried(stamp)
    title = title or Text("汇总表", "summary table")
    columns = []
    for column in _columns(table):
        titles = column_titles(column)
        columns.append(
            {
                "name": _csvw_name(column),
                "titles": {"zh": _defuse_anywhere(titles.zh), "en": _defuse_anywhere(titles.en)},
                "dc:identifier": _defuse_anywhere(column),
                "datatype": _csvw_type(table[column]),
                "null": "",
            }
        )
    document: dict[str, object] = {
        "@context": _CSVW_CONTEXT,
        "url": _defuse_anywhere(url),
        "dc:title": [
            {"@value": _defuse_anywhere(title.zh), "@language": "zh"},
            {"@value": _defuse_anywhere(title.en), "@language": "en"},
        ],
        "dialect": {"encoding": "utf-8", "header": True, "headerRowCount": 1, "lineTerminators": ["\r\n"]},
        "tableSchema": {"columns": columns},
    }
    if "group_id" in table.columns and table["group_id"].is_unique:
        document["tableSchema"]["primaryKey"] = "group_id"  # type: ignore[index]
    if "created_utc" in carried:
        document["dc:created"] = {"@value": carried["created_utc"], "@type": "xsd:dateTime"}
    if "tool" in carried:
        document["dc:creator"] = carried["tool"]
    if "note" in carried:
        document["dc:description"] = carried["note"]
    inputs = [
        {
            "@type": "prov:Entity",
            "dc:title": _defuse_anywhere(key[len(HASH_PREFIX) :]),
            "dc:identifier": f"sha256:{value}",
        }
        for key, value in carried.items()
        if key.startswith(HASH_PREFIX)
    ]
    if "tool" in carried:
        agent = {"@type": "prov:SoftwareAgent", "dc:title": carried["tool"]}
        if "tool_version" in carried:
            agent["dc:hasVersion"] = carried["tool_version"]
        activity: dict[str, object] = {"@type": "prov:Activity", "prov:wasAssociatedWith": agent}
        if "created_utc" in carried:
            activity["prov:endedAtTime"] = {"@value": carried["created_utc"], "@type": "xsd:dateTime"}
        if inputs:
            activity["prov:used"] = inputs
        document["prov:wasGeneratedBy"] = activity
    document["notes"] = [
        {
            "@type": "schema:PropertyValue",
            "schema:name": "export metadata",
            "schema:additionalProperty": [
                {"@type": "schema:PropertyValue", "schema:name": key, "schema:value": value}
                for key, value in carried.items()
            ],
        }
    ]
    return (json.dumps(document, ensure_ascii=False, allow_nan=False, indent=2) + "\n").encode("utf-8")


def _csvw_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if _is_int_column(series):
        return "integer"
    if pd.api.types.is_float_dtype(series.dtype):
        return "decimal"
    return "string"


def stamp_of_csv_metadata(metadata: bytes) -> dict[str, str]:
    """The stamp a CSVW metadata file made by :func:`csv_metadata` carries (key -> value, as carried).

    >>> meta = csv_metadata(pd.DataFrame({"a": [1]}), {"grouping": "pole"}, url="s.csv")
    >>> stamp_of_csv_metadata(meta)
    {'grouping': 'pole'}
    """
    document = json.loads(metadata)
    pairs = document["notes"][0]["schema:additionalProperty"]
    return {str(p["schema:name"]): str(p["schema:value"]) for p in pairs}


def csv_metadata_name(csv_name: str) -> str:
    """The CSVW metadata file beside ``csv_name``: ``summary.csv`` → ``summary.csv-metadata.json``.

    >>> csv_metadata_name("out/summary_pole.csv")
    'out/summary_pole.csv-metadata.json'
    """
    return f"{csv_name}-metadata.json"


def summary_csv_files(
    table: pd.DataFrame, stamp: Mapping[str, str], *, name: str = "summary.csv", title: Text | None = None
) -> dict[str, bytes]:
    """The CSV and its CSVW metadata file: ``{NAME: csv, NAME-metadata.json: metadata}``.

    Parameters
    ----------
    table, stamp
        As for :func:`summary_csv` and :func:`csv_metadata`.
    name
        The CSV's file name (no folders), e.g. ``summary_pole.csv``.
    title
        What the table is (see :func:`csv_metadata`).
    """
    base = PurePosixPath(name).name
    return {
        base: summary_csv(table),
        csv_metadata_name(base): csv_metadata(table, stamp, url=base, title=title),
    }


def summary_csv_zip(
    table: pd.DataFrame, stamp: Mapping[str, str], *, name: str = "summary.csv", title: Text | None = None
) -> bytes:
    """One zip holding the CSV and its CSVW metadata (see :func:`summary_csv_files`), for one download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in summary_csv_files(table, stamp, name=name, title=title).items():
            archive.writestr(member, data)
    return buffer.getvalue()


# Column -> (name, unit): headers of the spreadsheet and titles of the CSV on the Web metadata.
_SUMMARY_LABELS: Final[dict[str, tuple[Text, str]]] = {
    "group_id": (Text("分组", "group"), ""),
    "name_zh": (Text("中文名称", "name (Chinese)"), ""),
    "name_en": (Text("英文名称", "name (English)"), ""),
    "existing_m2": (Text("现有面积", "existing"), "m²"),
    "planned_m2": (Text("规划新增面积", "planned"), "m²"),
    "total_m2": (Text("总面积", "total"), "m²"),
    "unknown_count": (Text("面积未知数", "unknown"), "count"),
    "unknown_ids": (Text("面积未知成员", "unknown ids"), ""),
    "declared_m2": (Text("规划申报面积", "declared"), "m²"),
    "difference_m2": (Text("差额", "difference"), "m²"),
    "land_m2": (Text("用地面积", "land"), "m²"),
    "far": (Text("容积率", "FAR"), "floor/land"),
    "member_count": (Text("成员数", "members"), "count"),
    "member_ids": (Text("成员", "member ids"), ""),
    # The timeline's, the targets' and the indicators' columns (see geo.timeline).
    "year": (Text("年份", "year"), ""),
    "built_m2": (Text("已建成面积", "built"), "m²"),
    "under_construction_m2": (Text("在建面积", "under construction"), "m²"),
    "target_m2": (Text("目标面积", "target"), "m²"),
    "gap_m2": (Text("与目标之差", "capacity − target"), "m²"),
    "capacity_m2": (Text("可计容量", "capacity"), "m²"),
    "target_status": (Text("目标状态", "target status"), ""),
    "undated_ids": (Text("年份未知的已建成成员", "built members of unknown year"), ""),
    "total_qualifier": (Text("总面积限定（约、不少于）", "qualifier of the total (about, at least)"), ""),
    "target_id": (Text("目标编号", "target id"), ""),
    "indicator_id": (Text("指标编号", "indicator id"), ""),
    "tranche_id": (Text("分期编号", "tranche id"), ""),
    "carrier_id": (Text("载体编号", "carrier id"), ""),
    "subject_type": (Text("对象类型", "subject type"), ""),
    "subject_id": (Text("对象编号", "subject id"), ""),
    "indicator": (Text("指标", "indicator"), ""),
    "value": (Text("数值", "value"), ""),
    "unit": (Text("单位", "unit"), ""),
    "qualifier": (Text("限定", "qualifier"), ""),
    "year_basis": (Text("年份依据", "year basis"), ""),
    "phase": (Text("阶段", "phase"), ""),
    "floor_area_m2": (Text("建筑面积", "floor area"), "m²"),
    "adds": (Text("是否计入合计", "adds to the total"), ""),
    "additive": (Text("可相加", "additive"), ""),
}

_SHEET_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31
_HEADER_COLOR = "FFE8EEF4"
_INT_FORMAT = "#,##0"
_FAR_FORMAT = "0.00"


def _header(column: str, lang: str) -> str:
    name, unit = _SUMMARY_LABELS.get(column, (Text("", column), ""))
    text = f"{name.zh} {name.en}".strip() if lang == "zh" else name.en
    return f"{text} ({unit})" if unit else text


def _sheet_name(key: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: ≤ 31 characters, none of []:*?/\\, no edge apostrophes, unique."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415 - only for workbooks

    base = _SHEET_FORBIDDEN_RE.sub("_", ILLEGAL_CHARACTERS_RE.sub("", str(key))).strip().strip("'")
    base = base[:_SHEET_MAX] or "sheet"
    name, n = base, 1
    while name.casefold() in taken:  # Excel compares sheet names case-insensitively
        n += 1
        suffix = f"_{n}"
        name = base[: _SHEET_MAX - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Excel refuses longer cell text (e.g. the ids of 50,000 unknown footprints).
_EXCEL_CELL_MAX = 32_767


def _fit_cell(text: str) -> str:
    """``text`` cut to what an Excel cell holds, at a ``;`` where it is a list, saying what was left out."""
    if len(text) <= _EXCEL_CELL_MAX:
        return text
    kept = text[: _EXCEL_CELL_MAX - 200]
    if ";" in kept:
        kept = kept[: kept.rfind(";")]
    omitted = text.count(";") - kept.count(";")
    return f"{kept} … (+{omitted} more: an Excel cell holds {_EXCEL_CELL_MAX:,} characters; the CSV and JSON list all)"


def _xlsx_text(cell: Cell, text: str) -> None:
    """Write ``text`` as text: never a formula, whatever it starts with, and no longer than a cell holds."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: PLC0415 - only for workbooks

    text = _fit_cell(ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.value = text
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if _looks_like_formula(text):
        cell.quotePrefix = True  # Excel's own "typed with a leading apostrophe": stays text on edit


def _fit_columns(ws: Worksheet, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 - only for workbooks

    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


def _write_table_sheet(ws: Worksheet, table: pd.DataFrame, lang: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # noqa: PLC0415 - only for workbooks

    table = _rounded(table)
    columns = _columns(table)
    int_columns = {c for c in columns if _is_int_column(table[c])}
    widths = []
    for j, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j)
        _xlsx_text(cell, _header(column, lang))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color=_HEADER_COLOR, end_color=_HEADER_COLOR)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        widths.append(min(_display_width(str(cell.value)), 30))
    totals_font = Font(bold=True)
    totals_border = Border(top=Side(style="thin"), bottom=Side(style="double"))
    group_ids = table["group_id"].tolist() if "group_id" in table.columns else [None] * len(table)
    for i, (row, group_id) in enumerate(zip(_rows(table, columns), group_ids, strict=True), start=2):
        is_total = group_id == TOTAL_ID
        for j, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            cell = ws.cell(row=i, column=j)
            if isinstance(value, str):
                _xlsx_text(cell, value)
                shown = value
            elif value is not None:
                cell.value = value
                if column == "far" or isinstance(value, float):
                    cell.number_format = _FAR_FORMAT
                    shown = f"{value:.2f}"
                elif column in int_columns or isinstance(value, int):
                    cell.number_format = _INT_FORMAT
                    shown = f"{value:,}"
                else:
                    shown = str(value)
            else:
                shown = ""  # unknown: the cell stays empty
            if is_total:
                cell.font = totals_font
                cell.border = totals_border
            widths[j - 1] = max(widths[j - 1], _display_width(shown))
    ws.freeze_panes = "A2"
    _fit_columns(ws, widths)


def _write_metadata_sheet(ws: Worksheet, stamp: Mapping[str, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415 - only for workbooks

    widths = [3, 5]
    for j, title in enumerate(("key", "value"), start=1):
        cell = ws.cell(row=1, column=j)
        _xlsx_text(cell, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color=_HEADER_COLOR, end_color=_HEADER_COLOR)
    for i, (key, value) in enumerate(stamp.items(), start=2):
        for j, text in enumerate((str(key), str(value)), start=1):
            cell = ws.cell(row=i, column=j)
            _xlsx_text(cell, text)
            if _defuse_anywhere(text) != text:  # e.g. "pole,=cmd|…": text, whatever a tool splits it into
                cell.quotePrefix = True
        widths = [max(widths[0], _display_width(str(key))), max(widths[1], _display_width(str(value)))]
    ws.freeze_panes = "A2"
    _fit_columns(ws, widths)
    ws.column_dimensions["B"].width = 90
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def summary_xlsx(tables: Mapping[str, pd.DataFrame], stamp: Mapping[str, str], *, lang: str = "zh") -> bytes:
    """Summary tables as an Excel workbook: one sheet per grouping, and a ``metadata`` sheet.

    Each sheet has one header row (frozen) with the unit in each header, e.g. ``现有面积 existing
    (m²)`` (``lang="zh"``, bilingual) or ``existing (m²)`` (``lang="en"``). Figures are stored as
    numbers (integers with a thousands format, FAR with two decimals); an unknown figure is an
    empty cell. The ``__total__`` row is the table's totals row, in bold with a rule above it.
    Text that looks like a formula (starts with ``=``, ``+``, ``-``, ``@``, tab, CR) is stored as a
    text cell with Excel's quote-prefix flag: it shows and edits as text and its value is exact,
    with no apostrophe added to the data.

    Parameters
    ----------
    tables
        Grouping name (``pole``, ``belt``, …) -> summary table. Sheet names are made safe:
        ≤ 31 characters, ``[]:*?/\\`` replaced by ``_``, unique.
    stamp
        From :func:`make_stamp`; written to the last sheet, ``metadata``, as key/value rows.
    lang
        ``"zh"`` for bilingual headers, ``"en"`` for English only.

    Returns
    -------
    bytes
        The ``.xlsx`` file.
    """
    if lang not in ("zh", "en"):
        raise ExportError(
            Text(
                f"不支持语言 {lang!r}；请用 zh 或 en",
                f"lang={lang!r} is not supported; use 'zh' (bilingual headers) or 'en'",
            )
        )
    import openpyxl  # noqa: PLC0415 - only for workbooks

    workbook = openpyxl.Workbook()
    default = workbook.active
    taken = {"metadata"}
    for key, table in tables.items():
        ws = workbook.create_sheet(_sheet_name(key, taken))
        _write_table_sheet(ws, table, lang)
    if default is not None:
        workbook.remove(default)
    _write_metadata_sheet(workbook.create_sheet("metadata"), stamp)
    workbook.properties.creator = DISTRIBUTION
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# Layers: shared helpers

_COORD_DECIMALS: Final = 7  # ~1 cm at Shanghai; RFC 7946 §11.2 advises against more


def _wgs84(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326: CGCS2000 is relabelled (no shift), anything else reprojected."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ExportError(
            Text(
                f"{what}：应为 GeoDataFrame，而不是 {type(frame).__name__}",
                f"{what}: expected a GeoDataFrame, got {type(frame).__name__}",
            )
        )
    if frame.crs is None:
        raise ExportError(
            Text(
                f"{what}：没有坐标系，无法确定坐标位置；请先设定（经纬度为 EPSG:4326）",
                f"{what}: the frame declares no CRS, so its coordinates cannot be placed; "
                "set it first, e.g. frame.set_crs('EPSG:4326') for longitude/latitude",
            )
        )
    epsg = frame.crs.to_epsg()
    if epsg == 4326:
        return frame
    if epsg == 4490:
        # CGCS2000 agrees with WGS-84 to well under a metre: relabel, don't shift.
        return frame.set_crs(WGS84, allow_override=True)
    return frame.to_crs(WGS84)


def _oriented_rounded(geoms: Iterable[shapely.Geometry | None]) -> list[shapely.Geometry | None]:
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946 §3.1.6), ≤ 7 decimals."""
    array = np.asarray(list(geoms), dtype=object)
    oriented = shapely.orient_polygons(array, exterior_cw=False)
    rounded = shapely.transform(oriented, lambda xy: np.round(xy, _COORD_DECIMALS))
    return list(rounded)


def _layers(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    return [("carriers", _wgs84(carriers, "carriers")), ("zones", _wgs84(zones, "zones"))]


def _file_stamp(stamp: Mapping[str, str], file_crs: str) -> dict[str, str]:
    return {**stamp, "file_crs": file_crs}


# --------------------------------------------------------------------------------------------------
# GeoJSON


def layers_geojson(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, stamp: Mapping[str, str]) -> bytes:
    """Carriers and zones as one RFC 7946 FeatureCollection.

    Each feature's properties start with ``layer`` (``carriers`` or ``zones``) followed by the
    frame's columns; integers are JSON integers and unknown figures ``null``. Coordinates are
    WGS-84 longitude/latitude with at most 7 decimals, exterior rings counter-clockwise. The stamp
    (plus ``file_crs``) is the foreign member ``metadata``.

    Returns
    -------
    bytes
        UTF-8 JSON, Chinese text unescaped.

    Raises
    ------
    ExportError
        If a frame has no CRS or already has a ``layer`` column.
    """
    features = []
    for layer, frame in _layers(carriers, zones):
        columns = _columns(frame)
        if "layer" in columns:
            raise ExportError(
                Text(
                    f"{layer}：有名为 layer 的列，导出用它标明图层；请改名",
                    f"{layer}: has a column named 'layer', which the export uses to name the layer; rename that column",
                )
            )
        geoms = _oriented_rounded(frame.geometry.to_numpy())
        for row, geom in zip(_rows(frame, columns), geoms, strict=True):
            properties = {"layer": layer, **dict(zip(columns, row, strict=True))}
            geometry = None if geom is None or geom.is_empty else shapely.geometry.mapping(geom)
            features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    collection = {
        "type": "FeatureCollection",
        "metadata": _carried(_file_stamp(stamp, WGS84)),
        "features": features,
    }
    text = json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def layer_geojson(frame: gpd.GeoDataFrame, stamp: Mapping[str, str], *, layer: str) -> bytes:
    """One layer (``carriers`` or ``zones``) as an RFC 7946 FeatureCollection, to upload again as that layer.

    The same as :func:`layers_geojson` for one frame, without the ``layer`` property: the file
    reads back, through :func:`geo.io.reader.read`, as exactly the frame that was written.

    Returns
    -------
    bytes
        UTF-8 JSON, Chinese text unescaped; the stamp (plus ``file_crs`` and ``layer``) is the
        foreign member ``metadata``.
    """
    wgs84 = _wgs84(frame, layer)
    columns = _columns(wgs84)
    features = []
    for row, geom in zip(_rows(wgs84, columns), _oriented_rounded(wgs84.geometry.to_numpy()), strict=True):
        geometry = None if geom is None or geom.is_empty else shapely.geometry.mapping(geom)
        features.append({"type": "Feature", "properties": dict(zip(columns, row, strict=True)), "geometry": geometry})
    metadata = _carried({**_file_stamp(stamp, WGS84), "layer": layer})
    collection = {"type": "FeatureCollection", "metadata": metadata, "features": features}
    text = json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------------
# GeoPackage


def _layer_name(key: str, taken: set[str]) -> str:
    base = "summary_" + (re.sub(r"\W+", "_", str(key)).strip("_") or "table")
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name.lower())
    return name


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns pyogrio writes faithfully: integer columns Int64, text with None for missing."""
    out = frame.copy()
    for column in _columns(frame):
        series = frame[column]
        if _is_int_column(series):
            out[column] = series.astype("Int64")
        elif pd.api.types.is_float_dtype(series.dtype):
            out[column] = series.astype("float64")
        elif pd.api.types.is_bool_dtype(series.dtype):
            out[column] = series
        else:
            texts = [None if (cell := _cell(v)) is None else str(cell) for v in series.tolist()]
            out[column] = pd.Series(texts, index=series.index, dtype=object)
    return out


def _gdal_metadata(stamp: Mapping[str, str]) -> dict[str, str]:
    """The stamp as GDAL dataset metadata: ``KEY=VALUE`` items, so keys hold no ``=`` (nor anything odd).

    The ``metadata`` table keeps every key exactly.
    """
    return {re.sub(r"[^\w.\-]", "_", key): value for key, value in _carried(stamp).items()}


def _target_crs(crs: str) -> str:
    try:
        epsg = CRS.from_user_input(crs).to_epsg()
    except CRSError as exc:
        raise ExportError(
            Text(
                f"{crs!r} 不是坐标系；请用 EPSG:4490（CGCS2000）或 EPSG:4326（WGS-84）",
                f"crs={crs!r} is not a CRS; use 'EPSG:4490' (CGCS2000) or 'EPSG:4326' (WGS-84)",
            )
        ) from exc
    if epsg not in (4490, 4326):
        raise ExportError(
            Text(
                f"GeoPackage 不提供坐标系 {crs!r}；请用 EPSG:4490（CGCS2000，国家大地坐标系）或 EPSG:4326（WGS-84）",
                f"crs={crs!r} is not offered for the GeoPackage; use 'EPSG:4490' (CGCS2000, "
                "the Chinese national datum) or 'EPSG:4326' (WGS-84)",
            )
        )
    return f"EPSG:{epsg}"


def geopackage(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    summaries: Mapping[str, pd.DataFrame],
    stamp: Mapping[str, str],
    *,
    crs: str = CGCS2000,
) -> bytes:
    """Carriers, zones, summaries and the stamp in one GeoPackage.

    Layers: ``carriers`` and ``zones`` (polygons, promoted to MultiPolygon by GDAL), one
    attribute-only table per summary named ``summary_<key>`` (e.g. ``summary_pole``), and a
    ``metadata`` table (``key``, ``value``) holding the stamp plus ``file_crs``. The stamp is also
    written as GDAL dataset metadata. Integer figures are 64-bit integer fields, unknown is NULL.

    Parameters
    ----------
    carriers, zones
        Frames per the data contract.
    summaries
        Grouping name -> summary table.
    stamp
        From :func:`make_stamp`.
    crs
        ``EPSG:4490`` (CGCS2000, default) or ``EPSG:4326`` (WGS-84). CGCS2000 and WGS-84 agree to
        well under a metre, so the coordinates are the same in both: only the label differs.

    Returns
    -------
    bytes
        The ``.gpkg`` file.
    """
    target = _target_crs(crs)
    meta = _file_stamp(stamp, target)
    taken = {"carriers", "zones", "metadata"}
    with tempfile.TemporaryDirectory(prefix="xuhui-export-") as tmp:
        path = Path(tmp) / "export.gpkg"
        for index, (layer, frame) in enumerate(_layers(carriers, zones)):
            out = gpd.GeoDataFrame(_plain_frame(frame), geometry=frame.geometry.name)
            out = out.set_crs(target, allow_override=True)
            pyogrio.write_dataframe(
                out, path, layer=layer, driver="GPKG", dataset_metadata=_gdal_metadata(meta) if index == 0 else None
            )
        for key, table in summaries.items():
            summary = _plain_frame(_rounded(table))
            pyogrio.write_dataframe(summary, path, layer=_layer_name(key, taken), driver="GPKG")
        carried = _carried(meta)
        table = pd.DataFrame({"key": list(carried), "value": list(carried.values())}, dtype=object)
        pyogrio.write_dataframe(table, path, layer="metadata", driver="GPKG")
        return path.read_bytes()


# --------------------------------------------------------------------------------------------------
# KML

_KML_NS: Final = "http://www.opengis.net/kml/2.2"
_XML_ILLEGAL_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NCNAME_RE = re.compile(r"[^\W\d][\w.\-]*")
_INT32 = (-(2**31), 2**31 - 1)
# KML colours are aabbggrr.
_KML_STYLES: Final = {
    "carriers": ("ff1c1ce3", "661c1ce3"),
    "zones": ("ffb46414", "33b46414"),
}


def _xml_text(value: object) -> str:
    # XML 1.0 cannot hold most control characters at all, escaped or not.
    return _XML_ILLEGAL_RE.sub("", str(value))


def _kml_number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _kml_ring(parent: ET.Element, tag: str, ring: shapely.LinearRing) -> None:
    boundary = ET.SubElement(parent, tag)
    linear = ET.SubElement(boundary, "LinearRing")
    coords = shapely.get_coordinates(ring)
    ET.SubElement(linear, "coordinates").text = " ".join(f"{_kml_number(x)},{_kml_number(y)}" for x, y in coords)


def _kml_polygon(parent: ET.Element, polygon: shapely.Polygon) -> None:
    element = ET.SubElement(parent, "Polygon")
    _kml_ring(element, "outerBoundaryIs", polygon.exterior)
    for interior in polygon.interiors:
        _kml_ring(element, "innerBoundaryIs", interior)


def _kml_geometry(parent: ET.Element, geom: shapely.Geometry | None) -> None:
    if geom is None or geom.is_empty:
        return
    if isinstance(geom, shapely.Polygon):
        _kml_polygon(parent, geom)
    elif isinstance(geom, shapely.MultiPolygon):
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geom.geoms:
            _kml_polygon(multi, part)
    else:
        raise ExportError(
            Text(
                f"{geom.geom_type} 不是面；载体和片区都是面状要素（Polygon 或 MultiPolygon）",
                f"a {geom.geom_type} is not a polygon; carriers and zones are areas (Polygon or MultiPolygon)",
            )
        )


def _kml_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series.dtype):
        return "bool"
    if _is_int_column(series):
        values = series.dropna()
        # KML's int is 32-bit (GDAL clips larger values): wider figures go out as double, which
        # holds every integer up to 2⁵³ exactly.
        if values.empty or (int(values.min()) >= _INT32[0] and int(values.max()) <= _INT32[1]):
            return "int"
        return "double"
    if pd.api.types.is_float_dtype(series.dtype):
        return "double"
    return "string"


def _kml_value(value: Scalar) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return _xml_text(value)


def kml(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, stamp: Mapping[str, str]) -> bytes:
    """Carriers and zones as KML 2.2 (WGS-84), for Google Earth, 奥维 and GIS tools.

    The Document holds the stamp twice: as its ``description`` (``key: value`` lines) and as
    ``ExtendedData``. Then one typed ``Schema`` and one ``Folder`` per layer (``carriers``,
    ``zones``); each Placemark is named by ``name_zh`` and carries every attribute as
    ``SimpleData`` (an unknown value is left out, so readers see null). Integer fields are KML
    ``int`` unless a value exceeds 32 bits, then ``double``. A Placemark's XML ``id`` is the
    feature id where that is a valid, unused XML id; GDAL's LIBKML driver shows that as ``id``
    and the attribute ``id`` as ``id2``. Text is XML-escaped; characters XML cannot hold at all
    (control characters other than tab and line breaks) are dropped.

    Returns
    -------
    bytes
        The ``.kml`` file, UTF-8.
    """
    root = ET.Element("kml", {"xmlns": _KML_NS})
    document = ET.SubElement(root, "Document")
    meta = _file_stamp(stamp, WGS84)
    ET.SubElement(document, "name").text = f"{DISTRIBUTION} export"
    ET.SubElement(document, "description").text = _xml_text("\n".join(_stamp_lines(meta)))
    for layer, (line, fill) in _KML_STYLES.items():
        style = ET.SubElement(document, "Style", {"id": f"{layer}_style"})
        line_style = ET.SubElement(style, "LineStyle")
        ET.SubElement(line_style, "color").text = line
        ET.SubElement(line_style, "width").text = "2"
        ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = fill
    extended = ET.SubElement(document, "ExtendedData")
    for key, value in _carried(meta).items():
        data = ET.SubElement(extended, "Data", {"name": _xml_text(key)})
        ET.SubElement(data, "value").text = _xml_text(value)
    layers = _layers(carriers, zones)
    for layer, frame in layers:
        schema = ET.SubElement(document, "Schema", {"name": layer, "id": f"{layer}_schema"})
        for column in _columns(frame):
            attributes = {"name": _xml_text(column), "type": _kml_type(frame[column])}
            ET.SubElement(schema, "SimpleField", attributes)
    used_ids = {f"{layer}_{suffix}" for layer in _KML_STYLES for suffix in ("style", "schema")}
    for layer, frame in layers:
        folder = ET.SubElement(document, "Folder")
        ET.SubElement(folder, "name").text = layer
        columns = _columns(frame)
        geoms = _oriented_rounded(frame.geometry.to_numpy())
        for row, geom in zip(_rows(frame, columns), geoms, strict=True):
            record = dict(zip(columns, row, strict=True))
            placemark = ET.SubElement(folder, "Placemark")
            feature_id = record.get("id")
            if isinstance(feature_id, str) and _NCNAME_RE.fullmatch(feature_id) and feature_id not in used_ids:
                placemark.set("id", feature_id)
                used_ids.add(feature_id)
            name = record.get("name_zh") or record.get("id") or ""
            ET.SubElement(placemark, "name").text = _xml_text(name)
            ET.SubElement(placemark, "styleUrl").text = f"#{layer}_style"
            schema_data = ET.SubElement(
                ET.SubElement(placemark, "ExtendedData"), "SchemaData", {"schemaUrl": f"#{layer}_schema"}
            )
            for column, value in record.items():
                if value is not None:
                    simple = ET.SubElement(schema_data, "SimpleData", {"name": _xml_text(column)})
                    simple.text = _kml_value(value)
            _kml_geometry(placemark, geom)
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


# --------------------------------------------------------------------------------------------------
# Shapefiles, zipped with an alias table and a README

_DBF_TEXT_BYTES: Final = 254

# Field -> (short code, 中文说明, unit), per layer. Codes are ≤ 10 ASCII characters (DBF limit).
_SHAPEFILE_FIELDS: Final[dict[str, dict[str, tuple[str, str, str]]]] = {
    "carriers": {
        "id": ("ID", "标识（唯一）", ""),
        "name_zh": ("NAME_ZH", "中文名称", ""),
        "name_en": ("NAME_EN", "英文名称", ""),
        "kind": ("KIND", ("载体类型（tower 楼宇、campus 园区、park 产业园、town 小镇、renewal_area 更新区等）"), ""),
        "parent_id": ("PARENT", "上级载体标识（其面积已包含本载体）", ""),
        "zone_ids": ("ZONES", "规划所属片区标识，分号分隔", ""),
        "floor_area_existing_m2": ("EXIST_M2", "现有建筑面积（已投用）", "m²"),
        "floor_area_planned_m2": ("PLAN_M2", "规划新增建筑面积（增量）", "m²"),
        "planned_year": ("PLAN_YR", "规划新增面积的预计年份", "year"),
        "opened_year": ("OPEN_YR", "现有面积投用年份", "year"),
        "status": ("STATUS", "状态：existing 已建成、under_construction 在建、planned 规划", ""),
        "site_area_m2": ("SITE_M2", "用地面积（来源申报）", "m²"),
        "geometry_accuracy_m": ("ACC_M", "边界精度：绘制边界与实际边界的可能偏差", "m"),
        "source_ids": ("SRC_IDS", "来源编号，分号分隔", ""),
    },
    "zones": {
        "id": ("ID", "标识（唯一）", ""),
        "name_zh": ("NAME_ZH", "中文名称", ""),
        "name_en": ("NAME_EN", "英文名称", ""),
        "type": ("TYPE", "片区类型（pole 增长极、belt 发展带等）", ""),
        "layout": ("LAYOUT", "空间布局（如 两极两带）", ""),
        "declared_floor_area_m2": ("DECL_M2", "规划申报建筑面积", "m²"),
        "source_ids": ("SRC_IDS", "来源编号，分号分隔", ""),
        "geometry_accuracy_m": ("ACC_M", "边界精度：绘制边界与实际边界的可能偏差", "m"),
    },
}


def field_codes(layer: str) -> dict[str, str]:
    """Contract field -> the short field code the Shapefile export gives it, for ``carriers`` or ``zones``.

    >>> field_codes("carriers")["floor_area_existing_m2"]
    'EXIST_M2'
    """
    return {field: spec[0] for field, spec in _SHAPEFILE_FIELDS.get(layer, {}).items()}


def field_for_code(code: str, role: str | None = None) -> str | None:
    """The contract field an exported short field code stands for, or None.

    The one place that knows the codes (``EXIST_M2``, ``PLAN_YR``…), so that a Shapefile the tool
    exported maps back to the contract when uploaded again. Case does not matter (some tools
    lower-case DBF names); ``role`` (``carriers``/``zones``) limits the search to one layer.

    >>> field_for_code("exist_m2", "carriers"), field_for_code("DECL_M2", "carriers"), field_for_code("DECL_M2")
    ('floor_area_existing_m2', None, 'declared_floor_area_m2')
    """
    key = code.strip().upper()
    layers = [role] if role in _SHAPEFILE_FIELDS else list(_SHAPEFILE_FIELDS)
    found = {field for layer in layers for field, spec in _SHAPEFILE_FIELDS[layer].items() if spec[0] == key}
    return found.pop() if len(found) == 1 else None


def _field_codes(layer: str, columns: list[str]) -> dict[str, str]:
    """Column -> DBF field code: the table's code for contract fields, a derived one otherwise."""
    known = _SHAPEFILE_FIELDS.get(layer, {})
    codes: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        code = known[column][0] if column in known else (re.sub(r"[^A-Z0-9_]", "", column.upper()) or "FIELD")
        base, n = code[:10], 1
        code = base
        while code in taken:
            n += 1
            suffix = str(n)
            code = base[: 10 - len(suffix)] + suffix
        taken.add(code)
        codes[column] = code
    return codes


def _text_values(frame: pd.DataFrame) -> Iterator[tuple[str, object, str]]:
    """(column, feature id, text) for every text cell."""
    ids = frame["id"].tolist() if "id" in frame.columns else list(range(1, len(frame) + 1))
    for column in _columns(frame):
        if _is_int_column(frame[column]) or pd.api.types.is_float_dtype(frame[column].dtype):
            continue
        for feature_id, value in zip(ids, frame[column].tolist(), strict=True):
            text = _cell(value)
            if isinstance(text, str):
                yield column, feature_id, text


def _not_gbk(layers: list[tuple[str, gpd.GeoDataFrame]]) -> list[str]:
    found = []
    for layer, frame in layers:
        for column, feature_id, text in _text_values(frame):
            try:
                text.encode("gbk")
            except UnicodeEncodeError as exc:
                found.append(f"{layer} {feature_id!s} {column}: {text[exc.start : exc.end]!r}")
    return found


def _truncate_bytes(text: str, encoding: str, limit: int) -> str:
    while len(text.encode(encoding)) > limit:
        text = text[:-1]
    return text


def _dbf_frame(layer: str, frame: gpd.GeoDataFrame, encoding: str, truncated: list[str]) -> gpd.GeoDataFrame:
    plain = _plain_frame(frame)
    ids = frame["id"].tolist() if "id" in frame.columns else list(range(1, len(frame) + 1))
    codes = _field_codes(layer, _columns(frame))
    for column in codes:
        if plain[column].dtype != object:
            continue
        values = plain[column].tolist()
        for position, value in enumerate(values):
            if isinstance(value, str) and len(value.encode(encoding)) > _DBF_TEXT_BYTES:
                values[position] = _truncate_bytes(value, encoding, _DBF_TEXT_BYTES)
                truncated.append(f"{layer} {ids[position]!s} {column}")
        plain[column] = pd.Series(values, index=plain.index, dtype=object)
    plain = plain.rename(columns=codes)
    return gpd.GeoDataFrame(plain, geometry=frame.geometry.name, crs=WGS84)


def _fields_csv(layers: list[tuple[str, gpd.GeoDataFrame]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["layer", "code", "field", "中文说明", "unit"])
    for layer, frame in layers:
        known = _SHAPEFILE_FIELDS.get(layer, {})
        for column, code in _field_codes(layer, _columns(frame)).items():
            _, description, unit = known.get(column, ("", "", ""))
            writer.writerow([layer, code, column, description, unit])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _readme(meta: Mapping[str, str], encoding: str, not_gbk: list[str], truncated: list[str]) -> bytes:
    lines = [
        f"{DISTRIBUTION}: Shapefile export / Shapefile 导出",
        "",
        "Layers 图层: carriers.shp (载体 carriers), zones.shp (片区 zones), each with .shx .dbf .prj .cpg.",
        "Coordinates 坐标: WGS-84 longitude/latitude (EPSG:4326), see the .prj files.",
    ]
    if encoding == "GBK":
        lines.append("Text encoding 文字编码: GBK (the .cpg files say GBK).")
    else:
        lines += [
            "Text encoding 文字编码: UTF-8 (the .cpg files say UTF-8).",
            "  GBK was not possible: these values have characters GBK cannot encode",
            "  以下数值含 GBK 无法编码的字符，故改用 UTF-8:",
            *(f"  - {item}" for item in not_gbk),
        ]
    lines += [
        "Field codes 字段代码: DBF field names hold at most 10 ASCII characters; fields.csv maps each",
        "  code to the full field name, a Chinese description and the unit. 字段说明见 fields.csv。",
        "Unknown figures 未知数值: an empty numeric field means unknown, never zero. 空值表示未知，不是零。",
    ]
    if truncated:
        lines += [
            f"Truncated 截断: DBF text fields hold at most {_DBF_TEXT_BYTES} bytes; these values were cut",
            "  (the GeoPackage and GeoJSON exports hold them in full):",
            *(f"  - {item}" for item in truncated),
        ]
    lines += ["", "Metadata 元数据:", *(f"  {line}" for line in _stamp_lines(meta)), ""]
    return ("\ufeff" + "\r\n".join(lines)).encode("utf-8")


def shapefile_zip(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, stamp: Mapping[str, str]) -> bytes:
    """Carriers and zones as Shapefiles in one zip, the way Chinese GIS desktops expect them.

    The zip holds ``carriers.shp/.shx/.dbf/.prj/.cpg``, the same for ``zones``, ``fields.csv``
    (``layer, code, field, 中文说明, unit``: the alias table for the short field codes) and
    ``README.txt`` (encoding, notes and the stamp). Field codes are ≤ 10 ASCII characters
    (``EXIST_M2``, ``PLAN_M2``, ``PLAN_YR``, …). Text is encoded GBK with a ``.cpg`` saying ``GBK``
    when every value encodes in GBK; otherwise both layers fall back to UTF-8 (``.cpg``: ``UTF-8``)
    and the README lists the values that forced it. Unknown integers are blank in the DBF, which
    GDAL reads back as null. Text longer than a DBF field's 254 bytes is cut at a character
    boundary and listed in the README.

    Returns
    -------
    bytes
        The ``.zip`` file.
    """
    layers = _layers(carriers, zones)
    not_gbk = _not_gbk(layers)
    encoding = "GBK" if not not_gbk else "UTF-8"
    meta = _file_stamp(stamp, WGS84)
    truncated: list[str] = []
    buffer = io.BytesIO()
    with (
        tempfile.TemporaryDirectory(prefix="xuhui-export-") as tmp,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for layer, frame in layers:
            path = Path(tmp) / f"{layer}.shp"
            pyogrio.write_dataframe(
                _dbf_frame(layer, frame, encoding, truncated), path, driver="ESRI Shapefile", encoding=encoding
            )
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                archive.write(path.with_suffix(suffix), arcname=f"{layer}{suffix}")
        archive.writestr("fields.csv", _fields_csv(layers))
        archive.writestr("README.txt", _readme(meta, encoding, not_gbk, truncated))
    return buffer.getvalue()
