"""The map-layer builders: layers and styles, escaping, offline assets, GCJ-02 display shift, st_folium use.

Fixtures are tiny WGS-84 frames built here; the hostile ones carry names that would run script or
template code if any value reached the page unescaped.
"""

from __future__ import annotations

import html
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box
from streamlit_folium import _get_feature_group_string, _get_map_string, generate_js_hash

import layers
from geo.crs import wgs84_to_gcj02
from layers import LayerInputError
from layers._common import word as layer_word
from layers.styles import CARRIER_STYLES, NESTED_WEIGHT, ZONE_STYLES

TOKEN = "0123abcd0123abcd"  # a made-up Tianditu key  # noqa: S105
BAD_TOKEN = 'x"onerror=alert(1)'  # noqa: S105
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_TEMPLATE = "${alert(1)}"
XSS_TICK = "`); alert(2); (`"
XSS_SCRIPT = "</script><script>alert(3)</script>"
# branca compiles rendered scripts as Jinja templates: evaluated, this would read "49T" (or fail on "{#").
JINJA = "{{ 7*7 }}{% if 1 %}T{% endif %}{# c"
HOSTILE = (
    XSS_IMG,
    XSS_TEMPLATE,
    XSS_TICK,
    XSS_SCRIPT,
    "a\\`${x}\\",
    "\"'><svg onload=alert(4)>",
    JINJA,
    "<!--<script>",
)


def escaped(payload: str) -> str:
    """What escape_text must make of ``payload``, written out independently."""
    text = html.escape(payload, quote=True).replace("$", "&#36;").replace("`", "&#96;").replace("\\", "&#92;")
    return text.replace("{", "&#123;").replace("}", "&#125;")


# --- fixtures -------------------------------------------------------------------------------------


def square(x: float, y: float, d: float = 0.01) -> shapely.Polygon:
    return box(x, y, x + d, y + d)


def make_carriers(name_zh: str = "园区", name_en: str = "Park") -> gpd.GeoDataFrame:
    """A park with a tower inside (nested), a planned campus, and one under construction."""
    frame = gpd.GeoDataFrame(
        {
            "id": ["tower", "park", "campus", "site"],
            "name_zh": ["智塔", name_zh, "校区", "工地"],
            "name_en": ["AI Tower", name_en, "Campus", "Site"],
            "kind": ["tower", "park", "campus", "building"],
            "parent_id": ["park", None, None, None],
            "zone_ids": ["pole_a", "pole_a", "belt_b", ""],
            "floor_area_existing_m2": pd.array([350_000, 1_200_000, None, None], dtype="Int64"),
            "floor_area_planned_m2": pd.array([0, None, 50_000, 80_000], dtype="Int64"),
            "planned_year": pd.array([None, 2030, 2028, 2026], dtype="Int64"),
            "opened_year": pd.array([2022, 2010, None, None], dtype="Int64"),
            "status": ["existing", "existing", "planned", "under_construction"],
            "site_area_m2": pd.array([None, 400_000, None, None], dtype="Int64"),
            "geometry_accuracy_m": pd.array([20, 50, 100, 30], dtype="Int64"),
            "source_ids": ["s1", "s1;s2", "s9", None],
        },
        geometry=[
            square(121.435, 31.165, 0.004),
            square(121.43, 31.16, 0.02),
            square(121.46, 31.18),
            square(121.40, 31.13, 0.005),
        ],
        crs=4326,
    )
    for column in ("parent_id", "zone_ids", "source_ids"):
        frame[column] = frame[column].astype(object)
    return frame


def make_zones(name_zh: str = "漕河泾", type_b: str = "belt") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["pole_a", "belt_b"],
            "name_zh": [name_zh, "滨江"],
            "name_en": ["Caohejing", "Riverside"],
            "type": ["pole", type_b],
            "layout": ["两极两带", "两极两带"],
            "declared_floor_area_m2": pd.array([6_500_000, None], dtype="Int64"),
            "source_ids": ["s1", None],
            "geometry_accuracy_m": pd.array([200, 200], dtype="Int64"),
        },
        geometry=[square(121.42, 31.15, 0.05), square(121.46, 31.17, 0.03)],
        crs=4326,
    )


def make_summary(unknown_ids: str = "park") -> dict[str, pd.DataFrame]:
    pole = pd.DataFrame(
        {
            "group_id": ["pole_a", "__outside__", "__total__"],
            "name_zh": ["漕河泾", "区外", "合计"],
            "name_en": ["Caohejing", "outside", "total"],
            "existing_m2": [1_200_000, 0, 1_200_000],
            "planned_m2": [0, 130_000, 130_000],
            "total_m2": [1_200_000, 130_000, 1_330_000],
            "unknown_count": [1, 2, 3],
            "unknown_ids": [unknown_ids, "campus;site", "park;campus;site"],
            "declared_m2": pd.array([6_500_000, None, None], dtype="Int64"),
            "difference_m2": pd.array([-5_300_000, None, None], dtype="Int64"),
            "land_m2": [1.0, 1.0, 2.0],
            "far": [1.2, 0.1, 0.7],
            "member_count": [2, 2, 4],
        }
    )
    return {"pole": pole}


def make_sources(quote: str = "550+100万方") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["s1", "s2"],
            "document": ["001_d210a0fb95f39cab.txt", "plan.txt"],
            "line": [182, 12],
            "quote": [quote, "120万方"],
            "value": [5_500_000, 1_200_000],
            "unit": ["m2", "m2"],
            "note": ["", None],
        }
    )


