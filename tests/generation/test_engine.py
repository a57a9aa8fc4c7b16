"""Claim, call, store: the whole generation path against the emulator, inline."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from generation import claims, storing
from generation.claude import write_conversation
from generation.dispatch import dispatch, sweep
from generation.emulator import read_request_log
from generation.leases import expire_leases
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.pricing import cost_of
from generation.status import job_status
from generation.tasks import generate_conversation, request_for

pytestmark = pytest.mark.django_db


def requests(settings) -> list[dict]:
    return read_request_log(settings.EMULATOR_REQUEST_LOG)


def test_a_submitted_batch_generates_every_conversation_once(submit, settings):
    job = submit(8)
    assert job.status == BatchJob.Status.COMPLETED
    conversations = list(job.conversations.all())
    assert [c.status for c in conversations] == ["completed"] * 8
    for conversation in conversations:
        assert 4 <= len(conversation.turns) <= 10
        assert len(conversation.turns) == conversation.parameters["turn_count"]
        assert conversation.source == "offline_emulator"
        assert conversation.attempts == 1 and conversation.cost > 0
        assert conversation.prompt_template_id == job.prompt_template_id
    assert GenerationAttempt.objects.filter(conversation__batch_job=job, outcome="ok").count() == 8
    logged = requests(settings)
    assert len(logged) == 8
    assert {entry["conversation"] for entry in logged} == {str(c.pk) for c in conversations}
    status = job_status(job)
    assert status["progress"] == {
        "total": 8,
        "completed": 8,
        "failed": 0,
        "inProgress": 0,
        "pending": 0,
        "cancelled": 0,
    }
    assert Decimal(str(status["cost"]["actualCurrent"])) == sum(c.cost for c in conversations)
    assert status["cost"]["estimatedTotal"] > 0


def test_the_system_prompt_is_cached_after_the_first_call(submit, cacheable_prompt):
    job = submit(5)
    conversations = list(job.conversations.order_by("completed_at"))
    assert conversations[0].cache_write_tokens > 0
    assert all(c.cache_read_tokens > 0 for c in conversations[1:])


def test_a_stored_conversation_is_never_paid_for_twice(submit, settings):
    job = submit(3)
    before = len(requests(settings))
    for conversation in job.conversations.all():
        assert generate_conversation(str(conversation.pk)) == "skipped"
    assert len(requests(settings)) == before
    assert all(c.attempts == 1 for c in job.conversations.all())


def test_rate_limits_are_retried_until_every_conversation_completes(submit, settings):
    settings.EMULATOR_FAULTS = "429=0.4"
    job = submit(6, seed=3)
    assert job.status == BatchJob.Status.COMPLETED
    outcomes = list(
        GenerationAttempt.objects.filter(conversation__batch_job=job).values_list(
            "outcome", flat=True
        )
    )
    assert outcomes.count("ok") == 6
    assert outcomes.count("rate_limited") >= 1
    assert sum(c.attempts for c in job.conversations.all()) == len(outcomes)


def test_output_that_breaks_the_schema_is_retried_then_failed_with_its_cost(submit, settings):
    settings.EMULATOR_FAULTS = "invalid_json=1.0"
    settings.GENERATION_MAX_ATTEMPTS = 2
    job = submit(3)
    assert job.status == BatchJob.Status.COMPLETED  # error policy continue: the job goes on
    for conversation in job.conversations.all():
        assert conversation.status == "failed"
        assert conversation.attempts == 2
        assert "after 2 attempt(s)" in conversation.error
        assert conversation.cost > 0  # the broken replies were billed
        assert conversation.turns == []
    assert set(GenerationAttempt.objects.values_list("outcome", flat=True)) == {"invalid_output"}


@pytest.mark.parametrize("fault", ["refusal", "max_tokens"])
def test_refused_or_cut_off_replies_are_not_stored(submit, settings, fault):
    settings.EMULATOR_FAULTS = f"{fault}=1.0"
    settings.GENERATION_MAX_ATTEMPTS = 1
    job = submit(3)
    assert set(job.conversations.values_list("status", flat=True)) == {"failed"}
    assert set(GenerationAttempt.objects.values_list("outcome", flat=True)) == {fault}


def test_the_stop_policy_fails_the_job_and_cancels_what_is_left(submit, settings):
    settings.EMULATOR_FAULTS = "invalid_json=1.0"
    settings.GENERATION_MAX_ATTEMPTS = 1
    job = submit(6, error_handling="stop", concurrency=1)
    assert job.status == BatchJob.Status.FAILED
    assert "Stopped after conversation #" in job.status_reason
    statuses = list(job.conversations.values_list("status", flat=True))
    assert statuses.count("failed") == 1
    assert statuses.count("cancelled") == 5


@pytest.mark.parametrize("fault", ["spend_limit", "usage_limit"])
def test_either_spend_limit_pauses_the_job_with_its_reason(submit, settings, fault):
    settings.EMULATOR_FAULTS = f"{fault}=1.0"
    job = submit(4, concurrency=1)
    assert job.status == BatchJob.Status.PAUSED
    assert "spend limit" in job.status_reason
    assert set(job.conversations.values_list("status", flat=True)) == {"pending"}
    assert len(requests(settings)) == 1  # no further call once the limit is known
    settings.EMULATOR_FAULTS = ""
    assert job.resume()
    dispatch()
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED


def test_the_budget_cap_pauses_the_job_before_it_is_exceeded(submit, settings):
    job = submit(10, budget_cap="0.000001", run=False)
    cap = job.estimated_cost * Decimal("0.35")
    BatchJob.objects.filter(pk=job.pk).update(budget_cap=cap)
    dispatch()
    job.refresh_from_db()
    assert job.status == BatchJob.Status.PAUSED
    assert "Budget cap" in job.status_reason
    assert job.actual_cost() <= cap
    assert 0 < job.conversations.filter(status="completed").count() < 10


def test_pause_resume_and_cancel(submit, settings):
    job = submit(6, run=False)
    assert job.pause("Reviewing the plan")
    dispatch()
    assert len(requests(settings)) == 0
    assert job.resume()
    dispatch()
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    other = submit(4, run=False, name="Second")
    assert other.cancel()
    dispatch()
    assert set(other.conversations.values_list("status", flat=True)) == {"cancelled"}
    assert not other.resume()


def test_retry_failed_regenerates_only_the_failed_ones(submit, settings):
    settings.EMULATOR_FAULTS = "invalid_json=0.5"
    settings.GENERATION_MAX_ATTEMPTS = 1
    job = submit(8, seed=2)
    failed = set(job.conversations.filter(status="failed").values_list("pk", flat=True))
    completed = {c.pk: (c.turns, c.attempts) for c in job.conversations.filter(status="completed")}
    assert failed and completed
    settings.EMULATOR_FAULTS = ""
    assert job.retry_failed() == len(failed)
    dispatch()
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    for conversation in job.conversations.filter(pk__in=completed):
        assert (conversation.turns, conversation.attempts) == completed[conversation.pk]
    assert set(job.conversations.values_list("status", flat=True)) == {"completed"}


def test_a_job_never_has_more_claims_than_its_concurrency(submit):
    job = submit(6, concurrency=2, run=False)
    ids = list(job.conversations.values_list("pk", flat=True))
    assert claims.claim(ids[0], "worker-a")
    assert claims.claim(ids[1], "worker-b")
    assert claims.claim(ids[2], "worker-c") is None
    assert job.conversations.filter(status="generating").count() == 2


def test_an_expired_lease_goes_back_to_pending_and_is_generated(submit, settings):
    job = submit(3, run=False)
    first = job.conversations.first()
    claim = claims.claim(first.pk, "a-worker-that-dies")
    assert claim
    Conversation.objects.filter(pk=first.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    result = sweep()
    assert result["returned"] == 1
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    first.refresh_from_db()
    assert first.status == "completed" and first.attempts == 2
    assert list(first.attempt_log.values_list("outcome", flat=True)) == ["lost", "ok"]


def test_a_call_lost_with_its_worker_is_charged_at_its_estimate_in_the_jobs_cost(submit):
    job = submit(3, run=False)
    first = job.conversations.first()
    assert claims.claim(first.pk, "a-worker-that-dies")
    Conversation.objects.filter(pk=first.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert sweep()["returned"] == 1
    first.refresh_from_db()
    lost, ok = first.attempt_log.order_by("number")
    estimate = (job.estimated_cost / job.total_items).quantize(Decimal("0.000001"))
    assert (lost.outcome, lost.cost, lost.cost_estimated) == ("lost", estimate, True)
    assert (ok.outcome, ok.cost_estimated) == ("ok", False)
    assert first.cost == estimate + ok.cost
    assert job.actual_cost() == sum(c.cost for c in job.conversations.all())
    assert job.actual_cost() > sum(a.cost for a in GenerationAttempt.objects.filter(outcome="ok"))


def test_a_reply_arriving_after_its_lease_was_given_up_replaces_the_estimate(submit):
    job = submit(2, run=False)
    first = job.conversations.first()
    claim = claims.claim(first.pk, "a-slow-worker")
    Conversation.objects.filter(pk=first.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert expire_leases() == 1  # not sweep(): it would hand the conversation out again
    request = request_for(claim.conversation)
    reply = write_conversation(replace(request, attempt=claim.attempt.number))
    stored = storing.store_reply(claim, reply)

    assert stored.kept
    first.refresh_from_db()
    attempt = first.attempt_log.get()
    assert (attempt.outcome, attempt.cost_estimated) == ("ok", False)
    assert first.cost == attempt.cost == cost_of(reply.usage, reply.model)  # charged once


def test_higher_priority_jobs_take_the_free_slots_first(submit, settings):
    settings.GENERATION_MAX_IN_FLIGHT = 1
    low = submit(3, run=False, name="Low", priority=BatchJob.Priority.LOW)
    high = submit(3, run=False, name="High", priority=BatchJob.Priority.HIGH)
    settings.GENERATION_INLINE = True
    dispatch()
    first_low = low.conversations.order_by("completed_at").first().completed_at
    last_high = high.conversations.order_by("-completed_at").first().completed_at
    assert last_high <= first_low


def test_one_call_warms_a_cacheable_system_prompt_before_the_others_fan_out(
    submit, settings, cacheable_prompt
):
    settings.GENERATION_INLINE = False  # queue, do not run: look at what dispatch reserves
    job = submit(6, concurrency=3, run=False)
    assert dispatch() == 1
    first = job.conversations.filter(dispatched_at__isnull=False).get()
    Conversation.objects.filter(pk=first.pk).update(status="completed", dispatched_at=None)
    assert dispatch() == 3


def test_a_short_system_prompt_is_not_cacheable_so_the_batch_fans_out_at_once(submit, settings):
    settings.GENERATION_INLINE = False
    submit(6, concurrency=3, run=False)
    assert dispatch() == 3


def test_the_sweep_is_scheduled_every_minute_for_every_cluster():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="generation.tasks.sweep_generation")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)


def test_a_request_the_api_refuses_fails_that_conversation_and_the_job_goes_on(submit, settings):
    import httpx2

    from generation.emulator import Emulator
    from tests.generation.loopback import loopback_api

    emulator = Emulator()
    refused: list[str] = []

    class RefusesTheFirst:
        def handle(self, request: httpx2.Request) -> httpx2.Response:
            conversation = request.headers.get("x-eidataset-conversation")
            if not refused or refused[0] == conversation:
                refused[:1] = [conversation]
                body = {
                    "type": "error",
                    "error": {"type": "invalid_request_error", "message": "messages: bad"},
                }
                return httpx2.Response(400, json=body, headers={"request-id": "req_bad"})
            return emulator.handle(request)

    with loopback_api(RefusesTheFirst()) as (url, seen):
        settings.ANTHROPIC_API_KEY = "sk-test-not-a-real-key"
        settings.ANTHROPIC_BASE_URL = url
        job = submit(4, concurrency=1)
    assert job.status == BatchJob.Status.COMPLETED
    failed = job.conversations.get(status="failed")
    assert str(failed.pk) == refused[0]
    assert failed.attempts == 1  # a refused request is not retried
    assert "messages: bad" in failed.error
    assert failed.attempt_log.get().outcome == "bad_request"
    assert job.conversations.filter(status="completed").count() == 3
    assert len(seen) == 4


def test_the_status_counts_only_live_claims_as_in_progress(submit):
    job = submit(3, run=False)
    first, second = job.conversations.all()[:2]
    assert claims.claim(first.pk, "a-live-worker")
    assert claims.claim(second.pk, "a-dead-worker")
    Conversation.objects.filter(pk=second.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    progress = job_status(job)["progress"]
    assert (progress["inProgress"], progress["pending"]) == (1, 2)
