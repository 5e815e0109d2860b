"""Today's validation, frozen: the oracle the vectorised :mod:`geo.schema` is checked against.

A verbatim copy of ``geo/schema.py`` at commit 041e694 (before validation was vectorised, issue 13),
with only this docstring changed. Tests run both on the same frames and assert the same problems, row
for row, in the same order, with the same words (``tests/test_validation_equivalence.py``). Do not
edit it to make a test pass: the point is that it stays what validation was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo import nesting
from geo.text import LANGS, TERMS, Lang, Text, field_label  # LANGS, Lang: re-exported

__all__ = [
    "CARRIER_FIELDS",
    "CARRIER_INT_FIELDS",
    "LANGS",
    "SOURCE_FIELDS",
    "SOURCE_FIGURE_FIELDS",
    "STATUSES",
    "ZONE_FIELDS",
    "DataError",
    "Field",
    "Lang",
    "Problem",
    "duplicate_id_problem",
    "geometry_problems",
    "in_file",
    "missing_columns_problem",
    "missing_file_problem",
    "normalize_carriers",
    "normalize_zones",
    "refused_row_problem",
    "split_ids",
    "unreadable_file_problem",
    "validate_carriers",
    "validate_zones",
    "zone_ref_problems",
]

STATUSES: tuple[str, ...] = ("existing", "under_construction", "planned")
OUTSIDE = "__outside__"
TOTAL = "__total__"

Kind = Literal["text", "int", "ids"]

_KIND_DOCS: dict[str, Text] = {
    "text": Text("文本", "text"),
    "int": Text("整数", "a whole number"),
    "ids": Text("以 ';' 分隔的 id", "';'-separated ids"),
}
_STATUS_ZH = {status: TERMS["status"][status].zh for status in STATUSES}
# `--by status` groups by carrier status, so a zone type of that name could never be chosen.
_RESERVED_ZONE_TYPES = ("status",)


@dataclass(frozen=True)
class Field:
    """One attribute of the contract: its name, kind, and whether a row may leave it empty."""

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    doc: str = ""
    doc_zh: str = ""


CARRIER_FIELDS: tuple[Field, ...] = (
    Field("id", "text", doc="stable unique slug", doc_zh="稳定且唯一的标识"),
    Field("name_zh", "text", doc="Chinese name", doc_zh="中文名称"),
    Field("name_en", "text", doc="English name", doc_zh="英文名称"),
    Field(
        "kind",
        "text",
        doc="tower, campus, park, town, renewal_area, building, ...",
        doc_zh="tower、campus、park、town、renewal_area、building 等",
    ),
    Field(
        "parent_id",
        "text",
        nullable=True,
        doc="the carrier whose figure already includes this one",
        doc_zh="面积已包含本载体的母载体 id",
    ),
    Field(
        "zone_ids",
        "ids",
        nullable=True,
        doc="zones this carrier belongs to by plan, ';'-separated",
        doc_zh="规划所属片区 id，以 ';' 分隔",
    ),
    Field(
        "floor_area_existing_m2",
        "int",
        nullable=True,
        doc="floor area in use, whole m²",
        doc_zh="现有建筑面积，整平方米",
    ),
    Field(
        "floor_area_planned_m2",
        "int",
        nullable=True,
        doc="additional floor area planned, whole m²",
        doc_zh="规划新增建筑面积，整平方米",
    ),
    Field("planned_year", "int", nullable=True, doc="year the increment is due", doc_zh="规划新增面积的完成年份"),
    Field("opened_year", "int", nullable=True, doc="year the existing floor area opened", doc_zh="现有面积启用年份"),
    Field(
        "status",
        "text",
        doc="existing, under_construction or planned",
        doc_zh="existing（已建成）、under_construction（在建）或 planned（规划）",
    ),
    Field(
        "site_area_m2",
        "int",
        required=False,
        nullable=True,
        doc="declared land area, m²",
        doc_zh="申报用地面积，平方米",
    ),
    Field(
        "geometry_accuracy_m",
        "int",
        doc="how far the drawn outline may be from the real one, whole metres",
        doc_zh="绘制边界与实际边界的可能偏差，整米",
    ),
    Field(
        "source_ids",
        "ids",
        nullable=True,
        doc="';'-separated ids into the sources table",
        doc_zh="来源表中的 id，以 ';' 分隔",
    ),
)

ZONE_FIELDS: tuple[Field, ...] = (
    Field("id", "text", doc="stable unique slug", doc_zh="稳定且唯一的标识"),
    Field("name_zh", "text", doc="Chinese name", doc_zh="中文名称"),
    Field("name_en", "text", doc="English name", doc_zh="英文名称"),
    Field("type", "text", doc="pole, belt, or another layout's word", doc_zh="pole（增长极）、belt（发展带）等"),
    Field("layout", "text", nullable=True, doc="e.g. 两极两带", doc_zh="如 两极两带"),
    Field(
        "declared_floor_area_m2",
        "int",
        nullable=True,
        doc="the plan's own figure for the zone, whole m²",
        doc_zh="规划中该片区的面积，整平方米",
    ),
    Field("source_ids", "ids", nullable=True, doc="';'-separated ids into the sources table", doc_zh="来源表中的 id"),
    Field(
        "geometry_accuracy_m",
        "int",
        doc="how far the drawn outline may be from the real one, whole metres",
        doc_zh="绘制边界与实际边界的可能偏差，整米",
    ),
)

SOURCE_FIELDS: tuple[str, ...] = ("id", "document", "line", "quote", "value", "unit", "note")
# Optional: which contract field a figure speaks to (floor_area_existing_m2, floor_area_planned_m2,
# floor_area_total_m2 = existing + planned, site_area_m2, declared_floor_area_m2), so conflicting
# figures are found by comparing like with like.
SOURCE_FIGURE_FIELDS: tuple[str, ...] = (
    "floor_area_existing_m2",
    "floor_area_planned_m2",
    "floor_area_total_m2",
    "site_area_m2",
    "declared_floor_area_m2",
)

CARRIER_INT_FIELDS: tuple[str, ...] = tuple(f.name for f in CARRIER_FIELDS if f.kind == "int")
ZONE_INT_FIELDS: tuple[str, ...] = tuple(f.name for f in ZONE_FIELDS if f.kind == "int")

# Years outside this range are almost always a typo (a floor area in the year column, say).
_YEAR_RANGE = (1900, 2100)
_NUMBERS = (int, float, np.integer, np.floating)
_BOOLS = (bool, np.bool_)
# Floor areas above this (1,000 km² of floor) are a unit error (mm², or 万㎡ × 10⁴ twice).
_MAX_AREA_M2 = 10**12
# A problem about many rows names this many of them.
_LIST_AT_MOST = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what, and how to fix it, in English and 中文.

    Build it from :class:`geo.text.Text` with :meth:`of`; read it as ``Text`` through
    :attr:`where_text`, :attr:`what_text` and :attr:`fix_text`. The fields keep the earlier flat
    shape (``where``/``what``/``fix`` English, ``where_zh``/``what_zh``/``fix_zh`` Chinese, a
    Chinese part left empty falling back to the English one) so that existing callers still work.

    >>> p = Problem.of(Text("第 2 行，字段 'status'", "row 2, field 'status'"), Text("为空", "is empty"),
    ...                Text("请填写", "give it a value"))
    >>> str(p)
    "row 2, field 'status': is empty — give it a value"
    >>> p.render("zh")
    "第 2 行，字段 'status'：为空 —— 请填写"
    >>> p.what_text
    Text(zh='为空', en='is empty')
    """

    where: str
    what: str
    fix: str = ""
    what_zh: str = ""
    fix_zh: str = ""
    where_zh: str = ""

    @classmethod
    def of(cls, where: Text, what: Text, fix: Text | None = None) -> Problem:
        """A problem from its three parts in both languages."""
        fix = fix or Text("", "")
        return cls(where.en, what.en, fix.en, what_zh=what.zh, fix_zh=fix.zh, where_zh=where.zh)

    @property
    def where_text(self) -> Text:
        """Where the problem is, in both languages."""
        return Text(self.where_zh or self.where, self.where)

    @property
    def what_text(self) -> Text:
        """What is wrong, in both languages."""
        return Text(self.what_zh or self.what, self.what)

    @property
    def fix_text(self) -> Text:
        """How to fix it, in both languages (empty when there is nothing to say)."""
        return Text(self.fix_zh or self.fix, self.fix)

    def render(self, lang: Lang = "en") -> str:
        """The problem as one line in ``lang`` (``"zh"`` or ``"en"``)."""
        where, what, fix = self.where_text.in_(lang), self.what_text.in_(lang), self.fix_text.in_(lang)
        if lang == "zh":
            return f"{where}：{what}" + (f" —— {fix}" if fix else "")
        return f"{where}: {what}" + (f" — {fix}" if fix else "")

    def within(self, prefix: str, prefix_zh: str) -> Problem:
        """The same problem with its place prefixed, e.g. by the file it is in."""
        return replace(self, where=f"{prefix} {self.where}", where_zh=f"{prefix_zh}{self.where_zh or self.where}")

    def __str__(self) -> str:
        return self.render("en")


