"""Plausibility against a series' own history: real extremes load, typos of the same days do not."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.accepted_moves import AcceptedMove, read_accepted, write_accepted
from orchestration.ingest.loading import load_source
from orchestration.ingest.sources.factory import build_client
from orchestration.ingest.validation import ValidationGate
from orchestration.settings import resolve_settings

EXCERPTS = Path(__file__).parent / "fixtures" / "plausibility"

# (excerpt, where it goes in a data directory, source, series, the real extreme day)
REAL_EXTREMES = {
    "sp500_1987-10-19_-20.5pct": ("GSPC_1986-09_1987-10.csv", "prices/GSPC.csv", "prices", "^GSPC", "1987-10-19"),
    "sp500_1987-10-20_rebound": ("GSPC_1986-09_1987-10.csv", "prices/GSPC.csv", "prices", "^GSPC", "1987-10-20"),
    "sp500_2008-10-13_+11.6pct": ("GSPC_2007-09_2008-10.csv", "prices/GSPC.csv", "prices", "^GSPC", "2008-10-13"),
    "sp500_2020-03-16_-12.0pct": ("GSPC_2019-02_2020-03.csv", "prices/GSPC.csv", "prices", "^GSPC", "2020-03-16"),
    "vix_2018-02-05_+116pct": ("vix-daily_2017-01_2018-02.csv", "cboe/vix-daily.csv", "prices", "VIX", "2018-02-05"),
    "ten_year_1987-10-20_-75bp": ("DGS10_1986-09_1987-10.csv", "fred/DGS10.csv", "fred", "DGS10", "1987-10-20"),
}


def _cut(lines: list[str], day: str) -> list[str]:
    """The header and the rows dated before `day`."""
    return [lines[0], *(line for line in lines[1:] if line[:10] < day)]


def evening_of(tmp_path: Path, case: str, edit=None, accepted: list[str] = ()):
    """Load the excerpt up to the day before the extreme, then the extreme day (edited) as the next evening."""
    excerpt, target, source, series, day = REAL_EXTREMES[case]
    lines = (EXCERPTS / excerpt).read_text().splitlines()
    data = tmp_path / "data"
    (data / target).parent.mkdir(parents=True)
    db = tmp_path / "w.duckdb"
    accepted_file = tmp_path / "accepted_moves.csv"
    write_accepted(accepted_file, [AcceptedMove.parse(text) for text in accepted], "test")
    run = resolve_settings(db, data, "replay", accepted_moves=accepted_file)
    gate = ValidationGate(tmp_path / "gx")
    (data / target).write_text("\n".join(_cut(lines, day)) + "\n")
    history = load_source(db, build_client(source, run), "history", None, gate=gate, accepted_moves=accepted_file)
    assert history.status == "loaded", history.reason()
    evening = _cut(lines, day) + [next(line for line in lines if line.startswith(day))]
    if edit:
        evening[-1] = edit(evening[-1])
    (data / target).write_text("\n".join(evening) + "\n")
    result = load_source(db, build_client(source, run), "evening", 10, gate=gate, accepted_moves=accepted_file)
    return result, db, series, day


@pytest.mark.parametrize("case", sorted(REAL_EXTREMES))
def test_a_real_extreme_loads_without_an_accepted_exception(case, tmp_path):
    result, db, series, day = evening_of(tmp_path, case)

    assert result.status == "loaded", result.reason()
    assert result.inserted == 1
    table, column, key = (
        ("raw.price_bars", "trade_date", "symbol")
        if result.family == "prices"
        else ("raw.fred_observations", "obs_date", "series_id")
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert (
            con.execute(
                f"select count(*) from {table} where {key} = $s and {column} = $d", {"s": series, "d": day}
            ).fetchone()[0]
            == 1
        )


def _scale_prices(factor: float):
    def edit(line: str) -> str:
        fields = line.split(",")
        return ",".join([fields[0], *(f"{float(value) * factor:.4f}" for value in fields[1:5]), *fields[5:]])

    return edit


# typos of the same days: a decimal point moved, a digit doubled
TYPOS = {
    "sp500_close_over_10": ("sp500_1987-10-19_-20.5pct", _scale_prices(0.1), "close 22.484 after 282.7"),
    "sp500_2020_times_10": ("sp500_2020-03-16_-12.0pct", _scale_prices(10), "close 23861.3 after 2711.02"),
    "vix_times_10": ("vix_2018-02-05_+116pct", _scale_prices(10), "close 373.2 after 17.31"),
    "ten_year_14_0": ("ten_year_1987-10-20_-75bp", lambda line: "1987-10-20,14.0", "value 14 after 10.15"),
}


@pytest.mark.parametrize("typo", sorted(TYPOS))
def test_a_typo_on_the_same_day_is_refused_naming_series_date_previous_and_new_value(typo, tmp_path):
    case, edit, described = TYPOS[typo]
    result, db, series, day = evening_of(tmp_path, case, edit)

    assert result.status == "quarantined"
    reason = result.reason()
    assert "move_plausible" in reason and described in reason, reason
    assert f"{series} {day}" in reason and f"--accept '{result.family}:{series}@{day}'" in reason
    with duckdb.connect(str(db), read_only=True) as con:
        table = "raw.price_bars" if result.family == "prices" else "raw.fred_observations"
        assert con.execute(f"select count(*) from {table} where _run_id = 'evening'").fetchone()[0] == 0


def _ten_year_loaded_through_1987_10_19(tmp_path: Path):
    """DGS10's real history through Monday 1987-10-19 loaded into a warehouse: its file, lines, settings and gate."""
    excerpt, target, _, _, _ = REAL_EXTREMES["ten_year_1987-10-20_-75bp"]
    lines = _cut((EXCERPTS / excerpt).read_text().splitlines(), "1987-10-20")
    path = tmp_path / "data" / target
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n")
    run = resolve_settings(tmp_path / "w.duckdb", tmp_path / "data", "replay")
    gate = ValidationGate(tmp_path / "gx")
    assert load_source(run.db_path, build_client("fred", run), "history", None, gate=gate).status == "loaded"
    return path, lines, run, gate


