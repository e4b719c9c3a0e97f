import json
from datetime import date

import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.parse_fred import parse_fred_csv, parse_fred_observations_json, read_fred_file
from tests.conftest import FIXTURES


def test_date_value_shape_keeps_the_october_2025_cpi_gap_as_null():
    cpi = read_fred_file(FIXTURES / "fred" / "CPILFESL.csv").set_index("obs_date")
    assert cpi.loc[date(2025, 9, 1), "value"] == pytest.approx(330.542)
    assert date(2025, 10, 1) in cpi.index
    assert cpi.loc[date(2025, 10, 1), "value"] != cpi.loc[date(2025, 10, 1), "value"]  # NaN
    assert cpi.series_id.unique().tolist() == ["CPILFESL"]


def test_observation_date_shape():
    path = FIXTURES / "fred" / "DGS10_observation_date.csv"
    rates = parse_fred_csv(path.read_text(), str(path), "DGS10").set_index("obs_date")
    assert rates.loc[date(2025, 11, 21), "value"] == pytest.approx(4.06)
    assert rates.loc[date(2025, 11, 27), "value"] != rates.loc[date(2025, 11, 27), "value"]  # Thanksgiving


def test_legacy_shape_with_dot_for_missing():
    path = FIXTURES / "fred" / "DGS10_legacy.csv"
    rates = parse_fred_csv(path.read_text(), str(path), "DGS10").set_index("obs_date")
    assert len(rates) == 14
    assert rates.value.isna().sum() == 2
    assert rates.loc[date(2012, 9, 4), "value"] == pytest.approx(1.59)


def test_value_column_for_another_series_is_refused():
    with pytest.raises(SourceFormatError, match="expected 'value' or the series id 'DGS10'"):
        parse_fred_csv("DATE,DGS2\n2020-01-02,1.5\n", "fred/DGS10.csv", "DGS10")


def test_unknown_header_names_the_file():
    with pytest.raises(SourceFormatError, match=r"fred/X\.csv, line 1: unknown FRED header \['when', 'value'\]"):
        parse_fred_csv("when,value\n2020-01-02,1.5\n", "fred/X.csv", "X")


def test_bad_date_names_line():
    with pytest.raises(SourceFormatError, match=r", line 3: column 'date' has an invalid date '2020-13-45'"):
        parse_fred_csv("date,value\n2020-01-02,1\n2020-13-45,2\n", "f.csv", "X")


def test_api_json_shape_carries_vintages_and_missing_values():
    payload = json.loads((FIXTURES / "fred_api" / "observations_quarterly_missing.json").read_text())
    frame = parse_fred_observations_json(payload, "fixture", "Q").set_index("obs_date")
    assert len(frame) == payload["count"]
    assert frame.loc[date(2020, 4, 1), "value"] != frame.loc[date(2020, 4, 1), "value"]
    assert frame.realtime_start.unique().tolist() == [date(2020, 5, 20)]
