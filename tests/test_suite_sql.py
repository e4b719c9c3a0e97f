"""The suites as SQL in DuckDB give Great Expectations' own verdicts: the same checks fail, on the same number of rows,
with the same example rows, for a mutation of real batches that breaks each expectation of every suite."""

import re
from collections.abc import Callable
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.ingest.freshness import deadlines
from orchestration.ingest.gx_reference import GxPandasGate
from orchestration.ingest.plausibility import checks_table
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.sources.replay import (
    ReplayFredClient,
    ReplayPriceClient,
    ReplaySecClient,
    ReplayTreasuryClient,
)
from orchestration.ingest.suite_sql import suite
from orchestration.ingest.validation import ValidationGate, _examples
from orchestration.settings import SAMPLE_DATA_DIR

TODAY = date(2026, 1, 5)
FAMILY = {
    "price_bars": "prices",
    "fred_observations": "fred",
    "fred_vintages": "fred",
    "treasury_auctions": "treasury",
    "sec_company_facts": "sec",
}


def _batch(table: str) -> pd.DataFrame:
    """A few hundred real rows of the bundled sample for the table."""
    if table == "price_bars":
        frame = ReplayPriceClient(SAMPLE_DATA_DIR).fetch({})
        return frame[frame.symbol.isin(["SPY", "^VIX", "VIX"])].groupby("symbol").tail(150).reset_index(drop=True)
    if table in ("fred_observations", "fred_vintages"):
        frame = ReplayFredClient(SAMPLE_DATA_DIR).fetch({}).groupby("series_id").tail(20).reset_index(drop=True)
        if table == "fred_vintages":  # each observation as first published, then revised a week later
            published = pd.to_datetime(frame.obs_date) + timedelta(days=1)
            frame = frame.assign(realtime_start=published, realtime_end=published + timedelta(days=7))[
                list(RAW_TABLES[table].columns) + ["_file", "_line"]
            ]
        return frame
    if table == "treasury_auctions":
        return ReplayTreasuryClient(SAMPLE_DATA_DIR).fetch({}).tail(300).reset_index(drop=True)
    return ReplaySecClient(SAMPLE_DATA_DIR).fetch({}).tail(300).reset_index(drop=True)


def _set(column: str, rows: list[int], value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        typed = value
        if isinstance(value, date) and pd.api.types.is_datetime64_any_dtype(frame[column]):
            typed = pd.Timestamp(value)
        for row in rows:
            frame.loc[frame.index[row], column] = typed
        return frame

    return edit


def _repeat_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[3, 7]]], ignore_index=True)


