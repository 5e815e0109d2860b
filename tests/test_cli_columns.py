"""The command line maps columns like the page, writes the CSV's stamp beside it, and speaks the user's language."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from factories import carriers, rect, to_wgs84, zones
from test_cli import run, run_process

from geo.cli import UsageError, parse_columns
from geo.io import export

RENAMED = {
    "floor_area_existing_m2": "floor_area",
    "floor_area_planned_m2": "新增面积",
    "name_zh": "名称",
    "status": "状态",
    "geometry_accuracy_m": "精度",
}


def _files(tmp_path: Path) -> tuple[Path, Path]:
    z = to_wgs84(zones({"id": "east", "type": "pole", "geometry": rect(0, 0, 1000, 1000)}))
    c = to_wgs84(
        carriers(
            {
                "id": "a",
                "geometry": rect(100, 100, 300, 300),
                "zone_ids": "east",
                "floor_area_existing_m2": 40_000,
                "floor_area_planned_m2": 5_000,
            }
        )
    ).rename(columns=RENAMED)
    zone_path, carrier_path = tmp_path / "zones.geojson", tmp_path / "mine.geojson"
    z.to_file(zone_path, engine="pyogrio")
    c.to_file(carrier_path, engine="pyogrio")
    return carrier_path, zone_path


def test_a_required_field_missing_prints_the_pages_suggestions(tmp_path: Path) -> None:
    carrier_path, zone_path = _files(tmp_path)
    code, out, err = run("--lang", "en", "summary", "--carriers", str(carrier_path), "--zones", str(zone_path))
    assert (code, out) == (2, b"")
    assert "the required fields" in err
    assert "status (status)" in err
    suggestion = next(line for line in err.splitlines() if line.startswith("The page's suggestion"))
    # The same pairs as reader.suggest_mapping gives the page (Chinese headers and Shapefile codes).
    for pair in ("名称=name_zh", "状态=status", "精度=geometry_accuracy_m"):
        assert pair in suggestion
    assert "Traceback" not in err
    code, _, err_zh = run("--lang", "zh", "summary", "--carriers", str(carrier_path), "--zones", str(zone_path))
    assert code == 2
    assert "状态 (status)" in err_zh
    assert "与网页相同的建议" in err_zh


def test_columns_given_on_the_command_line_or_in_a_file_map_the_file(tmp_path: Path) -> None:
    carrier_path, zone_path = _files(tmp_path)
    spec = ",".join(f"{column}={field}" for field, column in RENAMED.items())
    code, out, err = run(
        "summary", "--carriers", str(carrier_path), "--zones", str(zone_path), "--carriers-columns", spec
    )
    assert (code, err) == (0, "")
    table = pd.read_csv(io.BytesIO(out)).set_index("group_id")
    assert table.at["east", "total_m2"] == 45_000

    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({column: field for field, column in RENAMED.items()}), encoding="utf-8")
    done = run_process(
        "summary",
        "--carriers",
        str(carrier_path),
        "--zones",
        str(zone_path),
        "--carriers-columns-file",
        str(mapping),
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    rows = {row["group_id"]: row for row in json.loads(done.stdout)}
    assert rows["east"]["total_m2"] == 45_000


def test_columns_auto_takes_the_pages_suggestions_when_they_cover_every_field(tmp_path: Path) -> None:
    carrier_path, zone_path = _files(tmp_path)
    frame = gpd.read_file(carrier_path, engine="pyogrio").rename(columns={"floor_area": "现状建筑面积"})
    frame.to_file(carrier_path, engine="pyogrio")
    code, out, err = run(
        "summary", "--carriers", str(carrier_path), "--zones", str(zone_path), "--carriers-columns", "auto"
    )
    assert (code, err) == (0, "")
    assert pd.read_csv(io.BytesIO(out)).set_index("group_id").at["east", "total_m2"] == 45_000


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("floor_area", "is not COLUMN=FIELD"),
        ("a=floor_space", "is not a carriers field"),
        ("a=status,b=status", "mapped from more than one column"),
    ],
)
def test_a_bad_mapping_is_a_clear_usage_error(spec: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=message):
        parse_columns(spec, "carriers")
    carrier_path, zone_path = _files(tmp_path)
    files = ("--carriers", str(carrier_path), "--zones", str(zone_path))
    code, out, err = run("--lang", "en", "summary", *files, "--carriers-columns", spec)
    assert (code, out) == (2, b"")
    assert message in err


def test_the_csv_stamp_goes_beside_the_output(tmp_path: Path) -> None:
    output = tmp_path / "summary_pole.csv"
    done = run_process("summary", "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    table = pd.read_csv(output)  # no options
    sidecar = tmp_path / "summary_pole.csv-metadata.json"
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    assert meta["url"] == "summary_pole.csv"
    assert [c["dc:identifier"] for c in meta["tableSchema"]["columns"]] == list(table.columns)
    assert export.stamp_of_csv_metadata(sidecar.read_bytes())["grouping"] == "pole"
    assert meta["dc:title"][0] == {"@value": "按增长极汇总", "@language": "zh"}

    elsewhere = tmp_path / "stamps" / "s.json"
    elsewhere.parent.mkdir()
    code, _, err = run("summary", "--output", str(tmp_path / "b.csv"), "--stamp", str(elsewhere))
    assert (code, err) == (0, "")
    assert json.loads(elsewhere.read_text(encoding="utf-8"))["url"] == "b.csv"
    assert not (tmp_path / "b.csv-metadata.json").exists()


def test_argparse_refusals_speak_the_users_language() -> None:
    code, out, err = run("--lang", "zh", "summary", "--mode", "nearest")
    assert (code, out) == (2, b"")
    assert "命令行参数有误" in err
    code, out, err = run("summary", "--lang=en", "--mode", "nearest")
    assert "error: argument --mode" in err
    assert "命令行参数有误" not in err


def test_outside_china_the_refusal_names_the_command_line_fix(tmp_path: Path) -> None:
    outline = shapely.box(8.0, 50.0, 8.01, 50.01)
    c = carriers(
        {"id": "a", "geometry": outline, "floor_area_existing_m2": 1000, "floor_area_planned_m2": 0, "zone_ids": "p"},
        crs="EPSG:4326",
    )
    z = zones({"id": "p", "type": "pole", "geometry": outline.buffer(0.05)}, crs="EPSG:4326")
    c.to_file(tmp_path / "c.geojson", engine="pyogrio")
    z.to_file(tmp_path / "z.geojson", engine="pyogrio")
    args = ("summary", "--carriers", str(tmp_path / "c.geojson"), "--zones", str(tmp_path / "z.geojson"))
    code, _, err = run("--lang", "en", *args)
    assert code == 2
    assert "--carriers-crs" in err
    assert "any EPSG code works" in err
    code, _, err = run("--lang", "zh", *args)
    assert "任何 EPSG 代码均可" in err
    code, out, err = run(*args, "--carriers-crs", "EPSG:4326", "--zones-crs", "EPSG:4326", "--format", "json")
    assert code == 0, err
    total = json.loads(out)[-1]
    assert abs(total["land_m2"] - 0.01 * 111_229 * 0.01 * 71_500) < 0.01 * total["land_m2"]  # ≈ 0.8 km², in UTM 32N


def test_stamp_is_for_csv_only(tmp_path: Path) -> None:
    code, out, err = run("--lang", "en", "summary", "--format", "json", "--stamp", str(tmp_path / "s.json"))
    assert (code, out) == (2, b"")
    assert "--stamp is for CSV only" in err


def test_an_unforeseen_failure_is_a_short_message_with_an_id_never_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.cli  # noqa: PLC0415

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(geo.cli, "summary_as_of", broken)
    code, out, err = run("--lang", "zh", "summary")
    assert (code, out) == (geo.cli.EXIT_UNEXPECTED, b"")
    assert "内部错误（编号 " in err
    assert "Traceback" not in err
    log = Path(err.split("详情已写入 ")[1].split("。")[0])
    assert "KeyError: 'boom'" in log.read_text(encoding="utf-8")
    log.unlink()
