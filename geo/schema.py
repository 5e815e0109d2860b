"""The data contract: fields of carriers, zones and sources, and their validation.

Every problem in a file is collected and reported at once, each naming the row (by id where it has
one), saying what is wrong and how to fix it, in English and 中文. A file with any problem never
yields a partial result: callers get a :class:`DataError` carrying the whole list, which
:meth:`DataError.report` renders in either language.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
    "FrameCells",
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
    "same_cells",
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


def _missing_mask(column: pd.Series, isna: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.bool_]:
    """:func:`_is_missing` of every cell, at array speed: pandas' ``isna`` (given, or found), less what it alone
    calls missing."""
    mask = (column.isna().to_numpy(dtype=bool) if isna is None else isna).copy()
    if mask.any() and not (column.dtype.kind in "fiu" or isinstance(column.dtype, pd.StringDtype)):
        positions = np.flatnonzero(mask)
        cells = column.to_numpy(dtype=object)[positions]
        # None, NA and Python (or NumPy double) NaN are missing by type; only other kinds pandas calls
        # missing (NaT, a float32 NaN: not missing here) are looked at one by one. None, by far the
        # commonest, is found in one pass; the type of the rest is looked up.
        named = cells != None  # noqa: E711 - elementwise
        positions, cells = positions[named], cells[named]
        odd = ~pd.Series(cells, dtype=object, copy=False).map(type).isin(_MISSING_TYPES).to_numpy(dtype=bool)
        for at in np.flatnonzero(odd).tolist():
            mask[positions[at]] = _is_missing(cells[at])
    return mask


#: Types whose values ``isna`` calls missing and :func:`_is_missing` does too (NaN for the floats).
_MISSING_TYPES = (type(None), type(pd.NA), float, np.float64)


#: How the cells' text is held when Arrow can hold it: pandas' text dtype, NaN where missing.
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def _arrow_text(column: pd.Series, missing: npt.NDArray[np.bool_]) -> pa.Array | None:
    """``str(value)`` of every cell not missing (null where missing) as Arrow text, when that needs no Python per cell.

    Text columns (pandas' text dtypes, or objects that are all ``str``) and integer columns qualify;
    None for anything else (floats, booleans, dates, mixed objects), which :class:`_Cells` reads cell by cell.
    """
    dtype = column.dtype
    arrow_text = isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
    )
    # str() of an integer is its digits, as Arrow writes them.
    if isinstance(dtype, pd.StringDtype) or arrow_text or pd.api.types.is_integer_dtype(dtype):
        array = pa.array(column.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        return array.cast(pa.large_string())
    if not pd.api.types.is_object_dtype(dtype):
        return None
    if missing.all():  # an empty column (a city's footprints name no parent)
        return pa.nulls(len(column), pa.large_string())
    values = column.to_numpy(dtype=object)
    present = values[~missing]
    if len(present) and pd.api.types.infer_dtype(present, skipna=False) != "string":
        return None
    cells = values.copy()
    cells[missing] = None
    return pa.array(cells, type=pa.large_string())


class _Cells:
    """One column's cells as the contract reads them, each reading made once and shared by every check.

    :attr:`missing` is :func:`_is_missing` of every cell; :attr:`text` is ``str(value).strip()`` of
    every other cell (NaN where missing), held by Arrow wherever it can be (text and integer columns:
    no Python per cell) and cell by cell otherwise; :attr:`arrow` is that text as Arrow, or None.
    """

    __slots__ = ("_arrow", "_isna", "_missing", "_numbers", "_objects", "_text", "column")

    def __init__(self, column: pd.Series) -> None:
        self.column = column.reset_index(drop=True)
        self._isna: npt.NDArray[np.bool_] | None = None
        self._missing: npt.NDArray[np.bool_] | None = None
        self._text: pd.Series | None = None
        self._arrow: pa.Array | None = None
        self._numbers: tuple[npt.NDArray[np.float64] | None] | None = None
        self._objects: pd.Series | None = None  # text_objects(blank=False), once made

    @property
    def isna(self) -> npt.NDArray[np.bool_]:
        """pandas' ``isna`` of every cell (NaT and float32 NaN too, unlike :attr:`missing`)."""
        if self._isna is None:
            self._isna = self.column.isna().to_numpy(dtype=bool)
        return self._isna

    @property
    def missing(self) -> npt.NDArray[np.bool_]:
        """:func:`_is_missing` of every cell."""
        if self._missing is None:
            self._missing = _missing_mask(self.column, self.isna)
        return self._missing

    @property
    def numbers(self) -> npt.NDArray[np.float64] | None:
        """The cells as floats (NaN where ``isna``) when they are plain numbers (:func:`_holds_plain_numbers`)."""
        if self._numbers is None:
            self._numbers = (_plain_numbers(self.column, self),)
        return self._numbers[0]

    @property
    def text(self) -> pd.Series:
        """``str(value).strip()`` of every cell that is not missing, NaN (or None) where it is; index 0…n-1."""
        if self._text is None:
            self._read()
        assert self._text is not None  # noqa: S101 - set by _read
        return self._text

    @property
    def arrow(self) -> pa.Array | None:
        """:attr:`text` as Arrow (null where missing), or None when Arrow cannot hold it (a lone surrogate)."""
        if self._text is None:
            self._read()
        return self._arrow

    def _read(self) -> None:
        try:
            raw = _arrow_text(self.column, self.missing)
        except (pa.ArrowException, UnicodeError):  # text Arrow cannot hold: read cell by cell
            raw = None
        if raw is not None:
            self._arrow = pc.utf8_trim_whitespace(raw)  # the same characters as str.strip()
            self._text = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([self._arrow]), dtype=_TEXT))
            return
        present = np.flatnonzero(~self.missing)
        out = np.full(len(self.column), None, dtype=object)
        cells = self.column.to_numpy(dtype=object)[present]
        out[present] = pd.Series(cells, dtype=object, copy=False).map(str).str.strip().to_numpy(dtype=object)
        try:
            self._arrow = pa.array(out, type=pa.large_string())
        except (pa.ArrowException, UnicodeError):
            self._arrow = None
            self._text = pd.Series(out, dtype=object, copy=False)
            return
        self._text = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([self._arrow]), dtype=_TEXT))

    def present_text(self) -> npt.NDArray[np.bool_]:
        """Cells that are neither missing nor blank (``str(value).strip() != ""``)."""
        return ~self.missing & (self.text != "").to_numpy(dtype=bool)

    def text_objects(self, *, blank: bool = True) -> pd.Series:
        """:attr:`text` as Python objects, None where missing (and where blank unless ``blank``); index 0…n-1.

        Without blanks it is made once (normalizing reads it after the checks, or :meth:`FrameCells.warm`
        made it ahead): don't change the Series returned.
        """
        if not blank and self._objects is not None:
            return self._objects
        if self.arrow is None:
            out = self.text.to_numpy(dtype=object, copy=True)
            out[self.missing] = None
        else:
            out = _objects(self.arrow)
        if not blank:
            out[~self.present_text()] = None
            self._objects = pd.Series(out, dtype=object, copy=False)
            return self._objects
        return pd.Series(out, dtype=object, copy=False)

    def warm(self, kind: Kind) -> None:
        """Make every reading the contract check and normalizing take of a column of ``kind``, now."""
        if kind == "int":
            _ = self.isna, self.numbers  # plain numbers need no other reading
        else:
            self.text_objects(blank=False)  # reads which cells are missing, and their text


