"""The contract check and normalization of a large file, in CPU seconds: ``validate_carriers`` + ``normalize_carriers``.

Run: ``python -m bench.validation [--file F] [--zones Z] [--repeat 3] [--oracle]``. Prints one line per
implementation with the load average.

The frame is the one the reader makes of ``F`` (text as pandas' text dtype, figures as the reader gives
them), read once through :func:`geo.io.reader.read_path` and cached beside it in ``bench/out/validation/``
(the reader itself is not what is timed). Each repeat is a fresh process, so what a command pays on its
first call (allocations, Arrow's first kernels) is counted as a user pays it: ``validate_carriers`` with
the zones' ids, then ``normalize_carriers`` given the same :class:`geo.schema.FrameCells` (as
:func:`geo.data.load_dataset` does). ``project`` is a frame handed in (every outline checked with GEOS);
``read`` a file :func:`geo.data.load_dataset` read through the reader, whose repair step already found
every outline valid (``FrameCells(outlines_valid=True)``). The minimum over the repeats is printed (the
machine is shared: the minimum is the least disturbed). ``--oracle`` also times the validation as it
was before issue 13 (``tests/schema_oracle.py``, a frozen copy), on the same frame, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "validation"
DEFAULT_FILE = ROOT / "bench" / "out" / "e2e" / "footprints_1000000_wgs84.parquet"
DEFAULT_ZONES = ROOT / "bench" / "out" / "e2e" / "zones_wgs84.geojson"


def cached_frame(path: Path) -> Path:
    """The reader's frame of ``path``, pickled once in ``bench/out/validation/``."""
    OUT.mkdir(parents=True, exist_ok=True)
    cache = OUT / f"{path.name}.{path.stat().st_size}.pkl"
    if not cache.exists():
        from geo.io.reader import read_path  # noqa: PLC0415

        frame = read_path(path).frame
        partial = cache.with_suffix(f".{os.getpid()}.pkl")
        with partial.open("wb") as out:
            pickle.dump(frame, out, protocol=5)
        partial.replace(cache)
    return cache


def one(cache: Path, zones: Path, implementation: str) -> dict[str, float]:
    """Time one run in this process: validate, then normalize (CPU seconds)."""
    import geopandas as gpd  # noqa: PLC0415

    with cache.open("rb") as source:
        frame = pickle.load(source)  # noqa: S301 - our own cache of our own reader's output
    zone_ids = {str(z).strip() for z in gpd.read_file(zones, engine="pyogrio")["id"]}
    if implementation == "oracle":
        sys.path.insert(0, str(ROOT / "tests"))
        import schema_oracle as schema  # noqa: PLC0415

        start = time.process_time()
        problems = schema.validate_carriers(frame, zone_ids=zone_ids)
        validated = time.process_time()
        schema.normalize_carriers(frame)
    else:
        from geo import schema  # noqa: PLC0415

        start = time.process_time()
        cells = schema.FrameCells(frame, outlines_valid=implementation == "read")
        problems = schema.validate_carriers(frame, zone_ids=zone_ids, cells=cells)
        validated = time.process_time()
        schema.normalize_carriers(frame, cells=cells)
    done = time.process_time()
    return {"validate": validated - start, "normalize": done - validated, "problems": len(problems)}


def main(argv: list[str] | None = None) -> None:
    """Time the check of ``--file`` in fresh processes and print the minimum per implementation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--zones", type=Path, default=DEFAULT_ZONES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--oracle", action="store_true", help="also time the validation as it was before issue 13")
    parser.add_argument("--one", choices=("project", "read", "oracle"), help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.cache, args.zones, args.one)))
        return
    if not args.file.exists():
        sys.exit(f"{args.file}: no such file (python -m bench.e2e --sizes 1000000 writes it)")
    cache = cached_frame(args.file)
    implementations = ["oracle", "project", "read"] if args.oracle else ["project", "read"]
    for implementation in implementations:
        runs = []
        for _ in range(args.repeat):
            command = [sys.executable, "-m", "bench.validation", "--one", implementation, "--cache", str(cache)]
            command += ["--zones", str(args.zones)]
            result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
            runs.append(json.loads(result.stdout))
        best = {key: min(run[key] for run in runs) for key in ("validate", "normalize")}
        print(
            f"{args.file.name} {implementation:8s} validate {best['validate']:.2f}  normalize {best['normalize']:.2f}"
            f"  sum {best['validate'] + best['normalize']:.2f} CPU s (min of {args.repeat});"
            f" {runs[0]['problems']} problems; load {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
