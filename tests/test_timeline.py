"""Floor space through time (geo.tranches, geo.timeline): hand-checkable squares, nesting across tranches,
targets and gaps, conservation every year in every mode, old two-column files, and properties."""

from __future__ import annotations

import geopandas as gpd
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from factories import carriers, rect, square, zones
from hypothesis import HealthCheck, given, settings

from geo.data import load_dataset
from geo.rollup import OUTSIDE, TOTAL, contributions, summarize
from geo.schema import DataError
from geo.timeline import (
    TIMELINE_COLUMNS,
    Figures,
    bundled_figure_paths,
    load_figures,
    target_report,
    timeline,
)
from geo.tranches import (
    aggregate_indicator,
    contributions_by_year,
    flat_columns,
    normalize_tranches,
    resolve_tranches,
    tranches_from_columns,
    validate_targets,
    validate_tranches,
)

MODES = ("declared", "largest", "area")
FIGURES = ("built_m2", "under_construction_m2", "planned_m2", "total_m2")


def at(table: pd.DataFrame, group: str, year: int | None) -> pd.Series:
    rows = table[(table["group_id"] == group) & (table["year"].isna() if year is None else table["year"] == year)]
    assert len(rows) == 1, (group, year)
    return rows.iloc[0]


def phases(row: pd.Series) -> tuple[int, int, int, int]:
    return tuple(int(row[c]) for c in FIGURES)  # type: ignore[return-value]


@pytest.fixture
def world() -> gpd.GeoDataFrame:
    """Poles A (0–10 m) and B (10–20 m) side by side; a belt L along the bottom 5 m of both and beyond."""
    return zones(
        {"id": "A", "type": "pole", "geometry": rect(0, 0, 10, 10)},
        {"id": "B", "type": "pole", "geometry": rect(10, 0, 20, 10)},
        {"id": "L", "type": "belt", "geometry": rect(0, 0, 30, 5)},
    )


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """c1 in A, c2 in B, c3 outside both poles; p ⊃ k in A, q ⊃ r in B. All clear of the belt."""
    return carriers(
        {"id": "c1", "geometry": square(1, 6, 3), "zone_ids": "A"},
        {"id": "c2", "geometry": square(11, 6, 3), "zone_ids": "B", "status": "planned"},
        {"id": "c3", "geometry": square(21, 6, 3), "status": "under_construction"},
        {"id": "p", "geometry": square(5, 6, 4), "zone_ids": "A"},
        {"id": "k", "geometry": square(6, 7, 1), "zone_ids": "A", "parent_id": "p"},
        {"id": "q", "geometry": square(15, 6, 4), "zone_ids": "B"},
        {"id": "r", "geometry": square(16, 7, 1), "zone_ids": "B", "parent_id": "q"},
    )


TRANCHES = pd.DataFrame(
    [
        # c1: built in two tranches, 2018 and 2022; nothing more (a stated 0)
        ("c1", "built", 100, 2018, "stated"),
        ("c1", "built", 50, 2022, "stated"),
        ("c1", "planned", 0, None, None),
        # c2: nothing built; 200 due in 2027, a year inferred
        ("c2", "built", 0, None, None),
        ("c2", "planned", 200, 2027, "inferred"),
        # c3: nothing built; 80 under construction, year unknown
        ("c3", "built", 0, None, None),
        ("c3", "under_construction", 80, None, "unknown"),
        # p's 300 (2016) includes its child k's 40 (2019): k never adds
        ("p", "built", 300, 2016, "stated"),
        ("p", "planned", 0, None, None),
        ("k", "built", 40, 2019, "stated"),
        ("k", "planned", 0, None, None),
        # q's figure is unknown (2020): its child r's 70 (2021) adds, q is listed
        ("q", "built", None, 2020, "stated"),
        ("q", "planned", 0, None, None),
        ("r", "built", 70, 2021, "stated"),
        ("r", "planned", 0, None, None),
    ],
    columns=["carrier_id", "phase", "floor_area_m2", "year", "year_basis"],
).astype(object)
TARGETS = pd.DataFrame(
    [
        ("A", "floor_area", 400, 2020),
        ("A", "floor_area", 500, 2025),
        ("B", "floor_area", 300, 2030),
        ("c2", "firms", 10, 2027),
    ],
    columns=["subject_id", "indicator", "value", "year"],
).astype(object)