def _objects(text: pa.Array) -> npt.NDArray[np.object_]:
    """Arrow text as Python strings (None where null); a column of few distinct values shares its strings."""
    sample = text.slice(0, 4096)
    if len(text) > 2 * len(sample) and len(pc.unique(sample)) <= 64:  # kinds, statuses: one string each
        encoded = pc.dictionary_encode(text)
        words = np.append(encoded.dictionary.to_numpy(zero_copy_only=False), None)
        codes = encoded.indices.fill_null(len(words) - 1).to_numpy()
        return words[codes]
    return text.to_numpy(zero_copy_only=False)


def _memory(values: pd.Series) -> tuple[object, ...] | None:
    """Where a column's values lie: numpy's buffer or Arrow's buffers, with their type; None for other arrays."""
    if isinstance(values.dtype, np.dtype):
        array = values.to_numpy(copy=False)
        return ("numpy", array.__array_interface__["data"][0], array.shape, array.strides, array.dtype.str)
    arrow = getattr(values.array, "_pa_array", None)  # pandas' Arrow-backed arrays (the text of the reader)
    if isinstance(arrow, pa.ChunkedArray):
        chunks = tuple(
            (chunk.offset, len(chunk), tuple(0 if b is None else b.address for b in chunk.buffers()))
            for chunk in arrow.chunks
        )
        return ("arrow", str(arrow.type), chunks)
    return None


