"""Folium layer builders for the carrier-planning map.

Each builder validates its inputs first (raising :class:`LayerInputError`, a ``ValueError``), then
returns a layer without placing it; :func:`build_map` assembles the page's map. Every value that
reaches the page is HTML-escaped, the map's JavaScript and CSS come from the app's own ``static/``
folder (or are inlined by :func:`standalone_html`), and display geometry (simplified, rounded,
GCJ-02-shifted for AMap) is never used for area maths.

Each layer is two steps (:mod:`layers.layerdata`): a pure ``*_layer_data`` function returning
plain, picklable :class:`LayerData` (cache it: :func:`overlay_data`, :func:`map_basis`), and the
cheap :func:`to_feature_group` that draws it.

Scale (:mod:`layers.scale`): up to :data:`FULL_MAX` (300) carriers every outline is drawn with
tooltip, popup and label; up to :data:`LIGHT_MAX` (2,500) every outline still, on a canvas,
simplified by at least 10 m, with a short tooltip and no popups or carrier labels; above that the
carriers are summed on a grid of at least :data:`GRID_MIN_CELL_M` (250 m) cells — at most about
:data:`GRID_MAX_CELLS` (500) — coloured by floor-area density, next to the zone outlines.
"""

from layers._common import LANGS, WORDS, LayerInputError, escape_text, format_number, format_wan
from layers.assets import (
    ASSET_COMPONENT,
    LEAFLET_VERSION,
    STATIC_DIR,
    STREAMLIT_ASSET_URL,
    OfflineMap,
    asset_links,
    make_map,
    offline_draw,
    standalone_html,
)
from layers.basemaps import (
    BASEMAP_KEYS,
    BasemapInfo,
    MapNotice,
    available_basemaps,
    basemap_info,
    basemap_problem,
    build_basemap,
    needs_gcj02,
    tianditu_token_from_env,
)
from layers.carriers import carrier_depths, carriers_layer_data
from layers.context import context_layer_data
from layers.display import display_geometry, prepare_display, to_gcj02
from layers.grid import grid_cells, grid_layer_data
from layers.labels import label_min_zooms, labels_layer_data, zone_label_piece
from layers.layerdata import LayerData, Piece, to_feature_group
from layers.legend import Legend, MapWords, build_legend, words_group
from layers.mapping import (
    DEFAULT_LAYERS,
    LAYER_KEYS,
    MapParts,
    build_map,
    layer_label,
    overlay_data,
)
from layers.scale import (
    FULL_MAX,
    GRID_MAX_CELLS,
    GRID_MIN_CELL_M,
    LIGHT_MAX,
    MapBasis,
    choose_view,
    grid_cell_m,
    map_basis,
    view_note,
)
from layers.zones import summary_by_group, zones_layer_data

__all__ = [
    "ASSET_COMPONENT",
    "BASEMAP_KEYS",
    "DEFAULT_LAYERS",
    "FULL_MAX",
    "GRID_MAX_CELLS",
    "GRID_MIN_CELL_M",
    "LANGS",
    "LAYER_KEYS",
    "LEAFLET_VERSION",
    "LIGHT_MAX",
    "STATIC_DIR",
    "STREAMLIT_ASSET_URL",
    "WORDS",
    "BasemapInfo",
    "LayerData",
    "LayerInputError",
    "Legend",
    "MapBasis",
    "MapNotice",
    "MapParts",
    "MapWords",
    "OfflineMap",
    "Piece",
    "asset_links",
    "available_basemaps",
    "basemap_info",
    "basemap_problem",
    "build_basemap",
    "build_legend",
    "build_map",
    "carrier_depths",
    "carriers_layer_data",
    "choose_view",
    "context_layer_data",
    "display_geometry",
    "escape_text",
    "format_number",
    "format_wan",
    "grid_cell_m",
    "grid_cells",
    "grid_layer_data",
    "label_min_zooms",
    "labels_layer_data",
    "layer_label",
    "make_map",
    "map_basis",
    "needs_gcj02",
    "offline_draw",
    "overlay_data",
    "prepare_display",
    "standalone_html",
    "summary_by_group",
    "tianditu_token_from_env",
    "to_feature_group",
    "to_gcj02",
    "view_note",
    "words_group",
    "zone_label_piece",
    "zones_layer_data",
]
