"""Parameter sets in the spec's shape, written to and read back from JSON.

A plan read back (an editor's adjusted `parameter-sets-100.json`, or an API body) is
checked whole before anything is created: every error is reported with its set's index
and field, and a plan with any error submits nothing.
"""

import json
import random
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.db import models

from eidataset.models import DocumentChunk, EdgeCase, EmotionalArc, Persona, TrainingTopic
from generation.schema import MAX_TURNS, MIN_TURNS
from generation.specifics import draw_specifics

TIERS = ("template", "scenario", "edge_case")
MAX_SETS = 10_000


@dataclass
class ParameterSet:
    persona_id: str
    emotional_arc_id: str
    training_topic_id: str
    tier: str
    chunk_context: str | None = None
    chunk_id: str | None = None
    edge_case_id: str | None = None
    turn_count: int = 6
    specifics: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ResolvedSet:
    """A checked parameter set with the rows it names."""

    parameters: ParameterSet
    persona: Persona
    arc: EmotionalArc
    topic: TrainingTopic
    edge_case: EdgeCase | None
    chunk: DocumentChunk | None


class PlanError(ValueError):
    """A plan that cannot be submitted; `errors` maps 'parameterSets[i].field' to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        lines = [f"{path}: {message}" for path, messages in errors.items() for message in messages]
        super().__init__(
            "; ".join(lines[:20]) + (f" (and {len(lines) - 20} more)" if len(lines) > 20 else "")
        )


def write_plan(sets: list[ParameterSet], path: Path) -> None:
    path.write_text(
        json.dumps([s.to_json() for s in sets], ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )


def read_plan(path: Path) -> list[ResolvedSet]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlanError({"file": [f"cannot read {path}: {error}"]}) from None
    return resolve_plan(raw)


def resolve_plan(raw: Any) -> list[ResolvedSet]:
    """Check every set of `raw` against the active scaffolding; PlanError lists all problems."""
    if not isinstance(raw, list) or not raw:
        raise PlanError({"parameterSets": ["must be a non-empty list of parameter sets"]})
    if len(raw) > MAX_SETS:
        raise PlanError({"parameterSets": [f"at most {MAX_SETS} sets in one plan, got {len(raw)}"]})
    rows = _RowCache.for_plan(raw)
    errors: dict[str, list[str]] = {}
    resolved = []
    for index, item in enumerate(raw):
        problems: dict[str, list[str]] = {}
        result = _resolve_one(index, item, rows, problems)
        errors |= {f"parameterSets[{index}].{name}": msgs for name, msgs in problems.items()}
        if result:
            resolved.append(result)
    if errors:
        raise PlanError(errors)
    return resolved


@dataclass
class _RowCache:
    personas: dict[str, Persona]
    arcs: dict[str, EmotionalArc]
    topics: dict[str, TrainingTopic]
    edge_cases: dict[str, EdgeCase]
    edge_cases_by_key: dict[str, EdgeCase]
    chunks: dict[str, DocumentChunk]

    @classmethod
    def for_plan(cls, raw: list[Any]) -> "_RowCache":
        items = [item for item in raw if isinstance(item, dict)]

        def load(model: type[models.Model], name: str) -> dict[str, Any]:
            ids = {_canonical_id(item.get(name)) for item in items} - {None}
            return {str(pk): row for pk, row in model._default_manager.in_bulk(list(ids)).items()}

        keys = {
            item["metadata"].get("edge_case_key")
            for item in items
            if isinstance(item.get("metadata"), dict)
            and isinstance(item["metadata"].get("edge_case_key"), str)
        }
        return cls(
            personas=load(Persona, "persona_id"),
            arcs=load(EmotionalArc, "emotional_arc_id"),
            topics=load(TrainingTopic, "training_topic_id"),
            edge_cases=load(EdgeCase, "edge_case_id"),
            edge_cases_by_key=EdgeCase.objects.in_bulk(
                [k for k in keys if k], field_name="edge_case_key"
            ),
            chunks=load(DocumentChunk, "chunk_id"),
        )


def _canonical_id(value: Any) -> str | None:
    """The id as the rows are keyed (lower case, hyphens), or None if it is no uuid."""
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _lookup(value: Any, rows: dict[str, Any], name: str, problems: dict[str, list[str]]) -> Any:
    if value in (None, ""):
        problems.setdefault(name, []).append("is required")
        return None
    key = _canonical_id(value)
    row = rows.get(key) if key else None
    if row is None:
        problems.setdefault(name, []).append(f"{value!r} is not a known id")
    elif not getattr(row, "is_active", True):
        problems.setdefault(name, []).append(f"{row} is inactive")
    return row


def _resolve_one(
    index: int, item: Any, rows: _RowCache, problems: dict[str, list[str]]
) -> ResolvedSet | None:
    if not isinstance(item, dict):
        problems["set"] = ["must be an object"]
        return None
    persona = _lookup(item.get("persona_id"), rows.personas, "persona_id", problems)
    arc = _lookup(item.get("emotional_arc_id"), rows.arcs, "emotional_arc_id", problems)
    topic = _lookup(item.get("training_topic_id"), rows.topics, "training_topic_id", problems)
    tier = item.get("tier")
    if tier not in TIERS:
        problems.setdefault("tier", []).append(f"{tier!r} is not one of {', '.join(TIERS)}")
    edge_case = _edge_case(item, tier, rows, problems)
    chunk, chunk_context = _chunk(item, tier, rows, problems)
    turn_count = item.get("turn_count", random.Random(index).choice(range(5, 9)))
    if (
        isinstance(turn_count, bool)
        or not isinstance(turn_count, int)
        or not (MIN_TURNS <= turn_count <= MAX_TURNS)
    ):
        problems.setdefault("turn_count", []).append(
            f"must be a whole number {MIN_TURNS}-{MAX_TURNS}"
        )
    for name in ("specifics", "metadata"):
        if not isinstance(item.get(name, {}), dict):
            problems.setdefault(name, []).append("must be an object")
    if problems:
        return None
    return ResolvedSet(
        parameters=_normalised(
            index, item, persona, arc, topic, edge_case, chunk, chunk_context, turn_count
        ),
        persona=persona,
        arc=arc,
        topic=topic,
        edge_case=edge_case,
        chunk=chunk,
    )


def _edge_case(item: dict, tier: Any, rows: _RowCache, problems: dict) -> EdgeCase | None:
    given = item.get("metadata")
    metadata = given if isinstance(given, dict) else {}
    if item.get("edge_case_id"):
        edge_case = _lookup(item["edge_case_id"], rows.edge_cases, "edge_case_id", problems)
    elif metadata.get("edge_case_key"):
        key = metadata["edge_case_key"]
        edge_case = rows.edge_cases_by_key.get(key) if isinstance(key, str) else None
        if edge_case is None:
            problems.setdefault("metadata.edge_case_key", []).append(
                f"{metadata['edge_case_key']!r} is not a known edge case"
            )
    else:
        edge_case = None
    named = "edge_case_id" in problems or "metadata.edge_case_key" in problems
    if tier == "edge_case" and edge_case is None and not named:
        problems.setdefault("edge_case_id", []).append(
            "an edge_case set names its edge case (edge_case_id or metadata.edge_case_key)"
        )
    if tier in ("template", "scenario") and edge_case is not None:
        problems.setdefault("edge_case_id", []).append(
            f"only edge_case sets name an edge case, not {tier}"
        )
    return edge_case


def _chunk(
    item: dict, tier: Any, rows: _RowCache, problems: dict
) -> tuple[DocumentChunk | None, str | None]:
    chunk = None
    if item.get("chunk_id"):
        chunk = _lookup(item["chunk_id"], rows.chunks, "chunk_id", problems)
    context = item.get("chunk_context")
    if context is not None and not isinstance(context, str):
        problems.setdefault("chunk_context", []).append("must be text")
        context = None
    context = context or (chunk.text if chunk else None)
    if tier == "scenario" and not context and "chunk_id" not in problems:
        problems.setdefault("chunk_context", []).append(
            "a scenario set needs chunk_context or chunk_id"
        )
    return chunk, context


def _normalised(
    index: int,
    item: dict,
    persona: Persona,
    arc: EmotionalArc,
    topic: TrainingTopic,
    edge_case: EdgeCase | None,
    chunk: DocumentChunk | None,
    context: str | None,
    turn_count: int,
) -> ParameterSet:
    metadata = {
        **item.get("metadata", {}),
        "persona_name": persona.display_name,
        "arc_name": arc.name,
        "topic_name": topic.name,
        "sequence_number": index + 1,
        "edge_case_type": edge_case.edge_case_type if edge_case else None,
        "edge_case_key": edge_case.edge_case_key if edge_case else None,
    }
    metadata.setdefault("expected_quality", "high")
    return ParameterSet(
        persona_id=str(persona.pk),
        emotional_arc_id=str(arc.pk),
        training_topic_id=str(topic.pk),
        tier=item["tier"],
        chunk_context=context,
        chunk_id=str(chunk.pk) if chunk else None,
        edge_case_id=str(edge_case.pk) if edge_case else None,
        turn_count=turn_count,
        specifics=item.get("specifics") or draw_specifics(persona, topic, random.Random(index)),
        metadata=metadata,
    )
