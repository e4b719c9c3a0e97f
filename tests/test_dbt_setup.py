"""How the pipeline invokes dbt: no network call, no re-parse a previous run already did, no unbounded target folder."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from orchestration.defs.dbt_setup import dbt_resource, keep_partial_parse, prune_run_targets
from orchestration.publish.dbt_env import DBT_PYTHON_SETTING, dbt_env_python, extra_requirements
from orchestration.settings import PROJECT_ROOT


def _installed(python: Path, package: str) -> str:
    """A package's release in another interpreter's environment, asked of that interpreter."""
    return subprocess.run(
        [python, "-c", f"from importlib.metadata import version; print(version({package!r}))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_dbt_executable_answers_its_version_without_asking_pypi():
    # dagster-dbt runs `<dbt_executable> --version` before every run; dbt's own answer fetches the latest releases
    # from pypi.org. Ours answers from the installed package, with every proxy pointing at a closed port
    resource = dbt_resource()
    assert Path(resource.dbt_executable).name == "stresswatch-dbt"
    dead = "http://127.0.0.1:9"
    done = subprocess.run(
        [resource.dbt_executable, "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "https_proxy": dead, "http_proxy": dead},
    )
    assert done.stdout == f"Core:\n  - installed: {_installed(dbt_env_python(), 'dbt-core')}\n"
    assert resource._initialize_dbt_core_adapter(["build"]) is None  # no in-process adapter: nothing reads it


def test_the_dagster_process_never_imports_dbt_which_runs_in_its_own_environment():
    # installed beside Dagster, dbt-core is imported by dagster-dbt at start-up: about 1 s of every run and every
    # code-server start, for nothing the process uses (dbt runs as a subprocess)
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, orchestration.definitions; print(sorted(m for m in sys.modules if "
            "m.split('.')[0] in ('dbt', 'dbt_common')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"
    # both environments open the same warehouse file: the same DuckDB release in each
    assert _installed(dbt_env_python(), "duckdb") == version("duckdb")


def test_dbt_runs_where_the_setting_says_and_a_missing_interpreter_is_named(tmp_path):
    missing = tmp_path / "no-such-env" / "bin" / "python"
    done = subprocess.run(
        [dbt_resource().dbt_executable, "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, DBT_PYTHON_SETTING: str(missing)},
    )
    assert done.returncode != 0
    assert f"{DBT_PYTHON_SETTING}={missing}: no such interpreter" in done.stderr


def _dbt_python_found(prefix: Path, pythonpath: str = "") -> subprocess.CompletedProcess:
    """dbt_python() as a process whose environment sits at `prefix` sees it, with no setting."""
    code = (
        "import sys; sys.prefix = sys.argv[1]; "
        "from orchestration.publish.dbt_env import dbt_python; print(dbt_python({}))"
    )
    env = {key: value for key, value in os.environ.items() if key != DBT_PYTHON_SETTING}
    env["PYTHONPATH"] = pythonpath
    return subprocess.run([sys.executable, "-c", code, str(prefix)], capture_output=True, text=True, env=env)


def test_without_its_own_environment_dbt_runs_beside_the_project_or_the_error_says_how_to_install_it(tmp_path):
    # `pip install 'stresswatch[dbt]'`: dbt-core in the project's own environment (here: the dbt env's packages on
    # the path) is found there
    packages = next((dbt_env_python().parents[1] / "lib").glob("python3*/site-packages"))
    beside = _dbt_python_found(tmp_path, str(packages))
    assert beside.returncode == 0 and beside.stdout.strip() == sys.executable
    # neither: an error naming the three ways
    nowhere = _dbt_python_found(tmp_path)
    assert nowhere.returncode != 0
    assert "dbt is not installed" in nowhere.stderr and DBT_PYTHON_SETTING in nowhere.stderr


def test_the_dbt_environments_requirements_expand_the_extras_they_name():
    spark = extra_requirements(["spark"], PROJECT_ROOT / "pyproject.toml")
    assert {name.split(">")[0].split("[")[0] for name in spark} == {"dbt-core", "dbt-duckdb", "pyspark", "dbt-spark"}
    assert not [name for name in spark if name.startswith("stresswatch")]  # never the project itself from PyPI


def test_the_last_runs_partial_parse_file_seeds_the_next_run(tmp_path):
    project_target, run_target = tmp_path / "target", tmp_path / "target" / "stresswatch_dbt_models-abc-123"
    run_target.mkdir(parents=True)
    (project_target / "partial_parse.msgpack").write_bytes(b"parsed with another warehouse path")
    (run_target / "partial_parse.msgpack").write_bytes(b"parsed with this run's profile")

    keep_partial_parse(run_target, project_target)

    assert (project_target / "partial_parse.msgpack").read_bytes() == b"parsed with this run's profile"
    assert sorted(path.name for path in project_target.iterdir()) == ["partial_parse.msgpack", run_target.name]


@pytest.mark.parametrize("runs", [3, 8])
def test_only_the_newest_run_target_folders_are_kept(tmp_path, runs):
    folders = []
    for age in range(runs):
        folder = tmp_path / f"stresswatch_dbt_models-run{age}-x"
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
        os.utime(folder, (1_000_000 - age * 60, 1_000_000 - age * 60))  # run0 is the newest
        folders.append(folder)
    other = tmp_path / "compiled"
    other.mkdir()

    removed = prune_run_targets("stresswatch_dbt_models", keep=5, project_target=tmp_path)

    assert removed == folders[5:]
    assert [folder.exists() for folder in folders] == [True] * min(runs, 5) + [False] * max(runs - 5, 0)
    assert other.exists()
