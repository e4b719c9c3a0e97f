"""The dbt project as Dagster assets: staging, intermediate and mart models, built by one `dbt build` per run."""

import contextlib
import graphlib
import io
import json
import sys

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.dbt_setup import (
    dbt_log_args,
    dbt_project,
    keep_partial_parse,
    prune_run_targets,
    require_manifest,
    run_target_path,
)
from orchestration.defs.resources import WarehouseResource
from orchestration.ingest.blocked_sources import (
    blocked_sources,
    dbt_exclusions,
    dbt_kept,
    nodes_reading,
    previously_stale_marts,
    source_tables,
)
from orchestration.publish.spark_engine import dbt_spark_build_args, export_raw_tables, start_spark_build
from orchestration.publish.unchanged_build import (
    project_fingerprint,
    published_fingerprint,
    unchanged_sources,
    why_build_is_needed,
)

UNCHANGED = "no raw row changed tonight and the dbt project is the one the published marts were built with"
UNCHANGED_SOURCES = "none of their sources changed tonight and the dbt project is the one they were built with"
DBT_LINES_ON_FAILURE = 40  # the tail of dbt's output a quiet run shows when the build fails


@dbt_assets(manifest=require_manifest(), project=dbt_project)
def stresswatch_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Every dbt seed, model and data test, in one invocation (a dbt start-up costs seconds; one per run is enough);
    the models downstream of a source this run could not load are left out and keep their last good rows."""
    run = warehouse.settings()
    blocked = blocked_sources(run.build_path, context.run.run_id)
    for source in blocked:
        context.log.warning(f"not rebuilding what reads {source.describe()}")
    if run.engine == "spark":
        if blocked:  # a Spark run publishes a whole new set of Parquet marts: it cannot keep last good ones
            raise dg.Failure(
                f"Spark build not started: {'; '.join(s.describe() for s in blocked)}", allow_retries=False
            )
        # the validated raw tables leave the DuckDB build as Parquet; dbt registers them on Spark (on-run-start)
        spark_build = start_spark_build(run.db_path, context.run.run_id)
        exported = export_raw_tables(run.build_path, spark_build)
        context.log.info(f"raw tables handed to Spark as Parquet in {spark_build}: {exported}")
        args = [*dbt_spark_build_args(), "--vars", json.dumps(run.dbt_vars(spark_build))]
    else:
        # a backfill rewrote older rows, or the last evening left marts stale (an incremental mart catches up only
        # its newest sessions): every incremental mart is rebuilt whole, so it equals a full build
        left_stale = previously_stale_marts(run.build_path)
        if left_stale:
            context.log.info(f"rebuilding the incremental marts whole: the last run left {left_stale} stale")
        rebuild_whole = run.full_reload or run.backfill is not None or bool(left_stale)
        if not rebuild_whole and not blocked:
            needed = why_build_is_needed(run.build_path, run.db_path, context.run.run_id, dbt_project.project_dir)
            if needed is None:  # the marts would be written again row for row: they stay as published
                context.log.info(f"dbt build: skipped, {UNCHANGED}")
                # current as of tonight: what reads them still runs (Dagster wants them in dependency order)
                for key in _in_dependency_order(context):
                    yield dg.MaterializeResult(asset_key=key, metadata={"rebuilt": False, "why": UNCHANGED})
                return
        # the build file reaches the dbt subprocess as a var, never through this process's environment
        args = [*dbt_build_args(rebuild_whole), "--vars", json.dumps(run.dbt_vars()), *dbt_exclusions(blocked)]
        # (a subset picked in the UI brings dagster-dbt's own selection, which this one would replace)
        same_project = published_fingerprint(run.build_path) == project_fingerprint(dbt_project.project_dir)
        if not rebuild_whole and not context.is_subset and same_project:
            # a model none of whose sources changed tonight would be written again as it is: only what reads a
            # changed table is built (at 8,000 symbols, a price-only evening leaves the FRED, Treasury, SEC marts)
            # (every source counts as changed but those known not to be: a new one is never kept by omission)
            unchanged = unchanged_sources(run.build_path, run.db_path, context.run.run_id)
            changed = [table for table in source_tables(dbt_project.manifest_path) if table not in unchanged]
            kept = _unchanged_assets(context, changed, blocked)
            if kept:
                context.log.info(f"dbt build: {len(kept)} models and seeds kept as published, {UNCHANGED_SOURCES}")
                for key in kept:
                    yield dg.MaterializeResult(asset_key=key, metadata={"rebuilt": False, "why": UNCHANGED_SOURCES})
                # nothing left but what reads a blocked source (it stays as it was): no dbt run at all
                if not _left_to_build(context, kept, blocked):
                    return
                specs = context.assets_def.specs_by_key
                args += dbt_kept([specs[key].metadata["dagster_dbt/unique_id"] for key in kept])
    step = context.op_execution_context.op.name
    invocation = dbt.cli(
        [*args, *dbt_log_args()], context=context, target_path=run_target_path(step, context.run.run_id)
    )
    # dagster-dbt writes every dbt event line to stdout: kept for the UI's compute log and `run --verbose`; the
    # terminal otherwise shows the steps' progress, and dbt's own lines only when the build fails
    captured = io.StringIO()
    terminal = sys.stdout
    echo = contextlib.nullcontext() if warehouse.echo_dbt_output else contextlib.redirect_stdout(captured)
    try:
        built = tested = 0
        with echo:
            for event in invocation.stream():
                built += isinstance(event, dg.Output | dg.AssetMaterialization)
                tested += isinstance(event, dg.AssetCheckResult)
                yield event
        context.log.info(f"dbt build: {built} models and seeds built, {tested} data tests passed or warned")
    except Exception:
        terminal.write("".join(captured.getvalue().splitlines(keepends=True)[-DBT_LINES_ON_FAILURE:]))
        raise
    finally:
        prune_run_targets(step)
    if run.engine != "spark":  # the spark target's profile would invalidate the DuckDB runs' partial parse
        keep_partial_parse(invocation.target_path)


def _unchanged_assets(context: dg.AssetExecutionContext, changed: list[str], blocked: list) -> list[dg.AssetKey]:
    """The selected dbt assets that read no table tonight's run changed, and none a blocked source left stale, in
    dependency order (they come before anything built from them)."""
    rebuilt = nodes_reading(dbt_project.manifest_path, [*changed, *(source.raw_table for source in blocked)])
    return [
        key
        for key in _in_dependency_order(context)
        if context.assets_def.specs_by_key[key].metadata["dagster_dbt/unique_id"] not in rebuilt
    ]


def _left_to_build(context: dg.AssetExecutionContext, kept: list[dg.AssetKey], blocked: list) -> bool:
    """Whether any selected dbt asset is neither kept as published nor left out for reading a blocked source."""
    stale = nodes_reading(dbt_project.manifest_path, [source.raw_table for source in blocked])
    specs = context.assets_def.specs_by_key
    return any(
        key not in kept and specs[key].metadata["dagster_dbt/unique_id"] not in stale
        for key in context.selected_asset_keys
    )


def _in_dependency_order(context: dg.AssetExecutionContext) -> list[dg.AssetKey]:
    """The selected dbt assets, each after the assets it reads."""
    selected = context.selected_asset_keys
    graph = {
        spec.key: {dep.asset_key for dep in spec.deps if dep.asset_key in selected}
        for spec in context.assets_def.specs
        if spec.key in selected
    }
    return list(graphlib.TopologicalSorter(graph).static_order())


def dbt_build_args(full_refresh: bool) -> list[str]:
    """dbt's unit tests pin formulas, not data: the test suite runs them, the daily build skips them."""
    return ["build", "--exclude-resource-type", "unit_test", *(["--full-refresh"] if full_refresh else [])]
