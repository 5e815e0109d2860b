"""Deciding a file's format from its bytes, before any parser sees them.

The extension is only consulted for CSV (which has no signature). Everything that is not one of
the accepted formats is refused here with the reason: GDAL virtual files (VRT, GDALG) that read
other files or URLs, web pages, old ``.xls``, a ``.shp`` without its sidecars, other archives.
"""

from __future__ import annotations

import codecs
import re
from pathlib import PurePosixPath

from geo.io._archive import SafeZip, is_zip
from geo.io._readbase import Limits, fail
from geo.io._sources import refuse_type, text_head

__all__ = ["FORMATS", "sniff"]

#: Accepted formats, as :func:`sniff` names them.
FORMATS: dict[str, str] = {
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "shapefile": "Shapefile (zip)",
    "kml": "KML",
    "kmz": "KMZ",
    "geoparquet": "GeoParquet",
    "csv": "CSV",
    "xlsx": "Excel XLSX",
}


def _ext(filename: str) -> str:
    name = filename.lower()
    return ".gdalg.json" if name.endswith(".gdalg.json") else PurePosixPath(name).suffix


def _zip_kind(data: bytes, source: str, limits: Limits) -> str:
    archive = SafeZip(data, source, limits, kind="probe")
    try:
        names = {m.name.casefold() for m in archive.members}
        suffixes = {m.suffix for m in archive.members}
    finally:
        archive.close()
    if "[content_types].xml" in names:
        if "xl/workbook.xml" in names:
            return "xlsx"
        raise refuse_type(
            source,
            "this is an Office document (Word/PowerPoint), not a table or map layer",
            "这是 Office 文档(Word/PowerPoint)，不是表格或图层",
        )
    if ".shp" in suffixes:
        return "shapefile"
    if ".kml" in suffixes:
        return "kmz"
    inner = sorted(suffixes & {".geojson", ".json", ".gpkg", ".csv", ".xlsx", ".parquet", ".dbf"})
    if inner:
        raise refuse_type(
            source,
            f"the zip holds no Shapefile (.shp) but {', '.join(inner)} file(s); upload those files directly, unzipped",
            f"压缩包里没有 Shapefile(.shp)，只有 {', '.join(inner)} 文件；请直接上传这些文件(不要压缩)",
        )
    raise refuse_type(source, "the zip holds no Shapefile (.shp) and no KML", "压缩包里没有 Shapefile(.shp)或 KML")


def sniff(data: bytes, filename: str, *, limits: Limits | None = None) -> str:
    """The file's format, decided from its content; anything not accepted is refused.

    Parameters
    ----------
    data
        The file's bytes.
    filename
        The name it was uploaded under (used for CSV, which has no signature, and for messages).
    limits
        Caps (upload size, zip members).

    Returns
    -------
    str
        A key of :data:`FORMATS`.

    Raises
    ------
    ReadError
        ``too-large``, ``refused-type`` (with the reason: a VRT, a GDALG, an HTML page, an old
        ``.xls``, a ``.shp`` without its sidecars…) or ``refused-zip``.
    """
    limits = limits or Limits()
    if not data:
        raise refuse_type(filename, "the file is empty", "文件为空")
    _check_size(data, filename, limits, None)
    fmt = _sniff_content(data, filename, limits)
    _check_size(data, filename, limits, fmt)
    return fmt


def _check_size(data: bytes, filename: str, limits: Limits, fmt: str | None) -> None:
    """Refuse ``data`` over the cap of its format (over every cap before the format is known)."""
    cap = limits.upload_bytes(fmt)
    if len(data) > cap:
        raise fail(
            filename,
            "too-large",
            f"the file is {len(data) / 2**20:.1f} MB, more than the "
            f"{cap / 2**20:.0f} MB allowed; split it or simplify the outlines",
            f"文件大小 {len(data) / 2**20:.1f} MB，超过上限 {cap / 2**20:.0f} MB；请拆分文件或简化轮廓",
        )


def _sniff_content(data: bytes, filename: str, limits: Limits) -> str:
    if is_zip(data):
        return _zip_kind(data, filename, limits)
    for signature, fmt in _SIGNATURES:
        if data.startswith(signature):
            return fmt
    for signatures, en, zh in _REFUSED_SIGNATURES:
        if data.startswith(signatures):
            raise refuse_type(filename, en, zh)
    if data[257:262] == b"ustar":
        raise refuse_type(filename, "this archive type is not accepted; use a .zip", "不接受此类压缩包；请使用 .zip")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refuse_type(filename, "this is a binary file of an unknown kind", "这是未知类型的二进制文件")
    return _sniff_text(data, filename)


_SIGNATURES = ((b"SQLite format 3\x00", "gpkg"), (b"PAR1", "geoparquet"))


def signature_format(head: bytes) -> str | None:
    """The format of a file whose first bytes are ``head`` when a signature alone decides it, else None.

    >>> signature_format(b"PAR1\x15\x04"), signature_format(b'{"type": ')
    ('geoparquet', None)
    """
    return next((fmt for signature, fmt in _SIGNATURES if head.startswith(signature)), None)


_REFUSED_SIGNATURES = (
    (
        (b"\x00\x00\x27\x0a",),
        (
            "this is a lone .shp; its .dbf, .shx and .prj are needed too: zip the files "
            "(.shp .shx .dbf .prj .cpg) together and upload the zip"
        ),
        "这是单独的 .shp 文件，还需要 .dbf、.shx、.prj：请把 .shp .shx .dbf .prj .cpg 一起压缩成 zip 上传",
    ),
    (
        (b"\xd0\xcf\x11\xe0",),
        "this is an old Excel .xls (or another OLE file); save it as .xlsx or CSV",
        "这是旧版 Excel .xls(或其他 OLE 文件)；请另存为 .xlsx 或 CSV",
    ),
    (
        (b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"BZh"),
        "this archive type is not accepted; use a .zip",
        "不接受此类压缩包；请使用 .zip",
    ),
)


def _sniff_text(data: bytes, filename: str) -> str:
    text = text_head(data).lstrip()
    low = text[:2048].lower()
    if "ogrvrtdatasource" in low or "<vrtdataset" in low or "gdal_streamed_alg" in low:
        raise refuse_type(
            filename,
            "GDAL virtual files (VRT, GDALG) are refused: they read other files or URLs",
            "拒绝 GDAL 虚拟文件(VRT、GDALG)：它们会读取其他文件或网址",
        )
    if text.startswith("{"):
        return "geojson"
    if text.startswith("["):
        raise refuse_type(
            filename,
            "this is a JSON list, not GeoJSON (which starts with '{')",
            "这是 JSON 数组，不是 GeoJSON(GeoJSON 以 '{' 开头)",
        )
    if text.startswith("<"):
        if re.search(r"<(\w+:)?kml[\s>]", low):
            return "kml"
        if "<html" in low or "<!doctype html" in low:
            raise refuse_type(
                filename,
                "this is a web page (HTML), not data; save the data file itself",
                "这是网页(HTML)，不是数据文件；请保存数据文件本身",
            )
        raise refuse_type(
            filename,
            "this XML file is not KML (GML and other XML are not accepted)",
            "该 XML 文件不是 KML(不接受 GML 等其他 XML)",
        )
    if _ext(filename) in (".csv", ".txt", ".tsv"):
        return "csv"
    raise refuse_type(
        filename, f"the content of {filename!r} is not a recognised format", f"无法识别 {filename!r} 的内容格式"
    )
