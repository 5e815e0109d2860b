"""The workspace: one GeoPackage holding the base data, named scenarios and an append-only change log.

A workspace is a single ``.gpkg`` file (SQLite) that GDAL, QGIS and ``sqlite3`` open as it is:

* the **base data** as GeoPackage layers written by GDAL (``carriers``, ``zones``; attribute tables
  ``sources``, ``tranches``, ``targets`` when the data has them), exactly as imported;
* ``scenarios``: one row per scenario (``name``, ``parent``, ``note``, ``version``, ``created_by``,
  ``created_by_verified``, ``created_at``). The scenario named ``base`` is the base data itself;
* ``edit_log``: every change ever made, one row per changed field (``edit_id``, ``scenario``,
  ``object_type``, ``object_id``, ``field``, ``value_before``, ``value_after`` as JSON text, ``who``,
  ``who_verified``, ``at_utc``, ``reason``, ``scenario_version``, ``undoes``). SQLite triggers refuse
  any ``UPDATE`` or ``DELETE`` of it: the log is append-only, and an undo is a new edit.

A scenario is never a copy: its current state is its parent's state (``base``: the imported
layers) with its own edits replayed in order. Objects are carriers, zones, tranches and targets,
keyed by their ``id``; ``field`` is a contract field, ``geometry`` (WKT, full precision), or
``__feature__`` for adding (before ``null``, after the whole record) or removing a whole object.
When a parent changes after a scenario was edited, :meth:`Workspace.conflicts` lists the
scenario's edits whose ``value_before`` no longer matches the parent (the scenario's value still
wins in its state).

Saves never lose an update: each scenario has a ``version``; a save may state the version it
started from (``if_version``) and is refused with :class:`ConflictError` when another save came
first. A save is one SQLite transaction (``BEGIN IMMEDIATE``, WAL journal, busy timeout), and
the resulting state is checked with the data contract (:func:`geo.data.load_dataset`,
:func:`geo.timeline.load_figures`) before it commits: an invalid or interrupted save leaves the
workspace as it was.

Nothing here imports Streamlit or Folium.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.data import Dataset, load_dataset, load_sources
from geo.schema import CARRIER_FIELDS, SOURCE_FIELDS, ZONE_FIELDS, DataError, Problem
from geo.text import Lang, Text
from geo.timeline import Figures, bundled_figure_paths, load_figures
from geo.tranches import (
    TARGET_COLUMNS,
    TRANCHE_COLUMNS,
    flat_columns,
    load_table,
    normalize_tranches,
    validate_tranches,
)

__all__ = [
    "BASE",
    "ENV_VAR",
    "FEATURE",
    "OBJECT_TYPES",
    "Change",
    "Conflict",
    "ConflictError",
    "Edit",
    "SaveResult",
    "ScenarioData",
    "ScenarioInfo",
    "Who",
    "Workspace",
    "WorkspaceError",
    "columns_following_tranches",
    "create_workspace",
    "default_workspace_path",
    "open_workspace",
]

BASE = "base"
ENV_VAR = "XUHUI_WORKSPACE"
FEATURE = "__feature__"
GEOMETRY = "geometry"
OBJECT_TYPES: tuple[str, ...] = ("carrier", "zone", "tranche", "target")
SCHEMA_VERSION = 1
_BUSY_TIMEOUT_S = 30.0
_GEOMETRY_TOLERANCE = 1e-9  # degrees (~0.1 mm): an outline read back from a file is the same outline
_NAME_MAX = 64
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_WHOLE_RE = re.compile(r"-?\d+")
_INT_FIELDS = frozenset(
    [f.name for f in (*CARRIER_FIELDS, *ZONE_FIELDS) if f.kind == "int"] + ["floor_area_m2", "year", "value"]
)
_LAYER_OF: Mapping[str, str] = {"carrier": "carriers", "zone": "zones", "tranche": "tranches", "target": "targets"}

Record = dict[str, object]
State = dict[str, dict[str, Record]]
_Row = tuple[
    str, str, str, object, object, int | None
]  # object type, id, field, before, after, undoes  # object_type -> id -> record (insertion order = table order)


# --- errors ----------------------------------------------------------------------------------------


class WorkspaceError(ValueError):
    """A workspace request that cannot be done as asked; ``text`` says what, why and how to fix it."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text

    def report(self, lang: Lang = "en") -> str:
        """The message in ``lang``."""
        return self.text.in_(lang)


class ConflictError(WorkspaceError):
    """A save refused because the scenario is no longer at the version the save started from."""

    def __init__(self, scenario: str, expected: int, actual: int) -> None:
        self.scenario, self.expected, self.actual = scenario, expected, actual
        super().__init__(
            Text(
                f"方案 {scenario!r} 已被他人保存：你的修改基于第 {expected} 版，现在是第 {actual} 版。"
                "未保存任何修改。请重新载入方案，再次应用你的修改（可用 scenario log 查看对方改了什么）。",
                f"scenario {scenario!r} was saved by someone else: your changes start from version {expected}, "
                f"it is now at version {actual}. Nothing was saved. Reload the scenario and apply your changes "
                "again (scenario log shows what changed).",
            )
        )


# --- values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """Who makes a change: a name, and whether it was verified (a login) or only typed."""

    name: str
    verified: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or _CONTROL_RE.search(self.name):
            raise WorkspaceError(
                Text(
                    "修改人姓名为空或含控制字符：请填写修改人的姓名",
                    "the name of who makes the change is empty or holds control characters: give a name",
                )
            )


