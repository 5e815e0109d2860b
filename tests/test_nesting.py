"""One nesting implementation: parents, depths, ancestors and cycles (geo.nesting), and its users."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from factories import carriers, square, to_wgs84

from geo import nesting
from geo.schema import validate_carriers
from layers._common import LayerInputError
from layers.carriers import carrier_depths


def test_depths_of_a_forest_with_a_parent_outside_the_frame() -> None:
    links = nesting.parent_links(["park", "tower", "lab", "annex"], [None, "park", "tower", "gone"])
    assert nesting.depths(links, ["park", "tower", "lab", "annex"]) == {"park": 0, "annex": 0, "tower": 1, "lab": 2}


def test_cycles_are_found_once_each_from_their_first_member() -> None:
    links = {"x": "a", "a": "c", "c": "b", "b": "a", "d": "d", "e": "f"}
    assert nesting.cycles(links) == [["a", "c", "b"], ["d"]]
    depth = nesting.depths(links, "xacbdef")
    assert "x" not in depth  # hangs below a cycle: no depth
    assert depth["e"] == 1
    assert depth["f"] == 0


def test_a_deep_chain_is_walked_without_recursion() -> None:
    n = 50_000  # far deeper than Python's recursion limit
    ids = [f"c{i}" for i in range(n)]
    links = nesting.parent_links(ids, [None, *ids[:-1]])
    assert nesting.depths(links, ids)[ids[-1]] == n - 1
    assert nesting.cycles(links) == []
    parent = nesting.parent_positions(ids, [None, *ids[:-1]])
    known = np.zeros(n, dtype=bool)
    known[0] = True
    assert nesting.ancestor_any(parent, known).sum() == n - 1


def test_a_long_cycle_is_reported_once_and_its_path_is_shortened() -> None:
    n = 3000
    frame = carriers(*({"id": f"c{i}", "geometry": square(i, 0, 1), "parent_id": f"c{(i - 1) % n}"} for i in range(n)))
    problems = [p for p in validate_carriers(frame) if "cycle" in p.what]
    assert len(problems) == 1
    assert problems[0].what.startswith("parent_id forms a cycle (c0 → c2999 → c2998 → ")
    assert problems[0].what.endswith("… → c0; 3,000 carriers)")
    assert "循环" in problems[0].what_zh


def test_a_valid_3000_deep_chain_has_no_problem() -> None:
    n = 3000
    rows = ({"id": f"c{i}", "geometry": square(i, 0, 1), "parent_id": f"c{i - 1}" if i else None} for i in range(n))
    frame = to_wgs84(carriers(*rows))
    assert validate_carriers(frame) == []
    assert carrier_depths(frame)["c2999"] == 2999


def test_the_map_refuses_a_cycle_naming_every_member() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "parent_id": ["b", "a", None, "d"]})
    with pytest.raises(LayerInputError, match="cycle through a, b, d"):
        carrier_depths(frame)


def test_duplicate_ids_are_listed_with_their_rows_in_one_pass() -> None:
    n = 20_000
    frame = carriers(*({"id": f"d{i % 3}", "geometry": square(i, 0, 1)} for i in range(n)))
    duplicates = [p for p in validate_carriers(frame) if "more than one row" in p.what]
    assert [p.where for p in duplicates] == ["id 'd0'", "id 'd1'", "id 'd2'"]
    assert duplicates[0].what.startswith("is used by more than one row (rows 1, 4, 7, ")
    assert duplicates[0].what.endswith(", … (6,667))")
