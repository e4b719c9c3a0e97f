"""The validation gate: every load's rows checked against its raw table's suite before anything is committed.

Suites live as reviewable JSON files in `expectations/<raw table>.json` (Great Expectations' own suite format) and
run as SQL inside DuckDB (`suite_sql.py`), where the rows already are. Severity `critical` is an error (the batch is
quarantined and the marts do not refresh); `warning` is a warn (the batch loads, the warning is recorded in
raw.load_log and shown). Each validation is kept as a GX validation result for Data Docs (`gx_reference.py`).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from orchestration.ingest.arrow_batch import for_duckdb
from orchestration.ingest.freshness import STALENESS_CHECK, deadlines, lateness
from orchestration.ingest.market_calendar import NEW_YORK
from orchestration.ingest.plausibility import VERDICT_COLUMN, checks_table
from orchestration.ingest.raw_tables import RawTable
from orchestration.ingest.sources.values import ORIGIN_COLUMNS
from orchestration.ingest.suite_sql import DAY_NUMBER, EXAMPLES, ROW_NUMBER, ExpectationResult, SuiteRun

_SEVERITY = {"critical": "error", "warning": "warn", "info": "warn"}
RESULTS_FOLDER = "results"  # under the GX root: one JSON per validation, read when Data Docs are built


@dataclass(frozen=True)
class Failure:
    """One expectation (or reader check) that did not hold, with a few offending values."""

    check: str  # the suite's short name for it (meta.check), or the reader check
    expectation: str
    column: str | None
    severity: str  # "error" blocks, "warn" does not
    unexpected_count: int | None = None
    examples: tuple[str, ...] = ()
    why: str = ""

    def describe(self) -> str:
        return describe_failure(self.as_record())

    def as_record(self) -> dict:
        return {
            "check": self.check,
            "expectation": self.expectation,
            "column": self.column,
            "severity": self.severity,
            "unexpected_count": self.unexpected_count,
            "examples": list(self.examples),
        }


def describe_failure(record: dict) -> str:
    """'close_positive [expect_column_values_to_be_between on close] failed on 1 row(s): close=0 [SPY 2024-03-01]'."""
    target = f" on {record['column']}" if record.get("column") else ""
    count = f" on {record['unexpected_count']} row(s)" if record.get("unexpected_count") else ""
    examples = f": {', '.join(record['examples'])}" if record.get("examples") else ""
    return f"{record['check']} [{record['expectation']}{target}] failed{count}{examples}"


def blocks(severity: object) -> bool:
    """Whether a failed expectation of this GX severity blocks its batch (critical, or none given) or only warns."""
    return _SEVERITY.get(str(getattr(severity, "value", severity)), "error") == "error"


class SplitsFailures:
    """Errors block a load, warnings do not: anything holding `failures` can tell them apart."""

    failures: list[Failure] | tuple[Failure, ...]

    @property
    def errors(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.severity == "error"]

    @property
    def warnings(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.severity == "warn"]


@dataclass
class ValidationReport(SplitsFailures):
    """The outcome of validating one batch against its raw table's suite."""

    raw_table: str
    rows: int
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    results: list[ExpectationResult] = field(default_factory=list)  # every expectation's outcome (Data Docs)

    @property
    def passed(self) -> bool:
        return not self.errors


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _origin(row: dict) -> str:
    """'prices/SPY.csv line 1004' (a JSON document's rows are records), or '' when the row names no file."""
    file, line = row.get("_file"), row.get("_line")
    if file is None or pd.isna(file):
        return ""
    kind = "record" if str(file).endswith(".json") or "://" in str(file) else "line"
    return f" in {file} {kind} {line}" if line is not None and not pd.isna(line) else f" in {file}"


def _examples(result: dict, key_columns: list[str]) -> tuple[str, ...]:
    indexed = result.get("unexpected_index_list") or []
    if indexed and isinstance(indexed[0], dict):
        rows = []
        for row in indexed[:EXAMPLES]:
            origin = _origin(row)
            # the day number repeats the date the key shows
            row = {name: value for name, value in row.items() if name not in (*ORIGIN_COLUMNS, DAY_NUMBER)}
            key = " ".join(_show(row.get(column)) for column in key_columns if column in row) + origin
            # a verdict column (named with a leading underscore) carries its own sentence
            values = ", ".join(
                _show(value) if name.startswith("_") else f"{name}={_show(value)}"
                for name, value in row.items()
                if name not in key_columns
            )
            rows.append(f"{values} [{key}]" if values else f"[{key}]")
        return tuple(rows)
    listed = result.get("partial_unexpected_list") or []
    if listed:
        return tuple(_show(value) for value in listed[:EXAMPLES])
    if result.get("observed_value") is not None:
        return (f"observed {_show(result['observed_value'])}",)
    return ()


