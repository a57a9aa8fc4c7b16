"""Checks run on every conversation as it completes, and again on demand."""

import pytest
from django.core.management import call_command

from generation.models import Conversation

pytestmark = pytest.mark.django_db


def test_every_completed_conversation_is_checked_and_scored(submit):
    job = submit(6)
    for conversation in job.conversations.all():
        assert conversation.validation["conversationId"] == str(conversation.pk)
        assert set(conversation.validation["checks"]) == {
            "turnCount",
            "emotionalProgression",
            "harmfulContent",
            "metadataCompleteness",
            "personaConsistency",
            "qualityScore",
            "edgeCaseRules",
            "productRecommendation",
            "roleBreak",
            "emptyReplies",
            "factChanges",
            "judgeDefects",
        }
        assert conversation.quality_score is not None
        assert 0 <= conversation.quality_score <= 10
        assert float(conversation.quality_score) == pytest.approx(
            conversation.validation["score"]["value"], abs=0.01
        )


def test_check_conversations_recomputes_after_the_threshold_changes(submit, settings, capsys):
    job = submit(4)
    settings.QUALITY_THRESHOLD = 10.5  # no conversation can reach it
    call_command("check_conversations", "--job", str(job.pk))
    printed = capsys.readouterr().out
    assert "Checked 4:" in printed
    assert "qualityScore: 0 passed, 4 failed" in printed
    for conversation in Conversation.objects.filter(batch_job=job):
        assert conversation.validation["checks"]["qualityScore"]["threshold"] == 10.5
        assert not conversation.validation["checks"]["qualityScore"]["passed"]


def test_a_broken_turn_is_caught_when_checked_again(submit):
    job = submit(3)
    conversation = job.conversations.first()
    turns = conversation.turns
    del turns[0]["emotional_context"]
    Conversation.objects.filter(pk=conversation.pk).update(turns=turns)
    call_command("check_conversations", "--job", str(job.pk))
    conversation.refresh_from_db()
    assert not conversation.validation["checks"]["metadataCompleteness"]["passed"]
    assert not conversation.validation["passed"]


def test_the_admin_shows_each_checks_result_and_the_score(editor_client, submit):
    conversation = submit(3).conversations.first()
    page = editor_client.get(
        f"/admin/generation/conversation/{conversation.pk}/change/"
    ).content.decode()
    assert "Automated checks" in page and "emotionalProgression" in page
    assert conversation.validation["checks"]["turnCount"]["reason"] in page
    assert f"quality score {conversation.validation['score']['value']:.1f}/10" in page


def test_conversations_stored_without_their_checks_are_checked_by_the_schedule(submit):
    from django_q.models import Schedule

    from review.validation import check_unchecked

    job = submit(4)
    lost = list(job.conversations.order_by("sequence_number")[:2].values_list("pk", flat=True))
    Conversation.objects.filter(pk__in=lost).update(validation={}, quality_score=None)
    assert check_unchecked() == 2
    for conversation in job.conversations.all():
        assert conversation.quality_score is not None
        assert conversation.validation["conversationId"] == str(conversation.pk)
    assert check_unchecked() == 0
    schedule = Schedule.objects.get(func="review.validation.check_unchecked")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)
