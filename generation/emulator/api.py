"""The Messages endpoint: request checks, faults, billing, prompt caching and rate-limit headers.

`Emulator.handle` is an httpx2.MockTransport handler: the SDK talks to it as it would to the
API, so its retries, structured-output parsing and cost accounting run for real.
"""

import functools
import json
import math
import os
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from generation.brief import BriefError, parse_brief
from generation.emulator.batches import BatchStore
from generation.emulator.buckets import TokenBuckets, parse_rate_limits
from generation.emulator.judge import NotAJudgeRequest, is_judge_request, judge_document
from generation.emulator.request_log import append_request_log
from generation.emulator.writer import write_turns
from generation.pricing import cache_minimum

SOURCE_HEADER = "x-eidataset-source"
SOURCE = "offline_emulator"
CONVERSATION_HEADER = "x-eidataset-conversation"
# The app's attempt at the conversation (1, 2, ...); absent means the first.
ATTEMPT_HEADER = "x-eidataset-attempt"
# Checked in this order; each has its own independent draw per request.
# New faults go last: each request draws once per fault in this order, so a seed keeps
# drawing the same faults for the ones before.
FAULTS = (
    "spend_limit",
    "429",
    "529",
    "500",
    "invalid_json",
    "refusal",
    "max_tokens",
    "usage_limit",
    "expired",  # Message Batches only: the request expires unprocessed
)
HTTP_FAULTS = frozenset({"spend_limit", "usage_limit", "429", "529", "500"})
CACHE_TTL_SECONDS = 300  # the API's default ephemeral cache lifetime
ONE_HOUR_TTL_SECONDS = 3600  # cache_control {"ttl": "1h"}
CHARS_PER_TOKEN = 4
# Per-minute limits of a high usage tier: plausible, and never the bottleneck offline.
RATE_LIMITS = {"requests": 4_000, "input-tokens": 2_000_000, "output-tokens": 400_000}


# --- configuration ---------------------------------------------------------------------


def parse_faults(text: str) -> dict[str, float]:
    """'429=0.3,invalid_json=0.02' as {fault: rate}; ImproperlyConfigured names a bad part."""
    rates: dict[str, float] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, equals, rate = (piece.strip() for piece in part.partition("="))
        if name not in FAULTS:
            known = ", ".join(FAULTS)
            raise ImproperlyConfigured(
                f"EMULATOR_FAULTS: unknown fault {name!r} in {part!r} (known: {known})"
            )
        try:
            value = float(rate) if equals else math.nan
        except ValueError:
            value = math.nan
        if not 0.0 <= value <= 1.0:
            raise ImproperlyConfigured(
                f"EMULATOR_FAULTS: {part!r} needs a rate from 0 to 1, e.g. {name}=0.1"
            )
        rates[name] = value
    return rates


def transport_from_settings() -> httpx2.MockTransport:
    emulator = _shared_emulator(
        settings.EMULATOR_LATENCY_SECONDS,
        settings.EMULATOR_FAULTS,
        settings.EMULATOR_REQUEST_LOG,
        settings.EMULATOR_SEED,
        settings.EMULATOR_RATE_LIMITS,
        settings.EMULATOR_RATE_WINDOW_SECONDS,
        str(settings.EMULATOR_RATE_STATE),
        str(settings.EMULATOR_BATCH_DIR),
        settings.EMULATOR_BATCH_SECONDS,
    )
    return httpx2.MockTransport(emulator.handle)


@functools.cache
def _shared_emulator(
    latency: float,
    faults: str,
    request_log: str | None,
    seed: int,
    rate_limits: str = "",
    rate_window: float = 60.0,
    rate_state: str = "",
    batch_dir: str = "",
    batch_delay: float = 0.0,
) -> "Emulator":
    """One emulator per process and configuration, like one API server: its prompt cache and
    rate window outlive the client built for a single conversation."""
    return Emulator(
        latency=latency,
        faults=parse_faults(faults),
        request_log=Path(request_log) if request_log else None,
        seed=seed,
        rate_limits=tier_buckets(rate_limits, rate_window, Path(rate_state)),
        batch_dir=Path(batch_dir) if batch_dir else None,
        batch_delay=batch_delay,
    )


def tier_buckets(text: str, window: float, state: Path) -> TokenBuckets | None:
    """EMULATOR_RATE_LIMITS as enforced buckets (kinds it leaves out keep the high tier's
    limits); None for an empty setting: nothing is enforced."""
    limits = parse_rate_limits(text)
    if not limits:
        return None
    return TokenBuckets({**RATE_LIMITS, **limits}, window, state)


# --- the HTTP side ---------------------------------------------------------------------


