"""The same equity indicators as fct_equity_daily, computed outside the pipeline: the DuckDB floor, pandas, polars.

Run as a separate process per engine so that its peak memory is its own:
    python bench/equity_peers.py ENGINE WAREHOUSE.duckdb      (ENGINE: duckdb | pandas | polars)
Prints one JSON line: engine, rows, load seconds, compute seconds.
"""

from __future__ import annotations

import json
import math
import sys
import time

import duckdb
import numpy as np

FLOOR_SQL = """
create temp table equity_floor as
with bars as (
    select symbol, trade_date, close, volume,
        lag(close) over w as previous_close,
        avg(close) over (w rows between 49 preceding and current row) as mean_50,
        count(close) over (w rows between 49 preceding and current row) as n_50,
        avg(close) over (w rows between 199 preceding and current row) as mean_200,
        count(close) over (w rows between 199 preceding and current row) as n_200,
        avg(volume) over (w rows between 30 preceding and 1 preceding) as mean_volume_30,
        count(volume) over (w rows between 30 preceding and 1 preceding) as n_volume_30,
        max(close) over (w rows between 251 preceding and current row) as max_252,
        count(close) over (w rows between 251 preceding and current row) as n_252,
        ln(close / lag(close) over w) as log_return
    from raw.price_bars
    window w as (partition by symbol order by trade_date)
)
select symbol, trade_date, close, volume,
    100 * (close / previous_close - 1) as return_1d_pct,
    case when n_50 = 50 then mean_50 end as sma_50d,
    case when n_200 = 200 then mean_200 end as sma_200d,
    close < case when n_200 = 200 then mean_200 end as is_below_sma_200d,
    case when n_volume_30 = 30 and mean_volume_30 > 0 then volume / mean_volume_30 end as rel_volume_30d,
    case when n_252 = 252 then 100 * (close / max_252 - 1) end as drawdown_252d_pct,
    case when count(log_return) over (
        partition by symbol order by trade_date rows between 19 preceding and current row
    ) = 20
         then 100 * sqrt(252) * stddev_samp(log_return) over (partition by symbol order by trade_date
              rows between 19 preceding and current row) end as realized_vol_20d_pct
from bars
"""


def run_duckdb(db: str) -> dict:
    with duckdb.connect(db, read_only=True) as con:
        started = time.perf_counter()
        con.execute(FLOOR_SQL)
        seconds = time.perf_counter() - started
        rows = con.execute("select count(*) from equity_floor").fetchone()[0]
    return {"rows": rows, "load_s": 0.0, "compute_s": seconds}


def _load(db: str, to_polars: bool):
    with duckdb.connect(db, read_only=True) as con:
        relation = con.sql("select symbol, trade_date, close, volume from raw.price_bars order by symbol, trade_date")
        return relation.pl() if to_polars else relation.df()


def run_pandas(db: str) -> dict:
    started = time.perf_counter()
    bars = _load(db, to_polars=False)
    loaded = time.perf_counter()
    by_symbol = bars.groupby("symbol", sort=False)
    close = by_symbol["close"]
    bars["return_1d_pct"] = 100 * (bars["close"] / close.shift(1) - 1)
    bars["sma_50d"] = close.rolling(50).mean().reset_index(level=0, drop=True)
    bars["sma_200d"] = close.rolling(200).mean().reset_index(level=0, drop=True)
    bars["is_below_sma_200d"] = bars["close"] < bars["sma_200d"]
    mean_volume = by_symbol["volume"].transform(lambda volume: volume.shift(1).rolling(30).mean())
    bars["rel_volume_30d"] = (bars["volume"] / mean_volume).where(mean_volume > 0)
    bars["drawdown_252d_pct"] = 100 * (bars["close"] / close.rolling(252).max().reset_index(level=0, drop=True) - 1)
    bars["log_return"] = np.log(bars["close"] / close.shift(1))
    bars["realized_vol_20d_pct"] = (
        100
        * math.sqrt(252)
        * bars.groupby("symbol", sort=False)["log_return"].rolling(20).std().reset_index(level=0, drop=True)
    )
    finished = time.perf_counter()
    return {"rows": len(bars), "load_s": loaded - started, "compute_s": finished - loaded}


def run_polars(db: str) -> dict:
    import polars as pl

    started = time.perf_counter()
    bars = _load(db, to_polars=True)
    loaded = time.perf_counter()
    close = pl.col("close")
    result = bars.with_columns(
        (100 * (close / close.shift(1) - 1)).over("symbol").alias("return_1d_pct"),
        close.rolling_mean(50).over("symbol").alias("sma_50d"),
        close.rolling_mean(200).over("symbol").alias("sma_200d"),
        pl.col("volume").shift(1).rolling_mean(30).over("symbol").alias("mean_volume_30"),
        (100 * (close / close.rolling_max(252) - 1)).over("symbol").alias("drawdown_252d_pct"),
        (100 * math.sqrt(252) * (close / close.shift(1)).log().rolling_std(20))
        .over("symbol")
        .alias("realized_vol_20d_pct"),
    ).with_columns(
        (close < pl.col("sma_200d")).alias("is_below_sma_200d"),
        pl.when(pl.col("mean_volume_30") > 0).then(pl.col("volume") / pl.col("mean_volume_30")).alias("rel_volume_30d"),
    )
    finished = time.perf_counter()
    return {"rows": result.height, "load_s": loaded - started, "compute_s": finished - loaded}


if __name__ == "__main__":
    engine, database = sys.argv[1], sys.argv[2]
    figures = {"duckdb": run_duckdb, "pandas": run_pandas, "polars": run_polars}[engine](database)
    print(json.dumps({"engine": engine, **figures}))
