"""What the isolated reader costs, and an upload at the cap read, checked and summed.

Run: ``python -m bench.isolation [--footprints 10000 200000] [--repeat 5]``. Prints one Markdown table.

The synthetic footprints of :mod:`bench.synthetic` (fixed seed, EPSG:4549) are written once per size
to ``bench/out/isolation/`` as GeoParquet and GeoPackage. For each file, median of ``--repeat``:

* ``reader.read`` / ``reader.inspect`` as the page and the command line call them (parsed in the
  reader's limited worker process, :mod:`geo.io._worker`), against the same functions run in this
  process (``_read_here`` / ``_inspect_here``): the difference is what isolation costs;
* **read + check + sum**: ``reader.read`` (role carriers), ``geo.data.with_layers`` (the contract
  check against the zones) and ``summarize`` for each zone type and by status, as the page does.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.synthetic import make_footprints, make_zones
from geo.data import load_dataset, with_layers
from geo.io import reader
from geo.io.reader import Limits
from geo.rollup import summarize, zone_types

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "isolation"


def write_files(n: int) -> dict[str, Path]:
    """The footprints as GeoParquet and GeoPackage, and the zones, written once per size."""
    OUT.mkdir(parents=True, exist_ok=True)
    paths = {"GeoParquet": OUT / f"footprints_{n}.parquet", "GeoPackage": OUT / f"footprints_{n}.gpkg"}
    zones = OUT / "zones.gpkg"
    if not all(p.exists() for p in [*paths.values(), zones]):
        footprints = make_footprints(n)
        footprints.to_parquet(paths["GeoParquet"])
        footprints.to_file(paths["GeoPackage"], driver="GPKG", layer="footprints")
        make_zones().to_file(zones, driver="GPKG", layer="zones")
    return {**paths, "zones": zones}


def _median(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    """Write the files, time the reads in and out of the worker, and the whole upload, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.isolation", description=__doc__.splitlines()[0])
    parser.add_argument("--footprints", type=int, nargs="+", default=[10_000, 200_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    base = load_dataset()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        "| file | read isolated s | read in-process s | inspect isolated s | inspect in-process s "  # noqa: ISC003
        + "| read + check + sum s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for n in args.footprints:
        paths = write_files(n)
        zones = reader.read(paths["zones"].read_bytes(), "zones.gpkg", role="zones").frame
        for name in ("GeoParquet", "GeoPackage"):
            path = paths[name]
            if path.stat().st_size > Limits().max_upload_bytes:
                print(f"| {name} {n:,} | over the upload cap ({path.stat().st_size / 2**20:.0f} MB): not read |||||")
                continue
            raw = path.read_bytes()
            isolated = _median(lambda raw=raw, path=path: reader.read(raw, path.name, role="carriers"), args.repeat)
            here = _median(lambda raw=raw, path=path: reader._read_here(raw, path.name, role="carriers"), args.repeat)
            inspect = _median(lambda raw=raw, path=path: reader.inspect(raw, path.name), args.repeat)
            inspect_here = _median(lambda raw=raw, path=path: reader._inspect_here(raw, path.name), args.repeat)

            def upload(raw: bytes = raw, path: Path = path, zones: object = zones) -> None:
                frame = reader.read(raw, path.name, role="carriers").frame
                digest = {"carriers": hashlib.sha256(raw).hexdigest()}
                data = with_layers(base, carriers=frame, zones=zones, how="replace", hashes=digest)
                for by in [*zone_types(data.zones), "status"]:
                    summarize(data.carriers, data.zones, by=by, mode="declared")

            whole = _median(upload, max(1, args.repeat // 2))
            print(f"| {name} {n:,} | {isolated:.2f} | {here:.2f} | {inspect:.2f} | {inspect_here:.2f} | {whole:.2f} |")


if __name__ == "__main__":
    main()
