"""The conversation list finds failing conversations; the detail page names the failure."""

import pytest

from generation.models import Conversation
from review.validation import check

pytestmark = pytest.mark.django_db

LIST = "/admin/generation/conversation/"


def break_turn_count(conversation: Conversation) -> Conversation:
    """Two turns where the spec wants four to ten: the turn-count check fails."""
    Conversation.objects.filter(pk=conversation.pk).update(turns=conversation.turns[:2])
    conversation.refresh_from_db()
    check(conversation)
    conversation.refresh_from_db()
    return conversation


def listed(client, query: str) -> list[Conversation]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_an_editor_finds_the_conversations_that_failed_and_which_check(editor_client, submit):
    job = submit(5)
    broken = break_turn_count(job.conversations.first())
    assert not broken.validation["checks"]["turnCount"]["passed"]
    failing = {c.pk for c in Conversation.objects.all() if not c.validation["passed"]}
    assert broken.pk in failing

    assert {c.pk for c in listed(editor_client, "checks=failed")} == failing
    passing = {c.pk for c in listed(editor_client, "checks=passed")}
    assert passing == {c.pk for c in Conversation.objects.all()} - failing
    turn_count = {c.pk for c in listed(editor_client, "failed_check=turnCount")}
    expected = {
        c.pk
        for c in Conversation.objects.all()
        if not c.validation["checks"]["turnCount"]["passed"]
    }
    assert turn_count == expected and broken.pk in turn_count


def test_the_list_names_failed_checks_in_words_and_sorts_by_score(editor_client, submit):
    job = submit(5)
    break_turn_count(job.conversations.first())
    page = editor_client.get(f"{LIST}?checks=failed").content.decode()
    table = page.split('id="result_list"')[1].split("</table>")[0]
    assert "✗ Turn count" in table and "turnCount" not in table
    ordered = listed(editor_client, "o=-2")  # the second column: score, highest first
    scores = [c.quality_score for c in ordered]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5


def test_score_bands_and_job_filter_keep_only_matching_rows(editor_client, submit):
    first = submit(4, name="First")
    submit(3, name="Second", seed=5)
    rows = listed(editor_client, "score=7to8.5")
    assert all(7 <= c.quality_score < 8.5 for c in rows)
    assert (
        len(rows)
        == Conversation.objects.filter(quality_score__gte=7, quality_score__lt=8.5).count()
    )
    assert {c.batch_job_id for c in listed(editor_client, f"batch_job__id__exact={first.pk}")} == {
        first.pk
    }


def test_the_detail_page_highlights_the_failing_check_in_words(editor_client, submit):
    broken = break_turn_count(submit(3).conversations.first())
    page = editor_client.get(f"{LIST}{broken.pk}/change/").content.decode()
    assert "Did not pass:" in page and "Turn count" in page
    assert 'class="eid-check-failed" data-check="turnCount"' in page
    assert broken.validation["checks"]["turnCount"]["reason"] in page
    # the parameter set as labelled rows, not JSON
    assert "<th>Persona</th>" in page or "<th>Persona id</th>" in page
    assert '{"' not in page.split("What was asked for")[1]
