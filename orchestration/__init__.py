"""StressWatch: a daily market-stress warehouse (Dagster + Great Expectations + dbt on DuckDB)."""
