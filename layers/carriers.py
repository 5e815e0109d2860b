"""The carriers (载体): outlines styled by status, nested ones above their parent, with cited popups.

How they are drawn depends on how many there are (:mod:`layers.scale`): every outline with its
popup (``full``), every outline on a canvas with a short tooltip (``light``), or a density grid
(``grid``, :mod:`layers.grid`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import nesting
from geo.schema import STATUSES, split_ids
from geo.text import UNKNOWN, Text, field_label, term
from layers._common import (
    Lang,
    LayerInputError,
    check_frame,
    check_lang,
    escape_text,
    format_number,
    format_wan,
    is_missing,
    pick_name,
    pick_names,
    word,
)
from layers._geojson import feature_collection
from layers.display import DEFAULT_TOLERANCE_M, prepare_display
from layers.grid import grid_layer_data
from layers.layerdata import LayerData, Piece
from layers.scale import LIGHT_DECIMALS, LIGHT_TOLERANCE_M, View, check_view, choose_view, view_note
from layers.styles import PHASE_COLOURS, carrier_style, phase_heading, phase_style

__all__ = ["CARRIER_COLUMNS", "SOURCE_COLUMNS", "carrier_depths", "carriers_layer_data"]

CARRIER_COLUMNS: tuple[str, ...] = (
    "id",
    "name_zh",
    "name_en",
    "parent_id",
    "status",
    "floor_area_existing_m2",
    "floor_area_planned_m2",
)
#: Columns of the sources table a popup cites (``id`` and ``quote`` are required).
SOURCE_COLUMNS: tuple[str, ...] = ("id", "document", "line", "quote", "value", "unit", "note")

_POLYGONAL = ("Polygon", "MultiPolygon")
_AREA_FIELDS = frozenset({"floor_area_existing_m2", "floor_area_planned_m2", "site_area_m2"})
#: Shown in the title (in the page's language) or in the citations list, not as rows.
_NOT_ROWS = frozenset({"source_ids"})
#: References the popup shows by name, so their rows are not called ids.
_NAMED_ROWS: Mapping[str, Text] = {
    "parent_id": Text("上级载体", "parent carrier"),
    "zone_ids": Text("所属片区", "zones"),
}


def carrier_depths(carriers: pd.DataFrame) -> dict[str, int]:
    """Nesting depth of each carrier: 0 for top-level, parent's depth + 1 otherwise.

    A ``parent_id`` that is not in the frame counts as top-level (the parent may be filtered out).

    Raises
    ------
    LayerInputError
        When ``parent_id`` links form a cycle.
    """
    ids = [str(i) for i in carriers["id"]]
    links = nesting.parent_links(ids, carriers["parent_id"].tolist())
    cycles = sorted({member for cycle in nesting.cycles(links) for member in cycle})
    if cycles:
        raise LayerInputError(
            f"carriers: parent_id links form a cycle through {', '.join(cycles)}; "
            "a carrier cannot (indirectly) contain itself — clear one of these parent_id values"
        )
    return nesting.depths(links, ids)


def _sources_by_id(sources: pd.DataFrame | None) -> dict[str, list[pd.Series]]:
    if sources is None:
        return {}
    if not isinstance(sources, pd.DataFrame):
        raise LayerInputError(f"sources: expected a pandas DataFrame, got {type(sources).__name__}")
    missing = [c for c in ("id", "quote") if c not in sources.columns]
    if missing:
        raise LayerInputError(
            f"sources: missing column(s) {', '.join(missing)}; the sources table needs {', '.join(SOURCE_COLUMNS)}"
        )
    out: dict[str, list[pd.Series]] = {}
    for _, row in sources.iterrows():
        if not is_missing(row["id"]):
            out.setdefault(str(row["id"]).strip(), []).append(row)
    return out


def _value_text(column: str, value: object, lang: Lang, names: Mapping[str, str]) -> str:
    """A popup cell in the planner's words: 万㎡ figures, vocabulary terms, names for references, "—" unknown."""
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return UNKNOWN.in_(lang)  # unknown (or no parent, no zone): never zero
    if column in _AREA_FIELDS:
        exact = f"{int(value):,}"  # type: ignore[call-overload]
        return f"{format_wan(value, lang)}（{exact} ㎡）" if lang == "zh" else f"{format_wan(value, lang)} ({exact} m²)"
    if column == "status":
        return term("status", str(value), lang)
    if column == "kind":
        return term("kind", str(value), lang)
    if column in ("parent_id", "zone_ids"):
        joiner = "、" if lang == "zh" else ", "
        return joiner.join(names.get(i, i) for i in split_ids(value))
    return format_number(value)