@dataclass(frozen=True)
class Change:
    """One object to change in a save.

    ``values`` maps fields to their new values (only the fields given change; a new ``object_id``
    adds the object with them); ``None`` removes the object. Geometry is given as shapely geometry
    or WKT under ``geometry``; figures as int, text as str, unknown as ``None``.
    """

    object_type: str
    object_id: str
    values: Mapping[str, object] | None


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario's row of the ``scenarios`` table."""

    name: str
    parent: str | None
    note: str
    version: int
    created_by: str
    created_by_verified: bool
    created_at: str


@dataclass(frozen=True)
class Edit:
    """One row of the change log; ``value_before``/``value_after`` are decoded JSON."""

    edit_id: int
    scenario: str
    object_type: str
    object_id: str
    field: str
    value_before: object
    value_after: object
    who: str
    who_verified: bool
    at_utc: str
    reason: str
    scenario_version: int
    undoes: int | None


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the scenario's new version and the edits it logged (none: nothing changed)."""

    scenario: str
    version: int
    edit_ids: tuple[int, ...]


@dataclass(frozen=True)
class Conflict:
    """An edit of a scenario whose ``value_before`` no longer matches its parent's current value."""

    scenario: str
    edit_id: int
    object_type: str
    object_id: str
    field: str
    value_before: object
    parent_value: object
    value_after: object


@dataclass(frozen=True)
class ScenarioData:
    """A scenario's current state, validated: the dataset, its tranches and targets, and its change set."""

    info: ScenarioInfo
    dataset: Dataset
    figures: Figures
    tranches: pd.DataFrame | None
    targets: pd.DataFrame | None
    edit_ids: tuple[int, ...] = field(default=())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _plain(value: object) -> object:  # noqa: PLR0911 - one return per kind of cell
    """A cell as a JSON value: None for unknown, int for whole numbers, WKT for geometry."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, shapely.Geometry):
        return None if value.is_empty else shapely.to_wkt(value, rounding_precision=-1)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, str):
        return value
    return str(value)


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True)


def _same(a: object, b: object, *, key: str = "") -> bool:
    if key == GEOMETRY and isinstance(a, str) and isinstance(b, str):
        try:
            return bool(shapely.equals_exact(shapely.from_wkt(a), shapely.from_wkt(b), _GEOMETRY_TOLERANCE))
        except shapely.errors.GEOSException:
            return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], key=k) for k in a)
    return a == b


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > _NAME_MAX or _CONTROL_RE.search(name):
        raise WorkspaceError(
            Text(
                f"方案名 {name!r} 无效：请用 1–{_NAME_MAX} 个字符、不含换行等控制字符的名称",
                f"scenario name {name!r} is not valid: use 1–{_NAME_MAX} characters, without line breaks",
            )
        )
    return name.strip()


# --- where the workspace lives ---------------------------------------------------------------------


def default_workspace_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the workspace is when none is given: ``$XUHUI_WORKSPACE``, else ``workspace.gpkg`` in the
    user's data directory (``platformdirs.user_data_dir("xuhui-carriers")``)."""
    environ = os.environ if environ is None else environ
    given = environ.get(ENV_VAR, "").strip()
    if given:
        return Path(given).expanduser()
    import platformdirs  # noqa: PLC0415 - only when no workspace is given

    return Path(platformdirs.user_data_dir("xuhui-carriers", appauthor=False)) / "workspace.gpkg"


# --- creating --------------------------------------------------------------------------------------

_DDL = """
CREATE TABLE scenarios (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    parent TEXT REFERENCES scenarios(name),
    note TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0),
    created_by TEXT NOT NULL,
    created_by_verified INTEGER NOT NULL DEFAULT 0 CHECK (created_by_verified IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE TABLE edit_log (
    edit_id INTEGER PRIMARY KEY AUTOINCREMENT,
    scenario TEXT NOT NULL REFERENCES scenarios(name),
    object_type TEXT NOT NULL CHECK (object_type IN ('carrier', 'zone', 'tranche', 'target')),
    object_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value_before TEXT NOT NULL CHECK (json_valid(value_before)),
    value_after TEXT NOT NULL CHECK (json_valid(value_after)),
    who TEXT NOT NULL,
    who_verified INTEGER NOT NULL CHECK (who_verified IN (0, 1)),
    at_utc TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    scenario_version INTEGER NOT NULL,
    undoes INTEGER REFERENCES edit_log(edit_id)
);
CREATE INDEX edit_log_by_scenario ON edit_log(scenario, edit_id);
CREATE TABLE workspace_meta (
    fid INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    value TEXT NOT NULL
);
CREATE TRIGGER edit_log_append_only_update BEFORE UPDATE ON edit_log
BEGIN SELECT RAISE(ABORT, 'edit_log is append-only: an edit cannot be changed; undo it with a new edit'); END;
CREATE TRIGGER edit_log_append_only_delete BEFORE DELETE ON edit_log
BEGIN SELECT RAISE(ABORT, 'edit_log is append-only: an edit cannot be deleted; undo it with a new edit'); END;
CREATE TRIGGER scenarios_no_delete BEFORE DELETE ON scenarios
BEGIN SELECT RAISE(ABORT, 'a scenario cannot be deleted: its edits stay in the log'); END;
CREATE TRIGGER scenarios_fixed BEFORE UPDATE OF fid, name, parent, created_by, created_by_verified, created_at
ON scenarios
BEGIN SELECT RAISE(ABORT, 'a scenario''s name, parent and creator cannot be changed'); END;
CREATE TRIGGER scenarios_version_steps BEFORE UPDATE OF version ON scenarios
WHEN NEW.version != OLD.version + 1
BEGIN SELECT RAISE(ABORT, 'a scenario''s version only goes up by one per save'); END;
"""

_REGISTERED = (
    ("scenarios", "方案 scenarios"),
    ("edit_log", "修改记录 edit log (append-only)"),
    ("workspace_meta", "工作区信息 workspace metadata"),
)


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA synchronous = FULL")
    return con


