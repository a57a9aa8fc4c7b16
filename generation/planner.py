"""Turn the active scaffolding into N balanced parameter sets (the spec's parameter matrix).

Plain lock-step round-robin repeats persona x arc pairs long before it has used them all.
This planner picks each set's (persona, arc, topic) jointly: the least-used persona x arc
pair plus arc x topic pair first, then the least-used persona, arc and topic, then a seeded
random draw. So no pair repeats while an unused one exists, every arc and topic appears as
soon as N allows, and personas stay within one set of each other. Edge-case sets come from
the pre-defined edge cases (each at least once when the tier has room); scenario sets take
the least-used chunk on their topic.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from eidataset.models import DocumentChunk, EdgeCase, EmotionalArc, Persona, TrainingTopic
from generation.models import Tier
from generation.plans import ParameterSet
from generation.specifics import draw_specifics, draw_turn_count

DEFAULT_TOTAL = 100
DEFAULT_SHARES: dict[str, float] = {Tier.TEMPLATE: 0.7, Tier.SCENARIO: 0.2, Tier.EDGE_CASE: 0.1}


class PlanningError(ValueError):
    """The scaffolding cannot support the plan asked for; the message says what is missing."""


@dataclass(frozen=True)
class Scaffold:
    """The active scaffolding a plan draws on, loaded once."""

    personas: list[Persona]
    arcs: list[EmotionalArc]
    topics: list[TrainingTopic]
    edge_cases: list[EdgeCase]
    chunks: list[DocumentChunk]

    @property
    def free_arcs(self) -> list[EmotionalArc]:
        """Arcs a template or scenario set may take: referral arcs (a crisis handed to other
        help) belong to edge cases, whose rules check the handling."""
        free = [arc for arc in self.arcs if arc.arc_type != EmotionalArc.ArcType.REFERRAL]
        return free or self.arcs

    @property
    def free_topics(self) -> list[TrainingTopic]:
        """Topics a template or scenario set may take (not those kept for edge cases)."""
        free = [topic for topic in self.topics if not topic.is_edge_case_only]
        return free or self.topics

    def possible_pairs(self, kind: str) -> set[tuple[str, str]]:
        """The persona x arc ("personaArc") or arc x topic ("arcTopic") pairs a plan can use."""
        if kind == "personaArc":
            free = {(str(p.pk), str(a.pk)) for p in self.personas for a in self.free_arcs}
            fixed = {(str(e.persona_id), str(e.emotional_arc_id)) for e in self.edge_cases}
        else:
            free = {(str(a.pk), str(t.pk)) for a in self.free_arcs for t in self.free_topics}
            fixed = {(str(e.emotional_arc_id), str(e.training_topic_id)) for e in self.edge_cases}
        return free | fixed

    @classmethod
    def active(cls) -> "Scaffold":
        return cls(
            personas=list(Persona.objects.active().order_by("persona_key")),
            arcs=list(EmotionalArc.objects.active().order_by("arc_key")),
            topics=list(TrainingTopic.objects.active().order_by("topic_key")),
            edge_cases=list(
                EdgeCase.objects.active()
                .filter(persona__is_active=True, emotional_arc__is_active=True)
                .filter(training_topic__is_active=True)
                .select_related("persona", "emotional_arc", "training_topic")
                .order_by("edge_case_key")
            ),
            chunks=list(
                DocumentChunk.objects.filter(
                    document__is_active=True, training_topic__is_active=True
                )
                .select_related("document", "training_topic")
                .order_by("document__document_key", "position")
            ),
        )


def tier_counts(total: int, shares: dict[str, float] | None = None) -> dict[str, int]:
    """Split `total` by `shares` (largest remainder), e.g. 100 -> 70 / 20 / 10."""
    shares = shares or DEFAULT_SHARES
    exact = {tier: total * share / sum(shares.values()) for tier, share in shares.items()}
    counts = {tier: int(value) for tier, value in exact.items()}
    by_remainder = sorted(exact, key=lambda tier: exact[tier] - counts[tier], reverse=True)
    for tier in by_remainder[: total - sum(counts.values())]:
        counts[tier] += 1
    return counts


@dataclass
class _Usage:
    """What the plan has used so far, to steer each next choice."""

    persona: Counter = field(default_factory=Counter)
    arc: Counter = field(default_factory=Counter)
    topic: Counter = field(default_factory=Counter)
    persona_arc: Counter = field(default_factory=Counter)
    arc_topic: Counter = field(default_factory=Counter)
    chunk: Counter = field(default_factory=Counter)

    def add(self, persona: Persona, arc: EmotionalArc, topic: TrainingTopic) -> None:
        self.persona[persona.pk] += 1
        self.arc[arc.pk] += 1
        self.topic[topic.pk] += 1
        self.persona_arc[persona.pk, arc.pk] += 1
        self.arc_topic[arc.pk, topic.pk] += 1


def plan_parameter_sets(
    total: int = DEFAULT_TOTAL,
    counts: dict[str, int] | None = None,
    seed: int | None = None,
    scaffold: Scaffold | None = None,
) -> list[ParameterSet]:
    """`total` parameter sets (or exactly `counts` per tier), reproducible for a given seed."""
    counts = counts or tier_counts(total)
    scaffold = scaffold or Scaffold.active()
    _check_supports(scaffold, counts)
    rng = random.Random(seed)
    usage = _Usage()
    # The most constrained tiers choose first: edge cases are fixed, scenarios need a topic
    # with chunks; templates then fill the pairs that are left.
    edge_sets = _edge_case_sets(scaffold, counts.get(Tier.EDGE_CASE, 0), usage, rng)
    scenario_sets = [
        _free_set(scaffold, Tier.SCENARIO, usage, rng) for _ in range(counts.get(Tier.SCENARIO, 0))
    ]
    template_sets = [
        _free_set(scaffold, Tier.TEMPLATE, usage, rng) for _ in range(counts.get(Tier.TEMPLATE, 0))
    ]
    sets = template_sets + scenario_sets + edge_sets
    for number, parameter_set in enumerate(sets, start=1):
        parameter_set.metadata["sequence_number"] = number
    return sets


def _check_supports(scaffold: Scaffold, counts: dict[str, int]) -> None:
    if any(count < 0 for count in counts.values()) or sum(counts.values()) < 1:
        raise PlanningError("A plan needs at least one conversation and no negative tier counts.")
    required = {"personas": scaffold.personas, "arcs": scaffold.arcs, "topics": scaffold.topics}
    missing = [name for name, rows in required.items() if not rows]
    if missing:
        raise PlanningError(f"No active {', '.join(missing)}: load or activate the scaffolding.")
    if counts.get(Tier.EDGE_CASE) and not scaffold.edge_cases:
        raise PlanningError("The plan asks for edge-case conversations but no edge case is active.")
    if counts.get(Tier.SCENARIO) and not scaffold.chunks:
        raise PlanningError(
            "The plan asks for scenario conversations but no active source document has chunks."
        )


def _edge_case_sets(
    scaffold: Scaffold, count: int, usage: _Usage, rng: random.Random
) -> list[ParameterSet]:
    order = list(scaffold.edge_cases)
    rng.shuffle(order)
    sets = []
    for index in range(count):
        edge_case = order[index % len(order)]
        persona, arc, topic = edge_case.persona, edge_case.emotional_arc, edge_case.training_topic
        usage.add(persona, arc, topic)
        sets.append(_parameter_set(Tier.EDGE_CASE, persona, arc, topic, rng, edge_case=edge_case))
    return sets


def _free_set(scaffold: Scaffold, tier: str, usage: _Usage, rng: random.Random) -> ParameterSet:
    topics = scaffold.free_topics
    if tier == Tier.SCENARIO:
        chunk_topics = {chunk.training_topic_id for chunk in scaffold.chunks}
        topics = [topic for topic in topics if topic.pk in chunk_topics] or topics
    persona, arc, topic = min(
        (
            (persona, arc, topic)
            for persona in scaffold.personas
            for arc in scaffold.free_arcs
            for topic in topics
        ),
        key=lambda triple: _score(triple, usage, rng),
    )
    usage.add(persona, arc, topic)
    chunk = _least_used_chunk(scaffold, topic, usage, rng) if tier == Tier.SCENARIO else None
    return _parameter_set(tier, persona, arc, topic, rng, chunk=chunk)


def _score(triple: tuple, usage: _Usage, rng: random.Random) -> tuple:
    persona, arc, topic = triple
    return (
        usage.persona_arc[persona.pk, arc.pk] + usage.arc_topic[arc.pk, topic.pk],
        usage.persona[persona.pk],
        usage.arc[arc.pk],
        usage.topic[topic.pk],
        rng.random(),
    )


def _least_used_chunk(
    scaffold: Scaffold, topic: TrainingTopic, usage: _Usage, rng: random.Random
) -> DocumentChunk:
    candidates = [chunk for chunk in scaffold.chunks if chunk.training_topic_id == topic.pk]
    chunk = min(candidates, key=lambda c: (usage.chunk[c.pk], rng.random()))
    usage.chunk[chunk.pk] += 1
    return chunk


def _parameter_set(
    tier: str,
    persona: Persona,
    arc: EmotionalArc,
    topic: TrainingTopic,
    rng: random.Random,
    edge_case: EdgeCase | None = None,
    chunk: DocumentChunk | None = None,
) -> ParameterSet:
    metadata: dict[str, Any] = {
        "persona_name": persona.display_name,
        "arc_name": arc.name,
        "topic_name": topic.name,
        "expected_quality": "high",
        "sequence_number": 0,
        "edge_case_type": edge_case.edge_case_type if edge_case else None,
        "edge_case_key": edge_case.edge_case_key if edge_case else None,
    }
    return ParameterSet(
        persona_id=str(persona.pk),
        emotional_arc_id=str(arc.pk),
        training_topic_id=str(topic.pk),
        tier=tier,
        chunk_context=chunk.text if chunk else None,
        chunk_id=str(chunk.pk) if chunk else None,
        edge_case_id=str(edge_case.pk) if edge_case else None,
        turn_count=draw_turn_count(rng),
        specifics=draw_specifics(persona, topic, rng),
        metadata=metadata,
    )
