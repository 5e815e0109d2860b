"""The safe reader: every corpus file gets its verdict, in bounded time and memory, never a traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
import zipfile
from pathlib import Path

import corpus
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.crs import wgs84_to_gcj02
from geo.io import export, reader
from geo.io._archive import SafeZip
from geo.io._readbase import Limits

CASES = corpus.build()
ROOT = Path(__file__).resolve().parents[1]


def verdict(case: corpus.Case) -> tuple[str, object]:
    """The corpus verdict of reading ``case``: an error code, or ok / repaired / rejected-rows."""
    try:
        result = reader.read(case.data, case.filename, **case.kwargs)
    except reader.ReadError as exc:
        return exc.code, exc
    actions = {f.action for f in result.report if f.row is not None}
    if actions & {"rejected", "dropped"}:
        return "rejected-rows", result
    if actions & {"repaired", "changed"}:
        return "repaired", result
    return "ok", result


def _everything_said(outcome: object) -> str:
    if isinstance(outcome, reader.ReadError):
        return f"{outcome}\n{outcome.message_en}\n{outcome.message_zh}\n{outcome.problems}"
    assert isinstance(outcome, reader.ReadResult)
    return "\n".join([outcome.frame.to_json(), outcome.report_frame().to_csv(), outcome.rejected.to_csv()])


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", list(CASES))
def test_corpus_verdict(name: str) -> None:
    case = CASES[name]
    got, outcome = verdict(case)
    assert got == case.verdict, f"{name}: {outcome}"
    if isinstance(outcome, reader.ReadError):
        assert outcome.message_en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in outcome.message_zh), outcome.message_zh
    else:
        assert outcome.frame.crs.to_epsg() == 4326
        assert set(outcome.frame.geom_type) <= {"Polygon", "MultiPolygon"}
        assert not outcome.frame.geometry.has_z.any()
        assert outcome.frame.geometry.is_valid.all()
        if case.check is not None:
            case.check(outcome)
    assert corpus.CANARY not in _everything_said(outcome)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("name", list(CASES))
def test_corpus_inspect_never_crashes(name: str) -> None:
    case = CASES[name]
    options = {k: v for k, v in case.kwargs.items() if k in ("encoding", "geometry")}
    try:
        inspection: reader.Inspection | reader.ReadError = reader.inspect(case.data, case.filename, **options)
    except reader.ReadError as exc:
        inspection = exc
    if isinstance(inspection, reader.ReadError):
        assert inspection.message_en
        assert inspection.message_zh
        assert corpus.CANARY not in str(inspection)
        return
    assert inspection.layers
    for layer in inspection.layers:
        assert isinstance(layer.preview, pd.DataFrame)
        assert len(layer.preview) <= 5


# ---------------------------------------------------------------------------------------------
# What the user is shown before reading
# ---------------------------------------------------------------------------------------------


def test_inspect_offers_the_projected_crs_that_lands_in_xuhui() -> None:
    layer = reader.inspect(CASES["projected-as-degrees"].data, "m.geojson").layer()
    assert layer.needs_crs
    assert layer.crs_issue_codes == ["projected-as-degrees"]
    assert layer.suggested_crs == "EPSG:4549"
    lands = {c.code: c.lands_at for c in layer.crs_choices if c.fits}
    lon, lat = lands["EPSG:4549"]
    assert 121.3 < lon < 121.6
    assert 31.0 < lat < 31.3


def test_inspect_spots_swapped_axes_and_a_contradicting_crs_member() -> None:
    swapped = reader.inspect(CASES["swapped-axes"].data, "s.geojson").layer()
    assert swapped.crs_issue_codes == ["swapped-axes"]
    assert swapped.swap_suggested
    member = reader.inspect(CASES["crs-4549-over-degrees"].data, "d.geojson").layer()
    assert member.declared_crs.startswith("EPSG:4549")
    assert member.crs_issue_codes == ["degrees-as-projected"]
    assert member.suggested_crs == "EPSG:4326"


def test_needs_crs_error_lists_the_choices() -> None:
    with pytest.raises(reader.ReadError) as caught:
        reader.read(CASES["shp-no-prj"].data, "z.zip")
    assert caught.value.code == "needs-crs"
    assert {"EPSG:4326", "EPSG:4490", "EPSG:4549", "EPSG:4550", "EPSG:32651", "GCJ-02", "BD-09"} <= set(
        caught.value.choices
    )


def test_wrong_cpg_names_both_encodings_with_a_preview() -> None:
    layer = reader.inspect(CASES["shp-wrong-cpg"].data, "z.zip").layer()
    assert layer.needs_encoding
    assert "UTF-8" in layer.encoding.problem.en
    assert "GB18030" in layer.encoding.problem.en
    assert "漕河泾开发区" in layer.encoding.alternatives["GB18030"]
    with pytest.raises(reader.ReadError) as caught:
        reader.read(CASES["shp-wrong-cpg"].data, "z.zip")
    assert caught.value.code == "needs-encoding"
    assert "GB18030" in caught.value.choices


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("shp-gbk-cpg", "cpg"),
        ("shp-gbk-ldid", "dbf-language-byte"),
        ("shp-gbk-no-cpg", "fallback-gb18030"),
        ("shp-utf8-cpg", "cpg"),
    ],
)
def test_encoding_source_and_preview(name: str, source: str) -> None:
    layer = reader.inspect(CASES[name].data, "z.zip").layer()
    assert layer.encoding.source == source
    assert "名称" in layer.encoding.names
    assert "漕河泾开发区" in layer.encoding.preview
    assert "名称" in layer.columns


def test_cut_names_are_reported() -> None:
    result = reader.read(CASES["shp-utf8-cut-mid-character"].data, "z.zip")
    notes = " ".join(f.reason_en for f in result.report if f.row is None)
    assert "cut mid-character" in notes
    assert "'建筑面'" in notes


def test_gbk_member_names_of_a_chinese_windows_zip() -> None:
    inspection = reader.inspect(CASES["shp-deep-folders"].data, "交付.zip")
    assert [layer.name for layer in inspection.layers] == ["交付/2024/图层/载体"]
    assert any("说明.txt" in n.en for n in inspection.notes)


def test_kml_keeps_extended_data_and_folders() -> None:
    result = reader.read(CASES["kml-ovital"].data, "奥维.kml")
    assert list(result.frame["面积"]) == ["10000"] * 3
    assert list(result.frame["id"]) == [i for i, _, _ in corpus.XUHUI]
    assert any("height of 0" in f.reason_en for f in result.report)
    layers = [layer.name for layer in reader.inspect(CASES["kml-two-folders"].data, "x.kml").layers]
    assert layers == ["奥维导出", "奥维导出 / 载体", "奥维导出 / 片区"]


# ---------------------------------------------------------------------------------------------
# The report, the rejected rows and their download
# ---------------------------------------------------------------------------------------------


def test_every_lost_row_is_listed_with_its_reason() -> None:
    result = reader.read(CASES["null-empty-point-line"].data, "mixed.geojson")
    assert list(result.frame["id"]) == ["good"]
    lost = result.rejected.set_index("id")
    assert list(lost.index) == ["null", "empty", "pt", "ln"]
    assert list(lost["action"]) == ["dropped", "dropped", "rejected", "rejected"]
    assert "Point is not a polygon" in lost.loc["pt", "reason_en"]
    assert lost.loc["ln", "geometry_wkt"].startswith("LINESTRING")
    assert all(lost["reason_zh"].str.len() > 0)


def test_bowtie_becomes_two_triangles_and_keeps_its_area() -> None:
    result = reader.read(CASES["bowtie"].data, "bow.geojson")
    repaired = [f for f in result.report if f.action == "repaired"]
    assert len(repaired) == 1
    assert "Self-intersection" in repaired[0].reason_en
    assert result.frame.geometry.iloc[0].area == pytest.approx(2 * 0.5 * 0.02 * 0.01)


def test_geometry_collection_keeps_its_polygon() -> None:
    result = reader.read(CASES["geometry-collection"].data, "gc.geojson")
    assert result.frame.geom_type.tolist() == ["Polygon"]
    assert any("Point" in f.reason_en for f in result.report if f.action == "changed")


def test_rejected_csv_keeps_formulas_as_text() -> None:
    data = corpus.geojson(
        [
            corpus.feature({"id": "ok", "note": "fine"}, corpus.polygon(corpus.XUHUI[0][2])),
            *[
                corpus.feature({"id": f"p{i}", "note": text}, {"type": "Point", "coordinates": [121.4, 31.1]})
                for i, text in enumerate(corpus.HOSTILE_TEXT)
            ],
        ]
    )
    result = reader.read(data, "f.geojson")
    assert list(result.rejected["note"]) == corpus.HOSTILE_TEXT  # the table itself is untouched
    text = result.rejected_csv().decode("utf-8-sig")
    cells = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)["note"].tolist()
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@"), cell
    assert cells[3] == "'" + corpus.HOSTILE_TEXT[3]


def test_the_rejected_rows_download_names_its_file_and_layer_beside_the_csv() -> None:
    name = "=HYPERLINK(1) 楼宇.geojson"
    ok = corpus.feature({"id": "ok"}, corpus.polygon(corpus.XUHUI[0][2]))
    point = corpus.feature({"id": "p"}, {"type": "Point", "coordinates": [121.4, 31.1]})
    result = reader.read(corpus.geojson([ok, point]), name)
    with zipfile.ZipFile(io.BytesIO(result.rejected_zip())) as archive:
        assert sorted(archive.namelist()) == ["rejected_rows.csv", "rejected_rows.csv-metadata.json"]
        assert archive.read("rejected_rows.csv") == result.rejected_csv()
        stamp = export.stamp_of_csv_metadata(archive.read("rejected_rows.csv-metadata.json"))
    assert stamp["file"] == "'" + name  # named, and never a spreadsheet formula
    assert stamp["layer"] == result.layer
    assert "HYPERLINK" not in result.rejected_csv().decode("utf-8-sig")


def test_column_mapping_renames_and_validates() -> None:
    data = CASES["shp-gbk-cpg"].data
    mapping = reader.suggest_mapping(reader.inspect(data, "载体.zip").layer().columns, "carriers")
    assert mapping == {"id": "id", "名称": "name_zh"}
    result = reader.read(data, "载体.zip", columns=mapping, role="carriers")
    assert list(result.frame["name_zh"]) == [n for _, n, _ in corpus.XUHUI]
    assert any(p.where == "columns" and "'status'" in p.what for p in result.problems)
    with pytest.raises(reader.ReadError) as caught:
        reader.read(data, "载体.zip", columns={"名称": "name", "nope": "id"}, role="carriers")
    assert caught.value.code == "bad-mapping"
    assert len(caught.value.problems) == 2


def test_gcj02_is_converted_to_wgs84_within_a_centimetre() -> None:
    truth = [shapely.Polygon(corpus.ring(c)) for _, _, c in corpus.XUHUI]
    shifted = []
    for poly in truth:
        lon, lat = wgs84_to_gcj02(*np.asarray(poly.exterior.coords).T)
        shifted.append(corpus.feature({}, {"type": "Polygon", "coordinates": [list(zip(lon, lat, strict=True))]}))
    result = reader.read(corpus.geojson(shifted), "gcj.geojson", crs="GCJ-02")
    for got, want in zip(result.frame.geometry, truth, strict=True):
        error = np.abs(shapely.get_coordinates(got) - shapely.get_coordinates(want)).max()
        assert error < 1e-7  # 1e-7° ≈ 1 cm
    assert result.source_crs == "GCJ-02"


def test_crs_notes_say_what_was_done() -> None:
    result = reader.read(CASES["projected-chosen"].data, "m.geojson", crs="EPSG:4549")
    assert "EPSG:4549" in result.crs_note.en
    assert "converted to WGS-84" in result.crs_note.en
    assert any(f.action == "converted" for f in result.report)


# ---------------------------------------------------------------------------------------------
# Limits, memory and clean-up
# ---------------------------------------------------------------------------------------------


def test_upload_cap_is_enforced_in_code() -> None:
    with pytest.raises(reader.ReadError) as caught:
        reader.read(CASES["geojson"].data, "x.geojson", limits=Limits(max_upload_bytes=100))
    assert caught.value.code == "too-large"


def test_read_path_checks_size_before_loading(tmp_path: Path) -> None:
    path = tmp_path / "big.geojson"
    path.write_bytes(CASES["geojson"].data)
    with pytest.raises(reader.ReadError) as caught:
        reader.read_path(path, limits=Limits(max_upload_bytes=10))
    assert caught.value.code == "too-large"
    assert len(reader.read_path(path).frame) == 3


@pytest.mark.timeout(60)
def test_zip_bomb_stays_small_in_memory_and_on_disk() -> None:
    bomb = CASES["zip-bomb"].data
    tracemalloc.start()
    try:
        with pytest.raises(reader.ReadError) as caught:
            reader.read(bomb, "bomb.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "refused-zip"
    assert peak < 64 * 1024 * 1024


@pytest.mark.timeout(60)
def test_extraction_stops_at_the_ratio_cap_even_past_the_header_check(tmp_path: Path) -> None:
    archive = SafeZip(CASES["zip-bomb"].data, "bomb.zip", Limits())
    member = next(m for m in archive.members if m.name == "bomb.dbf")
    target = tmp_path / "out.dbf"
    tracemalloc.start()
    try:
        with pytest.raises(reader.ReadError) as caught:
            archive.extract(member, target)  # check_declared() skipped on purpose
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code == "refused-zip"
    assert target.stat().st_size <= Limits().max_member_ratio * member.info.compress_size + (1 << 16)
    assert target.stat().st_size < member.size
    assert peak < 16 * 1024 * 1024


def test_total_cap_applies_across_members(tmp_path: Path) -> None:
    parts = {f"f{i}.shp": bytes(300_000) for i in range(4)}
    data = corpus.zip_bytes(parts)
    archive = SafeZip(data, "t.zip", Limits(max_total_uncompressed=1_000_000, max_member_ratio=10_000))

    def extract_all() -> None:
        for i, member in enumerate(archive.members):
            archive.extract(member, tmp_path / f"{i}.bin")

    with pytest.raises(reader.ReadError) as caught:
        extract_all()
    assert caught.value.code == "refused-zip"


def test_temporary_files_are_removed() -> None:
    root = Path(tempfile.gettempdir())
    before = set(root.glob("geo-reader-*"))
    reader.read(CASES["shp-gbk-cpg"].data, "载体.zip")
    with pytest.raises(reader.ReadError):
        reader.read(CASES["zip-bomb"].data, "bomb.zip")
    assert set(root.glob("geo-reader-*")) == before


def test_hostile_text_comes_back_verbatim() -> None:
    result = reader.read(CASES["hostile-text-geojson"].data, "h.geojson")
    for text in corpus.HOSTILE_TEXT[:3]:
        assert result.frame[text].iloc[0] == text


# ---------------------------------------------------------------------------------------------
# GDAL hardening, proven in a fresh interpreter
# ---------------------------------------------------------------------------------------------


def _python(code: str, *, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir(), "PYTHONPATH": str(ROOT)}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )


# The GDAL restriction (only where files are read; importing geo changes nothing) is proven in
# tests/test_gdal_scope.py.


@pytest.mark.timeout(150)
def test_reader_reads_safely_when_pyogrio_was_imported_first(tmp_path: Path) -> None:
    # The caller's GDAL was set up before geo could restrict it, but files are parsed in the
    # reader's own worker process, which restricts GDAL before it imports pyogrio.
    path = tmp_path / "x.geojson"
    path.write_bytes(CASES["geojson"].data)
    run = _python(f"""
        import pyogrio  # before geo: GDAL_SKIP comes too late for this process
        import pathlib
        import geo.io.reader as reader
        try:
            reader.read(pathlib.Path({str(path)!r}).read_bytes(), "x.geojson")
            print("read")
        except reader.ReadError as exc:
            print(exc.code)
    """)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "read"


# ---------------------------------------------------------------------------------------------
# Small units
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "fmt"),
    [
        (b'{"type":"Feature","properties":{},"geometry":null}', "a.txt", "geojson"),
        (b'\xef\xbb\xbf{"type":"FeatureCollection","features":[]}', "a.geojson", "geojson"),
        (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>', "a.xml", "kml"),
        (b"id,wkt\n1,POLYGON((0 0,1 0,1 1,0 0))\n", "a.csv", "csv"),
        (b"SQLite format 3\x00" + bytes(100), "a.bin", "gpkg"),
    ],
)
def test_sniff_reads_content_not_names(data: bytes, name: str, fmt: str) -> None:
    assert reader.sniff(data, name) == fmt


def test_zip_members_named_on_chinese_windows_are_decoded() -> None:
    data = corpus.zip_bytes({"数据/载体.shp": b"x"}, gbk_names=True)
    with zipfile.ZipFile(io.BytesIO(data)) as raw:
        assert raw.infolist()[0].flag_bits & 0x800 == 0  # really stored without the UTF-8 flag
    archive = SafeZip(data, "z.zip", Limits())
    assert [m.name for m in archive.members] == ["数据/载体.shp"]


def test_suggest_mapping_knows_chinese_headers_and_cut_names() -> None:
    columns = ["编号", "名称", "floor_area", "geometry_a", "状态", "规划年份", "其他"]
    assert reader.suggest_mapping(columns, "carriers") == {
        "编号": "id",
        "名称": "name_zh",
        "geometry_a": "geometry_accuracy_m",
        "状态": "status",
        "规划年份": "planned_year",
    }


@pytest.mark.timeout(200)
def test_big_hostile_files_stay_bounded_in_process_memory(tmp_path: Path) -> None:
    """Peak resident memory (C allocations included) while refusing the big corpus files."""
    names = ("zip-bomb", "zip-millions-of-features", "huge-vertex-count")
    for name in names:
        (tmp_path / name).write_bytes(CASES[name].data)
    run = _python(f"""
        import json, pathlib, resource
        from geo.io import reader
        out = {{}}
        for name in {list(names)!r}:
            data = pathlib.Path({str(tmp_path)!r}, name).read_bytes()
            reader.sniff(b"{{}}", "warm-up.json")
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                reader.read(data, name + ".zip" if "zip" in name else name + ".geojson")
                code = "read"
            except reader.ReadError as exc:
                code = exc.code
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            out[name] = [code, (after - before) // 1024, len(data) // 2**20]
            del data
        print(json.dumps(out))
    """)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    for name, (code, grew_mb, size_mb) in out.items():
        assert code == CASES[name].verdict, out
        assert grew_mb < 32 + size_mb, out  # MB: at most one copy of the upload


@pytest.mark.parametrize("layer_name", ["z", "区域 zones", None])
def test_geojson_written_by_gdal_reads_whatever_its_layer_is_called(tmp_path: Path, layer_name: str | None) -> None:
    """GDAL and QGIS name a GeoJSON's layer in a top-level "name" member; the reader must not care."""
    import geopandas as gpd  # noqa: PLC0415

    frame = gpd.GeoDataFrame(
        {"id": ["a"], "name_zh": ["甲"]}, geometry=[shapely.box(121.4, 31.1, 121.41, 31.11)], crs=4326
    )
    path = tmp_path / "upload.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", **({"layer": layer_name} if layer_name else {}))
    if layer_name:
        assert f'"name": "{layer_name}"' in path.read_text(encoding="utf-8")
    result = reader.read(path.read_bytes(), path.name)
    assert result.frame["id"].tolist() == ["a"]
    assert result.frame["name_zh"].tolist() == ["甲"]
    assert reader.inspect(path.read_bytes(), path.name).layers[0].features == 1


