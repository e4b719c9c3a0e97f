"""The code location served the way a deployment serves it: a gRPC code server, and the daemon reading it."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from orchestration.defs.instance import ensure_dagster_home
from orchestration.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(home: Path) -> dict[str, str]:
    return {"PATH": f"{BIN}:/usr/bin:/bin", "DAGSTER_HOME": str(home), "HOME": str(home), "LANG": "C.UTF-8"}


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it is still up a minute later (a gRPC server on a loaded machine can take longer to
    drain; what the tests assert is done by then)."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def test_a_grpc_code_server_serves_the_jobs_and_the_daemon_runs_the_schedule_and_sensors(tmp_path):
    home = ensure_dagster_home(tmp_path / "home")
    port = _free_port()
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        f"load_from:\n  - grpc_server:\n      host: 127.0.0.1\n      port: {port}\n      location_name: stresswatch\n"
    )
    server = subprocess.Popen(
        [str(BIN / "dagster"), "api", "grpc", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    daemon = None
    try:
        deadline = time.monotonic() + 120
        while (
            subprocess.run(
                [str(BIN / "dagster"), "api", "grpc-health-check", "-p", str(port)], env=_env(home), capture_output=True
            ).returncode
            != 0
        ):
            assert server.poll() is None and time.monotonic() < deadline, "the code server did not come up"
            time.sleep(1)
        listed = subprocess.run(
            [str(BIN / "dagster"), "schedule", "list", "-w", str(workspace)],
            cwd=tmp_path,
            env=_env(home),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert listed.returncode == 0, listed.stderr[-2000:]
        assert "stresswatch_daily_after_close" in listed.stdout

        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)],
            cwd=tmp_path,
            env=_env(home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        instance = dg.DagsterInstance.from_config(str(home))
        wanted = {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR"}
        while not wanted <= set(instance.get_daemon_heartbeats()):
            assert daemon.poll() is None and time.monotonic() < deadline + 60, instance.get_daemon_heartbeats()
            time.sleep(1)
    finally:
        for process in (daemon, server):
            if process is not None:
                stop(process)


def test_dagster_dev_serves_the_ui_with_the_schedule_running_and_the_failure_sensor(tmp_path):
    """`make dev`'s command: the UI, its code server and the daemon, on a persistent instance."""
    import json
    import os
    import signal
    import urllib.request

    home = ensure_dagster_home(tmp_path / "home")
    port = _free_port()
    dev = subprocess.Popen(
        [str(BIN / "dagster"), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    query = json.dumps(
        {
            "query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { "
            "schedules { name scheduleState { status } } sensors { name } } } } }"
        }
    ).encode()
    try:
        deadline, answer = time.monotonic() + 180, None
        while answer is None:
            assert dev.poll() is None and time.monotonic() < deadline, "dagster dev did not serve the location"
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    nodes = json.loads(response.read())["data"]["repositoriesOrError"].get("nodes")
                answer = nodes or None
            except OSError:
                pass
            if answer is None:
                time.sleep(1)
        [location] = answer
        assert location["schedules"] == [
            {"name": "stresswatch_daily_after_close", "scheduleState": {"status": "RUNNING"}}
        ]
        assert {sensor["name"] for sensor in location["sensors"]} == {"run_failure_alerts"}
    finally:
        os.killpg(dev.pid, signal.SIGTERM)  # dagster dev, its webserver, code server and daemon
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
