"""`pip install .` outside a clone: the wheel carries the dbt project, the suites and the sample, and `stresswatch run`
in an empty folder builds the sample warehouse there, writing nothing into the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import duckdb

from orchestration.publish.dbt_env import DBT_PYTHON_SETTING, dbt_env_python
from orchestration.settings import PROJECT_ROOT


def project_files() -> list[str]:
    """What a clone holds: tracked and new files, never build output, warehouses or caches (.gitignore)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in listed.stdout.splitlines() if (PROJECT_ROOT / name).is_file()]


def test_the_installed_wheel_builds_the_sample_warehouse_in_an_empty_folder(tmp_path):
    source, dist, venv, empty = (tmp_path / name for name in ("source", "dist", "venv", "empty"))
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    # no build isolation: setuptools comes from this environment, so building downloads nothing
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)], check=True)
    [wheel] = dist.glob("stresswatch-*.whl")

    # a fresh venv with the wheel alone; its dependencies are this environment's, reached through a .pth (a path
    # line only: this environment's editable install of the clone is not loaded there)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], check=True)

    empty.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STRESSWATCH_", "DAGSTER_"))}
    # dbt lives in its own environment (publish/dbt_env.py); a pip install names it with the setting
    env[DBT_PYTHON_SETTING] = str(dbt_env_python())
    done = subprocess.run([venv / "bin" / "stresswatch", "run"], cwd=empty, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    installed = site / "stresswatch_project"
    assert f"data {installed / 'sample'}, warehouse {empty / 'warehouse' / 'stresswatch.duckdb'}" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == f"Evening report: {empty / 'warehouse' / 'report' / 'index.html'}"

    with duckdb.connect(str(empty / "warehouse" / "stresswatch.duckdb"), read_only=True) as con:
        index = con.execute("select stress_index from marts.fct_market_stress_daily order by obs_date desc limit 1")
        assert round(index.fetchone()[0], 2) == -0.83  # the sample's last evening, as in a clone
    # dbt's manifest, run folders and log went beside the warehouse, not into the installed package
    assert (empty / "warehouse" / "dbt-target" / "manifest.json").is_file()
    assert not (installed / "dbt_project" / "target").exists() and not (installed / "dbt_project" / "logs").exists()
    assert not list(installed.glob("**/*.duckdb"))
    # what the MCP server tells agents about the marts: the README, which the wheel carries as its description
    table = subprocess.run(
        [python, "-c", "from orchestration.serve.mcp_server import mart_table; print(mart_table())"],
        cwd=empty,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "| `fct_market_stress_daily` |" in table
