"""The rows of a release: the spec's TrainingConversation (conversations.jsonl) and the chat
format TRL's SFTTrainer reads (chat/*.jsonl), with the `datasets` features both load as.

Arrow gives a column one type, so every free-form object is written with the same keys and
types in every row: emotions always carry primary/secondary/intensity (intensity a float),
quality criteria always carry every score signal (floats, null when a conversation was never
scored), the consultant's philosophy always carries the same principles (null where a
profile version lacks one).

A column null in every row (reviewer_notes when nobody reviewed anything) is inferred as
"null" by Arrow alone; the features below, which the dataset card declares, read it as text.
"""

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from datasets import Features, List, Value

from eidataset.seeding import load_yaml
from generation.emulator.api import SOURCE as EMULATOR
from generation.models import HAND_WRITTEN, Conversation, Tier
from review.scoring import quality_score

VERTICAL = "financial_planning_consultant"
TARGET_USE = "LoRA fine-tuning for emotionally intelligent chatbot"


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# The score's signals, in the order review.scoring sums them: scoring an empty conversation
# lists every signal without running any of the heuristics on real text.
QUALITY_CRITERIA = tuple(
    _snake(signal["signal"]) for signal in quality_score({"turns": []})["breakdown"]
)
# The principles of the shipped profile; a release adds any its own profile versions name.
DEFAULT_PHILOSOPHY_KEYS = tuple(load_yaml("consultant.yaml")["core_philosophy"])

_EMOTIONS = {
    "primary": Value("string"),
    "secondary": Value("string"),
    "intensity": Value("float64"),
}
EMOTIONAL_CONTEXT = {"detected_emotions": _EMOTIONS, "response_strategy": Value("string")}


def training_features(philosophy_keys: Sequence[str] = DEFAULT_PHILOSOPHY_KEYS) -> Features:
    """The features of conversations.jsonl for a consultant whose philosophy names these keys."""
    return Features(
        {
            "id": Value("string"),
            "dataset_metadata": {
                "dataset_name": Value("string"),
                "version": Value("string"),
                # An ISO date ("2026-11-25"): Arrow's JSON reader reads it as a timestamp.
                "created_date": Value("timestamp[s]"),
                "vertical": Value("string"),
                "consultant_persona": Value("string"),
                "target_use": Value("string"),
                "conversation_source": Value("string"),
                "quality_tier": Value("string"),
                "total_conversations": Value("int64"),
                "total_turns": Value("int64"),
                "notes": Value("string"),
            },
            "consultant_profile": {
                "name": Value("string"),
                "business": Value("string"),
                "expertise": Value("string"),
                "years_experience": Value("int64"),
                "core_philosophy": {key: Value("string") for key in philosophy_keys},
                "communication_style": {
                    "tone": Value("string"),
                    "techniques": List(Value("string")),
                    "avoid": List(Value("string")),
                },
            },
            "training_pairs": List(
                {
                    "id": Value("string"),
                    "conversation_id": Value("string"),
                    "turn_number": Value("int64"),
                    "conversation_metadata": {
                        "client_persona": Value("string"),
                        "client_background": Value("string"),
                        "session_context": Value("string"),
                        "conversation_phase": Value("string"),
                        "expected_outcome": Value("string"),
                    },
                    "system_prompt": Value("string"),
                    "conversation_history": List(
                        {
                            "turn": Value("int64"),
                            "role": Value("string"),
                            "content": Value("string"),
                            "emotional_state": _EMOTIONS,
                        }
                    ),
                    "current_user_input": Value("string"),
                    "emotional_context": EMOTIONAL_CONTEXT,
                    "target_response": Value("string"),
                    "training_metadata": {
                        "difficulty_level": Value("string"),
                        "key_learning_objective": Value("string"),
                        "demonstrates_skills": List(Value("string")),
                        "conversation_turn": Value("int64"),
                        "emotional_progression_target": Value("string"),
                        "quality_score": Value("float64"),
                        "quality_criteria": {key: Value("float64") for key in QUALITY_CRITERIA},
                        "human_reviewed": Value("bool"),
                        "reviewer_notes": Value("string"),
                        "use_as_seed_example": Value("bool"),
                        "generate_variations_count": Value("int64"),
                    },
                }
            ),
        }
    )


