"""Benchmark the project's roll-up against the straightforward implementations.

``python -m bench.run`` (options: ``--help``). For every footprint count and membership mode it
starts one fresh worker process per implementation (so each peak memory is its own), times the
roll-up of every zone type (``--types``, default pole and belt) on data already in memory, takes
the median of ``--repeat`` runs, checks that the project's integer tables are identical to the
baselines' and that every table conserves floor area, and prints a Markdown table that it also
writes to ``bench/out/results.md`` (raw numbers in ``results.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.synthetic import OUT_DIR, footprints_path
from bench.worker import IMPLEMENTATIONS

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
DUCKDB_DIR = OUT_DIR / "duckdb-spatial"
MODES = ("declared", "largest", "area")
# The straightforward implementation each mode is compared with.
BASELINE = {"declared": "explode", "largest": "sjoin", "area": "overlay"}
LABELS = {
    "project": "project `geo.rollup.summarize`",
    "explode": "pandas split + explode + groupby",
    "sjoin": "geopandas sjoin + intersection area",
    "points": "geopandas sjoin of representative points¹",
    "overlay": "geopandas overlay + groupby",
    "duckdb": "DuckDB spatial",
}
# Targets of the issue, checked at the largest size measured.
TARGET_AREA_S = 3.0
TARGET_OTHER_S = 1.5
TARGET_SPEEDUP = 10.0
TARGET_PEAK_MB = 2048.0


@dataclass
class Row:
    """One measurement: a (size, mode, implementation) and what its worker reported."""

    size: int
    mode: str
    impl: str
    payload: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # ok | timeout | error | skipped
    note: str = ""

    @property
    def times(self) -> list[float]:
        return list(self.payload.get("times", []))

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def cpu_median(self) -> float | None:
        cpu = self.payload.get("cpu_times", [])
        return statistics.median(cpu) if cpu else None


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="footprint counts (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (default: %(default)s)")
    parser.add_argument("--modes", default=",".join(MODES), help="membership modes (default: %(default)s)")
    parser.add_argument(
        "--types", default="pole,belt", help="zone types rolled up in one timed run (default: %(default)s)"
    )
    parser.add_argument(
        "--impls", default=",".join(IMPLEMENTATIONS), help="implementations to run (default: %(default)s)"
    )
    parser.add_argument(
        "--skip", default="", help="implementations to leave out, as IMPL or IMPL@SIZE, e.g. overlay@1000000"
    )
    parser.add_argument(
        "--baseline-timeout",
        type=float,
        default=600.0,
        help="seconds one worker may take, loading included; a slow one stops repeating "
        "early and one that completes no run is reported as '> N s' (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "results.md", help="Markdown report path")
    parser.add_argument(
        "--duckdb-path",
        type=Path,
        default=DUCKDB_DIR,
        help="a pip --target directory holding a DuckDB and its matching spatial extension, "
        "used when the installed DuckDB cannot load spatial offline (default: %(default)s)",
    )
    parser.add_argument(
        "--install-duckdb-spatial",
        action="store_true",
        help="first pip-install duckdb-ext-spatial and the DuckDB it is built for into --duckdb-path",
    )
    return parser.parse_args(argv)


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _env(extra_path: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(extra_path)] if extra_path else []
    paths.append(str(ROOT))
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _install_duckdb(target: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--upgrade",
        "--target",
        str(target),
        "duckdb-ext-spatial",
    ]
    print("$", shlex.join(command), flush=True)
    subprocess.run(command, check=True)


def _probe_duckdb(duckdb_path: Path) -> tuple[dict[str, str] | None, str]:
    """(environment for DuckDB workers, description) or (None, why it is unavailable)."""
    code = "from bench.duck import connect, describe; print(describe(connect()))"
    reasons = []
    candidates: list[Path | None] = [None]
    if duckdb_path.is_dir():
        candidates.append(duckdb_path)
    for candidate in candidates:
        env = _env(candidate)
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode == 0:
            where = (
                f" (from {candidate.relative_to(ROOT) if candidate.is_relative_to(ROOT) else candidate})"
                if candidate
                else ""
            )
            return env, done.stdout.strip() + where
        reasons.append((done.stderr.strip().splitlines() or ["unknown error"])[-1])
    return None, "; ".join(reasons)


def _run_worker(spec: dict[str, Any], *, timeout: float, env: dict[str, str]) -> Row:
    row = Row(spec["size"], spec["mode"], spec["impl"])
    out = Path(spec["out"])
    out.unlink(missing_ok=True)
    stopped_at = 0.0
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.worker", json.dumps(spec)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        row.status = "timeout"
        stopped_at = time.time()
    else:
        if done.returncode != 0:
            row.status = "error"
            row.note = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    if out.exists():
        row.payload = json.loads(out.read_text())
    if row.status == "timeout" and row.times:
        row.status = "ok"
        row.note = f"stopped at the {timeout:g} s limit after {len(row.times)} run(s)"
    elif row.status == "timeout" and row.payload.get("rollup_started_at"):
        row.payload["lower_bound_s"] = stopped_at - row.payload["rollup_started_at"]
        row.note = (
            f"no run finished within the {timeout:g} s limit (one run takes more than "
            f"{row.payload['lower_bound_s']:.0f} s)"
        )
    elif row.status == "timeout":
        row.note = f"stopped at the {timeout:g} s limit before the data were loaded"
    return row


def _generate(size: int, seed: int, env: dict[str, str]) -> dict[str, Any]:
    out = OUT_DIR / "work" / f"generate_{size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cached = footprints_path(size, seed=seed).exists()
    spec = {"impl": "generate", "size": size, "seed": seed, "out": str(out)}
    subprocess.run(
        [sys.executable, "-m", "bench.worker", json.dumps(spec)],
        env=env,
        cwd=ROOT,
        check=True,
    )
    info = json.loads(out.read_text())
    info["was_cached"] = cached
    return info


def _conserved(tables: dict[str, list[list[Any]]], known: dict[str, int]) -> bool:
    """Zones + outside == total == the sum of the footprints' known figures, for every figure."""
    expected = (known["floor_area_existing_m2"], known["floor_area_planned_m2"])
    expected = (*expected, expected[0] + expected[1])
    for records in tables.values():
        *groups, total = records
        if total[0] != "__total__" or tuple(total[1:]) != expected:
            return False
        for column in range(3):
            if sum(group[1 + column] for group in groups) != expected[column]:
                return False
    return True


