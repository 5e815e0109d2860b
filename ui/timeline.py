"""The page's timeline section: floor space per group by year, stacked by phase, beside the plan's targets.

One chart per group (stacked built / under construction / planned, in 万㎡, a line for the target in
force each year), its table, both languages. A click on a year's bar sets the page's as-of year (the
``year`` slider's state) and turns build-out off. The page calls :func:`render_timeline` in its
timeline section; everything else here is pure (charts and tables from a timeline table), so it is
tested without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import altair as alt
import pandas as pd

from geo.data import Dataset
from geo.present import qualifier_words
from geo.rollup import OUTSIDE, TOTAL
from geo.text import Lang, Text
from geo.timeline import DEFAULT_SPAN, Figures, changes_in_year, timeline
from geo.tranches import VOCABULARY

__all__ = ["PICK", "changes_table", "on_pick", "render_timeline", "timeline_chart", "timeline_table"]

PICK = "year_pick"  # the chart's selection: the year clicked
_WAN = 10_000.0
_PHASE_COLUMNS = (("built_m2", "built"), ("under_construction_m2", "under_construction"), ("planned_m2", "planned"))
_COLOURS = ("#2b6cb0", "#dd8a2e", "#a0aec0")
_WORDS: dict[str, Text] = {
    "heading": Text("逐年载体面积与规划目标", "Floor space by year, against the plan's targets"),
    "year": Text("年份", "year"),
    "area": Text("建筑面积（万㎡）", "floor area (10,000 m²)"),
    "phase": Text("阶段", "phase"),
    "target": Text("规划目标", "target"),
    "group": Text("分组", "group"),
    "total": Text("合计（万㎡）", "total (10,000 m²)"),
    "total_qualifier": Text("合计限定", "total is"),
    "gap": Text("与目标差额（万㎡）", "gap to target (10,000 m²)"),
    "status": Text("目标状态", "target status"),
    "unknown": Text("未知数", "unknown"),
    "click": Text("点击某一年的柱子，将页面的“截至年份”设为该年。", "Click a year's bar to set the page's as-of year."),
    "changes": Text("{year} 年的变化：建成启用与预计建成", "What changes in {year}: opening and due"),
    "carrier": Text("载体", "carrier"),
    "change": Text("变化", "change"),
    "floor": Text("建筑面积（万㎡）", "floor area (10,000 m²)"),
    "basis": Text("年份依据", "year basis"),
    "qualifier": Text("限定", "qualifier"),
    "adds": Text("计入合计", "adds to sums"),
    "yes": Text("是", "yes"),
    "no": Text("否（已含于上级或面积未知）", "no (held by its parent, or unknown)"),
    "no_changes": Text("{year} 年没有已知年份的变化。", "Nothing dated changes in {year}."),
    "unknown_note": Text(
        "未知面积与未知年份的在建、规划部分不计入柱高，单列于表中（不按零计）。",
        "Unknown areas, and under-construction or planned space of unknown year, are not in the bars: "
        "they are listed in the table (never counted as zero).",
    ),
}


def _name(row: pd.Series, lang: Lang) -> str:
    return str(row["name_zh"] if lang == "zh" else row["name_en"])


def _phase_word(code: str, lang: Lang) -> str:
    return VOCABULARY["phase"][code].in_(lang)


def timeline_chart(table: pd.DataFrame, group: str, *, lang: Lang) -> alt.LayerChart:
    """One group's chart: stacked phases per year in 万㎡, the target in force as a line; a click picks a year.

    ``table`` is a :func:`geo.timeline.timeline` table; ``group`` one of its ``group_id``.
    """
    rows = table[table["group_id"] == group]
    phase_title, year_title = _WORDS["phase"].in_(lang), _WORDS["year"].in_(lang)
    area_title = _WORDS["area"].in_(lang)
    records = [
        {
            "year": int(row["year"]),
            "phase": _phase_word(code, lang),
            "order": order,
            "wan": float(row[column]) / _WAN,
        }
        for _, row in rows.iterrows()
        for order, (column, code) in enumerate(_PHASE_COLUMNS)
    ]
    phases = [_phase_word(code, lang) for _, code in _PHASE_COLUMNS]
    pick = alt.selection_point(name=PICK, fields=["year"], on="click", clear=False)
    bars = (
        alt.Chart(pd.DataFrame(records))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=year_title),
            y=alt.Y("sum(wan):Q", title=area_title, stack="zero"),
            color=alt.Color(
                "phase:N", title=phase_title, scale=alt.Scale(domain=phases, range=list(_COLOURS)), sort=phases
            ),
            order=alt.Order("order:Q"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
            tooltip=[
                alt.Tooltip("year:O", title=year_title),
                alt.Tooltip("phase:N", title=phase_title),
                alt.Tooltip("wan:Q", title=area_title, format=",.1f"),
            ],
        )
        .add_params(pick)
    )
    targets = rows[rows["target_m2"].notna()]
    target_records = [{"year": int(r["year"]), "wan": float(r["target_m2"]) / _WAN} for _, r in targets.iterrows()]
    target_title = _WORDS["target"].in_(lang)
    line = (
        alt.Chart(pd.DataFrame(target_records or [{"year": None, "wan": None}]))
        .mark_line(point=alt.OverlayMarkDef(color="#c53030"), color="#c53030", strokeDash=[4, 3])
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("wan:Q"),
            tooltip=[alt.Tooltip("year:O", title=year_title), alt.Tooltip("wan:Q", title=target_title, format=",.1f")],
        )
    )
    layers = [bars, line] if target_records else [bars]
    title = _name(rows.iloc[0], lang) if len(rows) else group
    return alt.layer(*layers).properties(height=220, title=alt.TitleParams(text=title, anchor="start", offset=6))


def timeline_table(table: pd.DataFrame, *, lang: Lang) -> pd.DataFrame:
    """The timeline as the page shows it: names in ``lang``, figures in 万㎡, status in words, no codes as labels;
    the total's qualifier as the word before it (约, 不少于; about, at least)."""
    words = {key: text.in_(lang) for key, text in _WORDS.items()}
    status = VOCABULARY["target_status"]
    return pd.DataFrame(
        {
            words["group"]: [_name(row, lang) for _, row in table.iterrows()],
            words["year"]: table["year"].astype("Int64"),
            **{
                f"{_phase_word(code, lang)}（万㎡）" if lang == "zh" else f"{_phase_word(code, lang)} (10,000 m²)": (
                    table[column].astype("float64") / _WAN
                )
                for column, code in _PHASE_COLUMNS
            },
            **(
                {words["total_qualifier"]: qualifier_words(table["total_qualifier"], lang)}
                if "total_qualifier" in table.columns
                else {}
            ),
            words["total"]: table["total_m2"].astype("float64") / _WAN,
            words["target"]: table["target_m2"].astype("Float64") / _WAN,
            words["gap"]: table["gap_m2"].astype("Float64") / _WAN,
            words["status"]: [None if pd.isna(s) else status[s].in_(lang) for s in table["target_status"]],
            words["unknown"]: table["unknown_count"].astype("int64"),
        }
    )


