"""Large files through the product: a 100k-footprint GeoPackage and GeoParquet, read, checked and summed.

Run: ``python -m bench.files [--footprints 100000] [--repeat 3]``. Prints one Markdown table.

The synthetic footprints and zones of :mod:`bench.synthetic` (fixed seed) are written once to
``bench/out/files/`` as GeoPackage and GeoParquet (EPSG:4549, as a planning bureau's CGCS2000 data
would be), the zones as GeoPackage. For each format, median of ``--repeat``:

* **page**, in this process, the steps the page runs for an upload (caches cold): ``reader.inspect``
  (the file's summary and preview shown on upload), ``reader.read`` (every row checked, reprojected to
  WGS-84, its report), ``geo.data.with_layers`` (validation against the zones), ``summarize`` for each
  zone type and by status (the tables and headline), and the map's layer data
  (``layers.map_basis`` + ``layers.overlay_data``: the density grid at this size);
* **command line**, in a fresh process: ``python -m geo summary --carriers F --zones Z --by pole
  --mode area --output …``, wall time and the process's peak RSS, interpreter start and imports
  included.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import layers
from bench.synthetic import make_footprints, make_zones
from geo.data import load_dataset, with_layers
from geo.io import reader
from geo.rollup import summarize, zone_types

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "files"
FORMATS = {"GeoPackage": "gpkg", "GeoParquet": "parquet"}
STEPS = ("inspect", "read", "validate", "summaries", "map")


def write_files(n: int) -> dict[str, Path]:
    """The footprints in each format and the zones as GeoPackage, written once per size."""
    OUT.mkdir(parents=True, exist_ok=True)
    paths = {name: OUT / f"footprints_{n}.{ext}" for name, ext in FORMATS.items()}
    paths["zones"] = OUT / "zones.gpkg"
    if all(path.exists() for path in paths.values()):
        return paths
    footprints = make_footprints(n)
    footprints.to_file(paths["GeoPackage"], driver="GPKG", layer="footprints")
    footprints.to_parquet(paths["GeoParquet"])
    make_zones().to_file(paths["zones"], driver="GPKG", layer="zones")
    return paths


def _timed(step: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def page_steps(path: Path, zones_path: Path) -> dict[str, float]:
    """Seconds for each of the page's steps on one upload of ``path`` (zones read the same way first)."""
    zones = reader.read(zones_path.read_bytes(), zones_path.name, role="zones").frame
    raw = path.read_bytes()
    times: dict[str, float] = {}
    times["inspect"], _ = _timed(lambda: reader.inspect(raw, path.name))
    times["read"], result = _timed(lambda: reader.read(raw, path.name, role="carriers"))
    carriers = result.frame  # type: ignore[attr-defined]
    base = load_dataset()
    hashes = {"carriers": hashlib.sha256(raw).hexdigest()}  # the page hashes the uploaded bytes
    times["validate"], data = _timed(
        lambda: with_layers(base, carriers=carriers, zones=zones, how="replace", hashes=hashes)
    )

    def summaries() -> None:
        for by in [*zone_types(data.zones), "status"]:  # type: ignore[attr-defined]
            summarize(data.carriers, data.zones, by=by, mode="declared")  # type: ignore[attr-defined]

    times["summaries"], _ = _timed(summaries)

    def map_data() -> None:
        layers.map_basis(data.carriers, data.zones, context=data.context)  # type: ignore[attr-defined]
        layers.overlay_data(data.carriers, data.zones, context=data.context, layers=layers.LAYER_KEYS)  # type: ignore[attr-defined]

    times["map"], _ = _timed(map_data)
    return times


# Runs ``python -m geo`` with the given arguments, then prints the process's peak RSS (VmHWM, per
# program image: unlike a child's ru_maxrss, it does not count the parent's memory before exec). The
# command ends its process with os._exit once its outputs are written (geo.__main__.run): the peak is
# printed just before.
_CLI_WRAPPER = """
import os, runpy, sys
sys.argv = ["geo", *sys.argv[1:]]
_exit = os._exit
def _exit_with_peak(code):
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    print("VmHWM_kB", status, file=sys.stderr, flush=True)
    _exit(code)
os._exit = _exit_with_peak
runpy.run_module("geo", run_name="__main__", alter_sys=True)
"""


def command_line(path: Path, zones_path: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of ``python -m geo summary`` on ``path`` in a fresh process."""
    out = OUT / "summary.csv"
    command = [sys.executable, "-c", _CLI_WRAPPER, "summary", "--carriers", str(path), "--zones", str(zones_path)]
    command += ["--by", "pole", "--mode", "area", "--output", str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"python -m geo summary failed on {path.name}:\n{done.stderr}")
    peak_kb = int(done.stderr.split("VmHWM_kB")[-1].split()[0])
    return wall, peak_kb / 1024


def main(argv: list[str] | None = None) -> None:
    """Write the files, time the page's steps and the command line, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.files", description=__doc__.splitlines()[0])
    parser.add_argument("--footprints", type=int, default=100_000, help="footprints (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per format, median reported (default: 3)")
    args = parser.parse_args(argv)

    paths = write_files(args.footprints)
    print(f"| {args.footprints:,} footprints | file MB | " + " | ".join(f"page: {s} s" for s in STEPS), end="")
    print(" | page total s | `python -m geo summary` s | its peak RSS MB |")
    print("|---|" + "---:|" * (len(STEPS) + 4))
    for name in FORMATS:
        path = paths[name]
        runs = [page_steps(path, paths["zones"]) for _ in range(args.repeat)]
        medians = {step: statistics.median(run[step] for run in runs) for step in STEPS}
        total = statistics.median(sum(run.values()) for run in runs)
        cli = [command_line(path, paths["zones"]) for _ in range(args.repeat)]
        cells = [f"{medians[step]:.2f}" for step in STEPS]
        print(
            f"| {name} | {path.stat().st_size / 1e6:.1f} | {' | '.join(cells)} | {total:.2f} "
            f"| {statistics.median(c[0] for c in cli):.2f} | {max(c[1] for c in cli):.0f} |"
        )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    this_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\nMedian of {args.repeat}. This process (page steps, both formats) peaked at {this_rss:.0f} MB. "
        f"Load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} cores."
    )


if __name__ == "__main__":
    main()
