"""``python -m geo scenario …`` and ``python -m geo compare …``: scenarios in a workspace, from the command line.

Registered by :mod:`geo.cli` (:func:`add_options` on the shared inputs, :func:`add_commands` in
its parser, :func:`run` in its dispatch, :func:`load_scenario` in its loader), so languages, error
handling and output writing are the same as ``summary``'s. The workspace is ``--workspace PATH``,
else ``$XUHUI_WORKSPACE``, else ``workspace.gpkg`` in the user's data directory, created from the
bundled data on first use (see :mod:`geo.workspace`).

Exit codes: 0 done, 2 bad input (nothing saved), 3 the scenario was saved by someone else since
the version given with ``--if-version`` (nothing saved).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.cli import (
    EXIT_OK,
    STAMP_HELP,
    Progress,
    UsageError,
    _check_grouping,
    _write,
    check_stamp_option,
    default_lang,
    write_csv,
)
from geo.crs import metric_crs_for
from geo.data import Dataset, Input, Provenance
from geo.rollup import MODES, summarize
from geo.schema import DataError, Lang
from geo.text import Text
from geo.timeline import Figures
from geo.workspace import (
    BASE,
    Change,
    ConflictError,
    Edit,
    ScenarioData,
    Who,
    Workspace,
    WorkspaceError,
    _os_user,
    create_workspace,
    default_workspace_path,
    open_workspace,
)

__all__ = [
    "CHANGE_KINDS",
    "COMMANDS",
    "COMPARE_COLUMNS",
    "EXIT_CONFLICT",
    "LOG_COLUMNS",
    "TABLE_TITLES",
    "add_commands",
    "add_options",
    "carrier_changes",
    "compare_table",
    "load_scenario",
    "log_table",
    "read_changes",
    "run",
    "scenario_dataset",
    "scenario_figures",
    "scenario_stamp",
]

COMMANDS: tuple[str, ...] = ("scenario", "compare")
#: What each table the scenario commands and the page hand out as CSV is (its CSVW metadata's title).
TABLE_TITLES: Mapping[str, Text] = {
    "scenarios": Text("方案列表", "scenarios"),
    "log": Text("修改记录", "edit log"),
    "conflicts": Text("被上级改过的修改", "edits the parent has overtaken"),
    "compare": Text("方案对比", "scenario comparison"),
}
EXIT_CONFLICT = 3

COMPARE_COLUMNS: tuple[str, ...] = (
    "scenario",
    "group_id",
    "name_zh",
    "name_en",
    "existing_m2",
    "planned_m2",
    "total_m2",
    "built_m2",
    "under_construction_m2",
    "target_m2",
    "gap_m2",
    "unknown_count",
    "difference_m2",
)
# From the timeline (tranches) for the same year: what of the total is built and under construction
# by then, the group's floor-space target in force, and total − target.
_PHASE_COLUMNS = ("built_m2", "under_construction_m2", "target_m2", "gap_m2")
LOG_COLUMNS: tuple[str, ...] = (
    "edit_id",
    "scenario",
    "object_type",
    "object_id",
    "field",
    "value_before",
    "value_after",
    "who",
    "who_verified",
    "at_utc",
    "reason",
    "scenario_version",
    "undoes",
)
_READER_COLUMNS = ("row", "action", "reason_en", "reason_zh", "geometry_wkt")


# --- options and commands --------------------------------------------------------------------------


def _workspace_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workspace",
        type=Path,
        default=argparse.SUPPRESS,
        help="the workspace file (default: $XUHUI_WORKSPACE, else workspace.gpkg in the user's data directory)",
    )


def add_options(inputs: argparse.ArgumentParser) -> None:
    """Add ``--scenario`` and ``--workspace`` to the shared inputs of ``summary``, ``check``, ``timeline``."""
    inputs.add_argument("--scenario", metavar="NAME", help="a scenario of the workspace instead of files")
    _workspace_option(inputs)


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _edit_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in _ids(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give edit ids from scenario log, e.g. 12 or 12,13") from None
    if not ids:
        raise argparse.ArgumentTypeError("give at least one edit id")
    return ids


def add_commands(commands: argparse._SubParsersAction, inputs: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]  # noqa: PLR0915
    """Add ``scenario`` (with its sub-commands) and ``compare`` to the command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.set_defaults(progress=False, carriers=None, zones=None)
    _workspace_option(common)
    lang = next(a for a in inputs._actions if "--lang" in a.option_strings)
    common.add_argument("--lang", choices=lang.choices, default=argparse.SUPPRESS, help=lang.help)
    person = argparse.ArgumentParser(add_help=False)
    person.add_argument("--by", dest="who", default=None, help="who makes the change (default: the OS user)")
    person.add_argument("--reason", default="", help="why: recorded with every edit")
    person.add_argument("--if-version", type=int, default=None, help="refuse (exit 3) unless still at this version")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--output", type=Path, help="write here instead of stdout")
    output.add_argument("--stamp", type=Path, help=STAMP_HELP)

    scenario = commands.add_parser("scenario", help="scenarios: named change sets on the base data, with a log")
    actions = scenario.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", parents=[common, output], help="every scenario, its version and edits")
    listing.add_argument("--format", default="csv", choices=("csv", "json"))
    new = actions.add_parser("new", parents=[common], help="a new scenario on base (or --from another)")
    new.add_argument("name")
    new.add_argument("--from", dest="parent", default=BASE, help="the scenario to start from (default: base)")
    new.add_argument("--note", default="", help="what the scenario is about")
    new.add_argument("--by", dest="who", default=None, help="who creates it (default: the OS user)")
    apply = actions.add_parser("apply", parents=[common, person], help="apply a changed carriers file")
    apply.add_argument("name")
    apply.add_argument("--carriers", type=Path, help="carriers to change or add (any carriers file of the contract)")
    for option in ("crs", "layer", "encoding"):
        apply.add_argument(f"--carriers-{option}", metavar=option.upper(), help=f"the carriers file's {option}")
    apply.add_argument("--tranches", type=Path, help="tranches to change or add (CSV, XLSX sheet, GeoPackage table)")
    apply.add_argument("--targets", type=Path, help="targets to change or add (CSV, XLSX sheet, GeoPackage table)")
    apply.add_argument("--remove", type=_ids, default=[], help="carrier ids to remove, comma-separated")
    apply.add_argument("--remove-tranches", type=_ids, default=[], help="tranche ids to remove, comma-separated")
    apply.add_argument("--remove-targets", type=_ids, default=[], help="target ids to remove, comma-separated")
    log = actions.add_parser("log", parents=[common, output], help="the scenario's edits")
    log.add_argument("name")
    log.add_argument("--format", default="csv", choices=("csv", "json"))
    undo = actions.add_parser("undo", parents=[common, person], help="restore the value an edit replaced")
    undo.add_argument("name")
    undo.add_argument(
        "--edit",
        type=_edit_ids,
        required=True,
        help="the edit_id (from scenario log); several, comma-separated, are undone together, as one save",
    )
    conflicts = actions.add_parser("conflicts", parents=[common, output], help="edits the parent has overtaken")
    conflicts.add_argument("name", nargs="?")
    conflicts.set_defaults(format="csv")  # a CSV only (with its stamp beside it)
    export = actions.add_parser("export", parents=[common], help="the scenario's layers, summary and change set")
    export.add_argument("name")
    export.add_argument("--format", required=True, choices=("gpkg", "geojson", "xlsx"))
    export.add_argument("--output", type=Path, required=True)
    export.add_argument("--group-by", default="pole", help="grouping of the summary in gpkg/xlsx (default: pole)")
    export.add_argument("--mode", default="declared", choices=MODES)
    init = actions.add_parser("init", parents=[common], help="a new workspace from a district's own files")
    for role in ("carriers", "zones"):
        init.add_argument(f"--{role}", type=Path, required=True)
    for role in ("sources", "tranches", "targets"):
        init.add_argument(f"--{role}", type=Path)
    init.add_argument("--by", dest="who", default=None)

    compare = commands.add_parser("compare", parents=[common, output], help="two or three scenarios side by side")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="base or a scenario; 2 or 3 names")
    compare.add_argument("--by", default="pole", help="a zone type (pole, belt, ...) or 'status' (default: pole)")
    compare.add_argument("--mode", default="declared", choices=MODES)
    compare.add_argument("--year", type=int, default=None, help="as of this year (default: build-out)")
    compare.add_argument("--format", default="csv", choices=("csv", "json", "xlsx"))


