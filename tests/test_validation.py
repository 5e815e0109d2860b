"""Validation of carriers and zones: every problem found at once, named, explained, with a fix, in 中文 and English.

Each problem class has a tiny fixture: two or three 10 m squares (``factories``) turned into WGS-84, as
files store them, with one thing broken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from unittest.mock import patch

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import schema_oracle
import shapely
from factories import carriers, square, to_wgs84, zones
from hypothesis import given, settings
from hypothesis import strategies as st

import geo.schema
from geo.data import frame_hash, load_dataset
from geo.schema import (
    DataError,
    Problem,
    duplicate_id_problem,
    in_file,
    missing_columns_problem,
    missing_file_problem,
    normalize_carriers,
    refused_row_problem,
    unreadable_file_problem,
    validate_carriers,
    validate_zones,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ZONE_IDS = {"A", "L"}


def sound_carriers() -> gpd.GeoDataFrame:
    """Three carriers that keep the contract: a park with a tower in it, and a town."""
    return to_wgs84(
        carriers(
            {"id": "park", "geometry": square(0, 0, 10), "zone_ids": "A;L", "floor_area_existing_m2": 120},
            {"id": "tower", "geometry": square(1, 1, 3), "zone_ids": "A", "parent_id": "park"},
            {"id": "town", "geometry": square(20, 0, 10), "floor_area_planned_m2": 50, "planned_year": 2027},
        )
    )


def sound_zones() -> gpd.GeoDataFrame:
    return to_wgs84(
        zones(
            {"id": "A", "type": "pole", "geometry": square(0, 0, 15)},
            {"id": "L", "type": "belt", "geometry": square(0, 0, 40)},
        )
    )


def with_values(frame: gpd.GeoDataFrame, column: str, values: list[object]) -> gpd.GeoDataFrame:
    """``frame`` with ``column`` replaced by ``values`` as plain Python objects (as a file may hold them)."""
    out = frame.copy()
    out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def with_geometry(frame: gpd.GeoDataFrame, position: int, geom: shapely.Geometry | None) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy().copy()
    geoms[position] = geom
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def near(frame: gpd.GeoDataFrame) -> tuple[float, float]:
    """A lon/lat point inside the fixtures."""
    x, y = frame.geometry.iloc[0].representative_point().coords[0]
    return x, y


def bowtie(frame: gpd.GeoDataFrame) -> shapely.Polygon:
    x, y = near(frame)
    d = 1e-5
    return shapely.Polygon([(x, y), (x + d, y + d), (x + d, y), (x, y + d), (x, y)])


def assert_well_formed(problem: Problem) -> None:
    """What every problem owes the reader: where, what and how to fix it, in both languages."""
    assert problem.where
    assert problem.what
    assert problem.fix, problem
    assert CJK.search(problem.what_zh), problem
    assert CJK.search(problem.fix_zh), problem
    assert problem.where_zh
    assert not CJK.search(problem.fix.replace("万㎡", ""))  # English stays English (values may echo Chinese)


def only(problems: list[Problem], text: str) -> Problem:
    """The one problem whose English rendering contains ``text``."""
    matches = [p for p in problems if text in str(p)]
    assert len(matches) == 1, (text, [str(p) for p in problems])
    return matches[0]


def test_sound_data_has_no_problems():
    assert validate_carriers(sound_carriers(), zone_ids=ZONE_IDS, source_ids=set()) == []
    assert validate_zones(sound_zones(), source_ids=set()) == []


# --- each problem class, on its own ----------------------------------------------------------------


def _drop(column: str) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    return lambda f: f.drop(columns=column)


def _set(column: str, position: int, value: object) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    def change(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        values = frame[column].astype(object).tolist()
        values[position] = value
        return with_values(frame, column, values)

    return change


def _geom(position: int, make: Callable[[gpd.GeoDataFrame], shapely.Geometry | None]) -> Callable:
    return lambda f: with_geometry(f, position, make(f))


CARRIER_CASES = {
    # name: (how to break the sound carriers, where (English), what (English), where (中文))
    "missing field": (_drop("status"), "columns", "the required field 'status' is missing", "字段"),
    "missing nullable field": (_drop("parent_id"), "columns", "'parent_id' is missing", "字段"),
    "text in a figure": (
        _set("floor_area_existing_m2", 0, "lots"),
        "row 1 (id 'park'), field 'floor_area_existing_m2'",
        "'lots' is not a whole number",
        "第 1 行（id 'park'）",
    ),
    "fraction in a figure": (
        _set("floor_area_planned_m2", 2, 12.5),
        "row 3 (id 'town'), field 'floor_area_planned_m2'",
        "12.5 is not a whole number",
        "第 3 行（id 'town'）",
    ),
    "true/false in a figure": (
        _set("floor_area_planned_m2", 2, True),
        "row 3 (id 'town'), field 'floor_area_planned_m2'",
        "True is not a whole number",
        "第 3 行",
    ),
    "negative figure": (
        _set("floor_area_existing_m2", 0, -5),
        "row 1 (id 'park'), field 'floor_area_existing_m2'",
        "-5 is negative",
        "第 1 行",
    ),
    "implausible year": (
        _set("planned_year", 2, 550000),
        "row 3 (id 'town'), field 'planned_year'",
        "550000 is not a plausible year",
        "第 3 行",
    ),
    "implausibly large area": (
        _set("floor_area_existing_m2", 0, 10**13),
        "row 1 (id 'park'), field 'floor_area_existing_m2'",
        "is implausibly large",
        "第 1 行",
    ),
    "empty required text": (
        _set("name_zh", 1, None),
        "row 2 (id 'tower'), field 'name_zh'",
        "is empty",
        "第 2 行（id 'tower'），字段 'name_zh'",
    ),
    "blank required text": (_set("kind", 1, "  "), "row 2 (id 'tower'), field 'kind'", "is empty", "第 2 行"),
    "empty required number": (
        _set("geometry_accuracy_m", 0, None),
        "row 1 (id 'park'), field 'geometry_accuracy_m'",
        "is empty",
        "第 1 行",
    ),
    "unknown status": (
        _set("status", 2, "done"),
        "row 3 (id 'town'), field 'status'",
        "'done' is not a known status",
        "第 3 行",
    ),
    "duplicate id": (_set("id", 2, "park"), "id 'park'", "is used by more than one row (rows 1, 3)", "id 'park'"),
    "reserved id": (_set("id", 2, "__total__"), "id '__total__'", "is reserved for summary rows", "id '__total__'"),
    "unknown parent": (
        _set("parent_id", 1, "campus"),
        "row 2 (id 'tower'), field 'parent_id'",
        "names an unknown parent 'campus'",
        "第 2 行（id 'tower'），字段 'parent_id'",
    ),
    "own parent": (
        _set("parent_id", 0, "park"),
        "row 1 (id 'park'), field 'parent_id'",
        "names the carrier itself as its parent",
        "第 1 行",
    ),
    "unknown zone": (
        _set("zone_ids", 2, "A; ring"),
        "row 3 (id 'town'), field 'zone_ids'",
        "names unknown zone(s) 'ring'",
        "第 3 行（id 'town'），字段 'zone_ids'",
    ),
    "unknown source": (
        _set("source_ids", 0, "s404"),
        "row 1 (id 'park'), field 'source_ids'",
        "cites unknown source(s) 's404'",
        "第 1 行",
    ),
    "missing geometry": (
        _geom(1, lambda f: None),
        "row 2 (id 'tower'), geometry",
        "is missing",
        "第 2 行（id 'tower'），几何",
    ),
    "empty geometry": (
        _geom(1, lambda f: shapely.Polygon()),
        "row 2 (id 'tower'), geometry",
        "is empty",
        "第 2 行（id 'tower'），几何",
    ),
    "point geometry": (
        _geom(2, lambda f: shapely.Point(near(f))),
        "row 3 (id 'town'), geometry",
        "is a Point, not a polygon",
        "第 3 行（id 'town'），几何",
    ),
    "line geometry": (
        _geom(2, lambda f: shapely.LineString([near(f), (near(f)[0] + 1e-4, near(f)[1])])),
        "row 3 (id 'town'), geometry",
        "is a LineString, not a polygon",
        "第 3 行（id 'town'），几何",
    ),
    "invalid geometry": (
        _geom(0, bowtie),
        "row 1 (id 'park'), geometry",
        "is invalid (Self-intersection",
        "第 1 行（id 'park'），几何",
    ),
    "missing CRS": (
        lambda f: f.set_crs(None, allow_override=True),
        "CRS",
        "declares no coordinate reference",
        "坐标系",
    ),
    "projected CRS": (lambda f: f.to_crs(4549), "CRS", "not WGS-84 longitude/latitude", "坐标系"),
    "no features": (lambda f: f.iloc[0:0], "file", "has no features", "文件"),
}


@pytest.mark.parametrize("case", CARRIER_CASES, ids=list(CARRIER_CASES))
def test_each_carrier_problem_is_named_explained_and_fixable(case):
    breaks, where, what, where_zh = CARRIER_CASES[case]
    problems = validate_carriers(breaks(sound_carriers()), zone_ids=ZONE_IDS, source_ids={"s001"})
    problem = only(problems, what)
    assert problem.where == where
    assert problem.where_zh.startswith(where_zh)
    assert_well_formed(problem)


def test_a_parent_cycle_is_reported_once_with_its_path():
    frame = to_wgs84(
        carriers(
            {"id": "a", "geometry": square(0, 0, 10), "parent_id": "c"},
            {"id": "b", "geometry": square(1, 1, 2), "parent_id": "a"},
            {"id": "c", "geometry": square(4, 4, 2), "parent_id": "b"},
            {"id": "d", "geometry": square(6, 6, 2), "parent_id": "a"},  # hangs off the cycle, is not in it
        )
    )
    problems = validate_carriers(frame)
    cycle = only(problems, "forms a cycle")
    assert cycle.what == "parent_id forms a cycle (a → c → b → a)"
    assert cycle.where == "row 1 (id 'a'), field 'parent_id'"
    assert "循环" in cycle.what_zh
    assert_well_formed(cycle)
    assert len(problems) == 1


def test_a_two_carrier_cycle_is_a_cycle_not_a_self_parent():
    frame = to_wgs84(
        carriers(
            {"id": "a", "geometry": square(0, 0, 10), "parent_id": "b"},
            {"id": "b", "geometry": square(1, 1, 2), "parent_id": "a"},
        )
    )
    assert [p.what for p in validate_carriers(frame)] == ["parent_id forms a cycle (a → b → a)"]


def test_whole_numbers_may_come_as_text_or_floats():
    frame = sound_carriers()
    frame = with_values(frame, "floor_area_existing_m2", ["1,200,000", 35.0, None])
    frame = with_values(frame, "planned_year", [None, " ", "2027"])
    assert validate_carriers(frame, zone_ids=ZONE_IDS) == []


ZONE_CASES = {
    "missing field": (_drop("type"), "columns", "the required field 'type' is missing", "字段"),
    "empty type": (_set("type", 1, None), "row 2 (id 'L'), field 'type'", "is empty", "第 2 行（id 'L'）"),
    "reserved type": (_set("type", 1, "status"), "row 2 (id 'L'), field 'type'", "'status' is reserved", "第 2 行"),
    "text in the declared figure": (
        _set("declared_floor_area_m2", 0, "550万"),
        "row 1 (id 'A'), field 'declared_floor_area_m2'",
        "'550万' is not a whole number",
        "第 1 行",
    ),
    "duplicate id": (_set("id", 1, "A"), "id 'A'", "is used by more than one row (rows 1, 2)", "id 'A'"),
    "unknown source": (_set("source_ids", 1, "s404"), "row 2 (id 'L'), field 'source_ids'", "s404", "第 2 行"),
    "point geometry": (
        _geom(0, lambda f: shapely.Point(near(f))),
        "row 1 (id 'A'), geometry",
        "is a Point, not a polygon",
        "第 1 行（id 'A'），几何",
    ),
    "invalid geometry": (_geom(1, bowtie), "row 2 (id 'L'), geometry", "is invalid", "第 2 行"),
    "missing CRS": (
        lambda f: f.set_crs(None, allow_override=True),
        "CRS",
        "declares no coordinate reference",
        "坐标系",
    ),
}


@pytest.mark.parametrize("case", ZONE_CASES, ids=list(ZONE_CASES))
def test_each_zone_problem_is_named_explained_and_fixable(case):
    breaks, where, what, where_zh = ZONE_CASES[case]
    problem = only(validate_zones(breaks(sound_zones()), source_ids={"s001"}), what)
    assert problem.where == where
    assert problem.where_zh.startswith(where_zh)
    assert_well_formed(problem)


def test_a_frame_without_geometry_is_refused():
    plain = pd.DataFrame(sound_zones().drop(columns="geometry"))
    problem = only(validate_zones(plain), "has no geometry")
    assert_well_formed(problem)


# --- coordinates that are not degrees ----------------------------------------------------------------


def test_projected_metres_labelled_wgs84_are_refused_as_not_degrees():
    metres = carriers(
        {"id": "a", "geometry": square(0, 0, 10)},
        {"id": "b", "geometry": square(20, 0, 10)},
    ).set_crs(4326, allow_override=True)
    problem = only(validate_carriers(metres), "not degrees")
    assert problem.where == "coordinates of row 1 (id 'a'); row 2 (id 'b')"
    assert "637030" in problem.what  # the largest x, so the user recognises their numbers
    assert "EPSG:4549" in problem.fix
    assert "经纬度" in problem.what_zh
    assert_well_formed(problem)


def test_a_geojson_in_metres_claiming_wgs84_is_refused_with_a_message_about_degrees(tmp_path):
    path = tmp_path / "carriers.geojson"
    metres = carriers({"id": "a", "geometry": square(0, 0, 10), "floor_area_existing_m2": 5})
    # RFC 7946 GeoJSON has no CRS member: without one, whatever the numbers, the file claims WGS-84.
    document = json.loads(metres.to_json())
    del document["crs"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_dataset(path, context=False)
    report = caught.value.report("en")
    assert "not degrees" in report
    assert "EPSG:4549" in report  # the way out: the projected CRS the numbers fit


def test_a_reader_refusal_keeps_its_chinese(tmp_path):
    path = tmp_path / "carriers.geojson"
    document = json.loads(carriers({"id": "a", "geometry": square(0, 0, 10)}).to_json())
    del document["crs"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_dataset(path, context=False)
    assert "不是度数" in caught.value.report("zh")


# --- several problems at once; nothing partial --------------------------------------------------------


def broken_carriers() -> gpd.GeoDataFrame:
    """Five things wrong in one file."""
    frame = sound_carriers().drop(columns="kind")
    frame = with_values(frame, "id", ["park", "tower", "park"])
    frame = with_values(frame, "status", ["existing", "built", "planned"])
    frame = with_values(frame, "parent_id", [None, "campus", None])
    return with_geometry(frame, 2, shapely.Point(near(frame)))


BROKEN_WHATS = (
    "the required field 'kind' is missing",
    "is used by more than one row (rows 1, 3)",
    "'built' is not a known status",
    "names an unknown parent 'campus'",
    "is a Point, not a polygon",
)


def test_every_problem_in_a_file_is_reported_at_once():
    problems = validate_carriers(broken_carriers(), zone_ids=ZONE_IDS)
    for what in BROKEN_WHATS:
        assert_well_formed(only(problems, what))
    assert len(problems) == len(BROKEN_WHATS)


def test_load_dataset_refuses_a_bad_frame_whole():
    with pytest.raises(DataError) as caught:
        load_dataset(broken_carriers(), sound_zones(), context=False)
    report = str(caught.value)
    assert report.startswith("carriers + zones: 5 problem(s) found; nothing was loaded")
    for what in BROKEN_WHATS:
        assert what in report
    assert all(p.where.startswith("carriers ") for p in caught.value.problems)


def test_load_dataset_reports_both_files_together():
    bad_zones = with_values(sound_zones(), "type", ["pole", None])
    with pytest.raises(DataError) as caught:
        load_dataset(broken_carriers(), bad_zones, context=False)
    wheres = [p.where for p in caught.value.problems]
    assert "zones row 2 (id 'L'), field 'type'" in wheres
    assert sum(w.startswith("carriers ") for w in wheres) == len(BROKEN_WHATS)


def test_load_dataset_refuses_a_bad_file_and_returns_nothing(tmp_path):
    path = tmp_path / "carriers.geojson"
    frame = sound_carriers().drop(columns="kind")
    frame = with_values(frame, "id", ["park", "tower", "park"])
    frame = with_values(frame, "parent_id", [None, "campus", None])
    path.write_text(frame.to_json(), encoding="utf-8")
    result = None
    with pytest.raises(DataError) as caught:
        result = load_dataset(path, sound_zones(), context=False)
    assert result is None
    report = str(caught.value)
    assert report.startswith(f"{path} + zones: 3 problem(s) found; nothing was loaded")
    for what in BROKEN_WHATS[:2] + BROKEN_WHATS[3:4]:
        assert what in report


def _write_with_geometry(path: Path, position: int, geom: shapely.Geometry) -> Path:
    document = json.loads(sound_carriers().to_json(drop_id=True))
    document["features"][position]["geometry"] = shapely.geometry.mapping(geom)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_file_with_a_point_among_polygons_is_refused_not_loaded_without_it(tmp_path):
    point = shapely.Point(near(sound_carriers()))
    path = _write_with_geometry(tmp_path / "carriers.geojson", 2, point)
    with pytest.raises(DataError) as caught:
        load_dataset(path, sound_zones(), context=False)
    assert "row 3 (id 'town')" in str(caught.value)


def test_a_file_with_an_invalid_outline_is_refused(tmp_path):
    path = _write_with_geometry(tmp_path / "carriers.geojson", 0, bowtie(sound_carriers()))
    with pytest.raises(DataError) as caught:
        load_dataset(path, sound_zones(), context=False)
    assert "row 1 (id 'park'), geometry: is invalid" in str(caught.value)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(DataError, match="does not exist or is not a file"):
        load_dataset(tmp_path / "nope.geojson", context=False)


def test_a_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


# --- both languages ----------------------------------------------------------------------------------


def test_a_report_renders_in_english_and_chinese():
    error = DataError("carriers.geojson", validate_carriers(broken_carriers(), zone_ids=ZONE_IDS))
    en, zh = error.report("en"), error.report("zh")
    assert str(error) == en
    assert en.splitlines()[0] == (
        "carriers.geojson: 5 problem(s) found; nothing was loaded. Fix each and load the file again."
    )
    assert zh.splitlines()[0].startswith("carriers.geojson：发现 5 个问题，未载入任何数据。")
    assert len(en.splitlines()) == len(zh.splitlines()) == 6
    for line in zh.splitlines()[1:]:
        assert line.startswith(("  - 第 ", "  - 字段", "  - id"))
        assert "——" in line  # every problem says how to fix it
    assert "缺少必填字段“类型”（kind）" in zh  # the field as a planner names it, its code beside it
    assert "'built' 不是可识别的状态" in zh
    assert "指向不存在的母载体 'campus'" in zh
    assert not CJK.search(en)


def test_load_dataset_reports_in_chinese_too():
    with pytest.raises(DataError) as caught:
        load_dataset(broken_carriers(), sound_zones(), context=False)
    for line in caught.value.report("zh").splitlines()[1:]:
        assert line.startswith("  - 载体文件 "), line
        assert CJK.search(line.split("：", 1)[1]), line


def test_problems_keep_their_positional_form_and_fall_back_to_english():
    problem = Problem("row 1", "is odd", "make it even")
    assert str(problem) == "row 1: is odd — make it even"
    assert problem.render("zh") == "row 1：is odd —— make it even"
    assert str(Problem("file", "is empty")) == "file: is empty"


def test_problems_placed_in_a_file_keep_both_languages():
    (problem,) = in_file(validate_zones(with_values(sound_zones(), "type", ["pole", None])), "zones")
    assert problem.where == "zones row 2 (id 'L'), field 'type'"
    assert problem.where_zh == "片区文件 第 2 行（id 'L'），字段 'type'"
    assert (problem.what, problem.what_zh) == ("is empty", "为空")


@pytest.mark.parametrize(
    "problem",
    [
        missing_file_problem(),
        unreadable_file_problem("bad byte 0xff", csv=True),
        missing_columns_problem(["quote"], ["id", "quote"]),
        duplicate_id_problem("s1", [2, 5]),
        refused_row_problem(4, "x", "Point is not a polygon", "点不是多边形"),
        refused_row_problem(4, None, "invalid polygon repaired", "无效多边形已修复", action="repaired"),
    ],
    ids=["missing file", "unreadable csv", "missing columns", "duplicate id", "refused row", "repaired row"],
)
def test_loader_problems_are_bilingual_with_a_fix(problem):
    assert_well_formed(problem)


def test_a_reader_error_renders_its_own_message_in_either_language():
    from geo.io.reader import ReadError  # noqa: PLC0415 - the reader is optional for everything else here

    error = ReadError(source="x.zip", code="refused-zip", message_en="the zip is unsafe", message_zh="压缩包不安全")
    assert error.report("zh") == "x.zip：压缩包不安全"
    assert error.report("en") == "x.zip: the zip is unsafe"


def test_a_written_geojson_round_trips_the_fixture(tmp_path):
    """The file fixtures above are what a GIS writes: RFC 7946 without a CRS member."""
    path = tmp_path / "c.geojson"
    path.write_text(sound_carriers().to_json(drop_id=True), encoding="utf-8")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 3


# --- input hashes of frames -------------------------------------------------------------------------


def test_a_frame_is_hashed_by_its_content():
    """The stamp's input hash of a frame: the same features give the same hash, any change another."""
    frame = sound_carriers()
    same = load_dataset(sound_carriers(), sound_zones(), context=False).hashes["carriers"]
    assert same == frame_hash(frame) == frame_hash(frame.copy())
    unknown = frame.copy()
    unknown.loc[0, "floor_area_existing_m2"] = pd.NA
    zero = frame.copy()
    zero.loc[0, "floor_area_existing_m2"] = 0
    moved = frame.copy()
    moved.geometry = moved.geometry.translate(1e-7, 0)
    reordered = frame.iloc[::-1]
    hashes = {frame_hash(f) for f in (frame, unknown, zero, moved, reordered, frame.to_crs(4549))}
    assert len(hashes) == 6


