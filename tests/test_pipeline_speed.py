"""The command's pipeline from file to table: the forkserver started early, the answer read in place.

Each fast path is checked against what it replaced (no timing asserts: bench/e2e.py measures).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from geo import __main__ as entry
from geo.io import _worker
from geo.io._readbase import Limits

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("argv", "reads"),
    [
        (["summary", "--carriers", "c.gpkg", "--zones", "z.geojson"], True),
        (["check", "--zones=z.geojson"], True),
        (["summary", "--carriers=c.parquet"], True),
        (["summary"], False),  # the bundled data: no worker
        (["summary", "--by", "pole", "--output", "carriers.csv"], False),  # a value, not an option
    ],
)
def test_the_forkserver_starts_early_only_for_a_users_file(argv: list[str], reads: bool) -> None:
    assert entry._reads_files(argv) is reads


def test_the_early_forkserver_is_light_and_is_the_one_the_reader_uses(tmp_path: Path) -> None:
    path = tmp_path / "c.geojson"
    square = "[[121.40,31.10],[121.41,31.10],[121.41,31.11],[121.40,31.11],[121.40,31.10]]"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},'
        f'"geometry":{{"type":"Polygon","coordinates":[{square}]}}}}]}}',
        encoding="utf-8",
    )
    script = f"""
import sys, multiprocessing.forkserver as fs
from geo.io._workerstart import start_early
start_early()
assert "geopandas" not in sys.modules and "pandas" not in sys.modules, "start_early loaded the data stack"
started = fs._forkserver._forkserver_pid
assert started is not None
from geo.io import reader
result = reader.read_path({str(path)!r})
assert fs._forkserver._forkserver_pid == started, "the reader started a second forkserver"
print(result.frame["id"].tolist())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['a']"


def _send_later(send: multiprocessing.connection.Connection, parts: list[bytes]) -> threading.Thread:
    def run() -> None:
        for part in parts:
            send.send_bytes(part)
            time.sleep(0.01)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_parts_larger_than_the_pipe_arrive_whole_in_writable_memory() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    _worker._widen(receive)
    rng = np.random.default_rng(13)
    big = rng.integers(0, 255, 3 * 2**20 + 7, dtype=np.uint8).tobytes()  # past any pipe's buffer
    small = b"x" * 100
    head = _worker._COUNT.pack(2) + len(big).to_bytes(8, "little") + len(small).to_bytes(8, "little")
    thread = _send_later(send, [head, b"pickle", big, small])
    got = _worker._receive_part(receive, time.monotonic() + 30, Limits().worker_memory_bytes)
    thread.join()
    assert got is not None
    early, payload, buffers = got
    assert early is False
    assert payload == b"pickle"
    assert [bytes(b) for b in buffers] == [big, small]
    assert all(isinstance(b, bytearray) for b in buffers)


def test_a_part_longer_than_announced_is_refused_before_it_is_read() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    send.send_bytes(_worker._COUNT.pack(1) + (8).to_bytes(8, "little"))
    send.send_bytes(b"pickle")
    send.send_bytes(b"0123456789abcdef")  # 16 bytes where 8 were announced
    with pytest.raises(EOFError):
        _worker._receive_part(receive, time.monotonic() + 5, Limits().worker_memory_bytes)


def test_a_pickle_larger_than_the_workers_memory_is_refused() -> None:
    receive, send = multiprocessing.Pipe(duplex=False)
    send.send_bytes(_worker._COUNT.pack(0))
    send.send_bytes(b"p" * 4096)
    with pytest.raises(EOFError):
        _worker._receive_part(receive, time.monotonic() + 5, 1024)


def test_a_pipe_closed_in_the_middle_of_a_part_is_no_answer() -> None:
    read_fd, write_fd = os.pipe()
    receive = multiprocessing.connection.Connection(read_fd, writable=False)
    os.write(write_fd, _worker._COUNT.pack(0).__len__().to_bytes(4, "big") + _worker._COUNT.pack(0))
    os.write(write_fd, (100).to_bytes(4, "big") + b"only part of it")
    os.close(write_fd)
    with pytest.raises(EOFError):
        _worker._receive_part(receive, time.monotonic() + 5, Limits().worker_memory_bytes)


