"""Loading in batches: a large fetch is validated and upserted batch by batch, still as one transaction."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.loading import load_source, merge_reports
from orchestration.ingest.raw_layer import loaded_ranges
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.sources.replay import ReplayPriceClient
from orchestration.ingest.sources.tails import read_tail
from orchestration.ingest.validation import Failure, ValidationReport
from tests.conftest import FIXTURES, copy_warehouse, raw_rows, run_cli, table_snapshot
from tests.test_validation_gate import edit_csv_line, set_field, spy

PRICES = RAW_TABLES["price_bars"].qualified


def schemas(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name for (name,) in con.execute("select schema_name from information_schema.schemata").fetchall()}


def without_load_metadata(db: Path) -> list[tuple]:
    return [row[:-2] for row in table_snapshot(db, PRICES)]  # _loaded_at and _run_id differ between loads


def test_batches_hold_whole_symbols_and_add_up_to_the_full_fetch(sample_copy):
    client = ReplayPriceClient(sample_copy)
    batches = list(client.fetch_batches({}, max_rows=3_000))
    assert len(batches) > 3
    symbols_per_batch = [set(batch["symbol"]) for batch in batches]
    assert sum(len(symbols) for symbols in symbols_per_batch) == len(set().union(*symbols_per_batch))
    together = pd.concat(batches, ignore_index=True).sort_values(["symbol", "trade_date"], ignore_index=True)
    whole = client.fetch({}).sort_values(["symbol", "trade_date"], ignore_index=True)
    pd.testing.assert_frame_equal(together, whole)


def test_a_load_in_many_batches_equals_a_load_in_one(sample_copy, tmp_path):
    one, many = tmp_path / "one.duckdb", tmp_path / "many.duckdb"
    single = load_source(one, ReplayPriceClient(sample_copy), "run-1", None)
    batched = load_source(many, ReplayPriceClient(sample_copy), "run-1", None, batch_rows=3_000)
    assert single.status == batched.status == "loaded"
    assert batched.rows_in == single.rows_in == single.inserted == batched.inserted
    assert (batched.window_start, batched.window_end) == (single.window_start, single.window_end)
    assert without_load_metadata(many) == without_load_metadata(one)
    assert "loading" not in schemas(many)  # the staging table is gone once merged
    # the sample is stale as a whole, so the staleness warning stands once, as for one batch
    assert [w.check for w in batched.warnings] == [w.check for w in single.warnings]


def test_a_bad_late_batch_rolls_back_the_batches_before_it(sample_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    load_source(db, ReplayPriceClient(sample_copy), "run-1", None)
    before = table_snapshot(db, PRICES)
    # every bar revised up by 1 %: a load that would change every row, if it were committed
    for path in sorted((sample_copy / "prices").glob("*.csv")):
        lines = path.read_text().splitlines()
        header = lines[0].split(",")
        price_columns = [i for i, name in enumerate(header) if name.lower() in ("open", "high", "low", "close")]
        rows = [line.split(",") for line in lines[1:]]
        for row in rows:
            for i in price_columns:
                row[i] = repr(float(row[i]) * 1.01) if row[i] else row[i]
        path.write_text("\n".join([lines[0], *(",".join(row) for row in rows)]) + "\n")
    edit_csv_line(spy(sample_copy), "2025-12-30", set_field(4, "-1.0"))  # SPY sorts late: not in the first batch

    result = load_source(db, ReplayPriceClient(sample_copy), "run-2", None, batch_rows=3_000)

    assert result.status == "quarantined"
    assert "close_positive" in result.reason()
    assert table_snapshot(db, PRICES) == before  # the earlier, valid batches were not kept either
    assert "loading" not in schemas(db)


def test_files_that_repeat_a_key_fail_the_load_and_leave_raw_as_it_was(sample_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    load_source(db, ReplayPriceClient(sample_copy), "run-1", None)
    before = table_snapshot(db, PRICES)
    # GSPC.csv and ^GSPC.csv both name ^GSPC; they sort far apart, so they reach different batches
    (sample_copy / "prices" / "^GSPC.csv").write_text((sample_copy / "prices" / "GSPC.csv").read_text())
    batches = ReplayPriceClient(sample_copy).fetch_batches({}, max_rows=3_000)
    assert sum("^GSPC" in set(batch["symbol"]) for batch in batches) == 2

    # a full reload reads every file whole in DuckDB (engine_load.py): the suite sees both files' rows at once
    result = load_source(db, ReplayPriceClient(sample_copy), "run-2", None, batch_rows=3_000)
    assert result.status == "quarantined"
    [repeated] = [failure for failure in result.failures if failure.check == "key_unique"]
    assert repeated.unexpected_count == 2 * 1003 and "^GSPC" in repeated.examples[0]
    assert {"GSPC.csv", "^GSPC.csv"} <= {example.split("/")[-1].split(" ")[0] for example in repeated.examples}

    assert table_snapshot(db, PRICES) == before
    assert "loading" not in schemas(db)


def test_new_files_read_whole_and_known_symbols_tails_merge_in_one_load(sample_copy, tmp_path):
    # a symbol the warehouse does not hold yet is read whole by DuckDB; the others arrive as tails (batches):
    # both reach raw in the one merge, and nothing is left in the staging schema
    held_back = tmp_path / "XLF.csv"
    shutil.move(sample_copy / "prices" / "XLF.csv", held_back)
    db = tmp_path / "w.duckdb"
    load_source(db, ReplayPriceClient(sample_copy), "run-1", None)
    shutil.move(held_back, sample_copy / "prices" / "XLF.csv")
    client = ReplayPriceClient(sample_copy)

    result = load_source(db, client, "run-2", 5)

    assert client.taken == {"XLF"}  # read whole; the tails of the others came as a batch
    xlf_rows = len((sample_copy / "prices" / "XLF.csv").read_text().splitlines()) - 1  # after its header
    assert result.status == "loaded" and result.inserted == xlf_rows and result.unchanged > 0
    full = tmp_path / "full.duckdb"
    load_source(full, ReplayPriceClient(sample_copy), "run-1", None)
    assert without_load_metadata(db) == without_load_metadata(full)
    assert "loading" not in schemas(db)


def failure(check: str, severity: str = "warn", count: int | None = 1) -> Failure:
    return Failure(check, "expect_something", "close", severity, count, (f"{check} example",))


def test_merged_reports_add_counts_and_keep_staleness_only_when_every_batch_was_stale():
    first = ValidationReport(
        "raw.price_bars", 10, [failure("open_close_within_low_high_cboe", count=2), failure("staleness")]
    )
    second = ValidationReport("raw.price_bars", 10, [failure("open_close_within_low_high_cboe", count=3)])
    merged = merge_reports([first, second])
    assert [(f.check, f.unexpected_count) for f in merged] == [("open_close_within_low_high_cboe", 5)]
    third = ValidationReport("raw.price_bars", 10, [failure("staleness")])
    assert [f.check for f in merge_reports([first, third])] == ["open_close_within_low_high_cboe", "staleness"]


def prepend_rows(path: Path, older: Path) -> int:
    """Put a real file's older rows before the rows of `path` (a longer download of the same series)."""
    header, *rows = older.read_text().splitlines()
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], *rows, *lines[1:]]) + "\n")
    return len(rows)


