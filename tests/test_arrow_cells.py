"""The GeoParquet reader's cells come from Arrow column by column, as a GeoPackage's read: text in
pandas' text dtype, numbers as numpy numbers (integers with a gap as floats with NaN); every other
column exactly as pandas' casts gave it."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io._pyformats import arrow_cells


def pandas_cells(table: pa.Table, *, numbers: bool = True) -> pd.DataFrame:
    """Text (and, with ``numbers``, numbers) as pandas reads them from Arrow; the rest cast to object
    with every missing value None."""
    frame = table.to_pandas()
    cells = frame.astype(dict.fromkeys(frame.columns, object)).where(frame.notna(), None)
    for position, field in enumerate(table.schema):
        number = pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type) or (numbers and number):
            cells.isetitem(position, frame.iloc[:, position])
    return cells


def same_cells(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert list(left.columns) == list(right.columns)
    assert list(left.dtypes) == list(right.dtypes)
    assert len(left) == len(right)
    for a, b in zip(left.itertuples(index=False), right.itertuples(index=False), strict=True):
        for x, y in zip(a, b, strict=True):
            assert type(x) is type(y), (x, y)
            assert x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y)), (x, y)


texts = st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=0, max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    text=texts,
    ints=st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=20),
    floats=st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=20),
)
def test_text_and_number_columns_give_the_cells_pandas_gave(text, ints, floats):
    n = min(len(text), len(ints), len(floats))
    table = pa.table(
        {
            "name": pa.array(text[:n], type=pa.large_string()),
            "short": pa.array(text[:n], type=pa.string()),
            "count": pa.array(ints[:n], type=pa.int64()),
            "small": pa.array([None if v is None else v % 100 for v in ints[:n]], type=pa.int8()),
            "value": pa.array(floats[:n], type=pa.float64()),
        }
    )
    same_cells(arrow_cells(table), pandas_cells(table))


def test_other_types_and_chunks_take_pandas_way():
    table = pa.Table.from_batches(
        [
            pa.record_batch(
                {
                    "flag": pa.array([True, None]),
                    "kind": pa.array(["a", None]).dictionary_encode(),
                    "when": pa.array([dt.datetime(2020, 1, 1, tzinfo=dt.UTC), None]),
                    "n": pa.array([1, None]),
                }
            )
        ]
        * 2
    )
    same_cells(arrow_cells(table), pandas_cells(table))


def test_number_columns_are_numpy_numbers_as_a_geopackage_reads_them():
    from geo.io._gdalformats import raw_read_cells  # noqa: PLC0415

    table = pa.table(
        {
            "opened_year": pa.array([2018, None]),
            "floor_area_existing_m2": pa.array([5, 7], type=pa.int64()),
            "share": pa.array([0.5, None]),
        }
    )
    cells = arrow_cells(table)
    assert [str(t) for t in cells.dtypes] == ["float64", "int64", "float64"]
    assert cells["floor_area_existing_m2"].tolist() == [5, 7]
    assert cells["opened_year"].iloc[0] == 2018.0
    assert math.isnan(cells["opened_year"].iloc[1])
    for name in table.column_names:
        geopackage = raw_read_cells(table.column(name))
        assert cells[name].to_numpy().dtype == geopackage.dtype
        assert cells[name].to_numpy().tobytes() == geopackage.tobytes()


@pytest.mark.parametrize("rows", [0, 3])
def test_repeated_column_names_and_empty_tables(rows):
    table = pa.Table.from_arrays([pa.array(["x"] * rows), pa.array([1] * rows)], names=["a", "a"])
    same_cells(arrow_cells(table), pandas_cells(table, numbers=False))
    empty = pa.table({"a": pa.array([], type=pa.string())})
    same_cells(arrow_cells(empty), pandas_cells(empty))


def test_text_is_pandas_text_on_arrow_buffers_and_missing_is_nan():
    cells = arrow_cells(pa.table({"id": pa.array(["a", None], type=pa.large_string())}))
    assert isinstance(cells["id"].dtype, pd.StringDtype)
    assert cells["id"].iloc[0] == "a"
    assert pd.isna(cells["id"].iloc[1])
