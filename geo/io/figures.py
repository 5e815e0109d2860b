"""Exports of tranches, targets and the timeline, beside the layers :mod:`geo.io.export` writes.

How each format carries them (``docs/contract.md``):

* **GeoPackage** — the ``tranches`` and ``targets`` tables as attribute tables (no geometry) in the same
  file as the ``carriers`` and ``zones`` layers, linked by ``carrier_id`` / ``subject_id``
  (:func:`add_to_geopackage`);
* **XLSX** — one sheet each, headers in 中文 and English, a ``metadata`` sheet (:func:`figures_xlsx`);
* **GeoJSON, KML, Shapefile** — one table per file: the carriers carry the flat form of their tranches
  in their two columns (:func:`with_flat_columns`), and the tables travel as CSV beside them (in a
  Shapefile's zip: ``tranches.csv`` and ``targets.csv``, :func:`add_to_zip`);
* **CSV** — :func:`figures_csv` (UTF-8 with BOM, the stamp as ``#`` lines), also for the timeline.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.io import export
from geo.timeline import Figures
from geo.tranches import flat_columns

__all__ = ["HEADERS", "add_to_geopackage", "add_to_zip", "figures_csv", "figures_xlsx", "with_flat_columns"]

# Headers of the XLSX sheets (CSV and JSON keep the column ids): 中文 English (unit).
HEADERS: Mapping[str, str] = {
    "year": "年份 year",
    "built_m2": "已建成 built (m²)",
    "under_construction_m2": "在建 under construction (m²)",
    "planned_m2": "规划 planned (m²)",
    "target_m2": "目标 target (m²)",
    "gap_m2": "与目标差额 gap to target (m²)",
    "target_status": "目标状态 target status",
    "unknown_count": "未知数 unknown (count)",
    "unknown_ids": "未知成员 unknown ids",
    "undated_ids": "年份未知的已建成员 undated built ids",
    "carrier_id": "载体编号 carrier id",
    "phase": "阶段 phase",
    "floor_area_m2": "建筑面积 floor area (m²)",
    "year_basis": "年份依据 year basis",
    "qualifier": "限定 qualifier",
    "source_ids": "来源编号 source ids",
    "note": "说明 note",
    "target_id": "目标编号 target id",
    "subject_type": "对象类型 subject type",
    "subject_id": "对象编号 subject id",
    "indicator": "指标 indicator",
    "value": "目标值 value",
    "unit": "单位 unit",
    "capacity_m2": "容量 capacity (m²)",
}
_KEEP = ("group_id", "name_zh", "name_en", "total_m2", "id")  # headed by geo.io.export itself


def with_flat_columns(carriers: gpd.GeoDataFrame, figures: Figures) -> gpd.GeoDataFrame:
    """The carriers with their two columns set to the flat form of their tranches (for single-table formats)."""
    flat = flat_columns(carriers, figures.tranches).set_index("id")
    out = carriers.copy()
    ids = out["id"].astype(str)
    for column in ("floor_area_existing_m2", "floor_area_planned_m2", "planned_year", "opened_year"):
        out[column] = pd.array(flat.loc[ids, column].tolist(), dtype="Int64")
    return out


def figures_csv(table: pd.DataFrame, stamp: Mapping[str, str]) -> bytes:
    """A tranches, targets or timeline table as CSV for Excel (UTF-8 with BOM, ``#`` stamp lines)."""
    return export.summary_csv(table, stamp)


def figures_xlsx(tables: Mapping[str, pd.DataFrame], stamp: Mapping[str, str]) -> bytes:
    """Tables (``{"tranches": …, "targets": …, "timeline": …}``) as one workbook, one sheet each.

    Headers are 中文 and English with the unit; figures are numbers, unknown an empty cell; the
    stamp is the last sheet.
    """
    renamed = {
        name: table.rename(columns={c: HEADERS[c] for c in table.columns if c in HEADERS and c not in _KEEP})
        for name, table in tables.items()
    }
    return export.summary_xlsx(renamed, stamp)


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain columns a GeoPackage stores: Int64 stays integer, text stays text (None for empty)."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.Int64Dtype):
            out[column] = series
        elif series.dtype.kind == "f":
            out[column] = series.astype("float64")
        else:
            out[column] = series.astype(object).where(series.notna(), None)
    return out.reset_index(drop=True)


def add_to_geopackage(gpkg: bytes, figures: Figures, *, tranches_table: pd.DataFrame | None = None) -> bytes:
    """The GeoPackage ``gpkg`` (from :func:`geo.io.export.geopackage`) with ``tranches`` and ``targets``
    attribute tables added.

    ``tranches_table`` (normal form) is written when given; else the resolved tranches of ``figures``
    (including the ones converted from the two columns), so the file holds every carrier's tranches.
    """
    import pyogrio  # noqa: PLC0415 - GDAL only when exporting

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figures.gpkg"
        path.write_bytes(gpkg)
        tranches = figures.tranches if tranches_table is None else tranches_table
        for layer, frame in (("tranches", tranches), ("targets", figures.targets)):
            pyogrio.write_dataframe(_table(frame), path, layer=layer, driver="GPKG")
        return path.read_bytes()


def add_to_zip(archive: bytes, figures: Figures, stamp: Mapping[str, str]) -> bytes:
    """A zip (e.g. :func:`geo.io.export.shapefile_zip`) with ``tranches.csv`` and ``targets.csv`` added."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("tranches.csv", figures_csv(figures.tranches, stamp))
        target.writestr("targets.csv", figures_csv(figures.targets, stamp))
    return out.getvalue()
