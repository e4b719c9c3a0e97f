"""The persistent Dagster instance every entry point shares: `stresswatch run`, `dagster dev`, the daemon.

Its home is $DAGSTER_HOME when set, else `.dagster/` beside the warehouse (warehouse/.dagster for the default one), so
a run started from the CLI appears in the UI with its materializations and check results.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import dagster as dg

from orchestration.settings import DEFAULT_DB_PATH

WRITER_TAG = "stresswatch/writer"  # every job that writes the warehouse carries it; the run queue runs one at a time

# Runs launched by the schedule, the UI or a backfill queue behind a run holding the warehouse (tag limit 1) instead
# of failing on the writer lock. Telemetry off: no network at run time. The event log is Dagster's SQLite one with
# its connections kept open (defs/event_log.py), in the folder Dagster's default would use.
DAGSTER_YAML = """\
# Written by StressWatch (orchestration/defs/instance.py); edit freely, it is not overwritten.
run_queue:
  max_concurrent_runs: 4
  tag_concurrency_limits:
    - key: "{writer_tag}"
      limit: 1
event_log_storage:
  module: orchestration.defs.event_log
  class: KeptOpenSqliteEventLogStorage
  config:
    base_dir: {runs_dir}
telemetry:
  enabled: false
"""


def dagster_home_for(db_path: Path) -> Path:
    """$DAGSTER_HOME, else .dagster beside the warehouse."""
    return Path(os.environ.get("DAGSTER_HOME") or db_path.parent / ".dagster").resolve()


def ensure_dagster_home(home: Path) -> Path:
    """Create the instance folder and its dagster.yaml (run queue limits, event log, no telemetry) when missing."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        runs_dir = json.dumps(str(home.resolve() / "history" / "runs"))  # a JSON string is a YAML string: any path
        config.write_text(DAGSTER_YAML.format(writer_tag=WRITER_TAG, runs_dir=runs_dir))
    return home


def persistent_instance(db_path: Path) -> dg.DagsterInstance:
    """The instance whose run history the UI shows for this warehouse."""
    return dg.DagsterInstance.from_config(str(ensure_dagster_home(dagster_home_for(db_path))))


if (
    __name__ == "__main__"
):  # `python -m orchestration.defs.instance [HOME]`: prepare a home for `dagster dev` / the daemon
    print(ensure_dagster_home(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else dagster_home_for(DEFAULT_DB_PATH)))
