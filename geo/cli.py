"""Command line for analysts and scripts: ``python -m geo summary``, ``check`` and ``partition``.

Output goes to stdout (or ``--output``); every problem goes to stderr in plain words with a
non-zero exit, and nothing is written to stdout then. No traceback reaches the user. Reports and
errors speak 中文 or English (``--lang``; by default Chinese when the locale, ``LC_ALL``,
``LC_MESSAGES`` or ``LANG``, starts with ``zh``), in the page's vocabulary (:mod:`geo.text`).

A CSV summary has its header on line 1; its metadata stamp goes beside it as a CSV on the Web
file, ``NAME.csv-metadata.json`` next to ``--output`` (or wherever ``--stamp FILE`` says).
A file whose columns are not named as the contract says is mapped with ``--carriers-columns
COLUMN=FIELD,…`` (or ``--carriers-columns-file mapping.json``, or ``auto`` for the page's
suggestions); when a required field is missing, the command line prints the same suggestions as
the page.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import traceback
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, TextIO

import pandas as pd

from geo.crs import metric_crs_for
from geo.data import SEEDS_DIR, Dataset, file_hash, load_dataset, read_frame
from geo.engine_dask import EngineError
from geo.quality import KINDS, check_quality
from geo.rollup import MODES, zone_types
from geo.schema import CARRIER_FIELDS, ZONE_FIELDS, DataError, in_file, normalize_carriers, validate_carriers
from geo.text import LANGS, Lang, Text, field_label, term
from geo.timeline import summary_as_of

__all__ = ["UsageError", "default_lang", "keep_loaded_data", "main", "parse_columns"]

EXIT_OK = 0
EXIT_FINDINGS = 1  # `check`: the data loads, but has findings of severity "error"
EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 70  # EX_SOFTWARE: a failure nobody foresaw (a bug): a short message, details in a log

ROLES: tuple[str, ...] = ("carriers", "zones")
_ERROR = Text("错误", "error")


class UsageError(ValueError):
    """A command line that cannot be run as given; ``message`` says why and what to give instead."""

    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message

    def text(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return self.message.in_(lang)


def _fields(role: str) -> list[str]:
    return [f.name for f in (CARRIER_FIELDS if role == "carriers" else ZONE_FIELDS)]


def parse_columns(spec: str, role: str) -> dict[str, str]:
    """``COLUMN=FIELD,COLUMN=FIELD`` (the ``--carriers-columns`` option) as file column -> contract field.

    >>> parse_columns("floor_area=floor_area_existing_m2, 名称=name_zh", "carriers")
    {'floor_area': 'floor_area_existing_m2', '名称': 'name_zh'}

    Raises
    ------
    UsageError
        When a pair has no ``=``, a field is not of the contract, or a field is named twice.
    """
    mapping: dict[str, str] = {}
    for pair in (p.strip() for p in spec.split(",")):
        if not pair:
            continue
        column, sep, target = (part.strip() for part in pair.rpartition("="))
        if not sep or not column or not target:
            raise UsageError(
                Text(
                    f"--{role}-columns：{pair!r} 不是“文件列名=字段”的形式；"
                    f"例如 --{role}-columns 面积=floor_area_existing_m2",
                    f"--{role}-columns: {pair!r} is not COLUMN=FIELD; "
                    f"e.g. --{role}-columns area=floor_area_existing_m2",
                )
            )
        mapping[column] = target
    return _checked_mapping(mapping, role, f"--{role}-columns")


def _checked_mapping(mapping: Mapping[str, object], role: str, option: str) -> dict[str, str]:
    fields = _fields(role)
    unknown = [str(t) for t in mapping.values() if t not in fields]
    if unknown:
        listed = ", ".join(fields)
        raise UsageError(
            Text(
                f"{option}：{'、'.join(unknown)} 不是{term('object', role, 'zh')}的字段；可用字段：{listed}",
                f"{option}: {', '.join(unknown)} is not a {role} field; the fields are: {listed}",
            )
        )
    targets = list(mapping.values())
    twice = sorted({str(t) for t in targets if targets.count(t) > 1})
    if twice:
        raise UsageError(
            Text(
                f"{option}：字段 {'、'.join(twice)} 对应了多个列；每个字段只对应一列",
                f"{option}: {', '.join(twice)} is mapped from more than one column; map each field once",
            )
        )
    return {str(k): str(v) for k, v in mapping.items()}


def _columns_file(path: Path, role: str) -> dict[str, str]:
    option = f"--{role}-columns-file"
    try:
        loaded = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UsageError(
            Text(
                f"{option}：无法读取 {path}（{exc.strerror or exc}）",
                f"{option}: cannot read {path} ({exc.strerror or exc})",
            )
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(
            Text(
                f'{option}：{path} 不是 JSON（{exc}）；请写成 {{"文件列名": "字段"}}',
                f'{option}: {path} is not JSON ({exc}); write {{"column": "field", ...}}',
            )
        ) from None
    if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
        raise UsageError(
            Text(
                f'{option}：{path} 应为 {{"文件列名": "字段"}} 形式的对象',
                f'{option}: {path} must be an object {{"column": "field", ...}}',
            )
        )
    return _checked_mapping(loaded, role, option)


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
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a year; give e.g. 2025, or 'build-out' / {text!r} 不是年份；请给出如 2025，或 build-out"
        ) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, with its refusals in the user's language."""

    lang: Lang = "en"

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        hint = Text(
            f"{self.prog}：命令行参数有误：{message}\n完整说明：python -m geo --help",
            f"{self.prog}: error: {message}\nFull help: python -m geo --help",
        )
        self.exit(EXIT_BAD_INPUT, hint.in_(self.lang) + "\n")