def make_context(name_zh: str = "徐汇区") -> dict[str, gpd.GeoDataFrame]:
    def frame(name: str, geoms: list) -> gpd.GeoDataFrame:
        n = len(geoms)
        return gpd.GeoDataFrame(
            {"name_zh": [name] * n, "name_en": [name] * n, "source": ["OSM"] * n, "geometry_accuracy_m": [30] * n},
            geometry=geoms,
            crs=4326,
        )

    return {
        "district_boundary": frame(name_zh, [square(121.40, 31.12, 0.1)]),
        "huangpu": frame("黄浦江", [LineString([(121.47, 31.12), (121.48, 31.2)])]),
        "line15": frame("15号线", [LineString([(121.42, 31.12), (121.43, 31.2)])]),
        "line15_stations": frame("桂林路", [Point(121.425, 31.16), Point(121.426, 31.17)]),
        "outer_ring": frame("外环", [LineString([(121.40, 31.12), (121.50, 31.13)])]),
    }


def hostile_inputs(payload: str) -> dict:
    """Every kind of text the page shows, set to ``payload``."""
    carriers = make_carriers(name_zh=payload, name_en=payload)
    carriers.loc[carriers["id"] == "campus", "kind"] = payload
    zones = make_zones(name_zh=payload, type_b=payload)
    context = make_context(name_zh=payload)
    context[payload] = context["outer_ring"].assign(source=payload)
    sources = make_sources(quote=payload).assign(note=payload, document=payload)
    return {
        "carriers": carriers,
        "zones": zones,
        "context": context,
        "sources": sources,
        "summary": make_summary(unknown_ids=f"park;{payload}"),
    }


def _draw(builder, *args, **kwargs) -> folium.FeatureGroup:
    """``to_feature_group(builder(...))``: a layer's data, drawn as the map draws it."""
    return layers.to_feature_group(builder(*args, **kwargs))


def geojson_children(group: folium.FeatureGroup) -> list[folium.GeoJson]:
    return [c for c in group._children.values() if isinstance(c, folium.GeoJson)]


def features(group: folium.FeatureGroup) -> list[dict]:
    return [f for g in geojson_children(group) for f in g.data["features"]]


def styles_of(group: folium.FeatureGroup) -> dict[str, dict]:
    (layer,) = geojson_children(group)
    return {f["id"]: layer.style_function(f) for f in layer.data["features"]}


