"""Tables as planners read them: 万㎡, names in the page's language, unknown shown as unknown.

Figures stay whole m² everywhere else; this module only shapes copies for display (万㎡ = m² / 10⁴).
Pure pandas, no Streamlit, so the page's numbers can be checked against :mod:`geo.rollup` in tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.rollup import OUTSIDE, TOTAL, Assignment, assign, zone_types
from geo.schema import split_ids
from geo.text import LANGS, Lang, Text, term
from geo.tranches import VOCABULARY

__all__ = [
    "CHART_COLORS",
    "LANGS",
    "carriers_table",
    "chart_html",
    "district_metrics",
    "label",
    "markdown_text",
    "memberships",
    "qualified",
    "qualifier_words",
    "summary_table",
    "wan",
]

_LABELS: dict[str, Text] = {
    "group": Text("分组", "Group"),
    "existing": Text("现有 (万㎡)", "Existing (10k m²)"),
    "planned": Text("规划新增 (万㎡)", "Planned (10k m²)"),
    "total": Text("合计 (万㎡)", "Total (10k m²)"),
    "total_qualifier": Text("合计限定", "Total is"),
    "declared": Text("规划申报 (万㎡)", "Declared (10k m²)"),
    "difference": Text("差额 (万㎡)", "Itemized − declared (10k m²)"),
    "unknown_count": Text("未知个数", "Unknown (count)"),
    "unknown_ids": Text("未知载体", "Unknown carriers"),
    "land": Text("用地 (万㎡)", "Land (10k m²)"),
    "far": Text("容积率", "FAR"),
    "members": Text("载体数", "Carriers"),
    "id": Text("编号", "ID"),
    "name": Text("名称", "Name"),
    "kind": Text("类型", "Kind"),
    "status": Text("状态", "Status"),
    "parent": Text("所属", "Part of"),
    "planned_year": Text("规划年份", "Planned year"),
    "opened_year": Text("启用年份", "Opened"),
    "accuracy": Text("边界精度 (米)", "Outline accuracy (m)"),
    "sources": Text("来源", "Sources"),
    "kind_existing": Text("现有", "Existing"),
    "kind_planned": Text("规划新增", "Planned"),
}


def label(key: str, lang: Lang) -> str:
    """The column label ``key`` in ``lang``.

    >>> label("far", "zh"), label("status", "en")
    ('容积率', 'Status')
    """
    return _LABELS[key].in_(lang)


def wan(values: pd.Series) -> pd.Series:
    """Whole m² → 万㎡ as floats (NA stays NA), for display only.

    >>> wan(pd.Series([5_500_000, None], dtype="Int64")).tolist()
    [550.0, nan]
    """
    return pd.Series(values, copy=False).astype("Float64").div(10_000).astype("float64")


def qualifier_words(codes: pd.Series | list[str], lang: Lang) -> list[str]:
    """Each qualifier code as the word put before its figure: 约 / 不少于 (about / at least), "" for exact.

    >>> qualifier_words(["exact", "about", "at_least"], "zh")
    ['', '约', '不少于']
    """
    words = VOCABULARY["qualifier"]
    return [words[str(code)].in_(lang).strip() if str(code) in words else "" for code in codes]


def qualified(figure: str, qualifier: object, lang: Lang) -> str:
    """A figure as written, with its qualifier's word (:func:`qualifier_words`, the summary table's) before it.

    An exact figure (or an unknown code) is the figure alone: a bare number on the page reads as exact.

    >>> qualified("755.0", "about", "zh"), qualified("755.0", "at_least", "en"), qualified("755.0", "exact", "zh")
    ('约 755.0', 'at least 755.0', '755.0')
    """
    word = qualifier_words([str(qualifier)], lang)[0]
    return f"{word} {figure}" if word else figure


def summary_table(table: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """A roll-up table (from :func:`geo.timeline.summary_as_of` or :func:`geo.rollup.summarize`) with labels in
    ``lang`` and figures in 万㎡; a ``total_qualifier`` column becomes its word (约, 不少于) just before the total."""
    name = table["name_zh" if lang == "zh" else "name_en"]
    qualified = (
        {label("total_qualifier", lang): qualifier_words(table["total_qualifier"], lang)}
        if "total_qualifier" in table.columns
        else {}
    )
    return pd.DataFrame(
        {
            label("group", lang): name.to_numpy(),
            label("existing", lang): wan(table["existing_m2"]).to_numpy(),
            label("planned", lang): wan(table["planned_m2"]).to_numpy(),
            **qualified,
            label("total", lang): wan(table["total_m2"]).to_numpy(),
            label("declared", lang): wan(table["declared_m2"]).to_numpy(),
            label("difference", lang): wan(table["difference_m2"]).to_numpy(),
            label("unknown_count", lang): table["unknown_count"].to_numpy(),
            label("unknown_ids", lang): [_short_list(ids, lang) for ids in table["unknown_ids"]],
            label("land", lang): wan(table["land_m2"]).to_numpy(),
            label("far", lang): (table["far"].astype("float64").round(2) + 0.0).to_numpy(),  # never -0.0
            label("members", lang): table["member_count"].to_numpy(),
        },
        index=pd.Index(table["group_id"].to_numpy(), name="group_id"),
    )


def _short_list(ids: str, lang: Lang, *, shown: int = 20) -> str:
    """The first ``shown`` of ``;``-separated ids, and how many more (the exports list them all).

    >>> _short_list("a;b;c", "en", shown=2)
    'a, b (+1 more)'
    """
    items = [i for i in str(ids).split(";") if i]
    more = len(items) - shown
    if more <= 0:
        return ", ".join(items)
    return ", ".join(items[:shown]) + (f"（另 {more} 个）" if lang == "zh" else f" (+{more} more)")


# The map's fill colours for existing and planned carriers (layers.styles.CARRIER_STYLES), so the chart
# and the map agree; geo/ does not import layers/, hence the copy (tests/test_present.py checks it).
CHART_COLORS: dict[str, str] = {"existing": "#3b82f6", "planned": "#c084fc"}
_CHART_CSS = (
    ".xh-chart{font-size:.875rem;margin:.25rem 0 1rem}"
    ".xh-chart .xh-legend{display:flex;gap:1rem;align-items:center;margin-bottom:.4rem;opacity:.8}"
    ".xh-chart .xh-key{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-.1rem}"
    ".xh-chart .xh-rows{display:grid;grid-template-columns:minmax(6rem,max-content) minmax(8rem,1fr) auto;"
    "gap:.35rem .75rem;align-items:center}"
    ".xh-chart .xh-bar{display:flex;height:1.1rem;background:rgba(128,128,128,.12)}"
    ".xh-chart .xh-bar span{height:100%}"
    ".xh-chart .xh-value{font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".xh-chart .xh-outside{opacity:.7;font-style:italic}"
    ".xh-chart .xh-note{opacity:.7;font-size:.8em;margin-left:.3rem}"
)


def chart_html(table: pd.DataFrame, lang: Lang) -> str:
    """A stacked bar chart of existing and planned 万㎡ per group (no total row), as self-contained HTML.

    One row per group in the table's order (zones as listed, then outside): its name, a bar split into
    existing and planned, and the known total, with how many carriers are unknown beside it (unknown is
    never drawn as zero). Plain HTML and CSS, so the browser draws it at once without a chart library;
    each segment's tooltip gives its figure. Every name is escaped.

    >>> table = pd.DataFrame({"group_id": ["a", "__total__"], "name_zh": ["<甲>", "合计"], "name_en": ["A", "T"],
    ...     "existing_m2": [30_000, 30_000], "planned_m2": [10_000, 10_000], "unknown_count": [1, 1]})
    >>> html = chart_html(table, "zh")
    >>> "&lt;甲&gt;" in html and "<甲>" not in html and "width:75.00%" in html and "4.0" in html
    True
    """
    groups = table[table["group_id"] != TOTAL]
    names = groups["name_zh" if lang == "zh" else "name_en"].astype("string").fillna("")
    existing = wan(groups["existing_m2"]).to_numpy()
    planned = wan(groups["planned_m2"]).to_numpy()
    known = np.nansum(np.column_stack([existing, planned]), axis=1) if len(groups) else np.zeros(0)
    scale = float(known.max()) if len(known) and known.max() > 0 else 1.0
    unit = "万㎡" if lang == "zh" else "10k m²"
    kinds = {kind: label(f"kind_{kind}", lang) for kind in CHART_COLORS}
    rows = []
    for group_id, name, values, total, unknown in zip(
        groups["group_id"], names, zip(existing, planned, strict=True), known, groups["unknown_count"], strict=True
    ):
        segments = "".join(
            f'<span style="width:{value / scale:.2%};background:{CHART_COLORS[kind]}" '
            f'title="{escape(name)} · {escape(kinds[kind])} {value:,.1f} {unit}"></span>'
            for kind, value in zip(CHART_COLORS, values, strict=True)
            if not np.isnan(value) and value > 0
        )
        all_unknown = all(np.isnan(v) for v in values)
        note = ""
        if unknown:
            note = f'<span class="xh-note">{f"另 {unknown} 个未知" if lang == "zh" else f"+{unknown} unknown"}</span>'
        outside = ' class="xh-outside"' if group_id == OUTSIDE else ""
        rows.append(
            f'<div{outside}>{escape(name)}</div><div class="xh-bar">{segments}</div>'
            f'<div class="xh-value">{"—" if all_unknown else f"{total:,.1f}"}{note}</div>'
        )
    legend = "".join(
        f'<span><span class="xh-key" style="background:{color}"></span>{escape(kinds[kind])}</span>'
        for kind, color in CHART_COLORS.items()
    )
    title = Text("各分组现有与规划新增面积", "Existing and planned floor area per group").in_(lang)
    return (
        f"<style>{_CHART_CSS}</style>"
        f'<figure class="xh-chart" aria-label="{escape(title)} ({unit})">'
        f'<div class="xh-legend">{legend}<span>{unit}</span></div>'
        f'<div class="xh-rows">{"".join(rows)}</div></figure>'
    )


def memberships(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, *, mode: str = "declared") -> dict[str, pd.Series]:
    """Per zone type, each carrier's zone(s) under ``mode`` as text (``;``-joined ids, shares in area mode)."""
    out: dict[str, pd.Series] = {}
    for zone_type in zone_types(zones):
        result: Assignment = assign(carriers, zones, zone_type=zone_type, mode=mode)  # type: ignore[arg-type]
        texts: list[list[str]] = [[] for _ in range(len(carriers))]
        for carrier, group, share in zip(result.carrier, result.group, result.share, strict=True):
            zone_id = result.groups[group]
            if zone_id == OUTSIDE:
                continue
            texts[carrier].append(zone_id if mode != "area" or share >= 0.9995 else f"{zone_id} ({share:.0%})")
        out[zone_type] = pd.Series([", ".join(t) for t in texts], index=carriers.index)
    return out


