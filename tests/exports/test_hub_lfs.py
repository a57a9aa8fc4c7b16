"""Publishing a release with a file over the Hub's large-file size: the real huggingface_hub
client against the loopback Hub's LFS path (tests/exports/hub_lfs.py), Xet switched off."""

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from exports.hub import PublishError, publish
from exports.models import Publication, Release
from tests.exports.hub_lfs import LARGE_FILE, LfsHubStandIn
from tests.exports.hub_server import VALID_TOKEN, folder_contents, serve_hub, write_release_folder

REPO = "pathways-planning/emotional-intelligence"
BIG = "conversations.jsonl"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "0")  # the publisher switches Xet off itself
    with serve_hub(LfsHubStandIn()) as stand_in:
        monkeypatch.setenv("HF_ENDPOINT", stand_in.base_url)
        monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
        yield stand_in


@pytest.fixture
def release(db, tmp_path) -> Release:
    """A release whose conversations.jsonl is just over the large-file size."""
    folder = tmp_path / "emotional-intelligence-v1.0.0"
    files = write_release_folder(folder)
    line = json.dumps({"id": "conv", "turns": [{"user_input": "x" * 900}]}) + "\n"
    with (folder / BIG).open("w") as stream:
        for number in range(LARGE_FILE // len(line) + 2):
            stream.write(line.replace('"conv"', f'"conv-{number:06}"'))
    content = (folder / BIG).read_bytes()
    files = [
        {**f, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        if f["path"] == BIG
        else f
        for f in files
    ]
    (folder / "SHA256SUMS").write_text("".join(f"{f['sha256']}  {f['path']}\n" for f in files))
    return Release.objects.create(
        name=folder.name,
        version="1.0.0",
        status=Release.Status.READY,
        folder=str(folder),
        files=files,
        conversation_count=len(content.splitlines()),
    )


def big_oid(release: Release) -> str:
    return next(f["sha256"] for f in release.files if f["path"] == BIG)


def puts(hub: LfsHubStandIn) -> list[str]:
    return [r["path"] for r in hub.requests if r["method"] == "PUT"]


def test_a_file_over_the_large_file_size_goes_up_through_lfs_and_arrives_whole(hub, release):
    assert (Path(release.folder) / BIG).stat().st_size > LARGE_FILE

    publication = publish(release, REPO)

    commit = hub.commits(REPO)[0]
    local = folder_contents(Path(release.folder))
    assert {path: hub.file_bytes(commit, path) for path in local} == local
    assert hub.lfs_paths(commit) == {BIG}
    assert {"key": "lfsFile", "path": BIG} in commit.operations
    assert hub.uploads == [big_oid(release)]
    assert puts(hub) == [f"/lfs-upload/{big_oid(release)}"]
    assert not any("xet" in offered for offered in hub.transfers_offered)
    assert hub.transfers_offered
    assert publication.commit_sha == commit.oid
    assert hub.repos[REPO].tags == {"v1.0.0": commit.oid}
    assert hub.unknown == []


def test_publishing_it_again_unchanged_makes_no_commit_and_sends_nothing(hub, release):
    first = publish(release, REPO)
    calls = len(hub.requests)

    again = publish(release, REPO)

    assert again.changed is False
    assert len(hub.commits(REPO)) == 1
    later = [f"{r['method']} {r['path']}" for r in hub.requests[calls:]]
    assert not [c for c in later if any(w in c for w in ("/commit/", "/preupload/", "lfs"))]
    # Without its tag, the head commit's LFS file is still recognised by its SHA-256.
    hub.repos[REPO].tags.clear()
    tagged = publish(release, REPO)
    assert len(hub.commits(REPO)) == 1
    assert tagged.commit_sha == first.commit_sha
    assert hub.uploads == [big_oid(release)]


def test_each_file_reports_its_progress_as_it_goes_up(hub, release):
    lines: list[str] = []

    publish(release, REPO, progress=lines.append)

    big = [line for line in lines if line.startswith(f"  {BIG}: ")]
    assert [line.split()[1] for line in big] == [f"{10 * n}%" for n in range(1, 11)]
    size = f"{(Path(release.folder) / BIG).stat().st_size / 1e6:,.1f}"
    assert big[-1] == f"  {BIG}: 100% ({size} of {size} MB)"
    for entry in release.files:
        assert f"  {entry['path']}: 100% " in "\n".join(lines)
    assert lines[0].startswith(f"Sending {len(release.files) + 1} files")
    assert lines[-1].startswith("Committed ")


def test_an_interrupted_publication_resumes_without_sending_the_large_file_again(hub, release):
    hub.fail("/commit/", 500, "Internal error")
    with pytest.raises(PublishError, match="answered 500"):
        publish(release, REPO)
    assert hub.uploads == [big_oid(release)]  # the object arrived before the commit failed
    assert hub.commits(REPO) == []
    hub.faults.clear()
    lines: list[str] = []

    publication = publish(release, REPO, progress=lines.append)

    assert hub.uploads == [big_oid(release)]  # not sent a second time
    assert len(puts(hub)) == 1
    assert f"  {BIG}: already on the Hub, not sent again" in lines
    commit = hub.commits(REPO)[0]
    assert hub.file_bytes(commit, BIG) == (Path(release.folder) / BIG).read_bytes()
    assert publication.commit_sha == commit.oid
    assert Publication.objects.count() == 1


def test_a_dropped_upload_is_sent_again_and_arrives_whole(hub, release):
    hub.drop_uploads = 1

    publish(release, REPO)

    assert len(puts(hub)) == 2
    assert hub.uploads == [big_oid(release)]
    commit = hub.commits(REPO)[0]
    assert hub.file_bytes(commit, BIG) == (Path(release.folder) / BIG).read_bytes()


def test_a_commit_naming_an_object_that_never_arrived_is_refused(hub, release, monkeypatch):
    monkeypatch.setattr(hub, "receive", lambda oid, upload: (200, {}, {}))  # bytes dropped

    with pytest.raises(
        PublishError,
        match=r"Error while uploading 'conversations\.jsonl'.*\(404: Object \w+ was not uploaded",
    ):
        publish(release, REPO)

    assert hub.commits(REPO) == []
    assert Publication.objects.count() == 0


def test_the_command_prints_each_files_progress(hub, release):
    out = io.StringIO()

    call_command("publish_release", release.name, "--repo", REPO, stdout=out)

    text = out.getvalue()
    assert f"  {BIG}: 50% " in text
    assert f"  {BIG}: 100% " in text
    assert "Committed " in text
    assert f"Published {release.name} to {REPO}" in text