@pytest.fixture
def figures(squares, world) -> Figures:
    return load_figures(squares, world, tranches=TRANCHES, targets=TARGETS)


# --- hand-checkable squares ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_squares_by_pole_and_year(squares, world, figures, mode):
    table = timeline(squares, world, figures=figures, by="pole", mode=mode, years=range(2015, 2031))
    assert list(table.columns) == list(TIMELINE_COLUMNS)
    a = {y: phases(at(table, "A", y)) for y in range(2015, 2031)}
    assert a[2015] == (0, 0, 0, 0)
    assert a[2016] == (300, 0, 0, 300)  # p
    assert a[2018] == (400, 0, 0, 400)  # + c1's first tranche
    assert a[2019] == (400, 0, 0, 400)  # k (2019) is inside p's 300: never added
    assert a[2022] == (450, 0, 0, 450)  # + c1's second tranche
    assert a[2030] == (450, 0, 0, 450)
    b = {y: phases(at(table, "B", y)) for y in range(2015, 2031)}
    assert b[2020] == (0, 0, 0, 0)
    assert b[2021] == (70, 0, 0, 70)  # r adds: its parent q's figure is unknown
    assert b[2026] == (70, 0, 0, 70)
    assert b[2027] == (70, 0, 200, 270)  # c2's planned 200, due 2027
    # q is listed once its (unknown) built tranche is due; not before.
    assert at(table, "B", 2019)["unknown_ids"] == ""
    assert at(table, "B", 2020)["unknown_ids"] == "q"
    # c3's 80 has no year: never placed in a year, listed in every one.
    for year in range(2015, 2031):
        outside = at(table, OUTSIDE, year)
        assert phases(outside) == (0, 0, 0, 0)
        assert outside["unknown_ids"] == "c3"
    assert phases(at(table, TOTAL, 2027)) == (520, 0, 200, 720)
    assert at(table, TOTAL, 2027)["unknown_ids"] == "c3;q"


def test_build_out_places_the_undated_tranche(squares, world, figures):
    table = timeline(squares, world, figures=figures, by="pole", years=[2030, None])
    assert phases(at(table, OUTSIDE, None)) == (0, 80, 0, 80)
    assert at(table, OUTSIDE, None)["unknown_ids"] == ""  # at build-out the year does not matter
    assert phases(at(table, TOTAL, None)) == (520, 80, 200, 800)
    assert at(table, TOTAL, None)["unknown_ids"] == "q"


def test_targets_and_gaps_by_year(squares, world, figures):
    table = timeline(squares, world, figures=figures, by="pole", years=range(2018, 2031))
    assert pd.isna(at(table, "A", 2019)["target_m2"])  # no target due yet
    row = at(table, "A", 2020)
    assert (row["target_m2"], row["gap_m2"], row["target_status"]) == (400, 0, "met")
    row = at(table, "A", 2024)  # the 2020 target still holds
    assert (row["target_m2"], row["gap_m2"], row["target_status"]) == (400, 50, "met")
    row = at(table, "A", 2025)  # the latest due: 500; no unknown figure can close the gap
    assert (row["target_m2"], row["gap_m2"], row["target_status"]) == (500, -50, "short")
    row = at(table, "B", 2030)  # 270 against 300, but q's unknown figure could close it
    assert (row["target_m2"], row["gap_m2"], row["target_status"]) == (300, -30, "open")
    for year in range(2018, 2031):
        assert pd.isna(at(table, OUTSIDE, year)["target_m2"])
        assert pd.isna(at(table, TOTAL, year)["target_m2"])


def test_target_report_compares_floor_space_only_with_floor_space(squares, world, figures):
    report = target_report(squares, world, figures).set_index("subject_id")
    a = report[report["year"] == 2025].loc["A"]
    assert (a["capacity_m2"], a["gap_m2"], a["target_status"]) == (450, -50, "short")
    b = report.loc["B"]
    assert (b["capacity_m2"], b["built_m2"], b["gap_m2"], b["target_status"], b["unknown_ids"]) == (
        270,
        70,
        -30,
        "open",
        "q",
    )
    firms = report.loc["c2"]  # firms are not floor space: capacity stays unknown
    assert pd.isna(firms["capacity_m2"])
    assert firms["target_status"] == "unknown"
    assert firms["value"] == 10


