"""``python -m geo scenario …`` and ``python -m geo compare``, run as a planner runs them: real processes.

Each test has its own workspace (``XUHUI_WORKSPACE`` in a temporary directory), created from the
bundled data on first use. Expected figures are worked out from the change files' own numbers and
the bundled data, never typed in.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest

from geo.data import SEEDS_DIR

ROOT = Path(__file__).resolve().parent.parent
_HARDENING_PREFIXES = ("GDAL_", "OGR_", "CPL_", "PROJ_NETWORK")
NEW_TOWER_M2 = 200_000
BEIYANG_M2 = 600_000


def _env(workspace: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_HARDENING_PREFIXES)}
    env["XUHUI_WORKSPACE"] = str(workspace)
    env["LC_ALL"] = "C.UTF-8"
    return env


def geo(workspace: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo", *argv],
        cwd=ROOT,
        env=_env(workspace),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
        check=False,
    )


def start(workspace: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "geo", *argv],
        cwd=ROOT,
        env=_env(workspace),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text.lstrip("\ufeff")), comment="#", keep_default_na=False)


def _seed(carrier: str, field: str) -> int:
    features = json.loads((SEEDS_DIR / "carriers.geojson").read_text(encoding="utf-8"))["features"]
    return next(f["properties"][field] for f in features if f["properties"]["id"] == carrier)


def _change_files(tmp_path: Path) -> tuple[Path, Path]:
    """北杨 60万 by 2026 instead of 100万 by 2027 (figures only: no geometry), and a new 20万 tower."""
    carriers = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "beiyang", "floor_area_planned_m2": BEIYANG_M2, "planned_year": 2026},
                "geometry": None,
            },
            {
                "type": "Feature",
                "properties": {
                    "id": "xujiahui_tower",
                    "name_zh": "徐家汇新塔",
                    "name_en": "Xujiahui new tower",
                    "kind": "tower",
                    "zone_ids": "belt_line15",
                    "floor_area_existing_m2": 0,
                    "floor_area_planned_m2": NEW_TOWER_M2,
                    "planned_year": 2026,
                    "status": "planned",
                    "geometry_accuracy_m": 100,
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[121.43, 31.19], [121.432, 31.19], [121.432, 31.192], [121.43, 31.192], [121.43, 31.19]]
                    ],
                },
            },
        ],
    }
    path = tmp_path / "what-if.geojson"
    path.write_text(json.dumps(carriers, ensure_ascii=False), encoding="utf-8")
    tranches = tmp_path / "tranches.csv"
    tranches.write_text(
        "id,carrier_id,phase,floor_area_m2,year,year_basis,qualifier,source_ids,note\n"
        f"beiyang_capacity,beiyang,under_construction,{BEIYANG_M2},2026,stated,exact,,what if\n",
        encoding="utf-8",
    )
    return path, tranches


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "store" / "workspace.gpkg"


def _compare_agrees_with_the_timeline(workspace: Path, scenario: str, year: int) -> None:
    """compare --year carries the timeline's phases and targets for that year."""
    compared = geo(workspace, "compare", "base", scenario, "--by", "belt", "--year", str(year), "--format", "json")
    assert compared.returncode == 0, compared.stderr
    mine = {r["group_id"]: r for r in json.loads(compared.stdout) if r["scenario"] == scenario}
    line = geo(workspace, "timeline", "--scenario", scenario, "--by", "belt", "--from", str(year), "--to", str(year),
               "--format", "json")  # fmt: skip
    rows = json.loads(line.stdout)
    assert {r["group_id"] for r in rows} == set(mine)
    for row in rows:
        for column in ("built_m2", "under_construction_m2", "target_m2", "gap_m2"):
            assert mine[row["group_id"]][column] == row[column]


