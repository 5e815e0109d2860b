"""Compare on the map: which carriers a scenario added, removed, reshaped or changed, highlighted on one map."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from geo.cli_scenario import carrier_changes
from geo.workspace import Change, Who, create_workspace
from layers.compare import CHANGE_COLOURS, compare_map

XSS = '<img src=x onerror="window.__xss=1">'


@pytest.fixture
def workspace(tmp_path: Path):
    store = create_workspace(tmp_path / "workspace.gpkg", who=Who("lead"))
    store.new_scenario("s", who=Who("lead"))
    return store


def _changes(workspace):
    return carrier_changes(
        workspace.load("base").dataset.carriers.to_crs(4326), workspace.load("s").dataset.carriers.to_crs(4326)
    )


def test_each_carrier_is_marked_with_what_the_scenario_did_to_it(workspace) -> None:
    base = workspace.load("base").dataset.carriers.set_index("id")
    new = shapely.box(121.43, 31.17, 121.432, 31.172)
    workspace.save(
        "s",
        [
            Change("carrier", "westbund_media_port", None),
            Change("carrier", "westbund_financial_city", {"floor_area_existing_m2": 10_000}),
            Change("carrier", "modelspeed", {"geometry": new}),
            Change(
                "carrier",
                "added_one",
                {
                    "geometry": new,
                    "name_zh": XSS,
                    "name_en": "A",
                    "status": "planned",
                    "kind": "tower",
                    "geometry_accuracy_m": 50,
                },
            ),
        ],
        who=Who("lead"),
        reason="test",
    )
    changes = _changes(workspace).set_index("id")["change"]
    assert changes.to_dict() == {
        **dict.fromkeys(base.index, "unchanged"),
        "westbund_media_port": "removed",
        "westbund_financial_city": "changed",
        "modelspeed": "reshaped",
        "added_one": "added",
    }
    html = compare_map(_changes(workspace), lang="zh").get_root().render()
    assert XSS not in html
    for change in ("added", "removed", "reshaped", "changed", "unchanged"):
        assert CHANGE_COLOURS[change] in html, change


def test_no_change_is_all_grey(workspace) -> None:
    changes = _changes(workspace)
    assert set(changes["change"]) == {"unchanged"}
    html = compare_map(changes, lang="en").get_root().render()
    assert CHANGE_COLOURS["unchanged"] in html
    assert CHANGE_COLOURS["added"] not in html
