"""The reader's fast paths give what the plain paths gave, row for row.

Each fast path of the reader (issue 13: a million footprints from file to table in seconds) is set
against the way it replaced, on crafted and random input:

- WKB headers screened on Arrow's buffers flag the same rows as the per-row screen;
- a GeoPackage read through GDAL's Arrow stream gives the same cells, dtypes and outlines as
  pyogrio's ``raw.read``, and a column type the stream path does not know leaves the layer to it;
- validity computed once, and coordinates checked only in invalid outlines, give the same findings
  as checking every coordinate;
- the frame sent from the reader's process as one array of WKB arrives as geopandas' own pickling
  delivered it (outlines, attributes, dtypes, nulls, CRS), and the file's own bytes are used only
  for outlines still as read;
- the worker's scratch files are gone after every read, even one that crashed.
"""

from __future__ import annotations

import contextlib
import io
import math
import pickle
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io import _worker, reader
from geo.io._gdalformats import GdalFile
from geo.io._hygiene import Ledger, clean, clean_checked
from geo.io._readbase import MB, Limits
from geo.io._sources import Raw, from_wkb, plain_polygon_wkb, screen_wkb
from geo.io._worker import run_isolated

QUICK = Limits(worker_seconds=10, worker_memory_bytes=1024 * MB)
SQUARE = shapely.box(121.40, 31.10, 121.41, 31.11)


def deep_collection(levels: int) -> bytes:
    """WKB of a point inside ``levels`` nested GeometryCollections, built from headers."""
    blob = shapely.Point(1, 2).wkb
    for _ in range(levels):
        blob = b"\x01" + (7).to_bytes(4, "little") + (1).to_bytes(4, "little") + blob
    return blob


def big_endian(geom: shapely.Geometry) -> bytes:
    return shapely.to_wkb(geom, byte_order=0)


#: Blobs a hostile or sloppy file may hold, one per kind of header.
CRAFTED: list[bytes | None] = [
    SQUARE.wkb,
    big_endian(SQUARE),
    shapely.to_wkb(shapely.set_srid(SQUARE, 4326), include_srid=True),  # EWKB with SRID
    shapely.to_wkb(shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 0, 1)])),  # Z
    shapely.MultiPolygon([SQUARE, shapely.box(0, 0, 1, 1)]).wkb,
    shapely.GeometryCollection([SQUARE]).wkb,
    deep_collection(40),  # deeper than MAX_NESTING, large enough to be walked
    deep_collection(600),
    deep_collection(600)[:-7],  # truncated
    b"\x01\x63\x00\x00\x00" + b"\x00" * 5000,  # unknown type
    b"\x07" + b"\x00" * 5000,  # no byte order
    b"\x01\x03",  # shorter than a header
    b"",
    None,
    shapely.LineString([(0, 0), (1, 1)]).wkb,
    shapely.Point(3, 4).wkb,
]


def arrow_of(values: list[bytes | None], *, chunks: int = 1, large: bool = False, sliced: bool = False) -> pa.Array:
    kind = pa.large_binary() if large else pa.binary()
    padded = [b"pad", *values, b"pad"] if sliced else values
    if chunks == 1:
        array = pa.array(padded, type=kind)
        return array.slice(1, len(values)) if sliced else array
    size = max(1, math.ceil(len(values) / chunks))
    return pa.chunked_array([pa.array(values[i : i + size], type=kind) for i in range(0, len(values), size)], type=kind)


@pytest.mark.parametrize(("chunks", "large", "sliced"), [(1, False, False), (3, False, False), (1, True, True)])
def test_the_screen_on_arrow_buffers_flags_the_rows_the_per_row_screen_flags(
    chunks: int, large: bool, sliced: bool
) -> None:
    values = np.array([*CRAFTED, None], dtype=object)[:-1]
    per_row = screen_wkb(values)
    column = arrow_of(list(values), chunks=chunks, large=large, sliced=sliced)
    on_buffers = screen_wkb(values, arrow=column)
    assert on_buffers == per_row
    # too deep and large, truncated, unknown type, no byte order, shorter than a header, empty (a 40-deep
    # blob is too small to be walked: decoders handle it, and the decoder's own refusal follows)
    assert set(per_row) == {7, 8, 9, 10, 11, 12}
    geoms_row, unreadable_row, fixes_row = from_wkb(values)
    geoms_arrow, unreadable_arrow, fixes_arrow = from_wkb(values, arrow=column)
    assert unreadable_arrow == unreadable_row
    assert fixes_arrow == fixes_row
    assert list(shapely.to_wkb(geoms_arrow)) == list(shapely.to_wkb(geoms_row))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(range(len(CRAFTED))), max_size=40), st.integers(1, 4))
