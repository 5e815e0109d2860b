"""The straightforward ways to roll floor area up by zone, written plainly with geopandas and pandas.

Each function takes footprints and zones in one metric CRS and a zone type, and returns the same
integer table (see :func:`result_table`): one row per zone of the type in zone-file order, then
``__outside__`` and ``__total__``, with whole-m² ``existing_m2``, ``planned_m2`` and ``total_m2``.
They follow the rules the project's roll-up promises (DESIGN.md rules 4 and 5):

- zones of one type are made disjoint first: zone *i* minus the union of the zones listed before it;
- ``area``: each footprint's figure is split by the share of its outline in each zone, the rest
  goes outside, and the parts are rounded to whole m² by the largest-remainder method (ties: the zone
  listed first, outside last), so that they add up exactly to the figure;
- ``largest``: the whole figure goes to the zone with the largest overlap (ties: listed first;
  no overlap: outside);
- ``declared``: the first zone of the type, in zone-file order, named in ``zone_ids``;
- unknown figures (NA) are never summed as zero: they are left out of every sum.

``points_in_zones`` (membership of a representative point) is here for a speed comparison only:
it is a different rule and gives a different table.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = [
    "FIGURES",
    "OUTSIDE",
    "TOTAL",
    "apportion_largest_remainder",
    "area_overlay",
    "declared_explode",
    "disjoint_zones",
    "largest_sjoin",
    "points_in_zones",
    "result_table",
    "table_records",
]

OUTSIDE = "__outside__"
TOTAL = "__total__"
FIGURES = ("floor_area_existing_m2", "floor_area_planned_m2")
_COLUMNS = ("existing_m2", "planned_m2")


def disjoint_zones(zones: gpd.GeoDataFrame, by: str) -> gpd.GeoDataFrame:
    """Zones of type ``by`` in file order, each minus the union of those listed before it.

    Columns ``slot`` (position among the zones of the type), ``id`` and ``geometry``.
    """
    of_type = zones[zones["type"] == by].reset_index(drop=True)
    pieces = []
    earlier = None
    for geom in of_type.geometry:
        pieces.append(geom if earlier is None else geom.difference(earlier))
        earlier = geom if earlier is None else earlier.union(geom)
    return gpd.GeoDataFrame(
        {"slot": np.arange(len(of_type)), "id": of_type["id"].astype(str).tolist()},
        geometry=gpd.GeoSeries(pieces, crs=zones.crs),
    )


def result_table(footprints: pd.DataFrame, zone_ids: list[str], parts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The per-zone integer table from each figure's parts.

    ``parts`` maps each of ``FIGURES`` to a frame with a ``slot`` (0..k-1 for the zones, k for
    outside) and a whole-m² ``part`` column; NA parts (unknown figures) are left out of the sums.
    The ``__total__`` row is the sum of the known figures of all footprints.
    """
    groups = [*zone_ids, OUTSIDE]
    table = pd.DataFrame({"group_id": [*groups, TOTAL]})
    for figure, column in zip(FIGURES, _COLUMNS, strict=True):
        frame = parts[figure]
        sums = frame.groupby("slot")["part"].sum().reindex(range(len(groups)), fill_value=0)
        total = footprints[figure].sum()  # NA is skipped
        table[column] = [*(int(v) for v in sums.to_numpy()), int(total)]
    table["total_m2"] = table["existing_m2"] + table["planned_m2"]
    for column in ("existing_m2", "planned_m2", "total_m2"):
        table[column] = table[column].astype(np.int64)
    return table


def _whole(footprints: pd.DataFrame, slot: pd.Series) -> dict[str, pd.DataFrame]:
    """Each footprint's whole figure in one slot (largest, declared, point-in-zone)."""
    return {
        figure: pd.DataFrame({"slot": slot.to_numpy(), "part": footprints[figure].to_numpy()}) for figure in FIGURES
    }


def apportion_largest_remainder(rows: pd.DataFrame, values: pd.Series) -> pd.DataFrame:
    """Whole parts of each footprint's value by share, rounded by the largest-remainder method.

    ``rows`` has ``fp`` (footprint position), ``slot`` and ``share`` (each footprint's shares add
    up to 1); ``values`` are the footprints' figures by position (NA: unknown, left out).
    Every part is first rounded down; the units left over go one each to the rows with the
    largest remainders, ties to the lower slot (the zone listed first; outside is last).
    """
    frame = rows.copy()
    frame["value"] = values.to_numpy()[frame["fp"].to_numpy()]
    frame = frame[frame["value"].notna()].copy()
    frame["value"] = frame["value"].astype(np.int64)
    frame["exact"] = frame["value"] * frame["share"]
    frame["floor"] = np.floor(frame["exact"]).astype(np.int64)
    frame["remainder"] = frame["exact"] - frame["floor"]
    frame["left"] = frame["value"] - frame.groupby("fp")["floor"].transform("sum")
    frame = frame.sort_values(["fp", "remainder", "slot"], ascending=[True, False, True])
    frame["rank"] = frame.groupby("fp").cumcount()
    frame["part"] = frame["floor"] + (frame["rank"] < frame["left"]).astype(np.int64)
    return frame[["fp", "slot", "part"]]


