"""One writer per warehouse: a second run while one is writing is refused, and readers never notice."""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.writer_lock import WarehouseBusyError, WriterLock, lock_path_for
from orchestration.settings import PROJECT_ROOT, build_path_for
from tests.conftest import assert_same_marts, copy_warehouse, dagster_instance, execute_daily, failure_of


def _build_info_runs(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {run_id for (run_id,) in con.execute("select distinct run_id from marts.build_info").fetchall()}


def test_a_second_run_is_refused_while_one_writes_and_the_published_file_stays_whole(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    published_before = _build_info_runs(db)
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps({"resources": {"warehouse": {"config": {"db_path": str(db)}}}}))
    holder = lock_path_for(db).with_name(lock_path_for(db).name + ".holder.json")
    dagster = Path(sys.executable).with_name("dagster")
    (tmp_path / "home_a").mkdir()
    first = subprocess.Popen(
        [
            str(dagster),
            "job",
            "execute",
            "-m",
            "orchestration.definitions",
            "-j",
            "stresswatch_daily",
            "-c",
            str(config),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            "PATH": f"{dagster.parent}:/usr/bin:/bin",
            "DAGSTER_HOME": str(tmp_path / "home_a"),
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
        },
    )
    try:
        deadline = time.monotonic() + 120
        while not holder.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert holder.exists(), f"the first run never took the writer lock: {first.poll()}"
        first_run_id = json.loads(holder.read_text())["run_id"]

        second = execute_daily(dagster_instance(tmp_path / "home_b"), db)  # the same warehouse, meanwhile

        assert not second.success
        reason = failure_of(second)
        assert re.search(
            rf"another run is building {re.escape(str(build_path_for(db)))} since "
            rf"\d{{4}}-\d\d-\d\dT[\d:]+\+00:00 \(run {first_run_id}, pid \d+\)",
            reason,
        ), reason
        assert "changed nothing" in reason
        assert _build_info_runs(db) == published_before  # readers still open the last published run, whole
        output, _ = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, output[-3000:]
    assert _build_info_runs(db) == {first_run_id}  # the first run published; the refused one wrote nothing
    assert_same_marts(db, sample_warehouse)
    assert not holder.exists()  # released at the end of the run


def test_the_lock_is_released_when_its_holder_dies(tmp_path):
    db = tmp_path / "w.duckdb"
    script = (
        f"from orchestration.publish.writer_lock import WriterLock; from pathlib import Path; import os; "
        f"WriterLock(Path({str(db)!r}), 'doomed').acquire(); os._exit(0)"
    )  # no release: a killed run
    subprocess.run([sys.executable, "-c", script], check=True, cwd=PROJECT_ROOT)
    lock = WriterLock(db, "next").acquire()  # the kernel dropped the dead process's lock
    lock.release()


def test_a_waiting_run_names_the_holder_after_its_wait(tmp_path):
    db = tmp_path / "w.duckdb"
    held = WriterLock(db, "run-a").acquire()
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusyError, match=r"another run is building .*w\.build\.duckdb since .*run run-a"):
            WriterLock(db, "run-b").acquire(wait_seconds=0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        held.release()