# --- loading a scenario for summary, check, timeline ----------------------------------------------


def _workspace(args: argparse.Namespace, *, create: bool = True) -> Workspace:
    path = getattr(args, "workspace", None) or default_workspace_path()
    return open_workspace(path, create=create)


def _scenario_data(args: argparse.Namespace) -> ScenarioData:
    cached = getattr(args, "_scenario_data", None)
    if cached is None:
        if args.carriers is not None or args.zones is not None:
            raise UsageError(
                Text(
                    "--scenario 与 --carriers/--zones 不能同时使用：方案的数据来自工作区",
                    "--scenario and --carriers/--zones exclude each other: a scenario's data is in the workspace",
                )
            )
        try:
            cached = _workspace(args).load(args.scenario)
        except WorkspaceError as exc:
            raise UsageError(exc.text) from exc
        args._scenario_data = cached
    return cached


def _change_set_hash(workspace: Workspace, name: str) -> str:
    """SHA-256 of the edits that make a scenario (its own and its parents'): what changed, not where it is kept."""
    digest = hashlib.sha256()
    for scenario in _lineage(workspace, name):
        for e in workspace.edits(scenario):
            row = [e.edit_id, e.scenario, e.object_type, e.object_id, e.field, e.value_before, e.value_after]
            digest.update(json.dumps(row, ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()


def load_scenario(args: argparse.Namespace, progress: Progress) -> Dataset:
    """The dataset of ``--scenario NAME`` (validated), for ``summary``, ``check`` and ``timeline``.

    Its input hashes carry the scenario's name, version and change set, so every export's stamp does.
    """
    progress("read_carriers")
    data = _scenario_data(args)
    progress("read_zones")
    progress("validate")
    return scenario_dataset(_workspace(args), data)


def scenario_dataset(workspace: Workspace, data: ScenarioData) -> Dataset:
    """A scenario's dataset whose provenance names the scenario, its version and its change set's hash,
    so every export's stamp (page or command line) says which scenario, at which version, it holds."""
    info = data.info
    key = f"scenario {info.name} version {info.version} edits {len(data.edit_ids)}"
    change_set = Input.of(role=key, name=info.name, sha256=_change_set_hash(workspace, info.name))
    dataset = data.dataset
    provenance = Provenance((*dataset.provenance.inputs, change_set))
    return Dataset(dataset.carriers, dataset.zones, dataset.sources, dataset.context, provenance)


def scenario_figures(args: argparse.Namespace) -> Figures:
    """The tranches and targets of ``--scenario NAME`` (for ``timeline`` and ``targets``)."""
    return _scenario_data(args).figures


# --- reading a change file -------------------------------------------------------------------------


def _geojson_properties(path: Path) -> dict[str, dict[str, object]] | None:
    """Each feature's own properties by id, for a GeoJSON file (a property left out stays unchanged)."""
    if path.suffix.lower() not in (".geojson", ".json"):
        return None
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, RecursionError, OSError):
        return None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        return None
    out: dict[str, dict[str, object]] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict) and properties.get("id") is not None:
            out[str(properties["id"]).strip()] = properties
    return out