def _early_lang(argv: list[str]) -> Lang | None:
    """``--lang`` as given on the command line, before parsing (for argparse's own refusals)."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (argv[i + 1] if arg == "--lang" else None)
        if value is None and arg == "--lang" and i + 1 >= len(argv):
            return None
        if value in LANGS:
            return value  # type: ignore[return-value]
    return None


def _parser(lang: Lang = "en") -> argparse.ArgumentParser:
    _Parser.lang = lang
    parser = _Parser(
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
    for role in ROLES:
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
        columns = inputs.add_mutually_exclusive_group()
        columns.add_argument(
            f"--{role}-columns",
            metavar="COLUMN=FIELD,...",
            help=f"which of the {role} file's columns holds which contract field, e.g. "
            f"floor_area=floor_area_existing_m2,名称=name_zh; 'auto' takes the page's suggestions",
        )
        columns.add_argument(
            f"--{role}-columns-file",
            metavar="FILE",
            type=Path,
            help=f'the same as a JSON object {{"column": "field", ...}} for the {role} file',
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
    summary.add_argument("--tranches", type=Path, help="tranches table (CSV, XLSX sheet, GeoPackage table)")
    summary.add_argument("--format", default="csv", choices=("csv", "json", "xlsx"), help="output format")
    summary.add_argument("--output", type=Path, help="write here instead of stdout (required for xlsx on a terminal)")
    summary.add_argument("--stamp", type=Path, help=STAMP_HELP)
    summary.add_argument(
        "--engine",
        default="memory",
        choices=("memory", "dask"),
        help="memory (default) or dask: --carriers is then a directory written by 'python -m geo partition', "
        'summed partition by partition on a dask cluster (pip install -e ".[dask]")',
    )
    summary.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="memory engine: threads for the geometry; dask engine: local worker processes (default: 2)",
    )
    summary.add_argument("--memory-per-worker", metavar="SIZE", help="dask engine: memory limit per worker, e.g. 2GB")
    summary.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask engine: a running scheduler (tcp://HOST:8786), not a local one"
    )

    partition = commands.add_parser(
        "partition",
        help="write a carriers file as GeoParquet partitions sorted in space, for 'summary --engine dask'",
    )
    partition.add_argument("input", type=Path, help="carriers file (any format the reader takes)")
    partition.add_argument("out_dir", type=Path, help="a new or empty directory for the partitions")
    partition.add_argument("--partitions", type=_positive, default=None, help="number of files (default: 1 per 250k)")
    partition.add_argument("--zones", type=Path, help="zones file, to check the carriers' zone_ids against")
    partition.add_argument("--crs", metavar="CRS", help="the carriers file's coordinate system, when the reader asks")
    partition.add_argument("--layer", metavar="LAYER", help="the carriers file's layer, when it holds several")
    partition.add_argument("--encoding", metavar="ENCODING", help="a Shapefile's text encoding, when the reader asks")
    partition.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the stages of the work on stderr (default: on a terminal only)",
    )
    partition.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS, help=lang_help)

    check = commands.add_parser("check", parents=[inputs], help="validation and data-quality report")
    for table in ("tranches", "targets", "indicators"):
        check.add_argument(
            f"--{table}", type=Path, help=f"{table} table to validate too (default: the bundled data's own)"
        )
    from geo import cli_timeline  # noqa: PLC0415 - it builds on this module

    cli_timeline.add_commands(commands, inputs)  # `timeline` and `targets`
    cli_scenario.add_commands(commands, inputs)  # `scenario …` and `compare`
    return parser


_STAGES: dict[str, Text] = {
    "read_carriers": Text("读取载体", "reading carriers"),
    "read_zones": Text("读取片区", "reading zones"),
    "validate": Text("校验", "validating"),
    "roll_up": Text("汇总", "rolling up"),
    "write": Text("写出", "writing"),
    "quality": Text("检查数据质量", "checking data quality"),
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
        label = _STAGES.get(stage, Text(stage, stage)).in_(self.lang)
        filled = round(10 * self.step / self.total)
        self.err.write(f"\r[{'#' * filled}{'-' * (10 - filled)}] {self.step}/{self.total} {label}")
        self.err.flush()

    def close(self) -> None:
        if self.enabled and self.step:
            self.err.write("\n")
            self.err.flush()


def _file_options(args: argparse.Namespace, role: str) -> dict[str, str]:
    return {key: value for key in ("crs", "layer", "encoding") if (value := getattr(args, f"{role}_{key}", None))}


def _file_columns(path: Path, options: Mapping[str, str]) -> list[str]:
    """The columns of the layer the command line reads from ``path`` (its only one, or ``--…-layer``)."""
    from geo.io import reader  # noqa: PLC0415 - heavy; only for user files

    inspection = reader.inspect_path(path, **{k: v for k, v in options.items() if k == "encoding"})
    layer = options.get("layer")
    info = inspection.layer(layer if layer is not None else (None if len(inspection.layers) == 1 else 0))
    return [c for c in info.columns if c != "geometry"]


def _suggested(columns: list[str], role: str, mapped: Mapping[str, str]) -> dict[str, str]:
    from geo.io import reader  # noqa: PLC0415

    taken = set(mapped.values())
    return {
        c: f
        for c, f in reader.suggest_mapping(columns, role).items()  # type: ignore[arg-type]
        if c != f and f not in taken and c not in mapped and f not in columns
    }


def _mappings(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    """Per role, the column mapping the command line gives (``--…-columns``, ``--…-columns-file``, ``auto``)."""
    out: dict[str, dict[str, str]] = {}
    for role in ROLES:
        spec, file = getattr(args, f"{role}_columns", None), getattr(args, f"{role}_columns_file", None)
        path = getattr(args, role, None)
        if (spec or file) and path is None:
            raise UsageError(
                Text(
                    f"--{role}-columns 只适用于自己的文件：请同时给出 --{role} 文件",
                    f"--{role}-columns applies to a file of your own: give --{role} FILE too",
                )
            )
        if file is not None:
            out[role] = _columns_file(file, role)
        elif spec is not None and spec.strip().lower() == "auto":
            out[role] = _suggested(_file_columns(path, _file_options(args, role)), role, {})
        elif spec is not None:
            out[role] = parse_columns(spec, role)
    return out


#: The data a command loaded, kept to the end of the process when it exits at once (:func:`keep_loaded_data`).
_KEPT: list[Dataset] | None = None


def keep_loaded_data() -> None:
    """Keep the data each command loads until the process ends, for a process that then exits at once.

    Freeing a million footprints object by object costs a second; ``python -m geo`` (whose process
    ends with the command: :func:`geo.__main__.run`) leaves that to the operating system. A caller
    that goes on after :func:`main` (a test, the page) does not call this.
    """
    global _KEPT  # noqa: PLW0603 - one switch per process
    _KEPT = []


def _load(args: argparse.Namespace, progress: Progress, *, measure: bool = False) -> Dataset:
    """The data a command names; ``measure``: with the carriers' outlines measured for sums (``Dataset.outlines``)."""
    if getattr(args, "scenario", None):
        from geo import cli_scenario  # noqa: PLC0415 - it builds on this module

        dataset = cli_scenario.load_scenario(args, progress)
    else:
        mappings = _mappings(args)
        options: dict[str, dict[str, Any]] = {}
        for role in ROLES:
            options[role] = dict(_file_options(args, role))
            if mappings.get(role):
                options[role] |= {"columns": mappings[role], "role": role}
        dataset = load_dataset(
            args.carriers,
            args.zones,
            sources=args.sources,
            context=False,
            read_options=options,
            progress=progress,
            measure=measure,
            workers=getattr(args, "workers", None),
        )
    if _KEPT is not None:
        _KEPT.append(dataset)
    return dataset


