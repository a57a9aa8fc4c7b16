"""Tier rate limits in the emulator (token buckets), and the auto-concurrency controller
driven by real calls against them through the SDK."""

import logging
import time
from collections import Counter
from pathlib import Path

import anthropic
import httpx2
import pytest
from django.core.exceptions import ImproperlyConfigured

from generation import claude, concurrency, limiter
from generation.brief import render_brief
from generation.calls import ClaudeError, ConversationRequest
from generation.emulator import Emulator, read_request_log
from generation.emulator.api import tier_buckets
from generation.emulator.buckets import parse_rate_limits
from generation.emulator.writer import sample_brief
from generation.models import BatchJob
from generation.submission import MAX_CONCURRENCY, BatchOptions, SubmissionError

MODEL = "claude-sonnet-5-5"


def client_for(emulator: Emulator) -> anthropic.Anthropic:
    transport = httpx2.MockTransport(emulator.handle)
    return anthropic.Anthropic(
        api_key="offline",
        base_url=claude.OFFLINE_BASE_URL,
        http_client=httpx2.Client(transport=transport),
        max_retries=0,
    )


def raw_call(client: anthropic.Anthropic, number: int = 1) -> httpx2.Response:
    """One Messages call as the SDK sends it; the raw HTTP answer, whatever its status."""
    brief = {**sample_brief(), "sequence_number": number}
    response = client.messages.with_raw_response.create(
        model=MODEL,
        max_tokens=8192,
        system="You write conversations.",
        messages=[{"role": "user", "content": render_brief(brief)}],
        output_config={"format": {"type": "json_schema", "schema": {"type": "object"}}},
    )
    return response.http_response


def call_status(client: anthropic.Anthropic) -> tuple[int, httpx2.Headers]:
    try:
        answer = raw_call(client)
    except anthropic.APIStatusError as error:
        return error.status_code, error.response.headers
    return answer.status_code, answer.headers


def request(number: int = 1) -> ConversationRequest:
    brief = {**sample_brief(), "sequence_number": number}
    return ConversationRequest(
        conversation_id=f"c{number}",
        model=MODEL,
        max_tokens=8192,
        system="You write conversations.",
        prompt=render_brief(brief),
    )


# --- the emulator's buckets ----------------------------------------------------------------


def test_rate_limits_are_read_from_the_setting_and_bad_ones_named():
    assert parse_rate_limits("requests=50, input_tokens=40000,output-tokens=8000") == {
        "requests": 50,
        "input-tokens": 40000,
        "output-tokens": 8000,
    }
    assert parse_rate_limits("") == {}
    with pytest.raises(ImproperlyConfigured, match="unknown limit 'tokens'"):
        parse_rate_limits("tokens=5")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        parse_rate_limits("requests=0")


def test_without_limits_nothing_is_enforced(tmp_path):
    assert tier_buckets("", 60.0, tmp_path / "state.json") is None
    client = client_for(Emulator())
    assert all(call_status(client)[0] == 200 for _ in range(8))


def test_an_empty_output_bucket_answers_429_with_retry_after_and_the_headers_then_refills(
    tmp_path,
):
    # A 3 s window: the refill after the refusal takes long enough that the next call, even on
    # a loaded machine, comes before it.
    buckets = tier_buckets("output_tokens=2400", 3.0, tmp_path / "state.json")
    client = client_for(Emulator(rate_limits=buckets))
    statuses: list[int] = []
    while 429 not in statuses and len(statuses) < 10:
        status, headers = call_status(client)
        statuses.append(status)
        for kind in ("requests", "input-tokens", "output-tokens"):
            for part in ("limit", "remaining", "reset"):
                assert f"anthropic-ratelimit-{kind}-{part}" in headers
    # Admitted while the bucket is not negative, the actual output taken after: the call
    # that empties it passes, the next is refused.
    assert statuses[:-1] == [200] * (len(statuses) - 1) and len(statuses) >= 2
    assert statuses[-1] == 429
    assert headers["anthropic-ratelimit-output-tokens-limit"] == "2400"
    assert headers["anthropic-ratelimit-output-tokens-remaining"] == "0"
    assert int(headers["retry-after"]) >= 1  # whole seconds, rounded up
    wait = int(headers["retry-after-ms"]) / 1000
    assert 0 < wait <= 3.0
    refused_at = time.monotonic()
    status = call_status(client)[0]
    # Still empty: no request slips through before the retry-after it was given (a 200 is
    # right only if the machine was so slow that the wait had passed before the call went out).
    assert status == 429 or time.monotonic() - refused_at >= wait
    time.sleep(wait + 0.05)
    status, headers = call_status(client)
    assert status == 200


