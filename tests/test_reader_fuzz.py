"""Property-based fuzzing of the reader: whatever the bytes, only ReadError comes out."""

from __future__ import annotations

import json
import os
from typing import Any

import corpus
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.io import reader

NAMES = [
    "x.geojson",
    "x.json",
    "x.zip",
    "x.kml",
    "x.kmz",
    "x.gpkg",
    "x.csv",
    "x.xlsx",
    "x.parquet",
    "x.shp",
    "x.vrt",
    "x.txt",
    "x",
]
BASES: dict[str, bytes] = {
    "x.geojson": corpus.xuhui_geojson(),
    "x.zip": corpus.shapefile_zip("z", corpus.xuhui_shapefile("gbk"), prj=corpus.WGS84_PRJ, cpg="GBK"),
    "x.kml": corpus.kml_bytes({"f": [corpus.kml_placemark(n, c, {"k": "v"}) for _, n, c in corpus.XUHUI]}),
    "x.csv": b'id,wkt\na,"POLYGON((121.4 31.1,121.5 31.1,121.5 31.2,121.4 31.1))"\n',
    "x.gpkg": corpus.gpkg_bytes({"c": [(i, n, corpus.ring(c)) for i, n, c in corpus.XUHUI[:1]]}),
    "x.xlsx": corpus.xlsx_bytes([["id", "wkt"], ["a", "POLYGON((121.4 31.1,121.5 31.1,121.5 31.2,121.4 31.1))"]]),
    "x.parquet": corpus.parquet_bytes(),
}
FUZZ = settings(
    max_examples=int(os.environ.get("READER_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def attempt(data: bytes, name: str, **kwargs: Any) -> None:
    """Inspect and read; anything but a ReadError fails the test."""
    for call in (lambda: reader.inspect(data, name), lambda: reader.read(data, name, **kwargs)):
        error = None
        try:
            call()
        except reader.ReadError as exc:
            error = exc
        if error is not None:
            assert error.message_en
            assert error.message_zh


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    name = draw(st.sampled_from(sorted(BASES)))
    data = bytearray(BASES[name])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "zero", "repeat"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "zero":
            data[at : at + 8] = bytes(len(data[at : at + 8]))
        else:
            data[at:at] = bytes(data[at : at + 16]) * draw(st.integers(1, 8))
    return bytes(data), draw(st.sampled_from([name, *NAMES]))


@pytest.mark.timeout(240)
@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(NAMES))
def test_random_bytes(data: bytes, name: str) -> None:
    attempt(data, name)


@pytest.mark.timeout(240)
@FUZZ
@given(mutated(), st.sampled_from([None, "EPSG:4326", "GCJ-02"]))
def test_mutated_valid_files(case: tuple[bytes, str], crs: str | None) -> None:
    data, name = case
    attempt(data, name, crs=crs)


_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.floats(min_value=73, max_value=135),
)
_position = st.lists(_number, min_size=0, max_size=4)
_ring = st.lists(_position, max_size=8)
_geometry = st.one_of(
    st.none(),
    st.builds(lambda r: {"type": "Polygon", "coordinates": r}, st.lists(_ring, max_size=3)),
    st.builds(lambda p: {"type": "Point", "coordinates": p}, _position),
    st.builds(lambda r: {"type": "MultiPolygon", "coordinates": [r]}, st.lists(_ring, max_size=2)),
    st.builds(lambda r: {"type": "LineString", "coordinates": r}, _ring),
    st.just({"type": "GeometryCollection", "geometries": []}),
    st.just({"type": "Nonsense", "coordinates": 1}),
)
_key = st.one_of(st.text(max_size=12), st.sampled_from(corpus.HOSTILE_TEXT))
_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(corpus.HOSTILE_TEXT),
    st.lists(st.integers(), max_size=3),
)


@pytest.mark.timeout(240)
@FUZZ
@given(
    st.lists(st.tuples(st.dictionaries(_key, _value, max_size=4), _geometry), max_size=6),
    st.one_of(st.none(), st.sampled_from(["EPSG:4326", "EPSG:4549", "BD-09"])),
)
def test_structured_geojson(features: list[tuple[dict[str, Any], Any]], crs: str | None) -> None:
    data = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        },
        allow_nan=True,
    ).encode()
    attempt(data, "f.geojson", crs=crs)


@pytest.mark.timeout(240)
@FUZZ
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.text(max_size=30),
                st.sampled_from(
                    [
                        "POLYGON((0 0,1 0,1 1,0 0))",
                        "POLYGON((121 31,122 31,122 32))",
                        "SRID=4549;POINT(1 2)",
                        "POINT EMPTY",
                        '{"type":"Polygon","coordinates":[[[121,31],[122,31],[122,32],[121,31]]]}',
                        "=1+1",
                        "121.4",
                        "31.1",
                    ]
                ),
            ),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_structured_csv(rows: list[list[str]], sep: str) -> None:
    header = sep.join(["wkt", "经度", "纬度", "名称", "x"][: len(rows[0])])
    body = "\n".join(sep.join(cell.replace(sep, " ") for cell in row) for row in rows)
    attempt(f"{header}\n{body}".encode(), "t.csv", crs="EPSG:4326")
