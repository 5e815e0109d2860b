"""Name labels for zones and carriers, as Leaflet ``divIcon`` markers that ignore the pointer.

Carriers are labelled in the ``full`` view only (:mod:`layers.scale`): thousands of text markers
would bury the map and slow the browser; zones are always labelled.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from layers._common import Lang, check_frame, check_lang, escape_text, pick_names, word
from layers._geojson import feature_collection
from layers.carriers import carrier_depths
from layers.display import DEFAULT_TOLERANCE_M, display_geometry, prepare_display
from layers.layerdata import LayerData, Piece, to_feature_group
from layers.scale import View, check_view, choose_view
from layers.styles import zone_style

__all__ = ["build_labels_layer", "labels_layer_data"]


def _span(text: str, css_class: str = "", style: str = "") -> str:
    # Classes come from the map's stylesheet (layers.assets.MapStyle); only colours are inline.
    cls = f' class="{css_class}"' if css_class else ""
    sty = f' style="{style}"' if style else ""
    return f"<span{cls}{sty}>{escape_text(text)}</span>"


def labels_layer_data(
    *,
    carriers: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    lang: Lang = "zh",
    gcj02: bool = False,
    nested: bool = True,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    view: View | None = None,
    name: str | None = None,
    show: bool = True,
) -> LayerData:
    """The labels layer as plain data (see :func:`build_labels_layer` for the parameters).

    Returns
    -------
    LayerData
        A non-interactive piece of points per frame (zones, then carriers), property ``label``.
    """
    lang = check_lang(lang)
    pieces: list[tuple[gpd.GeoDataFrame, list[str], list[dict[str, str]]]] = []
    if zones is not None:
        zones = check_frame(zones, "zones (labels)", required=("id", "name_zh", "name_en"))
        types = zones["type"] if "type" in zones.columns else pd.Series("", index=zones.index)
        colors = [zone_style(str(t))["color"] for t in types]
        props = [
            {"label": _span(text, "xh-zone", f"color:{color}")}
            for text, color in zip(pick_names(zones, lang), colors, strict=True)
        ]
        pieces.append((zones, [f"zone:{i}" for i in zones["id"]], props))
    if carriers is not None:
        chosen = choose_view(len(carriers)) if view is None else check_view(view)
        carriers = check_frame(carriers, "carriers (labels)", required=("id", "name_zh", "name_en"))
        if chosen != "full":
            carriers = carriers.iloc[:0]
        if not nested and "parent_id" in carriers.columns:
            depths = carrier_depths(carriers)
            carriers = carriers[[depths.get(str(i), 0) == 0 for i in carriers["id"]]]
        if "parent_id" in carriers.columns:
            parents = carriers["parent_id"].astype("string").str.strip()
            has_parent = (parents.notna() & (parents != "")).tolist()
        else:
            has_parent = [False] * len(carriers)
        props = [
            {"label": _span(text, "xh-nested" if child else "")}
            for text, child in zip(pick_names(carriers, lang), has_parent, strict=True)
        ]
        pieces.append((carriers, [f"carrier:{i}" for i in carriers["id"]], props))
    out: list[Piece] = []
    for frame, ids, props in pieces:
        if frame.empty:
            continue
        # The point is chosen on the WGS-84 outline and then shifted like every other vertex.
        points = display_geometry(frame, tolerance_m=tolerance_m)
        points.geometry = points.geometry.representative_point()
        points = prepare_display(points, gcj02=gcj02, tolerance_m=0)
        out.append(Piece(feature_collection(points, ids, props), interactive=False, points="label"))
    return LayerData("labels", escape_text(name or word("labels", lang)), tuple(out), show=show, gcj02=gcj02)


def build_labels_layer(
    *,
    carriers: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    lang: Lang = "zh",
    gcj02: bool = False,
    nested: bool = True,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    view: View | None = None,
    name: str | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Zone and carrier names at a point inside each outline.

    ``to_feature_group(labels_layer_data(...))``.

    Parameters
    ----------
    carriers, zones
        Frames with ``id``, ``name_zh``, ``name_en`` (carriers also ``parent_id`` when ``nested``
        is False); either may be None.
    lang
        ``"zh"`` or ``"en"``; a missing name falls back to the other language, then the id.
    gcj02
        Shift the label points to GCJ-02 (AMap basemaps only).
    nested
        Also label nested carriers (those with a parent in the frame).
    tolerance_m
        Display simplification applied before placing the label point.
    view
        The carriers' view (:mod:`layers.scale`); carriers are labelled in the ``full`` view only.
        None chooses by the number of carriers.
    name
        Layer name (plain text; escaped here).
    show
        Whether the layer starts visible.

    Returns
    -------
    folium.FeatureGroup
    """
    return to_feature_group(
        labels_layer_data(
            carriers=carriers,
            zones=zones,
            lang=lang,
            gcj02=gcj02,
            nested=nested,
            tolerance_m=tolerance_m,
            view=view,
            name=name,
            show=show,
        )
    )
