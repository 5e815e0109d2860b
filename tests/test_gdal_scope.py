"""Importing the library changes nothing else; GDAL is restricted only where user files are read (issue 9).

Each check runs in a fresh interpreter, as a notebook or a script would: what is imported first,
and what GDAL can do afterwards, is the point.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import corpus
import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = corpus.build()
EVERY_DRIVER_MINIMUM = {"FlatGeobuf", "GML", "CSV", "OGR_VRT", "GeoJSONSeq", "SQLite"}


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir(), "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )


@pytest.mark.timeout(150)
def test_importing_and_rolling_up_leaves_gdal_and_the_environment_alone(tmp_path: Path) -> None:
    run = _python(f"""
        import json, os
        import pyogrio
        before = sorted(pyogrio.list_drivers())
        env_before = dict(os.environ)
        import geo, geo.io.reader, geo.io.export, geo.rollup, geo.quality, geo.cli
        from factories import carriers, square, zones
        table = geo.rollup.summarize(
            carriers({{"id": "a", "geometry": square(0, 0, 10), "floor_area_existing_m2": 5, "zone_ids": "p"}}),
            zones({{"id": "p", "type": "pole", "geometry": square(-5, -5, 30)}}),
            by="pole", mode="area",
        )
        after = sorted(pyogrio.list_drivers())
        import geopandas as gpd, shapely
        frame = gpd.GeoDataFrame({{"a": [1]}}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
        written = []
        for driver, name in (("FlatGeobuf", "x.fgb"), ("GML", "x.gml")):
            frame.to_file({str(tmp_path)!r} + "/" + name, driver=driver, engine="pyogrio")
            written.append(name)
        print(json.dumps({{
            "same_drivers": before == after,
            "drivers": after,
            "env_changed": sorted(k for k in {{*os.environ, *env_before}} if os.environ.get(k) != env_before.get(k)),
            "proxy": pyogrio.get_gdal_config_option("GDAL_HTTP_PROXY"),
            "written": written,
            "total": int(table["total_m2"].iloc[-1]),
        }}))
    """)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["same_drivers"]
    assert set(out["drivers"]) >= EVERY_DRIVER_MINIMUM
    assert out["env_changed"] == []
    assert out["proxy"] is None
    assert out["written"] == ["x.fgb", "x.gml"]
    assert out["total"] == 5


@pytest.mark.timeout(150)
@pytest.mark.parametrize("first", ["pyogrio", "geopandas", "geo"])
def test_reading_works_whatever_was_imported_first(first: str, tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_bytes(CASES["geojson"].data)
    run = _python(f"""
        import {first}
        import pathlib, pyogrio
        import geo.io.reader as reader
        result = reader.read(pathlib.Path({str(path)!r}).read_bytes(), "x.geojson")
        print(len(result.frame), "FlatGeobuf" in pyogrio.list_drivers())
    """)
    assert run.returncode == 0, run.stderr
    count, every_driver = run.stdout.split()
    assert int(count) > 0
    assert every_driver == "True"  # the read left GDAL as it found it


@pytest.mark.timeout(150)
def test_vrt_and_gdalg_cannot_reach_the_canary(tmp_path: Path) -> None:
    canary = corpus.ensure_canary()
    files = {
        "a.vrt": corpus.vrt(canary),
        "a.geojson": corpus.vrt(canary),
        "b.gdalg.json": corpus.gdalg(canary),
        "b.geojson": corpus.gdalg(canary),
        "b.json": corpus.gdalg(canary),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    run = _python(f"""
        import json, pathlib, warnings
        warnings.simplefilter("ignore")
        import pyogrio
        import geo.io.reader as reader
        from geo.io._gdal import restricted_gdal
        out = {{}}
        with restricted_gdal():
            out["drivers"] = sorted(pyogrio.list_drivers())
        out["drivers_after"] = sorted(pyogrio.list_drivers())
        for path in sorted(pathlib.Path({str(tmp_path)!r}).iterdir()):
            try:
                with restricted_gdal():
                    out[path.name + ":scoped"] = repr(pyogrio.read_dataframe(path).to_dict())
            except Exception as exc:
                out[path.name + ":scoped"] = "refused " + type(exc).__name__
            try:
                out[path.name + ":reader"] = repr(reader.read(path.read_bytes(), path.name).frame.to_dict())
            except reader.ReadError as exc:
                out[path.name + ":reader"] = "refused " + exc.code
        print(json.dumps(out))
    """)
    assert run.returncode == 0, run.stderr
    assert corpus.CANARY not in run.stdout + run.stderr
    out = json.loads(run.stdout)
    assert set(out["drivers"]) <= {"GeoJSON", "GPKG", "ESRI Shapefile"}
    assert {"OGR_VRT", "GDALG"} <= set(out["drivers_after"])  # restored on leaving the scope
    for name in files:
        assert out[f"{name}:scoped"].startswith("refused"), out
        assert out[f"{name}:reader"] == "refused refused-type", out


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads it

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'GEOGCS["x",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["G",0]]')

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.timeout(150)
def test_gdal_fetches_no_url_named_in_a_file_inside_the_scope(tmp_path: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/crs"
        data = corpus.geojson(
            [corpus.feature({}, corpus.polygon(corpus.XUHUI[0][2]))],
            crs={"type": "link", "properties": {"href": url, "type": "ogcwkt"}},
        )
        from geo.io import reader  # noqa: PLC0415

        with pytest.raises(reader.ReadError) as caught:
            reader.read(data, "l.geojson")
        assert caught.value.code == "refused-content"
        path = tmp_path / "l.geojson"
        path.write_bytes(data)
        # Second line of defence: even handed straight to GDAL inside the reader's scope, nothing is fetched.
        run = _python(f"""
            import warnings
            warnings.simplefilter("ignore")
            import pyogrio
            from geo.io._gdal import restricted_gdal
            try:
                with restricted_gdal():
                    print(pyogrio.read_info({str(path)!r})["crs"])
            except Exception as exc:
                print("error", type(exc).__name__)
        """)
        assert run.returncode == 0, run.stderr
    finally:
        server.shutdown()
        server.server_close()
    assert _Counter.hits == []


def test_the_scope_restores_driver_order_and_options_and_nests() -> None:
    import pyogrio  # noqa: PLC0415

    from geo.io._gdal import check_hardened, restricted_gdal  # noqa: PLC0415

    before = list(pyogrio.list_drivers())
    proxy = pyogrio.get_gdal_config_option("GDAL_HTTP_PROXY")
    with restricted_gdal():
        with restricted_gdal():
            assert set(pyogrio.list_drivers()) <= {"GeoJSON", "GPKG", "ESRI Shapefile"}
        assert set(pyogrio.list_drivers()) <= {"GeoJSON", "GPKG", "ESRI Shapefile"}
    assert list(pyogrio.list_drivers()) == before
    assert pyogrio.get_gdal_config_option("GDAL_HTTP_PROXY") == proxy
    assert check_hardened() == []
    assert list(pyogrio.list_drivers()) == before
    assert not any(k.startswith(("GDAL_HTTP", "CPL_VSIL")) and os.environ[k].endswith(".invalid:9") for k in os.environ)


def test_reads_in_several_threads_share_the_scope_and_leave_gdal_as_it_was() -> None:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    import pyogrio  # noqa: PLC0415

    from geo.io import reader  # noqa: PLC0415

    before = list(pyogrio.list_drivers())
    data = CASES["geojson"].data
    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: len(reader.read(data, "x.geojson").frame), range(12)))
    assert len(set(counts)) == 1
    assert counts[0] > 0
    assert list(pyogrio.list_drivers()) == before
