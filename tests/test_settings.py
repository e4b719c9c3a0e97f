"""A run's settings: explicit values, then STRESSWATCH_* variables (read, never written), then the defaults."""

from datetime import date

import pytest

from orchestration.settings import DEFAULT_DB_PATH, SAMPLE_DATA_DIR, resolve_settings


def test_explicit_values_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STRESSWATCH_MODE", "live")
    run = resolve_settings(tmp_path / "w.duckdb", tmp_path, "replay")
    assert (run.db_path, run.data_dir, run.mode) == (tmp_path / "w.duckdb", tmp_path, "replay")
    assert run.build_path == tmp_path / "w.build.duckdb" and run.gx_root == tmp_path / "w.gx"
    assert run.dbt_vars()["warehouse_path"] == str(tmp_path / "w.build.duckdb")


def test_defaults_are_the_bundled_sample_and_warehouse(monkeypatch):
    for name in ("STRESSWATCH_DB", "STRESSWATCH_DATA_DIR", "STRESSWATCH_MODE"):
        monkeypatch.delenv(name, raising=False)
    run = resolve_settings()
    assert (run.db_path, run.data_dir, run.mode) == (DEFAULT_DB_PATH, SAMPLE_DATA_DIR, "replay")


def test_one_source_can_be_live_in_a_replay_run(tmp_path):
    run = resolve_settings(tmp_path / "w.duckdb", None, "replay", live_sources=["treasury"])
    assert run.source_mode("treasury") == "live" and run.source_mode("prices") == "replay"
    with pytest.raises(ValueError, match="unknown source families"):
        resolve_settings(tmp_path / "w.duckdb", None, "replay", live_sources=["bloomberg"])


def test_a_backfill_needs_both_ends_in_order(tmp_path):
    run = resolve_settings(tmp_path / "w.duckdb", backfill_from="2025-11-17", backfill_to="2025-11-21")
    assert run.backfill == (date(2025, 11, 17), date(2025, 11, 21))
    with pytest.raises(ValueError, match="both"):
        resolve_settings(tmp_path / "w.duckdb", backfill_from="2025-11-17")
    with pytest.raises(ValueError, match="before"):
        resolve_settings(tmp_path / "w.duckdb", backfill_from="2025-11-21", backfill_to="2025-11-17")


def test_duckdb_memory_and_threads_reach_the_loads_and_dbt(monkeypatch, tmp_path):
    monkeypatch.setenv("STRESSWATCH_MEMORY_LIMIT", "6GB")
    monkeypatch.setenv("STRESSWATCH_THREADS", "3")
    from_environment = resolve_settings(tmp_path / "w.duckdb")
    assert from_environment.duckdb_settings() == {"memory_limit": "6GB", "threads": 3}
    explicit = resolve_settings(tmp_path / "w.duckdb", memory_limit="1GB", threads=1)
    assert explicit.duckdb_settings() == {"memory_limit": "1GB", "threads": 1}
    assert {key: explicit.dbt_vars()[key] for key in ("duckdb_memory_limit", "duckdb_threads")} == {
        "duckdb_memory_limit": "1GB",
        "duckdb_threads": 1,
    }
    monkeypatch.delenv("STRESSWATCH_MEMORY_LIMIT")
    assert resolve_settings(tmp_path / "w.duckdb").memory_limit == "6GB"


def test_a_load_runs_within_the_memory_limit_it_is_given(sample_copy, tmp_path):
    """The limit is applied to the load's connection: far too little fails the load (raw untouched), a small one
    is enough (DuckDB spills what does not fit to the temp directory beside the file)."""
    from orchestration.ingest.loading import LoadError, load_source
    from orchestration.ingest.sources.replay import ReplayPriceClient

    db = tmp_path / "w.duckdb"
    with pytest.raises(LoadError, match="(?i)memory"):
        load_source(db, ReplayPriceClient(sample_copy), "run-1", None, duckdb_settings={"memory_limit": "1MB"})
    loaded = load_source(
        db, ReplayPriceClient(sample_copy), "run-2", None, duckdb_settings={"memory_limit": "64MB", "threads": 1}
    )
    assert loaded.status == "loaded" and loaded.inserted == 19_084
