"""Validators for the free-form JSON fields of scaffolding rows.

They keep every row's shape the same (lists of text stay lists of text, mappings stay
mappings) so the exported dataset loads with `datasets` without silent casts.
"""

import difflib
from typing import Any

from django.core.exceptions import ValidationError

from eidataset.emotions import VOCABULARY, canonical


def validate_emotion(value: Any) -> None:
    """A label of the emotion vocabulary (eidataset/emotions.py), with a hint when it is not."""
    if isinstance(value, str) and value in VOCABULARY:
        return
    raise ValidationError(f"{value!r} is not in the emotion vocabulary.{_hint(value)}")


def _hint(value: Any) -> str:
    if not isinstance(value, str):
        return " An emotion is one label of the vocabulary, e.g. “anxiety”."
    suggestion = canonical(value) or next(
        iter(difflib.get_close_matches(value.strip().lower(), VOCABULARY, n=1)), None
    )
    if suggestion:
        return f" Did you mean “{suggestion}”?"
    return " See docs/formats.md for the labels and their meanings."


def validate_text_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(i, str) and i.strip() for i in value):
        raise ValidationError('Enter a list of non-empty texts, e.g. ["a", "b"].')


def validate_emotion_list(value: Any) -> None:
    """Labels of the emotion vocabulary, each at most once (may be empty)."""
    if not isinstance(value, list):
        raise ValidationError('Enter a list of emotions, e.g. ["worry", "fear"].')
    errors = []
    for item in value:
        try:
            validate_emotion(item)
        except ValidationError as error:
            errors.extend(error.messages)
    repeated = sorted({item for item in value if isinstance(item, str) and value.count(item) > 1})
    if repeated:
        errors.append(f"Each emotion may appear once: {', '.join(repeated)} repeated.")
    if errors:
        raise ValidationError(errors)


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
        try:
            validate_emotion(stage["emotion"])
        except ValidationError as error:
            raise ValidationError(f"Stage {number}: {error.messages[0]}") from None


def validate_communication_style(value: Any) -> None:
    """{"tone": text, "techniques": [text...], "avoid": [text...]} as in the spec."""
    if not isinstance(value, dict) or set(value) != {"tone", "techniques", "avoid"}:
        raise ValidationError("Communication style has exactly the keys tone, techniques, avoid.")
    if not isinstance(value["tone"], str) or not value["tone"].strip():
        raise ValidationError("Tone must be non-empty text.")
    validate_text_list(value["techniques"])
    validate_text_list(value["avoid"])
