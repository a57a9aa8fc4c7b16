"""The judge in the workers: each stored conversation of a job with a judge is judged once,
claimed and paid like a generation call, its cost in the job's figures and budget cap."""

import json
from datetime import timedelta
from decimal import Decimal

import httpx2
import pytest
from django.utils import timezone

from generation.emulator import read_request_log
from generation.models import BatchJob, Conversation, GenerationAttempt
from review.judging import claim_verdict, judge, sweep_judging
from review.models import JudgeVerdict
from tests.review.judge_support import a_message, a_verdict

JUDGE = GenerationAttempt.Kind.JUDGE


def judge_attempts(conversation) -> list[GenerationAttempt]:
    return list(conversation.attempt_log.filter(kind=JUDGE).order_by("number"))


def judge_requests(settings) -> list[dict]:
    return [e for e in read_request_log(settings.EMULATOR_REQUEST_LOG) if e["kind"] == "judge"]


def test_each_stored_conversation_of_a_judged_job_is_judged_once_and_its_cost_counted(
    submit, settings
):
    job = submit(count=3, judge=True)

    completed = list(job.conversations.completed())
    assert len(completed) == 3
    for conversation in completed:
        verdict = conversation.judge_verdict
        assert (verdict.status, verdict.heuristic, verdict.attempts) == ("done", True, 1)
        (attempt,) = judge_attempts(conversation)
        assert attempt.outcome == "ok"
        assert attempt.cost == verdict.cost > 0
        assert (attempt.input_tokens, attempt.output_tokens) == (
            verdict.input_tokens,
            verdict.output_tokens,
        )
        paid = sum(a.cost for a in conversation.attempt_log.all())
        assert conversation.cost == paid
    assert len(judge_requests(settings)) == 3
    total = sum(a.cost for a in GenerationAttempt.objects.filter(conversation__batch_job=job))
    assert job.actual_cost() == total


def test_a_job_without_a_judge_makes_no_judge_call(submit, settings):
    job = submit(count=3, judge=False)

    assert job.judge_model == ""
    assert not JudgeVerdict.objects.exists()
    assert judge_requests(settings) == []


def test_the_judge_follows_the_setting_unless_the_job_says_otherwise(submit, settings):
    settings.JUDGE_ENABLED = True
    settings.CLAUDE_JUDGE_MODEL = "claude-haiku-4-5"

    assert submit(count=1, run=False).judge_model == "claude-haiku-4-5"
    assert submit(count=1, run=False, judge=False).judge_model == ""
    settings.JUDGE_ENABLED = False
    assert submit(count=1, run=False).judge_model == ""


def test_a_judged_jobs_estimate_includes_the_judge_calls(submit):
    plain = submit(count=4, run=False, judge=False)
    judged = submit(count=4, run=False, judge=True)

    assert judged.estimated_cost > plain.estimated_cost
    # the judge's share stays a fraction of the generation's, at the models' list prices
    assert judged.estimated_cost - plain.estimated_cost < plain.estimated_cost / 2


def test_a_second_task_for_a_judged_conversation_pays_for_nothing(submit, settings):
    job = submit(count=1, judge=True)
    verdict = JudgeVerdict.objects.get(conversation__batch_job=job)

    assert judge(str(verdict.pk)) == "skipped"

    assert len(judge_attempts(verdict.conversation)) == 1
    assert len(judge_requests(settings)) == 1


def test_a_verdict_held_by_a_live_worker_is_not_taken_again(submit, settings):
    job = submit(count=1, judge=True)
    verdict = JudgeVerdict.objects.get(conversation__batch_job=job)
    JudgeVerdict.objects.filter(pk=verdict.pk).update(status="pending", attempts=1)

    first = claim_verdict(verdict.pk, "worker-a")
    second = claim_verdict(verdict.pk, "worker-b")

    assert first is not None and second is None
    assert judge(str(verdict.pk)) == "skipped"
    assert len(judge_requests(settings)) == 1


