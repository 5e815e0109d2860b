"""The dask engine gives the in-memory engine's table, bit for bit, whatever the partitions.

On a local cluster of threads (``processes=False``) and of two worker processes; on hand-checkable
carriers whose parents lie in other partitions; on random partitions of random layouts (a
hypothesis property), in every mode; and through the command line (``geo partition`` then
``geo summary --engine dask``) as real processes. Without the ``dask`` extra installed, the engine's
tests are skipped and the command says how to install it (that test always runs).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from factories import carriers, rect, to_wgs84, zones
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import engine_dask
from geo.cli import main
from geo.rollup import OUTSIDE, TOTAL, summarize

ROOT = Path(__file__).resolve().parent.parent
MODES = ("declared", "largest", "area")
# On a user's machine without the extra these tests skip; in CI (CI=true), which installs it, they never do.
_SKIP_DASK = not engine_dask.available() and os.environ.get("CI", "").lower() != "true"
needs_dask = pytest.mark.skipif(_SKIP_DASK, reason='the dask extra is not installed (pip install -e ".[dask]")')


def _require_dask() -> None:
    if _SKIP_DASK:
        pytest.skip('the dask extra is not installed (pip install -e ".[dask]")')


def _hand() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two poles side by side; a parent and its child; a carrier split half and half; an unknown parent."""
    zone_frame = zones(
        {"id": "A", "type": "pole", "geometry": rect(0, 0, 100, 100), "declared_floor_area_m2": 1000},
        {"id": "B", "type": "pole", "geometry": rect(100, 0, 200, 100)},
        {"id": "L", "type": "belt", "geometry": rect(0, 0, 400, 30)},
    )
    data = carriers(
        {"id": "p", "geometry": rect(10, 10, 60, 60), "floor_area_existing_m2": 1000, "zone_ids": "A"},
        {"id": "c1", "geometry": rect(20, 20, 30, 30), "parent_id": "p", "floor_area_existing_m2": 300},
        {"id": "q", "geometry": rect(90, 10, 110, 20), "floor_area_existing_m2": 101, "zone_ids": "B;A"},
        {"id": "u", "geometry": rect(300, 300, 310, 310), "status": "planned"},
        {"id": "r", "geometry": rect(302, 302, 305, 305), "parent_id": "u", "floor_area_existing_m2": 9},
        {"id": "g", "geometry": rect(22, 22, 24, 24), "parent_id": "c1", "floor_area_existing_m2": 5},
    )
    data["floor_area_planned_m2"] = pd.array([0, 0, 0, None, 0, 0], dtype="Int64")
    data["planned_year"] = pd.array([2026, 2026, 2031, 2026, 2026, 2026], dtype="Int64")
    return to_wgs84(data), to_wgs84(zone_frame)