def test_a_carrier_target_counts_the_carrier_and_its_children(squares, world):
    targets = pd.DataFrame([("q", "floor_area", 100, 2025)], columns=["subject_id", "indicator", "value", "year"])
    report = target_report(squares, world, load_figures(squares, world, tranches=TRANCHES, targets=targets))
    row = report.iloc[0]
    assert (row["subject_type"], row["capacity_m2"], row["gap_m2"], row["target_status"]) == (
        "carrier",
        70,
        -30,
        "open",
    )
    assert row["unknown_ids"] == "q"


def test_status_groups_and_belts(squares, world, figures):
    by_status = timeline(squares, world, figures=figures, by="status", years=[2027])
    assert phases(at(by_status, "planned", 2027)) == (0, 0, 200, 200)
    assert phases(at(by_status, "existing", 2027)) == (520, 0, 0, 520)
    assert OUTSIDE not in set(by_status["group_id"])
    by_belt = timeline(squares, world, figures=figures, by="belt", years=[2027])
    assert phases(at(by_belt, "L", 2027)) == (0, 0, 0, 0)  # all squares lie clear of the belt
    assert phases(at(by_belt, OUTSIDE, 2027)) == phases(at(by_belt, TOTAL, 2027))


def test_a_missing_class_is_unknown_like_an_empty_column(squares, world):
    only_built = pd.DataFrame([("c1", "built", 100, 2018)], columns=["carrier_id", "phase", "floor_area_m2", "year"])
    figures = load_figures(squares, world, tranches=only_built)
    table = timeline(squares, world, figures=figures, years=[2030])
    # c1 has no coming tranche: unknown (like an empty planned column), listed, never 0.
    assert "c1" in at(table, "A", 2030)["unknown_ids"].split(";")


def test_undated_built_tranches_count_every_year_and_are_named(squares, world):
    tranches = pd.DataFrame([("c1", "built", 100, None), ("c1", "planned", 0, None)])
    tranches.columns = ["carrier_id", "phase", "floor_area_m2", "year"]
    table = timeline(squares, world, figures=load_figures(squares, world, tranches=tranches), years=[2015])
    assert at(table, "A", 2015)["built_m2"] == 100
    assert at(table, "A", 2015)["undated_ids"] == "c1"


# --- nesting across tranches -----------------------------------------------------------------------


def test_nesting_is_per_class_across_tranches(world):
    data = carriers(
        {"id": "park", "geometry": square(0, 6, 4), "zone_ids": "A"},
        {"id": "tower", "geometry": square(1, 7, 1), "zone_ids": "A", "parent_id": "park"},
    )
    tranches = pd.DataFrame(
        [
            ("park", "built", 500, 2010),  # the park's built figure is known …
            ("park", "planned", None, 2030),  # … its coming figure is not
            ("tower", "built", 60, 2012),  # inside the park's 500: never adds
            ("tower", "under_construction", 90, 2026),  # the park's coming figure is unknown: adds
        ],
        columns=["carrier_id", "phase", "floor_area_m2", "year"],
    )
    table = timeline(data, world, figures=load_figures(data, world, tranches=tranches), years=[2025, 2026, 2030])
    assert phases(at(table, "A", 2025)) == (500, 0, 0, 500)
    assert phases(at(table, "A", 2026)) == (500, 90, 0, 590)
    assert at(table, "A", 2026)["unknown_ids"] == ""  # the park's unknown tranche is due in 2030
    assert at(table, "A", 2030)["unknown_ids"] == "park"


# --- conservation and the old two-column files -----------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("by", ["pole", "belt", "status"])
def test_groups_plus_outside_equal_the_total_every_year(by, mode):
    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    table = timeline(data.carriers, data.zones, figures=figures, by=by, mode=mode, years=[*range(2015, 2036), None])
    for year, rows in table.groupby(table["year"].fillna(0), sort=False):
        parts, total = rows[rows["group_id"] != TOTAL], rows[rows["group_id"] == TOTAL].iloc[0]
        for column in FIGURES:
            assert int(parts[column].sum()) == int(total[column]), (year, column)
        for row in parts.itertuples():
            assert row.built_m2 + row.under_construction_m2 + row.planned_m2 == row.total_m2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("by", ["pole", "belt", "status"])
