"""Assemble the page's map from the builders: a pure function of plain values and frames.

Two steps, so that a page can cache the expensive one:

1. pure data, computed once per data/language/datum and cached by the page
   (``st.cache_data`` pickles it): :func:`overlay_data` (every overlay as
   :class:`~layers.layerdata.LayerData`: display geometry, escaped tooltips, styles) and
   :func:`layers.scale.map_basis` (extent, legend contents, view);
2. :func:`build_map` with ``overlay_data=`` and ``basis=``: only cheap Folium object building, on
   every rerun (Folium objects are never cached: they are mutated while rendering).

For streamlit-folium, build with ``embed_overlays=False, basemap_in_map=False`` and pass
``parts.feature_groups`` (basemap tiles, the map's words and legend, then the overlays) as
``feature_group_to_add``: the map itself (its opening view) then depends on the data only, not on
the language, the basemap or which layers are on, so streamlit-folium's component key stays the same
and the user's view is kept (streamlit-folium swaps the feature groups without rebuilding the map).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import folium
import geopandas as gpd
import pandas as pd

from geo.crs import wgs84_to_gcj02
from layers._common import Lang, LayerInputError, check_lang, escape_text, pick_names, word
from layers.assets import STREAMLIT_ASSET_URL, MetricScale, make_map
from layers.basemaps import BasemapInfo, basemap_info, basemap_problem, build_basemap
from layers.carriers import carriers_layer_data
from layers.context import context_layer_data
from layers.display import DEFAULT_TOLERANCE_M
from layers.labels import labels_layer_data
from layers.layerdata import LayerData, to_feature_group
from layers.legend import build_legend, words_group
from layers.scale import MapBasis, View, check_view, choose_view, map_basis
from layers.zones import named_members, zones_layer_data

__all__ = [
    "DEFAULT_LAYERS",
    "LAYER_KEYS",
    "MapParts",
    "build_map",
    "layer_label",
    "overlay_data",
]

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
        The ``folium.Map`` (the basemap unless ``basemap_in_map=False``; the words group and the
        overlays too when ``embed_overlays``).
    overlays
        ``layer key → FeatureGroup`` in drawing order. For ``st_folium`` built with
        ``embed_overlays=False``, pass :attr:`feature_groups` (these, after the basemap and the words
        with the legend) as ``feature_group_to_add``.
    layer_control
        A collapsed ``folium.LayerControl`` for the overlays; for st_folium pass it as
        ``layer_control=`` (it must not be added to the map as well), or ignore it.
    basemap
        The chosen basemap's description; ``basemap.problem`` says why it could not be drawn (a
        missing or malformed Tianditu token: the map then has no tiles and says so itself), else None.
    gcj02
        Whether the overlays were shifted WGS-84 → GCJ-02 for display.
    center
        (lat, lon) the map was centred on, in the basemap's datum (WGS-84 when the basemap is
        not in the map).
    basemap_layer
        The basemap's tiles as a non-overlay ``FeatureGroup`` when built with
        ``basemap_in_map=False`` (pass it first in ``feature_group_to_add``), else None.
    view
        How the carriers are drawn: ``"full"``, ``"light"`` or ``"grid"`` (:mod:`layers.scale`).
    note
        Plain text for the page when the view is not ``"full"`` (:func:`layers.scale.view_note`), else "".
    words
        The map's words in its language and the legend (:func:`layers.legend.words_group`): in the
        map when built with ``embed_overlays``, else passed with the overlays.
    """

    map: folium.Map
    overlays: dict[str, folium.FeatureGroup] = field(default_factory=dict)
    layer_control: folium.LayerControl | None = None
    basemap: BasemapInfo | None = None
    gcj02: bool = False
    center: tuple[float, float] = _FALLBACK_CENTER
    basemap_layer: folium.FeatureGroup | None = None
    view: str = "full"
    note: str = ""
    words: folium.FeatureGroup | None = None

    @property
    def feature_groups(self) -> list[folium.FeatureGroup]:
        """The basemap layer (when separate), the words, then the overlays: ``st_folium(feature_group_to_add=...)``.

        Everything that depends on the language is in them, none of it in the map's own script.
        """
        head = [g for g in (self.basemap_layer, self.words) if g is not None]
        return [*head, *self.overlays.values()]


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


