"""Systemic-risk measures of the universe's daily returns: the absorption ratio and the turbulence index.

- Absorption ratio (Kritzman, Li, Page and Rigobon 2011, "Principal Components as a Measure of Systemic Risk"): the
  share of the returns' total variance that the first eigenvectors of their covariance explain (a fifth of the assets,
  rounded up). Markets that move as one are fragile. Its standardized shift compares the 15-session mean with the
  1-year mean, in 1-year standard deviations.
- Turbulence (Kritzman and Li 2010, "Skulls, Financial Turbulence, and Risk Management"): the Mahalanobis distance of
  the day's returns from the mean and covariance of the year before, divided by the number of assets (so 1 is an
  ordinary day whatever the universe's size).

Both are point-in-time: the value of session t uses returns up to and including t only, so appending data never
changes an earlier value. Estimation is numpy linear algebra, not SQL (no engine has eigenvectors), done once per run
in the Dagster process; both engines' dbt builds read the result as the source `derived.systemic_risk_daily`.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

WINDOW_SESSIONS = 252  # one year of sessions: the covariance estimates and the shift's long mean
SHIFT_SESSIONS = 15  # the absorption ratio's short mean (KLPR)
TURBULENCE_MEAN_SESSIONS = 20  # the index reads a month's mean turbulence: one wild day is noise, a wild month is not
MIN_ASSETS = 3
EIGENVECTOR_SHARE = 0.2  # KLPR fix the number of eigenvectors at about a fifth of the assets

COLUMNS = {
    "obs_date": "date",
    "n_assets": "integer",
    "absorption_ratio": "double",
    "absorption_shift_z": "double",
    "turbulence": "double",
    "turbulence_20d": "double",
}


def absorption_ratio(returns: np.ndarray) -> float:
    """Share of total variance explained by the first ceil(n/5) eigenvectors of the returns' sample covariance
    (rows are sessions, columns assets)."""
    eigenvalues = np.linalg.eigvalsh(np.cov(returns, rowvar=False))[::-1]
    total = eigenvalues.sum()
    if total <= 0:
        return math.nan
    return float(eigenvalues[: math.ceil(EIGENVECTOR_SHARE * returns.shape[1])].sum() / total)


def turbulence(history: np.ndarray, today: np.ndarray) -> float:
    """(today - mean)' covariance^-1 (today - mean) / n, mean and covariance of `history` (rows are sessions).
    A pseudo-inverse, so two assets that move exactly together do not make the covariance singular."""
    deviation = today - history.mean(axis=0)
    inverse = np.linalg.pinv(np.cov(history, rowvar=False), hermitian=True)
    return float(deviation @ inverse @ deviation) / len(today)


def session_returns(closes: pd.DataFrame, sessions: list[date]) -> pd.DataFrame:
    """Log returns, sessions x symbols, from long (symbol, trade_date, close) rows; a symbol's return on a session
    needs its bar on that session and the one before (a missing bar leaves a gap, never a multi-day return)."""
    wide = closes.pivot_table(index="trade_date", columns="symbol", values="close", aggfunc="last")
    wide.index = pd.to_datetime(wide.index)
    wide = wide.reindex(pd.DatetimeIndex(pd.to_datetime(sessions)))
    return np.log(wide).diff()


def systemic_risk_daily(returns: pd.DataFrame) -> pd.DataFrame:
    """One row per session with at least MIN_ASSETS assets holding a return on each of the year's sessions before it
    and on the day; the assets are re-chosen every session (a new listing joins after a full year)."""
    values = returns.to_numpy(dtype=float)
    rows = []
    for end in range(WINDOW_SESSIONS, len(values)):
        window = values[end - WINDOW_SESSIONS : end + 1]  # the year before the day, and the day
        complete = ~np.isnan(window).any(axis=0)
        if complete.sum() < MIN_ASSETS:
            continue
        members = window[:, complete]
        rows.append(
            (
                returns.index[end].date(),
                int(complete.sum()),
                absorption_ratio(members[1:]),
                turbulence(members[:-1], members[-1]),
            )
        )
    frame = pd.DataFrame(rows, columns=["obs_date", "n_assets", "absorption_ratio", "turbulence"])
    ratio = frame["absorption_ratio"]
    long_mean = ratio.rolling(WINDOW_SESSIONS, min_periods=WINDOW_SESSIONS).mean()
    long_std = ratio.rolling(WINDOW_SESSIONS, min_periods=WINDOW_SESSIONS).std()
    frame["absorption_shift_z"] = (ratio.rolling(SHIFT_SESSIONS).mean() - long_mean) / long_std
    frame["turbulence_20d"] = frame["turbulence"].rolling(TURBULENCE_MEAN_SESSIONS).mean()
    return frame[list(COLUMNS)]
