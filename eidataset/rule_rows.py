"""An edge case's rules edited one per row: kind, pattern or value, speaker, by turn, case, why.

The rows become the same list of mappings `eidataset/rules.py` stores and checks, so a rule is
validated as it always was (`validate_rules` on the model); the row only spares the editor JSON
and its doubled backslashes: a pattern is typed as the regular expression itself.
"""

from typing import Any

from eidataset.labels import RULE_KIND_LABELS, SPEAKER_LABELS
from eidataset.rules import KINDS
from eidataset.structured import Column, RowsField

INTEGER_KINDS = frozenset({"min_distinct_goals", "min_turns", "max_turns"})
CASE_CHOICES = (("", "Ignore"), ("false", "Match"), ("true", "Ignore (stated)"))


class RulesField(RowsField):
    columns = (
        Column(
            "kind",
            "Kind",
            choices=tuple((kind, RULE_KIND_LABELS[kind]) for kind in KINDS),
            width="17%",
        ),
        Column("pattern", "Pattern or value", width="28%"),
        Column(
            "speaker",
            "Whose words",
            choices=(("", "Elena (default)"), *SPEAKER_LABELS.items()),
            width="12%",
        ),
        Column("by_turn", "By turn", number=True, width="7%"),
        Column("ignore_case", "Case", choices=CASE_CHOICES, width="10%"),
        Column("why", "Why", width="23%"),
    )
    add_label = "Add a rule"

    def to_rows(self, value: Any) -> list[dict[str, str]]:
        if not isinstance(value, list):
            return []
        return [rule_row(rule) for rule in value if isinstance(rule, dict)]

    def parse(self, rows: list[dict[str, str]], errors: list[str]) -> list[dict[str, Any]]:
        rules = []
        for number, row in enumerate(rows, start=1):
            try:
                rules.append(row_rule(row))
            except ValueError as error:
                errors.append(f"Rule {number}: {error}.")
        return rules


def rule_row(rule: dict[str, Any]) -> dict[str, str]:
    kind = next((key for key in rule if key in KINDS), "")
    case = rule.get("ignore_case")
    return {
        "kind": kind,
        "pattern": str(rule.get(kind, "")),
        "speaker": str(rule.get("speaker", "")),
        "by_turn": str(rule.get("by_turn", "")),
        "ignore_case": "" if case is None else str(bool(case)).lower(),
        "why": str(rule.get("why", "")),
    }


def row_rule(row: dict[str, str]) -> dict[str, Any]:
    """The stored rule for one row; ValueError names what cannot be read. Whether the rule is
    sound (a valid pattern, modifiers its kind allows) is `validate_rules`'s to say."""
    kind = row["kind"]
    if kind not in KINDS:
        raise ValueError(f"choose a kind ({', '.join(RULE_KIND_LABELS.values())})")
    text = row["pattern"]
    value: Any = whole_number(text, RULE_KIND_LABELS[kind]) if kind in INTEGER_KINDS else text
    if kind == "must_reach_phase":
        value = text.strip()
    rule: dict[str, Any] = {kind: value}
    if row["speaker"]:
        rule["speaker"] = row["speaker"]
    if row["by_turn"].strip():
        rule["by_turn"] = whole_number(row["by_turn"], "By turn")
    if row["ignore_case"] in ("true", "false"):
        rule["ignore_case"] = row["ignore_case"] == "true"
    if row["why"].strip():
        rule["why"] = row["why"].strip()
    return rule


def whole_number(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{what}: “{text.strip()}” is not a whole number") from None
