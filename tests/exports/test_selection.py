"""Choosing a release's conversations: jobs, completed only, passed checks, not rejected."""

import uuid

import pytest

from exports.selection import Selection, SelectionError
from generation.models import Conversation
from review.checklist import REJECTED
from review.models import Review
from review.sampling import draw_sample
from review.verdicts import record_review


def ids(queryset) -> set[str]:
    return {str(pk) for pk in queryset.values_list("pk", flat=True)}


def test_only_completed_conversations_of_the_chosen_jobs_are_selected(submit):
    first = submit(count=4, name="First")
    second = submit(count=4, name="Second")
    failed = first.conversations.order_by("sequence_number").last()
    Conversation.objects.filter(pk=failed.pk).update(status=Conversation.Status.FAILED)
    assert ids(Selection(jobs=(first,)).conversations()) == ids(
        first.conversations.exclude(pk=failed.pk)
    )
    assert ids(Selection(jobs=(first, second)).conversations()) == ids(
        Conversation.objects.exclude(pk=failed.pk)
    )
    # No job: every completed conversation.
    assert Selection().conversations().count() == 7


def test_the_selection_is_in_job_then_sequence_order(submit):
    first = submit(count=4, name="First")
    second = submit(count=3, name="Second")
    chosen = list(Selection(jobs=(second, first)).conversations())
    assert [(c.batch_job_id, c.sequence_number) for c in chosen] == [
        (first.pk, n) for n in range(1, 5)
    ] + [(second.pk, n) for n in range(1, 4)]


def test_passed_checks_leaves_out_conversations_whose_checks_failed(submit):
    job = submit(count=5)
    flunked = job.conversations.first()
    Conversation.objects.filter(pk=flunked.pk).update(
        validation={**flunked.validation, "passed": False}
    )
    unchecked = job.conversations.last()
    Conversation.objects.filter(pk=unchecked.pk).update(validation={})
    chosen = ids(Selection(jobs=(job,), passed_checks=True).conversations())
    assert chosen == ids(job.conversations.exclude(pk__in=[flunked.pk, unchecked.pk]))
    assert len(ids(Selection(jobs=(job,)).conversations())) == 5


def test_not_rejected_puts_the_regeneration_in_place_of_the_rejected_conversation(
    submit, reviewer, django_capture_on_commit_callbacks
):
    job = submit(count=6)
    sample = draw_sample(job, fraction=0.5, reviewers=[reviewer], seed=1)
    review = sample.reviews.order_by("created_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        record_review(review, {}, notes="Robotic; no validation.")
    review.refresh_from_db()
    assert review.verdict == REJECTED
    rejected, replacement = review.conversation, review.replacement
    replacement.refresh_from_db()
    assert replacement.status == Conversation.Status.COMPLETED

    everything = ids(Selection(jobs=(job,)).conversations())
    assert {str(rejected.pk), str(replacement.pk)} <= everything
    chosen = ids(Selection(jobs=(job,), not_rejected=True).conversations())
    assert str(rejected.pk) not in chosen
    assert str(replacement.pk) in chosen
    assert chosen == everything - {str(rejected.pk)}
    assert len(chosen) == 6


def test_a_replacement_rejected_in_turn_gives_way_to_its_own_replacement(
    submit, reviewer, django_capture_on_commit_callbacks
):
    job = submit(count=4)
    sample = draw_sample(job, fraction=0.25, reviewers=[reviewer], seed=2)
    first = sample.reviews.order_by("created_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        record_review(first, {})
    second = Review.objects.get(conversation=first.replacement)
    with django_capture_on_commit_callbacks(execute=True):
        record_review(second, {})
    second.refresh_from_db()
    chosen = ids(Selection(jobs=(job,), not_rejected=True).conversations())
    assert str(first.conversation_id) not in chosen
    assert str(second.conversation_id) not in chosen
    assert str(second.replacement_id) in chosen
    assert len(chosen) == 4


def test_job_ids_are_read_and_checked(submit):
    job = submit(count=3)
    selection = Selection.from_ids([str(job.pk), f" {job.pk} "])
    assert selection.jobs == (job,)
    assert selection.describe() == {
        "jobs": [str(job.pk)],
        "completed": True,
        "passed_checks": True,
        "not_rejected": True,
    }
    with pytest.raises(SelectionError, match="No batch job with id"):
        Selection.from_ids([str(uuid.uuid4())])
    with pytest.raises(SelectionError, match="is not a batch job id"):
        Selection.from_ids(["job-42"])


def test_a_release_keeps_what_passed_and_was_not_rejected_and_counts_what_it_left_out(
    submit, reviewer, django_capture_on_commit_callbacks
):
    job = submit(count=6)
    sample = draw_sample(job, fraction=0.5, reviewers=[reviewer], seed=1)
    review = sample.reviews.order_by("created_at").first()
    with django_capture_on_commit_callbacks(execute=True):
        record_review(review, {}, notes="Lectures; no validation.")
    review.refresh_from_db()
    everyone = job.conversations.filter(status=Conversation.Status.COMPLETED)
    everyone.update(validation={"passed": True, "checks": {}})
    others = everyone.exclude(pk__in=[review.conversation_id, review.replacement_id])
    flunked, unchecked = others.order_by("sequence_number")[:2]
    failed_checks = {"turnCount": {"passed": False}, "harmfulContent": {"passed": False}}
    Conversation.objects.filter(pk=flunked.pk).update(
        validation={"passed": False, "checks": {**failed_checks, "qualityScore": {"passed": True}}}
    )
    Conversation.objects.filter(pk=unchecked.pk).update(validation={})

    released = Selection.for_release((job,))

    assert (released.passed_checks, released.not_rejected) == (True, True)
    assert released == Selection.from_ids([str(job.pk)])
    chosen = ids(released.conversations())
    assert len(ids(everyone)) == 7  # six planned and the rejected one's regeneration
    assert chosen == ids(everyone) - {
        str(review.conversation_id),
        str(flunked.pk),
        str(unchecked.pk),
    }
    assert released.left_out() == {
        "total": 3,
        "by_reason": {"rejected": 1, "failed_checks": 1, "not_checked": 1},
        "failed_by_check": {"turnCount": 1, "harmfulContent": 1},
    }
    everything = Selection.for_release((job,), include_failed=True, include_rejected=True)
    assert everything == Selection(jobs=(job,))
    assert ids(everything.conversations()) == ids(everyone)
    assert everything.left_out()["total"] == 0
