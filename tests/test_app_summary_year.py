"""The page's summary as of a year is the command line's ``summary --year`` and the timeline's row for that year
(AppTest of app.py against ``python -m geo`` run as a process), in every grouping and mode, downloads included.

The bundled tranches date every carrier's figure in one piece per class, so there the two columns and the
tranches agree in every year (``test_the_bundled_data_agrees_every_year``). They differ where a class is built
in parts: the flat columns date the whole class at its latest year. So the page is also run on the bundled
carriers with 漕河泾's 100万 coming in two parts (40万 under construction, due 2023; 60万 planned, due 2025;
same sum and latest year as its columns): in 2024 the columns count none of it, the tranches 40万.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo.data import load_dataset
from geo.present import qualified
from geo.rollup import summarize
from geo.timeline import bundled_figure_paths
from ui import cache

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
YEAR = 2024
CHOICES = [
    ("pole", "declared"),
    ("pole", "largest"),
    ("pole", "area"),
    ("belt", "declared"),
    ("belt", "largest"),
    ("belt", "area"),
    ("status", "declared"),
]
_HARDENING_PREFIXES = ("GDAL_", "OGR_", "CPL_", "PROJ_NETWORK")


pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture(scope="module")
def split_tranches(tmp_path_factory) -> Path:
    """The bundled tranches with 漕河泾's 100万 coming in two parts (40万 in 2023, 60万 in 2025)."""
    frame = pd.read_csv(bundled_figure_paths()[0], dtype=str, keep_default_na=False)
    fyp = frame.index[frame["id"] == "caohejing_fyp"][0]
    first = frame.loc[fyp].copy()
    first[["id", "phase", "floor_area_m2", "year"]] = ["caohejing_fyp_first", "under_construction", "400000", "2023"]
    frame.loc[fyp, "floor_area_m2"] = "600000"
    frame = pd.concat([frame.iloc[: fyp + 1], first.to_frame().T, frame.iloc[fyp + 1 :]], ignore_index=True)
    path = tmp_path_factory.mktemp("tranches") / "tranches.csv"
    frame.to_csv(path, index=False)
    return path


