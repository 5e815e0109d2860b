"""The vectorised validation finds what the cell-by-cell one found: the same problems, row for row.

Issue 13 asked for validation at array speed with every check and every message unchanged. The
oracle is the validation as it was (``tests/schema_oracle.py``, a frozen copy of ``geo/schema.py``
before the change). Random frames with random defects (every dtype a file may give a column: pandas'
text, Python objects, Int64, floats; missing cells of every kind; blanks, odd whitespace, duplicate and
reserved ids, unknown statuses and references, parent cycles, numbers as text, broken outlines, wrong
CRSs) and the reader's corpus are validated and normalized by both, and must agree exactly.
"""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import schema_oracle
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import schema
from geo.data import SEEDS_DIR

ZONE_IDS = {"A", "L", " B"}
SOURCE_IDS = {"s1", "s2"}

_TEXT = [
    None,
    math.nan,
    pd.NA,
    "",
    "  ",
    "\u3000",
    "\x1c",
    "a",
    " a ",
    "A",
    "L",
    "A; L",
    "A;;L ;",
    "A;nowhere",
    " ; ",
    "s1;s3",
    "existing",
    " planned ",
    "Existing",
    "status",
    "__outside__",
    "__total__",
    "楼宇",
    "b\xa0",
]
_ODD = [0, 7, 1.5, True, np.int64(3), np.float32("nan"), pd.NaT, b"bytes"]
_INT = [
    None,
    math.nan,
    pd.NA,
    0,
    5,
    -3,
    1899,
    1900,
    2024,
    2100,
    2101,
    10**12,
    10**12 + 1,
    2**53 + 1,
    2.0,
    2.5,
    -0.0,
    2024.0,
    math.inf,
]
_INT_TEXT = ["12", " 1,000 ", "1_000", "-5", "1.0", "1e3", "abc", "", " ", "٣", "2024", "007", "99999999999999999"]
_INT_ODD = [True, np.int64(7), np.float32(3), np.float64(2.0), pd.NaT, np.float32("nan")]

text_cell = st.one_of(st.sampled_from(_TEXT), st.text(alphabet="aAL; s1_,\u3000\xa0", max_size=5))
int_cell = st.one_of(st.sampled_from(_INT), st.integers(-10, 3_000), st.sampled_from(_INT_TEXT))
odd_cell = st.sampled_from(_ODD + _INT_ODD)

D = 1e-4  # a square's side in degrees
_GEOMS = {
    "square": lambda i: shapely.box(121.4 + i * D, 31.1, 121.4 + (i + 0.5) * D, 31.1 + 0.5 * D),
    "none": lambda _i: None,
    "empty": lambda _i: shapely.Polygon(),
    "point": lambda i: shapely.Point(121.4 + i * D, 31.1),
    "bowtie": lambda i: shapely.Polygon([(121.4 + i * D, 31.1), (121.5, 31.2), (121.5, 31.1), (121.4, 31.2)]),
    "metres": lambda i: shapely.box(350_000 + i, 3_440_000, 350_010 + i, 3_440_010),
    "multi": lambda i: shapely.MultiPolygon([shapely.box(121.4 + i * D, 31.1, 121.4 + (i + 0.5) * D, 31.1 + D)]),
}


def _gap(cell: object) -> bool:
    return cell is None or cell is pd.NA or (isinstance(cell, float) and math.isnan(cell))


def _typed(cells: list[object], kind: str, mode: str) -> pd.Series:
    """``cells`` as a column of one of the dtypes a reader may give (objects when they do not fit it)."""
    present = [c for c in cells if not _gap(c)]
    if mode in ("typed", "python-string", "arrow-na") and all(type(c) is str for c in present):
        dtype = {"typed": "str", "python-string": "string[python]", "arrow-na": "string[pyarrow]"}[mode]
        return pd.Series([None if _gap(c) else c for c in cells], dtype=dtype)
    if mode == "typed" and kind == "int" and all(type(c) is int and abs(c) < 2**62 for c in present):
        return pd.Series([None if _gap(c) else c for c in cells], dtype="Int64")
    if mode == "typed" and kind == "int" and all(type(c) in (int, float) for c in present):
        return pd.Series([math.nan if _gap(c) else float(c) for c in cells], dtype="float64")
    return pd.Series(cells, dtype=object)


