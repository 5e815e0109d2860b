"""Floor space through time, and against the plan's targets: the roll-up by year.

For each year of a span, per group (a zone type's zones, or carrier statuses) in one membership
mode: what is **built** (completed by then), **under construction** and **planned** (expected by
then), their total, the group's floor-space target in force that year, capacity − target, and
whether unknown figures could still close a gap, and the qualifier of the total (about, at least).
It composes :mod:`geo.rollup`'s public steps (:func:`~geo.rollup.memberships`,
:func:`~geo.rollup.partial_sums`, :func:`~geo.rollup.finish`: the same rules, nesting counted once,
unknown never zero, groups + outside = total exactly, every year) on per-year contributions from
:mod:`geo.tranches`. :func:`summary_as_of` is the summary table as of a year from the same
contributions: the command line's ``summary --year`` and the page's summary both call it.

A tranche whose year is unknown is never placed silently: an under-construction or planned one
is listed in ``unknown_ids`` in every year (and counted only at build-out); a built one counts in
every year, as an empty ``opened_year`` always did, and is listed in ``undated_ids``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.data import SEEDS_DIR
from geo.rollup import (
    OUTSIDE,
    TOTAL,
    Contributions,
    MetricOutlines,
    Mode,
    finish,
    memberships,
    partial_sums,
    summarize,
)
from geo.schema import DataError, Problem
from geo.tranches import (
    CONVERTED_NOTES,
    IMPLIED_NOTE,
    INDICATORS,
    QUALIFIERS_BY_RANK,
    TARGET_COLUMNS,
    TimedContributions,
    contributions_by_year,
    flat_mismatches,
    load_table,
    normalize_targets,
    normalize_tranches,
    resolve_tranches,
    tranche_adds,
    validate_targets,
    validate_tranches,
)

__all__ = [
    "CHANGES_COLUMNS",
    "DEFAULT_SPAN",
    "INDICATORS_REPORT_COLUMNS",
    "TARGETS_REPORT_COLUMNS",
    "TIMELINE_COLUMNS",
    "Figures",
    "bundled_figure_paths",
    "bundled_indicators_path",
    "changes_in_year",
    "indicator_report",
    "load_figures",
    "phase_by_carrier",
    "summary_as_of",
    "target_report",
    "timeline",
]

DEFAULT_SPAN: tuple[int, int] = (2015, 2035)

TIMELINE_COLUMNS: tuple[str, ...] = (
    "group_id",
    "name_zh",
    "name_en",
    "year",
    "built_m2",
    "under_construction_m2",
    "planned_m2",
    "total_m2",
    "target_m2",
    "gap_m2",
    "target_status",
    "unknown_count",
    "unknown_ids",
    "undated_ids",
    "total_qualifier",
)

TARGETS_REPORT_COLUMNS: tuple[str, ...] = (
    "target_id",
    "subject_type",
    "subject_id",
    "name_zh",
    "name_en",
    "indicator",
    "value",
    "unit",
    "qualifier",
    "year",
    "year_basis",
    "built_m2",
    "capacity_m2",
    "gap_m2",
    "target_status",
    "unknown_count",
    "unknown_ids",
    "source_ids",
)


CHANGES_COLUMNS: tuple[str, ...] = (
    "tranche_id",
    "carrier_id",
    "name_zh",
    "name_en",
    "phase",
    "floor_area_m2",
    "year",
    "year_basis",
    "qualifier",
    "adds",
    "source_ids",
)


INDICATORS_REPORT_COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "subject_type",
    "subject_id",
    "name_zh",
    "name_en",
    "indicator",
    "indicator_zh",
    "indicator_en",
    "additive",
    "value",
    "unit",
    "qualifier",
    "year",
    "year_basis",
    "source_ids",
)


@dataclass(frozen=True)
class Figures:
    """Every carrier's tranches (resolved: table rows, or converted from the two columns), the targets, and
    the indicator values sources report (same columns as the targets; ``None``: none given)."""

    tranches: pd.DataFrame
    targets: pd.DataFrame
    indicators: pd.DataFrame | None = None


def bundled_figure_paths() -> tuple[Path, Path]:
    """The bundled data's tranches and targets tables (``seeds/tranches.csv``, ``seeds/targets.csv``)."""
    return SEEDS_DIR / "tranches.csv", SEEDS_DIR / "targets.csv"


