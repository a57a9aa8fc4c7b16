"""The broker gate: a qcluster takes a task off the broker only when one of its workers is
free to start it.

django-q2's pusher process pulls tasks while the cluster's workers are busy and holds them in
the cluster's own queue (up to `queue_limit`, one more in its hand). A generation task keeps
its worker for a long run (it goes on from one conversation to the next), so a task pulled by
a busy cluster waited there while another cluster's workers sat idle: slots went unused. The
gate counts the tasks the cluster pulled against the tasks its workers finished (the workers
append a byte to a file named after the cluster's sentinel process, which is the parent of
both the pusher and the workers) and pulls only while fewer than Q_WORKERS are inside.

Q_CLUSTER["broker_class"] names GatedRedis or GatedORM; sending tasks is unchanged.
"""

import os
import socket
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf

WAIT_SECONDS = 0.02  # between two looks at a full cluster


def cluster_file() -> Path:
    """This cluster's count of finished tasks (one byte each), from a worker or the pusher:
    both are children of the cluster's sentinel process."""
    folder = settings.DATA_DIR / "run" / "clusters"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{socket.gethostname()}-{os.getppid()}.done"


def finished() -> int:
    try:
        return cluster_file().stat().st_size
    except FileNotFoundError:
        return 0


def task_finished(**kwargs: object) -> None:
    """django-q2's post_execute_in_worker: one more of the cluster's tasks is done."""
    with cluster_file().open("ab") as done:
        done.write(b".")


class Gate:
    def __init__(self) -> None:
        self.pulled = 0
        self.baseline = finished()  # a pusher started again does not count older tasks

    def inside(self) -> int:
        return max(0, self.pulled - (finished() - self.baseline))

    def has_room(self) -> bool:
        return self.inside() < Conf.WORKERS


class GatedMixin:
    _gate: Gate | None = None

    def dequeue(self) -> Any:
        if self._gate is None:
            self._gate = Gate()
        if not self._gate.has_room():
            time.sleep(WAIT_SECONDS)
            return None
        tasks = super().dequeue()  # type: ignore[misc]
        if tasks:
            self._gate.pulled += len(tasks)
        return tasks


class GatedRedis(GatedMixin, Redis):
    pass


class GatedORM(GatedMixin, ORM):
    pass
