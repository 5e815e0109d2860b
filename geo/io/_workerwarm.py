"""Warm the reader's forkserver: one tiny read of each kind, so that every worker forked from it starts warm.

Imported by the forkserver of :mod:`geo.io._worker` after the reader (never by the page or the command
line). The first read in a fresh process pays for lazy imports, GDAL's driver set-up and PROJ's
database; done once here, each forked worker inherits it instead of paying it per upload.
"""

from __future__ import annotations

import contextlib
import json

__all__: list[str] = []


def _warm() -> None:
    from geo.io import reader  # noqa: PLC0415

    square = [[121.40, 31.10], [121.41, 31.10], [121.41, 31.11], [121.40, 31.11], [121.40, 31.10]]
    feature = {"type": "Feature", "properties": {"id": "a"}, "geometry": {"type": "Polygon", "coordinates": [square]}}
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    with contextlib.suppress(Exception):  # warming is an optimisation: a failure here changes nothing
        result = reader._read_here(data, "warm.geojson", role="carriers")  # the worker's side
        reader._read_here(data, "warm.geojson", crs="EPSG:4549", swap_xy=False)
        import pickle  # noqa: PLC0415

        pickle.loads(pickle.dumps(result))  # noqa: S301 - our own object


_warm()