def _missing_ids(frame: pd.DataFrame, where: str) -> None:
    if "id" not in frame.columns or frame["id"].isna().any():
        raise UsageError(
            Text(
                f"{where}：每个要素都须有 id（已有载体的 id 用于修改，新 id 用于新增）",
                f"{where}: every feature needs an id (an existing carrier's id changes it, a new id adds one)",
            )
        )
    duplicated = sorted(set(frame["id"][frame["id"].astype(str).duplicated()].astype(str)))
    if duplicated:
        raise UsageError(
            Text(
                f"{where}：id 重复：{', '.join(duplicated)}；每个载体只能出现一次",
                f"{where}: ids used twice: {', '.join(duplicated)}; give each carrier once",
            )
        )


def read_changes(path: Path, *, options: dict[str, str] | None = None) -> list[Change]:
    """The carriers a changed file gives, as :class:`~geo.workspace.Change` s (one per feature).

    The file goes through the project's reader (:func:`geo.io.reader.read_path`: any format, its
    CRS converted). A feature without geometry keeps its outline; in a GeoJSON file, properties a
    feature leaves out stay unchanged (in a table, every column it has is given).
    """
    from geo.io import reader  # noqa: PLC0415 - heavy; only for files

    where = path.name
    properties = _geojson_properties(path)
    try:
        result = reader.read_path(path, **(options or {}))
        frames = [result.frame]
        dropped = result.rejected
        refused = [
            f
            for f in result.report
            if f.action in ("rejected", "repaired") or (f.action == "dropped" and f.reason_en != "no geometry")
        ]
        if refused:
            from geo.schema import refused_row_problem  # noqa: PLC0415

            problems = [refused_row_problem(f.row, f.id, f.reason_en, f.reason_zh, action=f.action) for f in refused]
            raise DataError(str(path), problems)
        if len(dropped):
            keep = dropped[dropped["reason_en"] == "no geometry"].drop(
                columns=[c for c in _READER_COLUMNS if c in dropped.columns]
            )
            frames.append(gpd.GeoDataFrame(keep, geometry=[None] * len(keep), crs=4326))
        frame = pd.concat(frames, ignore_index=True)
    except DataError as exc:
        # Every feature without geometry: a file of figures only (GeoJSON).
        lost = getattr(exc, "problems", [])
        if (
            getattr(exc, "code", "") != "no-polygons"
            or properties is None
            or any(p.what != "no geometry" for p in lost)
        ):
            raise
        frame = pd.DataFrame([{**props, "geometry": None} for props in properties.values()])
    if "layer" in frame.columns and (frame["layer"] == "carriers").any():
        # The tool's own GeoJSON export holds carriers and zones, told apart by `layer`.
        frame = frame[frame["layer"] == "carriers"].drop(columns="layer")
    _missing_ids(frame, where)
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else "geometry"
    columns = [c for c in frame.columns if c != geometry]
    changes = []
    for record in frame.to_dict("records"):
        ident = str(record["id"]).strip()
        given = properties.get(ident) if properties is not None else None
        values = {
            c: (given[c] if given is not None else record[c])
            for c in columns
            if (given is None or c in given) and c != "layer"
        }
        values["geometry"] = record.get(geometry)
        changes.append(Change("carrier", ident, values))
    return changes