def test_the_requests_bucket_refills_continuously(tmp_path):
    buckets = tier_buckets("requests=3", 6.0, tmp_path / "state.json")
    client = client_for(Emulator(rate_limits=buckets))
    assert [call_status(client)[0] for _ in range(4)] == [200, 200, 200, 429]
    time.sleep(2.05)  # one request refills every 2 s
    assert call_status(client)[0] == 200
    assert call_status(client)[0] == 429


def test_emulators_in_several_processes_share_one_set_of_buckets(tmp_path):
    """Each worker process has its own emulator: the limits are the organisation's, not
    each process's, so they share the state file."""
    state = tmp_path / "state.json"
    first = client_for(Emulator(rate_limits=tier_buckets("requests=2", 60.0, state)))
    second = client_for(Emulator(rate_limits=tier_buckets("requests=2", 60.0, state)))
    assert call_status(first)[0] == 200
    assert call_status(second)[0] == 200
    assert call_status(first)[0] == 429
    assert call_status(second)[0] == 429


def test_the_sdk_retries_a_tier_429_after_its_retry_after_and_the_reply_says_so(tmp_path):
    buckets = tier_buckets("requests=1", 0.5, tmp_path / "state.json")
    transport = httpx2.MockTransport(Emulator(rate_limits=buckets).handle)
    client = anthropic.Anthropic(
        api_key="offline",
        base_url=claude.OFFLINE_BASE_URL,
        http_client=httpx2.Client(transport=transport),
        max_retries=2,
    )
    claude.write_conversation(request(1), client)
    reply = claude.write_conversation(request(2), client)
    assert len(reply.throttles) >= 1 and all(wait and wait > 0 for wait in reply.throttles)


# --- the controller, through real calls ----------------------------------------------------


@pytest.fixture
def limited(offline, tmp_path):
    """The offline settings with enforced tier limits in a window of `window` seconds."""

    def limit(limits: str, window: float) -> None:
        offline.EMULATOR_RATE_LIMITS = limits
        offline.EMULATOR_RATE_WINDOW_SECONDS = window
        offline.EMULATOR_RATE_STATE = str(tmp_path / "rate-limits.json")

    return limit


def paid_once(log_path: str, job: BatchJob) -> bool:
    """Each stored conversation was answered 200 exactly once."""
    answered = Counter(
        entry["conversation"]
        for entry in read_request_log(Path(log_path))
        if entry["kind"] == "conversation" and entry["status"] == 200
    )
    stored = {str(pk) for (pk,) in job.conversations.filter(status="completed").values_list("pk")}
    return all(answered[pk] == 1 for pk in stored) and set(answered) == stored


@pytest.mark.django_db
def test_auto_mode_starts_small_and_widens_to_its_ceiling_while_the_window_has_room(
    submit, limited, offline, caplog
):
    limited("output_tokens=400000", 60.0)
    caplog.set_level(logging.INFO, logger="generation.concurrency")
    job = submit(14, concurrency_auto=True, max_concurrency=4)
    assert job.concurrency_auto and job.concurrency_ceiling == 4
    assert job.status == BatchJob.Status.COMPLETED
    assert job.concurrency == 4  # 2 -> 3 after 2 calls with room, 3 -> 4 after 3 more
    changes = [r.getMessage() for r in caplog.records if r.name == "generation.concurrency"]
    assert [c.split(": ")[1].split(" (")[0] for c in changes] == [
        "concurrency 2 -> 3",
        "concurrency 3 -> 4",
    ]
    assert paid_once(offline.EMULATOR_REQUEST_LOG, job)


@pytest.mark.django_db
def test_a_full_window_stops_the_growth(submit, limited):
    """Each conversation takes about 1,200 output tokens; with a bucket of 3,000 refilling
    over a minute, the window never has room for two more: the width stays where it began."""
    limited("output_tokens=3000", 60.0)
    job = submit(3, concurrency_auto=True, max_concurrency=8)
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    assert job.concurrency == concurrency.START


