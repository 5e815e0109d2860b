"""DuckDB's spatial extension as a comparison: area-weighted and largest-overlap roll-ups in SQL.

The extension must load without network access. It is looked for, in order:

1. already installed in DuckDB's extension directory (``LOAD spatial``);
2. shipped by the PyPI package ``duckdb-ext-spatial`` (module ``duckdb_ext``), which is built for
   one DuckDB release only (1.4.x at the time of writing): ``python -m bench.run
   --install-duckdb-spatial`` installs that DuckDB and the extension into ``bench/out/duckdb-spatial``
   with pip, and the benchmark runs the DuckDB worker with that directory first on ``PYTHONPATH``.

If neither loads, :func:`connect` raises :class:`SpatialUnavailableError` saying why, and the
benchmark reports the DuckDB rows as skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from bench.baselines import FIGURES, disjoint_zones, result_table

__all__ = ["SpatialUnavailableError", "area_weighted", "connect", "describe", "largest_overlap", "load"]


class SpatialUnavailableError(RuntimeError):
    """DuckDB or its spatial extension cannot be loaded offline."""


def _extension_dirs() -> list[Path]:
    try:
        import duckdb_ext  # noqa: PLC0415  (optional, from the PyPI package duckdb-ext-spatial)
    except ImportError:
        return []
    return [Path(p) / "extensions" for p in duckdb_ext.__path__]


def connect(*, threads: int | None = None) -> Any:
    """A DuckDB connection with the spatial extension loaded, without touching the network."""
    try:
        import duckdb  # noqa: PLC0415  (optional dependency: the bench extra)
    except ImportError as exc:
        raise SpatialUnavailableError(f"duckdb is not installed ({exc})") from exc
    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    reasons = []
    try:
        con.execute("LOAD spatial")
    except duckdb.Error as exc:
        reasons.append(f"LOAD spatial: {str(exc).splitlines()[0]}")
    else:
        return con
    for directory in _extension_dirs():
        try:
            con.execute("SET extension_directory = ?", [str(directory)])
            con.execute("LOAD spatial")
        except duckdb.Error as exc:
            reasons.append(f"{directory}: {str(exc).splitlines()[0]}")
        else:
            return con
    raise SpatialUnavailableError(
        f"the spatial extension does not load offline for DuckDB {duckdb.__version__} ("
        + "; ".join(reasons)
        + "); run `python -m bench.run --install-duckdb-spatial` to install a matching DuckDB and extension"
        " from PyPI into bench/out/duckdb-spatial"
    )


def describe(con: Any) -> str:
    """'DuckDB x.y.z, spatial <version>'."""
    duck = con.execute("SELECT version()").fetchone()[0]
    row = con.execute("SELECT extension_version FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone()
    return f"DuckDB {duck}, spatial {row[0] if row else '?'}"


def load(con: Any, footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, types: list[str]) -> dict[str, list[str]]:
    """Copy footprints (position, figures, outline) and the disjoint zones of each type into DuckDB.

    Returns the zone ids of each type in file order. Tables: ``fp`` and ``zones_<type>``.
    """
    frame = pd.DataFrame(
        {
            "fp": np.arange(len(footprints), dtype=np.int64),
            "ex": footprints[FIGURES[0]].astype("Int64"),
            "pl": footprints[FIGURES[1]].astype("Int64"),
            "wkb": shapely.to_wkb(footprints.geometry.to_numpy()),
        }
    )
    con.register("fp_frame", frame)
    con.execute("CREATE OR REPLACE TABLE fp AS SELECT fp, ex, pl, ST_GeomFromWKB(wkb) AS geom FROM fp_frame")
    con.unregister("fp_frame")
    ids = {}
    for by in types:
        disjoint = disjoint_zones(zones, by)
        zone_frame = pd.DataFrame(
            {"slot": disjoint["slot"].to_numpy(dtype=np.int64), "wkb": shapely.to_wkb(disjoint.geometry.to_numpy())}
        )
        con.register("zone_frame", zone_frame)
        con.execute(
            f"CREATE OR REPLACE TABLE zones_{by} AS "  # noqa: S608 (type names are ours)
            "SELECT slot, ST_GeomFromWKB(wkb) AS geom FROM zone_frame"
        )
        con.unregister("zone_frame")
        ids[by] = disjoint["id"].tolist()
    return ids


def _table(con: Any, sql: str, footprints: pd.DataFrame, zone_ids: list[str]) -> pd.DataFrame:
    sums = con.execute(sql).df()
    parts = {
        FIGURES[0]: pd.DataFrame({"slot": sums["slot"], "part": sums["ex"]}),
        FIGURES[1]: pd.DataFrame({"slot": sums["slot"], "part": sums["pl"]}),
    }
    return result_table(footprints, zone_ids, parts)


def area_weighted(con: Any, footprints: pd.DataFrame, zone_ids: list[str], by: str) -> pd.DataFrame:
    """Area-weighted roll-up: ST_Intersection/ST_Area shares, largest-remainder rounding in SQL."""
    outside = len(zone_ids)
    sql = f"""
    WITH pairs AS (
        SELECT f.fp, z.slot, ST_Area(ST_Intersection(f.geom, z.geom)) / ST_Area(f.geom) AS share
        FROM fp f JOIN zones_{by} z ON ST_Intersects(f.geom, z.geom)
    ),
    inside AS (SELECT fp, sum(share) AS share FROM pairs WHERE share > 0 GROUP BY fp),
    shares AS (
        SELECT fp, slot, share FROM pairs WHERE share > 0
        UNION ALL
        SELECT f.fp, {outside} AS slot, greatest(0.0, least(1.0, 1.0 - coalesce(i.share, 0.0))) AS share
        FROM fp f LEFT JOIN inside i USING (fp)
    ),
    exact AS (
        SELECT s.fp, s.slot, f.ex, f.pl, f.ex * s.share AS qe, f.pl * s.share AS qp
        FROM shares s JOIN fp f USING (fp)
    ),
    ranked AS (
        SELECT slot,
            floor(qe)::BIGINT AS fe, ex - sum(floor(qe)::BIGINT) OVER (PARTITION BY fp) AS le,
            row_number() OVER (PARTITION BY fp ORDER BY qe - floor(qe) DESC, slot) AS re,
            floor(qp)::BIGINT AS fpl, pl - sum(floor(qp)::BIGINT) OVER (PARTITION BY fp) AS lp,
            row_number() OVER (PARTITION BY fp ORDER BY qp - floor(qp) DESC, slot) AS rp
        FROM exact
    )
    SELECT slot,
        coalesce(sum(fe + CASE WHEN re <= le THEN 1 ELSE 0 END), 0) AS ex,
        coalesce(sum(fpl + CASE WHEN rp <= lp THEN 1 ELSE 0 END), 0) AS pl
    FROM ranked GROUP BY slot ORDER BY slot
    """  # noqa: S608 (the type name and slot count are ours)
    return _table(con, sql, footprints, zone_ids)


def largest_overlap(con: Any, footprints: pd.DataFrame, zone_ids: list[str], by: str) -> pd.DataFrame:
    """Largest-overlap roll-up: ST_Intersection areas, the first largest per footprint."""
    outside = len(zone_ids)
    sql = f"""
    WITH pairs AS (
        SELECT f.fp, z.slot, ST_Area(ST_Intersection(f.geom, z.geom)) AS overlap
        FROM fp f JOIN zones_{by} z ON ST_Intersects(f.geom, z.geom)
    ),
    best AS (
        SELECT fp, slot FROM (
            SELECT fp, slot, row_number() OVER (PARTITION BY fp ORDER BY overlap DESC, slot) AS rn
            FROM pairs WHERE overlap > 0
        ) WHERE rn = 1
    )
    SELECT coalesce(b.slot, {outside}) AS slot, coalesce(sum(f.ex), 0) AS ex, coalesce(sum(f.pl), 0) AS pl
    FROM fp f LEFT JOIN best b USING (fp) GROUP BY 1 ORDER BY 1
    """  # noqa: S608 (the type name and slot count are ours)
    return _table(con, sql, footprints, zone_ids)