def _table_changes(path: Path, kind: str) -> list[Change]:
    from geo.tranches import load_table  # noqa: PLC0415

    table = load_table(path, table=f"{kind}s")
    if "id" not in table.columns or any(v is None or not str(v).strip() for v in table["id"]):
        raise UsageError(
            Text(
                f"{path.name}：每行都须有 id（已有的 id 用于修改，新 id 用于新增）",
                f"{path.name}: every row needs an id (an existing id changes that row, a new id adds one)",
            )
        )
    return [Change(kind, str(r["id"]).strip(), r) for r in table.to_dict("records")]


# --- tables ----------------------------------------------------------------------------------------


def log_table(edits: Iterable[Edit]) -> pd.DataFrame:
    """The change log as a table (values as JSON text), columns :data:`LOG_COLUMNS`."""
    rows = [
        {
            **{c: getattr(e, c) for c in LOG_COLUMNS},
            "value_before": json.dumps(e.value_before, ensure_ascii=False, sort_keys=True),
            "value_after": json.dumps(e.value_after, ensure_ascii=False, sort_keys=True),
        }
        for e in edits
    ]
    table = pd.DataFrame(rows, columns=list(LOG_COLUMNS))
    for column in ("edit_id", "scenario_version", "undoes"):
        table[column] = pd.array(table[column].tolist(), dtype="Int64")
    return table


#: What happened to a carrier between two scenarios, in the order a map legend lists them.
CHANGE_KINDS: tuple[str, ...] = ("added", "removed", "reshaped", "changed", "unchanged")


