"""Two sessions, the same file, different options: neither is ever shown the other's data.

The page caches roll-ups, maps and tables. It keyed them on the file's hash alone, so a second
session that uploaded the same file with another layer, column mapping, coordinate system or text
encoding was shown the first session's layer and sums. The cache key is now the dataset's
provenance (every input's hash and read options). Real Chromium, two browser contexts (two
sessions) against one server, for each option.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from factories import carriers
from test_browser_choices import choose_section, no_failure, select, wait_for_run

from geo.io import reader
from geo.text import field_label
from ui.wizard import _crs_label
from ui.words import say

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# A tower inside the Caohejing pole, in EPSG:4549 metres (CGCS2000, CM 120°E).
TOWER = shapely.box(633_700, 3_450_800, 633_900, 3_451_000)
NAME = "漕河泾新楼"


def tower(**fields: object) -> pd.DataFrame:
    return carriers(
        {"id": "t1", "geometry": TOWER, "zone_ids": "pole_caohejing", "name_zh": NAME, "name_en": "New tower", **fields}
    )


def csv_bytes(frame, *, encoding: str = "utf-8") -> bytes:
    """The carriers as a CSV with a WKT column and no coordinate system (the reader asks for one)."""
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["wkt"] = frame.geometry.to_wkt()
    return table.to_csv(index=False).encode(encoding)


def gpkg_bytes(tmp_path: Path) -> bytes:
    """A GeoPackage with two layers of the same tower: 10,000 m² in one, 30,000 m² in the other."""
    path = tmp_path / "two_layers.gpkg"
    for layer, area in (("towers_a", 10_000), ("towers_b", 30_000)):
        frame = tower(floor_area_existing_m2=area, floor_area_planned_m2=0).to_crs(4326)
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return path.read_bytes()


def mapping_csv() -> bytes:
    frame = tower().drop(columns=["floor_area_existing_m2", "floor_area_planned_m2"])
    frame["x"] = [10_000]
    frame["y"] = [30_000]
    return csv_bytes(frame)


def metric(page: object, key: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=say(key, "zh"))  # type: ignore[attr-defined]
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def chart_rows(page: object) -> dict[str, str]:
    """The summary chart's rows: group name -> the figure beside it."""
    cells = page.locator(".xh-chart .xh-rows > div").all_inner_texts()  # type: ignore[attr-defined]
    return {cells[i].strip(): cells[i + 2].strip().split("另")[0] for i in range(0, len(cells), 3)}


def map_text(page: object) -> str:
    frame = page.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    return frame.locator(".leaflet-container").inner_text()


def use_upload(page: object, server: str, path: Path, choose: Callable[[object], None]) -> None:
    """Upload ``path`` as carriers in a fresh session, make ``choose``'s choices, read it and use it."""
    page.goto(f"{server}/?basemap=none&by=pole&mode=largest")  # type: ignore[attr-defined]
    wait_for_run(page)
    choose_section(page, "import", "zh")
    page.locator("input[type=file]").set_input_files(str(path))  # type: ignore[attr-defined]
    wait_for_run(page)
    choose(page)
    page.get_by_role("button", name=say("read", "zh")).click()  # type: ignore[attr-defined]
    wait_for_run(page)
    no_failure(page, f"reading {path.name}")
    page.get_by_role("button", name=say("apply", "zh")).click()  # type: ignore[attr-defined]
    wait_for_run(page)
    choose_section(page, "summary", "zh")
    no_failure(page, f"using {path.name}")


def _crs(code: str) -> Callable[[object], None]:
    def choose(page: object) -> None:
        choices = reader.inspect(csv_bytes(tower(floor_area_existing_m2=10_000)), "t.csv").layers[0].crs_choices
        label = next(_crs_label(c, "zh") for c in choices if c.code == code)
        select(page, say("crs_choice", "zh"), label)

    return choose


def _columns(existing: str, planned: str) -> Callable[[object], None]:
    def choose(page: object) -> None:
        select(page, field_label("floor_area_existing_m2", "zh"), existing)
        select(page, field_label("floor_area_planned_m2", "zh"), planned)

    return choose


def _encoding(encoding: str | None) -> Callable[[object], None]:
    def choose(page: object) -> None:
        if encoding is not None:
            select(page, say("encoding", "zh"), encoding)

    return choose


def _layer(name: str) -> Callable[[object], None]:
    return lambda page: select(page, say("layer", "zh"), name)


def _existing(page: object) -> str:
    return metric(page, "m_existing")


def _in_caohejing(page: object) -> str:
    return chart_rows(page).get("漕河泾产业创新增长极", "")


def _named(page: object) -> str:
    """Whether the tower's label reads its name, zoomed in on it (labels of nested or crowded carriers
    are shown only from the zoom at which they no longer overlap a more important one)."""
    map_text(page)  # drawn
    lon, lat = gpd.GeoSeries([TOWER.centroid], crs=4549).to_crs(4326).iloc[0].coords[0]
    frame = page.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]
    frame.locator(".leaflet-container").evaluate(
        """(el, [lat, lon]) => {
            const name = Object.keys(window).find(k => k.startsWith("map_") && window[k] && window[k].setView);
            window[name].setView([lat, lon], 18, {animate: false});
        }""",
        [lat, lon],
    )
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    return "named" if NAME in map_text(page) else "not named"


CASES = {
    # option: (file name, file bytes (given tmp_path), session A's choice, B's choice, what to look at, A's, B's)
    "layer": ("two_layers.gpkg", gpkg_bytes, _layer("towers_a"), _layer("towers_b"), _existing, "1.0", "3.0"),
    "mapping": ("x_y.csv", lambda _: mapping_csv(), _columns("x", "y"), _columns("y", "x"), _existing, "1.0", "3.0"),
    "crs": (
        "metres.csv",
        lambda _: csv_bytes(tower(floor_area_existing_m2=10_000, floor_area_planned_m2=0)),
        _crs("EPSG:4549"),
        _crs("EPSG:4550"),  # three degrees further east: in the sea, in no pole
        _in_caohejing,
        "1.0",
        "0.0",
    ),
    "encoding": (
        "gbk.csv",
        lambda _: csv_bytes(tower(floor_area_existing_m2=10_000, floor_area_planned_m2=0), encoding="gbk"),
        _encoding(None),  # detected: GB18030
        _encoding("CP1252"),
        _named,
        "named",
        "not named",
    ),
}


@pytest.mark.parametrize("option", list(CASES))
def test_two_sessions_same_file_different_options_never_share_results(server, browser, tmp_path, option):
    name, make, choose_a, choose_b, look, expected_a, expected_b = CASES[option]
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    sessions = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(90_000)
        sessions.append((context, page))
    (context_a, a), (context_b, b) = sessions
    try:
        use_upload(a, server, path, choose_a)
        assert look(a) == expected_a
        use_upload(b, server, path, choose_b)
        assert look(b) == expected_b, f"session B was shown session A's {option}"
        choose_section(a, "carriers", "zh")  # session A runs again: still its own data
        choose_section(a, "summary", "zh")
        assert look(a) == expected_a
    finally:
        context_a.close()
        context_b.close()


def test_csv_bytes_round_trip():
    """The sample CSV holds what the cases assume (a guard for the fixtures themselves)."""
    table = pd.read_csv(io.BytesIO(mapping_csv()))
    assert {"x", "y", "wkt"} <= set(table.columns)
    assert "floor_area_existing_m2" not in table.columns