def _write_layers(
    path: Path,
    dataset: Dataset,
    *,
    sources: pd.DataFrame | None,
    tranches: pd.DataFrame | None,
    targets: pd.DataFrame | None,
) -> None:
    for layer, frame in (("carriers", dataset.carriers), ("zones", dataset.zones)):
        pyogrio.write_dataframe(frame.to_crs(4326), path, layer=layer, driver="GPKG", promote_to_multi=False)
    for layer, table, columns in (
        ("sources", sources, SOURCE_FIELDS),
        ("tranches", tranches, TRANCHE_COLUMNS),
        ("targets", targets, TARGET_COLUMNS),
    ):
        if table is None:
            continue
        out = table.copy()
        for column in columns:
            if column not in out.columns:
                out[column] = None
        out = out.astype(object).where(out.notna(), None)
        pyogrio.write_dataframe(pd.DataFrame(out), path, layer=layer, driver="GPKG")


def create_workspace(
    path: Path | str,
    *,
    carriers: Path | str | None = None,
    zones: Path | str | None = None,
    sources: Path | str | None = None,
    tranches: Path | str | None = None,
    targets: Path | str | None = None,
    who: Who | None = None,
) -> Workspace:
    """Create a workspace at ``path`` from data files (the bundled Xuhui data when none are given).

    The data is validated with the contract first; the file is built beside ``path`` and moved into
    place only when complete, so a failed or interrupted creation leaves nothing behind. Refuses to
    replace an existing file.

    Parameters
    ----------
    path
        The ``.gpkg`` file to create.
    carriers, zones, sources, tranches, targets
        The base data's files; ``carriers`` and ``zones`` together, or neither (bundled data).
    who
        Who creates it (recorded as the creator of ``base``); default the OS user, unverified.
    """
    path = Path(path)
    bundled = carriers is None and zones is None
    if (carriers is None) != (zones is None):
        raise WorkspaceError(
            Text(
                "新建工作区需同时提供载体文件与分区文件（或都不提供，使用内置徐汇数据）",
                "give both a carriers and a zones file to start a workspace (or neither, for the bundled Xuhui data)",
            )
        )
    if path.exists():
        raise WorkspaceError(
            Text(f"{path} 已存在：不会覆盖已有工作区", f"{path} exists already: a workspace is never overwritten")
        )
    dataset = load_dataset(carriers, zones, sources=sources, context=False)
    if bundled:
        own_tranches, own_targets = bundled_figure_paths()
        tranches = tranches or (own_tranches if own_tranches.is_file() else None)
        targets = targets or (own_targets if own_targets.is_file() else None)
    check_sources = bundled or sources is not None
    source_ids = set(dataset.sources["id"].astype(str)) if check_sources else None
    tranche_table = load_table(tranches, table="tranches") if tranches is not None else None
    target_table = load_table(targets, table="targets") if targets is not None else None
    load_figures(dataset.carriers, dataset.zones, tranches=tranche_table, targets=target_table, source_ids=source_ids)
    who = who or Who(_os_user())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".xuhui-workspace-", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        source_table = load_sources(sources) if sources is not None else (dataset.sources if bundled else None)
        _write_layers(tmp, dataset, sources=source_table, tranches=tranche_table, targets=target_table)
        con = _connect(tmp)
        try:
            con.executescript(_DDL)  # a file still being built: an interruption leaves only the temporary file
            con.execute("BEGIN IMMEDIATE")
            now = _now()
            for table, description in _REGISTERED:
                con.execute(
                    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)"
                    " VALUES (?, 'attributes', ?, ?, ?)",
                    (table, table, description, now),
                )
            meta = {
                "schema_version": str(SCHEMA_VERSION),
                "created_at": now,
                "origin": "bundled" if bundled else f"{carriers} + {zones}",
                "check_sources": "1" if check_sources else "0",
            }
            con.executemany("INSERT INTO workspace_meta (key, value) VALUES (?, ?)", meta.items())
            con.execute(
                "INSERT INTO scenarios (name, parent, note, version, created_by, created_by_verified, created_at)"
                " VALUES (?, NULL, ?, 0, ?, ?, ?)",
                (BASE, "基础数据 base data", who.name, int(who.verified), now),
            )
            con.execute("COMMIT")
            con.execute("PRAGMA journal_mode = WAL")
        finally:
            con.close()
        with contextlib.suppress(FileExistsError):  # another process created it first: use theirs
            os.link(tmp, path)  # never replaces a file that appeared meanwhile
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{tmp}{suffix}").unlink()
    return Workspace(path)


def _os_user() -> str:
    import getpass  # noqa: PLC0415

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def open_workspace(path: Path | str | None = None, *, create: bool = True) -> Workspace:
    """The workspace at ``path`` (default :func:`default_workspace_path`), created from the bundled
    data on first use when ``create``."""
    path = Path(path) if path is not None else default_workspace_path()
    if not path.exists():
        if not create:
            raise WorkspaceError(
                Text(f"工作区 {path} 不存在", f"there is no workspace at {path}"),
            )
        return create_workspace(path)
    return Workspace(path)


# --- the workspace ---------------------------------------------------------------------------------


def _edit(row: sqlite3.Row | tuple) -> Edit:
    (edit_id, scenario, object_type, object_id, fld, before, after, who, verified, at, reason, version, undoes) = row
    return Edit(
        edit_id=int(edit_id),
        scenario=scenario,
        object_type=object_type,
        object_id=object_id,
        field=fld,
        value_before=json.loads(before),
        value_after=json.loads(after),
        who=who,
        who_verified=bool(verified),
        at_utc=at,
        reason=reason,
        scenario_version=int(version),
        undoes=None if undoes is None else int(undoes),
    )


