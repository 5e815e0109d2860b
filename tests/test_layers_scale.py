"""Layer data (the cacheable half of every builder), the map that does not depend on the basemap, and the
three views of :mod:`layers.scale` (full, light, grid) as carriers grow.

Scale fixtures are the synthetic building footprints of ``bench/synthetic.py`` in EPSG:4326.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CHROMIUM_ARGS, streamlit_server
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from streamlit_folium import _get_feature_group_string, _get_map_string, generate_js_hash
from test_layers import (
    JINJA,
    TOKEN,
    XSS_IMG,
    XSS_SCRIPT,
    escaped,
    features,
    hostile_inputs,
    js_unescape,
    make_carriers,
    make_context,
    make_sources,
    make_summary,
    make_zones,
)

import layers
import layers.scale
from bench.synthetic import make_footprints
from bench.synthetic import make_zones as make_synthetic_zones
from geo.crs import wgs84_to_gcj02
from geo.rollup import contributions
from layers import LayerInputError

NEEDLES = ("<img src=x", "${alert", "<script>alert", "49T", "{{", "{%")


@pytest.fixture(scope="module")
def synthetic_zones() -> gpd.GeoDataFrame:
    return make_synthetic_zones().to_crs(4326)


@pytest.fixture(scope="module")
def footprints_10k() -> gpd.GeoDataFrame:
    return make_footprints(10_000).to_crs(4326)


def everything(**options: object) -> dict:
    return {
        "context": make_context(),
        "summary": make_summary(),
        "sources": make_sources(),
        **options,
    }


def st_folium_payload(parts: layers.MapParts) -> int:
    """Bytes of the script and feature groups streamlit-folium sends (json.dumps, as Streamlit does)."""
    parts.map.get_root().render()
    script = _get_map_string(parts.map)
    groups = "".join(_get_feature_group_string(g, parts.map, idx=i) for i, g in enumerate(parts.feature_groups))
    return len(json.dumps({"script": script, "feature_group": groups}).encode())


# --- layer data -----------------------------------------------------------------------------------


def test_builders_are_layer_data_then_a_feature_group() -> None:
    data = layers.carriers_layer_data(make_carriers(), sources=make_sources())
    assert isinstance(data, layers.LayerData)
    assert data.key == "carriers"
    assert data.view == "full"
    assert features(layers.to_feature_group(data)) == data.features
    # every property that reaches the page is a string, ready to insert
    for feature in data.features:
        assert set(feature["properties"]) <= {"tip", "pop", "label", "s"}
        assert all(isinstance(v, str) for v in feature["properties"].values())


def test_overlay_data_is_plain_picklable_and_never_mutated() -> None:
    data = layers.overlay_data(make_carriers(), make_zones(), **everything())
    assert list(data) == list(layers.LAYER_KEYS)
    copy = pickle.loads(pickle.dumps(data))  # noqa: S301 - our own bytes; what st.cache_data does
    assert copy == data
    frozen = json.dumps({k: [p.data for p in v.pieces] for k, v in data.items()}, sort_keys=True)
    for _ in range(2):
        parts = layers.build_map(overlay_data=data, basis=layers.map_basis(make_carriers(), make_zones()))
        parts.map.get_root().render()
    assert json.dumps({k: [p.data for p in v.pieces] for k, v in data.items()}, sort_keys=True) == frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        data["carriers"].name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("basemap", ["osm", "amap_vec"])
def test_build_map_with_precomputed_data_draws_the_same(basemap: str) -> None:
    carriers, zones = make_carriers(), make_zones()
    direct = layers.build_map(carriers, zones, basemap=basemap, **everything())
    gcj02 = layers.needs_gcj02(basemap)
    data = layers.overlay_data(carriers, zones, gcj02=gcj02, **everything())
    basis = layers.map_basis(carriers, zones, context=make_context())
    cached = layers.build_map(overlay_data=data, basis=basis, basemap=basemap)
    assert list(cached.overlays) == list(direct.overlays)
    for key, group in direct.overlays.items():
        assert features(cached.overlays[key]) == features(group)
    assert cached.center == direct.center
    assert cached.map.get_root().render().count("fitBounds") == 1


def test_build_map_draws_only_the_layers_asked_for_from_overlay_data() -> None:
    data = layers.overlay_data(make_carriers(), make_zones(), **everything())
    parts = layers.build_map(overlay_data=data, basis=layers.map_basis(None, None), layers=["labels", "zones"])
    assert list(parts.overlays) == ["zones", "labels"]


def test_overlay_data_for_another_datum_is_refused() -> None:
    data = layers.overlay_data(make_carriers(), make_zones(), gcj02=False)
    with pytest.raises(LayerInputError, match=r"gcj02=True"):
        layers.build_map(overlay_data=data, basis=layers.map_basis(None, None), basemap="amap_vec")


def test_map_basis_is_the_data_extent_and_legend_contents() -> None:
    basis = layers.map_basis(make_carriers(), make_zones(), context=make_context())
    assert basis.bounds == pytest.approx((31.13, 121.40, 31.20, 121.49))
    assert basis.center == pytest.approx((31.165, 121.445))
    assert basis.zone_types == ("pole", "belt")
    assert basis.context_keys == ("district_boundary", "huangpu", "outer_ring", "line15")
    assert (basis.view, basis.n_carriers, basis.cell_m) == ("full", 4, None)
    assert pickle.loads(pickle.dumps(basis)) == basis  # noqa: S301 - our own bytes
    assert layers.map_basis(None, None).bounds is None


# --- the map does not depend on the basemap or the toggles ------------------------------------------


def _map_key(parts: layers.MapParts) -> str:
    parts.map.get_root().render()
    return generate_js_hash(_get_map_string(parts.map), "map")


def test_map_with_basemap_outside_is_the_same_for_every_basemap_and_toggle() -> None:
    basis = layers.map_basis(make_carriers(), make_zones(), context=make_context())
    keys = set()
    for basemap in ("osm", "carto_light", "tianditu_vec", "amap_vec", "amap_sat", "none"):
        gcj02 = layers.needs_gcj02(basemap)
        data = layers.overlay_data(make_carriers(), make_zones(), gcj02=gcj02, **everything())
        for on in (layers.LAYER_KEYS, ["carriers"], []):
            parts = layers.build_map(
                overlay_data=data,
                basis=basis,
                basemap=basemap,
                tianditu_token=TOKEN,
                layers=on,
                embed_overlays=False,
                basemap_in_map=False,
            )
            keys.add(_map_key(parts))
            script = _get_map_string(parts.map)
            assert "tileLayer" not in script
            assert "GCJ-02" not in script
            assert parts.feature_groups[0] is parts.basemap_layer
            assert parts.feature_groups[1] is parts.words
            assert parts.feature_groups[2:] == list(parts.overlays.values())
            assert parts.gcj02 is gcj02
    assert len(keys) == 1


def test_basemap_layer_carries_the_tiles() -> None:
    parts = layers.build_map(make_carriers(), make_zones(), basemap="amap_vec", basemap_in_map=False)
    tiles = [c.tiles for c in parts.basemap_layer._children.values() if hasattr(c, "tiles")]
    assert any("autonavi.com" in url for url in tiles)
    assert layers.build_map(make_carriers(), make_zones(), basemap="amap_vec").basemap_layer is None
    # the overlays are still shifted for AMap; the opening view is not (the map stays the same)
    plain = layers.build_map(make_carriers(), make_zones(), basemap="osm", basemap_in_map=False)
    assert parts.center == plain.center
    shifted = np.array(features(parts.overlays["zones"])[0]["geometry"]["coordinates"][0])
    base = np.array(features(plain.overlays["zones"])[0]["geometry"]["coordinates"][0])
    lon, lat = wgs84_to_gcj02(base[:, 0], base[:, 1])
    np.testing.assert_allclose(shifted, np.column_stack([lon, lat]), atol=2e-6)


def test_legend_does_not_vary_with_the_layers_that_are_on() -> None:
    def legend(on: list[str]) -> str:
        parts = layers.build_map(make_carriers(), make_zones(), context=make_context(), layers=on)
        (item,) = [c for c in parts.words._children.values() if isinstance(c, layers.Legend)]
        return item.html

    assert legend(list(layers.LAYER_KEYS)) == legend([]) == legend(["carriers"])


# --- thresholds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "view"),
    [
        (0, "full"),
        (layers.FULL_MAX, "full"),
        (layers.FULL_MAX + 1, "light"),
        (layers.LIGHT_MAX, "light"),
        (layers.LIGHT_MAX + 1, "grid"),
        (1_000_000, "grid"),
    ],
)
def test_choose_view_thresholds(n: int, view: str) -> None:
    assert layers.choose_view(n) == view
    assert layers.FULL_MAX < layers.LIGHT_MAX


@pytest.fixture
def tiny_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thresholds of 2 and 3 carriers, so that the four test carriers cross both."""
    monkeypatch.setattr(layers.scale, "FULL_MAX", 2)
    monkeypatch.setattr(layers.scale, "LIGHT_MAX", 3)


