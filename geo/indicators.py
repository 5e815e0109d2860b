"""Indicators beyond floor space, as a planner reads them: per carrier, and per group with their additivity.

Indicator values (``seeds/indicators.csv``, :attr:`geo.timeline.Figures.indicators`) sit on a carrier,
a zone or the district. This module words them (:func:`value_words`), lists each carrier's
(:func:`carrier_indicator_words`, for the map's popups) and makes the summary's small table
(:func:`group_indicators`): a subject's own reported value where there is one; otherwise, from its
member carriers, additive indicators summed and derived ones recomputed from the sums of their
numerator and denominator (:func:`geo.tranches.aggregate_indicator`), never added or averaged. A
member without a value makes the group's value unknown (``None``, shown "—"), never zero.

Nothing here reads Streamlit or Folium.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from geo.rollup import OUTSIDE, memberships
from geo.text import Lang, Text
from geo.tranches import INDICATORS, VOCABULARY, aggregate_indicator

__all__ = ["DISTRICT", "UNITS", "carrier_indicator_words", "group_indicators", "value_words"]

DISTRICT = "__district__"  # the group id of the district's own row
#: The units the indicator tables use, in both languages.
UNITS: Mapping[str, Text] = {
    "亿元": Text("亿元", "× 100 million yuan"),
    "万元": Text("万元", "× 10,000 yuan"),
    "家": Text("家", "firms"),
    "万元/平方米": Text("万元/㎡", "× 10,000 yuan/m²"),
    "m²": Text("㎡", "m²"),
    "": Text("", ""),
}
_WORDS = {
    "district": Text("全区", "district"),
    "year_unknown": Text("年份未知", "year not stated"),
    "years_differ": Text("成员年份不一", "members' years differ"),
    "from_members": Text("由成员{how}", "{how} over members"),
    "summed": Text("相加", "summed"),
    "recomputed": Text("按合计重算", "recomputed from sums"),
}


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def value_words(value: float, unit: str, *, qualifier: str = "exact", year: int | None = None, lang: Lang) -> str:
    """An indicator value in the planner's words: qualifier, number, unit and year.

    >>> value_words(1500, "家", qualifier="at_least", year=2025, lang="zh")
    '不少于1,500 家（2025 年）'
    >>> value_words(1, "万元/平方米", qualifier="at_least", lang="en")
    'at least 1 × 10,000 yuan/m² (year not stated)'
    """
    unit_word = UNITS.get(unit, Text(unit, unit)).in_(lang)
    qualifier_word = VOCABULARY["qualifier"].get(qualifier, Text("", "")).in_(lang)
    number = f"{qualifier_word}{_number(value)} {unit_word}".strip()
    if lang == "zh":
        return f"{number}（{year} 年）" if year is not None else f"{number}（{_WORDS['year_unknown'].zh}）"
    return f"{number} ({year})" if year is not None else f"{number} ({_WORDS['year_unknown'].en})"


def _year(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def carrier_indicator_words(indicators: pd.DataFrame | None, lang: Lang) -> dict[str, list[tuple[str, str]]]:
    """Each carrier's reported indicator values as ``(indicator name, value in words)``, in ``lang``.

    ``indicators`` is :attr:`geo.timeline.Figures.indicators` (``None``: none known); rows on zones or
    the district are left out. Plain text: the caller escapes it.
    """
    out: dict[str, list[tuple[str, str]]] = {}
    if indicators is None or indicators.empty:
        return out
    rows = indicators[indicators["subject_type"].astype(str) == "carrier"]
    for row in rows.sort_values(["subject_id", "indicator", "year"], na_position="first").to_dict("records"):
        indicator = INDICATORS.get(str(row["indicator"]))
        name = indicator.name.in_(lang) if indicator else str(row["indicator"])
        text = value_words(
            float(row["value"]), str(row["unit"]), qualifier=str(row["qualifier"]), year=_year(row["year"]), lang=lang
        )
        out.setdefault(str(row["subject_id"]), []).append((name, text))
    return out


def _latest(rows: pd.DataFrame) -> dict[str, object] | None:
    """The most recent value (dated before undated; the last row among equals)."""
    if rows.empty:
        return None
    order = rows.assign(_y=rows["year"].astype("Float64").fillna(-1)).sort_values("_y", kind="stable")
    return order.iloc[-1].to_dict()


def _top_members(carriers: gpd.GeoDataFrame, ids: list[str]) -> list[str]:
    """Members none of whose ancestors is a member: a parent's figure holds its nested carriers (rule 3)."""
    parents = dict(zip(carriers["id"].astype(str), carriers["parent_id"], strict=True))
    chosen = set(ids)
    out = []
    for carrier in ids:
        parent, seen = parents.get(carrier), set()
        held = False
        while parent is not None and not pd.isna(parent) and str(parent).strip() and str(parent) not in seen:
            seen.add(str(parent))
            if str(parent) in chosen:
                held = True
                break
            parent = parents.get(str(parent))
        if not held:
            out.append(carrier)
    return out