def test_each_format_has_its_upload_cap_and_the_server_cap_is_the_largest() -> None:
    """GeoPackage and GeoParquet get more room on the page than text formats, from one table of caps."""
    import tomllib  # noqa: PLC0415

    from geo.io._readbase import FORMAT_UPLOAD_BYTES, MB  # noqa: PLC0415

    config = tomllib.loads((Path(__file__).parent.parent / ".streamlit" / "config.toml").read_text())
    page = Limits()
    assert config["server"]["maxUploadSize"] * MB == page.upload_bytes() == max(b for _, b in FORMAT_UPLOAD_BYTES)
    assert page.upload_bytes("gpkg") > page.upload_bytes("geojson") == page.max_upload_bytes == 50 * MB
    gpkg, geojson = CASES["geoparquet"].data, CASES["geojson"].data
    limits = Limits(max_upload_bytes=len(geojson) - 1, format_upload_bytes=(("geoparquet", len(gpkg)),))
    assert len(reader.read(gpkg, "big.parquet", limits=limits).frame) > 0
    with pytest.raises(reader.ReadError) as caught:
        reader.read(geojson, "big.geojson", limits=limits)
    assert caught.value.code == "too-large"
    assert "MB" in caught.value.message_zh
    assert "MB" in caught.value.message_en
    # The same caps apply before a file on disk is loaded.
    with pytest.raises(reader.ReadError):
        reader.read_path(_written(geojson, "big.geojson"), limits=limits)
    assert len(reader.read_path(_written(gpkg, "big.parquet"), limits=limits).frame) > 0