def area_overlay(footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, by: str) -> pd.DataFrame:
    """Area-weighted: ``geopandas.overlay`` (intersection) + groupby + largest-remainder rounding."""
    disjoint = disjoint_zones(zones, by)
    outside = len(disjoint)
    left = gpd.GeoDataFrame(
        {"fp": np.arange(len(footprints))}, geometry=footprints.geometry.to_numpy(), crs=footprints.crs
    )
    pieces = gpd.overlay(left, disjoint[["slot", "geometry"]], how="intersection", keep_geom_type=True)
    pieces["overlap"] = pieces.geometry.area
    shares = pieces.groupby(["fp", "slot"], as_index=False)["overlap"].sum()
    footprint_area = left.geometry.area.to_numpy()
    shares["share"] = shares["overlap"] / footprint_area[shares["fp"].to_numpy()]
    shares = shares[shares["share"] > 0]
    inside = shares.groupby("fp")["share"].sum().reindex(range(len(footprints)), fill_value=0.0)
    rest = pd.DataFrame(
        {"fp": np.arange(len(footprints)), "slot": outside, "share": (1.0 - inside.to_numpy()).clip(0.0, 1.0)}
    )
    rows = pd.concat([shares[["fp", "slot", "share"]], rest], ignore_index=True)
    parts = {figure: apportion_largest_remainder(rows, footprints[figure]) for figure in FIGURES}
    return result_table(footprints, disjoint["id"].tolist(), parts)


def largest_sjoin(footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, by: str) -> pd.DataFrame:
    """Largest overlap: ``geopandas.sjoin`` (intersects) + intersection area + first maximum."""
    disjoint = disjoint_zones(zones, by)
    left = gpd.GeoDataFrame(
        {"fp": np.arange(len(footprints))}, geometry=footprints.geometry.to_numpy(), crs=footprints.crs
    )
    pairs = gpd.sjoin(left, disjoint[["slot", "geometry"]], predicate="intersects", how="inner")
    zone_geoms = gpd.GeoSeries(
        disjoint.geometry.to_numpy()[pairs["slot"].to_numpy()], index=pairs.index, crs=footprints.crs
    )
    pairs["overlap"] = pairs.geometry.intersection(zone_geoms).area
    pairs = pairs[pairs["overlap"] > 0]
    best = pairs.sort_values(["fp", "overlap", "slot"], ascending=[True, False, True]).drop_duplicates("fp")[
        ["fp", "slot"]
    ]
    slot = pd.Series(len(disjoint), index=range(len(footprints)))
    slot.loc[best["fp"].to_numpy()] = best["slot"].to_numpy()
    return result_table(footprints, disjoint["id"].tolist(), _whole(footprints, slot))


def points_in_zones(footprints: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, by: str) -> pd.DataFrame:
    """Point in zone: ``geopandas.sjoin`` of representative points (speed comparison only)."""
    disjoint = disjoint_zones(zones, by)
    points = gpd.GeoDataFrame(
        {"fp": np.arange(len(footprints))},
        geometry=footprints.geometry.representative_point().to_numpy(),
        crs=footprints.crs,
    )
    hits = gpd.sjoin(points, disjoint[["slot", "geometry"]], predicate="within", how="inner")
    hits = hits.sort_values(["fp", "slot"]).drop_duplicates("fp")
    slot = pd.Series(len(disjoint), index=range(len(footprints)))
    slot.loc[hits["fp"].to_numpy()] = hits["slot"].to_numpy()
    return result_table(footprints, disjoint["id"].tolist(), _whole(footprints, slot))


def declared_explode(footprints: pd.DataFrame, zones: pd.DataFrame, by: str) -> pd.DataFrame:
    """Declared: split ``zone_ids`` on ';', explode, and keep the zone listed first in the zone file."""
    zone_ids = zones.loc[zones["type"] == by, "id"].astype(str).tolist()
    slot_of = {zone_id: slot for slot, zone_id in enumerate(zone_ids)}
    named = (
        pd.Series(footprints["zone_ids"].to_numpy(), index=range(len(footprints)), dtype="str")
        .str.split(";")
        .explode()
        .str.strip()
    )
    slots = named.map(slot_of).dropna()
    first = slots.groupby(level=0).min()
    slot = pd.Series(len(zone_ids), index=range(len(footprints)))
    slot.loc[first.index.to_numpy()] = first.to_numpy().astype(np.int64)
    return result_table(footprints, zone_ids, _whole(footprints, slot))


def table_records(table: pd.DataFrame) -> list[tuple[str, int, int, int]]:
    """A result table (the project's summary or a baseline's) as plain (group_id, existing, planned, total).

    NA (which a sum never should be) becomes None, so it never compares equal to a number.
    """

    def _value(value: object) -> int | None:
        return None if pd.isna(value) else int(value)  # type: ignore[arg-type]

    return [
        (str(row[0]), _value(row[1]), _value(row[2]), _value(row[3]))
        for row in table[["group_id", "existing_m2", "planned_m2", "total_m2"]].itertuples(index=False)
    ]
