"""The Spark engine end to end on the bundled sample: every mart built by dbt on a local Spark session, the dbt unit
tests passing there, parity with the DuckDB marts, and the validation gate holding for Spark too."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from orchestration.publish.engine_parity import compare_engines, mart_keys
from orchestration.publish.publishing import build_path_for
from orchestration.publish.spark_engine import publish_spark_build, spark_link_for, spark_runs_dir_for
from orchestration.settings import DBT_PROJECT_DIR
from tests.conftest import copy_warehouse, run_cli
from tests.test_validation_gate import edit_csv_line, set_field, spy


def tree_snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under a folder (through a symlink) with its size and modification time."""
    root = folder.resolve()
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


@pytest.fixture(scope="module")
def spark_run(sample_warehouse, tmp_path_factory) -> tuple[Path, str]:
    """One Spark run over a copy of the DuckDB-built sample warehouse (the same validated raw data)."""
    import contextlib
    import io

    db = copy_warehouse(sample_warehouse, tmp_path_factory.mktemp("spark") / "stresswatch.duckdb")
    published_bytes = db.read_bytes()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        # --verbose: dbt's line per node, which the unit-test check below reads
        code = run_cli("run", "--engine", "spark", "--db", str(db), "--verbose")
    assert code == 0, output.getvalue()[-3000:]
    assert db.read_bytes() == published_bytes  # the DuckDB warehouse is not the Spark run's to publish
    return db, output.getvalue()


def test_every_mart_builds_on_spark_and_matches_duckdb(spark_run):
    db, _ = spark_run
    spark_dir = spark_link_for(db)
    assert spark_dir.is_symlink() and spark_dir.resolve().parent == spark_runs_dir_for(db)
    results = compare_engines(db, spark_dir)
    assert {r.mart for r in results} == set(mart_keys()) and len(results) == 14
    for result in results:
        assert result.rows_spark > 0, result.mart
        assert result.rows_spark == result.rows_duckdb, result.mart
        assert (result.only_duckdb, result.only_spark, result.differing_values) == (0, 0, 0), result.problems
        assert result.problems == []
    assert not build_path_for(db).exists()  # the load-and-validate copy is gone once the marts are published


def test_compare_engines_command_reports_a_match(spark_run, capsys):
    db, _ = spark_run
    assert run_cli("compare-engines", "--db", str(db)) == 0
    out = capsys.readouterr().out
    assert f"The engines match: {len(mart_keys())} of {len(mart_keys())} marts identical" in out


def test_the_dbt_unit_tests_pass_on_spark(spark_run):
    _, output = spark_run
    declared = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts__unit_tests.yml").read_text())
    names = {test["name"] for test in declared["unit_tests"]}
    passed = set(re.findall(r"PASS \S+::(\S+)", output))
    assert passed == names
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=0 SKIP=0", output)
    assert "target='spark'" in output


def test_the_parquet_marts_open_in_duckdb_without_spark(spark_run):
    import duckdb

    db, _ = spark_run
    marts = spark_link_for(db) / "marts"
    with duckdb.connect() as con:
        regime, stress_index = con.execute(
            f"select regime, stress_index from read_parquet('{marts}/fct_market_stress_daily/*.parquet') "
            "where stress_index is not null order by obs_date desc limit 1"
        ).fetchone()
    with duckdb.connect(str(db), read_only=True) as con:
        expected = con.execute(
            "select regime, stress_index from marts.fct_market_stress_daily "
            "where stress_index is not null order by obs_date desc limit 1"
        ).fetchone()
    assert (regime, stress_index) == expected


def test_a_validation_failure_on_spark_writes_nothing_under_warehouse_spark(spark_run, sample_copy, capsys):
    db, _ = spark_run
    link = spark_link_for(db)
    target_before = os.readlink(link)
    files_before = tree_snapshot(link)
    runs_before = sorted(path.name for path in spark_runs_dir_for(db).iterdir())
    edit_csv_line(spy(sample_copy), "2025-12-30", set_field(4, "-1.0"))  # a negative close

    assert run_cli("run", "--engine", "spark", "--db", str(db), "--data-dir", str(sample_copy)) == 1

    captured = capsys.readouterr()
    assert "prices: quarantined" in captured.err and "close_positive" in captured.err
    assert f"Nothing was published: {link} is unchanged" in captured.out
    assert os.readlink(link) == target_before
    assert tree_snapshot(link) == files_before
    assert sorted(path.name for path in spark_runs_dir_for(db).iterdir()) == runs_before


def make_run(runs: Path, name: str) -> Path:
    run = runs / name
    (run / "marts" / "m").mkdir(parents=True)
    (run / "marts" / "m" / "part-0.parquet").write_text(name)
    return run


def test_publishing_switches_the_link_and_keeps_only_the_previous_run(tmp_path):
    runs, link = tmp_path / "spark-runs", tmp_path / "spark"
    for name in ("first", "second", "third"):
        publish_spark_build(make_run(runs, name), link)
        assert (link / "marts" / "m" / "part-0.parquet").read_text() == name
    assert os.readlink(link) == os.path.join("spark-runs", "third")  # relative: the folder can move
    assert sorted(path.name for path in runs.iterdir()) == ["second", "third"]


def test_publishing_refuses_to_replace_a_real_directory(tmp_path):
    (tmp_path / "spark").mkdir()
    with pytest.raises(RuntimeError, match="real directory"):
        publish_spark_build(make_run(tmp_path / "spark-runs", "first"), tmp_path / "spark")
