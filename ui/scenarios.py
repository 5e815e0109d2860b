"""The page's scenario parts: who is editing, the scenario selector, the edit table, compare and history.

Streamlit only here; the store is :mod:`geo.workspace`, the comparison :func:`geo.cli_scenario.compare_table`.
``app.py`` calls, in its own layout (see :func:`scenario_page` for all of them in one place)::

    workspace = page_workspace()                       # the same file as the command line
    who = session_who(lang)                            # st.user when [auth] is set, else a typed name
    name = scenario_selector(workspace, lang, who)     # "base" or a scenario: drives map, tables, downloads
    data = scenario_data(workspace, name)              # geo.workspace.ScenarioData: .dataset, .figures
    edit_table(workspace, name, lang, who)             # st.data_editor keyed by carrier id; save with version check
    compare_section(workspace, lang, by=…, mode=…, year=…)
    history_section(workspace, lang)

Every label comes from :mod:`geo.text` (field labels, statuses) or from this module's ``Text`` s; ids
stay available as the table index, never as the label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from geo.cli_scenario import TABLE_TITLES, compare_table, log_table, scenario_dataset
from geo.data import Dataset
from geo.present import markdown_text as md
from geo.schema import DataError, Problem
from geo.text import TERMS, Lang, Text, field_label, term
from geo.tranches import TARGET_COLUMNS, TRANCHE_COLUMNS
from geo.workspace import (
    BASE,
    FEATURE,
    Change,
    ConflictError,
    ScenarioData,
    Who,
    Workspace,
    WorkspaceError,
    default_workspace_path,
    open_workspace,
)
from ui.state import coded, forget_other_languages, kept_multiselect, widget_key

__all__ = [
    "DRAWING_KEY",
    "EDITABLE",
    "FIGURE_TEXTS",
    "TARGET_EDITABLE",
    "TEXTS",
    "TRANCHE_EDITABLE",
    "DrawingError",
    "compare_section",
    "draw_section",
    "drawn_outline",
    "edit_table",
    "figure_changes",
    "figure_frame",
    "figures_table",
    "from_bundled_data",
    "history_section",
    "page_workspace",
    "remember_drawing",
    "scenario_data",
    "scenario_in_use",
    "scenario_label",
    "scenario_page",
    "scenario_selector",
    "session_who",
    "table_changes",
    "with_draft",
]

EDITABLE: tuple[str, ...] = (
    "name_zh",
    "name_en",
    "status",
    "floor_area_existing_m2",
    "floor_area_planned_m2",
    "opened_year",
    "planned_year",
)
_INT_COLUMNS = ("floor_area_existing_m2", "floor_area_planned_m2", "opened_year", "planned_year")

TEXTS: Mapping[str, Text] = {
    "who": Text("你的姓名（记录在修改记录中，未验证）", "your name (recorded in the change log, unverified)"),
    "who_needed": Text("请先填写姓名，再保存修改。", "Give your name before saving changes."),
    "scenario": Text("方案", "scenario"),
    "base": Text("基础数据（规划）", "base data (the plan)"),
    "version": Text("第 {version} 版", "version {version}"),
    "reason": Text("修改原因", "reason for the change"),
    "remove": Text("删除载体", "remove carriers"),
    "save": Text("保存修改", "save changes"),
    "save_tranches": Text("保存分期修改", "save the tranches"),
    "save_targets": Text("保存目标修改", "save the targets"),
    "saved": Text("已保存为第 {version} 版（{n} 条修改）。", "Saved as version {version} ({n} edits)."),
    "unchanged": Text("没有修改需要保存。", "Nothing to save."),
    "invalid": Text("以下问题修正前不会保存：", "Nothing is saved until these are fixed:"),
    "reload": Text("重新载入（放弃我的修改）", "reload (drop my changes)"),
    "reapply": Text("重新载入并再次应用我的修改", "reload and apply my changes again"),
    "base_warning": Text(
        "你正在修改基础数据：在其上建立的方案会显示冲突。",
        "You are editing the base data: scenarios on it will show conflicts.",
    ),
    "new": Text("新建方案", "new scenario"),
    "new_name": Text("新方案名称", "name of the new scenario"),
    "new_note": Text("说明", "note"),
    "compare": Text("对比方案（2–3 个）", "scenarios to compare (2–3)"),
    "difference": Text("与 {first} 的差额（万㎡）", "difference to {first} (万㎡)"),
    "total": Text("{name} 合计（万㎡）", "{name} total (万㎡)"),
    "compare_maps": Text(
        "各方案地图（并排；与 {first} 相比有改变的载体突出显示）",
        "each scenario on a map, side by side (carriers changed against {first} highlighted)",
    ),
    "compare_reference": Text(
        "对比基准：标出其他方案改变的载体", "the reference: carriers the others change are marked"
    ),
    "edits_between": Text("造成差异的修改", "the edits that make the difference"),
    "download_csv": Text("下载对比 CSV（含元数据说明）", "download the comparison CSV (with its metadata file)"),
    "download_xlsx": Text("下载对比（XLSX）", "download the comparison (XLSX)"),
    "history": Text("修改记录", "change log"),
    "by_scenario": Text("方案", "scenarios"),
    "by_carrier": Text("对象编号", "object ids"),
    "by_person": Text("修改人", "people"),
    "dates": Text("日期范围", "dates"),
    "download_log": Text("下载修改记录 CSV（含元数据说明）", "download the change log CSV (with its metadata file)"),
    "group": Text("分组", "group"),
    "drawn": Text("在地图上绘制的轮廓", "the outline drawn on the map"),
    "draw_hint": Text(
        "用地图左上角的绘图工具画一个多边形或矩形，即可新增载体或替换所选载体的轮廓。",
        "Draw a polygon or rectangle with the drawing tools at the map's top left to add a carrier or "
        "replace the outline of the chosen one.",
    ),
    "draw_use": Text("用于", "use it for"),
    "draw_new": Text("新增载体", "a new carrier"),
    "draw_reshape": Text("替换载体轮廓", "a new outline of a carrier"),
    "draw_target": Text("载体", "carrier"),
    "draw_id": Text("新载体编号（字母、数字、下划线）", "id of the new carrier (letters, digits, underscores)"),
    "draw_accuracy": Text("边界精度（米）", "outline accuracy (m)"),
    "draw_zones": Text("所属片区（按规划归属）", "zones it belongs to (declared)"),
    "draw_save": Text("保存绘制的轮廓", "save the drawn outline"),
    "draw_bad": Text(
        "绘制的图形无法使用：{why}。请在地图上重新绘制一个多边形。",
        "The drawn shape cannot be used: {why}. Draw a polygon on the map again.",
    ),
}

# Headers of the change log as a planner reads it.
LOG_LABELS: Mapping[str, Text] = {
    "edit_id": Text("修改编号", "edit id"),
    "scenario": Text("方案", "scenario"),
    "object_type": Text("对象类型", "object type"),
    "object_id": Text("对象编号", "object id"),
    "field": Text("字段", "field"),
    "value_before": Text("修改前", "before"),
    "value_after": Text("修改后", "after"),
    "who": Text("修改人", "who"),
    "who_verified": Text("已验证身份", "verified"),
    "at_utc": Text("时间（UTC）", "time (UTC)"),
    "reason": Text("原因", "reason"),
    "scenario_version": Text("方案版本", "scenario version"),
    "undoes": Text("撤销的修改", "undoes edit"),
}
_OBJECTS: Mapping[str, Text] = {
    "carrier": Text("载体", "carrier"),
    "zone": Text("片区", "zone"),
    "tranche": Text("分期", "tranche"),
    "target": Text("目标", "target"),
}
_WHOLE = Text("整个对象（新增/删除）", "whole object (added/removed)")


def _t(key: str, lang: Lang, **values: object) -> str:
    return TEXTS[key].format(**values).in_(lang) if values else TEXTS[key].in_(lang)


# --- what a planner has chosen or typed, kept across a language switch ------------------------------------
# Streamlit sends a select widget's *labels* back from the browser, and a table editor's edits as the cells'
# values (a status as its word): both change with the language. So, as ui.state.coded does for one choice,
# every choice below is held as codes under its own key and drawn by a widget keyed per language, and every
# table's unsaved edits are held as changes (codes, :class:`geo.workspace.Change`), from which a table drawn
# afresh (a language switch, a return to the section) starts. Every change is made against the saved data,
# never against the table as shown, so an edit carried across a switch is saved once.


def _draft_key(key: str, name: str, part: str) -> str:
    """Where the unsaved changes of a scenario's table (``carriers``, ``tranches``, ``targets``) are held."""
    return f"{key}:{name}:draft:{part}"


