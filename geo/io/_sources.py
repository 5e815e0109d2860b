"""Shared machinery of the format readers: text decoding, the raw layer, limits on counts.

Every format is loaded into a :class:`Raw` layer (attributes as a DataFrame, geometries as shapely
objects, per-row parse failures and repairs, the declared CRS), which :mod:`geo.io.reader` then turns
into WGS-84 polygons. :class:`Opened` is the interface each format implements.
"""

from __future__ import annotations

import codecs
import re
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from pyproj import CRS

from geo.io import _dbf
from geo.io._readbase import EncodingInfo, Limits, Note, ReadError, fail

__all__ = [
    "ACCEPTED_EN",
    "ACCEPTED_ZH",
    "ENCODING_CHOICES",
    "PREVIEW_ROWS",
    "Meta",
    "Opened",
    "Raw",
    "bounds_of",
    "bracket_depth",
    "check_counts",
    "envelope",
    "from_wkb",
    "geometry_type",
    "meta_from_raw",
    "plain_polygon_wkb",
    "preview_frame",
    "refuse_type",
    "screen_wkb",
    "strip_bom",
    "text_head",
    "text_preview",
    "to_utf8",
    "too_many",
    "user_codec",
    "valid_text",
    "wkb_depth",
]

ENCODING_CHOICES = ("UTF-8", "GB18030", "GBK", "BIG5", "CP1252")
PREVIEW_ROWS = 5
ACCEPTED_EN = "GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, GeoParquet, CSV or XLSX"
ACCEPTED_ZH = "GeoJSON、GeoPackage、Shapefile 压缩包、KML/KMZ、GeoParquet、CSV 或 XLSX"


def strip_bom(data: bytes) -> bytes:
    """``data`` without a UTF-8 byte-order mark."""
    return data[3:] if data.startswith(codecs.BOM_UTF8) else data


def text_head(data: bytes, size: int = 4096) -> str:
    """The first ``size`` bytes as text (UTF-16 with a BOM, else UTF-8), undecodable bytes dropped."""
    head = data[:size]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore")
    return strip_bom(head).decode("utf-8", errors="ignore")


def refuse_type(source: str, what_en: str, what_zh: str) -> ReadError:
    """A ``refused-type`` error that also lists the accepted formats."""
    return fail(
        source, "refused-type", f"{what_en}. Accepted: {ACCEPTED_EN}", f"{what_zh}。可接受的格式：{ACCEPTED_ZH}"
    )


def valid_text(data: bytes, codec: str) -> bool:
    """Whether ``data`` decodes strictly, without holding the decoded text.

    An incomplete character at the very end (a truncated upload) does not count against the
    encoding: the parser reports the truncation instead.
    """
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(data[start : start + (1 << 20)], final=False)
    except UnicodeDecodeError:
        return False
    return True


def user_codec(source: str, encoding: str) -> str:
    """The Python codec for the encoding a user named, or a ``needs-encoding`` error."""
    codec = _dbf.codec_from_label(encoding)
    transform = _dbf.not_text_encoding(encoding)
    if codec is None and transform is not None:
        raise fail(
            source,
            "needs-encoding",
            f"{encoding!r} ({transform}) is not a text encoding but a data transform; "
            f"choose a text encoding such as {', '.join(ENCODING_CHOICES)}",
            f"{encoding!r}({transform})不是文字编码，而是数据变换；请选择文字编码，如 {'、'.join(ENCODING_CHOICES)}",
            choices=ENCODING_CHOICES,
        )
    if codec is None:
        raise fail(
            source,
            "needs-encoding",
            f"unknown text encoding {encoding!r}",
            f"未知的文字编码 {encoding!r}",
            choices=ENCODING_CHOICES,
        )
    return codec


