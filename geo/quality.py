"""Data-quality findings: what makes the sums incomplete or inconsistent (DESIGN.md rules 2, 3, 4, 8).

Each finding names the carrier or zone, says what is wrong in Chinese and English, and how much it
matters: ``error`` (the sums are misleading until fixed), ``warning`` (a planner should look) or
``info`` (known and recorded, e.g. a conflicting figure the data chose not to use).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import nesting
from geo.crs import to_metric
from geo.rollup import OUTSIDE, assign, contributions, zone_types
from geo.schema import split_ids
from geo.text import Lang, Text, field_label, term

__all__ = ["FINDING_COLUMNS", "KINDS", "check_quality", "itemization", "source_value_m2"]

FINDING_COLUMNS: tuple[str, ...] = ("kind", "severity", "subject", "message_zh", "message_en")
#: Finding kind -> its name in 中文 and English (the page, the command line and exports show these).
KINDS: dict[str, Text] = {
    "conflicting_figure": Text("数据冲突", "Conflicting figure"),
    "unknown_figure": Text("面积未知", "Unknown figure"),
    "planned_without_year": Text("规划无年份", "Planned increment without a year"),
    "declared_vs_drawn": Text("申报与图形不一致", "Declared vs drawn membership"),
    "multiple_declared": Text("重复归属", "Declared in several zones of one type"),
    "child_membership": Text("子载体归属不同", "Child in other zones than its parent"),
    "zone_overlap": Text("片区重叠", "Overlapping zones"),
    "itemization": Text("分项汇总", "Itemization"),
}

_UNIT_FACTORS: dict[str, int] = {
    "万方": 10_000,
    "万平方米": 10_000,
    "万㎡": 10_000,
    "万m²": 10_000,
    "万m2": 10_000,
    "平方米": 1,
    "㎡": 1,
    "m²": 1,
    "m2": 1,
    "方": 1,
    "公顷": 10_000,
    "ha": 10_000,
    "平方公里": 1_000_000,
    "km²": 1_000_000,
    "km2": 1_000_000,
}
# Overlaps smaller than this are drawing noise along shared edges, not a real overlap.
_OVERLAP_MIN_M2 = 1.0


def source_value_m2(value: object, unit: object) -> int | None:
    """A sources-table figure in whole m², or None when it is not an area.

    >>> source_value_m2("550", "万方"), source_value_m2("5", "万平方米"), source_value_m2("2020", "年")
    (5500000, 50000, None)
    """
    factor = _UNIT_FACTORS.get(str(unit).strip())
    match = re.search(r"\d+(?:\.\d+)?", str(value).replace(",", ""))
    if factor is None or match is None:
        return None
    return round(float(match.group()) * factor)


def _wan(m2: int) -> str:
    """Whole m² in 万㎡, exact (up to 4 decimals), without trailing zeros.

    >>> _wan(5_500_000), _wan(350_000), _wan(35), _wan(0)
    ('550', '35', '0.0035', '0')
    """
    return f"{m2 / 10_000:,.4f}".rstrip("0").rstrip(".")


def _type_zh(zone_type: str) -> str:
    """A zone type in Chinese, from the one vocabulary (another layout's word is shown as it is)."""
    return term("zone_type", zone_type, "zh")


def _shown(used: dict[str, int | None], field_name: str) -> tuple[str, str]:
    """(中文, English) of the figure a row uses for ``field_name``; a total with one part unknown says so."""
    value = used[field_name]
    if value is not None:
        return f"{_wan(value)} 万㎡", f"{_wan(value)} 万㎡"
    if field_name == "floor_area_total_m2":
        existing, planned = used.get("floor_area_existing_m2"), used.get("floor_area_planned_m2")
        if existing is not None:
            return f"现有 {_wan(existing)} 万㎡ + 规划新增未知", f"existing {_wan(existing)} 万㎡ + planned unknown"
        if planned is not None:
            return f"现有未知 + 规划新增 {_wan(planned)} 万㎡", f"existing unknown + planned {_wan(planned)} 万㎡"
    return "未知", "unknown"


def _finding(kind: str, severity: str, subject: str, zh: str, en: str) -> dict[str, str]:
    return {"kind": kind, "severity": severity, "subject": subject, "message_zh": zh, "message_en": en}


def _used_values(row: pd.Series) -> dict[str, int | None]:
    """The figures a carrier or zone row uses, per contract field (``floor_area_total_m2`` derived)."""
    used: dict[str, int | None] = {}
    for column in ("floor_area_existing_m2", "floor_area_planned_m2", "site_area_m2", "declared_floor_area_m2"):
        if column in row.index:
            used[column] = None if pd.isna(row[column]) else int(row[column])
    if "floor_area_existing_m2" in used:
        parts = (used["floor_area_existing_m2"], used["floor_area_planned_m2"])
        used["floor_area_total_m2"] = None if None in parts else sum(parts)  # type: ignore[arg-type]
    return used


_ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
# Markers of the data's own bookkeeping in sources notes ("USED: … =", "CONFLICT, not used: …").
_BOOKKEEPING = re.compile(r"\b(USED|CONFLICT)\b")


def _note(note: object, lang: str) -> str:
    """A source's note as a planner may read it: the data's own bookkeeping (``USED: … =``) is left out,
    and a note in English is not put into a Chinese message.

    >>> _note("USED: chj floor_area_existing_m2 = 5,500,000", "en"), _note("older count", "zh"), _note("旧口径", "zh")
    ('', '', '旧口径')
    """
    text = "" if note is None or (isinstance(note, float) and np.isnan(note)) else str(note).strip()
    if not text or _BOOKKEEPING.search(text) or (lang == "zh" and _ENGLISH_WORD.search(text)):
        return ""
    return text


# Figures a source may speak to beyond the contract's fields (SOURCE_FIGURE_FIELDS).
_SOURCE_FIGURES = {"floor_area_total_m2": Text("总建筑面积（㎡）", "total floor area (m²)")}


def _field(name: str, lang: Lang) -> str:
    """A field a cited figure speaks to, as a planner names it."""
    return _SOURCE_FIGURES[name].in_(lang) if name in _SOURCE_FIGURES else field_label(name, lang)


def _spaced(text: str) -> str:
    return f" {text}" if text else ""


def _conflicts(frame: pd.DataFrame, sources: pd.DataFrame | None) -> list[dict[str, str]]:
    """Cited figures that differ from the value the citing row uses for the same field.

    The sources table's optional ``field`` column names the contract field a figure speaks to;
    figures without one are context and are not compared. A figure for a field the row leaves
    unknown is reported too: the data chose not to use it.
    """
    if sources is None or not len(sources) or "field" not in sources.columns:
        return []
    by_id = sources.set_index("id")
    out = []
    # Only rows that cite something can conflict with what they cite.
    for _, row in frame[frame["source_ids"].notna()].iterrows():
        used = _used_values(row)
        for source_id in split_ids(row.get("source_ids")):
            if source_id not in by_id.index:
                continue
            cited = by_id.loc[source_id]
            field_name = str(cited["field"]).strip()
            value = source_value_m2(cited["value"], cited["unit"])
            if field_name not in used or value is None or used[field_name] == value:
                continue
            where = f"{cited['document']}:{cited['line']}".rstrip(":")
            shown_zh, shown_en = _shown(used, field_name)
            out.append(
                _finding(
                    "conflicting_figure",
                    "info",
                    str(row["id"]),
                    f"{row['name_zh']}（{_field(field_name, 'zh')}）：{where} 记为 {cited['value']}{cited['unit']}"
                    f"（“{cited['quote']}”），本数据采用 {shown_zh}。" + _note(cited["note"], "zh"),
                    f"{row['name_en']} ({_field(field_name, 'en')}): {where} gives {cited['value']} "
                    f"{cited['unit']} (\u201c{cited['quote']}\u201d); the data uses {shown_en}."
                    + _spaced(_note(cited["note"], "en")),
                )
            )
    return out


def itemization(carriers: pd.DataFrame) -> pd.DataFrame:
    """For every carrier with children: its figures beside the sum of its children's known figures.

    Columns: ``parent_id``, ``figure`` (existing/planned), ``parent_m2`` (Int64, NA if unknown),
    ``itemized_m2`` (sum of the direct children's known figures), ``children``, ``unknown_children``.
    "Itemized 35 of 120 万㎡" reads ``itemized_m2`` of ``parent_m2``.
    """
    columns = ["parent_id", "figure", "parent_m2", "itemized_m2", "children", "unknown_children"]
    has_parent = carriers["parent_id"].notna().to_numpy()
    children = carriers[has_parent]
    codes, parent_ids = pd.factorize(children["parent_id"], sort=False)  # groups in order of first appearance
    groups = len(parent_ids)
    if groups == 0:
        table = pd.DataFrame([], columns=columns)
        table["parent_m2"] = table["parent_m2"].astype("Int64")
        return table
    parent_rows = nesting.parent_positions(carriers["id"].tolist(), carriers["parent_id"].tolist())[has_parent]
    first_child = np.full(groups, -1, dtype=np.int64)
    first_child[codes[::-1]] = np.arange(len(codes))[::-1]  # the first child of each group
    count = np.bincount(codes, minlength=groups)
    parts = {}
    for figure, column in (("existing", "floor_area_existing_m2"), ("planned", "floor_area_planned_m2")):
        values = children[column].astype("Int64")
        itemized = np.zeros(groups, dtype=np.int64)
        np.add.at(itemized, codes, values.fillna(0).to_numpy(dtype=np.int64))
        parts[figure] = {
            "parent_m2": carriers[column].astype("Int64").iloc[parent_rows[first_child]].to_numpy(),
            "itemized_m2": itemized,
            "unknown_children": np.bincount(codes, weights=values.isna().to_numpy(), minlength=groups).astype(np.int64),
        }
    # two rows per group, existing then planned
    return pd.DataFrame(
        {
            "parent_id": [p for p in parent_ids.tolist() for _ in range(2)],
            "figure": ["existing", "planned"] * groups,
            "parent_m2": pd.array(
                np.column_stack([parts["existing"]["parent_m2"], parts["planned"]["parent_m2"]]).ravel(), dtype="Int64"
            ),
            "itemized_m2": np.column_stack([parts["existing"]["itemized_m2"], parts["planned"]["itemized_m2"]]).ravel(),
            "children": np.repeat(count, 2).astype(np.int64),
            "unknown_children": np.column_stack(
                [parts["existing"]["unknown_children"], parts["planned"]["unknown_children"]]
            ).ravel(),
        },
        columns=columns,
    )


def _itemization_findings(carriers: pd.DataFrame) -> list[dict[str, str]]:
    names = carriers.set_index("id")
    out = []
    for row in itemization(carriers).itertuples(index=False):
        parent = names.loc[row.parent_id]
        label_zh = {"existing": "现有", "planned": "规划新增"}[row.figure]
        if pd.isna(row.parent_m2):
            if row.itemized_m2:
                out.append(
                    _finding(
                        "itemization",
                        "warning",
                        row.parent_id,
                        f"{parent['name_zh']}{label_zh}面积未知，"
                        f"其子载体已知面积 {_wan(row.itemized_m2)} 万㎡ 计入合计。",
                        f"{parent['name_en']}: {row.figure} figure unknown; its children's known "
                        f"{_wan(row.itemized_m2)} 万㎡ add instead.",
                    )
                )
            continue
        parent_m2 = int(row.parent_m2)
        if row.itemized_m2 > parent_m2:
            severity, zh_tail, en_tail = (
                "error",
                "，超过母载体数字，请核对",
                " — more than the parent's figure: check both",
            )
        else:
            severity, zh_tail, en_tail = "info", "", ""
        if parent_m2 == 0 and row.itemized_m2 == 0:  # nothing to itemize, nothing itemized
            continue
        out.append(
            _finding(
                "itemization",
                severity,
                row.parent_id,
                f"{parent['name_zh']}{label_zh}：已分项 {_wan(row.itemized_m2)} / {_wan(parent_m2)} 万㎡"
                f"（{row.children} 个子载体，{row.unknown_children} 个面积未知）{zh_tail}",
                f"{parent['name_en']} {row.figure}: itemized {_wan(row.itemized_m2)} of {_wan(parent_m2)} 万㎡ "
                f"({row.children} children, {row.unknown_children} unknown){en_tail}",
            )
        )
    return out


def _unknown_findings(carriers: pd.DataFrame) -> list[dict[str, str]]:
    contrib = contributions(carriers)
    out = []
    for position in np.flatnonzero(contrib.unknown):
        row = carriers.iloc[position]
        parts_zh = [
            p for p, u in (("现有", contrib.existing_unknown), ("规划新增", contrib.planned_unknown)) if u[position]
        ]
        parts_en = [
            p for p, u in (("existing", contrib.existing_unknown), ("planned", contrib.planned_unknown)) if u[position]
        ]
        out.append(
            _finding(
                "unknown_figure",
                "warning",
                str(row["id"]),
                f"{row['name_zh']}：{'、'.join(parts_zh)}面积未知，合计中未计入（不按零计）。",
                f"{row['name_en']}: {' and '.join(parts_en)} floor area unknown; reported, not summed as zero.",
            )
        )
    known_planned = carriers["floor_area_planned_m2"].astype("Int64")
    no_year = known_planned.notna() & (known_planned != 0) & carriers["planned_year"].isna()
    for _, row in carriers[no_year.to_numpy()].iterrows():
        out.append(
            _finding(
                "planned_without_year",
                "warning",
                str(row["id"]),
                f"{row['name_zh']}：规划新增 {_wan(int(row['floor_area_planned_m2']))} 万㎡ 无年份，"
                f"按年份统计时列为未知。",
                f"{row['name_en']}: planned {_wan(int(row['floor_area_planned_m2']))} 万㎡ has no year; "
                "as-of-year sums list it as unknown.",
            )
        )
    return out


def _membership_findings(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> list[dict[str, str]]:
    out = []
    metric = to_metric(carriers)
    metric_zones = to_metric(zones, crs=metric.crs)
    zone_names = zones.set_index(zones["id"].astype(str))
    parents = dict(zip(carriers["id"], carriers["parent_id"], strict=True))
    position_of = {carrier_id: position for position, carrier_id in enumerate(carriers["id"])}
    names = carriers.set_index("id")
    for zone_type in zone_types(zones):
        of_type = set(zones.loc[zones["type"] == zone_type, "id"].astype(str))
        declared = assign(carriers, zones, zone_type=zone_type, mode="declared")
        drawn = assign(
            carriers,
            zones,
            zone_type=zone_type,
            mode="largest",
            metric_geoms=metric.geometry.to_numpy(),
            metric_zones=metric_zones.geometry.to_numpy(),
        )
        groups = declared.groups
        for position, (d, g) in enumerate(zip(declared.group, drawn.group, strict=True)):
            row = carriers.iloc[position]
            listed = [z for z in split_ids(row["zone_ids"]) if z in of_type]
            if len(listed) > 1:
                out.append(
                    _finding(
                        "multiple_declared",
                        "warning",
                        str(row["id"]),
                        f"{row['name_zh']} 申报属于多个{_type_zh(zone_type)}（{'、'.join(listed)}），"
                        f"按片区表中靠前者 {groups[d]} 计。",
                        f"{row['name_en']} declares several {zone_type} zones ({', '.join(listed)}); "
                        f"counted in the one listed first, {groups[d]}.",
                    )
                )
            if d == g:
                continue
            name_d = "无" if groups[d] == OUTSIDE else f"“{zone_names.at[groups[d], 'name_zh']}”（{groups[d]}）"
            name_g = (
                "任何片区之外" if groups[g] == OUTSIDE else f"“{zone_names.at[groups[g], 'name_zh']}”（{groups[g]}）"
            )
            en_d = "none" if groups[d] == OUTSIDE else groups[d]
            en_g = "none (outside)" if groups[g] == OUTSIDE else groups[g]
            out.append(
                _finding(
                    "declared_vs_drawn",
                    "warning",
                    str(row["id"]),
                    f"{row['name_zh']}：申报的{_type_zh(zone_type)}为{name_d}，图形主要落在{name_g}；"
                    "请核对 zone_ids 或边界。",
                    f"{row['name_en']}: declared {zone_type} is {en_d}, but its outline lies mostly in {en_g}; "
                    "check its zone_ids or its outline.",
                )
            )
        # A child that itemizes its parent should sit in the same zones as the parent (rule 3).
        for position, child in enumerate(carriers["id"]):
            parent = parents.get(child)
            if parent is None or pd.isna(parent):
                continue
            parent_position = position_of[parent]
            if declared.group[position] != declared.group[parent_position]:
                child_zone, parent_zone = groups[declared.group[position]], groups[declared.group[parent_position]]
                out.append(
                    _finding(
                        "child_membership",
                        "warning",
                        str(child),
                        f"{names.at[child, 'name_zh']} 的{_type_zh(zone_type)}归属（{child_zone}）与母载体 "
                        f"{names.at[parent, 'name_zh']}（{parent_zone}）不同。",
                        f"{names.at[child, 'name_en']} is declared in {child_zone} but its parent "
                        f"{names.at[parent, 'name_en']} in {parent_zone} ({zone_type}).",
                    )
                )
    return out


def _overlap_findings(zones: gpd.GeoDataFrame) -> list[dict[str, str]]:
    out = []
    metric = to_metric(zones)
    for zone_type in zone_types(zones):
        of_type = metric[metric["type"] == zone_type]
        geoms = of_type.geometry.to_numpy()
        ids = of_type["id"].astype(str).to_numpy()
        for i in range(len(geoms)):
            for j in range(i + 1, len(geoms)):
                shared = float(shapely.area(shapely.intersection(geoms[i], geoms[j])))
                if shared >= _OVERLAP_MIN_M2:
                    out.append(
                        _finding(
                            "zone_overlap",
                            "warning",
                            f"{ids[i]};{ids[j]}",
                            f"{_type_zh(zone_type)}片区 {ids[i]} 与 {ids[j]} 重叠 {shared / 1e6:.3f} km²，"
                            f"重叠部分计入靠前的 {ids[i]}。",
                            f"{zone_type} zones {ids[i]} and {ids[j]} overlap by {shared / 1e6:.3f} km²; the shared "
                            f"part counts for {ids[i]}, listed first.",
                        )
                    )
    return out


def check_quality(
    carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, sources: pd.DataFrame | None = None
) -> pd.DataFrame:
    """All data-quality findings for validated carriers and zones, most serious first.

    Returns a DataFrame with the columns of ``FINDING_COLUMNS``.
    """
    findings = [
        *_itemization_findings(carriers),
        *_unknown_findings(carriers),
        *_membership_findings(carriers, zones),
        *_overlap_findings(zones),
        *_conflicts(carriers, sources),
        *_conflicts(zones, sources),
    ]
    table = pd.DataFrame(findings, columns=list(FINDING_COLUMNS))
    rank = table["severity"].map({"error": 0, "warning": 1, "info": 2})
    return (
        table.assign(_rank=rank)
        .sort_values(["_rank", "kind"], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )
