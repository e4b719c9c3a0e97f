"""One price basis in raw: when a split or dividend re-bases a symbol's adjusted history, it is fetched whole again.

Adjusted bars (Yahoo's, and the sample made from them) are re-based after every split or dividend: a close fetched
today is the same session's close fetched yesterday times one factor. An incremental fetch sees that on the sessions
it fetches again (the overlap); upserting only those would leave the history on two bases, and a 4:1 split would
read as a 75 % crash. So a symbol whose every overlapping close moved by one common factor is fetched again from its
first day, replacing its rows; one close that moved alone is a correction and loads as any revision.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.ingest.arrow_batch import for_duckdb
from orchestration.ingest.raw_tables import RawTable
from orchestration.ingest.sources.base import SourceClient

REBASED_TABLE = "price_bars"
# a re-computed adjustment differs by float noise (~1e-12); one dividend re-bases by ~1e-3, a split by 0.5 or more
MOVED_BEYOND = 1e-6
# the overlap's factors agree within this (relative) when the whole history was multiplied by one number
FACTORS_AGREE_WITHIN = 1e-4


@dataclass(frozen=True)
class Rebase:
    """A symbol whose history the source re-based: the factor today's closes are of the stored ones."""

    symbol: str
    factor: float
    overlap_sessions: int

    def describe(self) -> str:
        return (
            f"{self.symbol} (closes x{self.factor:.6g} on all {self.overlap_sessions} overlapping session(s): "
            "a split or dividend)"
        )


def find_rebased(con: duckdb.DuckDBPyConnection, table: RawTable, batch: pd.DataFrame) -> list[Rebase]:
    """The batch's symbols whose every close on a session raw holds moved by one common factor."""
    if table.name != REBASED_TABLE or batch.empty:
        return []
    # a literal bound on raw's dates: DuckDB filters its scan, and the batch's few thousand rows meet raw's last days,
    # not its 60 M rows
    first = pd.to_datetime(batch["trade_date"]).min()
    if pd.isna(first):
        return []
    con.register("basis_batch", for_duckdb(batch[["symbol", "trade_date", "close"]]))
    try:
        rows = con.execute(
            f"""
            with overlap as (
                select incoming.symbol, incoming.close / stored.close as factor
                from basis_batch as incoming
                join {table.qualified} as stored
                  on stored.symbol = incoming.symbol and stored.trade_date = cast(incoming.trade_date as date)
                where incoming.close > 0 and stored.close > 0 and stored.trade_date >= date '{first.date().isoformat()}'
            ), per_symbol as (
                select symbol, count(*) as sessions, min(factor) as lowest, max(factor) as highest,
                       median(factor) as factor
                from overlap
                group by symbol
            )
            select symbol, factor, sessions from per_symbol
            where (lowest > 1 + $moved or highest < 1 - $moved) and highest / lowest - 1 <= $agree
            order by symbol
        """,
            {"moved": MOVED_BEYOND, "agree": FACTORS_AGREE_WITHIN},
        ).fetchall()
    finally:
        con.unregister("basis_batch")
    return [Rebase(symbol, float(factor), int(sessions)) for symbol, factor, sessions in rows]


def with_whole_histories(client: SourceClient, batch: pd.DataFrame, rebased: list[Rebase]) -> pd.DataFrame:
    """The batch with each re-based symbol's rows replaced by its whole history, fetched again."""
    symbols = {rebase.symbol for rebase in rebased}
    whole = client.history_of(symbols)
    kept = batch.loc[~batch[client.entity_column].isin(symbols)]
    return pd.concat([kept, whole.reindex(columns=batch.columns)], ignore_index=True)
