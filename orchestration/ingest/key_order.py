"""Whether a staged relation's rows already stand in key order: each entity one run of strictly ascending dates.

Whole files are staged file by file and line by line (engine_load.py), and a price file holds one symbol's bars in
date order. When the rows show it, one streaming pass in row order (no sort, no grouping of every key) proves the
natural key unique, so the suite's uniqueness check has nothing to group, and lets plausibility read each value's
previous one from the row before (plausibility_sql.py). Any other order (two files of one symbol, a descending or
repeated date, a missing date) says no, and both take their general path.
"""

from __future__ import annotations

import duckdb

from orchestration.ingest.raw_tables import RawTable


def in_key_order(con: duckdb.DuckDBPyConnection, relation: str, table: RawTable) -> bool:
    """Whether `relation` (a table: its rowid is its row order) holds each of `table`'s entities in one run of rows
    whose date strictly ascends, its natural key being (entity, date). Streamed in rowid order, which each row's
    previous rowid proves (a smaller one)."""
    entity, day = table.entity_column, table.date_column
    if table.key != (entity, day):
        return False
    out_of_order, not_ascending, runs, entities = con.execute(
        f"""with streamed as (
            select {entity} as entity, {day} as day, rowid as _row,
                   lag({entity}) over () as previous_entity, lag({day}) over () as previous_day,
                   lag(rowid) over () as previous_row
            from {relation}
        ), final as (
            select count(*) filter (where previous_row >= _row) as out_of_order,
                   count(*) filter (
                       where entity is not distinct from previous_entity and not coalesce(day > previous_day, false)
                   ) as not_ascending,
                   count(*) filter (where entity is distinct from previous_entity) as runs,
                   -- distinct among the runs' first rows only: a handful of rows, not every key
                   count(distinct entity) filter (where entity is distinct from previous_entity) as entities
            from streamed
        )
        select * from final"""
    ).fetchall()[0]
    # a null entity starts a run no distinct count sees: runs then exceed entities
    return out_of_order == 0 and not_ascending == 0 and runs == entities
