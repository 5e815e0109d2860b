"""Layer data: what a map layer draws, as plain picklable values, and the cheap step that makes it Folium.

Every builder is split in two:

- a pure ``*_layer_data(...)`` function does the expensive work once (validate, order, reproject,
  simplify, shift to GCJ-02, round, escape every tooltip/popup/label) and returns a
  :class:`LayerData` of plain values: dicts, strings, numbers. It can be cached (``st.cache_data``
  pickles it) and shared between users and reruns, because nothing in it is ever mutated;
- :func:`to_feature_group` turns it into a fresh ``folium.FeatureGroup`` on every call, in
  milliseconds. Folium objects are never cached: a map or group is mutated while it is rendered
  (streamlit-folium adds the groups to the map it is given), so a shared one would leak between users.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import folium

from layers._geojson import CIRCLE_POINTS_JS, LABEL_POINTS_JS, PieceLayer

__all__ = ["LayerData", "Piece", "PointStyle", "to_feature_group"]

PointStyle = Literal["circle", "label"]
_POINT_JS = {"circle": CIRCLE_POINTS_JS, "label": LABEL_POINTS_JS}


@dataclass(frozen=True)
class Piece:
    """One GeoJSON layer of a map layer (a layer may have several, e.g. Line 15 and its stations).

    Attributes
    ----------
    data
        A GeoJSON FeatureCollection in display coordinates (simplified, rounded, GCJ-02-shifted
        when asked). Feature properties hold only escaped HTML strings — ``tip`` (tooltip), ``pop``
        (popup), ``label`` — and ``s``, the feature's style class (absent: ``""``).
    styles
        ``style class → Leaflet path style``; ``""`` is the default class. For a few features a class
        per feature id is fine; for many, one class per status or density step keeps the page small.
    highlight
        Hover style: ``{"weight_add": w, "fillOpacity": o}`` (outline ``w`` heavier), or None.
    interactive
        False for pieces that must ignore the pointer (labels).
    points
        How point features are drawn: ``"circle"`` (small circle markers), ``"label"`` (the
        ``label`` property as a text marker) or None (no points expected).
    canvas
        Draw the piece on a canvas (many features) instead of one SVG path each.
    """

    data: dict[str, Any]
    styles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    highlight: Mapping[str, float] | None = None
    interactive: bool = True
    points: PointStyle | None = None
    canvas: bool = False

    @property
    def features(self) -> list[dict[str, Any]]:
        """The piece's GeoJSON features."""
        return self.data["features"]

    def style_of(self, feature: Mapping[str, Any]) -> dict[str, Any]:
        """The Leaflet style ``feature`` is drawn with."""
        cls = str((feature.get("properties") or {}).get("s", ""))
        return dict(self.styles.get(cls) or self.styles.get("") or {})


@dataclass(frozen=True)
class LayerData:
    """A map layer's drawable data: the layer control name and its pieces.

    Attributes
    ----------
    key
        The overlay key (:data:`layers.mapping.LAYER_KEYS`, or a context layer's name).
    name
        Layer name for the layer control, already escaped.
    pieces
        The GeoJSON pieces, drawn in this order.
    show
        Whether the layer starts visible.
    view
        ``"full"``, ``"light"`` or ``"grid"`` (see :mod:`layers.scale`); ``"full"`` for layers that
        do not change with the number of features.
    note
        Plain-text note for the page when the layer is drawn in a reduced view ("" otherwise).
    gcj02
        Whether the display coordinates were shifted to GCJ-02 (they must match the basemap).
    """

    key: str
    name: str
    pieces: tuple[Piece, ...] = ()
    show: bool = True
    view: str = "full"
    note: str = ""
    gcj02: bool = False

    @property
    def features(self) -> list[dict[str, Any]]:
        """Every feature of every piece, in drawing order."""
        return [f for piece in self.pieces for f in piece.features]


def to_feature_group(layer: LayerData) -> folium.FeatureGroup:
    """A new ``folium.FeatureGroup`` drawing ``layer`` (cheap: no geometry or text work).

    The GeoJSON dicts are referenced, not copied, and are never modified.

    Parameters
    ----------
    layer
        Layer data from one of the ``*_layer_data`` functions or :func:`layers.overlay_data`.

    Returns
    -------
    folium.FeatureGroup
    """
    group = folium.FeatureGroup(name=layer.name, show=layer.show)
    for piece in layer.pieces:
        if not piece.data.get("features"):
            continue
        PieceLayer(
            piece.data,
            styles=piece.styles,
            highlight=piece.highlight,
            interactive=piece.interactive,
            point_to_layer=_POINT_JS.get(piece.points) if piece.points else None,
            canvas=piece.canvas,
            layer_key=layer.key,
        ).add_to(group)
    return group