def carriers_table(
    carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, lang: Lang, *, mode: str = "declared"
) -> pd.DataFrame:
    """Carriers with names in ``lang``, figures in 万㎡ (unknown empty), status, nesting and zones."""
    names = carriers["name_zh" if lang == "zh" else "name_en"]
    by_id = dict(zip(carriers["id"], names, strict=True))
    out = pd.DataFrame(
        {
            label("id", lang): carriers["id"].to_numpy(),
            label("name", lang): names.to_numpy(),
            label("kind", lang): [term("kind", str(k), lang) for k in carriers["kind"]],
            label("status", lang): [term("status", str(s), lang) for s in carriers["status"]],
            label("existing", lang): wan(carriers["floor_area_existing_m2"]).to_numpy(),
            label("planned", lang): wan(carriers["floor_area_planned_m2"]).to_numpy(),
            # Whole years (2025, never 2025.0): the nullable integer array, not a float copy of it.
            label("planned_year", lang): carriers["planned_year"].astype("Int64").array,
            label("opened_year", lang): carriers["opened_year"].astype("Int64").array,
            label("parent", lang): [by_id.get(p, "") if isinstance(p, str) else "" for p in carriers["parent_id"]],
        }
    )
    zone_names = dict(zip(zones["id"], zones["name_zh" if lang == "zh" else "name_en"], strict=True))
    for zone_type, texts in memberships(carriers, zones, mode=mode).items():
        out[term("zone_type", zone_type, lang)] = [_named_zones(text, zone_names, lang) for text in texts]
    out[label("accuracy", lang)] = carriers["geometry_accuracy_m"].astype("Int64").array
    out[label("sources", lang)] = [", ".join(split_ids(s)) for s in carriers["source_ids"]]
    return out


