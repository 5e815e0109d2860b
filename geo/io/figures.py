"""Exports of tranches, targets and the timeline, beside the layers :mod:`geo.io.export` writes.

How each format carries them (``docs/contract.md``):

* **GeoPackage** — the ``tranches`` and ``targets`` tables as attribute tables (no geometry) in the same
  file as the ``carriers`` and ``zones`` layers, linked by ``carrier_id`` / ``subject_id``
  (:func:`add_to_geopackage`);
* **XLSX** — one sheet each, headers in 中文 and English, a ``metadata`` sheet (:func:`figures_xlsx`);
* **GeoJSON, KML, Shapefile** — one table per file: the carriers carry the flat form of their tranches
  in their two columns (:func:`with_flat_columns`), the file's metadata says so (:data:`FLAT_NOTE`, the
  stamp key ``figures``), and the tables travel as CSV beside them (in a Shapefile's zip:
  ``tranches.csv``, ``targets.csv`` and ``indicators.csv``, named in its README, :func:`add_to_zip`;
  for GeoJSON and KML the separate download :func:`figures_csv_zip`);
* **CSV** — each table with its CSV on the Web metadata (the stamp) beside it: :func:`figure_csv_files`, in one
  zip :func:`figures_csv_zip`.
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
from geo.text import Text
from geo.timeline import Figures
from geo.tranches import flat_columns

__all__ = [
    "FLAT_NOTE",
    "HEADERS",
    "add_to_geopackage",
    "add_to_zip",
    "figure_csv_files",
    "figure_tables",
    "figures_csv_zip",
    "figures_xlsx",
    "flat_stamp",
    "with_flat_columns",
]

#: How a single-table file (GeoJSON, KML, Shapefile) carries the tranches, targets and indicators.
FLAT_NOTE = Text(
    "载体的 floor_area_existing_m2/opened_year（已建成）与 floor_area_planned_m2/planned_year（在建与规划）为分期的"
    "合并形式；分期、目标与指标表见随附的 tranches.csv、targets.csv、indicators.csv",
    "the carriers' floor_area_existing_m2/opened_year (built) and floor_area_planned_m2/planned_year (under "
    "construction and planned) are the flat form of their tranches; the tranches, targets and indicators "
    "tables are the accompanying tranches.csv, targets.csv and indicators.csv",
)

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


def figure_tables(figures: Figures) -> dict[str, pd.DataFrame]:
    """The tables ``figures`` holds, by name: ``tranches``, ``targets`` and (when given) ``indicators``."""
    tables = {"tranches": figures.tranches, "targets": figures.targets}
    if figures.indicators is not None:
        tables["indicators"] = figures.indicators
    return tables


def flat_stamp(stamp: Mapping[str, str]) -> dict[str, str]:
    """The stamp of a single-table file, with the key ``figures`` saying how it carries tranches (:data:`FLAT_NOTE`)."""
    return {**stamp, "figures": f"{FLAT_NOTE.zh} / {FLAT_NOTE.en}"}


_TITLES: dict[str, Text] = {
    "tranches": Text("载体分期（阶段、面积、年份）", "carrier tranches (phase, floor area, year)"),
    "targets": Text("规划目标", "the plan's targets"),
    "indicators": Text("其他指标", "other indicators"),
}


def figure_csv_files(figures: Figures, stamp: Mapping[str, str]) -> dict[str, bytes]:
    """``tranches.csv``, ``targets.csv`` (and ``indicators.csv``), each with its CSVW metadata file (the stamp):
    ``{file name: bytes}``, as :func:`geo.io.export.summary_csv_files` writes them."""
    files: dict[str, bytes] = {}
    for name, table in figure_tables(figures).items():
        files |= export.summary_csv_files(table, stamp, name=f"{name}.csv", title=_TITLES[name])
    return files


def figures_csv_zip(figures: Figures, stamp: Mapping[str, str]) -> bytes:
    """One zip of :func:`figure_csv_files`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in figure_csv_files(figures, stamp).items():
            archive.writestr(member, data)
    return out.getvalue()


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
        tables = figure_tables(figures)
        if tranches_table is not None:
            tables["tranches"] = tranches_table
        for layer, frame in tables.items():
            pyogrio.write_dataframe(_table(frame), path, layer=layer, driver="GPKG")
        return path.read_bytes()


def add_to_zip(archive: bytes, figures: Figures, stamp: Mapping[str, str]) -> bytes:
    """A zip (e.g. :func:`geo.io.export.shapefile_zip`) with ``tranches.csv``, ``targets.csv`` (and
    ``indicators.csv``) added, each with its CSVW metadata; its ``README.txt``, when it has one, says how the
    carriers carry them."""
    source = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "README.txt":
                note = f"\r\nTranches 分期: {FLAT_NOTE.en}\r\n  {FLAT_NOTE.zh}\r\n"
                data = (data.decode("utf-8-sig") + note).encode("utf-8-sig")
            target.writestr(info, data)
        for member, data in figure_csv_files(figures, stamp).items():
            target.writestr(member, data)
    return out.getvalue()