def _removal_key(key: str, name: str) -> str:
    """Where the carriers chosen for removal (not yet saved) are held."""
    return f"{key}:{name}:remove"


def _fresh(own: str, held: str) -> bool:
    """Whether the table editor ``own`` starts afresh in this run (first drawn, drawn in the other language, or
    forgotten by Streamlit while another section was shown): then it is built from the held draft."""
    state = st.session_state
    return own not in state or state.get(held, (None,))[0] != own


# --- the store and who --------------------------------------------------------------------------------


@st.cache_resource
def page_workspace(path: str | None = None) -> Workspace:
    """The workspace the page uses: ``path``, else ``$XUHUI_WORKSPACE``, else the user data directory's
    (the command line's), created from the bundled data on first use. One per server process."""
    return open_workspace(path)


def session_who(lang: Lang) -> Who | None:
    """Who is editing: the logged-in user (``st.user``, verified) when Streamlit authentication is set up
    (``[auth]`` in ``.streamlit/secrets.toml``), else a name typed once per session (unverified)."""
    try:
        user: Any = st.user
        if user.get("is_logged_in"):
            name = str(user.get("name") or user.get("email") or "").strip()
            if name:
                return Who(name, verified=True)
    except (AttributeError, KeyError, RuntimeError, st.errors.StreamlitAPIException):
        pass
    # Typed once per session: kept apart from the box, which Streamlit forgets while another section is shown.
    if "scenario_who" not in st.session_state and st.session_state.get(_WHO_KEPT):
        st.session_state["scenario_who"] = st.session_state[_WHO_KEPT]
    typed = st.text_input(_t("who", lang), key="scenario_who").strip()
    st.session_state[_WHO_KEPT] = typed
    return Who(typed) if typed else None


_WHO_KEPT = "scenario_who_kept"


# --- choosing and loading ------------------------------------------------------------------------------


def scenario_label(name: str, lang: Lang) -> str:
    """A scenario as a planner reads it: the base in words, any other by its name."""
    # Never the version: a label that changes when someone else saves would make Streamlit see a new
    # widget and drop this session's choice.
    return _t("base", lang) if name == BASE else name


def scenario_selector(workspace: Workspace, lang: Lang, who: Who | None = None, *, key: str = "scenario") -> str:
    """A select box of ``base`` and every scenario (name and version); returns the chosen name.

    Also offers to create a scenario (on the chosen one) in an expander.
    """
    names = [s.name for s in workspace.scenarios()]
    # The choice is held as the scenario's name under ``key``, the widget keyed per language (the base's
    # label changes with the language, and Streamlit sends back labels): see ui.state.coded.
    name = coded(
        st.selectbox, _t("scenario", lang), key, names, lambda n: scenario_label(n, lang), lang=lang, default=BASE
    )
    info = workspace.scenario(name)
    st.caption(_t("version", lang, version=info.version) + (f" · {md(info.note)}" if info.note else ""))
    with st.expander(_t("new", lang)):
        new_name = st.text_input(_t("new_name", lang), key=f"{key}_new_name")
        note = st.text_input(_t("new_note", lang), key=f"{key}_new_note")
        if st.button(_t("new", lang), key=f"{key}_create", disabled=not new_name.strip()):
            if who is None:
                st.warning(_t("who_needed", lang))
            else:
                try:
                    workspace.new_scenario(new_name, parent=name, note=note, who=who)
                except WorkspaceError as exc:
                    st.error(md(exc.report(lang)))
                else:
                    st.session_state[key] = new_name.strip()
                    st.rerun()
    return str(name)


@st.cache_data(show_spinner=False, max_entries=16)
def _cached_data(path: str, name: str, last_edit: int, _workspace: Workspace) -> ScenarioData:
    return _workspace.load(name)


def scenario_data(workspace: Workspace, name: str) -> ScenarioData:
    """A scenario's validated data for the map, summaries, timeline and downloads (cached until any save)."""
    return _cached_data(str(workspace.path), name, workspace.last_edit_id(), workspace)