def test_the_screen_agrees_on_any_mix_of_blobs(picks: list[int], chunks: int) -> None:
    values = np.array([*(CRAFTED[i] for i in picks), None], dtype=object)[:-1]
    assert screen_wkb(values, arrow=arrow_of(list(values), chunks=chunks)) == screen_wkb(values)


def test_a_text_column_is_not_screened_as_binary() -> None:
    """WKB stored as text (hex) goes the per-row way, as before: the buffers of text are not blobs."""
    values = np.array([SQUARE.wkb.hex(), deep_collection(600).hex()], dtype=object)
    assert screen_wkb(values, arrow=pa.array(list(values), type=pa.string())) == screen_wkb(values)


def test_only_plain_little_endian_polygons_stand_for_their_outline() -> None:
    values = np.array([*CRAFTED, None], dtype=object)[:-1]
    kept = plain_polygon_wkb(values, arrow_of(list(values), chunks=2))
    assert kept is not None
    assert [i for i, blob in enumerate(kept) if blob is not None] == [0]  # big-endian, EWKB, Z, multi…: no
    assert kept[0] == shapely.to_wkb(shapely.from_wkb(kept[0]))  # byte for byte what shapely writes
    assert plain_polygon_wkb(values, None) is None


def test_a_multipolygon_of_one_plain_polygon_stands_for_its_outline_too() -> None:
    one = shapely.MultiPolygon([SQUARE]).wkb
    one_big_endian_part = one[:9] + big_endian(SQUARE)
    one_z_part = one[:9] + shapely.to_wkb(shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 0, 1)]))
    two = shapely.MultiPolygon([SQUARE, shapely.box(0, 0, 1, 1)]).wkb
    values = np.array([one, one_big_endian_part, one_z_part, two, one[:12]], dtype=object)
    kept = plain_polygon_wkb(values, arrow_of(list(values)))
    assert kept is not None
    assert [blob is not None for blob in kept] == [True, False, False, False, False]
    assert kept[0] == shapely.to_wkb(shapely.from_wkb(one))


# --- GeoPackage: the Arrow stream against raw.read --------------------------------------------------------


def write_gpkg(path: Path, frame: gpd.GeoDataFrame) -> Path:
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    return path


def both_loads(path: Path) -> tuple[Raw | None, Raw]:
    gdal = GdalFile(path, path.name, Limits())
    return gdal.load_arrow(0), gdal.load(0)


def read_both_ways(data: bytes, name: str) -> tuple[reader.ReadResult, reader.ReadResult]:
    """The reader's result for a GeoPackage through GDAL's Arrow stream, and without it (raw.read alone)."""
    fast = reader._read_here(data, name)
    arrow = GdalFile.load_arrow
    try:
        GdalFile.load_arrow = lambda self, layer, attributes_ready=None: None  # type: ignore[method-assign,assignment,misc]
        slow = reader._read_here(data, name)
    finally:
        GdalFile.load_arrow = arrow  # type: ignore[method-assign]
    return fast, slow


