"""A conversation's state changes: each one conditional UPDATE (ConversationQuerySet.transition)
shared by worker claims and Message Batches; a row no longer as read is left alone."""

import pytest

from generation.models import BatchJob, Conversation

pytestmark = pytest.mark.django_db


def test_take_moves_a_pending_conversation_once_and_refuses_a_stale_read(submit):
    job = submit(3, run=False)
    first = job.conversations.order_by("sequence_number").first()
    stale = Conversation.objects.get(pk=first.pk)
    assert first.take("worker-1", 30)
    assert (first.status, first.attempts, first.lease_owner) == ("generating", 1, "worker-1")
    assert not stale.take("worker-2", 30)  # read at attempt 0: taken meanwhile
    row = Conversation.objects.get(pk=first.pk)
    assert (row.status, row.attempts, row.lease_owner) == ("generating", 1, "worker-1")


def test_retry_later_and_fail_only_move_a_conversation_being_generated(submit):
    job = submit(2, run=False)
    one, two = job.conversations.order_by("sequence_number")
    assert not one.fail("never started")
    assert Conversation.objects.get(pk=one.pk).status == "pending"
    assert one.take("worker-1", 30) and one.retry_later("429", None)
    row = Conversation.objects.get(pk=one.pk)
    assert (row.status, row.retry_scheduled, row.lease_owner) == ("pending", True, "")
    assert two.take("worker-1", 30) and two.fail("bad request")
    assert not two.retry_later("too late", None)
    assert Conversation.objects.get(pk=two.pk).status == "failed"


def test_complete_keeps_a_conversation_finished_elsewhere_as_it_was(submit):
    job = submit(1, run=False)
    conversation = job.conversations.get()
    assert conversation.take("worker-1", 30) and conversation.fail("given up")
    assert not conversation.complete({"turns": [{"user_input": "late"}]})
    assert Conversation.objects.get(pk=conversation.pk).turns == []


def test_a_batch_holds_only_conversations_still_pending(submit):
    job = submit(3, run=False)
    first, *rest = job.conversations.order_by("sequence_number")
    assert first.take("worker-1", 30)
    held = job.conversations.all().hold_for_batch("batch 0123456789abcdef")
    assert held == 2
    rows = {row.pk: row for row in job.conversations.all()}
    assert rows[first.pk].lease_owner == "worker-1"
    for conversation in rest:
        row = rows[conversation.pk]
        assert (row.status, row.attempts, row.lease_expires_at) == ("generating", 1, None)
        assert row.lease_owner == "batch 0123456789abcdef"


def test_active_jobs_are_the_pending_and_in_progress_ones(submit):
    running, paused = submit(1, run=False), submit(1, run=False, name="Paused")
    assert paused.pause("test")
    assert list(BatchJob.objects.active()) == [running]
    assert list(BatchJob.objects.active().batch_mode()) == []
