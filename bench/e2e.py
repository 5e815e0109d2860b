"""From file to table, whole processes: ``python -m geo summary`` beside a read_file + overlay + groupby script.

Run: ``python -m bench.e2e [--sizes 200000,1000000] [--formats gpkg,parquet] [--modes area,largest,declared]
[--repeat 1]``. Prints one Markdown table and the machine's load.

What a user runs is timed, not a function: each row is a fresh process, interpreter start, imports,
reading, checking, reprojecting, summing and writing the CSV included, and its peak RSS (the
child's own ``ru_maxrss``, from ``os.wait4``). The footprints of :mod:`bench.synthetic` (fixed seed)
are written once per size to ``bench/out/e2e/`` in WGS-84 (longitude/latitude, as files usually
come) as GeoPackage and GeoParquet, beside its 10 overlapping zones (4 poles, 6 belts) as GeoJSON.

* **project**: ``python -m geo summary --carriers F --zones Z --by pole --mode M --output out.csv``;
* **baseline**: ``python -m bench.e2e --baseline F Z M``, a plain script: ``geopandas.read_file``
  (``read_parquet`` for GeoParquet), ``to_crs(EPSG:4549)``, then for ``area`` ``geopandas.overlay``
  (intersection) + groupby + largest-remainder rounding, for ``largest`` ``sjoin`` + intersection
  areas + first maximum, for ``declared`` ``zone_ids`` split and exploded (the functions of
  :mod:`bench.baselines`), and a CSV.

Both tables are compared (existing, planned and total per zone, outside and total, whole m²): the
``same`` column says whether they agree. The issue's targets at 1M (``--mode area`` ≤ 5 s, ≥ 10×
the baseline, peak RSS ≤ 2 GB) are only meaningful on a quiet machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "e2e"
FORMATS = {"gpkg": "GeoPackage", "parquet": "GeoParquet"}
MODES = ("area", "largest", "declared")
METRIC_CRS = "EPSG:4549"


def write_inputs(n: int, formats: list[str]) -> tuple[dict[str, Path], Path]:
    """The footprints in WGS-84 per format and the zones as GeoJSON, written once per size."""
    from bench.synthetic import load_footprints, make_zones  # noqa: PLC0415

    OUT.mkdir(parents=True, exist_ok=True)
    paths = {fmt: OUT / f"footprints_{n}_wgs84.{fmt}" for fmt in formats}
    zones_path = OUT / "zones_wgs84.geojson"
    if not zones_path.exists():
        make_zones().to_crs(4326).to_file(zones_path, driver="GeoJSON", engine="pyogrio")
    missing = [fmt for fmt, path in paths.items() if not path.exists()]
    if missing:
        footprints = load_footprints(n).to_crs(4326)
        for fmt in missing:
            partial = paths[fmt].with_suffix(f".{os.getpid()}.{fmt}")
            if fmt == "gpkg":
                footprints.to_file(partial, driver="GPKG", layer="footprints", engine="pyogrio")
            else:
                footprints.to_parquet(partial)
            partial.replace(paths[fmt])
    return paths, zones_path


def measure(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stderr) of ``command`` run as a child process of its own."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{err}")
    return wall, usage.ru_maxrss / 1024, err


def project_command(path: Path, zones_path: Path, mode: str, out: Path) -> list[str]:
    """``python -m geo summary`` as a user types it."""
    return [
        sys.executable,
        "-m",
        "geo",
        "summary",
        "--carriers",
        str(path),
        "--zones",
        str(zones_path),
        "--by",
        "pole",
        "--mode",
        mode,
        "--output",
        str(out),
    ]


def baseline(path: Path, zones_path: Path, mode: str, out: Path) -> None:
    """The plain script: read_file, to_crs, overlay/sjoin/explode + groupby, a CSV."""
    import geopandas as gpd  # noqa: PLC0415

    from bench import baselines  # noqa: PLC0415

    # GeoParquet through geopandas' own reader (read_file would go through GDAL's Parquet driver).
    footprints = (gpd.read_parquet(path) if path.suffix == ".parquet" else gpd.read_file(path)).to_crs(METRIC_CRS)
    zones = gpd.read_file(zones_path).to_crs(METRIC_CRS)
    function = {
        "area": baselines.area_overlay,
        "largest": baselines.largest_sjoin,
        "declared": baselines.declared_explode,
    }[mode]
    function(footprints, zones, "pole").to_csv(out, index=False)


def _records(path: Path) -> list[tuple[str, int | None, int | None, int | None]]:
    import pandas as pd  # noqa: PLC0415

    from bench import baselines  # noqa: PLC0415

    table = pd.read_csv(path, comment="#", encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    return baselines.table_records(table)


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Write the inputs, run every (size, format, mode) as whole processes, print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,1000000", help="footprint counts (default: %(default)s)")
    parser.add_argument("--formats", default="gpkg,parquet", help="gpkg and/or parquet (default: %(default)s)")
    parser.add_argument("--modes", default=",".join(MODES), help="membership modes (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command, median reported")
    parser.add_argument("--no-baseline", action="store_true", help="time the project only")
    parser.add_argument("--baseline", nargs=3, metavar=("FILE", "ZONES", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline:  # the baseline script, run as its own process by the benchmark
        path, zones_path, mode = args.baseline
        baseline(Path(path), Path(zones_path), mode, OUT / f"baseline_{os.getpid()}.csv")
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s]
    formats = [f for f in args.formats.split(",") if f]
    modes = [m for m in args.modes.split(",") if m]
    print(f"Load average (1, 5, 15 min) at the start: {_load()} on {os.cpu_count()} cores.\n")
    print(
        "| footprints | file | mode | `python -m geo summary` s | its peak RSS MB | read_file + overlay script s",
        end="",
    )
    print(" | its peak RSS MB | speed-up | same table |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---|")
    for n in sizes:
        paths, zones_path = write_inputs(n, formats)
        for fmt in formats:
            for mode in modes:
                project_out = OUT / "project.csv"
                try:
                    runs = [
                        measure(project_command(paths[fmt], zones_path, mode, project_out)) for _ in range(args.repeat)
                    ]
                except SystemExit as refused:  # e.g. the reader's size cap: say so in the row, go on
                    reason = str(refused).splitlines()[-1].replace("|", "/")
                    print(f"| {n:,} | {FORMATS[fmt]} | {mode} | failed: {reason} | | | | | |", flush=True)
                    continue
                wall, rss = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
                cells = [f"{n:,}", FORMATS[fmt], mode, f"{wall:.2f}", f"{rss:.0f}"]
                if args.no_baseline:
                    cells += ["–", "–", "–", "–"]
                else:
                    command = [sys.executable, "-m", "bench.e2e", "--baseline", str(paths[fmt]), str(zones_path), mode]
                    base_runs = [measure(command) for _ in range(args.repeat)]
                    base_wall, base_rss = statistics.median(r[0] for r in base_runs), max(r[1] for r in base_runs)
                    written = sorted(OUT.glob("baseline_*.csv"), key=lambda p: p.stat().st_mtime)[-1]
                    same = _records(project_out) == _records(written)
                    for stale in OUT.glob("baseline_*.csv"):
                        stale.unlink()
                    cells += [
                        f"{base_wall:.2f}",
                        f"{base_rss:.0f}",
                        f"{base_wall / wall:.1f}×",
                        "yes" if same else "NO",
                    ]
                print("| " + " | ".join(cells) + " |", flush=True)
    print(f"\nMedian of {args.repeat} run(s) per cell. Load average at the end: {_load()}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