def bundled_indicators_path() -> Path:
    """The bundled data's indicator values (``seeds/indicators.csv``)."""
    return SEEDS_DIR / "indicators.csv"


def _empty_targets() -> pd.DataFrame:
    return normalize_targets(pd.DataFrame(columns=list(TARGET_COLUMNS)))


def load_figures(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    tranches: Path | str | pd.DataFrame | None = None,
    targets: Path | str | pd.DataFrame | None = None,
    indicators: Path | str | pd.DataFrame | None = None,
    source_ids: set[str] | None = None,
) -> Figures:
    """Tranches and targets for validated carriers and zones, checked against them.

    Parameters
    ----------
    carriers, zones
        Validated frames (e.g. :attr:`geo.data.Dataset.carriers`).
    tranches, targets, indicators
        A table (CSV, XLSX sheet, GeoPackage table; see :func:`geo.tranches.load_table`) or a frame;
        ``None``: carriers are read from their two columns, and there are no targets or indicator values.
    source_ids
        Ids of the sources table to check citations against (``None``: not checked).

    Raises
    ------
    DataError
        With every problem of both tables (and carriers whose two columns contradict their tranches).
    """
    carrier_ids = set(carriers["id"].astype(str))
    zone_ids = set(zones["id"].astype(str))
    problems: list[Problem] = []
    table = None
    where = []
    if tranches is not None:
        raw = tranches if isinstance(tranches, pd.DataFrame) else load_table(tranches, table="tranches")
        where.append(str(tranches) if not isinstance(tranches, pd.DataFrame) else "tranches")
        found = validate_tranches(raw, carrier_ids=carrier_ids, source_ids=source_ids)
        problems += found
        if not found:
            table = normalize_tranches(raw)
    target_frame = _empty_targets()
    if targets is not None:
        raw = targets if isinstance(targets, pd.DataFrame) else load_table(targets, table="targets")
        where.append(str(targets) if not isinstance(targets, pd.DataFrame) else "targets")
        found = validate_targets(raw, carrier_ids=carrier_ids, zone_ids=zone_ids, source_ids=source_ids)
        problems += found
        if not found:
            target_frame = normalize_targets(raw, zone_ids=zone_ids)
    indicator_frame = None
    if indicators is not None:
        raw = indicators if isinstance(indicators, pd.DataFrame) else load_table(indicators, table="indicators")
        where.append(str(indicators) if not isinstance(indicators, pd.DataFrame) else "indicators")
        found = validate_targets(
            raw, carrier_ids=carrier_ids, zone_ids=zone_ids, source_ids=source_ids, kind="indicators"
        )
        problems += found
        if not found:
            indicator_frame = normalize_targets(raw, zone_ids=zone_ids)
    resolved = resolve_tranches(carriers, table)
    if table is not None:
        problems += flat_mismatches(carriers, resolved, table)
    if problems:
        raise DataError(" + ".join(where), problems)
    return Figures(tranches=resolved, targets=target_frame, indicators=indicator_frame)


# --- the roll-up -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Members:
    """A :func:`geo.rollup.memberships` frame's rows as arrays: each row's carrier position and group position."""

    position: npt.NDArray[np.int64]
    group: npt.NDArray[np.int64]
    n_groups: int

    @classmethod
    def of(cls, member: pd.DataFrame) -> _Members:
        codes = member["group_id"].cat.codes.to_numpy(dtype=np.int64)
        return cls(member["position"].to_numpy(dtype=np.int64), codes, len(member["group_id"].cat.categories))


def _group_qualifiers(members: _Members, rank: npt.NDArray[np.int8]) -> list[str]:
    """Per group of a :func:`geo.rollup.memberships` frame, then for the whole district: the qualifier of the
    sum (:func:`geo.tranches.combine_qualifiers`) of what the members add, from each carrier's ``rank``
    (:attr:`geo.tranches.TimedContributions.qualifier`). A carrier split between groups qualifies each of them."""
    out = np.zeros(members.n_groups, dtype=np.int8)
    np.maximum.at(out, members.group, rank[members.position])
    total = int(rank.max(initial=0))
    return [QUALIFIERS_BY_RANK[int(r)] for r in out] + [QUALIFIERS_BY_RANK[total]]


