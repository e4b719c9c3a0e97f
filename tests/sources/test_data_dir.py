from pathlib import Path

import pytest

from orchestration.ingest.sources import data_dir
from orchestration.ingest.sources.errors import SourceFormatError


def _prices(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "prices"
    folder.mkdir()
    for name in names:
        (folder / name).write_text("Date,Open,High,Low,Close,Volume\n")
    return folder


def test_files_are_listed_in_name_order_whatever_the_directory_order(tmp_path):
    _prices(tmp_path, "SPY.csv", "AAPL.csv", "^GSPC.csv", "BRK-B.csv", "aapl.csv")
    listed = data_dir.files(tmp_path, "prices", "*.csv")
    assert [path.name for path in listed] == ["AAPL.csv", "BRK-B.csv", "SPY.csv", "^GSPC.csv", "aapl.csv"]
    assert listed[0] == tmp_path / "prices" / "AAPL.csv"


def test_hidden_files_are_not_data_even_when_the_pattern_matches(tmp_path):
    _prices(tmp_path, "SPY.csv", ".DS_Store", ".~lock.SPY.csv")
    assert [path.name for path in data_dir.files(tmp_path, "prices", "*.csv")] == ["SPY.csv"]


@pytest.mark.parametrize("stray", ["SPY.CSV", "SPY.csv.part", "CIK 1.csv"])
def test_a_file_the_pattern_or_the_name_rule_does_not_take_is_refused_by_name(tmp_path, stray):
    folder = _prices(tmp_path, "SPY.csv", stray)
    with pytest.raises(SourceFormatError) as refused:
        data_dir.files(tmp_path, "prices", "*.csv")
    assert refused.value.check == "file_name_is_known"
    assert str(folder / stray) in str(refused.value)


def test_a_folder_named_like_a_file_is_refused(tmp_path):
    folder = _prices(tmp_path, "SPY.csv")
    (folder / "QQQ.csv").mkdir()
    with pytest.raises(SourceFormatError, match="QQQ.csv"):
        data_dir.files(tmp_path, "prices", "*.csv")


def test_a_missing_family_folder_has_no_files(tmp_path):
    assert data_dir.files(tmp_path, "prices", "*.csv") == []