def changes_table(changes: pd.DataFrame, *, lang: Lang) -> pd.DataFrame:
    """What changes in a year (:func:`geo.timeline.changes_in_year`) as the page shows it, in ``lang``."""
    words = {key: text.in_(lang) for key, text in _WORDS.items()}
    vocabulary = VOCABULARY
    return pd.DataFrame(
        {
            words["carrier"]: [_name(row, lang) for _, row in changes.iterrows()],
            words["change"]: [vocabulary["change"][p].in_(lang) for p in changes["phase"]],
            words["floor"]: changes["floor_area_m2"].astype("Float64") / _WAN,
            words["qualifier"]: [vocabulary["qualifier"][q].in_(lang).strip() or "—" for q in changes["qualifier"]],
            words["basis"]: [vocabulary["year_basis"][b].in_(lang) for b in changes["year_basis"]],
            words["adds"]: [words["yes"] if a else words["no"] for a in changes["adds"]],
        }
    )


def on_pick(
    state: MutableMapping[str, Any], chart_key: str, *, year_key: str = "year", buildout_key: str = "buildout"
) -> None:
    """The chart's click handler: the picked year becomes the page's as-of year (and build-out is turned off).

    ``state`` is ``st.session_state`` (any mapping in tests); ``chart_key`` the chart's widget key.
    """
    event = state.get(chart_key) or {}
    selection = event.get("selection", {}) if isinstance(event, dict) else getattr(event, "selection", {})
    picked = selection.get(PICK) if isinstance(selection, dict) else None
    if not picked:
        return
    year = picked[0].get("year") if isinstance(picked, list) else None
    if isinstance(year, int | float) and not isinstance(year, bool):
        state[year_key] = int(year)
        state[buildout_key] = False


def render_timeline(
    data: Dataset,
    *,
    by: str,
    mode: str,
    lang: Lang,
    figures: Figures | None = None,
    span: tuple[int, int] = DEFAULT_SPAN,
    year_key: str = "year",
    buildout_key: str = "buildout",
) -> pd.DataFrame:
    """Draw the timeline section: a chart per group (zones of ``by``, outside, total), then the table.

    Parameters
    ----------
    data
        The page's :class:`geo.data.Dataset`.
    by, mode
        The page's grouping and membership mode.
    lang
        ``"zh"`` or ``"en"``.
    figures
        Tranches and targets (:func:`geo.timeline.load_figures`); ``None``: the carriers' two columns.
    span
        First and last year (default 2015–2035).
    year_key, buildout_key
        The page's session-state keys of the as-of year slider and the build-out checkbox.

    Returns
    -------
    DataFrame
        The timeline table drawn (for the page's download buttons).
    """
    import streamlit as st  # noqa: PLC0415 - only the page needs it

    table = timeline(data.carriers, data.zones, figures=figures, by=by, mode=mode, years=range(span[0], span[1] + 1))  # type: ignore[arg-type]
    st.subheader(_WORDS["heading"].in_(lang))
    st.caption(_WORDS["click"].in_(lang))
    groups = [g for g in dict.fromkeys(table["group_id"]) if g not in (OUTSIDE,)]
    ordered = [g for g in groups if g != TOTAL] + [TOTAL]
    for group in ordered:
        key = f"timeline_chart_{by}_{group}"
        handler: Callable[[], None] = lambda key=key: on_pick(  # noqa: E731
            st.session_state, key, year_key=year_key, buildout_key=buildout_key
        )
        st.altair_chart(
            timeline_chart(table, group, lang=lang),
            key=key,
            on_select=handler,
            selection_mode=PICK,
            width="stretch",
        )
    st.dataframe(timeline_table(table, lang=lang), hide_index=True, width="stretch", placeholder="—")
    st.caption(_WORDS["unknown_note"].in_(lang))
    if not st.session_state.get(buildout_key, True):
        year = int(st.session_state[year_key])
        st.markdown(f"**{_WORDS['changes'].in_(lang).format(year=year)}**")
        changes = changes_in_year(data.carriers, year, figures=figures)
        if len(changes):
            st.dataframe(changes_table(changes, lang=lang), hide_index=True, width="stretch", placeholder="—")
        else:
            st.caption(_WORDS["no_changes"].in_(lang).format(year=year))
    return table
