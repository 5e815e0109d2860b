"""The bundled Xuhui seed data keeps the data contract, cites its figures and draws consistent outlines.

Checks: every carrier and zone passes :mod:`geo.schema`; every source quote is verbatim on its cited
line of ``seeds/documents``; every figure a carrier or zone uses is backed by a cited row whose value ×
unit equals it; unknown figures are null, never 0; poles do not overlap poles, belts do not overlap
belts; zones lie in the district; children lie in their parents; declared and drawn membership agree.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.schema import (
    CARRIER_FIELDS,
    SOURCE_FIELDS,
    SOURCE_FIGURE_FIELDS,
    ZONE_FIELDS,
    split_ids,
    validate_carriers,
    validate_zones,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DOCUMENTS = SEEDS / "documents"
SEED_DOCUMENTS = (
    "000_2d9d34c3376613c7.txt",
    "001_d210a0fb95f39cab.txt",
    "002_74210942462cbe39.txt",
    "003_1baae959e14b902b.txt",
    "004_4d789ac80e2f0c9f.txt",
)
METRIC = "EPSG:4549"
CONTEXT_LAYERS = ("district_boundary", "huangpu", "line15", "line15_stations", "outer_ring")
CONTEXT_PROPERTIES = ("name_zh", "name_en", "source", "geometry_accuracy_m")

# What one unit of a source row is worth in the contract's units (m² for areas, the year for years).
UNIT_FACTORS: dict[str, Decimal] = {
    "万方": Decimal(10_000),
    "万平方米": Decimal(10_000),
    "万㎡": Decimal(10_000),
    "平方米": Decimal(1),
    "㎡": Decimal(1),
    "m²": Decimal(1),
    "公顷": Decimal(10_000),
    "年": Decimal(1),
}
AREA_UNITS = {"万方", "万平方米", "万㎡", "平方米", "㎡", "m²", "公顷"}
FIGURE_FIELDS = ("floor_area_existing_m2", "floor_area_planned_m2", "site_area_m2", "planned_year", "opened_year")


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


SOURCES = pd.read_csv(SEEDS / "sources.csv", dtype=str, keep_default_na=False, encoding="utf-8")
SOURCE_ROWS = {row["id"]: row for row in SOURCES.to_dict("records")}
CARRIERS_JSON = _read_json(SEEDS / "carriers.geojson")
ZONES_JSON = _read_json(SEEDS / "zones.geojson")
CARRIER_PROPS = {f["properties"]["id"]: f["properties"] for f in CARRIERS_JSON["features"]}
ZONE_PROPS = {f["properties"]["id"]: f["properties"] for f in ZONES_JSON["features"]}


@pytest.fixture(scope="module")
def carriers() -> gpd.GeoDataFrame:
    return gpd.read_file(SEEDS / "carriers.geojson", engine="pyogrio")


@pytest.fixture(scope="module")
def zones() -> gpd.GeoDataFrame:
    return gpd.read_file(SEEDS / "zones.geojson", engine="pyogrio")


@pytest.fixture(scope="module")
def district_m() -> shapely.Geometry:
    frame = gpd.read_file(SEEDS / "context" / "district_boundary.geojson", engine="pyogrio")
    return frame.to_crs(METRIC).geometry.union_all()


def _metric(frame: gpd.GeoDataFrame) -> dict[str, shapely.Geometry]:
    projected = frame.to_crs(METRIC)
    return dict(zip(projected["id"], projected.geometry, strict=True))


def _amount(row: dict[str, str]) -> Decimal | None:
    """value × unit of a source row in contract units, or None if the row has no convertible figure."""
    if not row["value"] or row["unit"] not in UNIT_FACTORS:
        return None
    return Decimal(row["value"]) * UNIT_FACTORS[row["unit"]]


# --- the sources table ---------------------------------------------------------------------------


def test_sources_table_format() -> None:
    raw = (SEEDS / "sources.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "sources.csv must be UTF-8 without a BOM"
    assert list(SOURCES.columns) == [*SOURCE_FIELDS, "field"]
    assert set(SOURCES["field"]) <= {"", *SOURCE_FIGURE_FIELDS}
    assert SOURCES["id"].is_unique
    assert (SOURCES["id"].str.fullmatch(r"[a-z0-9_]+")).all()
    assert (SOURCES["document"] != "").all()
    assert (SOURCES["quote"] != "").all()
    assert (SOURCES["note"] != "").all()
    for row in SOURCES.to_dict("records"):
        if row["value"]:
            Decimal(row["value"])  # a number as written
            assert row["unit"], f"{row['id']}: a value needs a unit"


def test_documents_are_the_five_seed_files() -> None:
    assert sorted(p.name for p in DOCUMENTS.iterdir()) == sorted(SEED_DOCUMENTS)
    cited = set(SOURCES["document"])
    assert set(SEED_DOCUMENTS) <= cited, "every seed document should be cited at least once"


def test_every_seed_quote_is_verbatim_on_its_line() -> None:
    lines = {name: (DOCUMENTS / name).read_text(encoding="utf-8").splitlines() for name in SEED_DOCUMENTS}
    checked = 0
    problems = []
    for row in SOURCES.to_dict("records"):
        if row["document"] not in lines:  # a public reference, not a seed file: nothing to check here
            continue
        text = lines[row["document"]]
        number = int(row["line"])
        if not 1 <= number <= len(text):
            problems.append(f"{row['id']}: line {number} is outside {row['document']}")
        elif row["quote"] not in text[number - 1]:
            problems.append(f"{row['id']}: {row['quote']!r} is not on {row['document']}:{number}")
        elif row["value"] and row["value"] not in row["quote"]:
            problems.append(f"{row['id']}: the value {row['value']!r} is not in the quote")
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked >= 40


def test_non_seed_rows_say_they_are_not_in_the_seeds() -> None:
    for row in SOURCES.to_dict("records"):
        if row["document"] not in SEED_DOCUMENTS:
            assert "not in seeds" in row["document"], row["id"]
            assert row["line"] == "", row["id"]


# --- contract ------------------------------------------------------------------------------------


def test_carriers_and_zones_pass_the_contract(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> None:
    source_ids = set(SOURCES["id"])
    assert validate_zones(zones, source_ids=source_ids) == []
    assert validate_carriers(carriers, zone_ids=set(zones["id"]), source_ids=source_ids) == []


def test_properties_are_exactly_the_contract_fields() -> None:
    carrier_fields = [f.name for f in CARRIER_FIELDS]
    zone_fields = [f.name for f in ZONE_FIELDS]
    for props in CARRIER_PROPS.values():
        assert list(props) == carrier_fields, props["id"]
    for props in ZONE_PROPS.values():
        assert list(props) == zone_fields, props["id"]


def test_figures_are_json_integers_or_null() -> None:
    int_fields = [f.name for f in CARRIER_FIELDS if f.kind == "int"]
    for props in CARRIER_PROPS.values():
        for name in int_fields:
            value = props[name]
            assert value is None or (isinstance(value, int) and not isinstance(value, bool)), (props["id"], name)
    for props in ZONE_PROPS.values():
        value = props["declared_floor_area_m2"]
        assert value is None or isinstance(value, int), props["id"]
        assert isinstance(props["geometry_accuracy_m"], int)


def test_every_cited_source_exists_and_every_feature_cites_some() -> None:
    for props in [*CARRIER_PROPS.values(), *ZONE_PROPS.values()]:
        cited = split_ids(props["source_ids"])
        assert cited, f"{props['id']} cites no source"
        missing = [s for s in cited if s not in SOURCE_ROWS]
        assert not missing, f"{props['id']} cites unknown sources {missing}"


def test_expected_carriers_and_zones_are_present() -> None:
    assert set(ZONE_PROPS) == {"pole_caohejing", "pole_westbund", "belt_riverside", "belt_line15"}
    required = {
        "westbund_valley",
        "ai_tower",
        "modelspeed",
        "caohejing",
        "beiyang",
        "central_renewal",
        "westbund_media_port",
        "westbund_financial_city",
    }
    assert required <= set(CARRIER_PROPS)
    for props in ZONE_PROPS.values():
        assert props["layout"] == "两极两带"
        assert props["type"] in {"pole", "belt"}


# --- figures and their sources -------------------------------------------------------------------


def _cited_amounts(props: dict) -> set[Decimal]:
    rows = [SOURCE_ROWS[s] for s in split_ids(props["source_ids"])]
    return {a for a in (_amount(r) for r in rows) if a is not None}


def test_every_carrier_figure_has_a_matching_source() -> None:
    problems = []
    for props in CARRIER_PROPS.values():
        amounts = _cited_amounts(props)
        for name in FIGURE_FIELDS:
            value = props[name]
            if value is None:
                continue
            if Decimal(value) in amounts:
                continue
            # An increment derived as (cited total − cited existing): the total must be cited.
            existing = props["floor_area_existing_m2"]
            if name == "floor_area_planned_m2" and existing is not None and Decimal(existing + value) in amounts:
                continue
            problems.append(f"{props['id']}.{name} = {value} has no cited source with that value × unit")
    assert not problems, "\n".join(problems)


def test_every_declared_zone_figure_has_a_matching_source() -> None:
    for props in ZONE_PROPS.values():
        value = props["declared_floor_area_m2"]
        if value is None:
            continue
        rows = [SOURCE_ROWS[s] for s in split_ids(props["source_ids"])]
        singles = {a for a in (_amount(r) for r in rows) if a is not None}
        # …or the sum of figures stated together on one line (550万 existing + 100万 new, 001:182).
        by_line: dict[tuple[str, str], Decimal] = {}
        for row in rows:
            amount = _amount(row)
            if amount is not None and row["unit"] in AREA_UNITS:
                key = (row["document"], row["line"])
                by_line[key] = by_line.get(key, Decimal(0)) + amount
        assert Decimal(value) in singles | set(by_line.values()), props["id"]


def test_unknown_is_null_never_zero() -> None:
    for props in CARRIER_PROPS.values():
        for name in ("floor_area_existing_m2", "site_area_m2", "planned_year", "opened_year"):
            assert props[name] != 0, f"{props['id']}.{name} is 0: write null for unknown"
        if props["floor_area_planned_m2"] == 0:
            # Zero planned is only allowed where a cited total equals the existing figure.
            assert Decimal(props["floor_area_existing_m2"]) in _cited_amounts(props), props["id"]
    for props in ZONE_PROPS.values():
        assert props["declared_floor_area_m2"] != 0, props["id"]


def test_children_are_declared_in_their_parents_zones() -> None:
    for props in CARRIER_PROPS.values():
        parent = props["parent_id"]
        if parent is None:
            continue
        assert parent in CARRIER_PROPS, props["id"]
        assert props["zone_ids"] == CARRIER_PROPS[parent]["zone_ids"], (
            f"{props['id']} is declared in other zones than its parent {parent}"
        )


def test_the_modelling_decisions_hold() -> None:
    valley = CARRIER_PROPS["westbund_valley"]
    # The valley's 120万 is a target (targets.csv), not built floor space: its own figures are unknown.
    assert (valley["floor_area_existing_m2"], valley["floor_area_planned_m2"]) == (None, None)
    assert CARRIER_PROPS["ai_tower"]["parent_id"] == "westbund_valley"
    assert CARRIER_PROPS["ai_tower"]["opened_year"] == 2020
    speed = CARRIER_PROPS["modelspeed"]
    assert (speed["parent_id"], speed["floor_area_existing_m2"], speed["opened_year"]) == (
        "westbund_valley",
        50_000,
        2023,
    )
    chj = CARRIER_PROPS["caohejing"]
    assert (chj["floor_area_existing_m2"], chj["floor_area_planned_m2"], chj["planned_year"]) == (
        5_500_000,
        1_000_000,
        2025,
    )
    assert CARRIER_PROPS["beiyang"]["floor_area_planned_m2"] == 1_000_000
    assert CARRIER_PROPS["beiyang"]["status"] == "under_construction"
    assert CARRIER_PROPS["beiyang"]["opened_year"] == 2024  # first offices delivered (004:17), area unknown
    # The renewal area's 400万 is a renewal target, not AI floor space in use.
    assert CARRIER_PROPS["central_renewal"]["floor_area_existing_m2"] is None
    assert ZONE_PROPS["pole_caohejing"]["declared_floor_area_m2"] == 6_500_000
    assert ZONE_PROPS["pole_westbund"]["declared_floor_area_m2"] == 1_200_000
    assert ZONE_PROPS["belt_line15"]["declared_floor_area_m2"] is None
    # Conflicting figures are all kept.
    kept = {(r["document"], r["line"], r["value"]) for r in SOURCE_ROWS.values()}
    assert ("001_d210a0fb95f39cab.txt", "190", "100") in kept  # valley 100万 (vs 120万)
    assert ("003_1baae959e14b902b.txt", "432", "120") in kept  # 占地 120万
    assert ("002_74210942462cbe39.txt", "193", "10") in kept  # 模速空间 10万 planned (vs 5万 built)


# --- geometry ------------------------------------------------------------------------------------


def _decimals_ok(coords: object) -> bool:
    if isinstance(coords, float):
        return round(coords, 6) == coords
    if isinstance(coords, list):
        return all(_decimals_ok(c) for c in coords)
    return True


@pytest.mark.parametrize(
    "path", ["carriers.geojson", "zones.geojson", *[f"context/{n}.geojson" for n in CONTEXT_LAYERS]]
)
def test_geojson_is_rfc7946_wgs84_with_six_decimals(path: str) -> None:
    data = _read_json(SEEDS / path)
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    for feat in data["features"]:
        coords = feat["geometry"]["coordinates"]
        assert _decimals_ok(coords), f"{path}: coordinates with more than 6 decimals"
        geom = shapely.geometry.shape(feat["geometry"])
        minx, miny, maxx, maxy = geom.bounds
        assert 120.8 < minx <= maxx < 122.2, f"{path}: longitudes are not WGS-84 Shanghai"
        assert 30.6 < miny <= maxy < 31.9, f"{path}: latitudes are not WGS-84 Shanghai"
        if geom.geom_type in {"Polygon", "MultiPolygon"}:
            for polygon in getattr(geom, "geoms", [geom]):
                assert polygon.exterior.is_ccw, f"{path}: exterior rings must be counter-clockwise"


def test_every_outline_carries_its_accuracy() -> None:
    for props in [*CARRIER_PROPS.values(), *ZONE_PROPS.values()]:
        assert props["geometry_accuracy_m"] >= 50, props["id"]
    for props in CARRIER_PROPS.values():
        if props["kind"] == "building":
            assert props["geometry_accuracy_m"] >= 600, f"{props['id']}: schematic position, large accuracy"


def test_zones_of_one_type_do_not_overlap(zones: gpd.GeoDataFrame) -> None:
    outlines = _metric(zones)
    kinds = dict(zip(zones["id"], zones["type"], strict=True))
    for a, b in combinations(outlines, 2):
        if kinds[a] == kinds[b]:
            assert outlines[a].intersection(outlines[b]).area < 1.0, f"{a} overlaps {b}"


def test_zones_and_carriers_lie_within_the_district(
    zones: gpd.GeoDataFrame, carriers: gpd.GeoDataFrame, district_m: shapely.Geometry
) -> None:
    allowed = district_m.buffer(1.0)
    for frame in (zones, carriers):
        for feature_id, outline in _metric(frame).items():
            assert outline.within(allowed), f"{feature_id} reaches outside the district boundary"


def test_children_lie_within_their_parents(carriers: gpd.GeoDataFrame) -> None:
    outlines = _metric(carriers)
    children = 0
    for props in CARRIER_PROPS.values():
        parent = props["parent_id"]
        if parent is not None:
            assert outlines[props["id"]].within(outlines[parent].buffer(1.0)), f"{props['id']} not in {parent}"
            children += 1
    assert children >= 2


def test_declared_membership_matches_the_largest_overlap(zones: gpd.GeoDataFrame, carriers: gpd.GeoDataFrame) -> None:
    """No data-quality finding in the shipped data: per zone type, the declared zone is the drawn one."""
    zone_outlines = _metric(zones)
    zone_types = dict(zip(zones["id"], zones["type"], strict=True))
    for carrier_id, outline in _metric(carriers).items():
        declared = split_ids(CARRIER_PROPS[carrier_id]["zone_ids"])
        for zone_type in set(zone_types.values()):
            overlaps = {z: outline.intersection(g).area for z, g in zone_outlines.items() if zone_types[z] == zone_type}
            best = max(overlaps, key=lambda z: overlaps[z])
            drawn = best if overlaps[best] > 1.0 else None
            wanted = [z for z in declared if zone_types[z] == zone_type]
            assert wanted == ([drawn] if drawn else []), f"{carrier_id}: declared {wanted}, drawn {drawn}"


def test_poles_contain_their_named_carriers(zones: gpd.GeoDataFrame, carriers: gpd.GeoDataFrame) -> None:
    zone_outlines = _metric(zones)
    carrier_outlines = _metric(carriers)
    assert carrier_outlines["caohejing"].within(zone_outlines["pole_caohejing"].buffer(1.0))
    assert carrier_outlines["westbund_valley"].within(zone_outlines["pole_westbund"].buffer(1.0))
    assert carrier_outlines["beiyang"].within(zone_outlines["belt_line15"].buffer(1.0))


@pytest.mark.parametrize("name", CONTEXT_LAYERS)
def test_context_layers(name: str) -> None:
    frame = gpd.read_file(SEEDS / "context" / f"{name}.geojson", engine="pyogrio")
    assert len(frame) >= 1
    assert frame.crs is not None
    assert frame.crs.to_epsg() == 4326
    for column in CONTEXT_PROPERTIES:
        assert column in frame.columns, f"{name}: missing {column}"
        assert frame[column].notna().all(), f"{name}: empty {column}"
    expected = {
        "district_boundary": {"Polygon", "MultiPolygon"},
        "huangpu": {"LineString"},
        "line15": {"LineString"},
        "line15_stations": {"Point"},
        "outer_ring": {"LineString"},
    }[name]
    assert set(frame.geom_type) <= expected
    if name == "line15_stations":
        assert frame["in_xuhui"].map(type).eq(bool).all()
        inside = set(frame.loc[frame["in_xuhui"], "name_zh"])
        assert {"桂林路", "桂林公园", "上海南站", "华东理工大学", "罗秀路", "朱梅路"} <= inside


def test_readme_documents_every_file() -> None:
    text = (SEEDS / "README.md").read_text(encoding="utf-8")
    for name in (
        "carriers.geojson",
        "zones.geojson",
        "sources.csv",
        "build_seeds.py",
        "documents/",
        "tranches.csv",
        "targets.csv",
        "indicators.csv",
        *[f"{n}.geojson" for n in CONTEXT_LAYERS],
    ):
        assert name in text, f"README.md does not describe {name}"
    assert re.search(r"python -m geo check --carriers", text)
    assert "geometry_accuracy_m" in text


# --- tranches and targets (docs/contract.md) ------------------------------------------------------

TRANCHES = pd.read_csv(SEEDS / "tranches.csv", dtype=str, keep_default_na=False, encoding="utf-8")
TARGETS = pd.read_csv(SEEDS / "targets.csv", dtype=str, keep_default_na=False, encoding="utf-8")
INDICATOR_VALUES = pd.read_csv(SEEDS / "indicators.csv", dtype=str, keep_default_na=False, encoding="utf-8")
INDICATOR_ROWS = {row["id"]: row for row in INDICATOR_VALUES.to_dict("records")}
TRANCHE_ROWS = {row["id"]: row for row in TRANCHES.to_dict("records")}
TARGET_ROWS = {row["id"]: row for row in TARGETS.to_dict("records")}
LINES = {name: (DOCUMENTS / name).read_text(encoding="utf-8").splitlines() for name in SEED_DOCUMENTS}
D0, D1, D4 = SEED_DOCUMENTS[0], SEED_DOCUMENTS[1], SEED_DOCUMENTS[4]


def _cites(row: dict[str, str], document: str, line: int, words: str) -> None:
    """``row`` cites a source on ``document:line`` whose quote holds ``words``, verbatim on that line."""
    assert words in LINES[document][line - 1], f"{words!r} is not on {document}:{line}"
    cited = [SOURCE_ROWS[s] for s in split_ids(row["source_ids"])]
    hits = [c for c in cited if c["document"] == document and c["line"] == str(line) and words in c["quote"]]
    assert hits, f"{row['id']} cites no quote with {words!r} on {document}:{line}"


def test_tranche_and_target_tables_pass_the_contract() -> None:
    from geo.tranches import TARGET_COLUMNS, TRANCHE_COLUMNS, validate_targets, validate_tranches  # noqa: PLC0415

    assert list(TRANCHES.columns) == list(TRANCHE_COLUMNS)
    assert list(TARGETS.columns) == list(TARGET_COLUMNS)
    assert not (SEEDS / "tranches.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    source_ids = set(SOURCES["id"])
    assert validate_tranches(TRANCHES, carrier_ids=set(CARRIER_PROPS), source_ids=source_ids) == []
    assert (
        validate_targets(TARGETS, carrier_ids=set(CARRIER_PROPS), zone_ids=set(ZONE_PROPS), source_ids=source_ids) == []
    )
    assert list(INDICATOR_VALUES.columns) == list(TARGET_COLUMNS)
    problems = validate_targets(
        INDICATOR_VALUES,
        carrier_ids=set(CARRIER_PROPS),
        zone_ids=set(ZONE_PROPS),
        source_ids=source_ids,
        kind="indicators",
    )
    assert problems == []


def test_the_carriers_two_columns_are_the_flat_form_of_their_tranches(carriers: gpd.GeoDataFrame) -> None:
    from geo.schema import normalize_carriers  # noqa: PLC0415
    from geo.tranches import flat_columns, normalize_tranches, resolve_tranches  # noqa: PLC0415

    frame = normalize_carriers(carriers)
    flat = flat_columns(frame, resolve_tranches(frame, normalize_tranches(TRANCHES))).set_index("id")
    for carrier_id, props in CARRIER_PROPS.items():
        for column in ("floor_area_existing_m2", "floor_area_planned_m2", "planned_year", "opened_year"):
            value = flat.at[carrier_id, column]
            assert (None if pd.isna(value) else int(value)) == props[column], (carrier_id, column)


def test_every_tranche_and_target_figure_has_a_matching_source() -> None:
    problems = []
    for row in [*TRANCHE_ROWS.values(), *TARGET_ROWS.values(), *INDICATOR_ROWS.values()]:
        cited = [SOURCE_ROWS[s] for s in split_ids(row["source_ids"])]
        amounts = {a for a in (_amount(c) for c in cited) if a is not None}
        # Figures in other units (家, 亿元, 万元/平方米): a cited row with the same unit and value.
        counts = {Decimal(c["value"]) for c in cited if c["value"] and c["unit"] == row.get("unit")}
        by_line: dict[tuple[str, str], Decimal] = {}
        for c in cited:
            if _amount(c) is not None and c["unit"] in AREA_UNITS:
                by_line[c["document"], c["line"]] = by_line.get((c["document"], c["line"]), Decimal(0)) + _amount(c)
        figure = row.get("floor_area_m2", row.get("value"))
        if figure and Decimal(figure) not in amounts | counts | set(by_line.values()):
            problems.append(f"{row['id']}: {figure} has no cited source with that value × unit")
        if row["year"] and Decimal(row["year"]) not in amounts:
            problems.append(f"{row['id']}: year {row['year']} has no cited source giving it")
        if not row["source_ids"]:
            problems.append(f"{row['id']}: cites nothing")
    assert not problems, "\n".join(problems)


def test_correction_the_valley_120_wan_is_a_target_not_built() -> None:
    """001:172/184 say 打造…120万方 (to build up to); 000:94–97 list six of nine buildings 在建 in 2020."""
    target = TARGET_ROWS["tg_valley_120"]
    assert (target["subject_type"], target["subject_id"], target["indicator"], target["value"]) == (
        "carrier",
        "westbund_valley",
        "floor_area",
        "1200000",
    )
    _cites(target, D1, 184, "为旗舰的120万方人工智能产业集聚区")
    assert "打造" in LINES[D1][184 - 1]
    pole = TARGET_ROWS["tg_pole_westbund_120"]
    assert (pole["subject_id"], pole["value"]) == ("pole_westbund", "1200000")
    _cites(pole, D1, 172, "打造以西岸智塔为旗舰的120万方")
    # Nothing of the valley is stated as built floor space, and planned is unknown, not 0.
    valley = [r for r in TRANCHE_ROWS.values() if r["carrier_id"] == "westbund_valley"]
    assert {r["phase"] for r in valley} == {"built", "under_construction"}
    assert all(r["floor_area_m2"] == "" for r in valley)
    building = TRANCHE_ROWS["westbund_valley_uc"]
    _cites(building, D0, 94, "航汇大厦以及在建中的滨江城开中心")
    # The buildings the brochure lists as under construction in 2020 each have that tranche.
    for member in ("wb_binjiang_chengkai", "wb_alibaba", "wb_netease", "wb_xiaomi", "wb_tencent_east_china"):
        row = TRANCHE_ROWS[f"{member}_uc"]
        assert row["phase"] == "under_construction"
        _cites(row, D0, 95, "里巴巴、网易、小米、腾讯华东总部、梦响")
    for member in ("wb_greenland_hui", "wb_ceair_riverside", "wb_hanghui"):
        assert TRANCHE_ROWS[f"{member}_built"]["phase"] == "built"
        _cites(TRANCHE_ROWS[f"{member}_built"], D0, 92, "包括绿地汇中心、东航滨江中心、")


def test_correction_the_renewal_400_wan_is_a_renewal_target_apart_from_ai_floor_space() -> None:
    """001:164/194 say 撬动400万方…存量更新和土地置换: a renewal volume to set in motion."""
    target = TARGET_ROWS["tg_central_renewal_400"]
    assert (target["subject_id"], target["indicator"], target["value"]) == (
        "central_renewal",
        "renewal_area",
        "4000000",
    )
    _cites(target, D1, 194, "撬动 400 万方中部融合升级区的存量更新和土地置换")
    _cites(target, D1, 164, "撬动400万方中部融合升级区的存量更新和土地置换")
    assert all(r["floor_area_m2"] == "" for r in TRANCHE_ROWS.values() if r["carrier_id"] == "central_renewal")
    assert not any(
        r["indicator"] == "floor_area" and r["subject_id"] == "central_renewal" for r in TARGET_ROWS.values()
    )


@pytest.mark.parametrize(
    ("row_id", "qualifier", "document", "line", "words"),
    [
        ("caohejing_built", "about", D1, 182, "目前载体面积约550万方"),  # 约 550万
        ("beiyang_capacity", "at_least", D0, 108, "量超 100万平方米"),  # 超 100万
    ],
)
def test_tranche_qualifiers_are_kept(row_id, qualifier, document, line, words) -> None:
    row = TRANCHE_ROWS[row_id]
    assert row["qualifier"] == qualifier
    _cites(row, document, line, words)


def test_target_qualifiers_are_kept() -> None:
    belt = TARGET_ROWS["tg_belt_riverside_400"]
    assert belt["qualifier"] == "at_least"
    _cites(belt, D1, 178, "带动周边400余万方")  # 400余万: over 400
    firms = TARGET_ROWS["tg_beiyang_firms_600"]
    assert (firms["indicator"], firms["value"], firms["qualifier"], firms["year"]) == (
        "firms",
        "600",
        "at_least",
        "2027",
    )
    _cites(firms, D4, 31, "聚集不少于 600 家企业")


def test_inferred_years_are_flagged_and_stated_ones_cited() -> None:
    beiyang = TRANCHE_ROWS["beiyang_capacity"]
    assert (beiyang["year"], beiyang["year_basis"]) == ("2027", "inferred")  # from an enterprise target
    _cites(beiyang, D4, 31, "根据规划,到 2027 年")
    chj = TRANCHE_ROWS["caohejing_fyp"]
    assert (chj["year"], chj["year_basis"], chj["floor_area_m2"]) == ("2025", "inferred", "1000000")  # 十四五
    _cites(chj, D0, 220, "期末（2025年）")
    assert (TRANCHE_ROWS["ai_tower_built"]["year"], TRANCHE_ROWS["ai_tower_built"]["year_basis"]) == ("2020", "stated")
    assert TRANCHE_ROWS["modelspeed_built"]["year_basis"] == "stated"
    assert TRANCHE_ROWS["caohejing_built"]["year_basis"] == "unknown"  # 目前: in use, year not stated


def test_the_plans_figures_come_out_where_the_plan_states_them() -> None:
    chj = TARGET_ROWS["tg_pole_caohejing_650"]
    assert (chj["subject_id"], chj["value"]) == ("pole_caohejing", "6500000")
    _cites(chj, D1, 182, "目前载体面积约550万方")
    _cites(chj, D1, 182, "“十四五”期间预计新增100万方")
    built, planned = TRANCHE_ROWS["caohejing_built"], TRANCHE_ROWS["caohejing_fyp"]
    assert int(built["floor_area_m2"]) + int(planned["floor_area_m2"]) == int(chj["value"])


def test_indicator_values_are_cited_dated_and_declared_additive_or_derived() -> None:
    from geo.tranches import INDICATORS  # noqa: PLC0415

    output = INDICATOR_ROWS["ind_output_2020"]
    assert (output["subject_type"], output["indicator"], output["value"], output["year"]) == (
        "district",
        "output",
        "453",
        "2020",
    )
    _cites(output, D1, 43, "2020 年，徐汇人工智能及相关产业总产出达 453 亿元")
    firms = INDICATOR_ROWS["ind_firms_1500"]
    assert (firms["value"], firms["qualifier"], firms["year"]) == ("1500", "at_least", "2025")  # 1500 余家
    _cites(firms, D4, 59, "徐汇已集聚 1500 余家人工智能企业")
    assert INDICATOR_ROWS["ind_firms_710"]["qualifier"] == "about"  # 约 710
    assert INDICATOR_ROWS["ind_firms_710"]["year_basis"] == "unknown"  # 目前, in an undated feature
    density = INDICATOR_ROWS["ind_ai_tower_output_density"]
    assert (density["subject_id"], density["indicator"], density["qualifier"]) == (
        "ai_tower",
        "output_per_m2",
        "at_least",
    )
    assert INDICATORS["output"].additive
    assert not INDICATORS["output_per_m2"].additive  # derived: recomputed from sums, never added
    target = TARGET_ROWS["tg_district_output_1000"]
    assert (target["indicator"], target["value"], target["year"], target["qualifier"]) == (
        "output",
        "1000",
        "2025",
        "at_least",
    )
    _cites(target, D1, 403, "到 2025 年突破 1000 亿元")
