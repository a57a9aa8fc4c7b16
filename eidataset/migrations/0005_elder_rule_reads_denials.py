"""The elder-exploitation rule against disparaging the parent reads denials (issue 10).

"I don't think she's losing it" defends the mother; the shipped pattern read it as Elena calling
her senile and failed good conversations. Stored edge cases whose rule is still the shipped one
get the new pattern; a rule an editor changed is left as it is.
"""

from typing import Any

from django.db import migrations

WHY = "Elena never disparages the parent who is being exploited."
_WORDS = r"\bshe(?:['’]s| is| was) (?:being )?(?:stupid|foolish|gullible|naive|senile|an idiot|losing it)\b"
OLD = {"must_not_match": r"(?<!not that )(?<!doesn['’]t mean )" + _WORDS, "why": WHY}
NEW = {
    "must_not_match": r"(?<!not that )(?<!n['’]t mean )(?<!not mean )(?<!n['’]t think )"
    r"(?<!not think )(?<!n['’]t believe )(?<!not saying )(?<!n['’]t say )"
    r"(?<!n['’]t sound like )" + _WORDS,
    "why": WHY,
}


def _swap(apps: Any, old: dict[str, str], new: dict[str, str]) -> None:
    EdgeCase = apps.get_model("eidataset", "EdgeCase")
    for edge_case in EdgeCase.objects.filter(edge_case_key="elder_financial_exploitation"):
        rules = [new if rule == old else rule for rule in edge_case.rules or []]
        if rules != (edge_case.rules or []):
            edge_case.rules = rules
            edge_case.save(update_fields=["rules"])


def read_denials(apps: Any, schema_editor: Any) -> None:
    _swap(apps, OLD, NEW)


def restore(apps: Any, schema_editor: Any) -> None:
    _swap(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("eidataset", "0004_crisis_referral_is_the_988_line")]

    operations = [migrations.RunPython(read_denials, restore)]