def _sums(contrib: Contributions, member: pd.DataFrame, *, ids: pd.Series) -> pd.DataFrame:
    """:func:`geo.rollup.partial_sums` of all the carriers (no land area: the timeline has none)."""
    return partial_sums(contrib, member, np.zeros(len(ids)), ids=ids)


def _joined(sums: pd.DataFrame) -> list[str]:
    """Per row of partial sums, its unknown members' ids joined with ``;`` in carrier order (as
    :func:`geo.rollup.finish` joins them)."""
    return [
        ";".join(np.asarray(i, dtype=object)[np.argsort(o, kind="stable")].tolist())
        for o, i in zip(sums["unknown_order"].tolist(), sums["unknown_ids"].tolist(), strict=True)
    ]


def _floor_targets(targets: pd.DataFrame) -> dict[str, list[tuple[int | None, int]]]:
    """Per zone, its floor-space targets as (year or ``None``, value), in file order."""
    floor = targets[(targets["indicator"] == "floor_area") & (targets["subject_type"] == "zone")]
    out: dict[str, list[tuple[int | None, int]]] = {}
    for subject, year, value in zip(floor["subject_id"], floor["year"], floor["value"], strict=True):
        out.setdefault(str(subject), []).append((None if pd.isna(year) else int(year), int(value)))
    return out


def _target_in_force(targets: dict[str, list[tuple[int | None, int]]], subject: str, year: int | None) -> int | None:
    """The floor-space target of ``subject`` in force in ``year``: the latest one due by then
    (build-out, ``None``: the latest of all, including one of unknown year, which then holds)."""
    own = targets.get(subject, [])
    dated = sorted(((y, v) for y, v in own if y is not None), key=lambda t: t[0])  # stable: file order in a year
    if year is not None:
        due = [v for y, v in dated if y <= year]
        return due[-1] if due else None
    undated = [v for y, v in own if y is None]
    if undated:  # a target with no year holds at build-out
        return undated[-1]
    return dated[-1][1] if dated else None


def _status(gap: int | None, unknown_count: int) -> str | None:
    if gap is None:
        return None
    if gap >= 0:
        return "met"
    return "open" if unknown_count else "short"


def _year_rows(
    contrib: TimedContributions,
    member: pd.DataFrame,
    *,
    members: _Members,
    ids: pd.Series,
    names: pd.DataFrame,
    targets: dict[str, list[tuple[int | None, int]]],
    year: int | None,
) -> list[dict[str, object]]:
    """One year's rows, by the roll-up's public steps: built and coming (under construction + planned)
    apportioned as :func:`geo.rollup.summarize` does (so the two agree to the m²), under construction
    apportioned on its own and planned = coming − under construction (groups + outside = total exactly).
    ``names``: :func:`geo.rollup.finish`'s ``group_id``, ``name_zh``, ``name_en`` of the groups and total."""
    main = _sums(contrib.as_rollup(), member, ids=ids)
    split = _sums(
        Contributions(
            existing=contrib.under_construction,
            planned=contrib.planned,
            existing_unknown=contrib.undated,  # its "unknown" members are the undated ones
            planned_unknown=np.zeros_like(contrib.undated),
            top=contrib.top,
        ),
        member,
        ids=ids,
    )
    built, coming = main["existing_m2"].to_numpy(), main["planned_m2"].to_numpy()
    building, unknown_count = split["existing_m2"].to_numpy(), main["unknown_count"].to_numpy()
    unknown_ids, undated_ids = _joined(main), _joined(split)
    qualifiers = _group_qualifiers(members, contrib.qualifier)
    rows: list[dict[str, object]] = []
    for g, (group, name_zh, name_en) in enumerate(names.itertuples(index=False, name=None)):
        total = int(built[g] + coming[g])
        target = None if group in (OUTSIDE, TOTAL) else _target_in_force(targets, group, year)
        gap = None if target is None else total - target
        rows.append(
            {
                "group_id": group,
                "name_zh": name_zh,
                "name_en": name_en,
                "year": year,
                "built_m2": int(built[g]),
                "under_construction_m2": int(building[g]),
                "planned_m2": int(coming[g] - building[g]),
                "total_m2": total,
                "target_m2": target,
                "gap_m2": gap,
                "target_status": _status(gap, int(unknown_count[g])),
                "unknown_count": int(unknown_count[g]),
                "unknown_ids": unknown_ids[g],
                "undated_ids": undated_ids[g],
                "total_qualifier": qualifiers[g],
            }
        )
    return rows


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _frame(rows: list[dict[str, object]], columns: Sequence[str], ints: Iterable[str]) -> pd.DataFrame:
    ints = set(ints)
    data = {}
    for column in columns:
        values = [row[column] for row in rows]
        if column in ints:
            data[column] = pd.array([None if _missing(v) else v for v in values], dtype="Int64")
        else:  # as given: whole numbers stay whole, text stays text, None for empty
            data[column] = pd.Series([None if _missing(v) else v for v in values], dtype=object)
    return pd.DataFrame(data, columns=list(columns))


