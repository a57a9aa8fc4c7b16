"""The one adapter in front of Claude: one Messages API call writes one conversation.

Nothing else in the project imports `anthropic` but claude_batches.py, its Message Batches
side, which reads batch results through the same checks as a reply here. Every failure
leaves here as a ClaudeError (generation/calls.py, with the request and reply shapes) whose
`kind` and `permanent` flag tell the caller whether to retry, pause the job or give up, and
whose `usage` carries the tokens already billed for a reply that could not be used.
"""

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

import anthropic
import httpx2
import jsonschema
from django.conf import settings

from generation import emulator
from generation.calls import (
    ClaudeError,
    ConversationReply,
    ConversationRequest,
    JudgeReply,
    JudgeRequest,
    Usage,
)
from generation.errors import MESSAGES, is_spend_limit, retry_after_of, status_kind
from generation.schema import CONVERSATION_SCHEMA

log = logging.getLogger(__name__)

CONVERSATION_HEADER = "x-eidataset-conversation"
# The app's attempt number, so the offline emulator words a retry differently in any process.
ATTEMPT_HEADER = "x-eidataset-attempt"
RATE_LIMIT_PREFIX = "anthropic-ratelimit-"
# Sent to the emulator instead of a key; the emulator accepts any credential.
OFFLINE_API_KEY = "offline-emulator-no-key"
OFFLINE_BASE_URL = "https://offline-emulator.eidataset.invalid"

_CONVERSATION_VALIDATOR = jsonschema.Draft202012Validator(CONVERSATION_SCHEMA)


