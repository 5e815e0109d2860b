"""Hostile files of the second round (issue 10), built in code: each crashes, hangs or starves a naive reader.

Every builder returns the bytes of one upload; :data:`CASES` names each with the verdict the reader
must give (a :class:`geo.io.reader.ReadError` code, or ``ok``) and is run by ``tests/test_reader_hostile.py``
in a separate process under a memory cap and a time limit, so a regression shows up as a failed test,
not as a dead test runner.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import struct
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus

__all__ = ["HostileCase", "build", "main"]

SQUARE = [(121.40, 31.10), (121.41, 31.10), (121.41, 31.11), (121.40, 31.11)]


def deep_wkb(levels: int) -> bytes:
    """A GeometryCollection holding a GeometryCollection … ``levels`` deep, as little-endian WKB."""
    return struct.pack("<BII", 1, 7, 1) * levels + struct.pack("<BII", 1, 7, 0)


def _geoparquet(table: object, *, arrow_schema: bool = True) -> bytes:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    assert isinstance(table, pa.Table)
    geo = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": {"encoding": "WKB"}}}
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, table.schema, compression="zstd", store_schema=arrow_schema) as writer:
        writer.write_table(table)
        writer.add_key_value_metadata({"geo": json.dumps(geo)})
    return buffer.getvalue()


def deep_parquet(levels: int = 100_000) -> bytes:
    """About a kilobyte: one row whose geometry nests ``levels`` deep (a WKB decoder's stack overflows)."""
    import pyarrow as pa  # noqa: PLC0415

    return _geoparquet(pa.table({"id": ["deep"], "geometry": pa.array([deep_wkb(levels)], pa.binary())}))


def dictionary_bomb_parquet(rows: int = 200_000, width: int = 20_000, *, arrow_schema: bool = True) -> bytes:
    """A few KB: one long text value, dictionary-encoded and repeated on every row (expands to ~``rows × width``).

    With ``arrow_schema`` the file says the columns are Arrow dictionaries (read back compact);
    without, only the pages are dictionary-encoded and a reader decodes every row.
    """
    import pyarrow as pa  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    text = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["x" * width]))
    geometry = pa.DictionaryArray.from_arrays(
        pa.array([0] * rows, pa.int32()), pa.array([shapely.box(121.4, 31.1, 121.41, 31.11).wkb], pa.binary())
    )
    return _geoparquet(pa.table({"id": text, "geometry": geometry}), arrow_schema=arrow_schema)


#: Every contract field of a carrier, valid (ids and geometry are added per row).
VALID = {
    "kind": "building",
    "zone_ids": None,
    "floor_area_existing_m2": 1000,
    "floor_area_planned_m2": None,
    "planned_year": None,
    "opened_year": 2020,
    "status": "existing",
    "site_area_m2": None,
    "geometry_accuracy_m": 10,
    "source_ids": None,
}


def parent_chain(length: int, *, cycle: bool = False) -> bytes:
    """A valid-looking GeoJSON of ``length`` carriers, each the parent of the next (or a cycle)."""
    features = []
    for i in range(length):
        parent = f"c{i - 1}" if i else (f"c{length - 1}" if cycle else None)
        x = 121.40 + (i % 100) * 0.0005
        y = 31.10 + (i // 100) * 0.0005
        features.append(
            corpus.feature(
                {**VALID, "id": f"c{i}", "name_zh": f"载体{i}", "name_en": f"carrier {i}", "parent_id": parent},
                corpus.polygon([(x, y), (x + 0.0004, y), (x + 0.0004, y + 0.0004), (x, y + 0.0004)]),
            )
        )
    return corpus.geojson(features)


def _square(i: int) -> list[tuple[float, float]]:
    x, y = 121.40 + (i % 300) * 0.0005, 31.10 + (i // 300) * 0.0005
    return [(x, y), (x + 0.0004, y), (x + 0.0004, y + 0.0004), (x, y + 0.0004)]


def deep_wkt_csv(levels: int = 5_000) -> bytes:
    """A CSV whose WKT cell nests collections ``levels`` deep (within the CSV field limit), beside a good row."""
    deep = "GEOMETRYCOLLECTION (" * levels + "POINT (121.4 31.1)" + ")" * levels
    good = "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in corpus.ring(SQUARE)) + "))"
    return f'id,wkt\ngood,"{good}"\ndeep,"{deep}"\n'.encode()