def same_cells(a: pd.Series, b: pd.Series) -> bool:
    """Whether two columns are views of the very same values: same dtype, same memory, same length.

    Cheap (no value is compared): for numpy columns the buffer, shape and strides; for pandas' Arrow
    columns each chunk's buffers, offset and length. Columns of other arrays are never called the same.

    >>> column = pd.Series(["a", "b"], dtype=object)
    >>> same_cells(column, column.reset_index(drop=True)), same_cells(column, column.copy())
    (True, False)
    """
    if a.dtype != b.dtype or len(a) != len(b):
        return False
    where = _memory(a)
    return where is not None and where == _memory(b)


class FrameCells:
    """A frame's cells as the data contract reads them, each column read once, and the places of its problems.

    Validation reads every column (which cells are missing, their trimmed text, their plain numbers) and
    normalization needs the same readings. Give one ``FrameCells`` of a frame to :func:`validate_carriers`
    and then to :func:`normalize_carriers` (or to the zones' pair), and the cells are read once; the frame
    must not change in between. Without it each function reads what it needs itself.

    ``outlines_valid=True`` says that every outline of the frame already passed :func:`shapely.is_valid`
    (the reader's repair step checks each one, and a read in which it repaired none is such a frame):
    the check of outlines then does not run it again, and finds what else may be wrong with them
    (missing, empty, not a polygon, not in degrees). Say it only of outlines checked exactly so.

    >>> frame = pd.DataFrame({"id": [" a ", "b"], "type": ["pole", "status"]})
    >>> cells = FrameCells(frame)
    >>> cells["id"].text.tolist()
    ['a', 'b']
    >>> [p.where for p in validate_zones(frame, cells=cells)][-2:]
    ["row 2 (id 'b'), field 'type'", 'geometry']
    """

    __slots__ = ("_ids", "_named", "cells", "frame", "outlines_valid")

    #: Up to this many problems are placed one by one; past it the ids are read for all rows at once.
    _ONE_BY_ONE = 200

    def __init__(self, frame: pd.DataFrame, *, outlines_valid: bool = False, read: FrameCells | None = None) -> None:
        self.frame = frame
        self.outlines_valid = outlines_valid
        self.cells: dict[str, _Cells] = {}
        self._named = 0
        self._ids: npt.NDArray[np.object_] | None = None
        if read is not None and frame.columns.is_unique:
            # Readings made of these very columns (in another frame: the reader's attributes, sent ahead
            # of the outlines) are these columns' readings: each is taken over when it is the same memory.
            for name, cells in read.cells.items():
                if name in frame.columns and same_cells(frame[name], cells.column):
                    self.cells[name] = cells

    def warm(self, fields: tuple[Field, ...]) -> None:
        """Read the cells of each of ``fields`` the frame has, as the checks and normalizing will.

        For a thread of its own while the caller waits for something else (the reader's worker
        checking outlines): a :class:`FrameCells` of a frame with the same columns then takes the
        readings over (``read=``). Once this runs, use this object from one thread only.
        """
        for spec in fields:
            if spec.name in self.cells:
                self.cells[spec.name].warm(spec.kind)

    def prepare(self, fields: tuple[Field, ...]) -> FrameCells:
        """Make the (unread) cells of each of ``fields`` the frame has, in this thread; ``self``.

        The step before :meth:`warm` in another thread: only the reading is left to that thread.
        """
        if self.frame.columns.is_unique:
            for spec in fields:
                if spec.name in self.frame.columns:
                    _ = self[spec.name]
        return self

    def at(self, position: int, part: str) -> tuple[str, str]:
        """:func:`_at` of the frame: (English, Chinese) place of a field or of the geometry of a row."""
        self._named += 1
        if self._named <= self._ONE_BY_ONE or "id" not in self.frame.columns:
            return _at(self.frame, position, part)
        if self._ids is None:  # many problems (a file naming a missing zone in every row): one read of the ids
            self._ids = self["id"].text_objects(blank=False).to_numpy()
        return _in_row(_named_row(position, self._ids[position]), part)

    def __getitem__(self, name: str) -> _Cells:
        """The cells of column ``name``, read when first asked for."""
        if name not in self.cells:
            self.cells[name] = _Cells(self.frame[name])
        return self.cells[name]


