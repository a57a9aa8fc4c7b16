"""Which qcluster processes are running now, from django-q2's own cluster status.

Every cluster's sentinel saves a `Stat` each guard cycle (half a second) that expires after
3 s. With the Redis broker it lands in Redis; with the ORM broker it lands in the Django cache
named by `Q_CLUSTER["cache"]`, which settings point at a file cache under the data folder so
that a web process sees the workers' heartbeats (a per-process memory cache would not).
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django_q.conf import Conf
from django_q.status import Stat


@dataclass(frozen=True)
class ClusterSeen:
    host: str
    pid: int
    status: str
    workers: int
    seen_at: datetime


def clusters_seen() -> list[ClusterSeen]:
    """The clusters that saved their status within the last few seconds and are not stopped."""
    return [
        ClusterSeen(
            host=stat.host,
            pid=stat.pid,
            status=str(stat.status),
            workers=len(stat.workers),
            seen_at=stat.timestamp,
        )
        for stat in Stat.get_all()
        if stat.status != Conf.STOPPED
    ]


def workers_needed() -> bool:
    """Conversations are written by qcluster workers (not inline in the dispatching process)."""
    return not settings.GENERATION_INLINE