def output_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema in the dialect structured outputs accept.

    The API refuses type lists and constraints it cannot enforce while decoding (minItems
    above 1, maxItems, minimum, maximum); the SDK's transform moves those into descriptions
    for the model to read. Replies are still checked against the full schema on receipt.
    """
    return anthropic.transform_schema(_without_type_lists(schema))


def _without_type_lists(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_type_lists(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    node = {key: _without_type_lists(value) for key, value in node.items()}
    if isinstance(node.get("type"), list):
        node["anyOf"] = [{"type": name} for name in node.pop("type")]
    return node


OUTPUT_SCHEMA = output_schema(CONVERSATION_SCHEMA)


# --- the client ------------------------------------------------------------------------


def is_offline() -> bool:
    return not settings.ANTHROPIC_API_KEY


_clients: dict[tuple, anthropic.Anthropic] = {}


def build_client() -> anthropic.Anthropic:
    """The real API with a key, otherwise the offline emulator behind the same SDK."""
    if is_offline():
        return anthropic.Anthropic(
            api_key=OFFLINE_API_KEY,
            base_url=OFFLINE_BASE_URL,
            http_client=httpx2.Client(transport=emulator.transport_from_settings()),
            max_retries=settings.CLAUDE_SDK_MAX_RETRIES,
            timeout=settings.CLAUDE_TIMEOUT_SECONDS,
        )
    # One client per process and configuration: it keeps its connections to the API open
    # between calls (no TLS handshake per conversation) and its TLS setup is made once
    # (about 24 ms of CPU per client).
    key = (
        os.getpid(),
        settings.ANTHROPIC_API_KEY,
        settings.ANTHROPIC_BASE_URL,
        settings.CLAUDE_SDK_MAX_RETRIES,
        settings.CLAUDE_TIMEOUT_SECONDS,
    )
    if key not in _clients:
        _clients.clear()  # another configuration, or a forked child's copy of its parent's
        _clients[key] = anthropic.Anthropic(
            api_key=settings.ANTHROPIC_API_KEY,
            base_url=settings.ANTHROPIC_BASE_URL,
            max_retries=settings.CLAUDE_SDK_MAX_RETRIES,
            timeout=settings.CLAUDE_TIMEOUT_SECONDS,
        )
    return _clients[key]


def write_conversation(
    request: ConversationRequest, client: anthropic.Anthropic | None = None
) -> ConversationReply:
    client = client or build_client()
    try:
        message, headers, throttles = _send(request, client, OUTPUT_SCHEMA)
        reply = _reply_from(request, message, headers, throttles)
    except ClaudeError as error:
        log.warning(
            "conversation %s: %s (request %s)", request.conversation_id, error, error.request_id
        )
        raise
    log.info(
        "conversation %s: %d turns from %s, %d in / %d out tokens (request %s)",
        request.conversation_id,
        len(reply.turns),
        reply.source,
        reply.usage.input_tokens,
        reply.usage.output_tokens,
        reply.request_id,
    )
    return reply


def judge_conversation(
    request: JudgeRequest, client: anthropic.Anthropic | None = None
) -> JudgeReply:
    """The judge's call: a verdict on one stored conversation, in the request's own schema."""
    client = client or build_client()
    try:
        message, headers, _ = _send(request, client, output_schema(request.schema))
        usage = _usage_of(message.usage)
        request_id = headers.get("request-id")
        _check_stop_reason(message.stop_reason, request.max_tokens, usage, request_id)
        validator = jsonschema.Draft202012Validator(request.schema)
        document = _document_of(_text_of(message), validator, "verdict", usage, request_id)
    except ClaudeError as error:
        log.warning(
            "judge of %s: %s (request %s)", request.conversation_id, error, error.request_id
        )
        raise
    log.info(
        "judge of %s: %d in / %d out tokens (request %s)",
        request.conversation_id,
        usage.input_tokens,
        usage.output_tokens,
        request_id,
    )
    return JudgeReply(
        document=document,
        usage=usage,
        model=message.model,
        request_id=request_id,
        stop_reason=str(message.stop_reason),
        rate_limits=rate_limits_of(headers),
        source="offline_emulator" if emulator.SOURCE_HEADER in headers else "claude",
    )


def system_blocks(system: str) -> list[anthropic.types.TextBlockParam]:
    """The system prompt as every request sends it: one block marked for the cache, since it
    is the same for every call of a batch."""
    return [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]


def cached_text(blocks: list[anthropic.types.TextBlockParam]) -> str:
    """The part of the system blocks the API caches: every block up to the last one marked
    cache_control (what prompts.shared_prefix measures against the cache minimum)."""
    marked = [index for index, block in enumerate(blocks) if block.get("cache_control")]
    return "".join(block["text"] for block in blocks[: marked[-1] + 1]) if marked else ""


def _send(
    request: ConversationRequest | JudgeRequest,
    client: anthropic.Anthropic,
    schema: dict[str, Any],
) -> tuple[anthropic.types.Message, httpx2.Headers, tuple[float | None, ...]]:
    """The call, with the retry-after of each 429/529 answered (and retried by the SDK)
    before the reply."""
    throttles: list[float | None] = []  # retry-after of each 429/529 the SDK saw

    def note_throttles(
        request: anthropic.APIRequest, call_next: anthropic.CallNext
    ) -> anthropic.APIResponse[Any]:
        """Each 429 or 529 answer, also those the SDK retries before a success."""
        response = call_next(request)
        status = response.http_response.status_code
        retry_after = retry_after_of(response.http_response.headers)
        if status == 529 or (status == 429 and retry_after is not None):  # not a spend limit
            throttles.append(retry_after)
        return response

    try:
        middleware = client.with_middleware(_no_retry_at_spend_limit, note_throttles)
        raw = middleware.messages.with_raw_response.create(
            model=request.model,
            max_tokens=request.max_tokens,
            system=system_blocks(request.system),
            messages=[{"role": "user", "content": request.prompt}],
            output_config={"format": {"type": "json_schema", "schema": schema}},
            extra_headers={
                CONVERSATION_HEADER: request.conversation_id,
                ATTEMPT_HEADER: str(request.attempt),
            },
        )
    except anthropic.APIError as error:
        raise _error_from_sdk(error, client) from None
    return _message_of(raw), raw.headers, tuple(throttles)


def _message_of(raw: anthropic.APIResponse[anthropic.types.Message]) -> anthropic.types.Message:
    """The parsed Message; a 200 that is not one (a proxy's error page) is a server fault."""
    try:
        message: object = raw.parse()
    except ValueError:  # a body that is not JSON
        message = None
    if isinstance(message, anthropic.types.Message) and message.usage and message.content:
        return message
    problem = f"the API answered {raw.status_code} with something that is not a Message"
    raise ClaudeError("server", problem, request_id=raw.headers.get("request-id"))


def _no_retry_at_spend_limit(
    request: anthropic.APIRequest, call_next: anthropic.CallNext
) -> anthropic.APIResponse[Any]:
    """Stop the SDK retrying a spend limit's 429: the limit will not lift within its retries."""
    response = call_next(request)
    http_response = response.http_response
    if http_response.status_code == 429 and is_spend_limit(
        429, retry_after_of(http_response.headers), _body_of(http_response)
    ):
        http_response.headers["x-should-retry"] = "false"
    return response


def _body_of(response: httpx2.Response) -> Any:
    """An error answer's JSON body (read now; the SDK reads the same bytes again)."""
    try:
        response.read()
        return response.json()
    except ValueError:
        return None


# --- reading the reply -----------------------------------------------------------------


def _reply_from(
    request: ConversationRequest,
    message: anthropic.types.Message,
    headers: httpx2.Headers,
    throttles: tuple[float | None, ...] = (),
) -> ConversationReply:
    usage = _usage_of(message.usage)
    request_id = headers.get("request-id")
    _check_stop_reason(message.stop_reason, request.max_tokens, usage, request_id)
    turns = _turns_of(_text_of(message), usage, request_id)
    return ConversationReply(
        turns=turns,
        usage=usage,
        model=message.model,
        request_id=request_id,
        stop_reason=str(message.stop_reason),
        rate_limits=rate_limits_of(headers),
        source="offline_emulator" if emulator.SOURCE_HEADER in headers else "claude",
        throttles=throttles,
    )


def reply_from_message(
    request: ConversationRequest, message: anthropic.types.Message, headers: Mapping[str, str]
) -> ConversationReply:
    """A reply from a Message that came some other way (a batch's result), checked as a
    standard call's reply is: stop reason, JSON, the conversation schema."""
    return _reply_from(request, message, httpx2.Headers(dict(headers)))


def sdk_error(error: anthropic.APIError, client: anthropic.Anthropic) -> ClaudeError:
    """The ClaudeError an SDK error becomes (the key scrubbed from its message)."""
    return _error_from_sdk(error, client)


def _usage_of(usage: anthropic.types.Usage) -> Usage:
    return Usage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
        cache_read_tokens=usage.cache_read_input_tokens or 0,
    )


