"""Context layers (display only): district boundary, the Huangpu, Metro Line 15 and its stations, the outer ring."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers._common import Lang, check_frame, check_lang, escape_text, format_number, is_missing, pick_name, word
from layers._geojson import feature_collection
from layers.display import DEFAULT_TOLERANCE_M, prepare_display
from layers.layerdata import LayerData, Piece
from layers.styles import CONTEXT_OTHER, CONTEXT_STYLES

__all__ = ["CONTEXT_KEYS", "context_layer_data"]

#: The context layers the product knows by name; others are drawn with a neutral style.
CONTEXT_KEYS: tuple[str, ...] = ("district_boundary", "huangpu", "line15", "line15_stations", "outer_ring")
_STATIONS_OF = {"line15_stations": "line15"}


def _tooltip(row: pd.Series, key: str, lang: Lang) -> str:
    """Name, source and outline accuracy. The bundled ``source`` notes are English provenance notes: the
    Chinese map shows a ``source_zh`` column when the file has one, and no source line otherwise."""
    name = pick_name(row, lang, fallback=word(key, lang))
    lines = [f"<b>{escape_text(name)}</b>"]
    source = row.get("source_zh") if lang == "zh" else row.get("source_en", row.get("source"))
    if not is_missing(source) and str(source).strip():
        lines.append(f"<small>{escape_text(word('source', lang))}: {escape_text(source)}</small>")
    accuracy = row.get("geometry_accuracy_m")
    if not is_missing(accuracy):
        unit = "米" if lang == "zh" else "m"
        lines.append(
            f"<small>{escape_text(word('accuracy', lang))}: ±{escape_text(format_number(accuracy))} {unit}</small>"
        )
    return "<br>".join(lines)


def _context_piece(key: str, frame: gpd.GeoDataFrame, *, lang: Lang, gcj02: bool, tolerance_m: float) -> Piece | None:
    frame = check_frame(frame, f"context layer {key!r}", id_column=None)
    if frame.empty:
        return None
    display = prepare_display(frame, gcj02=gcj02, tolerance_m=tolerance_m)
    ids = [f"{key}:{i}" for i in range(len(frame))]
    props = [{"tip": _tooltip(row, key, lang)} for _, row in frame.iterrows()]
    return Piece(
        feature_collection(display, ids, props),
        styles={"": dict(CONTEXT_STYLES.get(key, CONTEXT_OTHER))},
        points="circle",
    )


def context_layer_data(
    key: str,
    frame: gpd.GeoDataFrame,
    *,
    stations: gpd.GeoDataFrame | None = None,
    lang: Lang = "zh",
    gcj02: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    show: bool = True,
) -> LayerData:
    """One context layer (lines, polygons or points; tooltip = name and source) as plain data.

    Draw it with :func:`layers.layerdata.to_feature_group`.

    Parameters
    ----------
    key
        Layer name such as ``"huangpu"``; known keys (:data:`CONTEXT_KEYS`) get their own style
        and a localized layer name, others a neutral style and the key as name (escaped).
    frame
        The features, with optional ``name_zh``, ``name_en``, ``source``, ``geometry_accuracy_m``.
    stations
        Points drawn on top in the same layer (for Line 15 and its stations).
    lang
        ``"zh"`` or ``"en"``.
    gcj02
        Shift the display copy to GCJ-02 (AMap basemaps only).
    tolerance_m
        Display simplification in metres.
    show
        Whether the layer starts visible.

    Returns
    -------
    LayerData
        The layer's piece, then the stations' piece when given.
    """
    lang = check_lang(lang)
    pieces = [_context_piece(key, frame, lang=lang, gcj02=gcj02, tolerance_m=tolerance_m)]
    if stations is not None:
        station_key = next((k for k, v in _STATIONS_OF.items() if v == key), f"{key}_stations")
        pieces.append(_context_piece(station_key, stations, lang=lang, gcj02=gcj02, tolerance_m=tolerance_m))
    return LayerData(
        str(key), escape_text(word(key, lang)), tuple(p for p in pieces if p is not None), show=show, gcj02=gcj02
    )
