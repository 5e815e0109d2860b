"""One GeoJSON layer per logical layer, with tooltips and popups bound from pre-escaped properties.

Tooltip and popup HTML is built in Python (every value through ``escape_text``) and shipped as
plain JSON string properties ``tip`` and ``pop``; a small ``onEachFeature`` binds them. Folium's
``GeoJsonTooltip``/``GeoJsonPopup`` (raw field values and aliases) and ``Popup`` (a jQuery call on a
template literal) are not used, so no value is ever evaluated as markup or JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely.geometry
from folium.utilities import JsCode

__all__ = ["BIND_JS", "CIRCLE_POINTS_JS", "LABEL_POINTS_JS", "feature_collection", "geojson_layer"]

# Popup content is given as an element, so streamlit-folium can read its innerText on click.
BIND_JS = JsCode(
    """function (feature, layer) {
    var p = feature.properties || {};
    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true, opacity: 0.95}); }
    if (p.pop) {
        var div = document.createElement("div");
        div.className = "xh-pop";
        div.innerHTML = p.pop;
        layer.bindPopup(div, {maxWidth: 380, maxHeight: 420});
    }
}"""
)

CIRCLE_POINTS_JS = JsCode(
    """function (feature, latlng) { return L.circleMarker(latlng, {radius: 4}); }"""
)

LABEL_POINTS_JS = JsCode(
    """function (feature, latlng) {
    return L.marker(latlng, {
        icon: L.divIcon({className: "xh-label", html: feature.properties.label, iconSize: null}),
        interactive: false, keyboard: false
    });
}"""
)


def feature_collection(frame: gpd.GeoDataFrame, ids: Sequence[str], props: Sequence[dict[str, Any]]) -> dict:
    """A GeoJSON FeatureCollection of ``frame``'s geometries with the given ids and properties."""
    features = [
        {
            "type": "Feature",
            "id": str(fid),
            "properties": prop,
            "geometry": shapely.geometry.mapping(geom),
        }
        for fid, prop, geom in zip(ids, props, frame.geometry, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def geojson_layer(
    data: dict,
    *,
    style: Callable[[dict], dict],
    highlight: Callable[[dict], dict] | None = None,
    interactive: bool = True,
    point_to_layer: JsCode | None = None,
) -> folium.GeoJson:
    """A ``folium.GeoJson`` (kept out of layer controls) styled per feature by ``style``."""
    options: dict[str, Any] = {}
    if point_to_layer is not None:
        options["pointToLayer"] = point_to_layer
    if not interactive:
        options["interactive"] = False
    return folium.GeoJson(
        data,
        style_function=style,
        highlight_function=highlight if interactive else None,
        on_each_feature=BIND_JS if interactive else None,
        control=False,
        **options,
    )
