"""Checking a market note: the example note's verdicts on the real sample, each comparator, malformed files."""

import json
import re
import shutil

import duckdb
import pytest

from orchestration.serve.claims import ClaimsFileError, check_claim, load_claims, parse_claim
from orchestration.settings import PROJECT_ROOT
from tests.conftest import run_cli

EXAMPLE = PROJECT_ROOT / "examples" / "market_note_2025-11-21.yml"


@pytest.fixture(scope="module")
def con(sample_warehouse):
    connection = duckdb.connect(str(sample_warehouse), read_only=True)
    yield connection
    connection.close()


def verdict(con, **fields):
    return check_claim(con, parse_claim({"id": "crafted", **fields}, 0))


def test_the_example_note_gets_the_verdicts_the_real_data_implies(sample_warehouse, capsys):
    assert run_cli("check-note", str(EXAMPLE), "--format", "json", "--db", str(sample_warehouse)) == 0
    results = {claim["claim_id"]: claim for claim in json.loads(capsys.readouterr().out)["claims"]}
    observed = {claim_id: (claim["verdict"], claim["observed"]) for claim_id, claim in results.items()}
    assert observed == {
        "spx_close": ("contradicted", 6602.990234375),  # ^GSPC closed at 6,602.99, not 5,412.80
        "spx_below_200d": ("contradicted", False),  # still above its 200-day SMA (about 6,300)
        "ust10_level": ("contradicted", 4.13),  # the week's high was 4.13 %, not 4.91 %
        "ust10_highest_since": ("contradicted", "2025-11-20"),  # 4.06 % is the highest only since the day before
        "spx_volume": ("contradicted", 1.0624617846678086),  # 106 % of the 30-day average, not 140 %
        "fib_382": ("contradicted", 5554.86269921875),  # the 2024 swing 4,688.68 -> 6,090.27
        "vix_level": ("contradicted", 23.43),  # Cboe's close on Friday
        "core_cpi": ("not verifiable", None),  # October 2025 CPI was never published
        "hy_widening": ("contradicted", 2.0),  # 317 -> 319 bp
        "nvda_revenue": ("not verifiable", None),  # no NVIDIA facts in the bundled sample
        "nvda_margin": ("not verifiable", None),
        "auction_btc": ("contradicted", 2.71),  # the two bill auctions: 2.92 and 2.71
    }
    assert "not published" in results["core_cpi"]["reason"]
    assert "no data for NVDA" in results["nvda_revenue"]["reason"]


def test_the_table_output_counts_verdicts(sample_warehouse, capsys):
    assert run_cli("check-note", str(EXAMPLE), "--db", str(sample_warehouse)) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("0 supported, 9 contradicted, 3 not verifiable")


@pytest.mark.parametrize(
    "fields, expected",
    [
        (
            dict(
                metric="fct_equity_daily.close",
                subject="^GSPC",
                date="2025-11-21",
                comparator="equals",
                stated=6602.99,
                tolerance=0.01,
            ),
            "supported",
        ),
        (
            dict(metric="fct_equity_daily.close", subject="^GSPC", date="2025-11-21", comparator="equals", stated=6000),
            "contradicted",
        ),
        (
            dict(metric="fct_treasury_auctions.bid_to_cover", date="2026-01-15", comparator="below", stated=2.8),
            "supported",
        ),
        (
            dict(metric="fct_treasury_auctions.bid_to_cover", date="2026-01-15", comparator="below", stated=2.1),
            "contradicted",
        ),
        (
            dict(metric="fct_equity_daily.close", subject="VIX", date="2025-11-20", comparator="above", stated=25),
            "supported",
        ),
        (
            dict(metric="fct_equity_daily.close", subject="VIX", date="2025-11-20", comparator="above", stated=30),
            "contradicted",
        ),
        (
            dict(
                metric="fct_rates_daily.ust_10y_highest_since",
                date="2025-11-21",
                comparator="in_month",
                stated="2025-11",
            ),
            "supported",
        ),
        (
            dict(
                metric="fct_rates_daily.ust_10y_highest_since",
                date="2025-11-21",
                comparator="in_month",
                stated="2023-10",
            ),
            "contradicted",
        ),
        (
            dict(metric="fct_equity_daily.is_below_sma_200d", subject="^GSPC", date="2025-04-08", comparator="is_true"),
            "supported",
        ),
        (
            dict(metric="fct_equity_daily.is_below_sma_200d", subject="^GSPC", date="2025-11-21", comparator="is_true"),
            "contradicted",
        ),
        (
            dict(
                metric="fct_credit_spreads_daily.hy_oas_bp",
                date_window=["2025-11-19", "2025-11-21"],
                comparator="change_over",
                stated=2,
                tolerance=0.5,
            ),
            "supported",
        ),
        (
            dict(
                metric="fct_credit_spreads_daily.hy_oas_bp",
                date_window=["2025-11-19", "2025-11-21"],
                comparator="change_over",
                stated=45,
            ),
            "contradicted",
        ),
        (
            dict(
                metric="fct_company_fundamentals_quarterly.gross_margin_pct",
                subject="SNOW",
                as_of="2025-04-01",
                periods=2,
                comparator="equals",
                stated=[66.23, 65.94],
                tolerance=0.01,
            ),
            "supported",
        ),
    ],
)
def test_each_comparator_supports_and_contradicts(con, fields, expected):
    assert verdict(con, **fields).verdict == expected


