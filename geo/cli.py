"""Command line for analysts and scripts: ``python -m geo summary`` and ``python -m geo check``.

Output goes to stdout (or ``--output``); every problem goes to stderr in plain words with a
non-zero exit, and nothing is written to stdout then. No traceback reaches the user. Reports
speak 中文 or English (``--lang``; by default Chinese when the locale, ``LC_ALL``,
``LC_MESSAGES`` or ``LANG``, starts with ``zh``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import pandas as pd

from geo.crs import metric_crs_for
from geo.data import Dataset, load_dataset
from geo.quality import KINDS, check_quality
from geo.rollup import MODES, summarize, zone_types
from geo.schema import LANGS, DataError, Lang

__all__ = ["default_lang", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1  # `check`: the data loads, but has findings of severity "error"
EXIT_BAD_INPUT = 2

_SEVERITY_NAMES: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
}


class UsageError(ValueError):
    """A command line that cannot be run as given; the message says why and what to give instead."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def text(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


def default_lang(environ: Mapping[str, str] | None = None) -> Lang:
    """``"zh"`` when the locale that sets messages (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) is Chinese.

    >>> default_lang({"LANG": "zh_CN.UTF-8"}), default_lang({"LC_ALL": "C", "LANG": "zh_CN"}), default_lang({})
    ('zh', 'en', 'en')
    """
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


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
    lang_help = "language of reports and errors: zh (中文) or en (default: from LC_ALL/LANG)"
    parser.add_argument("--lang", choices=LANGS, default=None, help=lang_help)
    commands = parser.add_subparsers(dest="command", required=True)
    inputs = argparse.ArgumentParser(add_help=False)
    inputs.add_argument("--carriers", type=Path, help="carriers file (GeoJSON, GeoPackage, zipped Shapefile, ...)")
    inputs.add_argument("--zones", type=Path, help="zones file")
    inputs.add_argument("--sources", type=Path, help="sources table (CSV) the files cite")
    for role in ("carriers", "zones"):
        inputs.add_argument(
            f"--{role}-crs",
            metavar="CRS",
            help=f"the coordinate system the {role} file's numbers are really in, when the reader asks "
            "(EPSG:4326, EPSG:4490, EPSG:4549, EPSG:4550, EPSG:32651, GCJ-02, BD-09, EPSG:nnnn)",
        )
        inputs.add_argument(f"--{role}-layer", metavar="LAYER", help=f"the {role} file's layer, when it holds several")
        inputs.add_argument(
            f"--{role}-encoding", metavar="ENCODING", help=f"a {role} Shapefile's text encoding, when the reader asks"
        )
    inputs.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the stages of the work on stderr (default: on a terminal only)",
    )
    # Also accepted after the command; SUPPRESS keeps a top-level --lang when it is not repeated.
    inputs.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=lang_help)
    from geo import cli_scenario  # noqa: PLC0415 - it builds on this module

    cli_scenario.add_options(inputs)  # --scenario, --workspace

    summary = commands.add_parser("summary", parents=[inputs], help="floor area summed by zone type or status")
    summary.add_argument("--by", default="pole", help="a zone type (pole, belt, ...) or 'status' (default: pole)")
    summary.add_argument("--mode", default="declared", choices=MODES, help="membership mode (default: declared)")
    summary.add_argument("--year", type=_year, default=None, help="as of this year (default: build-out)")
    summary.add_argument("--format", default="csv", choices=("csv", "json", "xlsx"), help="output format")
    summary.add_argument("--output", type=Path, help="write here instead of stdout (required for xlsx on a terminal)")

    commands.add_parser("check", parents=[inputs], help="validation and data-quality report")
    from geo import cli_timeline  # noqa: PLC0415 - it builds on this module

    cli_timeline.add_commands(commands, inputs)  # `timeline` and `targets`
    cli_scenario.add_commands(commands, inputs)  # `scenario …` and `compare`
    return parser


_STAGES: dict[str, tuple[str, str]] = {
    "read_carriers": ("读取载体", "reading carriers"),
    "read_zones": ("读取分区", "reading zones"),
    "validate": ("校验", "validating"),
    "roll_up": ("汇总", "rolling up"),
    "write": ("写出", "writing"),
    "quality": ("检查数据质量", "checking data quality"),
}


