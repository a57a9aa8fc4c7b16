"""A rate limiter shared by all workers, learnt from the API's anthropic-ratelimit-* headers.

Each reply says how many requests and input/output tokens remain in the current window and
when it resets; the window is stored per model, and a worker about to call waits until the
window can take its request. The SDK's retry of a 429 (honouring retry-after) stays the
second line of defence.

The API's limits are token buckets refilled continuously (capacity per minute), and -reset
is when a bucket is full again. When the headers also give the -limit, the bucket's level now
is worked out from the reset (limit - rate x time to full) and a worker waits only until it
has refilled enough for its request; without the limit it waits for the whole reset.
"""

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import F, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from generation.models import GenerationAttempt, RateLimitWindow

log = logging.getLogger(__name__)
KINDS = ("requests", "input_tokens", "output_tokens")


def learn(
    model: str,
    rate_limits: dict[str, str],
    sent_at: datetime | None = None,
    output_tokens: int | None = None,
) -> None:
    """Store what the headers said (names without the anthropic-ratelimit- prefix). With
    `sent_at`, when the call that brought them was sent (what they describe: its tokens were
    taken when it was admitted), the window is only moved forward, never back to an older
    call's view; `output_tokens` is what that call wrote, the estimate for calls in flight."""
    values: dict[str, Any] = {}
    for kind in KINDS:
        header = kind.replace("_", "-")
        remaining = _int(rate_limits.get(f"{header}-remaining"))
        reset = _time(rate_limits.get(f"{header}-reset"))
        if remaining is not None:
            values[f"{kind}_remaining"] = remaining
            values[f"{kind}_reset"] = reset
            values[f"{kind}_limit"] = _int(rate_limits.get(f"{header}-limit"))
    if not values:
        return
    values["updated_at"] = timezone.now()  # update() leaves auto_now alone
    values["as_of"] = sent_at
    if output_tokens is not None:  # a moving average: one call's output varies a lot
        values["output_tokens_per_call"] = (
            Coalesce(F("output_tokens_per_call"), Value(output_tokens)) * 4 + output_tokens
        ) / 5
    rows = RateLimitWindow.objects.filter(model=model)
    if sent_at is not None:
        rows = rows.filter(Q(as_of__isnull=True) | Q(as_of__lte=sent_at))
    if not rows.update(**values):
        first = {**values, "output_tokens_per_call": output_tokens}
        RateLimitWindow.objects.get_or_create(model=model, defaults=first)


def learn_or_skip(
    model: str,
    rate_limits: dict[str, str],
    sent_at: datetime | None = None,
    output_tokens: int | None = None,
) -> None:
    """learn(), lost rather than fatal when the database went away: a reply in hand matters
    more than a window that the next reply will give again."""
    try:
        learn(model, rate_limits, sent_at, output_tokens)
    except (OperationalError, InterfaceError):
        log.info("Rate-limit headers not stored: the database is unreachable")


def window_seconds() -> float:
    """How long a bucket takes to refill from empty: the API's minute, or the emulator's."""
    from generation.claude import is_offline

    return settings.EMULATOR_RATE_WINDOW_SECONDS if is_offline() else 60.0


def wait_seconds(model: str, input_tokens: int, output_tokens: int, attempt: Any = None) -> float:
    """How long to wait before a call of this size fits the model's current window (the
    call's own `attempt`, if recorded already, is not counted among the calls sent)."""
    return wait_for_call(model, input_tokens, output_tokens, attempt)[0]


def wait_for_call(
    model: str, input_tokens: int, output_tokens: int, attempt: Any = None
) -> tuple[float, bool]:
    """The wait, and whether the window is a bucket reasoned about with the calls sent since
    its headers (then the caller records when its call is sent: GenerationAttempt.sent_at)."""
    window = RateLimitWindow.objects.filter(model=model).first()
    if window is None:
        return 0.0, False
    now = timezone.now()
    need = {"requests": 1, "input_tokens": input_tokens, "output_tokens": output_tokens}
    buckets = any(_level(window, kind, now) is not None for kind in KINDS)
    pending = _pending(window, model, need, attempt) if buckets else {kind: 0.0 for kind in KINDS}
    wait = max(_wait_for(window, kind, need[kind], pending[kind], now) for kind in KINDS)
    return wait, buckets


