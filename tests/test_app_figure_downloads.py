"""The page's downloads carry the tranches, targets and indicators, and the timeline downloads (AppTest).

Each download button builds its file on click (a deferred callable): the tests capture the callables
Streamlit registers and build the files as a click would.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


pytestmark = pytest.mark.usefixtures("fresh_caches")


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


def _page(section: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    at.radio(key=f"section@{lang}").set_value(section).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _one(files: dict[str, Callable[[], bytes]], suffix: str) -> bytes:
    names = [name for name in files if name.endswith(suffix)]
    assert len(names) == 1, (suffix, sorted(files))
    return files[names[0]]()


def test_the_geopackage_holds_tranches_targets_and_indicators_as_tables(files) -> None:
    _page("downloads")
    data = _one(files, "_carriers.gpkg")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        path.write_bytes(data)
        with sqlite3.connect(path) as db:
            tables = {name for (name,) in db.execute("SELECT table_name FROM gpkg_contents")}
            assert {"carriers", "zones", "tranches", "targets", "indicators"} <= tables
            targets = dict(db.execute("SELECT id, value FROM targets"))
            assert targets["tg_valley_120"] == 1_200_000
            (firms,) = db.execute("SELECT value FROM indicators WHERE id = 'ind_firms_1500'").fetchone()
            assert firms == 1500


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_has_tranches_targets_and_indicators_sheets(files, lang: str) -> None:
    _page("downloads", lang)
    book = openpyxl.load_workbook(io.BytesIO(_one(files, ".xlsx")))
    assert {"tranches", "targets", "indicators"} <= set(book.sheetnames)
    header = [c.value for c in book["targets"][1]]
    assert ("对象类型 subject type" if lang == "zh" else "subject type") in header
    values = {
        row[0]: row[header.index("数值 value" if lang == "zh" else "value")]
        for row in book["targets"].iter_rows(min_row=2, values_only=True)
    }
    assert values["tg_valley_120"] == 1_200_000


def test_single_table_files_carry_the_flat_form_and_say_so(files) -> None:
    _page("downloads")
    collection = json.loads(_one(files, "_carriers.geojson"))
    assert "tranches.csv" in collection["metadata"]["figures"]
    valley = next(f for f in collection["features"] if f["properties"]["id"] == "westbund_valley")
    # The valley's 120万方 is a target (issue 11): its flat built figure comes from its tranches, not from 120万.
    assert valley["properties"]["floor_area_existing_m2"] != 1_200_000
    kml = _one(files, "_carriers.kml").decode("utf-8")
    assert "tranches.csv" in kml
    archive = zipfile.ZipFile(io.BytesIO(_one(files, "_carriers_shp.zip")))
    assert {"tranches.csv", "targets.csv", "indicators.csv"} <= set(archive.namelist())
    assert "tranches.csv" in archive.read("README.txt").decode("utf-8-sig")
    tables = zipfile.ZipFile(io.BytesIO(_one(files, "_tranches_targets_indicators.zip")))
    assert {"tranches.csv", "tranches.csv-metadata.json", "indicators.csv-metadata.json"} <= set(tables.namelist())
    assert "tg_valley_120" in tables.read("targets.csv").decode("utf-8-sig")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_timeline_downloads_as_csv_with_metadata_and_as_xlsx(files, lang: str) -> None:
    _page("timeline", lang)
    archive = zipfile.ZipFile(io.BytesIO(_one(files, ".zip")))
    csv_name = next(n for n in archive.namelist() if n.endswith(".csv"))
    assert f"{csv_name}-metadata.json" in archive.namelist()
    rows = list(csv.DictReader(io.StringIO(archive.read(csv_name).decode("utf-8-sig"))))
    assert {"__total__", "pole_westbund"} <= {row["group_id"] for row in rows}
    assert {int(row["year"]) for row in rows} == set(range(2015, 2036))
    book = openpyxl.load_workbook(io.BytesIO(_one(files, ".xlsx")))
    assert "timeline" in book.sheetnames
