"""Shared pieces of the layer builders: the error type, escaping, number formats, words, input checks.

Everything that reaches the page as text passes through :func:`escape_text`: Folium and Leaflet
insert tooltip, popup, label and layer-control text as raw HTML, some Folium templates wrap it
in JavaScript template literals, where ``${…}`` is evaluated and a backtick ends the string, and
branca compiles rendered scripts as Jinja templates, where ``{{…}}`` is evaluated in Python.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from geo.text import LANGS, TERMS, UNKNOWN, Lang, Text, term

__all__ = [
    "LANGS",
    "WORDS",
    "Lang",
    "LayerInputError",
    "check_frame",
    "check_lang",
    "escape_text",
    "format_number",
    "format_wan",
    "is_missing",
    "is_wgs84",
    "pick_name",
    "pick_names",
    "word",
]


class LayerInputError(ValueError):
    """An input a layer builder cannot draw; the message says what failed, why, and how to fix it."""


def check_lang(lang: object) -> Lang:
    """Return ``lang`` if it is a supported label language, else raise :class:`LayerInputError`."""
    if lang not in LANGS:
        raise LayerInputError(
            f"lang={lang!r} is not a supported label language; pass one of {', '.join(LANGS)} "
            "('zh' for Chinese labels, 'en' for English) · "
            f"不支持的标注语言 {lang!r}：请用 'zh'（中文）或 'en'（英文）"
        )
    return lang  # type: ignore[return-value]


def escape_text(value: object) -> str:
    """Text made safe to insert as HTML, inside a JS template literal, a JSON string, or a Jinja template.

    ``html.escape(quote=True)`` handles ``<``, ``>``, ``&`` and quotes; ``$``, the backtick and
    the backslash are also written as character references, so ``${…}`` can never be evaluated
    by a template literal that Folium wraps around the text, and the browser still shows them.
    Braces are written as references too: branca compiles every rendered script of a map as a
    *Jinja template* when the page is assembled, so ``{{ … }}`` or ``{% … %}`` in a name would
    otherwise run as template code on the server (or break the page).

    >>> escape_text("<img src=x> ${alert(1)} `x` {{ 7*7 }}")
    '&lt;img src=x&gt; &#36;&#123;alert(1)&#125; &#96;x&#96; &#123;&#123; 7*7 &#125;&#125;'
    """
    text = html.escape(str(value), quote=True)
    return (
        text.replace("$", "&#36;")
        .replace("`", "&#96;")
        .replace("\\", "&#92;")
        .replace("{", "&#123;")
        .replace("}", "&#125;")
    )


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and ``pd.NA`` (an unknown value), False otherwise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_number(value: object, *, decimals: int = 2) -> str:
    """A cell value as a planner reads it: whole numbers without ``.0``, others to ``decimals`` places, unknown "—".

    Years stay years (2025, not 2025.0), a floor-area ratio reads 1.04, and a rounded zero is never "-0.00".

    >>> format_number(2025.0), format_number(1.038134), format_number(None), format_number(-0.001)
    ('2025', '1.04', '—', '0.00')
    """
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        return UNKNOWN.zh
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def format_wan(value_m2: object, lang: Lang, *, signed: bool = False, unit: bool = True) -> str:
    """A floor area in m² written in 万㎡ (10,000 m²); an unknown value as "—" (never zero).

    >>> format_wan(1_235_000, "zh")
    '123.5 万㎡'
    >>> format_wan(None, "en")
    '—'
    >>> format_wan(-250_000, "en", signed=True)
    '−25 万㎡'
    """
    if is_missing(value_m2):
        return UNKNOWN.in_(lang)
    wan = float(value_m2) / 10_000.0  # type: ignore[arg-type]
    text = f"{abs(wan):,.2f}".rstrip("0").rstrip(".")
    if text == "0" and wan != 0:
        text = f"{abs(wan):.4f}".rstrip("0").rstrip(".")
    if wan < 0:
        text = "−" + text
    elif signed and wan > 0:
        text = "+" + text
    return f"{text} 万㎡" if unit else text


#: The map's own words (layer names, legend and tooltip captions). Statuses, kinds and zone types come
#: from the project's one vocabulary (:data:`geo.text.TERMS`) through :func:`word` too.
WORDS: Mapping[str, Text] = {
    "zone": TERMS["object"]["zone"],
    "carriers": Text("产业载体", "Carriers"),
    "zones": Text("规划片区（两极两带）", "Planning zones"),
    "labels": Text("载体名称", "Carrier names"),
    "district_boundary": Text("区界", "District boundary"),
    "huangpu": Text("黄浦江", "Huangpu River"),
    "line15": Text("轨交15号线", "Metro Line 15"),
    "line15_stations": Text("15号线车站", "Line 15 stations"),
    "outer_ring": Text("外环", "Outer Ring"),
    "legend": Text("图例", "Legend"),
    "zoom_in": Text("放大", "Zoom in"),
    "zoom_out": Text("缩小", "Zoom out"),
    "map_title": Text("产业载体与规划片区地图", "Carriers and planning zones: map"),
    "declared": Text("规划申报", "declared"),
    "itemized": Text("分项合计", "itemized"),
    "difference": Text("差额（分项−申报）", "difference (itemized − declared)"),
    "existing_area": Text("现有", "existing"),
    "planned_area": Text("规划新增", "planned"),
    "total_area": Text("合计", "total"),
    "unknown_members": Text("面积未知", "unknown figures"),
    "no_summary": Text("无分项汇总", "no itemized sum"),
    "parent": Text("上级载体（面积已含本项）", "parent (its figure includes this one)"),
    "sources": Text("来源", "Sources"),
    "source_missing": Text("来源表中无此编号", "not in the sources table"),
    "source": Text("来源", "source"),
    "line": Text("第 {line} 行", "line {line}"),
    "accuracy": Text("边界精度", "outline accuracy"),
    "unit_note": Text("面积单位：万㎡（1万㎡ = 10,000 ㎡）", "Floor areas in 万㎡ (1 万㎡ = 10,000 m²)"),
    "gcj_note": Text(
        "叠加图层已按GCJ-02偏移显示（仅显示，不改数据）", "Overlays shifted to GCJ-02 for display only (data unchanged)"
    ),
    "nested_note": Text("嵌套载体绘于上级之上", "Nested carriers drawn above their parent"),
    "stations": Text("车站", "stations"),
    "other": Text("其他", "other"),
    "grid_title": Text("载体建筑面积密度", "Carrier floor-area density"),
    "grid_cell": Text("（{cell} 米网格）", " ({cell} m grid)"),
    "tiles_failed": Text(
        "底图瓦片未能加载（可能无法访问该底图服务）。请改选「无底图（离线）」或其他底图。",
        "The basemap tiles did not load (its server may be unreachable). Choose “No basemap (offline)” or "
        "another basemap.",
    ),
}
#: Vocabulary concepts :func:`word` looks a key up in, after :data:`WORDS`.
_CONCEPTS = ("status", "zone_type", "kind")


def word(key: str, lang: Lang) -> str:
    """The label for ``key`` in ``lang`` (unescaped): a map word, else a status, zone type or kind, else ``key``.

    >>> word("under_construction", "zh"), word("pole", "en"), word("zones", "zh")
    ('在建', 'pole', '规划片区（两极两带）')
    """
    text = WORDS.get(key)
    if text is not None:
        return text.in_(lang)
    for concept in _CONCEPTS:
        if key in TERMS[concept]:
            return term(concept, key, lang)
    return key


def pick_name(row: pd.Series, lang: Lang, *, fallback: str = "") -> str:
    """The row's name in ``lang``, else in the other language, else ``fallback`` (unescaped)."""
    order = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    for column in order:
        value = row.get(column)
        if not is_missing(value) and str(value).strip():
            return str(value).strip()
    return fallback


