"""The judge's verdicts where people read them and where they count: the quality score, the
admin's conversation page, the review page after saving, and judge-human agreement."""

import json
from decimal import Decimal

import pytest

from review.checklist import CATEGORY_KEYS, ITEM_KEYS
from review.judge_agreement import judge_agreement
from review.judge_defects import judge_defects
from review.judge_score import judge_score, with_judge
from review.models import JudgeVerdict, Review, ReviewSample
from review.report import build_report
from review.verdicts import record_review
from tests.review import strong_turns
from tests.review.judge_support import a_message, a_verdict


def test_a_models_verdict_scores_its_share_of_items_less_its_soft_defects():
    verdict = a_verdict(
        failing=("celebrates_progress", "metaphors_appropriate"), flagged=("lecturing",)
    )

    judged = judge_score(verdict)

    # 18 of 20 items: 9.0; one soft defect: -SOFT_DEFECT_PENALTY (3.5)
    assert (judged["items_passed"], judged["items"], judged["value"]) == (18, 20, 5.5)
    assert judged["penalties"][0]["defect"] == "lecturing"


def test_the_quality_score_is_the_mean_of_the_readings_less_each_soft_defect_once():
    score = {"value": 8.0, "breakdown": [], "penalties": []}
    verdict = a_verdict(
        failing=("celebrates_progress", "metaphors_appropriate"), flagged=("lecturing",)
    )
    turns = strong_turns()
    turns[1]["assistant_response"] += " You should have known better."

    # The judge's lecturing flag quotes words that are not in the text: it does not count.
    blended = with_judge(score, verdict, strong_turns())
    assert (blended["value"], blended["deterministic"], blended["judge"]["value"]) == (
        8.5,  # (8.0 + 9.0) / 2
        8.0,
        5.5,
    )
    assert blended["soft_defects"] == []
    # Quoted from the text, it takes the conversation under the threshold on its own.
    quoted = with_judge(score, verdict, turns)
    assert (quoted["value"], quoted["soft_defects"]) == (5.0, ["lecturing"])  # 8.5 - 3.5
    # Found by both readers, it costs once; found by the checks alone, it still counts.
    penalised = {
        "value": 4.5,
        "breakdown": [],
        "penalties": [{"defect": "lectures", "kind": "lecturing", "points": -3.5}],
    }
    assert with_judge(penalised, verdict, turns)["value"] == 5.0
    assert with_judge(penalised, a_verdict(failing=()), turns)["value"] == 5.5  # (8+10)/2-3.5
    assert with_judge(score, None) == score


def test_every_flagged_defect_not_quoted_from_the_text_is_a_warning_naming_its_evidence():
    verdict = a_verdict(flagged=("role_break", "judgement"))

    check, errors, warnings = judge_defects({"turns": strong_turns(), "judge": verdict})

    assert check["passed"] and errors == []
    assert len(warnings) == 2
    assert warnings[0].startswith("The judge flags Elena breaks role")
    assert "You should have known better" in warnings[0]


def test_a_models_verdict_feeds_the_stored_conversations_score_and_warnings(submit, with_api):
    document = a_verdict(failing=("asks_permission",), flagged=("product_recommendation",))
    with_api(lambda request: a_message(json.dumps(document)))

    job = submit(count=1, judge=True)

    conversation = job.conversations.get()
    score = conversation.validation["score"]
    assert score["judge"]["value"] == 9.5
    assert score["value"] == round((score["deterministic"] + 9.5) / 2, 1)
    assert conversation.quality_score == Decimal(str(score["value"]))
    assert any("specific product, fund or ticker" in w for w in conversation.validation["warnings"])


def test_a_heuristic_verdict_is_shown_but_never_counted(submit):
    job = submit(count=2, judge=True)

    for conversation in job.conversations.completed():
        assert conversation.judge_verdict.heuristic
        assert "judge" not in conversation.validation["score"]
        assert not any(w.startswith("The judge") for w in conversation.validation["warnings"])


def test_the_admin_conversation_page_shows_the_verdict(submit, editor_client):
    conversation = submit(count=1, judge=True).conversations.get()

    page = editor_client.get(f"/admin/generation/conversation/{conversation.pk}/change/")

    text = page.content.decode()
    assert f"{conversation.judge_verdict.items_passed()}/20 checklist items passed" in text
    assert "heuristic" in text
    assert "Asks permission before educating" in text


def test_the_admin_page_says_when_a_job_had_no_judge(submit, editor_client):
    conversation = submit(count=1, judge=False).conversations.get()

    page = editor_client.get(f"/admin/generation/conversation/{conversation.pk}/change/")

    assert "submitted without the judge" in page.content.decode()


def test_a_reviewer_sees_the_verdict_only_after_saving_their_review(submit, reviewer):
    job = submit(count=1, judge=True)
    sample = ReviewSample.objects.create(batch_job=job)
    review = Review.objects.create(
        sample=sample, conversation=job.conversations.get(), reviewer=reviewer
    )

    assert JudgeVerdict.shown_after(review) is None
    record_review(
        review, {category: dict.fromkeys(ITEM_KEYS[category], True) for category in CATEGORY_KEYS}
    )

    assert JudgeVerdict.shown_after(review) == review.conversation.judge_verdict


