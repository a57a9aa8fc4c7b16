"""A worker that stores a reply takes the job's next conversation in the same transaction
(the slot it frees goes straight back to it), and a conversation reserved for a worker is
claimed without the job's lock. Both must keep every rule the locked claim keeps."""

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from generation import claims, storing
from generation.claude import write_conversation
from generation.dispatch import dispatch, take_next
from generation.emulator import read_request_log
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.signals import conversation_completed
from generation.tasks import generate_conversation, request_for
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db


def reply_for(claim: claims.Claim):
    """The emulator's real reply through the SDK, as a worker would get it."""
    return write_conversation(
        replace(request_for(claim.conversation), attempt=claim.attempt.number)
    )


def claim_first(job: BatchJob, owner: str = "worker-a") -> claims.Claim:
    first = job.conversations.order_by("sequence_number").first()
    claim = claims.claim(first.pk, owner)
    assert claim is not None
    return claim


def test_a_stored_reply_hands_the_freed_slot_to_the_same_worker(submit):
    job = submit(5, concurrency=1, run=False)
    claim = claim_first(job)
    stored = storing.store_reply(claim, reply_for(claim), then_claim_next=True)
    assert stored.kept
    successor = stored.successor
    assert successor.owner == "worker-a"
    assert successor.conversation.sequence_number == 2  # plan order
    row = Conversation.objects.get(pk=successor.conversation.pk)
    assert (row.status, row.lease_owner, row.attempts) == ("generating", "worker-a", 1)
    assert row.lease_expires_at > timezone.now()
    attempt = GenerationAttempt.objects.get(pk=successor.attempt.pk)
    assert (attempt.conversation_id, attempt.number, attempt.ended_at) == (row.pk, 1, None)
    assert job.conversations.live().count() == 1  # the job's one slot, handed on


def test_a_worker_handing_over_its_slot_writes_the_whole_job_once_each(submit, settings):
    job = submit(6, concurrency=1, run=False)
    claim, written = claim_first(job), []
    while claim is not None:
        assert job.conversations.live().count() == 1
        written.append(claim.conversation.pk)
        claim = storing.store_reply(claim, reply_for(claim), then_claim_next=True).successor
    assert len(written) == len(set(written)) == 6
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    assert Counter(job.conversations.values_list("status", "attempts")) == {("completed", 1): 6}
    assert GenerationAttempt.objects.filter(conversation__batch_job=job, outcome="ok").count() == 6


def pause(job, later):
    BatchJob.objects.get(pk=job.pk).pause("An editor paused it")


def outrank(job, later):
    later(3, run=False, name="Urgent", priority=BatchJob.Priority.HIGH)


def cap_budget(job, later):
    BatchJob.objects.filter(pk=job.pk).update(budget_cap=Decimal("100"))


def lower_concurrency(job, later):
    second = job.conversations.order_by("sequence_number")[1]
    assert claims.claim(second.pk, "worker-b")
    BatchJob.objects.filter(pk=job.pk).update(concurrency=1)


def back_off_the_rest(job, later):
    job.conversations.pending().update(not_before=timezone.now() + timedelta(seconds=30))


def reserve_the_rest(job, later):
    job.conversations.pending().update(dispatched_at=timezone.now())


@pytest.mark.parametrize(
    "change",
    [pause, outrank, cap_budget, lower_concurrency, back_off_the_rest, reserve_the_rest],
)
def test_no_slot_is_handed_over_when_the_general_path_must_decide(submit, change):
    """Paused, outranked by a higher-priority job, a budget cap to check, fewer slots than
    claims, nothing due yet, or the rest already handed to other workers: the worker stores
    its reply and takes nothing."""
    job = submit(5, concurrency=2, run=False)
    claim = claim_first(job)
    change(job, submit)
    generating = set(job.conversations.generating().values_list("pk", flat=True))
    stored = storing.store_reply(claim, reply_for(claim), then_claim_next=True)
    assert stored.kept and stored.successor is None
    assert Conversation.objects.get(pk=claim.conversation.pk).status == "completed"
    now_generating = set(job.conversations.generating().values_list("pk", flat=True))
    assert now_generating == generating - {claim.conversation.pk}