def pick_names(frame: pd.DataFrame, lang: Lang, *, fallback: str = "id") -> list[str]:
    """:func:`pick_name` for every row at once (falling back to column ``fallback``, then "")."""
    out = frame[fallback].astype("string") if fallback in frame.columns else pd.Series("", index=frame.index)
    order = ("name_zh", "name_en") if lang == "zh" else ("name_en", "name_zh")
    for column in reversed(order):
        if column in frame.columns:
            values = frame[column].astype("string").str.strip()
            out = values.where(values.notna() & (values != ""), out)
    return out.fillna("").astype(str).tolist()


def is_wgs84(crs: object) -> bool:
    """True for EPSG:4326 in either axis order (OGC:CRS84 included); False for None or anything else."""
    if crs is None:
        return False
    return CRS.from_user_input(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True)


def check_frame(
    frame: object,
    what: str,
    *,
    required: Sequence[str] = (),
    id_column: str | None = "id",
    geometry_types: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Validate a GeoDataFrame before building and return it in EPSG:4326.

    All problems are collected and raised together as one :class:`LayerInputError` whose
    message starts with ``what``. A frame in another CRS is reprojected (the boundary rule);
    a frame without a CRS is refused, because its coordinates cannot be placed on the map.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise LayerInputError(
            f"{what}: expected a geopandas.GeoDataFrame, got {type(frame).__name__}; "
            "read the file with geopandas.read_file(...) or wrap it with geopandas.GeoDataFrame(df, geometry=...)"
        )
    problems: list[str] = []
    missing = [c for c in required if c not in frame.columns]
    if missing:
        problems.append(
            f"missing column(s) {', '.join(missing)}; add them (null where unknown) — "
            "see the data contract in DESIGN.md"
        )
    if frame.crs is None:
        problems.append(
            "has no CRS, so its coordinates cannot be placed on the map; if they are longitude/latitude "
            "call frame.set_crs('EPSG:4326') first"
        )
    ids = frame[id_column] if id_column and id_column in frame.columns else None
    if ids is not None:
        blank = frame.index[ids.isna() | (ids.astype("string").str.strip() == "")].tolist()
        if blank:
            problems.append(f"rows {blank[:10]} have an empty {id_column!r}; give every row a unique id")
        dup = sorted({str(v) for v in ids[ids.duplicated(keep=False) & ids.notna()]})
        if dup:
            problems.append(f"duplicate {id_column} value(s) {', '.join(dup[:10])}; ids must be unique")

    def _label(i: object) -> str:
        return str(ids.loc[i]) if ids is not None else f"row {i}"

    geoms = frame.geometry
    empty = geoms.isna() | geoms.is_empty
    if empty.any():
        bad = [_label(i) for i in frame.index[empty]][:10]
        problems.append(f"feature(s) {', '.join(bad)} have no geometry; draw an outline or drop the row")
    if geometry_types is not None:
        allowed = set(geometry_types)
        wrong = ~empty & ~geoms.geom_type.isin(allowed)
        if wrong.any():
            bad = [f"{_label(i)} ({geoms.loc[i].geom_type})" for i in frame.index[wrong]][:10]
            problems.append(
                f"feature(s) {', '.join(bad)} are not {' or '.join(sorted(allowed))}; "
                "fix the geometry type in the source file"
            )
    if problems:
        raise LayerInputError(f"{what}: " + "; ".join(problems))
    if not is_wgs84(frame.crs):
        frame = frame.to_crs(4326)
    return frame