def _id_texts(column: pd.Series) -> pd.Series:
    """Each cell as its id text (``str(value).strip()``), None where missing; same index as ``column``."""
    return _Cells(column).text_objects().set_axis(column.index)


def _unknown_refs(column: pd.Series, known: set[str], cells: _Cells | None = None) -> list[tuple[int, list[str]]]:
    """(position, ids not in ``known``) per cell whose ``;``-list names any, as :func:`split_ids` reads it.

    The lists are split and looked up by Arrow; only the cells found naming an unknown id are read in Python.
    """
    cells = cells or _Cells(column)
    text = cells.arrow
    names = [k for k in known if isinstance(k, str)]
    try:
        value_set = pa.array(names, type=pa.large_string())
    except (pa.ArrowException, UnicodeError):
        text = None
    if text is None:
        return _unknown_refs_by_cell(cells, known)
    lists = pc.split_pattern(text, ";")
    parts = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    unknown = pc.and_(pc.not_equal(parts, ""), pc.invert(pc.is_in(parts, value_set=value_set)))
    keep = unknown.to_numpy(zero_copy_only=False)
    rows = pc.list_parent_indices(lists).to_numpy()[keep]  # rising: the parts are in row order
    if not len(rows):
        return []
    names = parts.filter(pa.array(keep)).to_pylist()
    bounds = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1], True])
    return [(int(rows[a]), names[a:b]) for a, b in itertools.pairwise(bounds.tolist())]


def _unknown_refs_by_cell(cells: _Cells, known: set[str]) -> list[tuple[int, list[str]]]:
    """:func:`_unknown_refs` for text Arrow cannot hold: split with pandas."""
    present = np.flatnonzero(~cells.missing)
    if not len(present):
        return []
    parts = pd.Series(cells.text.to_numpy(dtype=object)[present], dtype=object).str.split(";").explode()
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
            return _named_row(position, str(value).strip())
    return _named_row(position, None)


def _named_row(position: int, ident: str | None) -> tuple[str, str]:
    """(English, Chinese) name of the row at ``position`` whose id (trimmed, not blank) is ``ident``."""
    if ident is None:
        return f"row {position + 1}", f"第 {position + 1} 行"
    return f"row {position + 1} (id {ident!r})", f"第 {position + 1} 行（id {ident!r}）"


def _in_row(label: tuple[str, str], part: str) -> tuple[str, str]:
    """(English, Chinese) place of a field (``part`` a field name) or of the geometry in the row ``label`` names."""
    en, zh = label
    if part == "geometry":
        return f"{en}, geometry", f"{zh}，几何"
    return f"{en}, field {part!r}", f"{zh}，字段 {part!r}"


def _at(frame: pd.DataFrame, position: int, part: str) -> tuple[str, str]:
    """(English, Chinese) place of a field (``part`` a field name) or of the row's geometry."""
    return _in_row(_row_label(frame, position), part)


class _LazyAt:
    """The (English, Chinese) place of a cell, built only when a problem is recorded there.

    Checking a file visits every cell; naming the place (row number and id) for each one up front
    cost seconds on ten thousand carriers, for the few cells that turn out to have a problem.
    """

    __slots__ = ("part", "place", "position", "views")

    def __init__(self, views: FrameCells, position: int, part: str) -> None:
        self.views, self.position, self.part = views, position, part
        self.place: tuple[str, str] | None = None

    def __getitem__(self, index: int) -> str:
        if self.place is None:
            self.place = self.views.at(self.position, self.part)
        return self.place[index]


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


def _holds_plain_numbers(column: pd.Series, cells: _Cells | None = None) -> bool:
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
    if pd.api.types.infer_dtype(column, skipna=True) in _PLAIN_KINDS and not _has_nat(column, cells):
        return True  # numbers and empties only, found in C; anything else is looked at cell by cell
    return all(_is_missing(v) or (isinstance(v, _NUMBERS) and not isinstance(v, _BOOLS)) for v in column.tolist())


