"""The instance's event log: Dagster's SQLite files written with connections kept open, read back by Dagster's own
SQLite storage (the UI or daemon of a home whose dagster.yaml predates it), with a bounded number of files open."""

import os
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.defs.event_log import OPEN_DATABASES, KeptOpenSqliteEventLogStorage
from tests.conftest import dagster_instance


@dg.asset
def evening_number() -> int:
    """A stand-in asset: what is stored is Dagster's events about it, the same for any asset."""
    return 42


def open_event_databases(runs_dir: Path) -> set[str]:
    """The event-log databases this process holds open (its file descriptors)."""
    names = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(runs_dir)) and target.endswith(".db"):
            names.add(Path(target).name)
    return names


def test_a_run_stored_with_connections_kept_open_reads_the_same_through_dagsters_own_storage(tmp_path):
    instance = dagster_instance(tmp_path / "home")
    assert isinstance(instance.event_log_storage, KeptOpenSqliteEventLogStorage)
    result = dg.materialize([evening_number], instance=instance)
    assert result.success
    written = instance.all_logs(result.run_id)
    assert any(event.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION for event in written)

    dagsters_own = SqliteEventLogStorage(str(tmp_path / "home" / "history" / "runs"))
    assert [event.message for event in dagsters_own.get_logs_for_run(result.run_id)] == [
        event.message for event in written
    ]
    latest = dagsters_own.get_latest_materialization_events([dg.AssetKey("evening_number")])
    assert latest[dg.AssetKey("evening_number")].run_id == result.run_id
    instance.dispose()


def test_a_long_lived_process_keeps_only_the_newest_databases_open_and_closes_them_on_dispose(tmp_path):
    runs_dir = tmp_path / "home" / "history" / "runs"
    instance = dagster_instance(tmp_path / "home")
    runs = [dg.materialize([evening_number], instance=instance).run_id for _ in range(OPEN_DATABASES + 3)]
    held = open_event_databases(runs_dir)
    assert f"{runs[-1]}.db" in held and f"{runs[0]}.db" not in held
    assert len(held) <= OPEN_DATABASES
    instance.dispose()
    assert open_event_databases(runs_dir) == set()


def test_event_databases_commit_without_waiting_for_the_disk_and_only_known_tables_are_remembered(tmp_path):
    instance = dagster_instance(tmp_path / "home")
    storage = instance.event_log_storage
    result = dg.materialize([evening_number], instance=instance)
    with storage._connect(result.run_id) as conn:  # the run's own database, as the run wrote it
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL: consistent, no fsync per commit

    assert storage.has_table("asset_check_executions")
    assert not storage.has_table("tonights_table")  # a missing table is asked again, not remembered as missing
    with storage._connect("index") as conn:
        conn.exec_driver_sql("create table tonights_table (id integer)")
    assert storage.has_table("tonights_table")
    instance.dispose()
