"""A terse Dagster logger for the terminal: step starts and ends, our own messages, and each dbt model built."""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

DBT_STEP_PREFIX = "stresswatch_dbt"
DBT_SUMMARY_PREFIX = "dbt build:"  # the dbt step's own summary line; dagster-dbt's INFO lines share its step


class _ProgressHandler(logging.Handler):
    def __init__(self, stream, verbose: bool):
        super().__init__()
        self.stream = stream
        self.verbose = verbose
        self.started = time.perf_counter()

    def _shown(self, record: logging.LogRecord, step: str) -> bool:
        """Quiet: our INFO lines and every warning; dagster-dbt's own INFO chatter and DEBUG detail only verbose."""
        if self.verbose or record.levelno >= logging.WARNING:
            return bool(step)
        if record.levelno < logging.INFO or not step:
            return False
        message = getattr(record, "dagster_meta", {}).get("orig_message", record.getMessage())
        return not step.startswith(DBT_STEP_PREFIX) or str(message).startswith(DBT_SUMMARY_PREFIX)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = (meta.get("step_key") or "").replace("__", ".")
        line = None
        if event is None:
            if self._shown(record, step):
                line = f"  {step}: {meta.get('orig_message', record.getMessage())}"
        elif event.event_type_value == "STEP_START" and self.verbose:
            line = f"> {step}"
        elif event.event_type_value == "STEP_SUCCESS" and self.verbose:
            line = f"  {step} done"
        elif event.event_type_value == "STEP_FAILURE":
            line = f"! {step} failed"
        elif event.event_type_value == "ASSET_MATERIALIZATION" and step.startswith(DBT_STEP_PREFIX) and self.verbose:
            line = f"  dbt built {event.asset_key.to_user_string()}"
        if line:
            self.stream.write(f"[{time.perf_counter() - self.started:6.1f}s] {line}\n")
            self.stream.flush()


@dg.logger(
    config_schema={"verbose": dg.Field(bool, default_value=False, description="also dbt's and Dagster's detail")},
    description="Step-level progress on stdout, for the stresswatch CLI.",
)
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    verbose = init_context.logger_config["verbose"]
    logger = logging.getLogger("stresswatch.progress")
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.handlers = [_ProgressHandler(sys.stdout, verbose)]
    logger.propagate = False
    if not verbose:
        logging.getLogger(PLAN_LOGGER).addFilter(_unrun_checks)
    return logger


# Dagster's planner warns, once per data test and downstream step, that a check emitted no result: what happens
# when the dbt build is skipped because nothing changed (its one line says so), so the quiet run does not repeat it
PLAN_LOGGER = "dagster._core.execution.plan.active"


def _unrun_checks(record: logging.LogRecord) -> bool:
    return "emitted no result" not in record.getMessage()
