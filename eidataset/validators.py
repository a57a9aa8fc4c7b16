"""Validators for the free-form JSON fields of scaffolding rows.

They keep every row's shape the same (lists of text stay lists of text, mappings stay
mappings) so the exported dataset loads with `datasets` without silent casts.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

validate_emotion = RegexValidator(
    r"^[a-z][a-z_-]{1,39}$", "An emotion is one lowercase word, e.g. “anxiety”."
)


def validate_text_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(i, str) and i.strip() for i in value):
        raise ValidationError('Enter a list of non-empty texts, e.g. ["a", "b"].')


def validate_emotion_list(value: Any) -> None:
    validate_text_list(value)
    for item in value:
        validate_emotion(item)


def validate_mapping(value: Any) -> None:
    if not isinstance(value, dict):
        raise ValidationError('Enter a mapping of names to values, e.g. {"age": 34}.')


def validate_text_mapping(value: Any) -> None:
    validate_mapping(value)
    if not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise ValidationError("Every value must be non-empty text.")


def validate_stages(value: Any) -> None:
    """An arc's progression: [{"name", "emotion", "description"}, ...], at least two stages."""
    if not isinstance(value, list) or len(value) < 2:
        raise ValidationError("An arc needs at least two stages.")
    for number, stage in enumerate(value, start=1):
        if not isinstance(stage, dict) or set(stage) != {"name", "emotion", "description"}:
            raise ValidationError(
                f"Stage {number} must have exactly the keys name, emotion and description."
            )
        if not all(isinstance(v, str) and v.strip() for v in stage.values()):
            raise ValidationError(f"Stage {number}: name, emotion and description are texts.")
        validate_emotion(stage["emotion"])


def validate_communication_style(value: Any) -> None:
    """{"tone": text, "techniques": [text...], "avoid": [text...]} as in the spec."""
    if not isinstance(value, dict) or set(value) != {"tone", "techniques", "avoid"}:
        raise ValidationError("Communication style has exactly the keys tone, techniques, avoid.")
    if not isinstance(value["tone"], str) or not value["tone"].strip():
        raise ValidationError("Tone must be non-empty text.")
    validate_text_list(value["techniques"])
    validate_text_list(value["avoid"])
