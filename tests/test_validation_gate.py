"""The validation gate end to end: a catalogue of bad inputs, each a mutation of the real sample's newest rows."""

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.dbt_setup import dbt_project
from orchestration.ingest.blocked_sources import marts_reading
from orchestration.ingest.loading import load_source
from orchestration.ingest.raw_tables import RAW_TABLES
from orchestration.ingest.sources.factory import build_client
from orchestration.ingest.validation import ValidationGate
from orchestration.settings import SAMPLE_DATA_DIR, resolve_settings
from tests.conftest import copy_warehouse, run_cli, table_fingerprint

RAW = [table.qualified for table in RAW_TABLES.values()]
CLIENT_TABLES = {
    "prices": "price_bars",
    "fred": "fred_observations",
    "treasury": "treasury_auctions",
    "sec": "sec_company_facts",
}


@pytest.fixture(scope="module")
def built_db(sample_warehouse) -> Path:
    return sample_warehouse


@pytest.fixture(scope="module")
def gate(tmp_path_factory) -> ValidationGate:
    """One Great Expectations context for the module's loads (its start-up costs about a second)."""
    return ValidationGate(tmp_path_factory.mktemp("gx"))


def derived_snapshot(db: Path) -> dict[str, tuple[int, int]]:
    """Every dbt-built relation (staging views and mart tables), fingerprinted row by row."""
    with duckdb.connect(str(db), read_only=True) as con:
        relations = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts')"
        ).fetchall()
    return {name: table_fingerprint(db, name) for (name,) in relations}


# --- mutations of the sample's newest rows (inside the incremental window the next run fetches) --------------


def edit_csv_line(path: Path, starts_with: str, edit: Callable[[list[str]], list[str] | None]) -> None:
    lines = path.read_text().splitlines()
    for index, line in enumerate(lines):
        if line.startswith(starts_with):
            replaced = edit(line.split(","))
            lines[index] = ",".join(replaced) if replaced is not None else None
            break
    else:
        raise AssertionError(f"no line starting {starts_with} in {path}")
    path.write_text("\n".join(line for line in lines if line is not None) + "\n")


def set_field(position: int, value: str) -> Callable[[list[str]], list[str]]:
    return lambda fields: fields[:position] + [value] + fields[position + 1 :]


def append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def spy(data: Path) -> Path:
    return data / "prices" / "SPY.csv"


def edit_json(path: Path, edit: Callable[[object], None]) -> None:
    payload = json.loads(path.read_text())
    edit(payload)
    path.write_text(json.dumps(payload))


def bills(data: Path) -> Path:
    return data / "treasury" / "fiscaldata_auctions_query_bills_2026-01.json"


def last_bill(edit: Callable[[dict], None]) -> Callable[[object], None]:
    return lambda payload: edit(payload["data"][-1])


def snowflake(data: Path) -> Path:
    return data / "sec" / "companyfacts_snowflake.json"


def newest_gross_profit(edit: Callable[[dict], None]) -> Callable[[object], None]:
    def apply(payload):
        facts = payload["facts"]["us-gaap"]["GrossProfit"]["units"]["USD"]
        edit(max(facts, key=lambda fact: fact["filed"]))

    return apply