def _mapping_hint(args: argparse.Namespace, lang: Lang) -> list[str]:
    """For each file missing a required contract field: the page's suggestions, as options to paste."""
    lines: list[str] = []
    for role in ROLES:
        path = getattr(args, role, None)
        if path is None:
            continue
        try:
            mapped = _mappings(args).get(role, {})
            columns = _file_columns(Path(path), _file_options(args, role))
        except (DataError, UsageError, OSError, KeyError, IndexError):
            continue
        present = {mapped.get(c, c) for c in columns}
        required = [f.name for f in (CARRIER_FIELDS if role == "carriers" else ZONE_FIELDS) if f.required]
        missing = [f for f in required if f not in present]
        if not missing:
            continue
        suggested = _suggested(columns, role, mapped)
        pairs = ",".join(f"{c}={f}" for c, f in {**mapped, **suggested}.items())
        names = "、" if lang == "zh" else ", "
        missing_text = names.join(f"{field_label(f, lang)} ({f})" for f in missing)
        hint = Text(
            f"{Path(path).name}：缺少必填字段 {missing_text}。文件中的列：{'、'.join(columns)}。",
            f"{Path(path).name}: the required fields {missing_text} are missing. The file's columns: "
            f"{', '.join(columns)}.",
        )
        lines.append(hint.in_(lang))
        if suggested:
            lines.append(
                Text(
                    f"与网页相同的建议（请核对后使用）：--{role}-columns {pairs}",
                    f"The page's suggestion (check it, then use it): --{role}-columns {pairs}",
                ).in_(lang)
            )
        lines.append(
            Text(
                f"将文件中的某列对应为缺少的字段：--{role}-columns 列名={missing[0]}"
                f"（或 --{role}-columns-file mapping.json）",
                f"Map a column of the file to each missing field: --{role}-columns COLUMN={missing[0]} "
                f"(or --{role}-columns-file mapping.json)",
            ).in_(lang)
        )
    return lines


