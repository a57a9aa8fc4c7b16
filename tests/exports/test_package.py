"""The release package: its files, checksums and archives, the Release row, the chat split,
and what a failed or refused export leaves behind (nothing)."""

import csv
import hashlib
import json
import os
import tarfile
import uuid
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from exports.models import Release
from exports.package import ReleaseError, ReleaseOptions, export_release
from exports.selection import Selection
from generation.models import Conversation

NAME = "emotional-intelligence-12-v1.0"
FOLDER_FILES = {
    "conversations.jsonl",
    "conversations.json",
    "chat/train.jsonl",
    "chat/validation.jsonl",
    "metadata-summary.csv",
    "quality-report.json",
    "README.md",
    "LICENSE.txt",
    "SHA256SUMS",
}


def lines(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def listing(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_the_release_folder_holds_every_deliverable_and_the_archives_beside_it(
    release, release_dir
):
    folder = Path(release.folder)
    assert folder == release_dir / NAME
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert files >= FOLDER_FILES
    figures = files - FOLDER_FILES
    assert figures and all(f.startswith("figures/") and f.endswith(".png") for f in figures)
    # Nothing else beside the folder: no temporary leftovers.
    assert sorted(p.name for p in folder.parent.iterdir()) == [
        NAME,
        f"{NAME}.tar.gz",
        f"{NAME}.zip",
    ]


def test_sha256sums_lists_every_other_file_with_its_real_digest(release):
    folder = Path(release.folder)
    entries = [
        line.split("  ", 1)
        for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    ]
    listed = {path: digest for digest, path in entries}
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for path, digest in listed.items():
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest
    recorded = {entry["path"]: entry for entry in release.files}
    assert set(recorded) == files
    for path, entry in recorded.items():
        assert entry["bytes"] == (folder / path).stat().st_size
        assert entry["sha256"] == hashlib.sha256((folder / path).read_bytes()).hexdigest()


def test_both_archives_hold_the_folder_byte_for_byte(release):
    folder = Path(release.folder)
    expected = {
        f"{NAME}/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }
    with zipfile.ZipFile(folder.parent / f"{NAME}.zip") as archive:
        assert archive.testzip() is None
        assert {name: archive.read(name) for name in archive.namelist()} == expected
    with tarfile.open(folder.parent / f"{NAME}.tar.gz") as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        assert {m.name: archive.extractfile(m).read() for m in members} == expected
        assert all(m.name == NAME or m.name.startswith(f"{NAME}/") for m in archive.getmembers())


def test_the_json_array_holds_the_same_rows_as_the_jsonl(release):
    folder = Path(release.folder)
    array = json.loads((folder / "conversations.json").read_text(encoding="utf-8"))
    assert isinstance(array, list)
    assert array == lines(folder / "conversations.jsonl")


def test_the_metadata_csv_has_one_row_per_conversation(release, reviewed_job):
    with (Path(release.folder) / "metadata-summary.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == [
        "id",
        "tier",
        "persona",
        "arc",
        "topic",
        "edge_case",
        "turns",
        "quality_score",
        "checks_passed",
        "review_verdict",
        "created",
    ]
    conversations = {str(c.pk): c for c in reviewed_job.conversations.select_related("persona")}
    assert {row["id"] for row in table} == set(conversations)
    for row in table:
        conversation = conversations[row["id"]]
        assert row["tier"] == conversation.tier
        assert row["persona"] == conversation.persona.name
        assert int(row["turns"]) == len(conversation.turns)
        assert float(row["quality_score"]) == float(conversation.quality_score)
        assert row["checks_passed"] == str(conversation.validation["passed"]).lower()
        assert bool(row["edge_case"]) == (conversation.tier == "edge_case")
    assert Counter(row["review_verdict"] for row in table) == {"": 11, "approved": 1}


def test_the_release_row_records_what_is_in_it(release, reviewed_job, editor):
    release.refresh_from_db()
    assert release.status == Release.Status.READY
    assert release.version == "1.0.0"
    assert release.conversation_count == 12
    assert release.sources == {"offline_emulator": 12}
    assert release.models_used == []  # the emulator wrote them: no model did
    assert release.prompt_versions == ["system-prompt v1"]
    assert release.created_by == editor
    assert release.completed_at is not None
    assert list(release.batch_jobs.all()) == [reviewed_job]
    assert release.selection == {
        "jobs": [str(reviewed_job.pk)],
        "completed": True,
        "passed_checks": False,
        "not_rejected": False,
        "left_out": {
            "total": 0,
            "by_reason": {"rejected": 0, "failed_checks": 0, "not_checked": 0},
            "failed_by_check": {},
        },
        "validation_fraction": 0.1,
        "seed": 3,
    }


def test_the_quality_report_license_and_card_are_written(release, settings):
    folder = Path(release.folder)
    report = json.loads((folder / "quality-report.json").read_text(encoding="utf-8"))
    assert {"dataset", "automated_validation", "manual_review", "quality_metrics"} <= set(report)
    assert report["dataset"]["total_conversations"] == 12
    assert report["automated_validation"]["total_checked"] == 12
    license = (folder / "LICENSE.txt").read_text(encoding="utf-8")
    assert settings.RELEASE_LICENSE == "cc-by-nc-4.0"
    assert "Creative Commons Attribution-NonCommercial 4.0 International" in license
    assert "https://creativecommons.org/licenses/by-nc/4.0/legalcode" in license
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n")
    assert "license: cc-by-nc-4.0" in card
    assert "path: chat/train.jsonl" in card


def test_the_chat_split_is_by_conversation_stratified_and_reproducible(submit, release_dir):
    job = submit(count=30)
    options = {"selection": Selection(jobs=(job,)), "validation_fraction": 0.2, "seed": 7}

    def split(name: str, **changes) -> tuple[set[str], set[str]]:
        release = export_release(ReleaseOptions(name=name, **(options | changes)))
        folder = Path(release.folder)
        by_prompt = {}
        for c in job.conversations.all():
            by_prompt[c.turns[0]["user_input"]] = str(c.pk)

        def conversation_ids(path):
            return {by_prompt[row["messages"][1]["content"]] for row in lines(path)}

        return (
            conversation_ids(folder / "chat/train.jsonl"),
            conversation_ids(folder / "chat/validation.jsonl"),
        )

    train, validation = split("split-a")
    assert not train & validation
    assert len(train | validation) == 30
    assert len(validation) == 6
    tiers = dict(job.conversations.values_list("pk", "tier"))
    by_tier = Counter(tiers[uuid.UUID(pk)] for pk in validation)
    # 28 template, 1 scenario, 1 edge case: 0.2 x 30 = 6 shared by size (largest remainder).
    assert by_tier == {"template": 6}
    assert split("split-b") == (train, validation)
    assert split("split-c", seed=8) != (train, validation)


def test_a_release_of_two_conversations_has_one_on_each_side(submit, release_dir):
    job = submit(count=2)
    release = export_release(
        ReleaseOptions(name="tiny", selection=Selection(jobs=(job,)), validation_fraction=0.1)
    )
    folder = Path(release.folder)
    assert len(lines(folder / "chat/train.jsonl")) == 1
    assert len(lines(folder / "chat/validation.jsonl")) == 1


def test_an_existing_name_is_refused_and_force_rebuilds_it(release, reviewed_job):
    folder = Path(release.folder)
    before = (folder / "SHA256SUMS").read_text()
    with pytest.raises(ReleaseError, match="already exists"):
        export_release(ReleaseOptions(name=NAME, selection=Selection(jobs=(reviewed_job,))))
    assert (folder / "SHA256SUMS").read_text() == before
    dropped = reviewed_job.conversations.order_by("sequence_number").last()
    Conversation.objects.filter(pk=dropped.pk).update(status=Conversation.Status.FAILED)
    rebuilt = export_release(
        ReleaseOptions(
            name=NAME, version="1.0.1", selection=Selection(jobs=(reviewed_job,)), force=True
        )
    )
    assert rebuilt.pk == release.pk
    assert rebuilt.version == "1.0.1"
    assert rebuilt.conversation_count == 11
    assert len(lines(folder / "conversations.jsonl")) == 11
    assert sorted(p.name for p in folder.parent.iterdir()) == [
        NAME,
        f"{NAME}.tar.gz",
        f"{NAME}.zip",
    ]
    with zipfile.ZipFile(folder.parent / f"{NAME}.zip") as archive:
        jsonl = archive.read(f"{NAME}/conversations.jsonl").decode()
    assert len(jsonl.splitlines()) == 11


def test_a_folder_left_on_disk_under_the_name_is_not_overwritten(job, release_dir):
    (release_dir / "taken").mkdir(parents=True)
    (release_dir / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="already exists"):
        export_release(ReleaseOptions(name="taken", selection=Selection(jobs=(job,))))
    assert listing(release_dir) == {"taken", "taken/notes.txt"}
    assert not Release.objects.exists()


def test_an_export_that_fails_part_way_leaves_nothing_behind(job, release_dir):
    # The last conversation's stored turns are broken: eleven rows are written first.
    broken = job.conversations.order_by("sequence_number").last()
    Conversation.objects.filter(pk=broken.pk).update(turns=[*broken.turns[:2], "not a turn"])
    with pytest.raises(ReleaseError, match=f"Conversation {broken.pk}: turn 3 is not an object"):
        export_release(ReleaseOptions(name="broken", selection=Selection(jobs=(job,))))
    assert listing(release_dir) == set()
    release = Release.objects.get(name="broken")
    assert release.status == Release.Status.FAILED
    assert "turn 3 is not an object" in release.error
    assert release.files == []


def test_a_failed_rebuild_keeps_the_previous_release_whole(release, reviewed_job):
    folder = Path(release.folder)
    before = {p: p.read_bytes() for p in folder.parent.rglob("*") if p.is_file()}
    broken = reviewed_job.conversations.order_by("sequence_number").last()
    Conversation.objects.filter(pk=broken.pk).update(turns="no turns")
    with pytest.raises(ReleaseError, match="has no list of turns"):
        export_release(
            ReleaseOptions(name=NAME, selection=Selection(jobs=(reviewed_job,)), force=True)
        )
    assert {p: p.read_bytes() for p in folder.parent.rglob("*") if p.is_file()} == before
    release.refresh_from_db()
    assert release.status == Release.Status.FAILED


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_target_fails_cleanly(job, release_dir):
    release_dir.mkdir(parents=True)
    release_dir.chmod(0o500)
    try:
        with pytest.raises(ReleaseError, match="Permission"):
            export_release(ReleaseOptions(name="nowhere", selection=Selection(jobs=(job,))))
    finally:
        release_dir.chmod(0o700)
    assert listing(release_dir) == set()
    assert Release.objects.get(name="nowhere").status == Release.Status.FAILED


def test_a_target_that_is_a_file_fails_cleanly(job, settings, tmp_path):
    settings.RELEASE_DIR = tmp_path / "not-a-folder"
    settings.RELEASE_DIR.write_text("a file where the releases folder should be")
    with pytest.raises(ReleaseError, match="failed"):
        export_release(ReleaseOptions(name="nowhere", selection=Selection(jobs=(job,))))
    assert listing(tmp_path) >= {"not-a-folder"}
    assert not any(p.name.startswith(".nowhere") for p in tmp_path.rglob("*"))
    assert Release.objects.get(name="nowhere").status == Release.Status.FAILED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "../escape"}, "is not a release name"),
        ({"name": "-dash"}, "is not a release name"),
        ({"name": "a..b"}, "is not a release name"),
        ({"name": ""}, "is not a release name"),
        ({"version": "1.0"}, "is not a semantic version"),
        ({"version": "v1.0.0"}, "is not a semantic version"),
        ({"validation_fraction": 0.0}, "between 0 and 1"),
        ({"validation_fraction": 1.0}, "between 0 and 1"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(job, release_dir, changes, message):
    options = {"name": "fine-name", "selection": Selection(jobs=(job,))} | changes
    with pytest.raises(ReleaseError, match=message):
        export_release(ReleaseOptions(**options))
    assert not release_dir.exists()
    assert not Release.objects.exists()


def test_an_empty_selection_is_refused_and_says_what_it_left_out(job, release_dir):
    Conversation.objects.update(validation={"passed": False})
    with pytest.raises(ReleaseError, match="no conversations") as caught:
        export_release(ReleaseOptions(name="empty", selection=Selection.for_release((job,))))
    assert "left out 12 failed their automated checks" in str(caught.value)
    assert not release_dir.exists()
    assert not Release.objects.exists()


def test_an_unknown_license_setting_is_refused(job, release_dir, settings):
    settings.RELEASE_LICENSE = "all-rights-mine"
    with pytest.raises(ReleaseError, match="RELEASE_LICENSE='all-rights-mine'"):
        export_release(ReleaseOptions(name="licensed", selection=Selection(jobs=(job,))))
    assert not release_dir.exists()
