"""``python -m geo timeline`` and ``python -m geo targets``: floor space through time, and against targets.

Registered by :mod:`geo.cli` (``add_commands`` in its parser, ``run`` in its dispatch), so the
inputs, languages, progress, error handling and output writing are the same as ``summary``'s.

``timeline`` writes one row per group per year (``--from``/``--to``, default 2015–2035):
``group_id, name_zh, name_en, year, built_m2, under_construction_m2, planned_m2, total_m2,
target_m2, gap_m2, target_status, unknown_count, unknown_ids, undated_ids``, with ``__outside__``
(zone types) and ``__total__`` rows every year. ``targets`` writes every target with the capacity
it is measured against and the gap. The bundled data brings its own ``tranches.csv`` and
``targets.csv``; with other carriers, give ``--tranches``/``--targets`` (else the carriers' two
columns are read as tranches and there are no targets).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from geo.cli import EXIT_OK, Progress, UsageError, _check_grouping, _load, _write, write_csv
from geo.crs import metric_crs_for
from geo.data import Dataset
from geo.rollup import MODES
from geo.text import Text
from geo.timeline import (
    DEFAULT_SPAN,
    Figures,
    bundled_figure_paths,
    bundled_indicators_path,
    indicator_report,
    load_figures,
    target_report,
    timeline,
)
from geo.tranches import CONVERTED_NOTES, IMPLIED_NOTE

__all__ = ["COMMANDS", "add_commands", "figures_line", "figures_of", "run", "summary_figures"]

COMMANDS: tuple[str, ...] = ("timeline", "targets", "indicators")
_MAX_SPAN = 200
_MADE_UP = (*CONVERTED_NOTES.values(), IMPLIED_NOTE)  # tranches the tool made from the columns, not rows


def _year_arg(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year; give e.g. 2015") from None
    if not 1900 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"{year} is outside 1900–2100")
    return year


def add_commands(commands: argparse._SubParsersAction, inputs: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """Add ``timeline`` and ``targets`` to the command line's sub-commands (``inputs``: the shared options)."""
    figures = argparse.ArgumentParser(add_help=False)
    figures.add_argument("--tranches", type=Path, help="tranches table (CSV, XLSX sheet, GeoPackage table)")
    figures.add_argument("--targets", type=Path, help="targets table (CSV, XLSX sheet, GeoPackage table)")
    figures.add_argument("--mode", default="declared", choices=MODES, help="membership mode (default: declared)")
    figures.add_argument("--format", default="csv", choices=("csv", "json", "xlsx"), help="output format")
    figures.add_argument("--output", type=Path, help="write here instead of stdout (required for xlsx on a terminal)")
    figures.add_argument(
        "--stamp",
        type=Path,
        help="CSV only: write the metadata stamp (CSV on the Web JSON) here; "
        "default: NAME.csv-metadata.json next to --output (none on stdout)",
    )

    line = commands.add_parser(
        "timeline", parents=[inputs, figures], help="built / under construction / planned floor area by group and year"
    )
    line.add_argument("--by", default="pole", help="a zone type (pole, belt, ...) or 'status' (default: pole)")
    line.add_argument("--from", dest="year_from", type=_year_arg, default=DEFAULT_SPAN[0], help="first year (2015)")
    line.add_argument("--to", dest="year_to", type=_year_arg, default=DEFAULT_SPAN[1], help="last year (2035)")
    commands.add_parser("targets", parents=[inputs, figures], help="every target with its capacity and gap")
    values = commands.add_parser(
        "indicators", parents=[inputs, figures], help="every indicator value the sources report (firms, output, ...)"
    )
    values.add_argument("--indicators", type=Path, help="indicators table (CSV, XLSX sheet, GeoPackage table)")


def figures_of(args: argparse.Namespace, dataset: Dataset) -> Figures:
    """The tranches, targets (and for ``indicators`` and ``check``, indicator values) the command line names.

    ``--tranches``/``--targets``/``--indicators`` when given; with the bundled carriers and zones, the bundled
    tables otherwise; a scenario's own with ``--scenario``. Every table is validated against the carriers, the
    zones and (bundled data or ``--sources``) the sources.

    Raises
    ------
    DataError
        Every problem of every table, in 中文 and English.
    """
    if getattr(args, "scenario", None):
        from geo import cli_scenario  # noqa: PLC0415 - a scenario's figures are in the workspace

        return cli_scenario.scenario_figures(args)
    bundled = args.carriers is None and args.zones is None
    tranches, targets = args.tranches, getattr(args, "targets", None)
    indicators = getattr(args, "indicators", None)
    if bundled:
        own_tranches, own_targets = bundled_figure_paths()
        own_indicators = bundled_indicators_path()
        tranches = tranches or (own_tranches if own_tranches.is_file() else None)
        targets = targets or (own_targets if own_targets.is_file() else None)
        indicators = indicators or (own_indicators if own_indicators.is_file() else None)
    check = bundled or args.sources is not None
    source_ids = set(dataset.sources["id"].astype(str)) if check else None
    return load_figures(
        dataset.carriers,
        dataset.zones,
        tranches=tranches,
        targets=targets,
        indicators=indicators if args.command in ("indicators", "check") else None,
        source_ids=source_ids,
    )