def test_the_bundled_tranches_agree_with_summary_as_of_every_year(by, mode):
    """`summary --year` (two columns) and the timeline (tranches) give the same row for each year."""
    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    years = [2015, 2019, 2020, 2023, 2024, 2025, 2027, 2035]
    table = timeline(data.carriers, data.zones, figures=figures, by=by, mode=mode, years=years)
    for year in years:
        summary = summarize(data.carriers, data.zones, by=by, mode=mode, year=year).set_index("group_id")
        for group in summary.index:
            row = at(table, group, year)
            assert int(row["built_m2"]) == summary.at[group, "existing_m2"], (group, year)
            assert int(row["under_construction_m2"] + row["planned_m2"]) == summary.at[group, "planned_m2"]
            assert int(row["total_m2"]) == summary.at[group, "total_m2"]
            assert row["unknown_ids"] == summary.at[group, "unknown_ids"], (group, year)


def test_the_bundled_timeline_reads_the_plan_where_it_states_it():
    data = load_dataset(context=False)
    tranches, targets = bundled_figure_paths()
    figures = load_figures(data.carriers, data.zones, tranches=tranches, targets=targets)
    table = timeline(data.carriers, data.zones, figures=figures, by="pole", years=[2019, 2020, 2025, 2035])
    chj = at(table, "pole_caohejing", 2025)
    assert phases(chj) == (5_500_000, 0, 1_000_000, 6_500_000)  # 550万 + 100万 = 650万
    assert (chj["target_m2"], chj["gap_m2"], chj["target_status"]) == (6_500_000, 0, "met")
    west = at(table, "pole_westbund", 2025)
    assert west["target_m2"] == 1_200_000  # 120万: the pole's target, not its built space
    assert west["built_m2"] == 50_000  # 模速空间 (2023); the rest of the valley is unknown
    assert west["target_status"] == "open"
    # Before AI Tower opened (2020) nothing of the West Bund is known built; it is not shown as 120万.
    assert at(table, "pole_westbund", 2019)["built_m2"] == 0


@pytest.mark.parametrize("year", [None, 2015, 2020, 2024, 2025, 2027, 2040])
def test_two_column_carriers_as_tranches_give_todays_contributions(year):
    data = load_dataset(context=False)
    old = contributions(data.carriers, year=year)
    new = contributions_by_year(data.carriers, tranches_from_columns(data.carriers), [year])[year].as_rollup()
    for field in ("existing", "planned", "existing_unknown", "planned_unknown", "top"):
        assert np.array_equal(getattr(old, field), getattr(new, field)), field


@pytest.mark.parametrize("mode", MODES)
def test_an_old_two_column_file_gives_todays_summary_every_year(world, mode):
    data = carriers(
        {"id": "a", "geometry": square(1, 1, 6), "zone_ids": "A;L", "floor_area_existing_m2": 120, "opened_year": 2019},
        {"id": "b", "geometry": square(8, 2, 6), "zone_ids": "B;L", "floor_area_planned_m2": 77, "planned_year": 2024},
        {"id": "c", "geometry": square(12, 6, 2), "zone_ids": "B", "floor_area_existing_m2": 9},
        {"id": "d", "geometry": square(2, 6, 1), "zone_ids": "A", "parent_id": "a", "floor_area_existing_m2": 5},
        {"id": "e", "geometry": square(25, 6, 2), "floor_area_planned_m2": 13},
    )
    years = list(range(2017, 2027))
    for by in ("pole", "belt", "status"):
        table = timeline(data, world, by=by, mode=mode, years=years)  # no figures: the two columns
        for year in years:
            summary = summarize(data, world, by=by, mode=mode, year=year)
            for row in summary.itertuples():
                line = at(table, row.group_id, year)
                assert (line["built_m2"], line["planned_m2"], line["total_m2"]) == (
                    row.existing_m2,
                    row.planned_m2,
                    row.total_m2,
                ), (by, row.group_id, year)
                assert line["unknown_ids"] == row.unknown_ids
                assert line["under_construction_m2"] == 0


# --- the contract: validation, conversion, flat form -----------------------------------------------