def to_utf8(data: bytes, source: str, encoding: str | None, *, what: str) -> tuple[bytes, EncodingInfo]:
    """Text bytes as UTF-8: the user's encoding, else UTF-8 (BOM allowed), else GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16").encode("utf-8"), EncodingInfo("UTF-16", "byte-order-mark", (), ())
    body = strip_bom(data)
    if encoding is not None:
        codec = user_codec(source, encoding)
        try:
            text = body.decode(codec)
        except UnicodeDecodeError as exc:
            raise fail(
                source,
                "needs-encoding",
                f"the {what} is not valid {encoding} ({exc.reason} at byte {exc.start}); choose another encoding",
                f"该{ZH_WHAT.get(what, what)}不是有效的 {encoding} 编码(第 {exc.start} 字节)；请换一种编码",
                choices=ENCODING_CHOICES,
            ) from exc
        return text.encode("utf-8"), EncodingInfo(_dbf.display_codec(codec), "user", (), text_preview(text))
    if valid_text(body, "utf-8"):
        return body, EncodingInfo("UTF-8", "detected-utf-8", (), ())
    if valid_text(body, "gb18030"):
        text = body.decode("gb18030", errors="replace")
        return text.encode("utf-8"), EncodingInfo("GB18030", "fallback-gb18030", (), text_preview(text))
    raise fail(
        source,
        "needs-encoding",
        f"the {what} is neither UTF-8 nor GB18030; choose its encoding",
        f"该{ZH_WHAT.get(what, what)}既不是 UTF-8 也不是 GB18030；请选择其编码",
        choices=ENCODING_CHOICES,
    )


ZH_WHAT = {"GeoJSON": " GeoJSON ", "KML": " KML ", "CSV": " CSV 文件"}


def text_preview(text: str, limit: int = 8) -> tuple[str, ...]:
    """Distinct runs of non-ASCII text, to let a user confirm the decoding."""
    runs: list[str] = []
    for match in re.finditer(r"[^\x00-\x7f]+", text[: 1 << 20]):
        if match.group() not in runs:
            runs.append(match.group())
        if len(runs) >= limit:
            break
    return tuple(runs)


@dataclass
class Raw:
    """One layer as loaded, before hygiene and reprojection."""

    attrs: pd.DataFrame
    geoms: np.ndarray  # shapely geometries or None, one per row
    unreadable: dict[int, Note] = field(default_factory=dict)  # row index → why the geometry failed
    fixes: dict[int, list[Note]] = field(default_factory=dict)  # row index → repairs while parsing
    declared: CRS | None = None
    crs_source: str | None = None
    encoding: EncodingInfo | None = None
    notes: list[Note] = field(default_factory=list)
    geometry_columns: tuple[str, ...] = ()
    #: Per row, the WKB read from the file when it is a plain 2D little-endian Polygon (the bytes
    #: shapely writes for that outline), else None; None when the format gives no such column. The
    #: reader hands these bytes on instead of writing each outline it did not change again.
    wkb: np.ndarray | None = None


@dataclass
class LayerFacts:
    """What a layer is, cheaply (no full read): the facts the reader's :class:`Meta` and the public
    :class:`geo.io.reader.LayerInfo` share (each adds its own view of the coordinate system)."""

    name: str
    features: int
    vertices: int | None
    vertices_estimated: bool
    geometry_type: str
    columns: list[str]
    preview: pd.DataFrame
    crs_source: str | None
    bounds: tuple[float, float, float, float] | None
    encoding: EncodingInfo | None = None
    notes: list[Note] = field(default_factory=list)
    geometry_columns: tuple[str, ...] = ()


@dataclass(kw_only=True)
class Meta(LayerFacts):
    """A layer's facts with the coordinate system the file declares, as an object (the reader's own view)."""

    declared: CRS | None = None


def envelope(boxes: np.ndarray) -> tuple[float, float, float, float] | None:
    """The box around per-feature boxes (rows of minx, miny, maxx, maxy; NaN rows ignored)."""
    if len(boxes) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns when nothing has a geometry
        out = (np.nanmin(boxes[:, 0]), np.nanmin(boxes[:, 1]), np.nanmax(boxes[:, 2]), np.nanmax(boxes[:, 3]))
    return (float(out[0]), float(out[1]), float(out[2]), float(out[3])) if all(np.isfinite(out)) else None


def bounds_of(geoms: np.ndarray) -> tuple[float, float, float, float] | None:
    """The box around shapely geometries (None and empty ones ignored)."""
    return envelope(shapely.bounds(geoms)) if len(geoms) else None


_TYPE_NAMES = (
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)


def geometry_type(geoms: np.ndarray) -> str:
    """The geometry types present, e.g. ``'MultiPolygon, Polygon'`` (``'None'`` when there is none)."""
    kinds = sorted(_TYPE_NAMES[k] for k in np.unique(shapely.get_type_id(geoms)) if 0 <= k < len(_TYPE_NAMES))
    return ", ".join(kinds) if kinds else "None"


def preview_frame(attrs: pd.DataFrame, geoms: np.ndarray) -> pd.DataFrame:
    out = attrs.head(PREVIEW_ROWS).copy()
    out["geometry"] = [g.geom_type if g is not None else None for g in geoms[:PREVIEW_ROWS]]
    return out.reset_index(drop=True)


def meta_from_raw(name: str, raw: Raw, vertices: int, *, estimated: bool = False) -> Meta:
    return Meta(
        name=name,
        features=len(raw.geoms),
        vertices=vertices,
        vertices_estimated=estimated,
        geometry_type=geometry_type(raw.geoms),
        columns=[str(c) for c in raw.attrs.columns],
        preview=preview_frame(raw.attrs, raw.geoms),
        declared=raw.declared,
        crs_source=raw.crs_source,
        bounds=bounds_of(raw.geoms),
        encoding=raw.encoding,
        notes=list(raw.notes),
        geometry_columns=raw.geometry_columns,
    )


def too_many(source: str, what: str, count: int | str, cap: int) -> ReadError:
    zh = {"features": "要素", "vertices": "顶点", "rows": "行", "layers": "图层", "columns": "列"}.get(what, what)
    return fail(
        source,
        "too-large",
        f"the layer has {count} {what}, more than the {cap:,} allowed; "
        "split the file or simplify the outlines before uploading",
        f"该图层有 {count} 个{zh}，超过上限 {cap:,}；请拆分文件或简化轮廓后再上传",
    )


def check_counts(source: str, features: int, vertices: int | None, limits: Limits) -> None:
    if features > limits.max_features:
        raise too_many(source, "features", f"{features:,}", limits.max_features)
    if vertices is not None and vertices > limits.max_vertices:
        raise too_many(source, "vertices", f"about {vertices:,}", limits.max_vertices)


#: Geometry nesting a real file never needs (a collection of multipolygons is 3 deep); decoders
#: recurse once per level, and 100,000 levels overflow a native stack.
MAX_NESTING = 32

# WKB types by their base code (ISO Z/M add 1000/2000/3000; EWKB sets high flag bits).
_WKB_POINT, _WKB_LINEAR, _WKB_RINGS = frozenset({1}), frozenset({2, 8}), frozenset({3, 17})
_WKB_NESTED = frozenset({4, 5, 6, 7, 9, 10, 11, 12, 15, 16})
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000


def wkb_depth(blob: bytes, limit: int = MAX_NESTING) -> int | None:  # noqa: PLR0911, PLR0912 - one walk; each exit refuses
    """How deep a WKB geometry nests (a polygon is 1), read from its headers without recursing.

    Returns None for a header that cannot be followed (unknown type, truncated); stops early and
    returns ``limit + 1`` as soon as the nesting passes ``limit``. Only counts are read, never
    coordinates, so a polygon costs one header and a collection one header per part and ring.

    >>> import shapely
    >>> wkb_depth(shapely.box(0, 0, 1, 1).wkb), wkb_depth(shapely.GeometryCollection([shapely.box(0, 0, 1, 1)]).wkb)
    (1, 2)
    """
    size = len(blob)
    pos = 0
    remaining = [1]  # geometries still to read at each open level
    deepest = 0
    unpack = struct.unpack_from
    try:
        while remaining:
            if remaining[-1] == 0:
                remaining.pop()
                continue
            remaining[-1] -= 1
            depth = len(remaining)
            if depth > limit:
                return limit + 1
            deepest = max(deepest, depth)
            order = blob[pos]
            if order > 1:
                return None
            fmt = "<I" if order == 1 else ">I"
            code = unpack(fmt, blob, pos + 1)[0]
            pos += 5
            dims = 2 + bool(code & _EWKB_Z) + bool(code & _EWKB_M)
            if code & _EWKB_SRID:
                pos += 4
            code &= 0x0FFFFFFF
            base, iso = code % 1000, code // 1000
            if iso > 3:
                return None
            step = 8 * (dims + (iso + 1) // 2)
            if base in _WKB_POINT:
                pos += step
                continue
            count = unpack(fmt, blob, pos)[0]
            pos += 4
            if base in _WKB_LINEAR:
                pos += count * step
            elif base in _WKB_RINGS:
                if count > size:
                    return None
                for _ in range(count):
                    pos += 4 + unpack(fmt, blob, pos)[0] * step
            elif base in _WKB_NESTED:
                if count > size:  # each part takes at least a byte: a lie about the count
                    return None
                remaining.append(count)
            else:
                return None
            if pos > size:
                return None
    except (IndexError, struct.error):
        return None
    return deepest


def _too_deep_note(depth: int | None) -> Note:
    if depth is None:
        return Note(
            "geometry unreadable (its binary headers are damaged or of an unknown type); export it again",
            "几何无法读取(二进制头已损坏或类型未知)；请重新导出",
        )
    return Note(
        f"geometry nested more than {MAX_NESTING} levels deep (collections inside collections): refused "
        "before decoding; simplify it to polygons in your GIS",
        f"几何嵌套超过 {MAX_NESTING} 层(集合套集合)：未解码即拒绝；请在 GIS 中简化为多边形",
    )


_NO_HEADER = b"\xff" * 5
_WKB_HEADER = 9  # byte order, type and count: the least a nested level takes
#: Below this size a blob cannot nest 512 levels (9 bytes each), which decoders handle without harm:
#: only larger ones have their headers walked (a 100,000-deep geometry is 900 KB).
_SCAN_FROM_BYTES = _WKB_HEADER * 512


def _object_heads(values: list[object]) -> npt.NDArray[np.uint8]:
    """The first 5 bytes of every blob (byte order and type), ``0xff`` bytes where there is no header."""
    heads = b"".join(v[:5] if isinstance(v, (bytes, bytearray)) and len(v) >= 5 else _NO_HEADER for v in values)
    return np.frombuffer(heads, dtype=np.uint8).reshape(-1, 5)


#: Bytes of each blob :func:`_arrow_heads` reads: a header (5), and for a MultiPolygon its part count (4)
#: and first part's header (5).
_HEAD_BYTES = 14


def _arrow_heads(column: Any) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The first :data:`_HEAD_BYTES` bytes and the length of every blob of an Arrow binary column.

    Read from its offsets and data buffers at once, with no Python object per row (a million blobs:
    a few hundredths of a second, where collecting them from Python bytes took half a second). A blob
    shorter than a header (5 bytes), or missing, has every byte ``0xff``, as in :func:`_object_heads`;
    bytes past a blob's end are ``0xff`` too. Lengths are -1 where the blob is missing.
    """
    import pyarrow as pa  # noqa: PLC0415 - only Parquet and GeoPackage columns come here

    parts, sizes = [], []
    for chunk in getattr(column, "chunks", [column]):
        count = len(chunk)
        heads = np.full((count, _HEAD_BYTES), 0xFF, dtype=np.uint8)
        lengths = np.full(count, -1, dtype=np.int64)
        validity, offsets_buffer, data_buffer = chunk.buffers()[:3]
        if count and offsets_buffer is not None:
            width = np.int64 if pa.types.is_large_binary(chunk.type) else np.int32
            offsets = np.frombuffer(offsets_buffer, dtype=width)[chunk.offset : chunk.offset + count + 1]
            starts = offsets[:-1].astype(np.int64)
            lengths = (offsets[1:] - offsets[:-1]).astype(np.int64)
            if validity is not None and chunk.null_count:
                lengths[~chunk.is_valid().to_numpy(zero_copy_only=False)] = -1
            data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.empty(0, np.uint8)
            whole = lengths >= _HEAD_BYTES
            heads[whole] = data[starts[whole, None] + np.arange(_HEAD_BYTES)]
            for k in range(_HEAD_BYTES):  # the few blobs shorter than that: byte by byte position
                some = (lengths >= 5) & ~whole & (lengths > k)
                heads[some, k] = data[starts[some] + k]
        parts.append(heads)
        sizes.append(lengths)
    if not parts:
        return np.empty((0, _HEAD_BYTES), dtype=np.uint8), np.empty(0, dtype=np.int64)
    return np.concatenate(parts), np.concatenate(sizes)