def _where(column: str, equals: str, target: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """Set `target` on the last row whose `column` equals `equals`."""
    return lambda frame: _set(target, [int(np.flatnonzero(frame[column] == equals)[-1])], value)(frame)


def _all(*edits: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        for one in edits:
            frame = one(frame)
        return frame

    return edit


def _whole_numbers(*columns: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda frame: frame.assign(**{c: frame[c].fillna(1).round().clip(lower=1).astype("int64") for c in columns})


def _nulls(*columns: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return _all(*(_set(column, [position + 1], None) for position, column in enumerate(columns)))


def _extra_column(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(adj_close=1.0)


MUTATIONS = {
    "price_bars": {
        "none": lambda frame: frame,
        "negative and zero prices": _set("close", [5, 9], 0.0),
        "null close": _set("close", [4], np.nan),
        "negative volume": _set("volume", [11, 12, 200], -3.0),
        "high below low": _set("high", [20], 1.0),
        "future date": _set("trade_date", [30], date(2099, 1, 2)),
        "repeated keys": _repeat_rows,
        "volume as integers": _whole_numbers("volume"),
        "prices as integers": _whole_numbers("open", "high", "low", "close"),
        "null date": _set("trade_date", [6], None),
        "zero open, high and low": _all(_set("open", [50], 0.0), _set("high", [51], 0.0), _set("low", [52], -2.0)),
        "Cboe's VIX open above its high": lambda frame: _where("symbol", "VIX", "open", frame.high.max() * 2)(frame),
        "a column too many": _extra_column,
        "vix out of its band": lambda frame: _set("close", [list(frame.symbol).index("^VIX")], 300.0)(frame),
        "open outside the range": _set("open", [40, 41], 10_000.0),
        "null symbol": _set("symbol", [2], None),
    },
    "fred_observations": {
        "none": lambda frame: frame,
        "yield typo": lambda frame: _set("value", [int(np.flatnonzero(frame.series_id == "DGS10")[-1])], 410.0)(frame),
        "null value is allowed, null date is not": _set("obs_date", [3], None),
        "repeated keys": _repeat_rows,
        "future date": _set("obs_date", [8], date(2030, 1, 1)),
        "a column too many": _extra_column,
        "null series": _set("series_id", [2], None),
        "values as integers": _whole_numbers("value"),
        "every series out of its band": _all(
            _where("series_id", "BAMLH0A0HYM2", "value", 95.0),
            _where("series_id", "T10Y2Y", "value", 40.0),
            _where("series_id", "CPILFESL", "value", -1.0),
            _where("series_id", "USREC", "value", 2.0),
            _where("series_id", "VIXCLS", "value", 200.0),
        ),
    },
    "fred_vintages": {
        "none": lambda frame: frame,
        "ends before it starts": _set("realtime_end", [4, 6], date(1990, 1, 1)),
        "null start": _set("realtime_start", [1], None),
        "a column too many": _extra_column,
        "repeated keys": _repeat_rows,
        "published in the future": _set("realtime_start", [8], date(2030, 1, 1)),
        "null series and date": _nulls("series_id", "obs_date"),
        "values as integers": _whole_numbers("value"),
    },
    "treasury_auctions": {
        "none": lambda frame: frame,
        "bid to cover out of range": _set("bid_to_cover_ratio", [0, 1], 42.0),
        "unknown security type": _set("security_type", [5], "Bnd"),
        "zero offering": _set("offering_amount", [9], 0.0),
        "repeated keys": _repeat_rows,
        "a column too many": _extra_column,
        "null cusip and date": _nulls("cusip", "auction_date"),
        "future date": _set("auction_date", [4], date(2030, 1, 1)),
        "a yield typo": _set("high_yield", [6], 41.0),
        "amounts as integers": _whole_numbers("offering_amount", "bid_to_cover_ratio", "high_yield", "total_accepted"),
    },
    "sec_company_facts": {
        "none": lambda frame: frame,
        "filed before the period ended": _set("filed", [3], date(2000, 1, 1)),
        "period ends before it starts": _set("period_start", [5], date(2099, 1, 1)),
        "null accession": _set("accession", [7], None),
        "a column too many": _extra_column,
        "null key parts": _nulls("cik", "taxonomy", "concept", "unit", "period_end", "filed"),
        "repeated keys": _repeat_rows,
        "future filing": _set("filed", [4], date(2030, 1, 1)),
        "negative shares": _all(_set("concept", [10], "EntityCommonStockSharesOutstanding"), _set("value", [10], -5.0)),
        "values as integers": _whole_numbers("value"),
    },
}
CASES = [(table, name) for table, mutations in MUTATIONS.items() for name in mutations]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    return GxPandasGate(tmp_path_factory.mktemp("gx")), ValidationGate(tmp_path_factory.mktemp("sql"))


def _verdicts(table: str, batch: pd.DataFrame) -> pd.Series | None:
    if not checks_table(RAW_TABLES[table]):
        return None
    verdicts = pd.Series(None, index=batch.index, dtype=object)
    verdicts.iloc[-1] = "close 6.7 after 670 is a move of -460.5 log-%"  # as the plausibility check writes one
    return verdicts


def _outcome(results, key: list[str]) -> dict:
    """check -> (passed, unexpected rows, the examples as the gate prints them), nulls written one way.

    The examples of a repeated key are left out: GX lists the repeated rows in no particular order (both engines
    count every row of a repeated key; the SQL engine names the first ones)."""
    return {
        item.expectation["meta"]["check"]: (
            item.success,
            item.result.get("unexpected_count"),
            ()
            if item.expectation["type"] == "expect_column_values_to_be_unique"
            else tuple(re.sub(r"\b(nan|NaT|None)\b|<NA>", "null", example) for example in _examples(item.result, key)),
        )
        for item in results
    }


@pytest.mark.parametrize(("table", "mutation"), CASES, ids=[f"{table}: {name}" for table, name in CASES])
def test_sql_and_great_expectations_agree(table, mutation, engines):
    gx_gate, sql_gate = engines
    raw_table = RAW_TABLES[table]
    batch = MUTATIONS[table][mutation](_batch(table))
    verdicts = _verdicts(table, batch)
    with_verdicts = mutation == "none" and verdicts is not None
    verdicts = verdicts if with_verdicts else None
    now = pd.Timestamp(TODAY).tz_localize("America/New_York") + pd.Timedelta(hours=23, minutes=59)
    parameters = {
        "today": TODAY,
        "today_day_number": (TODAY - date(1970, 1, 1)).days,
        "fresh_since": deadlines()[FAMILY[table]].due_date(now.to_pydatetime()),
    }
    expected = _outcome(gx_gate.results(raw_table, batch, parameters, verdicts), list(raw_table.key))
    report = sql_gate.validate(raw_table, FAMILY[table], batch, today=TODAY, verdicts=verdicts)
    found = _outcome(report.results, list(raw_table.key))
    assert found == expected
    if mutation != "none":  # every mutation breaks something, so the comparison is not of two empty lists
        assert not all(passed for passed, _, _ in found.values())
    if with_verdicts:
        assert not found["move_plausible"][0]


def test_every_expectation_is_broken_by_some_case(engines):
    """No expectation of any suite goes untested by the comparison above."""
    _, sql_gate = engines
    broken = set()
    for table, mutation in CASES:
        batch = MUTATIONS[table][mutation](_batch(table))
        verdicts = _verdicts(table, batch)
        report = sql_gate.validate(RAW_TABLES[table], FAMILY[table], batch, today=TODAY, verdicts=verdicts)
        broken |= {(table, failure.check) for failure in report.failures}
    every = {(table, item["meta"]["check"]) for table in MUTATIONS for item in suite(table)["expectations"]}
    assert sorted(every - broken) == []


def test_a_staged_relation_is_checked_in_place(tmp_path):
    """The gate reads a relation of the load's own connection: a staging table of any size never leaves DuckDB."""
    batch = _batch("price_bars")
    with duckdb.connect() as con:
        con.register("frame", batch.assign(_implausible_move=None, _row=range(len(batch))))
        con.execute("create table staged as select * replace (cast(trade_date as date) as trade_date) from frame")
        con.execute("update staged set low = -1 where _row = 17")
        report = ValidationGate(tmp_path).validate_relation(con, RAW_TABLES["price_bars"], "prices", "staged", TODAY)
    [error] = report.errors
    assert error.check == "low_positive" and error.unexpected_count == 1
    row = batch.iloc[17]
    assert error.examples == (f"low=-1 [{row.symbol} {row.trade_date} in {row._file} line {row._line}]",)


def test_a_missing_column_fails_the_expectations_that_read_it(tmp_path):
    batch = _batch("price_bars").rename(columns={"volume": "vol"})
    report = ValidationGate(tmp_path).validate(RAW_TABLES["price_bars"], "prices", batch, today=TODAY)
    failed = {failure.check: failure.examples for failure in report.errors}
    assert set(failed) == {"columns_match", "volume_is_numeric", "volume_not_negative"}
    assert failed["volume_not_negative"] == ("observed no column volume",)
