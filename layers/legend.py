"""The legend and the map's other words: Leaflet controls drawn from the same styles as the layers, all text escaped.

It lists only the layers on the map: each row names its layer (``data-layer``), and the control shows
the rows of the overlays present (their ``xhLayer`` option, :class:`layers._geojson.PieceLayer`) every
time a layer is added or removed, whether by the layer control, a page's switches (streamlit-folium
adds and removes feature groups) or a script. The map itself does not change with the switches.

The words of the map (the legend, the language of the map's box and the titles of its zoom buttons,
:class:`MapWords`) can live in a feature group instead of the map (:func:`words_group`): the legend
is then on the map while that group is, and streamlit-folium, which re-evaluates its
``feature_group_to_add`` without rebuilding the map, switches the language of all of them without
resetting the user's view (the map's own script is then the same in every language).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.schema import STATUSES
from geo.text import term
from layers._common import Lang, LayerInputError, check_lang, escape_text, word
from layers.scale import GRID_BREAKS_WAN_PER_KM2, check_view
from layers.styles import (
    CARRIER_STYLES,
    CONTEXT_STYLES,
    GRID_UNKNOWN_STYLE,
    PHASE_COLOURS,
    grid_style,
    phase_heading,
    phase_style,
    zone_style,
)

__all__ = ["Legend", "MapWords", "build_legend", "words_group"]

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")
#: Every layer a legend row can belong to.
LAYERS = ("carriers", "zones", "district_boundary", "huangpu", "outer_ring", "line15")


class Legend(MacroElement):
    """A legend box as a Leaflet control; its HTML is built escaped and shipped as a JSON string.

    Added to a map, it stays for the map's life; added to a feature group, it is on the map while
    the group is (the page's map keeps it there, so its words can change without a new map).

    Parameters
    ----------
    html
        The legend's inner HTML, already escaped by the caller (see :func:`build_legend`).
    position
        Leaflet control corner.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (parent) {
            var legend = L.control({position: {{ this.position|tojson }}});
            var map = null;
            var box = null;
            var pending = false;
            function update() {
                pending = false;
                if (!box || !map) { return; }
                var on = {};
                map.eachLayer(function (layer) {
                    if (layer.options && layer.options.xhLayer) { on[layer.options.xhLayer] = true; }
                });
                var shown = 0;
                box.querySelectorAll("[data-layer]").forEach(function (row) {
                    var keys = row.getAttribute("data-layer").split(" ");
                    var visible = keys.some(function (k) { return on[k]; });
                    row.style.display = visible ? "" : "none";
                    if (visible && row.getAttribute("data-count") !== "no") { shown += 1; }
                });
                box.style.display = shown ? "" : "none";
            }
            function later() { if (!pending) { pending = true; setTimeout(update, 0); } }
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "xh-legend leaflet-control-layers");
                div.style.cssText = "padding:6px 8px;font-size:12px;line-height:1.5;"
                    + "background:rgba(255,255,255,0.92);max-width:240px;display:none";  // until update()
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                box = div;
                later();
                return div;
            };
            legend.onRemove = function () { box = null; };
            function attach(target) {
                if (map || !target) { return; }
                map = target;
                map.on("layeradd layerremove", later);
                legend.addTo(map);
            }
            function detach() {
                if (!map) { return; }
                map.off("layeradd layerremove", later);
                legend.remove();
                map = null;
            }
            if (parent instanceof L.Map) {
                attach(parent);
            } else {
                // In a feature group: on the map while the group is (streamlit-folium swaps its groups).
                parent.on("add", function () { attach(parent._map); });
                parent.on("remove", detach);
                attach(parent._map);
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        if position not in _POSITIONS:
            raise LayerInputError(f"legend position={position!r} is not one of {', '.join(_POSITIONS)}")
        self.html = html
        self.position = position


class MapWords(MacroElement):
    """The map's own words in one language: its box's ``lang`` and the titles of the zoom buttons.

    Added to a map, or to a feature group (then applied whenever the group is added to a map, so a
    page that swaps its groups, as streamlit-folium does, switches them without a new map).

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (parent) {
            var words = {{ this.words|tojson }};
            function plain(html) {  // the words are shipped escaped; a textarea decodes them as text only
                var area = document.createElement("textarea");
                area.innerHTML = html;
                return area.value;
            }
            function name(button, html) {
                if (!button) { return; }
                button.setAttribute("title", plain(html));
                button.setAttribute("aria-label", plain(html));
            }
            function apply(map) {
                if (!map) { return; }
                map.getContainer().setAttribute("lang", words.lang);
                var zoom = map.zoomControl;
                if (zoom) {
                    name(zoom._zoomInButton, words.zoom_in);
                    name(zoom._zoomOutButton, words.zoom_out);
                }
            }
            if (parent instanceof L.Map) {
                apply(parent);
            } else {
                parent.on("add", function () { apply(parent._map); });
                apply(parent._map);
            }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, *, lang: Lang = "zh") -> None:
        super().__init__()
        self._name = "MapWords"
        lang = check_lang(lang)
        self.words = {
            "lang": _HTML_LANG[lang],
            "zoom_in": escape_text(word("zoom_in", lang)),
            "zoom_out": escape_text(word("zoom_out", lang)),
        }


_HTML_LANG = {"zh": "zh-CN", "en": "en"}


def words_group(*, lang: Lang = "zh", legend: Legend | None = None) -> folium.FeatureGroup:
    """A feature group with the map's words in ``lang`` (:class:`MapWords`) and the ``legend``, if any.

    Not an overlay and not in a layer control. Pass it to ``st_folium(feature_group_to_add=...)``
    (``layers.MapParts.feature_groups`` does) so the map's own script is the same in every language
    and a language switch keeps the view; or add it to a standalone map.

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.
    legend
        The legend (:func:`build_legend`, in the same language), or None for none.

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name="xh_words", overlay=False, control=False)
    group.add_child(MapWords(lang=lang), name="xh_map_words")
    if legend is not None:
        group.add_child(legend, name="xh_legend")
    return group