#: What :func:`pandas.api.types.infer_dtype` calls a column of plain numbers (missing cells skipped).
_PLAIN_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "empty"})


def _has_nat(column: pd.Series, cells: _Cells | None = None) -> bool:
    """Whether a cell is NaT, which ``isna`` skips but :func:`_is_missing` does not."""
    cells = cells or _Cells(column)
    return bool(cells.isna.any()) and bool(cells.missing.sum() != cells.isna.sum())


def _plain_numbers(column: pd.Series, cells: _Cells | None = None) -> npt.NDArray[np.float64] | None:
    """``column`` as floats (empty: NaN) when it holds plain numbers (:func:`_holds_plain_numbers`), else None."""
    if not _holds_plain_numbers(column, cells):
        return None
    if column.dtype != object:
        return column.to_numpy(dtype="float64", na_value=np.nan)
    values = column.to_numpy(dtype=object)
    number = np.full(len(values), np.nan)
    present = ~(cells.isna if cells is not None else column.isna().to_numpy(dtype=bool))
    number[present] = values[present].astype(np.float64)
    return number


#: Text a cell may hold that is plainly a whole number ≥ 0 (after ',' and '_' are taken out), exact as a float.
_DIGITS = r"^[0-9]{1,15}$"


def _text_numbers(cells: _Cells) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]] | None:
    """Text cells read as :func:`_as_int` reads them, at Arrow speed, where that is plain: None for other columns.

    Returns (number, empty): the value of each cell holding plain digits (NaN for any other text: a
    sign, a decimal point, an exponent, words, which only the cell-by-cell check may judge), and the
    cells :func:`_as_int` calls empty (missing, or blank once ',' and '_' are taken out).
    """
    dtype = cells.column.dtype
    if cells.arrow is None or not (pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)):
        return None
    text = pc.replace_substring(pc.replace_substring(cells.arrow, ",", ""), "_", "")
    empty = cells.missing | pc.fill_null(pc.equal(text, ""), False).to_numpy(zero_copy_only=False)
    digits = pc.fill_null(pc.match_substring_regex(text, _DIGITS), False).to_numpy(zero_copy_only=False)
    number = np.full(len(cells.missing), np.nan)
    if digits.any():
        number[digits] = pc.cast(pc.filter(text, pa.array(digits)), pa.int64()).to_numpy().astype(np.float64)
    return number, empty


def _cells_to_check(spec: Field, column: pd.Series, cells: _Cells | None = None) -> npt.NDArray[np.int64]:
    """Positions of ``column`` that need the cell-by-cell check of ``spec``: all but those plainly fine.

    A numeric column (or text of plain digits) is screened with numpy first (empty where allowed, whole,
    ≥ 0, a plausible year or area), so only the suspect cells are looked at one by one; the cell check
    alone decides what is wrong and says so. Text is screened for blanks by Arrow. This keeps a
    million carriers to a blink.
    """
    cells = cells or _Cells(column)
    if spec.kind != "int":
        if spec.nullable:
            return np.empty(0, dtype=np.int64)
        return np.flatnonzero(~cells.present_text())
    number, missing = cells.numbers, cells.isna
    if number is None:
        read = _text_numbers(cells)
        if read is None:
            return np.arange(len(column))
        number, missing = read
    with np.errstate(invalid="ignore"):
        fine = (number == np.floor(number)) & (number >= 0)
        if spec.name.endswith("_year"):
            fine &= (number >= _YEAR_RANGE[0]) & (number <= _YEAR_RANGE[1])
        if spec.name.endswith("_m2"):
            fine &= number <= _MAX_AREA_M2
    fine = np.where(missing, spec.nullable, fine)  # text that is not plain digits is NaN: checked cell by cell
    return np.flatnonzero(~fine)


def _check_fields(
    frame: pd.DataFrame, fields: tuple[Field, ...], problems: list[Problem], views: FrameCells | None = None
) -> None:
    views = views or FrameCells(frame)
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
        positions = np.asarray(_cells_to_check(spec, column, views[spec.name]), dtype=np.int64)
        for position, value in zip(positions.tolist(), column.iloc[positions].tolist(), strict=True):
            where = _LazyAt(views, position, spec.name)
            if spec.kind == "int":
                _check_int(spec, value, where, problems)
            elif (_is_missing(value) or str(value).strip() == "") and not spec.nullable:
                problems.append(
                    _problem(where, ("is empty", "为空"), (f"give it a value ({doc_en})", f"请填写（{doc_zh}）"))
                )


