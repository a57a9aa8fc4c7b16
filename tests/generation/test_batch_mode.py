"""Batch mode end to end: the app, the SDK and the emulator's Message Batches endpoints (in
process, or behind a loopback server that loses answers, calls and halves of results)."""

import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from generation.attempts import per_conversation_estimate
from generation.batches import ENVELOPE_BYTES, run_batches
from generation.calls import Usage
from generation.claude_batches import batch_params, custom_id, request_size
from generation.dispatch import wake
from generation.emulator import Emulator, read_request_log
from generation.models import BatchJob, Conversation, GenerationAttempt, MessageBatch
from generation.pricing import cost_of
from generation.status import job_status
from generation.tasks import request_for
from tests.generation.batch_loopback import Losses, batch_api

pytestmark = pytest.mark.django_db


def billed(settings) -> list[dict]:
    """The emulator's answers to batch requests that were billed (a message came back)."""
    log = read_request_log(settings.EMULATOR_REQUEST_LOG)
    return [entry for entry in log if entry.get("kind") == "batch" and entry["status"] == 200]


def creates(settings) -> int:
    log = read_request_log(settings.EMULATOR_REQUEST_LOG)
    return sum(entry.get("kind") == "batch_create" for entry in log)


def usage_of(entry: dict) -> Usage:
    usage = entry["usage"]
    return Usage(
        input_tokens=usage["input_tokens"],
        output_tokens=usage["output_tokens"],
        cache_write_tokens=usage["cache_creation_input_tokens"],
        cache_read_tokens=usage["cache_read_input_tokens"],
    )


def assert_each_paid_once(job: BatchJob, settings) -> None:
    """Every stored conversation was billed once by the API and charged once by us, at the
    batch price; what we charged in all is what the API billed."""
    entries = billed(settings)
    per_conversation = Counter(entry["conversation"] for entry in entries)
    for conversation in job.conversations.filter(status=Conversation.Status.COMPLETED):
        assert per_conversation[str(conversation.pk)] == 1, conversation
        assert conversation.attempt_log.filter(outcome="ok").count() == 1
    charged = sum(conversation.cost for conversation in job.conversations.all())
    model = job.model
    assert charged == sum(cost_of(usage_of(entry), model, batch=True) for entry in entries)


def run_until_finished(job: BatchJob, seconds: float = 30.0) -> BatchJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run_batches()
        job.refresh_from_db()
        if job.status in BatchJob.FINISHED:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job} still {job.status} after {seconds} s: {job.progress()}")


@pytest.fixture
def loopback(offline, tmp_path):
    """The API at a loopback address, in front of an emulator whose batches end after
    `delay` seconds; yields a function (delay, losses) -> None that points the app at it."""
    servers = []

    def serve(losses: Losses, delay: float = 0.0) -> None:
        emulator = Emulator(
            batch_dir=tmp_path / "loopback-batches",
            batch_delay=delay,
            request_log=Path(offline.EMULATOR_REQUEST_LOG),
        )
        server = batch_api(emulator, losses)
        offline.ANTHROPIC_BASE_URL = server.__enter__()
        offline.ANTHROPIC_API_KEY = "test-key-not-a-secret"
        servers.append(server)

    yield serve
    for server in servers:
        server.__exit__(None, None, None)


def test_a_batch_job_goes_out_as_one_message_batch_and_is_stored_at_the_batch_price(
    submit, settings, cacheable_prompt
):
    job = submit(6, mode="batch")
    batch = job.message_batches.get()
    assert batch.state == MessageBatch.State.IN_PROGRESS
    assert batch.anthropic_id.startswith("msgbatch_")
    assert batch.request_count == 6
    assert job_status(job)["progress"]["inProgress"] == 6
    assert job_status(job)["batches"][0]["batchId"] == batch.anthropic_id

    assert run_batches()["stored"] == 6
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    batch.refresh_from_db()
    assert batch.state == MessageBatch.State.STORED
    assert batch.counts["succeeded"] == 6
    for conversation in job.conversations.all():
        assert conversation.status == Conversation.Status.COMPLETED
        assert conversation.source == "offline_emulator"
        assert conversation.validation  # checked through the standard path
        (attempt,) = conversation.attempt_log.all()
        assert attempt.message_batch_id == batch.pk
        usage = Usage(
            attempt.input_tokens,
            attempt.output_tokens,
            attempt.cache_write_tokens,
            attempt.cache_read_tokens,
        )
        assert attempt.cost == cost_of(usage, job.model, batch=True)
        if not usage.cache_write_tokens:
            assert attempt.cost * 2 == pytest.approx(
                cost_of(usage, job.model), abs=Decimal("0.000002")
            )
    attempts = GenerationAttempt.objects.filter(message_batch=batch)
    # The system prompt was cached (for an hour): written once, read by the others.
    assert sum(bool(attempt.cache_write_tokens) for attempt in attempts) == 1
    assert sum(bool(attempt.cache_read_tokens) for attempt in attempts) == 5
    assert creates(settings) == 1
    assert_each_paid_once(job, settings)


