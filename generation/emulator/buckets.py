"""Tier rate limits for the offline emulator: token buckets, as the API enforces them.

EMULATOR_RATE_LIMITS ("requests=50,input_tokens=40000,output_tokens=8000") gives each kind's
capacity per window (EMULATOR_RATE_WINDOW_SECONDS, 60 as the API's minute); each bucket
starts full and refills continuously at capacity/window. A request is admitted when the
requests bucket holds one request, the input bucket its input tokens and the output bucket
is not negative (the API cannot know the output yet); its actual output is taken once the
reply is written, so the output bucket may go below zero and then refuses requests until
it has refilled. A refused request gets a 429 with `retry-after` (whole seconds, as the API
sends it, and `retry-after-ms`); every answer carries anthropic-ratelimit-*-limit,
-remaining and -reset (when the bucket is full again, RFC 3339).

The buckets live in a small JSON file under the data folder, read and written under an
exclusive file lock: every thread and every process of every local qcluster (each has its
own emulator) draws on the same limits, as they would on one organisation's.
"""

import fcntl
import json
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KINDS = ("requests", "input-tokens", "output-tokens")
# A process-wide lock too: flock excludes other open file descriptions, and threads of one
# process each open their own, but this keeps a single process from queueing on the kernel.
_thread_lock = threading.Lock()


def parse_rate_limits(text: str) -> dict[str, int]:
    """'requests=50,output_tokens=8000' as {'requests': 50, 'output-tokens': 8000}."""
    limits: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        name, _, value = (piece.strip() for piece in part.partition("="))
        kind = name.replace("_", "-")
        if kind not in KINDS:
            known = ", ".join(kind.replace("-", "_") for kind in KINDS)
            raise ImproperlyConfigured(
                f"EMULATOR_RATE_LIMITS: unknown limit {name!r} in {part!r} (known: {known})"
            )
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            raise ImproperlyConfigured(
                f"EMULATOR_RATE_LIMITS: {part!r} needs a whole number of at least 1, "
                f"e.g. {name}=1000"
            )
        limits[kind] = number
    return limits


@dataclass(frozen=True)
class Admission:
    admitted: bool
    retry_after: float  # seconds until the request would fit; 0 when admitted
    headers: dict[str, str]


class TokenBuckets:
    """The tier's limits; `limits` holds every kind in KINDS (per `window` seconds)."""

    def __init__(self, limits: Mapping[str, int], window: float, state: Path) -> None:
        if set(limits) != set(KINDS):
            raise ValueError(f"limits for {KINDS} are needed, got {sorted(limits)}")
        self.limits = dict(limits)
        self.window = float(window)
        self.state = state
        self._key = json.dumps([self.limits, self.window], sort_keys=True)

    def admit(self, input_tokens: int) -> Admission:
        """Take one request and its input tokens, or say how long until they would fit."""
        with self._levels() as (levels, now):
            need = {"requests": 1.0, "input-tokens": float(input_tokens), "output-tokens": 0.0}
            short = {kind: need[kind] - levels[kind] for kind in KINDS if levels[kind] < need[kind]}
            if short:
                waits = [deficit / self._rate(kind) for kind, deficit in short.items()]
                # A request bigger than a bucket never fits: say a window, as the API would.
                wait = min(max(waits), self.window)
                return Admission(False, wait, self._headers(levels, now))
            levels["requests"] -= 1
            levels["input-tokens"] -= input_tokens
            return Admission(True, 0.0, self._headers(levels, now))

    def take_output(self, output_tokens: int) -> dict[str, str]:
        """The reply's actual output, taken after it is written; the headers that follow."""
        with self._levels() as (levels, now):
            levels["output-tokens"] -= output_tokens
            return self._headers(levels, now)

    def _rate(self, kind: str) -> float:
        return self.limits[kind] / self.window

    def _headers(self, levels: Mapping[str, float], now: float) -> dict[str, str]:
        headers = {}
        for kind in KINDS:
            limit, level = self.limits[kind], levels[kind]
            full_at = now + max(0.0, limit - level) / self._rate(kind)
            reset = datetime.fromtimestamp(full_at, UTC).isoformat(timespec="milliseconds")
            headers[f"anthropic-ratelimit-{kind}-limit"] = str(limit)
            headers[f"anthropic-ratelimit-{kind}-remaining"] = str(max(0, math.floor(level)))
            headers[f"anthropic-ratelimit-{kind}-reset"] = reset.replace("+00:00", "Z")
        return headers

    def _levels(self) -> "_Locked":
        return _Locked(self)


class _Locked:
    """The buckets' levels, refilled to now, read and written back under the file lock."""

    def __init__(self, buckets: TokenBuckets) -> None:
        self.buckets = buckets

    def __enter__(self) -> tuple[dict[str, float], float]:
        buckets = self.buckets
        buckets.state.parent.mkdir(parents=True, exist_ok=True)
        _thread_lock.acquire()
        try:
            self.file = open(buckets.state, "a+", encoding="utf-8")
            fcntl.flock(self.file, fcntl.LOCK_EX)
        except BaseException:
            _thread_lock.release()
            raise
        self.file.seek(0)
        try:
            saved = json.loads(self.file.read() or "{}")
        except ValueError:
            saved = {}
        now = time.time()
        if saved.get("key") != buckets._key:  # no state yet, or other limits: full buckets
            saved = {"levels": {kind: float(buckets.limits[kind]) for kind in KINDS}, "at": now}
        elapsed = max(0.0, now - float(saved["at"]))
        self.levels = {
            kind: min(
                float(buckets.limits[kind]),
                float(saved["levels"][kind]) + elapsed * buckets._rate(kind),
            )
            for kind in KINDS
        }
        self.now = now
        return self.levels, now

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                state = {"key": self.buckets._key, "levels": self.levels, "at": self.now}
                self.file.seek(0)
                self.file.truncate()
                self.file.write(json.dumps(state))
                self.file.flush()
        finally:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            _thread_lock.release()