_REPORT_HEAD = Text(
    "发现 {count} 个问题，未载入任何数据。请逐条修正后重新载入。",
    "{count} problem(s) found; nothing was loaded. Fix each and load the file again.",
)


@dataclass
class DataError(ValueError):
    """An input that breaks the data contract; ``problems`` lists every finding.

    ``message_en``/``message_zh`` optionally say in one sentence why the input was refused as a
    whole (a reader's refusal, say); :attr:`message` gives them as one :class:`geo.text.Text`.
    ``str()`` is the English report; :meth:`report` renders either language.
    """

    source: str
    problems: list[Problem] = field(default_factory=list)
    message_en: str = ""
    message_zh: str = ""

    @property
    def message(self) -> Text | None:
        """Why the input was refused as a whole, in both languages (None when the problems say it)."""
        if not (self.message_en or self.message_zh):
            return None
        return Text(self.message_zh or self.message_en, self.message_en or self.message_zh)

    def report(self, lang: Lang = "en") -> str:
        """Every problem, one per line, under a heading naming the input, in ``lang``."""
        message = self.message
        head = (message or _REPORT_HEAD.format(count=len(self.problems))).in_(lang)
        head = f"{self.source}：{head}" if lang == "zh" else f"{self.source}: {head}"
        return "\n".join([head, *(f"  - {p.render(lang)}" for p in self.problems)])

    def __str__(self) -> str:
        return self.report("en")


# --- problems that loaders outside this module raise ----------------------------------------------