def test_bad_tranches_are_refused_with_every_problem_in_both_languages(squares, world):
    bad = pd.DataFrame(
        {
            "id": ["t1", "t2", "t2", "t4"],
            "carrier_id": ["c1", "nope", "c2", "c3"],
            "phase": ["done", "built", "planned", "planned"],
            "floor_area_m2": ["lots", "-5", "10", ""],
            "year": ["2020", "", "1850", "2030"],
            "year_basis": ["", "stated", "", "unknown"],
            "qualifier": ["exact", "roughly", "", ""],
        }
    )
    with pytest.raises(DataError) as caught:
        load_figures(squares, world, tranches=bad)
    english, chinese = caught.value.report("en"), caught.value.report("zh")
    for words in ("phase is 'done'", "'lots'", "'nope'", "out of range", "1850", "year_basis", "'roughly'", "twice"):
        assert words in english, words
    for words in (
        "阶段",
        "不是整平方米数",
        "不在载体文件中",
        "超出合理范围",
        "不在 1900–2100 之间",
        "年份依据",
        "重复",
    ):
        assert words in chinese, words
    assert "tranches row 2 (t1)" in english
    assert "分期表第 2 行（t1）" in chinese


def test_bad_targets_are_refused(squares, world):
    bad = pd.DataFrame(
        {
            "subject_type": ["zone", "carrier", "moon"],
            "subject_id": ["Z", "c1", "A"],
            "indicator": ["floor_area", "happiness", "floor_area"],
            "value": ["12.5", "3", ""],
            "unit": ["万㎡", "", ""],
        }
    )
    problems = validate_targets(bad, carrier_ids=set(squares["id"]), zone_ids={"A", "B", "L"})
    text = "\n".join(p.render("en") for p in problems)
    for words in ("'Z'", "'happiness'", "unit '万㎡'", "'12.5'", "subject_type is 'moon'", "value ''"):
        assert words in text, words
    assert all(p.render("zh") != p.render("en") for p in problems)


def test_a_missing_column_is_named(squares):
    problems = validate_tranches(pd.DataFrame({"carrier_id": ["c1"]}), carrier_ids={"c1"})
    assert "phase" in problems[0].render("en")
    assert "缺少列" in problems[0].render("zh")


def test_columns_that_contradict_their_tranches_are_refused(world):
    data = carriers({"id": "x", "geometry": square(1, 6, 2), "floor_area_existing_m2": 999})
    tranches = pd.DataFrame([("x", "built", 100, 2018)], columns=["carrier_id", "phase", "floor_area_m2", "year"])
    with pytest.raises(DataError) as caught:
        load_figures(data, world, tranches=tranches)
    assert "floor_area_existing_m2" in str(caught.value)
    assert "以分期表为准" in caught.value.report("zh")


def test_the_flat_form_sums_each_class_and_dates_it_at_the_latest(squares):
    table = normalize_tranches(TRANCHES)
    flat = flat_columns(squares, resolve_tranches(squares, table)).set_index("id")
    assert (flat.at["c1", "floor_area_existing_m2"], flat.at["c1", "opened_year"]) == (150, 2022)
    assert pd.isna(flat.at["c1", "planned_year"])
    assert (flat.at["c2", "floor_area_planned_m2"], flat.at["c2", "planned_year"]) == (200, 2027)
    assert pd.isna(flat.at["q", "floor_area_existing_m2"])  # an unknown tranche makes the sum unknown


def test_tranches_from_columns_is_one_built_and_one_planned_tranche_per_carrier(squares):
    squares = squares.copy()
    squares["floor_area_existing_m2"] = pd.array([10, None, None, None, None, None, None], dtype="Int64")
    squares["opened_year"] = pd.array([2019, None, None, None, None, None, None], dtype="Int64")
    tranches = tranches_from_columns(squares)
    assert len(tranches) == 2 * len(squares)
    first = tranches[tranches["carrier_id"] == "c1"]
    assert first["phase"].tolist() == ["built", "planned"]
    assert first["floor_area_m2"].tolist()[0] == 10
    assert first["year_basis"].tolist() == ["stated", "unknown"]


