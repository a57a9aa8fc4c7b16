"""A conversation that follows the brief: its scene, then a beat per turn, then the rules."""

import random
from typing import Any

from eidataset.emotions import canonical
from generation.emulator.beats import STANDARD_BEATS, Beat, phase_plan
from generation.emulator.edge_cases import urgent_beats, with_concern
from generation.emulator.rules import satisfy_rules
from generation.emulator.scene import Scene, build_scene
from generation.schema import MAX_TURNS, MIN_TURNS


def write_turns(brief: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """A conversation that follows the brief, as turns in CONVERSATION_SCHEMA's shape."""
    rules = (brief.get("edge_case") or {}).get("rules") or []
    count = turn_count(brief["turn_count"], rules)
    scene = build_scene(brief, rng, count)
    beats = beats_for(scene, count)
    # The intensity falls from start to end along the conversation, drawn once.
    start, end = rng.uniform(0.75, 0.92), rng.uniform(0.18, 0.32)
    turns = [_turn(scene, index, beat, start, end) for index, beat in enumerate(beats)]
    satisfy_rules(turns, rules)
    return turns


def turn_count(requested: Any, rules: list[dict[str, Any]]) -> int:
    count = requested if isinstance(requested, int) else MIN_TURNS
    for rule in rules:
        count = max(count, rule.get("min_turns", MIN_TURNS))
        count = min(count, rule.get("max_turns", MAX_TURNS))
    return min(MAX_TURNS, max(MIN_TURNS, count))


def beats_for(scene: Scene, count: int) -> list[Beat]:
    phases = phase_plan(count)
    beats = [STANDARD_BEATS[phase](scene, index) for index, phase in enumerate(phases)]
    concern = scene.concern
    if concern is None:
        return beats
    if concern.urgent:
        return urgent_beats(scene, count)
    return with_concern(scene, beats, concern)


def _turn(scene: Scene, index: int, beat: Beat, start: float, end: float) -> dict[str, Any]:
    count = len(scene.emotions)
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
    typical = [canonical(e) for e in scene.brief["persona"].get("typical_emotions") or []]
    typical = [e for e in dict.fromkeys(typical) if e]
    options = [e for e in typical if e != scene.emotions[index]]
    if not options or scene.rng.random() < 0.3:
        return None
    return scene.rng.choice(options)


def sample_brief() -> dict[str, Any]:
    """A brief built from the shipped scaffolding's first persona, arc and topic, without the
    database: what a worker warms itself up with before its first real conversation."""
    from eidataset.seeding import load_yaml

    persona, arc, topic = (load_yaml(f"{name}.yaml")[0] for name in ("personas", "arcs", "topics"))
    persona_keys = ("name", "archetype", "description", "demographics", "finances")
    arc_keys = ("name", "starting_emotion", "ending_emotion", "starting_neighbours")
    return {
        "sequence_number": 1,
        "tier": "template",
        "turn_count": 6,
        "persona": {key: persona.get(key) for key in persona_keys}
        | {
            "communication_traits": persona.get("communication_traits", []),
            "typical_emotions": persona.get("typical_emotions", []),
        },
        "arc": {key: arc.get(key) for key in arc_keys}
        | {"ending_neighbours": arc.get("ending_neighbours", []), "stages": arc.get("stages", [])},
        "topic": {key: topic.get(key) for key in ("name", "category", "description")}
        | {"key_concepts": topic.get("key_concepts", [])},
        "chunk": None,
        "edge_case": None,
        "specifics": {
            "situation": "first meeting",
            "numbers": {"savings": 1900, "debt_total": 30800},
            "opening_angle": "opens with the number that worries them",
            "focus_concept": (topic.get("key_concepts") or ["budgeting"])[0],
        },
    }