_ROLE_NAMES: dict[str, Text] = {
    "carriers": Text("载体文件 ", "carriers"),
    "zones": Text("片区文件 ", "zones"),
    "sources": Text("来源表 ", "sources"),
}


def in_file(problems: Iterable[Problem], role: str) -> list[Problem]:
    """``problems`` placed in the ``carriers``, ``zones`` or ``sources`` file (both languages).

    >>> [p.render("zh") for p in in_file([Problem("row 1", "x", where_zh="第 1 行")], "zones")]
    ['片区文件 第 1 行：x']
    """
    name = _ROLE_NAMES.get(role, Text(f"{role} ", role))
    return [p.within(name.en, name.zh) for p in problems]


def missing_file_problem() -> Problem:
    """A path that names no file."""
    return Problem(
        "file",
        "does not exist or is not a file",
        "check the path (relative paths start from the current folder)",
        what_zh="不存在或不是文件",
        fix_zh="请检查路径（相对路径从当前文件夹算起）",
        where_zh="文件",
    )


def unreadable_file_problem(reason_en: str, reason_zh: str = "", *, csv: bool = False) -> Problem:
    """A file that cannot be read at all; ``reason_*`` says why (a reader's message, say)."""
    if csv:
        return Problem(
            "file",
            f"cannot be read as a UTF-8 CSV ({reason_en})",
            "save it as CSV in UTF-8 (Excel: 'CSV UTF-8')",
            what_zh=f"无法按 UTF-8 CSV 读取（{reason_zh or reason_en}）",
            fix_zh="请另存为 UTF-8 编码的 CSV（Excel：“CSV UTF-8”）",
            where_zh="文件",
        )
    return Problem(
        "file",
        reason_en,
        "",
        what_zh=reason_zh,
        where_zh="文件",
    )


def missing_columns_problem(missing: Iterable[str], required: Iterable[str], *, table: str = "sources") -> Problem:
    """A table without some of its required columns."""
    missing_text, required_text = ", ".join(missing), ", ".join(required)
    table_zh = {"sources": "来源表"}.get(table, table)
    return Problem(
        "columns",
        f"missing {missing_text}",
        f"the {table} table needs the columns {required_text}",
        what_zh=f"缺少列 {missing_text}",
        fix_zh=f"{table_zh}需要以下列：{required_text}",
        where_zh="列",
    )


def duplicate_id_problem(value: str, rows: Iterable[int] = ()) -> Problem:
    """An id used by more than one row (``rows`` are 1-based, if known; the first 20 are listed)."""
    numbers = list(rows)
    listed = ", ".join(str(r) for r in numbers[:20]) + (f", … ({len(numbers):,})" if len(numbers) > 20 else "")
    return Problem(
        f"id {value!r}",
        "is used by more than one row" + (f" (rows {listed})" if listed else ""),
        "give every row its own id",
        what_zh="被多行使用" + (f"（第 {listed} 行）" if listed else ""),
        fix_zh="请为每一行设置唯一的 id",
        where_zh=f"id {value!r}",
    )


def refused_row_problem(
    row: int | None, ident: str | None, reason_en: str, reason_zh: str = "", *, action: str = "rejected"
) -> Problem:
    """A feature a reader dropped, rejected or had to repair (``row`` 1-based in its layer).

    Reported as a problem so that a file is never loaded with features silently left out or changed.
    """
    label = (f"row {row}", f"第 {row} 行") if row else ("file", "文件")
    if ident:
        label = (f"{label[0]} (id {ident!r})", f"{label[1]}（id {ident!r}）")
    if action == "repaired":
        what = (f"is invalid and would need a repair: {reason_en}", f"几何无效，需要修复：{reason_zh or reason_en}")
        fix = (
            "repair the outline in your GIS (e.g. 'fix geometries'), check it, and load the file again",
            "请在 GIS 软件中修复该边界（如“修复几何”）并核对后重新载入",
        )
    else:
        what = (f"cannot be used: {reason_en}", f"无法使用：{reason_zh or reason_en}")
        fix = (
            "fix or remove this feature; nothing from the file was loaded",
            "请修正或删除该要素；本文件未载入任何数据",
        )
    return _problem((f"{label[0]}, geometry", f"{label[1]}，几何"), what, fix)


# --- cell parsing -----------------------------------------------------------------------------------


def split_ids(value: object) -> list[str]:
    """Split a ``;``-separated id list, dropping blanks.

    >>> split_ids("pole_a; belt_b;;")
    ['pole_a', 'belt_b']
    >>> split_ids(None)
    []
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _missing_mask(column: pd.Series) -> npt.NDArray[np.bool_]:
    """:func:`_is_missing` of every cell, at array speed: pandas' ``isna``, less what it alone calls missing."""
    mask = column.isna().to_numpy(dtype=bool, copy=True)
    if mask.any() and not (column.dtype.kind in "fiu" or isinstance(column.dtype, pd.StringDtype)):
        positions = np.flatnonzero(mask)
        cells = column.to_numpy(dtype=object)[positions]
        # None, NA and Python (or NumPy double) NaN are missing by type; only other kinds pandas calls
        # missing (NaT, a float32 NaN: not missing here) are looked at one by one. None, by far the
        # commonest, is found in one pass; the type of the rest is looked up.
        named = cells != None  # noqa: E711 - elementwise
        positions, cells = positions[named], cells[named]
        odd = ~pd.Series(cells, dtype=object).map(type).isin(_MISSING_TYPES).to_numpy(dtype=bool)
        for at in np.flatnonzero(odd).tolist():
            mask[positions[at]] = _is_missing(cells[at])
    return mask