def _written(data: bytes, name: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix="caps-")) / name
    path.write_bytes(data)
    return path


def test_local_files_get_larger_caps_than_uploads() -> None:
    """The command line reads a city (millions of features, GBs); the page keeps its caps; same defences."""
    local, page = Limits.local(), Limits()
    assert local.upload_bytes("geojson") >= 2048 * 2**20
    assert local.max_features >= 1_000_000
    assert page.max_features == 200_000
    assert page.upload_bytes("geojson") == 50 * 2**20
    for defence in ("max_layers", "max_columns", "max_zip_members", "max_member_ratio", "ratio_grace_bytes"):
        assert getattr(local, defence) == getattr(page, defence), defence


def test_a_file_over_the_page_feature_cap_is_read_from_disk_but_refused_as_upload(tmp_path: Path) -> None:
    import geopandas as gpd  # noqa: PLC0415

    n = 200_001
    x = np.arange(n) % 500 * 1e-4 + 121.40
    y = np.arange(n) // 500 * 1e-4 + 31.15
    frame = gpd.GeoDataFrame(
        {"id": [f"b{i}" for i in range(n)]}, geometry=shapely.box(x, y, x + 5e-5, y + 5e-5), crs=4326
    )
    path = tmp_path / "city.parquet"
    frame.to_parquet(path)
    with pytest.raises(reader.ReadError) as caught:
        reader.read(path.read_bytes(), path.name)
    assert caught.value.code == "too-large"
    assert len(reader.read_path(path).frame) == n