def carrier_changes(
    first: gpd.GeoDataFrame,
    other: gpd.GeoDataFrame,
    *,
    tranches: tuple[pd.DataFrame | None, pd.DataFrame | None] = (None, None),
) -> gpd.GeoDataFrame:
    """Every carrier of either scenario with what ``other`` did to it: ``added``, ``removed``, ``reshaped``
    (its outline differs), ``changed`` (any other field, or its tranche rows), ``unchanged``.

    ``tranches``: the two scenarios' tranches tables (:attr:`geo.workspace.ScenarioData.tranches`), so that a
    carrier whose tranches changed is ``changed`` even when its two columns did not (a note, a source, a
    year within its class). Columns ``id``, ``name_zh``, ``name_en``, ``change`` and ``geometry``
    (``other``'s outline, ``first``'s for a removed carrier), in ``first``'s order then the added ones; the
    CRS of ``first``.
    """
    a, b = first.set_index("id"), other.to_crs(first.crs).set_index("id")
    fields = [c for c in a.columns if c in b.columns and c != "geometry"]
    rows_a, rows_b = (_tranche_rows(t) for t in tranches)
    rows = []
    for ident in [*a.index, *(i for i in b.index if i not in a.index)]:
        if ident not in b.index:
            row, change = a.loc[ident], "removed"
        elif ident not in a.index:
            row, change = b.loc[ident], "added"
        else:
            row = b.loc[ident]
            if not a.at[ident, "geometry"].equals(row["geometry"]):
                change = "reshaped"
            elif any(_differs(a.at[ident, c], row[c]) for c in fields) or rows_a.get(ident) != rows_b.get(ident):
                change = "changed"
            else:
                change = "unchanged"
        rows.append(
            {
                "id": ident,
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "change": change,
                "geometry": row["geometry"],
            }
        )
    return gpd.GeoDataFrame(rows, columns=["id", "name_zh", "name_en", "change", "geometry"], crs=first.crs)