def _check_stop_reason(
    stop_reason: str | None, max_tokens: int, usage: Usage, request_id: str | None
) -> None:
    if stop_reason == "refusal":
        message = "Claude refused to write this conversation (stop_reason=refusal)"
        raise ClaudeError("refusal", message, usage=usage, request_id=request_id)
    if stop_reason == "max_tokens":
        message = f"the reply was cut off at max_tokens={max_tokens}"
        raise ClaudeError("max_tokens", message, usage=usage, request_id=request_id)
    if stop_reason == "model_context_window_exceeded":
        message = "the reply was cut off: the model's context window is full"
        raise ClaudeError("max_tokens", message, usage=usage, request_id=request_id)
    if stop_reason not in ("end_turn", "stop_sequence"):
        message = f"the reply ended unexpectedly (stop_reason={stop_reason})"
        raise ClaudeError("invalid_output", message, usage=usage, request_id=request_id)


def _text_of(message: anthropic.types.Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def _turns_of(text: str, usage: Usage, request_id: str | None) -> list[dict[str, Any]]:
    document = _document_of(text, _CONVERSATION_VALIDATOR, "conversation", usage, request_id)
    return document["turns"]


def _document_of(
    text: str,
    validator: jsonschema.protocols.Validator,
    what: str,
    usage: Usage,
    request_id: str | None,
) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        message = f"the reply is not JSON: {error.msg} at character {error.pos} of {len(text)}"
        raise ClaudeError("invalid_output", message, usage=usage, request_id=request_id) from None
    problem = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if problem is not None:
        message = f"the reply breaks the {what} schema: {schema_problem(problem)}"
        raise ClaudeError("invalid_output", message, usage=usage, request_id=request_id)
    return document


def schema_problem(error: jsonschema.ValidationError) -> str:
    """'turns[2].emotional_context.response_strategy 'hug' is not one of [...]'."""
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path)
    return f"{where.lstrip('.')} {error.message}".strip()


