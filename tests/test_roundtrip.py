"""Round trip: what the tool exports, uploaded again as a planner would, gives the same summary (issue 9).

Each layer export is read back through :func:`geo.io.reader.read` with the column mapping the page
suggests (:func:`geo.io.reader.suggest_mapping`: a Shapefile's 10-character codes map back to the
contract without any help), validated like any upload, and summed: every figure of every grouping
and mode must be identical. The summary tables (CSV, XLSX) read back to the same figures.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from geo.data import Dataset, load_dataset
from geo.io import export, reader
from geo.rollup import summarize

FIGURES = ["group_id", "existing_m2", "planned_m2", "total_m2", "unknown_count", "unknown_ids", "member_count"]
GROUPINGS = [("pole", "declared"), ("belt", "area"), ("pole", "largest"), ("status", "declared")]


@pytest.fixture(scope="module")
def bundled() -> Dataset:
    return load_dataset(context=False)


@pytest.fixture(scope="module")
def stamp() -> dict[str, str]:
    return export.make_stamp(input_hashes={}, by="pole", mode="declared", year=None, crs="EPSG:4549")


def _upload(data: bytes, filename: str, role: str, layer: str | None) -> gpd.GeoDataFrame:
    """Read ``data`` the way the page does: inspect, take the suggested mapping, read the layer."""
    inspection = reader.inspect(data, filename)
    info = inspection.layer(layer)
    mapping = reader.suggest_mapping(info.columns, role)  # type: ignore[arg-type]
    columns = {c: f for c, f in mapping.items() if c != f}
    result = reader.read(data, filename, layer=info.name, columns=columns or None, role=role)  # type: ignore[arg-type]
    assert not result.problems, [str(p) for p in result.problems]
    return result.frame


def _layer_of(names: list[str], role: str) -> str:
    return next(n for n in names if n == role or n.endswith(f"/ {role}"))


EXPORTS: dict[str, tuple[str, Callable[[Dataset, dict[str, str]], dict[str, bytes]]]] = {
    "shapefile zip": (
        "x.zip",
        lambda d, s: dict.fromkeys(("carriers", "zones"), export.shapefile_zip(d.carriers, d.zones, s)),
    ),
    "geopackage": (
        "x.gpkg",
        lambda d, s: dict.fromkeys(("carriers", "zones"), export.geopackage(d.carriers, d.zones, {}, s)),
    ),
    "kml": ("x.kml", lambda d, s: dict.fromkeys(("carriers", "zones"), export.kml(d.carriers, d.zones, s))),
    "geojson": (
        "x.geojson",
        lambda d, s: {
            "carriers": export.layer_geojson(d.carriers, s, layer="carriers"),
            "zones": export.layer_geojson(d.zones, s, layer="zones"),
        },
    ),
}


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_every_layer_export_round_trips_to_an_identical_summary(
    kind: str, bundled: Dataset, stamp: dict[str, str]
) -> None:
    filename, build = EXPORTS[kind]
    files = build(bundled, stamp)
    frames = {}
    for role, data in files.items():
        names = [layer.name for layer in reader.inspect(data, filename).layers]
        layer = _layer_of(names, role) if len(names) > 1 else None
        frames[role] = _upload(data, filename, role, layer)
    # Sources are not checked: a DBF text field holds 254 bytes, and the Shapefile README lists the
    # source lists it had to cut (the other formats hold them in full).
    again = load_dataset(frames["carriers"], frames["zones"], context=False)
    assert again.carriers["id"].tolist() == bundled.carriers["id"].tolist()
    for by, mode in GROUPINGS:
        before = summarize(bundled.carriers, bundled.zones, by=by, mode=mode)
        after = summarize(again.carriers, again.zones, by=by, mode=mode)
        pd.testing.assert_frame_equal(after[FIGURES], before[FIGURES], check_dtype=False, obj=f"{kind} {by} {mode}")
        assert (after["land_m2"] - before["land_m2"]).abs().max() <= 1, (kind, by, mode)  # 7-decimal coordinates


def test_the_shapefile_codes_map_back_without_help(bundled: Dataset, stamp: dict[str, str]) -> None:
    data = export.shapefile_zip(bundled.carriers, bundled.zones, stamp)
    info = reader.inspect(data, "x.zip").layer("carriers")
    mapping = reader.suggest_mapping(info.columns, "carriers")
    assert set(mapping.values()) == set(export.field_codes("carriers"))
    assert mapping["EXIST_M2"] == "floor_area_existing_m2"
    assert mapping["PLAN_YR"] == "planned_year"
    zones = reader.suggest_mapping(reader.inspect(data, "x.zip").layer("zones").columns, "zones")
    assert zones["DECL_M2"] == "declared_floor_area_m2"


def test_summary_csv_and_xlsx_read_back_to_the_same_figures(bundled: Dataset, stamp: dict[str, str]) -> None:
    table = summarize(bundled.carriers, bundled.zones, by="belt", mode="area")
    from_csv = pd.read_csv(io.BytesIO(export.summary_csv(table)), keep_default_na=False, na_values=[""])
    book = openpyxl.load_workbook(io.BytesIO(export.summary_xlsx({"belt": table}, stamp, lang="en")))
    rows = list(book["belt"].iter_rows(values_only=True))
    from_xlsx = pd.DataFrame(rows[1:], columns=list(table.columns))
    for read in (from_csv, from_xlsx):
        for column in ("existing_m2", "planned_m2", "total_m2", "unknown_count", "member_count", "land_m2"):
            assert [int(v) for v in read[column]] == [int(v) for v in table[column]], column
        assert [None if pd.isna(v) else round(float(v), 2) for v in read["far"]] == [
            None if pd.isna(v) else round(float(v), 2) for v in table["far"]
        ]
        assert read["group_id"].tolist() == table["group_id"].tolist()