# --- the numeric screen agrees with the cell-by-cell check ---------------------------------------------

cell_values = st.one_of(
    st.none(),
    st.integers(-5, 3_000),
    st.sampled_from([1899, 1900, 2100, 2101, 10**12, 10**12 + 1, 2**53 + 1]),
    st.floats(-10, 3_000),
    st.just(float("nan")),
)


@settings(max_examples=60, deadline=None)
@given(columns=st.lists(st.lists(cell_values, min_size=3, max_size=3), min_size=3, max_size=3))
def test_numeric_columns_are_judged_as_each_cell_alone_would_be(columns):
    """Numeric columns, typed or as objects, screened with numpy first, give exactly the problems (and
    the normalized frame) of the cell-by-cell check of every cell."""
    typed = sound_carriers()
    for name, values in zip(("floor_area_existing_m2", "planned_year", "geometry_accuracy_m"), columns, strict=True):
        if all(v is None or float(v).is_integer() for v in values):
            typed[name] = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        else:
            typed[name] = pd.array([None if v is None else float(v) for v in values], dtype="float64")
    cells = typed.astype(dict.fromkeys(("floor_area_existing_m2", "planned_year", "geometry_accuracy_m"), object))
    # The cell-by-cell check of every cell: the frozen validation with its screens turned off.
    with (
        patch.object(schema_oracle, "_cells_to_check", lambda _spec, column: range(len(column))),
        patch.object(schema_oracle, "_holds_plain_numbers", lambda _column: False),
    ):
        expected = [p.render("en") for p in schema_oracle.validate_carriers(cells)]
        reference = None if expected else schema_oracle.normalize_carriers(cells)
    for frame in (typed, cells):
        assert [p.render("en") for p in validate_carriers(frame)] == expected
        if reference is not None:
            pd.testing.assert_frame_equal(normalize_carriers(frame), reference)


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_text_is_normalized_the_same_whatever_its_dtype(dtype):
    frame = sound_carriers()
    frame["name_en"] = pd.Series([" Park ", "", None], dtype=dtype)
    frame["kind"] = pd.Series(["park", " tower", "town "], dtype=dtype)
    frame["zone_ids"] = pd.Series(["A;L", 12, None], dtype=object)  # not all text: cell by cell
    normalized = normalize_carriers(frame)
    assert normalized["name_en"].tolist() == ["Park", None, None]
    assert normalized["kind"].tolist() == ["park", "tower", "town"]
    assert normalized["zone_ids"].tolist() == ["A;L", "12", None]
    assert {normalized[c].dtype for c in ("name_en", "kind", "zone_ids")} == {np.dtype(object)}