def test_a_scenario_from_new_to_compare_to_undo(workspace: Path, tmp_path: Path) -> None:
    changed, tranches = _change_files(tmp_path)
    listed = geo(workspace, "scenario", "list")
    assert listed.returncode == 0, listed.stderr
    assert table(listed.stdout)["name"].tolist() == ["base"]  # created from the bundled data on first use
    made = geo(workspace, "--lang", "zh", "scenario", "new", "北杨提速", "--note", "北杨 60万 2026", "--by", "王工")
    assert made.returncode == 0, made.stderr
    assert "已新建方案" in made.stdout
    applied = geo(
        workspace, "scenario", "apply", "北杨提速", "--carriers", str(changed), "--tranches", str(tranches),
        "--reason", "企业调整计划", "--by", "王工", "--if-version", "0",
    )  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    assert "version 1" in applied.stdout

    log = json.loads(geo(workspace, "scenario", "log", "北杨提速", "--format", "json").stdout)
    fields = {(e["object_id"], e["field"]): e for e in log}
    assert fields[("beiyang", "floor_area_planned_m2")]["value_before"] == _seed("beiyang", "floor_area_planned_m2")
    assert fields[("beiyang", "floor_area_planned_m2")]["value_after"] == BEIYANG_M2
    assert fields[("xujiahui_tower", "__feature__")]["value_before"] is None
    assert {e["who"] for e in log} == {"王工"}
    assert {e["who_verified"] for e in log} == {False}
    assert {e["reason"] for e in log} == {"企业调整计划"}
    assert {e["scenario_version"] for e in log} == {1}
    # Properties the feature left out, and its outline, stay as they were.
    assert ("beiyang", "name_zh") not in fields
    assert ("beiyang", "geometry") not in fields

    compared = geo(workspace, "compare", "base", "北杨提速", "--by", "belt")
    assert compared.returncode == 0, compared.stderr
    rows = table(compared.stdout)
    assert rows.columns.tolist() == [
        "scenario", "group_id", "name_zh", "name_en", "existing_m2", "planned_m2", "total_m2", "built_m2",
        "under_construction_m2", "target_m2", "gap_m2", "unknown_count", "difference_m2",
    ]  # fmt: skip
    line15 = rows.set_index(["scenario", "group_id"]).loc[("北杨提速", "belt_line15")]
    expected = NEW_TOWER_M2 + BEIYANG_M2 - _seed("beiyang", "floor_area_planned_m2")
    assert line15["difference_m2"] == expected
    totals = rows[rows["group_id"] == "__total__"].set_index("scenario")
    assert totals.loc["北杨提速", "total_m2"] - totals.loc["base", "total_m2"] == expected
    assert (rows[rows["scenario"] == "base"]["difference_m2"] == 0).all()

    # summary --scenario agrees with compare, and its stamp names the scenario and its version
    stamp = tmp_path / "summary.csv-metadata.json"
    summary = geo(workspace, "summary", "--scenario", "北杨提速", "--by", "belt", "--stamp", str(stamp))
    assert summary.returncode == 0, summary.stderr
    assert "scenario 北杨提速 version 1 edits" in stamp.read_text(encoding="utf-8")
    mine = table(summary.stdout).set_index("group_id")
    assert mine.loc["belt_line15", "total_m2"] == line15["total_m2"]
    timeline = geo(workspace, "timeline", "--scenario", "北杨提速", "--by", "belt", "--from", "2026", "--to", "2026")
    assert timeline.returncode == 0, timeline.stderr
    assert table(timeline.stdout).set_index("group_id").loc["belt_line15", "total_m2"] == line15["total_m2"]
    _compare_agrees_with_the_timeline(workspace, "北杨提速", 2026)

    ids = ",".join(str(e["edit_id"]) for e in reversed(log))
    undone = geo(workspace, "scenario", "undo", "北杨提速", "--edit", ids, "--reason", "撤回")
    assert undone.returncode == 0, undone.stderr
    after = table(geo(workspace, "compare", "base", "北杨提速", "--by", "belt", "--mode", "area").stdout)
    assert (after["difference_m2"] == 0).all()
    full_log = json.loads(geo(workspace, "scenario", "log", "北杨提速", "--format", "json").stdout)
    assert len(full_log) == 2 * len(log)  # the undo added edits; none was removed
    assert [e["undoes"] for e in full_log[len(log) :]] == [e["edit_id"] for e in reversed(log)]


