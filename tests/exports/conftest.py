"""Releases built from conversations generated inline against the offline emulator, written
under a temporary release folder; `datasets` kept offline with its own cache."""

from pathlib import Path

import pytest
from django.utils import timezone

from exports.package import ReleaseOptions, export_release
from exports.selection import Selection
from review.checklist import APPROVED, CHECKLIST
from review.models import Review, ReviewSample


@pytest.fixture
def release_dir(settings, tmp_path) -> Path:
    settings.RELEASE_DIR = tmp_path / "releases"
    return settings.RELEASE_DIR


@pytest.fixture
def hf_cache(monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cache = tmp_path / "hf-cache"
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache))
    return str(cache)


def approve(conversation, reviewer, notes: str = "") -> Review:
    """A done, approved review of `conversation` (every checklist item ticked)."""
    sample = ReviewSample.objects.create(batch_job=conversation.batch_job)
    ticked = {key: {item: True for item, _ in items} for key, _, items in CHECKLIST}
    return Review.objects.create(
        sample=sample,
        conversation=conversation,
        reviewer=reviewer,
        status=Review.Status.DONE,
        checklist=ticked,
        categories_passed=5,
        verdict=APPROVED,
        notes=notes,
        reviewed_at=timezone.now(),
    )


@pytest.fixture
def job(submit):
    return submit(count=12)


@pytest.fixture
def reviewed_job(job, reviewer):
    """The job, one of whose conversations a reviewer approved with a note."""
    approve(job.conversations.order_by("sequence_number").first(), reviewer, "Warm and specific.")
    return job


@pytest.fixture
def release(reviewed_job, release_dir, editor):
    return export_release(
        ReleaseOptions(
            name="emotional-intelligence-12-v1.0",
            version="1.0.0",
            selection=Selection(jobs=(reviewed_job,)),
            seed=3,
            user=editor,
        )
    )
