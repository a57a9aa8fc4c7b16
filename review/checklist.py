"""The spec's manual review checklist: five categories of four items, and the verdict they give.

A category passes when all four of its items are ticked. 5/5 categories: APPROVED; 4/5: APPROVED
WITH NOTES; 3 or fewer: REJECTED (the conversation is regenerated).
"""

from collections.abc import Mapping
from typing import Any

CHECKLIST: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "emotional_intelligence",
        "Emotional Intelligence",
        (
            ("validates_before_advice", "Elena validates emotions before giving advice"),
            ("normalizes_struggles", "Normalizes the client's struggles explicitly"),
            ("avoids_judgment", "Avoids judgment of past decisions"),
            ("celebrates_progress", "Celebrates progress and small wins"),
        ),
    ),
    (
        "advice_quality",
        "Advice Quality",
        (
            ("specific_numbers", "Specific numbers over abstractions"),
            ("actionable_next_steps", "Actionable next steps provided"),
            ("explains_why", 'Explains "why" not just "what"'),
            ("tailored_to_persona", "Tailored to the persona's needs"),
        ),
    ),
    (
        "conversation_flow",
        "Conversation Flow",
        (
            ("natural_dialogue", "Natural dialogue (not robotic)"),
            ("realistic_turn_taking", "Turn-taking feels realistic"),
            ("client_builds_on_advice", "Client's responses build on Elena's advice"),
            ("clear_ending", "Ends with clear resolution or next step"),
        ),
    ),
    (
        "metadata_accuracy",
        "Metadata Accuracy",
        (
            ("persona_matches", "persona_name matches the actual conversation"),
            ("arc_matches", "arc_name matches the emotional progression"),
            ("topic_matches", "topic_name matches the conversation subject"),
            ("learning_objective_accurate", "key_learning_objective is accurate"),
        ),
    ),
    (
        "brand_voice",
        "Brand Voice",
        (
            ("warm_professional", "Warm and professional tone"),
            ("never_condescending", "Never condescending"),
            ("metaphors_appropriate", "Uses metaphors/stories appropriately"),
            ("asks_permission", "Asks permission before educating"),
        ),
    ),
)

CATEGORY_KEYS = tuple(key for key, _, _ in CHECKLIST)
ITEM_KEYS = {key: tuple(item for item, _ in items) for key, _, items in CHECKLIST}

APPROVED = "approved"
APPROVED_WITH_NOTES = "approved_with_notes"
REJECTED = "rejected"
VERDICTS = (
    (APPROVED, "Approved"),
    (APPROVED_WITH_NOTES, "Approved with notes"),
    (REJECTED, "Rejected"),
)


def normalise(ticked: Mapping[str, Any]) -> dict[str, dict[str, bool]]:
    """The checklist as {category: {item: bool}} with every item present (missing = not ticked).

    Unknown categories or items raise ValueError: a checklist that does not match the spec's is
    refused, not silently trimmed.
    """
    unknown = set(ticked) - set(CATEGORY_KEYS)
    if unknown:
        raise ValueError(f"unknown checklist categories: {', '.join(sorted(unknown))}")
    result: dict[str, dict[str, bool]] = {}
    for category in CATEGORY_KEYS:
        items = ticked.get(category) or {}
        extra = set(items) - set(ITEM_KEYS[category])
        if extra:
            raise ValueError(f"unknown items in {category}: {', '.join(sorted(extra))}")
        result[category] = {item: bool(items.get(item)) for item in ITEM_KEYS[category]}
    return result


def categories_passed(checklist: Mapping[str, Mapping[str, bool]]) -> list[str]:
    """The categories whose four items are all ticked."""
    return [
        category
        for category in CATEGORY_KEYS
        if all((checklist.get(category) or {}).get(item) for item in ITEM_KEYS[category])
    ]


def verdict(checklist: Mapping[str, Mapping[str, bool]]) -> str:
    passed = len(categories_passed(checklist))
    if passed == len(CATEGORY_KEYS):
        return APPROVED
    if passed == len(CATEGORY_KEYS) - 1:
        return APPROVED_WITH_NOTES
    return REJECTED
