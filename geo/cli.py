"""Command line for analysts and scripts: ``python -m geo summary`` and ``python -m geo check``.

Output goes to stdout (or ``--output``); every problem goes to stderr in plain words with a
non-zero exit, and nothing is written to stdout then. No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from geo.data import Dataset, load_dataset
from geo.quality import check_quality
from geo.rollup import MODES, summarize, zone_types
from geo.schema import DataError

__all__ = ["main"]

EXIT_OK = 0
EXIT_FINDINGS = 1  # `check`: the data loads, but has findings of severity "error"
EXIT_BAD_INPUT = 2


def _year(text: str) -> int | None:
    if text in ("build-out", "buildout", "all"):
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year; give e.g. 2025, or 'build-out'") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="Floor-space carriers and zones: capacity roll-ups and data checks "
        "(the bundled Xuhui data unless --carriers/--zones are given).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument("--carriers", type=Path, help="carriers file (GeoJSON, GeoPackage, zipped Shapefile, ...)")
    inputs.add_argument("--zones", type=Path, help="zones file")
    inputs.add_argument("--sources", type=Path, help="sources table (CSV) the files cite")

    summary = commands.add_parser("summary", parents=[inputs], help="floor area summed by zone type or status")
    summary.add_argument("--by", default="pole", help="a zone type (pole, belt, ...) or 'status' (default: pole)")
    summary.add_argument("--mode", default="declared", choices=MODES, help="membership mode (default: declared)")
    summary.add_argument("--year", type=_year, default=None, help="as of this year (default: build-out)")
    summary.add_argument("--format", default="csv", choices=("csv", "json", "xlsx"), help="output format")
    summary.add_argument("--output", type=Path, help="write here instead of stdout (required for xlsx on a terminal)")

    commands.add_parser("check", parents=[inputs], help="validation and data-quality report")
    return parser


def _load(args: argparse.Namespace) -> Dataset:
    return load_dataset(args.carriers, args.zones, sources=args.sources, context=False)


def _summary(args: argparse.Namespace, out: TextIO) -> int:
    from geo import export  # noqa: PLC0415 - openpyxl is only needed when exporting

    dataset = _load(args)
    table = summarize(dataset.carriers, dataset.zones, by=args.by, mode=args.mode, year=args.year)
    stamp = export.make_stamp(input_hashes=dataset.hashes, by=args.by, mode=args.mode, year=args.year, crs="EPSG:4326")
    if args.format == "csv":
        data = export.summary_csv(table, stamp)
    elif args.format == "json":
        data = export.summary_json(table)
    else:
        data = export.summary_xlsx({args.by: table}, stamp)
    if args.output is not None:
        args.output.write_bytes(data)
    elif args.format == "xlsx" and out.isatty():
        raise ValueError("an XLSX file is binary: give --output PATH (e.g. --output summary.xlsx)")
    else:
        out.flush()
        out.buffer.write(data)
        out.buffer.flush()
    return EXIT_OK


def _check(args: argparse.Namespace, out: TextIO) -> int:
    dataset = _load(args)
    findings = check_quality(dataset.carriers, dataset.zones, dataset.sources)
    types = ", ".join(zone_types(dataset.zones))
    print(f"OK: {len(dataset.carriers)} carriers, {len(dataset.zones)} zones ({types}) pass validation.", file=out)
    if findings.empty:
        print("No data-quality findings.", file=out)
        return EXIT_OK
    counts = findings["severity"].value_counts()
    print(f"{len(findings)} data-quality finding(s): " + ", ".join(f"{counts[s]} {s}" for s in counts.index), file=out)
    for row in findings.itertuples(index=False):
        print(f"[{row.severity}] {row.kind} {row.subject}: {row.message_en}", file=out)
        print(f"    {row.message_zh}", file=out)
    return EXIT_FINDINGS if (findings["severity"] == "error").any() else EXIT_OK


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 check found errors, 2 bad input)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        if args.command == "summary":
            return _summary(args, out)
        return _check(args, out)
    except DataError as exc:
        print(f"error: {exc}", file=err)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=err)
    return EXIT_BAD_INPUT
