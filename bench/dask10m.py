"""Ten million footprints on a local dask cluster: time, memory per worker, and the same sums as in memory.

Run: ``python -m bench.dask10m [--footprints 10000000] [--chunk 1000000] [--rows-per-partition 250000]
[--workers 2] [--memory-per-worker 2GB] [--modes area,largest,declared] [--sample-chunks 1]``.

1. **Write** (once, cached in ``bench/out/dask/``): the footprints are made ``--chunk`` at a time
   with :func:`bench.synthetic.make_footprints` (chunk k with seed k, ids prefixed ``k-``), in
   WGS-84, sorted along one Hilbert curve over the study area and cut into GeoParquet partitions
   of ``--rows-per-partition``, each with its ``source_row`` (its row in the 10M) and its extent
   in its metadata, as ``python -m geo partition`` writes them. No step ever holds more than a chunk.
2. **Sum** on a ``distributed.LocalCluster`` of ``--workers`` processes, one thread each, each
   limited to ``--memory-per-worker``: :func:`geo.engine_dask.summarize` for each mode (by pole),
   wall time; then each worker's peak RSS (its own ``ru_maxrss``) and this process's.
3. **Check** on a sample that fits in memory (the first ``--sample-chunks`` chunks): the dask
   engine on the sample's partitions and :func:`geo.rollup.summarize` on the same rows read into
   one frame give the same table, every column, bit for bit.

A worker holds one partition at a time (one thread), so its memory is bounded by the partition
size, not by the dataset's.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from bench.synthetic import ORIGIN, SIDE_M, make_footprints, make_zones
from geo import engine_dask
from geo.rollup import summarize

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "dask"


def _study_area_wgs84() -> tuple[float, float, float, float]:
    box = gpd.GeoSeries.from_xy([ORIGIN[0], ORIGIN[0] + SIDE_M], [ORIGIN[1], ORIGIN[1] + SIDE_M], crs="EPSG:4549")
    minx, miny, maxx, maxy = box.to_crs(4326).total_bounds
    margin = 0.01  # degrees: footprints reach a little beyond the square
    return minx - margin, miny - margin, maxx + margin, maxy + margin


def write_dataset(n: int, *, chunk: int, rows_per_partition: int) -> tuple[Path, list[list[Path]]]:
    """The partitioned dataset (written once), and per chunk its partition files."""
    directory = OUT / f"footprints_{n}_chunk{chunk}_p{rows_per_partition}"
    done = directory / "_complete"
    chunks = -(-n // chunk)
    per_chunk = -(-chunk // rows_per_partition)
    if not done.exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        bounds = _study_area_wgs84()
        for k in range(chunks):
            size = min(chunk, n - k * chunk)
            started = time.perf_counter()
            frame = make_footprints(size, seed=k).to_crs(4326)
            frame["id"] = f"{k}-" + frame["id"].astype(str)
            frame[engine_dask.ORDER_COLUMN] = np.arange(k * chunk, k * chunk + size, dtype=np.int64)
            order = np.argsort(frame.geometry.hilbert_distance(total_bounds=bounds, level=16).to_numpy(), kind="stable")
            frame = frame.iloc[order].reset_index(drop=True)
            for j, start in enumerate(range(0, size, rows_per_partition)):
                part = frame.iloc[start : start + rows_per_partition]
                part.to_parquet(directory / f"part.{k * per_chunk + j}.parquet", index=False)
            print(f"  chunk {k + 1}/{chunks} written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            del frame
        done.write_text("ok\n")
    files = engine_dask.partition_files(directory)
    by_chunk = [[f for f in files if int(f.stem.split(".")[1]) // per_chunk == k] for k in range(chunks)]
    return directory, by_chunk


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    """Write the dataset once, sum it on a local cluster in each mode, check a sample, print the results."""
    parser = argparse.ArgumentParser(prog="python -m bench.dask10m", description=__doc__.splitlines()[0])
    parser.add_argument("--footprints", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=1_000_000, help="footprints made at a time")
    parser.add_argument("--rows-per-partition", type=int, default=250_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-per-worker", default="2GB")
    parser.add_argument("--modes", default="area,largest,declared")
    parser.add_argument("--sample-chunks", type=int, default=1, help="chunks checked against the in-memory engine")
    args = parser.parse_args(argv)
    engine_dask.require()
    from distributed import Client, LocalCluster  # noqa: PLC0415

    started = time.perf_counter()
    directory, by_chunk = write_dataset(args.footprints, chunk=args.chunk, rows_per_partition=args.rows_per_partition)
    files = [f for chunk in by_chunk for f in chunk]
    print(
        f"dataset: {args.footprints:,} footprints in {len(files)} partitions ({directory}), ready after "
        f"{time.perf_counter() - started:.0f} s"
    )
    zones_path = OUT / "zones_wgs84.geojson"
    if not zones_path.exists():
        make_zones().to_crs(4326).to_file(zones_path, driver="GeoJSON", engine="pyogrio")
    zones = engine_dask.read_zones(zones_path)
    print(
        f"Load average (1, 5, 15 min) at the start: {', '.join(f'{v:.2f}' for v in os.getloadavg())} "
        f"on {os.cpu_count()} cores.\n"
    )
    print(
        f"| {args.footprints:,} footprints, dask | seconds | peak RSS per worker MB (limit {args.memory_per_worker}) |"
    )
    print("|---|---:|---|")
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=args.memory_per_worker,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        for mode in args.modes.split(","):
            # each mode from fresh workers, so that the peaks are its own (slow to come back on a busy machine)
            client.restart(timeout=600)
            begin = time.perf_counter()
            engine_dask.summarize(directory, zones, by="pole", mode=mode, client=client)
            wall = time.perf_counter() - begin
            peaks = client.run(_peak_rss_mb)
            print(f"| --mode {mode} | {wall:.1f} | {', '.join(f'{v:.0f}' for v in peaks.values())} |", flush=True)

        sample = [f for chunk in by_chunk[: args.sample_chunks] for f in chunk]
        sample_dir = OUT / "sample"
        shutil.rmtree(sample_dir, ignore_errors=True)
        sample_dir.mkdir(parents=True)
        for path in sample:
            (sample_dir / path.name).symlink_to(path)
        whole = pd.concat([gpd.read_parquet(p) for p in sample], ignore_index=True)
        whole = whole.sort_values(engine_dask.ORDER_COLUMN, kind="stable").reset_index(drop=True)
        whole = gpd.GeoDataFrame(whole, geometry="geometry", crs=4326)
        verdicts = []
        for mode in args.modes.split(","):
            on_dask = engine_dask.summarize(sample_dir, zones, by="pole", mode=mode, client=client)
            in_memory = summarize(whole, zones, by="pole", mode=mode)
            try:
                pd.testing.assert_frame_equal(on_dask, in_memory)
                verdicts.append(f"{mode}: identical")
            except AssertionError as exc:
                verdicts.append(f"{mode}: DIFFERENT ({str(exc).splitlines()[0]})")
    print(
        f"\nSample of {len(whole):,} footprints ({len(sample)} partitions), dask vs in memory: {'; '.join(verdicts)}."
    )
    print(f"This process peaked at {_peak_rss_mb():.0f} MB (the sample's in-memory run included).")
    print(f"Load average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