#: Types whose values ``isna`` calls missing and :func:`_is_missing` does too (NaN for the floats).
_MISSING_TYPES = (type(None), type(pd.NA), float, np.float64)


def _text_or_missing(column: pd.Series) -> bool:
    """Whether every cell of ``column`` is text (``str``) or missing (:func:`_is_missing`), at array speed."""
    present = column.to_numpy(dtype=object)[~_missing_mask(column)]
    return len(present) == 0 or pd.api.types.infer_dtype(present, skipna=False) == "string"


def _stripped(column: pd.Series, positions: npt.NDArray[np.int64]) -> pd.Series:
    """``str(value).strip()`` of the cells at ``positions`` (index: 0…n-1)."""
    return pd.Series(column.to_numpy(dtype=object)[positions], dtype=object).map(str).str.strip()


def _id_texts(column: pd.Series) -> pd.Series:
    """Each cell as its id text (``str(value).strip()``), None where missing; same index as ``column``."""
    missing = _missing_mask(column)
    out = np.full(len(column), None, dtype=object)
    present = np.flatnonzero(~missing)
    out[present] = _stripped(column, present).to_numpy(dtype=object)
    return pd.Series(out, index=column.index, dtype=object)


def _unknown_refs(column: pd.Series, known: set[str]) -> list[tuple[int, list[str]]]:
    """(position, ids not in ``known``) per cell whose ``;``-list names any, as :func:`split_ids` reads it."""
    present = np.flatnonzero(~_missing_mask(column))
    if not len(present):
        return []
    parts = pd.Series(column.to_numpy(dtype=object)[present], dtype=object).map(str).str.split(";").explode()
    parts = parts.str.strip()
    parts = parts[parts.notna() & (parts != "")]
    unknown = parts[~parts.isin(list(known))]
    if unknown.empty:
        return []
    return [(int(present[row]), list(ids)) for row, ids in unknown.groupby(level=0, sort=True).agg(list).items()]


def _as_int(value: object) -> int | None:
    """The whole number a cell holds, or None if empty; raises ValueError for anything else."""
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError("a true/false value is not a number")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    text = str(value).strip().replace(",", "").replace("_", "")
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        number = float(text)  # raises ValueError with the text for non-numbers
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number") from None
        return int(number)


# --- where ------------------------------------------------------------------------------------------


def _row_label(frame: pd.DataFrame, position: int) -> tuple[str, str]:
    """(English, Chinese) name of a row: its number, and its id where it has one."""
    if "id" in frame.columns:
        value = frame["id"].iloc[position]
        if not _is_missing(value) and str(value).strip():
            ident = str(value).strip()
            return f"row {position + 1} (id {ident!r})", f"第 {position + 1} 行（id {ident!r}）"
    return f"row {position + 1}", f"第 {position + 1} 行"


def _at(frame: pd.DataFrame, position: int, part: str) -> tuple[str, str]:
    """(English, Chinese) place of a field (``part`` a field name) or of the row's geometry."""
    en, zh = _row_label(frame, position)
    if part == "geometry":
        return f"{en}, geometry", f"{zh}，几何"
    return f"{en}, field {part!r}", f"{zh}，字段 {part!r}"


class _LazyAt:
    """The (English, Chinese) place of a cell, built only when a problem is recorded there.

    Checking a file visits every cell; naming the place (row number and id) for each one up front
    cost seconds on ten thousand carriers, for the few cells that turn out to have a problem.
    """

    __slots__ = ("frame", "part", "position")

    def __init__(self, frame: pd.DataFrame, position: int, part: str) -> None:
        self.frame, self.position, self.part = frame, position, part

    def __getitem__(self, index: int) -> str:
        return _at(self.frame, self.position, self.part)[index]


def _problem(where: tuple[str, str] | _LazyAt, what: tuple[str, str], fix: tuple[str, str]) -> Problem:
    return Problem(where[0], what[0], fix[0], what_zh=what[1], fix_zh=fix[1], where_zh=where[1])


def _int_fix(spec: Field) -> tuple[str, str]:
    if spec.name.endswith("_m2"):
        en, zh = (
            "write whole square metres as digits, e.g. 5500000 (1 万㎡ = 10000)",
            ("请填写整平方米数字，如 5500000（1 万㎡ = 10000）"),
        )
    elif spec.name.endswith("_year"):
        en, zh = "write a four-digit year, e.g. 2025", "请填写四位年份，如 2025"
    else:
        en, zh = "write whole metres as digits, e.g. 500", "请填写整米数字，如 500"
    if spec.nullable:
        en, zh = en + ", or leave it empty if unknown", zh + "；未知则留空"
    return en, zh


# --- checks -----------------------------------------------------------------------------------------