@pytest.mark.parametrize(
    "fields, reason",
    [
        (
            dict(metric="fct_equity_daily.close", subject="NOPE", date="2025-11-21", comparator="equals", stated=1),
            "no data for NOPE",
        ),
        (
            dict(metric="fct_equity_daily.close", subject="^GSPC", date="2025-11-22", comparator="equals", stated=1),
            "no row dated 2025-11-22",
        ),
        (
            dict(metric="fct_macro_monthly.core_cpi_yoy_pct", date="2025-10", comparator="above", stated=3),
            "without a value",
        ),
        (
            dict(metric="fct_equity_daily.sma_200d", subject="^GSPC", date="2022-01-03", comparator="equals", stated=1),
            "is null on 2022-01-03",
        ),
        (
            dict(
                metric="fct_credit_spreads_daily.hy_oas_bp",
                date_window=["2025-11-22", "2025-11-24"],
                comparator="change_over",
                stated=1,
            ),
            "no value on 2025-11-22",
        ),
    ],
)
def test_missing_subject_date_or_value_is_not_verifiable_with_a_reason(con, fields, reason):
    result = verdict(con, **fields)
    assert result.verdict == "not verifiable" and reason in result.reason


@pytest.mark.parametrize(
    "entry, message",
    [
        (
            dict(id="b", metric="fct_nothing.close", date="2025-01-02", comparator="equals", stated=1),
            "claim 'b': field 'metric' names an unknown metric",
        ),
        (
            dict(id="c", metric="fct_rates_daily.ust_10y_pct", date="2025-13-45", comparator="equals", stated=1),
            "claim 'c': field 'date' is not a date",
        ),
        (
            dict(id="d", metric="fct_rates_daily.ust_10y_pct", date="2025-01-02", comparator="equals"),
            "claim 'd': missing field 'stated'",
        ),
        (
            dict(id="e", metric="fct_equity_daily.close", date="2025-01-02", comparator="equals", stated=1),
            "claim 'e': missing field 'subject'",
        ),
        (
            dict(id="f", metric="fct_rates_daily.ust_10y_pct", date="2025-01-02", comparator="roughly", stated=1),
            "claim 'f': field 'comparator' must be one of",
        ),
        (
            dict(id="g", metric="fct_rates_daily.ust_10y_pct", date="2025-01-02", comparator="equals", stated="high"),
            "claim 'g': field 'stated' must be a number",
        ),
    ],
)
def test_a_malformed_claims_file_names_the_claim_and_the_field(entry, message, sample_warehouse, tmp_path, capsys):
    path = tmp_path / "note.yml"
    path.write_text(json.dumps({"note": "bad", "claims": [entry]}))  # JSON is YAML
    assert run_cli("check-note", str(path), "--db", str(sample_warehouse)) == 1
    assert message in capsys.readouterr().err


def test_a_mistyped_column_is_an_error_naming_the_claim_and_the_nearest_column(con):
    with pytest.raises(
        ClaimsFileError,
        match=r"claim 'crafted': field 'metric' names no column of marts.fct_equity_daily: "
        r"'closee' \(did you mean 'close'\?\)",
    ):
        verdict(
            con, metric="fct_equity_daily.closee", subject="^GSPC", date="2025-11-21", comparator="equals", stated=1
        )


def test_check_note_with_a_mistyped_metric_fails_naming_the_claim(sample_warehouse, tmp_path, capsys):
    path = tmp_path / "note.yml"
    path.write_text(
        json.dumps(
            {
                "note": "typo",
                "claims": [
                    {
                        "id": "ok",
                        "metric": "fct_rates_daily.ust_10y_pct",
                        "date": "2025-11-21",
                        "comparator": "equals",
                        "stated": 4.06,
                    },
                    {
                        "id": "typo",
                        "metric": "fct_rates_daily.ust_10y_pctt",
                        "date": "2025-11-21",
                        "comparator": "equals",
                        "stated": 4.06,
                    },
                ],
            }
        )
    )
    copy = tmp_path / "warehouse.duckdb"  # the module's open reader of the sample holds another configuration
    shutil.copyfile(sample_warehouse, copy)
    assert run_cli("check-note", str(path), "--db", str(copy)) == 1
    out = capsys.readouterr()
    assert "claim 'typo': field 'metric' names no column of marts.fct_rates_daily" in out.err
    assert "supported" not in out.out  # no verdict is printed for a file with a typo


def test_load_claims_refuses_a_file_without_claims(tmp_path):
    path = tmp_path / "empty.yml"
    path.write_text("note: nothing here\n")
    with pytest.raises(ClaimsFileError, match="'claims' list"):
        load_claims(path)


def test_a_run_with_a_claims_file_fills_fct_claim_checks(tmp_path):
    db = tmp_path / "w.duckdb"
    assert run_cli("run", "--db", str(db), "--claims", str(EXAMPLE)) == 0
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = dict(connection.execute("select claim_id, verdict from marts.fct_claim_checks").fetchall())
        run_ids = connection.execute("select count(distinct run_id) from marts.fct_claim_checks").fetchone()[0]
    assert len(rows) == 12 and run_ids == 1
    assert rows["spx_close"] == "contradicted" and rows["core_cpi"] == "not verifiable"
    # the evening report shows the same verdicts, one row per claim, with the counts in its heading
    page = (db.parent / "report" / "index.html").read_text()
    shown = dict(re.findall(r'<tr class="verdict-[\w-]+"><td>([^<]*)</td><td>([^<]*)</td>', page))
    assert shown == rows
    counts = {kind: list(rows.values()).count(kind) for kind in ("supported", "contradicted", "not verifiable")}
    assert (
        f"({counts['supported']} supported, {counts['contradicted']} contradicted, "
        f"{counts['not verifiable']} not verifiable)</h2>" in page
    )
