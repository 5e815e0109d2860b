"""Folium layer builders for the carrier-planning map.

Each builder validates its inputs first (raising :class:`LayerInputError`, a ``ValueError``), then
returns a layer without placing it; :func:`build_map` assembles the page's map. Every value that
reaches the page is HTML-escaped, the map's JavaScript and CSS come from the app's own ``static/``
folder (or are inlined by :func:`standalone_html`), and display geometry (simplified, rounded,
GCJ-02-shifted for AMap) is never used for area maths.
"""

from layers._common import LANGS, LayerInputError, escape_text, format_wan
from layers.assets import (
    LEAFLET_VERSION,
    STATIC_DIR,
    STREAMLIT_ASSET_URL,
    OfflineMap,
    asset_links,
    make_map,
    standalone_html,
)
from layers.basemaps import (
    BASEMAP_KEYS,
    BasemapInfo,
    available_basemaps,
    basemap_info,
    build_basemap,
    needs_gcj02,
    tianditu_token_from_env,
)
from layers.carriers import build_carriers_layer, carrier_depths
from layers.context import build_context_layer, build_context_layers
from layers.display import display_geometry, prepare_display, to_gcj02
from layers.labels import build_labels_layer
from layers.legend import Legend, build_legend
from layers.mapping import DEFAULT_LAYERS, LAYER_KEYS, MapParts, build_map, build_overlays, layer_label
from layers.zones import build_zones_layer, summary_by_group

__all__ = [
    "BASEMAP_KEYS",
    "DEFAULT_LAYERS",
    "LANGS",
    "LAYER_KEYS",
    "LEAFLET_VERSION",
    "STATIC_DIR",
    "STREAMLIT_ASSET_URL",
    "BasemapInfo",
    "LayerInputError",
    "Legend",
    "MapParts",
    "OfflineMap",
    "asset_links",
    "available_basemaps",
    "basemap_info",
    "build_basemap",
    "build_carriers_layer",
    "build_context_layer",
    "build_context_layers",
    "build_labels_layer",
    "build_legend",
    "build_map",
    "build_overlays",
    "build_zones_layer",
    "carrier_depths",
    "display_geometry",
    "escape_text",
    "format_wan",
    "layer_label",
    "make_map",
    "needs_gcj02",
    "prepare_display",
    "standalone_html",
    "summary_by_group",
    "tianditu_token_from_env",
    "to_gcj02",
]
