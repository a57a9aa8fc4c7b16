"""A rejected conversation is regenerated once, through the real engine, and re-enters review."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from eidataset.roles import REVIEWERS
from generation.models import BatchJob, Conversation, GenerationAttempt
from review.checklist import CATEGORY_KEYS, ITEM_KEYS, REJECTED
from review.models import Review
from review.sampling import draw_sample
from review.verdicts import record_review
from tests.conftest import PASSWORD
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db

SAME_PARAMETERS = (
    "tier",
    "persona_id",
    "emotional_arc_id",
    "training_topic_id",
    "edge_case_id",
    "chunk_id",
    "chunk_context",
    "parameters",
)


def ticks(passing: int) -> dict[str, str]:
    """Form data ticking every item of the first `passing` categories."""
    return {
        f"{category}__{item}": "on"
        for category in CATEGORY_KEYS[:passing]
        for item in ITEM_KEYS[category]
    }


CONFIRMED = {"confirm_rejection": "on"}  # what the page's "Reject and regenerate" button sends


def api_calls(settings) -> int:
    log = Path(settings.EMULATOR_REQUEST_LOG)
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture
def assigned(submit, reviewer):
    job = submit(4)
    sample = draw_sample(job, reviewers=[reviewer])
    return sample.reviews.select_related("conversation").first()


def test_a_rejection_queues_one_regeneration_with_the_same_parameters(
    client, reviewer, assigned, settings, django_capture_on_commit_callbacks
):
    original = assigned.conversation
    calls = api_calls(settings)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/review/{assigned.pk}/", {**ticks(3), **CONFIRMED})
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.verdict == REJECTED
    replacement = Conversation.objects.get(regenerated_from=original)
    assert assigned.replacement == replacement
    for name in SAME_PARAMETERS:
        assert getattr(replacement, name) == getattr(original, name), name
    assert replacement.batch_job_id == original.batch_job_id
    assert replacement.sequence_number == 5  # after the job's four
    # generated through the engine against the emulator: one paid call, then checked
    assert replacement.status == Conversation.Status.COMPLETED
    assert replacement.turns and replacement.source == "offline_emulator"
    assert api_calls(settings) == calls + 1
    assert GenerationAttempt.objects.filter(conversation=replacement).count() == 1
    assert replacement.validation["conversationId"] == str(replacement.pk)
    assert replacement.quality_score is not None
    # ...and enters the sample, for the same reviewer
    follow_up = Review.objects.get(conversation=replacement)
    assert follow_up.sample == assigned.sample
    assert follow_up.reviewer == reviewer and follow_up.status == Review.Status.OPEN
    job = BatchJob.objects.get(pk=original.batch_job_id)
    assert job.status == BatchJob.Status.COMPLETED and job.total_items == 5


def test_saving_a_rejection_twice_still_regenerates_once(
    client, reviewer, assigned, settings, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/review/{assigned.pk}/", {**ticks(2), **CONFIRMED})
    calls = api_calls(settings)
    with django_capture_on_commit_callbacks(execute=True):  # nothing to pay for: no question
        client.post(f"/review/{assigned.pk}/", {**ticks(1), "notes": "still wrong"})
    assert Conversation.objects.filter(regenerated_from=assigned.conversation).count() == 1
    assert Review.objects.filter(conversation__regenerated_from=assigned.conversation).count() == 1
    assert api_calls(settings) == calls
    assigned.refresh_from_db()
    assert assigned.notes == "still wrong" and assigned.categories_passed == 1


def test_two_reviewers_rejecting_the_same_conversation_regenerate_it_once(
    submit, reviewer, django_capture_on_commit_callbacks
):
    second = User.objects.create_user("sam-second", "sam@example.com", PASSWORD)
    second.groups.add(Group.objects.get(name=REVIEWERS))
    sample = draw_sample(submit(4), reviewers=[reviewer, second], overlap=1)
    overlapping = sample.reviews.filter(is_overlap=True).first()
    pair = list(sample.reviews.filter(conversation=overlapping.conversation))
    assert {r.reviewer for r in pair} == {reviewer, second}
    with django_capture_on_commit_callbacks(execute=True):
        for review in pair:
            record_review(review, {"brand_voice": {"warm_professional": True}})
    replacements = Conversation.objects.filter(regenerated_from=overlapping.conversation)
    assert replacements.count() == 1
    for review in pair:
        review.refresh_from_db()
        assert review.replacement == replacements.get()
    assert Review.objects.filter(conversation=replacements.get()).count() == 1


def test_an_approval_queues_nothing(client, reviewer, assigned, django_capture_on_commit_callbacks):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/review/{assigned.pk}/", ticks(4))
    assigned.refresh_from_db()
    assert assigned.verdict == "approved_with_notes"
    assert not Conversation.objects.filter(regenerated_from__isnull=False).exists()
    assert assigned.replacement is None


def test_the_replacement_is_shown_as_being_regenerated_until_it_is_written(
    client, reviewer, assigned, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=False):  # no worker runs
        client.post(f"/review/{assigned.pk}/", {**ticks(0), **CONFIRMED})
    follow_up = Review.objects.get(conversation__regenerated_from=assigned.conversation)
    assert follow_up.conversation.status == Conversation.Status.PENDING
    page = client.get(f"/review/{follow_up.pk}/").content.decode()
    assert "being regenerated" in page
    assert 'id="checklist"' not in page
    response = client.post(f"/review/{follow_up.pk}/", ticks(5))
    assert response.status_code == 200  # refused: nothing to judge yet
    follow_up.refresh_from_db()
    assert follow_up.status == Review.Status.OPEN and follow_up.verdict == ""
    queue = client.get("/review/").content.decode()
    assert "being regenerated" in queue


def test_a_cancelled_job_records_the_rejection_without_a_regeneration(
    reviewer, assigned, django_capture_on_commit_callbacks
):
    # as if the editor had cancelled the job while its last conversations were being written
    BatchJob.objects.filter(pk=assigned.conversation.batch_job_id).update(
        status=BatchJob.Status.CANCELLED
    )
    with django_capture_on_commit_callbacks(execute=True):
        record_review(assigned, {})
    assigned.refresh_from_db()
    assert assigned.verdict == REJECTED and assigned.replacement is None
    assert not Conversation.objects.filter(regenerated_from__isnull=False).exists()


def test_regenerate_refuses_another_jobs_conversation(submit):
    first, other = submit(3), submit(3, name="Other batch")
    with pytest.raises(ValueError, match="is not in batch job"):
        first.regenerate(other.conversations.first())
    assert first.conversations.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_rejections_saved_at_the_same_moment_still_regenerate_once(submit, reviewer):
    """Two reviewers' threads, each with its own database connection, reject together."""
    second = User.objects.create_user("sam-second", "sam@example.com", PASSWORD)
    second.groups.add(Group.objects.get(name=REVIEWERS))
    sample = draw_sample(submit(4), reviewers=[reviewer, second], overlap=1)
    conversation = sample.reviews.filter(is_overlap=True).first().conversation
    pair = list(sample.reviews.filter(conversation=conversation).values_list("pk", flat=True))
    # Both read before either saves, as two reviewers' pages would.
    reviews = [Review.objects.select_related("conversation").get(pk=pk) for pk in pair]

    def reject(review: Review) -> None:
        record_review(review, {"advice_quality": {"explains_why": True}})

    run_at_once(reject, reviews, timeout=60)
    replacements = Conversation.objects.filter(regenerated_from=conversation)
    assert replacements.count() == 1
    assert set(Review.objects.filter(pk__in=pair).values_list("replacement", flat=True)) == {
        replacements.get().pk
    }
    assert Review.objects.filter(conversation=replacements.get()).count() == 1
    assert replacements.get().status == Conversation.Status.COMPLETED