def _same(a: Row, b: Row) -> bool:
    return bool(a.times and b.times) and a.payload["tables"] == b.payload["tables"]


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _speedup(row: Row, baseline: Row | None) -> str:
    if baseline is None or row.median is None:
        return "—"
    if baseline is row:
        return "1×"
    if baseline.median is None:
        if baseline.status == "timeout" and baseline.payload.get("lower_bound_s"):
            return f"> {baseline.payload['lower_bound_s'] / row.median:.0f}×"
        return "—"
    ratio = baseline.median / row.median
    return f"{ratio:.1f}×" if ratio < 100 else f"{ratio:.0f}×"


def _identical(row: Row, project: Row | None, baseline: Row | None) -> str:
    if row.impl == "points":
        return "n/a (other rule)"
    if row.median is None:
        return "—"
    other = baseline if row.impl == "project" else project
    if other is not None and other is not row and other.status == "timeout":
        return "n/a (timed out)"
    if other is None or other is row or other.median is None:
        return "—"
    name = "baseline" if row.impl == "project" else "project"
    return f"✓ (= {name})" if _same(row, other) else f"✗ (≠ {name})"


def _median_cell(row: Row) -> str:
    if row.status == "skipped":
        return "skipped"
    if row.status == "timeout":
        bound = row.payload.get("lower_bound_s")
        return f"> {bound:.0f}" if bound else "timeout"
    if row.status == "error":
        return "error"
    return _fmt_seconds(row.median)


