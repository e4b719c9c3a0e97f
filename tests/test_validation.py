from datetime import date

import duckdb
import pandas as pd
import pytest

from orchestration.ingest.gx_reference import prepare_frame
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.sources.parse_prices import read_price_file
from orchestration.ingest.sources.replay import ReplayTreasuryClient
from orchestration.ingest.validation import ValidationGate
from tests.conftest import FIXTURES

PRICES = RAW_TABLES["price_bars"]


def bars() -> pd.DataFrame:
    spy = read_price_file(FIXTURES / "prices" / "SPY.csv", "SPY", "prices/SPY.csv")
    nvda = read_price_file(FIXTURES / "prices" / "NVDA_yahoo_header.csv", "NVDA", "prices/NVDA.csv")
    return pd.concat([nvda, spy], ignore_index=True)  # symbols interleaved out of order on purpose


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    return ValidationGate(tmp_path_factory.mktemp("gx"))


def test_the_frame_carries_the_plausibility_verdicts_and_each_rows_file_and_line():
    batch = bars()
    verdicts = pd.Series(pd.NA, index=batch.index, dtype="string")
    verdicts.iloc[4] = "close 1 after 100"
    frame = prepare_frame(PRICES, batch, verdicts)
    assert (
        frame._implausible_move.isna().sum() == len(batch) - 1
        and frame._implausible_move.iloc[4] == "close 1 after 100"
    )
    assert prepare_frame(PRICES, batch)._implausible_move.isna().all()
    assert frame._line.min() == 2 and frame._file.str.endswith(".csv").all()


def test_ohlc_excess_is_zero_inside_the_range_and_measures_how_far_outside():
    frame = bars()
    frame.loc[0, "close"] = frame.loc[0, "high"] * 1.02
    prepared = prepare_frame(PRICES, frame)
    assert prepared.loc[0, "_ohlc_excess_pct"] == pytest.approx(100 * 0.02 / 1.02)
    assert (prepared.loc[1:, "_ohlc_excess_pct"] == 0).all()


def test_real_bars_pass_with_no_failure_when_fresh(gate):
    report = gate.validate(PRICES, "prices", bars(), today=date(2025, 11, 22))
    assert report.passed and report.failures == []


def test_on_the_loads_own_connection_the_same_verdict_and_nothing_left_behind(gate, tmp_path):
    frame = bars()
    frame.loc[3, "high"] = frame.loc[3, "low"] / 2  # one bar's high below its low: an error either way
    with duckdb.connect(str(tmp_path / "load.duckdb")) as con:
        on_load = gate.validate(PRICES, "prices", frame, today=date(2025, 11, 22), con=con)
        views = con.execute("select view_name from duckdb_views() where not internal").fetchall()
        assert views == [] and "suite_batch_frame" not in {name for (name,) in con.execute("show tables").fetchall()}
    alone = gate.validate(PRICES, "prices", frame, today=date(2025, 11, 22))
    assert not on_load.passed and [(f.check, f.unexpected_count) for f in on_load.errors] == [
        (f.check, f.unexpected_count) for f in alone.errors
    ]


def test_staleness_is_a_warning_not_an_error(gate):
    report = gate.validate(PRICES, "prices", bars(), today=date(2026, 3, 1))
    assert report.passed
    assert [failure.check for failure in report.warnings] == ["staleness"]


def test_an_implausible_move_blocks_naming_the_row_its_file_and_line(gate):
    frame = bars()
    row = frame.index[(frame.symbol == "SPY") & (frame.trade_date == frame[frame.symbol == "SPY"].trade_date.max())]
    verdicts = pd.Series(pd.NA, index=frame.index, dtype="string")
    verdicts.loc[row] = "close 6.7 after 670 on 2025-11-20 is a move of -460.5 log-%"
    report = gate.validate(PRICES, "prices", frame, today=date(2025, 11, 22), verdicts=verdicts)
    assert not report.passed
    [error] = report.errors
    assert error.check == "move_plausible" and error.unexpected_count == 1
    assert error.examples == (
        "close 6.7 after 670 on 2025-11-20 is a move of -460.5 log-% "
        f"[SPY 2025-11-21 in {FIXTURES / 'prices' / 'SPY.csv'} line 11]",
    )


def test_errors_name_the_check_and_the_offending_key(gate):
    frame = bars()
    frame.loc[3, "volume"] = -1
    report = gate.validate(PRICES, "prices", frame, today=date(2025, 11, 22))
    assert not report.passed
    [error] = report.errors
    assert error.check == "volume_not_negative"
    assert error.examples == (
        f"volume=-1 [{frame.loc[3, 'symbol']} {frame.loc[3, 'trade_date'].isoformat()} "
        f"in {frame.loc[3, '_file']} line {frame.loc[3, '_line']}]",
    )


def test_treasury_batch_from_both_shapes_passes(gate, tmp_path):
    batch = ReplayTreasuryClient(FIXTURES).fetch({})
    report = gate.validate(RAW_TABLES["treasury_auctions"], "treasury", batch, today=date(2026, 2, 1))
    assert report.passed, [failure.describe() for failure in report.errors]


def test_a_live_batch_without_file_and_line_is_validated_and_a_missing_close_blocks(gate):
    frame = bars().drop(columns=["_file", "_line"])  # the live clients' frames carry no file and line
    frame.loc[2, "close"] = float("nan")
    report = gate.validate(PRICES, "prices", frame, today=date(2025, 11, 22))
    [error] = report.errors
    assert error.check == "close_not_null"
    assert error.examples == (f"close=null [{frame.loc[2, 'symbol']} {frame.loc[2, 'trade_date'].isoformat()}]",)


def test_a_future_date_is_named_with_its_row(gate):
    frame = bars()
    frame.loc[5, "trade_date"] = date(2099, 1, 2)
    [error] = gate.validate(PRICES, "prices", frame, today=date(2025, 11, 22)).errors
    assert error.check == "no_future_dates" and error.unexpected_count == 1
    assert error.examples == (
        f"[{frame.loc[5, 'symbol']} 2099-01-02 in {frame.loc[5, '_file']} line {frame.loc[5, '_line']}]",
    )
