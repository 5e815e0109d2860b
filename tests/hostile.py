"""Hostile files of the second round (issue 10), built in code: each crashes, hangs or starves a naive reader.

Every builder returns the bytes of one upload; :data:`CASES` names each with the verdict the reader
must give (a :class:`geo.io.reader.ReadError` code, or ``ok``) and is run by ``tests/test_reader_hostile.py``
in a separate process under a memory cap and a time limit, so a regression shows up as a failed test,
not as a dead test runner.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import corpus

__all__ = ["CASES", "HostileCase", "build"]


def deep_wkb(levels: int) -> bytes:
    """A GeometryCollection holding a GeometryCollection … ``levels`` deep, as little-endian WKB."""
    return struct.pack("<BII", 1, 7, 1) * levels + struct.pack("<BII", 1, 7, 0)


def _geoparquet(table: object) -> bytes:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    assert isinstance(table, pa.Table)
    geo = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": {"encoding": "WKB"}}}
    table = table.replace_schema_metadata({b"geo": json.dumps(geo).encode()})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def deep_parquet(levels: int = 100_000) -> bytes:
    """About a kilobyte: one row whose geometry nests ``levels`` deep (a WKB decoder's stack overflows)."""
    import pyarrow as pa  # noqa: PLC0415

    return _geoparquet(pa.table({"id": ["deep"], "geometry": pa.array([deep_wkb(levels)], pa.binary())}))


def dictionary_bomb_parquet(rows: int = 4_000_000, width: int = 1000) -> bytes:
    """A few KB: one long text value, dictionary-encoded and repeated on every row (expands to ~``rows × width``)."""
    import pyarrow as pa  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    text = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array(["x" * width]))
    geometry = pa.DictionaryArray.from_arrays(
        pa.array([0] * rows, pa.int32()), pa.array([shapely.box(121.4, 31.1, 121.41, 31.11).wkb], pa.binary())
    )
    return _geoparquet(pa.table({"id": text, "geometry": geometry}))


#: Every contract field of a carrier, valid (ids and geometry are added per row).
VALID = {
    "kind": "building",
    "zone_ids": None,
    "floor_area_existing_m2": 1000,
    "floor_area_planned_m2": None,
    "planned_year": None,
    "opened_year": 2020,
    "status": "existing",
    "site_area_m2": None,
    "geometry_accuracy_m": 10,
    "source_ids": None,
}


def parent_chain(length: int, *, cycle: bool = False) -> bytes:
    """A valid-looking GeoJSON of ``length`` carriers, each the parent of the next (or a cycle)."""
    features = []
    for i in range(length):
        parent = f"c{i - 1}" if i else (f"c{length - 1}" if cycle else None)
        x = 121.40 + (i % 100) * 0.0005
        y = 31.10 + (i // 100) * 0.0005
        features.append(
            corpus.feature(
                {**VALID, "id": f"c{i}", "name_zh": f"载体{i}", "name_en": f"carrier {i}", "parent_id": parent},
                corpus.polygon([(x, y), (x + 0.0004, y), (x + 0.0004, y + 0.0004), (x, y + 0.0004)]),
            )
        )
    return corpus.geojson(features)
