"""Making sure an edge case's own rules hold on the written conversation."""

import re
import re._constants as sre  # the regex parser's opcodes, for example_of
import re._parser as sre_parser
from collections.abc import Callable, Mapping
from typing import Any

from eidataset.rules import evaluate_rules, rule_kind
from generation.emulator.beats import capitalized, joined

GOAL_WORDS = {
    "emergency_fund": "an emergency fund",
    "debt": "paying down debt",
    "retirement": "retirement",
    "home": "a home down payment",
    "education": "college savings",
    "insurance": "insurance coverage",
    "estate": "a will",
    "travel": "travel",
    "vehicle": "a car",
    "business": "the business",
    "wedding": "the wedding",
    "giving": "charitable giving",
    "family_support": "helping your parents",
    "investing": "investing",
}


def satisfy_rules(turns: list[dict[str, Any]], rules: list[dict[str, Any]]) -> None:
    """Bend the conversation until every rule passes: a safety net for edge cases whose
    expected behaviour matches no Concern, so editors' new edge cases work offline too."""
    for _ in range(3):
        failing = [outcome.rule for outcome in evaluate_rules(rules, turns) if not outcome.passed]
        if not failing:
            return
        for rule in failing:
            FIXES.get(rule_kind(rule).name, _leave)(turns, rule)


def _leave(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    """Turn counts are settled before writing (turn_count)."""


def _fix_must_match(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    key = "user_input" if rule.get("speaker") == "user" else "assistant_response"
    index = min(rule.get("by_turn", len(turns)), len(turns)) - 1
    phrase = example_of(rule["must_match"])
    sentence = capitalized(phrase)
    turns[index][key] = joined(turns[index][key], sentence.rstrip(".") + ".")


def _fix_must_not_match(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    flags = re.IGNORECASE if rule.get("ignore_case", True) else 0
    pattern = re.compile(rule["must_not_match"], flags)
    keys = {"user": ("user_input",), "any": ("user_input", "assistant_response")}
    for turn in turns:
        for key in keys.get(rule.get("speaker", "assistant"), ("assistant_response",)):
            sentences = re.split(r"(?<=[.!?])\s+", turn[key])
            kept = joined(*(s for s in sentences if not pattern.search(s)))
            turn[key] = pattern.sub("", kept) if pattern.search(kept) else kept


def _fix_phase(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    index = min(rule.get("by_turn", len(turns) - 1), len(turns)) - 1
    turns[max(0, index)]["conversation_phase"] = rule["must_reach_phase"]


def _fix_goals(turns: list[dict[str, Any]], rule: Mapping[str, Any]) -> None:
    goals = list(GOAL_WORDS.values())[: rule["min_distinct_goals"]]
    sentence = f"Let's keep all of your goals in view: {', '.join(goals)}."
    turns[-1]["assistant_response"] = joined(turns[-1]["assistant_response"], sentence)


FIXES: dict[str, Callable[[list[dict[str, Any]], Mapping[str, Any]], None]] = {
    "must_match": _fix_must_match,
    "must_not_match": _fix_must_not_match,
    "must_reach_phase": _fix_phase,
    "min_distinct_goals": _fix_goals,
}


def example_of(pattern: str) -> str:
    """Some text the pattern matches: first alternatives, fewest repeats."""

    def text(tokens: Any) -> str:
        return "".join(piece(op, arg) for op, arg in tokens)

    def piece(op: Any, arg: Any) -> str:
        if op is sre.LITERAL:
            return chr(arg)
        if op is sre.SUBPATTERN:
            return text(arg[-1])
        if op is sre.BRANCH:
            return text(arg[1][0])
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            return text(arg[2]) * arg[0]
        if op is sre.IN:
            return next((piece(o, a) for o, a in arg if o is not sre.NEGATE), "a")
        if op is sre.RANGE:
            return chr(arg[0])
        if op is sre.CATEGORY:
            return {sre.CATEGORY_DIGIT: "1", sre.CATEGORY_SPACE: " "}.get(arg, "a")
        if op in (sre.ANY, sre.NOT_LITERAL):
            return "a"
        return ""  # anchors and lookarounds match no text

    return re.sub(r"\s+", " ", text(sre_parser.parse(pattern))).strip()
