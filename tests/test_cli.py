"""``python -m geo summary|check``: in-process through ``main(..., out=, err=)``, and as a real subprocess.

The contract: tables on stdout (or ``--output``); on a bad input a non-zero exit, the whole report on
stderr in plain words, nothing on stdout and never a traceback.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from factories import carriers, square, to_wgs84, zones

from geo.cli import default_lang, main
from geo.io import export

ROOT = Path(__file__).resolve().parent.parent
REQUIRED_COLUMNS = (
    "group_id",
    "name_zh",
    "name_en",
    "existing_m2",
    "planned_m2",
    "total_m2",
    "unknown_count",
    "unknown_ids",
    "declared_m2",
    "land_m2",
)
FIGURES = ("existing_m2", "planned_m2", "total_m2", "land_m2")
BOM = b"\xef\xbb\xbf"


def run(*argv: str) -> tuple[int, bytes, str]:
    """(exit code, stdout bytes, stderr text) of ``main(argv)`` with a byte-backed stdout, as a terminal has."""
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    err = io.StringIO()
    code = main(list(argv), out=out, err=err)
    out.flush()
    return code, raw.getvalue(), err.getvalue()


# GDAL settings a user's shell does not have: the command line under test runs without them (the
# reader restricts GDAL itself, around its own reads; see tests/test_gdal_scope.py).
_HARDENING_PREFIXES = ("GDAL_", "OGR_", "CPL_", "PROJ_NETWORK")


def run_process(*argv: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess[bytes]:
    """``python -m geo argv`` in a fresh process with the locale ``lang`` and a user's environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE") and not k.startswith(_HARDENING_PREFIXES)
    }
    env["LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "geo", *argv], cwd=ROOT, env=env, capture_output=True, check=False, timeout=120
    )


