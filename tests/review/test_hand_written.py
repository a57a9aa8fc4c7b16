"""Hand-written seed examples (issue 15.1): entered through the admin page or
`add_seed_examples FILE`, checked like generated ones, stored all or nothing as marked seed
examples that a prompt version can show and a release exports as written by hand."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from exports.package import ReleaseOptions, export_release
from exports.selection import Selection
from generation import examples
from generation.models import HAND_WRITTEN, BatchJob, Conversation
from review.hand_written import JOB_NAME
from review.seed_examples import mark, unmark

pytestmark = pytest.mark.django_db
TUNING = Path(__file__).parents[1] / "data" / "labelled" / "tuning.jsonl"
PAGE = "/admin/seed-examples/"
# Hand-written, labelled conversations (tests/data/labelled): two clean ones of different
# personas and tiers, one with harmful content planted, one with a changed client fact.
CLEAN = ("tune-a-001", "tune-a-008")
HARMFUL, FACT_CHANGE = "tune-a-016", "tune-a-019"


def lines(*ids: str) -> str:
    """The conversations with these ids, in this order, in the check-file format."""
    records = {}
    for text in TUNING.read_text(encoding="utf-8").splitlines():
        record = json.loads(text)
        record.pop("label")
        records[record["id"]] = record
    return "\n".join(json.dumps(records[key]) for key in ids) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seeds.jsonl"
    path.write_text(text, encoding="utf-8")
    return path


def add(path: Path, *flags: str) -> str:
    out = StringIO()
    call_command("add_seed_examples", str(path), *flags, stdout=out)
    return out.getvalue()


def test_a_file_of_passing_conversations_becomes_marked_seed_examples(scaffolding, tmp_path):
    path = write(tmp_path, lines(*CLEAN))

    output = add(path)

    assert f"Added 2 hand-written seed example(s) to '{JOB_NAME}'." in output
    job = BatchJob.objects.get(name=JOB_NAME)
    assert job.status == BatchJob.Status.COMPLETED and job.started_at is None
    assert job.total_items == 2
    stored = list(job.conversations.order_by("sequence_number"))
    assert [c.parameters["hand_written_id"] for c in stored] == list(CLEAN)
    for conversation in stored:
        assert conversation.status == Conversation.Status.COMPLETED
        assert conversation.source == HAND_WRITTEN
        assert conversation.seed_example and conversation.seed_example_marked_at
        assert conversation.validation["passed"] is True
        assert float(conversation.quality_score) == pytest.approx(
            conversation.validation["score"]["value"], abs=0.01
        )
    assert [c.tier for c in stored] == ["template", "scenario"]

    # A prompt version can show them, and a conversation of a later job sees them.
    assert {c.pk for c in examples.candidates()} == {c.pk for c in stored}
    version = examples.pin(examples.choose())
    assert set(version.conversation_ids()) == {str(c.pk) for c in stored}
    assert "I almost cancelled this morning" in examples.render(version.examples)


def test_a_dry_run_checks_and_stores_nothing(scaffolding, tmp_path):
    output = add(write(tmp_path, lines(*CLEAN)), "--dry-run")

    assert "All 2 passed their checks; nothing was stored (--dry-run)." in output
    assert "line 1  tune-a-001" in output
    assert not Conversation.objects.exists()
    assert not BatchJob.objects.exists()


def test_one_failing_conversation_refuses_the_whole_file_naming_its_line(scaffolding, tmp_path):
    path = write(tmp_path, lines(CLEAN[0], HARMFUL, CLEAN[1], FACT_CHANGE))

    with pytest.raises(CommandError) as refused:
        add(path)

    message = str(refused.value)
    assert refused.value.returncode == 2
    assert "nothing was added" in message
    assert f"line 2 ({HARMFUL}): failed harmfulContent" in message
    assert f"line 4 ({FACT_CHANGE}): failed factChanges" in message
    assert "line 1" not in message and "line 3" not in message
    assert not Conversation.objects.exists()


def test_an_unreadable_line_or_an_id_added_before_is_refused(scaffolding, tmp_path):
    broken = lines(CLEAN[0]) + "{not json\n"
    with pytest.raises(CommandError, match=r"line 2: not valid JSON"):
        add(write(tmp_path, broken))
    unknown = lines(CLEAN[0]).replace('"overwhelmed_avoider"', '"nobody"')
    with pytest.raises(CommandError, match=r"line 1: there is no persona"):
        add(write(tmp_path, unknown))
    assert not Conversation.objects.exists()

    add(write(tmp_path, lines(CLEAN[0])))
    with pytest.raises(CommandError) as again:
        add(write(tmp_path, lines(CLEAN[1], CLEAN[0])))
    assert f"line 2 ({CLEAN[0]}): a hand-written seed example with this id was added" in str(
        again.value
    )
    twice = lines(CLEAN[1], CLEAN[1])
    with pytest.raises(CommandError, match="used on more than one line"):
        add(write(tmp_path, twice))
    assert Conversation.objects.count() == 1


def test_a_hand_written_example_can_be_unmarked_and_marked_again_without_a_review(
    scaffolding, tmp_path, editor
):
    add(write(tmp_path, lines(CLEAN[0])))
    stored = Conversation.objects.filter(source=HAND_WRITTEN)

    assert unmark(stored) == 1
    found = mark(stored, editor)

    assert [c.pk for c in found.marked] == [stored.get().pk] and not found.refused


def test_the_release_exports_them_as_hand_written_seed_examples(
    scaffolding, tmp_path, settings, editor
):
    settings.RELEASE_DIR = tmp_path / "releases"
    add(write(tmp_path, lines(*CLEAN)))
    job = BatchJob.objects.get(name=JOB_NAME)

    release = export_release(
        ReleaseOptions(
            name="hand-written-v1", version="1.0.0", selection=Selection(jobs=(job,)), user=editor
        )
    )

    found = list(Path(release.folder).rglob("conversations.jsonl"))
    assert len(found) == 1
    rows = [json.loads(line) for line in found[0].read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2
    for row in rows:
        assert row["dataset_metadata"]["conversation_source"] == HAND_WRITTEN
        assert "written by hand" in row["dataset_metadata"]["notes"]
        assert {
            pair["training_metadata"]["use_as_seed_example"] for pair in row["training_pairs"]
        } == {True}


# --- the admin page --------------------------------------------------------------------------


def test_check_it_shows_each_conversations_checks_and_stores_nothing(editor_client, scaffolding):
    page = editor_client.post(
        PAGE, {"conversations": lines(CLEAN[0], HARMFUL), "_check": "Check it"}
    ).content.decode()

    assert 'id="hand_written_results"' in page
    assert CLEAN[0] in page and HARMFUL in page
    assert f"line 2 ({HARMFUL}): failed harmfulContent" in page
    assert not Conversation.objects.exists()


def test_add_it_refuses_all_when_one_fails_and_stores_all_when_every_one_passes(
    editor_client, scaffolding
):
    refused = editor_client.post(
        PAGE, {"conversations": lines(CLEAN[0], HARMFUL), "_add": "Add it"}
    ).content.decode()
    assert "Nothing was added" in refused
    assert not Conversation.objects.exists()

    upload = SimpleUploadedFile("seeds.jsonl", lines(*CLEAN).encode(), "application/jsonl")
    added = editor_client.post(PAGE, {"file": upload, "_add": "Add it"}, follow=True)

    assert added.redirect_chain[-1][0].endswith(f"?source={HAND_WRITTEN}")
    assert "Added 2 hand-written seed example(s)" in added.content.decode()
    assert Conversation.objects.filter(source=HAND_WRITTEN, seed_example=True).count() == 2


def test_the_page_asks_for_one_input_and_names_an_unreadable_line(editor_client, scaffolding):
    empty = editor_client.post(PAGE, {"conversations": "", "_check": "Check it"})
    assert "Paste the conversations or choose a file" in empty.content.decode()
    broken = editor_client.post(PAGE, {"conversations": "{}", "_check": "Check it"})
    assert "line 1: missing key(s): id" in broken.content.decode()
    assert not Conversation.objects.exists()


def test_a_reviewer_or_an_outsider_cannot_add_seed_examples(
    client, reviewer, outsider, scaffolding
):
    for user in (reviewer, outsider):
        client.force_login(user)
        response = client.post(PAGE, {"conversations": lines(CLEAN[0]), "_add": "Add it"})
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
    assert not Conversation.objects.exists()


def test_the_dataset_card_counts_hand_written_conversations_apart():
    from exports.card_provenance import SOURCE_LABELS, writers_text

    stats = {"total": 5, "sources": {"claude": 3, HAND_WRITTEN: 2}, "models": ["claude-x"]}

    assert writers_text(stats) == (
        "Claude (`claude-x`) for 3; an editor, by hand, for 2 (seed examples)"
    )
    assert "by hand" in SOURCE_LABELS[HAND_WRITTEN]


def test_the_hand_written_job_shows_in_the_admin_and_the_api_like_any_other(
    scaffolding, tmp_path, editor_client
):
    add(write(tmp_path, lines(*CLEAN)))
    job = BatchJob.objects.get(name=JOB_NAME)

    for url in (
        f"/admin/generation/batchjob/{job.pk}/change/",
        f"/admin/generation/batchjob/{job.pk}/live/",
        f"/api/conversations/batch/{job.pk}/status",
        "/admin/generation/batchjob/",
    ):
        response = editor_client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
    status = editor_client.get(f"/api/conversations/batch/{job.pk}/status").json()
    assert status["status"] == "completed" and status["progress"]["completed"] == 2
    out = StringIO()
    call_command("batch_status", str(job.pk), stdout=out)
    assert "completed" in out.getvalue()
