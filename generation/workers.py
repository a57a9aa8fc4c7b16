"""Local qcluster processes for one command's run (`generate --workers W`)."""

import math
import os
import signal
import subprocess
import sys
from types import TracebackType

from django.conf import settings


class LocalWorkers:
    """Start W `manage.py qcluster` processes; stop them on exit, whatever happened."""

    def __init__(self, clusters: int, concurrency: int) -> None:
        self.clusters = clusters
        self.workers_each = max(1, math.ceil(concurrency / max(clusters, 1)))
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "LocalWorkers":
        env = {**os.environ, "Q_WORKERS": str(self.workers_each)}
        log_dir = settings.DATA_DIR / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        for number in range(self.clusters):
            log = (log_dir / f"qcluster-{number + 1}.log").open("ab")
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, str(settings.BASE_DIR / "manage.py"), "qcluster"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return self

    def alive(self) -> int:
        return sum(process.poll() is None for process in self.processes)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # SIGTERM to the cluster's own process lets it stop its workers in a second or two;
        # sent to the whole group it orphans the sentinel, which then never returns.
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