def test_the_estimate_of_a_batch_job_is_at_the_batch_price(submit):
    standard = submit(6, run=False)
    batch = submit(6, run=False, mode="batch")
    assert batch.estimated_cost < standard.estimated_cost * Decimal("0.55")
    assert batch.estimated_cost > standard.estimated_cost * Decimal("0.45")


def test_errored_and_expired_requests_go_out_again_in_a_later_batch(submit, settings):
    settings.EMULATOR_FAULTS = "500=0.25,expired=0.25"
    job = run_until_finished(submit(8, mode="batch"))
    outcomes = Counter(
        entry["outcome"]
        for entry in read_request_log(settings.EMULATOR_REQUEST_LOG)
        if entry.get("kind") == "batch"
    )
    assert outcomes["500"] and outcomes["expired"]
    assert job.message_batches.count() >= 2
    for conversation in job.conversations.all():
        failed = conversation.attempt_log.exclude(outcome="ok")
        assert set(failed.values_list("outcome", flat=True)) <= {"server", "expired"}
        assert all(attempt.cost == 0 for attempt in failed)
        if conversation.status == Conversation.Status.FAILED:
            assert conversation.attempts == settings.GENERATION_MAX_ATTEMPTS
        else:
            assert conversation.status == Conversation.Status.COMPLETED
    assert job.conversations.filter(status=Conversation.Status.COMPLETED).exists()
    assert_each_paid_once(job, settings)


def test_a_create_call_whose_answer_was_lost_is_adopted_and_paid_once(submit, settings, loopback):
    settings.GENERATION_BATCH_ORPHAN_SECONDS = 0.0
    loopback(Losses(create_answers=1), delay=2.0)
    job = submit(5, mode="batch")
    batch = job.message_batches.get()
    assert (batch.state, batch.anthropic_id) == (MessageBatch.State.CREATING, "")
    assert job.conversations.filter(status=Conversation.Status.GENERATING).count() == 5

    run_batches()  # a batch that may be this one's is still processing: the sweep waits
    batch.refresh_from_db()
    assert batch.state == MessageBatch.State.CREATING
    assert job.conversations.filter(status=Conversation.Status.GENERATING).count() == 5

    job = run_until_finished(job)
    batch.refresh_from_db()
    assert batch.state == MessageBatch.State.STORED
    assert batch.anthropic_id.startswith("msgbatch_")
    assert job.status == BatchJob.Status.COMPLETED
    assert job.message_batches.count() == 1
    assert creates(settings) == 1
    assert_each_paid_once(job, settings)


def test_a_create_call_that_never_arrived_gives_its_conversations_back(submit, settings, loopback):
    settings.GENERATION_BATCH_ORPHAN_SECONDS = 0.0
    loopback(Losses(creates=1))
    job = submit(5, mode="batch")
    assert job.message_batches.get().state == MessageBatch.State.CREATING

    run_batches()  # no batch of the account can be it: given back, and sent again
    lost, sent = job.message_batches.order_by("created_at")
    assert lost.state == MessageBatch.State.ABANDONED
    assert sent.state == MessageBatch.State.IN_PROGRESS

    job = run_until_finished(job)
    assert job.status == BatchJob.Status.COMPLETED
    for conversation in job.conversations.all():
        first, second = conversation.attempt_log.order_by("number")
        assert (first.outcome, first.cost, first.message_batch_id) == ("connection", 0, lost.pk)
        assert (second.outcome, second.message_batch_id) == ("ok", sent.pk)
    assert creates(settings) == 1
    assert_each_paid_once(job, settings)


def test_a_results_stream_cut_halfway_is_read_again_without_storing_twice(
    submit, settings, loopback
):
    loopback(Losses(results_halves=1))
    job = submit(6, mode="batch")
    assert run_batches()["stored"] == 3
    batch = job.message_batches.get()
    assert batch.state == MessageBatch.State.ENDED
    assert "cut off" in batch.error
    assert job.conversations.filter(status=Conversation.Status.COMPLETED).count() == 3

    assert run_batches()["stored"] == 3
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    assert GenerationAttempt.objects.filter(message_batch=batch).count() == 6
    assert_each_paid_once(job, settings)


def test_cancelling_a_batch_job_cancels_its_open_batches(submit, settings):
    settings.EMULATOR_BATCH_SECONDS = 600.0
    job = submit(4, mode="batch")
    batch = job.message_batches.get()
    assert batch.state == MessageBatch.State.IN_PROGRESS
    assert job.cancel("Cancelled by the test")
    wake()
    batch.refresh_from_db()
    assert batch.state == MessageBatch.State.STORED
    assert batch.counts["canceled"] == 4
    assert set(job.conversations.values_list("status", flat=True)) == {"cancelled"}
    assert job.actual_cost() == 0
    assert billed(settings) == []


