"""The job page's worker warning reads django-q2's cluster status from real qclusters."""

import pytest

from generation.clusters import clusters_seen
from generation.dispatch import dispatch
from generation.live import NO_WORKER, live_status
from generation.models import BatchJob
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from tests.workers.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.workers]


@pytest.fixture
def heartbeat_settings(settings, tmp_path):
    """The clusters started below keep their data folder (and so the ORM broker's heartbeat
    cache) in tmp_path; this process reads the same cache."""
    settings.GENERATION_INLINE = False
    settings.CACHES = {
        **settings.CACHES,
        "qcluster": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache" / "qcluster"),
        },
    }
    return settings


def waiting_job() -> BatchJob:
    """A job with three conversations waiting for a worker (nothing dispatched yet)."""
    from eidataset.seeding import seed_scaffolding

    seed_scaffolding()
    sets = plan_parameter_sets(counts={"template": 3}, seed=5)
    return submit_batch(resolve_plan([s.to_json() for s in sets]), BatchOptions(name="Waiting"))


def test_the_worker_warning_follows_a_real_cluster_starting_and_dying(
    heartbeat_settings, start_cluster
):
    job = waiting_job()
    assert clusters_seen() == []
    assert live_status(job)["workerWarning"] == NO_WORKER

    # Each call takes 30 s in the emulator, so the job is still being written below.
    cluster = start_cluster(workers=1, EMULATOR_LATENCY_SECONDS="30")
    # the first heartbeats may come before the cluster has started its worker
    wait_for(lambda: [c.workers for c in clusters_seen()] == [1], timeout=60, every=0.5)
    assert clusters_seen()[0].pid == cluster.process.pid
    dispatch()
    wait_for(lambda: job.conversations.generating().exists(), timeout=30, every=0.5)
    assert live_status(job)["workerWarning"] == ""

    cluster.kill()  # as when its machine dies: its last heartbeat expires within seconds
    wait_for(lambda: clusters_seen() == [], timeout=20, every=0.5)
    job.refresh_from_db()
    assert job.status == BatchJob.Status.IN_PROGRESS
    assert live_status(job)["workerWarning"] == NO_WORKER
