"""A load's outcome: its result, the failures of its batches merged into one list, and their log records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date

from orchestration.ingest.freshness import STALENESS_CHECK
from orchestration.ingest.raw_tables import RawTable
from orchestration.ingest.validation import Failure, SplitsFailures, ValidationReport


class LoadError(RuntimeError):
    """A load that failed outside validation (a network error, a bug); raw is as it was before the attempt."""


@dataclass(frozen=True)
class LoadResult(SplitsFailures):
    family: str
    raw_table: str
    status: str  # loaded | quarantined | unreadable
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    window_start: date | None = None
    window_end: date | None = None
    seconds: float = 0.0
    validation_seconds: float = 0.0
    failures: tuple[Failure, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        return self.status != "loaded"

    def reason(self) -> str:
        """One line naming the source, the failed expectations and a few offending values."""
        return f"{self.family}: {self.status}: " + "; ".join(failure.describe() for failure in self.errors)


def records(failures: list[Failure]) -> str | None:
    return json.dumps([failure.as_record() for failure in failures]) if failures else None


SOURCE_NOTE_CHECK = "everything_fetched"  # the warning a load records for what its source could not bring
_MERGED_EXAMPLES = 5


def merge_reports(reports: list[ValidationReport]) -> list[Failure]:
    """The failures of a load's batches as one list: a failed check once, with its counts added up. Staleness
    concerns the newest row of the whole load, so it stands only when every batch was stale."""
    merged: dict[tuple[str, str | None], Failure] = {}
    for report in reports:
        for failure in report.failures:
            key = (failure.check, failure.column)
            if key in merged:
                earlier = merged[key]
                count = (earlier.unexpected_count or 0) + (failure.unexpected_count or 0)
                merged[key] = replace(
                    earlier,
                    unexpected_count=count or None,
                    examples=(earlier.examples + failure.examples)[:_MERGED_EXAMPLES],
                )
            else:
                merged[key] = failure
    stale_everywhere = {
        key
        for key in merged
        if key[0] == STALENESS_CHECK
        and all(any((f.check, f.column) == key for f in report.failures) for report in reports)
    }
    return [failure for key, failure in merged.items() if key[0] != STALENESS_CHECK or key in stale_everywhere]


def loaded_note(kept_known: int, rebased: list) -> str | None:
    """The load log's message for a successful load: what it did beyond the counts."""
    notes = [f"{kept_known} empty incoming value(s) left the value raw already held"] if kept_known else []
    if rebased:
        notes.append(f"re-based and loaded whole: {', '.join(rebase.describe() for rebase in rebased)}")
    return "; ".join(notes)[:2000] or None


def notes_report(table: RawTable, notes: list[str]) -> list[ValidationReport]:
    """What a source could not bring (a series it lacks, a response it cut short) as one warning, if any."""
    if not notes:
        return []
    note = Failure(SOURCE_NOTE_CHECK, "source note", table.entity_column, "warn", len(notes), tuple(notes[:10]))
    return [ValidationReport(table.qualified, 0, [note])]
