"""The code location as Dagster loads it: asset keys, lineage from raw to dbt, the job and its schedule."""

import dagster as dg

from orchestration.definitions import defs

RAW_KEYS = {
    dg.AssetKey(["raw", name]) for name in ("price_bars", "fred_observations", "treasury_auctions", "sec_company_facts")
}


def test_raw_and_staging_assets_are_defined():
    keys = set(defs.resolve_asset_graph().get_all_asset_keys())
    assert keys >= RAW_KEYS
    for model in (
        "stg_prices__daily_bars",
        "stg_fred__observations",
        "stg_treasury__auctions",
        "stg_sec__company_facts",
    ):
        assert dg.AssetKey(["staging", model]) in keys


def test_staging_models_depend_on_their_raw_asset():
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["staging", "stg_prices__daily_bars"])).parent_keys == {
        dg.AssetKey(["raw", "price_bars"])
    }
    assert graph.get(dg.AssetKey(["staging", "stg_sec__company_facts"])).parent_keys == {
        dg.AssetKey(["raw", "sec_company_facts"])
    }


def test_daily_job_is_scheduled_in_new_york_after_the_close():
    schedule = defs.resolve_schedule_def("stresswatch_daily_after_close")
    assert schedule.cron_schedule == "30 18 * * 1-5"
    assert schedule.execution_timezone == "America/New_York"
    assert schedule.job_name == "stresswatch_daily"
    job = defs.resolve_job_def("stresswatch_daily")
    assert set(job.asset_layer.executable_asset_keys) >= RAW_KEYS


def test_each_raw_asset_has_an_expectations_check_that_blocks_only_its_readers():
    # a failed check does not stop the run: the dbt asset leaves out what reads that source (see test_partial_publish)
    graph = defs.resolve_asset_graph()
    for key in RAW_KEYS:
        checks = {check_key.name: graph.get_check_spec(check_key) for check_key in graph.get(key).check_keys}
        assert checks["passes_expectations"].blocking is False
        assert checks["no_warnings"].blocking is False


def test_live_loads_carry_a_retry_policy_with_backoff_and_jitter():
    from orchestration.defs.assets.raw import RAW_ASSETS

    for assets_def in RAW_ASSETS:
        policy = assets_def.op.retry_policy
        assert policy.max_retries >= 2 and policy.backoff == dg.Backoff.EXPONENTIAL
        assert policy.jitter == dg.Jitter.PLUS_MINUS


def test_the_sensors_and_the_publish_asset_are_defined():
    # stress alerts are sent by the run (one sender for every door), run failures by the one sensor
    assert [sensor.name for sensor in defs.sensors] == ["run_failure_alerts"]
    assert defs.resolve_sensor_def("run_failure_alerts").default_status == dg.DefaultSensorStatus.RUNNING
    alerts = defs.resolve_asset_graph().get(dg.AssetKey("stress_alerts_sent"))
    assert alerts.parent_keys == {dg.AssetKey("published_warehouse")}
    assert (
        dg.AssetKey("stress_alerts_sent") in defs.resolve_asset_graph().get(dg.AssetKey("evening_verdict")).parent_keys
    )
    graph = defs.resolve_asset_graph()
    published = graph.get(dg.AssetKey(["published_warehouse"]))
    # publishing waits for the dbt step through the seeds it always builds (a blocked source's marts yield nothing)
    assert dg.AssetKey(["seeds", "stress_thresholds"]) in published.parent_keys
    assert dg.AssetKey(["marts", "fct_market_stress_daily"]) not in published.parent_keys
    assert published.parent_keys >= RAW_KEYS
    assert graph.get(dg.AssetKey(["raw", "price_bars"])).parent_keys == {dg.AssetKey(["build_database"])}


def test_each_engine_has_its_job_and_publishes_only_its_own_output():
    daily = set(defs.resolve_job_def("stresswatch_daily").asset_layer.executable_asset_keys)
    spark = set(defs.resolve_job_def("stresswatch_spark").asset_layer.executable_asset_keys)
    published_spark, published_duckdb = dg.AssetKey("published_spark_marts"), dg.AssetKey("published_warehouse")
    assert published_duckdb in daily and published_spark not in daily
    assert published_spark in spark and published_duckdb not in spark
    assert dg.AssetKey("evening_report") not in spark  # the report reads the DuckDB file a Spark run leaves alone
    # the same loads and the same gate on both engines
    assert spark >= RAW_KEYS and dg.AssetKey(["marts", "fct_market_stress_daily"]) in spark
    assert defs.resolve_asset_graph().get(published_spark).parent_keys >= RAW_KEYS
