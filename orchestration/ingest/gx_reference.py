"""Great Expectations itself, where the project still calls it: Data Docs, and the reference engine the SQL suites
are held to.

The gate runs the suites as SQL (suite_sql.py) and keeps each validation as a record; `stresswatch docs` turns those
records into GX validation results in a GX file context and lets GX render its Data Docs. `GxPandasGate` runs a
suite through GX's own pandas engine: the tests compare its verdicts with the SQL engine's on every bad input.
Importing GX costs seconds, so nothing on a run's path imports this module.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from orchestration.ingest.plausibility import VERDICT_COLUMN, checks_table
from orchestration.ingest.raw_tables import RAW_TABLES, RawTable
from orchestration.ingest.suite_sql import DAY_NUMBER, EXAMPLES, KEY, ExpectationResult, suite
from orchestration.ingest.validation import RESULTS_FOLDER

_EPOCH = pd.Timestamp("1970-01-01")
DATASOURCE = "raw_batches"


def _context(gx_root: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.config.analytics_enabled = False
    context.variables.save()
    return context


def prepare_frame(table: RawTable, batch: pd.DataFrame, verdicts: pd.Series | None = None) -> pd.DataFrame:
    """The frame GX's pandas engine sees: the batch, dates as timestamps, the joined key and derived columns."""
    frame = batch.copy()
    if "_file" not in frame:
        frame["_file"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame["_line"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if checks_table(table):
        frame[VERDICT_COLUMN] = verdicts if verdicts is not None else pd.Series(None, index=frame.index, dtype=object)
    parts = [batch[column].astype("string").fillna("") for column in table.key]
    frame[KEY] = parts[0].str.cat(parts[1:], sep="|") if len(parts) > 1 else parts[0]
    for name, kind in table.columns.items():
        if kind == "date" and name in frame:
            frame[name] = pd.to_datetime(frame[name])
    frame[DAY_NUMBER] = (frame[table.date_column] - _EPOCH).dt.days.astype("Int64")
    if table.name == "price_bars":
        body_high = frame[["open", "close"]].max(axis=1)
        body_low = frame[["open", "close"]].min(axis=1)
        outside = pd.concat([frame["low"] - body_low, body_high - frame["high"]], axis=1).max(axis=1).clip(lower=0)
        frame["_ohlc_excess_pct"] = 100 * outside / frame["close"]
    return frame


class GxPandasGate:
    """A suite run through Great Expectations' pandas engine, for comparison with the SQL engine."""

    def __init__(self, gx_root: Path):
        self.context = _context(gx_root)

    def results(
        self, table: RawTable, batch: pd.DataFrame, parameters: dict, verdicts: pd.Series | None = None
    ) -> list[ExpectationResult]:
        import great_expectations as gx

        source = self.context.data_sources.add_or_update_pandas(DATASOURCE)
        try:
            asset = source.get_asset(table.name)
        except LookupError:
            asset = source.add_dataframe_asset(table.name)
        try:
            batch_definition = asset.get_batch_definition("whole_batch")
        except (KeyError, LookupError, ValueError):
            batch_definition = asset.add_batch_definition_whole_dataframe("whole_batch")
        expectation_suite = self.context.suites.add_or_update(gx.ExpectationSuite(**suite(table.name)))
        definition = self.context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"validate_{table.name}", data=batch_definition, suite=expectation_suite)
        )
        outcome = definition.run(
            batch_parameters={"dataframe": prepare_frame(table, batch, verdicts)},
            expectation_parameters={
                **parameters,
                "today": pd.Timestamp(parameters["today"]),
                "fresh_since": pd.Timestamp(parameters["fresh_since"]),
            },
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [*table.key, "_file", "_line"],
                "partial_unexpected_count": EXAMPLES,
            },
        )
        by_check = {}
        for result in outcome.results:
            config = result.expectation_config
            by_check[(config.meta or {}).get("check")] = ExpectationResult(
                {"type": config.type, "kwargs": config.kwargs, "meta": config.meta},
                bool(result.success),
                result.result or {},
            )
        return [by_check[item["meta"]["check"]] for item in suite(table.name)["expectations"]]


def _jsonable(value: object) -> object:
    if isinstance(value, date | datetime | pd.Timestamp):
        return value.isoformat()
    return value


def _suite_result(record: dict):
    """A kept validation record as GX's validation result object."""
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    results = []
    for item in record["results"]:
        expectation = item["expectation"]
        result = {key: value for key, value in item["result"].items() if key != "unexpected_index_list"}
        listed = item["result"].get("unexpected_index_list") or []
        if listed:  # GX lists the unexpected values of the checked column
            result["partial_unexpected_list"] = [_jsonable(next(iter(row.values()))) for row in listed]
        results.append(
            ExpectationValidationResult(
                success=item["success"],
                expectation_config=ExpectationConfiguration(
                    type=expectation["type"],
                    kwargs=expectation["kwargs"],
                    meta=expectation.get("meta"),
                    severity=expectation.get("severity", "critical"),
                ),
                result=result,
            )
        )
    evaluated, successful = len(results), sum(item.success for item in results)
    run_time = datetime.fromisoformat(record["run_time"])
    return ExpectationSuiteValidationResult(
        success=successful == evaluated,
        results=results,
        suite_name=record["suite"],
        statistics={
            "evaluated_expectations": evaluated,
            "successful_expectations": successful,
            "unsuccessful_expectations": evaluated - successful,
            "success_percent": 100.0 * successful / evaluated if evaluated else None,
        },
        meta={
            "run_id": RunIdentifier(run_name=run_time.strftime("%Y%m%dT%H%M%S.%fZ"), run_time=run_time),
            "validation_time": run_time,
            "active_batch_definition": {
                "datasource_name": DATASOURCE,
                "data_connector_name": "fluent",
                "data_asset_name": record["table"],
                "batch_identifiers": {"rows": record["rows"]},
            },
        },
        batch_id=f"{DATASOURCE}-{record['table']}",
    )


def build_data_docs(gx_root: Path):
    """Render GX Data Docs for the validations kept under gx_root, readable offline (ingest/data_docs.py)."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from orchestration.ingest.data_docs import finish_site

    context = _context(gx_root)
    for name in RAW_TABLES:  # the suites the pages link to
        context.suites.add_or_update(ExpectationSuite(**suite(name)))
    for path in sorted((gx_root / RESULTS_FOLDER).rglob("*.json")):
        record = json.loads(path.read_text())
        result = _suite_result(record)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=record["suite"]),
            run_id=result.meta["run_id"],
            batch_identifier=f"{record['table']}-{path.stem}",
        )
        context.validation_results_store.set(key, result)
        path.unlink()  # now kept by GX's own store, read by every later build of the site
    context.build_data_docs()
    if not (gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists():
        raise FileNotFoundError(f"no Data Docs were written under {gx_root}")
    return finish_site(gx_root / "gx")
