"""Tranches, targets and the timeline leave the tool in every format: GeoPackage tables, XLSX sheets, and the
flat form (two columns + CSV beside them) for single-table formats."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pyogrio
import pytest

from geo.data import load_dataset
from geo.io import export
from geo.io.figures import add_to_geopackage, add_to_zip, figure_csv_files, figures_xlsx, with_flat_columns
from geo.timeline import bundled_figure_paths, load_figures, timeline
from geo.tranches import load_table


@pytest.fixture(scope="module")
def bundled():
    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    return data, load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)


@pytest.fixture(scope="module")
def stamp():
    return export.make_stamp(input_hashes={}, by="pole", mode="declared", year=None, crs="EPSG:4549")


def test_geopackage_holds_the_tables_and_they_read_back(tmp_path, bundled, stamp):
    data, figures = bundled
    gpkg = add_to_geopackage(export.geopackage(data.carriers, data.zones, {}, stamp), figures)
    path = tmp_path / "out.gpkg"
    path.write_bytes(gpkg)
    layers = dict(pyogrio.list_layers(path).tolist())
    assert {"carriers", "zones", "tranches", "targets"} <= set(layers)
    assert layers["tranches"] is None  # an attribute table, no geometry
    again = load_figures(
        data.carriers,
        data.zones,
        tranches=load_table(path, table="tranches"),
        targets=load_table(path, table="targets"),
    )
    pd.testing.assert_frame_equal(again.tranches, figures.tranches)
    pd.testing.assert_frame_equal(again.targets, figures.targets)


def test_xlsx_has_one_sheet_per_table_with_bilingual_headers(bundled, stamp):
    data, figures = bundled
    line = timeline(data.carriers, data.zones, figures=figures, years=[2025])
    book = openpyxl.load_workbook(
        io.BytesIO(figures_xlsx({"tranches": figures.tranches, "targets": figures.targets, "timeline": line}, stamp))
    )
    assert book.sheetnames == ["tranches", "targets", "timeline", "metadata"]
    header = [c.value for c in book["tranches"][1]]
    assert "阶段 phase" in header
    assert "建筑面积 floor area (m²)" in header
    cells = {c.value for row in book["tranches"].iter_rows(min_row=2) for c in row}
    assert 5_500_000 in cells
    assert book["timeline"].max_row == 1 + 4


def test_single_table_formats_carry_the_flat_form_and_the_csvs(bundled, stamp):
    data, figures = bundled
    flat = with_flat_columns(data.carriers, figures).set_index("id")
    assert flat.at["caohejing", "floor_area_existing_m2"] == 5_500_000
    assert flat.at["beiyang", "opened_year"] == 2024
    assert pd.isna(flat.at["westbund_valley", "floor_area_existing_m2"])
    archive = add_to_zip(export.shapefile_zip(data.carriers, data.zones, stamp), figures, stamp)
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert {"tranches.csv", "targets.csv"} <= set(names)
    text = zipfile.ZipFile(io.BytesIO(archive)).read("targets.csv")
    assert text.startswith(b"\xef\xbb\xbf")
    targets = pd.read_csv(io.BytesIO(text))  # no options: the header is on line 1
    assert set(targets["id"]) == set(figures.targets["id"])
    # Each table's stamp travels beside it, as in every CSV the tool hands out.
    for name in ("tranches.csv", "targets.csv"):
        metadata = zipfile.ZipFile(io.BytesIO(archive)).read(export.csv_metadata_name(name))
        assert export.stamp_of_csv_metadata(metadata) == stamp


def test_csv_keeps_unknown_empty(bundled, stamp):
    _, figures = bundled
    table = pd.read_csv(io.BytesIO(figure_csv_files(figures, stamp)["tranches.csv"]))
    valley = table[table["carrier_id"] == "westbund_valley"]
    assert valley["floor_area_m2"].isna().all()  # unknown stays empty, never 0


def test_an_exported_tranches_csv_reads_back_as_tranches(tmp_path, bundled, stamp):
    data, figures = bundled
    path = tmp_path / "tranches.csv"
    path.write_bytes(figure_csv_files(figures, stamp)["tranches.csv"])
    again = load_figures(data.carriers, data.zones, tranches=path)
    pd.testing.assert_frame_equal(again.tranches, figures.tranches)