def _cell(value: object) -> str | None:
    """A table cell compared across scenarios: unknown as None, a whole number the same as its text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def _tranche_rows(table: pd.DataFrame | None) -> dict[str, frozenset[tuple[str | None, ...]]]:
    """Per carrier id, its tranche rows (every column) as comparable values; empty without a table."""
    if table is None or not len(table) or "carrier_id" not in table.columns:
        return {}
    out: dict[str, set[tuple[str | None, ...]]] = {}
    columns = sorted(table.columns)
    for record in table[columns].itertuples(index=False, name=None):
        cells = tuple(_cell(v) for v in record)
        out.setdefault(str(cells[columns.index("carrier_id")]), set()).add(cells)
    return {k: frozenset(v) for k, v in out.items()}


def _differs(before: object, after: object) -> bool:
    if pd.isna(before) if not isinstance(before, (list, tuple)) else False:
        return not (pd.isna(after) if not isinstance(after, (list, tuple)) else False)
    return bool(before != after)


def compare_table(
    workspace: Workspace, names: list[str], *, by: str, mode: str = "declared", year: int | None = None
) -> pd.DataFrame:
    """Long rows per scenario and group (:data:`COMPARE_COLUMNS`), as of ``year`` (``None``: build-out).

    The figures are the summary's (``existing_m2``, ``planned_m2``, ``total_m2``, ``unknown_count``)
    and the timeline's for the same year (``built_m2``, ``under_construction_m2``, ``target_m2``,
    ``gap_m2``); ``difference_m2`` is the total minus the first scenario's total for the same group
    (empty when that group is not in it). Whole m², unknown empty.
    """
    from geo.timeline import timeline  # noqa: PLC0415

    parts = []
    first: pd.Series | None = None
    for name in names:
        data = workspace.load(name)
        dataset = data.dataset
        _check_grouping(by, dataset.zones)
        table = summarize(dataset.carriers, dataset.zones, by=by, mode=mode, year=year)  # type: ignore[arg-type]
        table = table[[c for c in COMPARE_COLUMNS if c in table.columns]].copy()
        phases = timeline(
            dataset.carriers,
            dataset.zones,
            figures=data.figures,
            by=by,
            mode=mode,
            years=[year],  # type: ignore[arg-type]
        ).set_index("group_id")
        for column in _PHASE_COLUMNS:
            table[column] = pd.array(phases[column].reindex(table["group_id"]).tolist(), dtype="Int64")
        totals = table.set_index("group_id")["total_m2"]
        if first is None:
            first = totals
        reference = first.reindex(table["group_id"]).to_numpy()
        table["difference_m2"] = pd.array(table["total_m2"].to_numpy(), dtype="Int64") - pd.array(
            reference, dtype="Int64"
        )
        table.insert(0, "scenario", name)
        parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    return out[list(COMPARE_COLUMNS)]


def scenario_stamp(workspace: Workspace, data: ScenarioData, *, by: str, mode: str, year: int | None) -> dict[str, str]:
    """The export stamp (:func:`geo.io.export.make_stamp`) plus the scenario's name, parent, version and
    change set (edit ids and the SHA-256 of its edits)."""
    from geo.io import export  # noqa: PLC0415

    crs = metric_crs_for(data.dataset.carriers).to_string()
    stamp = export.make_stamp(input_hashes=data.dataset.hashes, by=by, mode=mode, year=year, crs=crs)
    note = stamp.pop("note")
    stamp.update(
        {
            "workspace": workspace.path.name,
            "scenario": data.info.name,
            "scenario_parent": data.info.parent or "",
            "scenario_version": str(data.info.version),
            "change_set_edits": str(len(data.edit_ids)),
            "change_set_edit_ids": _ranges(data.edit_ids),
            "change_set_sha256": _change_set_hash(workspace, data.info.name),
            "note": note,
        }
    )
    return stamp


def _ranges(ids: Iterable[int]) -> str:
    """``1-3,7`` for 1, 2, 3, 7."""
    out: list[str] = []
    start = previous = None
    for value in sorted(ids):
        if start is None:
            start = previous = value
        elif value == previous + 1:  # type: ignore[operator]
            previous = value
        else:
            out.append(f"{start}-{previous}" if start != previous else str(start))
            start = previous = value
    if start is not None:
        out.append(f"{start}-{previous}" if start != previous else str(start))
    return ",".join(out)


# --- running ---------------------------------------------------------------------------------------


def _who(args: argparse.Namespace) -> Who:
    return Who(args.who or _os_user(), verified=False)


def _say(out: TextIO, lang: Lang, zh: str, en: str) -> None:
    print(zh if lang == "zh" else en, file=out)


def _report_conflicts(workspace: Workspace, name: str, err: TextIO, lang: Lang) -> None:
    children = [s.name for s in workspace.scenarios() if s.parent == name]
    for child in children:
        for c in workspace.conflicts(child):
            _say(
                err,
                lang,
                f"注意：方案 {c.scenario!r} 的修改 {c.edit_id}（{c.object_type} {c.object_id}，{c.field}）"
                f"基于旧值 {json.dumps(c.value_before, ensure_ascii=False)[:80]}，"
                f"其上级现为 {json.dumps(c.parent_value, ensure_ascii=False)[:80]}：请核对",
                f"note: edit {c.edit_id} of scenario {c.scenario!r} ({c.object_type} {c.object_id}, {c.field}) was "
                f"made on {json.dumps(c.value_before, ensure_ascii=False)[:80]}; its parent now has "
                f"{json.dumps(c.parent_value, ensure_ascii=False)[:80]}: check it",
            )


def _run_scenario(args: argparse.Namespace, out: TextIO, err: TextIO, lang: Lang) -> int:  # noqa: PLR0911, PLR0912, PLR0915 - one branch per action
    from geo.io import export  # noqa: PLC0415

    check_stamp_option(args)
    if args.action == "init":
        path = getattr(args, "workspace", None) or default_workspace_path()
        workspace = create_workspace(
            path,
            carriers=args.carriers,
            zones=args.zones,
            sources=args.sources,
            tranches=args.tranches,
            targets=args.targets,
            who=_who(args),
        )
        _say(out, lang, f"已新建工作区 {workspace.path}", f"created the workspace {workspace.path}")
        return EXIT_OK
    workspace = _workspace(args)
    if args.action == "list":
        conflicts = {}
        for c in workspace.conflicts():
            conflicts[c.scenario] = conflicts.get(c.scenario, 0) + 1
        counts: dict[str, int] = {}
        for e in workspace.edits():
            counts[e.scenario] = counts.get(e.scenario, 0) + 1
        table = pd.DataFrame(
            [
                {
                    "name": s.name,
                    "parent": s.parent,
                    "version": s.version,
                    "edits": counts.get(s.name, 0),
                    "conflicts": conflicts.get(s.name, 0),
                    "note": s.note,
                    "created_by": s.created_by,
                    "created_at": s.created_at,
                }
                for s in workspace.scenarios()
            ]
        )
        if args.format == "csv":
            stamp = {"content": "scenarios", "workspace": str(workspace.path)}
            write_csv(table, stamp, args, out, title=TABLE_TITLES["scenarios"])
        else:
            _write(export.summary_json(table), args, out)
        return EXIT_OK
    if args.action == "new":
        info = workspace.new_scenario(args.name, parent=args.parent, note=args.note, who=_who(args))
        _say(
            out,
            lang,
            f"已新建方案 {info.name!r}（基于 {info.parent!r}，第 {info.version} 版）",
            f"created scenario {info.name!r} on {info.parent!r} (version {info.version})",
        )
        return EXIT_OK
    if args.action in ("apply", "undo"):
        if args.action == "apply":
            changes: list[Change] = []
            if args.carriers is not None:
                options = {k: v for k in ("crs", "layer", "encoding") if (v := getattr(args, f"carriers_{k}", None))}
                changes += read_changes(args.carriers, options=options)
            for kind, path in (("tranche", args.tranches), ("target", args.targets)):
                if path is not None:
                    changes += _table_changes(path, kind)
            changes += [Change("carrier", i, None) for i in args.remove]
            changes += [Change("tranche", i, None) for i in args.remove_tranches]
            changes += [Change("target", i, None) for i in args.remove_targets]
            if not changes:
                raise UsageError(
                    Text(
                        "没有要应用的修改：请给出 --carriers 文件、--tranches/--targets 表或 --remove 编号",
                        "nothing to apply: give --carriers FILE, --tranches/--targets tables or --remove IDS",
                    )
                )
            result = workspace.save(args.name, changes, who=_who(args), reason=args.reason, if_version=args.if_version)
        else:
            result = workspace.undo(
                args.name, args.edit, who=_who(args), reason=args.reason, if_version=args.if_version
            )
        if not result.edit_ids:
            _say(
                out,
                lang,
                f"方案 {result.scenario!r} 没有变化（仍为第 {result.version} 版）",
                f"scenario {result.scenario!r} unchanged (still version {result.version})",
            )
        else:
            _say(
                out,
                lang,
                f"已保存方案 {result.scenario!r} 第 {result.version} 版：{len(result.edit_ids)} 条修改"
                f"（编号 {_ranges(result.edit_ids)}）",
                f"saved scenario {result.scenario!r} version {result.version}: {len(result.edit_ids)} edit(s) "
                f"(edit_id {_ranges(result.edit_ids)})",
            )
        _report_conflicts(workspace, args.name, err, lang)
        return EXIT_OK
    if args.action == "log":
        edits = workspace.edits(args.name)
        table = log_table(edits)
        if args.format == "json":
            records = [{**{c: getattr(e, c) for c in LOG_COLUMNS}} for e in edits]
            _write((json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), args, out)
            return EXIT_OK
        info = workspace.scenario(args.name)
        stamp = {
            "content": "edit log",
            "workspace": str(workspace.path),
            "scenario": info.name,
            "scenario_version": str(info.version),
        }
        write_csv(table, stamp, args, out, title=TABLE_TITLES["log"])
        return EXIT_OK
    if args.action == "conflicts":
        found = workspace.conflicts(args.name)
        table = pd.DataFrame(
            [
                {
                    **vars(c),
                    "value_before": json.dumps(c.value_before, ensure_ascii=False),
                    "parent_value": json.dumps(c.parent_value, ensure_ascii=False),
                    "value_after": json.dumps(c.value_after, ensure_ascii=False),
                }
                for c in found
            ],
            columns=[
                "scenario",
                "edit_id",
                "object_type",
                "object_id",
                "field",
                "value_before",
                "parent_value",
                "value_after",
            ],
        )
        stamp = {"content": "conflicts", "workspace": str(workspace.path), "scenario": args.name}
        write_csv(table, stamp, args, out, title=TABLE_TITLES["conflicts"])
        return EXIT_OK
    # export
    data = workspace.load(args.name)
    _check_grouping(args.group_by, data.dataset.zones)
    summary = summarize(data.dataset.carriers, data.dataset.zones, by=args.group_by, mode=args.mode)
    stamp = scenario_stamp(workspace, data, by=args.group_by, mode=args.mode, year=None)
    edits = [e for s in _lineage(workspace, args.name) for e in workspace.edits(s)]
    change_set = log_table(edits)
    if args.format == "geojson":
        args.output.write_bytes(export.layers_geojson(data.dataset.carriers, data.dataset.zones, stamp))
    elif args.format == "xlsx":
        attributes = pd.DataFrame(data.dataset.carriers.drop(columns=data.dataset.carriers.geometry.name))
        tables = {"carriers": attributes, args.group_by: summary, "edits": change_set}
        args.output.write_bytes(export.summary_xlsx(tables, stamp))
    else:
        args.output.write_bytes(
            export.geopackage(data.dataset.carriers, data.dataset.zones, {args.group_by: summary}, stamp)
        )
        for layer, table in (("edit_log", change_set), ("tranches", data.tranches), ("targets", data.targets)):
            if table is not None and len(table.columns):
                plain = table.astype(object).where(table.notna(), None)
                pyogrio.write_dataframe(pd.DataFrame(plain), args.output, layer=layer, driver="GPKG")
    _say(
        out,
        lang,
        f"已导出方案 {data.info.name!r} 第 {data.info.version} 版到 {args.output}",
        f"exported scenario {data.info.name!r} version {data.info.version} to {args.output}",
    )
    return EXIT_OK


def _lineage(workspace: Workspace, name: str) -> list[str]:
    chain = [name]
    while (parent := workspace.scenario(chain[-1]).parent) is not None:
        chain.append(parent)
    return chain[::-1]


def _run_compare(args: argparse.Namespace, out: TextIO) -> int:
    from geo.io import export  # noqa: PLC0415

    check_stamp_option(args)
    if not 2 <= len(args.scenarios) <= 3:
        raise UsageError(
            Text(
                f"compare 需要 2 或 3 个方案，收到 {len(args.scenarios)} 个",
                f"compare takes 2 or 3 scenarios, not {len(args.scenarios)}",
            )
        )
    workspace = _workspace(args)
    table = compare_table(workspace, list(args.scenarios), by=args.by, mode=args.mode, year=args.year)
    first = workspace.load(args.scenarios[0])
    stamp = scenario_stamp(workspace, first, by=args.by, mode=args.mode, year=args.year)
    stamp["compared"] = " | ".join(f"{s.name} v{s.version}" for s in (workspace.scenario(n) for n in args.scenarios))
    if args.format == "csv":
        write_csv(table, stamp, args, out, title=TABLE_TITLES["compare"])
        return EXIT_OK
    data = export.summary_json(table) if args.format == "json" else export.summary_xlsx({"compare": table}, stamp)
    _write(data, args, out)
    return EXIT_OK


def run(args: argparse.Namespace, out: TextIO, err: TextIO, lang: Lang | None = None) -> int:
    """Run ``scenario …`` or ``compare`` (parsed by :func:`add_commands`); returns the exit code.

    A :class:`~geo.workspace.ConflictError` exits 3; other workspace errors are reported in
    ``lang`` and exit 2. Data errors go up to :func:`geo.cli.main`, which reports them.
    """
    lang = lang or default_lang()
    try:
        if args.command == "compare":
            return _run_compare(args, out)
        return _run_scenario(args, out, err, lang)
    except ConflictError as exc:
        print(f"{'错误' if lang == 'zh' else 'error'}: {exc.report(lang)}", file=err)
        return EXIT_CONFLICT
    except WorkspaceError as exc:
        raise UsageError(exc.text) from exc
