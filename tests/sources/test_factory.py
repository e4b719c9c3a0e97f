import pytest

from orchestration.ingest.sources.errors import MissingCredentialError
from orchestration.ingest.sources.factory import build_client
from orchestration.ingest.sources.replay import ReplayPriceClient
from orchestration.settings import resolve_settings


def test_replay_mode_reads_the_data_directory(tmp_path):
    client = build_client("prices", resolve_settings(tmp_path / "w.duckdb", None, "replay"))
    assert isinstance(client, ReplayPriceClient)


def test_live_sec_client_fetches_the_seeded_filers(monkeypatch, tmp_path):
    monkeypatch.setenv("SEC_USER_AGENT", "StressWatch tests test@example.com")
    client = build_client("sec", resolve_settings(tmp_path / "w.duckdb", None, "live"))
    assert "1640147" in client.ciks and "91576" in client.ciks  # Snowflake and a regional bank (KeyCorp)


def test_live_price_client_takes_the_universe_without_cboe_vix(tmp_path):
    client = build_client("prices", resolve_settings(tmp_path / "w.duckdb", None, "live"))
    assert "^GSPC" in client.symbols and "NVDA" in client.symbols and "VIX" not in client.symbols
    assert client.url_template == "https://query1.finance.yahoo.com/v8/finance/chart/{symbol}"


def test_live_clients_call_the_base_url_the_settings_name(tmp_path):
    urls = {"prices": "http://127.0.0.1:1/yahoo/", "cboe": "http://127.0.0.1:1/cboe"}
    client = build_client("prices", resolve_settings(tmp_path / "w.duckdb", None, "live", api_urls=urls))
    assert client.url_template == "http://127.0.0.1:1/yahoo/v8/finance/chart/{symbol}"
    assert client.vix.url == "http://127.0.0.1:1/cboe/api/global/us_indices/daily_prices/VIX_History.csv"


def test_live_mode_without_keys_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    with pytest.raises(MissingCredentialError, match="FRED_API_KEY"):
        build_client("fred", resolve_settings(tmp_path / "w.duckdb", None, "live"))


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="'replay' or 'live'"):
        resolve_settings(tmp_path / "w.duckdb", None, "sometimes")
