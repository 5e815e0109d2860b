"""The roll-up on a dask cluster: carriers as a partitioned GeoParquet dataset, zones broadcast.

For more footprints than one machine should hold. The steps and every rule are those of
:mod:`geo.rollup`; only the scheduling differs:

1. **Write** the carriers once as GeoParquet partitions sorted along a Hilbert curve
   (:func:`write_partitions`, ``python -m geo partition IN OUT_DIR``): nearby footprints share a
   partition, each file records its extent (GeoParquet ``bbox``, read by dask-geopandas as
   ``spatial_partitions``), and a ``source_row`` column keeps each carrier's row in the input.
2. **Nesting, globally:** the parent tree is attribute data and may cross partitions. Before the
   partitioned pass, the attribute columns alone (no geometry) of the carriers that have a parent,
   and of their ancestors, are read and their contributions computed (:func:`nested_contributions`);
   every other carrier's contribution depends on its own row only.
3. **Per partition** (one task each, on the workers): read the partition, its contributions (the
   nested rows from step 2), then :func:`geo.rollup.partition_sums` in the metric CRS chosen for the
   whole dataset, against the broadcast zones.
4. **Combine** the partial sums in a tree (whole m² add; no rounding happens after a carrier's own
   split), then :func:`geo.rollup.finish` once.

The integer table is the in-memory engine's, bit for bit, whatever the partitioning.

Install with ``pip install -e ".[dask]"``; a local cluster (``distributed.LocalCluster``) is started
unless a scheduler address or a client is given.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import metric_crs_for
from geo.rollup import MODES, Contributions, Mode, combine, contributions, finish, partition_sums, zone_types
from geo.schema import DataError, Problem, in_file, normalize_zones, validate_zones
from geo.text import Text

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "INSTALL_COMMAND",
    "ORDER_COLUMN",
    "EngineError",
    "available",
    "dataset_hash",
    "metric_crs_of",
    "nested_contributions",
    "partition_files",
    "read_zones",
    "require",
    "summarize",
    "write_partitions",
]

INSTALL_COMMAND = 'pip install -e ".[dask]"'
# Each carrier's row in the file it was partitioned from: unknown members are named in that order.
ORDER_COLUMN = "source_row"
# Partitions hold about this many carriers unless told otherwise.
_ROWS_PER_PARTITION = 250_000
# Partial sums are combined this many at a time.
_FAN_IN = 8
# Without a source_row column, partition k's rows are ordered after those of partitions before it.
_PARTITION_STRIDE = 2**40
_NEEDED = ("id", "floor_area_existing_m2", "floor_area_planned_m2")
_ATTRIBUTES = ("id", "parent_id", "floor_area_existing_m2", "floor_area_planned_m2", "opened_year", "planned_year")
_MODULES = ("dask", "distributed", "dask_geopandas")
_REWRITE = "write the partitions again with python -m geo partition"


class EngineError(RuntimeError):
    """The dask engine cannot run as asked (not installed, no partitions, a cluster that fails).

    ``text`` says what failed, why and how to fix it, in 中文 and English.
    """

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


def available() -> bool:
    """Whether dask, distributed and dask-geopandas are installed (the ``dask`` extra)."""
    return all(importlib.util.find_spec(name) is not None for name in _MODULES)


def require() -> None:
    """Raise :class:`EngineError` (saying ``pip install -e ".[dask]"``) unless the ``dask`` extra is installed."""
    missing = [name.replace("_", "-") for name in _MODULES if importlib.util.find_spec(name) is None]
    if missing:
        names = ", ".join(missing)
        raise EngineError(
            Text(
                f"dask 引擎需要安装 {names}，当前未安装；请在本项目目录中运行 {INSTALL_COMMAND} 后重试"
                "（或不加 --engine dask，改用内存引擎）",
                f"the dask engine needs {names}, which is not installed; run {INSTALL_COMMAND} in the project "
                "directory and try again (or leave out --engine dask to use the in-memory engine)",
            )
        )


def _natural_key(path: Path) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def partition_files(path: Path | str) -> list[Path]:
    """The GeoParquet files of a partitioned dataset (a directory, in natural order), or the one file given."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        fix = "give the directory that python -m geo partition wrote"
        raise DataError(str(path), [_problem("does not exist", "不存在", fix)])
    files = sorted((p for p in path.glob("*.parquet") if p.is_file()), key=_natural_key)
    if not files:
        raise DataError(
            str(path),
            [
                _problem(
                    "holds no .parquet files",
                    "中没有 .parquet 文件",
                    f"write the partitions first: python -m geo partition CARRIERS_FILE {path}",
                )
            ],
        )
    return files