def timeline(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    figures: Figures | None = None,
    by: str = "pole",
    mode: Mode = "declared",
    years: Iterable[int | None] = range(DEFAULT_SPAN[0], DEFAULT_SPAN[1] + 1),
) -> pd.DataFrame:
    """Built, under-construction and planned floor space per group and year, beside the targets.

    Parameters
    ----------
    carriers, zones
        Validated frames per the data contract.
    figures
        Tranches and targets (:func:`load_figures`); ``None``: the carriers' two columns, no targets.
    by
        A zone type present in ``zones`` (``pole``, ``belt``, …) or ``status``.
    mode
        Membership mode for zone types (``declared``, ``largest``, ``area``).
    years
        The years, in order; ``None`` stands for build-out (everything counts).

    Returns
    -------
    DataFrame
        Per year, one row per group, then ``__outside__`` (zone types) and ``__total__``, with the
        columns of :data:`TIMELINE_COLUMNS`. Figures are whole m² (Int64); per year and column the
        groups plus outside add up exactly to the total. ``target_m2`` is the zone's floor-space
        target in force that year (the latest due by then), ``gap_m2`` = ``total_m2`` − target,
        ``target_status`` ``met``, ``open`` (short, but unknown figures could close the gap) or
        ``short``. ``unknown_ids`` lists members with an unknown area or an unknown year of an
        under-construction or planned tranche; ``undated_ids`` members counted with a built tranche
        of unknown year; ``total_qualifier`` (``exact``, ``about``, ``at_least``) the qualifier of
        ``total_m2``, combined from the figures it adds (:func:`geo.tranches.combine_qualifiers`).
    """
    figures = figures or Figures(tranches=resolve_tranches(carriers), targets=_empty_targets())
    years = list(years)
    member = memberships(carriers, zones, by=by, mode=mode)
    by_year = contributions_by_year(carriers, figures.tranches, years)
    targets = _floor_targets(figures.targets)
    ids = carriers["id"]
    # The groups' names (and order), once: finish of any partial sums of these memberships.
    empty = np.zeros(len(carriers), dtype=np.int64)
    nothing = np.zeros(len(carriers), dtype=bool)
    named = finish(_sums(Contributions(empty, empty, nothing, nothing, nothing), member, ids=ids), zones, by=by)
    names = named[["group_id", "name_zh", "name_en"]].astype(object)
    members = _Members.of(member)
    rows = [
        row
        for year in years
        for row in _year_rows(by_year[year], member, members=members, ids=ids, names=names, targets=targets, year=year)
    ]
    ints = ("year", "built_m2", "under_construction_m2", "planned_m2", "total_m2", "target_m2", "gap_m2")
    table = _frame(rows, TIMELINE_COLUMNS, ints)
    table["unknown_count"] = table["unknown_count"].astype(np.int64)
    return table