def rate_limits_of(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name.lower().removeprefix(RATE_LIMIT_PREFIX): value
        for name, value in headers.items()
        if name.lower().startswith(RATE_LIMIT_PREFIX)
    }


# --- SDK errors ------------------------------------------------------------------------


def _error_from_sdk(error: anthropic.APIError, client: anthropic.Anthropic) -> ClaudeError:
    if isinstance(error, anthropic.APITimeoutError):
        message = f"no answer from Claude within {client.timeout} s"
        return ClaudeError("timeout", message)
    if isinstance(error, anthropic.APIConnectionError):
        return ClaudeError("connection", _scrub(f"could not reach Claude's API: {error}", client))
    if isinstance(error, anthropic.APIStatusError):
        return _error_from_status(error, client)
    message = _scrub(f"Claude's answer could not be read: {error}", client)
    return ClaudeError("invalid_output", message)


def _error_from_status(error: anthropic.APIStatusError, client: anthropic.Anthropic) -> ClaudeError:
    status = error.status_code
    retry_after = retry_after_of(error.response.headers)
    kind = status_kind(status, retry_after, error.body)
    detail = error.api_message or error.response.reason_phrase or "no detail"
    message = _scrub(MESSAGES[kind].format(status=status, detail=detail), client)
    return ClaudeError(kind, message, retry_after=retry_after, request_id=error.request_id)


def _scrub(text: str, client: anthropic.Anthropic) -> str:
    """Keep the key out of messages even if a server or proxy echoes it back."""
    for secret in (client.api_key, client.auth_token, settings.ANTHROPIC_API_KEY):
        if secret:
            text = text.replace(secret, "[api key]")
    return text


# --- warming a worker up ---------------------------------------------------------------


def warm_up() -> int:
    """Write one conversation through the SDK, the emulator and our parsing, locally.

    On first use the SDK compiles its pydantic models and the emulator and the checks compile
    their patterns: about 40 ms of CPU. A qcluster calls this before it forks its workers, so a
    dozen fresh workers do not all pay for it at once during their first conversation. Nothing
    leaves the process and nothing is logged as a call. Returns the number of turns written.
    """
    from generation.brief import render_brief
    from generation.emulator import Emulator
    from generation.emulator.writer import sample_brief

    client = anthropic.Anthropic(
        api_key=OFFLINE_API_KEY,
        base_url=OFFLINE_BASE_URL,
        http_client=httpx2.Client(transport=httpx2.MockTransport(Emulator().handle)),
        max_retries=0,
    )
    request = ConversationRequest(
        conversation_id="warm-up",
        model=settings.CLAUDE_MODEL,
        max_tokens=settings.CLAUDE_MAX_TOKENS,
        system="warm-up",
        prompt=render_brief(sample_brief()),
    )
    message, headers, _ = _send(request, client, OUTPUT_SCHEMA)
    return len(_reply_from(request, message, headers).turns)