def overlay_data(
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
    view: View | None = None,
    indicators: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    phases: Mapping[str, str] | None = None,
    phase_year: int | None = None,
) -> dict[str, LayerData]:
    """Every overlay that is switched on, as plain picklable :class:`~layers.layerdata.LayerData`.

    The expensive, pure half of the map (validation, display geometry, escaped tooltips and popups,
    ordering, label zooms, styles): cache it on plain values and pass it to ``build_map(overlay_data=...)``;
    ``to_feature_group(data)`` draws one layer. Layers whose data is absent (no ``context`` entry,
    ``zones=None``…) are left out silently; unknown keys are an error.

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
        Keys of the overlays to compute.
    lang
        ``"zh"`` or ``"en"``.
    gcj02
        Shift every overlay to GCJ-02 for display (AMap basemaps: ``layers.needs_gcj02(basemap)``).
    tolerance_m
        Display simplification in metres.
    popups
        Give carriers their click popup (attributes and cited quotes: most of the payload; full view only).
    view
        How carriers are drawn (:mod:`layers.scale`); None chooses by their number.
    indicators
        ``carrier id → [(indicator name, value in words), …]`` for the carrier popups
        (:func:`geo.indicators.carrier_indicator_words`); ``None``: none known.
    phases, phase_year
        ``carrier id → phase`` in ``phase_year`` (:func:`geo.timeline.phase_by_carrier`): colour the carriers
        by phase; ``None``: by status.

    Returns
    -------
    dict
        ``layer key → LayerData``, keyed and ordered as :data:`LAYER_KEYS`.
    """
    lang = check_lang(lang)
    wanted = _check_layers(layers)
    gcj02 = bool(gcj02)
    context = dict(context or {})
    n = 0 if carriers is None else len(carriers)
    chosen = choose_view(n) if view is None else check_view(view)
    out: dict[str, LayerData] = {}
    for key in wanted:
        if key in _CONTEXT_KEYS and key in context:
            stations = context.get("line15_stations") if key == "line15" else None
            out[key] = context_layer_data(
                key, context[key], stations=stations, lang=lang, gcj02=gcj02, tolerance_m=tolerance_m
            )
        elif key == "line15" and "line15_stations" in context:
            data = context_layer_data(
                "line15_stations", context["line15_stations"], lang=lang, gcj02=gcj02, tolerance_m=tolerance_m
            )
            out[key] = LayerData(key, data.name, data.pieces, show=data.show, gcj02=gcj02)
        elif key == "zones" and zones is not None:
            names: dict[str, str] = {}
            named = named_members(summary)  # a few per zone: not every carrier's name
            if named and carriers is not None and {"id", "name_zh", "name_en"} <= set(carriers.columns):
                members = carriers[carriers["id"].astype(str).isin(named).to_numpy()]
                names = dict(zip(members["id"].astype(str), pick_names(members, lang), strict=True))
            out[key] = zones_layer_data(
                zones, summary=summary, carrier_names=names, lang=lang, gcj02=gcj02, tolerance_m=tolerance_m
            )
        elif key == "carriers" and carriers is not None:
            zone_names: dict[str, str] = {}
            if zones is not None and {"id", "name_zh", "name_en"} <= set(zones.columns):
                zone_names = dict(zip(zones["id"].astype(str), pick_names(zones, lang), strict=True))
            out[key] = carriers_layer_data(
                carriers,
                sources=sources,
                lang=lang,
                gcj02=gcj02,
                tolerance_m=tolerance_m,
                popups=popups,
                view=chosen,
                zone_names=zone_names,
                indicators=indicators,
                phases=phases,
                phase_year=phase_year,
            )
        elif key == "labels" and carriers is not None:
            out[key] = labels_layer_data(
                carriers=carriers, zones=zones, lang=lang, gcj02=gcj02, tolerance_m=tolerance_m, view=chosen
            )
    return out


