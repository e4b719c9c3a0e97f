"""A terse Dagster logger for the terminal: step starts and ends, our own messages, and each dbt model built."""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg


class _ProgressHandler(logging.Handler):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.started = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = (meta.get("step_key") or "").replace("__", ".")
        line = None
        if event is None:
            if record.levelno >= logging.INFO and step:
                line = f"  {step}: {meta.get('orig_message', record.getMessage())}"
        elif event.event_type_value == "STEP_START":
            line = f"> {step}"
        elif event.event_type_value == "STEP_SUCCESS":
            line = f"  {step} done"
        elif event.event_type_value == "STEP_FAILURE":
            line = f"! {step} failed"
        elif event.event_type_value == "ASSET_MATERIALIZATION" and step.startswith("stresswatch_dbt"):
            line = f"  dbt built {event.asset_key.to_user_string()}"
        if line:
            self.stream.write(f"[{time.perf_counter() - self.started:6.1f}s] {line}\n")
            self.stream.flush()


@dg.logger(description="Step-level progress on stdout, for the stresswatch CLI.")
def progress_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("stresswatch.progress")
    logger.setLevel(logging.INFO)
    logger.handlers = [_ProgressHandler(sys.stdout)]
    logger.propagate = False
    return logger