CATALOGUE = {
    # prices
    "zero_close": ("prices", "close_positive", lambda d: edit_csv_line(spy(d), "2025-12-30", set_field(4, "0.0"))),
    "negative_open": ("prices", "open_positive", lambda d: edit_csv_line(spy(d), "2025-12-29", set_field(1, "-5"))),
    "high_below_low": (
        "prices",
        "high_not_below_low",
        lambda d: edit_csv_line(spy(d), "2025-12-30", set_field(2, "600")),
    ),
    "close_above_high": (
        "prices",
        "open_close_within_low_high",
        lambda d: edit_csv_line(spy(d), "2025-12-30", set_field(4, "700")),
    ),
    "doubled_day": (
        "prices",
        "key_unique",
        lambda d: spy(d).write_text(spy(d).read_text() + spy(d).read_text().splitlines()[-2] + "\n"),
    ),
    "negative_volume": (
        "prices",
        "volume_not_negative",
        lambda d: edit_csv_line(spy(d), "2025-12-30", set_field(5, "-100")),
    ),
    "future_date": (
        "prices",
        "no_future_dates",
        lambda d: spy(d).write_text(spy(d).read_text() + "2099-01-02,680,690,670,685,1000000\n"),
    ),
    "vix_out_of_range": (
        "prices",
        "vix_in_5_150",
        lambda d: edit_csv_line(d / "cboe" / "vix-daily.csv", "2025-12-30", lambda f: [f[0], "14", "500", "13", "500"]),
    ),
    "null_trade_date": (
        "prices",
        "trade_date_not_null",
        lambda d: edit_csv_line(spy(d), "2025-12-30", set_field(0, "")),
    ),
    "unknown_header": (
        "prices",
        "shape_is_known",
        lambda d: spy(d).write_text(spy(d).read_text().replace("date,open,high,low,close,volume", "day,o,h,l,c,v", 1)),
    ),
    "text_in_close": (
        "prices",
        "values_are_numeric",
        lambda d: edit_csv_line(spy(d), "2025-12-30", set_field(4, "n/a")),
    ),
    "empty_price_file": ("prices", "file_not_empty", lambda d: spy(d).write_text("")),
    # fred
    "yield_times_100": (
        "fred",
        "yield_in_minus5_25",
        lambda d: edit_csv_line(d / "fred" / "DGS10.csv", "2025-12-30", set_field(1, "412")),
    ),
    "oas_out_of_range": (
        "fred",
        "oas_in_0_40",
        lambda d: edit_csv_line(d / "fred" / "BAMLH0A0HYM2.csv", "2025-12-30", set_field(1, "55")),
    ),
    "vixcls_too_low": (
        "fred",
        "vix_in_5_150",
        lambda d: edit_csv_line(d / "fred" / "VIXCLS.csv", "2025-12-30", set_field(1, "2")),
    ),
    "fred_doubled_day": (
        "fred",
        "key_unique",
        lambda d: (d / "fred" / "DGS2.csv").write_text((d / "fred" / "DGS2.csv").read_text() + "2025-12-30,3.45\n"),
    ),
    "fred_future_date": (
        "fred",
        "no_future_dates",
        lambda d: (d / "fred" / "DGS10.csv").write_text((d / "fred" / "DGS10.csv").read_text() + "2099-01-02,4.1\n"),
    ),
    "fred_bad_date": (
        "fred",
        "dates_are_valid",
        lambda d: edit_csv_line(d / "fred" / "DGS10.csv", "2025-12-30", set_field(0, "2025-13-45")),
    ),
    "fred_missing_column": (
        "fred",
        "shape_is_known",
        lambda d: (d / "fred" / "T10YIE.csv").write_text(
            "\n".join(line.split(",")[0] for line in (d / "fred" / "T10YIE.csv").read_text().splitlines()) + "\n"
        ),
    ),
    # treasury
    "bid_to_cover_zero": (
        "treasury",
        "bid_to_cover_in_0.5_10",
        lambda d: edit_json(bills(d), last_bill(lambda bill: bill.update(bid_to_cover_ratio="0.000000"))),
    ),
    "truncated_json": ("treasury", "json_is_valid", lambda d: bills(d).write_text(bills(d).read_text()[:5000])),
    "auction_twice_differently": (
        "treasury",
        "key_unique",
        lambda d: edit_json(bills(d), lambda p: p["data"].append({**p["data"][-1], "bid_to_cover_ratio": "3.100000"})),
    ),
    "null_cusip": (
        "treasury",
        "cusip_not_null",
        lambda d: edit_json(bills(d), last_bill(lambda bill: bill.update(cusip="null"))),
    ),
    "auction_date_field_missing": (
        "treasury",
        "shape_is_known",
        lambda d: edit_json(bills(d), last_bill(lambda bill: bill.pop("auction_date"))),
    ),
    "unknown_security_type": (
        "treasury",
        "security_type_known",
        lambda d: edit_json(bills(d), last_bill(lambda bill: bill.update(security_type="Coupon"))),
    ),
    # sec
    "sec_value_as_text": (
        "sec",
        "values_are_numeric",
        lambda d: edit_json(snowflake(d), newest_gross_profit(lambda fact: fact.update(val="1,234"))),
    ),
    "period_end_after_filed": (
        "sec",
        "filed_not_below_period_end",
        lambda d: edit_json(snowflake(d), newest_gross_profit(lambda fact: fact.update(end="2025-07-31"))),
    ),
    "sec_future_filing": (
        "sec",
        "no_future_dates",
        lambda d: edit_json(snowflake(d), newest_gross_profit(lambda fact: fact.update(filed="2099-01-01"))),
    ),
    "sec_not_companyfacts": (
        "sec",
        "shape_is_known",
        lambda d: edit_json(snowflake(d), lambda payload: payload.pop("facts")),
    ),
    # typos that published false stress readings before the plausibility check (the next evening's data)
    "yield_typo_14_1": ("fred", "move_plausible", lambda d: append(d / "fred" / "DGS10.csv", "2025-12-31,14.1")),
    "vix_times_10": (
        "prices",
        "move_plausible",
        lambda d: edit_csv_line(
            d / "cboe" / "vix-daily.csv", "2025-12-31", lambda f: [f[0], *(f"{float(v) * 10:.6f}" for v in f[1:])]
        ),
    ),
    "sp500_bar_over_100": (
        "prices",
        "move_plausible",
        lambda d: edit_csv_line(
            d / "prices" / "GSPC.csv", "2025-12-31", lambda f: [f[0], *(f"{float(v) / 100:.4f}" for v in f[1:5]), f[5]]
        ),
    ),
    "volume_1e15": ("prices", "move_plausible", lambda d: edit_csv_line(spy(d), "2025-12-31", set_field(5, "1e15"))),
    "sec_value_times_1e12": (
        "sec",
        "move_plausible",
        lambda d: edit_json(snowflake(d), newest_gross_profit(lambda fact: fact.update(val=fact["val"] * 1e12))),
    ),
    # physical bounds
    "negative_core_cpi": (
        "fred",
        "price_index_positive",
        lambda d: append(d / "fred" / "CPILFESL.csv", "2025-12-01,-331.5"),
    ),
    "recession_flag_7": ("fred", "recession_flag_0_or_1", lambda d: append(d / "fred" / "USREC.csv", "2026-01-01,7")),
    "sec_shares_zero": (
        "sec",
        "shares_positive",
        lambda d: edit_json(
            snowflake(d),
            lambda payload: max(
                payload["facts"]["dei"]["EntityCommonStockSharesOutstanding"]["units"]["shares"],
                key=lambda fact: fact["filed"],
            ).update(val=0),
        ),
    ),
    # incomplete or non-finite rows
    "price_row_cut_short": ("prices", "fields_match_header", lambda d: append(spy(d), "2026-01-02,680.5,684.0")),
    "nan_close": ("prices", "values_are_present", lambda d: edit_csv_line(spy(d), "2025-12-31", set_field(4, "NaN"))),
    "empty_close": ("prices", "values_are_present", lambda d: edit_csv_line(spy(d), "2025-12-31", set_field(4, ""))),
    "empty_volume": ("prices", "values_are_present", lambda d: edit_csv_line(spy(d), "2025-12-31", set_field(5, ""))),
    "inf_high": ("prices", "values_are_finite", lambda d: edit_csv_line(spy(d), "2025-12-31", set_field(2, "inf"))),
    "date_with_junk_suffix": (
        "prices",
        "dates_are_valid",
        lambda d: append(spy(d), "2026-01-0217:30junk,680,690,670,685,1000000"),
    ),
    "non_utf8_byte": (
        "prices",
        "text_is_utf8",
        lambda d: spy(d).write_bytes(spy(d).read_bytes() + b"2026-01-02,680.5,684.0,679.\xff,683.1,1000000\n"),
    ),
    "fred_line_with_three_fields": (
        "fred",
        "fields_match_header",
        lambda d: append(d / "fred" / "DGS10.csv", "2025-12-31,4.1,4.2"),
    ),
    # a file the data-directory format does not take is refused by name, not skipped in silence
    "sec_malformed_file_name": (
        "sec",
        "file_name_is_known",
        lambda d: snowflake(d).rename(d / "sec" / "CIK 0001640147.json"),
    ),
    "price_file_half_downloaded": (
        "prices",
        "file_name_is_known",
        lambda d: spy(d).rename(d / "prices" / "SPY.csv.part"),
    ),
}

