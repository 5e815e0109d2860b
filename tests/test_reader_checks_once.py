"""The reader's contract check (role=) reads each column once and trusts the validity it checked itself."""

from __future__ import annotations

import shapely
from factories import carriers, square, to_wgs84

from geo.io import reader
from geo.schema import validate_carriers


def _file(tmp_path, frame):
    path = tmp_path / "c.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path.read_bytes()


def test_a_read_checks_as_a_frame_handed_in_is_checked(tmp_path):
    """Problems of a read with role= are those of the full check of the frame it returns."""
    frame = to_wgs84(
        carriers(
            {"id": "a", "geometry": square(0, 0, 10), "floor_area_existing_m2": 100, "zone_ids": "nowhere"},
            {"id": "a", "geometry": square(20, 0, 10), "status": "rumoured"},
        )
    )
    result = reader.read(_file(tmp_path, frame), "c.geojson", role="carriers")
    assert result.problems  # the duplicate id and the unknown status
    assert result.problems == validate_carriers(result.frame)


def test_a_read_that_repaired_an_outline_checks_as_a_frame_handed_in_is_checked(tmp_path):
    """A repaired outline (a bow tie) is checked in full again: the same problems as the frame's own check."""
    frame = to_wgs84(carriers({"id": "a", "geometry": square(0, 0, 10)}, {"id": "a", "geometry": square(20, 0, 10)}))
    x0, y0, x1, y1 = frame.geometry.iloc[0].bounds
    frame.loc[0, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])  # a bow tie
    result = reader.read(_file(tmp_path, frame), "c.geojson", role="carriers")
    assert any(f.action == "repaired" for f in result.report)
    assert result.problems  # the duplicate id
    assert result.problems == validate_carriers(result.frame)
