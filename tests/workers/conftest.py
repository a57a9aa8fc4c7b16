"""Real `manage.py qcluster` processes on the test database, with the emulator in them."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database as a URL the worker processes can open."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def manage(tmp_path: Path, command: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run `manage.py COMMAND ARGS` as an operator would, on the test database, offline."""
    return subprocess.run(
        [sys.executable, "manage.py", command, *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "ANTHROPIC_API_KEY": "",
            "EIDATASET_DATA_DIR": str(tmp_path),
            "CLAUDE_SDK_MAX_RETRIES": "0",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


class Cluster:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup, as when a machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the sentinel stops its own workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_cluster(tmp_path, settings) -> Iterator[Callable[..., Cluster]]:
    clusters: list[Cluster] = []

    def start(workers: int = 3, **extra: str) -> Cluster:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "ANTHROPIC_API_KEY": "",
            "Q_WORKERS": str(workers),
            "EMULATOR_REQUEST_LOG": settings.EMULATOR_REQUEST_LOG or "",
            "EMULATOR_LATENCY_SECONDS": str(settings.EMULATOR_LATENCY_SECONDS),
            "EMULATOR_FAULTS": settings.EMULATOR_FAULTS,
            "GENERATION_LEASE_SECONDS": str(settings.GENERATION_LEASE_SECONDS),
            "JUDGE_LEASE_SECONDS": str(settings.JUDGE_LEASE_SECONDS),
            "GENERATION_HEARTBEAT_SECONDS": str(
                min(
                    settings.GENERATION_HEARTBEAT_SECONDS,
                    settings.GENERATION_LEASE_SECONDS / 3,
                    settings.JUDGE_LEASE_SECONDS / 3,
                )
            ),
            "CLAUDE_SDK_MAX_RETRIES": "0",
            "EIDATASET_DATA_DIR": str(tmp_path),
            **extra,
        }
        cluster = Cluster(env, tmp_path / f"qcluster-{len(clusters) + 1}.log")
        clusters.append(cluster)
        return cluster

    yield start
    for cluster in clusters:
        cluster.stop()


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    every: float = 0.1,
    tick: Callable[[], object] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tick:
            tick()
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout} s")