def test_indicators_add_or_are_recomputed_never_summed():
    assert aggregate_indicator("firms", {"firms": [600, 120]}) == 720
    assert aggregate_indicator("firms", {"firms": [600, None]}) is None  # unknown stays unknown
    # Output per m² of a group: total output over total floor area (not the mean of the members' ratios).
    ratio = aggregate_indicator("output_per_m2", {"output": [5.0, 1.0], "floor_area": [50_000, 50_000]})
    assert ratio == pytest.approx(0.6)  # 6 亿元 over 10万 m² = 0.6 万元/m²
    assert aggregate_indicator("far", {"floor_area": [300, 100], "land_area": [100, 100]}) == 2.0


def test_tables_load_from_csv_and_xlsx(tmp_path, squares, world):
    from geo.tranches import load_table  # noqa: PLC0415

    csv = tmp_path / "tranches.csv"
    TRANCHES.to_csv(csv, index=False, encoding="utf-8-sig")
    xlsx = tmp_path / "figures.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        TRANCHES.to_excel(writer, sheet_name="tranches", index=False)
        TARGETS.to_excel(writer, sheet_name="targets", index=False)
    from_csv = load_figures(squares, world, tranches=csv)
    from_xlsx = load_figures(squares, world, tranches=xlsx, targets=xlsx)
    pd.testing.assert_frame_equal(from_csv.tranches, from_xlsx.tranches)
    assert len(from_xlsx.targets) == len(TARGETS)
    with pytest.raises(DataError) as caught:
        load_table(tmp_path / "absent.csv", table="tranches")
    assert "无法读取" in caught.value.report("zh")


# --- properties ------------------------------------------------------------------------------------

_PHASES = ("built", "under_construction", "planned")


@st.composite
def _world(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 7))
    rows, tranche_rows = [], []
    for i in range(n):
        x, y = draw(st.integers(0, 26)), draw(st.integers(0, 8))
        size = draw(st.integers(1, 6))
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        zone_ids = draw(st.sampled_from([None, "A", "B", "A;L", "B;L", "L"]))
        status = draw(st.sampled_from(["existing", "under_construction", "planned"]))
        rows.append(
            {
                "id": f"k{i}",
                "geometry": square(x, y, size),
                "zone_ids": zone_ids,
                "parent_id": None if parent is None else f"k{parent}",
                "status": status,
            }
        )
        for _ in range(draw(st.integers(0, 3))):
            phase = draw(st.sampled_from(_PHASES))
            area = draw(st.one_of(st.none(), st.integers(0, 10_000)))
            # Coming tranches of known area are dated (the last year then holds everything); any
            # other tranche may lack a year.
            dated = phase != "built" and area is not None
            year = draw(st.integers(2015, 2035) if dated else st.one_of(st.none(), st.integers(2015, 2035)))
            tranche_rows.append((f"k{i}", phase, area, year))
    table = pd.DataFrame(tranche_rows, columns=["carrier_id", "phase", "floor_area_m2", "year"]).astype(object)
    return carriers(*rows), table