def test_a_dead_workers_judge_call_is_charged_at_its_estimate_and_judged_again(submit, settings):
    job = submit(count=1, judge=True)
    verdict = JudgeVerdict.objects.get(conversation__batch_job=job)
    conversation = verdict.conversation
    paid_before = conversation.cost
    JudgeVerdict.objects.filter(pk=verdict.pk).update(status="pending")
    claim = claim_verdict(verdict.pk, "worker-that-dies")
    JudgeVerdict.objects.filter(pk=verdict.pk).update(lease_expires_at=timezone.now())

    figures = sweep_judging()

    verdict.refresh_from_db()
    conversation.refresh_from_db()
    first, lost, again = judge_attempts(conversation)
    assert figures == {"returned": 1, "opened": 0, "queued": 1}
    assert first.outcome == "ok"
    assert lost.pk == claim.attempt.pk
    assert (lost.outcome, lost.cost_estimated, lost.cost) == ("lost", True, claim.verdict.estimate)
    assert lost.cost > 0
    assert (again.outcome, verdict.status, verdict.attempts) == ("ok", "done", 3)
    assert conversation.cost == paid_before + lost.cost + again.cost
    assert len(judge_requests(settings)) == 2


def test_a_conversation_stored_by_a_worker_that_died_before_announcing_it_is_judged(
    submit, settings
):
    job = submit(count=2, judge=True)
    lost, recent = job.conversations.order_by("sequence_number")
    # Stored, but never announced: no verdict was opened for either.
    JudgeVerdict.objects.filter(conversation__batch_job=job).delete()
    long_ago = timezone.now() - timedelta(seconds=settings.JUDGE_LEASE_SECONDS + 1)
    job.conversations.filter(pk=lost.pk).update(completed_at=long_ago)
    requests_before = len(judge_requests(settings))

    figures = sweep_judging()

    assert figures["opened"] == 1  # the recent one may still be announced by its worker
    verdict = JudgeVerdict.objects.get(conversation=lost)
    assert verdict.status == "done"
    assert not JudgeVerdict.objects.filter(conversation=recent).exists()
    assert len(judge_requests(settings)) == requests_before + 1
    assert sweep_judging()["opened"] == 0  # once


def test_a_judge_call_that_would_pass_the_budget_cap_is_not_made(submit, settings):
    job = submit(count=1, judge=True)
    verdict = JudgeVerdict.objects.get(conversation__batch_job=job)
    JudgeVerdict.objects.filter(pk=verdict.pk).update(status="pending")
    BatchJob.objects.filter(pk=job.pk).update(budget_cap=job.actual_cost() + Decimal("0.0001"))

    assert judge(str(verdict.pk)) == "skipped"

    verdict.refresh_from_db()
    assert verdict.status == "skipped"
    assert "budget cap" in verdict.error
    assert len(judge_attempts(verdict.conversation)) == 1


def test_a_malformed_verdict_is_asked_again_then_failed_with_the_reason(submit, with_api):
    api = with_api(lambda request: a_message('{"checklist": {"brand_voice": '))

    job = submit(count=1, judge=True)

    conversation = job.conversations.get()
    verdict = conversation.judge_verdict
    assert conversation.status == Conversation.Status.COMPLETED
    assert verdict.status == "failed"
    assert "the reply is not JSON" in verdict.error
    assert "after 2 attempt(s)" in verdict.error
    assert len(api.judge_requests) == 2
    attempts = judge_attempts(conversation)
    assert [a.outcome for a in attempts] == ["invalid_output", "invalid_output"]
    assert all(a.cost > 0 for a in attempts)  # billed though unusable
    assert verdict.cost == sum(a.cost for a in attempts)


def test_a_models_verdict_is_stored_as_given_and_not_heuristic(submit, with_api):
    verdict_document = a_verdict(failing=("asks_permission",), flagged=("lecturing",))
    with_api(lambda request: a_message(json.dumps(verdict_document)))

    job = submit(count=1, judge=True)

    verdict = job.conversations.get().judge_verdict
    assert (verdict.status, verdict.source, verdict.heuristic) == ("done", "claude", False)
    assert verdict.counts
    assert verdict.checklist == verdict_document["checklist"]
    assert verdict.flagged() == {"lecturing": 'turn 2: "You should have known better"'}
    assert verdict.items_passed() == 19
    assert "brand_voice" not in verdict.categories_passed()
    # $1 and $5 per million tokens in and out: 4,000 in and 1,000 out
    assert verdict.cost == Decimal("0.009")


