"""FRED's vintages (ALFRED): fredapi's all-releases call against a local replica of FRED, and the replay of the same
vintages from an alfred/ file in the API's long shape, give the same rows; realtime_end follows from the starts."""

import re
from datetime import date

import pandas as pd
import pytest

from orchestration.ingest.sources.errors import SourceFormatError
from orchestration.ingest.sources.live_fred import LiveFredVintageClient
from orchestration.ingest.sources.parse_fred import parse_alfred_csv, with_realtime_end
from orchestration.ingest.sources.replay import ReplayFredVintageClient
from orchestration.settings import SAMPLE_DATA_DIR
from tests.replica_server import fred_observations_answer

# August 2025's core CPI first printed on 2025-09-11 (value made up for the test), revised to the sample's real
# 329.793 on 2025-12-31
FIRST_PRINTS = {("CPILFESL", "2025-08-01"): ("2025-09-11", "330.101")}


def alfred_file(answer, series_id: str) -> str:
    """The replica's all-releases answer written in ALFRED's long CSV shape, FRED's own realtime_end included."""
    _, _, body = answer(
        f"/fred/series/observations?series_id={series_id}&realtime_start=1776-07-04&realtime_end=9999-12-31", 1
    )
    rows = re.findall(rb'realtime_start="([^"]+)" realtime_end="([^"]+)" date="([^"]+)" value="([^"]+)"', body)
    return "realtime_start,realtime_end,date,value\n" + "".join(
        ",".join(field.decode() for field in row) + "\n" for row in rows
    )


def rows(frame: pd.DataFrame) -> list[tuple]:
    """Vintages as sorted tuples, a missing date or value as None."""
    columns = ["series_id", "obs_date", "realtime_start", "realtime_end", "value"]
    return sorted(
        tuple(None if pd.isna(cell) else cell for cell in row) for row in frame[columns].itertuples(index=False)
    )


def test_live_vintages_equal_the_replayed_alfred_file(replica_of, tmp_path):
    answer = fred_observations_answer(SAMPLE_DATA_DIR / "fred", first_prints=FIRST_PRINTS, revised_on="2025-12-31")
    replica = replica_of(answer)
    live = LiveFredVintageClient(["CPILFESL"], api_key="replica-key", base_url=f"{replica.url}/fred").fetch({})
    (tmp_path / "alfred").mkdir()
    (tmp_path / "alfred" / "CPILFESL.csv").write_text(alfred_file(answer, "CPILFESL"))
    replayed = ReplayFredVintageClient(tmp_path).fetch({})
    assert (
        rows(live) == rows(replayed) and len(live) == 552
    )  # 551 months since 1980 (one without a value), one revision
    august = live[live.obs_date == date(2025, 8, 1)]
    assert august[["realtime_start", "realtime_end", "value"]].values.tolist() == [
        [date(2025, 9, 11), date(2025, 12, 30), 330.101],
        [date(2025, 12, 31), None, 329.793],
    ]
    assert "realtime_start=1776-07-04" in replica.requests[0]  # the whole history of vintages, the first time


def test_an_incremental_ask_starts_at_the_series_start_date(replica_of):
    replica = replica_of(
        fred_observations_answer(SAMPLE_DATA_DIR / "fred", first_prints=FIRST_PRINTS, revised_on="2025-12-31")
    )
    live = LiveFredVintageClient(["CPILFESL"], api_key="replica-key", base_url=f"{replica.url}/fred").fetch(
        {"CPILFESL": date(2025, 12, 1)}
    )
    assert "realtime_start=2025-12-01&realtime_end=9999-12-31" in replica.requests[0]
    # the vintages current on or after that day: every observation's current one, and none ended before it
    assert live.realtime_end.dropna().min() >= date(2025, 12, 1)


def test_realtime_end_is_the_day_before_the_next_vintage():
    vintages = pd.DataFrame(
        {
            "series_id": "X",
            "obs_date": [date(2025, 1, 1)] * 3 + [date(2025, 2, 1)],
            "realtime_start": [date(2025, 3, 1), date(2025, 2, 1), date(2025, 4, 15), date(2025, 3, 1)],
            "value": [2.0, 1.0, 3.0, 4.0],
        }
    )
    ended = with_realtime_end(vintages)
    assert ended.realtime_end.tolist() == [date(2025, 2, 28), date(2025, 4, 14), None, None]


def test_an_alfred_file_in_another_shape_is_refused_naming_file_and_line():
    with pytest.raises(SourceFormatError, match=r"alfred/X\.csv, line 1: unknown ALFRED header"):
        parse_alfred_csv(b"date,value\n2025-01-01,1\n", "alfred/X.csv", "X")
    with pytest.raises(SourceFormatError, match=r"alfred/X\.csv, line 3: column 'realtime_start' has an invalid"):
        parse_alfred_csv(
            b"realtime_start,realtime_end,date,value\n2025-01-02,9999-12-31,2025-01-01,1\n"
            b"01/03/2025,9999-12-31,2025-01-02,.\n",
            "alfred/X.csv",
            "X",
        )
