"""Assemble the page's map from the builders: a pure function of plain values and frames.

For streamlit-folium, build with ``embed_overlays=False`` and pass ``parts.overlays`` as
``feature_group_to_add``: the map itself (basemap, legend) then stays the same while layers are
toggled or restyled, so the component is not re-mounted and the view is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.crs import wgs84_to_gcj02
from layers._common import Lang, LayerInputError, check_lang, pick_name, word
from layers.assets import STREAMLIT_ASSET_URL, make_map
from layers.basemaps import BasemapInfo, basemap_info, build_basemap
from layers.carriers import build_carriers_layer
from layers.context import build_context_layer
from layers.display import DEFAULT_TOLERANCE_M
from layers.labels import build_labels_layer
from layers.legend import build_legend
from layers.zones import build_zones_layer

__all__ = ["DEFAULT_LAYERS", "LAYER_KEYS", "MapParts", "build_map", "build_overlays", "layer_label"]

#: Overlay keys in drawing order (bottom to top).
LAYER_KEYS: tuple[str, ...] = ("district_boundary", "huangpu", "outer_ring", "line15", "zones", "carriers", "labels")
DEFAULT_LAYERS: tuple[str, ...] = LAYER_KEYS
_CONTEXT_KEYS = ("district_boundary", "huangpu", "outer_ring", "line15")
#: Xuhui, for a map with nothing to centre on.
_FALLBACK_CENTER = (31.17, 121.44)


@dataclass
class MapParts:
    """What :func:`build_map` hands to the page.

    Attributes
    ----------
    map
        The ``folium.Map`` (basemap, legend; and the overlays too when ``embed_overlays``).
    overlays
        ``layer key → FeatureGroup`` in drawing order; pass ``list(overlays.values())`` to
        ``st_folium(feature_group_to_add=...)`` when built with ``embed_overlays=False``.
    layer_control
        A collapsed ``folium.LayerControl`` for the overlays; for st_folium pass it as
        ``layer_control=`` (it must not be added to the map as well), or ignore it.
    basemap
        The chosen basemap's description.
    gcj02
        Whether the overlays were shifted WGS-84 → GCJ-02 for display.
    center
        (lat, lon) the map was centred on, in the basemap's datum.
    """

    map: folium.Map
    overlays: dict[str, folium.FeatureGroup] = field(default_factory=dict)
    layer_control: folium.LayerControl | None = None
    basemap: BasemapInfo | None = None
    gcj02: bool = False
    center: tuple[float, float] = _FALLBACK_CENTER


def _check_layers(layers: Iterable[str]) -> list[str]:
    if isinstance(layers, str):
        raise LayerInputError(f"layers={layers!r} must be a list of layer keys, not one string")
    wanted = list(dict.fromkeys(layers))
    unknown = [k for k in wanted if k not in LAYER_KEYS]
    if unknown:
        raise LayerInputError(
            f"unknown layer key(s) {', '.join(map(repr, unknown))}; choose from {', '.join(LAYER_KEYS)}"
        )
    return [k for k in LAYER_KEYS if k in wanted]


def build_overlays(
    carriers: gpd.GeoDataFrame | None,
    zones: gpd.GeoDataFrame | None,
    *,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    summary: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    sources: pd.DataFrame | None = None,
    layers: Iterable[str] = DEFAULT_LAYERS,
    lang: Lang = "zh",
    gcj02: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    popups: bool = True,
) -> dict[str, folium.FeatureGroup]:
    """The overlay ``FeatureGroup`` s that are switched on, keyed and ordered as :data:`LAYER_KEYS`.

    Layers whose data is absent (no ``context`` entry, ``zones=None``…) are left out silently;
    unknown keys are an error.

    Parameters
    ----------
    carriers, zones
        The data frames (either may be None).
    context
        ``name → GeoDataFrame`` of context layers; ``line15_stations`` joins ``line15``.
    summary
        Zone roll-up table(s) for the zone tooltip.
    sources
        Sources table for the carrier popups.
    layers
        Keys of the overlays to build.
    lang
        ``"zh"`` or ``"en"``.
    gcj02
        Shift every overlay to GCJ-02 for display (AMap basemaps).
    tolerance_m
        Display simplification in metres.
    popups
        Give carriers their click popup (attributes and cited quotes: most of the payload).

    Returns
    -------
    dict
    """
    lang = check_lang(lang)
    wanted = _check_layers(layers)
    context = dict(context or {})
    out: dict[str, folium.FeatureGroup] = {}
    names: dict[str, str] = {}
    if carriers is not None and {"id", "name_zh", "name_en"} <= set(carriers.columns):
        names = {str(r["id"]): pick_name(r, lang, fallback=str(r["id"])) for _, r in carriers.iterrows()}
    for key in wanted:
        if key in _CONTEXT_KEYS and key in context:
            stations = context.get("line15_stations") if key == "line15" else None
            out[key] = build_context_layer(key, context[key], stations=stations, lang=lang, gcj02=gcj02,
                                           tolerance_m=tolerance_m)
        elif key == "line15" and "line15_stations" in context:
            out[key] = build_context_layer("line15_stations", context["line15_stations"], lang=lang,
                                           gcj02=gcj02, tolerance_m=tolerance_m)
        elif key == "zones" and zones is not None:
            out[key] = build_zones_layer(zones, summary=summary, carrier_names=names, lang=lang, gcj02=gcj02,
                                         tolerance_m=tolerance_m)
        elif key == "carriers" and carriers is not None:
            out[key] = build_carriers_layer(carriers, sources=sources, lang=lang, gcj02=gcj02,
                                            tolerance_m=tolerance_m, popups=popups)
        elif key == "labels" and (carriers is not None or zones is not None):
            out[key] = build_labels_layer(carriers=carriers, zones=zones, lang=lang, gcj02=gcj02,
                                          tolerance_m=tolerance_m)
    return out


def _data_bounds(frames: Iterable[gpd.GeoDataFrame | None]) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the frames in WGS-84, or None when there is nothing to frame."""
    bounds = [f.to_crs(4326).total_bounds for f in frames if f is not None and f.crs is not None and len(f)]
    bounds = [b for b in bounds if np.all(np.isfinite(b))]
    if not bounds:
        return None
    arr = np.array(bounds)
    return float(arr[:, 1].min()), float(arr[:, 0].min()), float(arr[:, 3].max()), float(arr[:, 2].max())