def _named_zones(text: str, names: Mapping[str, object], lang: Lang) -> str:
    """``"a, b (40%)"`` with each zone id replaced by its name (empty: in no zone of the type).

    >>> _named_zones("pole_a, pole_b (40%)", {"pole_a": "甲", "pole_b": "乙"}, "zh")
    '甲、乙 (40%)'
    """
    if not text:
        return ""
    shown = []
    for part in text.split(", "):
        zone_id, _, share = part.partition(" (")
        name = names.get(zone_id)
        name = zone_id if not isinstance(name, str) or not name else name
        shown.append(f"{name} ({share}" if share else name)
    return ("、" if lang == "zh" else ", ").join(shown)


def district_metrics(table: pd.DataFrame) -> dict[str, float | int | str]:
    """The headline numbers from a roll-up table's total row: 万㎡ and the unknown count, and ``total_qualifier``,
    the qualifier code of the total (``exact``, ``about``, ``at_least``; ``exact`` when the table carries none),
    to be written before it with :func:`qualified` as the summary table words it."""
    total = table[table["group_id"] == TOTAL].iloc[0]
    return {
        "total_qualifier": str(total["total_qualifier"]) if "total_qualifier" in table.columns else "exact",
        "existing": float(total["existing_m2"]) / 10_000,
        "planned": float(total["planned_m2"]) / 10_000,
        "total": float(total["total_m2"]) / 10_000,
        "unknown": int(total["unknown_count"]),
        "members": int(total["member_count"]),
        "land": float(total["land_m2"]) / 10_000 if not np.isnan(float(total["land_m2"])) else float("nan"),
    }


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:&/])")


def markdown_text(value: object) -> str:
    r"""``value`` as literal text inside Markdown: every character Markdown or HTML could act on escaped.

    User-supplied strings (file names, column names, attribute values in messages) must never
    become links, images (an outside request), HTML or LaTeX on the page.

    >>> print(markdown_text("![x](http://e/x.png) <b>$1$</b>"))
    \!\[x\]\(http\:\/\/e\/x\.png\) \<b\>\$1\$\<\/b\>
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))
