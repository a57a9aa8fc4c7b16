"""Publishing a release to the Hub, through the real huggingface_hub client talking HTTP to the
loopback stand-in in hub_server.py."""

import hashlib
import json
import logging
import socket
import traceback
from pathlib import Path

import pytest
from django.core import serializers
from huggingface_hub import constants

from exports.hub import PublishError, publish, release_files
from exports.models import Publication, Release
from tests.exports.hub_server import (
    VALID_TOKEN,
    HubStandIn,
    folder_contents,
    serve_hub,
    write_release_folder,
)

REPO = "pathways-planning/emotional-intelligence"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """The stand-in, with HF_ENDPOINT and HF_TOKEN set as an editor's shell would set them."""
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.delenv("HF_OIDC_RESOURCE", raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token-file"))
    with serve_hub() as stand_in:
        monkeypatch.setenv("HF_ENDPOINT", stand_in.base_url)
        monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
        yield stand_in


def make_release(root: Path, version: str = "1.0.0", variant: str = "a", **fields) -> Release:
    folder = root / f"emotional-intelligence-v{version}-{variant}"
    files = write_release_folder(folder, version=version, variant=variant)
    values = {
        "name": folder.name,
        "version": version,
        "status": Release.Status.READY,
        "folder": str(folder),
        "files": files,
        "conversation_count": 2,
        "sources": {"offline_emulator": 2},
        **fields,
    }
    return Release.objects.create(**values)


@pytest.fixture
def release(db, tmp_path) -> Release:
    return make_release(tmp_path)


def without_hub_files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: content for path, content in files.items() if path != ".gitattributes"}


def test_publishing_makes_one_commit_with_exactly_the_release_files_and_tags_it(
    hub, release, editor
):
    publication = publish(release, REPO, user=editor)

    commits = hub.commits(REPO)
    assert len(commits) == 1
    assert without_hub_files(commits[0].files) == folder_contents(Path(release.folder))
    assert sorted(op["path"] for op in commits[0].operations) == sorted(
        folder_contents(Path(release.folder))
    )
    assert hub.repos[REPO].tags == {"v1.0.0": commits[0].oid}
    assert hub.repos[REPO].private is False
    assert publication.commit_sha == commits[0].oid
    assert publication.commit_url.endswith(f"/datasets/{REPO}/commit/{commits[0].oid}")
    assert (publication.tag, publication.changed, publication.private) == ("v1.0.0", True, False)
    assert publication.endpoint == hub.base_url
    assert publication.published_by == editor
    assert Publication.objects.get() == publication
    assert all(r["headers"]["authorization"] == f"Bearer {VALID_TOKEN}" for r in hub.requests)
    assert hub.unknown == []


def test_the_repository_is_created_as_a_dataset_repo(hub, release):
    publish(release, REPO)

    create = next(r for r in hub.requests if r["path"] == "/api/repos/create")
    payload = json.loads(create["body"])
    assert payload["type"] == "dataset"
    assert (payload["organization"], payload["name"]) == tuple(REPO.split("/"))
    assert payload["visibility"] == "public"


def test_the_private_flag_creates_a_private_repository(hub, release):
    publication = publish(release, REPO, private=True)

    create = next(r for r in hub.requests if r["path"] == "/api/repos/create")
    assert json.loads(create["body"])["visibility"] == "private"
    assert hub.repos[REPO].private is True
    assert publication.private is True


def test_a_private_publication_into_an_existing_public_repository_is_refused(
    hub, release, tmp_path
):
    publish(make_release(tmp_path, version="0.9.0"), REPO)

    with pytest.raises(PublishError, match="already exists and is public"):
        publish(release, REPO, private=True)

    assert len(hub.commits(REPO)) == 1
    assert list(hub.repos[REPO].tags) == ["v0.9.0"]
    assert Publication.objects.count() == 1


def test_publishing_the_same_version_again_changes_nothing_and_says_so(hub, release):
    first = publish(release, REPO)
    calls_before = len(hub.requests)

    again = publish(release, REPO)

    assert len(hub.commits(REPO)) == 1
    assert again.changed is False
    assert (again.commit_sha, again.tag) == (first.commit_sha, "v1.0.0")
    later = [f"{r['method']} {r['path']}" for r in hub.requests[calls_before:]]
    assert not [
        call for call in later if any(w in call for w in ("/commit/", "/tag/", "/preupload/"))
    ]
    assert Publication.objects.filter(release=release).count() == 2


