"""What a run leaves behind, read back from the warehouse: rows and last date per raw table."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.serve.sandbox import open_reader
from orchestration.serve.tables import render_table


def raw_summary(db_path: Path) -> list[tuple[str, int, object, object]]:
    """(raw table, rows, first date, last date) for each raw table, read-only."""
    with open_reader(db_path) as con:
        return [
            (
                table.qualified,
                *con.execute(
                    f"select count(*), min({table.date_column}), max({table.date_column}) from {table.qualified}"
                ).fetchone(),
            )
            for table in RAW_TABLES.values()
        ]


def format_summary(rows: list[tuple[str, int, object, object]]) -> str:
    """Rows and first and last date per raw table."""
    cells = [(name, f"{count:,}", str(first or ""), str(last or "")) for name, count, first, last in rows]
    return render_table(("table", "rows", "first date", "last date"), cells, right=[1])


def _fetch_one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple | None:
    """The first row, or None when the mart has none; a missing mart is an error naming it, not a silent gap."""
    try:
        return con.execute(sql).fetchone()
    except duckdb.CatalogException as exc:
        raise RuntimeError(f"the summary cannot read the warehouse: {str(exc).splitlines()[0]}") from exc


def market_snapshot(db_path: Path) -> list[str]:
    """The evening's headline figures from the marts, one line per market."""
    lines: list[str] = []
    with open_reader(db_path) as con:
        spx = _fetch_one(
            con,
            "select trade_date, close, return_1d_pct, sma_200d, rel_volume_30d, drawdown_252d_pct "
            "from marts.fct_equity_daily where symbol = '^GSPC' order by trade_date desc limit 1",
        )
        if spx:
            day, close, change, sma, rel_volume, drawdown = spx
            position = "n/a" if sma is None else ("below" if close < sma else "above") + f" its 200-day SMA {sma:,.0f}"
            lines.append(
                f"S&P 500   {close:>9,.2f} on {day} ({change or 0:+.2f}%), {position}, "
                f"volume {rel_volume or float('nan'):.2f}x its 30-day average, "
                f"{drawdown or 0:+.1f}% from its 252-day high"
            )
        vix = _fetch_one(
            con,
            "select trade_date, close from marts.fct_equity_daily where symbol = 'VIX' "
            "order by trade_date desc limit 1",
        )
        if vix:
            lines.append(f"VIX       {vix[1]:>9.2f} on {vix[0]}")
        rates = _fetch_one(
            con,
            "select obs_date, ust_10y_pct, ust_10y_change_5d_bp, curve_10y_2y_bp, "
            "ust_10y_highest_since from marts.fct_rates_daily order by obs_date desc limit 1",
        )
        if rates:
            day, ten_year, change, curve, since = rates
            lines.append(
                f"10-year   {ten_year:>8.2f}% on {day} ({change or 0:+.0f} bp in 5 sessions), "
                f"10y-2y {curve or 0:+.0f} bp, highest since {since or 'ever'}"
            )
        credit = _fetch_one(
            con,
            "select obs_date, hy_oas_bp, hy_oas_change_3d_bp, ig_oas_bp "
            "from marts.fct_credit_spreads_daily order by obs_date desc limit 1",
        )
        if credit:
            lines.append(
                f"HY OAS    {credit[1]:>6.0f} bp on {credit[0]} ({credit[2] or 0:+.0f} bp in 3 sessions), "
                f"IG OAS {credit[3] or float('nan'):.0f} bp"
            )
        cpi = _fetch_one(
            con,
            "select month, core_cpi_yoy_pct from marts.fct_macro_monthly "
            "where core_cpi_yoy_pct is not null order by month desc limit 1",
        )
        if cpi:
            lines.append(f"Core CPI  {cpi[1]:>8.2f}% year over year ({cpi[0]:%Y-%m})")
        megacaps = _fetch_one(
            con,
            "select trade_date, n_below_sma_200d, n_members, avg_pairwise_corr_60d "
            "from marts.fct_megacap_daily order by trade_date desc limit 1",
        )
        if megacaps:
            lines.append(
                f"Mega-caps {megacaps[1]} of {megacaps[2]} below their 200-day SMA on {megacaps[0]}, "
                f"average 60-day correlation {megacaps[3] or float('nan'):.2f}"
            )
    return lines