def _repeats(cells: _Cells) -> bool:
    """Whether two cells hold the same id text (missing cells aside), found by Arrow's hash table."""
    present = int((~cells.missing).sum())
    if cells.arrow is None:
        return bool(cells.text_objects().dropna().duplicated().any())
    ids = cells.arrow
    if ids.null_count == 0 and len(ids) > 1 and pc.all(pc.less(ids[:-1], ids[1:])).as_py():
        return False  # in strictly rising order (as files numbered by a program are): all different
    distinct = pc.unique(ids)
    return len(distinct) - distinct.null_count != present


def _check_ids(frame: pd.DataFrame, problems: list[Problem], views: FrameCells | None = None) -> None:
    if "id" not in frame.columns:
        return
    cells = (views or FrameCells(frame))["id"]
    if _repeats(cells):  # one pass: rows grouped by id, ids in sorted order
        ids = cells.text_objects()
        repeated = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
        rows_of = pd.Series(np.flatnonzero(repeated) + 1).groupby(ids[repeated].to_numpy(), sort=True).agg(list)
        for value, rows in rows_of.items():
            problems.append(duplicate_id_problem(str(value), [int(r) for r in rows]))
    for reserved in (OUTSIDE, TOTAL):
        if (cells.text == reserved).any():
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


def _check_geometry(frame: pd.DataFrame, problems: list[Problem], views: FrameCells | None = None) -> None:
    if not _has_geometry(frame, problems):
        return
    views = views or FrameCells(frame)
    _check_crs(frame, problems)
    draw = ("draw the outline as a Polygon or MultiPolygon", "请绘制面状边界（Polygon 或 MultiPolygon）")
    geoms = frame.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)  # -1 for a missing geometry
    fine = np.isin(kinds, (3, 6)) & ~shapely.is_empty(geoms)
    if not views.outlines_valid:
        fine &= shapely.is_valid(geoms)
    for position in np.flatnonzero(~fine).tolist():  # the cell-by-cell check says what is wrong
        geom = geoms[position]
        where = _LazyAt(views, position, "geometry")
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


def _check_status(frame: pd.DataFrame, problems: list[Problem], views: FrameCells | None = None) -> None:
    if "status" not in frame.columns:
        return
    views = views or FrameCells(frame)
    cells = views["status"]
    known = cells.text.isin(list(STATUSES)).to_numpy(dtype=bool)
    wrong = np.flatnonzero(cells.present_text() & ~known)
    for position, value in zip(wrong.tolist(), frame["status"].iloc[wrong].tolist(), strict=True):
        problems.append(
            _problem(
                views.at(position, "status"),
                (f"{value!r} is not a known status", f"{value!r} 不是可识别的状态"),
                (
                    f"use one of: {', '.join(STATUSES)}",
                    "请使用以下之一：" + "、".join(f"{s}（{_STATUS_ZH[s]}）" for s in STATUSES),
                ),
            )
        )