@st.composite
def frames(draw: st.DrawFn, fields: tuple[schema.Field, ...]) -> gpd.GeoDataFrame:
    """A frame of 0–14 rows with ``fields`` (some may be left out), random cells, dtypes and outlines."""
    rows = draw(st.integers(0, 14))
    data: dict[str, pd.Series] = {}
    ids = [f"c{i}" for i in range(rows)]
    for spec in fields:
        if draw(st.integers(0, 30)) == 0:
            continue  # a column left out
        if spec.name == "id" and draw(st.booleans()):
            cells: list[object] = [draw(st.sampled_from([*ids[:3], " c1", "c2 ", "", None, "__total__"])) for _ in ids]
            if draw(st.booleans()):
                cells = sorted(ids) if draw(st.booleans()) else ids
        elif spec.name == "parent_id" and draw(st.booleans()):
            cells = [draw(st.sampled_from([None, None, *ids[:4], "nobody", " c0 ", ""])) for _ in ids]
        else:
            base = int_cell if spec.kind == "int" else text_cell
            cell = st.one_of(base, odd_cell) if draw(st.integers(0, 4)) == 0 else base
            cells = [draw(cell) for _ in ids]
        mode = draw(st.sampled_from(["object", "typed", "typed", "python-string", "arrow-na"]))
        data[spec.name] = _typed(cells, spec.kind, mode)
    kinds = st.sampled_from(["square"] * 6 + list(_GEOMS))
    geoms = [_GEOMS[draw(kinds)](i) for i in range(rows)]
    crs = draw(st.sampled_from([4326, 4326, 4326, 4490, 3857, None]))
    frame = gpd.GeoDataFrame(pd.DataFrame(data, index=range(rows)), geometry=gpd.GeoSeries(geoms), crs=crs)
    if draw(st.integers(0, 20)) == 0:
        return pd.DataFrame(frame.drop(columns="geometry"))  # no outlines at all
    return frame


def same(new: list[schema.Problem], old: list[object]) -> None:
    """The same problems in the same order, every field the same (where, what, fix, in both languages)."""
    assert [dataclasses.astuple(p) for p in new] == [dataclasses.astuple(p) for p in old]  # type: ignore[arg-type]


def same_normalized(frame: gpd.GeoDataFrame, normalize: str) -> None:
    new, old = getattr(schema, normalize)(frame), getattr(schema_oracle, normalize)(frame)
    pd.testing.assert_frame_equal(new, old)
    for column in new.columns:  # the same Python objects too (None, not NaN, for empty text)
        assert [type(v) for v in new[column]] == [type(v) for v in old[column]], column


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    frame=frames(schema.CARRIER_FIELDS),
    zone_ids=st.sampled_from([None, ZONE_IDS, set()]),
    source_ids=st.sampled_from([None, SOURCE_IDS]),
)
def test_carriers_get_the_problems_the_cell_by_cell_check_gave(frame, zone_ids, source_ids):
    old = schema_oracle.validate_carriers(frame, zone_ids=zone_ids, source_ids=source_ids)
    same(schema.validate_carriers(frame, zone_ids=zone_ids, source_ids=source_ids), old)
    if zone_ids is not None:
        same(schema.zone_ref_problems(frame, zone_ids), schema_oracle.zone_ref_problems(frame, zone_ids))
    if not old:
        same_normalized(frame, "normalize_carriers")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(frame=frames(schema.ZONE_FIELDS), source_ids=st.sampled_from([None, SOURCE_IDS]))
def test_zones_get_the_problems_the_cell_by_cell_check_gave(frame, source_ids):
    old = schema_oracle.validate_zones(frame, source_ids=source_ids)
    same(schema.validate_zones(frame, source_ids=source_ids), old)
    if not old:
        same_normalized(frame, "normalize_zones")