@dataclass
class Emulator:
    """A conversation's wording depends only on the seed, the brief's sequence_number and the
    attempt header, so whichever process answers a retry words it the same way, and differently
    from the attempt before. Faults are drawn per request from this emulator's own stream."""

    latency: float = 0.0
    faults: Mapping[str, float] = field(default_factory=dict)
    request_log: Path | None = None
    seed: int = 0
    retry_after_seconds: float = 1.0
    rate_limits: TokenBuckets | None = None  # enforced tier limits; None: headers only
    batch_dir: Path | None = None  # where Message Batches are kept; None: no batch endpoints
    batch_delay: float = 0.0  # seconds from a batch's creation to its end

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
        self._lock = threading.Lock()
        self._fault_draws = random.Random(f"{self.seed}:faults")
        self._cache_expiry: dict[tuple[str, str], float] = {}
        self._minute = RateWindow()
        self.batches = (
            BatchStore(
                self.batch_dir,
                self.batch_delay,
                self.seed,
                self.batch_answer,
                api_error,
                self.request_log,
            )
            if self.batch_dir
            else None
        )

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        """Answer after `latency` seconds in all, as the API's response time includes writing
        the reply: the time spent writing it here is part of the wait, not added to it."""
        if self.batches is not None and self.batches.handles(request.url.path):
            response = self.batches.handle(request)  # it logs each request it processes
            for name, value in _identity_headers().items():
                response.headers.setdefault(name, value)
            return response
        began = time.monotonic()
        response, outcome = self._answer(request)
        if self.latency:
            time.sleep(max(0.0, self.latency - (time.monotonic() - began)))
        if self.request_log:
            append_request_log(self.request_log, _log_entry(request, response, outcome))
        return response

    def _answer(self, request: httpx2.Request) -> tuple[httpx2.Response, str]:
        if request.method != "POST" or request.url.path != "/v1/messages":
            path = request.url.path
            return api_error(404, "not_found_error", f"Not found: {request.method} {path}"), "404"
        try:
            body = json.loads(request.content)
        except ValueError:
            return api_error(400, "invalid_request_error", "The body is not JSON."), "bad_request"
        if problem := request_problem(body):
            return api_error(400, "invalid_request_error", problem), "bad_request"
        attempt = attempt_of(request)
        if attempt is None:
            message = f"{ATTEMPT_HEADER}: a whole number of at least 1"
            return api_error(400, "invalid_request_error", message), "bad_request"
        fault = self._draw_fault()
        if fault in HTTP_FAULTS:
            return self._fault_response(fault), fault
        if self.rate_limits is not None:
            spent = self._input_usage(body, peek=True)
            admission = self.rate_limits.admit(
                spent["input_tokens"] + spent["cache_creation_input_tokens"]
            )
            if not admission.admitted:
                return self._rate_limited(admission.retry_after, admission.headers), "429"
        return self._reply(body, attempt, fault)

    def batch_answer(self, params: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
        """One request of a Message Batch, answered as the endpoint would answer it (faults
        drawn the same way; no rate limits: a batch does not take from them): the status,
        the body and the outcome ('expired' for a request the batch let expire)."""
        if problem := request_problem(params):
            return 400, api_error(400, "invalid_request_error", problem).json(), "bad_request"
        fault = self._draw_fault()
        if fault == "expired":
            return 0, {}, "expired"
        if fault in HTTP_FAULTS:
            response, outcome = self._fault_response(fault), fault
        else:
            response, outcome = self._reply(params, 1, fault, limited=False)
        return response.status_code, response.json(), outcome

    def _reply(
        self, body: dict[str, Any], attempt: int, fault: str | None, limited: bool = True
    ) -> tuple[httpx2.Response, str]:
        """A written conversation (or a judge's verdict) for a sound request."""
        if is_judge_request(body):
            return self._judge(body, fault)
        try:
            brief = parse_brief(prompt_of(body))
        except BriefError as error:
            message = f"the offline emulator can only answer a conversation brief: {error}"
            return api_error(400, "invalid_request_error", message), "bad_request"
        rng = random.Random(f"{self.seed}:{brief['sequence_number']}:{attempt}")
        try:
            turns = write_turns(brief, rng)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            # Raised inside a transport, this would reach the SDK as a retried connection error.
            message = (
                f"the offline emulator cannot write this brief ({type(error).__name__}: {error})"
            )
            return api_error(400, "invalid_request_error", message), "bad_request"
        document = json.dumps({"turns": turns}, ensure_ascii=False)
        return self._message_response(body, document, fault, limited), fault or "ok"

    def _judge(self, body: dict[str, Any], fault: str | None) -> tuple[httpx2.Response, str]:
        """A judge request: the heuristic verdict on the conversation in its prompt."""
        schema = body["output_config"]["format"]["schema"]
        try:
            verdict = judge_document(prompt_of(body), schema)
        except (NotAJudgeRequest, KeyError, TypeError) as error:
            message = f"the offline emulator cannot judge this request: {error}"
            return api_error(400, "invalid_request_error", message), "bad_request"
        document = json.dumps(verdict, ensure_ascii=False)
        return self._message_response(body, document, fault), fault or "ok"

    def _draw_fault(self) -> str | None:
        with self._lock:
            draws = {name: self._fault_draws.random() for name in FAULTS}
        return next((name for name in FAULTS if draws[name] < self.faults.get(name, 0.0)), None)

    def _rate_limited(self, retry_after: float, headers: dict[str, str]) -> httpx2.Response:
        """A tier limit's 429: retry-after in whole seconds (rounded up, as the API sends
        it), retry-after-ms for the exact wait, and the limits' headers."""
        waits = {
            "retry-after": str(max(1, math.ceil(retry_after))),
            "retry-after-ms": str(max(1, math.ceil(retry_after * 1000))),
        }
        message = "This request would exceed your organization's rate limit."
        return api_error(429, "rate_limit_error", message, {**headers, **waits})

    def _fault_response(self, fault: str) -> httpx2.Response:
        if fault == "429":
            headers = {
                "retry-after": f"{self.retry_after_seconds:g}",
                "retry-after-ms": str(round(self.retry_after_seconds * 1000)),
            }
            message = "This request would exceed the rate limit for your organization."
            return api_error(429, "rate_limit_error", message, headers)
        if fault == "spend_limit":  # the tier's monthly cap: a coded 429, no retry-after
            message = "Your organization has reached the monthly spend limit of its API tier."
            details = {"error_code": "enforced_spend_limit_reached"}
            return api_error(429, "rate_limit_error", message, details=details)
        if fault == "usage_limit":  # a limit the organisation set itself: a 400
            message = (
                "You have reached your specified API usage limits. You will regain access on "
                "2026-01-01 at 00:00 UTC."
            )
            return api_error(400, "invalid_request_error", message)
        if fault == "529":
            return api_error(529, "overloaded_error", "Overloaded")
        return api_error(500, "api_error", "Internal server error")

    def _message_response(
        self, body: dict[str, Any], document: str, fault: str | None, limited: bool = True
    ) -> httpx2.Response:
        text, stop_reason = shaped_output(document, fault, body["max_tokens"])
        output_tokens = body["max_tokens"] if stop_reason == "max_tokens" else tokens_in(text)
        usage = {**self._input_usage(body), "output_tokens": output_tokens}
        message = {
            "id": f"msg_emu_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }
        spent = usage["input_tokens"] + usage["cache_creation_input_tokens"]
        if self.rate_limits is not None and limited:
            headers = self.rate_limits.take_output(output_tokens)
        else:
            headers = self._minute.headers(spent, output_tokens)
        return httpx2.Response(200, json=message, headers={**headers, **_identity_headers()})

    def _input_usage(self, body: dict[str, Any], peek: bool = False) -> dict[str, int]:
        """As the API bills: a marked prefix under the model's cache minimum is neither
        written nor read, only counted as input. With `peek` the cache is left as it was."""
        cached, uncached = system_parts(body.get("system"))
        if tokens_in(cached) < cache_minimum(body["model"]):
            cached, uncached = "", cached + uncached
        key = (body["model"], cached)
        now = time.monotonic()
        with self._lock:
            hit = bool(cached) and self._cache_expiry.get(key, 0.0) > now
            if cached and not peek:
                self._cache_expiry[key] = max(
                    self._cache_expiry.get(key, 0.0), now + cache_ttl(body.get("system"))
                )
        cached_tokens = tokens_in(cached) if cached else 0
        return {
            "input_tokens": tokens_in(uncached + prompt_of(body)),
            "cache_creation_input_tokens": 0 if hit else cached_tokens,
            "cache_read_input_tokens": cached_tokens if hit else 0,
        }


class RateWindow:
    """Requests and tokens in the current minute, for the anthropic-ratelimit-* headers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._minute = -1
        self._used: Counter[str] = Counter()

    def headers(self, input_tokens: int, output_tokens: int) -> dict[str, str]:
        minute = int(time.time() // 60)
        with self._lock:
            if minute != self._minute:
                self._minute, self._used = minute, Counter()
            self._used.update(
                {"requests": 1, "input-tokens": input_tokens, "output-tokens": output_tokens}
            )
            used = dict(self._used)
        reset = datetime.fromtimestamp((minute + 1) * 60, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers = {}
        for name, limit in RATE_LIMITS.items():
            headers[f"anthropic-ratelimit-{name}-limit"] = str(limit)
            headers[f"anthropic-ratelimit-{name}-remaining"] = str(max(0, limit - used[name]))
            headers[f"anthropic-ratelimit-{name}-reset"] = reset
        return headers


def request_problem(body: Any) -> str | None:
    """What the API would refuse in this body, in its own style; None when it is sound."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: Field required"
    max_tokens = body.get("max_tokens")
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        return "max_tokens: Field required (a whole number of at least 1)"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    if not isinstance(messages[-1], dict) or messages[-1].get("role") != "user":
        return "messages: the last message must have role 'user'"
    output_format = (body.get("output_config") or {}).get("format") or {}
    schema = output_format.get("schema")
    if output_format.get("type") != "json_schema" or not isinstance(schema, dict):
        return "output_config.format: the emulator needs a json_schema format with a schema"
    return None


def attempt_of(request: httpx2.Request) -> int | None:
    """The attempt the header names, 1 without it; None when it is not a whole number >= 1."""
    try:
        attempt = int(request.headers.get(ATTEMPT_HEADER, "1"))
    except ValueError:
        return None
    return attempt if attempt >= 1 else None


def api_error(
    status: int,
    error_type: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    details: Mapping[str, str] | None = None,
) -> httpx2.Response:
    identity = _identity_headers()
    error: dict[str, Any] = {"type": error_type, "message": message}
    if details:
        error["details"] = dict(details)
    body = {"type": "error", "error": error, "request_id": identity["request-id"]}
    return httpx2.Response(status, json=body, headers={**identity, **(headers or {})})


def _identity_headers() -> dict[str, str]:
    return {"request-id": f"req_emu_{uuid.uuid4().hex[:24]}", SOURCE_HEADER: SOURCE}


def prompt_of(body: dict[str, Any]) -> str:
    """The text of the messages, the last user message holding the brief."""
    return "\n".join(_text_of_content(message.get("content")) for message in body["messages"])


def system_parts(system: Any) -> tuple[str, str]:
    """(cached prefix, uncached rest): the prefix runs to the last block marked cache_control."""
    if isinstance(system, str) or not system:
        return "", system or ""
    texts = [block.get("text", "") for block in system]
    marked = [index for index, block in enumerate(system) if block.get("cache_control")]
    cut = marked[-1] + 1 if marked else 0
    return "".join(texts[:cut]), "".join(texts[cut:])


def cache_ttl(system: Any) -> float:
    """The cache lifetime the system blocks ask for: an hour for {"ttl": "1h"}, else 5 min."""
    if isinstance(system, list):
        for block in system:
            control = block.get("cache_control") if isinstance(block, dict) else None
            if isinstance(control, dict) and control.get("ttl") == "1h":
                return ONE_HOUR_TTL_SECONDS
    return CACHE_TTL_SECONDS


def _text_of_content(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content or [] if isinstance(block, dict))


def tokens_in(text: str) -> int:
    return max(1, round(len(text) / CHARS_PER_TOKEN)) if text else 0


def shaped_output(document: str, fault: str | None, max_tokens: int) -> tuple[str, str]:
    """The reply text and stop reason, cut or refused as the fault (or max_tokens) demands."""
    if fault == "refusal":
        return "I can't help with writing this conversation.", "refusal"
    if fault == "invalid_json":
        return document[: len(document) * 3 // 5], "end_turn"
    limit = max_tokens * CHARS_PER_TOKEN
    if fault == "max_tokens" or len(document) > limit:
        return document[: min(limit, len(document) // 2)], "max_tokens"
    return document, "end_turn"


def _log_entry(request: httpx2.Request, response: httpx2.Response, outcome: str) -> dict:
    return {
        "timestamp": datetime.now(UTC).isoformat(),
        "pid": os.getpid(),
        "conversation": request.headers.get(CONVERSATION_HEADER),
        "attempt": attempt_of(request),
        "sdk_retry": int(request.headers.get("x-stainless-retry-count") or 0),
        "kind": "judge" if _is_judge(request) else "conversation",
        "examples": _examples_shown(request),
        "outcome": outcome,
        "status": response.status_code,
    }


def _examples_shown(request: httpx2.Request) -> int:
    """How many seed examples the request's system prompt shows (generation/examples.py)."""
    try:
        system = json.loads(request.content).get("system")
    except (ValueError, AttributeError):
        return 0
    text = "".join(system_parts(system))
    return len(re.findall(r"^### Example \d+:", text, flags=re.MULTILINE))


def _is_judge(request: httpx2.Request) -> bool:
    try:
        return is_judge_request(json.loads(request.content))
    except (ValueError, AttributeError):
        return False