def _check_grouping(by: str, zones: pd.DataFrame) -> None:
    types = zone_types(zones)
    if by == "status" or by in types:
        return
    choices = ", ".join([*types, "status"])
    raise UsageError(
        Text(
            f"--by {by}：片区中没有类型为 {by!r} 的片区，无法按其汇总；请改用以下之一：{choices}",
            f"--by {by}: the zones have no zones of type {by!r}, so nothing can be grouped by it; "
            f"use one of: {choices}",
        )
    )


def _write(data: bytes, args: argparse.Namespace, out: TextIO) -> None:
    if args.output is not None:
        args.output.write_bytes(data)
        return
    buffer = getattr(out, "buffer", None)
    if args.format == "xlsx" and (buffer is None or out.isatty()):
        raise UsageError(
            Text(
                "XLSX 是二进制文件，不能输出到终端：请加 --output 路径（如 --output summary.xlsx）",
                "an XLSX file is binary: give --output PATH (e.g. --output summary.xlsx)",
            )
        )
    if buffer is None:  # a text stream without bytes underneath (e.g. io.StringIO in a test)
        out.write(data.decode("utf-8"))
        return
    out.flush()
    buffer.write(data)
    buffer.flush()


def _summary_dask(args: argparse.Namespace, progress: Progress) -> tuple[pd.DataFrame, dict[str, str], str]:
    """The table, input hashes and metric CRS of ``summary --engine dask``."""
    from geo import engine_dask  # noqa: PLC0415

    engine_dask.require()
    if args.carriers is None:
        raise UsageError(
            Text(
                "--engine dask 需要 --carriers 分区目录（先运行 python -m geo partition 载体文件 目录）",
                "--engine dask needs --carriers DIRECTORY (write it first: python -m geo partition CARRIERS_FILE DIR)",
            )
        )
    zones_path = args.zones if args.zones is not None else SEEDS_DIR / "zones.geojson"
    progress("read_zones")
    zones = engine_dask.read_zones(zones_path)
    _check_grouping(args.by, zones)
    files = engine_dask.partition_files(args.carriers)
    progress("roll_up")
    table = engine_dask.summarize(
        args.carriers,
        zones,
        by=args.by,
        mode=args.mode,
        year=args.year,
        scheduler=args.scheduler,
        workers=args.workers,
        memory_per_worker=args.memory_per_worker,
    )
    # The partitions hold the two columns, which carry no qualifier (as geo.timeline.summary_as_of says).
    table["total_qualifier"] = "exact"
    hashes = {"carriers": engine_dask.dataset_hash(files), "zones": file_hash(zones_path)}
    return table, hashes, engine_dask.metric_crs_of(files).to_string()