def summary_as_of(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    figures: Figures | None = None,
    by: str = "pole",
    mode: Mode = "declared",
    year: int | None = None,
    workers: int | None = None,
    outlines: MetricOutlines | None = None,
) -> pd.DataFrame:
    """The summary table as of ``year`` from the tranches: what ``python -m geo summary --year`` writes and the
    page shows, equal to :func:`timeline`'s rows for that year.

    Parameters
    ----------
    carriers, zones
        Validated frames per the data contract.
    figures
        The data's tranches (:func:`load_figures`: the bundled tables, ``--tranches``, a scenario's own);
        ``None``: the carriers' two columns, read as :func:`geo.rollup.contributions` reads them (the same
        figures as their tranches, :func:`geo.tranches.tranches_from_columns`, without building them).
    by, mode, year, workers, outlines
        As for :func:`geo.rollup.summarize` (``year`` ``None``: build-out).

    Returns
    -------
    DataFrame
        :func:`geo.rollup.summarize`'s columns (``existing_m2``: built; ``planned_m2``: under construction
        + planned), then ``total_qualifier``: per group the qualifier of ``total_m2`` (``exact`` for the
        two columns, which carry none).
    """
    if figures is None:
        table = summarize(carriers, zones, by=by, mode=mode, year=year, workers=workers, outlines=outlines)
        table["total_qualifier"] = "exact"
        return table
    timed = contributions_by_year(carriers, figures.tranches, [year])[year]
    contrib = timed.as_rollup()
    table = summarize(carriers, zones, by=by, mode=mode, year=year, workers=workers, contrib=contrib, outlines=outlines)
    if timed.qualifier.any():  # which groups hold a qualified figure: only then is membership needed again
        member = memberships(carriers, zones, by=by, mode=mode, workers=workers, outlines=outlines)
        table["total_qualifier"] = _group_qualifiers(_Members.of(member), timed.qualifier)
    else:
        table["total_qualifier"] = "exact"
    return table


def _descendants(carriers: pd.DataFrame, root: str) -> list[int]:
    """Positions of ``root`` and every carrier below it."""
    ids = carriers["id"].astype(str).tolist()
    parents = carriers["parent_id"].tolist() if "parent_id" in carriers.columns else [None] * len(ids)
    children: dict[str, list[int]] = {}
    for position, parent in enumerate(parents):
        if parent is not None and not pd.isna(parent):
            children.setdefault(str(parent), []).append(position)
    out, stack = [], [ids.index(root)]
    while stack:
        position = stack.pop()
        out.append(position)
        stack.extend(children.get(ids[position], []))
    return sorted(out)


def _carrier_capacity(
    carriers: gpd.GeoDataFrame, tranches: pd.DataFrame, subject: str, year: int | None
) -> tuple[int, int, list[str]]:
    """(built, total, unknown ids) of a carrier and everything below it, as of ``year``, nesting counted
    once within that subtree (the subject stands as its root, whatever is above it)."""
    members = _descendants(carriers, subject)
    subtree = carriers.iloc[members].copy()
    subtree.loc[subtree["id"].astype(str) == subject, "parent_id"] = None
    own = tranches[tranches["carrier_id"].isin(set(subtree["id"].astype(str)))]
    contrib = contributions_by_year(subtree, own, [year])[year]
    ids = subtree["id"].astype(str).to_numpy()
    return int(contrib.built.sum()), int(contrib.total.sum()), ids[contrib.unknown].tolist()


def _subject_names(
    carrier_table: pd.DataFrame, zone_table: pd.DataFrame, subject_type: str, subject: str
) -> tuple[str, str]:
    if subject_type == "district":
        return "全区", "whole district"
    named = zone_table if subject_type == "zone" else carrier_table
    return str(named.at[subject, "name_zh"]), str(named.at[subject, "name_en"])


def _value(target: dict[str, object]) -> float | int:
    """A target's value: whole for areas and counts."""
    value = float(target["value"])  # type: ignore[arg-type]
    return int(value) if INDICATORS[str(target["indicator"])].unit in ("m²", "家") else value