def deep_geojson(levels: int = 100_000) -> bytes:
    """A GeoJSON geometry: collections in collections, ``levels`` deep."""
    geometry = '{"type":"GeometryCollection","geometries":[' * levels + "]}" * levels
    return (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":' + geometry + "}]}"
    ).encode()


def parquet_of(frame: Any) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def shared_ids_parquet(rows: int = 190_000, distinct: int = 95_000) -> bytes:
    """Valid carriers but for their ids: ``rows`` features sharing ``distinct`` ids."""
    import geopandas as gpd  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    x = 121.40 + (np_arange(rows) % 400) * 0.0002
    y = 31.10 + (np_arange(rows) // 400) * 0.0002
    frame = gpd.GeoDataFrame(
        {
            **{k: [v] * rows for k, v in VALID.items()},
            "id": [f"d{i % distinct}" for i in range(rows)],
            "name_zh": ["载体"] * rows,
            "name_en": ["carrier"] * rows,
            "parent_id": [None] * rows,
        },
        geometry=shapely.box(x, y, x + 0.0001, y + 0.0001),
        crs=4326,
    )
    return parquet_of(frame)


def np_arange(n: int) -> Any:
    import numpy as np  # noqa: PLC0415

    return np.arange(n)


def kml_many_keys(keys: int = 110_000) -> bytes:
    """One placemark per 1,000 ExtendedData names, ``keys`` different names in all."""
    marks = []
    for start in range(0, keys, 1000):
        data = {f"k{i}": "1" for i in range(start, min(keys, start + 1000))}
        marks.append(corpus.kml_placemark(f"p{start}", SQUARE, data))
    return corpus.kml_bytes({"载体": marks})


def kml_deep_folders(levels: int = 100_000) -> bytes:
    """Named folders in folders, ``levels`` deep, a placemark at the bottom."""
    body = "<Folder><name>层</name>" * levels + corpus.kml_placemark("deep", SQUARE) + "</Folder>" * levels
    return (corpus.KML_HEAD + body + "</Document></kml>").encode()


def geojson_many_keys(keys: int = 200_000) -> bytes:
    """One feature per 1,000 property names, ``keys`` different names in all."""
    features = [
        corpus.feature({f"k{i}": 1 for i in range(start, min(keys, start + 1000))}, corpus.polygon(SQUARE))
        for start in range(0, keys, 1000)
    ]
    return corpus.geojson(features)


def _patch_xlsx(data: bytes, change: Callable[[str], str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = change(body.decode()).encode()
            target.writestr(info.filename, body)
    return out.getvalue()


def _xlsx_rows() -> list[list[Any]]:
    wkt = "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in corpus.ring(SQUARE)) + "))"
    return [["id", "name_zh", "wkt"], ["a", "甲", wkt]]


def xlsx_declared_rows(rows: int = 30_000_000) -> bytes:
    """Two real rows, but a dimension declaring ``rows`` rows."""
    return _patch_xlsx(
        corpus.xlsx_bytes(_xlsx_rows()), lambda x: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:Z{rows}"', x)
    )


def xlsx_far_row(row: int = 30_000_000) -> bytes:
    """Real rows, then one more at row ``row``: everything between is empty."""
    far = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>far</t></is></c></row>'
    return _patch_xlsx(corpus.xlsx_bytes(_xlsx_rows()), lambda x: x.replace("</sheetData>", far + "</sheetData>"))


def gpkg_with(change: Callable[[sqlite3.Connection], None], items: int = 10) -> bytes:
    """A GeoPackage layer 'carriers' of ``items`` squares, then ``change`` applied with SQLite."""
    import geopandas as gpd  # noqa: PLC0415
    import pyogrio  # noqa: PLC0415 - geo.io.reader was imported first
    import shapely  # noqa: PLC0415

    frame = gpd.GeoDataFrame(
        {"id": [f"c{i}" for i in range(items)], "name_zh": [f"载体{i}" for i in range(items)]},
        geometry=[shapely.Polygon(_square(i)) for i in range(items)],
        crs=4326,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        pyogrio.write_dataframe(frame, path, layer="carriers", driver="GPKG")
        con = sqlite3.connect(path)
        change(con)
        con.commit()
        con.close()
        return path.read_bytes()


def _claim(count: int) -> Callable[[sqlite3.Connection], None]:
    def change(con: sqlite3.Connection) -> None:
        con.execute("UPDATE gpkg_ogr_contents SET feature_count = ? WHERE table_name = 'carriers'", (count,))

    return change


def _more_rows(total: int, claim: int) -> Callable[[sqlite3.Connection], None]:
    def change(con: sqlite3.Connection) -> None:
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute(
            "INSERT INTO carriers (geom, id, name_zh) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < ?) SELECT (SELECT geom FROM carriers LIMIT 1), 'x' || i, 'x' FROM n",
            (total - 10,),
        )
        _claim(claim)(con)

    return change


def _case_view(con: sqlite3.Connection) -> None:
    con.execute(
        "CREATE VIEW slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        'SELECT t.* FROM "carriers" t, c'
    )
    con.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
        "VALUES ('SLOW', 'features', 'SLOW', 4326)"
    )
    con.execute("INSERT INTO gpkg_geometry_columns VALUES ('SLOW', 'geom', 'POLYGON', 4326, 0, 0)")


def cr_csv(rows: int = 250_000) -> bytes:
    """A CSV whose lines end in a lone carriage return (old Mac), more rows than the cap."""
    return ("id,wkt\r" + "".join(f"r{i},\r" for i in range(rows))).encode()


def zip_lying_count(members: int = 300) -> bytes:
    """A Shapefile zip of ``members`` entries whose end record says it holds 3."""
    shp = corpus.xuhui_shapefile("utf-8")
    data = bytearray(
        corpus.zip_bytes({**{f"f{i}.txt": b"" for i in range(members)}, **{f"z{k}": v for k, v in shp.items()}})
    )
    pos = data.rfind(b"PK\x05\x06")
    data[pos + 8 : pos + 12] = struct.pack("<HH", 3, 3)
    return bytes(data)


def kml_declaring(encoding: str) -> bytes:
    body = corpus.kml_bytes({"载体": [corpus.kml_placemark("a", SQUARE)]})
    return body.replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)


