"""Dagster definitions: assets, the dbt project, resources, schedules and sensors (the only Dagster home)."""
