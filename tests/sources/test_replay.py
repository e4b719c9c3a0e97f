"""Replay clients: reading a data directory, incrementally from the tail of each price file."""

from datetime import date

import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.replay import ReplayPriceClient
from orchestration.ingest.sources.tails import first_line_after, read_tail
from orchestration.settings import SAMPLE_DATA_DIR


def test_read_tail_returns_the_header_and_the_days_from_the_start_date(tmp_path):
    source = SAMPLE_DATA_DIR / "prices" / "SPY.csv"
    tail = read_tail(source, date(2025, 12, 24), chunk_bytes=256)
    lines = source.read_text().splitlines()
    expected = [line for line in lines[1:] if line[:10] >= "2025-12-24"]
    assert tail.content.decode().splitlines() == ["date,open,high,low,close,volume", *expected]
    assert len(expected) == 5
    # the tail's first row keeps its line number in the whole file (1-based, header = line 1)
    assert tail.body_first_line == lines.index(expected[0]) + 1 == 1000


def test_a_tail_read_without_counting_is_numbered_when_asked():
    source = SAMPLE_DATA_DIR / "prices" / "SPY.csv"
    counted = read_tail(source, date(2025, 12, 24), chunk_bytes=256)
    uncounted = read_tail(source, date(2025, 12, 24), chunk_bytes=256, count_lines=False)
    assert uncounted.content == counted.content and uncounted.body_first_line == 2
    assert first_line_after(source, uncounted.uncounted_bytes) == counted.body_first_line == 1000

    client = ReplayPriceClient(SAMPLE_DATA_DIR)
    batch = next(client.fetch_batches({"SPY": date(2025, 12, 24)}, 10**9))
    spy = batch[batch["symbol"] == "SPY"]
    assert spy["_line"].tolist() == [2, 3, 4, 5, 6]  # numbered within the tail: nothing counted yet
    numbered = client.number_lines(batch)
    assert numbered.loc[spy.index, "_line"].tolist() == [1000, 1001, 1002, 1003, 1004]
    assert client.number_lines(numbered) is numbered  # counted once


def test_read_tail_before_the_first_day_reads_everything():
    source = SAMPLE_DATA_DIR / "prices" / "SPY.csv"
    tail = read_tail(source, date(1990, 1, 1), chunk_bytes=300)
    assert tail.content.decode().splitlines() == source.read_text().splitlines()
    assert tail.body_first_line == 2


def test_incremental_fetch_equals_filtering_a_full_fetch():
    client = ReplayPriceClient(SAMPLE_DATA_DIR)
    since = {"SPY": date(2025, 12, 1), "^GSPC": date(2024, 6, 3), "VIX": date(2025, 11, 20)}
    incremental = client.number_lines(client.fetch(since))  # every row with its line in the file
    full = client.fetch({})
    starts = full.symbol.map(since)
    expected = full[starts.isna() | (full.trade_date >= starts)].reset_index(drop=True)
    assert (
        incremental.sort_values(["symbol", "trade_date"])
        .reset_index(drop=True)
        .equals(expected.sort_values(["symbol", "trade_date"]).reset_index(drop=True))
    )


def test_read_tail_keeps_a_line_without_a_date_for_the_checks(tmp_path):
    path = tmp_path / "X.csv"
    path.write_text("date,open,high,low,close,volume\n2025-01-02,1,2,1,2,5\n,1,2,1,2,5\n2025-01-03,1,2,1,2,5\n")
    tail = read_tail(path, date(2025, 1, 3))
    assert tail.content.decode().splitlines() == [
        "date,open,high,low,close,volume",
        ",1,2,1,2,5",
        "2025-01-03,1,2,1,2,5",
    ]
    assert tail.body_first_line == 3


def test_a_descending_file_is_read_whole_so_its_new_day_at_the_top_is_not_lost(tmp_path):
    lines = (SAMPLE_DATA_DIR / "prices" / "SPY.csv").read_text().splitlines()
    path = tmp_path / "SPY.csv"
    path.write_text("\n".join([lines[0], "2026-01-02,686.0,690.0,684.0,688.0,50000000", *lines[:0:-1]]) + "\n")
    tail = read_tail(path, date(2025, 12, 21), chunk_bytes=512)
    assert tail.content == path.read_bytes() and tail.body_first_line == 2


def test_a_row_out_of_order_near_the_end_makes_the_whole_file_read(tmp_path):
    lines = (SAMPLE_DATA_DIR / "prices" / "SPY.csv").read_text().splitlines()
    new_day = "2026-01-02,686.0,690.0,684.0,688.0,50000000"
    path = tmp_path / "SPY.csv"
    path.write_text("\n".join([*lines[:-3], new_day, *lines[-3:]]) + "\n")
    tail = read_tail(path, date(2025, 12, 21))
    assert new_day.encode() in tail.content


def test_errors_in_a_tail_name_the_line_counted_from_the_start_of_the_file(tmp_path):
    data = tmp_path / "data"
    (data / "prices").mkdir(parents=True)
    lines = (SAMPLE_DATA_DIR / "prices" / "SPY.csv").read_text().splitlines()
    (data / "prices" / "SPY.csv").write_text("\n".join([*lines, "2026-01-02,680.5,684.0"]) + "\n")
    with pytest.raises(SourceFormatError, match=rf"SPY\.csv, line {len(lines) + 1}: the line has 3 field\(s\)"):
        ReplayPriceClient(data).fetch({"SPY": date(2025, 12, 20)})
    bars = lines[-1].split(",")
    (data / "prices" / "SPY.csv").write_text("\n".join([*lines[:-1], ",".join([bars[0], "inf", *bars[2:]])]) + "\n")
    with pytest.raises(SourceFormatError, match=rf"SPY\.csv, line {len(lines)}: column 'open' has an infinite value"):
        ReplayPriceClient(data).fetch({"SPY": date(2025, 12, 20)})


def test_rows_of_a_tail_carry_their_file_and_line():
    client = ReplayPriceClient(SAMPLE_DATA_DIR)  # the lines before a tail are counted when a message needs them
    bars = client.number_lines(client.fetch({"SPY": date(2025, 12, 30), "^GSPC": date(2025, 12, 31)}))
    spy = bars[bars.symbol == "SPY"]
    assert spy._line.tolist() == [1003, 1004] and spy._file.str.endswith("prices/SPY.csv").all()
    assert bars[bars.symbol == "^GSPC"]._line.tolist() == [1004]
