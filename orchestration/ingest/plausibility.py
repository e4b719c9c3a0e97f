"""Plausibility of new values: each against its own series' recent moves, with the raw table as history.

The rules (kinds, floors, the multiple) live in `expectations/plausibility.json`; analysts' confirmations of real
extremes in `expectations/accepted_moves.csv`. The verdict is a text column the suites check (`move_plausible`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

import duckdb
import numpy as np
import pandas as pd

from orchestration.ingest.arrow_batch import for_duckdb
from orchestration.ingest.plausibility_sql import measure_sql
from orchestration.ingest.raw_tables import RawTable
from orchestration.settings import PROJECT_ROOT

RULES_FILE = PROJECT_ROOT / "expectations" / "plausibility.json"
VERDICT_COLUMN = "_implausible_move"

# How each raw table names a series (its entity) and orders it; a company's facts in one unit form one series,
# measured against the largest value the company reported in that unit (its scale: total assets, shares).
_SERIES = {  # table -> (the series' name in SQL, the column it is ordered by, the columns naming it)
    "price_bars": ("symbol", "trade_date", ("symbol",)),
    "fred_observations": ("series_id", "obs_date", ("series_id",)),
    "sec_company_facts": ("cik || ':' || unit", "period_end", ("cik", "unit")),
}
_UNITS = {"log_pct": "log-%", "bp": "bp"}
_BASELINES = {"ratio_to_median": "its median", "ratio_to_largest": "the largest value in its unit"}


@cache
def rules() -> dict:
    return json.loads(RULES_FILE.read_text())


def checks_table(table: RawTable) -> bool:
    """Whether the table's suite has a plausibility check (and its frames a verdict column)."""
    return table.name in rules()["measures"]


def _describe(row: dict, column: str, source: str) -> str:
    unit = _UNITS.get(row["move"], "")
    accept = f"if it is real, confirm it: stresswatch run --accept '{source}:{row['entity']}@{row['day']}'"
    if row["move"] in _BASELINES:
        return (
            f"{column} {row['v']:.6g} is {row['ratio']:,.0f}x "
            f"{_BASELINES[row['move']]} of the year before (limit {row['floor']:g}x); {accept}"
        )
    if row["move"] == "log_pct" and row["v"] <= 0:
        return f"{column} {row['v']:.6g} is not positive"
    usual = (
        f", {rules()['multiple']}x its median move {row['usual_change']:.3g}"
        if row["usual_change"] is not None and not pd.isna(row["usual_change"])
        else ""
    )
    return (
        f"{column} {row['v']:.6g} after {row['previous_v']:.6g} "
        f"on {row['previous_day']} is a move of {row['change']:+.1f} {unit}, beyond the limit of "
        f"±{row['limit_value']:.1f} {unit} (floor {row['floor']:g}{usual}); {accept}"
    )


def _history_from(con: duckdb.DuckDBPyConnection, day: str) -> date | None:
    """The earliest day of history any of the batch's series reads: its first day less `history_days`."""
    first = con.execute(f"select min(cast({day} as date)) from batch_view").fetchall()[0][0]
    return first - timedelta(days=rules()["history_days"]) if first is not None else None


def _raw_holds_history(
    con: duckdb.DuckDBPyConnection, table: RawTable, entity: str, day: str, since: date | None
) -> bool:
    """Whether raw holds any row of the batch's series from `history_days` before the batch's first day: a first
    load of new series has none, and its pass then builds no lookup of the batch's days to replace raw's."""
    if since is None:
        return False
    return bool(
        con.execute(
            f"""select count(*) from (
            select 1 from {table.qualified} as r
            join (select {entity} as entity, min({day}) as first_day from batch_view group by all) as starts
              on {entity} = starts.entity and r.{day} >= starts.first_day - interval {rules()["history_days"]} days
            where r.{day} >= date '{since.isoformat()}'  -- a literal: DuckDB filters the scan with it
            limit 1)"""
        ).fetchall()[0][0]
    )