def test_an_invalid_file_applies_nothing_and_says_why_in_both_languages(workspace: Path, tmp_path: Path) -> None:
    changed, _ = _change_files(tmp_path)
    broken = json.loads(changed.read_text(encoding="utf-8"))
    broken["features"][1]["properties"]["status"] = "demolished"
    path = tmp_path / "broken.geojson"
    path.write_text(json.dumps(broken), encoding="utf-8")
    assert geo(workspace, "scenario", "new", "s").returncode == 0
    for lang, word in (("zh", "status"), ("en", "status")):
        refused = geo(workspace, "--lang", lang, "scenario", "apply", "s", "--carriers", str(path))
        assert refused.returncode == 2
        assert word in refused.stderr
        assert "Traceback" not in refused.stderr
    # The two columns against the tranches: refused with the contract's own message, nothing saved.
    alone = geo(workspace, "--lang", "zh", "scenario", "apply", "s", "--carriers", str(changed))
    assert alone.returncode == 2
    assert "以分期表为准" in alone.stderr
    assert json.loads(geo(workspace, "scenario", "log", "s", "--format", "json").stdout) == []
    assert table(geo(workspace, "scenario", "list").stdout).set_index("name").loc["s", "version"] == 0


def test_a_stale_version_is_refused_with_exit_3(workspace: Path, tmp_path: Path) -> None:
    changed, tranches = _change_files(tmp_path)
    assert geo(workspace, "scenario", "new", "s").returncode == 0
    args = ("scenario", "apply", "s", "--carriers", str(changed), "--tranches", str(tranches))
    assert geo(workspace, *args, "--if-version", "0").returncode == 0
    removal = ("scenario", "apply", "s", "--remove", "westbund_media_port", "--if-version", "0")
    for lang, words in (("zh", "已被他人保存"), ("en", "saved by someone else")):
        stale = geo(workspace, "--lang", lang, *removal)
        assert stale.returncode == 3
        assert words in stale.stderr
    listed = table(geo(workspace, "scenario", "list").stdout).set_index("name")
    assert listed.loc["s", "version"] == 1


def test_two_processes_from_the_same_version_one_wins_one_exits_3(workspace: Path) -> None:
    assert geo(workspace, "scenario", "new", "s").returncode == 0
    apply = ("scenario", "apply", "s", "--if-version", "0", "--remove")
    first = start(workspace, *apply, "westbund_media_port", "--by", "a")
    second = start(workspace, *apply, "westbund_financial_city", "--by", "b")
    outcomes = {}
    for name, process in (("a", first), ("b", second)):
        _, err = process.communicate(timeout=240)
        outcomes[name] = (process.returncode, err)
    assert sorted(code for code, _ in outcomes.values()) == [0, 3], outcomes
    winner = next(name for name, (code, _) in outcomes.items() if code == 0)
    log = json.loads(geo(workspace, "scenario", "log", "s", "--format", "json").stdout)
    assert [e["who"] for e in log] == [winner]
    # The refused one reloads and applies again at the new version: nothing is lost.
    loser_id = "westbund_financial_city" if winner == "a" else "westbund_media_port"
    again = geo(workspace, "scenario", "apply", "s", "--remove", loser_id, "--if-version", "1")
    assert again.returncode == 0, again.stderr
    log = json.loads(geo(workspace, "scenario", "log", "s", "--format", "json").stdout)
    assert sorted(e["object_id"] for e in log) == ["westbund_financial_city", "westbund_media_port"]


