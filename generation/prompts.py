"""The two halves of every request: the shared system prompt and the conversation's own brief.

The system prompt (consultant profile + house rules, from the job's pinned prompt version)
is identical for every conversation of a batch, so it is sent with cache_control and paid
in full once. Everything that makes one conversation differ from another is in the user
prompt's brief.
"""

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eidataset.models import ConsultantProfile, PromptTemplate
from eidataset.seeding import SYSTEM_TEMPLATE_KEY
from generation import claude
from generation.brief import render_brief
from generation.models import BatchJob, Conversation, Tier
from generation.pricing import cache_minimum
from generation.schema import CONVERSATION_PHASES, RESPONSE_STRATEGIES

INSTRUCTIONS = """\
Write one complete, realistic conversation between you and the client described in the
conversation brief below. You play yourself; the client speaks as the persona, in their own
voice, with their own situation and numbers (use the figures in "specifics.numbers").

Return only the JSON document the output format asks for: "turns", exactly {turn_count} of
them. Each turn is the client's message ("user_input") and your reply ("assistant_response").
- "detected_emotions.primary" and "secondary" are labels of the emotion vocabulary, exactly
  as the output format lists them; "intensity" is 0 to 1.
- The client's primary emotion is "{start}"{start_neighbours} in turn 1 and has become
  "{end}"{end_neighbours} by the last turn, moving through the arc's stages.
- "conversation_phase" is one of: {phases}.
- "response_strategy" names the support strategy of your reply, one of: {strategies}.
- Validate the feeling before any advice, ask permission before explaining, use the
  client's real numbers, explain why, and end with a clear next step.
- "session_context" is a short note on where the session stands at that turn.
{tier_note}"""

TIER_NOTES: dict[str, str] = {
    Tier.TEMPLATE: "",
    Tier.SCENARIO: (
        "- Ground the conversation in the practice's document excerpt in \"chunk\": the client's\n"
        "  questions and your explanations draw on it, in your own words.\n"
    ),
    Tier.EDGE_CASE: (
        '- This is an edge case. Your replies must do exactly what "edge_case.expected_behavior"\n'
        '  says; its "rules" are checked automatically on every turn.\n'
    ),
}


def tokens_in(text: str) -> int:
    """About four characters per token for English prose (Anthropic's rule of thumb)."""
    return math.ceil(len(text) / 4)


@dataclass(frozen=True)
class SharedPrefix:
    """The cached part of a job's requests against its model's cache minimum."""

    tokens: int
    minimum: int
    model: str

    @property
    def cacheable(self) -> bool:
        return self.tokens >= self.minimum

    def summary(self) -> str:
        """One line for the estimate, the job page and batch_status."""
        verdict = "cached" if self.cacheable else "not cached"
        return (
            f"Shared system prompt: {self.tokens:,} tokens, {verdict} (Claude caches from "
            f"{self.minimum:,} tokens for {self.model})"
        )

    def warning(self) -> str:
        """Empty when the prefix is cached; otherwise why every call pays for it in full."""
        if self.cacheable:
            return ""
        return (
            f"The shared system prompt is {self.tokens:,} tokens, under the {self.minimum:,} "
            f"tokens Claude caches for {self.model}: no call will read it from the cache, and "
            "the estimate counts it at the full input price."
        )


def shared_prefix(job: BatchJob, arm: str = "") -> SharedPrefix:
    """The system prompt's part that the request marks for the cache (with the seed examples
    of the job, or of its arm), measured as the estimate measures prompts, against the cache
    minimum of the job's model."""
    cached = claude.cached_text(claude.system_blocks(request_system(job, arm=arm)))
    return SharedPrefix(tokens_in(cached), cache_minimum(job.model), job.model)


def shared_prefixes(job: BatchJob) -> dict[str, SharedPrefix]:
    """Each arm's shared prefix: an A/B job's two arms are cached apart."""
    return {arm: shared_prefix(job, arm) for arm in job.arms()}


def prefix_lines(job: BatchJob) -> tuple[list[str], list[str]]:
    """(summaries, warnings) of the job's shared prefixes, each named by its arm in an A/B
    job, for the estimate, the job page and batch_status."""
    summaries, warnings = [], []
    for arm, prefix in shared_prefixes(job).items():
        name = f"Arm {arm.upper()} ({arm_examples(job, arm)}): " if arm else ""
        summaries.append(name + prefix.summary())
        if prefix.warning():
            warnings.append(name + prefix.warning())
    return summaries, warnings


