"""An offline emulator of Claude's Messages API, plugged in at the HTTP layer.

With no API key the SDK talks to `Emulator.handle` through an `httpx2.MockTransport`, so the
SDK's retries, the structured-output parsing and the cost accounting run for real. The
emulator reads the conversation brief from the prompt and writes a conversation that follows
it (persona, numbers, arc, phases, edge-case rules), bills tokens, caches the system prompt,
sends rate-limit headers and injects faults at configured rates. Its replies carry
SOURCE_HEADER so every conversation it wrote is marked as emulated.
"""

import fcntl
import functools
import json
import math
import os
import random
import re
import re._constants as sre  # the regex parser's opcodes, for example_of
import re._parser as sre_parser
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from eidataset.rules import evaluate_rules, rule_kind
from generation.brief import BriefError, parse_brief
from generation.schema import MAX_TURNS, MIN_TURNS

SOURCE_HEADER = "x-eidataset-source"
SOURCE = "offline_emulator"
CONVERSATION_HEADER = "x-eidataset-conversation"
# Checked in this order; each has its own independent draw per request.
FAULTS = ("spend_limit", "429", "529", "500", "invalid_json", "refusal", "max_tokens")
HTTP_FAULTS = frozenset({"spend_limit", "429", "529", "500"})
CACHE_TTL_SECONDS = 300  # the API's default ephemeral cache lifetime
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
        settings.EMULATOR_LATENCY_SECONDS, settings.EMULATOR_FAULTS, settings.EMULATOR_REQUEST_LOG
    )
    return httpx2.MockTransport(emulator.handle)


@functools.cache
def _shared_emulator(latency: float, faults: str, request_log: str | None) -> "Emulator":
    """One emulator per process and configuration, like one API server: its prompt cache and
    attempt counters outlive the client built for a single conversation."""
    return Emulator(
        latency=latency,
        faults=parse_faults(faults),
        request_log=Path(request_log) if request_log else None,
    )


# --- the HTTP side ---------------------------------------------------------------------


