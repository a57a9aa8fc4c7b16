"""No paid reply discarded: a reply received while the database cannot take it is kept in the
journal and stored once when the database is back. On SQLite the database is made unwritable
for real: another connection holds its write lock while the reply comes back over a loopback
HTTP server (the SDK reaching it by ANTHROPIC_BASE_URL)."""

import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from generation import claims, journal
from generation.dispatch import sweep
from generation.emulator import Emulator, read_request_log
from generation.leases import expire_leases
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from generation.tasks import generate_conversation
from tests.generation.loopback import loopback_api
from tests.workers.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SQLite's write lock; PostgreSQL's outage is in tests/workers/test_outage.py",
)


class WriteLock:
    """Another connection to the same SQLite file holding its write lock (BEGIN EXCLUSIVE),
    taken when the first reply is on its way back, released by the test."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.holder: sqlite3.Connection | None = None
        self.taken = threading.Event()

    def take(self, response: object) -> dict[str, str]:
        if self.holder is None:
            self.holder = sqlite3.connect(
                self.path, timeout=20, isolation_level=None, check_same_thread=False
            )
            self.holder.execute("BEGIN EXCLUSIVE")
            self.taken.set()
        return {}

    def release(self) -> None:
        assert self.holder is not None
        self.holder.execute("ROLLBACK")
        self.holder.close()


@pytest.fixture
def unwritable(settings, tmp_path) -> Iterator[WriteLock]:
    """Workers' writes give up after 0.2 s (not SQLite's 30 s) and a reply is retried for
    0.6 s before it goes to the journal, under tmp_path."""
    from eidataset.seeding import seed_scaffolding

    seed_scaffolding()
    settings.DATA_DIR = tmp_path
    settings.GENERATION_INLINE = False
    settings.GENERATION_STORE_RETRY_SECONDS = 0.6
    settings.CLAUDE_SDK_MAX_RETRIES = 0
    settings.EMULATOR_REQUEST_LOG = None
    options = connection.settings_dict["OPTIONS"]
    saved = options["timeout"]
    options["timeout"] = 0.2
    connection.close()
    lock = WriteLock(connection.settings_dict["NAME"])
    try:
        yield lock
    finally:
        if lock.holder is not None:
            lock.holder.close()
        options["timeout"] = saved
        connection.close()


def one_conversation_job() -> BatchJob:
    sets = plan_parameter_sets(counts={"template": 1}, seed=4)
    return submit_batch(
        resolve_plan([s.to_json() for s in sets]), BatchOptions(name="Journal", concurrency=1)
    )


def generate_while_locked(settings, lock: WriteLock, log: Path) -> tuple[BatchJob, Conversation]:
    """Write the job's one conversation; its reply arrives while the write lock is held."""
    job = one_conversation_job()
    conversation = job.conversations.get()
    with loopback_api(Emulator(request_log=log), extra_headers=lock.take) as (url, _):
        settings.ANTHROPIC_API_KEY = "test-key-not-a-secret"
        settings.ANTHROPIC_BASE_URL = url
        outcome = generate_conversation(str(conversation.pk))
    assert lock.taken.is_set()
    assert outcome == "database unreachable"
    return job, conversation


