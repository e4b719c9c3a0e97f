"""The dbt project as Dagster assets: staging, intermediate and mart models, built by one `dbt build` per run."""


import os

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.dbt_setup import dbt_project
from orchestration.resources import WarehouseResource


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project)
def stresswatch_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Every dbt seed, model and data test, in one invocation (a dbt start-up costs seconds; one per run is enough)."""
    # The dbt subprocess opens the warehouse itself; profiles.yml reads the path from this variable.
    os.environ["STRESSWATCH_DB"] = str(warehouse.build_path())
    yield from dbt.cli(dbt_build_args(warehouse.full_reload), context=context).stream()


def dbt_build_args(full_refresh: bool) -> list[str]:
    """dbt's unit tests pin formulas, not data: the test suite runs them, the daily build skips them."""
    return ["build", "--exclude-resource-type", "unit_test", *(["--full-refresh"] if full_refresh else [])]