def test_problems_and_errors_read_as_one_bilingual_text() -> None:
    from geo.schema import DataError, Problem  # noqa: PLC0415
    from geo.text import Text  # noqa: PLC0415

    problem = Problem.of(Text("第 1 行", "row 1"), Text("为空", "is empty"), Text("请填写", "fill it in"))
    assert problem.where_text == Text("第 1 行", "row 1")
    assert problem.render("zh") == "第 1 行：为空 —— 请填写"
    legacy = Problem("row 2", "is empty")  # an English-only problem reads the same in both
    assert legacy.what_text == Text("is empty", "is empty")
    error = DataError("f.geojson", [problem], message_en="refused", message_zh="拒绝")
    assert error.message == Text("拒绝", "refused")
    assert error.report("zh").splitlines()[0] == "f.geojson：拒绝"
    assert DataError("f.geojson", [problem]).message is None


# --- the vectorised cell checks read every cell as the cell-by-cell rules do ------------------------

ODD_CELLS = [
    None,
    np.nan,
    np.float32("nan"),
    pd.NA,
    pd.NaT,
    "",
    "  ",
    " existing ",
    "planned",
    "Existing",
    0,
    1.5,
    True,
    np.int64(7),
    "a; b;;",
    " ; ",
    "a;z9",
    b"bytes",
]