def _failure(item: ExpectationResult, family: str, now: datetime, key_columns: list[str]) -> Failure:
    """A failed expectation as the gate reports it: its check, a count and a few rows naming file and line."""
    config, result = item.expectation, item.result
    meta, kwargs = config.get("meta") or {}, config["kwargs"]
    pair = f"{kwargs['column_A']}>={kwargs['column_B']}" if "column_A" in kwargs else None
    examples = _examples(result, key_columns)
    observed = result.get("observed_value")
    if meta.get("check") == STALENESS_CHECK and observed is not None:
        examples = (lateness(family, pd.Timestamp(observed).date(), now),)
    return Failure(
        check=meta.get("check", config["type"]),
        expectation=config["type"],
        column=kwargs.get("column") or pair,
        severity="error" if blocks(config.get("severity")) else "warn",
        unexpected_count=result.get("unexpected_count"),
        examples=examples,
        why=meta.get("why", ""),
    )


def _frame_for_sql(table: RawTable, batch: pd.DataFrame, verdicts: pd.Series | None) -> pd.DataFrame:
    """The batch as the suite reads it: its columns, file and line (none for a live client), row order, verdicts."""
    frame = batch.copy()
    if "_file" not in frame:  # live clients' frames name no file and line
        frame["_file"] = pd.Series(None, index=frame.index, dtype=object)
        frame["_line"] = pd.Series(None, index=frame.index, dtype="Int64")
    if checks_table(table):  # the plausibility verdicts, computed against raw's history by the loader
        frame[VERDICT_COLUMN] = (
            verdicts.astype(object) if verdicts is not None else pd.Series(None, index=frame.index, dtype=object)
        )
    frame[ROW_NUMBER] = range(len(frame))
    return frame


class ValidationGate:
    """Runs the suites in DuckDB and keeps each validation's result under `gx_root` for Data Docs."""

    def __init__(self, gx_root: Path):
        self.gx_root = gx_root

    def validate(
        self,
        table: RawTable,
        family: str,
        batch: pd.DataFrame,
        today: date | None = None,
        verdicts: pd.Series | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
        keep: bool = True,
    ) -> ValidationReport:
        """Run the table's suite over an in-memory batch; 'today' anchors the future-date and staleness checks;
        `verdicts` are the plausibility findings against raw's history (orchestration/ingest/plausibility.py).
        On `con` (the load's own connection) when given: a new in-memory database per batch costs about 30 ms.
        Without `keep`, the caller keeps the report it settles on (`keep`)."""
        if batch.empty:  # no row to check (a backfill window without an auction or a filing): nothing fails
            return ValidationReport(table.qualified, 0)
        started = time.perf_counter()
        # names of their own: the load's connection also registers frames of its own (raw_layer's batch_frame)
        own = con is None
        con = duckdb.connect() if own else con
        try:
            con.register("suite_batch_frame", for_duckdb(_frame_for_sql(table, batch, verdicts)))
            dates = [name for name, kind in table.columns.items() if kind == "date" and name in batch]
            replaced = f" replace ({', '.join(f'cast({name} as date) as {name}' for name in dates)})" if dates else ""
            con.execute(f"create or replace temp view suite_batch_rows as select *{replaced} from suite_batch_frame")
            report = self.validate_relation(con, table, family, "suite_batch_rows", today, keep=keep)
        finally:
            if own:
                con.close()
            else:
                con.execute("drop view if exists suite_batch_rows")
                con.unregister("suite_batch_frame")
        report.seconds = time.perf_counter() - started
        return report

    def validate_relation(
        self,
        con: duckdb.DuckDBPyConnection,
        table: RawTable,
        family: str,
        relation: str,
        today: date | None = None,
        key_unique: bool = False,
        keep: bool = True,
    ) -> ValidationReport:
        """Run the table's suite over a relation of `con` (a staging table: its rows never leave the engine);
        `key_unique`: its natural key is known unique (suite_sql.SuiteRun)."""
        started = time.perf_counter()
        # the staleness check's bound is the source's deadline on the NYSE calendar (orchestration/ingest/freshness.py)
        zone = ZoneInfo(NEW_YORK)
        now = datetime.combine(today, dt_time(23, 59), zone) if today else datetime.now(zone)
        parameters = {
            "today": now.date(),
            "today_day_number": (now.date() - date(1970, 1, 1)).days,
            "fresh_since": deadlines()[family].due_date(now),
        }
        run = SuiteRun(con, table, relation, parameters, key_unique)
        results = run.run()
        report = ValidationReport(table.qualified, run.rows, results=results)
        key_columns = list(table.key)
        report.failures = [_failure(item, family, now, key_columns) for item in results if not item.success]
        report.seconds = time.perf_counter() - started
        if keep:
            self.keep(table, report)
        return report

    def keep(self, table: RawTable, report: ValidationReport) -> None:
        """Write the validation as a record Data Docs are built from (`stresswatch docs`)."""
        folder = self.gx_root / RESULTS_FOLDER / table.name
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC)
        record = {
            "suite": table.qualified,
            "table": table.name,
            "run_time": stamp.isoformat(),
            "rows": report.rows,
            "results": [
                {"expectation": item.expectation, "success": item.success, "result": item.result}
                for item in report.results
            ],
        }
        path = folder / f"{stamp.strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps(record, default=str))


def build_data_docs(gx_root: Path):
    """Render GX Data Docs for the validations kept under gx_root, readable offline (ingest/gx_reference.py)."""
    from orchestration.ingest.gx_reference import build_data_docs as build

    return build(gx_root)