def js_unescape(text: str) -> str:
    """Undo the \\uXXXX escapes that JSON in the page uses, to see what the browser's strings hold."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def all_coords(group: folium.FeatureGroup) -> np.ndarray:
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features(group)]
    return np.vstack([shapely.get_coordinates(g) for g in geoms])


# --- escaping and formatting ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", HOSTILE)
def test_escape_text_leaves_no_markup_or_template_syntax(payload: str) -> None:
    text = layers.escape_text(payload)
    assert not set("<>\"'`$\\{}") & set(text)
    assert html.unescape(text) == payload
    assert text == escaped(payload)


@pytest.mark.parametrize(
    ("value", "lang", "kwargs", "expected"),
    [
        (1_200_000, "zh", {}, "120 万㎡"),
        (1_235_000, "en", {}, "123.5 万㎡"),
        (12_345, "zh", {}, "1.23 万㎡"),
        (0, "zh", {}, "0 万㎡"),
        (None, "zh", {}, "—"),
        (pd.NA, "en", {}, "—"),
        (float("nan"), "en", {}, "—"),
        (-5_300_000, "zh", {"signed": True}, "−530 万㎡"),
        (250_000, "en", {"signed": True}, "+25 万㎡"),
        (12, "en", {}, "0.0012 万㎡"),
        (1_200_000, "en", {"unit": False}, "120"),
    ],
)
def test_format_wan(value: object, lang: str, kwargs: dict, expected: str) -> None:
    assert layers.format_wan(value, lang, **kwargs) == expected


def test_lang_is_checked_everywhere() -> None:
    with pytest.raises(LayerInputError, match="lang='fr'"):
        _draw(layers.carriers_layer_data, make_carriers(), lang="fr")
    with pytest.raises(ValueError, match="'zh'"):  # LayerInputError is a ValueError
        layers.build_map(make_carriers(), make_zones(), lang="de")


# --- basemaps -------------------------------------------------------------------------------------


def test_available_basemaps_offers_tianditu_only_with_a_token() -> None:
    without = [b.key for b in layers.available_basemaps()]
    assert without == ["osm", "carto_light", "amap_vec", "amap_sat", "none"]
    with_token = [b.key for b in layers.available_basemaps(tianditu_token=TOKEN)]
    assert with_token == list(layers.BASEMAP_KEYS)
    assert {b.key for b in layers.available_basemaps() if b.gcj02} == {"amap_vec", "amap_sat"}


@pytest.mark.parametrize("key", layers.BASEMAP_KEYS)
def test_only_amap_needs_the_gcj02_shift(key: str) -> None:
    assert layers.needs_gcj02(key) is key.startswith("amap")


def test_tianditu_token_comes_from_the_environment_mapping() -> None:
    assert layers.tianditu_token_from_env({"TIANDITU_TOKEN": "  abc123abc123  "}) == "abc123abc123"
    assert layers.tianditu_token_from_env({"TIANDITU_TOKEN": "  "}) is None
    assert layers.tianditu_token_from_env({}) is None


def tile_urls(group: folium.FeatureGroup) -> list[str]:
    return [c.tiles for c in group._children.values() if isinstance(c, folium.TileLayer)]


@pytest.mark.parametrize(
    ("key", "lang", "expected"),
    [
        ("osm", "zh", ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]),
        ("carto_light", "zh", ["https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"]),
        ("amap_vec", "zh", ["webrd0{s}.is.autonavi.com", "style=8"]),
        ("amap_sat", "zh", ["webst0{s}.is.autonavi.com", "style=6"]),
        ("tianditu_vec", "zh", ["vec_w", "cva_w", f"tk={TOKEN}"]),
        ("tianditu_img", "zh", ["img_w", "cia_w"]),
        ("tianditu_vec", "en", ["vec_w", "eva_w"]),
        ("none", "zh", []),
    ],
)
def test_basemap_tiles(key: str, lang: str, expected: list[str]) -> None:
    group = layers.build_basemap(key, tianditu_token=TOKEN, lang=lang)
    urls = tile_urls(group)
    joined = " ".join(urls)
    assert all(part in joined for part in expected)
    assert (urls == []) is (key == "none")
    assert group.control is False
    assert group.overlay is False


def test_tianditu_without_a_usable_token_says_why_on_the_map_instead_of_raising() -> None:
    for token, words in ((None, ("TIANDITU_TOKEN", "需要令牌")), (BAD_TOKEN, ("letters and digits", "格式不正确"))):
        for lang, word in zip(("en", "zh"), words, strict=True):
            group = layers.build_basemap("tianditu_vec", tianditu_token=token, lang=lang)
            assert tile_urls(group) == []
            notices = [c for c in group._children.values() if isinstance(c, layers.MapNotice)]
            assert [n.always for n in notices] == [True]
            assert word in html.unescape(notices[0].html)
            assert BAD_TOKEN not in notices[0].html  # the token itself is never shown


def test_a_malformed_token_disables_tianditu_with_a_bilingual_reason() -> None:
    offered = {b.key: b for b in layers.available_basemaps(tianditu_token=BAD_TOKEN)}
    assert set(offered) == set(layers.BASEMAP_KEYS)
    for key in ("tianditu_vec", "tianditu_img"):
        problem = offered[key].problem
        assert problem is not None
        assert "格式不正确" in problem.zh
        assert "malformed" in problem.en
        assert offered[key].label("zh").endswith("（不可用）")
    assert offered["osm"].problem is None
    parts = layers.build_map(make_carriers(), make_zones(), basemap="tianditu_vec", tianditu_token=BAD_TOKEN)
    assert parts.basemap.problem is not None
    page = parts.map.get_root().render()
    assert "xh-notice" in page
    assert BAD_TOKEN not in page
    good = layers.build_map(make_carriers(), make_zones(), basemap="tianditu_vec", tianditu_token=TOKEN)
    assert good.basemap.problem is None
    # the page passes its token whatever the basemap: a bad one must not break the others
    for key in ("osm", "amap_vec", "none"):
        other = layers.build_map(make_carriers(), make_zones(), basemap=key, tianditu_token=BAD_TOKEN)
        assert other.basemap.problem is None


@pytest.mark.parametrize("key", ["osm", "carto_light", "amap_vec", "amap_sat", "tianditu_img"])
def test_tiles_that_fail_say_so_in_the_page_language(key: str) -> None:
    for lang, word in (("zh", "无底图"), ("en", "No basemap")):
        group = layers.build_basemap(key, tianditu_token=TOKEN, lang=lang)
        (notice,) = [c for c in group._children.values() if isinstance(c, layers.MapNotice)]
        assert notice.always is False
        assert word in html.unescape(notice.html)
    assert not [c for c in layers.build_basemap("none")._children.values() if isinstance(c, layers.MapNotice)]


def test_unknown_basemap_lists_the_choices() -> None:
    with pytest.raises(LayerInputError, match="osm, carto_light"):
        layers.build_map(make_carriers(), make_zones(), basemap="google")


# --- display geometry -----------------------------------------------------------------------------


def test_to_gcj02_shifts_a_copy_and_leaves_the_data_alone() -> None:
    carriers = make_carriers()
    before = carriers.copy()
    shifted = layers.to_gcj02(carriers)
    pd.testing.assert_frame_equal(carriers, before)
    original = shapely.get_coordinates(carriers.geometry.to_numpy())
    moved = shapely.get_coordinates(shifted.geometry.to_numpy())
    lon, lat = wgs84_to_gcj02(original[:, 0], original[:, 1])
    np.testing.assert_allclose(moved, np.column_stack([lon, lat]), atol=1e-12)
    # In Shanghai GCJ-02 lies roughly 450 m east and 200 m south of WGS-84.
    assert np.all((moved[:, 0] - original[:, 0] > 0.003) & (moved[:, 0] - original[:, 0] < 0.006))
    assert np.all((moved[:, 1] - original[:, 1] < -0.001) & (moved[:, 1] - original[:, 1] > -0.004))
    assert shifted.crs == carriers.crs


def test_display_geometry_simplifies_in_metres_and_rounds() -> None:
    circle = gpd.GeoDataFrame({"id": ["c"]}, geometry=[Point(121.44, 31.17).buffer(0.005, quad_segs=256)], crs=4326)
    light = layers.display_geometry(circle, tolerance_m=3.0)
    coords = shapely.get_coordinates(light.geometry.to_numpy())
    assert len(coords) < len(shapely.get_coordinates(circle.geometry.to_numpy())) / 2
    np.testing.assert_array_equal(coords, np.round(coords, 6))
    # the outline moved by no more than the tolerance plus rounding (≈ 3 m ≈ 3e-5°)
    assert light.geometry.iloc[0].hausdorff_distance(circle.geometry.iloc[0]) < 4e-5
    assert (
        layers.display_geometry(circle, tolerance_m=0)
        .geometry.iloc[0]
        .equals_exact(circle.geometry.iloc[0], tolerance=1e-6)
    )


def test_display_geometry_refuses_projected_coordinates() -> None:
    metric = make_carriers().to_crs(4549)
    with pytest.raises(LayerInputError, match="to_crs\\('EPSG:4326'\\)"):
        layers.display_geometry(metric)


# --- carriers -------------------------------------------------------------------------------------


def test_carriers_are_drawn_parents_first_and_styled_by_status() -> None:
    group = _draw(layers.carriers_layer_data, make_carriers(), sources=make_sources())
    ids = [f["id"] for f in features(group)]
    assert ids.index("park") < ids.index("tower")  # nested above its parent
    assert ids[-1] == "tower"
    styles = styles_of(group)
    for fid, status in [("park", "existing"), ("campus", "planned"), ("site", "under_construction")]:
        assert styles[fid]["color"] == CARRIER_STYLES[status]["color"]
        assert styles[fid]["weight"] != NESTED_WEIGHT
    assert styles["tower"]["weight"] == NESTED_WEIGHT
    assert len({styles[f]["color"] for f in ("park", "campus", "site")}) == 3
    assert group.layer_name == "产业载体"


def test_carriers_in_deeper_nesting_follow_their_ancestors() -> None:
    carriers = make_carriers()
    extra = carriers[carriers["id"] == "tower"].assign(id="floor", parent_id="tower")
    carriers = pd.concat([extra, carriers], ignore_index=True)
    assert layers.carrier_depths(carriers) == {"floor": 2, "tower": 1, "park": 0, "campus": 0, "site": 0}
    ids = [f["id"] for f in features(_draw(layers.carriers_layer_data, carriers))]
    assert ids.index("park") < ids.index("tower") < ids.index("floor")


def test_carrier_tooltip_shows_figures_in_wan_and_unknowns() -> None:
    tips = {f["id"]: f["properties"]["tip"] for f in features(_draw(layers.carriers_layer_data, make_carriers()))}
    assert "120 万㎡" in tips["park"]
    assert "规划新增 —" in tips["park"]  # planned figure unknown, so the total too
    assert "合计 —" in tips["park"]
    assert "35 万㎡" in tips["tower"]
    assert "园区" in tips["tower"]  # names the parent whose figure includes it
    drawn = _draw(layers.carriers_layer_data, make_carriers(), lang="en")
    en = {f["id"]: f["properties"]["tip"] for f in features(drawn)}
    assert "total —" in en["park"]
    assert "Park" in en["park"]


def test_carrier_popup_lists_attributes_and_cited_quotes() -> None:
    group = _draw(layers.carriers_layer_data, make_carriers(), sources=make_sources(), lang="en")
    pops = {f["id"]: html.unescape(f["properties"]["pop"]) for f in features(group)}
    park = pops["park"]
    for text in (
        "120 万㎡ (1,200,000 m²)",
        "40 万㎡ (400,000 m²)",
        "2030",
        "pole_a",
        "「550+100万方」",
        "「120万方」",
        "001_d210a0fb95f39cab.txt · line 182",
        "existing floor area (m²)",
    ):
        assert text in park
    assert "not in the sources table" in pops["campus"]
    without = _draw(layers.carriers_layer_data, make_carriers(), popups=False)
    assert all("pop" not in f["properties"] for f in features(without))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.drop(columns=["status"]), "missing column"),
        (lambda f: f.assign(status=["existing", "built", "planned", "planned"]), "unknown status value"),
        (lambda f: f.assign(id=["a", "a", "b", "c"]), "duplicate id"),
        (lambda f: f.assign(parent_id=["park", "tower", None, None]), "cycle"),
        (lambda f: f.set_geometry([None, *f.geometry.iloc[1:]]), "no geometry"),
        (lambda f: f.set_geometry([Point(121.4, 31.1), *f.geometry.iloc[1:]], crs=4326), "not MultiPolygon or Polygon"),
        (lambda f: f.set_crs(None, allow_override=True), "has no CRS"),
        (pd.DataFrame, "expected a geopandas.GeoDataFrame"),
    ],
)
def test_bad_carriers_are_refused_before_building(mutate, message: str) -> None:
    with pytest.raises(LayerInputError, match=message) as info:
        _draw(layers.carriers_layer_data, mutate(make_carriers()))
    assert str(info.value).startswith("carriers:")


def test_all_problems_are_reported_at_once() -> None:
    frame = make_carriers().assign(id=["a", "a", "b", "c"]).drop(columns=["floor_area_planned_m2"])
    with pytest.raises(LayerInputError) as info:
        _draw(layers.carriers_layer_data, frame)
    assert "duplicate id" in str(info.value)
    assert "missing column" in str(info.value)


def test_carriers_in_another_crs_are_reprojected_at_the_boundary() -> None:
    group = _draw(layers.carriers_layer_data, make_carriers().to_crs(4549))
    coords = all_coords(group)
    assert coords[:, 0].min() > 121
    assert coords[:, 1].max() < 32


def test_bad_sources_table_is_refused() -> None:
    with pytest.raises(LayerInputError, match="sources: missing column"):
        _draw(layers.carriers_layer_data, make_carriers(), sources=make_sources().drop(columns=["quote"]))


# --- zones ----------------------------------------------------------------------------------------


def test_poles_and_belts_are_styled_apart() -> None:
    styles = styles_of(_draw(layers.zones_layer_data, make_zones(), labels=False))
    assert styles["pole_a"]["color"] == ZONE_STYLES["pole"]["color"]
    assert styles["belt_b"]["color"] == ZONE_STYLES["belt"]["color"]
    assert styles["pole_a"]["color"] != styles["belt_b"]["color"]
    assert "dashArray" in styles["belt_b"]
    assert "dashArray" not in styles["pole_a"]


def test_zone_tooltip_sets_declared_beside_itemized() -> None:
    carriers = make_carriers()
    names = dict(zip(carriers["id"], carriers["name_zh"], strict=True))
    group = _draw(layers.zones_layer_data, make_zones(), summary=make_summary(), carrier_names=names)
    tips = {f["id"]: f["properties"]["tip"] for f in features(group) if "tip" in f["properties"]}
    pole = tips["pole_a"]
    assert "规划申报: 650 万㎡" in pole
    assert "分项合计: 120 万㎡" in pole
    assert "−530 万㎡" in pole
    assert "面积未知 1: 园区" in pole
    assert "无分项汇总" in tips["belt_b"]
    en = {
        f["id"]: f["properties"]["tip"]
        for f in features(
            _draw(layers.zones_layer_data, make_zones(), summary=pd.concat(make_summary().values()), lang="en")
        )
        if "tip" in f["properties"]
    }
    assert "declared: 650 万㎡" in en["pole_a"]
    assert "itemized − declared" in en["pole_a"]
    assert "unknown figures 1: park" in en["pole_a"]


def test_zone_type_filter_and_bad_summary() -> None:
    only_belts = _draw(layers.zones_layer_data, make_zones(), zone_types=["belt"])
    assert [f["id"] for f in features(only_belts)] == ["belt_b", "zone:belt_b"]  # the outline, then its name
    bad = {"pole": make_summary()["pole"].drop(columns=["total_m2"])}
    with pytest.raises(LayerInputError, match="pole: missing column"):
        _draw(layers.zones_layer_data, make_zones(), summary=bad)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_names_a_zones_first_unknown_members_and_only_those(lang) -> None:
    """overlay_data looks up the names of the members the zones' tooltips show (the first six of
    unknown figure), in the page's language, ids for members it does not hold."""
    many = make_carriers().iloc[[1]].copy()
    many = pd.concat([many] * 8, ignore_index=True)
    many["id"] = [f"m{i}" for i in range(8)]
    many["name_zh"], many["name_en"] = [f"楼{i}" for i in range(8)], [f"Block {i}" for i in range(8)]
    many["parent_id"] = None
    summary = make_summary(unknown_ids="m7;ghost;m0;m1;m2;m3;m4;m5;m6")
    summary["pole"].loc[0, "unknown_count"] = 9
    data = layers.overlay_data(many, make_zones(), summary=summary, layers=["zones"], lang=lang)
    group = layers.to_feature_group(data["zones"])
    tips = {f["id"]: f["properties"]["tip"] for f in features(group) if "tip" in f["properties"]}
    named = {"zh": "楼7、ghost、楼0、楼1、楼2、楼3…", "en": "Block 7, ghost, Block 0, Block 1, Block 2, Block 3…"}
    assert f"{layer_word('unknown_members', lang)} 9: {named[lang]}" in tips["pole_a"]


