"""The grid roll-up lives with the roll-up (issue 9 house-keeping) and adds up like it."""

from __future__ import annotations

from factories import carriers, square

import layers
from geo.data import load_dataset
from geo.rollup import GRID_COLUMNS, contributions, grid_sums


def test_grid_sums_add_up_to_the_build_out_total() -> None:
    data = load_dataset(context=False)
    cells = grid_sums(data.carriers, cell_m=500)
    parts = contributions(data.carriers)
    assert list(cells.columns[: len(GRID_COLUMNS)]) == list(GRID_COLUMNS)
    assert int(cells["total_m2"].sum()) == int(parts.total.sum())
    assert int(cells["carriers"].sum()) == len(data.carriers)
    assert int(cells["unknown"].sum()) == int(parts.unknown.sum())
    assert cells.crs.to_epsg() == 4549


def test_a_nested_carrier_adds_nothing_to_its_cell_and_unknown_is_not_zero() -> None:
    frame = carriers(
        {"id": "p", "geometry": square(0, 0, 100), "floor_area_existing_m2": 10, "floor_area_planned_m2": 0},
        {"id": "c", "geometry": square(10, 10, 5), "parent_id": "p", "floor_area_existing_m2": 3},
        {"id": "u", "geometry": square(5_000, 0, 10)},
    )
    cells = grid_sums(frame, cell_m=1_000).sort_values("ix")
    assert cells["total_m2"].tolist() == [10, 0]
    assert cells["unknown"].tolist() == [0, 1]


def test_the_map_layer_still_imports_it_under_its_old_name() -> None:
    assert layers.grid_cells is grid_sums
    data = load_dataset(context=False)
    assert layers.grid_layer_data(data.carriers, cell_m=500, lang="en").features