def _from_members(code: str, members: list[str], own: pd.DataFrame) -> tuple[float | None, int | None, bool]:
    """A group's value of ``code`` from its members' latest values: (value, year, years differ)."""
    indicator = INDICATORS[code]
    needed = [code] if indicator.additive else [indicator.numerator, indicator.denominator]
    values: dict[str, list[float | None]] = {}
    years: set[int | None] = set()
    for name in needed:
        values[name] = []
        for member in members:
            latest = _latest(own[(own["subject_id"] == member) & (own["indicator"] == name)])
            values[name].append(None if latest is None else float(latest["value"]))  # type: ignore[arg-type]
            if latest is not None:
                years.add(_year(latest["year"]))
    value = aggregate_indicator(code, values) if members else None
    year = next(iter(years)) if len(years) == 1 else None
    return value, year, len(years) > 1


def group_indicators(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    indicators: pd.DataFrame | None,
    *,
    by: str,
    mode: str = "declared",
    lang: Lang,
) -> pd.DataFrame:
    """The district's and each group's known indicators, one row per group, one column per indicator.

    Each cell is the value in words (:func:`value_words`) or ``None`` (unknown, shown "—"). A subject's
    own reported value comes first (its latest); else the group's members (carriers of the group in
    ``mode``, nested ones held by their parent): additive indicators summed, derived ones recomputed
    from the sums of their numerator and denominator, never added; any member without a value makes
    the group unknown. Only indicators with some value in ``indicators`` get a column.

    Returns
    -------
    DataFrame
        ``group_id`` and ``group`` (the name in ``lang``), then a column per indicator named in ``lang``.
    """
    table = indicators if indicators is not None else pd.DataFrame(columns=["subject_type", "indicator"])
    codes = [code for code in INDICATORS if code in set(table["indicator"].astype(str))]
    own = table.assign(subject_id=table.get("subject_id", pd.Series(dtype=str)).astype(str))
    groups: list[tuple[str, str, str, list[str]]] = [(DISTRICT, _WORDS["district"].in_(lang), "district", [])]
    carriers_of: dict[str, list[str]] = {}
    if by != "status":
        member_rows = memberships(carriers, zones, by=by, mode=mode)  # type: ignore[arg-type]
        ids = carriers["id"].astype(str).to_numpy()
        for position, group in zip(member_rows["position"], member_rows["group_id"].astype(str), strict=True):
            carriers_of.setdefault(group, []).append(str(ids[position]))
        named = zones.set_index(zones["id"].astype(str))
        name_column = "name_zh" if lang == "zh" else "name_en"
        groups += [
            (str(z), str(named.at[str(z), name_column]), "zone", carriers_of.get(str(z), []))
            for z in named.index[named["type"].astype(str) == by]
            if str(z) != OUTSIDE
        ]
    rows = []
    for group_id, name, kind, members in groups:
        row: dict[str, object] = {"group_id": group_id, "group": name}
        for code in codes:
            indicator = INDICATORS[code]
            subject = own[(own["subject_type"] == kind) & (own["indicator"] == code)]
            if kind == "zone":
                subject = subject[subject["subject_id"] == group_id]
            latest = _latest(subject)
            if latest is not None:
                text: str | None = value_words(
                    float(latest["value"]),  # type: ignore[arg-type]
                    str(latest["unit"]),
                    qualifier=str(latest["qualifier"]),
                    year=_year(latest["year"]),
                    lang=lang,
                )
            elif kind == "zone":
                top = _top_members(carriers, members)
                value, year, differ = _from_members(code, top, own[own["subject_type"] == "carrier"])
                text = None
                if value is not None:
                    how = _WORDS["summed" if indicator.additive else "recomputed"].in_(lang)
                    text = value_words(value, indicator.unit, year=year, lang=lang)
                    note = _WORDS["from_members"].in_(lang).format(how=how)
                    if differ:
                        note += ("，" if lang == "zh" else "; ") + _WORDS["years_differ"].in_(lang)
                    text += f"（{note}）" if lang == "zh" else f" ({note})"
            else:
                text = None
            row[indicator.name.in_(lang)] = text
        rows.append(row)
    return pd.DataFrame(rows, columns=["group_id", "group", *[INDICATORS[c].name.in_(lang) for c in codes]])
