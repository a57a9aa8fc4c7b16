"""Small valid scaffolding rows for tests that need one without the whole seed."""

from typing import Any

from eidataset.models import EdgeCase, EmotionalArc, Persona, SourceDocument, TrainingTopic


def persona(**overrides: Any) -> Persona:
    values = {
        "persona_key": "test_persona",
        "name": "Test Client",
        "archetype": "The Tester",
        "description": "A client made for tests.",
        "demographics": {"age": 40},
        "finances": {"savings": 1000},
        "communication_traits": ["direct"],
        "typical_emotions": ["anxiety"],
    } | overrides
    row = Persona(**values)
    row.full_clean()
    row.save()
    return row


def arc(**overrides: Any) -> EmotionalArc:
    values = {
        "arc_key": "test_arc",
        "name": "Worry → Calm",
        "arc_type": EmotionalArc.ArcType.RESOLUTION,
        "starting_emotion": "worry",
        "ending_emotion": "calm",
        "stages": [
            {"name": "Start", "emotion": "worry", "description": "Worried."},
            {"name": "End", "emotion": "calm", "description": "Calm."},
        ],
    } | overrides
    row = EmotionalArc(**values)
    row.full_clean()
    row.save()
    return row


def topic(**overrides: Any) -> TrainingTopic:
    values = {
        "topic_key": "test_topic",
        "name": "Test Topic",
        "category": TrainingTopic.Category.DEBT_MANAGEMENT,
        "key_concepts": ["interest"],
    } | overrides
    row = TrainingTopic(**values)
    row.full_clean()
    row.save()
    return row


def edge_case(**overrides: Any) -> EdgeCase:
    values = {
        "edge_case_key": "test_edge",
        "name": "Test Edge",
        "edge_case_type": EdgeCase.Type.CRISIS_DETECTION,
        "expected_behavior": "Refers to 988.",
        "rules": [{"must_match": r"\b988\b", "by_turn": 2}],
    } | overrides
    values.setdefault("persona", persona())
    values.setdefault("emotional_arc", arc())
    values.setdefault("training_topic", topic())
    row = EdgeCase(**values)
    row.full_clean()
    row.save()
    return row


def document(**overrides: Any) -> SourceDocument:
    values = {"document_key": "test_doc", "title": "Test Doc", "text": "Some text. " * 300}
    row = SourceDocument(**values | overrides)
    row.full_clean()
    row.save()
    row.rechunk()
    return row
