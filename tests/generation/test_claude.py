"""The Claude adapter, with the real SDK answering from handlers written for each case."""

import dataclasses
import json
import logging
import pickle
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import pytest

from eidataset.emotions import EMOTIONS
from generation import claude
from generation.brief import render_brief
from generation.claude import (
    ClaudeError,
    ConversationRequest,
    Usage,
    build_client,
    is_offline,
    retry_after_of,
    write_conversation,
)
from generation.schema import RESPONSE_STRATEGIES

API_KEY = "sk-ant-" + "api03-very-secret-key-0123456789"  # split: not a committed secret
REQUEST = ConversationRequest(
    conversation_id="7f1c2a9e",
    model="claude-sonnet-5-5",
    max_tokens=8192,
    system="You are Elena Morales, CFP.",
    prompt="Write the conversation in the brief.",
)
Handler = Callable[[httpx2.Request], httpx2.Response]


def a_turn(number: int, strategy: str = "question") -> dict[str, Any]:
    return {
        "user_input": f"Client message {number}",
        "assistant_response": f"Elena's reply {number}",
        "conversation_phase": "exploration",
        "session_context": "first meeting",
        "emotional_context": {
            "detected_emotions": {"primary": "anxiety", "secondary": None, "intensity": 0.5},
            "response_strategy": strategy,
        },
    }


def a_document(turns: int = 4) -> str:
    return json.dumps({"turns": [a_turn(number) for number in range(1, turns + 1)]})


def a_message(text: str, stop_reason: str = "end_turn", **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 1200, "output_tokens": 900} | usage,
    }


def an_error(status: int, error_type: str, message: str = "no", **headers: str) -> httpx2.Response:
    body = {"type": "error", "error": {"type": error_type, "message": message}}
    return httpx2.Response(status, json=body, headers={"request-id": "req_err", **headers})


def answering(*responses: httpx2.Response | Exception) -> tuple[Handler, list[httpx2.Request]]:
    """A handler giving these responses in turn (the last one again), and the requests it saw."""
    seen: list[httpx2.Request] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handle, seen


def client_with(
    handler: Handler, max_retries: int = 0, timeout: float = 5.0
) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=API_KEY,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
        max_retries=max_retries,
        timeout=timeout,
    )


def ok(text: str | None = None, **usage: int) -> httpx2.Response:
    headers = {
        "request-id": "req_0123",
        "anthropic-ratelimit-requests-limit": "50",
        "anthropic-ratelimit-requests-remaining": "49",
        "anthropic-ratelimit-input-tokens-reset": "2026-01-01T00:01:00Z",
    }
    return httpx2.Response(200, json=a_message(text or a_document(), **usage), headers=headers)


def failure(handler: Handler, max_retries: int = 0) -> ClaudeError:
    with pytest.raises(ClaudeError) as caught:
        write_conversation(REQUEST, client_with(handler, max_retries))
    return caught.value


# --- a good reply ----------------------------------------------------------------------


def test_a_reply_is_read_into_turns_usage_and_rate_limits():
    handler, _ = answering(ok(cache_creation_input_tokens=300, cache_read_input_tokens=0))

    reply = write_conversation(REQUEST, client_with(handler))

    assert reply.turns == json.loads(a_document())["turns"]
    assert reply.usage == Usage(input_tokens=1200, output_tokens=900, cache_write_tokens=300)
    assert (reply.model, reply.request_id, reply.stop_reason) == (
        "claude-sonnet-5-5",
        "req_0123",
        "end_turn",
    )
    assert reply.rate_limits == {
        "requests-limit": "50",
        "requests-remaining": "49",
        "input-tokens-reset": "2026-01-01T00:01:00Z",
    }
    assert reply.source == "claude"


def test_the_request_caches_the_system_prompt_and_asks_for_the_conversation_schema():
    handler, seen = answering(ok())

    write_conversation(REQUEST, client_with(handler))

    (request,) = seen
    body = json.loads(request.content)
    assert request.url.path == "/v1/messages"
    assert request.headers["x-eidataset-conversation"] == "7f1c2a9e"
    assert body["system"] == [
        {
            "type": "text",
            "text": "You are Elena Morales, CFP.",
            "cache_control": {"type": "ephemeral"},
        }
    ]
    assert body["messages"] == [{"role": "user", "content": "Write the conversation in the brief."}]
    assert body["output_config"] == {
        "format": {"type": "json_schema", "schema": claude.OUTPUT_SCHEMA}
    }
    assert (body["model"], body["max_tokens"]) == ("claude-sonnet-5-5", 8192)
    assert not {"temperature", "top_p", "top_k", "tool_choice", "tools"} & set(body)