# checks about a whole file, where no line can be named
WHOLE_FILE_CASES = {"empty_price_file", "sec_not_companyfacts", "sec_malformed_file_name", "price_file_half_downloaded"}


def quarantined(db: Path, source: str, check: str) -> int:
    """Rows the quarantine holds for this check: the whole batch, or the unreadable file."""
    table = {
        "prices": "price_bars",
        "fred": "fred_observations",
        "treasury": "treasury_auctions",
        "sec": "sec_company_facts",
    }[source]
    with duckdb.connect(str(db), read_only=True) as con:
        batch_rows = con.execute(
            f"select count(*) from quarantine.{table} where _failed_expectations like $p",
            {"p": f'%"check": "{check}"%'},
        ).fetchone()[0]
        files = con.execute(
            "select count(*) from quarantine.unreadable_files where source = $s and failed_check = $c",
            {"s": source, "c": check},
        ).fetchone()[0]
    return batch_rows + files


def stale_relations_of(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("select relation, stale_reason from marts.build_info where is_stale").fetchall())


def assert_lines_are_the_files_own(reason: str, data: Path) -> None:
    """Each CSV line a reason names is that line of the file, not of the part read (a daily run reads a tail): a row
    named by its date is the line holding that date; any other named line is one the mutation changed."""
    named = re.findall(r"(\S+),? in (\S+\.csv) line (\d+)|(\S+\.csv), line (\d+):", reason)
    assert named or ".csv" not in reason, reason
    for key, keyed_file, keyed_line, file, line in named:
        file, index = file or keyed_file, int(line or keyed_line) - 1
        mutated = Path(file).read_bytes().splitlines()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
            assert mutated[index].startswith(key.encode()), (reason, mutated[index])
        else:
            pristine = (SAMPLE_DATA_DIR / Path(file).relative_to(data)).read_bytes().splitlines()
            assert index >= len(pristine) or mutated[index] != pristine[index], (reason, mutated[index])