# --- context, labels, legend ----------------------------------------------------------------------


def test_context_layers_one_group_each_with_stations_on_line15() -> None:
    data = layers.overlay_data(None, None, context=make_context(), lang="en")
    groups = {key: layers.to_feature_group(layer) for key, layer in data.items()}
    assert list(groups) == ["district_boundary", "huangpu", "outer_ring", "line15"]
    line15 = groups["line15"]
    kinds = [f["geometry"]["type"] for f in features(line15)]
    assert kinds == ["LineString", "Point", "Point"]
    assert line15.layer_name == "Metro Line 15"
    assert all("pointToLayer" in g.options for g in geojson_children(line15))
    assert styles_of(groups["district_boundary"])["district_boundary:0"]["fill"] is False


def test_labels_are_div_icons_with_escaped_names() -> None:
    group = _draw(layers.labels_layer_data, carriers=make_carriers(name_zh=XSS_IMG), zones=make_zones(), nested=False)
    labels = [f["properties"]["label"] for f in features(group)]
    assert len(labels) == 3  # three top-level carriers (the zones' names are in the zones layer)
    assert all(f["geometry"]["type"] == "Point" for f in features(group))
    assert any("&lt;img src=x" in label for label in labels)
    assert not any("<img" in label for label in labels)
    rendered = folium.Map(tiles=None).add_child(group).get_root().render()
    assert "L.divIcon" in rendered


