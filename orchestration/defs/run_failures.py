"""Why a Dagster run failed, in one line: the failed step (or the run's start), the sources it names and the reason.

Read from the run's events, so the CLI, the tests and the failure sensor all say the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg


@dataclass(frozen=True)
class RunFailure:
    step: str  # the step that failed, "raw.treasury_auctions", or "run start" when none ran
    sources: tuple[str, ...]
    reason: str


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text and text.strip() else ""


def _innermost(error):
    """The error that says why, under Dagster's wrappers."""
    while error is not None and error.cause is not None:
        error = error.cause
    return error


def describe_failure(events: Iterable[dg.DagsterEvent]) -> RunFailure | None:
    """The first step failure (a user Failure's own description and metadata first), else a resource set-up failure,
    else the run failure's message; None when nothing failed."""
    events = list(events)
    for event in events:
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            user = data.user_failure_data
            metadata = {key: value.value for key, value in (user.metadata if user else {}).items()}
            error = _innermost(data.error)
            reason = user.description if user and user.description else _first_line(error.message) if error else ""
            steps = metadata.get("steps") or [event.step_key.replace("__", ".")]
            return RunFailure(", ".join(steps), tuple(metadata.get("sources") or ()), reason.strip())
    for wanted in (dg.DagsterEventType.RESOURCE_INIT_FAILURE, dg.DagsterEventType.RUN_FAILURE):
        for event in events:
            if event.event_type == wanted:
                error = _innermost(getattr(event.event_specific_data, "error", None))
                return RunFailure("run start", (), _first_line(error.message) if error else event.message or "")
    return None


def _failed_checks(events: Iterable[dg.DagsterEvent], check_name: str) -> list:
    return [
        event.event_specific_data
        for event in events
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and event.event_specific_data.check_name == check_name
        and not event.event_specific_data.passed
    ]


def blocked_loads(events: Iterable[dg.DagsterEvent]) -> list[str]:
    """'prices: quarantined: close_positive [...]' for each raw load the run could not commit (its failed
    `passes_expectations` check), read from the run's events: a failed run's build, with its load log, is gone."""
    return [check.description for check in _failed_checks(events, "passes_expectations") if check.description]


def load_warnings(events: Iterable[dg.DagsterEvent]) -> list[str]:
    """'prices: <warning described>' for each warning of the run's loads (their failed `no_warnings` checks)."""
    from orchestration.ingest.validation import describe_failure

    lines = []
    for check in _failed_checks(events, "no_warnings"):
        source = check.metadata["source"].value if "source" in check.metadata else check.asset_key.path[-1]
        lines += [f"{source}: {describe_failure(record)}" for record in json.loads(check.metadata["warnings"].value)]
    return lines