def _check_zone_types(frame: pd.DataFrame, problems: list[Problem], views: FrameCells | None = None) -> None:
    if "type" not in frame.columns:
        return
    views = views or FrameCells(frame)
    cells = views["type"]
    reserved = np.flatnonzero(~cells.missing & cells.text.isin(list(_RESERVED_ZONE_TYPES)).to_numpy(dtype=bool))
    for position, value in zip(reserved.tolist(), frame["type"].iloc[reserved].tolist(), strict=True):
        problems.append(
            _problem(
                views.at(position, "type"),
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


def _first_positions(cells: _Cells, keys: set[str]) -> dict[str, int]:
    """The position of the first cell whose id text is each of ``keys`` (keys no cell holds are left out)."""
    hits = np.flatnonzero(~cells.missing & cells.text.isin(list(keys)).to_numpy(dtype=bool))
    texts = pd.Series(hits, index=cells.text.iloc[hits].to_numpy(dtype=object))
    first = texts[~texts.index.duplicated()]
    return dict(zip(first.index.tolist(), first.tolist(), strict=True))


def _check_parents(frame: pd.DataFrame, problems: list[Problem], views: FrameCells | None = None) -> None:
    if "id" not in frame.columns or "parent_id" not in frame.columns:
        return
    views = views or FrameCells(frame)
    # Only rows that name a parent can link (a city's footprints name none): the rest are not read.
    rows = np.flatnonzero(views["parent_id"].present_text())
    if not len(rows):
        return
    links = nesting.parent_links(frame["id"].iloc[rows].tolist(), frame["parent_id"].iloc[rows].tolist())
    if not links:
        return
    positions = _first_positions(views["id"], {*links, *links.values()})
    for child, parent in links.items():
        if parent == child:
            problems.append(
                _problem(
                    views.at(positions[child], "parent_id"),
                    ("names the carrier itself as its parent", "把自身设为母载体"),
                    ("clear its parent_id", "请清空其 parent_id"),
                )
            )
        elif parent not in positions:
            problems.append(
                _problem(
                    views.at(positions[child], "parent_id"),
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
                views.at(positions[members[0]], "parent_id"),
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


def _check_zone_refs(
    frame: pd.DataFrame, zone_ids: set[str] | None, problems: list[Problem], views: FrameCells | None = None
) -> None:
    if zone_ids is None or "zone_ids" not in frame.columns:
        return
    known = _known_list(zone_ids) or "none"
    views = views or FrameCells(frame)
    cells = views["zone_ids"]
    for position, unknown in _unknown_refs(frame["zone_ids"], zone_ids, cells):
        if unknown:
            names = ", ".join(map(repr, unknown))
            problems.append(
                _problem(
                    views.at(position, "zone_ids"),
                    (f"names unknown zone(s) {names}", f"引用了不存在的片区 {names}"),
                    (
                        f"use ids from the zones file ({known}), separated by ';'",
                        f"请使用片区文件中的 id（{known}），多个以 ';' 分隔",
                    ),
                )
            )


def _check_source_refs(
    frame: pd.DataFrame, source_ids: set[str] | None, problems: list[Problem], views: FrameCells | None = None
) -> None:
    if source_ids is None or "source_ids" not in frame.columns:
        return
    views = views or FrameCells(frame)
    cells = views["source_ids"]
    for position, unknown in _unknown_refs(frame["source_ids"], source_ids, cells):
        if unknown:
            names = ", ".join(map(repr, unknown))
            problems.append(
                _problem(
                    views.at(position, "source_ids"),
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
    cells: FrameCells | None = None,
) -> list[Problem]:
    """Every way ``frame`` breaks the carriers contract (empty list when it is sound).

    ``zone_ids`` and ``source_ids``, when given, are the ids that ``zone_ids`` and ``source_ids``
    cells may name. Each :class:`Problem` names the row (and id), says what is wrong and how to
    fix it, in English and 中文. ``cells``: the frame's :class:`FrameCells`, to share with
    :func:`normalize_carriers`.
    """
    problems: list[Problem] = []
    views = _cells_of(frame, cells)
    _check_rows(frame, problems)
    _check_fields(frame, CARRIER_FIELDS, problems, views)
    _check_ids(frame, problems, views)
    _check_status(frame, problems, views)
    _check_parents(frame, problems, views)
    _check_zone_refs(frame, zone_ids, problems, views)
    _check_source_refs(frame, source_ids, problems, views)
    _check_geometry(frame, problems, views)
    return problems


def validate_zones(
    frame: gpd.GeoDataFrame, *, source_ids: set[str] | None = None, cells: FrameCells | None = None
) -> list[Problem]:
    """Every way ``frame`` breaks the zones contract (empty list when it is sound); ``cells`` as for carriers."""
    problems: list[Problem] = []
    views = _cells_of(frame, cells)
    _check_rows(frame, problems)
    _check_fields(frame, ZONE_FIELDS, problems, views)
    _check_ids(frame, problems, views)
    _check_zone_types(frame, problems, views)
    _check_source_refs(frame, source_ids, problems, views)
    _check_geometry(frame, problems, views)
    return problems


def zone_ref_problems(frame: gpd.GeoDataFrame, zone_ids: set[str], *, cells: FrameCells | None = None) -> list[Problem]:
    """The part of :func:`validate_carriers` that depends on the zones: ``zone_ids`` naming unknown zones.

    For carriers that already passed :func:`validate_carriers` on their own (without ``zone_ids``):
    checked against the zones they are used with, this gives the same problems as the whole check.
    ``cells`` as for :func:`validate_carriers`.
    """
    problems: list[Problem] = []
    _check_zone_refs(frame, zone_ids, problems, _cells_of(frame, cells))
    return problems


def geometry_problems(frame: gpd.GeoDataFrame) -> list[Problem]:
    """What is wrong with ``frame``'s outlines (missing, empty, not a polygon, invalid), row by row.

    The geometry part of :func:`validate_carriers` and :func:`validate_zones`, for callers that
    were handed frames without validating them (the roll-up raises it as a :class:`DataError`).
    """
    problems: list[Problem] = []
    _check_geometry(frame, problems)
    return problems


def _whole_numbers(column: pd.Series, cells: _Cells) -> pd.arrays.IntegerArray:
    """The whole numbers of a validated int column as Int64: at array speed where plain, else cell by cell."""
    number = cells.numbers
    if number is None:
        read = _text_numbers(cells)
        if read is not None and not (np.isnan(read[0]) & ~read[1]).any():  # plain digits or empty, nothing else
            number = np.where(read[1], np.nan, read[0])
    elif (np.abs(number) >= 2**53).any():  # whole, but not exact as floats
        return pd.array(column.to_numpy(dtype=object), dtype="Int64")
    if number is None:
        return pd.array([_as_int(v) for v in column.tolist()], dtype="Int64")
    missing = np.isnan(number)
    return pd.arrays.IntegerArray(np.where(missing, 0, number).astype(np.int64), missing)


def _cells_of(frame: pd.DataFrame, cells: FrameCells | None) -> FrameCells:
    """``cells`` when they are ``frame``'s, a new reading of ``frame`` when None."""
    if cells is None:
        return FrameCells(frame)
    if cells.frame is not frame:
        raise ValueError("cells: a FrameCells of another frame (give the one made of this frame, or none)")
    return cells


def _normalize(frame: gpd.GeoDataFrame, fields: tuple[Field, ...], cells: FrameCells | None) -> gpd.GeoDataFrame:
    views = _cells_of(frame, cells)
    out = frame.copy(deep=False)  # every contract column is replaced below; the outlines are copied
    out[out.geometry.name] = frame.geometry.copy()
    for spec in fields:
        if spec.name not in out.columns:
            out[spec.name] = pd.Series(pd.NA, index=out.index, dtype="Int64" if spec.kind == "int" else object)
            continue
        cells = views[spec.name]
        if spec.kind == "int":
            # Validated, so plain numbers are whole: convert them at once; anything else cell by cell.
            out[spec.name] = pd.Series(_whole_numbers(out[spec.name], cells), index=out.index, copy=False)
        else:
            out[spec.name] = cells.text_objects(blank=False).set_axis(out.index)
    if out.crs is not None and out.crs.to_epsg() != 4326 and out.crs.is_geographic:
        # CGCS2000 (EPSG:4490) agrees with WGS-84 to well under a metre: relabel, don't shift.
        out = out.set_crs(4326, allow_override=True)
    ordered = [f.name for f in fields]
    extra = [c for c in out.columns if c not in ordered and c != out.geometry.name]
    return out[[*ordered, *extra, out.geometry.name]].reset_index(drop=True)


def normalize_carriers(frame: gpd.GeoDataFrame, *, cells: FrameCells | None = None) -> gpd.GeoDataFrame:
    """Carriers with contract dtypes: Int64 figures, stripped text, None for empty, EPSG:4326.

    Call only on a frame that :func:`validate_carriers` passed; ``cells``: the :class:`FrameCells`
    that validation read the same frame with, so that the cells are not read again.
    """
    return _normalize(frame, CARRIER_FIELDS, cells)


def normalize_zones(frame: gpd.GeoDataFrame, *, cells: FrameCells | None = None) -> gpd.GeoDataFrame:
    """Zones with contract dtypes; call only on a frame that :func:`validate_zones` passed (``cells`` likewise)."""
    return _normalize(frame, ZONE_FIELDS, cells)