#: The headers of the last Arrow column read (the column itself kept, so that its identity holds):
#: :func:`screen_wkb` and then :func:`plain_polygon_wkb` read the same column's headers, once.
_LAST_HEADS: list[tuple[Any, tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]]] = []


def _heads_of(column: Any, *, last_use: bool = False) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """:func:`_arrow_heads` of ``column``, computed once for two consecutive uses."""
    if _LAST_HEADS and _LAST_HEADS[0][0] is column:
        found = _LAST_HEADS[0][1]
    else:
        found = _arrow_heads(column)
        _LAST_HEADS[:] = [(column, found)]
    if last_use:
        _LAST_HEADS.clear()
    return found


def _simple_mask(heads: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Which blobs are a plain point, line or polygon (nothing nested), read from all headers at once."""
    head = heads.astype(np.uint32)
    little = head[:, 0] == 1
    big = head[:, 0] == 0
    code_le = head[:, 1] | (head[:, 2] << 8) | (head[:, 3] << 16) | (head[:, 4] << 24)
    code_be = head[:, 4] | (head[:, 3] << 8) | (head[:, 2] << 16) | (head[:, 1] << 24)
    code = np.where(little, code_le, code_be) & 0x0FFFFFFF
    return (little | big) & np.isin(code % 1000, (1, 2, 3)) & (code // 1000 <= 3)


def _is_arrow_binary(column: Any) -> bool:
    """Whether ``column`` is an Arrow (chunked) array of ``binary`` or ``large_binary`` values."""
    import pyarrow as pa  # noqa: PLC0415

    return isinstance(column, (pa.Array, pa.ChunkedArray)) and (
        pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type)
    )


def screen_wkb(values: np.ndarray, *, arrow: Any = None) -> dict[int, Note]:
    """Rows whose WKB nests too deep or cannot be followed: refused before any decoder sees them.

    ``arrow``, when given, is the same column as an Arrow binary array: its headers are then read
    from Arrow's buffers (no Python object per row). Either way, only rows whose header is not a
    plain point, line or polygon are looked at one by one.
    """
    out: dict[int, Note] = {}
    if len(values) == 0:
        return out
    if arrow is not None and len(arrow) == len(values) and _is_arrow_binary(arrow):
        heads, lengths = _heads_of(arrow)
        # missing, or too small to nest deep enough to harm a decoder: skipped below, here at once
        skipped = (lengths < 0) | ((lengths > _WKB_HEADER) & (lengths < _SCAN_FROM_BYTES))
        looked_at = ~_simple_mask(heads[:, :5]) & ~skipped
    else:
        looked_at = ~_simple_mask(_object_heads(values.tolist()))
    for i in np.flatnonzero(looked_at).tolist():
        blob = values[i]
        if blob is None or (isinstance(blob, bytes) and _WKB_HEADER < len(blob) < _SCAN_FROM_BYTES):
            continue
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            out[i] = _too_deep_note(None)
            continue
        depth = wkb_depth(blob if isinstance(blob, bytes) else bytes(blob))
        if depth is None or depth > MAX_NESTING:
            out[i] = _too_deep_note(depth)
    return out


def bracket_depth(data: bytes, opening: bytes = b"[{", closing: bytes = b"]}") -> int:
    """The deepest bracket nesting in JSON-like text, counted in chunks without a parser.

    Brackets inside strings count too: an upper bound, which is what a cap needs.
    """
    opens = np.frombuffer(opening, dtype=np.uint8)
    closes = np.frombuffer(closing, dtype=np.uint8)
    level = deepest = 0
    for start in range(0, len(data), 1 << 22):
        codes = np.frombuffer(data[start : start + (1 << 22)], dtype=np.uint8)
        step = np.isin(codes, opens).astype(np.int64) - np.isin(codes, closes)
        running = np.cumsum(step) + level
        if len(running):
            deepest = max(deepest, int(running.max()))
            level = int(running[-1])
    return deepest


def plain_polygon_wkb(values: np.ndarray, arrow: Any) -> np.ndarray | None:
    """``values`` where the blob is a 2D little-endian Polygon with no SRID (byte order 1, type 3), or a
    MultiPolygon of one such Polygon (as GDAL gives a GeoPackage's polygons in a MultiPolygon layer),
    else None; None for all when ``arrow`` is not the same column as an Arrow binary array.

    Such a blob has no header that could change how it reads (no SRID, Z, M or other byte order
    anywhere), so decoding it again gives the very outline it was decoded to here: it can stand for
    that outline as long as the outline is not changed.
    """
    if len(values) == 0 or arrow is None or len(arrow) != len(values) or not _is_arrow_binary(arrow):
        return None
    heads = _heads_of(arrow, last_use=True)[0]
    polygon = (heads[:, :5] == _LE_POLYGON).all(axis=1)
    one_part = (heads[:, :5] == _LE_MULTIPOLYGON).all(axis=1) & (heads[:, 5:] == _ONE_LE_POLYGON).all(axis=1)
    return np.where(polygon | one_part, values, None)


_LE_POLYGON = np.frombuffer(b"\x01\x03\x00\x00\x00", dtype=np.uint8)
_LE_MULTIPOLYGON = np.frombuffer(b"\x01\x06\x00\x00\x00", dtype=np.uint8)
_ONE_LE_POLYGON = np.frombuffer(b"\x01\x00\x00\x00\x01\x03\x00\x00\x00", dtype=np.uint8)  # count 1, a Polygon


def from_wkb(values: np.ndarray, *, arrow: Any = None) -> tuple[np.ndarray, dict[int, Note], dict[int, list[Note]]]:
    """Parse WKB; rows that only parse after closing rings are repaired, the rest unreadable.

    Headers are screened first (:func:`screen_wkb`; ``arrow`` is the same column as an Arrow binary
    array, to screen from its buffers): a geometry nested deeper than :data:`MAX_NESTING` never
    reaches the decoder, which would recurse once per level.
    """
    unreadable: dict[int, Note] = screen_wkb(values, arrow=arrow)
    if unreadable:
        values = values.copy()
        values[list(unreadable)] = None
    geoms = shapely.from_wkb(values, on_invalid="ignore")
    fixes: dict[int, list[Note]] = {}
    for i in np.flatnonzero(pd.isna(geoms) & ~pd.isna(values)):
        fixed = shapely.from_wkb(values[i], on_invalid="fix")
        if fixed is None:
            unreadable[int(i)] = Note(
                "geometry unreadable (curved or corrupt); convert it to polygons in your GIS",
                "几何无法读取(曲线或已损坏)；请在 GIS 中转换为多边形",
            )
        else:
            geoms[i] = fixed
            fixes[int(i)] = [Note("ring was not closed: closed it", "环未闭合：已闭合")]
    return geoms, unreadable, fixes


class Opened:
    """A file opened for inspection and reading; subclasses per format."""

    fmt = ""

    def __init__(self, data: bytes, source: str, tmp: Path, limits: Limits, encoding: str | None) -> None:
        self.data = data
        self.source = source
        self.tmp = tmp
        self.limits = limits
        self.encoding = encoding
        self.notes: list[Note] = []
        #: Given by the reader: :meth:`load` hands it the layer's attribute table as soon as that is
        #: read, before the outlines are decoded, where the format reads the two apart (GeoParquet,
        #: GeoPackage). The reader sends the table ahead to its caller (:class:`geo.io.reader._Attributes`).
        self.attributes_ready: Callable[[pd.DataFrame], None] | None = None

    def layers(self) -> list[str]:
        """Layer names, in file order."""
        raise NotImplementedError

    def meta(self, layer: str) -> Meta:
        """Cheap facts about one layer, for :func:`geo.io.reader.inspect`."""
        raise NotImplementedError

    def load(self, layer: str) -> Raw:
        """One layer in full (within the limits), for :func:`geo.io.reader.read`."""
        raise NotImplementedError

    def close(self) -> None:
        """Release anything held open."""
