"""A pandas batch handed to DuckDB as Arrow reads exactly as the frame itself did: same columns, types and values."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from orchestration.ingest.arrow_batch import for_duckdb
from orchestration.ingest.sources.replay import ReplayFredClient, ReplayPriceClient
from orchestration.settings import SAMPLE_DATA_DIR


def _read(registered: object) -> tuple[list, list]:
    con = duckdb.connect()
    con.register("batch", registered)
    described = con.execute("select column_name, column_type from (describe batch)").fetchall()
    rows = con.execute("select * from batch").fetchall()
    con.close()
    return described, rows


def test_a_parsed_batch_reads_the_same_through_arrow():
    fred = next(iter(ReplayFredClient(SAMPLE_DATA_DIR).fetch_batches({}, 10**7, {})))
    prices = next(iter(ReplayPriceClient(SAMPLE_DATA_DIR).fetch_batches({}, 10**7, {})))
    for batch in (fred, prices):
        converted = for_duckdb(batch)
        assert isinstance(converted, pa.Table)
        assert _read(converted) == _read(batch)
        assert len(_read(converted)[1]) == len(batch) > 1_000


def test_nulls_nan_and_empty_columns_keep_their_meaning():
    frame = pd.DataFrame(
        {
            "obs_date": pd.Series([date(2024, 1, 2), None, date(2024, 1, 4)], dtype=object),
            "value": [1.5, np.nan, np.inf],
            "verdict": pd.Series([None, None, None], dtype=object),  # no verdict in the batch
            "_line": pd.Series([2, None, 4], dtype="Int64"),
        }
    )
    described, rows = _read(for_duckdb(frame))
    assert (described, rows) == _read(frame)
    assert rows[1] == (None, None, None, None)  # NaN is null, as DuckDB reads it from pandas


def test_a_column_arrow_cannot_type_is_left_to_duckdb():
    # a date column with a text cell (a bad live payload): the frame itself, and DuckDB's conversion says what it finds
    frame = pd.DataFrame({"obs_date": pd.Series([date(2024, 1, 2), "2024-13-01"], dtype=object)})
    assert for_duckdb(frame) is frame
