"""The dbt project as Dagster sees it, and the explicit step that writes its manifest (never at import)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration.settings import DBT_LOG_DIR, DBT_PROJECT_DIR, DBT_TARGET_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=DBT_TARGET_DIR)
# The manifest is written by the install step (`make install` runs `python -m orchestration.defs.dbt_setup`); under
# `dagster dev` the code location rewrites it when a dbt file changed (below, with our offline `dbt parse`:
# dagster-dbt's own preparer runs `dbt --version`, which asks PyPI). Without it no entry point can load the location.


def require_manifest() -> Path:
    """The manifest the dbt assets are defined from, or an error saying how to write it."""
    if using_dagster_dev():
        prepare_manifest()
    if not dbt_project.manifest_path.exists():
        raise FileNotFoundError(
            f"{dbt_project.manifest_path} does not exist: prepare the dbt project once after cloning or editing it "
            "with `make install` (or `python -m orchestration.defs.dbt_setup`)"
        )
    return dbt_project.manifest_path


def dbt_executable() -> str:
    """The project's `stresswatch-dbt` next to this interpreter (dbt that dies with its run), else dbt itself."""
    for name in ("stresswatch-dbt", "dbt"):
        beside = Path(sys.executable).with_name(name)
        if beside.exists():
            return str(beside)
    return shutil.which("dbt") or "dbt"


class OfflineDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without the in-process dbt adapter it opens before every run (about 1 s), which it uses
    only to fetch row counts and column metadata this project does not ask for. dagster-dbt 0.29 has no public
    setting to skip it, so this one private method is overridden; a failure there is already optional to dagster-dbt
    (it logs a warning and runs dbt without the handle). The version check before each run goes to our own
    `stresswatch-dbt`, which answers `--version` without dbt's PyPI lookup (publish/dbt_child.py)."""

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return OfflineDbtCliResource(
        project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )


PARTIAL_PARSE_FILE = "partial_parse.msgpack"
RUN_TARGETS_KEPT = 5  # dagster-dbt writes ~5 MB of target files per run; the newest few are enough to debug


def project_target_dir() -> Path:
    return DBT_TARGET_DIR


def run_target_path(step: str, run_id: str) -> Path:
    """Where one run's dbt artifacts go: beside the manifest, one folder per run (pruned to the newest few)."""
    return DBT_TARGET_DIR / f"{step}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"


def dbt_log_args() -> list[str]:
    """dbt writes its log file here (the project folder may be an installed, read-only copy)."""
    return ["--log-path", str(DBT_LOG_DIR)]


def keep_partial_parse(run_target: Path, project_target: Path | None = None) -> None:
    """Seed the next run's parse with this run's partial-parse file.

    dagster-dbt copies target/partial_parse.msgpack into each run's own target directory, but dbt discards it when
    the profile differs from the one it was written with, and the profile holds the warehouse path: without this,
    every run against a warehouse other than the last parsed one re-parses the whole project (about 2 s).
    """
    written = (run_target if run_target.is_absolute() else DBT_PROJECT_DIR / run_target) / PARTIAL_PARSE_FILE
    if written.exists():
        kept = (project_target or project_target_dir()) / PARTIAL_PARSE_FILE
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f"{PARTIAL_PARSE_FILE}.{os.getpid()}.tmp")
        shutil.copyfile(written, partial)
        os.replace(partial, kept)  # a concurrent run reads the old file or the new one, never half of one


def prune_run_targets(prefix: str, keep: int = RUN_TARGETS_KEPT, project_target: Path | None = None) -> list[Path]:
    """Remove all but the newest `keep` per-run target directories whose name starts with `prefix`."""
    runs = sorted(
        (path for path in (project_target or project_target_dir()).glob(f"{prefix}-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for stale in runs[keep:]:
        shutil.rmtree(stale, ignore_errors=True)
    return runs[keep:]


def _newest_source_mtime() -> float:
    watched = [DBT_PROJECT_DIR / "dbt_project.yml", *DBT_PROJECT_DIR.glob("profiles.yml")]
    for folder in ("models", "macros", "seeds", "tests"):
        watched += [path for path in (DBT_PROJECT_DIR / folder).rglob("*") if path.is_file()]
    return max(path.stat().st_mtime for path in watched)


def prepare_manifest(force: bool = False) -> Path:
    """Run `dbt parse` when the manifest is missing or older than any model, macro, seed or test file."""
    manifest = dbt_project.manifest_path
    if force or not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        completed = subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(DBT_TARGET_DIR),
                *dbt_log_args(),
            ],
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        )
        if completed.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{completed.stdout}\n{completed.stderr}")
    return manifest


if __name__ == "__main__":  # the install step: `python -m orchestration.defs.dbt_setup` writes target/manifest.json
    print(prepare_manifest())