def _check_rows(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if len(frame) == 0:
        problems.append(
            _problem(
                ("file", "文件"),
                ("has no features", "不含任何要素"),
                (
                    "add at least one feature: an empty file would give empty sums",
                    "请至少添加一个要素：空文件只会得到空的汇总",
                ),
            )
        )


def _check_int(spec: Field, value: object, where: tuple[str, str] | _LazyAt, problems: list[Problem]) -> None:
    try:
        number = _as_int(value)
    except ValueError:
        problems.append(_problem(where, (f"{value!r} is not a whole number", f"{value!r} 不是整数"), _int_fix(spec)))
        return
    if number is None:
        if not spec.nullable:
            problems.append(_problem(where, ("is empty", "为空"), _int_fix(spec)))
    elif number < 0:
        problems.append(
            _problem(
                where,
                (f"{number} is negative", f"{number} 为负数"),
                (
                    "areas, years and accuracies are ≥ 0: remove the minus sign"
                    + (", or leave it empty if unknown" if spec.nullable else ""),
                    "面积、年份和精度不能为负：请去掉负号" + ("，未知则留空" if spec.nullable else ""),
                ),
            )
        )
    elif spec.name.endswith("_year") and not (_YEAR_RANGE[0] <= number <= _YEAR_RANGE[1]):
        low, high = _YEAR_RANGE
        problems.append(
            _problem(
                where,
                (f"{number} is not a plausible year", f"{number} 不是合理的年份"),
                (
                    f"use a year between {low} and {high} (is a floor area in the year column?)",
                    f"请填写 {low} 至 {high} 之间的年份（是否把面积填进了年份列？）",
                ),
            )
        )
    elif spec.name.endswith("_m2") and number > _MAX_AREA_M2:
        problems.append(
            _problem(
                where,
                (f"{number} m² is implausibly large", f"{number} ㎡ 大得不合理"),
                (
                    "check the unit: the contract wants whole m² (1 万㎡ = 10,000 m²)",
                    "请检查单位：本数据要求整平方米（1 万㎡ = 10,000 ㎡）",
                ),
            )
        )


def _holds_plain_numbers(column: pd.Series) -> bool:
    """Whether every cell of ``column`` is a number or empty.

    Booleans and text (even text that reads as a number, like ``"1,000"``) are not plain numbers:
    they are left to the cell-by-cell check, which alone decides what they mean.
    """
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_integer_dtype(column) or pd.api.types.is_float_dtype(column):
        return True
    if column.dtype != object:
        return False
    if pd.api.types.infer_dtype(column, skipna=True) in _PLAIN_KINDS and not _has_nat(column):
        return True  # numbers and empties only, found in C; anything else is looked at cell by cell
    return all(_is_missing(v) or (isinstance(v, _NUMBERS) and not isinstance(v, _BOOLS)) for v in column.tolist())


#: What :func:`pandas.api.types.infer_dtype` calls a column of plain numbers (missing cells skipped).
_PLAIN_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "empty"})


def _has_nat(column: pd.Series) -> bool:
    """Whether a cell is NaT, which ``isna`` skips but :func:`_is_missing` does not."""
    return bool(column.isna().any()) and bool(_missing_mask(column).sum() != column.isna().sum())


def _plain_numbers(column: pd.Series) -> npt.NDArray[np.float64] | None:
    """``column`` as floats (empty: NaN) when it holds plain numbers (:func:`_holds_plain_numbers`), else None."""
    if not _holds_plain_numbers(column):
        return None
    return column.to_numpy(dtype="float64", na_value=np.nan)


def _cells_to_check(spec: Field, column: pd.Series) -> Iterable[int]:
    """Positions of ``column`` that need the cell-by-cell check of ``spec``: all but those plainly fine.

    A numeric column is screened with numpy first (empty where allowed, whole, ≥ 0, a plausible year
    or area), so only the suspect cells are looked at one by one; the cell check alone decides what is
    wrong and says so. Text that may be empty needs no check. This keeps 100,000 carriers to a blink.
    """
    everything = range(len(column))
    if spec.kind != "int":
        if spec.nullable:
            return ()
        if not pd.api.types.is_string_dtype(column):
            return everything
        text = column.astype("string")
        return np.flatnonzero((text.isna() | (text.str.strip() == "")).to_numpy(dtype=bool, na_value=True))
    number = _plain_numbers(column)
    if number is None:
        return everything
    missing = column.isna().to_numpy()
    with np.errstate(invalid="ignore"):
        fine = (number == np.floor(number)) & (number >= 0)
        if spec.name.endswith("_year"):
            fine &= (number >= _YEAR_RANGE[0]) & (number <= _YEAR_RANGE[1])
        if spec.name.endswith("_m2"):
            fine &= number <= _MAX_AREA_M2
    fine = np.where(missing, spec.nullable, fine)
    return np.flatnonzero(~fine)


def _check_fields(frame: pd.DataFrame, fields: tuple[Field, ...], problems: list[Problem]) -> None:
    for spec in fields:
        doc_en = spec.doc or _KIND_DOCS[spec.kind].en
        doc_zh = spec.doc_zh or _KIND_DOCS[spec.kind].zh
        if spec.name not in frame.columns:
            if spec.required:
                problems.append(
                    _problem(
                        ("columns", "字段"),
                        (
                            f"the required field {spec.name!r} is missing",
                            f"缺少必填字段“{field_label(spec.name, 'zh')}”（{spec.name}）",
                        ),
                        (
                            f"add a {spec.name!r} property to every feature ({doc_en})"
                            + ("; leave it empty (null) where unknown" if spec.nullable else ""),
                            f"请为每个要素添加“{field_label(spec.name, 'zh')}”属性（{doc_zh}）"
                            + ("；未知则留空" if spec.nullable else ""),
                        ),
                    )
                )
            continue
        column = frame[spec.name]
        positions = np.asarray(_cells_to_check(spec, column), dtype=np.int64)
        for position, value in zip(positions.tolist(), column.iloc[positions].tolist(), strict=True):
            where = _LazyAt(frame, position, spec.name)
            if spec.kind == "int":
                _check_int(spec, value, where, problems)
            elif (_is_missing(value) or str(value).strip() == "") and not spec.nullable:
                problems.append(
                    _problem(where, ("is empty", "为空"), (f"give it a value ({doc_en})", f"请填写（{doc_zh}）"))
                )


