"""The report's chart cache: a chart is drawn again exactly when the rows it reads (or the chart code) changed, and a
page built from the cache is the page a fresh build writes."""

import json
import re

import duckdb

from orchestration.serve.charts.cache import CACHE_FILE, CHARTS_PACKAGE, ChartCache
from orchestration.serve.report import build_report
from tests.conftest import copy_warehouse

CHARTS_ON_THE_PAGE = 12


def report(db, out_dir) -> tuple[str, ChartCache]:
    """The page (without its build time) and the cache that built it."""
    cache = ChartCache.beside(out_dir)
    page = build_report(db, out_dir, cache=cache).read_text()
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<built>", page), cache


def test_a_second_report_from_the_same_marts_reuses_every_chart_and_writes_the_same_page(sample_warehouse, tmp_path):
    first, cache = report(sample_warehouse, tmp_path / "report")
    assert (cache.drawn, cache.reused) == (CHARTS_ON_THE_PAGE, 0)
    second, cache = report(sample_warehouse, tmp_path / "report")
    assert (cache.drawn, cache.reused) == (0, CHARTS_ON_THE_PAGE)
    assert second == first


def test_only_the_chart_whose_rows_changed_is_drawn_again_and_it_shows_the_new_rows(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "changed.duckdb")
    report(db, tmp_path / "report")
    with duckdb.connect(str(db)) as con:  # a corrected auction result, inside the charts' window
        corrected = con.execute(
            "update marts.fct_treasury_auctions set bid_to_cover = bid_to_cover + 1 "
            "where auction_date = (select max(auction_date) from marts.fct_treasury_auctions) returning bid_to_cover"
        ).fetchall()
    assert corrected
    cached_page, cache = report(db, tmp_path / "report")
    assert (cache.drawn, cache.reused) == (1, CHARTS_ON_THE_PAGE - 1)
    fresh_page, fresh = report(db, tmp_path / "fresh")
    assert fresh.drawn == CHARTS_ON_THE_PAGE
    assert cached_page == fresh_page


def test_charts_drawn_by_other_chart_code_are_not_reused(sample_warehouse, tmp_path):
    report(sample_warehouse, tmp_path)
    stored = json.loads((tmp_path / CACHE_FILE).read_text())
    (tmp_path / CACHE_FILE).write_text(json.dumps({**stored, "code": "another version of the charts"}))
    _, cache = report(sample_warehouse, tmp_path)
    assert (cache.drawn, cache.reused) == (CHARTS_ON_THE_PAGE, 0)


def test_every_chart_reads_the_warehouse_through_read_frame_the_only_read_the_cache_sees():
    """A chart reading the warehouse another way would be served stale: its rows are not in the cache's key."""
    reading = re.compile(r"\.(execute|sql|fetchall|fetchone|fetchdf|df)\(")
    readers = {
        path.name: [line.strip() for line in path.read_text().splitlines() if reading.search(line)]
        for path in sorted(CHARTS_PACKAGE.glob("*.py"))
    }
    assert {name: lines for name, lines in readers.items() if lines} == {"kit.py": ["frame = con.execute(sql).df()"]}