def target_report(
    carriers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    figures: Figures,
    *,
    mode: Mode = "declared",
) -> pd.DataFrame:
    """Every target with the capacity it is measured against, the gap, and what is unknown.

    A floor-space target on a zone is compared with the zone's total (built + under construction
    + planned) in the target's year, in ``mode``; on a carrier, with the carrier's and its
    children's contributions (nesting counted once). A target of unknown year is compared with
    build-out. Targets of other indicators (renewal area, firms, output, …) are listed with their
    capacity unknown: floor space is never compared with them.

    Returns
    -------
    DataFrame
        One row per target, columns :data:`TARGETS_REPORT_COLUMNS`.
    """
    targets = figures.targets
    years = sorted({None if pd.isna(y) else int(y) for y in targets["year"]}, key=lambda y: (y is None, y or 0))
    zone_table = zones.set_index(zones["id"].astype(str))
    carrier_table = carriers.set_index(carriers["id"].astype(str))
    timelines: dict[str, pd.DataFrame] = {}
    rows = []
    for target in targets.to_dict("records"):
        year = None if pd.isna(target["year"]) else int(target["year"])
        subject, subject_type = str(target["subject_id"]), str(target["subject_type"])
        name_zh, name_en = _subject_names(carrier_table, zone_table, subject_type, subject)
        built = capacity = None
        unknown: list[str] = []
        if target["indicator"] == "floor_area":
            if subject_type == "zone":
                zone_type = str(zone_table.at[subject, "type"])
                if zone_type not in timelines:
                    timelines[zone_type] = timeline(
                        carriers, zones, figures=figures, by=zone_type, mode=mode, years=years
                    )
                table = timelines[zone_type]
                row = table[
                    (table["group_id"] == subject) & (table["year"].isna() if year is None else table["year"] == year)
                ]
                row = row.iloc[0]
                built, capacity = int(row["built_m2"]), int(row["total_m2"])
                unknown = [i for i in str(row["unknown_ids"]).split(";") if i]
            else:
                built, capacity, unknown = _carrier_capacity(carriers, figures.tranches, subject, year)
        gap = None if capacity is None else capacity - int(target["value"])
        rows.append(
            {
                "target_id": target["id"],
                "subject_type": subject_type,
                "subject_id": subject,
                "name_zh": name_zh,
                "name_en": name_en,
                "indicator": target["indicator"],
                "value": _value(target),
                "unit": target["unit"],
                "qualifier": target["qualifier"],
                "year": year,
                "year_basis": target["year_basis"],
                "built_m2": built,
                "capacity_m2": capacity,
                "gap_m2": gap,
                "target_status": _status(gap, len(unknown)) if capacity is not None else "unknown",
                "unknown_count": len(unknown),
                "unknown_ids": ";".join(unknown),
                "source_ids": target["source_ids"],
            }
        )
    table = _frame(rows, TARGETS_REPORT_COLUMNS, ("year", "built_m2", "capacity_m2", "gap_m2"))
    table["unknown_count"] = table["unknown_count"].astype(np.int64)
    return table


def changes_in_year(carriers: gpd.GeoDataFrame, year: int, *, figures: Figures | None = None) -> pd.DataFrame:
    """What changes in ``year``: the tranches dated that year (built: opens; under construction or planned:
    due), with whether each adds to sums on its own (``adds``: false when an ancestor's figure already holds
    it, or its area is unknown). Tranches of unknown year are never listed here: they are in the timeline's
    ``unknown_ids`` / ``undated_ids``.

    Returns
    -------
    DataFrame
        Columns :data:`CHANGES_COLUMNS`, in carrier order.
    """
    tranches = resolve_tranches(carriers) if figures is None else figures.tranches
    adds = tranche_adds(carriers, tranches)
    dated = tranches["year"].notna().to_numpy()
    in_year = np.zeros(len(tranches), dtype=bool)
    in_year[dated] = tranches["year"].to_numpy()[dated].astype(np.int64) == year
    chosen = tranches[in_year]
    named = carriers.set_index(carriers["id"].astype(str))
    rows = [
        {
            "tranche_id": row["id"],
            "carrier_id": row["carrier_id"],
            "name_zh": str(named.at[row["carrier_id"], "name_zh"]),
            "name_en": str(named.at[row["carrier_id"], "name_en"]),
            "phase": row["phase"],
            "floor_area_m2": row["floor_area_m2"],
            "year": year,
            "year_basis": row["year_basis"],
            "qualifier": row["qualifier"],
            "adds": bool(flag),
            "source_ids": row["source_ids"],
        }
        for (_, row), flag in zip(chosen.iterrows(), adds[in_year], strict=True)
    ]
    table = _frame(rows, CHANGES_COLUMNS, ("floor_area_m2", "year"))
    table["adds"] = table["adds"].astype(bool)
    return table