def test_the_request_names_the_conversation_and_the_apps_attempt():
    handler, seen = answering(ok())

    write_conversation(REQUEST, client_with(handler))
    write_conversation(dataclasses.replace(REQUEST, attempt=3), client_with(handler))

    assert [
        (request.headers["x-eidataset-conversation"], request.headers["x-eidataset-attempt"])
        for request in seen
    ] == [("7f1c2a9e", "1"), ("7f1c2a9e", "3")]


def keywords_of(node: Any) -> list[tuple[str, Any]]:
    if isinstance(node, list):
        return [pair for item in node for pair in keywords_of(item)]
    if not isinstance(node, dict):
        return []
    return [*node.items(), *(pair for value in node.values() for pair in keywords_of(value))]


def test_the_schema_sent_uses_only_what_structured_outputs_accept():
    sent = claude.OUTPUT_SCHEMA
    keywords = keywords_of(sent)
    turn = sent["properties"]["turns"]["items"]["properties"]
    emotions = turn["emotional_context"]["properties"]["detected_emotions"]["properties"]

    assert not [key for key, _ in keywords if key in ("maxItems", "minimum", "maximum")]
    assert all(value in (0, 1) for key, value in keywords if key == "minItems")
    assert not [value for key, value in keywords if key == "type" and isinstance(value, list)]
    assert all(value is False for key, value in keywords if key == "additionalProperties")
    assert "minItems: 4" in sent["properties"]["turns"]["description"]
    assert "maxItems: 10" in sent["properties"]["turns"]["description"]
    assert "maximum: 1" in emotions["intensity"]["description"]
    assert emotions["primary"]["enum"] == list(EMOTIONS)
    assert emotions["secondary"]["anyOf"] == [{"enum": list(EMOTIONS)}, {"type": "null"}]
    assert turn["emotional_context"]["properties"]["response_strategy"]["enum"] == list(
        RESPONSE_STRATEGIES
    )


def test_a_reply_with_an_emotion_outside_the_vocabulary_is_invalid_output():
    document = json.loads(a_document())
    document["turns"][0]["emotional_context"]["detected_emotions"]["primary"] = "flummoxed"
    handler, _ = answering(ok(json.dumps(document)))

    error = failure(handler)

    assert error.kind == "invalid_output"
    assert "flummoxed" in str(error)


def test_the_full_schema_is_still_enforced_on_a_reply():
    handler, _ = answering(ok(json.dumps({"turns": [a_turn(n) for n in range(1, 12)]})))

    error = failure(handler)

    assert error.kind == "invalid_output"
    assert "is too long" in str(error)


def test_usage_adds_up_across_attempts():
    first = Usage(input_tokens=10, output_tokens=20, cache_write_tokens=30, cache_read_tokens=0)
    second = Usage(input_tokens=1, output_tokens=2, cache_write_tokens=0, cache_read_tokens=30)

    assert first + second == Usage(11, 22, 30, 30)
    assert sum([first, second], Usage()) == Usage(11, 22, 30, 30)


# --- what the API answers instead ------------------------------------------------------


def test_a_rate_limit_with_a_wait_is_retried_by_the_sdk_and_then_succeeds():
    handler, seen = answering(an_error(429, "rate_limit_error", **{"retry-after-ms": "10"}), ok())

    reply = write_conversation(REQUEST, client_with(handler, max_retries=2))

    assert len(seen) == 2
    assert reply.turns


def test_a_rate_limit_that_outlasts_the_sdks_retries_is_transient_with_its_wait():
    handler, seen = answering(an_error(429, "rate_limit_error", **{"retry-after": "0.01"}))

    error = failure(handler, max_retries=2)

    assert len(seen) == 3
    assert (error.kind, error.permanent, error.retry_after, error.request_id) == (
        "rate_limited",
        False,
        0.01,
        "req_err",
    )


def test_a_429_without_a_wait_is_the_spend_limit_permanent_and_not_retried():
    handler, seen = answering(
        an_error(429, "rate_limit_error", "You have reached your spend limit")
    )

    error = failure(handler, max_retries=2)

    assert len(seen) == 1
    assert (error.kind, error.permanent, error.retry_after) == ("spend_limit", True, None)
    assert "spend limit" in str(error)


def test_the_tiers_monthly_cap_is_a_spend_limit_by_its_error_code_even_with_a_wait():
    body = {
        "type": "error",
        "error": {
            "type": "rate_limit_error",
            "message": "Your organization has reached its monthly spend limit.",
            "details": {"error_code": "enforced_spend_limit_reached"},
        },
    }
    handler, seen = answering(httpx2.Response(429, json=body, headers={"retry-after": "1"}))

    error = failure(handler, max_retries=2)

    assert len(seen) == 1  # not retried: the cap does not lift within the SDK's retries
    assert (error.kind, error.permanent) == ("spend_limit", True)
    assert "spend limit" in str(error)