def _swatch(style: dict, *, line: bool = False) -> str:
    color = style.get("color", "#666")
    dash = "dashed" if style.get("dashArray") else "solid"
    if line:
        return (
            f'<span style="display:inline-block;width:22px;height:0;border-top:{max(2, style.get("weight", 2))}px '
            f'{dash} {color};vertical-align:middle;margin-right:6px"></span>'
        )
    fill = style.get("fillColor", "transparent")
    return (
        f'<span style="display:inline-block;width:16px;height:11px;background:{fill};border:2px {dash} {color};'
        f'vertical-align:middle;margin-right:6px"></span>'
    )


def _row(html: str, layers: str, *, counts: bool = True) -> str:
    """One legend row, shown while one of ``layers`` (space-separated keys) is on the map."""
    count = "" if counts else ' data-count="no"'
    return f'<div data-layer="{layers}"{count}>{html}</div>'


def _grid_rows(lang: Lang, cell_m: float | None) -> list[str]:
    unit = "万㎡/km²"
    title = word("grid_title", lang)
    if cell_m:
        title += word("grid_cell", lang).replace("{cell}", f"{cell_m:,.0f}")
    rows = [_row(f"<i>{escape_text(title)}</i>", "carriers", counts=False)]
    breaks = [f"{b:g}" for b in GRID_BREAKS_WAN_PER_KM2]
    labels = [f"< {breaks[0]}", *(f"{a}–{b}" for a, b in pairwise(breaks)), f"≥ {breaks[-1]}"]
    rows.extend(
        _row(f"{_swatch(grid_style(i))}{escape_text(text)} {escape_text(unit)}", "carriers")
        for i, text in enumerate(labels)
    )
    rows.append(_row(f"{_swatch(dict(GRID_UNKNOWN_STYLE))}{escape_text(word('unknown_members', lang))}", "carriers"))
    return rows


def build_legend(
    *,
    lang: Lang = "zh",
    zone_types: Iterable[str] = ("pole", "belt"),
    context_keys: Iterable[str] = ("district_boundary", "huangpu", "line15", "outer_ring"),
    gcj02: bool = False,
    position: str = "bottomright",
    view: str = "full",
    cell_m: float | None = None,
    by_phase: bool = False,
    phase_year: int | None = None,
) -> Legend:
    """The map legend: carrier statuses (or phases), zone types, context lines, unit and datum notes.

    Every row belongs to a layer and is shown only while that layer is on the map (the whole legend
    is hidden when none is); the words are the project's vocabulary (:mod:`geo.text`).

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.
    zone_types
        Zone types to show (their words are escaped; unknown types get the neutral style).
    context_keys
        Context layers to show.
    gcj02
        Add the note that overlays are shifted to GCJ-02 for display.
    position
        Leaflet control corner.
    view
        The carriers' view (:mod:`layers.scale`): ``"grid"`` shows the density classes instead of
        the statuses.
    cell_m
        Grid cell size in metres, named in the grid legend.
    by_phase
        The carriers are coloured by their phase in ``phase_year`` (``layers.overlay_data(phases=...)``): the
        phases' colours and words (:data:`layers.styles.PHASE_COLOURS`) replace the statuses'.
    phase_year
        The year of the phases (``None``: build-out), named in the carriers' heading.

    Returns
    -------
    Legend
        Add it to the map, or to the map's words group (:func:`words_group`).
    """
    lang = check_lang(lang)
    rows = [f"<b>{escape_text(word('legend', lang))}</b>"]
    if check_view(view) == "grid":
        rows.extend(_grid_rows(lang, cell_m))
    else:
        heading = word("carriers", lang)
        if by_phase:
            heading += ("（{}）" if lang == "zh" else " ({})").format(phase_heading(phase_year).in_(lang))
        rows.append(_row(f"<i>{escape_text(heading)}</i>", "carriers", counts=False))
        if by_phase:
            rows.extend(
                _row(f"{_swatch(phase_style(p, nested=False))}{escape_text(text.in_(lang))}", "carriers")
                for p, (text, _) in PHASE_COLOURS.items()
            )
        else:
            rows.extend(
                _row(f"{_swatch(dict(CARRIER_STYLES[s]))}{escape_text(term('status', s, lang))}", "carriers")
                for s in STATUSES
            )
        rows.append(_row(f"<small>{escape_text(word('nested_note', lang))}</small>", "carriers", counts=False))
    types = list(dict.fromkeys(str(t) for t in zone_types))
    if types:
        rows.append(_row(f"<i>{escape_text(word('zones', lang))}</i>", "zones", counts=False))
        rows.extend(_row(f"{_swatch(zone_style(t))}{escape_text(term('zone_type', t, lang))}", "zones") for t in types)
    keys = [k for k in dict.fromkeys(context_keys) if k in CONTEXT_STYLES]
    rows.extend(
        _row(f"{_swatch(dict(CONTEXT_STYLES[k]), line=True)}{escape_text(word(k, lang))}", escape_text(k)) for k in keys
    )
    rows.append(_row(f"<small>{escape_text(word('unit_note', lang))}</small>", "carriers zones", counts=False))
    if gcj02:
        rows.append(_row(f"<small>{escape_text(word('gcj_note', lang))}</small>", " ".join(LAYERS), counts=False))
    return Legend("".join(rows), position=position)