def test_exports_carry_the_scenario_its_version_and_change_set(workspace: Path, tmp_path: Path) -> None:
    changed, tranches = _change_files(tmp_path)
    assert geo(workspace, "scenario", "new", "s").returncode == 0
    applied = geo(workspace, "scenario", "apply", "s", "--carriers", str(changed), "--tranches", str(tranches))
    assert applied.returncode == 0, applied.stderr
    n_edits = len(json.loads(geo(workspace, "scenario", "log", "s", "--format", "json").stdout))

    gpkg = tmp_path / "s.gpkg"
    assert geo(workspace, "scenario", "export", "s", "--format", "gpkg", "--output", str(gpkg)).returncode == 0
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"carriers", "zones", "edit_log", "tranches", "metadata"} <= layers
    meta = pyogrio.read_dataframe(gpkg, layer="metadata", read_geometry=False).set_index("key")["value"]
    assert (meta["scenario"], meta["scenario_version"], meta["change_set_edits"]) == ("s", "1", str(n_edits))
    assert "xujiahui_tower" in pyogrio.read_dataframe(gpkg, layer="carriers")["id"].tolist()
    assert len(pyogrio.read_dataframe(gpkg, layer="edit_log", read_geometry=False)) == n_edits

    geojson = tmp_path / "s.geojson"
    assert geo(workspace, "scenario", "export", "s", "--format", "geojson", "--output", str(geojson)).returncode == 0
    metadata = json.loads(geojson.read_text(encoding="utf-8"))["metadata"]
    assert (metadata["scenario"], metadata["scenario_version"]) == ("s", "1")
    assert metadata["change_set_edit_ids"]

    xlsx = tmp_path / "s.xlsx"
    assert geo(workspace, "scenario", "export", "s", "--format", "xlsx", "--output", str(xlsx)).returncode == 0
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert {"carriers", "pole", "edits", "metadata"} <= set(book.sheetnames)
    stamp = {row[0]: row[1] for row in book["metadata"].iter_rows(values_only=True)}
    assert (stamp["scenario"], stamp["scenario_version"]) == ("s", "1")
    book.close()

    # The scenario's own exports, applied to a scenario built on it, change nothing: they round-trip exactly.
    assert geo(workspace, "scenario", "new", "copy", "--from", "s").returncode == 0
    for path, layer in ((gpkg, ("--carriers-layer", "carriers")), (geojson, ())):
        again = geo(workspace, "scenario", "apply", "copy", "--carriers", str(path), *layer)
        assert again.returncode == 0, again.stderr
        assert "unchanged" in again.stdout


def test_the_workspace_log_cannot_be_rewritten_from_another_program(workspace: Path) -> None:
    assert geo(workspace, "scenario", "new", "s").returncode == 0
    assert geo(workspace, "scenario", "apply", "s", "--remove", "westbund_media_port", "--by", "a").returncode == 0
    for sql in ("UPDATE edit_log SET who = 'x'", "DELETE FROM edit_log"):
        script = f"import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute({sql!r})"
        done = subprocess.run(
            [sys.executable, "-c", script, str(workspace)], capture_output=True, text=True, check=False
        )
        assert done.returncode != 0
        assert "append-only" in done.stderr
    with sqlite3.connect(workspace) as con:
        assert con.execute("SELECT who, object_id FROM edit_log").fetchall() == [("a", "westbund_media_port")]


def test_errors_name_the_scenarios_there_are(workspace: Path) -> None:
    unknown = geo(workspace, "--lang", "zh", "summary", "--scenario", "nope")
    assert unknown.returncode == 2
    assert "没有名为 'nope' 的方案" in unknown.stderr
    assert "base" in unknown.stderr
    both = geo(workspace, "compare", "base")
    assert both.returncode == 2
    assert "2 or 3" in both.stderr
    missing = geo(workspace, "scenario", "undo", "base", "--edit", "42")
    assert missing.returncode == 2
    assert "no edit 42" in missing.stderr


def test_a_workspace_from_another_districts_files(tmp_path: Path) -> None:
    own = tmp_path / "district.gpkg"
    carriers, zones = SEEDS_DIR / "carriers.geojson", SEEDS_DIR / "zones.geojson"
    made = geo(own, "scenario", "init", "--workspace", str(own), "--carriers", str(carriers), "--zones", str(zones))
    assert made.returncode == 0, made.stderr
    again = geo(own, "scenario", "init", "--workspace", str(own), "--carriers", str(carriers), "--zones", str(zones))
    assert again.returncode == 2
    assert "never overwritten" in again.stderr
    from_store = geo(own, "summary", "--scenario", "base", "--by", "belt", "--mode", "area")
    from_files = geo(
        own, "summary", "--carriers", str(carriers), "--zones", str(zones), "--by", "belt", "--mode", "area"
    )
    assert from_store.returncode == 0, from_store.stderr
    pd.testing.assert_frame_equal(table(from_store.stdout), table(from_files.stdout))
    both = geo(own, "summary", "--scenario", "base", "--carriers", str(carriers))
    assert both.returncode == 2
    assert "exclude each other" in both.stderr