def _phase_classes(
    carriers: pd.DataFrame, phases: Mapping[str, str], nested: np.ndarray
) -> tuple[list[str], list[str], dict[str, dict[str, Any]]]:
    """Each carrier's phase, its style class (``p0``…``p3``, ``n`` appended when nested) and the styles."""
    code = {p: f"p{i}" for i, p in enumerate(PHASE_COLOURS)}
    phase_of = [phases.get(i, "unknown") for i in carriers["id"].astype(str)]
    phase_of = [p if p in code else "unknown" for p in phase_of]
    classes = [code[p] + ("n" if n else "") for p, n in zip(phase_of, nested, strict=True)]
    styles = {code[p] + suffix: phase_style(p, nested=bool(suffix)) for p in PHASE_COLOURS for suffix in ("", "n")}
    return phase_of, classes, styles


def _phase_line(phase: str, year: int | None, lang: Lang) -> str:
    when = phase_heading(year).in_(lang)
    return f"{when}：{PHASE_COLOURS[phase][0].zh}" if lang == "zh" else f"{when}: {PHASE_COLOURS[phase][0].en}"


def _tooltip(row: pd.Series, lang: Lang, parent_name: str | None) -> str:
    name = escape_text(pick_name(row, lang, fallback=str(row["id"])))
    status = escape_text(term("status", str(row["status"]), lang))
    existing, planned = row["floor_area_existing_m2"], row["floor_area_planned_m2"]
    total = None if is_missing(existing) or is_missing(planned) else int(existing) + int(planned)
    figures = " · ".join(
        f"{escape_text(word(key, lang))} {escape_text(format_wan(value, lang))}"
        for key, value in (("existing_area", existing), ("planned_area", planned), ("total_area", total))
    )
    lines = [f"<b>{name}</b> · {status}", figures]
    if parent_name is not None:
        lines.append(f"<i>{escape_text(word('parent', lang))}: {escape_text(parent_name)}</i>")
    return "<br>".join(lines)


def _citation(sid: str, src: pd.Series, lang: Lang) -> str:
    """One cited source: the quote, then the document (by title when the table has one), line and value.

    The sources table's ``note`` is the data editors' own working note (English, with ``USED: … ->``
    shorthand), not something a planner reads on the map, so it is left out.
    """
    quote = "" if is_missing(src.get("quote")) else str(src.get("quote"))
    document = next(
        (str(src.get(c)) for c in ("title", "document") if c in src.index and not is_missing(src.get(c))), ""
    )
    where = [document] if document.strip() else []
    if "line" in src.index and not is_missing(src.get("line")) and str(src.get("line")).strip():
        where.append(word("line", lang).replace("{line}", str(src.get("line")).strip()))
    value = " ".join(
        str(src.get(c)).strip() for c in ("value", "unit") if c in src.index and not is_missing(src.get(c))
    ).strip()
    if value:
        where.append(value)
    small = " · ".join(escape_text(w) for w in where)
    return (
        f'<li>「{escape_text(quote)}」<br><small>{small}</small> <small class="xh-id">{escape_text(sid)}</small></li>'
    )


def _row_label(column: str, lang: Lang) -> str:
    named = _NAMED_ROWS.get(column)
    return named.in_(lang) if named is not None else field_label(column, lang)