def test_a_usage_limit_the_organisation_set_is_a_spend_limit_not_a_bad_request():
    handler, seen = answering(
        an_error(
            400,
            "invalid_request_error",
            "You have reached your specified API usage limits. You will regain access on "
            "2026-01-01 at 00:00 UTC.",
        )
    )

    error = failure(handler, max_retries=2)

    assert len(seen) == 1
    assert error.kind == "spend_limit"
    assert "specified API usage limits" in str(error)


def test_another_400_is_still_a_bad_request():
    handler, _ = answering(an_error(400, "invalid_request_error", "max_tokens: too large"))

    assert failure(handler).kind == "bad_request"


def test_an_overloaded_api_is_retried_then_reported_as_overloaded():
    handler, seen = answering(an_error(529, "overloaded_error", **{"retry-after-ms": "1"}))

    error = failure(handler, max_retries=1)

    assert len(seen) == 2
    assert (error.kind, error.permanent, error.retry_after) == ("overloaded", False, 0.001)


@pytest.mark.parametrize(
    ("status", "error_type", "kind", "permanent"),
    [
        (500, "api_error", "server", False),
        (503, "api_error", "server", False),
        (401, "authentication_error", "auth", True),
        (403, "permission_error", "auth", True),
        (400, "invalid_request_error", "bad_request", True),
        (404, "not_found_error", "bad_request", True),
        (413, "request_too_large", "bad_request", True),
        (422, "invalid_request_error", "bad_request", True),
    ],
)
def test_each_error_status_maps_to_its_kind(status, error_type, kind, permanent):
    handler, _ = answering(an_error(status, error_type, "what went wrong"))

    error = failure(handler)

    assert (error.kind, error.permanent) == (kind, permanent)
    assert f"({status}): what went wrong" in str(error)


def test_an_unreachable_api_is_a_transient_connection_error():
    handler, seen = answering(httpx2.ConnectError("connection refused"))

    error = failure(handler, max_retries=0)

    assert (error.kind, error.permanent) == ("connection", False)
    assert len(seen) == 1


def test_an_api_that_does_not_answer_in_time_is_a_timeout():
    handler, _ = answering(httpx2.ReadTimeout("read timed out"))

    error = failure(handler)

    assert (error.kind, error.permanent) == ("timeout", False)


@pytest.mark.parametrize(
    "answer",
    [
        httpx2.Response(
            200, text="<html>proxy error</html>", headers={"content-type": "text/html"}
        ),
        httpx2.Response(200, text="{not json", headers={"content-type": "application/json"}),
        httpx2.Response(200, json={"unexpected": True}),
    ],
)
def test_a_200_that_is_not_a_message_is_a_transient_server_error(answer):
    handler, _ = answering(answer)

    error = failure(handler)

    assert (error.kind, error.permanent) == ("server", False)
    assert "not a Message" in str(error)


def test_a_retry_after_date_is_read_as_seconds_from_now():
    assert retry_after_of({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_of({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_of({}) is None


# --- replies that cost money but cannot be stored ----------------------------------------


def test_a_refusal_is_reported_with_the_tokens_it_cost():
    handler, _ = answering(
        httpx2.Response(
            200,
            json=a_message("I can't help.", "refusal", output_tokens=12),
            headers={"request-id": "r1"},
        )
    )

    error = failure(handler)

    assert error.kind == "refusal"
    assert str(error) == "Claude refused to write this conversation (stop_reason=refusal)"
    assert error.usage == Usage(input_tokens=1200, output_tokens=12)
    assert (error.request_id, error.permanent) == ("r1", False)


def test_a_reply_cut_off_at_max_tokens_is_reported_with_the_tokens_it_cost():
    handler, _ = answering(
        httpx2.Response(200, json=a_message(a_document()[:500], "max_tokens", output_tokens=8192))
    )

    error = failure(handler)

    assert error.kind == "max_tokens"
    assert str(error) == "the reply was cut off at max_tokens=8192"
    assert error.usage.output_tokens == 8192


def test_a_reply_that_is_not_json_is_invalid_output():
    handler, _ = answering(ok(a_document()[:300]))

    error = failure(handler)

    assert error.kind == "invalid_output"
    assert str(error).startswith("the reply is not JSON")
    assert error.usage.output_tokens == 900


def test_a_reply_that_breaks_the_schema_says_where():
    turns = [a_turn(1), a_turn(2), a_turn(3, strategy="hug"), a_turn(4)]
    handler, _ = answering(ok(json.dumps({"turns": turns})))

    error = failure(handler)

    assert error.kind == "invalid_output"
    assert str(error).startswith(
        "the reply breaks the conversation schema: "
        "turns[2].emotional_context.response_strategy 'hug' is not one of ['question'"
    )
    assert error.usage.input_tokens == 1200


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"turns": [a_turn(1), a_turn(2), a_turn(3)]}, "turns [{"),
        ({}, "'turns' is a required property"),
        (
            {"turns": [a_turn(1), a_turn(2), a_turn(3), a_turn(4)], "notes": ""},
            "'notes' was unexpected",
        ),
        ({"turns": [a_turn(1), a_turn(2), a_turn(3), {"user_input": "hi"}]}, "turns[3]"),
    ],
)
def test_other_schema_breaks_are_invalid_output(document, complaint):
    handler, _ = answering(ok(json.dumps(document)))

    error = failure(handler)

    assert error.kind == "invalid_output"
    assert complaint in str(error)