_EDIT_COLUMNS = (
    "edit_id, scenario, object_type, object_id, field, value_before, value_after, who, who_verified, at_utc, "
    "reason, scenario_version, undoes"
)


def _apply(state: State, edit: Edit) -> bool:
    """Apply one edit to ``state``; False when its object is not there (a conflict with the parent)."""
    objects = state[edit.object_type]
    if edit.field == FEATURE:
        if edit.value_after is None:
            objects.pop(edit.object_id, None)
        else:
            objects[edit.object_id] = dict(edit.value_after)  # type: ignore[call-overload]
        return True
    record = objects.get(edit.object_id)
    if record is None:
        return False
    record[edit.field] = edit.value_after
    return True


def _records(frame: pd.DataFrame, layer: str) -> dict[str, Record]:
    """Rows as records keyed by id; a row without an id (tranches, targets may have none) is given
    ``<layer>_<row>``, so that edits can name it."""
    out: dict[str, Record] = {}
    columns = [c for c in frame.columns if c != "fid"]
    for position, values in enumerate(frame[columns].itertuples(index=False, name=None), start=1):
        record = {c: _plain(v) for c, v in zip(columns, values, strict=True)}
        if record.get("id") is None or not str(record["id"]).strip():
            record["id"] = f"{layer}_{position}"
        out[str(record["id"])] = record
    return out


def _copy(state: State) -> State:
    return {kind: {key: dict(record) for key, record in objects.items()} for kind, objects in state.items()}


_FIRST_FIELDS: Mapping[str, tuple[str, ...]] = {
    "carrier": tuple(f.name for f in CARRIER_FIELDS),
    "zone": tuple(f.name for f in ZONE_FIELDS),
    "tranche": TRANCHE_COLUMNS,
    "target": TARGET_COLUMNS,
}


def _table(objects: Mapping[str, Record], kind: str, first: Sequence[str] = ()) -> pd.DataFrame:
    """Records as a table (contract columns first); the ids in ``first`` lead, in that order."""
    ids = [i for i in dict.fromkeys(first) if i in objects] + [i for i in objects if i not in set(first)]
    columns = list(_FIRST_FIELDS[kind])
    for record in objects.values():
        columns += [c for c in record if c not in columns]
    rows = [[objects[i].get(c) for c in columns] for i in ids]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    if kind in ("carrier", "zone"):
        geometry = shapely.from_wkt(np.array([None if g is None else g for g in frame[GEOMETRY]], dtype=object))
        return gpd.GeoDataFrame(frame.drop(columns=GEOMETRY), geometry=geometry, crs=4326)
    return frame.drop(columns=[c for c in (GEOMETRY,) if c in frame.columns])