_ZONES = zones(
    {"id": "A", "type": "pole", "geometry": rect(0, 0, 10, 10)},
    {"id": "B", "type": "pole", "geometry": rect(10, 0, 20, 10)},
    {"id": "L", "type": "belt", "geometry": rect(0, 0, 30, 5)},
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=_world(), mode=st.sampled_from(MODES), by=st.sampled_from(["pole", "belt", "status"]))
def test_property_conservation_monotone_built_and_last_year_is_build_out(drawn, mode, by):
    data, table = drawn
    figures = load_figures(data, _ZONES, tranches=table if len(table) else None)
    years = list(range(2015, 2036))
    line = timeline(data, _ZONES, figures=figures, by=by, mode=mode, years=years)
    groups = [g for g in dict.fromkeys(line["group_id"]) if g != TOTAL]
    for year in years:
        rows = line[line["year"] == year]
        parts, total = rows[rows["group_id"] != TOTAL], rows[rows["group_id"] == TOTAL].iloc[0]
        for column in FIGURES:
            assert int(parts[column].sum()) == int(total[column])
    for group in [*groups, TOTAL]:
        built = line[line["group_id"] == group]["built_m2"].astype(int).tolist()
        assert built == sorted(built), group  # built space never decreases
    # The last year (after every dated tranche) equals the build-out summary, group by group.
    build_out = timeline(data, _ZONES, figures=figures, by=by, mode=mode, years=[None]).set_index("group_id")
    last = line[line["year"] == years[-1]].set_index("group_id")
    for column in (*FIGURES, "unknown_count", "unknown_ids"):
        assert last[column].tolist() == build_out[column].tolist(), column
    # … and, where no class is only partly known, the two-column form's build-out `summarize`.
    klass = figures.tranches["phase"].map({"built": "b", "under_construction": "c", "planned": "c"})
    unknown = figures.tranches["floor_area_m2"].isna()
    partly = unknown.groupby([figures.tranches["carrier_id"], klass]).agg(lambda s: 0 < s.sum() < len(s))
    if not partly.any():
        flat = flat_columns(data, figures.tranches)
        as_columns = data.drop(columns=[c for c in flat.columns if c != "id"]).merge(flat, on="id")
        as_columns = gpd.GeoDataFrame(as_columns, geometry="geometry", crs=data.crs)
        summary = summarize(as_columns, _ZONES, by=by, mode=mode, year=None).set_index("group_id")
        assert last["built_m2"].tolist() == summary["existing_m2"].tolist()
        coming = (last["under_construction_m2"] + last["planned_m2"]).tolist()
        if mode != "area":  # area mode apportions the two coming phases apart (±1 m² per split carrier)
            assert coming == summary["planned_m2"].tolist()
        assert last["unknown_ids"].tolist() == summary["unknown_ids"].tolist()


def test_changes_in_a_year_list_what_opens_and_what_is_due(squares, world, figures):
    from geo.timeline import changes_in_year  # noqa: PLC0415

    opened = changes_in_year(squares, 2019, figures=figures)
    assert opened[["carrier_id", "phase", "floor_area_m2", "adds"]].values.tolist() == [["k", "built", 40, False]]
    due = changes_in_year(squares, 2027, figures=figures)
    assert due[["carrier_id", "phase", "floor_area_m2", "year_basis", "adds"]].values.tolist() == [
        ["c2", "planned", 200, "inferred", True]
    ]
    assert changes_in_year(squares, 2099, figures=figures).empty
    # c3's under-construction 80 has no year: never listed in any year's changes.
    assert not any("c3" in set(changes_in_year(squares, y, figures=figures)["carrier_id"]) for y in range(2015, 2036))


def test_a_target_on_a_nested_carrier_is_measured_by_its_own_figure(squares, world):
    targets = pd.DataFrame([("k", "floor_area", 50, 2025)], columns=["subject_id", "indicator", "value", "year"])
    report = target_report(squares, world, load_figures(squares, world, tranches=TRANCHES, targets=targets))
    row = report.iloc[0]  # k's 40 never adds to sums (p's 300 holds it), but it is k's own capacity
    assert (row["capacity_m2"], row["gap_m2"], row["target_status"]) == (40, -10, "short")


def test_phase_by_carrier_colours_the_map_for_a_year(squares, world, figures):
    from geo.timeline import phase_by_carrier  # noqa: PLC0415

    in_2017 = phase_by_carrier(squares, 2017, figures=figures).to_dict()
    # c1 opens 2018; c2's stated built 0 says nothing is built, its 200 is planned; c3 under construction;
    # q's built tranche (unknown area) is dated 2020.
    assert in_2017 == {
        "c1": "unknown",
        "c2": "planned",
        "c3": "under_construction",
        "p": "built",
        "k": "unknown",
        "q": "unknown",
        "r": "unknown",
    }
    in_2021 = phase_by_carrier(squares, 2021, figures=figures)
    assert (in_2021["c1"], in_2021["q"], in_2021["r"]) == ("built", "built", "built")
    # Two-column carriers: an empty column says nothing; a stated year does.
    old = carriers(
        {"id": "a", "geometry": square(1, 1, 2), "opened_year": 2020},
        {"id": "b", "geometry": square(4, 1, 2)},
        {"id": "c", "geometry": square(7, 1, 2), "floor_area_planned_m2": 10, "planned_year": 2030},
    )
    assert phase_by_carrier(old, 2021).to_dict() == {"a": "built", "b": "unknown", "c": "planned"}
    assert phase_by_carrier(old, 2019)["a"] == "unknown"
