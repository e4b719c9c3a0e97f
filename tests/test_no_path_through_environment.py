"""Paths travel in the run's settings, never through the process environment (the bug that broke Dagster runs)."""

import re

from orchestration.settings import PROJECT_ROOT

# an assignment to os.environ (item, update, setdefault, putenv) or a test setting the warehouse path variable
WRITES = re.compile(
    r"os\.environ\[[^\]]+\]\s*=|os\.environ\.(update|setdefault)\(|os\.putenv\(|"
    r"setenv\(\s*[\"']STRESSWATCH_(DB|DATA_DIR|SPARK_DIR)"
)


def test_no_module_test_or_benchmark_writes_a_path_into_os_environ():
    offenders = []
    for folder in ("orchestration", "tests", "bench"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if path.name == "test_no_path_through_environment.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if WRITES.search(line):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_pattern_catches_the_old_bug():
    assert WRITES.search('    os.environ["STRESSWATCH_DB"] = str(warehouse.build_path())')
    assert WRITES.search("        os.environ.update(dbt_spark_environment(spark_build, master))")
    assert WRITES.search('    monkeypatch.setenv("STRESSWATCH_DB", str(db))')
    assert not WRITES.search('    db = os.environ.get("STRESSWATCH_DB")')