def test_a_revised_day_is_judged_against_the_history_raw_holds(tmp_path):
    """An evening whose batch is one day raw already holds, revised to a typo: its previous value is raw's day
    before, which only the history read from raw gives (the batch has no earlier row)."""
    path, lines, run, gate = _ten_year_loaded_through_1987_10_19(tmp_path)
    lines[-1] = "1987-10-19,14.0"  # the source revises its last day to a typo
    path.write_text("\n".join(lines) + "\n")
    result = load_source(run.db_path, build_client("fred", run), "evening", 0, gate=gate)  # the batch: that day alone

    assert result.status == "quarantined"
    reason = result.reason()
    assert "DGS10 1987-10-19" in reason and "value 14 after 10.23 on 1987-10-16" in reason, reason
    assert "35x its median move 4)" in reason, reason  # the usual move of the year raw holds before that day


def test_a_day_raw_holds_and_the_batch_lacks_is_still_the_previous_value(tmp_path):
    """An evening's batch spans several days raw holds, and the source no longer has one of them: the day after it
    is judged against raw's value of that day, which sits between the batch's rows, not against the batch's row
    before (the batch's previous values are looked up among raw's rows from its first day on)."""
    path, lines, run, gate = _ten_year_loaded_through_1987_10_19(tmp_path)
    lines[-1] = "1987-10-19,14.0"  # the source revises its last day to a typo ...
    lines = [line for line in lines if not line.startswith("1987-10-16")]  # ... and no longer has the Friday
    path.write_text("\n".join(lines) + "\n")
    result = load_source(run.db_path, build_client("fred", run), "evening", 7, gate=gate)  # the batch: 1987-10-12 on

    assert result.status == "quarantined"
    reason = result.reason()
    assert "DGS10 1987-10-19" in reason and "value 14 after 10.23 on 1987-10-16" in reason, reason


