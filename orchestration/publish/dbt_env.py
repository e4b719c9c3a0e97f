"""Where dbt runs: the Python environment holding dbt-core and its adapters, apart from the Dagster process's.

dagster-dbt only starts dbt as a subprocess; installed beside Dagster, dbt-core is still imported by dagster-dbt at
start-up (about 1 s of every run and every code-server start) and its pins meet Dagster's. So `make install` keeps
dbt in an environment of its own, `.venv/dbt` (DBT_ENV_DIR beside the interpreter's environment), with the duckdb
this environment has. Which interpreter runs dbt, first found: the `STRESSWATCH_DBT_PYTHON` setting, that
environment, or this interpreter when dbt is installed in it (`pip install 'stresswatch[dbt]'`).

`python -m orchestration.publish.dbt_env requirements dbt spark` prints the requirements of those pyproject extras
(the one home of dbt's pins) for the install step.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DBT_ENV_DIR = "dbt"  # .venv/dbt: inside the project's environment, so removing .venv removes both
DBT_PYTHON_SETTING = "STRESSWATCH_DBT_PYTHON"


class DbtNotInstalledError(RuntimeError):
    pass


def dbt_env_python(prefix: Path | None = None) -> Path:
    """The interpreter of the dbt environment beside this one (which may not exist)."""
    return Path(prefix or sys.prefix) / DBT_ENV_DIR / "bin" / "python"


def dbt_python(environ: dict[str, str] | None = None) -> str:
    """The interpreter that runs dbt, or an error saying how to install dbt."""
    configured = (os.environ if environ is None else environ).get(DBT_PYTHON_SETTING)
    if configured:
        if not Path(configured).is_file():
            raise DbtNotInstalledError(f"{DBT_PYTHON_SETTING}={configured}: no such interpreter")
        return configured
    beside = dbt_env_python()
    if beside.is_file():
        return str(beside)
    if dbt_core_version() is not None:  # the `dbt` extra installed here
        return sys.executable
    raise DbtNotInstalledError(
        f"dbt is not installed: `make install` puts it in {beside.parent.parent}; or pip install 'stresswatch[dbt]' "
        f"here; or set {DBT_PYTHON_SETTING} to the Python of an environment that has dbt-core and dbt-duckdb"
    )


def dbt_core_version(python: str | None = None) -> str | None:
    """The dbt-core release installed for an interpreter (this one by default), from its package metadata."""
    if python is None or python == sys.executable:
        try:
            return version("dbt-core")
        except PackageNotFoundError:
            return None
    answer = subprocess.run(
        [python, "-c", "from importlib.metadata import version; print(version('dbt-core'))"],
        capture_output=True,
        text=True,
    )
    return answer.stdout.strip() if answer.returncode == 0 else None


def extra_requirements(extras: list[str], pyproject: Path) -> list[str]:
    """The requirements of the named extras, a reference to another extra of the project expanded in place."""
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = project["optional-dependencies"]
    prefix = f"{project['name']}["
    requirements: list[str] = []
    for extra in extras:
        for requirement in declared[extra]:
            if requirement.startswith(prefix):
                nested = requirement[len(prefix) : requirement.index("]")].split(",")
                requirements += extra_requirements([name.strip() for name in nested], pyproject)
            else:
                requirements.append(requirement)
    return list(dict.fromkeys(requirements))


if __name__ == "__main__":  # the install step: python -m orchestration.publish.dbt_env requirements dbt spark
    if sys.argv[1:2] != ["requirements"] or len(sys.argv) < 3:
        sys.exit("usage: python -m orchestration.publish.dbt_env requirements EXTRA [EXTRA ...]")
    print("\n".join(extra_requirements(sys.argv[2:], Path(__file__).resolve().parents[2] / "pyproject.toml")))