class Progress:
    """Stages of the work as a one-line bar on stderr, e.g. ``[######----] 3/5 validating``.

    Shown on a terminal, or always with ``--progress``; never on stdout, which carries the data.
    """

    def __init__(self, err: TextIO, *, total: int, enabled: bool, lang: Lang) -> None:
        self.err, self.total, self.enabled, self.lang = err, total, enabled, lang
        self.step = 0

    def __call__(self, stage: str) -> None:
        self.step += 1
        if not self.enabled:
            return
        zh, en = _STAGES.get(stage, (stage, stage))
        filled = round(10 * self.step / self.total)
        self.err.write(
            f"\r[{'#' * filled}{'-' * (10 - filled)}] {self.step}/{self.total} {zh if self.lang == 'zh' else en}"
        )
        self.err.flush()

    def close(self) -> None:
        if self.enabled and self.step:
            self.err.write("\n")
            self.err.flush()


def _load(args: argparse.Namespace, progress: Progress) -> Dataset:
    if getattr(args, "scenario", None):
        from geo import cli_scenario  # noqa: PLC0415 - it builds on this module

        return cli_scenario.load_scenario(args, progress)
    options = {
        role: {key: value for key in ("crs", "layer", "encoding") if (value := getattr(args, f"{role}_{key}", None))}
        for role in ("carriers", "zones")
    }
    return load_dataset(
        args.carriers, args.zones, sources=args.sources, context=False, read_options=options, progress=progress
    )


def _check_grouping(by: str, dataset: Dataset) -> None:
    types = zone_types(dataset.zones)
    if by == "status" or by in types:
        return
    choices = ", ".join([*types, "status"])
    raise UsageError(
        f"--by {by}：分区中没有类型为 {by!r} 的分区，无法按其汇总；请改用以下之一：{choices}",
        f"--by {by}: the zones have no zones of type {by!r}, so nothing can be grouped by it; use one of: {choices}",
    )


def _write(data: bytes, args: argparse.Namespace, out: TextIO) -> None:
    if args.output is not None:
        args.output.write_bytes(data)
        return
    buffer = getattr(out, "buffer", None)
    if args.format == "xlsx" and (buffer is None or out.isatty()):
        raise UsageError(
            "XLSX 是二进制文件，不能输出到终端：请加 --output 路径（如 --output summary.xlsx）",
            "an XLSX file is binary: give --output PATH (e.g. --output summary.xlsx)",
        )
    if buffer is None:  # a text stream without bytes underneath (e.g. io.StringIO in a test)
        out.write(data.decode("utf-8"))
        return
    out.flush()
    buffer.write(data)
    buffer.flush()


def _summary(args: argparse.Namespace, out: TextIO, progress: Progress) -> int:
    from geo.io import export  # noqa: PLC0415 - openpyxl is only needed when exporting

    dataset = _load(args, progress)
    _check_grouping(args.by, dataset)
    progress("roll_up")
    table = summarize(dataset.carriers, dataset.zones, by=args.by, mode=args.mode, year=args.year)
    progress("write")
    crs = metric_crs_for(dataset.carriers).to_string()  # where the areas were measured
    stamp = export.make_stamp(input_hashes=dataset.hashes, by=args.by, mode=args.mode, year=args.year, crs=crs)
    if args.format == "csv":
        data = export.summary_csv(table, stamp)
    elif args.format == "json":
        data = export.summary_json(table)
    else:
        data = export.summary_xlsx({args.by: table}, stamp)
    _write(data, args, out)
    return EXIT_OK


