"""Dagster assets: the raw loads and the dbt models."""
