"""The legend: a Leaflet control drawn from the same styles as the layers, all text escaped.

It lists only the layers on the map: each row names its layer (``data-layer``), and the control shows
the rows of the overlays present (their ``xhLayer`` option, :class:`layers._geojson.PieceLayer`) every
time a layer is added or removed, whether by the layer control, a page's switches (streamlit-folium
adds and removes feature groups) or a script. The map itself does not change with the switches.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from branca.element import MacroElement
from jinja2 import Template

from geo.schema import STATUSES
from geo.text import term
from layers._common import Lang, LayerInputError, check_lang, escape_text, word
from layers.scale import GRID_BREAKS_WAN_PER_KM2, check_view
from layers.styles import CARRIER_STYLES, CONTEXT_STYLES, GRID_UNKNOWN_STYLE, grid_style, zone_style

__all__ = ["Legend", "build_legend"]

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")
#: Every layer a legend row can belong to.
LAYERS = ("carriers", "zones", "district_boundary", "huangpu", "outer_ring", "line15")


class Legend(MacroElement):
    """A legend box as a Leaflet control; its HTML is built escaped and shipped as a JSON string.

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
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            var map = {{ this._parent.get_name() }};
            var box = null;
            var pending = false;
            function update() {
                pending = false;
                if (!box) { return; }
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
                    + "background:rgba(255,255,255,0.92);max-width:240px";
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                box = div;
                later();
                return div;
            };
            map.on("layeradd layerremove", later);
            legend.addTo({{ this._parent.get_name() }});
        })();
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
) -> Legend:
    """The map legend: carrier statuses, zone types, context lines, unit and datum notes.

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

    Returns
    -------
    Legend
        Add it to the map itself (not to a feature group).
    """
    lang = check_lang(lang)
    rows = [f"<b>{escape_text(word('legend', lang))}</b>"]
    if check_view(view) == "grid":
        rows.extend(_grid_rows(lang, cell_m))
    else:
        rows.append(_row(f"<i>{escape_text(word('carriers', lang))}</i>", "carriers", counts=False))
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
