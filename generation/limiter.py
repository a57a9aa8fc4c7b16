"""A rate limiter shared by all workers, learnt from the API's anthropic-ratelimit-* headers.

Each reply says how many requests and input/output tokens remain in the current window and
when it resets; the window is stored per model, and a worker about to call waits until the
reset when what remains cannot take its request. The SDK's retry of a 429 (honouring
retry-after) stays the second line of defence.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from generation.models import RateLimitWindow

KINDS = ("requests", "input_tokens", "output_tokens")


def learn(model: str, rate_limits: dict[str, str]) -> None:
    """Store what the headers said (names without the anthropic-ratelimit- prefix)."""
    values: dict[str, int | datetime | None] = {}
    for kind in KINDS:
        header = kind.replace("_", "-")
        remaining = _int(rate_limits.get(f"{header}-remaining"))
        reset = _time(rate_limits.get(f"{header}-reset"))
        if remaining is not None:
            values[f"{kind}_remaining"] = remaining
            values[f"{kind}_reset"] = reset
    if values and not RateLimitWindow.objects.filter(model=model).update(**values):
        RateLimitWindow.objects.get_or_create(model=model, defaults=values)


def wait_seconds(model: str, input_tokens: int, output_tokens: int) -> float:
    """How long to wait before a call of this size fits the model's current window."""
    window = RateLimitWindow.objects.filter(model=model).first()
    if window is None:
        return 0.0
    now = timezone.now()
    need = {"requests": 1, "input_tokens": input_tokens, "output_tokens": output_tokens}
    wait = 0.0
    for kind in KINDS:
        remaining = getattr(window, f"{kind}_remaining")
        reset = getattr(window, f"{kind}_reset")
        if remaining is not None and reset is not None and reset > now and remaining < need[kind]:
            wait = max(wait, (reset - now).total_seconds())
    return wait


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
