"""Seed examples in the prompt (issue 15): a pinned set of two or three conversations an
editor marked as seed examples, shown after the system prompt in the shared, cached part of
every request of a job that pins the set.

The rule that picks a set (`choose`), documented in docs/formats.md: among the marked seed
examples that passed their checks, take the best-scored one, then each next one from a persona
not yet shown, preferring a tier not yet shown, best score first (ties: the earlier completed),
up to SEED_EXAMPLES_COUNT. An editor may pick the set instead (`pin`). A conversation is never
shown itself, nor the conversation it regenerates; it records which examples it saw.
"""

import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from generation.models import BatchJob, Conversation, PromptExamples

HEADING = "## Examples of good conversations"
PREAMBLE = (
    "Conversations that reviewers approved, each in the JSON shape every conversation is "
    "written in. They show the tone, the pacing and how each turn is labelled. Do not copy "
    "their wording, their figures or their clients' details: write each conversation fresh, "
    "for its own client."
)


class ExamplesError(ValueError):
    """The conversations cannot be the prompt's examples; nothing was pinned."""


def candidates() -> list[Conversation]:
    return list(
        Conversation.objects.completed()
        .filter(seed_example=True, validation__passed=True)
        .select_related("persona", "emotional_arc", "training_topic")
        .order_by("-quality_score", "completed_at", "pk")
    )


def choose(count: int | None = None) -> list[Conversation]:
    """Up to `count` seed examples by the documented rule (see the module's docstring)."""
    count = settings.SEED_EXAMPLES_COUNT if count is None else count
    pool: list[Conversation] = candidates()
    chosen: list[Conversation] = []
    while pool and len(chosen) < count:
        personas = {c.persona_id for c in chosen}
        tiers = {c.tier for c in chosen}
        best = min(
            range(len(pool)),
            key=lambda i: (pool[i].persona_id in personas, pool[i].tier in tiers, i),
        )
        chosen.append(pool.pop(best))
    return chosen


@transaction.atomic
def pin(conversations: list[Conversation], user: Any = None) -> PromptExamples:
    """A new version of the prompt's examples, their text frozen now; the jobs submitted from
    now on show it. Only marked seed examples that passed their checks can be pinned."""
    if not conversations:
        raise ExamplesError("No seed example to show: mark some in the conversation list first.")
    allowed = {c.pk for c in candidates()}
    refused = [str(c) for c in conversations if c.pk not in allowed]
    if refused:
        raise ExamplesError(
            "Not seed examples that passed their checks: " + ", ".join(refused) + "."
        )
    version = (PromptExamples.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    return PromptExamples.objects.create(
        version=version,
        examples=[_frozen(conversation) for conversation in conversations],
        created_by=user if getattr(user, "pk", None) else None,
    )


def _frozen(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation": str(conversation.pk),
        "persona": conversation.persona.name,
        "tier": conversation.tier,
        "arc": conversation.emotional_arc.name,
        "topic": conversation.training_topic.name,
        "turns": conversation.turns,
    }


def current() -> PromptExamples | None:
    """The version a job submitted now pins (the latest), or None."""
    return PromptExamples.objects.order_by("-version").first()


def version_named(text: str) -> PromptExamples | None:
    """The version a command line or a form names: its number, or "none" (None)."""
    text = str(text).strip().lower().removeprefix("v")
    if text == "none":
        return None
    found = PromptExamples.objects.filter(version=int(text)).first() if text.isdigit() else None
    if found is None:
        known = ", ".join(str(v) for v in PromptExamples.objects.values_list("version", flat=True))
        raise ExamplesError(
            f"No seed examples version {text!r}: give one of {known or 'none yet'}, or 'none'."
        )
    return found


def shown_to(
    job: BatchJob, conversation: Conversation | None = None, arm: str = ""
) -> list[dict[str, Any]]:
    """The examples a request of the job shows (of the conversation's arm in an A/B job, or
    of `arm` without a conversation): all of its set's, less the conversation itself and the
    one it regenerates."""
    version_id = job.examples_id(conversation.arm if conversation is not None else arm)
    if version_id is None:
        return []
    examples = _examples(version_id)
    if conversation is None:
        return examples
    hidden = {str(conversation.pk), str(conversation.regenerated_from_id)}
    return [example for example in examples if example["conversation"] not in hidden]


_cache: dict[Any, list[dict[str, Any]]] = {}


def _examples(version_id: Any) -> list[dict[str, Any]]:
    """A version never changes once made: read once per process."""
    if version_id not in _cache:
        _cache[version_id] = PromptExamples.objects.get(pk=version_id).examples
    return _cache[version_id]


def render(examples: list[dict[str, Any]]) -> str:
    """The examples as the request shows them, after the system prompt; empty with none."""
    if not examples:
        return ""
    parts = [HEADING, PREAMBLE]
    for number, example in enumerate(examples, start=1):
        parts.append(
            f"### Example {number}: {example['persona']}, {example['tier']} tier, "
            f"arc {example['arc']}, topic {example['topic']}"
        )
        parts.append(json.dumps({"turns": example["turns"]}, ensure_ascii=False))
    return "\n\n".join(parts)