def test_a_paused_job_sends_no_new_batch_until_resumed(submit):
    job = submit(4, mode="batch", run=False)
    assert job.pause("Paused by the test")
    run_batches()
    assert not job.message_batches.exists()
    assert job.resume()
    wake()
    assert job.message_batches.get().request_count == 4


def test_the_budget_cap_counts_what_open_batches_will_cost(submit, settings):
    settings.EMULATOR_BATCH_SECONDS = 600.0
    job = submit(6, mode="batch", run=False)
    job.budget_cap = per_conversation_estimate(job) * Decimal("2.5")
    job.save(update_fields=["budget_cap"])
    wake()
    job.refresh_from_db()
    assert job.message_batches.get().request_count == 2
    assert job.status == BatchJob.Status.PAUSED
    assert "Budget cap" in job.status_reason


def test_a_job_is_split_into_batches_under_the_request_limit(submit, settings):
    settings.GENERATION_BATCH_MAX_REQUESTS = 4
    job = submit(6, mode="batch")
    assert sorted(job.message_batches.values_list("request_count", flat=True)) == [2, 4]
    assert run_until_finished(job).status == BatchJob.Status.COMPLETED


def test_a_job_is_split_into_batches_under_the_size_limit(submit, settings):
    job = submit(6, mode="batch", run=False)
    sizes = [
        request_size(custom_id("0" * 16, conversation.pk), batch_params(request_for(conversation)))
        for conversation in job.conversations.select_related("batch_job")
    ]
    settings.GENERATION_BATCH_MAX_BYTES = ENVELOPE_BYTES + max(sizes) * 2
    wake()
    batches = list(job.message_batches.all())
    assert len(batches) >= 3
    for batch in batches:
        size = ENVELOPE_BYTES + sum(
            request_size(
                custom_id(batch.token, attempt.conversation_id),
                batch_params(request_for(attempt.conversation)),
            )
            for attempt in batch.attempts.select_related("conversation__batch_job")
        )
        assert size <= settings.GENERATION_BATCH_MAX_BYTES
    assert sum(batch.request_count for batch in batches) == 6


@pytest.fixture
def api(editor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


def test_the_api_takes_a_mode_and_refuses_an_unknown_one(
    api, offline, scaffolding, django_capture_on_commit_callbacks
):
    plan = api.post("/api/conversations/plan", {"count": 3, "seed": 3}, format="json").data
    body = {"name": "Batch 3", "parameterSets": plan["parameterSets"], "mode": "overnight"}
    refused = api.post("/api/conversations/generate-batch", body, format="json")
    assert refused.status_code == 400
    assert "mode" in refused.data
    assert not BatchJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        accepted = api.post(
            "/api/conversations/generate-batch", {**body, "mode": "batch"}, format="json"
        )
    assert accepted.status_code == 202, accepted.data
    job = BatchJob.objects.get(pk=accepted.data["jobId"])
    assert job.mode == BatchJob.Mode.BATCH
    status = api.get(f"/api/conversations/batch/{job.pk}/status").data
    assert status["mode"] == "batch"
    assert status["batches"][0]["requests"] == 3


def test_generate_in_batch_mode_follows_the_job_to_its_end_and_batch_status_shows_it(
    scaffolding, offline
):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("generate", "--count", "3", "--mode", "batch", "--workers", "0", stdout=out)
    assert "through the Message Batches API" in out.getvalue()
    job = BatchJob.objects.get()
    assert (job.mode, job.status) == ("batch", "completed")
    status = StringIO()
    call_command("batch_status", str(job.pk), stdout=status)
    batch = job.message_batches.get()
    assert f"Message Batch {batch.anthropic_id}: stored, 3 request(s) (3 succeeded)" in (
        status.getvalue()
    )


def test_the_plan_form_submits_a_batch_mode_job_and_its_page_shows_the_batch(
    editor_client, scaffolding, offline, django_capture_on_commit_callbacks
):
    form = {
        "name": "Batch from the admin",
        "count": "4",
        "seed": "8",
        "concurrency": "3",
        "mode": "batch",
        "error_handling": "continue",
        "priority": "1",
    }
    page = editor_client.get("/admin/generation/batchjob/plan/").content.decode()
    assert "Message Batches (half price, within 24 h)" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post("/admin/generation/batchjob/plan/", {**form, "_submit": "1"})
    job = BatchJob.objects.get()
    assert response.status_code == 302 and job.mode == BatchJob.Mode.BATCH
    batch = job.message_batches.get()
    detail = editor_client.get(response["Location"]).content.decode()
    assert f"{batch.anthropic_id} in progress (4 requests: 4 processing)" in detail
    assert "none: sent as Message Batches" in detail
    refused = editor_client.post(
        "/admin/generation/batchjob/plan/", {**form, "mode": "overnight", "_submit": "1"}
    ).content.decode()
    assert "Select a valid choice" in refused
    assert BatchJob.objects.count() == 1
