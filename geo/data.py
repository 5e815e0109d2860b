"""Loading carriers, zones, sources and context layers: the bundled Xuhui data or any files.

This module is where the tool's own files are read. Paths given by a user (command line) go
through the same validation; uploads in the page go through :mod:`geo.io.reader` first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.crs import metric_crs_for, metric_measures
from geo.resources import seeds_dir
from geo.rollup import MetricOutlines, metric_outlines
from geo.schema import (
    CARRIER_FIELDS,
    SOURCE_FIELDS,
    ZONE_FIELDS,
    DataError,
    FrameCells,
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
    zone_ref_problems,
)

__all__ = [
    "CONTEXT_LAYERS",
    "DOCUMENT_FIELDS",
    "SEEDS_DIR",
    "Dataset",
    "Input",
    "Origin",
    "Provenance",
    "document_titles",
    "file_hash",
    "frame_hash",
    "load_context",
    "load_dataset",
    "load_documents",
    "load_sources",
    "read_frame",
    "with_layers",
]

SEEDS_DIR = seeds_dir()  # a checkout's seeds/, or the installed package data geo.seeds
CONTEXT_LAYERS: tuple[str, ...] = ("district_boundary", "huangpu", "line15", "line15_stations", "outer_ring")


#: What a dataset was built from: the bundled seeds only, uploads only, or both.
Origin = Literal["bundled", "upload", "bundled + upload"]
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NOT_IN_NAME = re.compile(r"[^\w-]+")


def _option_text(value: object) -> str:
    """An option value as canonical text: mappings as sorted JSON, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return json.dumps({str(k): str(v) for k, v in value.items()}, sort_keys=True, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return json.dumps([str(v) for v in value], ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class Input:
    """One input a dataset was built from: which file, its content hash, and the options that shaped it.

    Attributes
    ----------
    role
        ``"carriers"``, ``"zones"`` or ``"sources"``.
    name
        The file's name as given (for people; never part of a file name or stamp key).
    sha256
        64 lowercase hex digits: the sha256 of the file's bytes (of the frame's content for a frame
        given in code, see :func:`frame_hash`).
    bundled
        True for the tool's own seed files.
    options
        Sorted ``(option, value)`` pairs that changed how the bytes became features: ``layer``,
        ``columns`` (the column mapping), ``crs``, ``swap_xy``, ``encoding``, ``geometry``, ``role``.
        Two reads of the same bytes with different options are different inputs.

    >>> a = Input.of(role="carriers", name="a.gpkg", sha256="0" * 64, options={"layer": "x", "crs": None})
    >>> a.options
    (('layer', 'x'),)
    """

    role: str
    name: str
    sha256: str
    bundled: bool = False
    options: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"{self.role} input {self.name!r}: sha256 must be 64 lowercase hex digits")

    @classmethod
    def of(
        cls,
        *,
        role: str,
        name: str,
        sha256: str,
        bundled: bool = False,
        options: Mapping[str, object] | None = None,
    ) -> Input:
        """An input with ``options`` made canonical (``None`` and empty values dropped, sorted by name)."""
        pairs = tuple(
            sorted((str(k), _option_text(v)) for k, v in (options or {}).items() if v is not None and v != {})
        )
        return cls(role=role, name=name, sha256=sha256.lower(), bundled=bundled, options=pairs)


@dataclass(frozen=True)
class Provenance:
    """What a dataset was built from, input by input, in the order they were combined.

    One value answers three questions that used to share one string: what to cache on
    (:attr:`key`), what an export's stamp lists (:meth:`input_hashes`, each a real sha256) and
    what to call the downloaded files (:meth:`file_stem`).
    """

    inputs: tuple[Input, ...] = ()

    @property
    def origin(self) -> Origin:
        """``bundled``, ``upload`` or ``bundled + upload``, judged by the carriers and zones."""
        kinds = {i.bundled for i in self.inputs if i.role in ("carriers", "zones")}
        if kinds == {True} or not kinds:
            return "bundled"
        return "upload" if kinds == {False} else "bundled + upload"

    @property
    def key(self) -> str:
        """A sha256 over every input's role, hash and options: equal keys, equal data.

        Cache roll-ups, maps and tables on this: the same file read with another layer, column
        mapping, CRS, axis order or encoding has another key.
        """
        canonical = [[i.role, i.sha256, i.bundled, [list(p) for p in i.options]] for i in self.inputs]
        return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()

    def input_hashes(self) -> dict[str, str]:
        """Stamp name -> sha256 per input (for :func:`geo.io.export.make_stamp`).

        A role with one input is named by its role (``carriers``); a role with several (the
        bundled carriers plus an upload added to them) names each ``<role>_bundled`` or
        ``<role>_upload`` (numbered when there are more). Names never hold a user's file name.
        """
        per_role: dict[str, list[Input]] = {}
        for item in self.inputs:
            per_role.setdefault(item.role, []).append(item)
        out: dict[str, str] = {}
        for role, items in per_role.items():
            if len(items) == 1:
                out[role] = items[0].sha256
                continue
            for item in items:
                name = f"{role}_{'bundled' if item.bundled else 'upload'}"
                number, unique = 1, name
                while unique in out:
                    number += 1
                    unique = f"{name}{number}"
                out[unique] = item.sha256
        return out

    def file_stem(self, *, bundled_stem: str = "xuhui") -> str:
        """The stem for downloaded files: ``xuhui`` for the bundled data, else from the uploads' names.

        >>> up = Input.of(role="carriers", name="Minhang carriers.gpkg", sha256="0" * 64)
        >>> Provenance((up,)).file_stem()
        'Minhang_carriers'
        >>> Provenance((Input.of(role="zones", name="z.geojson", sha256="1" * 64, bundled=True), up)).file_stem()
        'xuhui_plus_Minhang_carriers'
        """
        if self.origin == "bundled":
            return bundled_stem
        uploads = [i for i in self.inputs if not i.bundled and i.role in ("carriers", "zones")]
        first = next((i for i in uploads if i.role == "carriers"), uploads[0])
        slug = _NOT_IN_NAME.sub("_", Path(first.name).stem).strip("_")[:40] or "data"
        return slug if self.origin == "upload" else f"{bundled_stem}_plus_{slug}"


@dataclass(frozen=True)
class Dataset:
    """Validated carriers and zones (EPSG:4326), their sources, context layers and provenance."""

    carriers: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    sources: pd.DataFrame
    context: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    provenance: Provenance = field(default_factory=Provenance)
    #: The carriers' outlines measured in their metric CRS, when :func:`load_dataset` was asked to
    #: (``measure=True``): pass it to :func:`geo.timeline.summary_as_of` or :func:`geo.rollup.summarize`
    #: as ``outlines=``, and the sums do not project the outlines again.
    outlines: MetricOutlines | None = field(default=None, repr=False, compare=False)

    @property
    def hashes(self) -> dict[str, str]:
        """Stamp name -> sha256 of each input (:meth:`Provenance.input_hashes`)."""
        return self.provenance.input_hashes()


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex (read in blocks: a 300 MB GeoPackage is not held in memory)."""
    with Path(path).open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


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
    return _read_frame(Path(path), options)[0]


def _read_frame(
    path: Path,
    options: Mapping[str, str | None],
    *,
    on_attributes: Callable[[pd.DataFrame], None] | None = None,
    on_outlines: Callable[[gpd.GeoSeries], None] | None = None,
) -> tuple[gpd.GeoDataFrame, bool]:
    """:func:`read_frame`, and whether the reader checked every outline with ``shapely.is_valid``.

    ``on_attributes``, ``on_outlines``: see :func:`geo.io.reader.read_path` (a user's file only).
    """
    if not path.is_file():
        raise DataError(str(path), [missing_file_problem()])
    if path.resolve().is_relative_to(SEEDS_DIR.resolve()) and not options:
        return gpd.read_file(path, engine="pyogrio"), False
    from geo.io import reader  # noqa: PLC0415 - the reader is heavy and only needed for user files

    result = reader.read_path(path, on_attributes=on_attributes, on_outlines=on_outlines, **options)
    # The reader drops or rejects features it cannot use (points, lines, empty outlines) and repairs
    # invalid ones; loading the rest, or the repaired outlines, would be a partial, silent result.
    refused = [f for f in result.report if f.action in ("dropped", "rejected", "repaired")]
    if refused:
        problems = [refused_row_problem(f.row, f.id, f.reason_en, f.reason_zh, action=f.action) for f in refused]
        raise DataError(str(path), problems)
    # Its repair step ran shapely.is_valid on every outline, after reprojection, and repaired none:
    # every outline is valid, and the contract check need not ask GEOS again (0.5 s a million).
    return result.frame, True


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


DOCUMENT_FIELDS: tuple[str, ...] = ("document", "title_zh", "title_en", "publisher_zh", "publisher_en", "date")


def load_documents(path: Path | str | None = None) -> pd.DataFrame:
    """The cited documents' titles (``seeds/documents.csv``): one row per ``document`` of the sources table.

    Columns :data:`DOCUMENT_FIELDS`, all text; ``publisher_*`` and ``date`` are empty where the
    document does not say. The page and the exports name a document by its title, not its file name.
    """
    path = Path(path) if path is not None else SEEDS_DIR / "documents.csv"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(str(path), [unreadable_file_problem(str(exc), csv=True)]) from exc
    missing = [c for c in DOCUMENT_FIELDS if c not in frame.columns]
    if missing:
        raise DataError(str(path), [missing_columns_problem(missing, DOCUMENT_FIELDS)])
    return frame


def document_titles(documents: pd.DataFrame, lang: Literal["zh", "en"]) -> dict[str, str]:
    """``document`` -> how a reader names it in ``lang``: title, then publisher and date where known.

    >>> docs = pd.DataFrame({"document": ["a.txt"], "title_zh": ["规划"], "title_en": ["Plan"],
    ...     "publisher_zh": ["经济日报"], "publisher_en": ["Economic Daily"], "date": ["2023-03-21"]})
    >>> document_titles(docs, "zh")
    {'a.txt': '《规划》，经济日报，2023-03-21'}
    >>> document_titles(docs, "en")
    {'a.txt': 'Plan, Economic Daily, 2023-03-21'}
    """
    out: dict[str, str] = {}
    for row in documents.to_dict("records"):
        title = row[f"title_{lang}"] or row["title_zh"] or row["document"]
        parts = [f"《{title}》" if lang == "zh" else title, row[f"publisher_{lang}"], row["date"]]
        out[row["document"]] = ("，" if lang == "zh" else ", ").join(p for p in parts if p)
    return out


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
    checked: Collection[str] = (),
    cells: Mapping[str, FrameCells] | None = None,
) -> list[Problem]:
    """Every problem of the zones, and of the carriers checked against those zones, each naming its file.

    A role in ``checked`` holds a frame that already passed its contract check alone, with no
    source ids to check: only what depends on the other layer (the carriers' ``zone_ids``) is checked.
    ``cells`` per role: the frames' :class:`~geo.schema.FrameCells`, for normalizing them afterwards.
    """
    cells = cells or {}
    zone_column = zones["id"] if "id" in zones.columns else pd.Series(dtype=object)
    zone_ids = {str(z).strip() for z in zone_column if pd.notna(z)}
    if "zones" in checked and zone_sources is None:
        zone_problems: list[Problem] = []
    else:
        zone_problems = validate_zones(zones, source_ids=zone_sources, cells=cells.get("zones"))
    if "carriers" in checked and carrier_sources is None:
        carrier_problems = zone_ref_problems(carriers, zone_ids, cells=cells.get("carriers"))
    else:
        carrier_problems = validate_carriers(
            carriers, zone_ids=zone_ids, source_ids=carrier_sources, cells=cells.get("carriers")
        )
    return in_file(zone_problems, "zones") + in_file(carrier_problems, "carriers")


class _Ahead:
    """Work on a file done in threads while the process waits for something else, the same work sooner.

    - The cells of its attributes, while the reader's worker checks the outlines.
      :func:`geo.io.reader.read_path` hands the attribute table over as soon as the worker has it
      (``on_attributes``); its cells are read here (:meth:`FrameCells.warm`), on the machine's other
      core, and the frame read takes the readings over where its columns are the very same
      (``FrameCells(read=…)``). The checks and their findings are the same.
    - The carriers' outlines measured in their metric CRS, from the outlines the reader's worker sends
      ahead while it checks them (:meth:`outlines_receiver`), while this process checks the files
      (PROJ and numpy do most of it without Python's lock). Outlines that do not come ahead are
      measured by the sums as before: measuring the frame once read would only overlap the checks,
      and at a million GeoPackage footprints it took as long (8.4 s either way) for 130 MB more.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-cells")
        self._read: dict[str, tuple[FrameCells, Future[None]]] = {}
        self._measuring: Future[tuple[MetricOutlines, npt.NDArray[np.intp]]] | None = None

    def receiver(self, role: str) -> Callable[[pd.DataFrame], None]:
        """The ``on_attributes`` of ``role``'s read: start reading its table's cells."""
        fields = CARRIER_FIELDS if role == "carriers" else ZONE_FIELDS

        def start(attributes: pd.DataFrame) -> None:
            try:
                cells = FrameCells(attributes).prepare(fields)  # the columns, taken in this thread
            except Exception:  # noqa: BLE001 - reading ahead is an optimisation: the check reads them itself
                return
            self._read[role] = (cells, self._pool.submit(cells.warm, fields))

        return start

    def cells(self, role: str) -> FrameCells | None:
        """The readings of ``role``'s attributes, once made (None when none were made, or they failed)."""
        if role not in self._read:
            return None
        cells, done = self._read.pop(role)
        try:
            done.result()
        except Exception:  # noqa: BLE001 - the check reads the cells again, and says what is wrong
            return None
        return cells

    def outlines_receiver(self, *, workers: int | None) -> Callable[[gpd.GeoSeries], None]:
        """The ``on_outlines`` of the carriers' read: measure the outlines the worker sent ahead, in a thread
        (:func:`geo.rollup.metric_outlines`, ``workers`` threads projecting them)."""

        def start(outlines: gpd.GeoSeries) -> None:
            measuring = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geo-measure")
            self._measuring = measuring.submit(_measured_outlines, outlines, workers)
            measuring.shutdown(wait=False)

        return start

    def outlines(self, carriers: gpd.GeoDataFrame) -> MetricOutlines | None:
        """The measures of the outlines sent ahead (:meth:`outlines_receiver`), for ``carriers``, whose
        outlines are those very objects in the same order (a frame normalized from the one read); rows
        that came with none are measured now. None when nothing was measured, or not these outlines."""
        if self._measuring is None:
            return None
        outlines, ids = self._measuring.result()
        now = _outline_ids(carriers)
        if len(now) != len(ids):
            return None
        unmeasured = now != ids
        if unmeasured.any():
            # Rows that came with no outline ahead (the worker writes theirs anew: a multipolygon, a repaired
            # outline) are measured now, in the CRS the others were, when that is the frame's own.
            if (ids[unmeasured] != id(None)).any() or metric_crs_for(carriers) != outlines.crs:
                return None  # outlines that are not the frame's (never, as load_dataset uses it)
            bounds, areas = outlines.bounds.copy(), outlines.areas.copy()
            bounds[unmeasured], areas[unmeasured] = metric_measures(carriers.geometry[unmeasured], crs=outlines.crs)
            outlines = MetricOutlines(outlines.crs, bounds, areas)
        return dataclasses.replace(outlines, _source=carriers.geometry)

    def close(self) -> None:
        """Stop: readings not started are dropped (a read that failed), none is waited for."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _outline_ids(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> npt.NDArray[np.intp]:
    """The identities of a frame's outline objects, in order (a normalized frame holds the very same objects)."""
    outlines = np.asarray(frame.geometry.array, dtype=object)
    return np.fromiter(map(id, outlines), np.intp, len(outlines))


def _measured_outlines(
    carriers: gpd.GeoDataFrame | gpd.GeoSeries, workers: int | None
) -> tuple[MetricOutlines, npt.NDArray[np.intp]]:
    return metric_outlines(carriers, workers=workers), _outline_ids(carriers)


def load_dataset(
    carriers: Path | str | gpd.GeoDataFrame | None = None,
    zones: Path | str | gpd.GeoDataFrame | None = None,
    *,
    sources: Path | str | pd.DataFrame | None = None,
    context: bool = True,
    read_options: dict[str, dict[str, str]] | None = None,
    progress: Callable[[str], None] | None = None,
    measure: bool = False,
    workers: int | None = None,
) -> Dataset:
    """Carriers, zones and sources, validated together; the bundled Xuhui data by default.

    ``read_options`` (per role: ``{"carriers": {"crs": …, "layer": …, "encoding": …}}``) go to
    :func:`geo.io.reader.read` for a file given as a path, when the reader asks which coordinate
    system, layer or encoding to use. ``progress`` is called with each stage as it starts
    (``read_carriers``, ``read_zones``, ``validate``), for a progress display.

    Every problem in either file is collected and raised at once as a :class:`DataError`; an
    invalid input never yields a partial result. Zone and source references are checked against
    the zones and sources actually loaded.

    ``measure``: for a caller that sums the carriers next, measure their outlines in their metric CRS
    (:func:`geo.rollup.metric_outlines`) in a thread, as the reader's worker sends them ahead (the
    polygons of a WGS-84 GeoParquet or GeoPackage file: :func:`geo.io.reader.read_path`'s
    ``on_outlines``), while the files are checked: ``Dataset.outlines``, None when no outline came
    ahead (the sums then measure them). ``workers``: the threads projecting them, as there.
    """
    ahead = _Ahead()
    try:
        return _load_dataset(
            carriers,
            zones,
            sources=sources,
            context=context,
            read_options=read_options,
            progress=progress,
            ahead=ahead,
            measure=measure,
            workers=workers,
        )
    finally:
        ahead.close()


def _load_dataset(
    carriers: Path | str | gpd.GeoDataFrame | None,
    zones: Path | str | gpd.GeoDataFrame | None,
    *,
    sources: Path | str | pd.DataFrame | None,
    context: bool,
    read_options: dict[str, dict[str, str]] | None,
    progress: Callable[[str], None] | None,
    ahead: _Ahead,
    measure: bool,
    workers: int | None,
) -> Dataset:
    """:func:`load_dataset`, the attributes (and outlines) of files read ahead by ``ahead``."""
    inputs: list[Input] = []
    frames: dict[str, gpd.GeoDataFrame] = {}
    checked_outlines: set[str] = set()  # roles whose every outline the reader found valid
    report = progress or (lambda _stage: None)
    for role, given in (("carriers", carriers), ("zones", zones)):
        report(f"read_{role}")
        if isinstance(given, gpd.GeoDataFrame):
            frames[role] = given
            inputs.append(Input.of(role=role, name=role, sha256=frame_hash(given)))
        else:
            path = Path(given) if given is not None else SEEDS_DIR / f"{role}.geojson"
            options = (read_options or {}).get(role, {})
            # The file is hashed while the reader's worker process reads it (hashlib releases the GIL).
            with ThreadPoolExecutor(max_workers=1) as hashing:
                digest = hashing.submit(file_hash, path)
                measuring = ahead.outlines_receiver(workers=workers) if measure and role == "carriers" else None
                frames[role], valid = _read_frame(
                    path, options, on_attributes=ahead.receiver(role), on_outlines=measuring
                )
                sha256 = digest.result()
            if valid:
                checked_outlines.add(role)
            inputs.append(Input.of(role=role, name=path.name, sha256=sha256, bundled=given is None, options=options))
    # Source references are checked only against the sources that go with the files: the user's
    # own sources table, or ours with our own carriers and zones.
    check_sources = sources is not None or (carriers is None and zones is None)
    if isinstance(sources, pd.DataFrame):
        source_table = sources
    else:
        source_path = Path(sources) if sources is not None else SEEDS_DIR / "sources.csv"
        source_table = load_sources(source_path)
        digest = file_hash(source_path)
        inputs.append(Input.of(role="sources", name=source_path.name, sha256=digest, bundled=sources is None))
    source_ids = set(source_table["id"]) if check_sources else None
    report("validate")
    # Each frame's cells are read once, for checking and for normalizing.
    cells = {
        role: FrameCells(frame, outlines_valid=role in checked_outlines, read=ahead.cells(role))
        for role, frame in frames.items()
    }
    problems = _problems(
        frames["carriers"], frames["zones"], carrier_sources=source_ids, zone_sources=source_ids, cells=cells
    )
    if problems:
        label = " + ".join(
            str(given) if given is not None and not isinstance(given, gpd.GeoDataFrame) else role
            for role, given in (("carriers", carriers), ("zones", zones))
        )
        raise DataError(label, problems)
    normalized = normalize_carriers(frames["carriers"], cells=cells["carriers"])
    return Dataset(
        carriers=normalized,
        zones=normalize_zones(frames["zones"], cells=cells["zones"]),
        sources=source_table,
        context=load_context() if context else {},
        provenance=Provenance(tuple(inputs)),
        outlines=ahead.outlines(normalized),
    )


def with_layers(
    base: Dataset,
    *,
    carriers: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    how: Literal["replace", "add"] = "replace",
    inputs: Mapping[str, Input] | None = None,
    hashes: Mapping[str, str] | None = None,
    checked: Collection[str] = (),
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
    inputs
        Per role, the :class:`Input` each new frame was read from (file name, sha256 of its bytes
        and the read options). It is what caches key on and what export stamps list.
    hashes
        Instead of ``inputs``: per role, the sha256 of the new input's bytes (no options known).
        A role with neither is hashed from the frame's content (:func:`frame_hash`).

    checked
        Roles whose given frame already passed its contract check alone (:func:`geo.io.reader.read`
        with ``role=`` found no problems): with ``how='replace'`` only what depends on the other
        layer is checked again (a carrier's ``zone_ids`` against the zones), so a large upload is
        validated once. The problems raised are the same as without it.

    The result's :attr:`Dataset.provenance` lists the base's inputs that are kept, then the new
    ones: replacing a role drops the base's input for it, adding keeps both (and the stamp lists
    each hash on its own).
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
    alone = {role for role in checked if role in ("carriers", "zones")} if how == "replace" else set()
    cells = {role: FrameCells(frame) for role, frame in frames.items()}
    problems = _problems(
        frames["carriers"],
        frames["zones"],
        carrier_sources=own_sources,
        zone_sources=None,
        checked={role for role in alone if (carriers, zones)[role == "zones"] is not None},
        cells=cells,
    )
    if problems:
        raise DataError(" + ".join(r for r, g in (("carriers", carriers), ("zones", zones)) if g is not None), problems)
    new = {role: given for role, given in (("carriers", carriers), ("zones", zones)) if given is not None}
    kept = [i for i in base.provenance.inputs if how == "add" or i.role not in new]
    added = []
    for role, given in new.items():
        item = (inputs or {}).get(role)
        if item is None:
            digest = (hashes or {}).get(role) or frame_hash(given)
            item = Input.of(role=role, name=role, sha256=digest)
        added.append(item)
    return Dataset(
        carriers=normalize_carriers(frames["carriers"], cells=cells["carriers"]),
        zones=normalize_zones(frames["zones"], cells=cells["zones"]),
        sources=base.sources,
        context=base.context,
        provenance=Provenance((*kept, *added)),
    )