def _gpkg_geometry(blob: bytes | None) -> str | None:
    """A GeoPackage geometry blob (header + WKB, GeoPackage 1.3 §2.1.3) as WKT."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0b10000:  # the empty-geometry flag
        return None
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111, 0)
    return _plain(shapely.from_wkb(bytes(blob[8 + envelope :])))  # type: ignore[return-value]


def _read_layer(con: sqlite3.Connection, layer: str) -> pd.DataFrame:
    """One table of the workspace as written at its creation (its primary key left out; geometry as WKT)."""
    found = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
    geometry = found[0] if found else None
    info = con.execute(f'PRAGMA table_info("{layer}")').fetchall()  # a name of _LAYER_OF or "sources"
    keys = [r[1] for r in info if r[5]]
    columns = [r[1] for r in info if not r[5]]
    order = ", ".join(f'"{k}"' for k in keys) or "rowid"
    rows = con.execute(f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} FROM "{layer}" ORDER BY {order}')  # noqa: S608
    frame = pd.DataFrame(rows.fetchall(), columns=columns, dtype=object)
    if geometry is not None:
        frame[geometry] = [_gpkg_geometry(b) for b in frame[geometry]]
        frame = frame.rename(columns={geometry: GEOMETRY})
    return frame


class Workspace:
    """A workspace file (see the module's description). Each call opens its own SQLite connection,
    so one object may be used from several threads; several processes may use the same file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise WorkspaceError(Text(f"工作区 {self.path} 不存在", f"there is no workspace at {self.path}"))
        self._base: State | None = None
        self._meta: dict[str, str] | None = None
        self._layer_names: set[str] | None = None
        self._sources: pd.DataFrame | None = None

    # --- reading ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            con = _connect(self.path)
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from exc
        try:
            yield con
        except sqlite3.DatabaseError as exc:  # not a workspace, damaged, or locked for longer than the timeout
            raise self._unreadable(exc) from exc
        finally:
            con.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write: a connection in an immediate transaction (``BEGIN IMMEDIATE``), rolled back when anything
        fails before the caller commits, or when the caller leaves without committing."""
        with self._connection() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            finally:
                if con.in_transaction:
                    con.execute("ROLLBACK")

    def _at_version(self, con: sqlite3.Connection, name: str, if_version: int | None) -> tuple[ScenarioInfo, State]:
        """A scenario's record and current state, refused with :class:`ConflictError` when it is no longer at
        ``if_version`` (``None``: any version)."""
        info = self._info(con, name)
        if if_version is not None and info.version != if_version:
            raise ConflictError(name, if_version, info.version)
        return info, self._state(con, name)

    def _unreadable(self, exc: Exception) -> WorkspaceError:
        return WorkspaceError(
            Text(
                f"无法打开工作区 {self.path}（{exc}）：请检查该文件是否为本工具的工作区，以及读写权限",
                f"cannot open the workspace {self.path} ({exc}): check that it is this tool's workspace "
                "and that you may read and write it",
            )
        )

    def meta(self) -> dict[str, str]:
        """The ``workspace_meta`` table (schema version, origin, whether citations are checked)."""
        if self._meta is None:
            with self._connection() as con:
                try:
                    self._meta = dict(con.execute("SELECT key, value FROM workspace_meta").fetchall())
                except sqlite3.Error as exc:
                    raise self._unreadable(exc) from exc
        return self._meta

    # The workspace is read with Python's sqlite3 only, never through GDAL once it exists: GDAL
    # carries its own copy of SQLite, and two copies in one process release each other's POSIX
    # locks on the same file (https://www.sqlite.org/howtocorrupt.html#_multiple_copies_of_sqlite_linked_into_the_same_application),
    # which showed as "disk I/O error" under concurrent saves.

    def _layers(self) -> set[str]:
        if self._layer_names is None:
            with self._connection() as con:
                try:
                    rows = con.execute("SELECT table_name FROM gpkg_contents").fetchall()
                except sqlite3.Error as exc:
                    raise self._unreadable(exc) from exc
            self._layer_names = {str(r[0]) for r in rows}
        return self._layer_names

    def _base_state(self) -> State:
        """The imported base layers as records (they never change: base edits are in the log)."""
        if self._base is None:
            layers = self._layers()
            state: State = {}
            with self._connection() as con:
                for kind, layer in _LAYER_OF.items():
                    state[kind] = _records(_read_layer(con, layer), layer) if layer in layers else {}
            self._base = state
        return _copy(self._base)

    def sources(self) -> pd.DataFrame | None:
        """The base data's sources table, or ``None`` when the workspace was made without one."""
        if "sources" not in self._layers():
            return None
        if self._sources is None:
            with self._connection() as con:
                frame = _read_layer(con, "sources")
            self._sources = frame.astype(object).where(frame.notna(), "").astype(str)
        return self._sources.copy()

    def scenarios(self) -> list[ScenarioInfo]:
        """Every scenario, ``base`` first, in order of creation."""
        with self._connection() as con:
            rows = con.execute(
                "SELECT name, parent, note, version, created_by, created_by_verified, created_at"
                " FROM scenarios ORDER BY fid"
            ).fetchall()
        return [ScenarioInfo(r[0], r[1], r[2], int(r[3]), r[4], bool(r[5]), r[6]) for r in rows]

    def scenario(self, name: str) -> ScenarioInfo:
        """One scenario's row; :class:`WorkspaceError` naming the scenarios there are when unknown."""
        with self._connection() as con:
            return self._info(con, name)

    def _info(self, con: sqlite3.Connection, name: str) -> ScenarioInfo:
        row = con.execute(
            "SELECT name, parent, note, version, created_by, created_by_verified, created_at"
            " FROM scenarios WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            names = [r[0] for r in con.execute("SELECT name FROM scenarios ORDER BY fid")]
            raise WorkspaceError(
                Text(
                    f"工作区中没有名为 {name!r} 的方案；现有方案：{'、'.join(names)}（可用 scenario new 新建）",
                    f"the workspace has no scenario named {name!r}; it has: {', '.join(names)} "
                    "(scenario new creates one)",
                )
            )
        return ScenarioInfo(row[0], row[1], row[2], int(row[3]), row[4], bool(row[5]), row[6])

    def _chain(self, con: sqlite3.Connection, name: str) -> list[str]:
        """``name`` and its ancestors, root (``base``) first."""
        chain = [self._info(con, name).name]
        while (parent := self._info(con, chain[-1]).parent) is not None:
            chain.append(parent)
        return chain[::-1]

    def edits(self, name: str | None = None) -> list[Edit]:
        """The change log (of one scenario, or all), in the order the edits were made."""
        with self._connection() as con:
            return self._edits(con, name)

    def _edits(self, con: sqlite3.Connection, name: str | None) -> list[Edit]:
        if name is None:
            rows = con.execute(f"SELECT {_EDIT_COLUMNS} FROM edit_log ORDER BY edit_id").fetchall()  # noqa: S608
        else:
            self._info(con, name)
            rows = con.execute(
                f"SELECT {_EDIT_COLUMNS} FROM edit_log WHERE scenario = ? ORDER BY edit_id",  # noqa: S608
                (name,),
            ).fetchall()
        return [_edit(r) for r in rows]

    def _state(self, con: sqlite3.Connection, name: str) -> State:
        state = self._base_state()
        order = {kind: {key: i for i, key in enumerate(objects)} for kind, objects in state.items()}
        for scenario in self._chain(con, name):
            for edit in self._edits(con, scenario):
                _apply(state, edit)
        # The base's objects in the base's order (a removed one restored goes back to its place), then
        # added objects in the order they were added.
        for kind, objects in state.items():
            rank = order[kind]
            keys = sorted(objects, key=lambda k, rank=rank: rank.get(k, len(rank)))  # stable for added ones
            state[kind] = {k: objects[k] for k in keys}
        return state

    def state(self, name: str = BASE) -> State:
        """A scenario's current records: ``{"carrier": {id: {field: value}}, "zone": …, "tranche": …,
        "target": …}``, its parent's state with its edits replayed (geometry as WKT)."""
        with self._connection() as con:
            con.execute("BEGIN")  # one snapshot for every read
            try:
                return self._state(con, name)
            finally:
                con.execute("COMMIT")

    def load(self, name: str = BASE, *, context: bool = False) -> ScenarioData:
        """A scenario's state as validated data (:class:`geo.data.Dataset` and :class:`geo.timeline.Figures`)."""
        with self._connection() as con:
            con.execute("BEGIN")
            try:
                info = self._info(con, name)
                state = self._state(con, name)
                edit_ids = tuple(e.edit_id for s in self._chain(con, name) for e in self._edits(con, s))
            finally:
                con.execute("COMMIT")
        dataset, figures, tranches, targets = self._validated(state)
        if context:
            from geo.data import load_context  # noqa: PLC0415

            dataset = Dataset(dataset.carriers, dataset.zones, dataset.sources, load_context(), dataset.provenance)
        return ScenarioData(info, dataset, figures, tranches, targets, edit_ids)

    def _validated(
        self, state: State, first: Mapping[str, Sequence[str]] | None = None
    ) -> tuple[Dataset, Figures, pd.DataFrame | None, pd.DataFrame | None]:
        """The state checked with the contract, as files are; raises :class:`DataError` with every problem.

        ``first``: per object type, ids listed first (the objects a save changes), so that the row
        numbers of problems are those of the change set."""
        first = first or {}
        carriers = _table(state["carrier"], "carrier", first.get("carrier", ()))
        zones = _table(state["zone"], "zone", first.get("zone", ()))
        check_sources = self.meta().get("check_sources") == "1"
        sources = self.sources()
        dataset = load_dataset(carriers, zones, sources=sources if check_sources else None, context=False)
        layers = self._layers()
        tranches = (
            _table(state["tranche"], "tranche", first.get("tranche", ()))
            if state["tranche"] or "tranches" in layers
            else None
        )
        targets = (
            _table(state["target"], "target", first.get("target", ()))
            if state["target"] or "targets" in layers
            else None
        )
        source_ids = set(dataset.sources["id"].astype(str)) if check_sources else None
        figures = load_figures(
            dataset.carriers, dataset.zones, tranches=tranches, targets=targets, source_ids=source_ids
        )
        return dataset, figures, tranches, targets

    def last_edit_id(self) -> int:
        """The newest ``edit_id`` of the whole log (0 when empty): changes whenever any scenario is saved."""
        with self._connection() as con:
            return int(con.execute("SELECT coalesce(max(edit_id), 0) FROM edit_log").fetchone()[0])

    def preview(self, name: str, changes: Iterable[Change]) -> list[Problem]:
        """The contract's problems with ``changes`` applied to scenario ``name`` (empty: they may be saved).

        Nothing is written; :meth:`save` checks again, on the state current when it saves.
        """
        changes = list(changes)
        state = self.state(name)
        after = _copy(state)
        for kind, ident, fld, _before, value, _undoes in _rows_for(state, changes):
            _apply(after, _stub(kind, ident, fld, value))
        first: dict[str, list[str]] = {}
        for change in changes:
            first.setdefault(change.object_type, []).append(change.object_id)
        try:
            self._validated(after, first)
        except DataError as exc:
            return list(exc.problems)
        return []

    def conflicts(self, name: str | None = None) -> list[Conflict]:
        """Edits of a scenario (or of every scenario but ``base``) made on a parent value that has
        changed since: the first edit of each object field whose ``value_before`` is no longer the
        parent's current value (or whose object the parent no longer has, or now has already)."""
        with self._connection() as con:
            con.execute("BEGIN")
            try:
                names = [name] if name is not None else [s.name for s in self.scenarios() if s.parent is not None]
                found: list[Conflict] = []
                for scenario in names:
                    info = self._info(con, scenario)
                    if info.parent is None:
                        continue
                    parent = self._state(con, info.parent)
                    found += _conflicts(scenario, parent, self._edits(con, scenario))
                return found
            finally:
                con.execute("COMMIT")

    # --- writing ------------------------------------------------------------------------------

    def new_scenario(self, name: str, *, parent: str = BASE, note: str = "", who: Who) -> ScenarioInfo:
        """Create an empty scenario on ``parent`` (no copy: its state is the parent's until it is edited)."""
        name = _check_name(name)
        with self._writing() as con:
            self._info(con, parent)
            if con.execute("SELECT 1 FROM scenarios WHERE name = ?", (name,)).fetchone():
                raise WorkspaceError(
                    Text(
                        f"方案 {name!r} 已存在：请换一个名称",
                        f"a scenario named {name!r} exists already: choose another name",
                    )
                )
            con.execute(
                "INSERT INTO scenarios (name, parent, note, version, created_by, created_by_verified, created_at)"
                " VALUES (?, ?, ?, 0, ?, ?, ?)",
                (name, parent, note or "", who.name, int(who.verified), _now()),
            )
            con.execute("COMMIT")
        return self.scenario(name)

    def save(
        self,
        name: str,
        changes: Iterable[Change],
        *,
        who: Who,
        reason: str = "",
        if_version: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SaveResult:
        """Apply ``changes`` to scenario ``name`` as one save: one edit per changed field, one new version.

        Fields whose value does not change make no edit; a save that changes nothing logs nothing
        and keeps the version. The resulting state is validated with the data contract before
        anything is committed.

        Parameters
        ----------
        name
            The scenario (``base`` changes the base data; scenarios on it then show conflicts).
        changes
            What to change (see :class:`Change`).
        who, reason
            Recorded with every edit.
        if_version
            The version the changes were made on; :class:`ConflictError` when the scenario is no
            longer there. ``None``: apply to whatever is current.
        progress
            Called with (edits written, edits to write) while the save writes.

        Raises
        ------
        ConflictError
            Someone else saved first.
        DataError
            The resulting state breaks the contract (nothing saved).
        WorkspaceError
            An object to change does not exist, or a value cannot be stored.
        """
        changes = list(changes)
        with self._writing() as con:
            info, state = self._at_version(con, name, if_version)
            rows = _rows_for(state, changes)
            if not rows:
                return SaveResult(name, info.version, ())
            after = _copy(state)
            for kind, ident, fld, _before, value, _undoes in rows:
                _apply(after, _stub(kind, ident, fld, value))
            first: dict[str, list[str]] = {}
            for change in changes:
                first.setdefault(change.object_type, []).append(change.object_id)
            ids = self._commit(con, name, info.version, rows, after, first, who, reason, progress)
        return SaveResult(name, info.version + 1, ids)

    def undo(
        self,
        name: str,
        edit_ids: int | Sequence[int],
        *,
        who: Who,
        reason: str = "",
        if_version: int | None = None,
    ) -> SaveResult:
        """Restore the values edits replaced, as new edits in one save (the log is never changed).

        Give every edit of a save (e.g. all edits of one version) to undo it whole: each edit alone
        may leave the data inconsistent (a carrier's two columns against its tranches), which the
        contract refuses. Edits are undone in the order given (latest first undoes a sequence).

        Raises :class:`WorkspaceError` when an edit is not one of the scenario's, or when its
        object has since been removed (undo that removal first); :class:`DataError` when the
        result breaks the contract; :class:`ConflictError` as :meth:`save`.
        """
        wanted = [int(edit_ids)] if isinstance(edit_ids, int) else [int(i) for i in edit_ids]
        with self._writing() as con:
            info, state = self._at_version(con, name, if_version)
            after = _copy(state)
            rows: list[_Row] = []
            for edit_id in wanted:
                target = self._own_edit(con, name, edit_id)
                objects = after[target.object_type]
                current: object
                if target.field == FEATURE:
                    current = objects.get(target.object_id)
                elif target.object_id not in objects:
                    raise WorkspaceError(
                        Text(
                            f"{target.object_type} {target.object_id!r} 已被删除：请先撤销删除它的修改",
                            f"{target.object_type} {target.object_id!r} has been removed since: undo its removal first",
                        )
                    )
                else:
                    current = objects[target.object_id].get(target.field)
                if _same(current, target.value_before, key=target.field):
                    continue
                row = (target.object_type, target.object_id, target.field, current, target.value_before)
                rows.append((*row, target.edit_id))
                _apply(after, _stub(*row[:3], row[4]))
            if not rows:
                return SaveResult(name, info.version, ())
            first: dict[str, list[str]] = {}
            for row in rows:
                first.setdefault(row[0], []).append(row[1])
            ids = self._commit(con, name, info.version, rows, after, first, who, reason, None)
        return SaveResult(name, info.version + 1, ids)

    def _commit(  # noqa: PLR0917 - the save's own state, passed on as it is
        self,
        con: sqlite3.Connection,
        name: str,
        version: int,
        rows: list[_Row],
        after: State,
        touched: Mapping[str, Sequence[str]],
        who: Who,
        reason: str,
        progress: Callable[[int, int], None] | None,
    ) -> tuple[int, ...]:
        """The end of every save (edits and undos alike): check the new state by the contract, append the
        edits, move the scenario to ``version + 1`` and commit, all inside the caller's transaction."""
        self._validated(after, touched)
        ids = self._insert(con, name, version + 1, rows, who, reason, progress)
        con.execute("UPDATE scenarios SET version = version + 1 WHERE name = ?", (name,))
        con.execute("COMMIT")
        return tuple(ids)

    def _own_edit(self, con: sqlite3.Connection, name: str, edit_id: int) -> Edit:
        row = con.execute(
            f"SELECT {_EDIT_COLUMNS} FROM edit_log WHERE edit_id = ? AND scenario = ?",  # noqa: S608
            (edit_id, name),
        ).fetchone()
        if row is None:
            raise WorkspaceError(
                Text(
                    f"方案 {name!r} 中没有编号为 {edit_id} 的修改（用 scenario log {name} 查看编号）",
                    f"scenario {name!r} has no edit {edit_id} (scenario log {name} lists them)",
                )
            )
        return _edit(row)

    def _insert(  # noqa: PLR0917 - private, called from _commit only
        self,
        con: sqlite3.Connection,
        name: str,
        version: int,
        rows: list[_Row],
        who: Who,
        reason: str,
        progress: Callable[[int, int], None] | None,
    ) -> list[int]:
        at = _now()
        ids = []
        for done, (kind, ident, fld, before, value, undoes) in enumerate(rows, start=1):
            cursor = con.execute(
                "INSERT INTO edit_log (scenario, object_type, object_id, field, value_before, value_after, who,"
                " who_verified, at_utc, reason, scenario_version, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    kind,
                    ident,
                    fld,
                    _dump(before),
                    _dump(value),
                    who.name,
                    int(who.verified),
                    at,
                    reason or "",
                    version,
                    undoes,
                ),
            )
            ids.append(int(cursor.lastrowid or 0))
            if progress is not None:
                progress(done, len(rows))
        con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = 'edit_log'", (at,))
        return ids


def _stub(kind: str, ident: str, fld: str, value: object) -> Edit:
    return Edit(0, "", kind, ident, fld, None, value, "", False, "", "", 0, None)


def _value(value: object, key: str) -> object:
    if key == GEOMETRY and isinstance(value, str):
        try:
            value = shapely.from_wkt(value)
        except shapely.errors.GEOSException as exc:
            raise WorkspaceError(
                Text(f"几何 {value[:40]!r} 不是有效的 WKT", f"geometry {value[:40]!r} is not valid WKT")
            ) from exc
    if isinstance(value, str):
        value = value.strip() or None  # an empty cell is unknown, as in files
        if value is not None and key in _INT_FIELDS and _WHOLE_RE.fullmatch(value):
            value = int(value)  # a table's text cell holding a whole number, as the contract reads it
    try:
        plain = _plain(value)
        _dump(plain)
    except (TypeError, ValueError) as exc:
        raise WorkspaceError(
            Text(f"字段 {key} 的值 {value!r} 无法保存", f"the value {value!r} of field {key} cannot be stored")
        ) from exc
    return plain


def _rows_for(state: State, changes: list[Change]) -> list[_Row]:
    """The edits (object type, id, field, before, after) that ``changes`` make to ``state``."""
    rows: list[_Row] = []
    work = _copy(state)
    for change in changes:
        if change.object_type not in OBJECT_TYPES:
            raise WorkspaceError(
                Text(
                    f"对象类型 {change.object_type!r} 无效（可用：{', '.join(OBJECT_TYPES)}）",
                    f"object type {change.object_type!r} is not one of {', '.join(OBJECT_TYPES)}",
                )
            )
        objects = work[change.object_type]
        ident = str(change.object_id)
        record = objects.get(ident)
        if change.values is None:
            if record is None:
                raise WorkspaceError(
                    Text(
                        f"要删除的{change.object_type} {ident!r} 不存在于该方案中",
                        f"{change.object_type} {ident!r} to remove is not in the scenario",
                    )
                )
            rows.append((change.object_type, ident, FEATURE, record, None, None))
            del objects[ident]
            continue
        values = {str(k): _value(v, str(k)) for k, v in change.values.items()}
        values["id"] = ident
        if record is None:
            new = dict.fromkeys(_FIRST_FIELDS[change.object_type])
            if change.object_type in ("carrier", "zone"):
                new[GEOMETRY] = None
            new.update(values)
            rows.append((change.object_type, ident, FEATURE, None, new, None))
            objects[ident] = new
            continue
        for key, value in values.items():
            if key == GEOMETRY and value is None:
                continue  # a feature without geometry keeps its outline
            before = record.get(key)
            if not _same(before, value, key=key):
                rows.append((change.object_type, ident, key, before, value, None))
                record[key] = value
    return rows


def _conflicts(scenario: str, parent: State, edits: list[Edit]) -> list[Conflict]:
    found: list[Conflict] = []
    seen: set[tuple[str, str, str]] = set()
    added: set[tuple[str, str]] = set()
    for edit in edits:
        obj = (edit.object_type, edit.object_id)
        if edit.field == FEATURE and edit.value_before is None and obj not in {k[:2] for k in seen}:
            added.add(obj)
        key = (edit.object_type, edit.object_id, edit.field)
        if key in seen or (obj in added and edit.field != FEATURE):
            seen.add(key)
            continue
        seen.add(key)
        record = parent[edit.object_type].get(edit.object_id)
        if edit.field == FEATURE:
            now: object = record
            clash = not _same(now, edit.value_before)
        else:
            now = None if record is None else record.get(edit.field)
            clash = record is None or not _same(now, edit.value_before, key=edit.field)
        if clash:
            found.append(
                Conflict(
                    scenario,
                    edit.edit_id,
                    edit.object_type,
                    edit.object_id,
                    edit.field,
                    edit.value_before,
                    now,
                    edit.value_after,
                )
            )
    return found


_FLAT_COLUMNS = ("floor_area_existing_m2", "opened_year", "floor_area_planned_m2", "planned_year")


def columns_following_tranches(state: State, changes: Iterable[Change]) -> list[Change]:
    """The carrier changes that keep each carrier's two columns equal to its tranches after ``changes``.

    The contract refuses a carrier whose two columns (``floor_area_existing_m2`` + ``opened_year``,
    ``floor_area_planned_m2`` + ``planned_year``) say otherwise than its tranche rows; tables,
    exports and older tools read the two columns. So a save that changes, adds or removes tranches
    also writes, for every carrier whose tranche rows it touches (by the rows' old and new
    ``carrier_id``), the flat form of its tranches (:func:`geo.tranches.flat_columns`): each changed
    column is then one more logged edit of that carrier. A carrier left with no tranche row has its
    two columns emptied (unknown, never 0): its figures went with its rows, and keeping the columns
    would count a figure moved to another carrier twice. When the touched rows break the contract
    (:func:`geo.tranches.validate_tranches`), nothing is added: the contract's refusal names the rows.

    Parameters
    ----------
    state
        The scenario's current records (:meth:`Workspace.state`).
    changes
        The save's changes; only those of ``tranche`` objects matter.

    Returns
    -------
    list of Change
        One change per carrier whose columns must follow (possibly with values it already has:
        :meth:`Workspace.save` logs only what differs).
    """
    changes = list(changes)
    if not any(c.object_type == "tranche" for c in changes):
        return []
    after = _copy(state)
    for kind, ident, fld, _before, value, _undoes in _rows_for(state, changes):
        _apply(after, _stub(kind, ident, fld, value))
    touched: list[str] = []
    for change in changes:
        if change.object_type != "tranche":
            continue
        for records in (state["tranche"], after["tranche"]):
            record = records.get(str(change.object_id))
            if record is not None and record.get("carrier_id") is not None:
                touched.append(str(record["carrier_id"]))
    carriers = [c for c in dict.fromkeys(touched) if c in after["carrier"]]
    rows = [r for r in after["tranche"].values() if str(r.get("carrier_id")) in set(carriers)]
    raw = pd.DataFrame([{c: r.get(c) for c in TRANCHE_COLUMNS} for r in rows], columns=list(TRANCHE_COLUMNS))
    if validate_tranches(raw, carrier_ids=set(after["carrier"])):
        return []  # rows the contract refuses: it says which and why, about the rows themselves
    table = normalize_tranches(raw)
    listed = [c for c in carriers if c in set(table["carrier_id"])]
    flat = flat_columns(pd.DataFrame({"id": listed}), table).set_index("id")
    return [
        Change(
            "carrier",
            carrier,
            {
                column: None if pd.isna(flat.at[carrier, column]) else int(flat.at[carrier, column])
                for column in _FLAT_COLUMNS
            },
        )
        for carrier in listed
    ] + [Change("carrier", carrier, dict.fromkeys(_FLAT_COLUMNS)) for carrier in carriers if carrier not in listed]