def test_a_geopackage_through_the_arrow_stream_gives_raw_reads_cells(tmp_path: Path) -> None:
    geoms = [SQUARE, None, shapely.Polygon(), shapely.MultiPolygon([SQUARE, shapely.box(0, 0, 1, 1)]), SQUARE]
    frame = gpd.GeoDataFrame(
        {
            "text": ["a", None, "楼宇", "", "b"],
            "all_null_text": pd.Series([None] * 5, dtype=object).astype("string").astype(object),
            "int64": np.array([1, 2, 3, 4, 5], dtype=np.int64),
            "int64_null": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "int32": np.array([1, 2, 3, 4, 5], dtype=np.int32),
            "int32_null": pd.array([None, 2, 3, 4, 5], dtype="Int32"),
            "int16": np.array([1, 2, 3, 4, 5], dtype=np.int16),
            "flag": np.array([True, False, True, True, False]),
            "flag_null": pd.array([True, None, False, True, True], dtype="boolean"),
            "real": [1.5, None, math.inf, -0.0, 2.0],
            "real32": np.array([1.5, 2.5, 3.5, 4.5, 5.5], dtype=np.float32),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    by_arrow, by_raw = both_loads(write_gpkg(tmp_path / "types.gpkg", frame))
    assert by_arrow is not None
    pd.testing.assert_frame_equal(by_arrow.attrs, by_raw.attrs, check_exact=True)
    assert [str(t) for t in by_arrow.attrs.dtypes] == [str(t) for t in by_raw.attrs.dtypes]
    for column in by_raw.attrs.columns:  # the very cells: types and missing values
        for a, b in zip(by_arrow.attrs[column].tolist(), by_raw.attrs[column].tolist(), strict=True):
            assert type(a) is type(b), (column, a, b)
    assert list(shapely.to_wkb(by_arrow.geoms)) == list(shapely.to_wkb(by_raw.geoms))
    assert by_arrow.unreadable == by_raw.unreadable
    assert by_arrow.fixes == by_raw.fixes
    assert by_arrow.declared == by_raw.declared


def test_a_geopackage_with_a_date_column_is_left_to_raw_read(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["a"], "opened": pd.to_datetime(["2024-05-01"])}, geometry=[SQUARE], crs="EPSG:4326"
    )
    by_arrow, by_raw = both_loads(write_gpkg(tmp_path / "dated.gpkg", frame))
    assert by_arrow is None
    result = reader.read((tmp_path / "dated.gpkg").read_bytes(), "dated.gpkg")
    assert result.frame["opened"].tolist() == by_raw.attrs["opened"].tolist()


def test_a_geopackage_reads_the_same_through_the_reader_as_before(tmp_path: Path) -> None:
    """The whole reader on a GeoPackage with repairs, drops and rejections: the same as with raw.read."""
    bowtie = shapely.Polygon([(121.40, 31.10), (121.41, 31.11), (121.41, 31.10), (121.40, 31.11), (121.40, 31.10)])
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d", None], "floor": pd.array([100, None, 300, 400, 500], dtype="Int64")},
        geometry=[SQUARE, bowtie, None, shapely.Point(121.4, 31.1), SQUARE],
        crs="EPSG:4326",
    )
    data = write_gpkg(tmp_path / "mixed.gpkg", frame).read_bytes()
    fast, slow = read_both_ways(data, "mixed.gpkg")
    pd.testing.assert_frame_equal(fast.frame, slow.frame, check_exact=True)
    assert fast.report == slow.report
    pd.testing.assert_frame_equal(fast.rejected, slow.rejected)
    assert {f.action for f in fast.report} >= {"repaired", "dropped", "rejected"}


def gpkg_with_blob(path: Path, blob: bytes) -> bytes:
    """A GeoPackage whose second feature's geometry is ``blob`` (after a standard GeoPackage header)."""
    import sqlite3  # noqa: PLC0415

    frame = gpd.GeoDataFrame({"id": ["ok", "odd"]}, geometry=[SQUARE, SQUARE], crs="EPSG:4326")
    frame.to_file(path, driver="GPKG", engine="pyogrio", SPATIAL_INDEX="NO")
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute(
            'UPDATE "odd" SET geom = ? WHERE id = ?',  # the layer is named after the file
            (b"GP\x00\x01" + (4326).to_bytes(4, "little") + blob, "odd"),
        )
        con.commit()
    return path.read_bytes()


@pytest.mark.parametrize(
    "blob",
    [
        deep_collection(600),
        deep_collection(40),
        SQUARE.wkb[:-10],
        b"\x01\x63\x00\x00\x00" + b"\x00" * 50,
        b"\x01\x0a\x00\x00\x00\x00\x00\x00\x00",  # an empty CurvePolygon
        big_endian(SQUARE),
        shapely.to_wkb(shapely.Polygon([(121.4, 31.1, 5), (121.41, 31.1, 5), (121.41, 31.11, 5), (121.4, 31.1, 5)])),
        shapely.Point(121.4, 31.1).wkb,
    ],
    ids=["deep600", "deep40", "truncated", "unknown-type", "curve", "big-endian", "z", "point"],
)
def test_a_damaged_geopackage_outline_reads_as_gdal_read_it(tmp_path: Path, blob: bytes) -> None:
    """The outlines still come through GDAL's parse: a hostile blob gives the findings it gave."""
    data = gpkg_with_blob(tmp_path / "odd.gpkg", blob)
    fast, slow = read_both_ways(data, "odd.gpkg")
    assert fast.report == slow.report
    pd.testing.assert_frame_equal(fast.frame, slow.frame, check_exact=True)


