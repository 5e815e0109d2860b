"""Shared pieces of the layer builders: the error type, escaping, number formats, words, input checks.

Everything that reaches the page as text passes through :func:`escape_text`: Folium and Leaflet
insert tooltip, popup, label and layer-control text as raw HTML, some Folium templates wrap it
in JavaScript template literals, where ``${…}`` is evaluated and a backtick ends the string, and
branca compiles rendered scripts as Jinja templates, where ``{{…}}`` is evaluated in Python.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Literal

import geopandas as gpd
import pandas as pd
from pyproj import CRS

__all__ = [
    "LANGS",
    "Lang",
    "LayerInputError",
    "check_frame",
    "check_lang",
    "escape_text",
    "format_wan",
    "is_missing",
    "is_wgs84",
    "pick_name",
    "pick_names",
    "word",
]

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")


class LayerInputError(ValueError):
    """An input a layer builder cannot draw; the message says what failed, why, and how to fix it."""


def check_lang(lang: object) -> Lang:
    """Return ``lang`` if it is a supported label language, else raise :class:`LayerInputError`."""
    if lang not in LANGS:
        raise LayerInputError(
            f"lang={lang!r} is not a supported label language; pass one of {', '.join(LANGS)} "
            "('zh' for Chinese labels, 'en' for English)"
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


_UNKNOWN = {"zh": "未知", "en": "unknown"}


def format_wan(value_m2: object, lang: Lang, *, signed: bool = False, unit: bool = True) -> str:
    """A floor area in m² written in 万㎡ (10,000 m²); unknown values as '未知' / 'unknown'.

    >>> format_wan(1_235_000, "zh")
    '123.5 万㎡'
    >>> format_wan(None, "en")
    'unknown'
    >>> format_wan(-250_000, "en", signed=True)
    '−25 万㎡'
    """
    if is_missing(value_m2):
        return _UNKNOWN[lang]
    wan = float(value_m2) / 10_000.0  # type: ignore[arg-type]
    text = f"{abs(wan):,.2f}".rstrip("0").rstrip(".")
    if text == "0" and wan != 0:
        text = f"{abs(wan):.4f}".rstrip("0").rstrip(".")
    if wan < 0:
        text = "−" + text
    elif signed and wan > 0:
        text = "+" + text
    return f"{text} 万㎡" if unit else text


_WORDS: dict[str, dict[str, str]] = {
    "existing": {"zh": "现状", "en": "existing"},
    "under_construction": {"zh": "在建", "en": "under construction"},
    "planned": {"zh": "规划", "en": "planned"},
    "pole": {"zh": "增长极", "en": "pole"},
    "belt": {"zh": "发展带", "en": "belt"},
    "zone": {"zh": "片区", "en": "zone"},
    "carriers": {"zh": "产业载体", "en": "Carriers"},
    "zones": {"zh": "规划片区（两极两带）", "en": "Planning zones"},
    "labels": {"zh": "名称标注", "en": "Labels"},
    "district_boundary": {"zh": "区界", "en": "District boundary"},
    "huangpu": {"zh": "黄浦江", "en": "Huangpu River"},
    "line15": {"zh": "轨交15号线", "en": "Metro Line 15"},
    "line15_stations": {"zh": "15号线车站", "en": "Line 15 stations"},
    "outer_ring": {"zh": "外环", "en": "Outer Ring"},
    "legend": {"zh": "图例", "en": "Legend"},
    "declared": {"zh": "规划申报", "en": "declared"},
    "itemized": {"zh": "分项合计", "en": "itemized"},
    "difference": {"zh": "差额（分项−申报）", "en": "difference (itemized − declared)"},
    "existing_area": {"zh": "现状面积", "en": "existing"},
    "planned_area": {"zh": "规划新增", "en": "planned"},
    "total_area": {"zh": "合计", "en": "total"},
    "unknown_members": {"zh": "数据缺失", "en": "unknown"},
    "members": {"zh": "成员", "en": "members"},
    "no_summary": {"zh": "无分项汇总", "en": "no itemized sum"},
    "status": {"zh": "状态", "en": "status"},
    "kind": {"zh": "类型", "en": "kind"},
    "type": {"zh": "类型", "en": "type"},
    "parent": {"zh": "上级载体（面积已含本项）", "en": "parent (its figure includes this one)"},
    "sources": {"zh": "来源", "en": "Sources"},
    "source_missing": {"zh": "来源表中无此编号", "en": "not in the sources table"},
    "source": {"zh": "来源", "en": "source"},
    "accuracy": {"zh": "位置精度", "en": "outline accuracy"},
    "unit_note": {"zh": "面积单位：万㎡（1万㎡ = 10,000 ㎡）", "en": "Floor areas in 万㎡ (1 万㎡ = 10,000 m²)"},
    "gcj_note": {
        "zh": "叠加图层已按GCJ-02偏移显示（仅显示，不改数据）",
        "en": "Overlays shifted to GCJ-02 for display only (data unchanged)",
    },
    "nested_note": {"zh": "嵌套载体绘于上级之上", "en": "Nested carriers drawn above their parent"},
    "stations": {"zh": "车站", "en": "stations"},
    "other": {"zh": "其他", "en": "other"},
}


def word(key: str, lang: Lang) -> str:
    """The label for ``key`` in ``lang`` (unescaped); the key itself when there is none."""
    entry = _WORDS.get(key)
    return entry[lang] if entry else key


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
