"""What a release is made of, counted while its conversations stream past once: the `stats`
dict the dataset card and its figures read (the contract in the card's brief)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from generation.emulator.api import SOURCE as EMULATOR
from generation.models import Conversation, Tier

TIER_NAMES = dict(Tier.choices)


@dataclass
class Composition:
    total: int = 0
    total_turns: int = 0
    training_pairs: int = 0
    checks_passed: int = 0
    by_tier: Counter = field(default_factory=Counter)
    by_persona: Counter = field(default_factory=Counter)
    by_arc: Counter = field(default_factory=Counter)
    by_topic: Counter = field(default_factory=Counter)
    by_edge_case: Counter = field(default_factory=Counter)
    persona_arc: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    arc_topic: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    turn_counts: Counter = field(default_factory=Counter)
    scores: list[float] = field(default_factory=list)
    sources: Counter = field(default_factory=Counter)
    models: set[str] = field(default_factory=set)  # of the conversations a model wrote
    prompt_versions: set[str] = field(default_factory=set)
    splits: Counter = field(default_factory=Counter)

    def add(self, conversation: Conversation, pairs: int, split: str) -> None:
        persona = conversation.persona.name
        arc = conversation.emotional_arc.name
        topic = conversation.training_topic.name
        turns = len(conversation.turns or [])
        self.total += 1
        self.total_turns += turns
        self.training_pairs += pairs
        self.checks_passed += bool((conversation.validation or {}).get("passed"))
        self.by_tier[conversation.tier] += 1
        self.by_persona[persona] += 1
        self.by_arc[arc] += 1
        self.by_topic[topic] += 1
        if conversation.tier == Tier.EDGE_CASE and conversation.edge_case is not None:
            self.by_edge_case[conversation.edge_case.name] += 1
        self.persona_arc[persona][arc] += 1
        self.arc_topic[arc][topic] += 1
        self.turn_counts[turns] += 1
        if conversation.quality_score is not None:
            self.scores.append(float(conversation.quality_score))
        self.sources[conversation.source or "unknown"] += 1
        if conversation.model and conversation.source != EMULATOR:
            self.models.add(conversation.model)  # the emulator's rows name a model it is not
        template = conversation.prompt_template or conversation.batch_job.prompt_template
        self.prompt_versions.add(prompt_version(template))
        self.splits[split] += 1

    def as_stats(self, **release: Any) -> dict[str, Any]:
        """The card's `stats`; `release` gives name, title, version, created, license, ..."""
        return {
            **release,
            "total": self.total,
            "total_turns": self.total_turns,
            "training_pairs": self.training_pairs,
            "by_tier": {tier: self.by_tier[tier] for tier in Tier.values if self.by_tier[tier]},
            "by_persona": _sorted(self.by_persona),
            "by_arc": _sorted(self.by_arc),
            "by_topic": _sorted(self.by_topic),
            "by_edge_case": _sorted(self.by_edge_case),
            "persona_arc": {k: _sorted(v) for k, v in sorted(self.persona_arc.items())},
            "arc_topic": {k: _sorted(v) for k, v in sorted(self.arc_topic.items())},
            "turn_counts": {str(n): self.turn_counts[n] for n in sorted(self.turn_counts)},
            "scores": self.scores,
            "checks_passed": self.checks_passed,
            "sources": _sorted(self.sources),
            "models": sorted(self.models),
            "prompt_versions": sorted(self.prompt_versions),
            "splits": {"train": self.splits["train"], "validation": self.splits["validation"]},
        }


def prompt_version(template: Any) -> str:
    """ "system-prompt v1": the template's key and version, as the card and Release show it."""
    return f"{template.template_key}-prompt v{template.version}"


def _sorted(counter: Counter) -> dict[str, int]:
    return {key: counter[key] for key in sorted(counter)}