# --- validity once, coordinates only where invalid ---------------------------------------------------------


def old_bad_numbers(geoms: np.ndarray) -> np.ndarray:
    """The check this replaced: every coordinate of every row."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    bad = np.zeros(len(geoms), dtype=bool)
    bad[owner[~np.isfinite(coords).all(axis=1)]] = True
    return bad


NAN, INF = math.nan, math.inf
with np.errstate(invalid="ignore"):  # shapely warns when it builds rings of NaN; these are made on purpose
    NON_FINITE = [
        shapely.Polygon([(0, 0), (NAN, 0), (1, 1), (0, 0)]),
        shapely.Polygon([(0, 0), (INF, 0), (1, 1), (0, 0)]),
        shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 0)], holes=[[(1, 1), (2, NAN), (2, 2), (1, 1)]]),
        shapely.MultiPolygon([SQUARE, shapely.Polygon([(0, 0), (-INF, 0), (1, 1), (0, 0)])]),
        shapely.GeometryCollection([SQUARE, shapely.Point(NAN, 1)]),
        shapely.LineString([(0, 0), (1, NAN)]),
        shapely.Polygon([(0, 0, NAN), (1, 0, 0), (1, 1, 0), (0, 0, NAN)]),  # a NaN height only: x and y are fine
    ]
FINE = [
    SQUARE,
    shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]),  # bowtie: invalid, finite
    shapely.Polygon(),
    None,
    shapely.Point(1, 2),
    shapely.Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 5), (0, 0, 5)]),
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(range(len(NON_FINITE) + len(FINE))), min_size=1, max_size=30))
def test_cleaning_finds_non_finite_coordinates_as_the_full_scan_did(picks: list[int]) -> None:
    pool = NON_FINITE + FINE
    geoms = np.array([*(pool[i] for i in picks), None], dtype=object)[:-1]
    ledger = Ledger(None)
    with np.errstate(invalid="ignore"):
        out, valid, untouched = clean_checked(geoms, Raw(pd.DataFrame(index=range(len(geoms))), geoms), ledger)
    rejected = {f.row - 1 for f in ledger.report if f.reason_en.startswith("coordinates hold NaN")}
    expected = set(np.flatnonzero(old_bad_numbers(geoms) & ~shapely.is_empty(geoms)).tolist())
    assert rejected == expected
    present = ~shapely.is_missing(out)
    assert (valid[present] == shapely.is_valid(out[present])).all()  # the validity repair reuses
    assert all(out[i] is geoms[i] for i in np.flatnonzero(untouched))


def test_clean_alone_returns_the_polygons_clean_checked_returns() -> None:
    geoms = np.array([*NON_FINITE, *FINE, None], dtype=object)[:-1]
    raw = Raw(pd.DataFrame(index=range(len(geoms))), geoms)
    first, second = Ledger(None), Ledger(None)
    with np.errstate(invalid="ignore"):
        assert list(shapely.to_wkb(clean(geoms, raw, first))) == list(
            shapely.to_wkb(clean_checked(geoms, raw, second)[0])
        )
    assert first.report == second.report


def test_the_ledger_names_rows_by_their_id_as_text() -> None:
    ids = pd.Series(["a", None, math.nan, 7], dtype=object)
    ledger = Ledger(ids)
    for i in range(4):
        ledger.add(i, "dropped", reader.Note("x", "x"))
    assert [f.id for f in ledger.report] == ["a", None, None, "7"]
    assert Ledger(None).row_id(3) is None
    assert Ledger(["x", None, 2.5]).row_id(2) == "2.5"  # a plain list, as before


# --- the frame sent as one array of WKB ---------------------------------------------------------------------


def through_the_worker_pipe(value: object) -> object:
    """Pickled as the worker sends it and unpickled as the caller receives it (with the allow-list)."""
    payload = pickle.dumps(("ok", value), protocol=pickle.HIGHEST_PROTOCOL)
    return _worker._Unpickler(io.BytesIO(payload)).load()[1]


def geopandas_pickled(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame as geopandas' own pickling delivered it before."""
    out: gpd.GeoDataFrame = pickle.loads(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301
    return out


def result_with(frame: gpd.GeoDataFrame, wire: reader._Wire | None = None) -> reader.ReadResult:
    return reader.ReadResult(
        frame, [], pd.DataFrame(), reader.Note("n", "n"), "EPSG:4326", None, "l", "gpkg", [], "f.gpkg", _wire=wire
    )


def same_frames(got: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert isinstance(got, gpd.GeoDataFrame)
    assert got.active_geometry_name == expected.active_geometry_name
    assert got.crs == expected.crs
    assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))
    assert list(shapely.to_wkb(got.geometry.array)) == list(shapely.to_wkb(expected.geometry.array))