TRAINING_FEATURES = training_features()
CHAT_FEATURES = Features({"messages": List({"role": Value("string"), "content": Value("string")})})


@dataclass
class ReleaseContext:
    """What every row of one release shares."""

    name: str
    version: str
    total_conversations: int
    philosophy_keys: tuple[str, ...] = DEFAULT_PHILOSOPHY_KEYS


# --- normalising free-form objects ------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def emotions(value: Any) -> dict[str, Any]:
    """{"primary": str, "secondary": str | None, "intensity": float | None}, whatever came in."""
    value = value if isinstance(value, Mapping) else {}
    return {
        "primary": _text(value.get("primary")),
        "secondary": _optional_text(value.get("secondary")),
        "intensity": _float(value.get("intensity")),
    }


def emotional_context(turn: Mapping[str, Any]) -> dict[str, Any]:
    context = turn.get("emotional_context")
    context = context if isinstance(context, Mapping) else {}
    return {
        "detected_emotions": emotions(context.get("detected_emotions")),
        "response_strategy": _text(context.get("response_strategy")),
    }


def quality_criteria(validation: Mapping[str, Any] | None) -> dict[str, float | None]:
    """Points per score signal from the stored validation's breakdown; null when unscored."""
    breakdown = ((validation or {}).get("score") or {}).get("breakdown") or []
    points = {
        _snake(str(item.get("signal", ""))): _float(item.get("points"))
        for item in breakdown
        if isinstance(item, Mapping)
    }
    return {key: points.get(key) for key in QUALITY_CRITERIA}


def full_marks(validation: Mapping[str, Any] | None) -> list[str]:
    """The score signals that earned all their points: the skills the conversation shows."""
    breakdown = ((validation or {}).get("score") or {}).get("breakdown") or []
    return [
        _snake(str(item["signal"]))
        for item in breakdown
        if isinstance(item, Mapping)
        and item.get("max")
        and _float(item.get("points")) == _float(item.get("max"))
    ]


def consultant_profile(profile: Any, philosophy_keys: Sequence[str]) -> dict[str, Any]:
    """The spec's consultant_profile from a pinned ConsultantProfile version."""
    philosophy = profile.core_philosophy or {}
    style = profile.communication_style or {}
    return {
        "name": profile.name,
        "business": profile.business,
        "expertise": profile.expertise,
        "years_experience": int(profile.years_experience),
        "core_philosophy": {key: _optional_text(philosophy.get(key)) for key in philosophy_keys},
        "communication_style": {
            "tone": _text(style.get("tone")),
            "techniques": [str(item) for item in style.get("techniques") or []],
            "avoid": [str(item) for item in style.get("avoid") or []],
        },
    }


def difficulty(tier: str, index: int, total: int) -> str:
    """Edge cases are advanced throughout; otherwise the opening third is foundational, the
    middle intermediate and the close (where the plan is made) advanced."""
    if tier == Tier.EDGE_CASE:
        return "advanced"
    position = index / max(total - 1, 1)
    if position < 1 / 3:
        return "beginner"
    return "intermediate" if position < 2 / 3 else "advanced"


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSummary:
    human_reviewed: bool
    reviewer_notes: str | None
    verdict: str


def review_summary(reviews: Iterable[Any]) -> ReviewSummary:
    """Done reviews of one conversation: whether any, their notes, the latest verdict."""
    done = sorted(
        (r for r in reviews if r.verdict), key=lambda r: (r.reviewed_at is None, r.reviewed_at)
    )
    notes = "\n".join(r.notes.strip() for r in done if r.notes and r.notes.strip())
    return ReviewSummary(bool(done), notes or None, done[-1].verdict if done else "")


