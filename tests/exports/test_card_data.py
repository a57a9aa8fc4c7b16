"""The card of a release built from stored conversations says what the data says: how many of
the review sample a person reviewed, who wrote the conversations, and each blocking issue."""

import json
from pathlib import Path

import pytest

from exports.package import ReleaseOptions, export_release
from exports.selection import Selection
from review.checklist import CHECKLIST
from review.models import Review
from review.sampling import draw_sample
from review.verdicts import record_review
from tests.exports.markdown import section, split_card, table

pytestmark = pytest.mark.django_db

ALL_TICKED = {key: {item: True for item, _ in items} for key, _, items in CHECKLIST}


def test_the_card_of_a_partly_reviewed_emulator_release_states_the_stored_figures(
    submit, reviewer, release_dir, django_capture_on_commit_callbacks
):
    job = submit(count=12)
    sample = draw_sample(job, fraction=0.5, reviewers=[reviewer])
    first = sample.reviews.order_by("created_at", "pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        record_review(first, ALL_TICKED, "Warm.")
    release = export_release(
        ReleaseOptions(name="card-truth-v1", version="1.0.0", selection=Selection(jobs=(job,)))
    )
    folder = Path(release.folder)
    _, body = split_card((folder / "README.md").read_text(encoding="utf-8"))
    report = json.loads((folder / "quality-report.json").read_text(encoding="utf-8"))

    size = sample.reviews.count()
    done = Review.objects.filter(sample=sample, status=Review.Status.DONE).count()
    assert (size, done) == (report["manual_review"]["sample_size"], 1) and size > 1
    overview = {row[0]: row[1] for row in table(section(body, "Overview"))}
    assert overview["Reviewed by a person (of the review sample)"] == f"{done} of {size}"
    made = section(body, "How it was made")
    assert f"1 of a sample of {size} conversations" in made
    assert f"{size - done} still open." in made

    assert release.sources == {"offline_emulator": 12}
    assert "**Written by**: the offline emulator" in made
    assert "written by a language model" not in body
    assert job.conversations.first().model not in body  # the emulator wrote them, no model did

    readiness = section(body, "Readiness")
    assert report["blocking_issues"]
    assert f"{len(report['blocking_issues'])} blocking issue" in readiness
    for issue in report["blocking_issues"]:
        assert f"- {issue}" in readiness
    assert f"{size - done} sampled conversation(s) still await review" in readiness
