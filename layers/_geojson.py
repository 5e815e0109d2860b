"""One GeoJSON layer per piece of layer data, with tooltips and popups bound from pre-escaped properties.

Tooltip and popup HTML is built in Python (every value through ``escape_text``) and shipped as
plain JSON string properties ``tip`` and ``pop``; a small ``onEachFeature`` binds them. Folium's
``GeoJsonTooltip``/``GeoJsonPopup`` (raw field values and aliases) and ``Popup`` (a jQuery call on a
template literal) are not used, so no value is ever evaluated as markup or JavaScript.

Styles are *classes*: a piece carries a small ``class → Leaflet style`` table and each feature names
its class in the property ``s`` (absent: the default class ``""``). Folium's own ``style_function``
mapping writes every feature id into a ``switch`` in the page, which at 10,000 features is a few
hundred kilobytes of ids; a class table stays a few hundred bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import shapely
from branca.element import Element, Figure
from folium.elements import ElementAddToElement
from folium.template import Template
from folium.utilities import JsCode

from layers._common import LayerInputError

__all__ = [
    "BIND_JS",
    "CIRCLE_POINTS_JS",
    "LABEL_POINTS_JS",
    "PieceLayer",
    "feature_collection",
    "script_json",
]

# Popup content is given as an element, so streamlit-folium can read its innerText on click. Leaflet's own
# auto-pan is replaced by one that also keeps the popup clear of the legend (bottom right) and of a notice
# (bottom left): after the popup opens, the map pans once so that the popup lies inside the map, above or
# beside them (controls are drawn above popups, so a popup under one would be hidden).
BIND_JS = JsCode(
    """function (feature, layer) {
    var p = feature.properties || {};
    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true, opacity: 0.95}); }
    if (p.pop) {
        var div = document.createElement("div");
        div.className = "xh-pop";
        div.innerHTML = p.pop;
        layer.bindPopup(div, {minWidth: 250, maxWidth: 340, maxHeight: 300, autoPan: false});
        layer.on("popupopen", function (e) {
            var map = e.popup._map, element = e.popup.getElement();
            if (!map || !element) { return; }
            var box = map.getContainer().getBoundingClientRect(), r = element.getBoundingClientRect();
            var pad = 10, dx = 0, dy = 0;
            if (r.right + pad > box.right) { dx = r.right + pad - box.right; }
            if (r.left - dx < box.left + pad) { dx = r.left - box.left - pad; }
            if (r.top < box.top + pad) { dy = r.top - box.top - pad; }
            else if (r.bottom + pad > box.bottom) { dy = Math.min(r.bottom + pad - box.bottom, r.top - box.top - pad); }
            map.getContainer().querySelectorAll(".xh-legend, .xh-notice").forEach(function (obstacle) {
                if (obstacle.offsetParent === null) { return; }
                var g = obstacle.getBoundingClientRect();
                var left = r.left - dx, right = r.right - dx, top = r.top - dy, bottom = r.bottom - dy;
                if (right + pad > g.left && left - pad < g.right && bottom + pad > g.top && top - pad < g.bottom) {
                    var up = bottom + pad - g.top, aside = right + pad - g.left;
                    var canUp = top - up >= box.top + pad, canAside = left - aside >= box.left + pad;
                    if (canUp && (up <= aside || !canAside)) { dy += up; } else { dx += aside; }
                }
            });
            if (dx || dy) { map.panBy([Math.round(dx), Math.round(dy)]); }
        });
    }
}"""
)

CIRCLE_POINTS_JS = JsCode("""function (feature, latlng) { return L.circleMarker(latlng, {radius: 4}); }""")

# A label with a least zoom ``z`` (layers.labels) is hidden below it, so that no two labels overlap.
LABEL_POINTS_JS = JsCode(
    """function (feature, latlng) {
    var marker = L.marker(latlng, {
        icon: L.divIcon({className: "xh-label", html: feature.properties.label, iconSize: null}),
        interactive: false, keyboard: false
    });
    var least = feature.properties.z;
    if (typeof least === "number" && least > 0) {
        var map = null;
        var update = function () {
            var element = marker.getElement();
            if (map && element) { element.style.display = map.getZoom() >= least ? "" : "none"; }
        };
        marker.on("add", function () { map = marker._map; map.on("zoomend", update); update(); });
        marker.on("remove", function () { if (map) { map.off("zoomend", update); } map = null; });
    }
    return marker;
}"""
)

#: A canvas renderer for one layer (many features): one <canvas> instead of an SVG path each.
CANVAS_JS = JsCode("L.canvas({padding: 0.5})")


def script_json(value: object) -> str:
    r"""Compact JSON that is safe inside an inline ``<script>`` and inside a Jinja template.

    A script element only ends at ``</`` (``</script``) and only changes state at ``<!`` (``<!--``),
    so those two pairs are written ``<\/`` and ``\u003c!``; every other ``<`` stays (tooltip markup
    is most of the payload, and ``\u003c`` would be 6 bytes for 1). The second characters of ``{{``,
    ``{%`` and ``{#`` are written as ``\uXXXX`` too — they can only occur inside strings (a JSON
    object's ``{`` is always followed by ``"`` or ``}``) — because branca compiles rendered scripts as
    Jinja templates. U+2028/U+2029 are escaped for old JavaScript parsers. Non-ASCII text stays UTF-8
    (a Chinese character is 3 bytes, not a 6-byte ``\uXXXX``).

    >>> print(script_json({"tip": "<b>徐汇</b></script><!--", "id": "{{ 7*7 }}"}))
    {"tip":"<b>徐汇<\/b><\/script>\u003c!--","id":"{\u007b 7*7 }}"}
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("</", "<\\/")
        .replace("<!", "\\u003c!")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
        .replace("{{", "{\\u007b")
        .replace("{%", "{\\u0025")
        .replace("{#", "{\\u0023")
    )


class _RawScript(Element):
    """Script text added to the page as it is: not compiled as a Jinja template (unlike ``Element(text)``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def feature_collection(frame: gpd.GeoDataFrame, ids: Sequence[str] | None, props: Sequence[dict[str, Any]]) -> dict:
    """A GeoJSON FeatureCollection of ``frame``'s geometries with the given properties (and ids, unless None)."""
    geometries = [json.loads(g) for g in shapely.to_geojson(frame.geometry.to_numpy())] if len(frame) else []
    if ids is None:
        features = [
            {"type": "Feature", "properties": prop, "geometry": geom}
            for prop, geom in zip(props, geometries, strict=True)
        ]
    else:
        features = [
            {"type": "Feature", "id": str(fid), "properties": prop, "geometry": geom}
            for fid, prop, geom in zip(ids, props, geometries, strict=True)
        ]
    return {"type": "FeatureCollection", "features": features}


class PieceLayer(folium.GeoJson):
    """A ``folium.GeoJson`` drawn from one piece of layer data: class styles, escaped tooltips and popups.

    It keeps ``folium.GeoJson``'s attributes (``data``, ``style_function``, ``options``) but renders
    its own small script: the features as one compact JSON literal, the style classes as one table,
    and no per-feature style mapping.

    Parameters
    ----------
    data
        A FeatureCollection whose properties hold ``tip``/``pop``/``label`` (escaped HTML) and ``s``
        (style class).
    styles
        ``class → Leaflet style``; ``""`` is the default class.
    highlight
        ``{"weight_add": …, "fillOpacity": …}`` applied on hover, or None.
    interactive
        False: no tooltips, popups or pointer events (labels).
    point_to_layer
        How point features are drawn (:data:`CIRCLE_POINTS_JS`, :data:`LABEL_POINTS_JS`).
    canvas
        Draw this layer on its own canvas.
    layer_key
        The map layer it belongs to (``"zones"``…), read by the legend (:class:`layers.legend.Legend`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var styles = {{ this.styles_json }};
            var highlight = {{ this.highlight_json }};
            function style(feature) {
                var p = feature.properties || {};
                var key = Object.prototype.hasOwnProperty.call(styles, p.s) ? p.s : "";
                return styles[key] || {};
            }
            var layer = L.geoJson(null, {
                style: style,
                {%- if this.interactive %}
                onEachFeature: function (feature, sub) {
                    ({{ this.bind_js }})(feature, sub);
                    if (highlight) {
                        sub.on({
                            mouseover: function (e) {
                                if (typeof e.target.setStyle !== "function") { return; }
                                var s = style(e.target.feature);
                                e.target.setStyle({
                                    weight: (s.weight || 1) + highlight.weight_add,
                                    fillOpacity: highlight.fillOpacity
                                });
                            },
                            mouseout: function (e) {
                                if (typeof e.target.setStyle === "function") { layer.resetStyle(e.target); }
                            }
                        });
                    }
                },
                {%- endif %}
                ...{{ this.options|tojavascript }}
            });
            layer.addData({{ this.json_text }});
            return layer;
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict,
        *,
        styles: Mapping[str, Mapping[str, Any]],
        highlight: Mapping[str, float] | None = None,
        interactive: bool = True,
        point_to_layer: JsCode | None = None,
        canvas: bool = False,
        layer_key: str | None = None,
    ) -> None:
        # No style/highlight function here: folium would build its per-feature id mapping from them.
        super().__init__(data, control=False)
        self._name = "GeoJson"
        self.piece_styles = {str(k): dict(v) for k, v in styles.items()}
        self.piece_highlight = dict(highlight) if highlight is not None else None
        self.interactive = interactive
        self.bind_js = BIND_JS
        options: dict[str, Any] = {}
        if point_to_layer is not None:
            options["pointToLayer"] = point_to_layer
        if not interactive:
            options["interactive"] = False
        if canvas:
            options["renderer"] = CANVAS_JS
        if layer_key is not None:
            options["xhLayer"] = str(layer_key)  # the legend shows the rows of the layers on the map
        self.options = options
        # What each feature is drawn with, as folium's style_function/highlight_function would give it.
        self.style_function = self._style_of
        self.highlight_function = self._highlight_of if interactive and highlight is not None else None
        self._json_text: str | None = None

    def _style_of(self, feature: Mapping[str, Any]) -> dict[str, Any]:
        cls = str((feature.get("properties") or {}).get("s", ""))
        return dict(self.piece_styles.get(cls) or self.piece_styles.get("") or {})

    def _highlight_of(self, feature: Mapping[str, Any]) -> dict[str, Any]:
        if self.piece_highlight is None:
            return {}
        return {
            "weight": self._style_of(feature).get("weight", 1) + self.piece_highlight["weight_add"],
            "fillOpacity": self.piece_highlight["fillOpacity"],
        }

    @property
    def styles_json(self) -> str:
        return script_json(self.piece_styles)

    @property
    def highlight_json(self) -> str:
        return script_json(self.piece_highlight if self.interactive else None)

    @property
    def json_text(self) -> str:
        # Serialized once per element: streamlit-folium renders a feature group's script twice.
        if self._json_text is None:
            self._json_text = script_json(self.data)
        return self._json_text

    def render(self, **kwargs: Any) -> None:
        """Add the script to the page without folium's style mapper and without branca's template compile.

        ``MacroElement.render`` wraps the rendered script in ``Element(script)``, which compiles
        it — features and all — as a Jinja template: slow for large layers (the lexer reads every
        byte) and a template-injection risk for any text in it.
        """
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise LayerInputError("a map layer can only be rendered inside a map (add its FeatureGroup to a map)")
        if self.show:
            self.add_child(
                ElementAddToElement(element_name=self.get_name(), element_parent_name=self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        script = self._template.module.__dict__["script"](self, kwargs)
        figure.script.add_child(_RawScript(script), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
