"""`manage.py build_release`, the one command behind `make run`: from an empty database to a
release `datasets` loads, with real qcluster workers."""

import subprocess
from pathlib import Path

import pytest

from exports.models import Release
from generation.models import BatchJob
from review.models import Review, ReviewSample
from tests.workers.conftest import manage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.workers]


def build_release(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return manage(tmp_path, "build_release", *args)


def test_one_command_builds_a_release_that_datasets_loads(tmp_path, monkeypatch):
    result = build_release(tmp_path, "--count", "20", "--workers", "2", "--seed", "5")
    assert result.returncode == 0, result.stdout + result.stderr

    folder = Path(result.stdout.strip().splitlines()[-1])
    assert folder == tmp_path / "releases" / "emotional-intelligence-20-v1.0"
    assert "completed: 20/20 completed, 0 failed" in result.stdout
    assert "Checks: " in result.stdout and "Review sample: " in result.stdout
    job = BatchJob.objects.get()
    assert job.status == "completed"
    sample = ReviewSample.objects.get(batch_job=job)
    assert Review.objects.filter(sample=sample, reviewer__isnull=True).count() >= 2  # the pool
    release = Release.objects.get()
    assert (release.name, release.version, release.status) == (folder.name, "1.0.0", "ready")
    # By default the release keeps what passed its checks and says how many it left out.
    kept = job.conversations.filter(validation__passed=True).count()
    assert kept >= 15, result.stdout
    assert release.conversation_count == kept and release.sources == {"offline_emulator": kept}
    assert release.selection["left_out"]["total"] == 20 - kept
    if kept < 20:
        assert f"Left out {20 - kept} completed conversation(s)" in result.stdout
    for archive in (".zip", ".tar.gz"):
        assert (folder.parent / f"{folder.name}{archive}").stat().st_size > 0
    # where things are, and what a newcomer does next, said before the folder's path
    lines = result.stdout.splitlines()
    beside = lines.index(f"Beside it, in {folder.parent}/:")
    assert lines[beside + 1].split()[0] == f"{folder.name}.zip"
    assert lines[beside + 2].split()[0] == f"{folder.name}.tar.gz"
    assert f"In the folder {folder}/:" in lines
    steps = result.stdout[result.stdout.index("Next, in a second terminal") :]
    assert "manage.py createsuperuser" in steps and "manage.py add_reviewer NAME" in steps
    assert f"load_dataset('{folder}', 'chat')" in steps
    assert "written by the offline emulator (no language model)" in result.stdout
    assert "would cost $" in result.stdout and ", cost $" not in result.stdout

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    from datasets import load_dataset

    cache = str(tmp_path / "hf-cache")
    chat = load_dataset(str(folder), "chat", cache_dir=cache)
    assert chat["train"].num_rows + chat["validation"].num_rows == kept
    pairs = load_dataset("json", data_files=str(folder / "conversations.jsonl"), cache_dir=cache)
    assert pairs["train"].num_rows == kept
    assert {row["dataset_metadata"]["conversation_source"] for row in pairs["train"]} == {
        "offline_emulator"
    }

    again = build_release(tmp_path, "--count", "20", "--workers", "1", "--no-seed")
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.strip().splitlines()[-1].endswith("emotional-intelligence-20-v1.1")
    assert Release.objects.get(name="emotional-intelligence-20-v1.1").version == "1.1.0"
    taken = build_release(tmp_path, "--count", "20", "--workers", "1", "--name", folder.name)
    assert taken.returncode != 0 and "exists already" in taken.stderr
    assert Release.objects.count() == 2 and BatchJob.objects.count() == 2  # nothing generated