def test_a_new_version_is_a_new_commit_and_a_new_tag(hub, release, tmp_path):
    first = publish(release, REPO)
    newer = make_release(tmp_path, version="1.1.0", variant="b")
    (Path(newer.folder) / "figures" / "personas.png").unlink()  # this version has no figure
    newer.files = [f for f in newer.files if f["path"] != "figures/personas.png"]
    sums = Path(newer.folder) / "SHA256SUMS"
    sums.write_text("".join(f"{f['sha256']}  {f['path']}\n" for f in newer.files), encoding="utf-8")
    newer.save()

    second = publish(newer, REPO)

    commits = hub.commits(REPO)
    assert len(commits) == 2
    assert second.changed is True
    assert second.commit_sha == commits[1].oid != first.commit_sha
    assert hub.repos[REPO].tags == {"v1.0.0": commits[0].oid, "v1.1.0": commits[1].oid}
    assert without_hub_files(commits[1].files) == folder_contents(Path(newer.folder))
    assert without_hub_files(commits[0].files) == folder_contents(Path(release.folder))
    assert {"key": "deletedFile", "path": "figures/personas.png"} in commits[1].operations


def test_a_version_tag_holding_other_files_is_not_moved(hub, release, tmp_path):
    publish(release, REPO)
    same_version = make_release(tmp_path, version="1.0.0", variant="c")

    with pytest.raises(PublishError, match=r"already has a tag v1\.0\.0 holding different files"):
        publish(same_version, REPO)

    assert len(hub.commits(REPO)) == 1
    assert Publication.objects.filter(release=same_version).count() == 0


def test_a_commit_whose_tag_was_refused_gets_tagged_next_time_without_a_second_commit(hub, release):
    hub.rate_limit(retry_after=12, path_contains="/tag/", times=1)

    with pytest.raises(PublishError, match="try again in 12 seconds"):
        publish(release, REPO)
    assert len(hub.commits(REPO)) == 1
    assert Publication.objects.count() == 0

    publication = publish(release, REPO)

    assert len(hub.commits(REPO)) == 1
    assert hub.repos[REPO].tags == {"v1.0.0": hub.commits(REPO)[0].oid}
    assert publication.commit_sha == hub.commits(REPO)[0].oid


def test_the_file_list_comes_from_sha256sums_when_the_release_records_none(hub, db, tmp_path):
    release = make_release(tmp_path, files=[])

    publish(release, REPO)

    assert without_hub_files(hub.commits(REPO)[0].files) == folder_contents(Path(release.folder))


