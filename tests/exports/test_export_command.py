"""`manage.py export_release`: its options, its output (the folder last) and its refusals."""

import json
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from exports.models import Release
from generation.models import Conversation


def run(*args: str) -> list[str]:
    """The command's output lines; a refusal raises CommandError, which manage.py turns into
    its message on stderr and exit status `returncode`."""
    out = StringIO()
    call_command("export_release", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_builds_the_release_and_prints_its_folder_last(job, release_dir):
    out = run(
        "--name",
        "emotional-intelligence-12-v1.0",
        "--version",
        "1.2.0",
        "--job",
        str(job.pk),
        "--validation-fraction",
        "0.25",
        "--seed",
        "5",
    )
    folder = Path(out[-1])
    assert folder == release_dir / "emotional-intelligence-12-v1.0"
    assert (folder / "conversations.jsonl").is_file()
    release = Release.objects.get(name="emotional-intelligence-12-v1.0")
    assert release.status == Release.Status.READY
    assert release.version == "1.2.0"
    passed = job.conversations.filter(validation__passed=True).count()
    assert release.conversation_count == passed
    assert release.selection["validation_fraction"] == 0.25
    assert release.selection["passed_checks"] is True
    assert release.selection["not_rejected"] is True
    summary = "\n".join(out[:-1])
    assert f"{passed} conversations (offline_emulator: {passed})" in summary
    assert "offline emulator" in summary
    for name in (
        "conversations.jsonl",
        "chat/validation.jsonl",
        "SHA256SUMS",
        "emotional-intelligence-12-v1.0.zip",
        "emotional-intelligence-12-v1.0.tar.gz",
    ):
        assert name in summary
    with (folder / "chat/validation.jsonl").open() as stream:
        assert sum(1 for _ in stream) == max(1, round(passed * 0.25))


def flunk(conversations, count: int) -> list[str]:
    """Mark `count` conversations as failing their turn-count check; their ids."""
    chosen = [str(pk) for pk in conversations.values_list("pk", flat=True)[:count]]
    failed = {"passed": False, "checks": {"turnCount": {"passed": False}}}
    Conversation.objects.filter(pk__in=chosen).update(validation=failed)
    return chosen


def test_by_default_failed_conversations_stay_out_and_the_card_and_report_say_so(job, release_dir):
    conversations = job.conversations.filter(validation__passed=True)
    kept = conversations.count() - 2
    flunked = flunk(conversations.order_by("sequence_number"), 2)
    left = job.conversations.count() - kept

    out = "\n".join(run("--name", "gated", "--job", str(job.pk)))

    release = Release.objects.get(name="gated")
    assert release.conversation_count == kept
    assert f"Left out {left} completed conversation(s): {left} failed their automated checks" in out
    folder = Path(release.folder)
    rows = [json.loads(row) for row in (folder / "conversations.jsonl").read_text().splitlines()]
    released = {pair["conversation_id"] for row in rows for pair in row["training_pairs"]}
    assert len(released) == kept and not released & set(flunked)
    report = json.loads((folder / "quality-report.json").read_text())
    assert report["selection"]["passed_checks"] is True
    assert report["selection"]["left_out"]["by_reason"]["failed_checks"] == left
    assert report["selection"]["left_out"]["failed_by_check"]["turnCount"] >= 2
    card = (folder / "README.md").read_text()
    assert "- **Selection**: Only conversations that passed their automated checks and that" in card
    assert (
        f"{left} completed conversation(s) of the chosen jobs were left out: {left} failed" in card
    )

    run("--name", "gated", "--job", str(job.pk), "--include-failed", "--force")

    release.refresh_from_db()
    assert release.conversation_count == job.conversations.count()
    assert release.selection["passed_checks"] is False
    assert release.selection["left_out"]["total"] == 0
    card = (folder / "README.md").read_text()
    assert "none of the chosen jobs' completed conversations was left out" in card


def test_without_a_job_every_completed_conversation_goes_in(submit, release_dir):
    submit(count=3, name="One")
    submit(count=4, name="Two")
    run("--name", "all-of-it")
    release = Release.objects.get(name="all-of-it")
    assert release.conversation_count == 7
    assert release.batch_jobs.count() == 0
    rows = (Path(release.folder) / "conversations.jsonl").read_text().splitlines()
    assert len(rows) == 7
    assert json.loads(rows[0])["dataset_metadata"]["total_conversations"] == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "ok-name", "--job", "nope"], "'nope' is not a batch job id"),
        (["--name", "ok-name", "--job", str(uuid.UUID(int=7))], "No batch job with id"),
        (["--name", "ok-name", "--version", "1"], "is not a semantic version"),
        (["--name", "bad name!"], "is not a release name"),
        (["--name", "ok-name", "--validation-fraction", "1.5"], "between 0 and 1"),
    ],
)
def test_bad_input_exits_non_zero_and_writes_nothing(job, release_dir, args, message):
    with pytest.raises(CommandError, match=message) as refusal:
        run(*args)
    assert refusal.value.returncode == 1
    assert not release_dir.exists()
    assert not Release.objects.exists()


def test_an_empty_selection_exits_non_zero(job, release_dir):
    Conversation.objects.update(status=Conversation.Status.FAILED)
    with pytest.raises(CommandError, match="no conversations") as refusal:
        run("--name", "nothing", "--job", str(job.pk))
    assert refusal.value.returncode == 1
    assert not release_dir.exists()


def test_an_existing_release_needs_force(job, release_dir):
    run("--name", "again", "--job", str(job.pk))
    with pytest.raises(CommandError, match="already exists"):
        run("--name", "again", "--job", str(job.pk))
    out = run("--name", "again", "--job", str(job.pk), "--version", "1.0.1", "--force")
    assert out[-1] == str(release_dir / "again")
    assert Release.objects.get(name="again").version == "1.0.1"
