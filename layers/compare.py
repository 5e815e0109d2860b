"""One map of a comparison: every carrier of two scenarios, the changed ones highlighted.

The input is :func:`geo.cli_scenario.carrier_changes` (WGS-84); the map is an :class:`layers.assets.OfflineMap`
without tiles (the carriers are what is compared), so it draws offline. Every text that reaches the
browser is escaped.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.text import Lang, Text
from layers._common import LayerInputError, escape_text, is_wgs84
from layers.assets import OfflineMap, make_map

__all__ = ["CHANGE_COLOURS", "CHANGE_WORDS", "compare_map"]

#: The colour of each kind of change (``unchanged`` is grey: the eye goes to what moved).
CHANGE_COLOURS: dict[str, str] = {
    "added": "#16a34a",
    "removed": "#dc2626",
    "reshaped": "#7c3aed",
    "changed": "#ea580c",
    "unchanged": "#9ca3af",
}
#: The planner's word for each kind of change.
CHANGE_WORDS: dict[str, Text] = {
    "added": Text("新增", "added"),
    "removed": Text("删除", "removed"),
    "reshaped": Text("轮廓改变", "new outline"),
    "changed": Text("数据改变", "figures changed"),
    "unchanged": Text("未改变", "unchanged"),
}


def compare_map(changes: gpd.GeoDataFrame, *, lang: Lang = "zh") -> OfflineMap:
    """A map of ``changes`` (columns ``id``, ``name_zh``, ``name_en``, ``change``, ``geometry``; EPSG:4326),
    each carrier filled in its change's colour (:data:`CHANGE_COLOURS`), removed ones dashed, a tooltip with
    its name and the change in ``lang``; fitted to the changed carriers (all of them when none changed).

    Raises
    ------
    LayerInputError
        If ``changes`` is not in WGS-84 longitude/latitude or lacks a column.
    """
    missing = {"id", "name_zh", "name_en", "change", "geometry"} - set(changes.columns)
    if missing or not is_wgs84(changes.crs):
        raise LayerInputError(
            f"compare_map: needs carrier_changes() output in EPSG:4326; missing {sorted(missing)}, crs {changes.crs!s}"
        )
    shown = changes[changes.geometry.notna() & ~changes.geometry.is_empty]
    focus = shown[shown["change"] != "unchanged"]
    bounds = (focus if len(focus) else shown).total_bounds
    m = make_map(location=((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2), zoom_start=13)
    name_column = "name_zh" if lang == "zh" else "name_en"
    for change in reversed(list(CHANGE_COLOURS)):  # unchanged first, so the changed ones lie on top
        part = shown[shown["change"] == change]
        if part.empty:
            continue
        frame = gpd.GeoDataFrame(
            {
                "name": [escape_text(n) for n in part[name_column]],
                "ident": [escape_text(i) for i in part["id"]],
                "what": escape_text(CHANGE_WORDS[change].in_(lang)),
            },
            geometry=part.geometry.to_numpy(),
            crs=part.crs,
        )
        colour = CHANGE_COLOURS[change]
        style = {
            "color": colour,
            "fillColor": colour,
            "weight": 1 if change == "unchanged" else 3,
            "fillOpacity": 0.15 if change == "unchanged" else 0.45,
            "dashArray": "6 4" if change == "removed" else None,
        }
        folium.GeoJson(
            frame.to_json(),
            name=escape_text(CHANGE_WORDS[change].in_(lang)),
            style_function=lambda _feature, style=style: style,
            tooltip=folium.GeoJsonTooltip(fields=["name", "what", "ident"], labels=False),
        ).add_to(m)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(30, 30))
    return m