def test_legend_escapes_and_notes_the_shift() -> None:
    legend = layers.build_legend(lang="en", zone_types=["pole", XSS_IMG], gcj02=True)
    assert "GCJ-02" in legend.html
    assert "<img src=x" not in legend.html
    assert "&lt;img src=x" in legend.html
    assert "GCJ-02" not in layers.build_legend(lang="en").html
    m = folium.Map(tiles=None)
    legend.add_to(m)
    assert "L.control" in m.get_root().render()


# --- the whole map: escaping --------------------------------------------------------------------------


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_text_never_reaches_the_page_as_markup_or_code(payload: str, lang: str) -> None:
    parts = layers.build_map(**hostile_inputs(payload), lang=lang, basemap="none")
    page = parts.map.get_root().render()
    seen = js_unescape(page)  # what the browser's JS strings hold
    for needle in ("<img src=x", "${alert", "<svg onload", "<script>alert", "`); alert", "49T", "{{", "{%"):
        assert needle not in seen, needle
    # the payload is there, as text the browser will show literally
    assert escaped(payload) in seen
    # layer names go through the layer control as HTML too
    names = [g.layer_name for g in parts.overlays.values()]
    assert all("<" not in n and "`" not in n and "$" not in n for n in names)


def test_hostile_context_key_becomes_an_escaped_layer_name() -> None:
    group = _draw(layers.context_layer_data, XSS_IMG, make_context()["huangpu"])
    assert group.layer_name == "&lt;img src=x onerror=alert(1)&gt;"


# --- the whole map: offline -----------------------------------------------------------------------

URL_ATTR = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]*)\"", re.IGNORECASE)


@pytest.mark.parametrize("basemap", ["osm", "carto_light", "amap_vec", "amap_sat", "none"])
def test_scripts_and_styles_are_never_loaded_from_the_internet(basemap: str) -> None:
    parts = layers.build_map(make_carriers(), make_zones(), context=make_context(), basemap=basemap)
    page = parts.map.get_root().render()
    urls = URL_ATTR.findall(page)
    assert sorted(urls) == sorted(
        [
            layers.STREAMLIT_ASSET_URL + "leaflet.css",
            layers.STREAMLIT_ASSET_URL + "leaflet.js",
        ]
    )
    assert not re.search(r"\$\(|jquery|bootstrap|font-?awesome|awesome-markers", page, re.IGNORECASE)
    remote = set(re.findall(r"https?://[^\s\"'<>\\]+", js_unescape(page)))
    if basemap == "none":
        assert remote == set()
    else:
        tiles = " ".join(tile_urls(layers.build_basemap(basemap)))
        attribution_sites = ("openstreetmap.org/copyright", "carto.com/attributions", "www.amap.com")
        assert all(url in tiles or url.rstrip("/").endswith(attribution_sites) for url in remote), remote


