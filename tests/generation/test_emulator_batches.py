"""The emulator's Message Batches endpoints, through the SDK: create, retrieve, list, cancel
and results, with a processing delay, per-request errors and expiry."""

import time
import uuid

import anthropic
import pytest

from generation.claude_batches import batch_params, custom_id
from generation.emulator import Emulator, read_request_log
from tests.generation.test_emulator import client_for, make_brief, request_for


def requests(count: int, token: str = "a1b2c3d4e5f6a7b8") -> list[dict]:
    return [
        {
            "custom_id": custom_id(token, uuid.UUID(int=number)),
            "params": batch_params(request_for(make_brief(sequence_number=number))),
        }
        for number in range(1, count + 1)
    ]


def test_a_batch_ends_after_its_delay_with_results_in_another_order(tmp_path):
    emulator = Emulator(batch_dir=tmp_path, batch_delay=0.3)
    client = client_for(emulator)
    sent = requests(8)
    batch = client.messages.batches.create(requests=sent)
    assert batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 8
    assert batch.results_url is None
    deadline = time.monotonic() + 5
    while client.messages.batches.retrieve(batch.id).processing_status != "ended":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ended = client.messages.batches.retrieve(batch.id)
    assert ended.request_counts.succeeded == 8
    assert ended.ended_at is not None
    results = list(client.messages.batches.results(batch.id))
    order = [result.custom_id for result in results]
    assert sorted(order) == sorted(item["custom_id"] for item in sent)
    assert order != [item["custom_id"] for item in sent]
    assert all(result.result.type == "succeeded" for result in results)
    assert results[0].result.message.content[0].text.startswith('{"turns"')


def test_results_are_refused_before_the_batch_ends(tmp_path):
    client = client_for(Emulator(batch_dir=tmp_path, batch_delay=600))
    batch = client.messages.batches.create(requests=requests(2))
    with pytest.raises(anthropic.AnthropicError, match="results_url"):
        list(client.messages.batches.results(batch.id))


def test_faults_make_errored_and_expired_results(tmp_path):
    emulator = Emulator(batch_dir=tmp_path, faults={"500": 0.3, "expired": 0.3}, seed=5)
    client = client_for(emulator)
    batch = client.messages.batches.create(requests=requests(20))
    counts = client.messages.batches.retrieve(batch.id).request_counts
    assert counts.errored and counts.expired and counts.succeeded
    assert counts.errored + counts.expired + counts.succeeded == 20
    kinds = {result.result.type for result in client.messages.batches.results(batch.id)}
    assert kinds == {"succeeded", "errored", "expired"}


def test_a_cancelled_batch_ends_with_its_requests_cancelled(tmp_path):
    client = client_for(Emulator(batch_dir=tmp_path, batch_delay=600))
    batch = client.messages.batches.create(requests=requests(3))
    cancelled = client.messages.batches.cancel(batch.id)
    assert cancelled.cancel_initiated_at is not None
    ended = client.messages.batches.retrieve(batch.id)
    assert (ended.processing_status, ended.request_counts.canceled) == ("ended", 3)
    assert {r.result.type for r in client.messages.batches.results(batch.id)} == {"canceled"}


def test_batches_are_listed_newest_first_across_pages(tmp_path):
    client = client_for(Emulator(batch_dir=tmp_path, batch_delay=600))
    made = [client.messages.batches.create(requests=requests(1)).id for _ in range(3)]
    listed = [batch.id for batch in client.messages.batches.list(limit=2)]
    assert listed == made[::-1]


def test_a_bad_custom_id_or_a_repeated_one_is_refused_and_nothing_is_made(tmp_path):
    client = client_for(Emulator(batch_dir=tmp_path))
    bad = requests(2)
    bad[1]["custom_id"] = "not allowed!"
    with pytest.raises(anthropic.BadRequestError, match="custom_id"):
        client.messages.batches.create(requests=bad)
    twice = requests(2)
    twice[1]["custom_id"] = twice[0]["custom_id"]
    with pytest.raises(anthropic.BadRequestError, match="used twice"):
        client.messages.batches.create(requests=twice)
    assert list(client.messages.batches.list()) == []


def test_every_processed_request_is_logged_with_its_conversation_and_usage(tmp_path):
    log = tmp_path / "requests.jsonl"
    client = client_for(Emulator(batch_dir=tmp_path / "batches", request_log=log))
    client.messages.batches.create(requests=requests(2))
    client.messages.batches.list()  # looking at it ends it
    entries = read_request_log(log)
    assert [entry["kind"] for entry in entries] == ["batch_create", "batch", "batch"]
    assert {entry["conversation"] for entry in entries[1:]} == {
        str(uuid.UUID(int=1)),
        str(uuid.UUID(int=2)),
    }
    assert all(entry["usage"]["output_tokens"] > 0 for entry in entries[1:])


def test_a_one_hour_cache_write_is_read_by_the_batchs_other_requests(tmp_path):
    client = client_for(Emulator(batch_dir=tmp_path))
    sent = requests(3)
    for item in sent:  # a system prompt long enough to be cached
        item["params"]["system"][0]["text"] = "Elena's house rules. " * 400
    assert sent[0]["params"]["system"][0]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    batch = client.messages.batches.create(requests=sent)
    client.messages.batches.retrieve(batch.id)
    usages = [r.result.message.usage for r in client.messages.batches.results(batch.id)]
    assert sorted(bool(usage.cache_creation_input_tokens) for usage in usages) == [
        False,
        False,
        True,
    ]
    assert sum(bool(usage.cache_read_input_tokens) for usage in usages) == 2