@dataclass
class Emulator:
    latency: float = 0.0
    faults: Mapping[str, float] = field(default_factory=dict)
    request_log: Path | None = None
    seed: int = 0
    retry_after_seconds: float = 1.0

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
        self._lock = threading.Lock()
        self._fault_draws = random.Random(f"{self.seed}:faults")
        self._cache_expiry: dict[tuple[str, str], float] = {}
        self._attempts: Counter[str] = Counter()
        self._minute = RateWindow()

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        if self.latency:
            time.sleep(self.latency)
        response, outcome = self._answer(request)
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
        fault = self._draw_fault()
        if fault in HTTP_FAULTS:
            return self._fault_response(fault), fault
        try:
            brief = parse_brief(prompt_of(body))
        except BriefError as error:
            message = f"the offline emulator can only answer a conversation brief: {error}"
            return api_error(400, "invalid_request_error", message), "bad_request"
        attempt = self._attempt(request, brief)
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
        return self._message_response(body, document, fault), fault or "ok"

    def _draw_fault(self) -> str | None:
        with self._lock:
            draws = {name: self._fault_draws.random() for name in FAULTS}
        return next((name for name in FAULTS if draws[name] < self.faults.get(name, 0.0)), None)

    def _attempt(self, request: httpx2.Request, brief: dict[str, Any]) -> int:
        key = request.headers.get(CONVERSATION_HEADER) or f"sequence:{brief['sequence_number']}"
        with self._lock:
            self._attempts[key] += 1
            return self._attempts[key]

    def _fault_response(self, fault: str) -> httpx2.Response:
        if fault == "429":
            headers = {
                "retry-after": f"{self.retry_after_seconds:g}",
                "retry-after-ms": str(round(self.retry_after_seconds * 1000)),
            }
            message = "This request would exceed the rate limit for your organization."
            return api_error(429, "rate_limit_error", message, headers)
        if fault == "spend_limit":
            message = (
                "You have reached your specified API usage limits (the spend limit). "
                "You will regain access when the limit resets or is raised in the Console."
            )
            return api_error(429, "rate_limit_error", message)
        if fault == "529":
            return api_error(529, "overloaded_error", "Overloaded")
        return api_error(500, "api_error", "Internal server error")

    def _message_response(
        self, body: dict[str, Any], document: str, fault: str | None
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
        headers = self._minute.headers(spent, output_tokens)
        return httpx2.Response(200, json=message, headers={**headers, **_identity_headers()})

    def _input_usage(self, body: dict[str, Any]) -> dict[str, int]:
        cached, uncached = system_parts(body.get("system"))
        key = (body["model"], cached)
        now = time.monotonic()
        with self._lock:
            hit = bool(cached) and self._cache_expiry.get(key, 0.0) > now
            if cached:
                self._cache_expiry[key] = now + CACHE_TTL_SECONDS
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


def api_error(
    status: int, error_type: str, message: str, headers: Mapping[str, str] | None = None
) -> httpx2.Response:
    identity = _identity_headers()
    body = {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": identity["request-id"],
    }
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


# --- the request log -------------------------------------------------------------------


def _log_entry(request: httpx2.Request, response: httpx2.Response, outcome: str) -> dict:
    return {
        "timestamp": datetime.now(UTC).isoformat(),
        "pid": os.getpid(),
        "conversation": request.headers.get(CONVERSATION_HEADER),
        "sdk_retry": int(request.headers.get("x-stainless-retry-count") or 0),
        "outcome": outcome,
        "status": response.status_code,
    }


def append_request_log(path: Path, entry: Mapping[str, Any]) -> None:
    """One JSON line per request; the lock keeps lines whole when processes share the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log_file:
        fcntl.flock(log_file, fcntl.LOCK_EX)
        try:
            log_file.write(json.dumps(entry) + "\n")
            log_file.flush()
        finally:
            fcntl.flock(log_file, fcntl.LOCK_UN)


def read_request_log(path: Path | str) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as log_file:
        fcntl.flock(log_file, fcntl.LOCK_SH)
        try:
            lines = log_file.read().splitlines()
        finally:
            fcntl.flock(log_file, fcntl.LOCK_UN)
    return [json.loads(line) for line in lines if line.strip()]


# --- writing a conversation ------------------------------------------------------------


@dataclass
class Beat:
    client: str
    elena: str
    phase: str
    strategy: str


@dataclass
class Scene:
    """What a conversation is about, read once from the brief, and the dice for its wording."""

    brief: dict[str, Any]
    rng: random.Random
    values: dict[str, str]
    emotions: list[str]
    stages: list[str]
    concepts: list[str]
    figures: list[tuple[str, str]]
    concern: "Concern | None"
    said: set[str] = field(default_factory=set)

    def say(self, options: Sequence[str], **extra: str) -> str:
        """One of the options, not one this conversation has used already while others remain."""
        fresh = [option for option in options if option not in self.said] or list(options)
        choice = self.rng.choice(fresh)
        self.said.add(choice)
        return choice.format_map({**self.values, **extra})

    def figure(self, index: int) -> tuple[str, str]:
        return self.figures[index % len(self.figures)]

    def concept(self, index: int) -> str:
        return self.concepts[index % len(self.concepts)]

    def feeling(self, index: int) -> str:
        return feeling_word(self.emotions[index])

    def is_settled(self, index: int) -> bool:
        arc = self.brief["arc"]
        calm = {arc["ending_emotion"], *arc.get("ending_synonyms", [])}
        return self.emotions[index] in calm | SETTLED_EMOTIONS


def write_turns(brief: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """A conversation that follows the brief, as turns in CONVERSATION_SCHEMA's shape."""
    rules = (brief.get("edge_case") or {}).get("rules") or []
    count = turn_count(brief["turn_count"], rules)
    scene = build_scene(brief, rng, count)
    beats = beats_for(scene, count)
    turns = [_turn(scene, index, beat) for index, beat in enumerate(beats)]
    satisfy_rules(turns, rules)
    return turns


def turn_count(requested: Any, rules: list[dict[str, Any]]) -> int:
    count = requested if isinstance(requested, int) else MIN_TURNS
    for rule in rules:
        count = max(count, rule.get("min_turns", MIN_TURNS))
        count = min(count, rule.get("max_turns", MAX_TURNS))
    return min(MAX_TURNS, max(MIN_TURNS, count))


def build_scene(brief: dict[str, Any], rng: random.Random, count: int) -> Scene:
    persona, topic = brief["persona"], brief["topic"]
    figures = figures_of(brief)
    scene = Scene(
        brief=brief,
        rng=rng,
        values={},
        emotions=along_arc(arc_emotions(brief["arc"]), count),
        stages=along_arc([stage["name"] for stage in brief["arc"].get("stages") or []], count),
        concepts=[c for c in topic.get("key_concepts") or [] if _speakable(c)] or [topic["name"]],
        figures=figures,
        concern=concern_for(brief.get("edge_case")),
    )
    rng.shuffle(scene.concepts)
    focus = (brief.get("specifics") or {}).get("focus_concept")
    if isinstance(focus, str) and _speakable(focus):
        scene.concepts.insert(0, focus)
    partner = partner_of(persona)
    scene.values = {
        "name": persona["name"].split()[0],
        "topic": topic["name"],
        "gist": _gist(topic.get("description") or topic["name"]),
        "gist_short": _gist(topic.get("description") or topic["name"]).split(",")[0],
        "partner_mine": partner or "my partner",
        "partner_yours": partner or "your partner",
        "small": money(monthly_spare(brief) / 5, nearest=10),
        "spare": money(monthly_spare(brief), nearest=50),
        "split_a": money(monthly_spare(brief) * 0.6, nearest=50),
        "split_b": money(monthly_spare(brief) * 0.4, nearest=50),
        "cushion": money(client_number(brief, "monthly_expenses") or 3000),
        "debt": debt_of(persona)[0],
        "debt_amount": debt_of(persona)[1],
        "extra_goal": extra_goal(brief),
        "loss": next((v for k, v in figures if re.search("loss|drop|down", k)), "thousands"),
    }
    scene.values["step"] = scene.say(NEXT_STEPS, concept=scene.concept(0))
    scene.values["my_step"] = re.sub(r"\byour\b", "my", scene.values["step"]).replace(
        "with me", "with you"
    )
    return scene


def beats_for(scene: Scene, count: int) -> list[Beat]:
    phases = phase_plan(count)
    beats = [STANDARD_BEATS[phase](scene, index) for index, phase in enumerate(phases)]
    concern = scene.concern
    if concern is None:
        return beats
    if concern.urgent:
        return urgent_beats(scene, count)
    return with_concern(scene, beats, concern)


def _turn(scene: Scene, index: int, beat: Beat) -> dict[str, Any]:
    count = len(scene.emotions)
    start = scene.rng.uniform(0.75, 0.92)
    end = scene.rng.uniform(0.18, 0.32)
    intensity = start - (start - end) * index / (count - 1)
    return {
        "user_input": beat.client,
        "assistant_response": beat.elena,
        "conversation_phase": beat.phase,
        "session_context": session_context(scene, index),
        "emotional_context": {
            "detected_emotions": {
                "primary": scene.emotions[index],
                "secondary": secondary_emotion(scene, index),
                "intensity": round(min(1.0, max(0.0, intensity)), 2),
            },
            "response_strategy": beat.strategy,
        },
    }


def session_context(scene: Scene, index: int) -> str:
    specifics = scene.brief.get("specifics") or {}
    if index == 0 and specifics.get("situation"):
        return str(specifics["situation"])
    stage = scene.stages[index] if scene.stages else scene.emotions[index]
    chunk = scene.brief.get("chunk")
    source = f", drawing on {chunk['document_title']}" if chunk else ""
    return f"{scene.values['topic']}: {stage}{source}"


def secondary_emotion(scene: Scene, index: int) -> str | None:
    typical = [e for e in scene.brief["persona"].get("typical_emotions") or [] if e]
    options = [e for e in typical if e != scene.emotions[index]]
    if not options or scene.rng.random() < 0.3:
        return None
    return scene.rng.choice(options)


def arc_emotions(arc: Mapping[str, Any]) -> list[str]:
    path = [arc["starting_emotion"], *(s["emotion"] for s in arc.get("stages") or [])]
    path.append(arc["ending_emotion"])
    return [e for i, e in enumerate(path) if i == 0 or e != path[i - 1]]


def along_arc(path: list[str], count: int) -> list[str]:
    """`count` points along `path`, first and last included."""
    if not path:
        return []
    last = len(path) - 1
    return [path[round(index * last / max(1, count - 1))] for index in range(count)]


def phase_plan(count: int) -> list[str]:
    middle = count - 2
    exploring = 2 if middle >= 5 else 1
    teaching = (middle - exploring) // 2
    planning = middle - exploring - teaching
    return [
        "opening",
        *["exploration"] * exploring,
        *["education"] * teaching,
        *["planning"] * planning,
        "resolution",
    ]


# --- what the client brings: names and numbers -----------------------------------------

# Where arcs end; Elena affirms these instead of validating a difficulty.
SETTLED_EMOTIONS = frozenset(
    {"relief", "hope", "hopeful", "clarity", "confidence", "satisfaction", "acceptance"}
    | {"supported", "focus", "stability", "understanding", "trust", "determination"}
    | {"contentment", "commitment", "self-compassion", "calm", "peace", "optimism", "curiosity"}
)
FEELINGS = {
    "confusion": "confused", "embarrassment": "embarrassed", "curiosity": "curious",
    "clarity": "clear-headed", "anxiety": "anxious", "worry": "worried", "hope": "hopeful",
    "relief": "relieved", "frustration": "frustrated", "irritation": "irritated",
    "satisfaction": "satisfied", "shame": "ashamed", "vulnerability": "exposed",
    "acceptance": "at peace with it", "overwhelm": "overwhelmed", "stress": "stressed",
    "confidence": "confident", "despair": "hopeless", "distress": "shaken",
    "focus": "focused", "uncertainty": "unsure", "desperation": "desperate", "fear": "afraid",
    "apprehension": "uneasy", "grief": "heartbroken", "sadness": "sad", "stability": "steadier",
    "guilt": "guilty", "regret": "full of regret", "self-compassion": "gentler with myself",
    "anger": "angry", "understanding": "like I finally understand", "skepticism": "skeptical",
    "doubt": "doubtful", "trust": "ready to trust this", "dread": "full of dread",
    "determination": "determined", "envy": "envious", "insecurity": "insecure",
    "contentment": "content", "indecision": "stuck", "commitment": "committed",
    "optimism": "optimistic", "impatience": "impatient", "avoidance": "like hiding from it",
    "panic": "panicked", "helplessness": "helpless", "hopelessness": "hopeless",
}  # fmt: skip


def feeling_word(emotion: str) -> str:
    """How a person says they feel it: 'anxiety' -> 'anxious'."""
    if emotion in FEELINGS:
        return FEELINGS[emotion]
    if re.search(r"(ed|ful|ous|ive|ent|ant|al|ic|less)$", emotion):
        return emotion
    return f"a lot of {emotion}"


def figures_of(brief: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, amount as said aloud): the brief's specifics first, then the persona's."""
    numbers = (brief.get("specifics") or {}).get("numbers") or {}
    finances = brief["persona"].get("finances") or {}
    pairs = [*numbers.items(), *((k, v) for k, v in finances.items() if k not in numbers)]
    pairs = sorted(pairs, key=lambda pair: _worry_rank(pair[0]))
    figures = [(_label(key), amount(key, value)) for key, value in pairs if _is_number(value)]
    return figures or [("monthly budget", "$3,000")]


def _worry_rank(key: str) -> int:
    """Debts and shortfalls first: they are what a client brings up and Elena works on."""
    order = ("debt|owe|balance|loss|loan|bill", "saving|fund|cushion", "expense|spend", "income")
    return next((rank for rank, words in enumerate(order) if re.search(words, key)), len(order))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _label(key: str) -> str:
    return key.replace("_", " ").strip()


def amount(key: str, value: float) -> str:
    if re.search(r"rate|apr|percent|pct|ratio", key):
        return f"{value:g}%"
    if re.search(r"months|years|weeks|days|age|count|dependents|children|number", key):
        return f"{value:g}"
    return money(value)


def money(value: float, nearest: int = 1) -> str:
    rounded = max(nearest, round(value / nearest) * nearest)
    return f"${rounded:,.0f}"


def client_number(brief: Mapping[str, Any], key: str) -> float | None:
    """The brief's specific figure, else the persona's."""
    for source in ((brief.get("specifics") or {}).get("numbers"), brief["persona"].get("finances")):
        value = (source or {}).get(key)
        if _is_number(value):
            return float(value)
    return None


def monthly_spare(brief: Mapping[str, Any]) -> float:
    take_home = (client_number(brief, "annual_income") or 60_000) / 12 * 0.75  # after tax, roughly
    spare = take_home - (client_number(brief, "monthly_expenses") or take_home * 0.8)
    return max(300.0, spare)


def debt_of(persona: Mapping[str, Any]) -> tuple[str, str]:
    """('car loan', '$11,800') from the persona's debts, the first one listed."""
    for line in (persona.get("finances") or {}).get("debts") or []:
        name, _, rest = str(line).partition(":")
        found = re.search(r"\$[\d,]+", rest)
        if found:
            return name.strip().lower(), found.group(0)
    return "debts", money(float((persona.get("finances") or {}).get("debt_total") or 5000))


def partner_of(persona: Mapping[str, Any]) -> str | None:
    text = f"{persona.get('demographics', {}).get('household', '')} {persona.get('description')}"
    found = re.search(r"\b(?:married to|engaged to|partner,?|fianc[ée]e?,?)\s+([A-Z][a-z]+)", text)
    return found.group(1) if found else None


EXTRA_GOALS = {
    r"wedding": "pay for the wedding",
    r"\bhouse\b|\bhome\b|down payment": "save for a house",
    r"college|529": "save for the kids' college",
    r"business": "keep the side business going",
}


def extra_goal(brief: Mapping[str, Any]) -> str:
    edge = brief.get("edge_case") or {}
    text = f"{edge.get('expected_behavior', '')} {brief['persona'].get('description', '')}"
    found = [goal for pattern, goal in EXTRA_GOALS.items() if re.search(pattern, text, re.I)]
    return found[0] if found else "get ahead on everything else"


def _speakable(concept: str) -> bool:
    return not re.match(r"(why|how|what|when)\b", concept, re.I) and "Elena" not in concept


def _gist(description: str) -> str:
    first = re.split(r"(?<=[.!?])\s", description.strip())[0].rstrip(".")
    return first[:1].lower() + first[1:]


def chunk_quote(scene: Scene) -> str | None:
    chunk = scene.brief.get("chunk")
    if not chunk or not chunk.get("text"):
        return None
    prose = [line for line in chunk["text"].splitlines() if not re.match(r"\s*(#|[-*•] |\|)", line)]
    plain = re.sub(r"\s+", " ", re.sub(r"[*_>`]+", "", " ".join(prose)))
    sentences = re.split(r"(?<=[.!?])\s+", plain)
    usable = [s.strip() for s in sentences if 40 <= len(s.strip()) <= 240]
    return scene.rng.choice(usable) if usable else None


# --- the standard beats ----------------------------------------------------------------

GREETINGS = (
    "Hi Elena, it's {name}.",
    "Hello Elena. {name} here.",
    "Hi, I'm {name}. Thanks for making time for me.",
    "Elena, hi. It's {name}.",
    "Hi Elena. {name} again, and I brought the folder this time.",
    "Good morning, Elena. It's {name}; thanks for fitting me in.",
)
TRIGGER_LINES = (
    "What finally got me to call was {trigger}.",
    "I booked this because of {trigger}.",
    "This week it was {trigger}, and I couldn't keep ignoring it.",
    "The thing that pushed me was {trigger}.",
)
ANGLE_LINES = {
    r"practical question": ("Straight question: what should I do about {concept}?",),
    r"apologi|paperwork": ("Sorry, I don't have all my paperwork together.",),
    r"specific number": ("There's one number I can't stop thinking about: {amount}.",),
    r"joke": ("(laughs) I figured if I made a joke first, this would be easier.",),
    r"almost cancel": ("I almost cancelled today, to be honest.",),
    r"at length|what happened": ("It's been a week, so bear with me while I explain.",),
    r"normal": ("Is this normal, or am I the only one who's this far behind?",),
    r"someone else|told them": ("My brother keeps telling me what to do, and I don't know.",),
}
FEELING_LINES = (
    "Honestly, I feel {feeling} about it.",
    "I'll be honest, I'm pretty {feeling} right now.",
    "Mostly I just feel {feeling}.",
    "I don't know how else to say it: I'm {feeling}.",
    "If I'm being real with you, I feel {feeling} every time I think about it.",
)
STILL_FEELING = (
    "I still feel {feeling} about it, honestly.",
    "Part of me is still {feeling} about the {label}.",
    "I'm {feeling}, but I want to understand {concept}.",
    "Saying {amount} out loud, I notice I'm {feeling}.",
    "I get {feeling} every time I think about {concept}.",
    "Honestly, {amount} makes me feel {feeling}.",
)
NOW_FEELING = (
    "That already makes me feel {feeling}.",
    "I feel {feeling} hearing that about {concept}.",
    "I'm starting to feel {feeling} about the {label}.",
    "Funny, I feel {feeling} now that {amount} is on paper.",
    "For once, {concept} makes me feel {feeling} instead of panicked.",
)
TRAIT_LINES = {
    r"humor|joke": ("(laughs) Cue the nervous laugh.", "My strategy so far has been jokes."),
    r"apologi": ("Sorry, I know this is a lot.", "Sorry if this is a silly question."),
    r"what if": ("What if I'm already too far behind?", "What if I get this wrong too?"),
    r"spreadsheet|numbers": ("I even built a spreadsheet, and it only made me more nervous.",),
    r"vague": ("It's a few thousand, maybe. I'd have to check.",),
    r"downplay": ("It's fine, I've got it. Mostly.",),
    r"certainty|exact": ("I just want to know for sure that we're doing this right.",),
}
GENTLE_VALIDATIONS = (
    "It makes complete sense to feel {feeling}, {name}.",
    "Thank you for telling me that, {name}; feeling {feeling} here is completely understandable.",
    "I can hear how {feeling} you are, and that's a very human reaction.",
    "{name}, anyone carrying what you're carrying could feel {feeling}.",
    "Feeling {feeling} about money is more common than you'd think, {name}.",
    "That sounds heavy, {name}, and feeling {feeling} about it makes sense.",
    "Of course you feel {feeling}, {name}; you've been holding this for a while.",
    "I'm glad you said that out loud, {name}; feeling {feeling} is a fair response.",
)
# Validations that also name the client's numbers; not for an edge case's delicate moments.
VALIDATIONS = (
    *GENTLE_VALIDATIONS,
    "With {amount} of {label} on your mind, feeling {feeling} is a fair response.",
    "Anyone looking at {amount} of {label} could feel {feeling}, {name}.",
    "It's okay to feel {feeling} about {concept}; it's new, and it touches everything.",
)
AFFIRMATIONS = (
    "I'm really glad you feel {feeling}, {name}.",
    "It's good to hear you sound {feeling}, {name}.",
    "That shift to feeling {feeling} is yours, {name}; you did the work.",
    "{name}, I can hear that you feel {feeling}, and you've earned it.",
    "Feeling {feeling} is a good sign, {name}; it means the plan fits you.",
    "You sound {feeling} now, and you got there by looking at your {label} head-on.",
    "Hearing you feel {feeling} about {concept} tells me we're on the right track.",
)
REFLECTIONS = (
    "It sounds like this has been sitting on your shoulders for a while, {name}.",
    "What I'm hearing is that {gist_short} feels bigger than it will once we look at it together.",
    "It sounds like you've been carrying this mostly on your own.",
    "I'm hearing both worry and a real wish to get {concept} right.",
    "It sounds like {concept} has been a question mark for a long time.",
    "I hear someone who cares a lot about getting this right, {name}.",
)
REASSURANCES = (
    "You came in today, {name}, and that's already the hardest step.",
    "Nothing you've told me is unusual, and none of it is beyond fixing.",
    "You're in the right place, and we'll go at your pace.",
    "We'll take {concept} one piece at a time; nobody has to figure it out in a day.",
    "Plenty of people I work with started exactly where you are, {name}.",
    "Being {feeling} doesn't mean you're doing badly; it means this matters to you.",
)
OPENING_LEADS = ("", "Before we get into numbers,", "Tell me,", "{name}, I'm curious:", "First,")
OPENING_QUESTIONS = (
    "what's weighing on you most?",
    "what would feel like progress by the end of today?",
    "what worries you most about {concept}?",
    "when you picture this going well, what does that look like?",
    "what made this the week you reached out?",
    "which part of this keeps you up at night?",
)
ANSWERS = (
    "Okay. Here's where things stand: {figures}.",
    "Let me give you the real numbers: {figures}.",
    "If I'm honest about the numbers, {figures}.",
    "I wrote it down so I wouldn't dodge it: {figures}.",
)
FOLLOW_UP_ANSWERS = (
    "Security, I think. I want to stop feeling like one bill could sink me.",
    "I tried a budgeting app once, and I quit after two weeks.",
    "Mostly I want to stop avoiding it. I'd like to open my mail without my stomach dropping.",
    "Flexibility. I don't want a plan that breaks the first time something goes wrong.",
    "Honestly, I've tried to figure out {concept} alone, and I keep going in circles.",
    "The {label}, definitely. Every time I see {amount} I close the app.",
    "I think I just want someone to tell me I'm not crazy for worrying about {concept}.",
)
RESTATEMENTS = (
    "So if I have this right, your {label} is {amount}, and we'll need to talk about {concept}.",
    "Let me say it back: {amount} of {label}, and a lot of uncertainty about what to do next.",
    "What I'm taking from that: the {label} at {amount} is the number that scares you most.",
    "So {amount} of {label} is the number on your mind, and the rest feels like fog.",
)
QUESTIONS = (
    "What matters most to you here, {name}: security, flexibility, or something else?",
    "What have you already tried with your {label}, and what got in the way?",
    "If we could change one thing about your {label} this month, what would you pick?",
    "When you look at that {amount}, what's the story you tell yourself about it?",
    "What would it mean for you to have {concept} sorted out, {name}?",
)
PERMISSION = {
    "education": (
        "Would it be okay if I walked you through {concept} and how it applies to you?",
        "May I explain how {concept} fits in? It's simpler than it sounds, I promise.",
        "Would it help if I explained {concept} before we make any decisions?",
        "Can I take a minute to explain {concept}, using your {label}?",
        "Is it all right if I explain {concept} first, {name}?",
    ),
    "planning": (
        "Would it be okay if I suggested a first step based on your numbers?",
        "May I sketch a simple plan with the {amount} you just mentioned?",
        "Can I suggest where I'd start, given your {label}?",
        "Would you like me to put a first step on the table, {name}?",
    ),
}
CONSENTS = ("Yes, please;", "Please do;", "Sure, go ahead;", "That would help;", "Okay, yes;")
CONCEPT_QUESTIONS = (
    "can you explain {concept}? I keep hearing about it and nodding along.",
    "what does {concept} actually mean for someone like me?",
    "I've read about {concept}, but I'm not sure how it applies to me.",
    "where does {concept} fit into all this?",
    "how does {concept} work with {amount} of {label}?",
    "I never understood {concept}, so start from zero.",
)
EXPLANATIONS = (
    "Here's the short version: this whole area is really about {gist}.",
    "In plain terms, {concept} is one piece of a bigger picture: {gist}.",
    "Think of it this way: {gist}, and {concept} is where that gets practical.",
    "Let's start with the big picture, which is {gist}.",
)
TIE_INS = (
    "For you, {concept} connects straight to your {label} of {amount}.",
    "Looking at your {label} of {amount}, {concept} is where you have the most room to move.",
    "With {amount} of {label}, even a small change here adds up over a year.",
    "That {amount} of {label} is exactly where this shows up for you.",
)
DISCLOSURES = (
    "I'll admit {concept} confused me too when I started out, so you're in good company.",
    "Years ago I had to learn {concept} the hard way, with my own paycheck.",
)
CHUNK_LINES = (
    'Our guide "{title}" puts it well: "{quote}"',
    'There\'s a line in "{title}" I often share with clients: "{quote}"',
    'One passage from "{title}" fits here: "{quote}"',
)
CHECKS = (
    "How does that land for you, {name}?",
    "Does that match what you've seen with your own {label}?",
    "Does that make sense so far, {name}, or should I slow down?",
    "Can you tell me in your own words how {concept} applies to you?",
    "What part of {concept} would you like me to go over again?",
    "Is any of that different from what you'd assumed about your {label}?",
)
PLANNING_QUESTIONS = (
    "Okay, so where do I start with my {label}?",
    "What would a realistic plan look like for me, with {amount} of {label}?",
    "Given all that, what's the first move?",
    "So what would you do first, if you were sitting where I am?",
    "And what if something goes wrong halfway through?",
    "How do I keep {concept} going when money gets tight?",
    "What's a number I could actually stick to?",
)
SUGGESTIONS = (
    "What I'd suggest: keep {cushion} as your cushion, and aim {spare} a month at {concept}.",
    "One workable plan: send {small} a month toward {concept}, and leave the rest alone for now.",
    "Let's keep it to one move: {spare} a month, split between your cushion and {concept}.",
    "Start small and automatic: {small} a month, and we raise it when there's room.",
)
CONTINGENCIES = (
    "If a surprise bill hits, pause the {small} transfer for a month rather than stopping it.",
    "If you slip, {name}, that's information, not failure; we adjust the number and keep going.",
    "If {amount} of {label} changes, we change the plan with it; it's meant to bend.",
    "If a month goes sideways, we'll lower the amount instead of dropping {concept} altogether.",
)
NEXT_STEPS = (
    "set up an automatic transfer of {small} on each payday",
    "write down every balance, rate and due date on one page, starting with your {debt}",
    "pull your last two months of statements and circle the three biggest surprises",
    "book thirty minutes with me next week to go through {concept}",
    "open a separate savings account for this goal and move the first {small} into it",
    "log in, write your {debt} balance on a sticky note and put it on the fridge",
)
STEP_LINES = (
    "Your next step: {step} this week.",
    "For this week, just one thing: {step}.",
    "If you do one thing before we talk again, {step}.",
)
CLOSINGS = (
    "This helps a lot. I actually feel {feeling} for the first time in a while.",
    "Okay. I can do that. I feel {feeling} now, honestly.",
    "Thank you, Elena. I feel {feeling}, and I know what I'm doing this week.",
    "Writing it down makes me feel {feeling}. I'll {my_step} this week.",
    "I didn't expect to leave feeling {feeling}, but I do. I'll {my_step}.",
    "So the first step is to {my_step}. I can do that, and I feel {feeling} about it.",
)
RECAPS = (
    "We turned a cloud of worry into one plan, and the first step is to {step}.",
    "You know your numbers now, and you know the first step: {step}.",
    "You came in with {concept} as a question mark, and you're leaving with a plan.",
    "Today you looked straight at your {label}, {name}, and that's the part most people skip.",
    "The plan is simple on purpose: {step}, then we build from there.",
)
CHECK_IN_WHEN = (
    "two weeks from today",
    "after your next payday",
    "at the start of next month",
    "in three weeks",
    "once the first transfer has gone through",
)
CHECK_INS = (
    "Let's check in {when} and see how it went.",
    "Send me a note {when}, {name}, and we'll take the next piece together.",
    "I'll put a check-in on our calendar {when}; bring whatever comes up.",
    "Let's look at {concept} again {when}, with real numbers from your account.",
)


def _validation(scene: Scene, index: int) -> str:
    difficult = GENTLE_VALIDATIONS if scene.concern else VALIDATIONS
    options = AFFIRMATIONS if scene.is_settled(index) else difficult
    return scene.say(options, feeling=scene.feeling(index), **_figure_values(scene, index))


def _feeling_line(scene: Scene, index: int) -> str:
    options = NOW_FEELING if scene.is_settled(index) else STILL_FEELING
    return scene.say(options, feeling=scene.feeling(index), **_figure_values(scene, index))


def _figure_values(scene: Scene, index: int) -> dict[str, str]:
    label, value = scene.figure(index)
    return {"label": label, "amount": value, "concept": scene.concept(index)}


def opening_beat(scene: Scene, index: int) -> Beat:
    client = _joined(
        scene.say(GREETINGS),
        _trigger_line(scene),
        _angle_line(scene),
        scene.say(FEELING_LINES, feeling=scene.feeling(index)),
        _trait_line(scene),
    )
    strategy, elena = opening_reply(scene, _validation(scene, index), _opening_question(scene))
    return Beat(client, elena, "opening", strategy)


def opening_reply(scene: Scene, opener: str, question: str) -> tuple[str, str]:
    strategy, moves = scene.rng.choice(
        [("reflection_of_feelings", REFLECTIONS), ("affirmation_and_reassurance", REASSURANCES)]
    )
    values = {"concept": scene.concept(0), "feeling": scene.feeling(0)}
    return strategy, _joined(opener, scene.say(moves, **values), question)


def _opening_question(scene: Scene) -> str:
    lead = scene.say(OPENING_LEADS)
    body = scene.say(OPENING_QUESTIONS, concept=scene.concept(0))
    return f"{lead} {body}" if lead else _capitalized(body)


def exploration_beat(scene: Scene, index: int) -> Beat:
    values = _figure_values(scene, index)
    answer = scene.say(ANSWERS, figures=_said_figures(scene)) if index == 1 else ""
    client = _joined(answer or scene.say(FOLLOW_UP_ANSWERS, **values), _feeling_line(scene, index))
    strategy, moves = scene.rng.choice(
        [("restatement_or_paraphrasing", RESTATEMENTS), ("question", QUESTIONS)]
    )
    following = phase_plan(len(scene.emotions))[index + 1]
    permission = PERMISSION.get(following, ())
    elena = _joined(
        _validation(scene, index),
        scene.say(moves, **values),
        scene.say(permission, **values) if permission else "",
    )
    return Beat(client, elena, "exploration", strategy)


def education_beat(scene: Scene, index: int) -> Beat:
    values = _figure_values(scene, index)
    asked = phase_plan(len(scene.emotions))[index - 1] == "exploration"
    question = scene.say(CONCEPT_QUESTIONS, **values)
    question = f"{scene.say(CONSENTS)} {question}" if asked else _capitalized(question)
    client = _joined(question, _feeling_line(scene, index))
    disclosing = scene.rng.random() < 0.2
    elena = _joined(
        _validation(scene, index),
        scene.say(DISCLOSURES, **values) if disclosing else "",
        scene.say(EXPLANATIONS, **values),
        _chunk_line(scene),
        scene.say(TIE_INS, **values),
        scene.say(CHECKS, **values),
    )
    return Beat(client, elena, "education", "self_disclosure" if disclosing else "information")


def planning_beat(scene: Scene, index: int, suggestion: str = "") -> Beat:
    values = _figure_values(scene, index)
    first = phase_plan(len(scene.emotions)).index("planning") == index
    client = _joined(scene.say(PLANNING_QUESTIONS, **values), _feeling_line(scene, index))
    elena = _joined(
        _validation(scene, index),
        suggestion or scene.say(SUGGESTIONS, **values),
        scene.say(STEP_LINES) if first else scene.say(CONTINGENCIES, **values),
    )
    return Beat(client, elena, "planning", "providing_suggestions")


def resolution_beat(scene: Scene, index: int) -> Beat:
    values = {"feeling": scene.feeling(index), "concept": scene.concept(index)}
    client = scene.say(CLOSINGS, **values)
    label, value = scene.figure(0)
    values |= {"label": label, "amount": value, "when": scene.say(CHECK_IN_WHEN)}
    elena = _joined(
        _validation(scene, index), scene.say(RECAPS, **values), scene.say(CHECK_INS, **values)
    )
    return Beat(client, elena, "resolution", "affirmation_and_reassurance")


STANDARD_BEATS: dict[str, Callable[[Scene, int], Beat]] = {
    "opening": opening_beat,
    "exploration": exploration_beat,
    "education": education_beat,
    "planning": planning_beat,
    "resolution": resolution_beat,
}


def _said_figures(scene: Scene) -> str:
    said = [spoken_figure(label, value) for label, value in scene.figures[:6]]
    return ", ".join(said[:-1]) + f" and {said[-1]}" if len(said) > 1 else said[0]


SPOKEN_FIGURES = {
    "annual income": "I make {amount} a year",
    "savings": "I have {amount} in savings",
    "retirement savings": "{amount} in retirement accounts",
    "debt total": "{amount} of debt in total",
    "monthly expenses": "about {amount} a month goes out",
}


def spoken_figure(label: str, value: str) -> str:
    return SPOKEN_FIGURES.get(label, "my {label} is {amount}").format(label=label, amount=value)


def _chunk_line(scene: Scene) -> str:
    quote = chunk_quote(scene)
    if not quote:
        return ""
    return scene.say(CHUNK_LINES, title=scene.brief["chunk"]["document_title"], quote=quote)


def _trigger_line(scene: Scene) -> str:
    """The planner's situation is a note about the session ("first meeting; brought in by a
    bill ..."): the client tells what brought them in, and a first-person note is said as is."""
    situation = str((scene.brief.get("specifics") or {}).get("situation") or "")
    trigger = situation.partition("brought in by ")[2].strip().rstrip(".")
    if trigger:
        trigger = re.sub(r"\bElena\b", "you", trigger)
        return scene.say(TRIGGER_LINES, trigger=trigger)
    return situation if re.match(r"(I|I'm|My|We)\b", situation) else ""


def _angle_line(scene: Scene) -> str:
    angle = str((scene.brief.get("specifics") or {}).get("opening_angle") or "")
    label, value = scene.figure(0)
    for pattern, lines in ANGLE_LINES.items():
        if re.search(pattern, angle, re.I):
            return scene.say(lines, label=label, amount=value, concept=scene.concept(0))
    return ""


def _trait_line(scene: Scene) -> str:
    traits = " ".join(scene.brief["persona"].get("communication_traits") or [])
    lines = [line for key, ls in TRAIT_LINES.items() if re.search(key, traits, re.I) for line in ls]
    return scene.rng.choice(lines) if lines and scene.rng.random() < 0.7 else ""


def _capitalized(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _joined(*sentences: str) -> str:
    return " ".join(s.strip() for s in sentences if s and s.strip())


# --- edge cases: what the expected behaviour is about -----------------------------------


@dataclass(frozen=True)
class Concern:
    """A theme an edge case's expected behaviour names, and what each side says about it.

    `disclosure` is the client's, in turn 1, and `pressing` their turn 2; `response` is
    Elena's key move in turn 2 (turn 1 for an urgent concern); `follow_up` is her suggestion in
    the first planning reply.
    """

    name: str
    pattern: str
    disclosure: tuple[str, ...]
    pressing: tuple[str, ...]
    response: tuple[str, ...]
    follow_up: tuple[str, ...] = ()
    first_words: tuple[str, ...] = ()
    first_question: tuple[str, ...] = ()
    phase: str = "referral"
    strategy: str = "providing_suggestions"
    urgent: bool = False


CONCERNS = (
    Concern(
        name="suicide",
        pressing=("I'm safe tonight, I think. I just don't see how we get out of this.",),
        pattern=r"suicid|\b988\b|self-harm",
        urgent=True,
        disclosure=(
            "Some nights I think my family would be better off with my life insurance.",
            "Honestly, sometimes I think everyone would be better off without me.",
            "Lately I've been thinking I don't want to be here anymore.",
        ),
        response=(
            "I'm going to set the money questions aside for a moment, because you matter more "
            "than any of it. Are you thinking about suicide? Are you safe right now? You can call "
            "or text 988, the Suicide & Crisis Lifeline, any time, day or night, and if you're in "
            "immediate danger, please call 911.",
            "The bills can wait; you can't. I need to ask you directly: are you having thoughts of "
            "suicide, and are you safe right now? Please call or text 988, the Suicide & Crisis "
            "Lifeline, today, and call 911 if you're in immediate danger.",
        ),
    ),
    Concern(
        name="gambling",
        pressing=(
            "A few times a week. I'm down more than I'll admit, and one good weekend would fix it.",
        ),
        pattern=r"gambl|betting|sportsbook",
        disclosure=(
            "And I've been using a sports-betting app to try to win it back. Nobody knows.",
            "The part I haven't said out loud is the betting. I keep trying to win it back.",
        ),
        first_question=(
            "Can you tell me a little more about the betting: how often, and how it's going?",
        ),
        response=(
            "Thank you for being honest about the betting; that takes courage, and it's far more "
            "common than you think. Chasing losses is a pattern, not a character flaw, and "
            "willpower alone rarely breaks it. The National Problem Gambling Helpline, "
            "1-800-GAMBLER, is free, confidential and open around the clock, and they can connect "
            "you with a counselor near you.",
        ),
        follow_up=(
            "For the loans themselves, a nonprofit credit counseling agency (look for an NFCC "
            "member) or a credit union's payday alternative loan can break the cycle. Today's "
            "step is small: list every loan's balance and due date on one page.",
        ),
    ),
    Concern(
        name="elder exploitation",
        pressing=(
            "A few months ago. She still handles everything herself and says I'm making a fuss.",
        ),
        pattern=r"scam|exploitation|elder fraud|gift cards",
        disclosure=(
            "It's about my mom. She's been pulling out a lot of money, buying gift cards and "
            "wiring money to a 'friend' she met online, and she gets defensive when I ask.",
        ),
        first_question=(
            "When did you first notice the withdrawals, and does she manage her own accounts?",
        ),
        response=(
            "What you're describing has the marks of a scam, and I want to say this clearly: these "
            "schemes are run by professionals who target capable, careful people. This is not your "
            "mom's fault. This week, call her bank's fraud department together with her, report it "
            "to Adult Protective Services or the National Elder Fraud Hotline at 1-833-FRAUD-11 "
            "(1-833-372-8311), and talk with an elder law attorney about a power of attorney.",
        ),
        follow_up=(
            "The goal is to protect her with her involvement rather than behind her back; she "
            "will act sooner if she feels respected.",
        ),
    ),
    Concern(
        name="grief",
        pressing=("Part of me just wants to do whatever they say so the pressure stops.",),
        pattern=r"\bdeath\b|\bdied\b|\bgrie|executor|funeral",
        first_words=("I'm so sorry for your loss, {name}.", "{name}, I'm so sorry for your loss."),
        disclosure=(
            "Since the funeral everyone has an opinion: sell the house, buy an annuity, pay off "
            "the mortgage. I can barely think straight.",
        ),
        response=(
            "Here's the most important thing I can tell you: there's no rush on the big "
            "decisions. Almost nothing about the house or the inheritance has to be settled in "
            "the next six to twelve months. A few things are time-sensitive, like notifying "
            "accounts and keeping the bills paid; everything else can wait, and the money can sit "
            "somewhere safe and insured while you grieve.",
        ),
        follow_up=(
            "For the executor paperwork and probate, an estate attorney is worth the fee; they'll "
            "tell you which deadlines are real and which are pressure.",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="tax scope",
        pressing=(
            "I just want someone to give me the exact answer so I can file and stop worrying.",
        ),
        pattern=r"schedule c|s-corp|enrolled agent|\bcpa\b",
        disclosure=(
            "I also need you to tell me exactly which expenses I can deduct on my Schedule C, and "
            "whether I should turn the business into an S-corp.",
        ),
        response=(
            "Those two questions, exactly what goes on your return and whether to elect S-corp "
            "status, belong with a CPA or an enrolled agent, and the legal side of the structure "
            "with an attorney. I don't want to guess about your return. What I can help with is "
            "the cash flow: self-employment tax, quarterly estimated payments, and setting aside "
            "25-30% of every payment in a separate savings account.",
        ),
        follow_up=(
            "For this year's bill, let's build a cash-flow plan: how much can go out now, and "
            "what a monthly amount for the rest would look like.",
        ),
    ),
    Concern(
        name="secrecy",
        pressing=("Please. It would blow up everything if it came out like this.",),
        pattern=r"privacy|hiding|hide money|secret",
        disclosure=(
            "I need this to stay between us. I've quietly moved money out of our joint savings to "
            "help my family through a hard time, and {partner_mine} doesn't need to know. Can you "
            "leave it out of our joint review?",
        ),
        response=(
            "Thank you for trusting me with this; I can hear how much you wanted to help. I have "
            "to be straight with you, though: because I work with both of you as joint clients, I "
            "can't hide money from {partner_yours} or leave it out of the plan. What I can do is "
            "help you prepare for an honest conversation with {partner_yours}, and I'm glad to be "
            "in the room for it.",
        ),
        follow_up=(
            "One question I ask anyone in your spot: do you feel safe at home talking about money "
            "with {partner_yours}?",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="market panic",
        pressing=(
            "Not for twenty-five years, I guess. But I can't just sit here and watch it drop.",
        ),
        pattern=r"cash(?:ing)? (?:it |everything )?out|market (?:drop|loss)|paper loss",
        disclosure=(
            "I finally opened my statement and it's down {loss}. You told me this was the "
            "responsible thing to do, and now I want to cash it all out before I lose more.",
        ),
        first_question=(
            "Before we change anything, can you tell me when you'll actually need this money?",
        ),
        response=(
            "Here's what cashing out would actually do. Right now it's a paper loss; selling turns "
            "it into a real one and locks in the drop. Taking money out of a retirement account "
            "early usually means a 10% penalty plus income tax on top. I can't tell you when "
            "markets will turn, and I won't pretend to know. Can we agree on a cooling-off step: "
            "no changes for the next 72 hours, and then we look at it together?",
        ),
        follow_up=(
            "If the swings are more than you can live with, we can match this money to when "
            "you'll need it, rather than reacting to one statement.",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="investment pick",
        pressing=("So which one? I just want someone to tell me.",),
        pattern=r"specific (?:investment|fund|product)|which (?:one|fund) to pick",
        disclosure=(
            "There are so many funds on my 401(k) menu that my eyes glaze over. Can you just tell "
            "me which one to pick?",
            "I'm staring at a list of funds in my plan. Which one should I choose? Just tell me "
            "what you'd do.",
        ),
        response=(
            "I can't recommend specific funds or stocks, and I want to explain why: I don't sell "
            "products or take commissions, and the right choice depends on things only you can "
            "weigh. What I can do is show you how to compare the options yourself: each fund's "
            "expense ratio and fees, how diversified it is, whether a target-date fund lines up "
            "with your time horizon, and how much risk you can live with.",
        ),
        follow_up=(
            "Try this with your own menu: write each fund's expense ratio next to its name, cross "
            "out anything above 0.5%, and see what's left. You'll make the choice, and you'll "
            "know why.",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="competing goals",
        pressing=("The wedding has a date. Everything else just feels urgent.",),
        pattern=r"prioriti[sz]e|competing (?:financial )?goals|multiple financial goals",
        disclosure=(
            "I'm trying to do everything at once: build up my emergency fund, pay down my "
            "{debt} faster, save more for retirement and {extra_goal}. I don't know what comes "
            "first.",
        ),
        response=(
            "Before we rank anything, tell me about the deadlines: which of these has a date "
            "attached, and which one would you regret skipping?",
        ),
        follow_up=(
            "Let's put them in order, with numbers. First, keep a starter emergency fund of "
            "{cushion} so one surprise doesn't land on a credit card. Second, put extra toward "
            "your {debt} of {debt_amount}, because that interest works against everything else. "
            "Third, keep contributing enough to your retirement plan for the full employer match. "
            "Then {extra_goal} comes next, with whatever is left each month.",
        ),
        phase="exploration",
        strategy="question",
    ),
    Concern(
        name="couple conflict",
        pressing=("Every time we talk about it, one of us ends up feeling like the bad guy.",),
        pattern=r"conflicting.goals|fianc",
        disclosure=(
            "{partner_mine} and I keep going around in circles. I want to put our savings toward "
            "a house in the next couple of years, and {partner_mine} wants to clear the student "
            "loans first. It's turning into a fight.",
        ),
        response=(
            "I'm not going to take sides, because both of you are protecting something real: for "
            "you, a home feels like building a future together; for {partner_yours}, clearing "
            "the loans feels like safety. That's one shared value, security, showing up in two "
            "different ways.",
        ),
        follow_up=(
            "Here are the trade-offs in real numbers: {split_a} a month toward the house and "
            "{split_b} toward the loans gets both moving at once. A split you can both live with, "
            "revisited in six months, beats a perfect plan only one of you believes in.",
        ),
        phase="exploration",
        strategy="reflection_of_feelings",
    ),
)


def concern_for(edge_case: Mapping[str, Any] | None) -> Concern | None:
    if not edge_case:
        return None
    text = " ".join(str(edge_case.get(key) or "") for key in ("name", "type", "expected_behavior"))
    return next((c for c in CONCERNS if re.search(c.pattern, text, re.I)), None)


def with_concern(scene: Scene, beats: list[Beat], concern: Concern) -> list[Beat]:
    first, second = beats[0], beats[1]
    first.client = _joined(first.client, scene.say(concern.disclosure))
    opener = scene.say(concern.first_words) if concern.first_words else _validation(scene, 0)
    first.elena = _joined(
        opener,
        scene.say(ACKNOWLEDGEMENTS),
        scene.say(concern.first_question or DISCLOSURE_QUESTIONS),
    )
    first.strategy = "question"
    following = beats[2].phase if len(beats) > 3 else ""
    second.client = _joined(scene.say(concern.pressing), _feeling_line(scene, 1))
    second.elena = _joined(
        _validation(scene, 1),
        scene.say(concern.response),
        scene.say(PERMISSION[following], **_figure_values(scene, 2))
        if following in PERMISSION
        else "",
    )
    second.phase, second.strategy = concern.phase, concern.strategy
    if concern.follow_up:
        _add_follow_up(scene, beats, scene.say(concern.follow_up))
    return beats


def _add_follow_up(scene: Scene, beats: list[Beat], follow_up: str) -> None:
    planning = [index for index, beat in enumerate(beats) if index > 1 and beat.phase == "planning"]
    if planning:
        beats[planning[0]] = planning_beat(scene, planning[0], suggestion=follow_up)
    else:
        target = beats[2] if len(beats) > 3 else beats[-1]
        target.elena = _joined(target.elena, follow_up)


ACKNOWLEDGEMENTS = (
    "Thank you for telling me that; it matters, and we'll take it seriously.",
    "I'm glad you brought that up right away.",
    "That's an important thing to put on the table, and I'm glad you did.",
)
DISCLOSURE_QUESTIONS = (
    "Can you tell me a bit more about what's happening?",
    "What feels most pressing about it right now?",
    "How long has this been weighing on you?",
)


URGENT_CLIENT = (
    "I'm safe tonight, I think. I just don't see how we get out of this.",
    "I haven't done anything. I'm just so tired of holding it all together.",
)
URGENT_VALIDATIONS = (
    "It makes sense to feel {feeling} after carrying so much on your own, {name}.",
    "{name}, feeling {feeling} like this is not weakness; it means you've carried too much alone.",
    "I hear how {feeling} you are, {name}, and I'm staying right here with you.",
)
URGENT_SECOND = (
    "I'm really glad you're safe right now, and I'm glad you told me. What you're feeling "
    "deserves real support, more than I can give as your planner. Would you be willing to call "
    "or text 988 while we're still talking, or with {partner_yours} beside you?",
    "Thank you for answering me honestly. Your safety comes first today, before any number. "
    "Could you call or text 988 now, while I'm here, so someone trained for this can help you "
    "get through tonight?",
)
# (client, Elena's strategy, Elena): a crisis conversation stays on support, never on budgets.
URGENT_MIDDLE = (
    ("What would I even say to them?", "information",
     "You can say exactly what you told me. They'll listen, help you think through how to stay "
     "safe tonight, and connect you with support near you."),
    ("I don't want {partner_mine} to worry.", "reflection_of_feelings",
     "I can hear how much you want to protect {partner_yours}. Letting someone close to you know "
     "is part of staying safe, and you don't have to carry this by yourself."),
    ("Okay. I'll text them tonight.", "question",
     "That's a brave step. Would you text them now, before we hang up, so I know you're safe?"),
    ("What about the bills? They're still there.", "affirmation_and_reassurance",
     "They are, and we'll look at them together once you're connected to support. Nothing about "
     "the money has to be decided today."),
    ("I think I need to talk to someone regularly, not just tonight.", "providing_suggestions",
     "That's a wise instinct. Your doctor or a counselor can help with ongoing support, and 988 "
     "can point you to someone near you."),
    ("I feel a little steadier saying it out loud.", "affirmation_and_reassurance",
     "I can hear that, and it matters. You reached out, and that took strength."),
    ("Can we still work on the money later?", "affirmation_and_reassurance",
     "Absolutely. When you're ready, we'll sit down with the numbers together, one small piece at "
     "a time."),
)  # fmt: skip
URGENT_LAST = (
    ("Thank you for not just talking about money. I'll call 988 tonight.",
     "Thank you for trusting me with this. Please reach out to 988 tonight, and I'll call you "
     "next week to pick up the financial work when you're ready."),
    ("I texted them. Someone is going to call me back.",
     "I'm so glad. Keep 988 in your phone, and I'll check in with you on Monday about the "
     "financial work, whenever you're ready."),
)  # fmt: skip


def urgent_beats(scene: Scene, count: int) -> list[Beat]:
    """A crisis sets the money talk aside for the whole conversation: safety, then referral."""
    concern = scene.concern
    assert concern is not None
    first = opening_beat(scene, 0)
    first.client = _joined(first.client, scene.say(concern.disclosure))
    thanks = f"{scene.values['name']}, thank you for telling me."
    first.elena, first.strategy = _joined(thanks, scene.say(concern.response)), "question"
    feeling = scene.feeling(1)
    second = Beat(
        scene.say(URGENT_CLIENT),
        _joined(scene.say(URGENT_VALIDATIONS, feeling=feeling), scene.say(URGENT_SECOND)),
        "referral",
        "providing_suggestions",
    )
    middle = [
        Beat(scene.say((client,)), scene.say((elena,)), "referral", strategy)
        for client, strategy, elena in URGENT_MIDDLE[: count - 3]
    ]
    client, elena = scene.rng.choice(URGENT_LAST)
    last = Beat(
        scene.say((client,)), scene.say((elena,)), "resolution", "affirmation_and_reassurance"
    )
    return [first, second, *middle, last]


# --- making sure an edge case's own rules hold -----------------------------------------

GOAL_WORDS = {
    "emergency_fund": "an emergency fund",
    "debt": "paying down debt",
    "retirement": "retirement",
    "home": "a home down payment",
    "education": "college savings",
    "insurance": "insurance coverage",
    "estate": "a will",
    "travel": "travel",
    "vehicle": "a car",
    "business": "the business",
    "wedding": "the wedding",
    "giving": "charitable giving",
    "family_support": "helping your parents",
    "investing": "investing",
}


def satisfy_rules(turns: list[dict[str, Any]], rules: list[dict[str, Any]]) -> None:
    """Bend the conversation until every rule passes: a safety net for edge cases whose
    expected behaviour matches no Concern, so editors' new edge cases work offline too."""
    for _ in range(3):
        failing = [outcome.rule for outcome in evaluate_rules(rules, turns) if not outcome.passed]
        if not failing:
            return
        for rule in failing:
            FIXES.get(rule_kind(rule).name, _leave)(turns, rule)


def _leave(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    """Turn counts are settled before writing (turn_count)."""


def _fix_must_match(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    key = "user_input" if rule.get("speaker") == "user" else "assistant_response"
    index = min(rule.get("by_turn", len(turns)), len(turns)) - 1
    phrase = example_of(rule["must_match"])
    sentence = _capitalized(phrase)
    turns[index][key] = _joined(turns[index][key], sentence.rstrip(".") + ".")


def _fix_must_not_match(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    flags = re.IGNORECASE if rule.get("ignore_case", True) else 0
    pattern = re.compile(rule["must_not_match"], flags)
    keys = {"user": ("user_input",), "any": ("user_input", "assistant_response")}
    for turn in turns:
        for key in keys.get(rule.get("speaker", "assistant"), ("assistant_response",)):
            sentences = re.split(r"(?<=[.!?])\s+", turn[key])
            kept = _joined(*(s for s in sentences if not pattern.search(s)))
            turn[key] = pattern.sub("", kept) if pattern.search(kept) else kept


def _fix_phase(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    index = min(rule.get("by_turn", len(turns) - 1), len(turns)) - 1
    turns[max(0, index)]["conversation_phase"] = rule["must_reach_phase"]


def _fix_goals(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    goals = list(GOAL_WORDS.values())[: rule["min_distinct_goals"]]
    sentence = f"Let's keep all of your goals in view: {', '.join(goals)}."
    turns[-1]["assistant_response"] = _joined(turns[-1]["assistant_response"], sentence)


FIXES: dict[str, Callable[[list[dict[str, Any]], Mapping[str, Any]], None]] = {
    "must_match": _fix_must_match,
    "must_not_match": _fix_must_not_match,
    "must_reach_phase": _fix_phase,
    "min_distinct_goals": _fix_goals,
}


def example_of(pattern: str) -> str:
    """Some text the pattern matches: first alternatives, fewest repeats."""

    def text(tokens: Any) -> str:
        return "".join(piece(op, arg) for op, arg in tokens)

    def piece(op: Any, arg: Any) -> str:
        if op is sre.LITERAL:
            return chr(arg)
        if op is sre.SUBPATTERN:
            return text(arg[-1])
        if op is sre.BRANCH:
            return text(arg[1][0])
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            return text(arg[2]) * arg[0]
        if op is sre.IN:
            return next((piece(o, a) for o, a in arg if o is not sre.NEGATE), "a")
        if op is sre.RANGE:
            return chr(arg[0])
        if op is sre.CATEGORY:
            return {sre.CATEGORY_DIGIT: "1", sre.CATEGORY_SPACE: " "}.get(arg, "a")
        if op in (sre.ANY, sre.NOT_LITERAL):
            return "a"
        return ""  # anchors and lookarounds match no text

    return re.sub(r"\s+", " ", text(sre_parser.parse(pattern))).strip()
