"""The database connection cut under real qcluster workers while they store replies (on
PostgreSQL: pg_terminate_backend from another connection): nothing received is lost and
nothing is stored or paid twice (the emulator's request log against the stored rows). On
SQLite: a journal left by a process that stopped is stored by the next worker to start."""

import time
from collections import Counter

import pytest
from django.db import connection

from generation import journal
from generation.dispatch import sweep
from generation.emulator import read_request_log
from generation.models import BatchJob, Conversation, GenerationAttempt
from tests.generation.test_journal import generate_while_locked, sqlite_only, unwritable
from tests.workers.conftest import wait_for
from tests.workers.test_qcluster import scaffolding_committed, state, submit, workers_settings

__all__ = ["scaffolding_committed", "unwritable", "workers_settings"]  # fixtures used below
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.workers]

# The workers' connections whose last statement touched an attempt or a conversation: each
# is between opening a call's attempt and storing its reply (the call in flight, the last
# conversation's checks written meanwhile), or has just stored one.
CUT = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND (query ILIKE '%%generation_attempts%%' OR query ILIKE '%%"conversations"%%')
"""


def cut_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(CUT)
        return cursor.fetchone()[0]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_terminate_backend")
def test_connections_cut_while_replies_are_stored_lose_nothing_and_store_nothing_twice(
    workers_settings, start_cluster, tmp_path
):
    workers_settings.DATA_DIR = tmp_path  # the clusters' data folder, and so their journal
    workers_settings.EMULATOR_LATENCY_SECONDS = 1.0
    workers_settings.GENERATION_LEASE_SECONDS = 6
    job = submit(24, concurrency=4)
    cluster = start_cluster(workers=4, Q_LOG_LEVEL="INFO")
    cuts = 0
    deadline = time.monotonic() + 240
    while state(job)["completed"] < 20:
        assert time.monotonic() < deadline, state(job)
        cuts += cut_connections()
        time.sleep(0.25)
    wait_for(lambda: state(job)["completed"] == 24, timeout=120, every=0.5, tick=sweep)

    log = cluster.log.read_text()
    print(f"{cuts} connection(s) cut")
    # Stores that met a cut connection and were retried on a fresh one.
    assert log.count("The database is unreachable while storing conversation") >= 4
    assert "reply discarded" not in log
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    ids = {str(pk) for pk in job.conversations.values_list("pk", flat=True)}
    answered = Counter(
        entry["conversation"]
        for entry in read_request_log(workers_settings.EMULATOR_REQUEST_LOG)
        if entry["status"] == 200
    )
    assert answered == {pk: 1 for pk in ids}  # every reply received was stored: none re-called
    ok = GenerationAttempt.objects.filter(conversation__batch_job=job, outcome="ok")
    assert Counter(str(pk) for pk in ok.values_list("conversation", flat=True)) == {
        pk: 1 for pk in ids
    }
    assert journal.held() == 0


@sqlite_only
def test_a_journal_left_by_a_stopped_process_is_stored_by_the_next_worker(
    settings, unwritable, start_cluster, tmp_path
):
    log = tmp_path / "requests.jsonl"
    job, conversation = generate_while_locked(settings, unwritable, log)
    unwritable.release()
    # The process that held the reply is gone: its journal file is all that is left in the
    # data folder the next cluster uses (this process's heartbeat looks in another).
    machine = tmp_path / "machine"
    (machine / "journal").mkdir(parents=True)
    for held in journal.folder().glob("*.json"):
        held.rename(machine / "journal" / held.name)
    cluster = start_cluster(workers=1, EIDATASET_DATA_DIR=str(machine), Q_LOG_LEVEL="INFO")

    def stored() -> bool:
        return Conversation.objects.get(pk=conversation.pk).status == "completed"

    def announced() -> bool:
        # The worker logs the replay after the row is committed: wait for both, not just the row.
        return "Stored 1 reply(ies) held in the journal" in cluster.log.read_text()

    wait_for(stored, timeout=60, every=0.3)
    wait_for(announced, timeout=30, every=0.3)
    assert "Stored 1 reply(ies) held in the journal" in cluster.log.read_text()
    assert not list((machine / "journal").glob("*.json"))
    attempt = GenerationAttempt.objects.get(conversation=conversation)
    assert attempt.outcome == "ok" and not attempt.cost_estimated
    assert Conversation.objects.get(pk=conversation.pk).cost == attempt.cost
    assert len(read_request_log(log)) == 1  # stored from the journal, not called again
    assert BatchJob.objects.get(pk=job.pk).status == BatchJob.Status.COMPLETED