def _write_parts(data: gpd.GeoDataFrame, parts: list[np.ndarray], directory: Path) -> Path:
    """Partition files holding the rows ``parts`` (positions), as ``geo partition`` writes them."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, rows in enumerate(parts):
        part = data.iloc[rows].copy()
        part[engine_dask.ORDER_COLUMN] = np.asarray(rows, dtype=np.int64)
        part.to_parquet(directory / f"part.{number}.parquet", index=False)
    return directory


@pytest.fixture(scope="module")
def threads_client() -> Iterator[object]:
    _require_dask()
    from distributed import Client, LocalCluster  # noqa: PLC0415

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def processes_client() -> Iterator[object]:
    _require_dask()
    from distributed import Client, LocalCluster  # noqa: PLC0415

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield client


@needs_dask
def test_the_hand_checked_layout_with_parents_in_other_partitions(threads_client, tmp_path):
    data, zone_frame = _hand()
    # c1's parent p, g's parent c1 and r's parent u all lie in other partitions.
    directory = _write_parts(data, [np.array([0, 3]), np.array([1]), np.array([5, 2]), np.array([4])], tmp_path)
    table = engine_dask.summarize(directory, zone_frame, by="pole", mode="area", client=threads_client)
    rows = table.set_index("group_id")
    # p adds 1000 (c1 and g itemize it); q's 101 splits 50.5 / 50.5 (the spare unit to the zone listed
    # first); r adds 9 outside, as its parent u's figure is unknown; u's planned figure is unknown.
    assert rows.loc[["A", "B", OUTSIDE, TOTAL], "total_m2"].tolist() == [1051, 50, 9, 1110]
    assert rows.loc[OUTSIDE, "unknown_ids"] == "u"
    assert rows.loc[TOTAL, "member_count"] == 6
    pd.testing.assert_frame_equal(table, summarize(data, zone_frame, by="pole", mode="area"))


@needs_dask
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("by", ["pole", "belt", "status"])
def test_two_worker_processes_give_the_in_memory_table(processes_client, tmp_path, mode, by):
    data, zone_frame = _hand()
    directory = _write_parts(data, [np.array([4, 1]), np.array([0, 2, 5]), np.array([3])], tmp_path)
    for year in (None, 2030):
        dask_table = engine_dask.summarize(directory, zone_frame, by=by, mode=mode, year=year, client=processes_client)
        pd.testing.assert_frame_equal(dask_table, summarize(data, zone_frame, by=by, mode=mode, year=year))


def _random_layout(seed: int, n: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Rectangles over overlapping poles and a belt; one in six nested in an earlier one."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-100, 1100, n), rng.uniform(-100, 1100, n)
    w, h = rng.uniform(5, 60, n), rng.uniform(5, 60, n)
    rows = [
        {
            "id": f"c{i}",
            "geometry": rect(x[i], y[i], x[i] + w[i], y[i] + h[i]),
            "parent_id": f"c{rng.integers(0, i)}" if i and rng.random() < 1 / 6 else None,
            "zone_ids": ("z0", "z1;z0", None, "b0", "z2")[i % 5],
            "floor_area_existing_m2": None if i % 13 == 0 else int(rng.integers(0, 9000)),
            "floor_area_planned_m2": None if i % 17 == 0 else int(rng.integers(0, 500)),
            "planned_year": None if i % 19 == 0 else int(2024 + i % 10),
            "opened_year": None if i % 7 == 0 else int(2000 + i % 30),
            "status": ("existing", "planned", "under_construction")[i % 3],
        }
        for i in range(n)
    ]
    zone_rows = [
        {"id": "z0", "type": "pole", "geometry": rect(380, 380, 420, 420).centroid.buffer(350)},
        {"id": "z1", "type": "pole", "geometry": rect(500, 100, 900, 700), "declared_floor_area_m2": 10**6},
        {"id": "z2", "type": "pole", "geometry": rect(0, 800, 300, 1000)},
        {"id": "b0", "type": "belt", "geometry": rect(-50, 420, 1050, 480)},
    ]
    return to_wgs84(carriers(*rows)), to_wgs84(zones(*zone_rows))


LAYOUT = _random_layout(5, 300)


@needs_dask
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_parts=st.integers(1, 5),
    mode=st.sampled_from(MODES),
    by=st.sampled_from(["pole", "belt", "status"]),
    year=st.sampled_from([None, 2028]),
)
def test_random_partitions_give_the_in_memory_table(threads_client, tmp_path_factory, seed, n_parts, mode, by, year):  # noqa: PLR0917
    data, zone_frame = LAYOUT
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, n_parts, len(data))
    parts = [np.flatnonzero(owner == k) for k in range(n_parts)]
    directory = _write_parts(data, [p for p in parts if len(p)], tmp_path_factory.mktemp("parts"))
    dask_table = engine_dask.summarize(directory, zone_frame, by=by, mode=mode, year=year, client=threads_client)
    pd.testing.assert_frame_equal(dask_table, summarize(data, zone_frame, by=by, mode=mode, year=year))


@needs_dask
def test_write_partitions_sorts_in_space_and_keeps_every_row(tmp_path):
    data, _ = LAYOUT
    files = engine_dask.write_partitions(data, tmp_path / "parts", partitions=4)
    assert len(files) == 4
    parts = [gpd.read_parquet(f) for f in files]
    rows = np.concatenate([p[engine_dask.ORDER_COLUMN].to_numpy() for p in parts])
    assert sorted(rows.tolist()) == list(range(len(data)))
    # Each partition records its own extent, and the extents are far smaller than the whole.
    whole = data.total_bounds
    whole_area = (whole[2] - whole[0]) * (whole[3] - whole[1])
    extents = [p.total_bounds for p in parts]
    assert sum((e[2] - e[0]) * (e[3] - e[1]) for e in extents) < 2.5 * whole_area
    with pytest.raises(engine_dask.EngineError, match="not empty"):
        engine_dask.write_partitions(data, tmp_path / "parts")


def _run_process(*argv: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env["LANG"] = "C.UTF-8"
    return subprocess.run(
        [sys.executable, "-m", "geo", *argv], cwd=ROOT, env=env, capture_output=True, check=False, timeout=240
    )


@needs_dask
def test_the_command_line_partitions_a_file_and_sums_it_on_a_local_cluster(tmp_path):
    data, zone_frame = LAYOUT
    carriers_path, zones_path = tmp_path / "carriers.gpkg", tmp_path / "zones.geojson"
    data.to_file(carriers_path, driver="GPKG", engine="pyogrio")
    zone_frame.to_file(zones_path, driver="GeoJSON", engine="pyogrio")
    wrote = _run_process("partition", str(carriers_path), str(tmp_path / "parts"), "--partitions", "3")
    assert wrote.returncode == 0, wrote.stderr.decode()
    assert len(list((tmp_path / "parts").glob("*.parquet"))) == 3
    common = ["summary", "--zones", str(zones_path), "--mode", "area", "--format", "json", "--by", "pole"]
    in_memory = _run_process(*common, "--carriers", str(carriers_path))
    on_dask = _run_process(*common, "--carriers", str(tmp_path / "parts"), "--engine", "dask", "--workers", "2")
    assert in_memory.returncode == 0, in_memory.stderr.decode()
    assert on_dask.returncode == 0, on_dask.stderr.decode()
    assert json.loads(on_dask.stdout) == json.loads(in_memory.stdout)
    assert not on_dask.stderr


def test_without_dask_the_engine_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name.startswith("dask") else real(name, *a)
    )
    for lang, words in (("en", "the dask engine needs dask"), ("zh", "dask 引擎需要安装")):
        err = io.StringIO()
        code = main(
            ["--lang", lang, "summary", "--engine", "dask", "--carriers", "nowhere"], out=io.StringIO(), err=err
        )
        assert code == 2
        assert words in err.getvalue()
        assert 'pip install -e ".[dask]"' in err.getvalue()
        assert "Traceback" not in err.getvalue()


@needs_dask
def test_a_directory_without_partitions_is_refused_in_plain_words(tmp_path):
    err = io.StringIO()
    code = main(
        ["--lang", "zh", "summary", "--engine", "dask", "--carriers", str(tmp_path)], out=io.StringIO(), err=err
    )
    assert code == 2
    assert "没有 .parquet 文件" in err.getvalue()
    assert "python -m geo partition" in err.getvalue()


@needs_dask
def test_partition_refuses_a_directory_that_is_not_empty(tmp_path):
    data, _ = _hand()
    carriers_path = tmp_path / "carriers.geojson"
    data.to_file(carriers_path, driver="GeoJSON", engine="pyogrio")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "keep.txt").write_text("a planner's notes")
    err = io.StringIO()
    code = main(["--lang", "en", "partition", str(carriers_path), str(tmp_path / "parts")], out=io.StringIO(), err=err)
    assert code == 2
    assert "exists and is not empty" in err.getvalue()
    assert (tmp_path / "parts" / "keep.txt").read_text() == "a planner's notes"
    out = io.StringIO()
    code = main(["--lang", "zh", "partition", str(carriers_path), str(tmp_path / "new")], out=out, err=io.StringIO())
    assert code == 0
    assert "已写出 6 个载体" in out.getvalue()