def _check_report(dataset: Dataset, findings: pd.DataFrame, lang: Lang) -> list[str]:
    zh = lang == "zh"
    types = zone_types(dataset.zones)
    n_carriers, n_zones = len(dataset.carriers), len(dataset.zones)
    if zh:
        lines = [f"校验通过：{n_carriers} 个载体、{n_zones} 个分区（{'、'.join(types)}）。"]
    else:
        lines = [f"OK: {n_carriers} carriers, {n_zones} zones ({', '.join(types)}) pass validation."]
    if findings.empty:
        lines.append("没有数据质量问题。" if zh else "No data-quality findings.")
        return lines
    counts = findings["severity"].value_counts()
    if zh:
        parts = "、".join(f"{_SEVERITY_NAMES[s][0]} {counts[s]} 条" for s in counts.index)
        lines.append(f"数据质量发现 {len(findings)} 条：{parts}")
    else:
        lines.append(f"{len(findings)} data-quality finding(s): " + ", ".join(f"{counts[s]} {s}" for s in counts.index))
    for row in findings.itertuples(index=False):
        if zh:
            kind = KINDS.get(row.kind, (row.kind, row.kind))[0]
            lines.append(f"[{_SEVERITY_NAMES[row.severity][0]}] {kind}（{row.kind}） {row.subject}：{row.message_zh}")
        else:
            lines.append(f"[{row.severity}] {row.kind} {row.subject}: {row.message_en}")
    return lines


def _check(args: argparse.Namespace, out: TextIO, lang: Lang, progress: Progress) -> int:
    dataset = _load(args, progress)
    progress("quality")
    findings = check_quality(dataset.carriers, dataset.zones, dataset.sources)
    # The whole report is built before anything is printed: a failure leaves stdout empty.
    print("\n".join(_check_report(dataset, findings, lang)), file=out)
    return EXIT_FINDINGS if (findings["severity"] == "error").any() else EXIT_OK


def _parse(argv: list[str] | None, out: TextIO, err: TextIO) -> argparse.Namespace | int:
    """The parsed command line, or the exit code when argparse has already answered (help, usage error)."""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            return _parser().parse_args(argv)
        except SystemExit as exc:  # argparse printed the usage error (or the help) itself
            return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT


_ASKS = {"needs-crs": "crs", "needs-layer": "layer", "needs-encoding": "encoding"}


def _option_hint(exc: DataError, args: argparse.Namespace, lang: Lang) -> str:
    """The command-line option that answers a reader's question (which CRS, layer or encoding)."""
    option = _ASKS.get(getattr(exc, "code", ""))
    if option is None:
        return ""
    roles = [r for r in ("carriers", "zones") if getattr(args, r, None) and Path(getattr(args, r)).name == exc.source]
    choices = list(getattr(exc, "choices", ()))
    flags = " / ".join(f"--{role}-{option} {option.upper()}" for role in roles or ("carriers", "zones"))
    if lang == "zh":
        return f"命令行中请加上 {flags}" + (f"（可选：{', '.join(choices)}）" if choices else "")
    return f"on the command line, add {flags}" + (f" (choices: {', '.join(choices)})" if choices else "")


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 check found errors, 2 bad input)."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parse(argv, out, err)
    if isinstance(args, int):
        return args
    lang: Lang = args.lang or default_lang()
    prefix = "错误" if lang == "zh" else "error"
    enabled = args.progress if args.progress is not None else err.isatty()
    progress = Progress(err, total=4 if args.command == "check" else 5, enabled=enabled, lang=lang)
    try:
        try:
            if args.command == "summary":
                return _summary(args, out, progress)
            if args.command in ("scenario", "compare"):
                from geo import cli_scenario  # noqa: PLC0415 - it builds on this module

                return cli_scenario.run(args, out, err, lang)
            if args.command in ("timeline", "targets"):
                from geo import cli_timeline  # noqa: PLC0415 - it builds on this module

                return cli_timeline.run(args, out, progress)
            return _check(args, out, lang, progress)
        finally:  # end the progress line before any message goes to stderr
            progress.close()
    except DataError as exc:
        print(f"{prefix}: {exc.report(lang)}", file=err)
        hint = _option_hint(exc, args, lang)
        if hint:
            print(hint, file=err)
    except UsageError as exc:
        print(f"{prefix}: {exc.text(lang)}", file=err)
    except OSError as exc:
        where = exc.filename or ""
        reason = exc.strerror or str(exc)
        if lang == "zh":
            print(f"{prefix}: 无法读写文件 {where}（{reason}）；请检查路径与权限", file=err)
        else:
            print(f"{prefix}: cannot read or write {where} ({reason}); check the path and permissions", file=err)
    except ValueError as exc:  # e.g. a CRS the data cannot be measured in
        print(f"{prefix}: {exc}", file=err)
    return EXIT_BAD_INPUT