def _sound_carriers(rows: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``rows`` sound carriers in the reader's dtypes (text as pandas' text, figures as objects)."""
    existing = rng.integers(0, 50_000, rows).astype(object)
    existing[rng.random(rows) < 0.05] = None
    return gpd.GeoDataFrame(
        {
            "id": pd.Series([f"b{i:06d}" for i in range(rows)], dtype="str"),
            "name_zh": pd.Series([f"楼宇{i}" for i in range(rows)], dtype="str"),
            "name_en": pd.Series([f"Building {i}" for i in range(rows)], dtype="str"),
            "kind": pd.Series(["building"] * rows, dtype="str"),
            "parent_id": pd.Series([None] * rows, dtype=object),
            "zone_ids": pd.Series(rng.choice(np.array(["A", "L", "A;L", None], dtype=object), rows), dtype="str"),
            "floor_area_existing_m2": pd.Series(existing, dtype=object),
            "floor_area_planned_m2": pd.Series(rng.integers(0, 9_000, rows).astype(float)),
            "planned_year": pd.Series(rng.integers(2024, 2030, rows), dtype="Int64"),
            "opened_year": pd.Series([None] * rows, dtype=object),
            "status": pd.Series(rng.choice(np.array(schema.STATUSES), rows), dtype="str"),
            "geometry_accuracy_m": pd.Series([5] * rows, dtype=object),
            "source_ids": pd.Series([None] * rows, dtype=object),
        },
        geometry=[_GEOMS["square"](i % 500) for i in range(rows)],
        crs=4326,
    )


def test_a_large_frame_with_a_few_bad_rows_gets_the_same_problems():
    """Thousands of sound rows and a defect of every kind here and there: the screens let the sound rows
    pass and hand exactly the bad ones to the cell-by-cell check, with the same words."""
    rng = np.random.default_rng(13)
    frame = _sound_carriers(3_000, rng)
    assert schema.validate_carriers(frame, zone_ids=ZONE_IDS) == []
    same_normalized(frame, "normalize_carriers")
    bad = frame.copy()
    bad.loc[[5, 2_900], "id"] = "b000007"  # duplicates
    bad.loc[17, "id"] = "__outside__"
    bad.loc[40, "name_zh"] = "  "
    bad.loc[41, "status"] = "done"
    bad.loc[[42, 43], "zone_ids"] = ["A;nowhere", " ;X"]
    bad.loc[44, "parent_id"] = "b000045"
    bad.loc[45, "parent_id"] = "b000044"
    bad.loc[46, "parent_id"] = "b000046"
    bad.loc[47, "parent_id"] = "nobody"
    bad["floor_area_existing_m2"] = bad["floor_area_existing_m2"].astype(object)
    bad.loc[50, "floor_area_existing_m2"] = -4
    bad.loc[51, "floor_area_existing_m2"] = "1,000"
    bad.loc[52, "floor_area_existing_m2"] = 2.5
    bad.loc[53, "floor_area_planned_m2"] = 10.0**13
    bad.loc[54, "planned_year"] = 1776
    bad.loc[55, "geometry_accuracy_m"] = None
    geoms = bad.geometry.to_numpy().copy()
    geoms[[60, 61]] = [None, _GEOMS["bowtie"](0)]
    bad = bad.set_geometry(gpd.GeoSeries(geoms, crs=4326))
    old = schema_oracle.validate_carriers(bad, zone_ids=ZONE_IDS, source_ids=SOURCE_IDS)
    assert len(old) >= 15
    same(schema.validate_carriers(bad, zone_ids=ZONE_IDS, source_ids=SOURCE_IDS), old)


def test_a_problem_in_every_row_is_placed_as_one_in_a_few_rows_is():
    """Past a few hundred problems the rows' ids are read at once to name them: the same words."""
    rng = np.random.default_rng(5)
    frame = _sound_carriers(1_200, rng)
    frame["id"] = pd.Series(rng.choice(np.array(["b1", " b2 ", "", None, "x'y"], dtype=object), 1_200), dtype=object)
    frame["zone_ids"] = pd.Series(["A;nowhere"] * 1_200, dtype="str")
    frame["status"] = pd.Series(["gone"] * 1_200, dtype="str")
    old = schema_oracle.validate_carriers(frame, zone_ids=ZONE_IDS)
    assert len(old) > 2_400
    same(schema.validate_carriers(frame, zone_ids=ZONE_IDS), old)


def test_text_figures_are_read_as_the_cell_check_reads_them():
    """Figures given as text (a CSV, a spreadsheet): plain digits at Arrow speed, the rest one by one."""
    rng = np.random.default_rng(7)
    frame = _sound_carriers(500, rng)
    for name in ("floor_area_existing_m2", "planned_year", "geometry_accuracy_m"):
        values = frame[name].astype(object).where(frame[name].notna(), None)
        frame[name] = pd.Series([None if v is None else f" {int(v):,} " for v in values], dtype="str")
    same_normalized(frame, "normalize_carriers")
    frame.loc[[3, 9], "floor_area_existing_m2"] = ["12.0", "-1"]
    frame.loc[4, "planned_year"] = "20_24"
    frame.loc[5, "geometry_accuracy_m"] = "x"
    old = schema_oracle.validate_carriers(frame)
    assert len(old) == 2  # "-1" and "x"; "12.0" and "20_24" are whole numbers
    same(schema.validate_carriers(frame), old)
    frame.loc[9, "floor_area_existing_m2"] = "1"
    frame.loc[[5, 9], "geometry_accuracy_m"] = "99999999999999999"  # more digits than a float holds exactly
    assert schema_oracle.validate_carriers(frame) == []
    same_normalized(frame, "normalize_carriers")


# --- the corpus: the seeds and every file of the reader's corpus --------------------------------------