outlines = st.one_of(
    st.none(),
    st.just(shapely.Polygon()),
    st.builds(
        lambda x, y, w, h: shapely.box(x, y, x + w, y + h),
        st.floats(-180, 180),
        st.floats(-90, 90),
        st.floats(1e-6, 1),
        st.floats(1e-6, 1),
    ),
    st.builds(
        lambda x: shapely.MultiPolygon([shapely.box(x, 0, x + 1, 1), shapely.box(x + 2, 0, x + 3, 1)]),
        st.floats(-10, 10),
    ),
    st.builds(lambda z: shapely.Polygon([(0, 0, z), (1, 0, z), (1, 1, z), (0, 0, z)]), st.floats(-5, 5)),
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(outlines, min_size=0, max_size=12),
    st.sampled_from(["EPSG:4326", "EPSG:4549", None]),
    st.sampled_from(["geometry", "outline"]),
    st.integers(0, 3),
)
def test_the_frame_arrives_as_geopandas_pickling_delivered_it(
    geoms: list[shapely.Geometry | None], crs: str | None, name: str, position: int
) -> None:
    n = len(geoms)
    attrs = pd.DataFrame(
        {
            "id": pd.array([f"c{i}" if i % 3 else None for i in range(n)], dtype="str"),
            "floor": np.array([i if i % 4 else None for i in range(n)], dtype=object),
            "share": np.arange(n, dtype=np.float64) / 3,
        }
    )
    attrs.insert(min(position, 3), name, gpd.array.from_shapely(np.array([*geoms, None], dtype=object)[:-1], crs=crs))
    frame = gpd.GeoDataFrame(attrs, geometry=name)
    frame.attrs["source"] = "test"
    before = geopandas_pickled(frame)
    got = through_the_worker_pipe(result_with(frame))
    same_frames(frame, before)  # sending it left the sender's frame as it was
    assert isinstance(got, reader.ReadResult)
    same_frames(got.frame, before)
    assert got.frame.attrs == {"source": "test"}
    assert got._wire is None


def test_the_files_own_bytes_are_sent_only_for_outlines_still_as_read() -> None:
    read = np.array([shapely.from_wkb(SQUARE.wkb), shapely.from_wkb(shapely.box(0, 0, 1, 1).wkb)], dtype=object)
    stale = np.array([shapely.box(5, 5, 6, 6).wkb, shapely.box(7, 7, 8, 8).wkb], dtype=object)  # not the outlines
    frame = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=gpd.array.from_shapely(read.copy(), crs="EPSG:4326"))
    # the wire's bytes are used for an outline that is still the very object read…
    trusted = through_the_worker_pipe(result_with(frame, reader._Wire(read, stale)))
    assert trusted.frame.geometry.iloc[0].equals(shapely.box(5, 5, 6, 6))
    # …and never for one changed since, in place or not
    frame.loc[0, "geometry"] = shapely.box(9, 9, 10, 10)
    changed = through_the_worker_pipe(result_with(frame, reader._Wire(read, stale)))
    assert changed.frame.geometry.iloc[0].equals(shapely.box(9, 9, 10, 10))
    assert changed.frame.geometry.iloc[1].equals(shapely.box(7, 7, 8, 8))
    moved = frame.iloc[::-1].reset_index(drop=True)
    reordered = through_the_worker_pipe(result_with(moved, reader._Wire(read, stale)))
    assert [g.wkb for g in reordered.frame.geometry] == [g.wkb for g in moved.geometry]