# --- the attributes sent ahead of the outlines ------------------------------------------------------------

import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402

from geo import data, rollup  # noqa: E402
from geo.io import reader  # noqa: E402
from geo.schema import CARRIER_FIELDS, DataError, FrameCells, same_cells  # noqa: E402

QUICK = Limits(worker_seconds=30, worker_memory_bytes=1024 * 2**20)


def carriers_frame(n: int = 40, *, crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """Carriers with text, whole numbers (some missing), a parent and zone lists, as a file holds them."""
    boxes = [shapely.box(121.40 + i * 1e-3, 31.10, 121.4005 + i * 1e-3, 31.1005) for i in range(n)]
    frame = gpd.GeoDataFrame(
        {
            "id": [f"c{i:03d}" for i in range(n)],
            "name_zh": [f" 楼宇{i} " for i in range(n)],
            "name_en": [f"Building {i}" for i in range(n)],
            "layout_note": [f"note {i}" if i % 5 else None for i in range(n)],  # not a contract field
            "kind": ["building"] * n,
            "parent_id": [None] * (n - 1) + ["c000"],
            "zone_ids": ["z1" if i % 2 else "z1; z2" for i in range(n)],
            "floor_area_existing_m2": [i * 100 for i in range(n)],
            "floor_area_planned_m2": [None if i % 3 == 0 else i * 10 for i in range(n)],
            "planned_year": [2026 + i % 3 for i in range(n)],
            "opened_year": [None] * n,
            "status": [("existing", "planned", "under_construction", " planned")[i % 4] for i in range(n)],
            "site_area_m2": [None] * n,
            "geometry_accuracy_m": [5] * n,
            "source_ids": [None] * n,
        },
        geometry=boxes,
        crs="EPSG:4326",
    )
    return frame.to_crs(crs) if crs != "EPSG:4326" else frame


def write(frame: gpd.GeoDataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    elif path.suffix == ".gpkg":
        frame.to_file(path, driver="GPKG", engine="pyogrio")
    else:
        frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def same_results(got: reader.ReadResult, plain: reader.ReadResult) -> None:
    pd.testing.assert_frame_equal(got.frame, plain.frame, check_exact=True)
    assert list(got.frame.dtypes.astype(str)) == list(plain.frame.dtypes.astype(str))
    assert got.frame.crs == plain.frame.crs
    assert list(shapely.to_wkb(got.frame.geometry.array)) == list(shapely.to_wkb(plain.frame.geometry.array))
    assert got.report == plain.report
    pd.testing.assert_frame_equal(got.rejected, plain.rejected, check_exact=True)
    assert (got.problems, got.crs_note, got.source_crs, got.layer, got.format) == (
        plain.problems,
        plain.crs_note,
        plain.source_crs,
        plain.layer,
        plain.format,
    )


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg", ".geojson"])
def test_a_read_with_its_attributes_sent_ahead_gives_the_plain_reads_result(tmp_path: Path, suffix: str) -> None:
    path = write(carriers_frame(), tmp_path / f"c{suffix}")
    ahead: list[pd.DataFrame] = []
    got = reader.read_path(path, limits=QUICK, on_attributes=ahead.append)
    plain = reader.read_path(path, limits=QUICK)
    same_results(got, plain)
    assert len(ahead) == 1
    attributes = ahead[0]
    assert list(attributes.columns) == [c for c in got.frame.columns if c != "geometry"]
    pd.testing.assert_frame_equal(attributes, got.frame.drop(columns="geometry"), check_exact=True)
    # Every row kept: the frame is built on the very columns sent ahead (they crossed once).
    assert all(same_cells(got.frame[c], attributes[c]) for c in attributes.columns)


def test_attributes_sent_ahead_of_a_read_that_drops_rows_are_not_the_frames(tmp_path: Path) -> None:
    frame = carriers_frame(8)
    frame.loc[3, "geometry"] = shapely.Point(121.4, 31.1)  # dropped by the reader
    path = write(frame, tmp_path / "c.parquet")
    ahead: list[pd.DataFrame] = []
    got = reader.read_path(path, limits=QUICK, on_attributes=ahead.append)
    same_results(got, reader.read_path(path, limits=QUICK))
    assert len(ahead[0]) == 8
    assert len(got.frame) == 7


def test_attributes_sent_ahead_carry_the_column_mapping_and_the_reprojection(tmp_path: Path) -> None:
    frame = carriers_frame(12, crs="EPSG:4549").rename(columns={"id": "编号", "status": "状态"})
    path = write(frame, tmp_path / "c.parquet")
    options = {"columns": {"编号": "id", "状态": "status"}, "role": "carriers", "limits": QUICK}
    ahead: list[pd.DataFrame] = []
    got = reader.read_path(path, on_attributes=ahead.append, **options)
    same_results(got, reader.read_path(path, **options))
    assert {"id", "status"} <= set(ahead[0].columns)


def test_a_read_refused_after_its_attributes_went_ahead_is_refused_as_before(tmp_path: Path) -> None:
    frame = carriers_frame(6).set_crs(None, allow_override=True)  # no CRS: the reader asks which
    path = write(frame, tmp_path / "c.parquet")
    with pytest.raises(reader.ReadError) as plain:
        reader.read_path(path, limits=QUICK)
    with pytest.raises(reader.ReadError) as got:
        reader.read_path(path, limits=QUICK, on_attributes=lambda _table: None)
    assert (got.value.code, got.value.message_en, got.value.message_zh) == (
        plain.value.code,
        plain.value.message_en,
        plain.value.message_zh,
    )


def test_cells_are_taken_over_only_from_the_very_same_columns() -> None:
    frame = carriers_frame(8)
    attributes = pd.DataFrame(frame.drop(columns="geometry"), copy=False)
    read = FrameCells(attributes).prepare(CARRIER_FIELDS)
    read.warm(CARRIER_FIELDS)
    same = gpd.GeoDataFrame(  # as the reader builds its frame on the attributes
        attributes.reset_index(drop=True), geometry=frame.geometry.array, crs=frame.crs, copy=False
    )
    assert set(FrameCells(same, read=read).cells) >= {"id", "floor_area_existing_m2", "status"}
    changed = same.copy()
    changed["floor_area_existing_m2"] = changed["floor_area_existing_m2"].to_numpy(dtype=object).copy()
    changed.loc[0, "floor_area_existing_m2"] = -1
    assert "floor_area_existing_m2" not in FrameCells(changed, read=read).cells  # its own values are read


def load_both(monkeypatch: pytest.MonkeyPatch, carriers: Path, zones: Path) -> tuple[object, object]:
    """load_dataset's outcome (Dataset or DataError) with the attributes read ahead, and without."""

    def outcome() -> object:
        try:
            return data.load_dataset(carriers, zones, context=False)
        except DataError as exc:
            return exc

    taken: list[object] = []
    with monkeypatch.context() as patch:
        cells = data._Ahead.cells
        patch.setattr(data._Ahead, "cells", lambda self, role: taken.append(cells(self, role)) or taken[-1])
        ahead = outcome()
    assert taken, "load_dataset asked for no cells read ahead"
    assert taken[0] is not None, "the carriers' cells were not read ahead"
    with monkeypatch.context() as patch:
        patch.setattr(data._Ahead, "receiver", lambda _self, _role: None)  # the reader sends nothing ahead
        plain = outcome()
    return ahead, plain


def zones_file(tmp_path: Path) -> Path:
    zones = gpd.GeoDataFrame(
        {
            "id": ["z1", "z2"],
            "name_zh": ["甲", "乙"],
            "name_en": ["A", "B"],
            "type": ["pole", "belt"],
            "layout": [None, None],
            "declared_floor_area_m2": [None, 1000],
            "source_ids": [None, None],
            "geometry_accuracy_m": [10, 10],
        },
        geometry=[shapely.box(121.39, 31.09, 121.45, 31.12), shapely.box(121.40, 31.10, 121.42, 31.11)],
        crs="EPSG:4326",
    )
    return write(zones, tmp_path / "zones.geojson")


def test_a_dataset_checked_on_cells_read_ahead_is_the_plain_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    carriers = write(carriers_frame(), tmp_path / "c.parquet")
    ahead, plain = load_both(monkeypatch, carriers, zones_file(tmp_path))
    assert isinstance(ahead, data.Dataset)
    assert isinstance(plain, data.Dataset)
    for role in ("carriers", "zones"):
        got, expected = getattr(ahead, role), getattr(plain, role)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert list(got.dtypes.astype(str)) == list(expected.dtypes.astype(str))
    assert ahead.provenance == plain.provenance


def test_problems_found_on_cells_read_ahead_are_the_plain_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    frame = carriers_frame(24)
    frame.loc[2, "id"] = "c001"  # a repeated id
    frame.loc[4, "status"] = "demolished"
    frame.loc[5, "name_zh"] = "  "
    frame.loc[6, "zone_ids"] = "z1; z9"
    frame.loc[7, "parent_id"] = "nobody"
    frame["floor_area_existing_m2"] = frame["floor_area_existing_m2"].astype(object)
    frame.loc[8, "floor_area_existing_m2"] = -5
    frame.loc[9, "planned_year"] = 1066
    carriers = write(frame, tmp_path / "c.parquet")
    ahead, plain = load_both(monkeypatch, carriers, zones_file(tmp_path))
    assert isinstance(ahead, DataError)
    assert isinstance(plain, DataError)
    assert ahead.report("en") == plain.report("en")
    assert ahead.report("zh") == plain.report("zh")
    assert len(ahead.problems) >= 6


# --- the outlines sent ahead, and measured while the files are checked -----------------------------------


def ids(values: object) -> list[int]:
    return [id(v) for v in np.asarray(values, dtype=object)]


@pytest.mark.parametrize("suffix", [".parquet", ".gpkg"])
def test_outlines_sent_ahead_are_the_very_outlines_of_the_result(tmp_path: Path, suffix: str) -> None:
    frame = carriers_frame(10)
    frame.loc[3, "geometry"] = shapely.Point(121.4, 31.1)  # dropped by the reader
    two = [shapely.box(121.41, 31.1, 121.411, 31.101), shapely.box(121.42, 31.1, 121.421, 31.101)]
    frame.loc[5, "geometry"] = shapely.MultiPolygon(two)  # two parts: written anew
    frame.loc[7, "geometry"] = shapely.Polygon([(121.4, 31.1), (121.401, 31.101), (121.401, 31.1), (121.4, 31.101)])
    path = write(frame, tmp_path / f"c{suffix}")
    sent: list[gpd.GeoSeries] = []
    got = reader.read_path(path, limits=QUICK, on_attributes=lambda _table: None, on_outlines=sent.append)
    plain = reader.read_path(path, limits=QUICK)
    same_results(got, plain)
    assert len(sent) == 1
    ahead = sent[0]
    assert len(ahead) == 10
    assert ahead.crs == "EPSG:4326"
    kept = [0, 1, 2, 4, 5, 6, 7, 8, 9]
    pairs = zip(ids(got.frame.geometry.array), ids(ahead.array[kept]), strict=True)
    from_ahead = [i for i, (a, b) in enumerate(pairs) if a == b]
    # every polygon left as read is the object decoded ahead; not the multipolygon of two parts (no
    # bytes went ahead for it) nor the bow tie, which the reader repaired
    assert from_ahead == [0, 1, 2, 3, 5, 7, 8]


def test_no_outlines_go_ahead_of_a_layer_to_be_reprojected(tmp_path: Path) -> None:
    path = write(carriers_frame(12, crs="EPSG:4549"), tmp_path / "c.parquet")
    sent: list[gpd.GeoSeries] = []
    got = reader.read_path(path, limits=QUICK, on_attributes=lambda _table: None, on_outlines=sent.append)
    same_results(got, reader.read_path(path, limits=QUICK))
    assert sent == []


@pytest.mark.parametrize("suffix", [".parquet", ".geojson"])
def test_a_dataset_measured_while_checked_holds_its_carriers_measures(tmp_path: Path, suffix: str) -> None:
    frame = carriers_frame(30)
    two = [shapely.box(121.41, 31.1, 121.411, 31.101), shapely.box(121.42, 31.1, 121.421, 31.101)]
    frame.loc[4, "geometry"] = shapely.MultiPolygon(two)  # measured after the others (no outline went ahead)
    carriers, zones = write(frame, tmp_path / f"c{suffix}"), zones_file(tmp_path)
    measured = data.load_dataset(carriers, zones, context=False, measure=True)
    plain = data.load_dataset(carriers, zones, context=False)
    pd.testing.assert_frame_equal(measured.carriers, plain.carriers, check_exact=True)
    assert plain.outlines is None
    outlines = measured.outlines
    if suffix == ".geojson":  # no outline comes ahead of a GeoJSON's read: the sums measure them
        assert outlines is None
    else:
        assert outlines is not None
        assert outlines.of_these(measured.carriers)
        expected = rollup.metric_outlines(measured.carriers)
        assert outlines.crs == expected.crs
        assert np.array_equal(outlines.bounds, expected.bounds, equal_nan=True)
        assert np.array_equal(outlines.areas, expected.areas, equal_nan=True)
    for mode in ("declared", "largest", "area"):
        pd.testing.assert_frame_equal(
            rollup.summarize(measured.carriers, measured.zones, mode=mode, outlines=outlines),
            rollup.summarize(plain.carriers, plain.zones, mode=mode),
            check_exact=True,
        )


def test_measures_of_other_outlines_are_not_taken() -> None:
    ahead = data._Ahead()
    ahead.outlines_receiver(workers=None)(carriers_frame(6).geometry)
    assert ahead.outlines(carriers_frame(6)) is None  # equal outlines, other objects: measured anew by the sums
    ahead.close()


# --- what a subverted worker may send ahead ----------------------------------------------------------------


class _Ended:
    """A child that has already ended (its parts are in the pipe)."""

    pid = None
    exitcode = 0

    def is_alive(self) -> bool:
        return False

    def join(self, _timeout: float | None = None) -> None:
        return None


def sent(*messages: tuple[bool, tuple[str, object]]) -> multiprocessing.connection.Connection:
    """A pipe holding ``messages`` as a worker writes them, each (sent ahead?, message)."""
    receive, send = multiprocessing.Pipe(duplex=False)

    def write() -> None:
        with contextlib.suppress(OSError):  # the reader stopped reading (and closed its end)
            for early, message in messages:
                _worker._write(send, _worker._pack(message), early=early)
        send.close()

    threading.Thread(target=write, daemon=True).start()
    return receive


class _Smuggled:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo smuggled > /dev/null",))


def test_a_part_sent_ahead_reaches_the_callback_and_the_answer_follows() -> None:
    handed: list[object] = []
    receive = sent((True, ("early", {"a": 1})), (False, ("ok", "answer")))
    payload, _why, early = _worker._wait(_Ended(), receive, QUICK, handed.append)
    assert handed == [{"a": 1}]
    assert early == ("value", ({"a": 1},))
    assert payload is not None
    assert _worker._load_answer(payload, early, "x") == ("ok", "answer")


def test_parts_sent_ahead_reach_the_callback_in_order_and_the_answer_sees_what_it_made_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handed: list[object] = []

    def take(value: object) -> object:
        handed.append(value)
        return f"work on {value}" if value == 2 else None  # on the second: work begun on it

    receive = sent((True, ("early", 1)), (True, ("early", 2)), (False, ("ok", 3)))
    payload, _why, early = _worker._wait(_Ended(), receive, QUICK, take)
    assert handed == [1, 2]
    assert early == ("value", (1, "work on 2"))
    assert payload is not None
    seen: list[object] = []
    real_load = _worker._Unpickler.load

    def load(self: _worker._Unpickler) -> object:  # what the answer's __setstate__ would see
        seen.extend(_worker.early_value(i) for i in range(2))
        with pytest.raises(LookupError):
            _worker.early_value(2)
        return real_load(self)

    monkeypatch.setattr(_worker._Unpickler, "load", load)
    assert _worker._load_answer(payload, early, "x") == ("ok", 3)
    assert seen == [1, "work on 2"]
    with pytest.raises(LookupError):
        _worker.early_value(0)  # only while the answer is unpickled


@pytest.mark.parametrize(
    "messages",
    [
        [(True, ("early", 1)), (False, ("ok", 2))],  # unasked: no callback
    ],
)
def test_a_part_sent_ahead_unasked_is_no_answer(messages: list[tuple[bool, tuple[str, object]]]) -> None:
    payload, why, early = _worker._wait(_Ended(), sent(*messages), QUICK)
    assert (payload, why, early) == (None, "crash", None)


def test_a_part_sent_ahead_past_the_last_allowed_is_no_answer() -> None:
    handed: list[object] = []
    parts = [(True, ("early", i)) for i in range(_worker.MAX_EARLY + 1)]
    receive = sent(*parts, (False, ("ok", 3)))
    payload, _why, _early = _worker._wait(_Ended(), receive, QUICK, handed.append)
    assert payload is None
    assert handed == list(range(_worker.MAX_EARLY))


def test_a_part_sent_ahead_naming_a_forbidden_type_is_refused_unrun(tmp_path: Path) -> None:
    handed: list[object] = []
    receive = sent((True, ("early", _Smuggled())), (False, ("ok", 3)))
    payload, _why, early = _worker._wait(_Ended(), receive, QUICK, handed.append)
    assert payload is None
    assert early is not None
    assert early[0] == "error"
    assert "not an allowed type" in early[1]
    assert handed == []


def test_parts_sent_ahead_count_against_the_workers_memory_cap() -> None:
    big = np.zeros(200_000, dtype=np.float64)  # 1.6 MB out of band
    receive = sent((True, ("early", big)), (False, ("ok", big.copy())))
    handed: list[object] = []
    payload, _why, _early = _worker._wait(_Ended(), receive, Limits(worker_memory_bytes=2_000_000), handed.append)
    assert len(handed) == 1  # the first part fits…
    assert payload is None  # …the two together do not


def test_an_answer_naming_attributes_never_sent_ahead_is_refused() -> None:
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    packed = list(reader._pack_frame(frame, None))
    packed[1] = reader._EARLY_ATTRS
    message = pickle.dumps(("ok", tuple(packed)), protocol=5)
    # the packed frame alone, unpacked as the answer's __setstate__ does: no value came ahead
    with pytest.raises(LookupError):
        reader._unpack_frame(pickle.loads(message)[1])  # noqa: S301 - our own bytes
    _worker._RECEIVED.value = (pd.DataFrame({"id": ["a", "b"]}),)  # two rows for one outline
    try:
        with pytest.raises(pickle.UnpicklingError):
            reader._unpack_frame(pickle.loads(message)[1])  # noqa: S301 - our own bytes
    finally:
        del _worker._RECEIVED.value


def test_attributes_that_cannot_be_read_ahead_are_checked_as_before(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(self: FrameCells, fields: object) -> FrameCells:
        raise RuntimeError("no reading ahead")

    carriers = write(carriers_frame(), tmp_path / "c.parquet")
    zones = zones_file(tmp_path)
    plain = data.load_dataset(carriers, zones, context=False)
    monkeypatch.setattr(FrameCells, "prepare", broken)
    got = data.load_dataset(carriers, zones, context=False)
    pd.testing.assert_frame_equal(got.carriers, plain.carriers, check_exact=True)


def answer_naming(rows: np.ndarray, blobs: list[bytes | None]) -> tuple[object, object]:
    """(Arrow WKB, rows) as a packed frame carries its outlines, for :func:`reader._outlines`."""
    import pyarrow as pa  # noqa: PLC0415

    return pa.array(blobs, type=pa.large_binary()), rows


@pytest.mark.parametrize(
    ("rows", "blobs", "ahead"),
    [
        (np.array([0, 1], dtype=np.int64), [None, None], False),  # nothing came ahead
        (np.array([0, 5], dtype=np.int64), [None, None], True),  # a row past those that came
        (np.array([0, -2], dtype=np.int64), [None, None], True),  # no such row
        (np.array([0, 1], dtype=np.int64), [None, shapely.box(0, 0, 1, 1).wkb], True),  # bytes twice
        (np.array([0, 2], dtype=np.int64), [None, None], True),  # a row that came with no outline
        (np.array([0, 1], dtype=np.int32), [None, None], True),  # not the rows' type
        (np.array([0], dtype=np.int64), [None, None], True),  # not one row per outline
    ],
)
def test_an_answer_naming_outlines_that_did_not_come_ahead_is_refused(
    rows: np.ndarray, blobs: list[bytes | None], ahead: bool
) -> None:
    import pyarrow as pa  # noqa: PLC0415

    cells, named = answer_naming(rows, blobs)
    sent = pa.array([shapely.box(0, 0, 1, 1).wkb, shapely.box(1, 1, 2, 2).wkb, None], type=pa.large_binary())
    _worker._RECEIVED.value = (pd.DataFrame({"id": ["a", "b"]}), reader._Decoding(sent))  # as the caller holds them
    if not ahead:
        _worker._RECEIVED.value = _worker._RECEIVED.value[:1]
    try:
        with pytest.raises(pickle.UnpicklingError):
            reader._outlines(cells, named)
    finally:
        del _worker._RECEIVED.value


def test_an_answer_naming_outlines_that_came_ahead_takes_those_objects() -> None:
    import pyarrow as pa  # noqa: PLC0415

    sent = pa.array([shapely.box(0, 0, 1, 1).wkb, shapely.box(1, 1, 2, 2).wkb], type=pa.large_binary())
    decoding = reader._Decoding(sent)
    cells, named = answer_naming(np.array([1, -1], dtype=np.int64), [None, shapely.box(5, 5, 6, 6).wkb])
    _worker._RECEIVED.value = (pd.DataFrame({"id": ["a", "b"]}), decoding)
    try:
        outlines = reader._outlines(cells, named)
    finally:
        del _worker._RECEIVED.value
    assert outlines[0] is decoding.outlines()[1]
    assert outlines[1].equals(shapely.box(5, 5, 6, 6))


@pytest.mark.parametrize("second", ["other", "junk", "numbers"])
def test_a_second_part_ahead_that_is_not_outlines_that_decode_is_refused(second: str) -> None:
    import pyarrow as pa  # noqa: PLC0415

    hand_over = reader._parts_to(lambda _table: None, None)  # what the caller makes of each part ahead
    part = {
        "other": ("another part", 1),
        "junk": (reader._EARLY_OUTLINES, pa.array([b"\x01\x03\x00\x00\x00junk"], type=pa.large_binary())),
        "numbers": (reader._EARLY_OUTLINES, pa.array([1, 2])),
    }[second]
    taken = hand_over(part)
    assert (taken is not None) == (second == "junk")  # only WKB is decoded; the rest is left as it came
    cells, named = answer_naming(np.array([0], dtype=np.int64), [None])
    _worker._RECEIVED.value = (pd.DataFrame({"id": ["a"]}), part if taken is None else taken)
    try:
        with pytest.raises(pickle.UnpicklingError):
            reader._outlines(cells, named)
    finally:
        del _worker._RECEIVED.value
