import math
from datetime import date

import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_prices import parse_price_csv, read_price_file
from tests.conftest import FIXTURES


def test_plain_header_reads_real_spy_bars():
    bars = read_price_file(FIXTURES / "prices" / "SPY.csv", "SPY", "prices/SPY.csv")
    assert len(bars) == 10
    first = bars.iloc[0]
    assert first.trade_date == date(2025, 11, 10)
    assert first.symbol == "SPY" and first.source == "prices/SPY.csv"
    assert first.volume > 0 and first.low <= first.close <= first.high


def test_yahoo_download_header_uses_close_and_volume():
    bars = read_price_file(FIXTURES / "prices" / "NVDA_yahoo_header.csv", "NVDA", "yahoo")
    assert list(bars.columns) == [
        "symbol",
        "trade_date",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "source",
        "_file",
        "_line",
    ]
    assert bars.iloc[0]._line == 2 and bars.iloc[0]._file.endswith("NVDA_yahoo_header.csv")
    assert bars.iloc[0].close == pytest.approx(198.7964630126953)
    assert bars.iloc[0].volume == 198897100


def test_cboe_vix_has_no_volume():
    bars = read_price_file(FIXTURES / "prices" / "cboe_vix.csv", "VIX", "cboe", volume_required=False)
    assert len(bars) == 10
    assert bars.volume.isna().all()
    assert bars.set_index("trade_date").loc[date(2025, 11, 20), "close"] == pytest.approx(26.42)


def test_unknown_header_names_file_and_missing_columns():
    with pytest.raises(SourceFormatError) as caught:
        parse_price_csv("day,price\n2025-01-02,1\n", "prices/ODD.csv", "ODD", "x")
    message = str(caught.value)
    assert "prices/ODD.csv" in message and "'open'" in message and "'volume'" in message


def test_text_in_number_column_names_file_line_and_value():
    text = (FIXTURES / "prices" / "SPY.csv").read_text().splitlines()
    fields = text[3].split(",")
    fields[4] = "n/a-close"
    text[3] = ",".join(fields)
    with pytest.raises(
        SourceFormatError, match=r"SPY\.csv, line 4: column 'close' has a non-numeric value 'n/a-close'"
    ):
        parse_price_csv("\n".join(text), "prices/SPY.csv", "SPY", "x")


def test_empty_file_is_an_error():
    with pytest.raises(SourceFormatError, match="empty"):
        parse_price_csv(b"", "prices/EMPTY.csv", "EMPTY", "x")


def test_rows_of_null_prices_are_not_sessions():
    content = (
        "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,null,null,null,null,null,null\n2020-01-03,1,2,1,2,2,5\n"
    )
    bars = parse_price_csv(content, "y.csv", "Y", "x")
    assert bars.trade_date.tolist() == [date(2020, 1, 3)]
    assert not math.isnan(bars.iloc[0].volume)


def fixture_files() -> list:
    from orchestration.ingest.sources.parse_prices import PriceFile

    folder = FIXTURES / "prices"
    return [
        PriceFile((folder / "SPY.csv").read_bytes(), "SPY.csv", "SPY", "prices/SPY.csv"),
        PriceFile((folder / "NVDA_yahoo_header.csv").read_bytes(), "NVDA.csv", "NVDA", "yahoo"),
        PriceFile((folder / "cboe_vix.csv").read_bytes(), "vix.csv", "VIX", "cboe", volume_required=False),
        # the same shape twice, with Windows line endings and a blank line: one parse for both plain files
        PriceFile((folder / "SPY.csv").read_bytes().replace(b"\n", b"\r\n") + b"\r\n", "QQQ.csv", "QQQ", "q"),
    ]


def test_many_files_parsed_at_once_equal_one_parse_per_file():
    import pandas as pd

    from orchestration.ingest.sources.parse_prices import parse_price_files

    files = fixture_files()
    together = parse_price_files(files)
    one_by_one = pd.concat(
        [parse_price_csv(f.content, f.where, f.symbol, f.source, f.volume_required) for f in files], ignore_index=True
    )
    key = ["symbol", "trade_date"]
    pd.testing.assert_frame_equal(
        together.sort_values(key, ignore_index=True), one_by_one.sort_values(key, ignore_index=True)
    )
    assert set(together.symbol) == {"SPY", "NVDA", "VIX", "QQQ"}
    assert (together[together.symbol == "QQQ"].source == "q").all()


def test_a_bad_file_among_many_is_named_as_a_single_parse_would():
    from dataclasses import replace

    from orchestration.ingest.sources.parse_prices import parse_price_files

    files = fixture_files()
    files[3] = replace(files[3], content=files[3].content.replace(b"2025-11-12,", b"2025-11-12,abc", 1))
    with pytest.raises(SourceFormatError) as raised:
        parse_price_files(files)
    assert raised.value.where == "QQQ.csv"


@pytest.mark.parametrize(
    "edit, absent",
    [
        (lambda f: f[:4] + ["NaN"] + f[5:], "close"),
        (lambda f: f[:1] + [""] + f[2:], "open"),
        (lambda f: f[:5] + [""], "volume"),
    ],
)
def test_a_bar_with_a_missing_value_is_refused_naming_its_line(edit, absent):
    lines = (FIXTURES / "prices" / "SPY.csv").read_text().splitlines()
    lines[3] = ",".join(edit(lines[3].split(",")))
    with pytest.raises(SourceFormatError, match=rf"SPY\.csv, line 4: no value for {absent} \(a bar needs"):
        parse_price_csv("\n".join(lines), "prices/SPY.csv", "SPY", "x")


def test_a_row_of_nulls_is_no_session_and_is_left_out():
    lines = (FIXTURES / "prices" / "SPY.csv").read_text().splitlines()
    lines.insert(3, "2025-11-12,null,null,null,null,null")  # Yahoo's row for a day an index did not print
    assert len(parse_price_csv("\n".join(lines), "prices/SPY.csv", "SPY", "x")) == len(lines) - 2
