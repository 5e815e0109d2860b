"""The summary chart as planners see it: bars in proportion, unknown shown as unknown, names escaped."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geo import present
from geo.rollup import OUTSIDE, TOTAL
from layers.styles import CARRIER_STYLES

ROW = re.compile(
    r'<div(?: class="xh-outside")?>(?P<name>.*?)</div><div class="xh-bar">(?P<bar>.*?)</div>'
    r'<div class="xh-value">(?P<value>.*?)</div>'
)
SEGMENT = re.compile(
    r'<span style="width:(?P<width>[0-9.]+)%;background:(?P<color>#[0-9a-f]{6})" title="(?P<title>[^"]*)">'
)


def table(rows: list[tuple[str, str, int | None, int | None, int]]) -> pd.DataFrame:
    """A roll-up table's chart columns: (group_id, name, existing m², planned m², unknown count)."""
    return pd.DataFrame(
        {
            "group_id": [r[0] for r in rows],
            "name_zh": [r[1] for r in rows],
            "name_en": [r[1].upper() for r in rows],
            "existing_m2": pd.array([r[2] for r in rows], dtype="Int64"),
            "planned_m2": pd.array([r[3] for r in rows], dtype="Int64"),
            "unknown_count": [r[4] for r in rows],
        }
    )


def rows_of(html: str) -> list[dict]:
    return [
        {"name": m["name"], "segments": SEGMENT.findall(m["bar"]), "value": m["value"], "outside": "xh-outside" in m[0]}
        for m in ROW.finditer(html)
    ]


def test_bars_are_in_proportion_to_the_largest_group():
    html = present.chart_html(
        table(
            [
                ("a", "甲", 30_000, 10_000, 0),
                ("b", "乙", 20_000, 0, 0),
                (OUTSIDE, "区外", 0, 20_000, 0),
                (TOTAL, "合计", 50_000, 30_000, 0),
            ]
        ),
        "zh",
    )
    existing, planned = present.CHART_COLORS["existing"], present.CHART_COLORS["planned"]
    a, b, outside = rows_of(html)
    assert [(float(w), c) for w, c, _ in a["segments"]] == [(75.0, existing), (25.0, planned)]
    assert [(float(w), c) for w, c, _ in b["segments"]] == [(50.0, existing)]  # no empty planned segment
    assert [(float(w), c) for w, c, _ in outside["segments"]] == [(50.0, planned)]
    assert [r["value"] for r in (a, b, outside)] == ["4.0", "2.0", "2.0"]
    assert a["segments"][0][2] == "甲 · 现有 3.0 万㎡"
    assert outside["outside"]
    assert not a["outside"]


def test_the_total_row_is_not_a_bar():
    html = present.chart_html(table([("a", "甲", 10_000, 0, 0), (TOTAL, "合计", 10_000, 0, 0)]), "zh")
    assert [r["name"] for r in rows_of(html)] == ["甲"]
    assert "合计" not in html


def test_unknown_is_shown_as_unknown_never_as_zero():
    html = present.chart_html(
        table([("a", "a", 10_000, None, 1), ("b", "b", None, None, 2), (TOTAL, "t", 10_000, None, 3)]), "en"
    )
    a, b = rows_of(html)
    assert a["value"] == '1.0<span class="xh-note">+1 unknown</span>'
    assert b["segments"] == []
    assert b["value"] == '—<span class="xh-note">+2 unknown</span>'
    assert "另 2 个未知" in present.chart_html(table([("b", "b", None, None, 2)]), "zh")


def test_nothing_known_draws_empty_bars():
    html = present.chart_html(table([("a", "a", 0, 0, 0), (OUTSIDE, "o", 0, 0, 0)]), "zh")
    assert [r["segments"] for r in rows_of(html)] == [[], []]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["<img src=x onerror=alert(1)>", '" onmouseover="alert(1)', "${alert(1)}"])
def test_names_are_escaped_in_text_and_tooltips(lang, name):
    frame = table([("a", name, 10_000, 10_000, 0)])
    frame["name_en"] = name
    html = present.chart_html(frame, lang)
    assert "<img" not in html
    assert 'onmouseover="' not in html
    (row,) = rows_of(html)
    assert row["name"] == name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_chart_colours_are_the_maps():
    assert {kind: CARRIER_STYLES[kind]["fillColor"] for kind in ("existing", "planned")} == present.CHART_COLORS


def test_the_carriers_table_speaks_the_planners_words() -> None:
    from geo.data import load_dataset  # noqa: PLC0415

    data = load_dataset(context=False)
    zh = present.carriers_table(data.carriers, data.zones, "zh")
    assert {"增长极", "发展带"} <= set(zh.columns)
    assert "pole" not in zh.columns
    assert "belt" not in zh.columns
    assert set(zh[present.label("status", "zh")]) <= {"已建成", "在建", "规划"}
    kinds = set(zh[present.label("kind", "zh")])
    assert not kinds & {"park", "tower", "campus", "town", "renewal_area", "building"}, kinds
    en = present.carriers_table(data.carriers, data.zones, "en")
    assert {"pole", "belt"} <= set(en.columns)
    assert set(en[present.label("status", "en")]) <= {"existing", "under construction", "planned"}
    years = en[present.label("planned_year", "en")].dropna()
    assert all(isinstance(y, (int,)) or float(y).is_integer() for y in years)
    assert str(en[present.label("planned_year", "en")].dtype) == "Int64"  # 2025, never 2025.0


def test_the_summary_table_far_has_two_decimals_and_no_minus_zero() -> None:
    rows = table([("a", "甲", 1, 0, 0), (TOTAL, "合计", 1, 0, 0)])
    rows = rows.assign(
        total_m2=rows["existing_m2"],
        declared_m2=pd.array([None, None], dtype="Int64"),
        difference_m2=pd.array([None, None], dtype="Int64"),
        unknown_ids=["", ""],
        land_m2=pd.array([3, 3], dtype="Int64"),
        far=[1 / 3, -0.0],
        member_count=[1, 1],
    )
    far = present.summary_table(rows, "zh")[present.label("far", "zh")].tolist()
    assert far == [0.33, 0.0]
    assert "-0.0" not in repr(far)
