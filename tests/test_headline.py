"""The report's headline block equals the marts: index, regime, changes, percentile, drivers and input ages, each
recomputed here from the marts' rows; and the page says why the index stops when it ends before the prices."""

import html
import re
from datetime import date

import duckdb
import numpy as np
import pytest
import yaml

from orchestration.serve.report import build_report
from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import copy_warehouse


@pytest.fixture(scope="module")
def page(sample_warehouse, tmp_path_factory) -> str:
    return build_report(sample_warehouse, tmp_path_factory.mktemp("headline")).read_text()


def project_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def headline_data(page: str) -> dict[str, str]:
    section = re.search(r'<section class="headline" id="headline"([^>]*)>', page).group(1)
    return dict(re.findall(r'data-([\w-]+)="([^"]*)"', section))


def table_rows(page: str, table_id: str) -> list[dict[str, str]]:
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S).group(1)
    return [
        {**dict(re.findall(r'data-([\w-]+)="([^"]*)"', attributes)), "cells": re.findall(r"<td>(.*?)</td>", cells)}
        for attributes, cells in re.findall(r"<tr([^>]*)>(.*?)</tr>", body)
        if "<td>" in cells
    ]


def test_the_headline_figures_equal_the_index_mart(page, sample_warehouse):
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        rows = con.execute(
            "select obs_date, stress_index, regime from marts.fct_market_stress_daily "
            "where stress_index is not null order by obs_date"
        ).fetchall()
    values = np.array([value for _, value, _ in rows])
    shown = headline_data(page)
    assert shown["as-of"] == str(rows[-1][0]) and shown["regime"] == rows[-1][2]
    assert float(shown["index"]) == pytest.approx(values[-1], abs=1e-12)
    assert float(shown["change-1d"]) == pytest.approx(values[-1] - values[-2], abs=1e-12)
    assert float(shown["change-5d"]) == pytest.approx(values[-1] - values[-6], abs=1e-12)
    assert float(shown["percentile"]) == pytest.approx(100 * np.mean(values <= values[-1]), abs=1e-9)
    # and the visible text says the same
    assert f'<span class="value">{values[-1]:+.2f} sd</span><span class="regime">{rows[-1][2].upper()}</span>' in page
    assert f'<span class="value">{values[-1] - values[-6]:+.2f}</span>' in page
    assert (
        f'percentile since {rows[0][0]}</span><span class="value">{100 * np.mean(values <= values[-1]):.0f}th' in page
    )


def test_the_three_drivers_are_the_largest_component_contributions_with_their_z_scores(page, sample_warehouse):
    categories = project_vars()["stress_categories"]
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        cursor = con.execute(
            "select * from marts.fct_market_stress_daily where stress_index is not null order by obs_date desc limit 1"
        )
        today = dict(zip([column[0] for column in cursor.description], cursor.fetchall()[0]))
    present = {
        category: [name for name in names if today[f"z_{name}"] is not None] for category, names in categories.items()
    }
    counted = [category for category, names in present.items() if names]
    shares = {
        name: today[f"z_{name}"] / len(names) / len(counted) for category, names in present.items() for name in names
    }
    assert sum(shares.values()) == pytest.approx(today["stress_index"], abs=1e-9)  # the shares add up to the index
    expected = sorted(shares, key=lambda name: -abs(shares[name]))[:3]
    drivers = table_rows(page, "drivers")
    assert [row["component"] for row in drivers] == expected
    for row in drivers:
        assert float(row["z"]) == pytest.approx(today[f"z_{row['component']}"], abs=1e-12)
        assert float(row["contribution"]) == pytest.approx(shares[row["component"]], abs=1e-12)
        assert row["cells"][3] == f"{today['z_' + row['component']]:+.2f}"


def test_each_input_shows_its_newest_score_and_its_age_against_the_newest_session(page, sample_warehouse):
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        scores = con.execute(
            "select component, obs_date from intermediate.stress_component_scores "
            "where basis = 'revised' and score is not null"
        ).df()
        newest_session = con.execute("select max(trade_date) from marts.fct_equity_daily").fetchall()[0][0]
    newest = scores.groupby("component").obs_date.max()
    inputs = table_rows(page, "inputs")
    components = [name for names in project_vars()["stress_categories"].values() for name in names]
    assert [row["component"] for row in inputs] == components
    for row in inputs:
        assert row["newest"] == str(newest[row["component"]].date())
        assert int(row["cells"][3]) == max((newest_session - newest[row["component"]].date()).days, 0)
        assert row["cells"][5] == "current"  # the sample's inputs all reach its last session
    assert 'id="stops"' not in page  # the index runs to the newest session: nothing to explain


def test_the_page_says_why_the_index_stops_before_the_prices(sample_warehouse, tmp_path):
    staleness = project_vars()["stress_max_staleness_days"]
    db = copy_warehouse(sample_warehouse, tmp_path / "stops.duckdb")
    with duckdb.connect(str(db)) as con:  # the index loses its categories after 2025-12-15, XLF ends on 2025-12-01
        con.execute(
            "update marts.fct_market_stress_daily set stress_index = null, regime = null, n_categories = 2 "
            "where obs_date > '2025-12-15'"
        )
        con.execute("delete from marts.fct_equity_daily where symbol = 'XLF' and trade_date > '2025-12-01'")
    page = html.unescape(build_report(db, tmp_path / "stops").read_text())
    assert headline_data(page)["as-of"] == "2025-12-15"
    assert (
        "The index stops on 2025-12-15: from 2025-12-16 only 2 of its 6 categories have an input no older than "
        f"{staleness} days, and it needs 3." in page
    )
    # XLF's drawdown no longer scores after 2025-12-01: 30 days old on 2025-12-31, flagged and named as stale
    row = next(row for row in table_rows(page, "inputs") if row["component"] == "financials_drawdown")
    assert row["newest"] <= "2025-12-02" and row["cells"][5].startswith("STALE")
    assert "Stale inputs: financials_drawdown (newest 2025-12-0" in page


def test_the_page_says_the_index_stops_where_the_vix_history_ends(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "vix.duckdb")
    with duckdb.connect(str(db)) as con:  # the index is scored on VIX sessions: no VIX, no index day
        con.execute("delete from marts.fct_market_stress_daily where obs_date > '2025-12-10'")
        con.execute("delete from marts.fct_equity_daily where symbol = 'VIX' and trade_date > '2025-12-10'")
    page = html.unescape(build_report(db, tmp_path / "vix").read_text())
    assert (
        "The index stops on 2025-12-10: it is scored on VIX sessions, and the warehouse's VIX history ends on "
        "2025-12-10 while prices run to 2025-12-31." in page
    )
    assert date.fromisoformat(headline_data(page)["as-of"]) == date(2025, 12, 10)
