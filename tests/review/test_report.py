"""quality-report.json's figures against counts made here from the stored rows."""

import json
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from generation.models import Conversation
from review.checklist import APPROVED, APPROVED_WITH_NOTES, REJECTED
from review.models import Review, ReviewSample
from review.report import agreement, build_report, write_report
from review.scoring import primary_emotion
from review.validation import check

pytestmark = pytest.mark.django_db


def stored(job) -> list[Conversation]:
    return list(job.conversations.filter(status="completed").select_related("emotional_arc"))


def test_the_report_counts_what_is_stored(submit):
    job = submit(12)
    rows = stored(job)
    report = build_report(Conversation.objects.filter(batch_job=job), name="Test v1")

    assert report["dataset"]["name"] == "Test v1"
    assert report["dataset"]["total_conversations"] == len(rows) == 12
    assert report["dataset"]["validation_date"].endswith("Z")
    automated = report["automated_validation"]
    assert automated["total_checked"] == 12
    assert automated["failed"] == sum(bool(c.validation["errors"]) for c in rows)
    assert automated["passed"] == sum(bool(c.validation["passed"]) for c in rows)
    assert automated["passed"] + automated["failed"] + automated["warnings"] == 12
    for name, not_passed in (
        ("turnCount", "failed"),
        ("emotionalProgression", "warnings"),
        ("harmfulContent", "flagged"),
        ("metadataCompleteness", "failed"),
        ("personaConsistency", "failed"),
        ("qualityScore", "warnings"),
    ):
        passed = sum(c.validation["checks"][name]["passed"] for c in rows)
        assert automated["checks"][name] == {"passed": passed, not_passed: 12 - passed} | (
            {"allowed_in_edge_cases": 0} if name == "harmfulContent" else {}
        ), name
    with_rules = [c for c in rows if c.validation["checks"]["edgeCaseRules"]["outcomes"]]
    assert automated["checks"]["edgeCaseRules"] == {
        "passed": sum(c.validation["checks"]["edgeCaseRules"]["passed"] for c in with_rules),
        "failed": sum(not c.validation["checks"]["edgeCaseRules"]["passed"] for c in with_rules),
        "not_applicable": 12 - len(with_rules),
    }

    metrics = report["quality_metrics"]
    scores = [c.quality_score for c in rows]
    assert metrics["avg_quality_score"] == float(round(sum(scores) / len(scores), 2))
    turns = [t for c in rows for t in c.turns]
    assert metrics["avg_turns_per_conversation"] == round(len(turns) / 12, 2)
    words = sum(len((t["user_input"] + " " + t["assistant_response"]).split()) for t in turns)
    assert metrics["avg_words_per_turn"] == pytest.approx(words / len(turns), rel=0.05)
    arcs = Counter(c.emotional_arc.arc_key for c in rows)
    assert {k: v for k, v in metrics["emotional_arc_coverage"].items() if v} == dict(arcs)
    assert sum(metrics["score_distribution"].values()) == 12
    bins = Counter(f"{min(int(s), 9)}-{min(int(s), 9) + 1}" for s in scores)
    assert {k: v for k, v in metrics["score_distribution"].items() if v} == dict(bins)
    assert list(metrics["score_distribution"]) == [f"{n}-{n + 1}" for n in range(10)]
    strategies = Counter(t["emotional_context"]["response_strategy"] for t in turns)
    assert metrics["support_strategies"] == dict(strategies)
    for arc in arcs:
        firsts = Counter(
            primary_emotion(c.turns[0]) for c in rows if c.emotional_arc.arc_key == arc
        )
        lasts = Counter(
            primary_emotion(c.turns[-1]) for c in rows if c.emotional_arc.arc_key == arc
        )
        assert metrics["first_last_emotion_by_arc"][arc] == {"first": firsts, "last": lasts}
    assert set(automated["checks"]) == {name for c in rows for name in c.validation["checks"]}
    assert report["dataset"]["sources"] == {"offline_emulator": 12}
    assert any("offline emulator" in line for line in report["recommendations"])
    json.dumps(report)  # JSON-ready as it is


def test_conversations_that_did_not_complete_are_left_out(submit):
    job = submit(6)
    failed = job.conversations.order_by("sequence_number")[1]
    Conversation.objects.filter(pk=failed.pk).update(status="failed", error="refused")
    report = build_report(Conversation.objects.all(), name="x")
    assert report["dataset"]["total_conversations"] == 5
    assert report["automated_validation"]["total_checked"] == 5


def test_an_empty_selection_gives_zeros_and_says_there_is_nothing(db):
    report = build_report(Conversation.objects.none(), name="empty")
    assert report["dataset"]["total_conversations"] == 0
    assert report["quality_metrics"]["avg_quality_score"] is None
    assert report["recommendations"] == [
        "No completed conversations: generate a batch before building a release"
    ]


