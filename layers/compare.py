"""Maps of a comparison: one map of every carrier of two scenarios, or one map per scenario side by side,
the changed carriers highlighted.

The input is :func:`geo.cli_scenario.carrier_changes` (WGS-84); the map is an :class:`layers.assets.OfflineMap`
without tiles (the carriers are what is compared), so it draws offline. Every text that reaches the
browser is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd

from geo.text import Lang, Text
from layers._common import LayerInputError, escape_text, is_wgs84
from layers.assets import OfflineMap, make_map

__all__ = ["CHANGE_COLOURS", "CHANGE_WORDS", "compare_map", "side_by_side"]

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


def compare_map(
    changes: gpd.GeoDataFrame,
    *,
    lang: Lang = "zh",
    bounds: Sequence[float] | None = None,
) -> OfflineMap:
    """A map of ``changes`` (columns ``id``, ``name_zh``, ``name_en``, ``change``, ``geometry``; EPSG:4326),
    each carrier filled in its change's colour (:data:`CHANGE_COLOURS`), removed ones dashed, a tooltip with
    its name and the change in ``lang``; fitted to ``bounds`` (minx, miny, maxx, maxy), else to the changed
    carriers (all of them when none changed).

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
    if bounds is None:
        bounds = _focus_bounds([shown])
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


def _focus_bounds(frames: Sequence[gpd.GeoDataFrame]) -> tuple[float, float, float, float]:
    """The extent of the changed carriers of ``frames`` (of all their carriers when none changed)."""
    shown = [f[f.geometry.notna() & ~f.geometry.is_empty] for f in frames]
    focus = [f[f["change"] != "unchanged"] for f in shown]
    parts = focus if any(len(f) for f in focus) else shown
    boxes = [f.total_bounds for f in parts if len(f)]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def side_by_side(
    first: gpd.GeoDataFrame, changes: Sequence[gpd.GeoDataFrame], *, lang: Lang = "zh"
) -> list[OfflineMap]:
    """One map per compared scenario, to be shown side by side, all on the same view.

    Parameters
    ----------
    first
        The first scenario's carriers (``id`` and ``geometry``, EPSG:4326): what the others are compared with.
    changes
        Per other scenario, :func:`geo.cli_scenario.carrier_changes` of ``first`` against it (EPSG:4326).
    lang
        The language of the tooltips and layer names.

    Returns
    -------
    list of OfflineMap
        The first scenario's map (its own carriers, in their own outlines, each marked with what the first
        other scenario to touch it did: removed, new outline, figures changed; a carrier only another
        scenario has is not on it), then one map per other scenario (its carriers, marked as in
        :func:`compare_map`; the carriers it removed are not on it).
    """
    mine = first.set_index("id").geometry
    marks: dict[str, str] = {}
    for frame in changes:
        for ident, change in zip(frame["id"], frame["change"], strict=True):
            if change not in ("added", "unchanged") and ident not in marks:
                marks[ident] = change
    base = changes[0] if changes else None
    if base is None:
        raise LayerInputError("side_by_side: needs the changes of at least one other scenario")
    own = base[base["change"] != "added"].copy()
    own["change"] = [marks.get(i, "unchanged") for i in own["id"]]
    own = own.set_geometry(mine.reindex(own["id"]).to_numpy(), crs=base.crs)
    others = [frame[frame["change"] != "removed"] for frame in changes]
    bounds = _focus_bounds([own, *others])
    return [compare_map(frame, lang=lang, bounds=bounds) for frame in (own, *others)]
