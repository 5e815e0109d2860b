"""Colours and line styles, shared by the layers and the legend so that the two always agree."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from geo.text import Text

__all__ = [
    "CARRIER_STYLES",
    "CONTEXT_STYLES",
    "GRID_COLORS",
    "GRID_UNKNOWN_STYLE",
    "NESTED_WEIGHT",
    "PHASE_COLOURS",
    "ZONE_STYLES",
    "carrier_style",
    "grid_style",
    "phase_heading",
    "phase_style",
    "zone_style",
]

_Style = MappingProxyType

CARRIER_STYLES: MappingProxyType[str, MappingProxyType[str, Any]] = _Style(
    {
        "existing": _Style(
            {"color": "#1d4ed8", "fillColor": "#3b82f6", "fillOpacity": 0.35, "weight": 1.5, "dashArray": None}
        ),
        "under_construction": _Style(
            {"color": "#c2410c", "fillColor": "#fb923c", "fillOpacity": 0.3, "weight": 1.5, "dashArray": "6 3"}
        ),
        "planned": _Style(
            {"color": "#7e22ce", "fillColor": "#c084fc", "fillOpacity": 0.22, "weight": 1.5, "dashArray": "2 4"}
        ),
    }
)
_CARRIER_OTHER = _Style(
    {"color": "#4b5563", "fillColor": "#9ca3af", "fillOpacity": 0.25, "weight": 1.5, "dashArray": "1 3"}
)
#: Nested carriers (with a parent) get a heavier outline so they read as parts of the parent.
NESTED_WEIGHT = 2.5

ZONE_STYLES: MappingProxyType[str, MappingProxyType[str, Any]] = _Style(
    {
        "pole": _Style(
            {"color": "#dc2626", "fillColor": "#fca5a5", "fillOpacity": 0.14, "weight": 2.5, "dashArray": None}
        ),
        "belt": _Style(
            {"color": "#047857", "fillColor": "#6ee7b7", "fillOpacity": 0.12, "weight": 2.5, "dashArray": "10 6"}
        ),
    }
)
_ZONE_OTHER = _Style({"color": "#6b7280", "fillColor": "#e5e7eb", "fillOpacity": 0.1, "weight": 2, "dashArray": "4 4"})

CONTEXT_STYLES: MappingProxyType[str, MappingProxyType[str, Any]] = _Style(
    {
        "district_boundary": _Style(
            {"color": "#374151", "weight": 2, "opacity": 0.9, "dashArray": "8 4 2 4", "fill": False}
        ),
        "huangpu": _Style(
            {"color": "#2563eb", "weight": 5, "opacity": 0.55, "fillColor": "#93c5fd", "fillOpacity": 0.3}
        ),
        "line15": _Style({"color": "#8c6d46", "weight": 4, "opacity": 0.9}),
        "line15_stations": _Style(
            {"color": "#8c6d46", "weight": 2, "fillColor": "#ffffff", "fillOpacity": 1, "radius": 4}
        ),
        "outer_ring": _Style({"color": "#6b7280", "weight": 4, "opacity": 0.7}),
    }
)
CONTEXT_OTHER = _Style({"color": "#6b7280", "weight": 2, "opacity": 0.8, "fillOpacity": 0.1, "radius": 4})


def carrier_style(status: str, *, nested: bool) -> dict[str, Any]:
    """The Leaflet path style of a carrier with ``status``; nested ones get a heavier outline."""
    style = dict(CARRIER_STYLES.get(status, _CARRIER_OTHER))
    if nested:
        style["weight"] = NESTED_WEIGHT
    return {k: v for k, v in style.items() if v is not None}


#: Phases a carrier can be coloured by in a year (:func:`geo.timeline.phase_by_carrier`), with their words and
#: fills (the timeline chart's colours; unknown: grey, dashed), for the carriers layer and its legend.
PHASE_COLOURS: Mapping[str, tuple[Text, str]] = MappingProxyType(
    {
        "built": (Text("已建成", "built"), "#2b6cb0"),
        "under_construction": (Text("在建", "under construction"), "#dd8a2e"),
        "planned": (Text("规划", "planned"), "#a0aec0"),
        "unknown": (Text("阶段未知", "phase unknown"), "#6b7280"),
    }
)


_PHASE_IN_YEAR = Text("截至{year}年的阶段", "phase in {year}")
_PHASE_AT_BUILDOUT = Text("建成后的阶段", "phase at build-out")


def phase_heading(year: int | None) -> Text:
    """What the phase colours show: the phase in ``year`` (``None``: at build-out), in both languages.

    >>> phase_heading(2024).zh, phase_heading(None).en
    ('截至2024年的阶段', 'phase at build-out')
    """
    if year is None:
        return _PHASE_AT_BUILDOUT
    return Text(_PHASE_IN_YEAR.zh.format(year=year), _PHASE_IN_YEAR.en.format(year=year))


def phase_style(phase: str, *, nested: bool) -> dict[str, Any]:
    """The Leaflet path style of a carrier in ``phase`` (:data:`PHASE_COLOURS`); unknown is dashed."""
    colour = PHASE_COLOURS.get(phase, PHASE_COLOURS["unknown"])[1]
    style = {**carrier_style("existing", nested=nested), "color": colour, "fillColor": colour}
    if phase == "unknown":
        style["dashArray"] = "4 3"
    return style


def zone_style(zone_type: str) -> dict[str, Any]:
    """The Leaflet path style of a zone of ``zone_type`` (pole, belt, or another layout's word)."""
    style = dict(ZONE_STYLES.get(zone_type, _ZONE_OTHER))
    return {k: v for k, v in style.items() if v is not None}


#: Fill colours of the grid's density classes, low to high (ColorBrewer YlOrRd, 6 classes).
GRID_COLORS: tuple[str, ...] = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
#: A grid cell whose carriers all have unknown figures.
GRID_UNKNOWN_STYLE = _Style(
    {"color": "#6b7280", "weight": 0.5, "opacity": 0.6, "fillColor": "#d1d5db", "fillOpacity": 0.55, "dashArray": "2 2"}
)


def grid_style(step: int) -> dict[str, Any]:
    """The Leaflet path style of a grid cell in density class ``step`` (0 = lowest)."""
    color = GRID_COLORS[max(0, min(step, len(GRID_COLORS) - 1))]
    return {"color": "#9a3412", "weight": 0.5, "opacity": 0.5, "fillColor": color, "fillOpacity": 0.6}