def test_the_bundled_seeds_get_the_same_problems():
    carriers = gpd.read_file(SEEDS_DIR / "carriers.geojson", engine="pyogrio")
    zones = gpd.read_file(SEEDS_DIR / "zones.geojson", engine="pyogrio")
    zone_ids = {str(z).strip() for z in zones["id"]}
    sources = set(pd.read_csv(SEEDS_DIR / "sources.csv", dtype=str, keep_default_na=False)["id"])
    same(
        schema.validate_carriers(carriers, zone_ids=zone_ids, source_ids=sources),
        schema_oracle.validate_carriers(carriers, zone_ids=zone_ids, source_ids=sources),
    )
    same(schema.validate_zones(zones, source_ids=sources), schema_oracle.validate_zones(zones, source_ids=sources))
    same_normalized(carriers, "normalize_carriers")
    same_normalized(zones, "normalize_zones")


@pytest.fixture(scope="module")
def corpus_frames() -> dict[str, gpd.GeoDataFrame]:
    """The frames the reader makes of the corpus files it accepts (the slow, huge ones left out)."""
    import corpus  # noqa: PLC0415 - builds files in code; only this test needs it

    from geo.io import reader  # noqa: PLC0415

    out = {}
    for name, case in corpus.build().items():
        if case.slow or case.verdict not in ("ok", "repaired", "rejected-rows"):
            continue
        out[name] = reader.read(case.data, case.filename, **case.kwargs).frame
    return out


def test_every_corpus_file_gets_the_same_problems(corpus_frames):
    assert len(corpus_frames) > 20
    for name, frame in corpus_frames.items():
        for zone_ids in (None, ZONE_IDS):
            new = schema.validate_carriers(frame, zone_ids=zone_ids, source_ids=SOURCE_IDS)
            old = schema_oracle.validate_carriers(frame, zone_ids=zone_ids, source_ids=SOURCE_IDS)
            assert [dataclasses.astuple(p) for p in new] == [dataclasses.astuple(p) for p in old], name
        same(schema.validate_zones(frame), schema_oracle.validate_zones(frame))


def test_cells_read_for_the_check_are_reused_to_normalize_and_belong_to_one_frame():
    """load_dataset reads each column once: the readings validation made are the ones normalization uses."""
    frame = _sound_carriers(50, np.random.default_rng(1))
    cells = schema.FrameCells(frame)
    assert schema.validate_carriers(frame, zone_ids=ZONE_IDS, cells=cells) == []
    read = dict(cells.cells)
    assert {"id", "status", "floor_area_existing_m2", "zone_ids"} <= set(read)
    pd.testing.assert_frame_equal(schema.normalize_carriers(frame, cells=cells), schema.normalize_carriers(frame))
    assert all(cells.cells[name] is read[name] for name in read)  # nothing read again
    with pytest.raises(ValueError, match="another frame"):
        schema.normalize_carriers(frame.copy(), cells=cells)


def test_outlines_the_reader_checked_are_not_checked_again_and_problems_stay_the_same(tmp_path, monkeypatch):
    """A user's file: the reader's repair step ran shapely.is_valid on every outline (and a file with one it
    had to repair is refused), so load_dataset does not ask GEOS again; files it did not read still are."""
    from geo import data  # noqa: PLC0415

    carriers = _sound_carriers(40, np.random.default_rng(2))
    path = tmp_path / "carriers.geojson"
    carriers.to_file(path, driver="GeoJSON", engine="pyogrio")
    zones = gpd.GeoDataFrame(
        {"id": ["A", "L"], "name_zh": ["甲", "乙"], "name_en": ["A", "L"], "type": ["pole", "belt"]},
        geometry=[shapely.box(121.3, 31.0, 121.6, 31.3)] * 2,
        crs=4326,
    ).assign(layout="test", declared_floor_area_m2=None, source_ids=None, geometry_accuracy_m=10)
    zones_path = tmp_path / "zones.geojson"
    zones.to_file(zones_path, driver="GeoJSON", engine="pyogrio")
    sizes = []
    real = shapely.is_valid
    monkeypatch.setattr(shapely, "is_valid", lambda geoms, **kw: sizes.append(np.size(geoms)) or real(geoms, **kw))
    dataset = data.load_dataset(path, zones_path, context=False)
    assert len(dataset.carriers) == 40
    assert sizes == []  # neither file's outlines were checked again in this process
    frame = data.read_frame(path)
    assert schema.validate_carriers(frame) == schema_oracle.validate_carriers(frame) == []
    assert 40 in sizes  # a frame handed in is checked in full
    broken = frame.copy()
    broken.loc[3, "geometry"] = _GEOMS["bowtie"](0)
    same(schema.validate_carriers(broken), schema_oracle.validate_carriers(broken))
    assert "is invalid" in str(schema.validate_carriers(broken))