@pytest.mark.usefixtures("tiny_thresholds")
@pytest.mark.parametrize(("n", "view"), [(2, "full"), (3, "light"), (4, "grid")])
def test_the_thresholds_switch_the_view(n: int, view: str) -> None:
    carriers = make_carriers().iloc[:n]
    data = layers.overlay_data(carriers, make_zones(), **everything())
    parts = layers.build_map(carriers, make_zones(), basemap="none", **everything())
    page = js_unescape(parts.map.get_root().render())
    assert data["carriers"].view == parts.view == view
    tips = [f["properties"]["tip"] for f in data["carriers"].features]
    carrier_labels = [f for f in data["labels"].features if f.get("id", "").startswith("carrier:")]
    zone_labels = [f for f in data["zones"].features if "xh-zone" in f["properties"].get("label", "")]
    assert len(zone_labels) == 2  # zones are labelled in every view (their names are part of the zones layer)
    if view == "full":
        assert all("pop" in f["properties"] for f in data["carriers"].features)
        assert len(carrier_labels) == n
        assert '"preferCanvas": false' in page
        assert parts.note == ""
    else:
        assert all("pop" not in f["properties"] for f in data["carriers"].features)
        assert carrier_labels == []
        assert not any("label" in f["properties"] for f in data["carriers"].features)
        assert all(piece.canvas for piece in data["carriers"].pieces)
        assert "L.canvas(" in page
        assert '"preferCanvas": true' in page
        assert str(n) in parts.note
        assert parts.note == data["carriers"].note
    if view == "light":
        assert len(tips) == n
        assert all(len(tip) < 120 for tip in tips)
    if view == "grid":
        assert "载体建筑面积密度" in page  # the legend explains the colours
        assert "万㎡/km²" in page
        assert all(f["geometry"]["type"] == "Polygon" for f in data["carriers"].features)