def build_map(
    carriers: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    *,
    context: Mapping[str, gpd.GeoDataFrame] | None = None,
    summary: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    sources: pd.DataFrame | None = None,
    center: tuple[float, float] | None = None,
    zoom: int = 13,
    fit: bool = True,
    basemap: str = "osm",
    tianditu_token: str | None = None,
    layers: Iterable[str] = DEFAULT_LAYERS,
    lang: Lang = "zh",
    gcj02: bool | None = None,
    legend: bool = True,
    embed_overlays: bool = True,
    prefer_canvas: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    popups: bool = True,
    asset_base_url: str | None = STREAMLIT_ASSET_URL,
    height: str | int = "100%",
) -> MapParts:
    """The page's map: basemap, overlays, legend, layer control.

    Parameters
    ----------
    carriers, zones, context, summary, sources
        The data (see :func:`build_overlays`); all WGS-84, never modified.
    center
        (lat, lon) in WGS-84; default: the middle of the zones' and carriers' extent. It is shifted
        with the overlays when they are shifted.
    zoom
        Initial zoom.
    fit
        Without a ``center``, open the map fitted to the zones' and carriers' extent (``zoom`` is
        then only the zoom before the fit).
    basemap
        A key of :data:`layers.basemaps.BASEMAP_KEYS`.
    tianditu_token
        Needed for the Tianditu basemaps (see :func:`layers.basemaps.tianditu_token_from_env`).
    layers
        Overlay keys to switch on (:data:`LAYER_KEYS`).
    lang
        ``"zh"`` or ``"en"``.
    gcj02
        Shift overlays to GCJ-02; default (None): exactly when the basemap is AMap.
    legend
        Add the legend control to the map.
    embed_overlays
        Add the overlays to the map (for a standalone file); False keeps them only in
        ``MapParts.overlays`` for ``st_folium(feature_group_to_add=...)``.
    prefer_canvas
        Draw vectors on a canvas (many features).
    tolerance_m
        Display simplification in metres.
    popups
        Give carriers their click popup (see :func:`build_overlays`).
    asset_base_url
        Where the browser loads Leaflet from (see :func:`layers.assets.asset_links`).
    height
        Map height (CSS length or pixels).

    Returns
    -------
    MapParts
    """
    lang = check_lang(lang)
    info = basemap_info(basemap)
    shift = info.gcj02 if gcj02 is None else bool(gcj02)
    bounds = _data_bounds([zones, carriers]) if center is None else None
    if center is None:
        center = _FALLBACK_CENTER if bounds is None else ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    try:
        lat, lon = (float(v) for v in center)
    except (TypeError, ValueError):
        raise LayerInputError(f"center={center!r} must be (latitude, longitude) as two numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise LayerInputError(f"center={center!r} is not (latitude, longitude); did you pass (lon, lat)?")
    if shift:
        glon, glat = wgs84_to_gcj02([lon], [lat])
        lat, lon = float(glat[0]), float(glon[0])
    tiles = build_basemap(basemap, tianditu_token=tianditu_token, lang=lang)
    overlays = build_overlays(carriers, zones, context=context, summary=summary, sources=sources, layers=layers,
                              lang=lang, gcj02=shift, tolerance_m=tolerance_m, popups=popups)
    m = make_map(location=(lat, lon), zoom_start=int(zoom), prefer_canvas=prefer_canvas,
                 asset_base_url=asset_base_url, height=height, control_scale=True)
    tiles.add_to(m)
    if fit and bounds is not None:
        south, west, north, east = bounds
        if shift:
            (west, east), (south, north) = wgs84_to_gcj02([west, east], [south, north])
        m.fit_bounds([[float(south), float(west)], [float(north), float(east)]])
    if legend:
        # From the data, not from which layers are on: the map (and so streamlit-folium's component
        # key) must stay the same while overlays are toggled, or the view would be reset.
        zone_types = (
            list(dict.fromkeys(str(t) for t in zones["type"])) if zones is not None and "type" in zones.columns else []
        )
        present = set(context or {}) | ({"line15"} if "line15_stations" in (context or {}) else set())
        build_legend(lang=lang, zone_types=zone_types, gcj02=shift,
                     context_keys=[k for k in _CONTEXT_KEYS if k in present]).add_to(m)
    control = folium.LayerControl(collapsed=True, position="topright")
    if embed_overlays:
        for group in overlays.values():
            group.add_to(m)
        if overlays:
            control.add_to(m)
    return MapParts(map=m, overlays=overlays, layer_control=control, basemap=info, gcj02=shift, center=(lat, lon))


def layer_label(key: str, lang: Lang = "zh") -> str:
    """The display name of overlay ``key`` in ``lang`` (plain text), for the page's layer switches."""
    if key not in LAYER_KEYS:
        raise LayerInputError(f"unknown layer key {key!r}; choose from {', '.join(LAYER_KEYS)}")
    return word(key, check_lang(lang))
