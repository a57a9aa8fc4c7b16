"""Checking conversations given in a file, as outside checks do, without storing anything.

The file is JSON Lines, one conversation per line (docs/formats.md):
{"id": "any string", "persona_key", "arc_key", "topic_key", "tier", "edge_case_key": ... | null,
 "chunk_text": ... | null, "turns": [...the turn schema...]}
Each line becomes an unsaved Conversation on the seeded scaffolding its keys name, checked by
the same path as a stored one (review.validation.verdict), so a file and the database can
never disagree on the same conversation. With `judge`, each is first sent to the judge
through the same adapter as a stored one's verdict (generation/claude.py, the configured
judge model; the offline emulator without a key, whose verdicts are heuristic and never
count) and checked with its verdict; nothing is stored either way.
"""

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from eidataset.models import EdgeCase, EmotionalArc, Persona, TrainingTopic
from eidataset.models import Scaffolding as ScaffoldingRow
from generation.calls import ClaudeError
from generation.claude import judge_conversation
from generation.models import Conversation, Tier
from generation.pricing import cost_of
from review.judge_defects import failed_kinds
from review.judge_prompt import request_for
from review.labelled import JUDGE_CHECK
from review.validation import checkable, verdict

KEYS = ("id", "persona_key", "arc_key", "topic_key", "tier", "edge_case_key", "chunk_text", "turns")
NULLABLE = frozenset({"edge_case_key", "chunk_text"})


class CheckFileError(ValueError):
    """The file cannot be checked; the message names the line."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {problem}" if line else problem)


@dataclass
class FileConversation:
    line: int
    id: str
    conversation: Conversation


class Scaffolding:
    """The rows the file's keys name, each looked up once."""

    MODELS: dict[str, tuple[type[ScaffoldingRow], str]] = {
        "persona_key": (Persona, "persona"),
        "arc_key": (EmotionalArc, "emotional arc"),
        "topic_key": (TrainingTopic, "training topic"),
        "edge_case_key": (EdgeCase, "edge case"),
    }

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Any] = {}

    def get(self, key_field: str, key: Any, line: int) -> Any:
        model, name = self.MODELS[key_field]
        if not isinstance(key, str):
            raise CheckFileError(line, f"{key_field} must be a string, not {key!r}")
        if (key_field, key) not in self.rows:
            row = model.objects.filter(**{key_field: key}).first()
            if row is None:
                raise CheckFileError(line, f"there is no {name} with {key_field} {key!r}")
            self.rows[key_field, key] = row
        return self.rows[key_field, key]


def read_check_file(path: str | Path) -> list[FileConversation]:
    """Every conversation in the file, or CheckFileError for the first line that is wrong."""
    scaffolding = Scaffolding()
    return [_conversation(line, record, scaffolding) for line, record in _records(Path(path))]


def read_check_text(text: str) -> list[FileConversation]:
    """The same for text in the file's format (a form's field), line numbers from 1."""
    scaffolding = Scaffolding()
    records = _lines(text.splitlines())
    return [_conversation(line, record, scaffolding) for line, record in records]


def check_file(path: str | Path, judge: bool = False) -> Iterator[dict[str, Any]]:
    """One result per conversation, in the file's order, in the interface's shape; with
    `judge`, each checked with the judge's verdict, and the result says what the judge was,
    what it flagged and what its call cost ("judge"). A judge call refused for good (a bad
    key, a spend limit) raises its ClaudeError after the results before it."""
    for item in read_check_file(path):
        judged = judge_item(item) if judge else None
        result = verdict(item.conversation, judged["verdict"] if judged else None)
        shaped = {
            "id": item.id,
            "passed": result["passed"],
            "quality_score": result["score"]["value"],
            "failed_checks": [
                name for name, check in result["checks"].items() if not check["passed"]
            ],
            "errors": result["errors"],
            "warnings": result["warnings"],
        }
        if judged is not None:
            shaped["judge"] = {
                **judged["summary"],
                "failing": failed_kinds(result["checks"][JUDGE_CHECK]),
            }
        yield shaped