def shapefile_cpg(cpg: str) -> bytes:
    return corpus.shapefile_zip("z", corpus.xuhui_shapefile("utf-8"), prj=corpus.WGS84_PRJ, cpg=cpg)


@dataclass
class HostileCase:
    """One hostile upload, how to read it, and the verdict (a ReadError code, or ``ok``)."""

    build: Callable[[], bytes]
    filename: str
    verdict: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    says: str = ""  # a phrase the refusal (or the contract problems) must contain


NON_TEXT = ("rot13", "hex", "base64", "zlib_codec", "uu", "bz2_codec", "quopri")


def build() -> dict[str, HostileCase]:
    """Every hostile case of the second round, by name."""
    c: dict[str, HostileCase] = {
        "parquet-nested-100000": HostileCase(deep_parquet, "crash.parquet", "no-polygons", says="nested more than 32"),
        "csv-wkt-nested-5000": HostileCase(
            deep_wkt_csv, "deep.csv", "ok", {"crs": "EPSG:4326"}, says="nested more than 32"
        ),
        "geojson-nested-100000": HostileCase(deep_geojson, "deep.geojson", "refused-content", says="levels deep"),
        "parquet-dictionary-bomb": HostileCase(dictionary_bomb_parquet, "bomb.parquet", "too-large", says="decoded"),
        "parquet-dictionary-pages-bomb": HostileCase(
            lambda: dictionary_bomb_parquet(arrow_schema=False), "pages.parquet", "too-large", says="decoded"
        ),
        "parent-chain-3000": HostileCase(lambda: parent_chain(3000), "chain.geojson", "ok", {"role": "carriers"}),
        "parent-cycle-3000": HostileCase(
            lambda: parent_chain(3000, cycle=True), "cycle.geojson", "ok", {"role": "carriers"}, says="forms a cycle"
        ),
        "ids-shared-190000": HostileCase(
            shared_ids_parquet, "ids.parquet", "ok", {"role": "carriers"}, says="is used by more than one row"
        ),
        "kml-110000-keys": HostileCase(kml_many_keys, "keys.kml", "too-large", says="columns"),
        "kml-folders-100000-deep": HostileCase(kml_deep_folders, "folders.kml", "too-large", says="levels deep"),
        "geojson-200000-keys": HostileCase(geojson_many_keys, "keys.geojson", "too-large", says="property names"),
        "xlsx-declares-30m-rows": HostileCase(xlsx_declared_rows, "rows.xlsx", "ok", {"crs": "EPSG:4326"}),
        "xlsx-row-30m": HostileCase(xlsx_far_row, "far.xlsx", "too-large", {"crs": "EPSG:4326"}, says="empty rows"),
        "gpkg-view-other-case": HostileCase(
            lambda: gpkg_with(_case_view), "view.gpkg", "refused-content", {"layer": "SLOW"}, says="view"
        ),
        "gpkg-claims-3-of-10": HostileCase(lambda: gpkg_with(_claim(3)), "claim.gpkg", "unreadable", says="holds 10"),
        "gpkg-claims-5-of-230001": HostileCase(
            lambda: gpkg_with(_more_rows(230_001, 5)), "hidden.gpkg", "unreadable", says="holds 230,001"
        ),
        "csv-lone-cr-250000": HostileCase(cr_csv, "cr.csv", "too-large", says="rows"),
        "zip-end-record-lies": HostileCase(zip_lying_count, "lies.zip", "refused-zip", says="entries"),
        "cpg-rot13": HostileCase(lambda: shapefile_cpg("rot13"), "rot.zip", "needs-encoding", says="'rot13'"),
    }
    for name in NON_TEXT:
        c[f"kml-declares-{name}"] = HostileCase(
            lambda name=name: kml_declaring(name), f"{name}.kml", "needs-encoding", says=f"'{name}'"
        )
        c[f"encoding-option-{name}"] = HostileCase(
            corpus.xuhui_geojson, f"{name}.geojson", "needs-encoding", {"encoding": name}, says="not a text encoding"
        )
    return c


def main(name: str) -> None:
    """Read one case in this process and print its verdict and what was said, as JSON (for the process test)."""
    from geo.io import reader  # noqa: PLC0415

    case = build()[name]
    data = case.build()
    try:
        result = reader.read(data, case.filename, **case.kwargs)
    except reader.ReadError as exc:
        said = "\n".join([exc.message_en, exc.message_zh, *(str(p) for p in exc.problems)])
        print(json.dumps({"verdict": exc.code, "said": said, "bytes": len(data)}))
        return
    said = "\n".join([*(str(p) for p in result.problems), *(f.reason_en for f in result.report)])
    print(json.dumps({"verdict": "ok", "said": said, "bytes": len(data), "rows": len(result.frame)}))


if __name__ == "__main__":
    main(sys.argv[1])