def _popup(
    row: pd.Series,
    columns: list[str],
    lang: Lang,
    sources: Mapping[str, list[pd.Series]],
    names: Mapping[str, str],
    *,
    indicators: Sequence[tuple[str, str]] = (),
) -> str:
    title = escape_text(pick_name(row, lang, fallback=str(row["id"])))
    own_name = "name_zh" if lang == "zh" else "name_en"
    cells = [
        f"<tr><th>{escape_text(_row_label(column, lang))}</th>"
        f"<td>{escape_text(_value_text(column, row[column], lang, names))}</td></tr>"
        for column in columns
        if column not in _NOT_ROWS and column != own_name
    ]
    # The carrier's other indicators where a source reports them (name, value in words): unknown ones are absent.
    cells += [f"<tr><th>{escape_text(name)}</th><td>{escape_text(value)}</td></tr>" for name, value in indicators]
    parts = [f"<b>{title}</b>", f"<table>{''.join(cells)}</table>"]
    cited = split_ids(row["source_ids"]) if "source_ids" in row.index else []
    if cited:
        items = []
        for sid in cited:
            rows = sources.get(sid)
            if not rows:
                items.append(
                    f"<li><i>{escape_text(word('source_missing', lang))}</i> "
                    f'<small class="xh-id">{escape_text(sid)}</small></li>'
                )
                continue
            items.extend(_citation(sid, src, lang) for src in rows)
        parts.append(f'<div class="xh-src"><b>{escape_text(word("sources", lang))}</b><ol>{"".join(items)}</ol></div>')
    return "".join(parts)


def _light_tooltips(carriers: gpd.GeoDataFrame, names: list[str], lang: Lang) -> list[str]:
    """Name and total only: the light view's tooltip, a few dozen bytes each."""
    existing = carriers["floor_area_existing_m2"].astype("Float64")
    planned = carriers["floor_area_planned_m2"].astype("Float64")
    totals = (existing + planned).tolist()
    label = escape_text(word("total_area", lang))
    return [
        f"<b>{escape_text(name)}</b><br>{label} {escape_text(format_wan(None if is_missing(t) else t, lang))}"
        for name, t in zip(names, totals, strict=True)
    ]