def test_a_reply_stored_without_asking_hands_nothing_over(submit):
    job = submit(4, concurrency=2, run=False)
    claim = claim_first(job)
    stored = storing.store_reply(claim, reply_for(claim))
    assert stored.kept and stored.successor is None
    assert job.conversations.generating().count() == 0


def test_a_reply_without_a_request_id_is_stored(submit):
    """The request-id header is optional (a proxy may drop it): the attempt records none."""
    job = submit(2, concurrency=1, run=False)
    claim = claim_first(job)
    stored = storing.store_reply(claim, replace(reply_for(claim), request_id=None))
    assert stored.kept
    attempt = GenerationAttempt.objects.get(pk=claim.attempt.pk)
    assert (attempt.outcome, attempt.request_id) == ("ok", "")


def test_storing_a_reply_locks_no_job_row_exclusively(submit):
    """Workers storing replies of the same job do not wait for each other: the job row is
    read under a shared lock (claims.successor), never locked FOR UPDATE along the way (the
    attempt's default ordering joins its conversation and job, which FOR UPDATE would lock)."""
    job = submit(3, concurrency=1, run=False)
    claim = claim_first(job)
    reply = reply_for(claim)
    with CaptureQueriesContext(connection) as queries:
        storing.store_reply(claim, reply, then_claim_next=True)
    locked = [q["sql"].split("FOR UPDATE", 1) for q in queries if "FOR UPDATE" in q["sql"]]
    if connection.vendor == "postgresql":  # SQLite has no row locks (nor FOR UPDATE)
        assert len(locked) == 2  # the attempt row; the successor, under SKIP LOCKED
    for query, rows in locked:
        # Every row of the join is locked unless OF names the rows meant.
        assert 'JOIN "batch_jobs"' not in query or rows.startswith(" OF "), query
        assert '"batch_jobs"' not in rows


def test_a_reserved_conversation_is_claimed_with_one_update_and_keeps_its_slot(submit):
    job = submit(6, concurrency=2, run=False)
    reserved = [take_next(), take_next()]
    assert None not in reserved and take_next() is None  # both slots are reserved
    assert BatchJob.objects.get(pk=job.pk).status == BatchJob.Status.IN_PROGRESS  # work out
    row = Conversation.objects.select_related("batch_job").get(pk=reserved[0])
    with CaptureQueriesContext(connection) as queries:
        claim = claims.claim(row, "worker-a")
    assert claim is not None
    # The claim and the attempt row: no lock on the job, no counting.
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert claims.claim(reserved[1], "worker-b") is not None
    assert job.conversations.live().count() == 2