def test_a_rejected_token_is_a_clear_error_and_records_nothing(hub, release, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test-thisTokenIsNotValidAnywhere000000")

    with pytest.raises(PublishError, match=r"rejected the token \(401") as failure:
        publish(release, REPO)

    assert failure.value.permanent is True
    assert REPO not in hub.repos
    assert Publication.objects.count() == 0


def test_a_missing_token_is_a_clear_error_before_the_hub_is_called(hub, release, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")

    with pytest.raises(PublishError, match="No HuggingFace token: set HF_TOKEN"):
        publish(release, REPO)

    assert hub.requests == []
    assert Publication.objects.count() == 0


@pytest.mark.parametrize("status", [403, 409])
def test_a_repository_owned_by_someone_else_is_refused(hub, release, status):
    hub.add_foreign_repo("someone-else/emotional-intelligence", status_on_create=status)

    with pytest.raises(PublishError, match=f"belongs to another owner.*answer {status}"):
        publish(release, "someone-else/emotional-intelligence")

    assert hub.commits("someone-else/emotional-intelligence") == []
    assert Publication.objects.count() == 0


def test_a_namespace_the_token_cannot_write_to_is_refused(hub, release):
    with pytest.raises(PublishError, match="no write access to unknown-org"):
        publish(release, "unknown-org/emotional-intelligence")

    assert "unknown-org/emotional-intelligence" not in hub.repos


@pytest.mark.parametrize("ietf", [False, True], ids=["retry-after", "ratelimit-headers"])
def test_a_rate_limit_says_when_to_try_again_and_records_nothing(hub, release, ietf):
    hub.rate_limit(retry_after=37, ietf=ietf)

    with pytest.raises(
        PublishError, match=r"rate-limiting requests \(429\); try again in 37 seconds"
    ) as failure:
        publish(release, REPO)

    assert (failure.value.permanent, failure.value.retry_after) == (False, 37)
    assert REPO not in hub.repos
    assert Publication.objects.count() == 0


def test_a_brief_rate_limit_on_a_listing_is_waited_out_as_retry_after_asks(hub, release):
    hub.rate_limit(retry_after=0, path_contains="/tree/", times=1)

    publication = publish(release, REPO)

    trees = [r for r in hub.requests if "/tree/" in r["path"]]
    assert len(trees) == 2  # refused once, asked again after the wait
    assert publication.commit_sha == hub.commits(REPO)[0].oid


def test_a_rate_limited_commit_records_nothing(hub, release):
    hub.rate_limit(retry_after=5, path_contains="/commit/")

    with pytest.raises(PublishError, match="try again in 5 seconds"):
        publish(release, REPO)

    assert hub.commits(REPO) == []
    assert hub.repos[REPO].tags == {}
    assert Publication.objects.count() == 0


def test_a_commit_racing_another_one_is_refused_and_can_be_published_again(hub, release):
    hub.commit_race = True

    with pytest.raises(PublishError, match="changed on the Hub while publishing") as failure:
        publish(release, REPO)

    assert failure.value.permanent is False
    assert [c.summary for c in hub.commits(REPO)] == ["theirs"]
    assert Publication.objects.count() == 0

    publication = publish(release, REPO)

    mine = hub.commits(REPO)[-1]
    assert publication.commit_sha == mine.oid
    assert "NOTES.md" not in mine.files  # the repo holds exactly the release again
    assert without_hub_files(mine.files) == folder_contents(Path(release.folder))


def test_a_card_whose_metadata_the_hub_refuses_is_a_clear_error_and_nothing_is_committed(
    hub, release
):
    readme = Path(release.folder) / "README.md"
    readme.write_text("---\nlicense: [cc-by-nc-4.0\n---\n# Card\n")
    release.files = [
        {
            **entry,
            "bytes": readme.stat().st_size,
            "sha256": hashlib.sha256(readme.read_bytes()).hexdigest(),
        }
        if entry["path"] == "README.md"
        else entry
        for entry in release.files
    ]
    release.save()
    sums = Path(release.folder) / "SHA256SUMS"
    sums.write_text("".join(f"{e['sha256']}  {e['path']}\n" for e in release.files))

    with pytest.raises(PublishError, match=r"refused the upload: Invalid metadata in README\.md"):
        publish(release, REPO)

    assert hub.commits(REPO) == []
    assert Publication.objects.count() == 0


def test_an_unreachable_hub_is_a_clear_error(release, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)

    with pytest.raises(PublishError, match=f"Cannot reach the Hub at http://127.0.0.1:{port}"):
        publish(release, REPO, endpoint=f"http://127.0.0.1:{port}")

    assert Publication.objects.count() == 0


def test_the_endpoint_and_token_arguments_override_the_environment(release, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_TOKEN", "hf_test-environmentTokenNotTheOneToUse00")
    with serve_hub(HubStandIn(token="hf_test-argumentToken0123456789abcdefgh")) as hub:
        publication = publish(
            release, REPO, token="hf_test-argumentToken0123456789abcdefgh", endpoint=hub.base_url
        )

    assert publication.endpoint == hub.base_url
    assert len(hub.commits(REPO)) == 1


@pytest.mark.parametrize(
    "repo_id",
    ["emotional-intelligence", "a/b/c", "pathways planning/ei", "org/", "/name", "org/na..me", ""],
)
def test_a_malformed_repository_id_is_refused_before_the_hub_is_called(hub, release, repo_id):
    with pytest.raises(PublishError, match="Repository id"):
        publish(release, repo_id)

    assert hub.requests == []
    assert Publication.objects.count() == 0


def test_a_release_that_is_not_ready_is_refused(hub, release):
    release.status = Release.Status.BUILDING
    release.save()

    with pytest.raises(PublishError, match=r"is not ready \(status: building\)"):
        publish(release, REPO)

    assert hub.requests == []


@pytest.mark.parametrize("version", ["", "1.0 final", "1..0", "-1", "1.0/2"])
def test_a_version_that_cannot_name_a_tag_is_refused(hub, release, version):
    release.version = version
    release.save()

    with pytest.raises(PublishError, match="cannot name a tag"):
        publish(release, REPO)

    assert hub.requests == []


def test_a_release_whose_folder_is_gone_is_refused(hub, release, tmp_path):
    release.folder = str(tmp_path / "deleted")
    release.save()

    with pytest.raises(PublishError, match=r"folder .* does not exist"):
        publish(release, REPO)

    assert hub.requests == []


def test_a_file_changed_since_the_release_was_built_is_refused(hub, release):
    (Path(release.folder) / "conversations.jsonl").write_text('{"id": "tampered"}\n')

    with pytest.raises(
        PublishError, match=r"conversations\.jsonl does not match its recorded SHA-256"
    ):
        publish(release, REPO)

    assert hub.requests == []
    assert Publication.objects.count() == 0


def test_a_missing_file_is_refused(hub, release):
    (Path(release.folder) / "chat" / "train.jsonl").unlink()

    with pytest.raises(PublishError, match=r"missing chat/train\.jsonl"):
        publish(release, REPO)

    assert hub.requests == []


def test_a_file_the_release_does_not_list_is_refused(hub, release):
    (Path(release.folder) / "notes.txt").write_text("scratch")

    with pytest.raises(PublishError, match=r"does not list: notes\.txt"):
        publish(release, REPO)

    assert hub.requests == []


def test_a_sha256sums_that_disagrees_with_the_recorded_files_is_refused(hub, release):
    sums = Path(release.folder) / "SHA256SUMS"
    sums.write_text(sums.read_text().replace("conversations.jsonl", "other.jsonl"))

    with pytest.raises(PublishError, match="SHA256SUMS disagrees with its recorded files"):
        publish(release, REPO)

    assert hub.requests == []


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "chat/../../x"])
def test_a_file_path_outside_the_folder_is_refused(hub, release, path):
    release.files = [*release.files, {"path": path, "bytes": 1, "sha256": "0" * 64}]
    release.save()

    with pytest.raises(PublishError, match="unsafe file path"):
        publish(release, REPO)

    assert hub.requests == []


def test_release_files_lists_every_file_with_its_size_and_sha256(release):
    files = release_files(release)

    on_disk = folder_contents(Path(release.folder))
    assert [entry.path for entry in files] == sorted(on_disk)
    assert all(entry.size == len(on_disk[entry.path]) for entry in files)
    recorded = {f["path"]: f["sha256"] for f in release.files}
    assert all(entry.sha256 == recorded[entry.path] for entry in files if entry.path in recorded)


def test_the_token_never_appears_in_logs_errors_or_the_database(
    hub, release, tmp_path, monkeypatch, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    publish(release, REPO)
    publish(release, REPO)

    hub.echo_token = True  # a Hub that repeats the offered credentials in its error message
    wrong = "hf_test-recognisableWrongToken99887766554433"
    monkeypatch.setenv("HF_TOKEN", wrong)
    with pytest.raises(PublishError) as failure:
        publish(make_release(tmp_path, version="2.0.0", variant="d"), REPO)

    assert "rejected the token" in str(failure.value)
    assert any(wrong in str(r["headers"]["authorization"]) for r in hub.requests)  # it was sent
    monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
    hub.fail("/commit/", 500, "Internal error")
    with pytest.raises(PublishError) as outage:
        publish(make_release(tmp_path, version="3.0.0", variant="e"), REPO)

    assert str(outage.value) == (
        f"The Hub answered 500: Internal error (Bearer [token]) while publishing to {REPO}."
    )
    assert outage.value.permanent is False
    shown = "".join(traceback.format_exception(failure.value)) + "".join(
        traceback.format_exception(outage.value)
    )
    captured = capsys.readouterr()
    stored = serializers.serialize("json", [*Publication.objects.all(), *Release.objects.all()])
    for token in (VALID_TOKEN, wrong):
        assert token not in caplog.text
        assert token not in shown
        assert token not in captured.out + captured.err
        assert token not in stored
    assert caplog.records  # the publications were logged, without the token


def test_a_release_built_by_the_export_goes_up_whole_and_validates_its_card(
    hub, submit, settings, tmp_path, editor
):
    from exports.package import ReleaseOptions, export_release
    from exports.selection import Selection

    settings.RELEASE_DIR = tmp_path / "releases"
    job = submit(count=6)
    built = export_release(
        ReleaseOptions(
            name="emotional-intelligence-6-v1.0",
            version="1.0.0",
            selection=Selection(jobs=(job,)),
            seed=3,
            user=editor,
        )
    )

    publication = publish(built, REPO, user=editor)

    commit = hub.commits(REPO)[0]
    assert without_hub_files(commit.files) == folder_contents(Path(built.folder))
    assert {f["path"] for f in built.files} == set(without_hub_files(commit.files))
    assert hub.repos[REPO].tags == {"v1.0.0": publication.commit_sha}
    validated = [r for r in hub.requests if r["path"] == "/api/validate-yaml"]
    assert len(validated) == 1
    assert json.loads(validated[0]["body"])["repoType"] == "dataset"
    assert hub.unknown == []
    assert publish(built, REPO).changed is False