def _summary(args: argparse.Namespace, out: TextIO, progress: Progress) -> int:
    from geo.io import export  # noqa: PLC0415 - openpyxl is only needed when exporting

    check_stamp_option(args)
    if args.engine == "dask":
        table, hashes, crs = _summary_dask(args, progress)
    else:
        dataset = _load(args, progress, measure=True)
        _check_grouping(args.by, dataset.zones)
        progress("roll_up")
        from geo import cli_timeline  # noqa: PLC0415 - it builds on this module

        table = summary_as_of(
            dataset.carriers,
            dataset.zones,
            figures=cli_timeline.summary_figures(args, dataset),  # the tranches, when there are any
            by=args.by,
            mode=args.mode,
            year=args.year,
            workers=args.workers,
            outlines=dataset.outlines,
        )
        hashes = dataset.hashes
        measured = dataset.outlines.crs if dataset.outlines is not None else metric_crs_for(dataset.carriers)
        crs = measured.to_string()  # where the areas were measured
    progress("write")
    stamp = export.make_stamp(input_hashes=hashes, by=args.by, mode=args.mode, year=args.year, crs=crs)
    if args.format == "csv":
        title = Text(f"按{term('grouping', args.by, 'zh')}汇总", f"summary by {term('grouping', args.by, 'en')}")
        write_csv(table, stamp, args, out, title=title)
    elif args.format == "json":
        _write(export.summary_json(table), args, out)
    else:
        _write(export.summary_xlsx({args.by: table}, stamp, lang=args.lang_used), args, out)
    return EXIT_OK


STAMP_HELP = (
    "CSV only: write the metadata stamp (CSV on the Web JSON) here; "
    "default: NAME.csv-metadata.json next to --output (none on stdout)"
)


def check_stamp_option(args: argparse.Namespace) -> None:
    """Refuse ``--stamp`` with an output format other than CSV (those files carry their stamp inside)."""
    if getattr(args, "stamp", None) is not None and getattr(args, "format", "csv") != "csv":
        raise UsageError(
            Text(
                f"--stamp 只用于 CSV：{args.format.upper()} 文件自带元数据",
                f"--stamp is for CSV only: an {args.format.upper()} file carries its stamp inside",
            )
        )


def write_csv(
    table: pd.DataFrame, stamp: dict[str, str], args: argparse.Namespace, out: TextIO, *, title: Text
) -> None:
    """The table as CSV (header on line 1) to ``--output`` or stdout, its stamp beside it as CSVW metadata.

    The metadata goes to ``--stamp FILE``, else to ``NAME.csv-metadata.json`` next to ``--output``;
    on stdout without ``--stamp`` there is nowhere beside it, so none is written.
    """
    from geo.io import export  # noqa: PLC0415 - openpyxl is only needed when exporting

    stamp_path = getattr(args, "stamp", None)
    if stamp_path is None and args.output is not None:
        stamp_path = args.output.with_name(export.csv_metadata_name(args.output.name))
    _write(export.summary_csv(table), args, out)
    if stamp_path is not None:
        url = args.output.name if args.output is not None else _csv_name_for(stamp_path)
        stamp_path.write_bytes(export.csv_metadata(table, stamp, url=url, title=title))


def _csv_name_for(stamp_path: Path) -> str:
    """The CSV a metadata file names when the CSV itself went to stdout: ``x.csv-metadata.json`` → ``x.csv``."""
    name = stamp_path.name
    return name.removesuffix("-metadata.json") if name.endswith(".csv-metadata.json") else "summary.csv"


