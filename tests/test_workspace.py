"""The workspace store (geo.workspace): scenarios replayed from an append-only log, versioned saves.

Every test works on its own temporary workspace made from the bundled data. The "same edits by
hand" comparisons edit the bundled files with geopandas/pandas and roll them up with the same
functions, so any edit the store loses, mistypes or applies twice shows up as a different figure.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import affinity

from geo.data import SEEDS_DIR, load_dataset
from geo.rollup import MODES, summarize
from geo.schema import DataError
from geo.timeline import bundled_figure_paths, load_figures, timeline
from geo.tranches import load_table
from geo.workspace import (
    BASE,
    Change,
    ConflictError,
    Who,
    Workspace,
    WorkspaceError,
    create_workspace,
    default_workspace_path,
    open_workspace,
)

ROOT = Path(__file__).resolve().parent.parent
ALICE = Who("alice")
BOB = Who("bob", verified=True)
NEW_TOWER = shapely.Polygon([(121.430, 31.190), (121.432, 31.190), (121.432, 31.192), (121.430, 31.192)])


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return create_workspace(tmp_path / "workspace.gpkg", who=ALICE)


def _seed_carriers() -> gpd.GeoDataFrame:
    return gpd.read_file(SEEDS_DIR / "carriers.geojson", engine="pyogrio")


def _what_if(carriers: gpd.GeoDataFrame) -> tuple[list[Change], gpd.GeoDataFrame, pd.DataFrame]:
    """One set of edits, as workspace changes and as the same edits made to the files by hand."""
    caohejing = carriers.loc[carriers["id"] == "caohejing", "geometry"].iloc[0]
    reshaped = affinity.scale(caohejing, xfact=0.6, yfact=0.6)  # reshaped outline: moves shares in area modes
    changes = [
        Change("carrier", "beiyang", {"floor_area_planned_m2": 600_000, "planned_year": 2026}),
        Change("carrier", "caohejing", {"geometry": reshaped, "name_en": "Caohejing (reshaped)"}),
        Change(
            "carrier",
            "new_tower",
            {
                "name_zh": "徐家汇新塔",
                "name_en": "Xujiahui new tower",
                "kind": "tower",
                "zone_ids": "belt_line15",
                "floor_area_existing_m2": 0,
                "floor_area_planned_m2": 200_000,
                "planned_year": 2026,
                "status": "planned",
                "geometry_accuracy_m": 100,
                "geometry": NEW_TOWER,
            },
        ),
        Change("carrier", "westbund_media_port", None),
        Change("tranche", "beiyang_capacity", {"floor_area_m2": 600_000, "year": 2026, "year_basis": "stated"}),
    ]
    hand = carriers.copy()
    at = hand["id"] == "beiyang"
    hand.loc[at, "floor_area_planned_m2"] = 600_000
    hand.loc[at, "planned_year"] = 2026
    hand.loc[hand["id"] == "caohejing", "name_en"] = "Caohejing (reshaped)"
    hand.loc[hand["id"] == "caohejing", "geometry"] = reshaped
    hand = hand[hand["id"] != "westbund_media_port"]
    new = gpd.GeoDataFrame(
        [{**{k: v for k, v in changes[2].values.items() if k != "geometry"}, "id": "new_tower"}],  # type: ignore[union-attr]
        geometry=[NEW_TOWER],
        crs=4326,
    )
    hand = gpd.GeoDataFrame(pd.concat([hand, new], ignore_index=True), crs=4326)
    tranches = load_table(bundled_figure_paths()[0], table="tranches")
    row = tranches["id"] == "beiyang_capacity"
    tranches.loc[row, ["floor_area_m2", "year", "year_basis"]] = [600_000, 2026, "stated"]
    return changes, hand, tranches


# --- the file ----------------------------------------------------------------------------------------


def test_the_workspace_is_a_geopackage_gdal_opens_with_the_log_as_a_table(workspace: Workspace) -> None:
    workspace.new_scenario("s", who=ALICE)
    workspace.save("s", [Change("carrier", "beiyang", {"name_en": "Beiyang"})], who=ALICE, reason="typo")
    layers = dict(pyogrio.list_layers(workspace.path))
    assert {"carriers", "zones", "scenarios", "edit_log"} <= set(layers)
    assert layers["carriers"] == "Polygon"
    log = pyogrio.read_dataframe(workspace.path, layer="edit_log", read_geometry=False)
    assert log[["object_id", "field", "value_after", "who", "reason"]].values.tolist() == [
        ["beiyang", "name_en", '"Beiyang"', "alice", "typo"]
    ]
    with sqlite3.connect(workspace.path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert kinds["carriers"] == "features"
    assert kinds["edit_log"] == "attributes"


def test_base_holds_the_bundled_data_unchanged(workspace: Workspace) -> None:
    base = workspace.load(BASE)
    bundled = load_dataset(context=False)
    pd.testing.assert_frame_equal(
        pd.DataFrame(base.dataset.carriers.drop(columns="geometry")),
        pd.DataFrame(bundled.carriers.drop(columns="geometry")),
    )
    assert all(
        a.equals_exact(b, 0) for a, b in zip(base.dataset.carriers.geometry, bundled.carriers.geometry, strict=True)
    )
    for mode in MODES:
        pd.testing.assert_frame_equal(
            summarize(base.dataset.carriers, base.dataset.zones, by="pole", mode=mode),
            summarize(bundled.carriers, bundled.zones, by="pole", mode=mode),
        )


def test_the_place_is_the_environment_or_the_user_data_directory(tmp_path: Path) -> None:
    assert default_workspace_path({"XUHUI_WORKSPACE": str(tmp_path / "w.gpkg")}) == tmp_path / "w.gpkg"
    pytest.importorskip("platformdirs")
    default = default_workspace_path({})
    assert default.name == "workspace.gpkg"
    assert "xuhui-carriers" in str(default)
    created = open_workspace(tmp_path / "first" / "use.gpkg")  # created from the bundled data on first use
    assert [s.name for s in created.scenarios()] == [BASE]
    with pytest.raises(WorkspaceError, match="exists already"):
        create_workspace(created.path)


# --- scenarios: replay equals the same edits by hand -------------------------------------------------


@pytest.mark.parametrize("by", ["pole", "belt", "status"])
def test_a_scenarios_summary_equals_the_same_edits_made_to_the_files(workspace: Workspace, by: str) -> None:
    changes, hand, hand_tranches = _what_if(_seed_carriers())
    workspace.new_scenario("what-if", who=ALICE, note="北杨 60万 by 2026; a new tower")
    result = workspace.save("what-if", changes, who=ALICE, reason="what if", if_version=0)
    assert result.version == 1
    scenario = workspace.load("what-if")
    by_hand = load_dataset(hand, None, context=False)
    targets = load_table(bundled_figure_paths()[1], table="targets")
    figures = load_figures(by_hand.carriers, by_hand.zones, tranches=hand_tranches, targets=targets)
    for mode in MODES:
        for year in (None, 2025, 2026):
            expected = summarize(by_hand.carriers, by_hand.zones, by=by, mode=mode, year=year)
            got = summarize(scenario.dataset.carriers, scenario.dataset.zones, by=by, mode=mode, year=year)
            pd.testing.assert_frame_equal(got, expected)
        expected_line = timeline(by_hand.carriers, by_hand.zones, figures=figures, by=by, mode=mode)
        data = scenario.dataset
        got_line = timeline(data.carriers, data.zones, figures=scenario.figures, by=by, mode=mode)
        pd.testing.assert_frame_equal(got_line, expected_line)
    # ... and differs from the base, so the comparison above compares something
    base = workspace.load(BASE).dataset
    assert not summarize(base.carriers, base.zones, by=by).equals(
        summarize(scenario.dataset.carriers, scenario.dataset.zones, by=by)
    )
    assert workspace.load(BASE).dataset.carriers["id"].tolist() == _seed_carriers()["id"].tolist()


def test_each_changed_field_is_one_edit_with_before_after_who_and_version(workspace: Workspace) -> None:
    changes, _, _ = _what_if(_seed_carriers())
    workspace.new_scenario("s", who=ALICE)
    workspace.save("s", changes, who=BOB, reason="because")
    edits = workspace.edits("s")
    fields = [(e.object_type, e.object_id, e.field) for e in edits]
    assert fields == [
        ("carrier", "beiyang", "floor_area_planned_m2"),
        ("carrier", "beiyang", "planned_year"),
        ("carrier", "caohejing", "geometry"),
        ("carrier", "caohejing", "name_en"),
        ("carrier", "new_tower", "__feature__"),
        ("carrier", "westbund_media_port", "__feature__"),
        ("tranche", "beiyang_capacity", "floor_area_m2"),
        ("tranche", "beiyang_capacity", "year"),
        ("tranche", "beiyang_capacity", "year_basis"),
    ]
    first = edits[0]
    assert (first.value_before, first.value_after) == (1_000_000, 600_000)
    assert (first.who, first.who_verified, first.reason, first.scenario_version) == ("bob", True, "because", 1)
    assert first.at_utc.endswith("Z")
    removed = edits[5]
    assert removed.value_before["id"] == "westbund_media_port"
    assert removed.value_after is None
    # Saving the same changes again changes nothing: no edits, same version.
    again = workspace.save("s", changes[:2], who=BOB)
    assert (again.version, again.edit_ids) == (1, ())


def test_undo_restores_exactly(workspace: Workspace) -> None:
    changes, _, _ = _what_if(_seed_carriers())
    workspace.new_scenario("s", who=ALICE)
    before = workspace.state("s")
    saved = workspace.save("s", changes, who=ALICE)
    after = workspace.state("s")
    undone = workspace.undo("s", list(reversed(saved.edit_ids)), who=BOB, reason="back")
    assert workspace.state("s") == before
    assert [list(objects) for objects in workspace.state("s").values()] == [list(o) for o in before.values()]
    assert undone.version == 2
    undos = workspace.edits("s")[len(saved.edit_ids) :]
    assert [u.undoes for u in undos] == list(reversed(saved.edit_ids))
    assert [(u.value_before, u.value_after) for u in undos] == [
        (e.value_after, e.value_before) for e in reversed(workspace.edits("s")[: len(saved.edit_ids)])
    ]
    # ... and undoing the undo brings the scenario back to its edited state, exactly
    workspace.undo("s", list(reversed(undone.edit_ids)), who=BOB)
    assert workspace.state("s") == after
    workspace.undo("s", list(reversed(saved.edit_ids)), who=BOB)
    base = workspace.load(BASE).dataset
    scenario = workspace.load("s").dataset
    for mode in MODES:
        pd.testing.assert_frame_equal(
            summarize(scenario.carriers, scenario.zones, mode=mode), summarize(base.carriers, base.zones, mode=mode)
        )


def test_undoing_one_field_that_would_break_the_contract_is_refused(workspace: Workspace) -> None:
    changes, _, _ = _what_if(_seed_carriers())
    workspace.new_scenario("s", who=ALICE)
    saved = workspace.save("s", changes, who=ALICE)
    planned_year = saved.edit_ids[1]  # beiyang's planned_year alone: its tranche still says 2026
    with pytest.raises(DataError, match="tranches give"):
        workspace.undo("s", planned_year, who=ALICE)
    assert workspace.scenario("s").version == 1


def test_undo_of_an_unknown_edit_or_of_a_removed_objects_field_is_refused(workspace: Workspace) -> None:
    workspace.new_scenario("s", who=ALICE)
    renamed = workspace.save("s", [Change("carrier", "westbund_media_port", {"name_en": "Port"})], who=ALICE)
    workspace.save("s", [Change("carrier", "westbund_media_port", None)], who=ALICE)
    with pytest.raises(WorkspaceError, match="removed") as caught:
        workspace.undo("s", renamed.edit_ids[0], who=ALICE)
    assert "请先撤销" in caught.value.report("zh")
    with pytest.raises(WorkspaceError, match="no edit 999"):
        workspace.undo("s", 999, who=ALICE)


# --- the log is append-only --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE edit_log SET value_after = '0' WHERE edit_id = 1",
        "UPDATE edit_log SET who = 'mallory'",
        "DELETE FROM edit_log WHERE edit_id = 1",
        "DELETE FROM edit_log",
        "DELETE FROM scenarios WHERE name = 's'",
        "UPDATE scenarios SET name = 't' WHERE name = 's'",
        "UPDATE scenarios SET version = 0 WHERE name = 's'",
    ],
)
def test_the_store_refuses_to_change_or_delete_the_log(workspace: Workspace, sql: str) -> None:
    workspace.new_scenario("s", who=ALICE)
    workspace.save("s", [Change("carrier", "beiyang", {"name_en": "B"})], who=ALICE)
    before = [e.__dict__ for e in workspace.edits()]
    refused = r"cannot|append-only|only goes up"
    with sqlite3.connect(workspace.path) as con, pytest.raises(sqlite3.DatabaseError, match=refused):
        con.execute(sql)
    assert [e.__dict__ for e in workspace.edits()] == before
    assert workspace.scenario("s").version == 1


# --- no lost update ----------------------------------------------------------------------------------


def _race(workspace: Workspace, saves: list[tuple[Change, int | None]]) -> list[object]:
    """Run the saves in threads released together; each thread's result or exception."""
    barrier = threading.Barrier(len(saves))
    results: list[object] = [None] * len(saves)

    def one(i: int, change: Change, version: int | None) -> None:
        own = Workspace(workspace.path)  # each writer its own handle, as separate sessions have
        barrier.wait()
        try:
            results[i] = own.save("s", [change], who=Who(f"writer{i}"), if_version=version)
        except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i, c, v)) for i, (c, v) in enumerate(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_writers_from_the_same_version_one_wins_one_is_refused(workspace: Workspace) -> None:
    workspace.new_scenario("s", who=ALICE)
    first = Change("carrier", "beiyang", {"name_en": "first"})
    second = Change("carrier", "beiyang", {"name_en": "second"})
    results = _race(workspace, [(first, 0), (second, 0)])
    assert [r for r in results if isinstance(r, Exception) and not isinstance(r, ConflictError)] == []
    refused = [r for r in results if isinstance(r, ConflictError)]
    won = [i for i, r in enumerate(results) if not isinstance(r, ConflictError)]
    assert len(refused) == 1
    assert len(won) == 1
    assert (refused[0].expected, refused[0].actual) == (0, 1)
    assert "已被他人保存" in refused[0].report("zh")
    assert "saved by someone else" in refused[0].report("en")
    winner = (first, second)[won[0]]
    assert workspace.state("s")["carrier"]["beiyang"]["name_en"] == winner.values["name_en"]  # type: ignore[index]
    assert [e.who for e in workspace.edits("s")] == [f"writer{won[0]}"]
    # The refused writer reloads (version 1) and saves again: nothing is lost.
    loser = (first, second)[1 - won[0]]
    workspace.save("s", [Change("carrier", "caohejing", dict(loser.values))], who=BOB, if_version=1)  # type: ignore[arg-type]
    assert workspace.scenario("s").version == 2


def test_writers_without_a_version_are_serialised_and_lose_nothing(workspace: Workspace) -> None:
    workspace.new_scenario("s", who=ALICE)
    ids = ["caohejing", "beiyang", "modelspeed", "ai_tower"]
    results = _race(workspace, [(Change("carrier", i, {"name_en": f"renamed {i}"}), None) for i in ids])
    assert [r for r in results if isinstance(r, Exception)] == []
    state = workspace.state("s")["carrier"]
    assert [state[i]["name_en"] for i in ids] == [f"renamed {i}" for i in ids]
    assert workspace.scenario("s").version == len(ids)
    assert sorted(e.scenario_version for e in workspace.edits("s")) == list(range(1, len(ids) + 1))


# --- the contract ------------------------------------------------------------------------------------


def test_an_invalid_save_is_refused_whole(workspace: Workspace) -> None:
    workspace.new_scenario("s", who=ALICE)
    changes = [
        Change("carrier", "beiyang", {"name_en": "fine"}),
        Change("carrier", "caohejing", {"status": "demolished"}),
    ]
    with pytest.raises(DataError) as caught:
        workspace.save("s", changes, who=ALICE)
    assert "status" in caught.value.report("en")
    assert "status" in caught.value.report("zh")
    assert workspace.edits("s") == []
    assert workspace.scenario("s").version == 0
    with pytest.raises(DataError, match="parent"):  # removing a parent its children still name
        workspace.save("s", [Change("carrier", "westbund_valley", None)], who=ALICE)
    with pytest.raises(DataError, match="tranches give"):  # the two columns against the tranches
        workspace.save("s", [Change("carrier", "beiyang", {"floor_area_planned_m2": 1})], who=ALICE)
    assert workspace.edits("s") == []


def test_a_base_update_shows_which_scenario_edits_now_conflict(workspace: Workspace) -> None:
    workspace.new_scenario("s", who=ALICE)
    workspace.save(
        "s",
        [Change("carrier", "caohejing", {"name_en": "mine"}), Change("carrier", "beiyang", {"name_en": "also mine"})],
        who=ALICE,
    )
    assert workspace.conflicts("s") == []
    workspace.save(BASE, [Change("carrier", "caohejing", {"name_en": "corrected in the base"})], who=BOB)
    found = workspace.conflicts("s")
    assert [(c.object_id, c.field, c.parent_value, c.value_after) for c in found] == [
        ("caohejing", "name_en", "corrected in the base", "mine")
    ]
    assert workspace.state("s")["carrier"]["caohejing"]["name_en"] == "mine"  # the scenario's edit still applies
    assert workspace.state(BASE)["carrier"]["caohejing"]["name_en"] == "corrected in the base"


def test_a_scenario_on_a_scenario_inherits_its_edits(workspace: Workspace) -> None:
    workspace.new_scenario("a", who=ALICE)
    workspace.save("a", [Change("carrier", "beiyang", {"name_en": "from a"})], who=ALICE)
    workspace.new_scenario("b", parent="a", who=ALICE)
    assert workspace.state("b")["carrier"]["beiyang"]["name_en"] == "from a"
    with pytest.raises(WorkspaceError, match="exists already"):
        workspace.new_scenario("a", who=ALICE)
    with pytest.raises(WorkspaceError, match="no scenario named 'nope'"):
        workspace.new_scenario("c", parent="nope", who=ALICE)


# --- kill -9 in the middle of a save -----------------------------------------------------------------

_KILLED_SAVE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import shapely
    from geo.workspace import Change, Who, Workspace

    workspace, marker = Workspace(sys.argv[1]), Path(sys.argv[2])
    square = shapely.box(121.43, 31.19, 121.431, 31.191)
    changes = [
        Change("carrier", f"tower_{i}", {
            "name_zh": f"塔{i}", "name_en": f"tower {i}", "kind": "tower", "status": "planned",
            "floor_area_existing_m2": 0, "floor_area_planned_m2": 1000, "planned_year": 2030,
            "geometry_accuracy_m": 50, "geometry": square,
        })
        for i in range(1500)
    ]

    def progress(done, total):
        if done == 500:  # half-way through writing the edits: tell the test, then wait to be killed
            marker.write_text(str(total))
            time.sleep(600)

    workspace.save("s", changes, who=Who("doomed"), progress=progress)
    """
)


def test_kill_9_during_a_save_leaves_the_workspace_as_it_was(workspace: Workspace, tmp_path: Path) -> None:
    workspace.new_scenario("s", who=ALICE)
    workspace.save("s", [Change("carrier", "beiyang", {"name_en": "kept"})], who=ALICE)
    before = workspace.state("s")
    marker = tmp_path / "half-way"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SAVE, str(workspace.path), str(marker)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"the saving process ended first: {child.stderr.read().decode()}")  # type: ignore[union-attr]
            threading.Event().wait(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
        child.stderr.close()  # type: ignore[union-attr]
    assert child.returncode == -signal.SIGKILL
    with sqlite3.connect(workspace.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM edit_log").fetchone()[0] == 1
    reopened = Workspace(workspace.path)
    assert reopened.scenario("s").version == 1
    assert reopened.state("s") == before
    assert "tower_0" not in reopened.load("s").dataset.carriers["id"].tolist()
    assert reopened.save("s", [Change("carrier", "beiyang", {"name_en": "after"})], who=ALICE).version == 2
    assert pyogrio.list_layers(workspace.path) is not None
