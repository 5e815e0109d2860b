"""The legend: a Leaflet control drawn from the same styles as the layers, all text escaped."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from branca.element import MacroElement
from jinja2 import Template

from geo.schema import STATUSES
from layers._common import Lang, LayerInputError, check_lang, escape_text, word
from layers.scale import GRID_BREAKS_WAN_PER_KM2, check_view
from layers.styles import CARRIER_STYLES, CONTEXT_STYLES, GRID_UNKNOWN_STYLE, grid_style, zone_style

__all__ = ["Legend", "build_legend"]

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")


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
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "xh-legend leaflet-control-layers");
                div.style.cssText = "padding:6px 8px;font-size:12px;line-height:1.5;"
                    + "background:rgba(255,255,255,0.92);max-width:240px";
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
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


def _grid_rows(lang: Lang, cell_m: float | None) -> list[str]:
    unit = "万㎡/km²"
    title = "载体建筑面积密度" if lang == "zh" else "Carrier floor-area density"
    if cell_m:
        title += f"（{cell_m:,.0f} m 网格）" if lang == "zh" else f" ({cell_m:,.0f} m grid)"
    rows = [f"<div><i>{escape_text(title)}</i></div>"]
    breaks = [f"{b:g}" for b in GRID_BREAKS_WAN_PER_KM2]
    labels = [f"< {breaks[0]}", *(f"{a}–{b}" for a, b in pairwise(breaks)), f"≥ {breaks[-1]}"]
    rows.extend(
        f"<div>{_swatch(grid_style(i))}{escape_text(text)} {escape_text(unit)}</div>" for i, text in enumerate(labels)
    )
    rows.append(f"<div>{_swatch(dict(GRID_UNKNOWN_STYLE))}{escape_text(word('unknown_members', lang))}</div>")
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
        rows.append(f"<div><i>{escape_text(word('carriers', lang))}</i></div>")
        rows.extend(f"<div>{_swatch(dict(CARRIER_STYLES[s]))}{escape_text(word(s, lang))}</div>" for s in STATUSES)
        rows.append(f"<div><small>{escape_text(word('nested_note', lang))}</small></div>")
    types = list(dict.fromkeys(str(t) for t in zone_types))
    if types:
        rows.append(f"<div><i>{escape_text(word('zones', lang))}</i></div>")
        rows.extend(f"<div>{_swatch(zone_style(t))}{escape_text(word(t, lang))}</div>" for t in types)
    keys = [k for k in dict.fromkeys(context_keys) if k in CONTEXT_STYLES]
    rows.extend(f"<div>{_swatch(dict(CONTEXT_STYLES[k]), line=True)}{escape_text(word(k, lang))}</div>" for k in keys)
    rows.append(f"<div><small>{escape_text(word('unit_note', lang))}</small></div>")
    if gcj02:
        rows.append(f"<div><small>{escape_text(word('gcj_note', lang))}</small></div>")
    return Legend("".join(rows), position=position)
