"""Seed examples (issue 15.1): an editor marks, from the conversation list, conversations that
passed their checks and that a reviewer approved; the others are refused with the reason."""

import pytest

from generation.models import Conversation
from tests.exports.conftest import approve

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/generation/conversation/"


def act(client, action: str, conversations) -> object:
    data = {"action": action, "_selected_action": [str(c.pk) for c in conversations]}
    return client.post(CHANGELIST, data, follow=True)


@pytest.fixture
def four(submit, reviewer):
    """Four conversations: approved and passed; approved but failing its checks; not
    reviewed; rejected."""
    job = submit(4)
    approved, failing, unreviewed, rejected = job.conversations.order_by("sequence_number")
    for conversation in (approved, failing, rejected):
        assert conversation.validation.get("passed"), conversation.validation
        approve(conversation, reviewer)
    failing.validation = {**failing.validation, "passed": False}
    failing.save(update_fields=["validation"])
    rejected.reviews.update(verdict="rejected")
    return approved, failing, unreviewed, rejected


def test_an_editor_marks_the_approved_ones_and_is_told_why_not_the_others(
    editor_client, editor, four
):
    approved = four[0]
    page = act(editor_client, "mark_seed_examples", four).content.decode()

    assert "Marked 1 conversation(s) as seed examples." in page
    assert "did not pass its checks" in page
    assert "no reviewer has approved it" in page
    assert "a reviewer rejected it" in page
    marked = Conversation.objects.filter(seed_example=True)
    assert list(marked) == [approved]
    approved.refresh_from_db()
    assert approved.seed_example_marked_by == editor and approved.seed_example_marked_at

    listed = editor_client.get(CHANGELIST, {"seed_example__exact": "1"}).content.decode()
    assert str(approved.pk)[:8] in listed or approved.batch_job.name in listed

    page = act(editor_client, "unmark_seed_examples", [approved]).content.decode()
    assert "Unmarked 1 seed example(s)." in page
    assert not Conversation.objects.filter(seed_example=True).exists()


def test_a_reviewer_cannot_mark_seed_examples(client, reviewer, four):
    client.force_login(reviewer)
    response = act(client, "mark_seed_examples", four)
    assert response.redirect_chain[0][0].startswith("/admin/login/")  # no way into the admin
    assert not Conversation.objects.filter(seed_example=True).exists()
