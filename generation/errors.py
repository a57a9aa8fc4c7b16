"""What an error answer from the Messages API means for the job: its kind, read from the
status, the retry-after headers and what the body says (no SDK here: claude.py passes them in).

Both spend limits pause the job and keep its conversations pending, whatever status carries
them (Anthropic's "Errors" and "Rate limits" pages):
- the tier's monthly cap answers 429 with `error.details.error_code`
  "enforced_spend_limit_reached" (or "contract_spend_limit_reached") and no retry-after;
- a limit the organisation set itself answers 400 `invalid_request_error`, "You have reached
  your specified API usage limits ...".
A 429 that names no wait and no code is taken as a spend limit too: a rate limit always says
how long to wait.
"""

import email.utils
import time
from collections.abc import Mapping
from typing import Any

from generation.calls import ErrorKind

SPEND_LIMIT_CODES = frozenset({"enforced_spend_limit_reached", "contract_spend_limit_reached"})
USAGE_LIMIT_MESSAGE = "you have reached your specified api usage limits"

MESSAGES: dict[str, str] = {
    "rate_limited": "Claude's rate limit was reached ({status}): {detail}",
    "spend_limit": "the API refused with {status}, a spend limit: {detail}",
    "auth": "the API key was refused ({status}): {detail}",
    "timeout": "the API gave up waiting for the request ({status}): {detail}",
    "overloaded": "Claude is overloaded ({status}): {detail}",
    "server": "Claude's API failed ({status}): {detail}",
    "bad_request": "the API refused the request as malformed ({status}): {detail}",
}


def status_kind(status: int, retry_after: float | None, body: Any = None) -> ErrorKind:
    """The kind of an error answer, from its status, its wait and its body (parsed JSON)."""
    if is_spend_limit(status, retry_after, body):
        return "spend_limit"
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "auth"
    if status == 408:
        return "timeout"
    if status == 529:
        return "overloaded"
    if status >= 500 or status == 409:
        return "server"
    return "bad_request"


def is_spend_limit(status: int, retry_after: float | None, body: Any) -> bool:
    error = body.get("error") if isinstance(body, Mapping) else None
    error = error if isinstance(error, Mapping) else {}
    details = error.get("details")
    code = details.get("error_code") if isinstance(details, Mapping) else None
    message = str(error.get("message") or "").lower()
    if status == 429:
        return code in SPEND_LIMIT_CODES or retry_after is None
    if status == 400:
        return error.get("type") == "invalid_request_error" and USAGE_LIMIT_MESSAGE in message
    return status == 402


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from retry-after-ms or retry-after (seconds or an HTTP date)."""
    if milliseconds := headers.get("retry-after-ms"):
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    seconds = headers.get("retry-after")
    if not seconds:
        return None
    try:
        return float(seconds)
    except ValueError:
        moment = email.utils.parsedate_tz(seconds)
        return None if moment is None else max(0.0, email.utils.mktime_tz(moment) - time.time())
