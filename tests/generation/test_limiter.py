"""The shared rate limiter, and the real SDK talking to a compatible server over HTTP."""

import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from generation import limiter
from generation.emulator import Emulator
from generation.models import BatchJob
from tests.generation.loopback import loopback_api

pytestmark = pytest.mark.django_db


def stamp(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_window_with_room_lets_calls_through():
    limiter.learn(
        "m",
        {
            "requests-remaining": "40",
            "requests-reset": stamp(30),
            "input-tokens-remaining": "90000",
            "input-tokens-reset": stamp(30),
        },
    )
    assert limiter.wait_seconds("m", input_tokens=2000, output_tokens=2000) == 0


def test_an_exhausted_window_makes_every_worker_wait_for_its_reset():
    limiter.learn("m", {"requests-remaining": "0", "requests-reset": stamp(3)})
    assert 2.0 < limiter.wait_seconds("m", 10, 10) <= 3.0
    limiter.learn(
        "m",
        {
            "input-tokens-remaining": "500",
            "input-tokens-reset": stamp(5),
            "requests-remaining": "10",
            "requests-reset": stamp(5),
        },
    )
    assert limiter.wait_seconds("m", input_tokens=400, output_tokens=10) == 0
    assert 4.0 < limiter.wait_seconds("m", input_tokens=4000, output_tokens=10) <= 5.0


def test_a_window_that_has_reset_no_longer_holds_anyone_back():
    limiter.learn("m", {"requests-remaining": "0", "requests-reset": stamp(-1)})
    assert limiter.wait_seconds("m", 10, 10) == 0
    assert limiter.wait_seconds("unknown-model", 10, 10) == 0


def test_headers_the_limiter_cannot_read_are_ignored():
    limiter.learn("m", {"requests-remaining": "many", "requests-reset": "soon"})
    assert limiter.wait_seconds("m", 10, 10) == 0


def test_a_batch_talks_to_any_compatible_server_and_obeys_its_rate_window(submit, settings):
    calls: list[float] = []

    def exhausted(response) -> dict[str, str]:
        calls.append(time.monotonic())
        return {
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": stamp(1.5),
        }

    with loopback_api(Emulator(), exhausted) as (url, seen):
        settings.ANTHROPIC_API_KEY = "sk-test-not-a-real-key"
        settings.ANTHROPIC_BASE_URL = url
        job = submit(3)
    assert job.status == BatchJob.Status.COMPLETED
    assert len(seen) == 3
    assert all(entry["path"] == "/v1/messages" for entry in seen)
    assert all(
        entry["headers"].get("authorization", "").startswith("Bearer ")
        or entry["headers"].get("x-api-key")
        for entry in seen
    )
    gaps = [later - earlier for earlier, later in pairwise(calls)]
    assert all(gap >= 1.0 for gap in gaps), gaps  # each call waited for the window to reset
    # The server behind the URL is our emulator, and its replies say so: the marking
    # follows the data, not the configuration.
    assert set(job.conversations.values_list("source", flat=True)) == {"offline_emulator"}