def test_the_view_can_be_forced() -> None:
    assert layers.overlay_data(make_carriers(), None, view="grid")["carriers"].view == "grid"
    assert layers.map_basis(make_carriers(), None, view="light").view == "light"
    with pytest.raises(LayerInputError, match="view='huge'"):
        layers.overlay_data(make_carriers(), None, view="huge")


def test_real_thresholds_with_synthetic_footprints(synthetic_zones: gpd.GeoDataFrame) -> None:
    for n, view in ((layers.FULL_MAX, "full"), (layers.FULL_MAX + 1, "light"), (layers.LIGHT_MAX + 1, "grid")):
        carriers = make_footprints(n).to_crs(4326)
        assert layers.map_basis(carriers, synthetic_zones).view == view
        assert layers.overlay_data(carriers, synthetic_zones, layers=["carriers"])["carriers"].view == view


# --- the grid ---------------------------------------------------------------------------------------


def test_grid_conserves_the_floor_area_of_the_carriers_drawn(footprints_10k: gpd.GeoDataFrame) -> None:
    cell = layers.grid_cell_m(layers.scale.data_bounds(footprints_10k))
    cells = layers.grid_cells(footprints_10k, cell_m=cell)
    parts = contributions(footprints_10k)
    assert int(cells["total_m2"].sum()) == int(parts.total.sum())
    assert int(cells["existing_m2"].sum()) == int(parts.existing.sum())
    assert int(cells["planned_m2"].sum()) == int(parts.planned.sum())
    assert int(cells["carriers"].sum()) == len(footprints_10k)
    assert int(cells["unknown"].sum()) == int(parts.unknown.sum()) > 0
    assert len(cells) <= layers.GRID_MAX_CELLS * 1.2
    # each carrier's representative point lies in the cell it was counted in
    areas = shapely.area(cells.geometry.to_numpy())
    np.testing.assert_allclose(areas, cell * cell)
    # what is drawn is those cells, each tooltip with its cell's total
    data = layers.grid_layer_data(footprints_10k, cell_m=cell, lang="en")
    drawn = data.features
    assert len(drawn) == len(cells)
    for feature, total in zip(drawn, cells["total_m2"], strict=True):
        assert f"<b>{layers.format_wan(total, 'en')}</b>" in feature["properties"]["tip"]