def read_summary(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def assert_conserved(table: pd.DataFrame) -> None:
    parts, total = table[table["group_id"] != "__total__"], table[table["group_id"] == "__total__"].iloc[0]
    for column in FIGURES:
        assert int(parts[column].sum()) == int(total[column]), column


# --- summary -----------------------------------------------------------------------------------------


def test_summary_defaults_to_a_bom_csv_by_pole_on_stdout():
    code, data, err = run("summary")
    assert (code, err) == (0, "")
    assert data.startswith(BOM)
    table = read_summary(data)
    assert set(REQUIRED_COLUMNS) <= set(table.columns)
    assert table["group_id"].tolist() == ["pole_caohejing", "pole_westbund", "__outside__", "__total__"]
    for column in (*FIGURES, "unknown_count"):
        assert pd.api.types.is_integer_dtype(table[column]), column
    assert_conserved(table)
    caohejing = table.set_index("group_id").loc["pole_caohejing"]
    assert (caohejing["existing_m2"], caohejing["planned_m2"], caohejing["total_m2"]) == (
        5_500_000,
        1_000_000,
        6_500_000,
    )


def test_the_metadata_stamp_says_what_was_summed(tmp_path):
    stamp = tmp_path / "stamp.json"
    code, data, err = run("summary", "--by", "belt", "--mode", "area", "--year", "2025", "--stamp", str(stamp))
    assert (code, err) == (0, "")
    meta = export.stamp_of_csv_metadata(stamp.read_bytes())
    assert meta["grouping"] == "belt"
    assert meta["membership_mode"] == "area"
    assert meta["year"] == "2025"
    assert meta["area_crs"] == "EPSG:4549"
    assert b"#" not in data.split(b"\r\n")[0]  # the header is line 1


def test_summary_to_a_text_stream_keeps_the_bom():
    out, err = io.StringIO(), io.StringIO()
    assert main(["summary"], out=out, err=err) == 0
    assert out.getvalue().startswith('\ufeff"group_id",')


@pytest.mark.parametrize(
    ("argv", "groups"),
    [
        (["--by", "belt"], ["belt_riverside", "belt_line15", "__outside__", "__total__"]),
        (["--by", "status"], ["existing", "under_construction", "planned", "__total__"]),
        (["--by", "pole", "--mode", "area"], ["pole_caohejing", "pole_westbund", "__outside__", "__total__"]),
        (
            ["--by", "belt", "--mode", "largest", "--year", "2025"],
            ["belt_riverside", "belt_line15", "__outside__", "__total__"],
        ),
        (["--year", "2020"], ["pole_caohejing", "pole_westbund", "__outside__", "__total__"]),
        (["--year", "build-out"], ["pole_caohejing", "pole_westbund", "__outside__", "__total__"]),
    ],
    ids=["belt", "status", "area", "largest-2025", "2020", "build-out"],
)
def test_summary_groupings_modes_and_years(argv, groups):
    code, data, err = run("summary", *argv)
    assert (code, err) == (0, "")
    table = read_summary(data)
    assert table["group_id"].tolist() == groups
    assert_conserved(table)


def test_as_of_2020_the_caohejing_increment_is_not_yet_due():
    year_2020 = read_summary(run("summary", "--year", "2020")[1]).set_index("group_id")
    year_2025 = read_summary(run("summary", "--year", "2025")[1]).set_index("group_id")
    assert year_2020.loc["pole_caohejing", "planned_m2"] == 0
    assert year_2025.loc["pole_caohejing", "planned_m2"] == 1_000_000


def test_summary_json_is_a_list_of_row_objects():
    code, data, err = run("summary", "--format", "json", "--by", "belt")
    assert (code, err) == (0, "")
    rows = json.loads(data.decode("utf-8"))
    assert isinstance(rows, list)
    assert all(isinstance(row, dict) for row in rows)
    assert [row["group_id"] for row in rows][-2:] == ["__outside__", "__total__"]
    for row in rows:
        assert set(REQUIRED_COLUMNS) <= set(row)
        assert all(isinstance(row[c], int) for c in FIGURES)
    assert rows[-1]["total_m2"] == sum(row["total_m2"] for row in rows[:-1])
    assert rows[0]["declared_m2"] == 4_000_000
    assert rows[1]["declared_m2"] is None  # unknown is null, not 0


def test_summary_xlsx_to_output_has_units_in_the_headers(tmp_path):
    path = tmp_path / "summary.xlsx"
    code, data, err = run("summary", "--format", "xlsx", "--output", str(path))
    assert (code, data, err) == (0, b"", "")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
    headers = rows[0]
    for column in ("existing", "planned", "total", "declared", "land"):
        assert any(str(h).endswith(f"{column} (m²)") for h in headers), (column, headers)
    body = pd.DataFrame(rows[1:], columns=headers)
    assert body.iloc[:, 0].tolist() == ["pole_caohejing", "pole_westbund", "__outside__", "__total__"]
    total_header = next(h for h in headers if str(h).endswith("total (m²)"))
    assert body[total_header].tolist()[-1] == sum(body[total_header].tolist()[:-1])


def test_csv_to_output_writes_the_file_and_nothing_on_stdout(tmp_path):
    path = tmp_path / "summary.csv"
    code, data, err = run("summary", "--output", str(path))
    assert (code, data, err) == (0, b"", "")
    assert path.read_bytes().startswith(BOM)


def test_xlsx_without_output_on_a_text_stream_is_refused_plainly():
    out, err = io.StringIO(), io.StringIO()
    assert main(["--lang", "en", "summary", "--format", "xlsx"], out=out, err=err) == 2
    assert out.getvalue() == ""
    assert "give --output PATH" in err.getvalue()


def test_an_unknown_grouping_is_a_clear_error():
    code, data, err = run("--lang", "en", "summary", "--by", "ring")
    assert (code, data) == (2, b"")
    assert "'ring'" in err
    assert "use one of: pole, belt, status" in err
    assert "Traceback" not in err


def test_an_unknown_grouping_in_chinese():
    code, data, err = run("--lang", "zh", "summary", "--by", "ring")
    assert (code, data) == (2, b"")
    assert err.startswith("错误: --by ring：片区中没有类型为 'ring' 的片区")
    assert "pole, belt, status" in err


def test_a_bad_option_value_is_a_usage_error_on_err():
    code, data, err = run("summary", "--mode", "nearest")
    assert (code, data) == (2, b"")
    assert "invalid choice: 'nearest'" in err
    code, data, err = run("summary", "--year", "soon")
    assert (code, data) == (2, b"")
    assert "'soon' is not a year" in err


def test_an_unwritable_output_is_a_plain_error(tmp_path):
    code, data, err = run("--lang", "en", "summary", "--output", str(tmp_path / "missing" / "dir" / "s.csv"))
    assert (code, data) == (2, b"")
    assert err.startswith("error: cannot read or write")
    assert "Traceback" not in err


# --- check -------------------------------------------------------------------------------------------------


def test_check_on_the_bundled_data_names_each_finding_by_id():
    code, data, err = run("--lang", "en", "check")
    assert (code, err) == (0, "")
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "OK: 17 carriers, 4 zones (pole, belt) pass validation."
    findings = [line for line in lines if line.startswith("[")]
    assert findings
    assert any(line.startswith("[warning] unknown_figure beiyang: ") for line in findings)
    # the valley's own figure is unknown (its 120万 is a target), so its children's known 5万 add instead
    assert any(line.startswith("[warning] itemization westbund_valley: ") for line in findings)
    assert not any(line.startswith("[error]") for line in findings)


def test_check_speaks_chinese():
    code, data, _ = run("check", "--lang", "zh")
    text = data.decode("utf-8")
    assert code == 0
    assert text.startswith("校验通过：17 个载体、4 个片区（增长极、发展带）。")
    assert "[注意] 面积未知 beiyang：北杨人工智能小镇：现有面积未知" in text
    assert "Conflicting figure" not in text
    for code_word in ("unknown_figure", "pole", "belt", "warning", "floor_area_", "USED"):
        assert code_word not in text, code_word


def test_check_exits_1_when_a_finding_is_an_error(tmp_path):
    data = to_wgs84(
        carriers(
            {"id": "p", "geometry": square(0, 0, 10), "floor_area_existing_m2": 100, "floor_area_planned_m2": 0},
            {
                "id": "c",
                "geometry": square(1, 1, 2),
                "parent_id": "p",
                "floor_area_existing_m2": 300,
                "floor_area_planned_m2": 0,
            },
        )
    )
    zones_path = tmp_path / "zones.geojson"
    carriers_path = tmp_path / "carriers.geojson"
    carriers_path.write_text(data.to_json(drop_id=True), encoding="utf-8")
    zones_path.write_text(
        to_wgs84(__import__("factories").zones({"id": "A", "type": "pole", "geometry": square(-5, -5, 30)})).to_json(
            drop_id=True
        ),
        encoding="utf-8",
    )
    code, out, err = run("--lang", "en", "check", "--carriers", str(carriers_path), "--zones", str(zones_path))
    assert (code, err) == (1, "")
    assert "[error] itemization p: p existing: itemized 0.03 of 0.01 万㎡" in out.decode("utf-8")


# --- bad input ---------------------------------------------------------------------------------------------


def broken_geojson(path: Path) -> Path:
    """Missing fields, a duplicate id and a parent cycle: all must be reported at once."""
    frame = to_wgs84(
        carriers(
            {"id": "a", "geometry": square(0, 0, 10), "parent_id": "b"},
            {"id": "b", "geometry": square(20, 0, 10), "parent_id": "a"},
            {"id": "b", "geometry": square(40, 0, 10)},
        )
    ).drop(columns=["status", "geometry_accuracy_m"])
    path.write_text(frame.to_json(drop_id=True), encoding="utf-8")
    return path


BROKEN_REPORT = (
    "3 problem(s) found; nothing was loaded",
    "the required field 'status' is missing",
    "the required field 'geometry_accuracy_m' is missing",
    "id 'b': is used by more than one row (rows 2, 3)",
    "parent_id forms a cycle (a → b → a)",
)


@pytest.mark.parametrize("command", ["summary", "check"])
def test_a_bad_carriers_file_gives_the_whole_report_on_stderr_only(tmp_path, command):
    path = broken_geojson(tmp_path / "carriers.geojson")
    code, data, err = run("--lang", "en", command, "--carriers", str(path))
    assert code == 2
    assert data == b""
    assert err.startswith(f"error: {path} + zones: 4 problem(s) found; nothing was loaded.")
    for text in BROKEN_REPORT[1:]:
        assert text in err, text
    assert "Traceback" not in err


def test_a_bad_carriers_file_in_a_real_process(tmp_path):
    path = broken_geojson(tmp_path / "carriers.geojson")
    done = run_process("summary", "--carriers", str(path))
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode("utf-8")
    for text in BROKEN_REPORT[1:]:
        assert text in err, text
    assert "Traceback" not in err


def test_a_missing_file_in_a_real_process_in_chinese(tmp_path):
    done = run_process("check", "--carriers", str(tmp_path / "nope.geojson"), lang="zh_CN.UTF-8")
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode("utf-8")
    assert err.startswith(f"错误: {tmp_path / 'nope.geojson'}：发现 1 个问题")
    assert "Traceback" not in err


def test_a_user_zones_file_with_the_bundled_carriers_in_a_real_process(tmp_path):
    path = tmp_path / "zones.geojson"
    layout = zones(
        {"id": "pole_caohejing", "type": "pole", "geometry": square(0, 0, 10)},
        {"id": "pole_westbund", "type": "pole", "geometry": square(20, 0, 10)},
        {"id": "belt_riverside", "type": "belt", "geometry": square(40, 0, 10)},
        {"id": "belt_line15", "type": "belt", "geometry": square(60, 0, 10)},
    )
    path.write_text(to_wgs84(layout).to_json(drop_id=True), encoding="utf-8")
    done = run_process("summary", "--zones", str(path))
    assert done.returncode == 0, done.stderr.decode("utf-8")
    assert read_summary(done.stdout)["group_id"].tolist()[-1] == "__total__"


def test_summary_in_a_real_process_writes_the_csv_bytes():
    done = run_process("summary", "--by", "belt")
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout.startswith(BOM)
    table = read_summary(done.stdout)
    assert table["group_id"].tolist()[-2:] == ["__outside__", "__total__"]
    assert_conserved(table)


def test_a_file_that_is_not_geodata_is_refused_without_a_traceback(tmp_path):
    path = tmp_path / "carriers.geojson"
    path.write_bytes(b"\x00\x01 this is not a GeoJSON file")
    code, data, err = run("--lang", "en", "summary", "--carriers", str(path))
    assert (code, data) == (2, b"")
    assert err.startswith("error: ")
    assert "carriers.geojson" in err
    assert "Accepted: GeoJSON" in err  # what would have been read instead
    assert "Traceback" not in err


# --- language -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW"}, "zh"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_default_language_follows_the_locale(environ, lang):
    assert default_lang(environ) == lang


def test_the_locale_sets_the_language_of_a_real_process():
    done = run_process("check", lang="zh_CN.UTF-8")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8").startswith("校验通过：")


def test_a_file_without_a_crs_asks_for_the_option_that_answers(tmp_path: Path) -> None:
    """A CSV with WKT in metres declares no CRS: the reader asks, the command line names the flag to add."""
    from factories import carriers, rect, zones  # noqa: PLC0415
    from shapely import to_wkt  # noqa: PLC0415

    zone_frame = zones({"id": "east", "type": "pole", "geometry": rect(0, 0, 1000, 1000)})
    zone_path = tmp_path / "zones.geojson"
    zone_frame.to_crs(4326).to_file(zone_path, engine="pyogrio")
    carrier_frame = carriers(
        {
            "id": "a",
            "geometry": rect(100, 100, 300, 300),
            "zone_ids": "east",
            "floor_area_existing_m2": 40_000,
            "floor_area_planned_m2": 0,
        }
    )
    csv_path = tmp_path / "carriers.csv"
    carrier_frame.assign(wkt=to_wkt(carrier_frame.geometry)).drop(columns="geometry").to_csv(csv_path, index=False)

    code, out, err = run("--lang", "en", "summary", "--carriers", str(csv_path), "--zones", str(zone_path))
    assert code == 2
    assert out == b""
    assert "declares no coordinate system" in err
    assert "--carriers-crs CRS" in err
    assert "EPSG:4549" in err

    code, out, err = run(
        "summary",
        "--carriers",
        str(csv_path),
        "--zones",
        str(zone_path),
        "--carriers-crs",
        "EPSG:4549",
        "--mode",
        "area",
        "--format",
        "json",
    )
    assert code == 0, err
    rows = {row["group_id"]: row for row in json.loads(out)}
    assert rows["east"]["total_m2"] == 40_000
    assert rows["east"]["land_m2"] == 40_000  # 200 m × 200 m, measured where the CSV's metres really are


def test_progress_shows_every_stage_on_stderr_and_never_touches_stdout() -> None:
    code, out, err = run("--lang", "en", "summary", "--progress")
    assert code == 0
    for stage in ("1/5 reading carriers", "2/5 reading zones", "3/5 validating", "4/5 rolling up", "5/5 writing"):
        assert stage in err
    assert err.endswith("\n")
    assert out.startswith(b"\xef\xbb\xbf")
    quiet = run("--lang", "en", "summary", "--no-progress")
    assert quiet[2] == ""

    def table(data: bytes) -> list[bytes]:  # the output without the stamp's time, which may tick over
        return [line for line in data.splitlines() if not line.startswith(b"# created_utc")]

    assert table(quiet[1]) == table(out)


def test_the_command_line_reads_more_footprints_than_the_page_accepts(tmp_path):
    """200,001 footprints (over the page's 200,000) in a GeoParquet: summed, not refused, as a process."""
    n = 200_001
    x = np.arange(n) % 500 * 1e-4 + 121.40
    y = np.arange(n) // 500 * 1e-4 + 31.15
    frame = gpd.GeoDataFrame(
        {
            "id": [f"b{i}" for i in range(n)],
            "name_zh": "楼",
            "name_en": "building",
            "kind": "building",
            "status": "existing",
            "floor_area_existing_m2": pd.array(np.full(n, 100), dtype="Int64"),
            "geometry_accuracy_m": pd.array(np.full(n, 5), dtype="Int64"),
            **dict.fromkeys(("parent_id", "zone_ids", "source_ids"), pd.Series([None] * n, dtype=object)),
            **dict.fromkeys(
                ("floor_area_planned_m2", "planned_year", "opened_year"), pd.array([None] * n, dtype="Int64")
            ),
        },
        geometry=shapely.box(x, y, x + 5e-5, y + 5e-5),
        crs=4326,
    )
    path = tmp_path / "city.parquet"
    frame.to_parquet(path)
    done = run_process("summary", "--carriers", str(path), "--mode", "largest", "--by", "pole")
    assert done.returncode == 0, done.stderr.decode()
    table = read_summary(done.stdout)
    assert table["existing_m2"].iloc[-1] == 100 * n


def test_a_csv_summary_never_imports_the_spreadsheet_library(tmp_path):
    """openpyxl (about half a second to import) is loaded for .xlsx only: not for a CSV summary, nor its reads."""
    argv = ["summary", "--carriers", str(tmp_path / "c.geojson"), "--output", str(tmp_path / "o.csv")]
    script = f"import sys; from geo.cli import main; code = main({argv!r}); print(code, 'openpyxl' in sys.modules)"
    to_wgs84(carriers({"id": "a", "geometry": square(0, 0, 10), "floor_area_existing_m2": 100})).to_file(
        tmp_path / "c.geojson", driver="GeoJSON", engine="pyogrio"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, check=False, timeout=120)
    assert done.stdout.decode().split() == ["0", "False"], done.stderr.decode()
    assert (tmp_path / "o.csv").read_bytes().startswith(BOM)