@pytest.mark.parametrize("case", sorted(CATALOGUE))
def test_bad_input_is_quarantined_with_its_check_named_and_raw_untouched(case, built_db, sample_copy, tmp_path, gate):
    """Every case through the load the raw asset runs (fetch, reader checks, the suite, quarantine, load log)."""
    source, check, mutate = CATALOGUE[case]
    db = copy_warehouse(built_db, tmp_path / "w.duckdb")
    raw_before = {table: table_fingerprint(db, table) for table in RAW}
    mutate(sample_copy)
    run = resolve_settings(db, sample_copy, "replay")

    result = load_source(db, build_client(source, run), "catalogue-run", run.overlap_days, gate=gate)

    assert result.status in ("quarantined", "unreadable")
    reason = result.reason()
    assert reason.startswith(f"{source}: {result.status}: ") and check in reason
    assert str(sample_copy) in reason, reason  # the file
    if case not in WHOLE_FILE_CASES:
        assert re.search(r"\b(line|record) \d+", reason), reason  # and the line (or a JSON document's record)
        assert_lines_are_the_files_own(reason, sample_copy)
    assert {table: table_fingerprint(db, table) for table in RAW} == raw_before
    assert quarantined(db, source, check) > 0
    with duckdb.connect(str(db), read_only=True) as con:
        logged = con.execute("select status from raw.load_log where run_id = 'catalogue-run'").fetchall()
    assert logged == [(result.status,)]


