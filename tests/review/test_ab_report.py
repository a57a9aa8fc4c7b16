"""The A/B comparison (issue 15.4): each arm's figures, checked against counts computed here
from the rows themselves, on the page and from `quality_report --ab JOB`."""

import json
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from generation import examples
from generation.models import BatchJob, Conversation, GenerationAttempt, PromptExamples
from generation.prompts import shared_prefix
from review.ab_report import ab_report
from review.checklist import CATEGORY_KEYS, ITEM_KEYS
from review.models import JudgeVerdict, Review
from review.sampling import draw_sample
from review.text_hashes import words
from tests.review.test_regeneration import CONFIRMED, ticks

pytestmark = pytest.mark.django_db
PAGE = "/admin/quality/ab/"


@pytest.fixture
def ab_job(submit, reviewer, django_capture_on_commit_callbacks):
    """Twelve conversations split A/B (arm A: three seed examples; arm B: none), judged; one
    rejected and regenerated; one made to fail its turnCount check."""
    seeds = submit(6, name="Seeds")
    seeds.conversations.update(seed_example=True)
    examples.pin(examples.choose(3))
    job = submit(12, name="A/B", ab_examples="none", judge=True)
    review = draw_sample(job, reviewers=[reviewer]).reviews.first()
    client = Client()  # its own: a test's client may be an editor's
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/review/{review.pk}/", {**ticks(3), **CONFIRMED})
    failing = job.conversations.exclude(pk=review.conversation_id).order_by("sequence_number")[1]
    checks = {**failing.validation["checks"], "turnCount": {"passed": False, "details": "x"}}
    failing.validation = {**failing.validation, "passed": False, "checks": checks}
    failing.save(update_fields=["validation"])
    return BatchJob.objects.get(pk=job.pk)


def said(turns) -> list[list[str]]:
    return [words(turn[key]) for turn in turns for key in ("user_input", "assistant_response")]


def four_word(turns) -> set[tuple[str, ...]]:
    return {tuple(w[i : i + 4]) for w in said(turns) for i in range(len(w) - 3)}