def run_cli(*argv: str) -> bytes:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_HARDENING_PREFIXES)}
    env["LANG"] = "C.UTF-8"
    done = subprocess.run(
        [sys.executable, "-m", "geo", *argv], cwd=ROOT, env=env, capture_output=True, check=False, timeout=180
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def page(monkeypatch, tranches: Path | None, **state: object) -> AppTest:
    if tranches is not None:  # the page's bundled figures read this tranches table
        targets = bundled_figure_paths()[1]
        monkeypatch.setattr(cache, "bundled_figure_paths", lambda: (tranches, targets))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "zh"
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def wan(value: object) -> float:
    return round(int(value) / 10_000, 1) + 0.0  # as the page shows it: 万㎡, one decimal


def test_the_tranches_and_the_two_columns_differ_in_that_year(split_tranches) -> None:
    """The case the page must get right: summarising the columns would give another 漕河泾 in 2024."""
    data = load_dataset(context=False)
    columns = summarize(data.carriers, data.zones, by="pole", year=YEAR).set_index("group_id")
    cli = {
        r["group_id"]: r
        for r in json.loads(
            run_cli("summary", "--year", str(YEAR), "--tranches", str(split_tranches), "--format", "json")
        )
    }
    assert columns.at["pole_caohejing", "planned_m2"] == 0
    assert cli["pole_caohejing"]["planned_m2"] == 400_000


@pytest.mark.parametrize(("by", "mode"), CHOICES)
def test_the_pages_summary_is_the_commands_and_the_timelines_for_that_year(
    monkeypatch, split_tranches, by: str, mode: str
) -> None:
    options = ["--by", by, "--mode", mode, "--tranches", str(split_tranches), "--format", "json"]
    summary = json.loads(run_cli("summary", "--year", str(YEAR), *options))
    timeline = json.loads(run_cli("timeline", "--from", str(YEAR), "--to", str(YEAR), *options))
    at = page(monkeypatch, split_tranches, by=by, mode=mode, buildout=False, year=YEAR)
    shown = at.dataframe[0].value
    assert len(shown) == len(summary)
    for row, group in zip(shown.itertuples(index=False), summary, strict=True):
        line = next(r for r in timeline if r["group_id"] == group["group_id"] and r["year"] == YEAR)
        # the command's summary and the timeline's row: whole m², exactly
        assert line["built_m2"] == group["existing_m2"], group["group_id"]
        assert line["under_construction_m2"] + line["planned_m2"] == group["planned_m2"], group["group_id"]
        assert line["total_m2"] == group["total_m2"]
        assert line["unknown_ids"] == group["unknown_ids"]
        assert line["total_qualifier"] == group["total_qualifier"]
        # the page's row: the same figures, as shown (万㎡, one decimal), and the qualifier as its word
        named = dict(zip(shown.columns, row, strict=True))
        assert named["分组"] == group["name_zh"]
        assert named["现有 (万㎡)"] == wan(group["existing_m2"])
        assert named["规划新增 (万㎡)"] == wan(group["planned_m2"])
        assert named["合计 (万㎡)"] == wan(group["total_m2"])
        assert named["未知个数"] == group["unknown_count"]
        assert named["合计限定"] == {"exact": "", "about": "约", "at_least": "不少于"}[group["total_qualifier"]]
    caohejing = next((g for g in summary if g["group_id"] in ("pole_caohejing", "existing")), None)
    if caohejing is not None:  # 漕河泾's first 40万 is counted in 2024 (the columns would say 0)
        assert caohejing["planned_m2"] >= 400_000
    metrics = [m.value for m in at.metric]
    total = summary[-1]
    # the total after its qualifier's word, as the table words it (nothing when exact)
    assert metrics[:3] == [
        qualified(f"{total['total_m2'] / 10_000:,.1f}", total["total_qualifier"], "zh"),
        *(f"{total[c] / 10_000:,.1f}" for c in ("existing_m2", "planned_m2")),
    ]


@pytest.fixture
def files(monkeypatch) -> dict[str, Callable[[], bytes]]:
    """File name -> the callable a click on its download button runs."""
    captured: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        captured[str(file_name)] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return captured


@pytest.mark.parametrize(("by", "mode"), [("pole", "area"), ("status", "declared")])
def test_the_summary_download_at_that_year_is_the_commands_csv(
    monkeypatch, files, split_tranches, by: str, mode: str
) -> None:
    expected = run_cli("summary", "--year", str(YEAR), "--by", by, "--mode", mode, "--tranches", str(split_tranches))
    page(monkeypatch, split_tranches, by=by, mode=mode, buildout=False, year=YEAR, section="downloads")
    name = f"summary_{by}_{mode}_{YEAR}.zip"
    with zipfile.ZipFile(io.BytesIO(files[name]())) as archive:
        csv_bytes = archive.read(f"summary_{by}_{mode}_{YEAR}.csv")
    assert csv_bytes == expected  # the same table, byte for byte (whole m², the qualifier code)
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert {r["total_qualifier"] for r in rows} >= {"about"}


def test_the_bundled_data_agrees_every_year(monkeypatch) -> None:
    """On the bundled tables (no change): the page at 2020 is the command's summary for 2020."""
    summary = json.loads(run_cli("summary", "--year", "2020", "--by", "pole", "--format", "json"))
    at = page(monkeypatch, None, by="pole", mode="declared", buildout=False, year=2020)
    shown = at.dataframe[0].value
    assert shown["合计 (万㎡)"].tolist() == [wan(g["total_m2"]) for g in summary]
    assert shown["合计限定"].tolist() == [{"exact": "", "about": "约"}[g["total_qualifier"]] for g in summary]


def test_a_scenarios_summary_at_a_year_is_its_own_tranches(monkeypatch, tmp_path) -> None:
    """A scenario that builds 漕河泾's 100万 in two parts: the page (that scenario chosen) and
    ``summary --scenario`` count its own first 40万 in 2024, where the columns count none of it."""
    from geo.workspace import Change, Who, create_workspace  # noqa: PLC0415 - only this test needs a workspace

    path = tmp_path / "workspace.gpkg"
    monkeypatch.setenv("XUHUI_WORKSPACE", str(path))
    store = create_workspace(path, who=Who("lead"))
    store.new_scenario("split", who=Who("lead"))
    first = {
        "carrier_id": "caohejing",
        "phase": "under_construction",
        "floor_area_m2": 400_000,
        "year": 2023,
        "year_basis": "inferred",
        "qualifier": "exact",
        "source_ids": "s001_182_chj_new",
    }
    store.save(
        "split",
        [
            Change("tranche", "caohejing_fyp", {"floor_area_m2": 600_000}),
            Change("tranche", "caohejing_fyp_first", first),
        ],
        who=Who("lead"),
        reason="test",
    )
    env_cli = ["--by", "pole", "--year", str(YEAR), "--scenario", "split", "--format", "json"]
    summary = json.loads(run_cli("summary", *env_cli))
    chj = next(g for g in summary if g["group_id"] == "pole_caohejing")
    assert chj["planned_m2"] == 400_000  # its own tranches (the columns: none before 2025)
    at = page(monkeypatch, None, by="pole", mode="declared", buildout=False, year=YEAR, scenario="split")
    shown = at.dataframe[0].value
    assert shown["合计 (万㎡)"].tolist() == [wan(g["total_m2"]) for g in summary]
    assert shown["规划新增 (万㎡)"].tolist() == [wan(g["planned_m2"]) for g in summary]