# one case of each source family, end to end through `stresswatch run` (the Dagster job)
# (a blocked Treasury source end to end: tests/test_failing_sources.py, its live API down for the evening)
END_TO_END = ["vix_times_10", "yield_typo_14_1", "sec_value_times_1e12"]


@pytest.mark.parametrize("case", END_TO_END)
def test_a_quarantined_source_blocks_only_what_reads_it(case, built_db, sample_copy, tmp_path, capsys):
    source, check, mutate = CATALOGUE[case]
    db = tmp_path / "w.duckdb"
    copy_warehouse(built_db, db)
    raw_before = {table: table_fingerprint(db, table) for table in RAW}
    derived_before = derived_snapshot(db)
    mutate(sample_copy)
    capsys.readouterr()

    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_copy)) == 1

    error = capsys.readouterr().err.strip()
    assert re.match(rf"stresswatch run failed: {source}: (quarantined|unreadable): ", error), error
    assert check in error
    assert {table: table_fingerprint(db, table) for table in RAW} == raw_before
    # the evening is still published; the bad source's raw table and every mart reading it are marked stale and
    # keep their last good rows, row for row (an incremental mart would otherwise carry a new _built_at)
    raw_table = f"raw.{CLIENT_TABLES[source]}"
    stale = stale_relations_of(db)
    readers = marts_reading(dbt_project.manifest_path, [raw_table])
    assert set(stale) == {raw_table, *readers} and "marts.fct_stress_alerts" in readers
    assert check in stale[raw_table] and raw_table in stale["marts.fct_stress_alerts"]
    if source in ("prices", "fred"):  # the index's components come from these two
        assert "marts.fct_market_stress_daily" in readers
    for mart in readers:
        assert table_fingerprint(db, mart) == derived_before[mart], mart
    assert quarantined(db, source, check) > 0  # the published warehouse holds the quarantine and the log


def test_a_confirmed_extreme_loads_once_accepted_on_the_command_line(built_db, sample_copy, tmp_path, capsys, gate):
    db = copy_warehouse(built_db, tmp_path / "w.duckdb")
    accepted = tmp_path / "accepted_moves.csv"
    CATALOGUE["yield_typo_14_1"][2](sample_copy)
    run = resolve_settings(db, sample_copy, "replay", accepted_moves=accepted)
    refused = load_source(
        db, build_client("fred", run), "evening", run.overlap_days, gate=gate, accepted_moves=accepted
    )
    assert "stresswatch run --accept 'fred:DGS10@2025-12-31'" in refused.reason()

    options = ("--db", str(db), "--data-dir", str(sample_copy), "--accepted-moves", str(accepted))
    assert run_cli("run", *options, "--accept", "fred:DGS10@2025-12-31", "--reason", "checked with the H.15") == 0
    assert f"accepted fred:DGS10@2025-12-31 in {accepted}" in capsys.readouterr().out
    assert "checked with the H.15" in accepted.read_text()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "select value from raw.fred_observations where series_id = 'DGS10' and obs_date = date '2025-12-31'"
        ).fetchone() == (14.1,)


def reverse_with_a_new_day(data: Path) -> None:
    lines = spy(data).read_text().splitlines()
    spy(data).write_text("\n".join([lines[0], "2026-01-02,686.0,690.0,684.0,688.0,50000000", *lines[:0:-1]]) + "\n")


def null_over_the_newest_bid_to_cover(data: Path) -> None:
    edit_json(bills(data), last_bill(lambda bill: bill.update(bid_to_cover_ratio="null")))


def test_a_descending_file_loads_its_new_day(built_db, sample_copy, tmp_path, gate):
    db = copy_warehouse(built_db, tmp_path / "w.duckdb")
    reverse_with_a_new_day(sample_copy)
    run = resolve_settings(db, sample_copy, "replay")
    result = load_source(db, build_client("prices", run), "evening", run.overlap_days, gate=gate)
    assert result.status == "loaded" and result.inserted == 1 and result.updated == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "select close from raw.price_bars where symbol = 'SPY' and trade_date = '2026-01-02'"
        ).fetchone() == (688.0,)


