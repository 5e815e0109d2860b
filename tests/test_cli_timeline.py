"""``python -m geo timeline`` and ``python -m geo targets`` as a user runs them: real processes, every format,
agreement with ``summary --year``, and errors in plain words in both languages."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from factories import carriers, square, to_wgs84

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [
    "group_id",
    "name_zh",
    "name_en",
    "year",
    "built_m2",
    "under_construction_m2",
    "planned_m2",
    "total_m2",
    "target_m2",
    "gap_m2",
    "target_status",
    "unknown_count",
    "unknown_ids",
    "undated_ids",
    "total_qualifier",
]
_HARDENING_PREFIXES = ("GDAL_", "OGR_", "CPL_", "PROJ_NETWORK")


def run(*argv: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess[bytes]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE") and not k.startswith(_HARDENING_PREFIXES)
    }
    env["LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "geo", *argv], cwd=ROOT, env=env, capture_output=True, check=False, timeout=120
    )


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), comment="#", encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def test_timeline_csv_has_a_row_per_group_per_year_with_outside_and_total():
    done = run("timeline", "--by", "belt", "--from", "2020", "--to", "2030")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"\xef\xbb\xbf")
    table = read_csv(done.stdout)
    assert list(table.columns) == COLUMNS
    assert sorted(set(table["year"])) == list(range(2020, 2031))
    for _year, rows in table.groupby("year"):
        assert rows["group_id"].tolist() == ["belt_riverside", "belt_line15", "__outside__", "__total__"]
        parts, total = rows.iloc[:-1], rows.iloc[-1]
        for column in ("built_m2", "under_construction_m2", "planned_m2", "total_m2"):
            assert int(parts[column].sum()) == int(total[column])
    riverside = table[(table["group_id"] == "belt_riverside") & (table["year"] == 2025)].iloc[0]
    assert (riverside["target_m2"], riverside["target_status"]) == (4_000_000, "open")
    assert "#" not in done.stdout.decode("utf-8-sig").splitlines()[0]  # the header is line 1


def test_timeline_csv_has_its_stamp_beside_it(tmp_path: Path) -> None:
    output = tmp_path / "timeline.csv"
    done = run("timeline", "--by", "pole", "--from", "2020", "--to", "2022", "--output", str(output))
    assert done.returncode == 0, done.stderr.decode()
    table = pd.read_csv(output)  # plain pandas: the header is line 1
    metadata = json.loads((tmp_path / "timeline.csv-metadata.json").read_text(encoding="utf-8"))
    columns = metadata["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == [c.lstrip("\ufeff") for c in table.columns]
    assert {c["name"]: c["titles"]["zh"] for c in columns}["built_m2"] == "已建成面积（㎡）"
    stamp = {p["schema:name"]: p["schema:value"] for n in metadata["notes"] for p in n["schema:additionalProperty"]}
    assert stamp["year"] == "2020-2022"


@pytest.mark.parametrize("by", ["pole", "belt", "status"])
def test_summary_year_agrees_with_the_timeline_row_for_that_year(by):
    line = run("timeline", "--by", by, "--from", "2019", "--to", "2027", "--format", "json")
    assert line.returncode == 0, line.stderr.decode()
    rows = json.loads(line.stdout)
    for year in (2019, 2023, 2025, 2027):
        summary = run("summary", "--by", by, "--year", str(year), "--format", "json")
        assert summary.returncode == 0
        for group in json.loads(summary.stdout):
            mine = next(r for r in rows if r["group_id"] == group["group_id"] and r["year"] == year)
            assert mine["built_m2"] == group["existing_m2"]
            assert mine["under_construction_m2"] + mine["planned_m2"] == group["planned_m2"]
            assert mine["total_m2"] == group["total_m2"]
            assert mine["unknown_ids"] == group["unknown_ids"]


def test_timeline_xlsx_has_bilingual_headers_and_a_row_per_group_and_year(tmp_path):
    path = tmp_path / "timeline.xlsx"
    done = run("timeline", "--from", "2024", "--to", "2026", "--format", "xlsx", "--output", str(path))
    assert done.returncode == 0, done.stderr.decode()
    sheet = openpyxl.load_workbook(path)["pole"]
    header = [c.value for c in sheet[1]]
    assert "已建成 built (m²)" in header
    assert "目标 target (m²)" in header
    assert sheet.max_row == 1 + 3 * 4  # 3 years × (2 poles, outside, total)


def test_targets_lists_every_target_with_capacity_and_gap():
    done = run("targets", "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    rows = {r["target_id"]: r for r in json.loads(done.stdout)}
    assert len(rows) == 8
    chj = rows["tg_pole_caohejing_650"]
    assert (chj["capacity_m2"], chj["gap_m2"], chj["target_status"], chj["qualifier"]) == (6_500_000, 0, "met", "about")
    valley = rows["tg_valley_120"]
    assert (valley["capacity_m2"], valley["gap_m2"], valley["target_status"]) == (50_000, -1_150_000, "open")
    # 模速空间's planned total (002:191-193) has no year: compared at build-out, 5万 built of 10万, the rest unknown
    modelspeed = rows["tg_modelspeed_10"]
    assert (modelspeed["year"], modelspeed["capacity_m2"], modelspeed["gap_m2"], modelspeed["target_status"]) == (
        None,
        50_000,
        -50_000,
        "open",
    )
    renewal = rows["tg_central_renewal_400"]  # a renewal target is never compared with AI floor space
    assert (renewal["indicator"], renewal["capacity_m2"], renewal["target_status"]) == ("renewal_area", None, "unknown")


def test_user_files_without_tranches_are_read_from_their_two_columns(tmp_path):
    path = tmp_path / "carriers.geojson"
    frame = carriers(
        {"id": "x", "geometry": square(100, 100, 50), "floor_area_existing_m2": 1000, "opened_year": 2018},
        {"id": "y", "geometry": square(300, 100, 50), "floor_area_planned_m2": 500, "planned_year": 2026},
    )
    to_wgs84(frame).to_file(path, driver="GeoJSON")
    done = run("timeline", "--carriers", str(path), "--by", "status", "--from", "2017", "--to", "2026")
    assert done.returncode == 0, done.stderr.decode()
    total = read_csv(done.stdout).query("group_id == '__total__'").set_index("year")
    assert total.at[2017, "total_m2"] == 0
    assert total.at[2018, "built_m2"] == 1000
    assert total.at[2026, "planned_m2"] == 500


def test_a_user_tranches_table_is_used(tmp_path):
    path = tmp_path / "carriers.geojson"
    frame = carriers({"id": "x", "geometry": square(100, 100, 50)})
    to_wgs84(frame).to_file(path, driver="GeoJSON")
    tranches = tmp_path / "tranches.csv"
    tranches.write_text(
        "carrier_id,phase,floor_area_m2,year,year_basis\nx,built,100,2018,stated\nx,built,50,2022,stated\n"
        "x,planned,200,2027,inferred\n",
        encoding="utf-8",
    )
    done = run("timeline", "--carriers", str(path), "--tranches", str(tranches), "--by", "status", "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    built = {r["year"]: r["built_m2"] for r in json.loads(done.stdout) if r["group_id"] == "__total__"}
    assert (built[2017], built[2018], built[2022]) == (0, 100, 150)


@pytest.mark.parametrize(("lang", "words"), [("en", "phase is 'done'"), ("zh", "阶段（phase）为 'done'")])
def test_a_bad_tranches_table_is_refused_in_plain_words(tmp_path, lang, words):
    tranches = tmp_path / "tranches.csv"
    tranches.write_text("carrier_id,phase,floor_area_m2\ncaohejing,done,10\n", encoding="utf-8")
    done = run("--lang", lang, "timeline", "--tranches", str(tranches))
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode()
    assert words in err
    assert "Traceback" not in err


def test_an_inverted_span_is_a_usage_error():
    done = run("--lang", "zh", "timeline", "--from", "2030", "--to", "2020")
    assert done.returncode == 2
    assert "请给出从早到晚的年份" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


def test_summary_with_tranches_agrees_with_the_timeline_where_the_two_columns_cannot(tmp_path):
    """Tranches in 2018 and 2022: the two columns can only date the carrier's built space at one year."""
    path = tmp_path / "carriers.geojson"
    to_wgs84(carriers({"id": "x", "geometry": square(100, 100, 50)})).to_file(path, driver="GeoJSON")
    tranches = tmp_path / "tranches.csv"
    tranches.write_text(
        "carrier_id,phase,floor_area_m2,year\nx,built,100,2018\nx,built,50,2022\nx,planned,200,2027\n", encoding="utf-8"
    )
    line = run("timeline", "--carriers", str(path), "--tranches", str(tranches), "--by", "status", "--format", "json")
    rows = {r["year"]: r for r in json.loads(line.stdout) if r["group_id"] == "__total__"}
    for year in (2017, 2018, 2021, 2022, 2027):
        summary = run(
            "summary",
            "--carriers",
            str(path),
            "--tranches",
            str(tranches),
            "--by",
            "status",
            "--year",
            str(year),
            "--format",
            "json",
        )
        assert summary.returncode == 0, summary.stderr.decode()
        total = next(r for r in json.loads(summary.stdout) if r["group_id"] == "__total__")
        assert total["existing_m2"] == rows[year]["built_m2"]
        assert total["planned_m2"] == rows[year]["under_construction_m2"] + rows[year]["planned_m2"]
    assert rows[2021]["built_m2"] == 100  # the 2018 tranche alone


