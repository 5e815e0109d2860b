"""The grid view of many carriers: floor area summed on square cells instead of one outline each.

The sums per cell are the roll-up's (:func:`geo.rollup.grid_sums`); this module draws them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np

from geo.rollup import GRID_COLUMNS, grid_sums
from layers._common import Lang, check_lang, escape_text, format_wan, word
from layers._geojson import feature_collection
from layers.display import prepare_display
from layers.layerdata import LayerData, Piece
from layers.scale import GRID_BREAKS_WAN_PER_KM2, LIGHT_DECIMALS, data_bounds, grid_cell_m, view_note
from layers.styles import GRID_UNKNOWN_STYLE, grid_style

__all__ = ["GRID_COLUMNS", "grid_cells", "grid_layer_data"]

#: The grid roll-up lives with the roll-up (:func:`geo.rollup.grid_sums`); kept here under its old name.
grid_cells = grid_sums

_UNKNOWN_CLASS = "u"


def _density_class(total_m2: np.ndarray, unknown: np.ndarray, cell_m: float) -> list[str]:
    density = total_m2 / 10_000.0 / (cell_m * cell_m / 1_000_000.0)  # 万㎡ per km²
    steps = np.searchsorted(np.asarray(GRID_BREAKS_WAN_PER_KM2), density, side="right")
    return [_UNKNOWN_CLASS if t == 0 and u > 0 else str(s) for s, t, u in zip(steps, total_m2, unknown, strict=True)]


def _cell_tip(row: tuple, lang: Lang) -> str:
    existing, planned, total, count, unknown = row
    head = f"<b>{escape_text(format_wan(total, lang))}</b>"
    if lang == "zh":
        head += f" · {count:,} 个载体"
    else:
        head += f" · {count:,} carrier{'s' if count != 1 else ''}"
    split = (
        f"{escape_text(word('existing_area', lang))} {escape_text(format_wan(existing, lang, unit=False))}"
        f" + {escape_text(word('planned_area', lang))} {escape_text(format_wan(planned, lang, unit=False))}"
    )
    lines = [head, split]
    if unknown:
        lines.append(f"{escape_text(word('unknown_members', lang))} {unknown:,}")
    return "<br>".join(lines)


def grid_layer_data(
    carriers: gpd.GeoDataFrame,
    *,
    lang: Lang = "zh",
    gcj02: bool = False,
    cell_m: float | None = None,
    name: str | None = None,
    show: bool = True,
) -> LayerData:
    """The carriers as a density grid (the ``grid`` view of :mod:`layers.scale`), as layer data.

    Parameters
    ----------
    carriers
        Validated carriers in EPSG:4326 (see :func:`layers.carriers.carriers_layer_data`).
    lang
        ``"zh"`` or ``"en"``.
    gcj02
        Shift the cells to GCJ-02 for display (AMap basemaps only).
    cell_m
        Cell side in metres; default :func:`layers.scale.grid_cell_m` of the carriers' extent.
    name
        Layer name (plain text; escaped here). Default: the localized "carriers".
    show
        Whether the layer starts visible.

    Returns
    -------
    LayerData
        One piece: a polygon per occupied cell, property ``tip`` (escaped) and ``s`` (density
        class ``"0"``–``"5"``, or ``"u"`` when every figure in the cell is unknown).
    """
    lang = check_lang(lang)
    cell = float(cell_m) if cell_m is not None else grid_cell_m(data_bounds(carriers))
    cells = grid_sums(carriers, cell_m=cell)
    layer_name = escape_text(name or word("carriers", lang))
    note = view_note("grid", lang, n_carriers=len(carriers), cell_m=cell)
    if cells.empty:
        return LayerData("carriers", layer_name, (), show=show, view="grid", note=note, gcj02=gcj02)
    display = prepare_display(cells.to_crs(4326), gcj02=gcj02, tolerance_m=0, decimals=LIGHT_DECIMALS)
    total = cells["total_m2"].to_numpy()
    unknown = cells["unknown"].to_numpy()
    classes = _density_class(total, unknown, cell)
    columns = ["existing_m2", "planned_m2", "total_m2", "carriers", "unknown"]
    rows = zip(*(cells[c].astype(int).tolist() for c in columns), strict=True)
    props = [{"tip": _cell_tip(row, lang), "s": cls} for row, cls in zip(rows, classes, strict=True)]
    styles = {str(i): grid_style(i) for i in range(len(GRID_BREAKS_WAN_PER_KM2) + 1)}
    styles[_UNKNOWN_CLASS] = dict(GRID_UNKNOWN_STYLE)
    styles[""] = grid_style(0)
    piece = Piece(
        feature_collection(display, None, props),
        styles=styles,
        highlight={"weight_add": 1.5, "fillOpacity": 0.8},
        canvas=True,
    )
    return LayerData("carriers", layer_name, (piece,), show=show, view="grid", note=note, gcj02=gcj02)