def scenario_in_use(lang: Lang) -> tuple[ScenarioData, Dataset] | None:
    """The scenario chosen in this session, its data and its dataset for the whole page; None when the base is
    chosen and is the bundled data, never edited (the page shows the bundled data; the default page never waits
    on the workspace). An edited base, or one made from other data, is shown as the workspace holds it, so a
    save on it moves every figure."""
    name = st.session_state.get("scenario", BASE)
    path = default_workspace_path()
    if name == BASE and not path.is_file():
        return None
    workspace = page_workspace(str(path))
    if name == BASE and workspace.scenario(BASE).version == 0 and workspace.meta().get("origin") == "bundled":
        return None  # the bundled data as imported: what the page shows anyway
    data = scenario_data(workspace, name)
    return data, scenario_dataset(workspace, data)


def from_bundled_data() -> bool:
    """Whether the page's workspace was made from the bundled Xuhui data (then every scenario is Xuhui's data)."""
    path = default_workspace_path()
    return path.is_file() and page_workspace(str(path)).meta().get("origin") == "bundled"


# --- editing --------------------------------------------------------------------------------------------


def _editor_frame(data: ScenarioData, lang: Lang) -> pd.DataFrame:
    carriers = data.dataset.carriers
    frame = pd.DataFrame(carriers[["id", *EDITABLE]]).set_index("id")
    frame["status"] = [term("status", s, lang) if s else None for s in frame["status"]]
    for column in _INT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    return frame


def with_draft(frame: pd.DataFrame, draft: Iterable[Change], lang: Lang) -> pd.DataFrame:
    """The carriers table as shown (:func:`edit_table`) with unsaved changes written in: status codes as ``lang``'s
    words, unknown as empty. Removals and unknown carriers are left out (the table lists the saved carriers).

    Examples
    --------
    >>> frame = pd.DataFrame({"status": ["已建成"], "opened_year": pd.array([2020], dtype="Int64")},
    ...                      index=pd.Index(["a"], name="id"))
    >>> shown = with_draft(frame, [Change("carrier", "a", {"status": "planned", "opened_year": None})], "en")
    >>> shown.loc["a", "status"], shown.loc["a", "opened_year"] is pd.NA
    ('planned', True)
    """
    out = frame.copy()
    for change in draft:
        if change.values is None or change.object_id not in out.index:
            continue
        for column, value in change.values.items():
            if column in out.columns:
                shown = term("status", str(value), lang) if column == "status" and value is not None else value
                out.at[change.object_id, column] = shown
    return out


def table_changes(original: pd.DataFrame, edited: pd.DataFrame, lang: Lang) -> list[Change]:
    """The carriers whose cells differ between the shown and the edited table, as changes (status words
    back to codes, empty cells to unknown). One change per carrier, with only its changed fields."""
    words = {term("status", code, lang): code for code in ("existing", "under_construction", "planned")}
    changes = []
    for ident in edited.index:
        if ident not in original.index:
            continue
        values: dict[str, object] = {}
        for column in EDITABLE:
            before, after = original.at[ident, column], edited.at[ident, column]
            if pd.isna(before) and pd.isna(after):
                continue
            if pd.isna(before) or pd.isna(after) or before != after:
                value: object = None if pd.isna(after) else after
                if column == "status" and value is not None:
                    value = words.get(str(value), value)
                if column in _INT_COLUMNS and value is not None:
                    value = int(value)  # type: ignore[call-overload]
                values[column] = value
        if values:
            changes.append(Change("carrier", str(ident), values))
    return changes


def _problems(problems: list[Problem], lang: Lang) -> None:
    st.error(_t("invalid", lang) + "\n\n" + "\n".join(f"- {md(p.render(lang))}" for p in problems))


def edit_table(workspace: Workspace, name: str, lang: Lang, who: Who | None, *, key: str = "scenario_edit") -> None:
    """The scenario's carriers in an ``st.data_editor`` keyed by carrier id: figures, years, status, names.

    Edits are checked with the data contract as they are made (the problems listed under the table,
    in ``lang``); the save button stays off until they are valid. The save states the version the
    table was loaded at: when someone else saved first, it is refused, and the page offers to reload
    (dropping the edits) or to reload and apply them again.
    """
    data = scenario_data(workspace, name)
    st.session_state.setdefault(f"{key}:{name}:version", data.info.version)
    generation = st.session_state.setdefault(f"{key}:{name}:generation", 0)
    if name == BASE:
        st.caption(_t("base_warning", lang))
    original = _editor_frame(data, lang)  # the saved carriers: every change is made against them
    # The editor is keyed per language: its edits hold the cells' words (a status), which the other language's
    # table would not know. A table drawn afresh starts from the edits held so far (see _fresh).
    own = f"{key}:{name}:{generation}"
    forget_other_languages(own, lang)
    own, draft, held = widget_key(own, lang), _draft_key(key, name, "carriers"), f"{key}:{name}:carriers:carried"
    if _fresh(own, held):
        st.session_state[held] = (own, list(st.session_state.get(draft, [])))
    statuses = [term("status", c, lang) for c in ("existing", "under_construction", "planned")]
    config: dict[str, Any] = {
        column: st.column_config.NumberColumn(field_label(column, lang), step=1, format="%d") for column in _INT_COLUMNS
    }
    config["status"] = st.column_config.SelectboxColumn(field_label("status", lang), options=statuses, required=True)
    config["name_zh"] = st.column_config.TextColumn(field_label("name_zh", lang), required=True)
    config["name_en"] = st.column_config.TextColumn(field_label("name_en", lang), required=True)
    edited = st.data_editor(
        with_draft(original, st.session_state[held][1], lang),
        key=own,
        column_config=config,
        num_rows="fixed",
        width="stretch",
        placeholder="—",  # an unknown figure, as every table of the page shows it (not "None")
    )
    names = dict(
        zip(data.dataset.carriers["id"], data.dataset.carriers["name_zh" if lang == "zh" else "name_en"], strict=True)
    )
    removed = kept_multiselect(
        st.multiselect,
        _t("remove", lang),
        _removal_key(key, name),
        list(original.index),
        lambda i: str(names.get(i, i)),
        lang=lang,
    )
    edits = table_changes(original, edited, lang)
    st.session_state[draft] = edits
    changes = edits + [Change("carrier", i, None) for i in removed]
    problems = workspace.preview(name, changes) if changes else []
    if problems:
        _problems(problems, lang)
    _save_controls(workspace, name, lang, who, changes, problems, key=key, part="carriers")