def training_record(
    conversation: Conversation,
    context: ReleaseContext,
    system_prompt: str,
    profile: dict[str, Any],
    review: ReviewSummary,
) -> dict[str, Any]:
    """One conversations.jsonl row: the spec's TrainingConversation plus its "id"."""
    turns = conversation.turns or []
    persona, arc, topic = (
        conversation.persona,
        conversation.emotional_arc,
        conversation.training_topic,
    )
    conversation_id = str(conversation.pk)
    score = _float(conversation.quality_score)
    criteria = quality_criteria(conversation.validation)
    skills = full_marks(conversation.validation)
    notes = f"Generated via {conversation.tier} tier"
    if conversation.edge_case is not None:  # no query without an edge_case_id
        notes += f"; edge case: {conversation.edge_case.name}"
    if conversation.source == EMULATOR:
        notes += "; written by the offline emulator (templated text, no language model)"
    elif conversation.source == HAND_WRITTEN:
        notes += "; written by hand by an editor as a seed example"
    elif conversation.model:
        notes += f"; model: {conversation.model}"
    history: list[dict[str, Any]] = []
    pairs = []
    for index, turn in enumerate(turns):
        number = index + 1
        context_now = emotional_context(turn)
        pairs.append(
            {
                "id": f"{conversation_id}_turn{number}",
                "conversation_id": conversation_id,
                "turn_number": number,
                "conversation_metadata": {
                    "client_persona": persona.name,
                    "client_background": persona.description,
                    "session_context": _text(turn.get("session_context")),
                    "conversation_phase": _text(turn.get("conversation_phase")),
                    "expected_outcome": arc.name,
                },
                "system_prompt": system_prompt,
                "conversation_history": list(history),
                "current_user_input": _text(turn.get("user_input")),
                "emotional_context": context_now,
                "target_response": _text(turn.get("assistant_response")),
                "training_metadata": {
                    "difficulty_level": difficulty(conversation.tier, index, len(turns)),
                    "key_learning_objective": topic.key_learning_objective,
                    "demonstrates_skills": [
                        s for s in [context_now["response_strategy"], *skills] if s
                    ],
                    "conversation_turn": number,
                    "emotional_progression_target": arc.name,
                    "quality_score": score if score is not None else 0.0,
                    "quality_criteria": criteria,
                    "human_reviewed": review.human_reviewed,
                    "reviewer_notes": review.reviewer_notes,
                    "use_as_seed_example": conversation.seed_example,
                    "generate_variations_count": 0,
                },
            }
        )
        history.append(
            {
                "turn": number,
                "role": "user",
                "content": _text(turn.get("user_input")),
                "emotional_state": context_now["detected_emotions"],
            }
        )
        history.append(
            {
                "turn": number,
                "role": "assistant",
                "content": _text(turn.get("assistant_response")),
                "emotional_state": None,
            }
        )
    return {
        "id": conversation_id,
        "dataset_metadata": {
            "dataset_name": context.name,
            "version": context.version,
            "created_date": conversation.created_at.date().isoformat(),
            "vertical": VERTICAL,
            "consultant_persona": f"{profile['name']} - {profile['business']}",
            "target_use": TARGET_USE,
            "conversation_source": conversation.source or "unknown",
            "quality_tier": conversation.tier,
            "total_conversations": context.total_conversations,
            "total_turns": len(turns),
            "notes": notes,
        },
        "consultant_profile": profile,
        "training_pairs": pairs,
    }


def chat_record(conversation: Conversation, system_prompt: str) -> dict[str, Any]:
    """One chat/*.jsonl row: the whole conversation as messages, ready for SFTTrainer."""
    messages = [{"role": "system", "content": system_prompt}]
    for turn in conversation.turns or []:
        messages.append({"role": "user", "content": _text(turn.get("user_input"))})
        messages.append({"role": "assistant", "content": _text(turn.get("assistant_response"))})
    return {"messages": messages}
