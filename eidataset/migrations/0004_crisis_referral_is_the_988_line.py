"""The crisis edge case refers through its 988 line, not a phase label (issue 10).

Stored crisis edge cases lose the shipped `must_reach_phase: referral` rule, so a good
conversation that gives 988 in a turn labelled 'exploration' no longer fails. A rule an editor
changed (another phase, another turn) is left as it is.
"""

from typing import Any

from django.db import migrations

SHIPPED = {
    "must_reach_phase": "referral",
    "by_turn": 3,
    "why": "The conversation moves into a referral phase promptly instead of continuing "
    "ordinary planning.",
}


def drop_phase_rule(apps: Any, schema_editor: Any) -> None:
    EdgeCase = apps.get_model("eidataset", "EdgeCase")
    for edge_case in EdgeCase.objects.filter(edge_case_key="crisis_suicidal_ideation"):
        rules = [rule for rule in edge_case.rules or [] if rule != SHIPPED]
        if rules != (edge_case.rules or []):
            edge_case.rules = rules
            edge_case.save(update_fields=["rules"])


def restore_phase_rule(apps: Any, schema_editor: Any) -> None:
    EdgeCase = apps.get_model("eidataset", "EdgeCase")
    for edge_case in EdgeCase.objects.filter(edge_case_key="crisis_suicidal_ideation"):
        if SHIPPED not in (edge_case.rules or []):
            edge_case.rules = [*(edge_case.rules or []), SHIPPED]
            edge_case.save(update_fields=["rules"])


class Migration(migrations.Migration):
    dependencies = [("eidataset", "0003_arc_neighbours_and_vocabulary")]

    operations = [migrations.RunPython(drop_phase_rule, restore_phase_rule)]