def _check_ids(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if "id" not in frame.columns:
        return
    ids = _id_texts(frame["id"])
    repeated = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
    if repeated.any():  # one pass: rows grouped by id, ids in sorted order
        rows_of = pd.Series(np.flatnonzero(repeated) + 1).groupby(ids[repeated].to_numpy(), sort=True).agg(list)
        for value, rows in rows_of.items():
            problems.append(duplicate_id_problem(str(value), [int(r) for r in rows]))
    for reserved in (OUTSIDE, TOTAL):
        if (ids == reserved).any():
            problems.append(
                _problem(
                    (f"id {reserved!r}", f"id {reserved!r}"),
                    ("is reserved for summary rows", "是汇总行的保留名称"),
                    ("give the feature another id", "请为该要素改用其他 id"),
                )
            )


def _has_geometry(frame: pd.DataFrame, problems: list[Problem]) -> bool:
    if isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name in frame.columns:
        return True
    problems.append(
        _problem(
            ("geometry", "几何"),
            ("the file has no geometry (no outlines)", "文件没有几何列（没有边界）"),
            (
                "export the layer with its polygons, e.g. as GeoJSON in WGS-84",
                "请连同面状边界一起导出，例如导出为 WGS-84 的 GeoJSON",
            ),
        )
    )
    return False


def _check_crs(frame: gpd.GeoDataFrame, problems: list[Problem]) -> None:
    if frame.crs is None:
        problems.append(
            _problem(
                ("CRS", "坐标系"),
                ("the file declares no coordinate reference system", "文件未声明坐标参考系"),
                (
                    "save it as GeoJSON (WGS-84 longitude/latitude) or set the CRS in your GIS before exporting",
                    "请另存为 GeoJSON（WGS-84 经纬度），或先在 GIS 软件中设定坐标系再导出",
                ),
            )
        )
    elif not frame.crs.is_geographic or frame.crs.to_epsg() not in (4326, 4490, None):
        name = frame.crs.name
        problems.append(
            _problem(
                ("CRS", "坐标系"),
                (
                    f"coordinates are in {name}, not WGS-84 longitude/latitude",
                    f"坐标为 {name}，不是 WGS-84 经纬度",
                ),
                (
                    "reproject to EPSG:4326 (WGS-84) in your GIS, or upload it in the app, which converts",
                    "请在 GIS 软件中转换为 EPSG:4326（WGS-84），或在页面中上传（页面会自动转换）",
                ),
            )
        )


def _check_degrees(frame: gpd.GeoDataFrame, problems: list[Problem]) -> None:
    """Coordinates outside ±180/±90 in a file that declares longitude/latitude are not degrees."""
    if frame.crs is None or not frame.crs.is_geographic or not len(frame):
        return
    bounds = shapely.bounds(frame.geometry.to_numpy())  # NaN for missing or empty geometries
    with np.errstate(invalid="ignore"):
        bad = (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    positions = np.flatnonzero(bad)
    if not len(positions):
        return
    maxx, maxy = np.nanmax(np.abs(bounds[positions][:, [0, 2]])), np.nanmax(np.abs(bounds[positions][:, [1, 3]]))
    labels = [_row_label(frame, int(p)) for p in positions[:_LIST_AT_MOST]]
    more = len(positions) - len(labels)
    rows_en = "; ".join(en for en, _ in labels) + (f"; and {more} more" if more else "")
    rows_zh = "；".join(zh for _, zh in labels) + (f"；另有 {more} 行" if more else "")
    problems.append(
        _problem(
            (f"coordinates of {rows_en}", f"{rows_zh}的坐标"),
            (
                (
                    f"values up to ({maxx:.0f}, {maxy:.0f}) are not degrees: the file declares WGS-84 "
                    "longitude/latitude, which lie within ±180 and ±90"
                ),
                (
                    f"坐标值达到 ({maxx:.0f}, {maxy:.0f})，不是以度为单位的经纬度：文件声明为 WGS-84 经纬度，"
                    "经度应在 ±180、纬度应在 ±90 以内"
                ),
            ),
            (
                "these look like projected metres: declare their real CRS (e.g. EPSG:4549) and reproject to EPSG:4326",
                "这些看起来是投影坐标（米）：请声明其实际坐标系（如 EPSG:4549）并转换为 EPSG:4326",
            ),
        )
    )


def _check_geometry(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if not _has_geometry(frame, problems):
        return
    _check_crs(frame, problems)
    draw = ("draw the outline as a Polygon or MultiPolygon", "请绘制面状边界（Polygon 或 MultiPolygon）")
    geoms = frame.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)  # -1 for a missing geometry
    fine = np.isin(kinds, (3, 6)) & ~shapely.is_empty(geoms) & shapely.is_valid(geoms)
    for position in np.flatnonzero(~fine).tolist():  # the cell-by-cell check says what is wrong
        geom = geoms[position]
        where = _LazyAt(frame, position, "geometry")
        if geom is None:
            problems.append(_problem(where, ("is missing", "缺失"), draw))
        elif shapely.is_empty(geom):
            problems.append(_problem(where, ("is empty", "为空"), draw))
        elif kinds[position] not in (3, 6):
            problems.append(
                _problem(
                    where,
                    (f"is a {geom.geom_type}, not a polygon", f"是 {geom.geom_type}，不是面"),
                    (
                        "carriers and zones are areas: give each a Polygon or MultiPolygon",
                        "载体和片区都是面状要素：请为每个要素提供 Polygon 或 MultiPolygon",
                    ),
                )
            )
        elif not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            problems.append(
                _problem(
                    where,
                    (f"is invalid ({reason})", f"几何无效（{reason}）"),
                    (
                        "repair it (e.g. shapely.make_valid, or your GIS's 'fix geometries')",
                        "请修复（如 shapely.make_valid，或 GIS 软件中的“修复几何”工具）",
                    ),
                )
            )
    _check_degrees(frame, problems)


def _check_status(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if "status" not in frame.columns:
        return
    column = frame["status"]
    present = np.flatnonzero(~_missing_mask(column))
    text = _stripped(column, present)
    wrong = present[((text != "") & ~text.isin(list(STATUSES))).to_numpy(dtype=bool)]
    values = column.to_numpy(dtype=object)
    for position in wrong.tolist():
        value = values[position]
        problems.append(
            _problem(
                _at(frame, position, "status"),
                (f"{value!r} is not a known status", f"{value!r} 不是可识别的状态"),
                (
                    f"use one of: {', '.join(STATUSES)}",
                    "请使用以下之一：" + "、".join(f"{s}（{_STATUS_ZH[s]}）" for s in STATUSES),
                ),
            )
        )


def _check_zone_types(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if "type" not in frame.columns:
        return
    for position, value in enumerate(frame["type"].tolist()):
        if not _is_missing(value) and str(value).strip() in _RESERVED_ZONE_TYPES:
            problems.append(
                _problem(
                    _at(frame, position, "type"),
                    (
                        f"{value!r} is reserved: summaries 'by status' group carriers by their status",
                        f"{value!r} 是保留名称：“按状态”汇总按载体状态分组",
                    ),
                    (
                        "name the zone type differently, e.g. 'pole' or 'belt'",
                        "请改用其他片区类型名，如 'pole' 或 'belt'",
                    ),
                )
            )


_CYCLE_SHOWN = 12  # a cycle's path is listed up to this many carriers


def _check_parents(frame: pd.DataFrame, problems: list[Problem]) -> None:
    if "id" not in frame.columns or "parent_id" not in frame.columns:
        return
    links = nesting.parent_links(frame["id"].tolist(), frame["parent_id"].tolist())
    if not links:  # no carrier names a parent (a city's footprints): nothing to check
        return
    ids = _id_texts(frame["id"]).reset_index(drop=True)
    ids = ids[ids.notna()]
    first = ids[~ids.duplicated()]
    positions: dict[str, int] = dict(zip(first.tolist(), first.index.tolist(), strict=True))
    for child, parent in links.items():
        if parent == child:
            problems.append(
                _problem(
                    _at(frame, positions[child], "parent_id"),
                    ("names the carrier itself as its parent", "把自身设为母载体"),
                    ("clear its parent_id", "请清空其 parent_id"),
                )
            )
        elif parent not in positions:
            problems.append(
                _problem(
                    _at(frame, positions[child], "parent_id"),
                    (f"names an unknown parent {parent!r}", f"指向不存在的母载体 {parent!r}"),
                    (
                        "use the id of another carrier in the same file, or leave it empty",
                        "请填写同一文件中另一载体的 id，或留空",
                    ),
                )
            )
    for members in nesting.cycles(links):
        if len(members) < 2:  # a carrier naming itself is reported above
            continue
        shown = members if len(members) <= _CYCLE_SHOWN else [*members[: _CYCLE_SHOWN - 1], "…"]
        cycle = " → ".join([*shown, members[0]])
        if len(members) > _CYCLE_SHOWN:
            cycle += f"; {len(members):,} carriers"
        problems.append(
            _problem(
                _at(frame, positions[members[0]], "parent_id"),
                (f"parent_id forms a cycle ({cycle})", f"parent_id 形成循环（{cycle}）"),
                (
                    "break the cycle: clear the parent_id of the top-most carrier in it",
                    "请打断循环：清空其中最上层载体的 parent_id",
                ),
            )
        )


def _known_list(ids: set[str]) -> str:
    shown = sorted(ids)[:10]
    return ", ".join(shown) + (", …" if len(ids) > len(shown) else "")


def _check_zone_refs(frame: pd.DataFrame, zone_ids: set[str] | None, problems: list[Problem]) -> None:
    if zone_ids is None or "zone_ids" not in frame.columns:
        return
    known = _known_list(zone_ids) or "none"
    for position, unknown in _unknown_refs(frame["zone_ids"], zone_ids):
        if unknown:
            names = ", ".join(map(repr, unknown))
            problems.append(
                _problem(
                    _at(frame, position, "zone_ids"),
                    (f"names unknown zone(s) {names}", f"引用了不存在的片区 {names}"),
                    (
                        f"use ids from the zones file ({known}), separated by ';'",
                        f"请使用片区文件中的 id（{known}），多个以 ';' 分隔",
                    ),
                )
            )


def _check_source_refs(frame: pd.DataFrame, source_ids: set[str] | None, problems: list[Problem]) -> None:
    if source_ids is None or "source_ids" not in frame.columns:
        return
    for position, unknown in _unknown_refs(frame["source_ids"], source_ids):
        if unknown:
            names = ", ".join(map(repr, unknown))
            problems.append(
                _problem(
                    _at(frame, position, "source_ids"),
                    (f"cites unknown source(s) {names}", f"引用了不存在的来源 {names}"),
                    (
                        "add them to the sources table or correct the ids",
                        "请在来源表中补充这些来源，或更正 id",
                    ),
                )
            )


def validate_carriers(
    frame: gpd.GeoDataFrame,
    *,
    zone_ids: set[str] | None = None,
    source_ids: set[str] | None = None,
) -> list[Problem]:
    """Every way ``frame`` breaks the carriers contract (empty list when it is sound).

    ``zone_ids`` and ``source_ids``, when given, are the ids that ``zone_ids`` and ``source_ids``
    cells may name. Each :class:`Problem` names the row (and id), says what is wrong and how to
    fix it, in English and 中文.
    """
    problems: list[Problem] = []
    _check_rows(frame, problems)
    _check_fields(frame, CARRIER_FIELDS, problems)
    _check_ids(frame, problems)
    _check_status(frame, problems)
    _check_parents(frame, problems)
    _check_zone_refs(frame, zone_ids, problems)
    _check_source_refs(frame, source_ids, problems)
    _check_geometry(frame, problems)
    return problems


def validate_zones(frame: gpd.GeoDataFrame, *, source_ids: set[str] | None = None) -> list[Problem]:
    """Every way ``frame`` breaks the zones contract (empty list when it is sound)."""
    problems: list[Problem] = []
    _check_rows(frame, problems)
    _check_fields(frame, ZONE_FIELDS, problems)
    _check_ids(frame, problems)
    _check_zone_types(frame, problems)
    _check_source_refs(frame, source_ids, problems)
    _check_geometry(frame, problems)
    return problems


def zone_ref_problems(frame: gpd.GeoDataFrame, zone_ids: set[str]) -> list[Problem]:
    """The part of :func:`validate_carriers` that depends on the zones: ``zone_ids`` naming unknown zones.

    For carriers that already passed :func:`validate_carriers` on their own (without ``zone_ids``):
    checked against the zones they are used with, this gives the same problems as the whole check.
    """
    problems: list[Problem] = []
    _check_zone_refs(frame, zone_ids, problems)
    return problems


def geometry_problems(frame: gpd.GeoDataFrame) -> list[Problem]:
    """What is wrong with ``frame``'s outlines (missing, empty, not a polygon, invalid), row by row.

    The geometry part of :func:`validate_carriers` and :func:`validate_zones`, for callers that
    were handed frames without validating them (the roll-up raises it as a :class:`DataError`).
    """
    problems: list[Problem] = []
    _check_geometry(frame, problems)
    return problems


def _normalize(frame: gpd.GeoDataFrame, fields: tuple[Field, ...]) -> gpd.GeoDataFrame:
    out = frame.copy()
    for spec in fields:
        if spec.name not in out.columns:
            out[spec.name] = pd.Series(pd.NA, index=out.index, dtype="Int64" if spec.kind == "int" else object)
            continue
        column = out[spec.name]
        if spec.kind == "int":
            # Validated, so plain numbers are whole: convert them at once; anything else cell by cell.
            number = _plain_numbers(column)
            if number is not None and not (np.abs(number) >= 2**53).any():  # whole and exact as floats
                missing = np.isnan(number)
                out[spec.name] = pd.arrays.IntegerArray(np.where(missing, 0, number).astype(np.int64), missing)
            elif number is not None:
                out[spec.name] = pd.array(column.to_numpy(dtype=object), dtype="Int64")
            else:
                out[spec.name] = pd.array([_as_int(v) for v in column.tolist()], dtype="Int64")
        elif isinstance(column.dtype, pd.StringDtype) or (column.dtype == object and _text_or_missing(column)):
            text = column.astype("string").str.strip()
            kept = (text.notna() & (text != "")).fillna(value=False).astype(bool)
            out[spec.name] = text.astype(object).where(kept, None)
        else:
            out[spec.name] = pd.Series(
                [None if _is_missing(v) or str(v).strip() == "" else str(v).strip() for v in column.tolist()],
                index=out.index,
                dtype=object,
            )
    if out.crs is not None and out.crs.to_epsg() != 4326 and out.crs.is_geographic:
        # CGCS2000 (EPSG:4490) agrees with WGS-84 to well under a metre: relabel, don't shift.
        out = out.set_crs(4326, allow_override=True)
    ordered = [f.name for f in fields]
    extra = [c for c in out.columns if c not in ordered and c != out.geometry.name]
    return out[[*ordered, *extra, out.geometry.name]].reset_index(drop=True)


def normalize_carriers(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Carriers with contract dtypes: Int64 figures, stripped text, None for empty, EPSG:4326.

    Call only on a frame that :func:`validate_carriers` passed.
    """
    return _normalize(frame, CARRIER_FIELDS)


def normalize_zones(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Zones with contract dtypes; call only on a frame that :func:`validate_zones` passed."""
    return _normalize(frame, ZONE_FIELDS)
