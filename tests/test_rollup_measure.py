"""The roll-up measures where the data lies, not in the CRS it came in; noise is no membership (issue 9)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from factories import ORIGIN, carriers, rect, square, zones

from geo.crs import metric_crs_for
from geo.rollup import OUTSIDE, SHARE_EPS, assign, summarize
from geo.schema import DataError


def _frames() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    c = carriers(
        {"id": "a", "geometry": square(0, 0, 100), "floor_area_existing_m2": 1000},
        {"id": "b", "geometry": square(300, 0, 100), "floor_area_existing_m2": None},
        {"id": "c", "geometry": rect(150, 0, 260, 50), "floor_area_existing_m2": 700},
    )
    z = zones(
        {"id": "p", "type": "pole", "geometry": rect(-10, -10, 200, 200)},
        {"id": "q", "type": "pole", "geometry": rect(200, -10, 500, 200)},
    )
    return c, z


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", "EPSG:32651", "EPSG:4549"])
@pytest.mark.parametrize("mode", ["largest", "area"])
def test_summary_is_the_same_whatever_the_input_crs(crs: str, mode: str) -> None:
    c, z = _frames()
    reference = summarize(c, z, by="pole", mode=mode)
    table = summarize(c.to_crs(crs), z.to_crs(crs), by="pole", mode=mode)
    for column in ("total_m2", "member_count", "unknown_count", "unknown_ids"):
        assert table[column].tolist() == reference[column].tolist(), (crs, column)
    # Land in whole m²: the same outlines measured in the same local CRS, up to reprojection rounding.
    assert np.allclose(table["land_m2"].astype(float), reference["land_m2"].astype(float), rtol=1e-6, atol=1)


def test_web_mercator_is_not_measured_in_its_own_metres() -> None:
    # 1 km² at 50°N, handed over in EPSG:3857: its "metres" would make it about 2.4 km².
    lon, lat = 8.0, 50.0
    dlat = 1000 / 111_229.0
    dlon = 1000 / (111_229.0 * np.cos(np.radians(lat)))
    outline = shapely.box(lon, lat, lon + dlon, lat + dlat)
    c = carriers({"id": "a", "geometry": outline, "floor_area_existing_m2": 10}, crs="EPSG:4326")
    z = zones({"id": "p", "type": "pole", "geometry": outline.buffer(0.1)}, crs="EPSG:4326")
    assert metric_crs_for(c.to_crs(3857)).to_epsg() == 32632
    land = summarize(c.to_crs(3857), z.to_crs(3857), by="pole")["land_m2"].iloc[-1]
    assert abs(land - 1_000_000) < 10_000  # not 2.4 million


def test_a_sliver_below_one_part_in_a_billion_is_no_membership() -> None:
    # Carrier b touches zone p along an edge, overlapping it by 1e-8 m: a share of 1e-10.
    sliver = 1e-8
    c = carriers(
        {"id": "a", "geometry": square(0, 0, 100), "floor_area_existing_m2": 5, "floor_area_planned_m2": 0},
        {"id": "b", "geometry": rect(100 - sliver, 0, 200, 100), "floor_area_existing_m2": None},
    )
    z = zones({"id": "p", "type": "pole", "geometry": rect(-10, -10, 100, 110)})
    share = sliver * 100 / (100 * (100 + sliver))
    assert share < SHARE_EPS
    rows = assign(c, z, zone_type="pole", mode="area")
    assert list(zip(rows.carrier.tolist(), rows.group.tolist(), strict=True)) == [(0, 0), (1, 1)]
    for mode in ("area", "largest"):
        table = summarize(c, z, by="pole", mode=mode).set_index("group_id")
        assert table.at["p", "unknown_ids"] == "", mode  # b is not in p
        assert table.at["p", "member_count"] == 1, mode
        assert table.at[OUTSIDE, "unknown_ids"] == "b", mode


def test_invalid_geometry_through_the_api_is_a_data_error_naming_the_row() -> None:
    x0, y0 = ORIGIN
    bowtie = shapely.Polygon([(x0, y0), (x0 + 100, y0 + 100), (x0 + 100, y0), (x0, y0 + 100)])
    c = carriers(
        {"id": "fine", "geometry": square(200, 0, 10), "floor_area_existing_m2": 1},
        {"id": "bowtie", "geometry": bowtie, "floor_area_existing_m2": 5},
    )
    z = zones({"id": "p", "type": "pole", "geometry": square(50, -50, 300)})
    with pytest.raises(DataError) as caught:
        summarize(c, z, by="pole", mode="area")
    report = caught.value.report("en")
    assert "row 2 (id 'bowtie')" in report
    assert "Self-intersection" in report
    assert "第 2 行" in caught.value.report("zh")
    with pytest.raises(DataError):
        assign(c, z, zone_type="pole", mode="area")
