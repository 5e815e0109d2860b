"""Name labels for zones and carriers, as Leaflet ``divIcon`` markers that ignore the pointer."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd

from layers._common import Lang, check_frame, check_lang, escape_text, is_missing, pick_name, word
from layers._geojson import LABEL_POINTS_JS, feature_collection, geojson_layer
from layers.carriers import carrier_depths
from layers.display import DEFAULT_TOLERANCE_M, display_geometry, prepare_display
from layers.styles import zone_style

__all__ = ["build_labels_layer"]


def _span(text: str, css_class: str = "", style: str = "") -> str:
    # Classes come from the map's stylesheet (layers.assets.MapStyle); only colours are inline.
    cls = f' class="{css_class}"' if css_class else ""
    sty = f' style="{style}"' if style else ""
    return f"<span{cls}{sty}>{escape_text(text)}</span>"


def build_labels_layer(
    *,
    carriers: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    lang: Lang = "zh",
    gcj02: bool = False,
    nested: bool = True,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    name: str | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Zone and carrier names at a point inside each outline.

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
    name
        Layer name (plain text; escaped here).
    show
        Whether the layer starts visible.

    Returns
    -------
    folium.FeatureGroup
    """
    lang = check_lang(lang)
    group = folium.FeatureGroup(name=escape_text(name or word("labels", lang)), show=show)
    pieces: list[tuple[gpd.GeoDataFrame, list[str], list[dict[str, str]]]] = []
    if zones is not None:
        zones = check_frame(zones, "zones (labels)", required=("id", "name_zh", "name_en"))
        colors = [zone_style(str(t))["color"] for t in zones.get("type", pd.Series("", index=zones.index))]
        props = [
            {"label": _span(pick_name(row, lang, fallback=str(row["id"])), "xh-zone", f"color:{color}")}
            for (_, row), color in zip(zones.iterrows(), colors, strict=True)
        ]
        pieces.append((zones, [f"zone:{i}" for i in zones["id"]], props))
    if carriers is not None:
        carriers = check_frame(carriers, "carriers (labels)", required=("id", "name_zh", "name_en"))
        if not nested and "parent_id" in carriers.columns:
            depths = carrier_depths(carriers)
            carriers = carriers[[depths.get(str(i), 0) == 0 for i in carriers["id"]]]
        has_parent = (
            [not is_missing(p) and bool(str(p).strip()) for p in carriers["parent_id"]]
            if "parent_id" in carriers.columns else [False] * len(carriers)
        )
        props = [
            {"label": _span(pick_name(row, lang, fallback=str(row["id"])), "xh-nested" if child else "")}
            for (_, row), child in zip(carriers.iterrows(), has_parent, strict=True)
        ]
        pieces.append((carriers, [f"carrier:{i}" for i in carriers["id"]], props))
    for frame, ids, props in pieces:
        if frame.empty:
            continue
        # The point is chosen on the WGS-84 outline and then shifted like every other vertex.
        points = display_geometry(frame, tolerance_m=tolerance_m)
        points.geometry = points.geometry.representative_point()
        points = prepare_display(points, gcj02=gcj02, tolerance_m=0)
        geojson_layer(
            feature_collection(points, ids, props),
            style=lambda _f: {},
            interactive=False,
            point_to_layer=LABEL_POINTS_JS,
        ).add_to(group)
    return group