def _check_carriers(carriers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    carriers = check_frame(carriers, "carriers", required=CARRIER_COLUMNS, geometry_types=_POLYGONAL)
    bad_status = sorted({str(s) for s in carriers["status"].unique() if str(s) not in STATUSES})
    if bad_status:
        raise LayerInputError(
            f"carriers: unknown status value(s) {', '.join(bad_status)}; use one of {', '.join(STATUSES)}"
        )
    return carriers


def carriers_layer_data(
    carriers: gpd.GeoDataFrame,
    *,
    sources: pd.DataFrame | None = None,
    lang: Lang = "zh",
    gcj02: bool = False,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    popups: bool = True,
    view: View | None = None,
    name: str | None = None,
    show: bool = True,
    zone_names: Mapping[str, str] | None = None,
    indicators: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    phases: Mapping[str, str] | None = None,
    phase_year: int | None = None,
) -> LayerData:
    """The carriers layer: styled by status, nested carriers drawn above their parents, as plain data.

    Features come in depth order (parents first, larger first among equals), so a nested carrier is
    always on top of, and clickable inside, the carrier whose figure includes it. Draw it with
    :func:`layers.layerdata.to_feature_group`.

    Parameters
    ----------
    carriers
        Carrier polygons with at least :data:`CARRIER_COLUMNS` (EPSG:4326, or any CRS to reproject).
    sources
        The sources table; each popup cites the quotes of the carrier's ``source_ids``.
    lang
        ``"zh"`` or ``"en"``.
    gcj02
        Shift the display copy to GCJ-02 (AMap basemaps only).
    tolerance_m
        Display simplification in metres.
    popups
        Add the click popup with every attribute and the cited quotes (the largest part of the payload).
        Full view only.
    view
        ``"full"``, ``"light"`` or ``"grid"`` (:mod:`layers.scale`); None chooses by the number of
        carriers (:func:`layers.scale.choose_view`).
    name
        Layer name (plain text; escaped here). Default: the localized "carriers".
    show
        Whether the layer starts visible.
    zone_names
        ``zone id → name`` in ``lang``: the popup names a carrier's zones (ids otherwise).
    indicators
        ``carrier id → [(indicator name, value in words), …]`` in ``lang``
        (:func:`geo.indicators.carrier_indicator_words`): rows the popup adds where a value is known.
    phases
        ``carrier id → phase`` (:func:`geo.timeline.phase_by_carrier`): colour the carriers by phase
        (:data:`PHASE_COLOURS`) instead of status, the tooltip naming the phase; ``None``: by status.
    phase_year
        The year ``phases`` are of (``None``: build-out), named in the tooltip.

    Returns
    -------
    LayerData
        Full and light views: one piece, features in depth order, each with ``tip`` (and ``pop`` in
        the full view) and its style class ``s`` (the status' index in ``STATUSES``, ``n`` appended for a
        carrier with a parent).

    Raises
    ------
    LayerInputError
        Missing columns, unknown status, empty geometry, duplicate ids; in the full and light views also a
        parent cycle or a bad sources table (the grid view draws neither).
    """
    lang = check_lang(lang)
    carriers = _check_carriers(carriers)
    view = choose_view(len(carriers)) if view is None else check_view(view)
    layer_name = escape_text(name or word("carriers", lang))
    if view == "grid":  # density cells: no carrier's own outline, nesting or sources is drawn
        return grid_layer_data(carriers, lang=lang, gcj02=gcj02, name=name, show=show)
    source_rows = _sources_by_id(sources)
    depths = carrier_depths(carriers)
    note = view_note(view, lang, n_carriers=len(carriers))
    if carriers.empty:
        return LayerData("carriers", layer_name, (), show=show, view=view, note=note, gcj02=gcj02)
    ids = carriers["id"].astype(str)
    depth = ids.map(depths).fillna(0).to_numpy()
    nested = depth > 0
    area = shapely.area(carriers.geometry.to_numpy())
    order = np.lexsort((-area, depth))  # by depth, larger first; stable
    carriers = carriers.iloc[order]
    nested = nested[order]
    names = pick_names(carriers, lang)
    status = carriers["status"].astype(str).tolist()
    # Short style classes (they repeat in every feature): status index, "n" when nested.
    code = {s: str(i) for i, s in enumerate(STATUSES)}
    classes = [code[s] + ("n" if n else "") for s, n in zip(status, nested, strict=True)]
    styles = {code[s] + suffix: carrier_style(s, nested=bool(suffix)) for s in STATUSES for suffix in ("", "n")}
    phase_of: list[str] = []
    if phases is not None:  # by phase in the chosen year
        phase_of, classes, styles = _phase_classes(carriers, phases, nested)
    if view == "light":
        display = prepare_display(
            carriers, gcj02=gcj02, tolerance_m=max(tolerance_m, LIGHT_TOLERANCE_M), decimals=LIGHT_DECIMALS
        )
        tips = _light_tooltips(carriers, names, lang)
        props = [{"tip": tip, "s": cls} for tip, cls in zip(tips, classes, strict=True)]
        piece = Piece(
            feature_collection(display, None, props),
            styles=styles,
            highlight={"weight_add": 1.5, "fillOpacity": 0.5},
            canvas=True,
        )
        return LayerData("carriers", layer_name, (piece,), show=show, view=view, note=note, gcj02=gcj02)
    by_id = dict(zip(ids.iloc[order], names, strict=True))
    references = {**dict(zone_names or {}), **by_id}
    columns = [c for c in carriers.columns if c != carriers.geometry.name]
    display = prepare_display(carriers, gcj02=gcj02, tolerance_m=tolerance_m)
    props: list[dict[str, Any]] = []
    for position, ((_, row), cls) in enumerate(zip(carriers.iterrows(), classes, strict=True)):
        parent = row["parent_id"]
        parent_name = None if is_missing(parent) or not str(parent).strip() else by_id.get(str(parent), str(parent))
        tip = _tooltip(row, lang, parent_name)
        if phase_of:
            tip += f"<br>{escape_text(_phase_line(phase_of[position], phase_year, lang))}"
        prop: dict[str, Any] = {"tip": tip, "s": cls}
        if popups:
            own = (indicators or {}).get(str(row["id"]), ())
            prop["pop"] = _popup(row, columns, lang, source_rows, references, indicators=own)
        props.append(prop)
    piece = Piece(
        feature_collection(display, carriers["id"].astype(str).tolist(), props),
        styles=styles,
        highlight={"weight_add": 1.5, "fillOpacity": 0.5},
    )
    return LayerData("carriers", layer_name, (piece,), show=show, view=view, note=note, gcj02=gcj02)
