"""The absorption ratio and turbulence index: hand-computed 3x3 cases, the rules of the daily series, and the real
2008 and 2020 crises."""

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration.ingest.derived_layer import SYSTEMIC_RISK_TABLE, refresh_systemic_risk, systemic_universe
from orchestration.ingest.market_calendar import sessions_between
from orchestration.ingest.systemic_risk import absorption_ratio, session_returns, systemic_risk_daily, turbulence
from tests.conftest import FIXTURES

# Four sessions of three assets, each column mean zero: a = 2u + v, b = 2u - v, c = w for orthogonal u, v, w of
# +-1. Their sample covariance is (4/3) [[5, 3, 0], [3, 5, 0], [0, 0, 1]]: eigenvalues (4/3) x (8, 2, 1).
U, V, W = np.array([1, 1, -1, -1]), np.array([1, -1, 1, -1]), np.array([1, -1, -1, 1])
THREE_ASSETS = np.column_stack([2 * U + V, 2 * U - V, W]).astype(float)


def test_the_absorption_ratio_is_the_first_eigenvalue_share_for_three_assets():
    # ceil(3 / 5) = 1 eigenvector: 8 / (8 + 2 + 1)
    assert absorption_ratio(THREE_ASSETS) == pytest.approx(8 / 11, abs=1e-12)
    # a constant added to an asset's returns moves no variance
    assert absorption_ratio(THREE_ASSETS + [0.01, -0.02, 0.03]) == pytest.approx(8 / 11, abs=1e-12)


def test_the_absorption_ratio_takes_a_fifth_of_the_eigenvectors_rounded_up():
    # six uncorrelated assets (columns of a Hadamard matrix) with spreads 6..1: ceil(6 / 5) = 2 eigenvectors
    hadamard = np.array([[1]])
    for _ in range(3):
        hadamard = np.block([[hadamard, hadamard], [hadamard, -hadamard]])
    returns = hadamard[:, 1:7] * np.array([6, 5, 4, 3, 2, 1])
    assert absorption_ratio(returns.astype(float)) == pytest.approx((36 + 25) / 91, abs=1e-12)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ([1, 1, 0], 0.0625),  # along the common factor: (3/4) (5 - 3 - 3 + 5) / 16 / 3 assets
        ([1, -1, 0], 0.25),  # the same size against it is four times as unusual: (3/4) (5 + 3 + 3 + 5) / 16 / 3
        ([0, 0, 1], 0.25),  # the independent asset one unit out: (3/4) x 1 / 3
        ([0, 0, 0], 0.0),  # the historical mean
    ],
)
def test_turbulence_is_the_mahalanobis_distance_per_asset(today, expected):
    # covariance^-1 = (3/4) x (1/16) [[5, -3, 0], [-3, 5, 0], [0, 0, 16]]
    assert turbulence(THREE_ASSETS, np.array(today, dtype=float)) == pytest.approx(expected, abs=1e-12)
    shifted = THREE_ASSETS + [0.5, 0.5, 0.5]  # measured from the history's mean, not from zero
    assert turbulence(shifted, np.array(today, dtype=float) + 0.5) == pytest.approx(expected, abs=1e-12)


def test_two_assets_that_move_as_one_do_not_break_turbulence():
    history = np.column_stack([THREE_ASSETS, THREE_ASSETS[:, 0]])
    assert np.isfinite(turbulence(history, np.array([1.0, 1.0, 0.0, 1.0])))


def crisis_closes() -> pd.DataFrame:
    closes = pd.read_csv(FIXTURES / "systemic" / "closes_2006-2008_2017-2020.csv", parse_dates=["date"])
    return closes.rename(columns={"date": "trade_date"})


def daily_measures(closes: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    part = closes[(closes.trade_date >= first) & (closes.trade_date <= last)]
    frame = systemic_risk_daily(
        session_returns(part, sessions_between(date.fromisoformat(first), date.fromisoformat(last)))
    )
    return frame.set_index(pd.to_datetime(frame.obs_date))


@pytest.mark.parametrize(
    ("first", "last", "calm", "crisis"),
    [
        ("2006-06-01", "2008-12-31", ("2008-05-01", "2008-08-31"), ("2008-09-15", "2008-11-30")),  # Lehman
        ("2017-12-01", "2020-06-30", ("2019-06-01", "2019-12-31"), ("2020-03-01", "2020-03-31")),  # COVID-19
    ],
)
def test_both_measures_rise_in_the_real_2008_and_2020_crises(first, last, calm, crisis):
    """The universe's real closes: absorption ratio, its standardized shift and turbulence all higher in the crisis
    than in the quiet months before it, and the shift (a 15-session mean, so it lags) passes 1 (2008: ratio 0.80 ->
    0.83, shift -0.19 -> +1.72, 20-session turbulence 1.4 -> 4.1; 2020: 0.90 -> 0.91, -2.7 -> +0.28 peaking above 1,
    0.8 -> 8.8)."""
    measures = daily_measures(crisis_closes(), first, last)
    before = measures.loc[calm[0] : calm[1]].mean(numeric_only=True)
    during = measures.loc[crisis[0] : crisis[1]].mean(numeric_only=True)
    assert during.absorption_ratio > before.absorption_ratio
    assert during.absorption_shift_z > 0 > before.absorption_shift_z
    assert measures.loc[crisis[0] : crisis[1]].absorption_shift_z.max() > 1
    assert during.turbulence_20d > 2.5 * before.turbulence_20d


def test_a_day_s_measures_use_no_later_returns_and_assets_join_after_a_full_year():
    closes = crisis_closes()
    whole = daily_measures(closes, "2006-06-01", "2008-12-31")
    cut = daily_measures(closes, "2006-06-01", "2008-06-30")
    pd.testing.assert_frame_equal(cut, whole.loc[:"2008-06-30"])
    # HYG listed on 2007-04-11: it joins the estimate once it has a return on the day and the 252 sessions before
    joined = whole.index[whole.n_assets == 15][0]
    assert whole.loc[:joined].n_assets.iloc[-2] == 14 and date(2008, 4, 10) <= joined.date() <= date(2008, 4, 14)


def test_a_missing_bar_takes_the_asset_out_of_the_year_after_it():
    closes = crisis_closes()
    gap = closes[~((closes.symbol == "XLU") & (closes.trade_date == "2007-09-04"))]
    measures = daily_measures(gap, "2006-06-01", "2008-12-31")
    assert (
        measures.loc["2007-09-04":"2008-09-04"].n_assets.max()
        < daily_measures(closes, "2006-06-01", "2008-12-31").loc["2007-09-04":"2008-09-04"].n_assets.max()
    )


def test_the_derived_table_is_rebuilt_from_raw_bars_of_the_universe(tmp_path):
    db = tmp_path / "build.duckdb"
    closes = crisis_closes()  # noqa: F841  (read by name: DuckDB's replacement scan)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.price_bars as select symbol, cast(trade_date as date) as trade_date, close "
            "from closes union all select 'ZZZ', date '2008-01-02', 1.0"
        )
    rows = refresh_systemic_risk(db, systemic_universe())
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute(f"select * from {SYSTEMIC_RISK_TABLE} order by obs_date").df()
    assert rows == len(stored) > 700 and stored.n_assets.max() == 17  # ZZZ is not in the universe
    assert refresh_systemic_risk(db, systemic_universe()) == rows  # replaced, not appended
