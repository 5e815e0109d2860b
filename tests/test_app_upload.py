"""Bringing your own data through the page: upload, map columns, use it, and nobody else sees it."""

from __future__ import annotations

import json

import pytest
from factories import carriers, rect, zones
from streamlit.testing.v1 import AppTest
from test_app import APP, HOSTILE, all_text, map_payload, summary_frame

from geo.data import load_dataset
from geo.rollup import summarize

pytestmark = pytest.mark.usefixtures("fresh_caches")


def geojson_bytes(frame) -> bytes:
    return frame.to_crs(4326).to_json(drop_id=True).encode()


def other_district() -> tuple[bytes, bytes]:
    """Two zones and three carriers of an imaginary district, as GeoJSON files would hold them."""
    zone_frame = zones(
        {"id": "east", "type": "pole", "geometry": rect(0, 0, 1000, 1000), "declared_floor_area_m2": 90_000},
        {"id": "west", "type": "pole", "geometry": rect(1000, 0, 2000, 1000)},
    )
    carrier_frame = carriers(
        {
            "id": "a",
            "geometry": rect(100, 100, 300, 300),
            "zone_ids": "east",
            "floor_area_existing_m2": 40_000,
            "floor_area_planned_m2": 20_000,
            "planned_year": 2027,
        },
        {
            "id": "b",
            "geometry": rect(1100, 100, 1300, 300),
            "zone_ids": "west",
            "floor_area_existing_m2": 7_000,
            "floor_area_planned_m2": 0,
        },
        {"id": "c", "geometry": rect(1500, 500, 1600, 600), "zone_ids": "west"},
    )
    return geojson_bytes(carrier_frame), geojson_bytes(zone_frame)


def upload(at: AppTest, role: str, name: str, data: bytes) -> AppTest:
    at.radio(key="section@zh").set_value("import").run()
    at.radio(key="upload_role@zh").set_value(role).run()
    at.file_uploader(key="upload_file").set_value((name, data, "application/geo+json")).run()
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="read_upload").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_district_of_ones_own_replaces_the_bundled_data():
    carrier_bytes, zone_bytes = other_district()
    at = run(AppTest.from_file(APP, default_timeout=120))
    upload(at, "zones", "zones.geojson", zone_bytes)
    upload(at, "carriers", "carriers.geojson", carrier_bytes)
    at.button(key="apply_upload").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key="section@zh").set_value("summary").run()
    table = summary_frame(at)
    assert table["分组"].tolist()[:2] == ["east区", "west区"]
    assert table["合计 (万㎡)"].tolist() == [6.0, 0.7, 0.0, 6.7]
    assert table["未知个数"].tolist()[1] == 1  # carrier c has no figure: unknown, not zero
    assert "c" in all_text(map_payload(at))


def test_one_sessions_upload_is_invisible_to_another():
    carrier_bytes, zone_bytes = other_district()
    first = run(AppTest.from_file(APP, default_timeout=120))
    second = run(AppTest.from_file(APP, default_timeout=120))
    before = summary_frame(second)
    upload(first, "zones", "zones.geojson", zone_bytes)
    upload(first, "carriers", "carriers.geojson", carrier_bytes)
    first.button(key="apply_upload").click().run()
    first.radio(key="section@zh").set_value("summary").run()
    assert summary_frame(first)["分组"].iloc[0] == "east区"
    after = run(second)
    assert summary_frame(after).equals(before)
    assert "east区" not in all_text(map_payload(after))
    bundled = load_dataset()
    expected = summarize(bundled.carriers, bundled.zones, by="pole")
    assert summary_frame(after).iloc[-1]["合计 (万㎡)"] == expected.iloc[-1]["total_m2"] / 10_000


def test_a_file_that_breaks_the_contract_is_not_used_and_says_why():
    zone_bytes = other_district()[1]
    broken = json.loads(zone_bytes)
    broken["features"][1]["properties"]["id"] = "east"  # duplicate id
    at = run(AppTest.from_file(APP, default_timeout=120))
    upload(at, "zones", "zones.geojson", json.dumps(broken).encode())
    assert any("east" in e.value for e in at.error)
    assert all(b.key != "apply_upload" for b in at.button)  # nothing staged, nothing to use


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unreadable_file_gets_a_clear_message_in_the_pages_language(lang):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    run(at)
    at.radio(key=f"section@{lang}").set_value("import").run()
    at.file_uploader(key="upload_file").set_value(("x.geojson", b"\x00\x01 not a map", "application/json")).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "GeoPackage" in message  # what is accepted instead
    assert ("可接受" in message) if lang == "zh" else ("Accepted" in message)


def test_hostile_names_and_columns_in_an_upload_stay_text():
    zone_frame = zones(
        {
            "id": "east",
            "type": "pole",
            "geometry": rect(0, 0, 1000, 1000),
            "name_zh": HOSTILE[0],
            "name_en": HOSTILE[1],
        },
    )
    carrier_frame = carriers(
        {
            "id": "a",
            "geometry": rect(100, 100, 300, 300),
            "zone_ids": "east",
            "name_zh": HOSTILE[0],
            "name_en": HOSTILE[1],
            "kind": HOSTILE[2],
            "floor_area_existing_m2": 10,
            "floor_area_planned_m2": 0,
        },
    )
    carrier_frame[HOSTILE[0]] = HOSTILE[1]  # an extra column named like markup, holding a template literal
    at = run(AppTest.from_file(APP, default_timeout=120))
    upload(at, "zones", "z.geojson", geojson_bytes(zone_frame))
    upload(at, "carriers", "c.geojson", geojson_bytes(carrier_frame))
    at.button(key="apply_upload").click().run()
    assert not at.exception
    text = all_text(map_payload(at))
    assert "<img src=x" not in text
    assert "${alert" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    for element in [*at.error, *at.warning, *at.info, *at.caption, *at.markdown]:
        assert "<img" not in element.value
        assert "](" not in element.value


def test_the_map_shows_the_uploaded_features_instead_of_the_bundled_ones():
    carrier_bytes, zone_bytes = other_district()
    at = run(AppTest.from_file(APP, default_timeout=120))
    upload(at, "zones", "zones.geojson", zone_bytes)
    upload(at, "carriers", "carriers.geojson", carrier_bytes)
    at.button(key="apply_upload").click().run()
    text = all_text(map_payload(at))
    assert "西岸智塔" not in text
    assert "east区" in text


def test_adding_to_the_bundled_data_then_downloads_offers_every_file():
    """It raised ExportError: the combined hash 'a+b' is not a sha256. Each input now has its own."""
    extra = carriers(
        {
            "id": "my_new_tower",
            "geometry": rect(100, 100, 300, 300),
            "zone_ids": "pole_caohejing",
            "floor_area_existing_m2": 10_000,
            "floor_area_planned_m2": 0,
        }
    )
    at = run(AppTest.from_file(APP, default_timeout=120))
    upload(at, "carriers", "towers.geojson", geojson_bytes(extra))
    at.radio(key="import_how@zh").set_value("add").run()
    at.button(key="apply_upload").click().run()
    at.radio(key="section@zh").set_value("downloads").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("download_button")) == 10
    data = at.session_state["user_data"]
    assert set(data.hashes) >= {"carriers_bundled", "carriers_upload", "zones"}
