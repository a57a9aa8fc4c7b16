"""Arcs and personas speak the emotion vocabulary (eidataset/emotions.py).

The arcs' free synonym lists become neighbours: the vocabulary labels their words map to,
minus the arc's two ends and any label both lists map to (it could mark either end). Starting, ending and stage
emotions map through canonical(); one that maps to nothing stops the migration with the
arc and the word named, so an editor can fix it (nothing is guessed). A persona's typical
emotions map the same way; words that map to nothing are dropped from that hint list.
"""

from typing import Any

from django.db import migrations, models

import eidataset.validators
from eidataset.emotions import canonical


def _label(arc: Any, where: str, word: Any) -> str:
    label = canonical(word)
    if label is None:
        raise ValueError(
            f"Emotional arc {arc.arc_key!r}: the {where} {word!r} is not in the emotion vocabulary "
            "and maps to none of its labels. Change it to a label listed in "
            "eidataset/emotions.py (docs/formats.md), then migrate again."
        )
    return label


def _labels(words: Any, leave_out: set[str]) -> list[str]:
    labels = [canonical(word) for word in words or [] if isinstance(word, str)]
    return list(dict.fromkeys(label for label in labels if label and label not in leave_out))


def relabel_arc(arc: Any) -> None:
    start = _label(arc, "starting emotion", arc.starting_emotion)
    end = _label(arc, "ending emotion", arc.ending_emotion)
    if start == end:
        raise ValueError(
            f"Emotional arc {arc.arc_key!r}: {arc.starting_emotion!r} and "
            f"{arc.ending_emotion!r} are both {start!r} in the emotion vocabulary; give the arc "
            "an end that differs from its start, then migrate again."
        )
    starting, ending = (_labels(words, {start, end}) for words in (arc.starting_neighbours, arc.ending_neighbours))
    both = set(starting) & set(ending)  # a label on both sides could mark either end: dropped
    arc.starting_emotion, arc.ending_emotion = start, end
    arc.starting_neighbours = [label for label in starting if label not in both]
    arc.ending_neighbours = [label for label in ending if label not in both]
    for number, stage in enumerate(arc.stages or [], start=1):
        if isinstance(stage, dict):
            stage["emotion"] = _label(arc, f"emotion of stage {number}", stage.get("emotion"))


def forwards(apps: Any, schema_editor: Any) -> None:
    EmotionalArc = apps.get_model("eidataset", "EmotionalArc")
    Persona = apps.get_model("eidataset", "Persona")
    for arc in EmotionalArc.objects.all():
        relabel_arc(arc)
        arc.save(
            update_fields=[
                "starting_emotion",
                "ending_emotion",
                "starting_neighbours",
                "ending_neighbours",
                "stages",
            ]
        )
    for persona in Persona.objects.all():
        persona.typical_emotions = _labels(persona.typical_emotions, set())
        persona.save(update_fields=["typical_emotions"])


class Migration(migrations.Migration):
    dependencies = [("eidataset", "0002_topic_is_edge_case_only")]

    operations = [
        migrations.RenameField("emotionalarc", "starting_synonyms", "starting_neighbours"),
        migrations.RenameField("emotionalarc", "ending_synonyms", "ending_neighbours"),
        migrations.AlterField(
            model_name="emotionalarc",
            name="starting_neighbours",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Vocabulary labels close enough to the starting emotion to count as "
                "the start.",
                validators=[eidataset.validators.validate_emotion_list],
            ),
        ),
        migrations.AlterField(
            model_name="emotionalarc",
            name="ending_neighbours",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Vocabulary labels close enough to the ending emotion to count as "
                "the end.",
                validators=[eidataset.validators.validate_emotion_list],
            ),
        ),
        migrations.AlterField(
            model_name="emotionalarc",
            name="ending_emotion",
            field=models.CharField(
                max_length=40, validators=[eidataset.validators.validate_emotion]
            ),
        ),
        migrations.AlterField(
            model_name="emotionalarc",
            name="starting_emotion",
            field=models.CharField(
                max_length=40, validators=[eidataset.validators.validate_emotion]
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
