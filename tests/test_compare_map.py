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


def _paths(m) -> dict[str, str]:
    """Each carrier id on a folium map -> the change its layer draws (the layer's name is the change's word)."""
    import json  # noqa: PLC0415

    from layers.compare import CHANGE_WORDS  # noqa: PLC0415

    words = {text.en: change for change, text in CHANGE_WORDS.items()}
    out = {}
    for child in m._children.values():  # folium keeps its layers there
        data = getattr(child, "data", None)
        if isinstance(data, dict) and "features" in data:
            for feature in data["features"]:
                out[feature["properties"]["ident"]] = words[child.layer_name]
        elif isinstance(data, str):
            for feature in json.loads(data)["features"]:
                out[feature["properties"]["ident"]] = words[child.layer_name]
    return out


def test_side_by_side_one_map_per_scenario_each_with_its_own_carriers_on_one_view(workspace) -> None:
    from layers.compare import side_by_side  # noqa: PLC0415

    new = shapely.box(121.43, 31.17, 121.432, 31.172)
    base = workspace.load("base").dataset.carriers.to_crs(4326)
    workspace.save(
        "s",
        [
            Change("carrier", "westbund_media_port", None),
            Change("carrier", "modelspeed", {"geometry": new}),
            Change(
                "carrier",
                "added_one",
                {
                    "geometry": new,
                    "name_zh": "新",
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
    workspace.new_scenario("t", who=Who("lead"))
    workspace.save("t", [Change("carrier", "beiyang", {"name_en": "B"})], who=Who("lead"))
    others = [workspace.load(n).dataset.carriers.to_crs(4326) for n in ("s", "t")]
    first, second, third = side_by_side(base, [carrier_changes(base, o) for o in others], lang="en")
    on_first, on_second, on_third = _paths(first), _paths(second), _paths(third)
    # The reference: its own carriers, marked by what s or t does to them; no carrier it does not have.
    assert "added_one" not in on_first
    assert (on_first["westbund_media_port"], on_first["modelspeed"], on_first["beiyang"]) == (
        "removed",
        "reshaped",
        "changed",
    )
    assert set(on_first) == set(base["id"])
    # s: its carriers (the removed one is not there), what it changed against the reference.
    assert "westbund_media_port" not in on_second
    assert (on_second["added_one"], on_second["modelspeed"], on_second["beiyang"]) == ("added", "reshaped", "unchanged")
    assert on_third["beiyang"] == "changed"
    assert set(on_third) == set(base["id"])
    # The reference shows modelspeed in its own outline, s in the new one; every map on the same view.
    assert f"{base.set_index('id').at['modelspeed', 'geometry'].exterior.coords[0][0]}" in first.get_root().render()
    views = {m.get_root().render().split("fitBounds(")[1].split(")")[0] for m in (first, second, third)}
    assert len(views) == 1


def test_a_carrier_whose_tranches_changed_is_marked_changed(workspace) -> None:
    """A tranche's note changes no column of its carrier: the carrier is changed only through its tranches."""
    workspace.save("s", [Change("tranche", "modelspeed_built", {"note": "checked again"})], who=Who("lead"))
    base, scenario = workspace.load("base"), workspace.load("s")
    first, other = base.dataset.carriers.to_crs(4326), scenario.dataset.carriers.to_crs(4326)
    assert set(carrier_changes(first, other)["change"]) == {"unchanged"}
    marked = carrier_changes(first, other, tranches=(base.tranches, scenario.tranches)).set_index("id")["change"]
    assert marked[marked != "unchanged"].to_dict() == {"modelspeed": "changed"}