def test_what_streamlit_folium_loads_is_local() -> None:
    """st_folium loads every default_js/default_css in the map tree into its iframe (read in 0.27.4)."""
    parts = layers.build_map(make_carriers(), make_zones(), context=make_context(), basemap="osm", embed_overlays=False)
    tree: list = [parts.map, *parts.overlays.values()]
    links: list[str] = []
    while tree:
        element = tree.pop()
        links += [u for _, u in getattr(element, "default_js", [])]
        links += [u for _, u in getattr(element, "default_css", [])]
        tree += list(getattr(element, "_children", {}).values())
    assert set(links) == {layers.STREAMLIT_ASSET_URL + "leaflet.js", layers.STREAMLIT_ASSET_URL + "leaflet.css"}


def test_folium_defaults_are_not_mutated() -> None:
    before = (list(folium.Map.default_js), list(folium.Map.default_css))
    m = layers.make_map(location=(31.17, 121.44))
    m.add_js_link("extra", "./extra.js")
    assert (list(folium.Map.default_js), list(folium.Map.default_css)) == before
    assert any("cdn.jsdelivr.net" in u for _, u in folium.Map.default_js)


def test_asset_base_url_options() -> None:
    inline = layers.make_map(location=(31.17, 121.44), asset_base_url=None)
    assert inline.default_js[0][1].startswith("data:text/javascript;base64,")
    assert inline.default_css[0][1].startswith("data:text/css;base64,")
    custom = layers.make_map(location=(31.17, 121.44), asset_base_url="/assets/leaflet/")
    assert custom.default_js == [("leaflet", "/assets/leaflet/leaflet.js")]
    with pytest.raises(LayerInputError, match="ending in '/'"):
        layers.make_map(location=(31.17, 121.44), asset_base_url="/assets/leaflet")


