"""Profile one roll-up with cProfile: ``python -m bench.profile --size 1000000 --mode area``.

Loads the cached footprints, runs the roll-up once unprofiled (warm-up: imports, caches), then
once under cProfile, and prints the functions that take the most time, by own time and by
cumulative time. Any implementation of ``bench.run`` can be profiled (``--impl``), the project's
``geo.rollup.summarize`` by default.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from bench.synthetic import load_footprints, make_zones
from bench.worker import IMPLEMENTATIONS, prepare

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Parse ``argv`` and print the profile."""
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="footprints (default: %(default)s)")
    parser.add_argument("--mode", default="area", choices=("declared", "largest", "area"))
    parser.add_argument("--types", default="pole,belt", help="zone types (default: %(default)s)")
    parser.add_argument("--impl", default="project", choices=tuple(IMPLEMENTATIONS))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--top", type=int, default=25, help="rows per listing (default: %(default)s)")
    args = parser.parse_args(argv)

    footprints = load_footprints(args.size, seed=args.seed)
    zones = make_zones(seed=args.seed)
    rollup = prepare(args.impl, args.mode, footprints, zones, types=[t for t in args.types.split(",") if t])
    for call in rollup.values():
        call()  # warm-up
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for call in rollup.values():
        call()
    profiler.disable()
    elapsed = time.perf_counter() - start
    print(
        f"{args.impl} {args.mode} on {args.size:,} footprints, types {args.types}: {elapsed:.2f} s under the profiler"
    )
    for key in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(key).print_stats(args.top)
        print(f"\n== by {key} ==")
        print(text.getvalue().split("\n\n", 1)[-1].rstrip())


if __name__ == "__main__":
    main()