def test_each_arms_figures_match_counts_taken_from_the_rows(ab_job):
    report = ab_report(ab_job)
    version = PromptExamples.objects.get()
    rejected = set(
        Review.objects.filter(verdict="rejected").values_list("conversation_id", flat=True)
    )
    assert rejected and Conversation.objects.filter(regenerated_from__isnull=False).count() == 1

    for arm in ("a", "b"):
        figures = report["arms"][arm]
        rows = list(Conversation.objects.filter(batch_job=ab_job, arm=arm))
        completed = [c for c in rows if c.status == "completed"]
        assert figures["conversations"] == len(rows)
        assert figures["completed"] == len(completed)
        assert figures["examples"] == ("seed examples v1" if arm == "a" else "no seed examples")

        # checks
        passed = [c for c in completed if c.validation["passed"]]
        assert figures["checks"]["passed"] == len(passed)
        assert figures["checks"]["failed"] == len(completed) - len(passed)
        failures = Counter(
            name
            for c in completed
            for name, check in c.validation["checks"].items()
            if not check["passed"]
        )
        assert figures["checks"]["failures"] == dict(failures)

        # the judge, per category
        verdicts = [
            v.checklist
            for v in JudgeVerdict.objects.filter(conversation__in=completed, status="done")
        ]
        assert figures["judge"]["judged"] == len(verdicts) == len(completed)
        for category in CATEGORY_KEYS:
            ok = sum(
                all(v[category][item]["passed"] for item in ITEM_KEYS[category]) for v in verdicts
            )
            assert figures["judge"]["categories"][category]["passed"] == ok

        # diversity
        bigrams = [
            tuple(w[i : i + 2]) for c in completed for w in said(c.turns) for i in range(len(w) - 1)
        ]
        assert figures["diversity"]["distinct_2"] == round(len(set(bigrams)) / len(bigrams), 4)
        sets = [four_word(c.turns) for c in completed]
        everywhere = Counter(p for found in sets for p in found)
        total = sum(len(found) for found in sets)
        shared = sum(everywhere[p] > 1 for found in sets for p in found)
        assert figures["diversity"]["shared_phrase_share"] == round(shared / total, 4)
        in_examples = set().union(*(four_word(e["turns"]) for e in version.examples))
        copied = sum(len(found & in_examples) for found in sets)
        assert figures["diversity"]["from_examples_share"] == round(copied / total, 4)
        assert figures["diversity"]["examples_shown"] is (arm == "a")

        # cost per accepted: every call of the arm (judge and regeneration included)
        spent = sum((c.cost for c in rows), Decimal("0"))
        accepted = [c for c in passed if c.pk not in rejected]
        assert figures["cost"]["accepted"] == len(accepted)
        assert figures["cost"]["per_accepted"] == round(float(spent / len(accepted)), 6)

        # the cache
        calls = GenerationAttempt.objects.filter(
            conversation__in=rows, kind="generation", outcome="ok"
        )
        reads = sum(a.cache_read_tokens for a in calls)
        assert figures["cache"]["calls"] == calls.count()
        assert figures["cache"]["cache_read_tokens"] == reads
        assert figures["cache"]["cache_write_tokens"] == sum(a.cache_write_tokens for a in calls)
        prefix = shared_prefix(ab_job, arm)
        if arm == "a":
            assert prefix.cacheable and reads > 0
            expected = round(reads / (prefix.tokens * (calls.count() - 1)), 4)
            assert figures["cache"]["read_share_after_first"] == expected
        else:  # the prompt alone is under the cache minimum: nothing written or read
            assert not prefix.cacheable and reads == 0
            assert figures["cache"]["read_share_after_first"] is None

    both = report["arms"]["a"]["conversations"] + report["arms"]["b"]["conversations"]
    assert both == ab_job.conversations.count() == 13
    failed_somewhere = sum(
        report["arms"][arm]["checks"]["failures"].get("turnCount", 0) for arm in ("a", "b")
    )
    assert failed_somewhere == 1


def test_the_page_shows_both_arms_side_by_side(editor_client, ab_job):
    page = editor_client.get(PAGE, {"job": str(ab_job.pk)})

    html = page.content.decode()
    assert page.status_code == 200 and 'id="ab-table"' in html
    assert "seed examples v1" in html and "no seed examples" in html
    for label in ("Distinct-2", "4-word phrases from the examples", "Cost per accepted"):
        assert label in html
    assert "Judge: emotional intelligence passed" in html
    plain = BatchJob.objects.get(name="Seeds")
    assert editor_client.get(PAGE, {"job": str(plain.pk)}).status_code == 404
    report_page = editor_client.get("/admin/quality/", {"job": str(ab_job.pk)}).content.decode()
    assert f'href="/admin/quality/ab/?job={ab_job.pk}"' in report_page
    plain_page = editor_client.get("/admin/quality/", {"job": str(plain.pk)}).content.decode()
    assert 'id="ab-link"' not in plain_page
    assert editor_client.get(PAGE).status_code == 200


def test_a_reviewer_cannot_open_the_comparison(client, reviewer, ab_job):
    client.force_login(reviewer)
    response = client.get(PAGE, {"job": str(ab_job.pk)})
    assert response.status_code in (302, 403)


def test_the_command_prints_the_arms_and_writes_the_figures(ab_job, tmp_path):
    out, path = StringIO(), tmp_path / "ab.json"

    call_command("quality_report", "--ab", str(ab_job.pk), "--out", str(path), stdout=out)

    printed = out.getvalue()
    assert "Arm A" in printed and "Cost per accepted" in printed
    assert json.loads(path.read_text()) == json.loads(json.dumps(ab_report(ab_job)))
    plain = BatchJob.objects.get(name="Seeds")
    with pytest.raises(CommandError, match="is not split A/B"):
        call_command("quality_report", "--ab", str(plain.pk), stdout=StringIO())
    with pytest.raises(CommandError, match="--out FILE is required"):
        call_command("quality_report", stdout=StringIO())
