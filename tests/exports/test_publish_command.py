"""`manage.py publish_release NAME --repo ORG/NAME [--private] [--dry-run]`, run in-process the way
the command line runs it, against the loopback Hub stand-in."""

import logging
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from huggingface_hub import constants

from exports.models import Publication, Release
from tests.exports.hub_server import VALID_TOKEN, folder_contents, serve_hub, write_release_folder

REPO = "pathways-planning/emotional-intelligence"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.delenv("HF_OIDC_RESOURCE", raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token-file"))
    with serve_hub() as stand_in:
        monkeypatch.setenv("HF_ENDPOINT", stand_in.base_url)
        monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
        yield stand_in


@pytest.fixture
def release(db, tmp_path) -> Release:
    folder = tmp_path / "emotional-intelligence-100-v1.0"
    return Release.objects.create(
        name=folder.name,
        version="1.0.0",
        status=Release.Status.READY,
        folder=str(folder),
        files=write_release_folder(folder),
        conversation_count=2,
        sources={"offline_emulator": 2},
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("publish_release", *args, stdout=out)
    return out.getvalue()


def run_cli(*args: str) -> int:
    """As `python manage.py publish_release ...` runs: the exit status, output to capsys.
    Django closes the database connections when it ends, so only for tests that stop here."""
    try:
        execute_from_command_line(["manage.py", "publish_release", *args])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_the_command_publishes_the_release_and_prints_the_commit_and_tag(hub, release):
    output = run(release.name, "--repo", REPO)

    commit = hub.commits(REPO)[0]
    assert f"Published {release.name} to {REPO} (public): commit {commit.oid[:12]}" in output
    assert "tagged v1.0.0" in output
    assert f"/datasets/{REPO}/commit/{commit.oid}" in output
    assert "2 of its conversations come from the offline emulator" in output
    assert {p: c for p, c in commit.files.items() if p != ".gitattributes"} == folder_contents(
        Path(release.folder)
    )
    assert Publication.objects.get().commit_sha == commit.oid


def test_running_it_again_says_nothing_was_published(hub, release):
    run(release.name, "--repo", REPO)

    output = run(release.name, "--repo", REPO)

    assert "already holds" in output
    assert "nothing published" in output
    assert len(hub.commits(REPO)) == 1
    assert [p.changed for p in Publication.objects.order_by("published_at")] == [True, False]


def test_the_private_option_creates_a_private_repository(hub, release):
    output = run(release.name, "--repo", REPO, "--private")

    assert f"to {REPO} (private)" in output
    assert hub.repos[REPO].private is True
    assert Publication.objects.get().private is True


def test_a_dry_run_lists_the_files_and_contacts_no_hub(hub, release):
    output = run(release.name, "--repo", REPO, "--dry-run")

    assert "Dry run: would publish 5 files" in output
    assert "conversations.jsonl" in output
    assert "chat/train.jsonl" in output
    assert hub.requests == []
    assert Publication.objects.count() == 0


def test_an_unknown_release_name_is_a_clear_error_with_a_non_zero_exit(hub, release, capsys):
    status = run_cli("no-such-release", "--repo", REPO)

    assert status != 0
    assert "No release named 'no-such-release'" in capsys.readouterr().err
    assert hub.requests == []


def test_a_bad_repository_id_is_a_clear_error(hub, release):
    with pytest.raises(CommandError, match="is not of the form ORG/NAME"):
        run(release.name, "--repo", "just-a-name")

    assert hub.requests == []


def test_the_repo_option_is_required(hub, release, capsys):
    assert run_cli(release.name) != 0
    assert "--repo" in capsys.readouterr().err


def test_a_hub_error_is_its_message_with_a_non_zero_exit(hub, release):
    hub.rate_limit(retry_after=20)

    with pytest.raises(CommandError, match="try again in 20 seconds") as failure:
        run(release.name, "--repo", REPO)

    assert failure.value.returncode != 0
    assert Publication.objects.count() == 0


def test_the_token_appears_nowhere_in_the_command_output_or_logs(
    hub, release, monkeypatch, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    published = run(release.name, "--repo", REPO)
    wrong = "hf_test-commandLineWrongToken1122334455667788"
    monkeypatch.setenv("HF_TOKEN", wrong)
    hub.echo_token = True

    with pytest.raises(CommandError) as failure:
        run(release.name, "--repo", "pathways-planning/another")

    captured = capsys.readouterr()
    assert "Published" in published
    assert "rejected the token" in str(failure.value)
    for token in (VALID_TOKEN, wrong):
        assert token not in published + str(failure.value)
        assert token not in captured.out + captured.err
        assert token not in caplog.text