def judge_item(item: FileConversation) -> dict[str, Any]:
    """{"verdict": the verdict as the checks read it (None if the judge gave none),
    "summary": {"model", "heuristic", "flagged", "cost_usd", "error"}}: one call to the judge,
    asked again after an unreadable answer up to JUDGE_MAX_ATTEMPTS, as a stored one's is."""
    checked = checkable(item.conversation)
    model = settings.CLAUDE_JUDGE_MODEL
    cost = Decimal(0)
    for attempt in range(1, settings.JUDGE_MAX_ATTEMPTS + 1):
        request = request_for(checked, conversation_id=item.id, model=model, attempt=attempt)
        try:
            reply = judge_conversation(request)
        except ClaudeError as error:
            cost += cost_of(error.usage, model)
            if error.permanent:
                raise
            if attempt == settings.JUDGE_MAX_ATTEMPTS:
                return _judged(None, model, False, cost, str(error))
            if error.retry_after:
                time.sleep(min(error.retry_after, settings.GENERATION_MAX_BACKOFF_SECONDS))
            continue
        cost += cost_of(reply.usage, reply.model)
        document = {
            "checklist": reply.document["checklist"],
            "defects": reply.document["defects"],
            "model": reply.model,
            "heuristic": reply.source == "offline_emulator",
        }
        return _judged(document, reply.model, document["heuristic"], cost, "")
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _judged(
    document: dict[str, Any] | None, model: str, heuristic: bool, cost: Decimal, error: str
) -> dict[str, Any]:
    defects = (document or {}).get("defects") or {}
    summary = {
        "model": model,
        "heuristic": heuristic,
        "flagged": [kind for kind, found in defects.items() if (found or {}).get("flagged")],
        "cost_usd": float(cost),
        "error": error,
    }
    return {"verdict": document, "summary": summary}


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise CheckFileError(0, f"cannot open {path}: {error.strerror or error}") from None
    with handle:
        try:
            yield from _lines(handle)
        except UnicodeDecodeError:
            raise CheckFileError(0, f"{path} is not UTF-8 text") from None


def _lines(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in enumerate(lines, start=1):
        if text.strip():
            yield line, _parsed(line, text)


def _parsed(line: int, text: str) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise CheckFileError(
            line, f"not valid JSON ({error.msg} at column {error.colno})"
        ) from None
    if not isinstance(record, dict):
        raise CheckFileError(line, "expected a JSON object with the keys " + ", ".join(KEYS))
    if missing := [key for key in KEYS if key not in record]:
        raise CheckFileError(line, f"missing key(s): {', '.join(missing)}")
    return record


def _conversation(line: int, record: dict[str, Any], scaffolding: Scaffolding) -> FileConversation:
    if not isinstance(record["id"], str):
        raise CheckFileError(line, f"id must be a string, not {record['id']!r}")
    if record["tier"] not in Tier.values:
        raise CheckFileError(
            line, f"tier {record['tier']!r} is not one of {', '.join(Tier.values)}"
        )
    if not isinstance(record["turns"], list):
        raise CheckFileError(line, "turns must be a list of turns")
    chunk_text = record["chunk_text"]
    if chunk_text is not None and not isinstance(chunk_text, str):
        raise CheckFileError(line, "chunk_text must be a string or null")
    edge_case_key = record["edge_case_key"]
    conversation = Conversation(
        sequence_number=line,
        tier=record["tier"],
        persona=scaffolding.get("persona_key", record["persona_key"], line),
        emotional_arc=scaffolding.get("arc_key", record["arc_key"], line),
        training_topic=scaffolding.get("topic_key", record["topic_key"], line),
        edge_case=None
        if edge_case_key is None
        else scaffolding.get("edge_case_key", edge_case_key, line),
        chunk_context=chunk_text or "",
        parameters={"turn_count": len(record["turns"]), "specifics": {}},
        turns=record["turns"],
    )
    return FileConversation(line=line, id=record["id"], conversation=conversation)
