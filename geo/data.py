"""Loading carriers, zones, sources and context layers: the bundled Xuhui data or any files.

This module is where the tool's own files are read. Paths given by a user (command line) go
through the same validation; uploads in the page go through :mod:`geo.reader` first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.schema import (
    SOURCE_FIELDS,
    DataError,
    Problem,
    normalize_carriers,
    normalize_zones,
    validate_carriers,
    validate_zones,
)

__all__ = [
    "CONTEXT_LAYERS",
    "SEEDS_DIR",
    "Dataset",
    "file_hash",
    "load_context",
    "load_dataset",
    "load_sources",
    "read_frame",
]

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
CONTEXT_LAYERS: tuple[str, ...] = ("district_boundary", "huangpu", "line15", "line15_stations", "outer_ring")


@dataclass(frozen=True)
class Dataset:
    """Validated carriers and zones (EPSG:4326), their sources, context layers and input hashes."""

    carriers: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    sources: pd.DataFrame
    context: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_frame(path: Path | str) -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame, or raise :class:`DataError` saying why not.

    Files on the command line go through :mod:`geo.reader`, which decides the format from the
    content, refuses anything else and repairs what it safely can; the bundled seeds are read
    directly.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            str(path),
            [
                Problem(
                    "file",
                    "does not exist or is not a file",
                    "check the path (relative paths start from the current folder)",
                )
            ],
        )
    if path.resolve().is_relative_to(SEEDS_DIR):
        return gpd.read_file(path, engine="pyogrio")
    from geo import reader  # noqa: PLC0415 - the reader is heavy and only needed for user files

    try:
        result = reader.read(path.read_bytes(), path.name)
    except reader.ReadError as exc:
        raise DataError(str(path), [Problem("file", exc.message_en)]) from exc
    return result.frame


def load_sources(path: Path | str | None = None) -> pd.DataFrame:
    """The sources table (CSV, UTF-8), one row per cited figure, all columns as text."""
    path = Path(path) if path is not None else SEEDS_DIR / "sources.csv"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(
            str(path), [Problem("file", f"cannot be read as a UTF-8 CSV ({exc})", "save it as CSV in UTF-8")]
        ) from exc
    missing = [c for c in SOURCE_FIELDS if c not in frame.columns]
    if missing:
        raise DataError(
            str(path),
            [
                Problem(
                    "columns",
                    f"missing {', '.join(missing)}",
                    f"the sources table needs the columns {', '.join(SOURCE_FIELDS)}",
                )
            ],
        )
    duplicated = sorted(set(frame["id"][frame["id"].duplicated()]))
    if duplicated:
        raise DataError(
            str(path),
            [Problem(f"id {d!r}", "is used by more than one row", "give each its own id") for d in duplicated],
        )
    return frame


def load_context(directory: Path | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The display-only context layers (district boundary, Huangpu, Line 15, stations, outer ring)."""
    directory = directory or SEEDS_DIR / "context"
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in CONTEXT_LAYERS:
        path = directory / f"{name}.geojson"
        if path.is_file():
            layers[name] = gpd.read_file(path, engine="pyogrio")
    return layers


def load_dataset(
    carriers: Path | str | gpd.GeoDataFrame | None = None,
    zones: Path | str | gpd.GeoDataFrame | None = None,
    *,
    sources: Path | str | pd.DataFrame | None = None,
    context: bool = True,
) -> Dataset:
    """Carriers, zones and sources, validated together; the bundled Xuhui data by default.

    Every problem in either file is collected and raised at once as a :class:`DataError`; an
    invalid input never yields a partial result. Zone and source references are checked against
    the zones and sources actually loaded.
    """
    hashes: dict[str, str] = {}
    frames: dict[str, gpd.GeoDataFrame] = {}
    for role, given in (("carriers", carriers), ("zones", zones)):
        if isinstance(given, gpd.GeoDataFrame):
            frames[role] = given
            hashes[role] = hashlib.sha256(given.to_json(drop_id=True).encode()).hexdigest()
        else:
            path = Path(given) if given is not None else SEEDS_DIR / f"{role}.geojson"
            frames[role] = read_frame(path)
            hashes[role] = file_hash(path)
    # Source references are checked only against the sources that go with the files: the user's
    # own sources table, or ours with our own carriers and zones.
    check_sources = sources is not None or (carriers is None and zones is None)
    if isinstance(sources, pd.DataFrame):
        source_table = sources
    else:
        source_path = Path(sources) if sources is not None else SEEDS_DIR / "sources.csv"
        source_table = load_sources(source_path)
        hashes["sources"] = file_hash(source_path)
    source_ids = set(source_table["id"]) if check_sources else None
    zone_problems = validate_zones(frames["zones"], source_ids=source_ids)
    zone_ids = {str(z) for z in frames["zones"]["id"]} if "id" in frames["zones"].columns else set()
    carrier_problems = validate_carriers(frames["carriers"], zone_ids=zone_ids, source_ids=source_ids)
    problems = [Problem(f"zones {p.where}", p.what, p.fix) for p in zone_problems]
    problems += [Problem(f"carriers {p.where}", p.what, p.fix) for p in carrier_problems]
    if problems:
        label = " + ".join(
            str(given) if given is not None and not isinstance(given, gpd.GeoDataFrame) else role
            for role, given in (("carriers", carriers), ("zones", zones))
        )
        raise DataError(label, problems)
    return Dataset(
        carriers=normalize_carriers(frames["carriers"]),
        zones=normalize_zones(frames["zones"]),
        sources=source_table,
        context=load_context() if context else {},
        hashes=hashes,
    )