@given(st.lists(st.sampled_from(ODD_CELLS), max_size=30))
@settings(max_examples=200, deadline=None)
def test_missing_cells_are_found_as_is_missing_finds_them(cells):
    column = pd.Series(cells, dtype=object)
    assert geo.schema._missing_mask(column).tolist() == [geo.schema._is_missing(v) for v in cells]


@given(st.lists(st.sampled_from(ODD_CELLS), max_size=30))
@settings(max_examples=200, deadline=None)
def test_unknown_references_are_split_as_split_ids_splits_them(cells):
    known = {"a", "b", "planned"}
    expected = []
    for position, value in enumerate(cells):
        unknown = [z for z in geo.schema.split_ids(value) if z not in known]
        if unknown:
            expected.append((position, unknown))
    assert geo.schema._unknown_refs(pd.Series(cells, dtype=object), known) == expected


@given(st.lists(st.sampled_from(ODD_CELLS), min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_status_and_ids_are_checked_cell_by_cell_alike(cells):
    frame = pd.DataFrame({"status": pd.Series(cells, dtype=object), "id": pd.Series(cells, dtype=object)})
    problems: list = []
    geo.schema._check_status(frame, problems)
    expected = [
        position
        for position, value in enumerate(cells)
        if not (geo.schema._is_missing(value) or str(value).strip() == "")
        and str(value).strip() not in geo.schema.STATUSES
    ]
    assert [p.where.split(",")[0] for p in problems] == [
        geo.schema._row_label(frame, position)[0] for position in expected
    ]
    ids = geo.schema._id_texts(frame["id"]).tolist()
    assert ids == [None if geo.schema._is_missing(v) else str(v).strip() for v in cells]


# --- validated once: layers read with their role are not checked again in full -------------------------


def test_checked_layers_get_only_the_zone_references_checked_again(monkeypatch):
    """The page reads an upload with its role (checked alone), then with_layers checks what needs both layers."""
    from geo import data  # noqa: PLC0415

    base = load_dataset()
    bad_refs = with_values(sound_carriers(), "zone_ids", ["A;nowhere", "A", None])
    with pytest.raises(DataError) as full:
        data.with_layers(base, carriers=bad_refs, zones=sound_zones())
    calls = []
    monkeypatch.setattr(data, "validate_carriers", lambda *a, **k: calls.append("carriers") or [])
    monkeypatch.setattr(data, "validate_zones", lambda *a, **k: calls.append("zones") or [])
    with pytest.raises(DataError) as once:
        data.with_layers(base, carriers=bad_refs, zones=sound_zones(), checked={"carriers", "zones"})
    assert [str(p) for p in once.value.problems] == [str(p) for p in full.value.problems]
    assert "nowhere" in str(only(once.value.problems, "unknown zone"))
    assert calls == []  # neither layer is checked again in full
    good = data.with_layers(base, carriers=sound_carriers(), zones=sound_zones(), checked={"carriers", "zones"})
    assert list(good.carriers["id"]) == ["park", "tower", "town"]
    # Adding to the base's layer checks everything again (ids must be unique across both).
    data.with_layers(base, zones=sound_zones(), how="add", checked={"zones"})
    assert calls == ["zones", "carriers"]
