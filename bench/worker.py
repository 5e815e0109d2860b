"""One benchmark measurement in its own process: ``python -m bench.worker '<json spec>'``.

The spec names the implementation, mode, size, seed, zone types, repeat count and a deadline. The
worker loads the cached footprints (timed as *load*), then times the roll-up alone, once per
repeat, and after every run rewrites its JSON result file (times, load time, resident memory after
loading, peak resident memory, and the integer tables), so that a run stopped at a time limit
still leaves what it measured. ``bench.run`` starts one worker per (size, mode, implementation),
so the peak memory of each is its own.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from bench import baselines
from bench.synthetic import cache_footprints, footprints_path, load_footprints, make_footprints, make_zones

__all__ = ["IMPLEMENTATIONS", "main", "memory_mb", "prepare"]

# One roll-up per zone type: zone type -> a call returning that type's table.
Rollup = dict[str, Callable[[], pd.DataFrame]]

# implementation -> modes it runs
IMPLEMENTATIONS: dict[str, tuple[str, ...]] = {
    "project": ("declared", "largest", "area"),
    "explode": ("declared",),
    "sjoin": ("largest",),
    "points": ("largest",),
    "overlay": ("area",),
    "duckdb": ("largest", "area"),
}


def memory_mb() -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM from /proc; ru_maxrss elsewhere), in MiB."""
    status = Path("/proc/self/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        return {"rss": int(fields["VmRSS"].split()[0]) / 1024, "peak": int(fields["VmHWM"].split()[0]) / 1024}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {"rss": float("nan"), "peak": peak}


def prepare(
    impl: str, mode: str, footprints: Any, zones: Any, *, types: list[str], info: dict[str, Any] | None = None
) -> Rollup:
    """The roll-up calls of one implementation and mode, one per zone type, data bound in."""
    info = {} if info is None else info
    if mode not in IMPLEMENTATIONS.get(impl, ()):
        raise ValueError(f"implementation {impl!r} has no mode {mode!r}")
    if impl == "project":
        from geo.rollup import summarize  # noqa: PLC0415  (only this implementation needs the project)

        return {by: partial(summarize, footprints, zones, by=by, mode=mode) for by in types}
    if impl == "duckdb":
        from bench import duck  # noqa: PLC0415  (optional dependency)

        con = duck.connect(threads=os.cpu_count())
        info["engine"] = duck.describe(con)
        ids = duck.load(con, footprints, zones, types)
        function = duck.area_weighted if mode == "area" else duck.largest_overlap
        return {by: partial(function, con, footprints, ids[by], by) for by in types}
    function = {
        "explode": baselines.declared_explode,
        "sjoin": baselines.largest_sjoin,
        "points": baselines.points_in_zones,
        "overlay": baselines.area_overlay,
    }[impl]
    return {by: partial(function, footprints, zones, by) for by in types}


def _write(path: Path, payload: dict[str, Any]) -> None:
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(payload, ensure_ascii=False))
    partial.replace(path)


def _generate(spec: dict[str, Any], out: Path) -> None:
    """Make (or find) the cached footprints of one size, timing the generation."""
    start = time.perf_counter()
    frame = make_footprints(spec["size"], seed=spec["seed"])
    generate_s = time.perf_counter() - start
    if not footprints_path(spec["size"], seed=spec["seed"]).exists():
        cache_footprints(frame, spec["size"], seed=spec["seed"])
    known = {figure: int(frame[figure].sum()) for figure in baselines.FIGURES}
    _write(out, {"generate_s": generate_s, "rows": len(frame), "known_sums": known, "memory": memory_mb()})


def main(argv: list[str] | None = None) -> None:
    """Run the measurement the JSON spec in ``argv[0]`` describes; write to ``spec['out']``."""
    spec = json.loads((argv if argv is not None else sys.argv[1:])[0])
    out = Path(spec["out"])
    if spec["impl"] == "generate":
        _generate(spec, out)
        return
    started = time.perf_counter()
    footprints = load_footprints(spec["size"], seed=spec["seed"])
    zones = make_zones(seed=spec["seed"])
    info: dict[str, Any] = {}
    rollup = prepare(spec["impl"], spec["mode"], footprints, zones, types=spec["types"], info=info)
    load_s = time.perf_counter() - started
    gc.collect()
    payload: dict[str, Any] = {
        **spec,
        **info,
        "load_s": load_s,
        "times": [],
        "after_load": memory_mb(),
        "type_times": {by: [] for by in rollup},
        "cpu_times": [],
        "rollup_started_at": time.time(),
    }
    payload["memory"] = payload["after_load"]
    _write(out, payload)
    deadline = started + spec["deadline_s"]
    for _ in range(spec["repeat"]):
        gc.collect()
        tables = {}
        cpu_start = time.process_time()
        for by, call in rollup.items():
            start = time.perf_counter()
            tables[by] = call()
            payload["type_times"][by].append(time.perf_counter() - start)
        payload["cpu_times"].append(time.process_time() - cpu_start)
        payload["times"].append(sum(times[-1] for times in payload["type_times"].values()))
        payload["memory"] = memory_mb()
        payload["tables"] = {by: baselines.table_records(table) for by, table in tables.items()}
        _write(out, payload)
        del tables
        if time.perf_counter() + max(payload["times"]) > deadline:
            break


if __name__ == "__main__":
    main()