def test_grid_counts_a_nested_carrier_once() -> None:
    cells = layers.grid_cells(make_carriers(), cell_m=250_000)  # one cell holds everything
    assert len(cells) == 1
    # park's known 120 万㎡ includes the tower's 35 万㎡; campus and site add their planned figures
    assert cells.iloc[0][["existing_m2", "planned_m2", "total_m2", "carriers"]].tolist() == [
        1_200_000,
        130_000,
        1_330_000,
        4,
    ]
    assert cells.iloc[0]["unknown"] == 3  # park's planned, campus's and site's existing figures


boxes = st.lists(
    st.tuples(
        st.integers(0, 60),
        st.integers(0, 60),
        st.one_of(st.none(), st.integers(0, 10**9)),
        st.one_of(st.none(), st.integers(0, 10**9)),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda t: (t[0], t[1]),
)


@settings(max_examples=40, deadline=None)
@given(items=boxes, cell=st.sampled_from([250.0, 400.0, 1_000.0]))
def test_grid_conservation_holds_for_any_carriers(items: list, cell: float) -> None:
    """Non-overlapping 100 m boxes on a 120 m lattice, figures unknown or not: cells add up to the total."""
    x0, y0 = 633_600.0, 3_442_900.0
    frame = gpd.GeoDataFrame(
        {
            "id": [f"c{i}" for i in range(len(items))],
            "parent_id": pd.Series([None] * len(items), dtype=object),
            "floor_area_existing_m2": pd.array([t[2] for t in items], dtype="Int64"),
            "floor_area_planned_m2": pd.array([t[3] for t in items], dtype="Int64"),
        },
        geometry=[box(x0 + i * 120, y0 + j * 120, x0 + i * 120 + 100, y0 + j * 120 + 100) for i, j, _, _ in items],
        crs=4549,
    ).to_crs(4326)
    cells = layers.grid_cells(frame, cell_m=cell)
    expected = sum((t[2] or 0) + (t[3] or 0) for t in items)
    assert int(cells["total_m2"].sum()) == expected
    assert int(cells["carriers"].sum()) == len(items)
    assert int(cells["unknown"].sum()) == sum(t[2] is None or t[3] is None for t in items)


def test_grid_is_shifted_for_amap(footprints_10k: gpd.GeoDataFrame) -> None:
    plain = layers.grid_layer_data(footprints_10k, gcj02=False).features[0]["geometry"]["coordinates"][0]
    moved = layers.grid_layer_data(footprints_10k, gcj02=True).features[0]["geometry"]["coordinates"][0]
    plain, moved = np.array(plain), np.array(moved)
    lon, lat = wgs84_to_gcj02(plain[:, 0], plain[:, 1])
    np.testing.assert_allclose(moved, np.column_stack([lon, lat]), atol=2e-5)


def test_grid_cell_size_grows_with_the_extent() -> None:
    assert layers.grid_cell_m(None) == layers.GRID_MIN_CELL_M
    assert layers.grid_cell_m((31.10, 121.40, 31.12, 121.42)) == layers.GRID_MIN_CELL_M  # 2 km square
    big = layers.grid_cell_m((30.7, 120.9, 31.9, 122.1))  # Shanghai, about 115 × 130 km
    assert big > 3_000
    assert (115_000 * 130_000) / big**2 <= layers.GRID_MAX_CELLS


# --- escaping in every view ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["full", "light", "grid"])
@pytest.mark.parametrize("payload", [XSS_IMG, XSS_SCRIPT, JINJA])
def test_hostile_names_stay_escaped_in_every_view(view: str, payload: str) -> None:
    inputs = hostile_inputs(payload)
    parts = layers.build_map(**inputs, lang="en", basemap="none", view=view)
    assert parts.view == view
    seen = js_unescape(parts.map.get_root().render())
    for needle in NEEDLES:
        assert needle not in seen, needle
    assert escaped(payload) in seen
    detached = layers.build_map(**inputs, lang="zh", basemap="none", view=view, embed_overlays=False)
    assert st_folium_payload(detached) > 0
    groups = "".join(_get_feature_group_string(g, detached.map, idx=i) for i, g in enumerate(detached.feature_groups))
    for needle in NEEDLES:
        assert needle not in js_unescape(groups), needle


@pytest.mark.parametrize("view", ["full", "light", "grid"])
def test_hostile_ids_are_never_evaluated(view: str) -> None:
    carriers = make_carriers()
    carriers["id"] = carriers["id"].replace({"park": JINJA, "campus": "</script><script>alert(3)</script>"})
    carriers["parent_id"] = carriers["parent_id"].replace({"park": JINJA})
    zones = make_zones().assign(id=[JINJA + "z", "belt_b"])
    page = layers.build_map(carriers, zones, basemap="none", view=view).map.get_root().render()
    seen = js_unescape(page)
    assert "49T" not in seen
    assert "</script><script>" not in page  # an id cannot close the script element
    assert JINJA + "z" in seen  # the zone's feature id, intact as data


# --- payload at scale ----------------------------------------------------------------------------------


def test_payload_is_bounded_for_10k_synthetic_footprints(
    footprints_10k: gpd.GeoDataFrame, synthetic_zones: gpd.GeoDataFrame
) -> None:
    parts = layers.build_map(footprints_10k, synthetic_zones, basemap="none")
    assert parts.view == "grid"
    page = parts.map.get_root().render()
    assert len(page.encode()) < 600_000
    detached = layers.build_map(
        footprints_10k, synthetic_zones, basemap="osm", embed_overlays=False, basemap_in_map=False
    )
    assert st_folium_payload(detached) < 600_000


def test_payload_is_bounded_at_the_top_of_each_per_feature_view(synthetic_zones: gpd.GeoDataFrame) -> None:
    for n, budget in ((layers.FULL_MAX, 700_000), (layers.LIGHT_MAX, 900_000)):
        carriers = make_footprints(n).to_crs(4326)
        parts = layers.build_map(carriers, synthetic_zones, basemap="none", embed_overlays=False)
        assert st_folium_payload(parts) < budget, n


# --- browser ---------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.usefixtures("tiny_thresholds")
@pytest.mark.parametrize("view", ["light", "grid"])
def test_reduced_views_draw_offline_on_a_canvas(chromium_path: str, tmp_path: Path, view: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from test_offline_assets import OPEN_EVERYTHING, XSS_FLAG  # noqa: PLC0415

    carriers = make_carriers(name_zh=XSS_FLAG, name_en="{{ 7*7 }}")
    parts = layers.build_map(carriers, make_zones(), lang="zh", basemap="none", view=view)
    path = tmp_path / "map.html"
    path.write_bytes(layers.standalone_html(parts.map))
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(path.as_uri())
            page.wait_for_selector(".leaflet-overlay-pane canvas", state="attached", timeout=20_000)
            page.wait_for_timeout(300)
            assert errors == []
            assert page.locator(".xh-label").count() == 2  # zone labels only
            assert ("万㎡/km²" in page.locator(".xh-legend").inner_text()) is (view == "grid")
            texts = "\n".join(page.evaluate(OPEN_EVERYTHING))
            page.wait_for_timeout(300)
            if view == "light":
                assert XSS_FLAG in texts  # shown as text...
            else:
                assert re.search(r"\d+(\.\d+)? 万㎡ · \d 个载体", texts)
            assert page.evaluate("window.__xss") is None  # ...never run
        finally:
            context.close()


BASEMAP_APP = """
import sys
sys.path.insert(0, {repo!r})
sys.path.insert(0, {tests!r})
import streamlit as st
from streamlit_folium import st_folium
import layers
import test_layers as fx
from ui.leaflet_assets import serve

serve()
basemap = st.radio("basemap", ["osm", "carto_light", "amap_vec"], key="basemap")
labels = st.checkbox("labels", value=True, key="labels")


@st.cache_data
def overlays(gcj02):
    return layers.overlay_data(fx.make_carriers(), fx.make_zones(), context=fx.make_context(),
                               summary=fx.make_summary(), sources=fx.make_sources(), gcj02=gcj02)


@st.cache_data
def basis():
    return layers.map_basis(fx.make_carriers(), fx.make_zones(), context=fx.make_context())


on = [key for key in layers.LAYER_KEYS if key != "labels" or labels]
parts = layers.build_map(overlay_data=overlays(layers.needs_gcj02(basemap)), basis=basis(), basemap=basemap,
                         layers=on, embed_overlays=False, basemap_in_map=False)
st_folium(parts.map, key="map", height=400, width=600, returned_objects=[], feature_group_to_add=parts.feature_groups)
"""


@pytest.fixture
def basemap_app(tmp_path: Path) -> Iterator[str]:
    """`streamlit run` of :data:`BASEMAP_APP` on a free loopback port; its URL."""
    repo = Path(__file__).resolve().parent.parent
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(BASEMAP_APP.format(repo=str(repo), tests=str(repo / "tests")), encoding="utf-8")
    shutil.copytree(repo / ".streamlit", app_dir / ".streamlit", ignore=shutil.ignore_patterns("secrets.toml"))
    with streamlit_server(app_dir / "app.py", tmp_path) as url:
        yield url + "/"


@pytest.mark.browser
def test_switching_the_basemap_keeps_the_map_and_the_view(chromium_path: str, tmp_path: Path, basemap_app: str) -> None:
    """With the basemap outside the map, choosing another basemap swaps tiles and overlays, not the map."""
    sync_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []

    def route(request_route) -> None:
        if request_route.request.url.startswith((basemap_app, "data:", "about:", "blob:")):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            context.route("**/*", route)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(basemap_app)
            frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
            frame.locator(".leaflet-overlay-pane path").first.wait_for(state="attached")
            page.wait_for_timeout(1_000)  # the opening fitBounds
            frame.locator("body").evaluate("() => { window.map.setZoom(15, {animate: false}); window.__same = 1; }")
            for basemap, host in (("carto_light", "basemaps.cartocdn.com"), ("amap_vec", "autonavi.com")):
                page.get_by_text(basemap, exact=True).click()
                deadline = time.monotonic() + 30
                while not any(host in u for u in outside) and time.monotonic() < deadline:
                    page.wait_for_timeout(200)
                assert any(host in u for u in outside), basemap
                page.wait_for_timeout(500)
                # the same Leaflet map, at the user's zoom, with the new tiles only and the overlays redrawn
                assert frame.locator("body").evaluate("() => window.__same === 1 && window.map.getZoom()") == 15
                assert frame.locator(".leaflet-tile-pane .leaflet-layer").count() == 1
                assert frame.locator(".leaflet-overlay-pane path").count() > 10
        finally:
            context.close()