def test_recommendations_follow_the_data(submit):
    job = submit(6)
    conversations = Conversation.objects.filter(batch_job=job)
    before = build_report(conversations, name="x")["recommendations"]
    assert not any("harmful" in line for line in before)
    assert not any("near-duplicate" in line for line in before)

    first, second, third = job.conversations.filter(tier="template").order_by("sequence_number")[:3]
    turns = first.turns
    turns[1]["user_input"] += " Honestly some nights I want to kill myself over this."
    Conversation.objects.filter(pk=first.pk).update(turns=turns)
    check(Conversation.objects.get(pk=first.pk))
    Conversation.objects.filter(pk=third.pk).update(turns=second.turns)  # a copy
    Conversation.objects.filter(pk=job.conversations.last().pk).update(validation={})

    report = build_report(conversations, name="x")
    after = report["recommendations"]
    assert after[0].startswith("Not ready for LoRA training")
    blocking = report["blocking_issues"]
    assert f"{len(blocking)} blocking issue" in after[0]
    assert after[1 : 1 + len(blocking)] == blocking  # named, each on its own line
    for issue in blocking:
        assert issue in after[0]
    assert any("harmful content" in line and f"#{first.sequence_number}" in line for line in after)
    near = report["diversity"]["near_duplicates"]
    assert near["pair_count"] == 1
    pair = near["pairs"][0]
    assert {pair["first"]["sequence_number"], pair["second"]["sequence_number"]} == {
        second.sequence_number,
        third.sequence_number,
    }
    assert pair["exact"] == 1.0
    assert any("near-duplicate" in line for line in after)
    assert report["automated_validation"]["unchecked"] == 1
    assert any("check_conversations" in line for line in after)


def test_quality_scores_below_the_threshold_are_advised_for_regeneration(submit, settings):
    job = submit(4)
    settings.QUALITY_THRESHOLD = 10.5
    for conversation in job.conversations.all():
        check(conversation)
    report = build_report(job.conversations.all(), name="x")
    assert report["automated_validation"]["checks"]["qualityScore"] == {"passed": 0, "warnings": 4}
    assert any(
        line.startswith("Consider regenerating 4 conversation(s) with quality_score < 10.5")
        for line in report["recommendations"]
    )


def reviewer_named(name: str) -> User:
    return User.objects.create_user(name, f"{name}@example.com", "x")


def test_manual_review_counts_verdicts_notes_and_agreement(submit):
    job = submit(6)
    sample = ReviewSample.objects.create(batch_job=job, fraction=Decimal("0.5"))
    ann, bob = reviewer_named("ann"), reviewer_named("bob")
    conversations = list(job.conversations.order_by("sequence_number"))
    # (first review, second review) per conversation; the fifth waits for its reviewer.
    verdicts = [
        (APPROVED, APPROVED),
        (APPROVED, APPROVED_WITH_NOTES),
        (REJECTED, REJECTED),
        (APPROVED_WITH_NOTES, APPROVED_WITH_NOTES),
    ]
    for conversation, (first, second) in zip(conversations, verdicts, strict=False):
        Review.objects.create(
            sample=sample, conversation=conversation, reviewer=ann, verdict=first, status="done"
        )
        Review.objects.create(
            sample=sample,
            conversation=conversation,
            reviewer=bob,
            verdict=second,
            is_overlap=True,
            status="done",
        )
    Review.objects.filter(conversation=conversations[0], reviewer=ann).update(
        notes="Excellent handling of anxiety\naround debt"
    )
    Review.objects.create(sample=sample, conversation=conversations[4])

    review = build_report(job.conversations.all(), name="x")["manual_review"]

    assert review["sample_size"] == 5
    assert (review["approved"], review["approved_with_notes"], review["rejected"]) == (2, 1, 1)
    assert review["pending"] == 1
    assert review["review_notes"] == [
        f"Conversation {conversations[0].sequence_number}: Excellent handling of anxiety around debt"
    ]
    # By hand: 3 of 4 agree, p_o = 0.75; first marginals 2/1/1, second 1/2/1 (approved,
    # with notes, rejected): p_e = (2*1 + 1*2 + 1*1) / 16 = 5/16; kappa = (12/16 - 5/16) /
    # (11/16) = 7/11.
    assert review["agreement"]["pairs"] == 4
    assert review["agreement"]["observed_agreement"] == 0.75
    assert review["agreement"]["cohen_kappa"] == round(7 / 11, 4)


def test_kappa_needs_two_pairs_and_variety():
    one = agreement([(APPROVED, APPROVED)])
    assert one["cohen_kappa"] is None and "at least 2" in one["reason"]
    same = agreement([(APPROVED, APPROVED)] * 3)
    assert same["cohen_kappa"] is None and "undefined" in same["reason"]
    assert same["observed_agreement"] == 1.0
    opposite = agreement([(APPROVED, REJECTED), (REJECTED, APPROVED)])
    assert opposite["cohen_kappa"] == -1.0


def test_low_agreement_and_rejections_show_in_the_recommendations(submit):
    job = submit(4)
    sample = ReviewSample.objects.create(batch_job=job)
    ann, bob = reviewer_named("ann"), reviewer_named("bob")
    for conversation, (first, second) in zip(
        job.conversations.all(), [(APPROVED, REJECTED), (REJECTED, APPROVED)], strict=False
    ):
        Review.objects.create(sample=sample, conversation=conversation, reviewer=ann, verdict=first)
        Review.objects.create(
            sample=sample, conversation=conversation, reviewer=bob, verdict=second, is_overlap=True
        )
    lines = build_report(job.conversations.all(), name="x")["recommendations"]
    assert "1 sampled conversation(s) rejected in review" in lines
    assert any("Cohen's kappa -1.0" in line for line in lines)


def test_write_report_writes_the_json_it_returns(submit, tmp_path):
    job = submit(4)
    path = tmp_path / "out" / "quality-report.json"
    report = write_report(job.conversations.all(), path, name="Written")
    assert json.loads(path.read_text()) == report
    assert [p.name for p in path.parent.iterdir()] == ["quality-report.json"]
