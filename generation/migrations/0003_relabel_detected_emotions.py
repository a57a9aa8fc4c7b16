"""Stored turns' detected emotions relabelled to the emotion vocabulary.

A free word that maps through eidataset.emotions.SYNONYMS becomes its label ("worried" ->
"worry"); a word that maps to nothing is left as it is, so nothing a conversation said is
lost, and the progression check reports it as a warning.
"""

from typing import Any

from django.db import migrations

from eidataset.emotions import canonical

BATCH = 500


def relabel(turns: Any) -> bool:
    """Map the turns' primary/secondary emotions to labels in place; whether any changed."""
    changed = False
    for turn in turns if isinstance(turns, list) else []:
        context = turn.get("emotional_context") if isinstance(turn, dict) else None
        detected = context.get("detected_emotions") if isinstance(context, dict) else None
        if not isinstance(detected, dict):
            continue
        for key in ("primary", "secondary"):
            word = detected.get(key)
            label = canonical(word)
            if label and label != word:
                detected[key] = label
                changed = True
    return changed


def forwards(apps: Any, schema_editor: Any) -> None:
    Conversation = apps.get_model("generation", "Conversation")
    changed = []
    for conversation in Conversation.objects.only("id", "turns").iterator(chunk_size=BATCH):
        if relabel(conversation.turns):
            changed.append(conversation)
        if len(changed) >= BATCH:
            Conversation.objects.bulk_update(changed, ["turns"])
            changed = []
    Conversation.objects.bulk_update(changed, ["turns"])


class Migration(migrations.Migration):
    dependencies = [("generation", "0002_attempt_cost_estimated")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
