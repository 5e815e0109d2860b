"""Qualifiers carried into sums (contract rule 15), and the summary as of a year from the tranches
(geo.timeline.summary_as_of, which the command line and the page both call): hand-checkable squares and
the seeds."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from factories import carriers, rect, square, zones

from geo.data import load_dataset
from geo.rollup import OUTSIDE, TOTAL, summarize
from geo.timeline import bundled_figure_paths, load_figures, summary_as_of, timeline
from geo.tranches import combine_qualifiers
from ui.timeline import timeline_table

MODES = ("declared", "largest", "area")


def at(table: pd.DataFrame, group: str, year: int | None) -> pd.Series:
    rows = table[(table["group_id"] == group) & (table["year"].isna() if year is None else table["year"] == year)]
    assert len(rows) == 1, (group, year)
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("parts", "combined"),
    [
        (["exact", "exact"], "exact"),
        ([], "exact"),
        (["exact", "about"], "about"),
        (["exact", "at_least"], "at_least"),
        (["at_least", "at_least"], "at_least"),
        (["about", "at_least"], "about"),  # an "about" part can be under: the sum is no lower bound
        (["at_least", "exact", "about"], "about"),
    ],
)
def test_the_qualifier_of_a_sum(parts: list[str], combined: str) -> None:
    assert combine_qualifiers(parts) == combined


@pytest.fixture
def world() -> gpd.GeoDataFrame:
    """Poles A (0–10 m) and B (10–20 m) side by side."""
    return zones(
        {"id": "A", "type": "pole", "geometry": rect(0, 0, 10, 10)},
        {"id": "B", "type": "pole", "geometry": rect(10, 0, 20, 10)},
    )


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """a and n (a's child) in A; b in B; u outside both; s split 0.4 / 0.5 / 0.1 between A, B and outside by area."""
    return carriers(
        {"id": "a", "geometry": square(1, 1, 4), "zone_ids": "A"},
        {"id": "n", "geometry": square(2, 2, 1), "zone_ids": "A", "parent_id": "a"},
        {"id": "b", "geometry": square(11, 1, 4), "zone_ids": "B"},
        {"id": "u", "geometry": square(31, 1, 4)},
        {"id": "s", "geometry": rect(2, 6, 22, 7), "zone_ids": "A"},
    )


TRANCHES = pd.DataFrame(
    [
        # a: 100 exact (2018) + 50 about (2022); its child n's "about" figure is held by a: it never qualifies A
        ("a", "built", 100, 2018, "exact"),
        ("a", "built", 50, 2022, "about"),
        ("a", "planned", 0, None, "exact"),
        ("n", "built", 10, 2019, "about"),
        ("n", "planned", 0, None, "exact"),
        # b: 200 at least, due 2025; an "about" tranche of unknown area says nothing about the sum
        ("b", "built", None, 2020, "about"),
        ("b", "planned", 200, 2025, "at_least"),
        # u: 30 at least built 2019 (outside every pole)
        ("u", "built", 30, 2019, "at_least"),
        ("u", "planned", 0, None, "exact"),
        # s: split 0.4 / 0.5 / 0.1 between A, B and outside (area mode); 1 m² under construction + 1 m² planned
        ("s", "built", 0, None, "exact"),
        ("s", "under_construction", 1, 2020, "about"),
        ("s", "planned", 1, 2020, "exact"),
    ],
    columns=["carrier_id", "phase", "floor_area_m2", "year", "qualifier"],
).astype(object)


@pytest.fixture
def figures(squares, world):
    return load_figures(squares, world, tranches=TRANCHES)


def test_the_group_total_says_about_or_at_least_by_what_it_adds(squares, world, figures) -> None:
    table = timeline(squares, world, figures=figures, by="pole", mode="declared", years=[2018, 2019, 2022, 2025])
    # A: 100 exact in 2018 (s adds nothing before 2020); n's "about" 10 (2019) is held by a: still exact
    assert (at(table, "A", 2018)["total_m2"], at(table, "A", 2018)["total_qualifier"]) == (100, "exact")
    assert at(table, "A", 2019)["total_qualifier"] == "exact"
    # 2022: + a's 50 about → about (and s's 1 + 1, one of them about)
    assert (at(table, "A", 2022)["total_m2"], at(table, "A", 2022)["total_qualifier"]) == (152, "about")
    # B: nothing known added before 2025 (the "about" tranche has no area) → exact; then 200 at least
    assert (at(table, "B", 2022)["total_m2"], at(table, "B", 2022)["total_qualifier"]) == (0, "exact")
    assert (at(table, "B", 2025)["total_m2"], at(table, "B", 2025)["total_qualifier"]) == (200, "at_least")
    # outside: u's 30 at least from 2019
    assert at(table, OUTSIDE, 2018)["total_qualifier"] == "exact"
    assert (at(table, OUTSIDE, 2019)["total_m2"], at(table, OUTSIDE, 2019)["total_qualifier"]) == (30, "at_least")
    # the district: at least (u) in 2019; about from 2020 (s's about part) with at-least parts beside it
    assert at(table, TOTAL, 2019)["total_qualifier"] == "at_least"
    assert (at(table, TOTAL, 2025)["total_m2"], at(table, TOTAL, 2025)["total_qualifier"]) == (382, "about")


def test_a_split_carrier_qualifies_every_group_it_has_a_share_in_and_phases_add_to_the_summary(
    squares, world, figures
) -> None:
    table = timeline(squares, world, figures=figures, by="pole", mode="area", years=[2020])
    summary = summary_as_of(squares, world, figures=figures, by="pole", mode="area", year=2020).set_index("group_id")
    # s's 1 + 1 m² split 0.4 / 0.5 / 0.1: coming 2 → 0.8, 1.0, 0.2 → 1, 1, 0 (largest remainder); under
    # construction 1 → 0.4, 0.5, 0.1 → 0, 1, 0; planned is what is left (1, 0, 0), so under construction +
    # planned is the summary's planned (apportioning planned on its own would give 0, 1, 0: B 2, A 0).
    parts = {
        g: (int(at(table, g, 2020)["under_construction_m2"]), int(at(table, g, 2020)["planned_m2"]))
        for g in ("A", "B", OUTSIDE)
    }
    assert parts == {"A": (0, 1), "B": (1, 0), OUTSIDE: (0, 0)}
    for group in ("A", "B", OUTSIDE, TOTAL):
        row = at(table, group, 2020)
        assert int(row["under_construction_m2"] + row["planned_m2"]) == summary.at[group, "planned_m2"], group
        assert row["total_qualifier"] == summary.at[group, "total_qualifier"], group
    # s's "about" part reaches A, B and outside (where its share rounds to 0 m²: it still holds a part of s)
    assert summary.at["B", "total_qualifier"] == "about"
    assert summary.at[OUTSIDE, "total_qualifier"] == "about"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("by", ["pole", "status"])
def test_summary_as_of_is_the_timelines_row_every_year(squares, world, figures, by: str, mode: str) -> None:
    years = list(range(2017, 2027))
    table = timeline(squares, world, figures=figures, by=by, mode=mode, years=years)
    for year in years:
        summary = summary_as_of(squares, world, figures=figures, by=by, mode=mode, year=year)
        for row in summary.itertuples():
            line = at(table, row.group_id, year)
            assert int(line["built_m2"]) == row.existing_m2, (row.group_id, year)
            assert int(line["under_construction_m2"] + line["planned_m2"]) == row.planned_m2, (row.group_id, year)
            assert int(line["total_m2"]) == row.total_m2
            assert line["unknown_ids"] == row.unknown_ids
            assert line["total_qualifier"] == row.total_qualifier


def test_summary_as_of_reads_the_tranches_where_the_two_columns_date_a_whole_class_at_its_latest(
    squares, world, figures
) -> None:
    """a's built 100 (2018) + 50 (2022) flatten to 150 opened 2022: in 2020 the columns say 0, the tranches 100."""
    flat = squares.copy()
    flat["floor_area_existing_m2"] = pd.array([150, 10, None, 30, 0], dtype="Int64")
    flat["opened_year"] = pd.array([2022, 2019, 2020, 2019, None], dtype="Int64")
    columns = summarize(flat, world, by="pole", year=2020).set_index("group_id")
    tranches = summary_as_of(flat, world, figures=figures, by="pole", year=2020).set_index("group_id")
    assert columns.at["A", "existing_m2"] == 0
    assert tranches.at["A", "existing_m2"] == 100


def test_without_tranches_summary_as_of_is_the_two_column_summary_all_exact(squares, world) -> None:
    plain = squares.copy()
    plain["floor_area_existing_m2"] = pd.array([100, 10, 5, None, 0], dtype="Int64")
    plain["opened_year"] = pd.array([2018, 2019, None, None, None], dtype="Int64")
    for year in (2018, 2020, None):
        expected = summarize(plain, world, by="pole", year=year)
        got = summary_as_of(plain, world, by="pole", year=year)
        pd.testing.assert_frame_equal(got.drop(columns="total_qualifier"), expected)
        assert set(got["total_qualifier"]) == {"exact"}


@pytest.mark.parametrize(("lang", "words"), [("zh", ("约", "不少于")), ("en", ("about", "at least"))])
def test_the_page_table_shows_the_word_before_the_total_never_the_code(
    squares, world, figures, lang: str, words: tuple[str, str]
) -> None:
    about, at_least = words
    table = timeline(squares, world, figures=figures, by="pole", years=[2025])
    shown = timeline_table(table, lang=lang)
    columns = list(shown.columns)
    qualifier = columns[columns.index("合计（万㎡）" if lang == "zh" else "total (10,000 m²)") - 1]
    shown_words = dict(zip(table["group_id"], shown[qualifier], strict=True))
    assert shown_words == {"A": about, "B": at_least, OUTSIDE: at_least, TOTAL: about}
    assert not {"at_least", "exact"} & set(shown[qualifier])


# --- the seeds -------------------------------------------------------------------------------------


def test_the_seeds_caohejing_sum_is_about_and_beiyang_at_least() -> None:
    """漕河泾: 目前载体面积约550万方 (001:182; FACTS.md line 12, 001: 158, 182): its pole's sum is 约 in every year
    it adds, 约650万 at build-out; 北杨's 超100万 (000:108, 001:192) makes its sum "at least" once due (2027)."""
    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    table = timeline(data.carriers, data.zones, figures=figures, by="pole", years=[2020, 2026, 2027, None])
    chj = at(table, "pole_caohejing", None)
    assert (int(chj["total_m2"]), chj["total_qualifier"]) == (6_500_000, "about")
    assert at(table, "pole_caohejing", 2020)["total_qualifier"] == "about"
    assert at(table, "pole_westbund", None)["total_qualifier"] == "exact"  # 模速空间's 5万: 总建筑面积 5 万平方米
    assert at(table, OUTSIDE, 2026)["total_qualifier"] == "exact"  # 北杨 not yet due
    assert (int(at(table, OUTSIDE, 2027)["total_m2"]), at(table, OUTSIDE, 2027)["total_qualifier"]) == (
        1_000_000,
        "at_least",
    )
    summary = summary_as_of(data.carriers, data.zones, figures=figures, by="pole", year=None).set_index("group_id")
    assert summary.at["pole_caohejing", "total_qualifier"] == "about"
    assert summary.at[TOTAL, "total_qualifier"] == "about"  # 约 + 超 → 约 (rule 15)