def test_a_read_result_arrives_whole_from_the_worker(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b"], "floor_area_existing_m2": [100, 200]},
        geometry=[SQUARE, shapely.box(121.42, 31.10, 121.43, 31.11)],
        crs="EPSG:4326",
    )
    path = tmp_path / "two.parquet"
    frame.to_parquet(path)
    here = reader._read_path_here(str(path), limits=Limits.local())
    there = reader.read_path(path, limits=QUICK)
    same_frames(there.frame, geopandas_pickled(here.frame))
    assert there.report == here.report
    assert there._wire is None


# --- the worker's scratch directory -----------------------------------------------------------------------


def test_the_workers_scratch_directory_is_removed_after_a_read_and_after_a_crash(tmp_path: Path) -> None:
    note = tmp_path / "scratch.txt"
    scratch = Path(run_isolated("worker_targets:scratch", "x.gpkg", (str(note), False), {}, QUICK))
    assert scratch.name.startswith("geo-reader-")
    assert not scratch.exists()
    with pytest.raises(reader.ReadError):
        run_isolated("worker_targets:scratch", "x.gpkg", (str(note), True), {}, QUICK)
    crashed = Path(note.read_text(encoding="utf-8"))
    assert crashed.name.startswith("geo-reader-")
    assert crashed != scratch
    assert not crashed.exists()


def test_the_scratch_directory_is_private_and_falls_back_to_the_temporary_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = Path(_worker._scratch_dir(Limits()))
    try:
        assert made.stat().st_mode & 0o777 == 0o700
    finally:
        made.rmdir()
    monkeypatch.setattr(_worker, "_MEMORY_SCRATCH", tmp_path / "missing")
    fallback = Path(_worker._scratch_dir(Limits()))
    try:
        assert fallback.parent == Path(tempfile.gettempdir())
    finally:
        fallback.rmdir()


# --- the worker's answer: arrays out of band ----------------------------------------------------------------


def test_large_arrays_come_back_whole_and_writable() -> None:
    frame = pd.DataFrame({"n": np.arange(100_000), "text": pd.array([f"t{i}" for i in range(100_000)], dtype="str")})
    got = run_isolated("worker_targets:echo", "x", ((np.arange(50_000, dtype=np.float64), frame),), {}, QUICK)
    array, back = got
    assert array.flags.writeable
    array[0] = 7.0  # the caller may change what it received
    np.testing.assert_array_equal(array[1:], np.arange(1, 50_000, dtype=np.float64))
    pd.testing.assert_frame_equal(back, frame)
    back.loc[0, "n"] = 5
    assert back["n"].iloc[0] == 5


def test_an_answer_announcing_more_than_the_worker_could_hold_is_refused() -> None:
    import multiprocessing  # noqa: PLC0415

    receive, send = multiprocessing.Pipe(duplex=False)
    limits = Limits(worker_memory_bytes=1024)
    send.send_bytes(_worker._COUNT.pack(1) + (10**12).to_bytes(8, "little"))
    with pytest.raises(EOFError):
        _worker._receive_part(receive, time.monotonic() + 5, limits.worker_memory_bytes)
    send.send_bytes(_worker._COUNT.pack(5000))  # more buffers than allowed, and a header that does not match
    with pytest.raises(EOFError):
        _worker._receive_part(receive, time.monotonic() + 5, limits.worker_memory_bytes)


def test_an_answer_cut_short_is_no_answer() -> None:
    import multiprocessing  # noqa: PLC0415

    receive, send = multiprocessing.Pipe(duplex=False)
    send.send_bytes(_worker._COUNT.pack(1) + (16).to_bytes(8, "little"))
    send.send_bytes(pickle.dumps("x"))
    send.send_bytes(b"12345678")  # 8 bytes of the 16 announced
    with pytest.raises(EOFError):
        _worker._receive_part(receive, time.monotonic() + 5, Limits().worker_memory_bytes)
    receive2, send2 = multiprocessing.Pipe(duplex=False)
    send2.send_bytes(_worker._COUNT.pack(0))
    never = _worker._receive_part(receive2, time.monotonic() + 0.2, Limits().worker_memory_bytes)
    assert never is None  # the pickle never came


def test_no_scratch_directory_is_a_bilingual_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_room(_limits: Limits) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_worker, "_scratch_dir", no_room)
    with pytest.raises(reader.ReadError) as info:
        run_isolated("worker_targets:echo", "x.gpkg", ("x",), {}, QUICK)
    assert info.value.code == "unreadable"
    assert "No space left" in info.value.message_en
    assert "隔离的读取进程" in info.value.message_zh