def _table(rows: list[Row], known: dict[int, dict[str, int]]) -> list[str]:
    lines = [
        (
            "| footprints | mode | implementation | runs | median s | CPU s | per type, median s | load s "
            "| peak RSS MB (after load) | speed-up vs baseline | identical | conserved |"
        ),
        "|---:|---|---|---:|---:|---:|---|---:|---:|---:|---|---|",
    ]
    by_key = {(r.size, r.mode, r.impl): r for r in rows}
    for row in rows:
        project = by_key.get((row.size, row.mode, "project"))
        baseline = by_key.get((row.size, row.mode, BASELINE[row.mode]))
        memory = row.payload.get("memory", {})
        after = row.payload.get("after_load", {})
        peak = f"{memory['peak']:.0f} ({after['rss']:.0f})" if memory and after else "—"
        load = _fmt_seconds(row.payload.get("load_s")) if row.payload else "—"
        label = LABELS[row.impl] + (" (baseline)" if BASELINE[row.mode] == row.impl else "")
        conserved = "—"
        if row.times:
            conserved = "✓" if _conserved(row.payload["tables"], known[row.size]) else "✗"
        per_type = " · ".join(
            f"{by} {_fmt_seconds(statistics.median(times))}"
            for by, times in row.payload.get("type_times", {}).items()
            if times
        )
        cells = [
            f"{row.size:,}",
            row.mode,
            label,
            str(len(row.times)) if row.times else "0",
            _median_cell(row),
            _fmt_seconds(row.cpu_median),
            per_type or "—",
            load,
            peak,
            _speedup(row, baseline),
            _identical(row, project, baseline),
            conserved,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _targets(rows: list[Row], sizes: list[int]) -> list[str]:
    """The issue's targets, checked at the largest size measured (and identity at the smallest)."""
    by_key = {(r.size, r.mode, r.impl): r for r in rows}
    big, small = max(sizes), min(sizes)
    lines = [f"Targets (issue: at 1,000,000 footprints; checked here at {big:,}):", ""]

    def mark(ok: bool | None) -> str:
        return "—" if ok is None else ("✓" if ok else "✗")

    def per_type(row: Row) -> str:
        parts = [
            f"{by} {statistics.median(times):.2f} s" for by, times in row.payload.get("type_times", {}).items() if times
        ]
        cpu = f"CPU {row.cpu_median:.2f} s" if row.cpu_median is not None else ""
        split = f"; per type: {', '.join(parts)}" if len(parts) > 1 else ""
        return f" ({cpu}{split})" if cpu or split else ""

    project_area = by_key.get((big, "area", "project"))
    overlay = by_key.get((big, "area", "overlay"))
    if project_area and project_area.median is not None:
        lines.append(
            f"- {mark(project_area.median <= TARGET_AREA_S)} area-weighted roll-up "
            f"{project_area.median:.2f} s ≤ {TARGET_AREA_S:g} s{per_type(project_area)}"
        )
        if overlay and overlay.median is not None:
            ratio = overlay.median / project_area.median
            lines.append(
                f"- {mark(ratio >= TARGET_SPEEDUP)} {ratio:.0f}× faster than geopandas overlay "
                f"+ groupby (≥ {TARGET_SPEEDUP:g}×)"
            )
        elif overlay and overlay.status == "timeout" and overlay.payload.get("lower_bound_s"):
            bound = overlay.payload.get("lower_bound_s", 0.0)
            floor = bound / project_area.median
            lines.append(
                f"- {mark(floor >= TARGET_SPEEDUP)} > {floor:.0f}× faster than geopandas overlay "
                f"+ groupby, which took more than {bound:.0f} s (≥ {TARGET_SPEEDUP:g}×)"
            )
    for mode in ("largest", "declared"):
        row = by_key.get((big, mode, "project"))
        if row and row.median is not None:
            lines.append(
                f"- {mark(row.median <= TARGET_OTHER_S)} {mode} roll-up {row.median:.2f} s "
                f"≤ {TARGET_OTHER_S:g} s{per_type(row)}"
            )
    peaks = [
        r.payload["memory"]["peak"] for r in rows if r.size == big and r.impl == "project" and r.payload.get("memory")
    ]
    if peaks:
        lines.append(
            f"- {mark(max(peaks) <= TARGET_PEAK_MB)} project peak RSS {max(peaks):.0f} MB "
            f"≤ {TARGET_PEAK_MB:.0f} MB (whole process: interpreter, libraries, data and roll-up)"
        )
    for mode in MODES:
        project, baseline = by_key.get((small, mode, "project")), by_key.get((small, mode, BASELINE[mode]))
        if project and baseline and project.times and baseline.times:
            lines.append(
                f"- {mark(_same(project, baseline))} {mode}: identical integer tables to "
                f"{LABELS[baseline.impl]} at {small:,}"
            )
    return lines


def _code_version() -> str:
    """The git commit and a hash of the roll-up's source, so a result names the code it measured."""
    import hashlib  # noqa: PLC0415

    source = ROOT / "geo" / "rollup.py"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12] if source.exists() else "missing"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        head = ""
    dirty = ""
    if head:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "geo"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        dirty = " with uncommitted changes in geo/" if status else ""
    return f"commit {head or 'none'}{dirty}, geo/rollup.py sha256 {digest}"


