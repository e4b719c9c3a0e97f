"""The validation gate's runner: the one module that imports Great Expectations.

Suites live as reviewable JSON files in `expectations/<raw table>.json` (GX's own suite format). Severity
`critical` is an error (the batch is quarantined and the marts do not refresh); `warning` is a warn (the batch
loads, the warning is recorded in raw.load_log and shown).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dt_time
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from orchestration.ingest.freshness import STALENESS_CHECK, deadlines, lateness
from orchestration.ingest.market_calendar import NEW_YORK
from orchestration.ingest.plausibility import VERDICT_COLUMN, checks_table
from orchestration.ingest.raw_tables import RawTable
from orchestration.ingest.sources.values import ORIGIN_COLUMNS
from orchestration.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
_SEVERITY = {"critical": "error", "warning": "warn", "info": "warn"}
DAY_NUMBER = "_day_number"  # days since 1970-01-01 of the row's date (the future-date check reads it)
_EPOCH = pd.Timestamp("1970-01-01")
_EXAMPLES = 3


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

    @property
    def passed(self) -> bool:
        return not self.errors


def _key_text(frame: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    parts = [frame[column].astype("string").fillna("") for column in key]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "|" + part
    return joined


def prepare_frame(table: RawTable, batch: pd.DataFrame, verdicts: pd.Series | None = None) -> pd.DataFrame:
    """The frame the suite sees: the batch, dates as timestamps, the joined key and derived check columns."""
    frame = batch.copy()
    if "_file" not in frame:  # live clients' frames name no file and line
        frame["_file"] = pd.Series(pd.NA, index=frame.index, dtype="string")
        frame["_line"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    if checks_table(table):  # the plausibility verdicts, computed against raw's history by the loader
        # object dtype: GX checks it for nulls several times faster than a pandas string column
        frame[VERDICT_COLUMN] = verdicts if verdicts is not None else pd.Series(None, index=frame.index, dtype=object)
    frame["_key"] = _key_text(batch, table.key)
    for name, kind in table.columns.items():
        if kind == "date" and name in frame:
            frame[name] = pd.to_datetime(frame[name])
    # the table's date as a day number: GX compares integers row by row far faster than timestamps
    frame[DAY_NUMBER] = (frame[table.date_column] - _EPOCH).dt.days.astype("Int64")
    if table.name == "price_bars":
        body_high = frame[["open", "close"]].max(axis=1)
        body_low = frame[["open", "close"]].min(axis=1)
        outside = pd.concat([frame["low"] - body_low, body_high - frame["high"]], axis=1).max(axis=1).clip(lower=0)
        frame["_ohlc_excess_pct"] = 100 * outside / frame["close"]
    return frame


def _show(value: object) -> str:
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
        for row in indexed[:_EXAMPLES]:
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
        return tuple(_show(value) for value in listed[:_EXAMPLES])
    if result.get("observed_value") is not None:
        return (f"observed {_show(result['observed_value'])}",)
    return ()


class ValidationGate:
    """Validates batches with Great Expectations; results are kept in a GX file context for Data Docs."""

    def __init__(self, gx_root: Path):
        self.gx_root = gx_root

    @cached_property
    def context(self):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx_root.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(self.gx_root))
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.config.analytics_enabled = False
        context.variables.save()
        return context

    def _validation_definition(self, table: RawTable):
        import great_expectations as gx

        context = self.context
        try:
            source = context.data_sources.get("raw_batches")
        except (KeyError, ValueError):
            source = context.data_sources.add_pandas("raw_batches")
        try:
            asset = source.get_asset(table.name)
        except LookupError:
            asset = source.add_dataframe_asset(table.name)
        try:
            batch_definition = asset.get_batch_definition("whole_batch")
        except (KeyError, LookupError, ValueError):
            batch_definition = asset.add_batch_definition_whole_dataframe("whole_batch")
        suite = context.suites.add_or_update(
            gx.ExpectationSuite(**json.loads((EXPECTATIONS_DIR / f"{table.name}.json").read_text()))
        )
        return context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"validate_{table.name}", data=batch_definition, suite=suite)
        )

    def validate(
        self,
        table: RawTable,
        family: str,
        batch: pd.DataFrame,
        today: date | None = None,
        verdicts: pd.Series | None = None,
    ) -> ValidationReport:
        """Run the table's suite over the batch; 'today' anchors the future-date and staleness checks;
        `verdicts` are the plausibility findings against raw's history (orchestration/ingest/plausibility.py)."""
        if batch.empty:  # no row to check (a backfill window without an auction or a filing): nothing fails
            return ValidationReport(table.qualified, 0)
        started = time.perf_counter()
        # the staleness check's bound is the source's deadline on the NYSE calendar (orchestration/ingest/freshness.py)
        now = (
            datetime.combine(today, dt_time(23, 59), ZoneInfo(NEW_YORK)) if today else datetime.now(ZoneInfo(NEW_YORK))
        )
        today = now.date()
        frame = prepare_frame(table, batch, verdicts)
        definition = self._validation_definition(table)
        key_columns = list(table.key)
        outcome = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters={
                "today": pd.Timestamp(today),
                "today_day_number": (pd.Timestamp(today) - _EPOCH).days,
                "fresh_since": pd.Timestamp(deadlines()[family].due_date(now)),
            },
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": key_columns + ORIGIN_COLUMNS,
                "partial_unexpected_count": _EXAMPLES,
            },
        )
        report = ValidationReport(table.qualified, len(batch))
        for result in outcome.results:
            if result.success:
                continue
            config = result.expectation_config
            exception = (result.exception_info or {}).get("exception_message") if result.exception_info else None
            examples = _examples(result.result or {}, key_columns) or ((f"error: {exception}",) if exception else ())
            observed = (result.result or {}).get("observed_value")
            if (config.meta or {}).get("check") == STALENESS_CHECK and observed is not None:
                examples = (lateness(family, pd.Timestamp(observed).date(), now),)
            report.failures.append(
                Failure(
                    check=(config.meta or {}).get("check", config.type),
                    expectation=config.type,
                    column=config.kwargs.get("column")
                    or (
                        f"{config.kwargs['column_A']}>={config.kwargs['column_B']}"
                        if "column_A" in config.kwargs
                        else None
                    ),
                    severity="error" if blocks(config.severity) else "warn",
                    unexpected_count=(result.result or {}).get("unexpected_count"),
                    examples=examples,
                    why=(config.meta or {}).get("why", ""),
                )
            )
        report.seconds = time.perf_counter() - started
        return report


def build_data_docs(gx_root: Path):
    """Render GX Data Docs for the validations stored under gx_root, readable offline (ingest/data_docs.py)."""
    from orchestration.ingest.data_docs import finish_site

    gate = ValidationGate(gx_root)
    gate.context.build_data_docs()
    if not (gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").exists():
        raise FileNotFoundError(f"no Data Docs were written under {gx_root}")
    return finish_site(gx_root / "gx")
