"""The GeoParquet reader's cells come from Arrow column by column: text in pandas' text dtype (as a
GeoPackage's text reads), every other column exactly as pandas' casts gave it."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io._pyformats import arrow_cells


def pandas_cells(table: pa.Table) -> pd.DataFrame:
    """Text as pandas reads Arrow text; the rest cast to object with every missing value None."""
    frame = table.to_pandas()
    cells = frame.astype(dict.fromkeys(frame.columns, object)).where(frame.notna(), None)
    for position, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
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


def test_an_int_column_with_a_gap_reads_as_floats_and_none_as_before():
    cells = arrow_cells(pa.table({"opened_year": pa.array([2018, None])}))
    assert cells["opened_year"].tolist() == [2018.0, None]


@pytest.mark.parametrize("rows", [0, 3])
def test_repeated_column_names_and_empty_tables(rows):
    table = pa.Table.from_arrays([pa.array(["x"] * rows), pa.array([1] * rows)], names=["a", "a"])
    same_cells(arrow_cells(table), pandas_cells(table))
    empty = pa.table({"a": pa.array([], type=pa.string())})
    same_cells(arrow_cells(empty), pandas_cells(empty))


def test_text_is_pandas_text_on_arrow_buffers_and_missing_is_nan():
    cells = arrow_cells(pa.table({"id": pa.array(["a", None], type=pa.large_string())}))
    assert isinstance(cells["id"].dtype, pd.StringDtype)
    assert cells["id"].iloc[0] == "a"
    assert pd.isna(cells["id"].iloc[1])