def _rename(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.geojson"
    feature = {"type": "Feature", "properties": {"id": "caohejing", "name_en": name}, "geometry": None}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return path


def test_a_base_update_reports_the_scenario_edits_it_overtakes(workspace: Path, tmp_path: Path) -> None:
    assert geo(workspace, "scenario", "new", "s").returncode == 0
    mine = geo(workspace, "scenario", "apply", "s", "--carriers", str(_rename(tmp_path, "mine")))
    assert mine.returncode == 0, mine.stderr
    update = geo(workspace, "scenario", "apply", "base", "--carriers", str(_rename(tmp_path, "corrected")))
    assert update.returncode == 0, update.stderr
    assert "scenario 's'" in update.stderr
    assert "caohejing" in update.stderr
    listed = table(geo(workspace, "scenario", "conflicts", "s").stdout)
    assert listed[["scenario", "object_id", "field"]].values.tolist() == [["s", "caohejing", "name_en"]]
    assert json.loads(listed.loc[0, "parent_value"]) == "corrected"
    assert json.loads(listed.loc[0, "value_after"]) == "mine"
    assert table(geo(workspace, "scenario", "list").stdout).set_index("name").loc["s", "conflicts"] == 1


def test_a_file_that_is_not_a_workspace_is_refused_in_plain_words(tmp_path: Path) -> None:
    other = tmp_path / "notes.gpkg"
    other.write_text("not a database", encoding="utf-8")
    refused = geo(other, "--lang", "zh", "scenario", "list")
    assert refused.returncode == 2
    assert "无法打开工作区" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_every_csv_a_scenario_command_writes_has_its_stamp_beside_it(workspace: Path, tmp_path: Path) -> None:
    """The log, the list, the conflicts and the comparison name their workspace, scenario and version in
    a CSV on the Web file next to --output, as ``summary`` does: a CSV handed on says where it came from."""
    from geo.io import export  # noqa: PLC0415

    assert geo(workspace, "scenario", "new", "s").returncode == 0
    removed = geo(workspace, "scenario", "apply", "s", "--remove", "westbund_media_port", "--reason", "r")
    assert removed.returncode == 0, removed.stderr
    runs = {
        "log": (("scenario", "log", "s"), {"content": "edit log", "scenario": "s", "scenario_version": "1"}),
        "list": (("scenario", "list"), {"content": "scenarios"}),
        "conflicts": (("scenario", "conflicts", "s"), {"content": "conflicts", "scenario": "s"}),
        "compare": (("compare", "base", "s", "--by", "belt"), {"grouping": "belt", "compared": "base v0 | s v1"}),
    }
    for name, (argv, expected) in runs.items():
        out = tmp_path / f"{name}.csv"
        done = geo(workspace, *argv, "--output", str(out))
        assert done.returncode == 0, (name, done.stderr)
        assert pd.read_csv(out).shape[1] > 1, name  # the header on line 1, no comment lines
        stamp = export.stamp_of_csv_metadata((tmp_path / f"{name}.csv-metadata.json").read_bytes())
        assert expected.items() <= stamp.items(), (name, stamp)
        assert Path(stamp["workspace"]).name == workspace.name, name
    elsewhere = tmp_path / "elsewhere.json"
    assert (
        geo(
            workspace, "scenario", "log", "s", "--output", str(tmp_path / "l.csv"), "--stamp", str(elsewhere)
        ).returncode
        == 0
    )
    assert export.stamp_of_csv_metadata(elsewhere.read_bytes())["scenario"] == "s"
    for lang, words in (("zh", "只用于 CSV"), ("en", "for CSV only")):
        refused = geo(workspace, "--lang", lang, "scenario", "list", "--format", "json", "--stamp", str(elsewhere))
        assert refused.returncode == 2
        assert words in refused.stderr