def _partition(args: argparse.Namespace, out: TextIO, lang: Lang, progress: Progress) -> int:
    """``partition IN OUT_DIR``: the carriers file read and validated as ``summary`` does, then written in parts."""
    from geo import engine_dask  # noqa: PLC0415

    engine_dask.require()
    progress("read_carriers")
    options = {key: value for key in ("crs", "layer", "encoding") if (value := getattr(args, key, None))}
    frame = read_frame(args.input, **options)
    zone_ids = None
    if args.zones is not None:
        progress("read_zones")
        zone_ids = {str(z) for z in engine_dask.read_zones(args.zones)["id"]}
    progress("validate")
    problems = in_file(validate_carriers(frame, zone_ids=zone_ids), "carriers")
    if problems:
        raise DataError(str(args.input), problems)
    progress("write")
    files = engine_dask.write_partitions(normalize_carriers(frame), args.out_dir, partitions=args.partitions)
    if lang == "zh":
        print(f"已写出 {len(frame)} 个载体，共 {len(files)} 个分区文件：{args.out_dir}", file=out)
    else:
        print(f"wrote {len(frame)} carriers in {len(files)} partition file(s) to {args.out_dir}", file=out)
    return EXIT_OK


def _check_report(dataset: Dataset, findings: pd.DataFrame, lang: Lang) -> list[str]:
    types = zone_types(dataset.zones)
    n_carriers, n_zones = len(dataset.carriers), len(dataset.zones)
    type_words = [term("zone_type", t, lang) for t in types]
    head = Text(
        f"校验通过：{n_carriers} 个载体、{n_zones} 个片区（{'、'.join(type_words)}）。",
        f"OK: {n_carriers} carriers, {n_zones} zones ({', '.join(type_words)}) pass validation.",
    )
    lines = [head.in_(lang)]
    if findings.empty:
        lines.append(Text("没有数据质量问题。", "No data-quality findings.").in_(lang))
        return lines
    counts = findings["severity"].value_counts()
    parts = Text(
        "、".join(f"{term('severity', str(s), 'zh')} {counts[s]} 条" for s in counts.index),
        ", ".join(f"{counts[s]} {term('severity', str(s), 'en')}" for s in counts.index),
    )
    found = Text(f"数据质量发现 {len(findings)} 条：{parts.zh}", f"{len(findings)} data-quality finding(s): {parts.en}")
    lines.append(found.in_(lang))
    for row in findings.to_dict("records"):
        severity = term("severity", str(row["severity"]), lang)
        if lang == "zh":  # the planner's words; the kind's code stays in the English report for scripts
            kind = KINDS[row["kind"]].zh if row["kind"] in KINDS else str(row["kind"])
            lines.append(f"[{severity}] {kind} {row['subject']}：{row['message_zh']}")
        else:
            lines.append(f"[{severity}] {row['kind']} {row['subject']}: {row['message_en']}")
    return lines


def _check(args: argparse.Namespace, out: TextIO, lang: Lang, progress: Progress) -> int:
    dataset = _load(args, progress)
    from geo import cli_timeline  # noqa: PLC0415 - it builds on this module

    # The tranches, targets and indicators tables: refused like the carriers (DataError, exit 2), every problem named.
    figures = cli_timeline.figures_of(args, dataset)
    progress("quality")
    findings = check_quality(dataset.carriers, dataset.zones, dataset.sources)
    # The whole report is built before anything is printed: a failure leaves stdout empty.
    lines = _check_report(dataset, findings, lang)
    lines.insert(1, cli_timeline.figures_line(figures).in_(lang))
    print("\n".join(lines), file=out)
    return EXIT_FINDINGS if (findings["severity"] == "error").any() else EXIT_OK


