"""The next run's build, copied after a publish: taken only while it is a copy of the published file as it is."""

import json
import shutil
import threading
import time

import dagster as dg
import duckdb
from filelock import FileLock

from orchestration.publish.next_build import (
    copier_lock_path,
    copy_next_build,
    identity,
    next_build_path,
    take_next_build,
    wait_for_copier,
)
from orchestration.publish.publishing import prepare_build, publish
from orchestration.settings import retired_path_for
from tests.conftest import copy_warehouse, dagster_instance, execute_daily, failure_of

PREPARED = "the copy prepared after the last publish"
COPIED = "copied from the published warehouse"


def _started_from(instance, run_id: str) -> str:
    record = instance.get_latest_materialization_event(dg.AssetKey("build_database"))
    assert record.run_id == run_id
    return record.asset_materialization.metadata["started_from"].value


def test_a_published_run_leaves_the_next_build_ready_and_the_next_run_starts_from_it(sample_warehouse, tmp_path):
    instance = dagster_instance(tmp_path / "home")
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    first = execute_daily(instance, db)
    assert first.success, failure_of(first)
    assert _started_from(instance, first.run_id) == COPIED  # nothing was prepared before the first run
    assert wait_for_copier(db, timeout=120)
    assert next_build_path(db).read_bytes() == db.read_bytes()  # the copier ran after the run had published
    assert not retired_path_for(db).exists()  # and freed the file the publish replaced

    second = execute_daily(instance, db)
    assert second.success, failure_of(second)
    assert _started_from(instance, second.run_id) == PREPARED
    assert wait_for_copier(db, timeout=120)
    assert next_build_path(db).read_bytes() == db.read_bytes()  # and again for the evening after


def _changed(db, how: str) -> None:
    if how == "replaced":  # another build renamed over it: a new file
        other = db.with_name("other.duckdb")
        shutil.copyfile(db, other)
        with duckdb.connect(str(other)) as con:
            con.execute("create table marts.newer as select 1 as x")
        other.replace(db)
    else:  # written where it lies
        with duckdb.connect(str(db)) as con:
            con.execute("create table marts.newer as select 1 as x")


def test_a_next_build_of_an_earlier_published_file_is_never_taken(sample_warehouse, tmp_path):
    for how in ("replaced", "written in place"):
        folder = tmp_path / how.replace(" ", "_")
        folder.mkdir()
        db = copy_warehouse(sample_warehouse, folder / "w.duckdb")
        assert copy_next_build(db)
        _changed(db, how)

        build, began = prepare_build(db)

        assert began == COPIED, how
        assert build.read_bytes() == db.read_bytes(), how  # tonight's published file, not last night's
        assert not next_build_path(db).exists()


def test_a_copier_that_died_mid_copy_leaves_nothing_the_next_run_takes(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    spare = next_build_path(db)
    half = spare.with_name(spare.name + ".copying")
    half.write_bytes(db.read_bytes()[: db.stat().st_size // 2])  # killed before its rename

    build, began = prepare_build(db)

    assert began == COPIED
    assert build.read_bytes() == db.read_bytes()
    assert not half.exists()  # the half copy does not stay on the disk


def test_a_run_starting_while_the_copier_writes_waits_for_it_rather_than_copying_again(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    spare = next_build_path(db)
    began = {}
    with FileLock(str(copier_lock_path(spare))):  # the copier at work
        starting = threading.Thread(target=lambda: began.update(zip(("build", "how"), prepare_build(db))))
        starting.start()
        time.sleep(1.0)
        assert starting.is_alive()  # waiting for the copier, not copying for itself
        shutil.copyfile(db, spare)  # the copier finishes: its copy, then what it copied
        spare.with_name(spare.name + ".json").write_text(json.dumps(identity(db)))
    starting.join(timeout=60)
    assert began["how"] == PREPARED
    assert began["build"].read_bytes() == db.read_bytes()


def test_take_next_build_moves_the_copy_once(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    assert copy_next_build(db)
    assert take_next_build(db, tmp_path / "first.duckdb")
    assert not take_next_build(db, tmp_path / "second.duckdb")  # a copy is one run's build, not two runs'


def test_publish_keeps_the_replaced_file_by_a_second_name_for_the_copier_to_free(sample_warehouse, tmp_path):
    db = copy_warehouse(sample_warehouse, tmp_path / "w.duckdb")
    before = db.read_bytes()
    build, _ = prepare_build(db)
    with duckdb.connect(str(build)) as con:
        con.execute("create table marts.newer as select 1 as x")

    publish(build, db)  # the rename does not wait for gigabytes to be freed

    assert retired_path_for(db).read_bytes() == before
    assert db.read_bytes() != before
