"""Analysts' confirmations of real extremes (a crash, a split) that the plausibility rules would refuse:
`expectations/accepted_moves.csv`, written by `stresswatch run --accept`, read by every load."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from orchestration.ingest.source_specs import SOURCE_FAMILIES

ACCEPTED_COLUMNS = ["source", "entity", "date", "accepted_at", "reason"]


@dataclass(frozen=True)
class AcceptedMove:
    """An analyst's confirmation that a value beyond the rules is real (a crash, a split)."""

    source: str
    entity: str
    day: date

    @classmethod
    def parse(cls, text: str) -> AcceptedMove:
        """'prices:SPY@2020-03-16', 'fred:DGS10@1987-10-20', 'sec:1640147:USD@2024-04-30' (a company and unit)."""
        series, separator, day = text.rpartition("@")
        source, _, entity = series.partition(":")
        if not separator or not entity or source not in SOURCE_FAMILIES:
            raise ValueError(
                f"--accept {text!r}: expected SOURCE:ENTITY@YYYY-MM-DD with SOURCE one of "
                f"{list(SOURCE_FAMILIES)}, e.g. prices:SPY@2020-03-16"
            )
        try:
            return cls(source, entity, date.fromisoformat(day))
        except ValueError as exc:
            raise ValueError(f"--accept {text!r}: {day!r} is not a date YYYY-MM-DD") from exc


def read_accepted(path: Path) -> set[tuple[str, str, date]]:
    """The (source, entity, date) triples analysts confirmed; a missing file confirms nothing."""
    if not path.exists():
        return set()
    with path.open(newline="") as handle:
        return {(row["source"], row["entity"], date.fromisoformat(row["date"])) for row in csv.DictReader(handle)}


def write_accepted(path: Path, moves: list[AcceptedMove], reason: str) -> list[AcceptedMove]:
    """Append confirmations not yet in the file; returns the ones added."""
    known = read_accepted(path)
    added = [move for move in moves if (move.source, move.entity, move.day) not in known]
    if not added:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(ACCEPTED_COLUMNS)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        for move in added:
            writer.writerow([move.source, move.entity, move.day.isoformat(), stamp, reason])
    return added