@sqlite_only
def test_a_reply_received_while_the_database_is_locked_is_journaled_then_stored_once(
    settings, unwritable, tmp_path
):
    log = tmp_path / "requests.jsonl"
    job, conversation = generate_while_locked(settings, unwritable, log)
    held = list(journal.folder().glob("*.json"))
    assert len(held) == 1 and journal.held() == 1
    kept_copy = tmp_path / "copy.json"
    shutil.copy(held[0], kept_copy)

    unwritable.release()
    # The conversation is still claimed, its call not yet recorded.
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.GENERATING
    attempt = GenerationAttempt.objects.get(conversation=conversation)
    assert attempt.ended_at is None

    # As the scheduled sweep would, once the database answers (this process's heartbeat
    # thread replays the journal too, and may take the file first).
    wait_for(
        lambda: Conversation.objects.get(pk=conversation.pk).status == "completed",
        timeout=10,
        tick=sweep,
    )
    conversation.refresh_from_db()
    attempt.refresh_from_db()
    assert conversation.status == Conversation.Status.COMPLETED
    assert len(conversation.turns) == conversation.parameters["turn_count"]
    assert attempt.outcome == "ok" and not attempt.cost_estimated
    assert attempt.cost > 0 and conversation.cost == attempt.cost
    wait_for(lambda: journal.held() == 0, timeout=10)  # removed by whichever stored it
    assert BatchJob.objects.get(pk=job.pk).status == BatchJob.Status.COMPLETED

    # The same entry replayed again (a process killed after storing it, before removing the
    # file) stores nothing twice and charges nothing twice.
    shutil.copy(kept_copy, journal.folder() / held[0].name)
    assert journal.replay() == 1
    conversation.refresh_from_db()
    assert conversation.cost == attempt.cost
    assert GenerationAttempt.objects.filter(conversation=conversation).count() == 1
    calls = read_request_log(log)
    assert [(entry["conversation"], entry["status"]) for entry in calls] == [
        (str(conversation.pk), 200)
    ]


@sqlite_only
def test_a_held_reply_replaces_the_estimate_when_its_lease_was_returned_meanwhile(
    settings, unwritable, tmp_path
):
    """Another machine's sweep (without this journal) gave the conversation back and charged
    the call at its estimate; the replay stores the reply and charges the real cost."""
    _, conversation = generate_while_locked(settings, unwritable, tmp_path / "requests.jsonl")
    unwritable.release()
    journal.outage_marker().unlink()  # that machine saw no outage
    Conversation.objects.filter(pk=conversation.pk).update(lease_expires_at=timezone.now())
    assert expire_leases() == 1
    attempt = GenerationAttempt.objects.get(conversation=conversation)
    assert attempt.outcome == "lost" and attempt.cost_estimated
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.PENDING
    assert conversation.cost == attempt.cost  # the estimate

    # Replayed as the sweep would (this process's heartbeat thread replays the journal too, and
    # may hold the file at that moment: then it is the one that stores it).
    wait_for(
        lambda: Conversation.objects.get(pk=conversation.pk).status == "completed",
        timeout=10,
        tick=journal.replay,
    )
    wait_for(lambda: journal.held() == 0, timeout=10)
    attempt.refresh_from_db()
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.COMPLETED
    assert attempt.outcome == "ok" and not attempt.cost_estimated
    assert conversation.cost == attempt.cost


def test_a_journal_file_that_is_not_a_whole_reply_is_set_aside(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    journal.folder().mkdir(parents=True)
    (journal.folder() / "broken.json").write_text('{"conversation": ')
    assert journal.replay() == 0
    assert (journal.folder() / "broken.bad").exists() and journal.held() == 0


def test_after_an_outage_a_lease_that_ran_out_is_left_to_its_worker_one_more_lease(
    settings, tmp_path
):
    """Its worker could not renew it while the database was away; it renews it at its next
    beat. A dead worker's lease is returned a lease later than usual."""
    from eidataset.seeding import seed_scaffolding

    seed_scaffolding()
    settings.DATA_DIR = tmp_path
    settings.GENERATION_INLINE = False
    settings.GENERATION_LEASE_SECONDS = 30
    conversation = one_conversation_job().conversations.get()
    assert claims.claim(conversation, "elsewhere:1") is not None
    ran_out = timezone.now() - timedelta(seconds=5)
    Conversation.objects.filter(pk=conversation.pk).update(lease_expires_at=ran_out)

    journal.note_unreachable()
    assert expire_leases() == 0
    Conversation.objects.filter(pk=conversation.pk).update(
        lease_expires_at=ran_out - timedelta(seconds=30)
    )
    assert expire_leases() == 1


def test_without_an_outage_a_lease_that_ran_out_is_returned_at_once(settings, tmp_path):
    from eidataset.seeding import seed_scaffolding

    seed_scaffolding()
    settings.DATA_DIR = tmp_path
    settings.GENERATION_INLINE = False
    conversation = one_conversation_job().conversations.get()
    assert claims.claim(conversation, "elsewhere:1") is not None
    Conversation.objects.filter(pk=conversation.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=5)
    )
    assert expire_leases() == 1