def room(model: str, input_tokens: int, output_tokens: int) -> bool | None:
    """Whether the window, as last learnt and less the calls sent since, can take two more
    calls of this size now (the next one and another besides); None when the headers did not
    say enough to tell."""
    window = RateLimitWindow.objects.filter(model=model).first()
    if window is None:
        return None
    now = timezone.now()
    need = {"requests": 1, "input_tokens": input_tokens, "output_tokens": output_tokens}
    pending = _pending(window, model, need)
    known = False
    for kind in KINDS:
        level = _level(window, kind, now)
        if level is None:
            continue
        known = True
        if level - pending[kind] < 2 * need[kind]:
            return False
    return True if known else None


def _pending(
    window: RateLimitWindow, model: str, need: dict[str, int], attempt: Any = None
) -> dict[str, float]:
    """What the headers do not show yet: the calls sent since the call that brought them, and
    the calls waiting to be sent ahead of `attempt` (claimed before it: they go first; all
    of them without one). Each is counted at this call's size, its output at what the last
    call wrote."""
    open_calls = GenerationAttempt.objects.filter(
        kind=GenerationAttempt.Kind.GENERATION,
        ended_at__isnull=True,
        conversation__batch_job__model=model,
    )
    waiting = Q(sent_at__isnull=True)
    if attempt is not None:
        mine = GenerationAttempt.objects.filter(pk=attempt).values("started_at")[:1]
        waiting &= Q(started_at__lt=Subquery(mine))
    sent = Q(sent_at__gt=window.as_of) if window.as_of is not None else Q(pk__in=[])
    count = open_calls.filter(sent | waiting).exclude(pk=attempt).count()
    per_call = {**need}
    if window.output_tokens_per_call:
        per_call["output_tokens"] = window.output_tokens_per_call
    return {kind: float(count * per_call[kind]) for kind in KINDS}


def _wait_for(
    window: RateLimitWindow, kind: str, need: int, pending: float, now: datetime
) -> float:
    remaining = getattr(window, f"{kind}_remaining")
    reset = getattr(window, f"{kind}_reset")
    if remaining is None or reset is None:
        return 0.0
    level = _level(window, kind, now)
    limit = getattr(window, f"{kind}_limit")
    if level is None or not limit or need > limit:  # no bucket to reason about: the reset
        return (reset - now).total_seconds() if remaining < need and reset > now else 0.0
    # Not above a whole window: calls counted as pending may have been refused meanwhile.
    short = min(need + pending, float(limit)) - level
    return max(0.0, short) * window_seconds() / limit


def _level(window: RateLimitWindow, kind: str, now: datetime) -> float | None:
    """The bucket's level now, from its limit and when it is full again; None if unknown, or
    if the headers do not describe a bucket (a window that resets all at once: what remains
    does not match the level a bucket full at that reset would have)."""
    limit = getattr(window, f"{kind}_limit")
    reset = getattr(window, f"{kind}_reset")
    remaining = getattr(window, f"{kind}_remaining")
    if not limit or reset is None or remaining is None:
        return None
    rate = limit / window_seconds()
    learnt = window.as_of or window.updated_at or now  # the moment the headers describe
    at_learning = limit - rate * max(0.0, (reset - learnt).total_seconds())
    # Room for rounding and for the moments between sending a call and its headers' count.
    slack = max(1.0, 0.02 * limit, rate * 1.0)
    # A bucket's -remaining is its level then (0 when it is below zero); a window that resets
    # all at once says more or less than that.
    if at_learning > remaining + slack or (remaining > 0 and at_learning < remaining - slack):
        return None
    return limit - rate * max(0.0, (reset - now).total_seconds())


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed is None or timezone.is_aware(parsed) else timezone.make_aware(parsed)
