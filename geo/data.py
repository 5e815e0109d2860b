"""Loading carriers, zones, sources and context layers: the bundled Xuhui data or any files.

This module is where the tool's own files are read. Paths given by a user (command line) go
through the same validation; uploads in the page go through :mod:`geo.io.reader` first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import shapely

from geo.resources import seeds_dir
from geo.schema import (
    SOURCE_FIELDS,
    DataError,
    Problem,
    duplicate_id_problem,
    in_file,
    missing_columns_problem,
    missing_file_problem,
    normalize_carriers,
    normalize_zones,
    refused_row_problem,
    unreadable_file_problem,
    validate_carriers,
    validate_zones,
)

__all__ = [
    "CONTEXT_LAYERS",
    "SEEDS_DIR",
    "Dataset",
    "file_hash",
    "frame_hash",
    "load_context",
    "load_dataset",
    "load_sources",
    "read_frame",
    "with_layers",
]

SEEDS_DIR = seeds_dir()  # a checkout's seeds/, or the installed package data geo.seeds
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


def frame_hash(frame: gpd.GeoDataFrame) -> str:
    """SHA-256 of a frame's content, as hex, for the input hashes of an export's stamp.

    It covers the CRS, the attribute table as CSV (column names, then every row in order) and each
    geometry's WKB, so the same features in the same order always give the same hash. Hashing the
    frame's GeoJSON instead took ten times longer (4 s for 100,000 footprints).
    """
    digest = hashlib.sha256(str(frame.crs).encode())
    attributes = frame.drop(columns=frame.geometry.name)
    digest.update(attributes.to_csv(index=False, lineterminator="\n").encode())
    for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
        digest.update(b"" if wkb is None else wkb)
    return digest.hexdigest()


def read_frame(path: Path | str, **options: str | None) -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame (EPSG:4326), or raise :class:`DataError` saying why not.

    A user's file goes through :mod:`geo.io.reader`, which decides the format from the content,
    refuses anything else, converts coordinates only as declared or as ``options`` say (``crs``,
    ``layer``, ``encoding``: see :func:`geo.io.reader.read`) and repairs what it safely can; its
    :class:`~geo.io.reader.ReadError` is a :class:`DataError` with the message in 中文 and English.
    The bundled seeds are the tool's own files and are read directly.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), [missing_file_problem()])
    if path.resolve().is_relative_to(SEEDS_DIR.resolve()) and not options:
        return gpd.read_file(path, engine="pyogrio")
    from geo.io import reader  # noqa: PLC0415 - the reader is heavy and only needed for user files

    result = reader.read_path(path, **options)
    # The reader drops or rejects features it cannot use (points, lines, empty outlines) and repairs
    # invalid ones; loading the rest, or the repaired outlines, would be a partial, silent result.
    refused = [f for f in result.report if f.action in ("dropped", "rejected", "repaired")]
    if refused:
        problems = [refused_row_problem(f.row, f.id, f.reason_en, f.reason_zh, action=f.action) for f in refused]
        raise DataError(str(path), problems)
    return result.frame


def load_sources(path: Path | str | None = None) -> pd.DataFrame:
    """The sources table (CSV, UTF-8), one row per cited figure, all columns as text."""
    path = Path(path) if path is not None else SEEDS_DIR / "sources.csv"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(str(path), [unreadable_file_problem(str(exc), csv=True)]) from exc
    missing = [c for c in SOURCE_FIELDS if c not in frame.columns]
    if missing:
        raise DataError(str(path), [missing_columns_problem(missing, SOURCE_FIELDS)])
    duplicated = sorted(set(frame["id"][frame["id"].duplicated()]))
    if duplicated:
        raise DataError(
            str(path),
            [duplicate_id_problem(d) for d in duplicated],
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


def _problems(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    carrier_sources: set[str] | None,
    zone_sources: set[str] | None,
) -> list[Problem]:
    """Every problem of the zones, and of the carriers checked against those zones, each naming its file."""
    zone_column = zones["id"] if "id" in zones.columns else pd.Series(dtype=object)
    zone_ids = {str(z).strip() for z in zone_column if pd.notna(z)}
    zone_problems = validate_zones(zones, source_ids=zone_sources)
    carrier_problems = validate_carriers(carriers, zone_ids=zone_ids, source_ids=carrier_sources)
    return in_file(zone_problems, "zones") + in_file(carrier_problems, "carriers")


def load_dataset(
    carriers: Path | str | gpd.GeoDataFrame | None = None,
    zones: Path | str | gpd.GeoDataFrame | None = None,
    *,
    sources: Path | str | pd.DataFrame | None = None,
    context: bool = True,
    read_options: dict[str, dict[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Dataset:
    """Carriers, zones and sources, validated together; the bundled Xuhui data by default.

    ``read_options`` (per role: ``{"carriers": {"crs": …, "layer": …, "encoding": …}}``) go to
    :func:`geo.io.reader.read` for a file given as a path, when the reader asks which coordinate
    system, layer or encoding to use. ``progress`` is called with each stage as it starts
    (``read_carriers``, ``read_zones``, ``validate``), for a progress display.

    Every problem in either file is collected and raised at once as a :class:`DataError`; an
    invalid input never yields a partial result. Zone and source references are checked against
    the zones and sources actually loaded.
    """
    hashes: dict[str, str] = {}
    frames: dict[str, gpd.GeoDataFrame] = {}
    report = progress or (lambda _stage: None)
    for role, given in (("carriers", carriers), ("zones", zones)):
        report(f"read_{role}")
        if isinstance(given, gpd.GeoDataFrame):
            frames[role] = given
            hashes[role] = frame_hash(given)
        else:
            path = Path(given) if given is not None else SEEDS_DIR / f"{role}.geojson"
            frames[role] = read_frame(path, **(read_options or {}).get(role, {}))
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
    report("validate")
    problems = _problems(frames["carriers"], frames["zones"], carrier_sources=source_ids, zone_sources=source_ids)
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


def with_layers(
    base: Dataset,
    *,
    carriers: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    how: Literal["replace", "add"] = "replace",
    hashes: dict[str, str] | None = None,
) -> Dataset:
    """``base`` with the given carriers and/or zones in place of (or added to) its own, validated together.

    Carriers and zones are checked against each other (a carrier's ``zone_ids`` must name zones of
    the result), so a district's own carriers and zones are best given in one call. Source
    references of the user's features are not checked against ``base``'s sources (they cite the
    user's own documents). Raises :class:`DataError` with every problem; ``base`` is never changed.

    Parameters
    ----------
    base
        The data to start from (usually the bundled Xuhui data).
    carriers, zones
        Frames in EPSG:4326 per the data contract (e.g. :attr:`geo.io.reader.ReadResult.frame`).
    how
        ``replace`` the base's layer, or ``add`` the features to it (ids must stay unique).
    hashes
        Content hashes of the new inputs (``{"carriers": …}``), for caching and export stamps.
    """
    if how not in ("replace", "add"):
        raise ValueError(f"how={how!r}: use 'replace' or 'add'")
    frames = {"carriers": base.carriers, "zones": base.zones}
    for role, given in (("carriers", carriers), ("zones", zones)):
        if given is None:
            continue
        if how == "add":
            combined = pd.concat([frames[role], given.to_crs(frames[role].crs)], ignore_index=True)
            frames[role] = gpd.GeoDataFrame(combined, geometry=frames[role].geometry.name, crs=frames[role].crs)
        else:
            frames[role] = given
    own_sources = {str(s) for s in base.sources["id"]} if carriers is None else None
    problems = _problems(frames["carriers"], frames["zones"], carrier_sources=own_sources, zone_sources=None)
    if problems:
        raise DataError(" + ".join(r for r, g in (("carriers", carriers), ("zones", zones)) if g is not None), problems)
    new_hashes = dict(base.hashes)
    for role, given in (("carriers", carriers), ("zones", zones)):
        if given is not None:
            digest = (hashes or {}).get(role) or frame_hash(given)
            new_hashes[role] = f"{base.hashes.get(role, '')}+{digest}" if how == "add" else digest
    return Dataset(
        carriers=normalize_carriers(frames["carriers"]),
        zones=normalize_zones(frames["zones"]),
        sources=base.sources,
        context=base.context,
        hashes=new_hashes,
    )
