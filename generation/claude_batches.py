"""The Message Batches side of the adapter in front of Claude: create, retrieve, list and
cancel a batch, and read its results. With claude.py, the only module that imports the SDK;
every failure leaves here as a ClaudeError.

A create call is sent once (max_retries=0): a retry by the SDK after a lost answer could make
a second batch, paid a second time. Whether a create whose answer was lost made a batch is
settled by generation/batches.py from the account's list of batches and their custom_ids.
"""

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import anthropic
import httpx2

from generation import emulator
from generation.calls import ClaudeError, ConversationReply, ConversationRequest
from generation.claude import OUTPUT_SCHEMA, build_client, reply_from_message, sdk_error
from generation.errors import MESSAGES, status_kind

# What the API accepts as a custom_id (its batch_create_params).
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Statuses of a batch, and of each request in its results.
ENDED = "ended"
# Errors the create call can end with and still have made the batch: nothing, or a server
# fault, came back; a 4xx answer means the batch was not made.
UNKNOWN_OUTCOME = frozenset({"connection", "timeout", "server", "overloaded"})
# The status each error type of an errored result would have had as an answer.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


@dataclass(frozen=True)
class BatchInfo:
    id: str
    status: str  # in_progress, canceling or ended
    counts: dict[str, int]
    created_at: datetime
    ended_at: datetime | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class BatchResult:
    """One request's result: a reply to store, or the error it ended with (errored, expired,
    canceled, or a reply that cannot be used: its usage was billed)."""

    custom_id: str
    reply: ConversationReply | None = None
    error: ClaudeError | None = None


def custom_id(token: str, conversation_id: uuid.UUID | str) -> str:
    """`<token>_<conversation id in hex>`: the token finds the batch, the rest the row."""
    text = f"{token}_{uuid.UUID(str(conversation_id)).hex}"
    if not CUSTOM_ID.match(text):
        raise ValueError(f"{text!r} is not a custom_id the API accepts")
    return text


def parse_custom_id(text: str) -> tuple[str, uuid.UUID] | None:
    """(token, conversation id) from a custom_id of ours; None for anything else."""
    token, _, rest = text.rpartition("_")
    try:
        return token, uuid.UUID(hex=rest)
    except ValueError:
        return None


def batch_params(request: ConversationRequest) -> dict[str, Any]:
    """The Messages request of one conversation, as a standard call sends it, with the system
    prompt cached for an hour: a batch's requests are processed over minutes to hours."""
    return {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "system": [
            {
                "type": "text",
                "text": request.system,
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
            }
        ],
        "messages": [{"role": "user", "content": request.prompt}],
        "output_config": {"format": {"type": "json_schema", "schema": OUTPUT_SCHEMA}},
    }


def request_size(custom: str, params: dict[str, Any]) -> int:
    """The bytes one request adds to the create call's body."""
    return len(json.dumps({"custom_id": custom, "params": params}).encode()) + 1


def create_batch(requests: list[dict[str, Any]]) -> BatchInfo:
    """One create call, never retried; a ClaudeError whose kind is in UNKNOWN_OUTCOME leaves
    open whether the batch was made."""
    client = build_client().with_options(max_retries=0)
    try:
        batch = client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
    except anthropic.APIError as error:
        raise sdk_error(error, client) from None
    return _info(batch)


def retrieve_batch(batch_id: str) -> BatchInfo:
    client = build_client()
    try:
        return _info(client.messages.batches.retrieve(batch_id))
    except anthropic.APIError as error:
        raise sdk_error(error, client) from None


def list_batches(since: datetime) -> Iterator[BatchInfo]:
    """The account's batches created at or after `since`, newest first."""
    client = build_client()
    try:
        for batch in client.messages.batches.list(limit=100):
            if batch.created_at < since:
                return
            yield _info(batch)
    except anthropic.APIError as error:
        raise sdk_error(error, client) from None


def cancel_batch(batch_id: str) -> BatchInfo:
    client = build_client()
    try:
        return _info(client.messages.batches.cancel(batch_id))
    except anthropic.APIError as error:
        raise sdk_error(error, client) from None


def batch_results(batch_id: str, max_tokens: int) -> Iterator[BatchResult]:
    """An ended batch's results, streamed as they arrive (JSON Lines, in no set order). A
    stream cut off raises a ClaudeError of kind 'connection' after the lines read whole."""
    client = build_client()
    try:
        decoder = client.messages.batches.results(batch_id)
    except anthropic.APIError as error:
        raise sdk_error(error, client) from None
    offline = emulator.SOURCE_HEADER in decoder.http_response.headers
    try:
        for line in decoder:
            yield _result_of(line, max_tokens, offline)
    except (anthropic.APIError, httpx2.HTTPError, ValueError) as error:  # a cut stream, a cut line
        message = f"the results of batch {batch_id} were cut off: {type(error).__name__}"
        raise ClaudeError("connection", message) from None
    finally:
        decoder.close()


def first_custom_id(batch_id: str) -> str | None:
    """The custom_id of an ended batch's first result (the orphan sweep's look at a batch)."""
    for result in batch_results(batch_id, max_tokens=1):
        return result.custom_id
    return None


def _info(batch: anthropic.types.messages.MessageBatch) -> BatchInfo:
    counts = batch.request_counts
    return BatchInfo(
        id=batch.id,
        status=batch.processing_status,
        counts={
            "processing": counts.processing,
            "succeeded": counts.succeeded,
            "errored": counts.errored,
            "canceled": counts.canceled,
            "expired": counts.expired,
        },
        created_at=batch.created_at,
        ended_at=batch.ended_at,
    )


def _result_of(
    line: anthropic.types.messages.MessageBatchIndividualResponse, max_tokens: int, offline: bool
) -> BatchResult:
    """One result line; whatever it holds is billed at the batch price."""
    found = _read_result(line, max_tokens, offline)
    if found.error is not None:
        found.error.batch = True
        # Due again at once: the next batch goes out at the next run, spaced enough.
        found.error.retry_after = 0.0
    if found.reply is not None:
        return BatchResult(found.custom_id, reply=replace(found.reply, batch=True))
    return found


def _read_result(
    line: anthropic.types.messages.MessageBatchIndividualResponse, max_tokens: int, offline: bool
) -> BatchResult:
    result = line.result
    if result.type == "succeeded":
        request = ConversationRequest(
            conversation_id=line.custom_id, model="", max_tokens=max_tokens, system="", prompt=""
        )
        headers = {emulator.SOURCE_HEADER: emulator.SOURCE} if offline else {}
        try:
            reply = reply_from_message(request, result.message, headers)
        except ClaudeError as error:
            return BatchResult(line.custom_id, error=error)
        return BatchResult(line.custom_id, reply=reply)
    if result.type == "errored":
        return BatchResult(line.custom_id, error=_errored(result.error.error))
    if result.type == "expired":
        message = "the batch expired before this request was processed (24 hours)"
        return BatchResult(line.custom_id, error=ClaudeError("expired", message))
    return BatchResult(
        line.custom_id, error=ClaudeError("canceled", "the batch was cancelled first")
    )


def _errored(error: Any) -> ClaudeError:
    kind_name = getattr(error, "type", "api_error")
    status = ERROR_STATUS.get(kind_name, 500)
    detail = getattr(error, "message", "") or kind_name
    body = {"error": error.model_dump() if hasattr(error, "model_dump") else {}}
    # A result carries no retry-after: only an error code marks a spend limit.
    kind = status_kind(status, 0.0 if status == 429 else None, body)
    return ClaudeError(kind, MESSAGES[kind].format(status=status, detail=detail))