def ticked(failing: set[str]) -> dict:
    """A reviewer's checklist with every item ticked except the first item of `failing`."""
    return {
        category: {item: not (category in failing and at == 0) for at, item in enumerate(items)}
        for category, items in ITEM_KEYS.items()
    }


@pytest.fixture
def reviewed(submit, reviewer):
    job = submit(count=5, judge=False)
    sample = ReviewSample.objects.create(batch_job=job)
    return job, sample, list(job.conversations.order_by("sequence_number"))


def test_judge_human_agreement_per_category_is_cohens_kappa_on_a_hand_computed_case(
    reviewed, reviewer
):
    job, sample, conversations = reviewed
    # Emotional intelligence, (reviewer, judge): pass/pass, pass/fail, fail/fail, fail/fail.
    humans = [set(), set(), {"emotional_intelligence"}, {"emotional_intelligence"}]
    judges = [(), ("celebrates_progress",), ("normalizes_struggles",), ("avoids_judgment",)]
    for conversation, human, failing in zip(conversations, humans, judges, strict=False):
        Review.objects.create(
            sample=sample,
            conversation=conversation,
            reviewer=reviewer,
            status="done",
            checklist=ticked(human),
        )
        JudgeVerdict.objects.create(
            conversation=conversation,
            status="done",
            checklist=a_verdict(failing=failing)["checklist"],
        )
    # the fifth is judged but not reviewed; an open review of it does not count
    JudgeVerdict.objects.create(
        conversation=conversations[4], status="done", checklist=a_verdict()["checklist"]
    )
    Review.objects.create(sample=sample, conversation=conversations[4])

    figures = judge_agreement(job.conversations.all())

    # By hand: p_o = 3/4; reviewer 2 pass / 2 fail, judge 1 pass / 3 fail:
    # p_e = (2*1 + 2*3) / 16 = 1/2; kappa = (3/4 - 1/2) / (1 - 1/2) = 0.5.
    assert (figures["compared"], figures["heuristic_verdicts"]) == (4, 0)
    emotional = figures["categories"]["emotional_intelligence"]
    assert (emotional["pairs"], emotional["observed_agreement"], emotional["cohen_kappa"]) == (
        4,
        0.75,
        0.5,
    )
    # every other category: all pass on both sides, kappa undefined but full agreement
    brand = figures["categories"]["brand_voice"]
    assert (brand["observed_agreement"], brand["cohen_kappa"]) == (1.0, None)
    report = build_report(job.conversations.all(), name="x")
    assert report["manual_review"]["judge_agreement"] == figures


def test_the_review_page_shows_the_judges_verdict_only_after_the_reviewer_saved(
    client, reviewer, submit
):
    from review.sampling import draw_sample

    sample = draw_sample(submit(count=3, judge=True), reviewers=[reviewer])
    review = sample.reviews.filter(reviewer=reviewer).first()
    verdict = review.conversation.judge_verdict
    client.force_login(reviewer)

    before = client.get(f"/review/{review.pk}/").content.decode()
    ticked_all = {
        f"{category}__{item}": "on" for category in CATEGORY_KEYS for item in ITEM_KEYS[category]
    }
    client.post(f"/review/{review.pk}/", {**ticked_all, "then": "stay"})
    after = client.get(f"/review/{review.pk}/").content.decode()

    shown = f"{verdict.items_passed()}/20 checklist items passed"
    assert "appear here once you save your review" in before and shown not in before
    assert "The judge's verdict" in after and shown in after


def test_low_judge_agreement_in_a_category_is_advised_on():
    from review.recommendations import judge_advice

    figures = {
        "categories": {
            "emotional_intelligence": {"cohen_kappa": 0.2},
            "advice_quality": {"cohen_kappa": None},
            "brand_voice": {"cohen_kappa": 0.8},
        }
    }

    (advice,) = judge_advice(figures)

    assert "Emotional intelligence (0.2)" in advice
    assert "Brand voice" not in advice and "Advice quality" not in advice
    assert judge_advice({}) == []


def test_the_admins_quality_report_shows_judge_agreement_by_category(
    reviewed, reviewer, editor_client
):
    job, sample, conversations = reviewed
    for conversation in conversations[:2]:
        Review.objects.create(
            sample=sample,
            conversation=conversation,
            reviewer=reviewer,
            status="done",
            checklist=ticked(set()),
        )
        JudgeVerdict.objects.create(
            conversation=conversation, status="done", checklist=a_verdict()["checklist"]
        )

    page = editor_client.get("/admin/quality/", {"job": str(job.pk)}).content.decode()

    assert "The judge against the reviewers" in page
    assert "Over 2 conversation(s) both reviewed and judged" in page
    assert "<th>Emotional intelligence</th><td>1.0</td>" in page