def arm_examples(job: BatchJob, arm: str) -> str:
    """What an arm shows, in words: "seed examples v2" or "no seed examples"."""
    version = job.ab_examples if arm == "b" else job.prompt_examples
    return f"seed examples v{version.version}" if version else "no seed examples"


def system_prompt_is_cached(job: BatchJob, arm: str = "") -> bool:
    return shared_prefix(job, arm).cacheable


def system_prompt(job: BatchJob | Conversation) -> str:
    """The system prompt of the versions pinned by a job (or by a conversation, its own)."""
    return _system_prompt(job.prompt_template_id, job.consultant_profile_id)


def request_system(job: BatchJob, conversation: Conversation | None = None, arm: str = "") -> str:
    """What a request of the job sends as its system prompt: the pinned prompt, then the seed
    examples it shows (its arm's in an A/B job; none of them the conversation itself or its
    regeneration source). An export's system prompt is `system_prompt`'s, without them."""
    from generation import examples

    shown = examples.render(examples.shown_to(job, conversation, arm))
    return system_prompt(job) + (f"\n\n{shown}" if shown else "")


def current_versions() -> tuple[PromptTemplate | None, ConsultantProfile | None]:
    """The system prompt template and consultant profile a job submitted now pins."""
    template = PromptTemplate.objects.of(SYSTEM_TEMPLATE_KEY).order_by("-version").first()
    profile = ConsultantProfile.objects.latest_versions().order_by("profile_key").first()
    return template, profile


def current_system_prompt() -> str | None:
    """The system prompt a job submitted now would use (rendered, and so cached)."""
    template, profile = current_versions()
    return _system_prompt(template.pk, profile.pk) if template and profile else None


@lru_cache(maxsize=64)
def _system_prompt(template_id: Any, profile_id: Any) -> str:
    """Versions never change once saved, so a rendering can be kept for the process's life."""
    template = PromptTemplate.objects.get(pk=template_id)
    return template.render(consultant=ConsultantProfile.objects.get(pk=profile_id))


def user_prompt(conversation: Conversation) -> str:
    brief = conversation_brief(conversation)
    instructions = INSTRUCTIONS.format(
        turn_count=brief["turn_count"],
        start=brief["arc"]["starting_emotion"],
        start_neighbours=_or_one_of(brief["arc"]["starting_neighbours"]),
        end=brief["arc"]["ending_emotion"],
        end_neighbours=_or_one_of(brief["arc"]["ending_neighbours"]),
        phases=", ".join(CONVERSATION_PHASES),
        strategies=", ".join(RESPONSE_STRATEGIES),
        tier_note=TIER_NOTES[conversation.tier],
    )
    return f"{instructions}\n{render_brief(brief)}"


def _or_one_of(neighbours: list[str]) -> str:
    return f" (or one of {', '.join(neighbours)})" if neighbours else ""


def conversation_brief(conversation: Conversation) -> dict[str, Any]:
    persona, arc, topic = (
        conversation.persona,
        conversation.emotional_arc,
        conversation.training_topic,
    )
    parameters = conversation.parameters
    edge_case = conversation.edge_case
    return {
        "sequence_number": conversation.sequence_number,
        "tier": conversation.tier,
        "turn_count": parameters["turn_count"],
        "persona": {
            "name": persona.name,
            "archetype": persona.archetype,
            "description": persona.description,
            "demographics": persona.demographics,
            "finances": persona.finances,
            "communication_traits": persona.communication_traits,
            "typical_emotions": persona.typical_emotions,
        },
        "arc": {
            "name": arc.name,
            "starting_emotion": arc.starting_emotion,
            "ending_emotion": arc.ending_emotion,
            "starting_neighbours": arc.starting_neighbours,
            "ending_neighbours": arc.ending_neighbours,
            "stages": arc.stages,
        },
        "topic": {
            "name": topic.name,
            "category": topic.category,
            "description": topic.description,
            "key_concepts": topic.key_concepts,
        },
        "chunk": _chunk(conversation),
        "edge_case": {
            "name": edge_case.name,
            "type": edge_case.edge_case_type,
            "expected_behavior": edge_case.expected_behavior,
            "rules": edge_case.rules,
        }
        if edge_case
        else None,
        "specifics": parameters.get("specifics") or {},
    }


def _chunk(conversation: Conversation) -> dict[str, str] | None:
    if not conversation.chunk_context:
        return None
    title = conversation.chunk.document.title if conversation.chunk else "Practice document"
    return {"document_title": title, "text": conversation.chunk_context}