def _save_controls(  # noqa: PLR0917 - the page's own helper
    workspace: Workspace,
    name: str,
    lang: Lang,
    who: Who | None,
    changes: list[Change],
    problems: list[Problem],
    *,
    key: str,
    part: str,
) -> None:
    """The reason, the save button and, after a refused save of this ``part``, the offer to reload or re-apply.

    Every table of a scenario shares the version it was loaded at and one generation (a save of any of
    them reloads them all); the widgets of the carriers table keep their plain keys."""
    suffix = "" if part == "carriers" else f":{part}"
    loaded = st.session_state.get(f"{key}:{name}:version")
    generation = st.session_state.get(f"{key}:{name}:generation", 0)
    reason = st.text_input(_t("reason", lang), key=f"{key}:{name}:reason{suffix}")
    pending = st.session_state.get(f"{key}:{name}:pending")
    if pending is not None and st.session_state.get(f"{key}:{name}:pending_part", "carriers") == part:
        conflict = st.session_state.get(f"{key}:{name}:conflict")
        if conflict is not None:
            st.warning(md(conflict.in_(lang)))
        left, right = st.columns(2)
        if left.button(_t("reload", lang), key=f"{key}:{name}:reload{suffix}"):
            _reset(key, name, generation, drafts=(part,))
            st.rerun()
        if right.button(_t("reapply", lang), key=f"{key}:{name}:reapply{suffix}") and who is not None:
            current = workspace.scenario(name).version  # on what is there now, still refused if it moves again
            _save(workspace, name, lang, who, pending, reason, current, key, generation, part=part)
    disabled = not changes or bool(problems) or who is None
    if who is None and changes:
        st.info(_t("who_needed", lang))
    if (
        st.button(
            _t("save" + suffix.replace(":", "_"), lang),
            key=f"{key}:{name}:save{suffix}",
            disabled=disabled,
            type="primary",
        )
        and who is not None
    ):
        _save(workspace, name, lang, who, changes, reason, loaded, key, generation, part=part)


def _reset(key: str, name: str, generation: int, *, drafts: Iterable[str]) -> None:
    """Reload every table of the scenario (a new generation), dropping the unsaved edits of the parts ``drafts``
    (saved or given up); the other tables keep theirs, made again against the data as it now is."""
    for suffix in ("version", "pending", "pending_part", "conflict"):
        st.session_state.pop(f"{key}:{name}:{suffix}", None)
    for part in drafts:
        st.session_state.pop(_draft_key(key, name, part), None)
        if part == "carriers":
            st.session_state.pop(_removal_key(key, name), None)
    st.session_state[f"{key}:{name}:generation"] = generation + 1


def _save(  # noqa: PLR0917 - the page's own helper
    workspace: Workspace,
    name: str,
    lang: Lang,
    who: Who,
    changes: list[Change],
    reason: str,
    if_version: int | None,
    key: str,
    generation: int,
    *,
    part: str = "carriers",
    drafts: Iterable[str] | None = None,
) -> None:
    """Save ``changes``; once saved, the unsaved edits of ``drafts`` (default: ``part``'s) are dropped."""
    try:
        result = workspace.save(name, changes, who=who, reason=reason, if_version=if_version)
    except ConflictError as exc:
        st.session_state[f"{key}:{name}:pending"] = changes
        st.session_state[f"{key}:{name}:pending_part"] = part
        st.session_state[f"{key}:{name}:conflict"] = exc.text
        st.rerun()
    except DataError as exc:
        _problems(list(exc.problems), lang)
        return
    except WorkspaceError as exc:
        st.error(md(exc.report(lang)))
        return
    _reset(key, name, generation, drafts=(part,) if drafts is None else drafts)
    st.session_state["scenario_saved"] = (
        _t("saved", lang, version=result.version, n=len(result.edit_ids)) if result.edit_ids else _t("unchanged", lang)
    )
    st.rerun()


# --- the tranches and targets tables -------------------------------------------------------------

#: The columns of the tranches editor (``id`` first: the row's key), in order.
TRANCHE_EDITABLE: tuple[str, ...] = TRANCHE_COLUMNS
#: The columns of the targets editor; ``subject_id`` holds the subject's kind and id (``zone:pole_x``).
TARGET_EDITABLE: tuple[str, ...] = tuple(c for c in TARGET_COLUMNS if c != "subject_type")
_FIGURE_INTS: Mapping[str, tuple[str, ...]] = {"tranche": ("floor_area_m2", "year"), "target": ("year",)}
_ROW_ID = Text("编号（新增行可留空）", "id (may stay empty on a new row)")
FIGURE_TEXTS: Mapping[str, Text] = {
    "tranches": Text("分期（载体建筑面积按阶段与年份）", "tranches (each carrier's floor space by phase and year)"),
    "tranches_help": Text(
        "有分期的载体，其面积与年份以本表为准；保存时载体的两列（现有/规划建筑面积与年份）随之更新。"
        "可在表格底部新增行，选中行后删除。",
        "A carrier with tranches takes its figures and years from this table; saving also updates its two "
        "columns (existing/planned floor area and year). Add rows at the bottom of the table; select rows to "
        "delete them.",
    ),
    "targets": Text("目标（规划对载体或片区的要求）", "targets (what the plan aims for, per carrier or zone)"),
    "targets_help": Text(
        "目标不计入载体面积，与面积并列比较。", "A target is never floor space: it is shown beside it, with the gap."
    ),
}


def _figure_choices(data: ScenarioData, lang: Lang, object_type: str) -> dict[str, dict[str, str]]:
    """Per coded column of a tranches/targets editor: code -> the word shown (unique within the column)."""
    from geo.tranches import INDICATORS  # noqa: PLC0415

    carriers = data.dataset.carriers
    label = "name_zh" if lang == "zh" else "name_en"
    words = {
        column: {code: term(column, code, lang) for code in TERMS[column]}
        for column in ("phase", "year_basis", "qualifier")
    }
    carrier_words = _unique_words({str(i): str(n) for i, n in zip(carriers["id"], carriers[label], strict=True)})
    if object_type == "tranche":
        return {**words, "carrier_id": carrier_words}
    zones = data.dataset.zones
    zone_words = {str(i): str(n) for i, n in zip(zones["id"], zones[label], strict=True)}
    subjects = {f"zone:{i}": n for i, n in zone_words.items()}
    subjects |= {f"carrier:{i}": n for i, n in carrier_words.items()}
    for record in data.targets.to_dict("records") if data.targets is not None else []:
        if record.get("subject_type") == "district":
            subjects[f"district:{record.get('subject_id')}"] = term("subject_type", "district", lang)
    return {
        **words,
        "subject_id": _unique_words(subjects),
        "indicator": {code: indicator.name.in_(lang) for code, indicator in INDICATORS.items()},
    }