@pytest.mark.django_db
def test_a_429_halves_the_width_once_per_hold_and_never_below_one(limited, submit, tmp_path):
    limited("requests=1", 2.0)
    job = submit(2, run=False, concurrency_auto=True, max_concurrency=16)
    BatchJob.objects.filter(pk=job.pk).update(concurrency=12)
    client = client_for(Emulator(rate_limits=tier_buckets("requests=1", 2.0, tmp_path / "b")))
    errors = []
    claude.write_conversation(request(1), client)
    for number in (2, 3, 4):  # one overload: a burst of 429s
        with pytest.raises(ClaudeError) as caught:
            claude.write_conversation(request(number), client)
        errors.append(caught.value)
    assert {error.kind for error in errors} == {"rate_limited"}
    widths = [concurrency.throttled(job.pk, error.retry_after, error.kind) for error in errors]
    assert widths == [6, None, None]  # halved once for the burst
    job.refresh_from_db()
    assert job.concurrency == 6 and job.concurrency_hold_until is not None
    # The hold is the window (2 s) or the retry-after, whichever is longer; after it, the
    # next overload halves again, down to 1 and no further.
    BatchJob.objects.filter(pk=job.pk).update(concurrency_hold_until=None, concurrency=1)
    assert concurrency.throttled(job.pk, errors[0].retry_after, "rate_limited") == 1
    job.refresh_from_db()
    assert job.concurrency == 1


@pytest.mark.django_db
def test_a_job_with_a_fixed_concurrency_is_never_moved(submit, limited):
    limited("output_tokens=400000", 60.0)
    job = submit(6, concurrency=3)
    assert not job.concurrency_auto and job.concurrency == 3
    assert concurrency.throttled(job.pk, 1.0, "rate_limited") is None
    assert concurrency.answered(job.pk, MODEL, 10, 10, 3) is None
    job.refresh_from_db()
    assert job.concurrency == 3


@pytest.mark.django_db
def test_an_auto_job_learns_a_tight_window_and_completes_paying_each_conversation_once(
    submit, limited, offline
):
    """Output 2,500 tokens per 2 s, two conversations' worth: the limiter learns the bucket
    from the first reply and paces the calls, so none is refused, and the width, with no
    room to spare, stays where it began."""
    limited("output_tokens=2500", 2.0)
    job = submit(6, concurrency_auto=True, max_concurrency=6)
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    assert job.concurrency == concurrency.START
    assert paid_once(offline.EMULATOR_REQUEST_LOG, job)
    window = limiter.RateLimitWindow.objects.get(model=job.model)
    assert window.output_tokens_limit == 2500
    statuses = Counter(e["status"] for e in read_request_log(Path(offline.EMULATOR_REQUEST_LOG)))
    assert statuses == {200: 6}


@pytest.mark.django_db
def test_429s_and_529s_halve_an_auto_job_which_completes_paying_each_conversation_once(
    submit, limited, offline, caplog
):
    """429s and 529s answered to the app (its own retry follows) and 429s the SDK retried
    before a reply both halve the width; the job completes, each conversation paid once."""
    limited("output_tokens=400000", 0.5)  # a short hold: halvings every half second at most
    offline.EMULATOR_FAULTS = "429=0.2,529=0.2"
    offline.EMULATOR_SEED = 3
    offline.CLAUDE_SDK_MAX_RETRIES = 1
    offline.GENERATION_MAX_ATTEMPTS = 8
    caplog.set_level(logging.INFO, logger="generation.concurrency")
    job = submit(16, concurrency_auto=True, max_concurrency=8)
    job.refresh_from_db()
    assert job.status == BatchJob.Status.COMPLETED
    entries = read_request_log(Path(offline.EMULATOR_REQUEST_LOG))
    assert {429, 529} <= {entry["status"] for entry in entries}
    changes = [r.getMessage() for r in caplog.records if r.name == "generation.concurrency"]
    assert any("429/529 retried before the reply" in change for change in changes), changes
    assert all(1 <= int(c.split(" -> ")[1].split(" ")[0]) <= 8 for c in changes)
    assert paid_once(offline.EMULATOR_REQUEST_LOG, job)


@pytest.mark.django_db
def test_auto_mode_is_checked_at_submission(submit):
    with pytest.raises(SubmissionError, match=f"1 to {MAX_CONCURRENCY}"):
        submit(3, run=False, concurrency_auto=True, max_concurrency=MAX_CONCURRENCY + 1)
    job = submit(3, run=False, concurrency_auto=True)
    assert job.concurrency == concurrency.START
    assert job.concurrency_ceiling == MAX_CONCURRENCY
    assert BatchOptions(name="x").concurrency_auto is False


# --- the interfaces ------------------------------------------------------------------------


@pytest.fixture
def api(editor):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=editor).key}")
    return client


