"""The index against the published yardsticks: Friday weeks, the correlation, the 2011 cut, and `stresswatch
history` printing the per-component table."""

import pandas as pd
import pytest

from orchestration.serve.calibration import LAST_DAY, correlate, load_yardsticks, weekly_mean
from orchestration.serve.stress_components import COMPONENTS, stress_categories
from orchestration.settings import SAMPLE_DATA_DIR
from tests.conftest import copy_warehouse, run_cli


def test_a_week_runs_saturday_to_friday_and_is_labelled_by_its_friday():
    daily = pd.Series(
        [1.0, 2.0, 3.0, 10.0], index=pd.to_datetime(["2008-10-06", "2008-10-10", "2008-10-11", "2008-10-13"])
    )
    weekly = weekly_mean(daily)
    assert weekly.to_dict() == {pd.Timestamp("2008-10-10"): 1.5, pd.Timestamp("2008-10-17"): 6.5}


def test_the_yardsticks_stop_at_2011_and_their_dates_are_fridays():
    for name, values in load_yardsticks().items():
        assert values.index.max() <= pd.Timestamp(LAST_DAY), name
        assert set(values.loc["1997":].index.dayofweek) == {4}, name


def test_a_daily_series_holding_stlfsi4_each_day_correlates_one_with_it_and_as_stlfsi4_with_anfci():
    yardsticks = load_yardsticks()
    stlfsi = yardsticks["STLFSI4"].loc["1997":]
    # every weekday of a Friday week carries that week's published value
    daily = pd.concat(
        [pd.Series(stlfsi.values, index=stlfsi.index - pd.Timedelta(days=offset)) for offset in range(5)]
    ).sort_index()
    result = correlate("copy", "index", "", daily, yardsticks)
    both = pd.concat([yardsticks["STLFSI4"], yardsticks["ANFCI"]], axis=1, join="inner").loc["1997":"2011"]
    assert result.r["STLFSI4"] == pytest.approx(1.0, abs=1e-12)
    assert result.r["ANFCI"] == pytest.approx(both.corr().iloc[0, 1], abs=1e-12)
    assert result.weeks == len(both) == 783


def test_history_prints_the_correlation_of_the_index_every_category_and_component(sample_warehouse, tmp_path, capsys):
    db = copy_warehouse(sample_warehouse, tmp_path / "history.duckdb")
    assert run_cli("history", "--data-dir", str(SAMPLE_DATA_DIR), "--db", str(db)) == 0
    out = capsys.readouterr().out
    table = out[out.index("Weekly correlation with the published stress indexes, 1997-2011") :]
    rows = table.splitlines()[4:]  # the heading, a blank line, the table's header and its rule
    names = [line.split()[0] for line in rows if line.strip()]
    assert names == [
        "stress_index",
        *[name for category, components in stress_categories().items() for name in (category, *components)],
    ]
    assert len(names) == 1 + len(stress_categories()) + len(COMPONENTS)
    # the bundled sample starts in 2022: no week to compare, said as such rather than a number
    assert rows[0].split()[1:] == ["n/a", "n/a", "0"]
