"""Hand-made and emulated conversations for the review tests, built from the default YAML."""

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULTS = Path(__file__).resolve().parents[2] / "eidataset" / "defaults"


@cache
def _rows(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(yaml.safe_load((DEFAULTS / f"{name}.yaml").read_text()))


def scaffolding(name: str) -> dict[str, dict[str, Any]]:
    key = {"personas": "persona_key", "arcs": "arc_key", "topics": "topic_key"}[name]
    return {row[key]: copy.deepcopy(row) for row in _rows(name)}


def shipped_edge_cases() -> dict[str, dict[str, Any]]:
    return {row["edge_case_key"]: copy.deepcopy(row) for row in _rows("edge_cases")}


def turn(client: str, elena: str, phase: str, emotion: str) -> dict[str, Any]:
    return {
        "user_input": client,
        "assistant_response": elena,
        "conversation_phase": phase,
        "session_context": f"{phase} with the client",
        "emotional_context": {
            "detected_emotions": {"primary": emotion, "secondary": None, "intensity": 0.5},
            "response_strategy": "reflection_of_feelings",
        },
    }


def strong_turns() -> list[dict[str, Any]]:
    """Marcus, anxiety to relief: every check passes and every score signal is earned."""
    return [
        turn(
            "Hi Elena, it's Marcus. I'm 36, I have $1,800 saved and $14,200 on three cards.",
            "Of course you feel anxious, Marcus; many people carry card debt quietly. "
            "Would it help if I walked you through how the interest works?",
            "opening",
            "anxiety",
        ),
        turn(
            "Yes, please. My daughter Lily needs new shoes and I freeze every time.",
            "That sounds heavy, Marcus. At about 24%, $14,200 costs roughly $284 a month.",
            "exploration",
            "worry",
        ),
        turn(
            "I never knew it was that much.",
            "Paying the 27% card first matters because every dollar there saves the most.",
            "education",
            "hope",
        ),
        turn(
            "Okay. I feel relieved, honestly.",
            "Your next step this week: list each card's balance and due date on one page. "
            "To sum up, we start with the 27% card; let's check in next week.",
            "resolution",
            "relief",
        ),
    ]


def weak_turns() -> list[dict[str, Any]]:
    """Advice before feelings, judgement, no figures, no why, no permission, no ending."""
    return [
        turn(
            "Hi Elena, it's Marcus. My cards are maxed out.",
            "You should have opened your statements. Pay off the cards.",
            "opening",
            "anxiety",
        ),
        turn("I know.", "Why didn't you ask for help sooner?", "exploration", "anxiety"),
        turn("I was scared.", "That was irresponsible.", "exploration", "shame"),
        turn("Okay.", "Think about what you did.", "exploration", "anxiety"),
    ]


def conversation(turns: list[dict[str, Any]] | None = None, **changes: Any) -> dict[str, Any]:
    """A template-tier conversation for Marcus, anxiety to relief, about emergency funds."""
    persona = scaffolding("personas")["overwhelmed_avoider"]
    arc = scaffolding("arcs")["anxiety_to_relief"]
    topic = scaffolding("topics")["emergency_fund"]
    return {
        "id": "0b7f2d4e-1c55-4c1e-9a55-1f0c2f3a4b5c",
        "tier": "template",
        "turns": strong_turns() if turns is None else turns,
        "persona_id": "p-1",
        "emotional_arc_id": "a-1",
        "training_topic_id": "t-1",
        "persona": {key: persona[key] for key in ("name", "archetype", "description")}
        | {key: persona[key] for key in ("demographics", "finances", "typical_emotions")},
        "arc": {key: arc[key] for key in ("name", "arc_type", "starting_emotion")}
        | {key: arc[key] for key in ("ending_emotion", "starting_neighbours", "ending_neighbours")},
        "topic": {key: topic[key] for key in ("name", "category", "key_concepts")},
        "edge_case": None,
    } | changes


def edge_case_of(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ("edge_case_key", "name", "edge_case_type", "rules")}


def brief(
    persona: str, arc: str, topic: str, turn_count: int, row: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A conversation brief (generation/brief.py) for the emulator."""
    p, a, t = (
        scaffolding("personas")[persona],
        scaffolding("arcs")[arc],
        scaffolding("topics")[topic],
    )
    edge_case = row and {
        "name": row["name"],
        "type": row["edge_case_type"],
        "expected_behavior": row["expected_behavior"],
        "rules": row["rules"],
    }
    return {
        "sequence_number": 1,
        "tier": "edge_case" if row else "template",
        "turn_count": turn_count,
        "persona": {key: p[key] for key in ("name", "archetype", "description", "demographics")}
        | {key: p[key] for key in ("finances", "communication_traits", "typical_emotions")},
        "arc": {key: a[key] for key in ("name", "starting_emotion", "ending_emotion", "stages")}
        | {key: a[key] for key in ("starting_neighbours", "ending_neighbours")},
        "topic": {key: t[key] for key in ("name", "category", "description", "key_concepts")},
        "chunk": None,
        "edge_case": edge_case,
        "specifics": {
            "situation": "first meeting; brought in by a bill that was larger than expected",
            "numbers": {},
            "opening_angle": "opens with a specific number that has been worrying them",
        },
    }


def emulated(
    persona: str,
    arc: str,
    topic: str,
    turns: list[dict[str, Any]],
    row: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The mapping the checks read, for turns the emulator wrote from the same scaffolding."""
    base = conversation(turns, tier="edge_case" if row else "template")
    persona_row = scaffolding("personas")[persona]
    arc_row = scaffolding("arcs")[arc]
    base["persona"] |= {key: persona_row[key] for key in base["persona"]}
    base["arc"] |= {key: arc_row[key] for key in base["arc"]}
    base["topic"] = {key: scaffolding("topics")[topic][key] for key in base["topic"]}
    base["edge_case"] = edge_case_of(row) if row else None
    return base
