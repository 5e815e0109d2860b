"""Figures through time: a carrier's floor space as dated tranches, targets apart from capacity, indicators.

The data contract (``docs/contract.md``) keeps a carrier's floor space in two forms:

* **tranches** — a table beside the carriers, one row per piece of floor space: ``carrier_id``,
  ``phase`` (``built``, ``under_construction``, ``planned``), ``floor_area_m2`` (whole m², empty =
  unknown), ``year`` (completed, or expected) with ``year_basis`` (``stated``, ``inferred``,
  ``unknown``), ``qualifier`` (``exact``, ``about``, ``at_least``), ``source_ids`` and ``note``;
* **the two columns** of the carriers file (``floor_area_existing_m2`` + ``opened_year``,
  ``floor_area_planned_m2`` + ``planned_year``): the flat form every older file has. A carrier
  without tranche rows is read from them (existing → one built tranche in ``opened_year``,
  planned → one planned tranche in ``planned_year``), so every old file gives the same figures.

Figures nest in two classes, as the two columns always did: **built** (``built`` tranches) and
**coming** (``under_construction`` and ``planned``). A carrier's class figure is known when it has
tranches of that class and every one has a known area; a class with no tranche at all is unknown
(like an empty column). Write a tranche of 0 m² to say "nothing (more) of this kind", with its source.

**Targets** are a separate kind of figure: what a plan aims for on a carrier or a zone, by a year:
``subject_type`` (``carrier``/``zone``), ``subject_id``, ``indicator`` (see :data:`INDICATORS`),
``value``, ``unit``, ``year`` + ``year_basis``, ``qualifier``, ``source_ids``, ``note``. A target is
never capacity: the roll-up shows it beside capacity, with the gap.

Nothing here reads Streamlit or Folium; the roll-up by year is :mod:`geo.timeline`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo import nesting
from geo.rollup import Contributions
from geo.schema import DataError, Problem, split_ids
from geo.text import TERMS, Lang, Text

__all__ = [
    "CLASS_OF_PHASE",
    "CONVERTED_NOTES",
    "IMPLIED_NOTE",
    "INDICATORS",
    "PHASES",
    "QUALIFIERS",
    "QUALIFIERS_BY_RANK",
    "SUBJECT_TYPES",
    "TARGET_COLUMNS",
    "TRANCHE_COLUMNS",
    "VOCABULARY",
    "YEAR_BASES",
    "Indicator",
    "TimedContributions",
    "aggregate_indicator",
    "combine_qualifiers",
    "contributions_by_year",
    "flat_columns",
    "flat_mismatches",
    "load_table",
    "normalize_targets",
    "normalize_tranches",
    "resolve_tranches",
    "tranche_adds",
    "tranches_from_columns",
    "validate_targets",
    "validate_tranches",
    "word",
]

PHASES: tuple[str, ...] = ("built", "under_construction", "planned")
# Nesting classes: what the two columns called existing and planned.
CLASS_OF_PHASE: Mapping[str, str] = {"built": "built", "under_construction": "coming", "planned": "coming"}
YEAR_BASES: tuple[str, ...] = ("stated", "inferred", "unknown")
QUALIFIERS: tuple[str, ...] = ("exact", "about", "at_least")
# How a sum's qualifier is combined from its parts' (docs/contract.md rule 15): the weakest claim wins.
# A sum with an "about" part is about (its error goes either way, so it is no lower bound); else with an
# "at least" part it is at least; else exact. Ranks, so that combining is a maximum.
_QUALIFIER_RANK: Mapping[str, int] = {"exact": 0, "at_least": 1, "about": 2}
#: Qualifier codes by their rank in the combination (0 exact, 1 at least, 2 about).
QUALIFIERS_BY_RANK: tuple[str, ...] = ("exact", "at_least", "about")
SUBJECT_TYPES: tuple[str, ...] = ("carrier", "zone", "district")

TRANCHE_COLUMNS: tuple[str, ...] = (
    "id",
    "carrier_id",
    "phase",
    "floor_area_m2",
    "year",
    "year_basis",
    "qualifier",
    "source_ids",
    "note",
)
TARGET_COLUMNS: tuple[str, ...] = (
    "id",
    "subject_type",
    "subject_id",
    "indicator",
    "value",
    "unit",
    "year",
    "year_basis",
    "qualifier",
    "source_ids",
    "note",
)
# Notes of tranches the tool made itself (not stated by the data): read from the two columns, or standing
# for a class a carrier's tranche rows leave out. Such a tranche of unknown area and year says nothing.
CONVERTED_NOTES: Mapping[str, str] = {
    "built": "from the two columns (floor_area_existing_m2, opened_year)",
    "planned": "from the two columns (floor_area_planned_m2, planned_year)",
}
IMPLIED_NOTE = "no tranche of this kind in the table: unknown"
_YEAR_RANGE = (1900, 2100)
_MAX_AREA_M2 = 10**12
_LIST_AT_MOST = 5


@dataclass(frozen=True)
class Indicator:
    """A measure carried by carriers or zones, and how group figures are made from members' figures.

    ``additive`` indicators are summed (floor area, firms, output). Derived ones are never summed:
    a group's value is recomputed from its sums, ``numerator / denominator`` (output per m² =
    output / floor area; FAR = floor area / land area).
    """

    code: str
    name: Text
    unit: str
    additive: bool
    numerator: str = ""
    denominator: str = ""


INDICATORS: Mapping[str, Indicator] = {
    indicator.code: indicator
    for indicator in (
        Indicator("floor_area", Text("人工智能产业载体建筑面积", "AI floor space"), "m²", additive=True),
        Indicator(
            "renewal_area", Text("存量更新与土地置换面积", "stock renewal and land swap area"), "m²", additive=True
        ),
        Indicator("firms", Text("企业数", "firms"), "家", additive=True),
        Indicator("output", Text("产业规模（产值）", "output"), "亿元", additive=True),
        Indicator("land_area", Text("用地面积", "land area"), "m²", additive=True),
        Indicator(
            "output_per_m2",
            Text("每平方米产值", "output per m²"),
            "万元/平方米",
            additive=False,
            numerator="output",
            denominator="floor_area",
        ),
        Indicator(
            "far",
            Text("容积率", "floor-area ratio"),
            "",
            additive=False,
            numerator="floor_area",
            denominator="land_area",
        ),
    )
}
# 1 亿元 / m² = 10,000 万元 / m²: what a derived indicator's ratio of sums is multiplied by.
_DERIVED_SCALE: Mapping[str, float] = {"output_per_m2": 10_000.0, "far": 1.0}

VOCABULARY: Mapping[str, Mapping[str, Text]] = {
    "phase": TERMS["phase"],
    "year_basis": TERMS["year_basis"],
    "qualifier": {
        "exact": Text("", ""),
        "about": Text("约", "about "),
        "at_least": Text("不少于", "at least "),
    },
    "subject_type": {"carrier": Text("载体", "carrier"), "zone": Text("片区", "zone")},
    "change": {
        "built": Text("建成启用", "opens"),
        "under_construction": Text("预计建成（在建）", "due (under construction)"),
        "planned": Text("预计建成（规划）", "due (planned)"),
    },
    "target_status": {
        "met": Text("已达到", "met"),
        "open": Text("未达到，未知数据可能补足", "short; unknown figures could close the gap"),
        "short": Text("未达到", "short"),
        "unknown": Text("无法判断", "cannot tell"),
    },
}


def word(concept: str, code: str, lang: Lang) -> str:
    """The word for a code of this module's vocabulary (``phase``, ``year_basis``, …); the code if unknown."""
    text = VOCABULARY.get(concept, {}).get(code)
    if text is None and concept == "indicator" and code in INDICATORS:
        text = INDICATORS[code].name
    return code if text is None else text.in_(lang)