def test_standalone_html_inlines_leaflet() -> None:
    parts = layers.build_map(make_carriers(), make_zones(), context=make_context(), basemap="none")
    page = layers.standalone_html(parts.map).decode("utf-8")
    assert 't.version="1.9.4"' in page  # Leaflet's own code
    assert ".leaflet-pane" in page  # Leaflet's CSS
    assert "url(data:image/png;base64," in page  # its images
    assert not re.search(r"<script\b[^>]*\bsrc=", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert "sourceMappingURL" not in page
    assert page.count("</script>") == page.count("<script")
    # outside Leaflet's own code (comments, SVG namespace, its attribution link) no URL at all
    ours = re.sub(r"<script>\s*/\* @preserve\s*\* Leaflet 1\.9\.4.*?</script>", "", page, flags=re.DOTALL)
    ours = re.sub(r"<style>\s*/\* required styles \*/.*?</style>", "", ours, flags=re.DOTALL)
    assert len(ours) < len(page) - 150_000
    assert not re.search(r"https?://", ours)


def test_standalone_html_refuses_a_map_that_needs_a_cdn() -> None:
    with pytest.raises(LayerInputError, match="not vendored"):
        layers.standalone_html(folium.Map(tiles=None))


# --- the whole map: GCJ-02 ------------------------------------------------------------------------


def test_amap_shifts_every_overlay_and_nothing_else_does() -> None:
    carriers, zones, context = make_carriers(), make_zones(), make_context()
    copies = (carriers.copy(), zones.copy(), {k: v.copy() for k, v in context.items()})
    built = {
        key: layers.build_map(carriers, zones, context=context, basemap=key, tianditu_token=TOKEN)
        for key in ("osm", "carto_light", "tianditu_vec", "none", "amap_vec", "amap_sat")
    }
    reference = built["osm"]
    for key, parts in built.items():
        assert parts.gcj02 is key.startswith("amap")
        for layer_key, group in parts.overlays.items():
            base = all_coords(reference.overlays[layer_key])
            got = all_coords(group)
            if parts.gcj02:
                lon, lat = wgs84_to_gcj02(base[:, 0], base[:, 1])
                np.testing.assert_allclose(got, np.column_stack([lon, lat]), atol=2e-6)
                assert np.abs(got - base).max() > 1e-3
            else:
                np.testing.assert_array_equal(got, base)
    shifted_center = built["amap_vec"].center
    assert shifted_center[1] > reference.center[1] + 0.003
    # the data frames are untouched
    pd.testing.assert_frame_equal(carriers, copies[0])
    pd.testing.assert_frame_equal(zones, copies[1])
    for key, frame in context.items():
        pd.testing.assert_frame_equal(frame, copies[2][key])


def test_gcj02_can_be_forced_either_way() -> None:
    forced = layers.build_map(make_carriers(), make_zones(), basemap="none", gcj02=True)
    assert forced.gcj02
    off = layers.build_map(make_carriers(), make_zones(), basemap="amap_vec", gcj02=False)
    assert not off.gcj02


# --- the whole map: assembly and st_folium ---------------------------------------------------------


def test_build_map_layers_in_drawing_order() -> None:
    parts = layers.build_map(
        make_carriers(), make_zones(), context=make_context(), summary=make_summary(), sources=make_sources()
    )
    assert list(parts.overlays) == list(layers.LAYER_KEYS)
    children = list(parts.map._children.values())
    groups = [c for c in children if isinstance(c, folium.FeatureGroup) and c.overlay]
    assert groups == list(parts.overlays.values())
    assert parts.words in children  # the words group, with the legend, in a standalone map
    assert any(isinstance(c, layers.Legend) for c in parts.words._children.values())
    assert any(isinstance(c, folium.LayerControl) for c in children)
    assert parts.basemap is not None
    assert parts.basemap.key == "osm"
    subset = layers.build_map(make_carriers(), None, layers=["labels", "carriers"])
    assert list(subset.overlays) == ["carriers", "labels"]


def test_build_map_rejects_bad_options() -> None:
    with pytest.raises(LayerInputError, match="unknown layer key"):
        layers.build_map(make_carriers(), make_zones(), layers=["carriers", "roads"])
    with pytest.raises(LayerInputError, match="list of layer keys"):
        layers.build_map(make_carriers(), make_zones(), layers="carriers")
    with pytest.raises(LayerInputError, match="did you pass \\(lon, lat\\)"):
        layers.build_map(make_carriers(), make_zones(), center=(121.44, 131.17))


def test_prefer_canvas_and_centre() -> None:
    parts = layers.build_map(make_carriers(), make_zones(), prefer_canvas=True, zoom=14)
    page = parts.map.get_root().render()
    assert '"preferCanvas": true' in page
    assert '"zoom": 14' in page
    lat, lon = parts.center
    assert 31.15 < lat < 31.20
    assert 121.42 < lon < 121.47


def test_toggling_overlays_keeps_the_st_folium_map_the_same() -> None:
    """With embed_overlays=False the map's script (streamlit-folium's component key) does not depend on
    which overlays are on, so toggling one does not re-mount the map or reset the view."""

    def key_for(on: list[str]) -> tuple[str, list[str]]:
        parts = layers.build_map(
            make_carriers(),
            make_zones(),
            context=make_context(),
            summary=make_summary(),
            layers=on,
            embed_overlays=False,
        )
        parts.map.get_root().render()
        script = _get_map_string(parts.map)
        assert "geo_json" not in script
        groups = [_get_feature_group_string(g, parts.map, idx=i) for i, g in enumerate(parts.overlays.values())]
        return generate_js_hash(script, "map"), groups

    key_all, groups_all = key_for(list(layers.LAYER_KEYS))
    key_two, groups_two = key_for(["carriers", "labels"])
    assert key_all == key_two
    assert len(groups_all) == len(layers.LAYER_KEYS)
    assert len(groups_two) == 2
    assert all("addLayer(feature_group_feature_group_" in g for g in groups_two)


FOLIUM_ID = re.compile(r"_[0-9a-f]{32}")


def st_folium_parts(lang: str, **options: object) -> tuple[str, str, str]:
    """(main script with folium's random ids normalised, its streamlit-folium key, the feature groups' script)."""
    parts = layers.build_map(
        make_carriers(),
        make_zones(),
        context=make_context(),
        summary=make_summary(),
        sources=make_sources(),
        lang=lang,
        embed_overlays=False,
        **options,
    )
    parts.map.get_root().render()
    script = _get_map_string(parts.map)
    groups = "".join(_get_feature_group_string(g, parts.map, idx=i) for i, g in enumerate(parts.feature_groups))
    return FOLIUM_ID.sub("_ID", script), generate_js_hash(script, "map"), groups


@pytest.mark.parametrize("basemap", ["osm", "none", "tianditu_vec"])
def test_a_language_switch_keeps_the_st_folium_map_the_same(basemap: str) -> None:
    """The map's own script (streamlit-folium's component key) is the same in both languages; every word
    of the map (legend, zoom buttons, tile notice, tooltips) travels in the feature groups it swaps, so a
    language switch does not re-mount the map or reset the user's pan and zoom."""
    # as the page builds it: the basemap too is a feature group
    zh_script, zh_key, zh_groups = st_folium_parts("zh", basemap=basemap, basemap_in_map=False, tianditu_token=TOKEN)
    en_script, en_key, en_groups = st_folium_parts("en", basemap=basemap, basemap_in_map=False, tianditu_token=TOKEN)
    assert zh_script == en_script
    assert zh_key == en_key
    assert zh_groups != en_groups
    for text in ("图例", "Legend", "放大", "Zoom in", "<title>"):
        assert text not in js_unescape(zh_script), text
    zh_seen, en_seen = js_unescape(zh_groups), js_unescape(en_groups)
    assert "<b>图例</b>" in zh_seen
    assert "Legend" not in zh_seen
    assert "<b>Legend</b>" in en_seen
    assert "图例" not in en_seen
    assert '"zoom_in": "放大"' in zh_seen
    assert '"zoom_in": "Zoom in"' in en_seen
    if basemap != "none":  # the tile notice comes with the tiles
        assert layers.WORDS["tiles_failed"].zh in zh_seen
        assert layers.WORDS["tiles_failed"].en in en_seen


def test_only_a_downloaded_map_has_a_title_and_the_scale_is_metric() -> None:
    embedded = layers.build_map(make_carriers(), make_zones(), lang="en", basemap="none", embed_overlays=False)
    assert not embedded.map.get_root().title
    standalone = layers.build_map(make_carriers(), make_zones(), lang="en", basemap="none")
    assert standalone.map.get_root().title == "Carriers and planning zones: map"
    page = standalone.map.get_root().render()
    assert "L.control.scale({imperial: false})" in page
    assert "L.control.scale()" not in page


def test_map_words_are_escaped_and_follow_the_language() -> None:
    zh = layers.MapWords(lang="zh").words
    en = layers.MapWords(lang="en").words
    assert zh == {"lang": "zh-CN", "zoom_in": "放大", "zoom_out": "缩小"}
    assert en == {"lang": "en", "zoom_in": "Zoom in", "zoom_out": "Zoom out"}
    with pytest.raises(LayerInputError):
        layers.MapWords(lang="fr")  # type: ignore[arg-type]
    group = layers.words_group(lang="en", legend=layers.build_legend(lang="en", zone_types=[XSS_IMG]))
    rendered = folium.Map(tiles=None).add_child(group).get_root().render()
    assert "<img src=x" not in js_unescape(rendered)
    assert "&lt;img src=x" in js_unescape(rendered)
    assert not group.overlay
    assert not group.control


def test_lang_switches_every_label() -> None:
    zh = layers.build_map(make_carriers(), make_zones(), context=make_context(), lang="zh")
    en = layers.build_map(make_carriers(), make_zones(), context=make_context(), lang="en")
    assert zh.overlays["carriers"].layer_name == "产业载体"
    assert en.overlays["carriers"].layer_name == "Carriers"
    assert [layers.layer_label(k, "en") for k in layers.LAYER_KEYS] == [
        "District boundary",
        "Huangpu River",
        "Outer Ring",
        "Metro Line 15",
        "Planning zones",
        "Carriers",
        "Carrier names",
    ]
    en_labels = [f["properties"]["label"] for f in features(en.overlays["labels"])]
    assert any(">Park<" in label for label in en_labels)


def test_empty_frames_give_empty_layers() -> None:
    parts = layers.build_map(make_carriers().iloc[:0], make_zones().iloc[:0], basemap="none")
    assert all(features(g) == [] for g in parts.overlays.values())
    assert parts.center == (31.17, 121.44)
    parts.map.get_root().render()


def test_payload_stays_small() -> None:
    parts = layers.build_map(
        make_carriers(),
        make_zones(),
        context=make_context(),
        summary=make_summary(),
        sources=make_sources(),
        basemap="none",
    )
    page = parts.map.get_root().render()
    assert len(page.encode("utf-8")) < 60_000
    for feature in features(parts.overlays["zones"]):
        text = json.dumps(feature["geometry"])
        assert not re.search(r"\d\.\d{7,}", text)  # rounded to 6 decimals


def test_bundled_seed_data_builds() -> None:
    data_module = pytest.importorskip("geo.data")
    rollup = pytest.importorskip("geo.rollup")
    data = data_module.load_dataset()
    tables = {
        t: rollup.summarize(data.carriers, data.zones, by=t, mode="declared", year=None)
        for t in rollup.zone_types(data.zones)
    }
    for basemap in ("none", "amap_vec"):
        parts = layers.build_map(
            data.carriers, data.zones, context=data.context, summary=tables, sources=data.sources, basemap=basemap
        )
        page = parts.map.get_root().render()
        assert len(page.encode("utf-8")) < 400_000
        assert len(features(parts.overlays["carriers"])) == len(data.carriers)
        layers.standalone_html(parts.map)


def test_crs84_counts_as_wgs84() -> None:
    carriers = make_carriers().set_crs("OGC:CRS84", allow_override=True)
    group = _draw(layers.carriers_layer_data, carriers)
    np.testing.assert_allclose(all_coords(group).min(axis=0), [121.40, 31.13], atol=1e-6)
    assert layers.display_geometry(carriers).crs == carriers.crs


def test_popups_can_be_left_out_of_the_payload() -> None:
    with_popups = layers.build_map(make_carriers(), make_zones(), sources=make_sources(), basemap="none")
    without = layers.build_map(make_carriers(), make_zones(), sources=make_sources(), basemap="none", popups=False)
    assert all("pop" not in f["properties"] for f in features(without.overlays["carriers"]))
    assert len(without.map.get_root().render()) < len(with_popups.map.get_root().render()) - 2_000


def test_inline_asset_map_also_makes_a_standalone_file() -> None:
    parts = layers.build_map(make_carriers(), make_zones(), basemap="none", asset_base_url=None)
    page = layers.standalone_html(parts.map).decode("utf-8")
    assert "data:text/javascript" not in page
    assert 't.version="1.9.4"' in page


def test_map_opens_fitted_to_the_data_unless_a_centre_is_given() -> None:
    fitted = layers.build_map(make_carriers(), make_zones(), basemap="none").map.get_root().render()
    match = re.search(r"fitBounds\(\s*(\[\[.*?\]\])", fitted, re.DOTALL)
    assert match
    (south, west), (north, east) = json.loads(match.group(1))
    assert (south, west, north, east) == pytest.approx((31.13, 121.40, 31.20, 121.49))
    shifted = layers.build_map(make_carriers(), make_zones(), basemap="amap_vec").map.get_root().render()
    assert json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\])", shifted, re.DOTALL).group(1))[0][1] > west + 0.003
    centred = layers.build_map(make_carriers(), make_zones(), center=(31.2, 121.4)).map.get_root().render()
    assert "fitBounds" not in centred


