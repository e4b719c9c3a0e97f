"""One writer per warehouse: a run holds an OS file lock beside the warehouse from its first step to its last.

The lock (`filelock`, an fcntl lock on POSIX) is released by the kernel when its process dies, so a killed run never
leaves the warehouse locked. A second run, from the CLI, the UI, the schedule or a backfill, waits up to its
`wait_seconds` and is then refused with the holder's run id: it never touches the build file of the run in progress.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from orchestration.settings import build_path_for


class WarehouseBusyError(RuntimeError):
    """Another run is writing this warehouse."""


def lock_path_for(warehouse: Path) -> Path:
    """warehouse/stresswatch.duckdb -> warehouse/stresswatch.writer.lock"""
    return warehouse.with_name(f"{warehouse.stem}.writer.lock")


def _holder_path(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".holder.json")


def describe_holder(lock_path: Path, build: Path) -> str:
    """'another run is building <build> since <time> (run <id>, pid <pid>)', as the holder wrote it (best effort:
    the holder may be finishing right now)."""
    try:
        holder = json.loads(_holder_path(lock_path).read_text())
    except (OSError, ValueError):
        return f"another run is building {build}"
    return (
        f"another run is building {build} since {holder.get('since')} "
        f"(run {holder.get('run_id')}, pid {holder.get('pid')})"
    )


class WriterLock:
    """Held by one run of one warehouse at a time."""

    def __init__(self, warehouse: Path, run_id: str):
        self.warehouse = warehouse
        self.lock_path = lock_path_for(warehouse)
        self.run_id = run_id
        self._lock = FileLock(str(self.lock_path))

    def acquire(self, wait_seconds: float = 0.0) -> WriterLock:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=wait_seconds)
        except Timeout:
            raise WarehouseBusyError(
                f"{describe_holder(self.lock_path, build_path_for(self.warehouse))}; run {self.run_id} did not "
                f"start (waited {wait_seconds:g} s) and changed nothing. Run it again when that run has finished."
            ) from None
        _holder_path(self.lock_path).write_text(
            json.dumps(
                {
                    "run_id": self.run_id,
                    "pid": os.getpid(),
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        return self

    def release(self) -> None:
        if self._lock.is_locked:
            _holder_path(self.lock_path).unlink(missing_ok=True)
            self._lock.release()