# --- the key stays secret --------------------------------------------------------------


def test_the_api_key_never_reaches_logs_or_error_messages(caplog):
    caplog.set_level(logging.DEBUG)
    echoing, _ = answering(an_error(401, "authentication_error", f"invalid x-api-key: {API_KEY}"))

    write_conversation(REQUEST, client_with(answering(ok())[0]))
    error = failure(echoing)

    assert "[api key]" in str(error)
    assert API_KEY not in str(error)
    assert API_KEY not in caplog.text
    assert "7f1c2a9e" in caplog.text


def test_a_claude_error_survives_pickling_for_the_task_queue():
    error = ClaudeError(
        "refusal", "refused", retry_after=2.0, usage=Usage(5, 6), request_id="req_9"
    )

    copy = pickle.loads(pickle.dumps(error))

    assert (
        copy.kind,
        copy.permanent,
        copy.retry_after,
        copy.usage,
        copy.request_id,
        str(copy),
    ) == (
        "refusal",
        False,
        2.0,
        Usage(5, 6),
        "req_9",
        "refused",
    )


# --- which API ---------------------------------------------------------------------------


def test_with_a_key_the_client_talks_to_the_configured_api(settings):
    settings.ANTHROPIC_API_KEY = API_KEY
    settings.ANTHROPIC_BASE_URL = "https://claude-proxy.example.com"
    settings.CLAUDE_SDK_MAX_RETRIES = 4
    settings.CLAUDE_TIMEOUT_SECONDS = 42.0

    client = build_client()

    assert not is_offline()
    assert (client.api_key, str(client.base_url)) == (API_KEY, "https://claude-proxy.example.com")
    assert (client.max_retries, client.timeout) == (4, 42.0)


def test_with_a_key_one_client_serves_every_call_of_a_process(settings):
    """Kept connections and one TLS setup per process, not one per conversation; a change of
    configuration gets a client of its own."""
    settings.ANTHROPIC_API_KEY = API_KEY
    settings.ANTHROPIC_BASE_URL = "https://claude-proxy.example.com"
    first = build_client()
    assert build_client() is first
    settings.ANTHROPIC_BASE_URL = "https://another-proxy.example.com"
    other = build_client()
    assert other is not first and str(other.base_url) == "https://another-proxy.example.com"


def test_a_worker_warms_up_by_writing_one_conversation_locally(settings, tmp_path):
    """Before qcluster forks its workers: the SDK, the emulator and the reply parsing run once
    in the cluster's process, through no shared emulator and without logging a call."""
    settings.EMULATOR_REQUEST_LOG = str(tmp_path / "requests.jsonl")
    assert claude.warm_up() >= 4  # turns written and parsed
    assert not (tmp_path / "requests.jsonl").exists()


def test_without_a_key_the_same_code_path_runs_against_the_emulator(settings):
    settings.ANTHROPIC_API_KEY = ""
    settings.EMULATOR_FAULTS = ""
    brief = {
        "sequence_number": 3,
        "tier": "template",
        "turn_count": 5,
        "persona": {"name": "Ada Park", "finances": {"savings": 500}},
        "arc": {"name": "A", "starting_emotion": "worry", "ending_emotion": "calm", "stages": []},
        "topic": {
            "name": "Budgets",
            "description": "Making a budget.",
            "key_concepts": ["sinking funds"],
        },
        "chunk": None,
        "edge_case": None,
        "specifics": {},
    }
    request = ConversationRequest(
        "c-3", "claude-sonnet-5-5", 8192, "You are Elena.", render_brief(brief)
    )

    reply = write_conversation(request)

    assert is_offline()
    assert build_client().api_key == claude.OFFLINE_API_KEY
    assert reply.source == "offline_emulator"
    assert len(reply.turns) == 5
    assert reply.turns[0]["emotional_context"]["detected_emotions"]["primary"] == "worry"
    assert reply.turns[-1]["emotional_context"]["detected_emotions"]["primary"] == "calm"