@pytest.mark.django_db
def test_the_api_takes_auto_with_a_ceiling_and_refuses_bad_values_by_field(api, scaffolding):
    plan = api.post("/api/conversations/plan", {"count": 3, "seed": 3}, format="json").data
    body = {"name": "Auto", "parameterSets": plan["parameterSets"]}
    bad = [
        ({"concurrentProcessing": "fast"}, "concurrentProcessing"),
        ({"concurrentProcessing": "5"}, "concurrentProcessing"),
        ({"concurrentProcessing": 0}, "concurrentProcessing"),
        ({"concurrentProcessing": True}, "concurrentProcessing"),
        ({"concurrentProcessing": "auto", "maxConcurrency": 0}, "maxConcurrency"),
        ({"concurrentProcessing": "auto", "maxConcurrency": 51}, "maxConcurrency"),
    ]
    for extra, field in bad:
        response = api.post("/api/conversations/generate-batch", {**body, **extra}, format="json")
        assert response.status_code == 400 and field in response.json(), extra
    assert not BatchJob.objects.exists()
    auto = {**body, "concurrentProcessing": "auto", "maxConcurrency": 6}
    assert api.post("/api/conversations/generate-batch", auto, format="json").status_code == 202
    job = BatchJob.objects.get()
    assert job.concurrency_auto and job.concurrency_ceiling == 6
    assert job.concurrency == concurrency.START
    fixed = {**body, "concurrentProcessing": 4, "maxConcurrency": 9}  # the ceiling is ignored
    assert api.post("/api/conversations/generate-batch", fixed, format="json").status_code == 202
    job = BatchJob.objects.exclude(concurrency_auto=True).get()
    assert job.concurrency == 4 and job.concurrency_ceiling is None


@pytest.mark.django_db
def test_the_schema_offers_a_number_or_auto_and_a_ceiling(api, scaffolding):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    body = schema["components"]["schemas"]["GenerateBatch"]["properties"]
    assert {"type": "string", "enum": ["auto"]} in body["concurrentProcessing"]["oneOf"]
    assert body["maxConcurrency"]["maximum"] == MAX_CONCURRENCY


@pytest.mark.django_db
def test_the_plan_form_offers_automatic_concurrency_with_a_ceiling(
    editor_client, scaffolding, offline, django_capture_on_commit_callbacks
):
    form = {"name": "Auto", "count": "4", "seed": "8", "concurrency": "3"}
    form |= {"error_handling": "continue", "priority": "1"}
    auto = {**form, "concurrency_mode": "auto", "max_concurrency": "5"}
    page = editor_client.post(
        "/admin/generation/batchjob/plan/", {**auto, "_preview": "1"}
    ).content.decode()
    assert 'value="auto"' in page and "at concurrency auto: 2 now (at most 5)" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post("/admin/generation/batchjob/plan/", {**auto, "_submit": "1"})
    job = BatchJob.objects.get()
    assert response.status_code == 302
    assert job.concurrency_auto and job.concurrency_ceiling == 5
    detail = editor_client.get(response["Location"]).content.decode()
    assert "Concurrency" in detail and "at most 5)" in detail


@pytest.mark.django_db
def test_the_limiter_waits_only_for_the_refill_a_call_needs(offline, tmp_path):
    """Learnt from real bucket headers: the wait is the time the bucket takes to refill to
    the call's size, not the time until it is full (-reset)."""
    from django.utils import timezone

    offline.EMULATOR_RATE_WINDOW_SECONDS = 10.0
    buckets = tier_buckets("output_tokens=3000", 10.0, tmp_path / "state.json")
    client = client_for(Emulator(rate_limits=buckets))
    claude.write_conversation(request(1), client)
    sent_at = timezone.now()
    reply = claude.write_conversation(request(2), client)
    limiter.learn(MODEL, reply.rate_limits, sent_at, reply.usage.output_tokens)
    window = limiter.RateLimitWindow.objects.get(model=MODEL)
    level = int(reply.rate_limits["output-tokens-remaining"])
    assert window.output_tokens_limit == 3000 and window.output_tokens_reset is not None
    to_full = (window.output_tokens_reset - timezone.now()).total_seconds()
    wait = limiter.wait_seconds(MODEL, 10, level + 900)  # 900 tokens short: 3 s at 300/s
    assert 2.5 < wait < 3.1 < to_full
    assert limiter.wait_seconds(MODEL, 10, max(1, level - 100)) == 0