def test_older_rows_a_data_directory_gains_load_and_a_missing_family_folder_is_said(
    sample_warehouse, sample_copy, tmp_path, capsys
):
    db = copy_warehouse(sample_warehouse, tmp_path / "stresswatch.duckdb")
    # real downloads reaching further back: FRED's SP500 from 2016, Yahoo's SPY from 2021-07
    older_sp500 = prepend_rows(sample_copy / "fred" / "SP500.csv", FIXTURES / "fred" / "SP500_2016-2021.csv")
    older_spy = prepend_rows(sample_copy / "prices" / "SPY.csv", FIXTURES / "prices" / "SPY_2021-07_2021-12.csv")
    shutil.rmtree(sample_copy / "sec")  # families are optional: a user without SEC data
    before = {
        "SP500": sum(row[0] == "SP500" for row in raw_rows(db, "fred_observations")),
        "SPY": sum(row[0] == "SPY" for row in raw_rows(db, "price_bars")),
    }
    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_copy)) == 0
    fred = [row for row in raw_rows(db, "fred_observations") if row[0] == "SP500"]
    bars = [row for row in raw_rows(db, "price_bars") if row[0] == "SPY"]
    assert len(fred) == before["SP500"] + older_sp500 and min(row[1] for row in fred).isoformat() == "2016-01-01"
    assert len(bars) == before["SPY"] + older_spy and min(row[1] for row in bars).isoformat() == "2021-07-01"
    assert "no sec/ folder there: nothing to load for this family" in capsys.readouterr().out
    with duckdb.connect(str(db), read_only=True) as con:
        origin, status = con.execute(
            "select origin, status from raw.load_log where source = 'sec' order by started_at desc limit 1"
        ).fetchone()
        ranges = loaded_ranges(con, RAW_TABLES["price_bars"])
    assert status == "loaded" and "no sec/ folder there: nothing to load" in origin
    # loaded once: the next evening reads SPY's file from its tail again, not whole
    since = {symbol: loaded.last for symbol, loaded in ranges.items()}
    history_from = {symbol: loaded.first for symbol, loaded in ranges.items()}
    tail = read_tail(sample_copy / "prices" / "SPY.csv", since["SPY"], history_from=history_from["SPY"])
    assert tail.content.count(b"\n") < 5