@pytest.mark.parametrize("newest_first", [False, True], ids=["oldest first", "newest first"])
def test_a_typo_inside_a_first_loads_history_is_refused_too(newest_first, tmp_path):
    """A first load reads whole files inside DuckDB (ingest/engine_load.py): its verdicts reach the suite there. A
    file in date order is judged in one streaming pass (ingest/key_order.py), a file newest first sorted: both name
    the session before the typo as its previous value."""
    excerpt, target, _, _, _ = REAL_EXTREMES["sp500_2020-03-16_-12.0pct"]
    lines = (EXCERPTS / excerpt).read_text().splitlines()
    if newest_first:
        lines = [lines[0], *reversed(lines[1:])]
    typo = next(number for number, line in enumerate(lines) if line.startswith("2019-06-03"))
    lines[typo] = _scale_prices(10)(lines[typo])
    data = tmp_path / "data"
    (data / target).parent.mkdir(parents=True)
    (data / target).write_text("\n".join(lines) + "\n")
    db = tmp_path / "w.duckdb"
    run = resolve_settings(db, data, "replay")
    result = load_source(db, build_client("prices", run), "history", None, gate=ValidationGate(tmp_path / "gx"))

    assert result.status == "quarantined"
    reason = result.reason()
    assert "move_plausible" in reason and "^GSPC 2019-06-03" in reason, reason
    assert "after 2752.06 on 2019-05-31" in reason, reason  # the session before, whichever way the file runs
    assert f"prices/GSPC.csv line {typo + 1}]" in reason, reason  # the header is line 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.price_bars").fetchone()[0] == 0


def test_a_volume_typo_inside_a_first_loads_history_is_refused_against_its_median(tmp_path):
    """A size is judged without a sort (plausibility_sql.RATIO_MOVES): the year bound must still let the spike through
    to its median, on a first load's whole files."""
    excerpt, target, _, _, _ = REAL_EXTREMES["sp500_2020-03-16_-12.0pct"]
    lines = (EXCERPTS / excerpt).read_text().splitlines()
    typo = next(number for number, line in enumerate(lines) if line.startswith("2019-11-04"))
    fields = lines[typo].split(",")
    fields[5] += "000"  # three zeros too many: 1,000x the day's volume
    lines[typo] = ",".join(fields)
    data = tmp_path / "data"
    (data / target).parent.mkdir(parents=True)
    (data / target).write_text("\n".join(lines) + "\n")
    run = resolve_settings(tmp_path / "w.duckdb", data, "replay")
    result = load_source(
        tmp_path / "w.duckdb", build_client("prices", run), "history", None, gate=ValidationGate(tmp_path / "gx")
    )

    assert result.status == "quarantined"
    reason = result.reason()
    assert "move_plausible" in reason and "^GSPC 2019-11-04" in reason and "its median" in reason, reason
    assert f"prices/GSPC.csv line {typo + 1}]" in reason, reason


def test_an_accepted_move_loads_and_only_that_one(tmp_path):
    case, edit, _ = TYPOS["ten_year_14_0"]
    result, _, _, _ = evening_of(tmp_path, case, edit, accepted=["fred:DGS10@1987-10-20"])
    assert result.status == "loaded" and result.inserted == 1

    elsewhere = tmp_path / "other"
    result, _, _, _ = evening_of(elsewhere, case, edit, accepted=["fred:DGS10@1987-10-19", "fred:DGS2@1987-10-20"])
    assert result.status == "quarantined"


def test_accepted_moves_file_round_trip(tmp_path):
    path = tmp_path / "accepted.csv"
    moves = [AcceptedMove.parse("prices:^GSPC@1987-10-19"), AcceptedMove.parse("sec:1640147:USD@2024-04-30")]
    assert write_accepted(path, moves, "Black Monday") == moves
    assert write_accepted(path, moves[:1], "again") == []  # written once
    assert read_accepted(path) == {("prices", "^GSPC", date(1987, 10, 19)), ("sec", "1640147:USD", date(2024, 4, 30))}
    for bad in ("SPY@2020-03-16", "stocks:SPY@2020-03-16", "prices:SPY@16/03/2020", "prices:SPY"):
        with pytest.raises(ValueError, match="--accept"):
            AcceptedMove.parse(bad)


def test_the_shipped_accepted_moves_file_is_empty():
    """The bundled sample and the real full history load without any confirmed exception."""
    from orchestration.settings import ACCEPTED_MOVES_FILE

    assert read_accepted(ACCEPTED_MOVES_FILE) == set()