def _problem(what_en: str, what_zh: str, fix_en: str, fix_zh: str = "") -> Problem:
    return Problem(
        "the partitioned carriers",
        what_en,
        fix_en,
        what_zh=what_zh,
        fix_zh=fix_zh or fix_en,
        where_zh="分区后的载体数据",
    )


def dataset_hash(files: Sequence[Path]) -> str:
    """sha256 over the partition files' names and contents, for the export stamp."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _schemas(files: Sequence[Path]) -> tuple[list[set[str]], list[dict[str, Any] | None]]:
    """Per file its column names and the GeoParquet metadata of its geometry column (or None)."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    names, geo = [], []
    for path in files:
        try:
            schema = pq.read_schema(path)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise DataError(
                path.name,
                [_problem(f"is not a readable Parquet file ({exc})", f"不是可读取的 Parquet 文件（{exc}）", _REWRITE)],
            ) from exc
        names.append(set(schema.names))
        try:
            meta = json.loads((schema.metadata or {}).get(b"geo", b"null") or b"null")
            column = meta.get("primary_column", "geometry")
            geo.append(meta["columns"].get(column))
        except (ValueError, AttributeError, KeyError, TypeError):  # no or broken GeoParquet metadata
            geo.append(None)
    return names, geo


def _check_columns(files: Sequence[Path], names: list[set[str]], geo: list[dict[str, Any] | None]) -> None:
    problems = []
    for path, columns, meta in zip(files, names, geo, strict=True):
        missing = [c for c in _NEEDED if c not in columns]
        if meta is None:
            problems.append(
                _problem(
                    f"{path.name} is not GeoParquet (no 'geo' metadata)",
                    f"{path.name} 不是 GeoParquet 文件（缺少 geo 元数据）",
                    "write the partitions with python -m geo partition",
                )
            )
        if missing:
            problems.append(
                _problem(
                    f"{path.name} lacks the column(s) {', '.join(missing)}",
                    f"{path.name} 缺少字段 {', '.join(missing)}",
                    "write the partitions with python -m geo partition from a carriers file",
                )
            )
    if problems:
        raise DataError("carriers", problems)


def _crs_of(meta: dict[str, Any] | None) -> object:
    crs = (meta or {}).get("crs", "OGC:CRS84")
    return "EPSG:4326" if crs is None or crs == "OGC:CRS84" else crs


