"""A dataset's typed provenance: what it was built from, each input's sha256 and the options that shaped it."""

from __future__ import annotations

import pytest
from factories import carriers, rect

from geo.data import Input, Provenance, load_dataset, with_layers
from geo.io import export


def extra_carrier():
    """One carrier that fits the bundled zones, as an upload would add it."""
    return carriers(
        {
            "id": "my_new_tower",
            "geometry": rect(100, 100, 300, 300),
            "zone_ids": "pole_caohejing",
            "floor_area_existing_m2": 10_000,
            "floor_area_planned_m2": 0,
        }
    ).to_crs(4326)


def upload_input(**options: object) -> Input:
    return Input.of(role="carriers", name="my towers.geojson", sha256="ab" * 32, options=options)


def test_the_bundled_data_is_bundled_and_named_xuhui():
    data = load_dataset()
    assert data.provenance.origin == "bundled"
    assert set(data.hashes) == {"carriers", "zones", "sources"}
    assert data.provenance.file_stem() == "xuhui"


def test_adding_to_the_bundled_data_stamps_each_input_with_its_own_sha256():
    """It used to join two hashes with '+', and the stamp refused it: ExportError on Downloads."""
    base = load_dataset()
    added = with_layers(base, carriers=extra_carrier(), how="add", inputs={"carriers": upload_input(layer="x")})
    hashes = added.provenance.input_hashes()
    assert hashes["carriers_bundled"] == base.hashes["carriers"]
    assert hashes["carriers_upload"] == "ab" * 32
    assert hashes["zones"] == base.hashes["zones"]
    stamp = export.make_stamp(input_hashes=hashes, by="pole", mode="declared", year=None, crs="EPSG:4549")
    assert stamp["input_sha256.carriers_upload"] == "ab" * 32
    assert added.provenance.origin == "bundled + upload"
    assert added.provenance.file_stem() == "xuhui_plus_my_towers"


def test_replacing_drops_the_bundled_input_and_names_files_after_the_upload():
    base = load_dataset()
    replaced = with_layers(base, carriers=extra_carrier(), how="replace", inputs={"carriers": upload_input()})
    assert replaced.hashes["carriers"] == "ab" * 32
    assert replaced.provenance.origin == "bundled + upload"  # the zones are still the bundled ones
    assert not replaced.provenance.file_stem().startswith("xuhui_carriers")


def test_an_upload_of_both_layers_is_not_xuhuis():
    zones_in = Input.of(role="zones", name="Minhang zones.gpkg", sha256="cd" * 32)
    provenance = Provenance((upload_input(), zones_in))
    assert provenance.origin == "upload"
    assert provenance.file_stem() == "my_towers"


@pytest.mark.parametrize(
    ("option", "one", "other"),
    [
        ("layer", "towers", "parks"),
        ("columns", {"面积": "floor_area_existing_m2"}, {"面积": "floor_area_planned_m2"}),
        ("crs", "EPSG:4549", "EPSG:4326"),
        ("swap_xy", False, True),
        ("encoding", "GBK", "UTF-8"),
        ("role", "carriers", "zones"),
    ],
)
def test_every_read_option_changes_the_cache_key(option, one, other):
    """The same bytes read another way are other data: the page's caches must not share them."""
    first = Provenance((upload_input(**{option: one}),))
    second = Provenance((upload_input(**{option: other}),))
    assert first.key != second.key
    assert first.input_hashes() == second.input_hashes()  # the file is the same file
    assert Provenance((upload_input(**{option: one}),)).key == first.key


def test_a_hash_that_is_not_a_sha256_is_refused_where_it_is_made():
    with pytest.raises(ValueError, match="64"):
        Input.of(role="carriers", name="x", sha256="abc+def")
