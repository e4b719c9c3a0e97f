"""Publish: the dbt build's engines (DuckDB, Spark), their parity and the published reader's file."""
