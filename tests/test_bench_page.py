"""bench.page's upload options: which uploads it times, and the files it makes for them."""

from __future__ import annotations

import argparse
import io
import json

import geopandas as gpd
import pytest

from bench.page import make_upload, parse_upload_sizes


def test_upload_sizes_name_the_footprints_and_the_carriers_format() -> None:
    assert parse_upload_sizes("10000") == [(10_000, "geojson")]
    assert parse_upload_sizes("10000, 200000:parquet") == [(10_000, "geojson"), (200_000, "parquet")]


@pytest.mark.parametrize("text", ["", "ten", "0", "-5", "200000:gpkg", "200000:", ","])
def test_a_bad_upload_size_says_how_to_write_one(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="200000:parquet"):
        parse_upload_sizes(text)


def test_a_geoparquet_upload_holds_the_footprints_and_geojson_zones() -> None:
    upload = make_upload(30, carriers_format="parquet")
    assert (upload.file_name("carriers"), upload.file_name("zones")) == ("carriers.parquet", "zones.geojson")
    assert upload.label == "0.03k-footprint GeoParquet upload"
    carriers = gpd.read_parquet(io.BytesIO(upload.files["carriers"]))
    assert len(carriers) == upload.n_carriers == 30
    assert carriers.crs.to_epsg() == 4326
    assert sorted(carriers["id"]) == sorted(upload.carriers["id"])
    zones = json.loads(upload.files["zones"])
    assert len(zones["features"]) == len(upload.zones)


def test_the_default_upload_is_geojson() -> None:
    upload = make_upload(5)
    assert upload.file_name("carriers") == "carriers.geojson"
    assert len(json.loads(upload.files["carriers"])["features"]) == 5
    with pytest.raises(ValueError, match="parquet"):
        make_upload(5, carriers_format="gpkg")
