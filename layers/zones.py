"""The planning zones (poles and belts): outlines, and the plan's figure beside the itemized sum."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.schema import split_ids
from geo.text import term
from layers._common import (
    Lang,
    LayerInputError,
    check_frame,
    check_lang,
    escape_text,
    format_wan,
    is_missing,
    pick_name,
    word,
)
from layers._geojson import feature_collection
from layers.display import DEFAULT_TOLERANCE_M, prepare_display
from layers.labels import zone_label_piece
from layers.layerdata import LayerData, Piece
from layers.styles import zone_style

__all__ = ["SUMMARY_COLUMNS", "ZONE_COLUMNS", "named_members", "summary_by_group", "zones_layer_data"]

ZONE_COLUMNS: tuple[str, ...] = ("id", "name_zh", "name_en", "type", "declared_floor_area_m2")
#: Columns of the roll-up summary the tooltip reads.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "group_id",
    "declared_m2",
    "total_m2",
    "difference_m2",
    "unknown_count",
    "unknown_ids",
)

_POLYGONAL = ("Polygon", "MultiPolygon")
_MAX_UNKNOWN_NAMES = 6


def summary_by_group(summary: pd.DataFrame | Mapping[str, pd.DataFrame] | None) -> dict[str, pd.Series]:
    """Summary rows keyed by ``group_id``, from one table or a mapping of zone type → table.

    Parameters
    ----------
    summary
        The roll-up table(s) with at least :data:`SUMMARY_COLUMNS`; None gives an empty dict.

    Returns
    -------
    dict
        ``group_id`` → row; the first row wins when a group id repeats.
    """
    if summary is None:
        return {}
    tables: list[tuple[str, Any]] = (
        [(str(k), v) for k, v in summary.items()] if isinstance(summary, Mapping) else [("summary", summary)]
    )
    problems = []
    rows: dict[str, pd.Series] = {}
    for name, table in tables:
        if not isinstance(table, pd.DataFrame):
            problems.append(f"{name}: expected a pandas DataFrame, got {type(table).__name__}")
            continue
        missing = [c for c in SUMMARY_COLUMNS if c not in table.columns]
        if missing:
            problems.append(f"{name}: missing column(s) {', '.join(missing)}")
            continue
        for _, row in table.iterrows():
            rows.setdefault(str(row["group_id"]), row)
    if problems:
        raise LayerInputError(
            "zone summary: " + "; ".join(problems) + "; pass the roll-up tables from geo (one per zone type)"
        )
    return rows


def named_members(summary: pd.DataFrame | Mapping[str, pd.DataFrame] | None) -> set[str]:
    """The carrier ids the zones' tooltips name (their first members of unknown figure), for
    ``zones_layer_data(carrier_names=...)``: the names of these carriers are all it needs.

    Examples
    --------
    >>> table = pd.DataFrame({column: [None, None] for column in SUMMARY_COLUMNS})
    >>> table["group_id"], table["unknown_ids"] = ["a", "b"], [["c1", "c2"], []]
    >>> sorted(named_members(table))
    ['c1', 'c2']
    """
    return {
        member
        for row in summary_by_group(summary).values()
        for member in _unknown_list(row.get("unknown_ids"))[:_MAX_UNKNOWN_NAMES]
    }


def _unknown_list(value: object) -> list[str]:
    if is_missing(value):
        return []
    if isinstance(value, str):
        return split_ids(value)
    if isinstance(value, Iterable):
        return [str(v) for v in value if not is_missing(v)]
    return split_ids(value)


def _zone_tooltip(zone: pd.Series, row: pd.Series | None, lang: Lang, names: Mapping[str, str]) -> str:
    name = escape_text(pick_name(zone, lang, fallback=str(zone["id"])))
    kind = escape_text(term("zone_type", str(zone["type"]), lang))
    lines = [f"<b>{name}</b> · {kind}"]
    declared = zone.get("declared_floor_area_m2")
    if row is None:
        lines.append(f"{escape_text(word('declared', lang))}: {escape_text(format_wan(declared, lang))}")
        lines.append(f"<i>{escape_text(word('no_summary', lang))}</i>")
        return "<br>".join(lines)
    if not is_missing(row.get("declared_m2")):
        declared = row.get("declared_m2")
    itemized = f"{escape_text(word('itemized', lang))}: {escape_text(format_wan(row.get('total_m2'), lang))}"
    if "existing_m2" in row.index and "planned_m2" in row.index:
        existing = escape_text(format_wan(row.get("existing_m2"), lang, unit=False))
        planned = escape_text(format_wan(row.get("planned_m2"), lang, unit=False))
        itemized += (
            f" ({escape_text(word('existing_area', lang))} {existing}"
            f" + {escape_text(word('planned_area', lang))} {planned})"
        )
    lines.append(f"{escape_text(word('declared', lang))}: {escape_text(format_wan(declared, lang))}")
    lines.append(itemized)
    lines.append(
        f"{escape_text(word('difference', lang))}: "
        f"{escape_text(format_wan(row.get('difference_m2'), lang, signed=True))}"
    )
    unknown_ids = _unknown_list(row.get("unknown_ids"))
    count = row.get("unknown_count")
    count = len(unknown_ids) if is_missing(count) else int(count)
    if count:
        shown = [names.get(i, i) for i in unknown_ids[:_MAX_UNKNOWN_NAMES]]
        more = "…" if len(unknown_ids) > _MAX_UNKNOWN_NAMES else ""
        detail = f": {escape_text('、'.join(shown) if lang == 'zh' else ', '.join(shown))}{more}" if shown else ""
        lines.append(f"{escape_text(word('unknown_members', lang))} {count}{detail}")
    return "<br>".join(lines)


def zones_layer_data(
    zones: gpd.GeoDataFrame,
    *,
    summary: pd.DataFrame | Mapping[str, pd.DataFrame] | None = None,
    carrier_names: Mapping[str, str] | None = None,
    zone_types: Iterable[str] | None = None,
    lang: Lang = "zh",
    gcj02: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    name: str | None = None,
    show: bool = True,
    labels: bool = True,
) -> LayerData:
    """The zones layer: poles and belts styled apart, tooltip = declared vs itemized in 万㎡, and their names.

    Draw it with :func:`layers.layerdata.to_feature_group`.

    Parameters
    ----------
    zones
        Zone polygons with :data:`ZONE_COLUMNS` (EPSG:4326, or any CRS to reproject).
    summary
        Roll-up table(s) (one per zone type, or concatenated) with :data:`SUMMARY_COLUMNS`;
        without it the tooltip shows the declared figure only.
    carrier_names
        ``carrier id → name`` to name the members whose figure is unknown (ids otherwise).
    zone_types
        Draw only zones of these types (default: all).
    lang
        ``"zh"`` or ``"en"`` for names and words.
    gcj02
        Shift the display copy to GCJ-02 (AMap basemaps only).
    tolerance_m
        Display simplification in metres.
    name
        Layer name (plain text; escaped here). Default: the localized "planning zones".
    show
        Whether the layer starts visible.
    labels
        Write each zone's name on the map (:func:`layers.labels.zone_label_piece`): part of this layer,
        so the names come and go with the outlines.

    Returns
    -------
    LayerData
        The outlines (larger zones first; each feature has ``tip`` and its style class ``s``:
        ``z0``, ``z1``… by zone type), then the names.
    """
    lang = check_lang(lang)
    zones = check_frame(zones, "zones", required=ZONE_COLUMNS, geometry_types=_POLYGONAL)
    rows = summary_by_group(summary)
    if zone_types is not None:
        wanted = {str(t) for t in zone_types}
        zones = zones[zones["type"].astype(str).isin(wanted)]
    layer_name = escape_text(name or word("zones", lang))
    if zones.empty:
        return LayerData("zones", layer_name, (), show=show, gcj02=gcj02)
    # Larger zones first, so a smaller one inside stays reachable under the pointer.
    order = zones.geometry.to_crs(3857).area.sort_values(ascending=False, kind="stable").index
    zones = zones.loc[order]
    display = prepare_display(zones, gcj02=gcj02, tolerance_m=tolerance_m)
    names = dict(carrier_names or {})
    ids = [str(i) for i in zones["id"]]
    # Style classes are numbered, not named after the (free-text) zone type.
    types = [str(t) for t in zones["type"]]
    class_of = {t: f"z{i}" for i, t in enumerate(dict.fromkeys(types))}
    props = [
        {"tip": _zone_tooltip(z, rows.get(str(z["id"])), lang, names), "s": class_of[t]}
        for (_, z), t in zip(zones.iterrows(), types, strict=True)
    ]
    styles = {cls: zone_style(t) for t, cls in class_of.items()}
    styles[""] = zone_style("")
    piece = Piece(
        feature_collection(display, ids, props),
        styles=styles,
        highlight={"weight_add": 1.5, "fillOpacity": 0.25},
    )
    names_piece = zone_label_piece(zones, lang=lang, gcj02=gcj02, tolerance_m=tolerance_m) if labels else None
    pieces = (piece,) if names_piece is None else (piece, names_piece)
    return LayerData("zones", layer_name, pieces, show=show, gcj02=gcj02)