def _unique_words(words: Mapping[str, str]) -> dict[str, str]:
    """Words as given, a word two codes share followed by the code (a select box needs each once)."""
    counts: dict[str, int] = {}
    for word in words.values():
        counts[word] = counts.get(word, 0) + 1
    return {code: word if counts[word] == 1 else f"{word} · {code.split(':')[-1]}" for code, word in words.items()}


def _text_cell(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value).strip() or None


def figure_frame(
    records: Iterable[Mapping[str, object]], object_type: str, choices: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    """Tranche or target records (:meth:`geo.workspace.Workspace.state`) as the editor shows them: codes as
    words (``choices``), whole numbers as ``Int64``, a target's subject as ``kind:id``; one row per record."""
    columns = TRANCHE_EDITABLE if object_type == "tranche" else TARGET_EDITABLE
    rows = []
    for record in records:
        row = {c: record.get(c) for c in columns}
        if object_type == "target":
            kind = record.get("subject_type") or (
                "zone" if f"zone:{record.get('subject_id')}" in choices.get("subject_id", {}) else "carrier"
            )
            row["subject_id"] = f"{kind}:{record.get('subject_id')}"
        for column, words in choices.items():
            if column in row and row[column] is not None:
                row[column] = words.get(str(row[column]), str(row[column]))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    for column in _FIGURE_INTS[object_type]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Float64").round().astype("Int64")
    if object_type == "target":
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("Float64")
    for column in columns:
        if column not in (*_FIGURE_INTS[object_type], "value"):
            frame[column] = [_text_cell(v) for v in frame[column]]
    return frame


def _cell_value(column: str, value: object, object_type: str, codes: Mapping[str, Mapping[str, str]]) -> object:
    """An edited cell as a contract value: a word back to its code, an empty cell to unknown, whole numbers int."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if column in codes:
        text = str(value).strip()
        return codes[column].get(text, text) or None
    if column in _FIGURE_INTS[object_type] or column == "value":
        number = float(value)  # type: ignore[arg-type]
        return int(number) if number.is_integer() else number
    return _text_cell(value)


def figure_changes(
    original: pd.DataFrame,
    edited: pd.DataFrame,
    object_type: str,
    choices: Mapping[str, Mapping[str, str]],
) -> list[Change]:
    """The tranches or targets an edited table changes, adds and removes (rows keyed by their ``id`` column).

    A row whose id was in the shown table changes only the fields that differ; a row with a new or empty id
    is added (an empty id is made from its carrier and phase, or subject and indicator); a shown id no longer
    in the table is removed. Words go back to codes with ``choices`` (as :func:`figure_frame` showed them); a
    target's ``kind:id`` subject becomes ``subject_type`` and ``subject_id``. An added row left empty is ignored.
    """
    codes = {column: {word: code for code, word in words.items()} for column, words in choices.items()}
    columns = [c for c in (TRANCHE_EDITABLE if object_type == "tranche" else TARGET_EDITABLE) if c != "id"]
    shown = {str(i): position for position, i in enumerate(original["id"]) if _text_cell(i)}
    taken = set(shown)
    kept: set[str] = set()
    changes: list[Change] = []
    for record in edited.to_dict("records"):
        ident = _text_cell(record.get("id"))
        values = {c: _cell_value(c, record.get(c), object_type, codes) for c in columns}
        if ident is not None and ident in shown and ident not in kept:
            kept.add(ident)
            before = original.iloc[shown[ident]]
            changed = {c: values[c] for c in columns if values[c] != _cell_value(c, before[c], object_type, codes)}
            if changed:
                changes.append(Change(object_type, ident, _split_subject(changed)))
            continue
        if all(v is None for v in values.values()):
            continue  # a row added and left empty
        if ident is None or ident in taken:
            subject = str(values.get("subject_id") or "subject").split(":")[-1]
            stem = ident or (
                f"{values.get('carrier_id') or 'carrier'}_{values.get('phase') or 'tranche'}"
                if object_type == "tranche"
                else f"tg_{subject}_{values.get('indicator') or 'target'}"
            )
            ident, number = stem, 1
            while ident in taken:
                number += 1
                ident = f"{stem}_{number}"
        taken.add(ident)
        changes.append(Change(object_type, ident, _split_subject(values)))
    changes += [Change(object_type, ident, None) for ident in shown if ident not in kept]
    return changes


def _with_figure_draft(
    records: Mapping[str, Mapping[str, object]], draft: Iterable[Change]
) -> dict[str, Mapping[str, object]]:
    """Tranche or target records with unsaved changes (:func:`figure_changes`) applied: fields changed, rows added
    and removed, in the order the table showed them (added rows last)."""
    out: dict[str, Mapping[str, object]] = {str(i): {**r, "id": str(i)} for i, r in records.items()}
    for change in draft:
        if change.values is None:
            out.pop(change.object_id, None)
        else:
            out[change.object_id] = {**out.get(change.object_id, {}), **change.values, "id": change.object_id}
    return out


def _split_subject(values: Mapping[str, object]) -> dict[str, object]:
    out = dict(values)
    subject = out.get("subject_id")
    if isinstance(subject, str) and ":" in subject:
        out["subject_type"], out["subject_id"] = subject.split(":", 1)
    return out


def _figure_config(object_type: str, lang: Lang, choices: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    config: dict[str, Any] = {"id": st.column_config.TextColumn(_ROW_ID.in_(lang))}
    for column in TRANCHE_EDITABLE if object_type == "tranche" else TARGET_EDITABLE:
        label = field_label(column, lang)
        if column == "id":
            continue
        if column in choices:
            required = column in ("carrier_id", "phase", "subject_id", "indicator")
            config[column] = st.column_config.SelectboxColumn(
                label, options=list(choices[column].values()), required=required
            )
        elif column in _FIGURE_INTS[object_type]:
            config[column] = st.column_config.NumberColumn(label, step=1, format="%d")
        elif column == "value":
            config[column] = st.column_config.NumberColumn(label)
        else:
            config[column] = st.column_config.TextColumn(label)
    return config


def figures_table(
    workspace: Workspace, name: str, lang: Lang, who: Who | None, *, object_type: str, key: str = "scenario_edit"
) -> None:
    """The scenario's tranches (``object_type="tranche"``) or targets (``"target"``) in an ``st.data_editor``:
    codes shown as words, rows added and removed, checked by the contract as files are (the problems listed
    in ``lang``); saved as logged edits of the rows (a tranche save also brings its carriers' two columns in
    line: :func:`geo.workspace.columns_following_tranches`), with the same version check as the carriers."""
    from geo.workspace import columns_following_tranches  # noqa: PLC0415

    data = scenario_data(workspace, name)
    st.session_state.setdefault(f"{key}:{name}:version", data.info.version)
    generation = st.session_state.setdefault(f"{key}:{name}:generation", 0)
    part = "tranches" if object_type == "tranche" else "targets"
    st.markdown(f"**{FIGURE_TEXTS[part].in_(lang)}**")
    st.caption(FIGURE_TEXTS[f"{part}_help"].in_(lang))
    # The table as loaded, kept until this session saves or reloads: the rows and the choices of its select
    # boxes stay those of the version the save states, even when someone else saves meanwhile (a changed
    # list of choices would make Streamlit see a new widget and drop what was typed).
    # Keyed per language (the cells hold words); a table drawn afresh starts from the edits held so far, as
    # the carriers table does. ``original`` is the saved table every change is made against.
    held, draft = f"{key}:{name}:{part}:shown", _draft_key(key, name, part)
    own = f"{key}:{name}:{part}:{generation}"
    forget_other_languages(own, lang)
    own = widget_key(own, lang)
    if _fresh(own, held):
        choices = _figure_choices(data, lang, object_type)
        records = workspace.state(name)[object_type]
        saved = figure_frame(records.values(), object_type, choices)
        shown = figure_frame(
            _with_figure_draft(records, st.session_state.get(draft, [])).values(), object_type, choices
        )
        st.session_state[held] = (own, saved, shown, choices)
    _, original, shown, choices = st.session_state[held]
    state = workspace.state(name)
    edited = st.data_editor(
        shown,
        key=own,
        column_config=_figure_config(object_type, lang, choices),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        placeholder="—",
    )
    try:
        changes = figure_changes(original, edited, object_type, choices)
        st.session_state[draft] = changes
        changes = changes + columns_following_tranches(state, changes)
        problems = workspace.preview(name, changes) if changes else []
    except WorkspaceError as exc:
        st.error(md(exc.report(lang)))
        return
    if problems:
        _problems(problems, lang)
    _save_controls(workspace, name, lang, who, changes, problems, key=key, part=part)


# --- drawing on the map --------------------------------------------------------------------------

#: Where the page keeps the last shape drawn on the map (streamlit-folium's return value): see remember_drawing.
DRAWING_KEY = "scenario_drawing"


class DrawingError(ValueError):
    """A drawn shape that is not one usable outline; ``text`` says why, in both languages."""

    def __init__(self, why: Text) -> None:
        super().__init__(why.en)
        self.text = TEXTS["draw_bad"].format(why=why)


def drawn_outline(feature: object, *, gcj02: bool) -> Any:
    """A drawn GeoJSON feature (or geometry) as a WGS-84 shapely polygon, ready to save.

    The browser's value is untrusted: anything but one valid Polygon/MultiPolygon with finite lon/lat is
    refused. On AMap tiles (``gcj02``) the map shows GCJ-02, so the drawn coordinates are converted back
    to WGS-84 (:func:`geo.crs.gcj02_to_wgs84`).

    Raises
    ------
    DrawingError
        With the reason, in 中文 and English.
    """
    import warnings  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415
    import shapely  # noqa: PLC0415
    from shapely.geometry import shape  # noqa: PLC0415

    from geo.crs import gcj02_to_wgs84  # noqa: PLC0415

    geometry = feature.get("geometry") if isinstance(feature, Mapping) and "geometry" in feature else feature
    if not isinstance(geometry, Mapping) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise DrawingError(Text("不是多边形", "it is not a polygon"))
    try:
        with warnings.catch_warnings():  # NaN coordinates: refused below, in words
            warnings.simplefilter("ignore", RuntimeWarning)
            outline = shape(geometry)
    except (TypeError, ValueError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise DrawingError(Text("坐标无法读取", "its coordinates cannot be read")) from exc
    coords = shapely.get_coordinates(outline)
    if outline.is_empty or not np.isfinite(coords).all() or (np.abs(coords) > [180, 90]).any():
        raise DrawingError(Text("坐标超出经纬度范围", "its coordinates are not longitude/latitude"))
    if gcj02:
        outline = shapely.transform(outline, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1])))
    if not outline.is_valid or outline.area == 0:
        raise DrawingError(Text("多边形自相交或面积为零", "the polygon crosses itself or has no area"))
    return outline


def remember_drawing(returned: Mapping[str, Any] | None, *, gcj02: bool) -> None:
    """Keep the last shape drawn on the map (streamlit-folium's ``last_active_drawing``) for :func:`draw_section`,
    with the datum of the tiles it was drawn on. A run without a new drawing keeps the one before."""
    drawing = (returned or {}).get("last_active_drawing")
    if drawing:
        st.session_state[DRAWING_KEY] = {"feature": drawing, "gcj02": gcj02}


def _shape_key(held: Mapping[str, Any]) -> str:
    """A short digest of a held drawing: widgets whose default comes from the shape are keyed by it, so a new
    shape gets its own defaults."""
    import hashlib  # noqa: PLC0415
    import json  # noqa: PLC0415

    return hashlib.sha256(json.dumps(held.get("feature"), sort_keys=True, default=str).encode()).hexdigest()[:12]


def draw_section(workspace: Workspace, name: str, lang: Lang, who: Who | None, *, key: str = "scenario_edit") -> None:
    """Use the shape drawn on the map: as a new carrier (id, names, status, kind, figures to fill, checked by
    the contract) or as the new outline of a chosen carrier; saved as logged edits with the version check."""
    held = st.session_state.get(DRAWING_KEY)
    if held is None:
        st.caption(_t("draw_hint", lang))
        return
    try:
        outline = drawn_outline(held["feature"], gcj02=bool(held["gcj02"]))
    except DrawingError as exc:
        st.warning(exc.text.in_(lang))
        return
    st.markdown(f"**{_t('drawn', lang)}**")
    data = scenario_data(workspace, name)
    carriers = data.dataset.carriers
    # Every choice below is held as its code, drawn by a widget keyed per language (ui.state.coded): a language
    # switch keeps them; typed text and numbers keep their plain keys.
    uses = {"new": _t("draw_new", lang), "reshape": _t("draw_reshape", lang)}
    use = coded(
        st.radio, _t("draw_use", lang), f"{key}:draw_use", list(uses), uses.__getitem__, lang=lang, horizontal=True
    )
    if use == "reshape":
        names = dict(zip(carriers["id"], carriers["name_zh" if lang == "zh" else "name_en"], strict=True))
        target = coded(
            st.selectbox, _t("draw_target", lang), f"{key}:draw_target", list(names), lambda i: str(names[i]), lang=lang
        )
        changes = [Change("carrier", str(target), {"geometry": outline})]
    else:
        left, right = st.columns(2)
        ident = left.text_input(_t("draw_id", lang), key=f"{key}:draw_id").strip()
        name_zh = left.text_input(field_label("name_zh", lang), key=f"{key}:draw_name_zh").strip()
        name_en = left.text_input(field_label("name_en", lang), key=f"{key}:draw_name_en").strip()
        codes = ("existing", "under_construction", "planned")
        status = coded(
            right.selectbox,
            field_label("status", lang),
            f"{key}:draw_status",
            codes,
            lambda c: term("status", c, lang),
            lang=lang,
        )
        kinds = ("building", "tower", "campus", "park", "cluster", "town", "renewal_area")
        kind = coded(
            right.selectbox,
            field_label("kind", lang),
            f"{key}:draw_kind",
            kinds,
            lambda c: term("kind", c, lang),
            lang=lang,
        )
        figures = {
            column: right.number_input(
                field_label(column, lang), min_value=0, step=1, value=None, key=f"{key}:draw_{column}"
            )
            for column in ("floor_area_existing_m2", "floor_area_planned_m2")
        }
        # Its years: without one, a figure counts at build-out only, never as of a year (docs/contract.md rule 1).
        figures |= {
            column: right.number_input(field_label(column, lang), step=1, value=None, key=f"{key}:draw_{column}")
            for column in ("opened_year", "planned_year")
        }
        zones = data.dataset.zones
        zone_names = dict(zip(zones["id"].astype(str), zones["name_zh" if lang == "zh" else "name_en"], strict=True))
        # Declared membership (the default mode) reads zone_ids: offered, per zone type, the zone the outline
        # overlaps most (as the "largest overlap" mode would place it), unless the planner changes it.
        import shapely  # noqa: PLC0415

        # Lon/lat areas: only compared with each other, over a few hundred metres.
        overlap = zones.assign(share=shapely.area(shapely.intersection(zones.to_crs(4326).geometry.values, outline)))
        within = [str(overlap.at[i, "id"]) for i in overlap[overlap["share"] > 0].groupby("type")["share"].idxmax()]
        member_of = kept_multiselect(
            left.multiselect,
            _t("draw_zones", lang),
            f"{key}:draw_zones:{_shape_key(held)}",
            list(zone_names),
            lambda i: str(zone_names[i]),
            lang=lang,
            default=within,
        )
        accuracy = right.number_input(_t("draw_accuracy", lang), min_value=1, step=1, value=50, key=f"{key}:draw_acc")
        values: dict[str, object] = {
            "geometry": outline,
            "name_zh": name_zh or None,
            "name_en": name_en or None,
            "status": status,
            "kind": kind,
            "zone_ids": ";".join(member_of) or None,
            "geometry_accuracy_m": int(accuracy) if accuracy is not None else None,
            **{c: (None if v is None else int(v)) for c, v in figures.items()},
        }
        changes = [Change("carrier", ident, values)] if ident else []
    problems = workspace.preview(name, changes) if changes else []
    if problems:
        _problems(problems, lang)
    if who is None and changes:
        st.info(_t("who_needed", lang))
    disabled = not changes or bool(problems) or who is None
    if st.button(_t("draw_save", lang), key=f"{key}:draw_save", disabled=disabled) and who is not None:
        st.session_state.pop(DRAWING_KEY, None)
        version = workspace.scenario(name).version
        reason = st.session_state.get(f"{key}:{name}:reason", "")
        generation = st.session_state.get(f"{key}:{name}:generation", 0)
        _save(workspace, name, lang, who, changes, reason, version, key, generation, drafts=())


# --- compare and history ----------------------------------------------------------------------------


def _group_label(row: pd.Series, lang: Lang) -> str:
    return str(row["name_zh"] if lang == "zh" else row["name_en"])


def compare_section(
    workspace: Workspace, lang: Lang, *, by: str = "pole", mode: str = "declared", year: int | None = None
) -> pd.DataFrame | None:
    """Pick 2–3 scenarios; their figures per group side by side (万㎡), a chart of the differences, the
    CSV/XLSX downloads (stamped with each scenario's version) and the edits that make the difference.
    Returns the long comparison table (``None`` until two scenarios are chosen)."""
    from geo.cli_scenario import scenario_stamp  # noqa: PLC0415
    from geo.io import export  # noqa: PLC0415

    names = [s.name for s in workspace.scenarios()]
    chosen = kept_multiselect(
        st.multiselect,
        _t("compare", lang),
        "scenario_compare",
        names,
        lambda n: scenario_label(n, lang),
        lang=lang,
        default=names[:2],
        max_selections=3,
    )
    if len(chosen) < 2:
        return None
    table = compare_table(workspace, chosen, by=by, mode=mode, year=year)
    table["group"] = [_group_label(r, lang) for _, r in table.iterrows()]
    wide = pd.DataFrame(index=pd.Index(dict.fromkeys(table["group"]), name=_t("group", lang)))
    difference_columns = []
    for name in chosen:
        part = table[table["scenario"] == name].set_index("group")
        shown = _t("base", lang) if name == BASE else name
        wide[_t("total", lang, name=shown)] = part["total_m2"].astype("Float64") / 10_000
        if name != chosen[0]:
            first = _t("base", lang) if chosen[0] == BASE else chosen[0]
            # No ":" in a column name: the chart (Vega-Lite) would read it as a field type.
            column = f"{shown} · {_t('difference', lang, first=first)}"
            wide[column] = part["difference_m2"].astype("Float64") / 10_000
            difference_columns.append(column)
    st.dataframe(
        wide, width="stretch", column_config={c: st.column_config.NumberColumn(format="%.1f") for c in wide.columns}
    )
    differences = wide[difference_columns]
    groups = [g for g in differences.index if g not in (table.loc[table["group_id"] == "__total__", "group"].tolist())]
    if len(differences.columns):
        st.bar_chart(differences.loc[groups].astype(float))
    data = workspace.load(chosen[0])
    stamp = scenario_stamp(workspace, data, by=by, mode=mode, year=year)
    stamp["compared"] = " | ".join(f"{n} v{workspace.scenario(n).version}" for n in chosen)
    long = table.drop(columns="group")
    left, right = st.columns(2)
    left.download_button(
        _t("download_csv", lang),
        # Built on the click, like the page's other downloads; the CSV with its stamp beside it, in one zip.
        lambda: export.summary_csv_zip(long, stamp, name="compare.csv", title=TABLE_TITLES["compare"]),
        file_name="compare.zip",
        mime="application/zip",
        on_click="ignore",
        key="scenario_compare_csv",
    )
    right.download_button(
        _t("download_xlsx", lang),
        lambda: export.summary_xlsx({"compare": long}, stamp, lang=lang),
        file_name="compare.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="scenario_compare_xlsx",
    )
    _compare_on_map(workspace, chosen, lang)
    st.markdown(f"**{_t('edits_between', lang)}**")
    first_edits = {e.edit_id for e in _lineage_edits(workspace, chosen[0])}
    edits = [e for n in chosen[1:] for e in _lineage_edits(workspace, n) if e.edit_id not in first_edits]
    st.dataframe(_readable_log(log_table(edits).drop_duplicates("edit_id"), lang), hide_index=True, width="stretch")
    return long


def _compare_on_map(workspace: Workspace, chosen: list[str], lang: Lang) -> None:
    """One map per chosen scenario, side by side on the same view (:func:`layers.compare.side_by_side`): the first
    with its carriers marked by what the others did to them, each other with what it changed, added or removed."""
    from streamlit_folium import st_folium  # noqa: PLC0415

    from geo.cli_scenario import carrier_changes  # noqa: PLC0415
    from layers.compare import CHANGE_COLOURS, CHANGE_WORDS, side_by_side  # noqa: PLC0415

    data = [scenario_data(workspace, n) for n in chosen]
    carriers = [d.dataset.carriers.to_crs(4326) for d in data]
    changes = [
        carrier_changes(carriers[0], carriers[i], tranches=(data[0].tranches, data[i].tranches))
        for i in range(1, len(data))
    ]
    maps = side_by_side(carriers[0], changes, lang=lang)
    st.markdown(f"**{_t('compare_maps', lang, first=md(scenario_label(chosen[0], lang)))}**")
    st.caption(
        " · ".join(
            f"<span style='color:{CHANGE_COLOURS[c]}'>■</span> {CHANGE_WORDS[c].in_(lang)}" for c in CHANGE_COLOURS
        ),
        unsafe_allow_html=True,  # only our own words and colours
    )
    for position, (column, name, shown) in enumerate(zip(st.columns(len(chosen)), chosen, maps, strict=True)):
        with column:
            st.markdown(f"**{md(scenario_label(name, lang))}**")
            if position == 0:
                st.caption(_t("compare_reference", lang))
            else:
                counts = changes[position - 1]["change"].value_counts()
                st.caption(
                    " · ".join(
                        f"{CHANGE_WORDS[c].in_(lang)} {int(counts.get(c, 0))}"
                        for c in CHANGE_COLOURS
                        if c != "unchanged"
                    )
                )
            st_folium(shown, key=f"compare_map_{position}", height=420, use_container_width=True, returned_objects=[])


def _lineage_edits(workspace: Workspace, name: str) -> list:  # type: ignore[type-arg]
    chain = [name]
    while (parent := workspace.scenario(chain[-1]).parent) is not None:
        chain.append(parent)
    return [e for n in reversed(chain) for e in workspace.edits(n)]


def _readable_log(table: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    out = table.copy()
    out["object_type"] = [_OBJECTS[o].in_(lang) if o in _OBJECTS else o for o in out["object_type"]]
    out["field"] = [_WHOLE.in_(lang) if f == FEATURE else field_label(f, lang) for f in out["field"]]
    return out.rename(columns={c: LOG_LABELS[c].in_(lang) for c in out.columns if c in LOG_LABELS})


def history_section(workspace: Workspace, lang: Lang) -> pd.DataFrame:
    """The change log, filtered by scenario, object id, person and date, with a CSV download.

    Returns the filtered log (column ids as in ``scenario log``)."""
    from geo.io import export  # noqa: PLC0415

    log = log_table(workspace.edits())
    st.markdown(f"**{_t('history', lang)}**")
    a, b, c, d = st.columns(4)
    scenarios = a.multiselect(_t("by_scenario", lang), sorted(set(log["scenario"])), key="history_scenarios")
    objects = b.multiselect(_t("by_carrier", lang), sorted(set(log["object_id"])), key="history_objects")
    people = c.multiselect(_t("by_person", lang), sorted(set(log["who"])), key="history_people")
    days = pd.to_datetime(log["at_utc"], utc=True).dt.date if len(log) else pd.Series(dtype=object)
    span = (
        d.date_input(_t("dates", lang), value=(min(days), max(days)) if len(log) else (), key="history_dates")
        if len(log)
        else ()
    )
    keep = pd.Series(True, index=log.index)
    if scenarios:
        keep &= log["scenario"].isin(scenarios)
    if objects:
        keep &= log["object_id"].isin(objects)
    if people:
        keep &= log["who"].isin(people)
    if isinstance(span, tuple) and len(span) == 2 and all(isinstance(x, date) for x in span):
        keep &= (days >= span[0]) & (days <= span[1])
    shown = log[keep]
    st.dataframe(_readable_log(shown, lang), hide_index=True, width="stretch")
    stamp = {"content": "edit log", "workspace": workspace.path.name, "filtered": str(len(shown) != len(log))}
    st.download_button(
        _t("download_log", lang),
        lambda: export.summary_csv_zip(shown, stamp, name="edit_log.csv", title=TABLE_TITLES["log"]),
        file_name="edit_log.zip",
        mime="application/zip",
        on_click="ignore",
        key="history_csv",
    )
    return shown


def scenario_page(lang: Lang, *, by: str = "pole", mode: str = "declared", year: int | None = None) -> ScenarioData:
    """Every scenario part in one place, in the order a planner uses them; returns the chosen scenario's data
    for the rest of the page (map, summaries, timeline, downloads)."""
    workspace = page_workspace(str(default_workspace_path()))
    who = session_who(lang)
    name = scenario_selector(workspace, lang, who)
    saved = st.session_state.pop("scenario_saved", None)
    if saved:
        st.success(saved)  # our own words and numbers
    edit_table(workspace, name, lang, who)
    figures_table(workspace, name, lang, who, object_type="tranche")
    figures_table(workspace, name, lang, who, object_type="target")
    draw_section(workspace, name, lang, who)
    compare_section(workspace, lang, by=by, mode=mode, year=year)
    history_section(workspace, lang)
    return scenario_data(workspace, name)