def metric_crs_of(files: Sequence[Path], *, client: Client | None = None) -> Any:
    """The metric CRS the whole dataset is measured in: :func:`geo.crs.metric_crs_for` its total extent.

    The extent is the union of the partitions' own (their GeoParquet ``bbox``, what dask-geopandas
    reads as ``spatial_partitions``): the same numbers as the in-memory frame's ``total_bounds``, so
    both engines measure in the same CRS. A partition without a ``bbox`` is read for it.
    """
    _, geo = _schemas(files)
    boxes = []
    for path, meta in zip(files, geo, strict=True):
        bbox = (meta or {}).get("bbox")
        if bbox is None or len(bbox) != 4:
            if client is not None:
                bbox = client.submit(_file_bounds, str(path), pure=False).result()
            else:
                bbox = _file_bounds(str(path))
        boxes.append([float(v) for v in bbox])
    bounds = np.array(boxes, dtype=np.float64)
    finite = np.isfinite(bounds).all(axis=1)
    crs = _crs_of(geo[0])
    if not finite.any():
        return metric_crs_for(gpd.GeoSeries([], crs=crs))
    bounds = bounds[finite]
    extent = shapely.box(bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
    return metric_crs_for(gpd.GeoSeries([extent], crs=crs))


def _file_bounds(path: str) -> list[float]:
    return [float(v) for v in gpd.read_parquet(path, columns=["geometry"]).total_bounds]


def read_zones(path: Path | str | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Zones from a file (through the project's reader) or a frame, validated and normalized.

    Raises
    ------
    DataError
        With every problem of the zones, as :func:`geo.data.load_dataset` reports them.
    """
    from geo.data import read_frame  # noqa: PLC0415 - the reader is heavy

    frame = path if isinstance(path, gpd.GeoDataFrame) else read_frame(path)
    problems = in_file(validate_zones(frame), "zones")
    if problems:
        raise DataError(str(path) if not isinstance(path, gpd.GeoDataFrame) else "zones", problems)
    return normalize_zones(frame)


def nested_contributions(files: Sequence[Path], *, year: int | None = None) -> pd.DataFrame:
    """Contributions of every carrier that has a parent, from the whole dataset's parent tree.

    Reads the attribute columns only (no geometry), and only of the carriers with a parent and of
    their ancestors: a carrier without a parent contributes by its own row alone, so every
    partition computes those itself. Returns the :meth:`geo.rollup.Contributions.to_frame`
    columns indexed by carrier ``id`` (empty when no carrier has a parent).
    """
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415
    import pyarrow.dataset as ds  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:  # a partition whose column is all null has type null there: unify with the others
        schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise DataError(
            "carriers",
            [_problem(f"the partitions' columns disagree ({exc})", f"各分区的字段类型不一致（{exc}）", _REWRITE)],
        ) from exc
    dataset = ds.dataset([str(f) for f in files], format="parquet", schema=schema)
    names = set(dataset.schema.names)
    if "parent_id" not in names:
        return Contributions.from_frame(_empty_contributions()).to_frame(pd.Index([], name="id", dtype=object))
    columns = [c for c in _ATTRIBUTES if c in names]
    nested = dataset.to_table(columns=columns, filter=pc.field("parent_id").is_valid()).to_pandas()
    frames = [nested]
    seen = set(nested["id"].astype(str))
    asked: set[str] = set()
    wanted = set(nested["parent_id"].astype(str)) - seen
    while wanted:  # one scan of the id column per level of the tree
        asked |= wanted
        found = dataset.to_table(columns=columns, filter=pc.field("id").isin(sorted(wanted))).to_pandas()
        frames.append(found)
        seen |= set(found["id"].astype(str))
        wanted = set(found["parent_id"].dropna().astype(str)) - seen - asked
    tree = pd.concat(frames, ignore_index=True).drop_duplicates("id")
    for column in _ATTRIBUTES:
        if column not in tree.columns:
            tree[column] = pd.array([pd.NA] * len(tree), dtype="Int64")
    contrib = contributions(tree, year=year)
    frame = contrib.to_frame(pd.Index(tree["id"].astype(str).to_numpy(dtype=object), name="id"))
    return frame[tree["parent_id"].notna().to_numpy()]


def _empty_contributions() -> pd.DataFrame:
    empty = np.empty(0, dtype=np.int64)
    flags = np.empty(0, dtype=bool)
    return pd.DataFrame(
        {"existing_m2": empty, "planned_m2": empty, "existing_unknown": flags, "planned_unknown": flags, "top": flags}
    )


def _with_nested(contrib: Contributions, part: pd.DataFrame, nested: pd.DataFrame) -> Contributions:
    """``contrib`` of a partition with the rows of carriers that have a parent taken from the whole tree."""
    if not len(nested) or "parent_id" not in part.columns:
        return contrib
    rows = np.flatnonzero(part["parent_id"].notna().to_numpy())
    if not len(rows):
        return contrib
    at = nested.index.get_indexer(part["id"].iloc[rows].astype(str))
    rows, at = rows[at >= 0], at[at >= 0]
    arrays = {
        "existing": contrib.existing.copy(),
        "planned": contrib.planned.copy(),
        "existing_unknown": contrib.existing_unknown.copy(),
        "planned_unknown": contrib.planned_unknown.copy(),
        "top": contrib.top.copy(),
    }
    for name, column in (
        ("existing", "existing_m2"),
        ("planned", "planned_m2"),
        ("existing_unknown", "existing_unknown"),
        ("planned_unknown", "planned_unknown"),
        ("top", "top"),
    ):
        arrays[name][rows] = nested[column].to_numpy()[at]
    return Contributions(**arrays)


def _partition_sums(
    path: str,
    number: int,
    zones: gpd.GeoDataFrame,
    nested: pd.DataFrame,
    *,
    by: str,
    mode: Mode,
    year: int | None,
    crs: Any,
    columns: list[str] | None,
    threads: int,
) -> pd.DataFrame:
    """One task: a partition's partial sums (runs on a worker)."""
    try:
        part = gpd.read_parquet(path, columns=columns)
    except (OSError, ValueError, shapely.errors.GEOSException) as exc:
        raise DataError(Path(path).name, [_problem(f"cannot be read ({exc})", f"无法读取（{exc}）", _REWRITE)]) from exc
    part = part.reset_index(drop=True)
    if ORDER_COLUMN in part.columns:
        order = part[ORDER_COLUMN].to_numpy(dtype=np.int64)
    else:
        order = number * _PARTITION_STRIDE + np.arange(len(part), dtype=np.int64)
    contrib = _with_nested(contributions(part, year=year), part, nested)
    return partition_sums(part, zones, contrib, by=by, mode=mode, crs=crs, workers=threads, order=order)


def _tree_combine(parts: list[Any]) -> Any:
    import dask  # noqa: PLC0415

    while len(parts) > 1:
        parts = [dask.delayed(combine)(*parts[i : i + _FAN_IN]) for i in range(0, len(parts), _FAN_IN)]
    return parts[0]


def _columns(names: set[str], *, by: str, mode: Mode, year: int | None) -> list[str]:
    wanted = [*_NEEDED, "parent_id", "geometry", ORDER_COLUMN]
    if by == "status":
        wanted.append("status")
    elif mode == "declared":
        wanted.append("zone_ids")
    if year is not None:
        wanted += ["opened_year", "planned_year"]
    return [c for c in wanted if c in names or c == "geometry"]


def _start_cluster(*, workers: int | None, memory_per_worker: str | int | None, processes: bool) -> Any:
    from distributed import LocalCluster  # noqa: PLC0415

    try:
        return LocalCluster(
            n_workers=workers or 2,
            threads_per_worker=1,
            processes=processes,
            memory_limit=memory_per_worker if memory_per_worker is not None else "auto",
            dashboard_address=":0",
        )
    except (OSError, RuntimeError, ValueError) as exc:
        raise EngineError(
            Text(
                f"无法启动本地 dask 集群（{exc}）；请减少 --workers 或调整 --memory-per-worker 后重试",
                f"the local dask cluster could not start ({exc}); try fewer --workers or another --memory-per-worker",
            )
        ) from exc


def _connect(scheduler: str) -> Client:
    from distributed import Client  # noqa: PLC0415

    try:
        return Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise EngineError(
            Text(
                f"无法连接 dask 调度器 {scheduler}（{exc}）；请确认地址与端口（如 tcp://HOST:8786）以及调度器已启动",
                f"cannot reach the dask scheduler at {scheduler} ({exc}); check the address and port "
                "(e.g. tcp://HOST:8786) and that the scheduler is running",
            )
        ) from exc


def summarize(
    carriers: Path | str,
    zones: Path | str | gpd.GeoDataFrame,
    *,
    by: str = "pole",
    mode: Mode = "declared",
    year: int | None = None,
    client: Client | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_per_worker: str | int | None = None,
    processes: bool = True,
    threads: int = 1,
) -> pd.DataFrame:
    """:func:`geo.rollup.summarize` of a partitioned GeoParquet dataset, on a dask cluster.

    Parameters
    ----------
    carriers
        A directory of GeoParquet partitions (as :func:`write_partitions` writes them), or one file.
    zones
        The zones file (read and validated by the project's reader) or frame; broadcast to workers.
    by, mode, year
        As in :func:`geo.rollup.summarize`.
    client
        A ``distributed.Client`` to run on. Otherwise ``scheduler`` (e.g. ``tcp://HOST:8786``), or
        else a ``distributed.LocalCluster`` started for this call and closed after it.
    workers, memory_per_worker, processes
        The local cluster's worker count (default 2), memory limit per worker (e.g. ``"2GB"``;
        default: the machine's memory shared out), and whether workers are processes (``False``:
        threads of this process).
    threads
        Threads per partition for the geometry (the workers already run partitions in parallel).

    Returns
    -------
    DataFrame
        The summary table, identical to the in-memory engine's on the same carriers.

    Raises
    ------
    EngineError
        dask is not installed (the message says ``pip install -e ".[dask]"``), or the cluster fails.
    DataError
        The partitions or zones break the data contract, or an outline cannot be measured.
    ValueError
        ``by`` is not a zone type of the zones nor ``status``, or ``mode`` is unknown.
    """
    require()
    import dask  # noqa: PLC0415

    if by != "status" and mode not in MODES:
        raise ValueError(f"unknown membership mode {mode!r}; use one of: {', '.join(MODES)}")
    zone_frame = read_zones(zones)
    types = zone_types(zone_frame)
    if by != "status" and by not in types:
        choices = ", ".join([*types, "status"])
        raise ValueError(f"cannot group by {by!r}: the zones have no zones of that type; use one of: {choices}")
    files = partition_files(carriers)
    names, geo = _schemas(files)
    _check_columns(files, names, geo)
    nested = nested_contributions(files, year=year)
    cluster = None
    own_client = client is None
    if client is None:
        if scheduler is not None:
            client = _connect(scheduler)
        else:
            cluster = _start_cluster(workers=workers, memory_per_worker=memory_per_worker, processes=processes)
            from distributed import Client  # noqa: PLC0415

            client = Client(cluster)
    try:
        crs = metric_crs_of(files, client=client)
        [zones_on_workers] = client.scatter([zone_frame], broadcast=True, hash=False)
        [nested_on_workers] = client.scatter([nested], broadcast=True, hash=False)
        columns = _columns(set.intersection(*names), by=by, mode=mode, year=year)
        parts = [
            dask.delayed(_partition_sums, pure=False)(
                str(path),
                number,
                zones_on_workers,
                nested_on_workers,
                by=by,
                mode=mode,
                year=year,
                crs=crs,
                columns=columns,
                threads=threads,
            )
            for number, path in enumerate(files)
        ]
        sums = client.compute(_tree_combine(parts)).result()
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
    return finish(sums, zone_frame, by=by)


def write_partitions(
    carriers: gpd.GeoDataFrame,
    out_dir: Path | str,
    *,
    partitions: int | None = None,
    level: int = 16,
) -> list[Path]:
    """Write ``carriers`` as GeoParquet partitions sorted along a Hilbert curve.

    Parameters
    ----------
    carriers
        Validated, normalized carriers (e.g. :attr:`geo.data.Dataset.carriers`).
    out_dir
        A new or empty directory.
    partitions
        How many files (default: one per 250,000 carriers, at least one).
    level
        Precision of the Hilbert curve (dask-geopandas ``spatial_shuffle``).

    Returns
    -------
    list of Path
        The files written, in order. Each holds a ``source_row`` column (the carrier's row in
        ``carriers``) and its own extent in its GeoParquet metadata.
    """
    require()
    import dask  # noqa: PLC0415
    import dask_geopandas  # noqa: PLC0415

    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EngineError(
            Text(
                f"输出目录 {out} 已存在且不为空；请指定一个新目录或空目录",
                f"the output directory {out} exists and is not empty; give a new or empty directory",
            )
        )
    count = partitions or max(1, math.ceil(len(carriers) / _ROWS_PER_PARTITION))
    frame = carriers.reset_index(drop=True)
    frame[ORDER_COLUMN] = np.arange(len(frame), dtype=np.int64)
    if count == 1 or len(frame) < 2:
        out.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(out / "part.0.parquet", index=False, write_covering_bbox=False)
        return partition_files(out)
    with dask.config.set({"scheduler": "threads", "dataframe.shuffle.method": "tasks"}):
        spread = dask_geopandas.from_geopandas(frame, npartitions=count)
        ordered = spread.spatial_shuffle(by="hilbert", level=level, npartitions=count, calculate_partitions=False)
        ordered.to_parquet(str(out), write_index=False)
    return partition_files(out)