def _check_center(center: object) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in center)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise LayerInputError(f"center={center!r} must be (latitude, longitude) as two numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise LayerInputError(f"center={center!r} is not (latitude, longitude); did you pass (lon, lat)?")
    return lat, lon


def _pick(overlay_data: Mapping[str, LayerData], wanted: list[str], shift: bool, basemap: str) -> dict[str, LayerData]:
    """The layers of ``overlay_data`` that are switched on, checked against the datum the basemap needs."""
    mismatched = sorted(k for k, v in overlay_data.items() if k in wanted and v.gcj02 != shift)
    if mismatched:
        raise LayerInputError(
            f"overlay_data for {', '.join(mismatched)} was computed with gcj02={not shift}, but the map needs "
            f"gcj02={shift} (basemap {basemap!r}); compute it with overlay_data(..., gcj02={shift})"
        )
    return {k: overlay_data[k] for k in wanted if k in overlay_data}


def _opening_view(
    basis: MapBasis, center: tuple[float, float] | None, *, shift: bool
) -> tuple[tuple[float, float], list[list[float]] | None]:
    """((lat, lon) to centre on, [[south, west], [north, east]] to fit or None), shifted to GCJ-02 if asked."""
    bounds = basis.bounds if center is None else None
    lat, lon = _check_center((basis.center or _FALLBACK_CENTER) if center is None else center)
    if shift:
        glon, glat = wgs84_to_gcj02([lon], [lat])
        lat, lon = float(glat[0]), float(glon[0])
    if bounds is None:
        return (lat, lon), None
    south, west, north, east = bounds
    if shift:
        (west, east), (south, north) = wgs84_to_gcj02([west, east], [south, north])
    return (lat, lon), [[float(south), float(west)], [float(north), float(east)]]


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
    basemap_in_map: bool = True,
    prefer_canvas: bool | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    popups: bool = True,
    view: View | None = None,
    overlay_data: Mapping[str, LayerData] | None = None,
    basis: MapBasis | None = None,
    asset_base_url: str | None = STREAMLIT_ASSET_URL,
    height: str | int = "100%",
    by_phase: bool = False,
    phase_year: int | None = None,
) -> MapParts:
    """The page's map: basemap, overlays, legend, layer control.

    Parameters
    ----------
    carriers, zones, context, summary, sources
        The data (see :func:`overlay_data`); all WGS-84, never modified. Not read when both
        ``overlay_data`` and ``basis`` are given.
    center
        (lat, lon) in WGS-84; default: the middle of the zones' and carriers' extent. It is shifted
        with the overlays when they are shifted and the basemap is in the map.
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
        Overlay keys to switch on (:data:`LAYER_KEYS`); with ``overlay_data``, the keys of it to draw.
    lang
        ``"zh"`` or ``"en"``.
    gcj02
        Shift overlays to GCJ-02; default (None): exactly when the basemap is AMap.
    legend
        Add the legend control (to the words group, :attr:`MapParts.words`).
    embed_overlays
        Add the overlays and the words group to the map, and give it a ``<title>`` in ``lang`` (for a
        standalone file); False keeps them only in ``MapParts.feature_groups`` for
        ``st_folium(feature_group_to_add=...)``, so that the map itself is the same in every language.
    basemap_in_map
        Add the basemap tiles to the map (default). False returns them as ``MapParts.basemap_layer``
        instead and leaves the map independent of the basemap (and of the language: the tiles' notice
        and Tianditu's labels are in ``lang``): no tiles, the opening view in WGS-84
        (on AMap it is then a few hundred metres off the shifted overlays, which a fit does not
        notice), and no GCJ-02 note in the legend (the page shows it).
    prefer_canvas
        Draw all vectors on a canvas; default (None): when the carriers are not in the full view.
    tolerance_m
        Display simplification in metres.
    popups
        Give carriers their click popup (see :func:`overlay_data`).
    view
        How carriers are drawn (:mod:`layers.scale`); None chooses by their number.
    overlay_data
        Precomputed (cached) :func:`overlay_data` for this language and datum; the overlay data step
        is then skipped. It must have been computed with the ``gcj02`` this basemap needs.
    basis
        Precomputed (cached) :func:`layers.scale.map_basis`; the extent and legend contents are then
        not recomputed.
    asset_base_url
        Where the browser loads Leaflet from (see :func:`layers.assets.asset_links`).
    height
        Map height (CSS length or pixels).
    by_phase, phase_year
        The carriers are coloured by their phase in ``phase_year`` (``overlay_data(phases=...)``; ``None``:
        build-out): the legend shows the phases' colours and words instead of the statuses'.

    Returns
    -------
    MapParts
    """
    lang = check_lang(lang)
    info = basemap_info(basemap)
    info = replace(info, problem=basemap_problem(basemap, tianditu_token=tianditu_token))
    shift = info.gcj02 if gcj02 is None else bool(gcj02)
    wanted = _check_layers(layers)
    if basis is None:
        basis = map_basis(carriers, zones, context=context, view=view)
    if overlay_data is None:
        overlay_data = _overlay_data(
            carriers,
            zones,
            context=context,
            summary=summary,
            sources=sources,
            layers=wanted,
            lang=lang,
            gcj02=shift,
            tolerance_m=tolerance_m,
            popups=popups,
            view=basis.view,
        )
    overlays = {key: to_feature_group(layer) for key, layer in _pick(overlay_data, wanted, shift, basemap).items()}
    # The map itself moves with the overlays only when it carries the (GCJ-02) tiles itself.
    shift_view = shift and basemap_in_map
    (lat, lon), bounds = _opening_view(basis, center, shift=shift_view)
    tiles = build_basemap(basemap, tianditu_token=tianditu_token, lang=lang)
    m = make_map(
        location=(lat, lon),
        zoom_start=int(zoom),
        prefer_canvas=basis.view != "full" if prefer_canvas is None else bool(prefer_canvas),
        asset_base_url=asset_base_url,
        height=height,
    )
    m.add_child(MetricScale(), name="xh_scale")
    if basemap_in_map:
        tiles.add_to(m)
    if fit and bounds is not None:
        m.fit_bounds(bounds)
    # From the data, not from which layers are on (the legend shows the rows of the layers present):
    # with the words it is a feature group of its own, so the map does not change with the language.
    words = words_group(
        lang=lang,
        legend=build_legend(
            lang=lang,
            zone_types=basis.zone_types,
            gcj02=shift_view,
            context_keys=basis.context_keys,
            view=basis.view,
            cell_m=basis.cell_m,
            by_phase=by_phase,
            phase_year=phase_year,
        )
        if legend
        else None,
    )
    control = folium.LayerControl(collapsed=True, position="topright")
    if embed_overlays:
        m.get_root().title = escape_text(word("map_title", lang))  # the <title> of a downloaded map
        words.add_to(m)
        for group in overlays.values():
            group.add_to(m)
        if overlays:
            control.add_to(m)
    return MapParts(
        map=m,
        overlays=overlays,
        layer_control=control,
        basemap=info,
        gcj02=shift,
        center=(lat, lon),
        basemap_layer=None if basemap_in_map else tiles,
        view=basis.view,
        note=basis.note(lang),
        words=words,
    )


_overlay_data = overlay_data


def layer_label(key: str, lang: Lang = "zh") -> str:
    """The display name of overlay ``key`` in ``lang`` (plain text), for the page's layer switches."""
    if key not in LAYER_KEYS:
        raise LayerInputError(f"unknown layer key {key!r}; choose from {', '.join(LAYER_KEYS)}")
    return word(key, check_lang(lang))