def phase_by_carrier(carriers: gpd.GeoDataFrame, year: int | None, *, figures: Figures | None = None) -> pd.Series:
    """Each carrier's phase as of ``year``, for colouring the map: ``built``, ``under_construction``,
    ``planned`` or ``unknown`` (indexed by carrier id).

    The most advanced phase among the carrier's tranches that exist by then: a built tranche completed
    by ``year`` (or of unknown year), and any under-construction or planned tranche, as reported. A
    tranche of 0 m² (a stated "nothing") does not count, nor one the tool made up for an empty column
    or a missing class (unknown area and year); a stated one of unknown area does. ``None``: build-out.
    """
    tranches = resolve_tranches(carriers) if figures is None else figures.tranches
    area = pd.Series(tranches["floor_area_m2"]).astype("Int64")
    years = pd.Series(tranches["year"]).astype("Int64")
    made_up = tranches["note"].isin([*CONVERTED_NOTES.values(), IMPLIED_NOTE]).to_numpy()
    stated = ~made_up | years.notna().to_numpy() | area.notna().to_numpy()
    something = (area.isna() | (area != 0)).to_numpy(dtype=bool) & stated
    built = (tranches["phase"] == "built").to_numpy()
    in_use = years.isna().to_numpy() | (True if year is None else (years.fillna(0) <= year).to_numpy())
    rank = {"built": 3, "under_construction": 2, "planned": 1}
    ranks = tranches["phase"].map(rank).to_numpy()
    keep = something & (~built | in_use)
    best = (
        pd.Series(ranks[keep], index=tranches["carrier_id"].to_numpy()[keep]).groupby(level=0).max()
        if keep.any()
        else pd.Series(dtype="int64")
    )
    names = {3: "built", 2: "under_construction", 1: "planned"}
    ids = carriers["id"].astype(str)
    return pd.Series([names[int(best[i])] if i in best.index else "unknown" for i in ids], index=ids.to_numpy())


def indicator_report(carriers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, figures: Figures) -> pd.DataFrame:
    """Every indicator value the sources report, named in both languages, with whether it adds up.

    Returns
    -------
    DataFrame
        One row per value, columns :data:`INDICATORS_REPORT_COLUMNS` (``additive``: members' values of
        this indicator are summed; otherwise a group's value is recomputed from sums, see
        :func:`geo.tranches.aggregate_indicator`).
    """
    frame = figures.indicators if figures.indicators is not None else _empty_targets()
    carrier_table = carriers.set_index(carriers["id"].astype(str))
    zone_table = zones.set_index(zones["id"].astype(str))
    rows = []
    for value in frame.to_dict("records"):
        subject, subject_type = str(value["subject_id"]), str(value["subject_type"])
        name_zh, name_en = _subject_names(carrier_table, zone_table, subject_type, subject)
        indicator = INDICATORS[str(value["indicator"])]
        rows.append(
            {
                "indicator_id": value["id"],
                "subject_type": subject_type,
                "subject_id": subject,
                "name_zh": name_zh,
                "name_en": name_en,
                "indicator": indicator.code,
                "indicator_zh": indicator.name.zh,
                "indicator_en": indicator.name.en,
                "additive": indicator.additive,
                "value": _value(value),
                "unit": value["unit"],
                "qualifier": value["qualifier"],
                "year": None if pd.isna(value["year"]) else int(value["year"]),
                "year_basis": value["year_basis"],
                "source_ids": value["source_ids"],
            }
        )
    table = _frame(rows, INDICATORS_REPORT_COLUMNS, ("year",))
    table["additive"] = table["additive"].astype(bool)
    return table