def test_a_request_the_judge_cannot_answer_fails_at_once_without_a_retry(submit, with_api):
    bad = httpx2.Response(
        400, json={"type": "error", "error": {"type": "invalid_request_error", "message": "no"}}
    )
    api = with_api(lambda request: bad)

    job = submit(count=1, judge=True)

    verdict = job.conversations.get().judge_verdict
    assert verdict.status == "failed"
    assert "after 1 attempt(s)" in verdict.error
    assert len(api.judge_requests) == 1


def test_batch_status_says_what_the_judge_cost(submit):
    from io import StringIO

    from django.core.management import call_command

    job = submit(count=2, judge=True)
    out = StringIO()

    call_command("batch_status", str(job.pk), stdout=out)

    judged = sum(v.cost for v in JudgeVerdict.objects.filter(conversation__batch_job=job))
    assert job.judge_cost() == judged > 0
    assert f"of which the judge (claude-haiku-5-5) ${judged:.4f} of an estimated" in out.getvalue()
    assert f"cost ${job.actual_cost():.4f}" in out.getvalue()


def test_every_qcluster_sweeps_lost_judge_calls_each_minute(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="review.judging.sweep_judging")

    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)


@pytest.mark.parametrize(("flag", "model"), [("--judge", "claude-haiku-5-5"), ("--no-judge", "")])
def test_generate_turns_the_judge_on_or_off_for_its_job(scaffolding, offline, flag, model):
    from io import StringIO

    from django.core.management import call_command

    call_command("generate", "--count", "3", "--seed", "2", "--no-wait", flag, stdout=StringIO())

    assert BatchJob.objects.get().judge_model == model


def test_the_judge_models_rate_limit_window_is_learnt_from_its_replies(submit):
    from generation.models import RateLimitWindow

    submit(count=1, judge=True)

    window = RateLimitWindow.objects.get(model="claude-haiku-5-5")
    assert window.requests_remaining is not None and window.output_tokens_remaining is not None


def test_a_lost_generation_call_of_a_judged_job_is_charged_without_the_judges_share(submit):
    from datetime import timedelta

    from generation import attempts
    from generation.claims import claim
    from generation.leases import expire_leases

    job = submit(count=3, run=False, judge=True)
    conversation = job.conversations.order_by("sequence_number").first()
    taken = claim(conversation, "worker-that-dies")
    Conversation.objects.filter(pk=conversation.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert expire_leases() == 1

    taken.attempt.refresh_from_db()
    assert 0 < job.judge_estimated_cost < job.estimated_cost
    expected = ((job.estimated_cost - job.judge_estimated_cost) / 3).quantize(Decimal("0.000001"))
    assert taken.attempt.cost == attempts.per_call_estimate(job) == expected
    assert attempts.per_call_estimate(job) < attempts.per_conversation_estimate(job)


@pytest.mark.parametrize(("ticked", "model"), [(True, "claude-haiku-5-5"), (False, "")])
def test_the_admins_plan_form_submits_a_job_with_or_without_the_judge(
    editor_client, scaffolding, offline, ticked, model
):
    form = {
        "name": "Judged or not",
        "count": "3",
        "seed": "8",
        "concurrency": "3",
        "error_handling": "continue",
        "priority": "1",
        **({"judge": "on"} if ticked else {}),
    }

    editor_client.post("/admin/generation/batchjob/plan/", {**form, "_submit": "1"})

    assert BatchJob.objects.get().judge_model == model


def test_the_plan_forms_judge_box_starts_as_the_setting_says(editor_client, scaffolding, settings):
    settings.JUDGE_ENABLED = True
    page = editor_client.get("/admin/generation/batchjob/plan/").content.decode()

    assert 'name="judge"' in page and "checked" in page.split('name="judge"')[1].split(">")[0]