def _machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {total_kb / 1024 / 1024:.1f} GiB RAM"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    packages = []
    for name in ("numpy", "pandas", "shapely", "geopandas", "pyogrio", "pyproj", "pyarrow", "duckdb"):
        try:
            packages.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    import shapely  # noqa: PLC0415  (only for the GEOS version)

    return [
        f"- Machine: {cpu}, {cores} cores{memory}; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {', '.join(packages)}; GEOS {shapely.geos_version_string}",
    ]


def _measure(
    args: argparse.Namespace,
    *,
    sizes: list[int],
    modes: list[str],
    impls: list[str],
    types: list[str],
    duck_env: dict[str, str] | None,
    duck_note: str,
) -> list[Row]:
    """Run one worker per (size, mode, implementation), printing a line as each finishes."""
    work = OUT_DIR / "work"
    skips = set(_csv(args.skip))
    env = _env()
    rows: list[Row] = []
    for size in sizes:
        for mode in modes:
            for impl in impls:
                if mode not in IMPLEMENTATIONS[impl]:
                    continue
                if impl in skips or f"{impl}@{size}" in skips:
                    rows.append(Row(size, mode, impl, status="skipped", note="--skip"))
                    continue
                if impl == "duckdb" and duck_env is None:
                    rows.append(Row(size, mode, impl, status="skipped", note=duck_note))
                    continue
                spec = {
                    "impl": impl,
                    "mode": mode,
                    "size": size,
                    "seed": args.seed,
                    "types": types,
                    "repeat": args.repeat,
                    "deadline_s": args.baseline_timeout,
                    "out": str(work / f"{size}_{mode}_{impl}.json"),
                }
                started = time.perf_counter()
                row = _run_worker(
                    spec, timeout=args.baseline_timeout, env=duck_env if impl == "duckdb" and duck_env else env
                )
                rows.append(row)
                peak = row.payload.get("memory", {}).get("peak", float("nan"))
                print(
                    f"{size:>9,} {mode:<8} {impl:<8} {row.status:<7} median {_fmt_seconds(row.median):>7} s "
                    f"of {len(row.times)}  load {row.payload.get('load_s', float('nan')):.1f} s  "
                    f"peak {peak:.0f} MB  ({time.perf_counter() - started:.0f} s wall) {row.note}",
                    flush=True,
                )
    return rows


