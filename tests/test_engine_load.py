"""Whole price files read by DuckDB give exactly the pandas parser's rows (values to the last bit, source, file and
line), and every file the SQL fast path cannot vouch for gets the parser's own verdict: the same rows or the same
error naming file and line."""

import shutil

import duckdb
import pandas as pd
import pytest

from orchestration.ingest.engine_load import STAGED_FILES, stage_whole_files
from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_prices import WholeFile, parse_price_csv
from orchestration.ingest.sources.replay import ReplayPriceClient
from orchestration.settings import SAMPLE_DATA_DIR

COLUMNS = ["symbol", "trade_date", "open", "high", "low", "close", "volume", "source", "_file", "_line"]


def _staged(files: list[WholeFile], by_pandas: list[str] | None = None) -> pd.DataFrame:
    """The staged rows; `by_pandas` (if given) receives the files the fast path left to the pandas parser."""
    with duckdb.connect() as con:
        staged = stage_whole_files(con, files)
        frame = con.execute(f"select {', '.join(COLUMNS)} from {STAGED_FILES}").df()
    if by_pandas is not None:
        by_pandas += staged.parsed_by_pandas
    return _ordered(frame)


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[COLUMNS].copy()
    frame["trade_date"] = pd.to_datetime(frame.trade_date)
    frame["_file"] = frame["_file"].astype(str)
    frame["_line"] = frame["_line"].astype("int64")
    return frame.sort_values(["_file", "_line"]).reset_index(drop=True)


def _parsed(files: list[WholeFile]) -> pd.DataFrame:
    frames = [parse_price_csv(f.path.read_bytes(), str(f.path), f.symbol, f.source, f.volume_required) for f in files]
    return _ordered(pd.concat(frames, ignore_index=True))


def test_the_sample_reads_exactly_as_the_pandas_parser_reads_it():
    files = ReplayPriceClient(SAMPLE_DATA_DIR).whole_files({})
    assert len(files) == 19  # 18 files of prices/ and Cboe's VIX
    by_pandas = []
    staged = _staged(files, by_pandas)
    assert len(staged) == 19_084 and by_pandas == []  # every sample file takes the fast path
    pd.testing.assert_frame_equal(staged, _parsed(files), check_exact=True, check_dtype=False)


GOOD = "date,open,high,low,close,volume\n2024-01-02,10.5,11,10,10.75,1000\n2024-01-03,10.75,11.25,10.5,11,1200\n"
ODD_FILES = {
    "a blank line inside": GOOD.replace("\n2024-01-03", "\n\n2024-01-03"),
    "windows line ends": GOOD.replace("\n", "\r\n"),
    "a byte-order mark": "\ufeff" + GOOD,
    "quoted cells": GOOD.replace("10.75,1000", '"10.75","1000"'),
    "yahoo's null row": GOOD + "2024-01-04,null,null,null,null,null\n",
    "yahoo's header": "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,10.5,11,10,10.75,10.7,1000\n",
    "spaces around a number": GOOD.replace(",11,10,", ", 11 ,10,"),
    "a non-numeric price": GOOD.replace("10.75,1200", "1O.75,1200"),
    "an infinite price": GOOD.replace("10.75,1200", "1e400,1200"),
    "an invalid date": GOOD.replace("2024-01-03", "2024-13-03"),
    "a line cut short": GOOD + "2024-01-04,11,12\n",
    "an extra field": GOOD + "2024-01-04,11,12,10,11,900,7\n",
    "a missing price": GOOD.replace("10.5,11,10,10.75", "10.5,,10,10.75"),
    "a missing volume": GOOD.replace(",1200", ","),
    "no volume column": "date,open,high,low,close\n2024-01-02,10.5,11,10,10.75\n",
    "an empty file": "",
    "not utf-8": GOOD.replace("10.5", "10\xe9").encode("latin-1"),
}


@pytest.mark.parametrize("case", list(ODD_FILES))
def test_an_odd_file_gets_the_parsers_rows_or_its_error(case, tmp_path):
    content = ODD_FILES[case]
    path = tmp_path / "prices" / "ODD.csv"
    path.parent.mkdir()
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    good = tmp_path / "prices" / "GOOD.csv"
    good.write_text(GOOD)
    files = [WholeFile(good, "GOOD", "prices/GOOD.csv"), WholeFile(path, "ODD", "prices/ODD.csv")]
    try:
        expected = _parsed(files)
    except SourceFormatError as error:
        with pytest.raises(SourceFormatError) as raised:
            _staged(files)
        assert str(raised.value) == str(error)  # the same check, file and line
        return
    by_pandas = []
    pd.testing.assert_frame_equal(_staged(files, by_pandas), expected, check_exact=True, check_dtype=False)
    assert str(good) not in by_pandas  # a plain file beside an odd one still takes the fast path
    if case in ("a blank line inside", "windows line ends", "quoted cells"):
        assert by_pandas == [str(path)]


def test_many_files_keep_each_rows_own_line(tmp_path):
    """Hundreds of files in one read: every row's line is its line in its own file."""
    folder = tmp_path / "prices"
    folder.mkdir()
    source = (SAMPLE_DATA_DIR / "prices" / "SPY.csv").read_text().splitlines()
    files = []
    for number in range(300):
        path = folder / f"S{number}.csv"
        path.write_text("\n".join([source[0], *source[1 + number : 1 + number + 200]]) + "\n")
        files.append(WholeFile(path, f"S{number}", f"prices/{path.name}"))
    by_pandas = []
    staged = _staged(files, by_pandas)
    assert len(staged) == 300 * 200 and by_pandas == []
    pd.testing.assert_frame_equal(staged, _parsed(files), check_exact=True, check_dtype=False)
    shutil.rmtree(folder)