def test_the_chinese_map_speaks_the_project_vocabulary_and_no_working_notes() -> None:
    """Tooltips, popups, labels, layer names and the legend of the bundled map, in Chinese."""
    from geo.data import load_dataset  # noqa: PLC0415 - the bundled data, read once here
    from geo.text import TERMS  # noqa: PLC0415

    data = load_dataset()
    parts = layers.build_map(
        data.carriers, data.zones, context=data.context, sources=data.sources, basemap="none", lang="zh"
    )
    texts = [
        html.unescape(re.sub(r"<[^>]+>", "\n", str(v)))
        for layer in parts.overlays.values()
        for f in features(layer)
        for k, v in f["properties"].items()
        if k in ("tip", "pop", "label")
    ]
    texts += [g.layer_name for g in parts.overlays.values()]
    legend = next(c for c in parts.words._children.values() if isinstance(c, layers.Legend))
    texts.append(html.unescape(re.sub(r"<[^>]+>", "\n", legend.html)))
    cells = {line.strip() for text in texts for line in text.splitlines() if line.strip()}
    joined = "\n".join(texts)
    for concept in ("status", "kind", "zone_type"):
        for code, word in TERMS[concept].items():
            assert code not in cells, code  # never a raw code as a cell
            if concept == "status":
                assert word.zh in joined
    for english in ("USED", "->", "AMap metro data", "unknown", "Carriers", "Legend"):
        assert english not in joined, english
    assert "现状" not in cells  # the project's word for existing is 已建成
    assert not re.search(r"\b\d{4}\.0\b", joined)  # years are whole numbers


@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "产业载体与规划片区地图"), ("en", "Carriers and planning zones: map")]
)
def test_the_downloaded_map_has_a_title_in_its_language(lang: str, title: str) -> None:
    parts = layers.build_map(make_carriers(), make_zones(), basemap="none", lang=lang)
    page = layers.standalone_html(parts.map).decode("utf-8")
    assert re.findall(r"<title>(.*?)</title>", page) == [title]
    plain = layers.standalone_html(layers.make_map(location=(31.2, 121.4))).decode("utf-8")
    assert re.findall(r"<title>(.*?)</title>", plain) == [layers.assets.MAP_TITLE]
    hostile = layers.standalone_html(layers.make_map(location=(31.2, 121.4)), title="</title><script>x").decode()
    assert "</title><script>" not in hostile
    assert "&lt;/title&gt;&lt;script&gt;x" in hostile