def test_a_null_never_erases_a_known_value_and_says_so(built_db, sample_copy, tmp_path, gate):
    db = copy_warehouse(built_db, tmp_path / "w.duckdb")
    cusip = json.loads(bills(sample_copy).read_text())["data"][-1]["cusip"]
    query = "select bid_to_cover_ratio from raw.treasury_auctions where cusip = $c order by auction_date desc limit 1"
    with duckdb.connect(str(db), read_only=True) as con:
        known = con.execute(query, {"c": cusip}).fetchone()[0]
    assert known == pytest.approx(2.86)
    null_over_the_newest_bid_to_cover(sample_copy)
    run = resolve_settings(db, sample_copy, "replay")
    result = load_source(db, build_client("treasury", run), "evening", run.overlap_days, gate=gate)
    assert result.status == "loaded" and result.updated == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(query, {"c": cusip}).fetchone()[0] == known
        message = con.execute("select message from raw.load_log where run_id = 'evening'").fetchone()[0]
    assert message == "1 empty incoming value(s) left the value raw already held"


def test_the_catalogue_covers_every_source_family_with_at_least_thirty_cases():
    assert len(CATALOGUE) >= 30
    assert {source for source, _, _ in CATALOGUE.values()} == {"prices", "fred", "treasury", "sec"}


def test_a_warning_loads_the_batch_and_is_logged(built_db, sample_copy, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    copy_warehouse(built_db, db)
    # Cboe's open printed a little above its high: Cboe's file does this on real days, so it only warns
    edit_csv_line(
        sample_copy / "cboe" / "vix-daily.csv", "2025-12-30", lambda f: [f[0], f"{float(f[2]) * 1.01:.6f}", *f[2:]]
    )
    CATALOGUE["yield_typo_14_1"][2](sample_copy)  # and FRED blocked the same evening: the run fails
    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_copy)) == 1
    shown = capsys.readouterr()
    assert "warning: prices: open_close_within_low_high_cboe" in shown.out  # read from the run's own events
    assert "stresswatch run failed: fred: quarantined: move_plausible" in shown.err
    with duckdb.connect(str(db), read_only=True) as con:
        status, warnings = con.execute(
            "select status, warnings from raw.load_log where source = 'prices' order by started_at desc limit 1"
        ).fetchone()
        vix_open, vix_high = con.execute(
            "select open, high from raw.price_bars where symbol = 'VIX' and trade_date = date '2025-12-30'"
        ).fetchone()
    assert status == "loaded"
    assert [w["check"] for w in json.loads(warnings) if w["check"] == "open_close_within_low_high_cboe"]
    assert vix_open > vix_high


def test_a_good_batch_after_a_bad_one_loads_and_nothing_leaks(built_db, sample_copy, tmp_path):
    db = tmp_path / "w.duckdb"
    copy_warehouse(built_db, db)
    good = tmp_path / "good"
    shutil.copytree(sample_copy, good)
    edit_csv_line(spy(sample_copy), "2025-12-30", set_field(4, "0.0"))
    edit_csv_line(spy(good), "2025-12-30", set_field(5, "47160701"))  # a real-looking revision of the volume
    assert run_cli("run", "--db", str(db), "--data-dir", str(sample_copy)) == 1
    assert run_cli("run", "--db", str(db), "--data-dir", str(good)) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select close, volume from raw.price_bars where symbol = 'SPY' and trade_date = date '2025-12-30'"
        ).fetchone()
        zero_closes = con.execute("select count(*) from raw.price_bars where close <= 0").fetchone()[0]
        last_status = con.execute(
            "select status from raw.load_log where source = 'prices' order by started_at desc limit 1"
        ).fetchone()[0]
    assert row[0] > 600 and row[1] == 47160701
    assert zero_closes == 0
    assert last_status == "loaded"


def test_docs_builds_data_docs_for_the_latest_validations(built_db, capsys):
    assert run_cli("docs", "--db", str(built_db)) == 0
    index = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert index.name == "index.html" and index.is_file()
    pages = list(index.parent.rglob("*.html"))
    assert any("price_bars" in page.read_text() for page in pages)