def _notes(rows: list[Row], types: list[str], duck_note: str | None) -> list[str]:
    notes = [
        (
            "¹ Point in zone is a different membership rule (a footprint's representative point), timed for "
            "comparison only; its table is not expected to equal the others."
        ),
        (
            "Times are of the roll-up alone, data already in memory: *median s* is wall-clock time, *CPU s* "
            "the worker's CPU time (all its threads; close to wall-clock for single-threaded code on an idle "
            "machine, and hardly disturbed by other work on a busy one). *load s* is reading the cached GeoParquet "
            "(and, for DuckDB, copying into it). Peak RSS is the worker process's high-water mark (VmHWM), "
            "loading included; in brackets its resident memory once the data were loaded."
        ),
        (
            f"One timed run rolls up every zone type ({', '.join(types)}): one call of the project's "
            "`summarize` per type; *per type* splits it. *identical*: the project's integer tables (existing, "
            "planned, total per zone + outside + total) against the mode's baseline, and every other row "
            "against the project. *conserved*: zones + outside = total = the sum of the footprints' known "
            "figures, exactly."
        ),
    ]
    if duck_note is not None:
        notes.append(duck_note)
    notes += [f"{r.size:,} {r.mode} {r.impl}: {r.status}, {r.note}" for r in rows if r.note and r.status != "skipped"]
    return notes


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print and write the report. Returns a process exit status."""
    args = _parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in _csv(args.sizes)]
    modes = [m for m in MODES if m in _csv(args.modes)]
    types = _csv(args.types)
    impls = [i for i in IMPLEMENTATIONS if i in _csv(args.impls)]
    (OUT_DIR / "work").mkdir(parents=True, exist_ok=True)
    command = "python -m bench.run" + (" " + shlex.join(argv if argv is not None else sys.argv[1:])).rstrip()

    if args.install_duckdb_spatial:
        _install_duckdb(args.duckdb_path)
    duck_env, duck_note = None, None
    if "duckdb" in impls:
        duck_env, reason = _probe_duckdb(args.duckdb_path)
        duck_note = ("DuckDB: " if duck_env else "DuckDB skipped: ") + reason
        print(duck_note, flush=True)

    known: dict[int, dict[str, int]] = {}
    data_lines = ["| footprints | generate s | cached file MB |", "|---:|---:|---:|"]
    for size in sizes:
        info = _generate(size, args.seed, _env())
        known[size] = info["known_sums"]
        megabytes = footprints_path(size, seed=args.seed).stat().st_size / 2**20
        data_lines.append(f"| {size:,} | {info['generate_s']:.1f} | {megabytes:.0f} |")
        print(f"footprints {size:,}: generated in {info['generate_s']:.1f} s", flush=True)

    load_before = os.getloadavg()
    code_before = _code_version()
    rows = _measure(
        args, sizes=sizes, modes=modes, impls=impls, types=types, duck_env=duck_env, duck_note=duck_note or ""
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = [
        "# Roll-up benchmark results",
        "",
        f"`{command}`, seed {args.seed}, median of up to {args.repeat} runs, {stamp}.",
        "",
        *_machine(),
        (
            f"- Code: {code_before}"
            if code_before == (code_after := _code_version())
            else f"- Code: {code_before} at the start, {code_after} at the end (changed during the run!)"
        ),
        (
            f"- Load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)}; after: "
            f"{', '.join(f'{v:.2f}' for v in os.getloadavg())} (the benchmark keeps about one core "
            "busy; well above 1 means other work shared the two cores and the times are pessimistic)"
        ),
        "",
        *_table(rows, known),
        "",
        *_targets(rows, sizes),
        "",
        *[f"{note}\n" for note in _notes(rows, types, duck_note)],
        "Synthetic data:",
        "",
        *data_lines,
        "",
    ]
    text = "\n".join(report).rstrip() + "\n"
    print()
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    raw = [
        {
            "size": r.size,
            "mode": r.mode,
            "impl": r.impl,
            "status": r.status,
            "note": r.note,
            **{k: v for k, v in r.payload.items() if k != "tables"},
        }
        for r in rows
    ]
    args.out.with_suffix(".json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))
    print(f"written to {args.out}")
    return 1 if any(r.status == "error" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
