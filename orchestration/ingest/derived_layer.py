"""The derived layer: tables computed in Python from validated raw rows, read by dbt as sources (schema `derived`)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.market_calendar import FIRST_SESSION, sessions_between
from orchestration.ingest.systemic_risk import COLUMNS, session_returns, systemic_risk_daily
from orchestration.settings import DBT_PROJECT_DIR

SYSTEMIC_RISK_TABLE = "derived.systemic_risk_daily"


def systemic_universe(seed: Path = DBT_PROJECT_DIR / "seeds" / "universe.csv") -> list[str]:
    """The universe seed's assets whose returns are a market's (the volatility indexes are measures of it)."""
    with seed.open(newline="") as handle:
        return sorted(row["symbol"] for row in csv.DictReader(handle) if row["sector"] != "volatility")


def refresh_systemic_risk(build_path: Path, universe: list[str]) -> int:
    """Recompute the whole table from raw.price_bars in one transaction (a re-based history changes no log return,
    but a corrected bar anywhere changes a year of estimates); returns its rows."""
    with duckdb.connect(str(build_path)) as con:
        closes = con.execute(
            "select symbol, trade_date, close from raw.price_bars where symbol in "
            "(select unnest(?::varchar[])) and close > 0",
            [universe],
        ).df()
        # the NYSE calendar's sessions (exchange_calendars knows them from 1990: the index starts there too)
        sessions = (
            sessions_between(
                max(pd.Timestamp(closes.trade_date.min()), pd.Timestamp(FIRST_SESSION)), closes.trade_date.max()
            )
            if len(closes)
            else []
        )
        frame = systemic_risk_daily(session_returns(closes, sessions))
        con.execute("begin transaction")
        con.execute("create schema if not exists derived")
        con.execute(
            f"create or replace table {SYSTEMIC_RISK_TABLE} "
            f"({', '.join(f'{name} {kind}' for name, kind in COLUMNS.items())}, primary key (obs_date))"
        )
        con.register("systemic_risk_frame", frame)
        con.execute(f"insert into {SYSTEMIC_RISK_TABLE} select {', '.join(COLUMNS)} from systemic_risk_frame")
        con.execute("commit")
        return len(frame)
