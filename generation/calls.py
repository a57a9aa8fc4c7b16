"""What one Messages call takes and gives back, for the rest of the project: the request, the
reply and its usage, and the ClaudeError every failure becomes (its `kind` and `permanent`
flag tell the caller whether to retry, pause the job or give up; its `usage` carries the
tokens already billed for a reply that could not be used). generation/claude.py makes the
call; these shapes do not depend on the SDK.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

Source = Literal["claude", "offline_emulator"]
ErrorKind = Literal[
    "rate_limited",
    "overloaded",
    "server",
    "spend_limit",
    "auth",
    "bad_request",
    "connection",
    "timeout",
    "invalid_output",
    "refusal",
    "max_tokens",
    "expired",  # a Message Batches request not processed within the batch's 24 hours
    "canceled",  # a Message Batches request cancelled with its batch
]
PERMANENT_KINDS: frozenset[str] = frozenset({"auth", "bad_request", "spend_limit"})


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
        )


@dataclass(frozen=True)
class ConversationRequest:
    conversation_id: str
    model: str
    max_tokens: int
    system: str
    prompt: str
    attempt: int = 1


@dataclass(frozen=True)
class ConversationReply:
    turns: list[dict[str, Any]]
    usage: Usage
    model: str
    request_id: str | None
    stop_reason: str
    rate_limits: dict[str, str] = field(default_factory=dict)
    source: Source = "claude"
    # The retry-after (None when not given) of each 429 or 529 the SDK retried before this
    # reply: the account was at its limits even though the call succeeded.
    throttles: tuple[float | None, ...] = ()
    batch: bool = False  # a Message Batches result: billed at the batch price


@dataclass(frozen=True)
class JudgeRequest:
    """A judge call: the conversation to judge in `prompt`, the verdict's JSON schema in
    `schema` (its owner, review/judge_prompt.py, decides its shape; the adapter sends it as
    the structured output format and checks the reply against it)."""

    conversation_id: str
    model: str
    max_tokens: int
    system: str
    prompt: str
    schema: dict[str, Any]
    attempt: int = 1


@dataclass(frozen=True)
class JudgeReply:
    document: dict[str, Any]
    usage: Usage
    model: str
    request_id: str | None
    stop_reason: str
    rate_limits: dict[str, str] = field(default_factory=dict)
    source: Source = "claude"


class ClaudeError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_after: float | None = None,
        usage: Usage | None = None,
        request_id: str | None = None,
        batch: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.permanent = kind in PERMANENT_KINDS
        self.retry_after = retry_after
        self.usage = usage or Usage()
        self.request_id = request_id
        self.batch = batch  # a Message Batches result: its usage billed at the batch price

    def __reduce__(self) -> tuple[Any, ...]:
        # django-q2 pickles a task's exception; keyword-only arguments need this to survive.
        return (ClaudeError, (self.kind, str(self)), self.__dict__)