def figures_line(figures: Figures) -> Text:
    """``check``'s line on the figure tables: how many tranches, targets and indicator values passed."""
    stated = int((~figures.tranches["note"].isin(_MADE_UP)).sum())
    n_targets = len(figures.targets)
    n_values = 0 if figures.indicators is None else len(figures.indicators)
    return Text(
        f"分期、目标与指标校验通过：分期 {stated} 条（其余 {len(figures.tranches) - stated} 条由载体的面积列得出）、"
        f"目标 {n_targets} 条、指标 {n_values} 条。",
        f"OK: {stated} tranche(s) ({len(figures.tranches) - stated} more from the carriers' area columns), "
        f"{n_targets} target(s), {n_values} indicator value(s) pass validation.",
    )


def summary_figures(args: argparse.Namespace, dataset: Dataset) -> Figures | None:
    """For ``summary``: the tranches to roll up (``--tranches``, a scenario's own, or the bundled data's), for
    :func:`geo.timeline.summary_as_of`, so that ``summary --year Y`` and the timeline's row for Y agree;
    ``None`` when there are none (the two columns are read as they always were)."""
    own = args.carriers is None and args.zones is None and bundled_figure_paths()[0].is_file()
    if args.tranches is None and not own and not getattr(args, "scenario", None):
        return None
    return figures_of(args, dataset)


def run(args: argparse.Namespace, out: TextIO, progress: Progress) -> int:
    """Run ``timeline`` or ``targets`` (parsed by :func:`add_commands`); returns the exit code."""
    from geo.io import export, figures  # noqa: PLC0415 - openpyxl is only needed when exporting

    if args.command == "timeline":
        if args.year_from > args.year_to:
            raise UsageError(
                Text(
                    f"--from {args.year_from} 晚于 --to {args.year_to}：请给出从早到晚的年份",
                    f"--from {args.year_from} is after --to {args.year_to}: give the earlier year first",
                )
            )
        if args.year_to - args.year_from >= _MAX_SPAN:
            raise UsageError(
                Text(
                    f"年份跨度过大（{args.year_to - args.year_from + 1} 年）：最多 {_MAX_SPAN} 年",
                    f"the span is {args.year_to - args.year_from + 1} years: at most {_MAX_SPAN}",
                )
            )
    dataset = _load(args, progress)
    if args.command == "timeline":
        _check_grouping(args.by, dataset.zones)
    loaded = figures_of(args, dataset)
    progress("roll_up")
    if args.command == "timeline":
        years = range(args.year_from, args.year_to + 1)
        table = timeline(dataset.carriers, dataset.zones, figures=loaded, by=args.by, mode=args.mode, years=years)
        by = args.by
    elif args.command == "targets":
        table = target_report(dataset.carriers, dataset.zones, loaded, mode=args.mode)
        by = "targets"
    else:
        table = indicator_report(dataset.carriers, dataset.zones, loaded)
        by = "indicators"
    progress("write")
    crs = metric_crs_for(dataset.carriers).to_string()
    stamp = export.make_stamp(input_hashes=dataset.hashes, by=by, mode=args.mode, year=None, crs=crs)
    if args.command == "timeline":
        stamp["year"] = f"{args.year_from}-{args.year_to}"
    if args.format == "csv":
        write_csv(table, stamp, args, out, title=_TITLES[args.command])
        return EXIT_OK
    data = export.summary_json(table) if args.format == "json" else figures.figures_xlsx({by: table}, stamp)
    _write(data, args, out)
    return EXIT_OK


_TITLES = {
    "timeline": Text(
        "逐年建筑面积（已建成、在建、规划）与目标",
        "floor space by year (built, under construction, planned) and targets",
    ),
    "targets": Text("规划目标及其容量与差额", "the plan's targets, their capacity and gap"),
    "indicators": Text("其他指标", "other indicators"),
}