def combine_qualifiers(qualifiers: Iterable[str]) -> str:
    """The qualifier of a sum of figures with these qualifiers (rule 15 of ``docs/contract.md``).

    All exact (or none): ``exact``; any ``about``: ``about``, also with ``at_least`` parts beside it
    (the sum's error can go either way, so it is no lower bound); otherwise any ``at_least``: ``at_least``.

    >>> combine_qualifiers(["exact", "about"])
    'about'
    >>> combine_qualifiers(["exact", "at_least"])
    'at_least'
    >>> combine_qualifiers(["at_least", "about"])
    'about'
    >>> combine_qualifiers([])
    'exact'
    """
    rank = max((_QUALIFIER_RANK[q] for q in qualifiers), default=0)
    return QUALIFIERS_BY_RANK[rank]


# --- reading ---------------------------------------------------------------------------------------


def load_table(path: Path | str, *, table: str) -> pd.DataFrame:
    """A tranches or targets table from CSV (UTF-8, with or without BOM), XLSX (its sheet named
    ``table``) or GeoPackage (its attribute table named ``table``), every cell as text or empty.

    Raises :class:`DataError` saying why a file cannot be read.
    """
    path = Path(path)
    where = str(path)
    try:
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            frame = pd.read_excel(path, sheet_name=table, dtype=object)
        elif suffix == ".gpkg":
            import pyogrio  # noqa: PLC0415 - only for GeoPackage tables

            frame = pd.DataFrame(pyogrio.read_dataframe(path, layer=table, read_geometry=False))
        else:
            # The tool's own CSV exports open with a stamp of `#` lines: skip them.
            with path.open(encoding="utf-8-sig") as handle:
                stamp_lines = 0
                for line in handle:
                    if not line.startswith("#"):
                        break
                    stamp_lines += 1
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skiprows=stamp_lines)
    except (OSError, ValueError, UnicodeDecodeError, KeyError, ImportError) as exc:
        raise DataError(
            where,
            [
                _problem(
                    Text(f"{table} 表", f"the {table} table"),
                    Text(f"无法读取（{exc}）", f"cannot be read ({exc})"),
                    Text(
                        "请提供 UTF-8 编码的 CSV，或含同名工作表的 XLSX / 含同名属性表的 GeoPackage",
                        f"give a UTF-8 CSV, or an XLSX with a sheet / a GeoPackage with a table named {table!r}",
                    ),
                )
            ],
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.astype(object).where(frame.notna(), None)


def _problem(where: Text, what: Text, fix: Text) -> Problem:
    """A contract problem in both languages (the one place this module builds a :class:`Problem`)."""
    return Problem(where=where.en, what=what.en, fix=fix.en, what_zh=what.zh, fix_zh=fix.zh, where_zh=where.zh)


def _blank(value: object) -> bool:
    return (
        value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""
    )


def _number(value: object) -> float | None:
    """The number a cell holds (None if empty); raises ValueError for anything else."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("true/false")
    number = float(str(value).strip().replace(",", "").replace("_", ""))
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def _whole(value: object) -> int | None:
    number = _number(value)
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError("not whole")
    return int(number)


def _text(value: object) -> str | None:
    return None if _blank(value) else str(value).strip()


# --- validation ------------------------------------------------------------------------------------


def _row_where(table: str, frame: pd.DataFrame, position: int) -> Text:
    ident = _text(frame["id"].iloc[position]) if "id" in frame.columns else None
    label_zh, label_en = {
        "tranches": ("分期表", "tranches"),
        "targets": ("目标表", "targets"),
        "indicators": ("指标表", "indicators"),
    }[table]
    number = position + 2  # the header is line 1
    if ident:
        return Text(f"{label_zh}第 {number} 行（{ident}）", f"{label_en} row {number} ({ident})")
    return Text(f"{label_zh}第 {number} 行", f"{label_en} row {number}")


def _choices(values: Iterable[str]) -> str:
    return ", ".join(values)


def _check_year(frame: pd.DataFrame, table: str, position: int, problems: list[Problem]) -> None:
    where = _row_where(table, frame, position)
    raw_year = frame["year"].iloc[position] if "year" in frame.columns else None
    raw_basis = frame["year_basis"].iloc[position] if "year_basis" in frame.columns else None
    try:
        year = _whole(raw_year)
    except ValueError:
        problems.append(
            _problem(
                where,
                Text(f"年份 {raw_year!r} 不是整数年份", f"year {raw_year!r} is not a whole year"),
                Text("请写四位年份（如 2025），未知则留空", "write a four-digit year (e.g. 2025), or leave it empty"),
            )
        )
        return
    if year is not None and not _YEAR_RANGE[0] <= year <= _YEAR_RANGE[1]:
        problems.append(
            _problem(
                where,
                Text(f"年份 {year} 不在 1900–2100 之间", f"year {year} is outside 1900–2100"),
                Text("请检查年份", "check the year"),
            )
        )
    basis = _text(raw_basis)
    if basis is not None and basis not in YEAR_BASES:
        problems.append(
            _problem(
                where,
                Text(f"year_basis（年份依据）为 {basis!r}", f"year_basis is {basis!r}"),
                Text(f"请改为以下之一：{_choices(YEAR_BASES)}", f"use one of: {_choices(YEAR_BASES)}"),
            )
        )
    elif year is None and basis in ("stated", "inferred"):
        problems.append(
            _problem(
                where,
                Text("年份为空，但年份依据写的是已知年份", "the year is empty but year_basis says it is known"),
                Text("请填写年份，或将 year_basis 改为 unknown", "give the year, or set year_basis to unknown"),
            )
        )
    elif year is not None and basis == "unknown":
        problems.append(
            _problem(
                where,
                Text(f"给出了年份 {year}，但年份依据为 unknown", f"year {year} is given but year_basis is unknown"),
                Text(
                    "来源写明年份用 stated，推算所得用 inferred",
                    "use stated when a source gives the year, inferred when it is derived",
                ),
            )
        )


def _check_choice(
    frame: pd.DataFrame,
    table: str,
    position: int,
    *,
    column: str,
    allowed: tuple[str, ...],
    problems: list[Problem],
) -> None:
    value = _text(frame[column].iloc[position]) if column in frame.columns else None
    if value is not None and value not in allowed:
        problems.append(
            _problem(
                _row_where(table, frame, position),
                Text(f"{column} 为 {value!r}", f"{column} is {value!r}"),
                Text(f"请改为以下之一：{_choices(allowed)}", f"use one of: {_choices(allowed)}"),
            )
        )


def _check_sources(
    frame: pd.DataFrame, table: str, position: int, source_ids: set[str] | None, problems: list[Problem]
) -> None:
    if source_ids is None or "source_ids" not in frame.columns:
        return
    missing = [s for s in split_ids(_text(frame["source_ids"].iloc[position])) if s not in source_ids]
    if missing:
        problems.append(
            _problem(
                _row_where(table, frame, position),
                Text(
                    f"引用了来源表中没有的来源：{', '.join(missing)}",
                    f"cites sources not in the sources table: {', '.join(missing)}",
                ),
                Text("请在来源表中补充这些来源，或更正编号", "add them to the sources table, or correct the ids"),
            )
        )


def _check_required(frame: pd.DataFrame, table: str, required: tuple[str, ...]) -> list[Problem]:
    missing = [c for c in required if c not in frame.columns]
    if not missing:
        return []
    label = {
        "tranches": Text("分期表", "the tranches table"),
        "targets": Text("目标表", "the targets table"),
        "indicators": Text("指标表", "the indicators table"),
    }[table]
    return [
        _problem(
            label,
            Text(f"缺少列：{', '.join(missing)}", f"lacks the column(s) {', '.join(missing)}"),
            Text(f"表头应包含：{_choices(required)}", f"its header must hold: {_choices(required)}"),
        )
    ]


def _check_unique_ids(frame: pd.DataFrame, table: str, problems: list[Problem]) -> None:
    if "id" not in frame.columns:
        return
    ids = [_text(v) for v in frame["id"]]
    seen: set[str] = set()
    for position, ident in enumerate(ids):
        if ident is None:
            continue
        if ident in seen:
            problems.append(
                _problem(
                    _row_where(table, frame, position),
                    Text(f"编号 {ident} 重复", f"the id {ident} is used twice"),
                    Text("每行编号须唯一（或留空）", "give each row its own id (or none)"),
                )
            )
        seen.add(ident)


def validate_tranches(
    table: pd.DataFrame, *, carrier_ids: set[str], source_ids: set[str] | None = None
) -> list[Problem]:
    """Every problem of a tranches table, each naming its row, in 中文 and English (empty: valid).

    Parameters
    ----------
    table
        The table as read (cells text or numbers).
    carrier_ids
        Ids of the carriers the tranches belong to.
    source_ids
        Ids of the sources table, to check citations against; ``None`` skips the check.
    """
    problems = _check_required(table, "tranches", ("carrier_id", "phase"))
    if problems:
        return problems
    _check_unique_ids(table, "tranches", problems)
    for position in range(len(table)):
        where = _row_where("tranches", table, position)
        carrier = _text(table["carrier_id"].iloc[position])
        if carrier is None or carrier not in carrier_ids:
            shown = sorted(carrier_ids)[:_LIST_AT_MOST]
            problems.append(
                _problem(
                    where,
                    Text(
                        f"载体编号 {carrier!r} 不在载体文件中", f"carrier_id {carrier!r} is not a carrier of the file"
                    ),
                    Text(f"请使用载体的编号，如：{', '.join(shown)}", f"use a carrier's id, e.g. {', '.join(shown)}"),
                )
            )
        phase = _text(table["phase"].iloc[position])
        if phase not in PHASES:
            problems.append(
                _problem(
                    where,
                    Text(f"阶段（phase）为 {phase!r}", f"phase is {phase!r}"),
                    Text(f"请改为以下之一：{_choices(PHASES)}", f"use one of: {_choices(PHASES)}"),
                )
            )
        raw = table["floor_area_m2"].iloc[position] if "floor_area_m2" in table.columns else None
        try:
            area = _whole(raw)
        except ValueError:
            area = None
            problems.append(
                _problem(
                    where,
                    Text(f"建筑面积 {raw!r} 不是整平方米数", f"floor_area_m2 {raw!r} is not a whole number of m²"),
                    Text(
                        "请写整平方米数（如 50000），未知则留空（不要写 0）",
                        "write whole m² (e.g. 50000); leave it empty when unknown (not 0)",
                    ),
                )
            )
        if area is not None and not 0 <= area <= _MAX_AREA_M2:
            problems.append(
                _problem(
                    where,
                    Text(f"建筑面积 {area} ㎡ 超出合理范围", f"floor_area_m2 {area} is out of range"),
                    Text(
                        "面积应为 0 至 10¹² ㎡ 的整数，请检查单位（万㎡ 需乘以 10000）",
                        "areas are 0 to 10¹² m²; check the unit (万㎡ × 10,000)",
                    ),
                )
            )
        _check_year(table, "tranches", position, problems)
        _check_choice(table, "tranches", position, column="qualifier", allowed=QUALIFIERS, problems=problems)
        _check_sources(table, "tranches", position, source_ids, problems)
    return problems


def validate_targets(
    table: pd.DataFrame,
    *,
    carrier_ids: set[str],
    zone_ids: set[str],
    source_ids: set[str] | None = None,
    kind: str = "targets",
) -> list[Problem]:
    """Every problem of a targets table, each naming its row, in 中文 and English (empty: valid).

    ``kind="indicators"`` checks an indicators table: the same columns, values a source reports
    instead of values a plan aims for. ``subject_type`` ``district`` names the whole district (any id).
    """
    problems = _check_required(table, kind, ("subject_id", "indicator", "value"))
    if problems:
        return problems
    _check_unique_ids(table, kind, problems)
    for position in range(len(table)):
        where = _row_where(kind, table, position)
        subject_type = _text(table["subject_type"].iloc[position]) if "subject_type" in table.columns else None
        subject = _text(table["subject_id"].iloc[position])
        if subject_type is not None and subject_type not in SUBJECT_TYPES:
            problems.append(
                _problem(
                    where,
                    Text(f"subject_type 为 {subject_type!r}", f"subject_type is {subject_type!r}"),
                    Text("请改为 carrier（载体）、zone（片区）或 district（全区）", "use carrier, zone or district"),
                )
            )
        else:
            known = {"carrier": carrier_ids, "zone": zone_ids}.get(subject_type or "", carrier_ids | zone_ids)
            if subject is None or (subject_type != "district" and subject not in known):
                problems.append(
                    _problem(
                        where,
                        Text(
                            f"目标对象 {subject!r} 不是已有的载体或片区",
                            f"subject_id {subject!r} names no {subject_type or 'carrier or zone'} of the files",
                        ),
                        Text("请使用载体或片区的编号", "use the id of a carrier or a zone"),
                    )
                )
        indicator = _text(table["indicator"].iloc[position])
        if indicator not in INDICATORS:
            problems.append(
                _problem(
                    where,
                    Text(f"指标 {indicator!r} 未定义", f"indicator {indicator!r} is not defined"),
                    Text(f"请使用以下之一：{_choices(INDICATORS)}", f"use one of: {_choices(INDICATORS)}"),
                )
            )
        else:
            unit = _text(table["unit"].iloc[position]) if "unit" in table.columns else None
            if unit is not None and unit != INDICATORS[indicator].unit:
                expected = INDICATORS[indicator].unit
                problems.append(
                    _problem(
                        where,
                        Text(f"单位 {unit!r} 与指标不符", f"unit {unit!r} does not fit the indicator"),
                        Text(
                            f"{indicator} 的单位为 {expected!r}（请换算）",
                            f"{indicator} is in {expected!r}: convert the value",
                        ),
                    )
                )
        raw = table["value"].iloc[position]
        try:
            value = _number(raw)
            if value is None or value < 0:
                raise ValueError
            if indicator in INDICATORS and INDICATORS[indicator].unit == "m²" and not value.is_integer():
                raise ValueError
        except ValueError:
            problems.append(
                _problem(
                    where,
                    Text(
                        f"目标值 {raw!r} 不是非负数（面积须为整平方米）",
                        f"value {raw!r} is not a number ≥ 0 (areas in whole m²)",
                    ),
                    Text(
                        "请填写目标值；没有数值的目标不必列出",
                        "give the target's value; a target without one does not belong here",
                    ),
                )
            )
        _check_year(table, kind, position, problems)
        _check_choice(table, kind, position, column="qualifier", allowed=QUALIFIERS, problems=problems)
        _check_sources(table, kind, position, source_ids, problems)
    return problems


# --- normal form -----------------------------------------------------------------------------------


def _basis(year: int | None, given: str | None) -> str:
    if given is not None:
        return given
    return "unknown" if year is None else "stated"


def normalize_tranches(table: pd.DataFrame) -> pd.DataFrame:
    """A validated tranches table in normal form: the columns of :data:`TRANCHE_COLUMNS`, ``Int64``
    area and year, defaults filled (``year_basis`` stated/unknown from the year, ``qualifier`` exact),
    ids ``<carrier>#<n>`` where none was given."""
    rows = []
    counts: dict[str, int] = {}
    for record in table.to_dict("records"):
        carrier = str(_text(record.get("carrier_id")))
        counts[carrier] = counts.get(carrier, 0) + 1
        year = _whole(record.get("year"))
        rows.append(
            {
                "id": _text(record.get("id")) or f"{carrier}#{counts[carrier]}",
                "carrier_id": carrier,
                "phase": _text(record.get("phase")),
                "floor_area_m2": _whole(record.get("floor_area_m2")),
                "year": year,
                "year_basis": _basis(year, _text(record.get("year_basis"))),
                "qualifier": _text(record.get("qualifier")) or "exact",
                "source_ids": _text(record.get("source_ids")),
                "note": _text(record.get("note")),
            }
        )
    return _typed(pd.DataFrame(rows, columns=list(TRANCHE_COLUMNS)), ("floor_area_m2", "year"))


def normalize_targets(table: pd.DataFrame, *, zone_ids: Iterable[str] = ()) -> pd.DataFrame:
    """A validated targets table in normal form (:data:`TARGET_COLUMNS`; ``subject_type`` filled
    from the ids when empty, ``unit`` from the indicator, ``value`` a float, ``year`` Int64)."""
    zone_ids = set(zone_ids)
    rows = []
    for position, record in enumerate(table.to_dict("records")):
        subject = str(_text(record.get("subject_id")))
        indicator = str(_text(record.get("indicator")))
        year = _whole(record.get("year"))
        rows.append(
            {
                "id": _text(record.get("id")) or f"target#{position + 1}",
                "subject_type": _text(record.get("subject_type")) or ("zone" if subject in zone_ids else "carrier"),
                "subject_id": subject,
                "indicator": indicator,
                "value": _number(record.get("value")),
                "unit": _text(record.get("unit")) or INDICATORS[indicator].unit,
                "year": year,
                "year_basis": _basis(year, _text(record.get("year_basis"))),
                "qualifier": _text(record.get("qualifier")) or "exact",
                "source_ids": _text(record.get("source_ids")),
                "note": _text(record.get("note")),
            }
        )
    frame = _typed(pd.DataFrame(rows, columns=list(TARGET_COLUMNS)), ("year",))
    frame["value"] = frame["value"].astype("float64")
    return frame


def _typed(frame: pd.DataFrame, int_columns: tuple[str, ...]) -> pd.DataFrame:
    for column in frame.columns:
        if column in int_columns:
            frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
        else:
            frame[column] = pd.Series(
                [None if _blank(v) else v for v in frame[column].tolist()], index=frame.index, dtype=object
            )
    return frame


def tranches_from_columns(carriers: pd.DataFrame) -> pd.DataFrame:
    """The two columns of older files as tranches: per carrier one built tranche (the existing figure,
    in ``opened_year``) and one planned tranche (the planned increment, in ``planned_year``).

    Empty figures stay unknown; a year stays unknown when its column is empty. Rolled up by
    :func:`contributions_by_year`, these give exactly :func:`geo.rollup.contributions`.
    """
    ids = carriers["id"].astype(str).tolist()
    parts = []
    for phase, area, year, n in (
        ("built", "floor_area_existing_m2", "opened_year", 1),
        ("planned", "floor_area_planned_m2", "planned_year", 2),
    ):
        years = pd.array(pd.Series(carriers[year]).astype("Int64"), dtype="Int64")
        parts.append(
            pd.DataFrame(
                {
                    "id": [f"{i}#{n}" for i in ids],
                    "carrier_id": ids,
                    "phase": phase,
                    "floor_area_m2": pd.array(pd.Series(carriers[area]).astype("Int64"), dtype="Int64"),
                    "year": years,
                    "year_basis": np.where(pd.isna(years), "unknown", "stated"),
                    "qualifier": "exact",
                    "source_ids": carriers["source_ids"].tolist() if "source_ids" in carriers.columns else None,
                    "note": CONVERTED_NOTES[phase],
                }
            )
        )
    # Carrier by carrier: built, then planned.
    frame = pd.concat(parts).sort_index(kind="stable").reset_index(drop=True)
    return _typed(frame, ("floor_area_m2", "year"))


def resolve_tranches(carriers: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every carrier's tranches: its rows of ``table`` (normal form) where it has any, else those
    converted from its two columns. A carrier with tranche rows but none of a class (built, or
    under construction + planned) gets one unknown tranche of that class, as an empty column would.
    """
    converted = tranches_from_columns(carriers)
    if table is None or not len(table):
        return converted
    listed = set(table["carrier_id"])
    present = set(zip(table["carrier_id"], table["phase"].map(CLASS_OF_PHASE), strict=True))
    implied = []
    for carrier in dict.fromkeys(table["carrier_id"]):
        for klass, phase in (("built", "built"), ("coming", "planned")):
            if (carrier, klass) not in present:
                implied.append(
                    {
                        "id": f"{carrier}#{klass}-unknown",
                        "carrier_id": carrier,
                        "phase": phase,
                        "floor_area_m2": None,
                        "year": None,
                        "year_basis": "unknown",
                        "qualifier": "exact",
                        "source_ids": None,
                        "note": IMPLIED_NOTE,
                    }
                )
    frames = [converted[~converted["carrier_id"].isin(listed)], table]
    if implied:
        frames.append(_typed(pd.DataFrame(implied, columns=list(TRANCHE_COLUMNS)), ("floor_area_m2", "year")))
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    order = {c: i for i, c in enumerate(carriers["id"].astype(str))}
    frame = frame.iloc[np.argsort(frame["carrier_id"].map(order).to_numpy(), kind="stable")]
    return _typed(frame.reset_index(drop=True), ("floor_area_m2", "year"))


def flat_columns(carriers: pd.DataFrame, tranches: pd.DataFrame) -> pd.DataFrame:
    """The two-column (flat) form of each carrier's tranches, for GeoJSON, KML, Shapefile and older tools.

    ``floor_area_existing_m2`` = the sum of built tranches (empty if one is unknown);
    ``opened_year`` = the latest built year (empty if one is unknown); ``floor_area_planned_m2``
    and ``planned_year`` the same over under-construction and planned tranches. The flat form is
    exact when a carrier has at most one dated tranche per class; with tranches in several years it
    dates the whole class at the latest (the tranches table keeps the detail).
    """
    out = pd.DataFrame({"id": carriers["id"].astype(str)})
    klass = tranches["phase"].map(CLASS_OF_PHASE)
    for name, area_col, year_col in (
        ("built", "floor_area_existing_m2", "opened_year"),
        ("coming", "floor_area_planned_m2", "planned_year"),
    ):
        part = tranches[klass == name]
        grouped = part.groupby("carrier_id", sort=False)
        area_known = grouped["floor_area_m2"].apply(lambda s: bool(s.notna().all()))
        area_sum = grouped["floor_area_m2"].sum(min_count=1)
        year_known = grouped["year"].apply(lambda s: bool(s.notna().all()))
        year_max = grouped["year"].max()
        areas = [int(area_sum[c]) if c in area_known.index and area_known[c] else None for c in out["id"]]
        years = [int(year_max[c]) if c in year_known.index and year_known[c] else None for c in out["id"]]
        out[area_col] = pd.array(areas, dtype="Int64")
        out[year_col] = pd.array(years, dtype="Int64")
    return out[["id", "floor_area_existing_m2", "floor_area_planned_m2", "planned_year", "opened_year"]]


def flat_mismatches(carriers: pd.DataFrame, tranches: pd.DataFrame, table: pd.DataFrame) -> list[Problem]:
    """Carriers whose two columns say otherwise than their rows of the tranches ``table``.

    Only carriers with tranche rows are compared, and only columns that hold a value (an empty
    column says nothing). The tranches are then the figures used; the message says so.
    """
    listed = set(table["carrier_id"]) if len(table) else set()
    flat = flat_columns(carriers, tranches).set_index("id")
    problems = []
    for record in carriers.to_dict("records"):
        carrier = str(record["id"])
        if carrier not in listed:
            continue
        for column in ("floor_area_existing_m2", "floor_area_planned_m2", "planned_year", "opened_year"):
            given = record.get(column)
            if _blank(given):
                continue
            expected = flat.at[carrier, column]
            if pd.isna(expected) or int(float(given)) != int(expected):
                shown = "—" if pd.isna(expected) else str(int(expected))
                problems.append(
                    _problem(
                        Text(f"载体 {carrier}，字段 {column}", f"carrier {carrier}, field {column}"),
                        Text(f"为 {given}，但其分期合计为 {shown}", f"is {given}, but its tranches give {shown}"),
                        Text(
                            "以分期表为准：请更正该字段或分期，或将该字段留空",
                            "the tranches are used: correct the field or the tranches, or leave the field empty",
                        ),
                    )
                )
    return problems


# --- contributions by year -------------------------------------------------------------------------


IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TimedContributions:
    """Per carrier (positional, aligned with the carriers frame) what adds to sums as of one year.

    ``built``, ``under_construction`` and ``planned`` are whole m² that add on their own (0 where a
    tranche does not add: unknown, nested in an ancestor whose class figure is known, or not yet
    due). ``built_unknown``/``coming_unknown`` mark carriers with a tranche that would add but whose
    area is unknown, or (coming) whose year is unknown; ``undated`` marks carriers counted with a
    built tranche of unknown year (rule 1: counted in every year, and listed). ``top`` marks
    carriers without a parent. ``qualifier`` is per carrier the rank (:data:`QUALIFIERS_BY_RANK`) of
    the qualifiers of the tranches that add a non-zero figure as of the year, combined by
    :func:`combine_qualifiers` (0: exact, or nothing added).
    """

    built: IntArray
    under_construction: IntArray
    planned: IntArray
    built_unknown: BoolArray
    coming_unknown: BoolArray
    undated: BoolArray
    top: BoolArray
    qualifier: npt.NDArray[np.int8]

    @property
    def coming(self) -> IntArray:
        return self.under_construction + self.planned

    @property
    def total(self) -> IntArray:
        return self.built + self.under_construction + self.planned

    @property
    def unknown(self) -> BoolArray:
        return self.built_unknown | self.coming_unknown

    def as_rollup(self) -> Contributions:
        """The same figures as :class:`geo.rollup.Contributions` (built → existing, coming → planned)."""
        return Contributions(
            existing=self.built,
            planned=self.coming,
            existing_unknown=self.built_unknown,
            planned_unknown=self.coming_unknown,
            top=self.top,
        )


def _parent_positions(carriers: pd.DataFrame) -> IntArray:
    if "parent_id" not in carriers.columns:
        return np.full(len(carriers), -1, dtype=np.int64)
    return nesting.parent_positions(carriers["id"].astype(str).tolist(), carriers["parent_id"].tolist())


@dataclass(frozen=True)
class _Prepared:
    """Tranches as arrays, with what does not depend on the year worked out once."""

    carrier: IntArray
    phase: npt.NDArray[np.object_]
    area: IntArray
    area_known: BoolArray
    year: IntArray
    year_known: BoolArray
    top: BoolArray  # per tranche: no ancestor of its carrier has a known figure of its class
    carrier_top: BoolArray
    qualifier: npt.NDArray[np.int8]  # per tranche: its qualifier's rank
    n: int


def _prepare(carriers: pd.DataFrame, tranches: pd.DataFrame) -> _Prepared:
    n = len(carriers)
    positions = pd.Index(carriers["id"].astype(str)).get_indexer(tranches["carrier_id"].astype(str))
    if (positions < 0).any():
        unknown = sorted(set(tranches["carrier_id"].astype(str)[positions < 0]))
        raise ValueError(f"tranches of carriers not in the carriers frame: {', '.join(unknown)}")
    area_series = pd.Series(tranches["floor_area_m2"]).astype("Int64")
    year_series = pd.Series(tranches["year"]).astype("Int64")
    area_known = area_series.notna().to_numpy()
    phase = tranches["phase"].astype(str).to_numpy(dtype=object)
    klass = np.array([CLASS_OF_PHASE[p] for p in phase], dtype=object)
    parent = _parent_positions(carriers)
    top = np.zeros(len(tranches), dtype=bool)
    for name in ("built", "coming"):
        of_class = klass == name
        # A carrier's class figure is known when it has tranches of the class, all with a known area.
        has = np.zeros(n, dtype=bool)
        has[positions[of_class]] = True
        missing = np.zeros(n, dtype=bool)
        missing[positions[of_class & ~area_known]] = True
        known = has & ~missing
        class_top = ~nesting.ancestor_any(parent, known)
        top[of_class] = class_top[positions[of_class]]
    return _Prepared(
        carrier=positions.astype(np.int64),
        phase=phase,
        area=area_series.fillna(0).to_numpy(dtype=np.int64),
        area_known=area_known,
        year=year_series.fillna(0).to_numpy(dtype=np.int64),
        year_known=year_series.notna().to_numpy(),
        top=top,
        carrier_top=parent < 0,
        qualifier=tranches["qualifier"].map(_QUALIFIER_RANK).fillna(0).to_numpy(dtype=np.int8),
        n=n,
    )


def _per_carrier(values: IntArray, carrier: IntArray, n: int) -> IntArray:
    out = np.zeros(n, dtype=np.int64)
    np.add.at(out, carrier, values)
    return out


def _any_per_carrier(mask: BoolArray, carrier: IntArray, n: int) -> BoolArray:
    out = np.zeros(n, dtype=bool)
    out[carrier[mask]] = True
    return out


def _contributions(prepared: _Prepared, year: int | None) -> TimedContributions:
    p = prepared
    built = p.phase == "built"
    if year is None:
        due = np.ones(len(p.carrier), dtype=bool)
    else:
        # A built tranche of unknown year counts in every year (rule 1); a coming one only when dated.
        due = np.where(built, ~p.year_known | (p.year <= year), p.year_known & (p.year <= year))
    adds = p.area_known & p.top & due
    values = np.where(adds, p.area, 0)
    unknown_built = built & p.top & ~p.area_known & due
    # As of a year, a coming tranche without a year may or may not be due: unknown too (a stated
    # zero is zero whenever it is due).
    coming_timing = (
        ~built & p.top & ((~p.area_known & (due | ~p.year_known)) | (p.area_known & ~p.year_known & (p.area != 0)))
    )
    if year is None:
        coming_timing = ~built & p.top & ~p.area_known
    undated = built & p.top & p.area_known & ~p.year_known & (p.area != 0) if year is not None else np.zeros_like(built)
    qualifier = np.zeros(p.n, dtype=np.int8)
    np.maximum.at(qualifier, p.carrier, np.where(adds & (p.area != 0), p.qualifier, 0).astype(np.int8))
    return TimedContributions(
        built=_per_carrier(np.where(built, values, 0), p.carrier, p.n),
        under_construction=_per_carrier(np.where(p.phase == "under_construction", values, 0), p.carrier, p.n),
        planned=_per_carrier(np.where(p.phase == "planned", values, 0), p.carrier, p.n),
        built_unknown=_any_per_carrier(unknown_built, p.carrier, p.n),
        coming_unknown=_any_per_carrier(coming_timing, p.carrier, p.n),
        undated=_any_per_carrier(undated, p.carrier, p.n),
        top=p.carrier_top,
        qualifier=qualifier,
    )


def tranche_adds(carriers: pd.DataFrame, tranches: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Per tranche (positional): whether it adds on its own once due (known area, no ancestor's figure of its
    class known); a tranche that does not add is itemized by an ancestor, or unknown."""
    prepared = _prepare(carriers, tranches)
    return prepared.area_known & prepared.top


def contributions_by_year(
    carriers: pd.DataFrame, tranches: pd.DataFrame, years: Iterable[int | None]
) -> dict[int | None, TimedContributions]:
    """What each carrier adds as of each of ``years`` (``None``: build-out), from its tranches.

    The rules of ``docs/contract.md``: a tranche adds when its area is known, no ancestor of its
    carrier has a known figure of its class (built; under construction + planned), and it is due
    (built: completed by the year, or of unknown year; under construction and planned: expected by
    the year). For tranches from :func:`tranches_from_columns` this is exactly
    :func:`geo.rollup.contributions`.
    """
    prepared = _prepare(carriers, tranches)
    return {year: _contributions(prepared, year) for year in years}


# --- indicators ------------------------------------------------------------------------------------


def aggregate_indicator(code: str, values: Mapping[str, Iterable[float | None]]) -> float | None:
    """A group's value of an indicator from its members' values (unknown: ``None``, never 0).

    Additive indicators are summed from ``values[code]``; a derived one is recomputed from the sums
    of its numerator and denominator, never summed or averaged. Any unknown member makes the group
    unknown.

    >>> aggregate_indicator("firms", {"firms": [600, 120]})
    720.0
    >>> aggregate_indicator("output_per_m2", {"output": [5.0, 1.0], "floor_area": [50_000, 10_000]})
    1.0
    >>> aggregate_indicator("firms", {"firms": [600, None]}) is None
    True
    """
    indicator = INDICATORS[code]

    def total(name: str) -> float | None:
        members = list(values.get(name, ()))
        if not members or any(v is None for v in members):
            return None
        return float(sum(members))  # type: ignore[arg-type]

    if indicator.additive:
        return total(code)
    numerator, denominator = total(indicator.numerator), total(indicator.denominator)
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * _DERIVED_SCALE.get(code, 1.0)
