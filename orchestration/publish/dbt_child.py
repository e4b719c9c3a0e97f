"""`stresswatch-dbt`: the dbt a run starts, bound to that run: when the run's process dies, even by `kill -9`, the
kernel sends dbt SIGTERM (Linux `prctl(PR_SET_PDEATHSIG)`, kept across the exec), so no build outlives its run.
dbt itself runs in its own environment's interpreter (publish/dbt_env.py)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from orchestration.publish.dbt_env import DbtNotInstalledError, dbt_core_version, dbt_python

_PR_SET_PDEATHSIG = 1
# dbt's interpreter lives for one command: what its imports made (two thirds of its objects) stays out of the
# collector's full passes, and at the end everything does, so the interpreter's exit does not walk dbt's objects
# once more in a last collection (together about 0.7 s of every dbt step)
DBT_MAIN = """
import gc
from dbt.cli.main import cli
gc.freeze()
try:
    cli()
finally:
    gc.freeze()
"""


def bind_to_parent() -> None:
    """Ask the kernel for SIGTERM when the parent process dies; refuse to start if it is already gone."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the run died between our start and the prctl
        sys.exit("stresswatch-dbt: the run that started dbt is gone; not starting")


def main() -> None:
    try:
        python = dbt_python()
    except DbtNotInstalledError as error:
        sys.exit(f"stresswatch-dbt: {error}")
    if sys.argv[1:] == ["--version"]:
        # dagster-dbt asks the executable's version before every run; dbt's own answer also asks PyPI for the latest
        # release (a network call and about 2 s), so the installed package answers, in dbt's format
        print(f"Core:\n  - installed: {dbt_core_version(python)}")
        return
    bind_to_parent()
    # dbt's own entry point in dbt's interpreter: no `dbt` script needs to sit beside it
    os.execv(python, [python, "-c", DBT_MAIN, *sys.argv[1:]])


if __name__ == "__main__":
    main()