def _parse(argv: list[str] | None, out: TextIO, err: TextIO) -> argparse.Namespace | int:
    """The parsed command line, or the exit code when argparse has already answered (help, usage error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _early_lang(argv) or default_lang()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            return _parser(lang).parse_args(argv)
        except SystemExit as exc:  # argparse printed the usage error (or the help) itself
            return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT


_ASKS = {"needs-crs": "crs", "needs-layer": "layer", "needs-encoding": "encoding"}


def _option_hint(exc: DataError, args: argparse.Namespace, lang: Lang) -> str:
    """The command-line option that answers a reader's question (which CRS, layer or encoding)."""
    option = _ASKS.get(getattr(exc, "code", ""))
    if option is None:
        return ""
    roles = [r for r in ROLES if getattr(args, r, None) and Path(getattr(args, r)).name == exc.source]
    choices = list(getattr(exc, "choices", ()))
    flags = " / ".join(f"--{role}-{option} {option.upper()}" for role in roles or ROLES)
    listed = Text(f"（可选：{', '.join(choices)}）", f" (choices: {', '.join(choices)})") if choices else Text("", "")
    hint = Text(f"命令行中请加上 {flags}", f"on the command line, add {flags}") + listed
    if option == "crs":
        example = f"--{(roles or ['carriers'])[0]}-crs"
        hint = hint + Text(
            f"。任何 EPSG 代码均可（如 {example} EPSG:4326 表示经纬度；中国境外的数据按其所在的 UTM 带计算面积）",
            f"; any EPSG code works (e.g. {example} EPSG:4326 for longitude/latitude, also outside China, "
            "where areas are measured in the data's UTM zone)",
        )
    return hint.in_(lang)


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; returns the exit code.

    0 ok, 1 `check` found errors, 2 bad input, 3 a scenario moved on since `--if-version`, 70 internal error.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parse(argv, out, err)
    if isinstance(args, int):
        return args
    lang: Lang = args.lang or default_lang()
    args.lang_used = lang
    prefix = _ERROR.in_(lang)
    enabled = args.progress if args.progress is not None else err.isatty()
    stages = {"summary": 3 if getattr(args, "engine", "") == "dask" else 5, "partition": 3 + (args.zones is not None)}
    progress = Progress(
        err, total=stages.get(args.command, 4 if args.command == "check" else 5), enabled=enabled, lang=lang
    )
    try:
        try:
            return _run(args, out, err, lang, progress)
        finally:  # end the progress line before any message goes to stderr
            progress.close()
    except DataError as exc:
        print(f"{prefix}: {exc.report(lang)}", file=err)
        for line in [_option_hint(exc, args, lang), *_mapping_hint(args, lang)]:
            if line:
                print(line, file=err)
    except UsageError as exc:
        print(f"{prefix}: {exc.text(lang)}", file=err)
    except EngineError as exc:
        print(f"{prefix}: {exc.text.in_(lang)}", file=err)
    except OSError as exc:
        where = exc.filename or ""
        reason = exc.strerror or str(exc)
        message = Text(
            f"无法读写文件 {where}（{reason}）；请检查路径与权限",
            f"cannot read or write {where} ({reason}); check the path and permissions",
        )
        print(f"{prefix}: {message.in_(lang)}", file=err)
    except ValueError as exc:  # e.g. a CRS the data cannot be measured in
        message = Text(f"无法完成：{exc}", f"{exc}")
        print(f"{prefix}: {message.in_(lang)}", file=err)
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the user: a short message, details in a log
        print(f"{prefix}: {_unexpected(exc).in_(lang)}", file=err)
        return EXIT_UNEXPECTED
    return EXIT_BAD_INPUT


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, lang: Lang, progress: Progress) -> int:
    """The chosen command's own work (its errors are worded by :func:`main`)."""
    if args.command == "summary":
        return _summary(args, out, progress)
    if args.command in ("scenario", "compare"):
        from geo import cli_scenario  # noqa: PLC0415 - it builds on this module

        return cli_scenario.run(args, out, err, lang)
    if args.command == "partition":
        return _partition(args, out, lang, progress)
    if args.command in ("timeline", "targets", "indicators"):
        from geo import cli_timeline  # noqa: PLC0415 - it builds on this module

        return cli_timeline.run(args, out, progress)
    return _check(args, out, lang, progress)


def _unexpected(exc: BaseException) -> Text:
    """A short message for a failure nobody foresaw; the traceback goes to a log file it names."""
    error_id = uuid.uuid4().hex[:8]
    log = Path(tempfile.gettempdir()) / f"xuhui-carriers-error-{error_id}.log"
    try:
        log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        where = Text(f"详情已写入 {log}", f"details are in {log}")
    except OSError:
        where = Text("详情无法写入日志", "the details could not be logged")
    return Text(
        f"内部错误（编号 {error_id}）：{type(exc).__name__}；{where.zh}。请将编号与该文件报告给维护者",
        f"internal error (id {error_id}): {type(exc).__name__}; {where.en}. Please report the id and the file",
    )