def test_indicators_lists_every_cited_value_with_its_additivity():
    done = run("--lang", "zh", "indicators", "--format", "json")
    assert done.returncode == 0, done.stderr.decode()
    rows = {r["indicator_id"]: r for r in json.loads(done.stdout)}
    assert rows["ind_firms_1500"]["value"] == 1500
    assert rows["ind_firms_1500"]["additive"] is True
    density = rows["ind_ai_tower_output_density"]
    assert (density["additive"], density["indicator_zh"], density["name_zh"]) == (
        False,
        "每平方米产值",
        "西岸智塔（上海西岸国际人工智能中心）",
    )


def test_the_timeline_carries_the_totals_qualifier_in_every_format(tmp_path: Path) -> None:
    """Rule 15: 漕河泾's 约550万 makes its pole's total "about"; 北杨's 超100万 makes the outside
    "at least" from 2027."""
    rows = json.loads(run("timeline", "--from", "2026", "--to", "2027", "--format", "json").stdout)
    qualifier = {(r["group_id"], r["year"]): r["total_qualifier"] for r in rows}
    assert qualifier[("pole_caohejing", 2026)] == "about"
    assert qualifier[("pole_westbund", 2027)] == "exact"
    assert (qualifier[("__outside__", 2026)], qualifier[("__outside__", 2027)]) == ("exact", "at_least")
    assert qualifier[("__total__", 2027)] == "about"  # about + at least → about
    output = tmp_path / "timeline.csv"
    assert run("timeline", "--from", "2027", "--to", "2027", "--output", str(output)).returncode == 0
    metadata = json.loads((tmp_path / "timeline.csv-metadata.json").read_text(encoding="utf-8"))
    titles = {c["name"]: c["titles"] for c in metadata["tableSchema"]["columns"]}
    assert titles["total_qualifier"] == {
        "zh": "总面积限定（约、不少于）",
        "en": "qualifier of the total (about, at least)",
    }
    workbook = tmp_path / "timeline.xlsx"
    assert (
        run("timeline", "--from", "2027", "--to", "2027", "--format", "xlsx", "--output", str(workbook)).returncode == 0
    )
    sheet = openpyxl.load_workbook(workbook)["pole"]
    header = [c.value for c in sheet[1]]
    column = header.index("总面积限定（约、不少于） qualifier of the total (about, at least)")
    values = {row[0].value: row[column].value for row in sheet.iter_rows(min_row=2)}
    assert values["pole_caohejing"] == "about"
    summary = json.loads(run("summary", "--year", "2027", "--format", "json").stdout)
    assert {g["group_id"]: g["total_qualifier"] for g in summary}["pole_caohejing"] == "about"