def test_a_dispatch_finding_every_slot_in_flight_locks_no_job_row(submit, settings):
    settings.GENERATION_INLINE = False  # dispatch queues tasks
    job = submit(6, concurrency=2, run=False)
    assert None not in (take_next(), take_next())  # both slots are reserved
    with CaptureQueriesContext(connection) as queries:
        assert dispatch() == 0 and take_next() is None
    assert not [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert job.conversations.in_flight().count() == 2
    Conversation.objects.filter(pk__in=job.conversations.in_flight()).update(dispatched_at=None)
    assert dispatch() == 2  # room again: reserved under the lock, as before


def test_a_reservation_is_not_claimed_once_its_job_is_paused(submit):
    job = submit(4, concurrency=2, run=False)
    reserved = take_next()
    BatchJob.objects.get(pk=job.pk).pause("Stop")
    assert claims.claim(reserved, "worker-a") is None
    row = Conversation.objects.get(pk=reserved)
    assert (row.status, row.dispatched_at) == ("pending", None)  # free for after the resume


def test_a_reservation_is_not_claimed_once_a_budget_cap_is_set(submit):
    job = submit(4, concurrency=2, run=False)
    reserved = take_next()
    BatchJob.objects.filter(pk=job.pk).update(budget_cap=Decimal("0.000001"))
    assert claims.claim(reserved, "worker-a") is None  # decided under the lock: over budget
    assert BatchJob.objects.get(pk=job.pk).status == BatchJob.Status.PAUSED


def test_reservations_hold_their_slots_against_a_claim_without_one(submit, settings):
    """An unreserved conversation (or one whose reservation expired) is claimed under the
    job's lock, counting the reservations still waiting for their workers."""
    job = submit(6, concurrency=2, run=False)
    first, second = take_next(), take_next()
    unreserved = job.conversations.pending().filter(dispatched_at__isnull=True).first()
    assert claims.claim(unreserved.pk, "worker-x") is None
    expired = timezone.now() - timedelta(seconds=settings.GENERATION_LEASE_SECONDS + 1)
    Conversation.objects.filter(pk=first).update(dispatched_at=expired)
    late = claims.claim(first, "a-late-worker")  # its slot is free again: taken under the lock
    assert late is not None
    assert claims.claim(second, "worker-b") is not None
    assert claims.claim(unreserved.pk, "worker-x") is None
    assert job.conversations.live().count() == 2


@pytest.mark.django_db(transaction=True)
def test_workers_handing_over_at_the_same_moment_never_exceed_the_concurrency(submit, settings):
    """Four threads, each with its own database connection, store and take next together
    until the job is done: no conversation is taken twice and the job never has more than
    its four live claims."""
    settings.GENERATION_INLINE = False  # submission reserves the four slots (tasks queued)
    job = submit(24, concurrency=4)
    reserved = job.conversations.filter(dispatched_at__isnull=False).values_list("pk", flat=True)
    taken = [claims.claim(pk, f"worker-{n}") for n, pk in enumerate(reserved)]
    assert len(taken) == 4 and all(taken)
    seen: list[int] = []

    def work(claim) -> None:
        while claim is not None:
            claim = storing.store_reply(claim, reply_for(claim), then_claim_next=True).successor
            seen.append(job.conversations.live().count())

    run_at_once(work, taken)
    assert max(seen) <= 4
    attempts = GenerationAttempt.objects.filter(conversation__batch_job=job)
    assert Counter(attempts.values_list("outcome", flat=True)) == {"ok": 24}
    assert Counter(job.conversations.values_list("status", "attempts")) == {("completed", 1): 24}
    assert BatchJob.objects.get(pk=job.pk).status == BatchJob.Status.COMPLETED


def test_a_conversation_handed_on_from_is_checked_only_when_announced(submit):
    job = submit(4, concurrency=1, run=False)
    claim = claim_first(job)
    stored = storing.store_reply(claim, reply_for(claim), then_claim_next=True)
    assert stored.successor is not None and stored.completed.pk == claim.conversation.pk
    assert Conversation.objects.get(pk=claim.conversation.pk).quality_score is None
    storing.announce(stored.completed)  # the worker does it while its next call is in flight
    assert Conversation.objects.get(pk=claim.conversation.pk).quality_score is not None
    last = storing.store_reply(stored.successor, reply_for(stored.successor))
    assert last.successor is None  # nothing asked: announced (checked) at once
    assert Conversation.objects.get(pk=last.completed.pk).quality_score is not None


def test_a_worker_checks_each_conversation_while_writing_the_next(submit, settings):
    settings.GENERATION_INLINE = False
    job = submit(5, concurrency=1, run=False)
    assert generate_conversation(take_next()) == "completed"  # one task writes them all
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    rows = list(job.conversations.all())
    assert [(c.status, c.attempts) for c in rows] == [("completed", 1)] * 5
    assert all(c.quality_score is not None for c in rows)
    logged = read_request_log(settings.EMULATOR_REQUEST_LOG)
    assert sorted(entry["conversation"] for entry in logged) == sorted(str(c.pk) for c in rows)


def test_a_later_stage_that_fails_loses_no_reply(submit, settings, caplog):
    """A receiver of conversation_completed that raises is logged; the replies are stored,
    the other receivers (the checks) still run and the job completes."""

    def broken(**kwargs):
        raise RuntimeError("a later stage fell over")

    conversation_completed.connect(broken, dispatch_uid="test_broken_stage")
    try:
        settings.GENERATION_INLINE = False
        job = submit(3, concurrency=1, run=False)
        generate_conversation(take_next())
    finally:
        conversation_completed.disconnect(dispatch_uid="test_broken_stage")
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    assert all(c.quality_score is not None for c in job.conversations.all())
    failures = [r for r in caplog.records if "failed on conversation" in r.getMessage()]
    assert len(failures) == 3
    assert all("a later stage fell over" in str(r.exc_info[1]) for r in failures)