def _measured(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    batch: pd.DataFrame | str,
    above: float,
    limit: int | None = None,
    in_key_order: bool = False,
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Per measure of the table: the batch rows (by position; by rowid for a staged relation named instead of an
    in-memory batch) using more than `above` of their limit. `in_key_order`: the relation's rows stand in key order
    (key_order.py), so a first load's previous values stream from the row before, with no sort."""
    entity_sql, day_column, naming = _SERIES[table.name]
    measures = rules()["measures"].get(table.name, [])
    if not measures:
        return
    read = (*naming, day_column, *(measure["column"] for measure in measures))
    if isinstance(batch, str):  # a staging table: its rows stay in DuckDB
        frame = con.sql(f"select {', '.join(read)}, rowid as _row from {batch}")
    else:  # only what the measures read crosses into DuckDB (a full load's batch has millions of rows)
        frame = batch[list(dict.fromkeys(read))].reset_index(drop=True)
        frame["_row"] = np.arange(len(frame))
        frame = for_duckdb(frame)
    con.register("batch_view", frame)
    try:
        since = _history_from(con, day_column)
        history = _raw_holds_history(con, table, entity_sql, day_column, since)
        streamed = in_key_order and not history  # raw's history joins the batch's rows out of key order

        def judged(measure: dict) -> pd.DataFrame:
            rows = con.execute(
                measure_sql(rules(), table, measure, entity_sql, day_column, history, above, limit, streamed, since)
            ).df()
            if rows["out_of_order"].any():  # the engine streamed the rows in another order: judge them sorted
                rows = con.execute(
                    measure_sql(rules(), table, measure, entity_sql, day_column, history, above, limit, False, since)
                ).df()
            return rows.drop(columns="out_of_order")

        # in the rules' order: a row failing two measures reads them in that order
        found = [judged(measure) for measure in measures]
    finally:
        con.unregister("batch_view")
    for measure, rows in zip(measures, found, strict=True):
        for column in ("day", "previous_day"):
            rows[column] = pd.to_datetime(rows[column]).dt.date
        yield measure["column"], rows


def tightest_moves(con: duckdb.DuckDBPyConnection, table: RawTable, batch: pd.DataFrame, count: int) -> pd.DataFrame:
    """The batch's moves closest to their limits (for the benchmark that calibrates the rules on real history)."""
    found = [rows.assign(measure=column) for column, rows in _measured(con, table, batch, 0.0, count)]
    return pd.concat(found).sort_values("headroom_used", ascending=False).head(count) if found else pd.DataFrame()


def find_implausible(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    source: str,
    batch: pd.DataFrame,
    accepted: set[tuple[str, str, date]],
) -> pd.Series:
    """Per batch row, why its value is implausible, or NA: one text column aligned with the batch."""
    verdicts = pd.Series(None, index=batch.index, dtype=object)
    if batch.empty or not checks_table(table):
        return verdicts
    for column, found in _measured(con, table, batch, 1.0):
        for row in found.to_dict("records"):
            if (source, row["entity"], row["day"]) in accepted:
                continue
            position = batch.index[int(row["_row"])]
            text = _describe(row, column, source)
            earlier = verdicts.loc[position]
            verdicts.loc[position] = text if pd.isna(earlier) else f"{earlier}; {text}"
    return verdicts


def implausible_rows(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    source: str,
    relation: str,
    accepted: set[tuple[str, str, date]],
    in_key_order: bool = False,
) -> pd.DataFrame:
    """find_implausible for a staged relation: `_row` (its rowid) and `verdict`, for the implausible rows only."""
    verdicts: dict[int, str] = {}
    if checks_table(table):
        for column, found in _measured(con, table, relation, 1.0, in_key_order=in_key_order):
            for row in found.to_dict("records"):
                if (source, row["entity"], row["day"]) not in accepted:
                    text = _describe(row, column, source)
                    position = int(row["_row"])
                    verdicts[position] = f"{verdicts[position]}; {text}" if position in verdicts else text
    return pd.DataFrame({"_row": list(verdicts), "verdict": list(verdicts.values())}, dtype=object)
