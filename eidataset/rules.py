"""Machine-checkable rules that an edge case demands of every conversation generated for it.

An edge case's `rules` is a list of mappings; each names exactly one kind and may carry
modifiers, e.g. ``{"must_match": "\\b988\\b", "by_turn": 2, "why": "crisis line early"}``.
`validate_rules` runs when an edge case is saved (admin form, import, seed), so a bad regex
or an unknown kind is an error at the editor's desk; `evaluate_rules` runs on conversations.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

Turn = Mapping[str, Any]

SPEAKERS: dict[str, tuple[str, ...]] = {
    "assistant": ("assistant_response",),
    "user": ("user_input",),
}
SPEAKERS["any"] = SPEAKERS["user"] + SPEAKERS["assistant"]
MAX_PATTERN_LENGTH = 500
MAX_TURNS = 50

# What counts as a distinct financial goal for `min_distinct_goals`.
GOAL_PATTERNS: dict[str, str] = {
    "emergency_fund": r"emergency (fund|savings|cushion|reserve)|rainy[- ]day",
    "debt": r"\bdebts?\b|credit cards?|\bloans?\b|pay(ing)? (it )?(down|off)",
    "retirement": r"retire|401\(?k\)?|\bira\b|pension",
    "home": r"\bhouse\b|\bhome\b|down payment|mortgage",
    "education": r"college|tuition|\b529\b|education|school",
    "insurance": r"insurance|coverage|disability policy",
    # A will as a document ("your will", "wills"), never the modal ("it will take").
    "estate": r"\b(?:a|your|my|the|their|our|his|her) will\b(?! (?:be|have|take|get|go|make"
    r"|need|help|feel|come|still|not|never|also|only|probably|likely|want)\b)|\bwills\b"
    r"|estate plan|beneficiar|\btrust\b",
    "travel": r"travel|vacation|\btrip\b",
    "vehicle": r"\bcar\b|vehicle|truck",
    "business": r"business|start-?up|side hustle",
    "wedding": r"wedding",
    "giving": r"charit|donat|giving|tithe",
    "family_support": r"(aging|elderly|my|your) parents?|caregiv",
    "investing": r"\binvest(ing|ment)?s?\b|brokerage",
}
_GOALS = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in GOAL_PATTERNS.items()}


@dataclass(frozen=True)
class RuleOutcome:
    rule: Mapping[str, Any]
    passed: bool
    detail: str


@dataclass(frozen=True)
class RuleKind:
    name: str
    check_value: Callable[[Any], None]
    modifiers: frozenset[str]
    evaluate: Callable[[Mapping[str, Any], Sequence[Turn]], tuple[bool, str]]


# --- value checks (raise ValueError with a sentence an editor can act on) ---------------


def _check_regex(value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty regular expression")
    if len(value) > MAX_PATTERN_LENGTH:
        raise ValueError(f"is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        compiled = re.compile(value)
    except re.error as error:
        raise ValueError(f"is not a valid regular expression ({error})") from None
    if compiled.search(""):
        raise ValueError("matches empty text, so it would match every reply")


def _check_int(low: int, high: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")

    return check


def _check_phase(value: Any) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z_]{1,40}", value):
        raise ValueError("must be a conversation phase such as 'referral' or 'planning'")


def _check_speaker(value: Any) -> None:
    if value not in SPEAKERS:
        raise ValueError(f"must be one of {', '.join(SPEAKERS)}")


def _check_bool(value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")


def _check_text(value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError("must be text")


MODIFIER_CHECKS: dict[str, Callable[[Any], None]] = {
    "by_turn": _check_int(1, MAX_TURNS),
    "speaker": _check_speaker,
    "ignore_case": _check_bool,
    "why": _check_text,
}


# --- evaluation ------------------------------------------------------------------------


def _texts(
    rule: Mapping[str, Any], turns: Sequence[Turn], default_speaker: str
) -> list[tuple[int, str]]:
    keys = SPEAKERS[rule.get("speaker", default_speaker)]
    last = rule.get("by_turn", len(turns))
    return [
        (number, str(turn.get(key) or ""))
        for number, turn in enumerate(turns[:last], start=1)
        for key in keys
    ]


def _pattern(rule: Mapping[str, Any], kind: str) -> re.Pattern[str]:
    flags = re.IGNORECASE if rule.get("ignore_case", True) else 0
    return re.compile(rule[kind], flags)


def _must_match(rule: Mapping[str, Any], turns: Sequence[Turn]) -> tuple[bool, str]:
    pattern = _pattern(rule, "must_match")
    for number, text in _texts(rule, turns, "assistant"):
        if found := pattern.search(text):
            return True, f"matched {found.group(0)!r} in turn {number}"
    scope = f"by turn {rule['by_turn']}" if "by_turn" in rule else "in any turn"
    return False, f"/{rule['must_match']}/ not found {scope}"


def _must_not_match(rule: Mapping[str, Any], turns: Sequence[Turn]) -> tuple[bool, str]:
    pattern = _pattern(rule, "must_not_match")
    for number, text in _texts(rule, turns, "assistant"):
        if found := pattern.search(text):
            return False, f"forbidden {found.group(0)!r} in turn {number}"
    return True, "no forbidden text"


def _min_distinct_goals(rule: Mapping[str, Any], turns: Sequence[Turn]) -> tuple[bool, str]:
    """Goals engaged after the opening: Elena's first reply often only repeats the client's
    list ("the wedding, the house, the loans and retirement all matter; let's do the wedding"),
    so it counts only in a one-turn conversation."""
    texts = _texts(rule, turns, "assistant")
    if rule.get("speaker", "assistant") != "user" and any(number > 1 for number, _ in texts):
        texts = [(number, text) for number, text in texts if number > 1]
    text = "\n".join(t for _, t in texts)
    goals = sorted(name for name, pattern in _GOALS.items() if pattern.search(text))
    found = f"{len(goals)} goal(s): {', '.join(goals) or 'none'}"
    return len(goals) >= rule["min_distinct_goals"], found


def _must_reach_phase(rule: Mapping[str, Any], turns: Sequence[Turn]) -> tuple[bool, str]:
    last = rule.get("by_turn", len(turns))
    for number, turn in enumerate(turns[:last], start=1):
        if turn.get("conversation_phase") == rule["must_reach_phase"]:
            return True, f"phase {rule['must_reach_phase']!r} reached in turn {number}"
    return False, f"phase {rule['must_reach_phase']!r} not reached by turn {last}"


def _min_turns(rule: Mapping[str, Any], turns: Sequence[Turn]) -> tuple[bool, str]:
    return len(turns) >= rule["min_turns"], f"{len(turns)} turns"


def _max_turns(rule: Mapping[str, Any], turns: Sequence[Turn]) -> tuple[bool, str]:
    return len(turns) <= rule["max_turns"], f"{len(turns)} turns"


_TEXT = frozenset({"by_turn", "speaker", "ignore_case", "why"})
KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        RuleKind("must_match", _check_regex, _TEXT, _must_match),
        RuleKind("must_not_match", _check_regex, _TEXT - {"by_turn"}, _must_not_match),
        RuleKind(
            "min_distinct_goals",
            _check_int(2, len(GOAL_PATTERNS)),
            frozenset({"speaker", "why"}),
            _min_distinct_goals,
        ),
        RuleKind(
            "must_reach_phase", _check_phase, frozenset({"by_turn", "why"}), _must_reach_phase
        ),
        RuleKind("min_turns", _check_int(1, MAX_TURNS), frozenset({"why"}), _min_turns),
        RuleKind("max_turns", _check_int(1, MAX_TURNS), frozenset({"why"}), _max_turns),
    )
}


# --- public API ------------------------------------------------------------------------


def rule_kind(rule: Mapping[str, Any]) -> RuleKind:
    (name,) = [key for key in rule if key in KINDS]
    return KINDS[name]


def rule_errors(rule: Any) -> list[str]:
    """Every problem with one rule, as sentences; empty when the rule is sound."""
    if not isinstance(rule, dict):
        return ['must be a mapping such as {"must_match": "\\\\b988\\\\b"}']
    kinds = [key for key in rule if key in KINDS]
    if len(kinds) != 1:
        found = "no kind" if not kinds else f"{len(kinds)} kinds ({', '.join(kinds)})"
        return [f"must name exactly one kind of {', '.join(KINDS)}; found {found}"]
    kind = KINDS[kinds[0]]
    errors = []
    try:
        kind.check_value(rule[kind.name])
    except ValueError as error:
        errors.append(f"{kind.name} {error}")
    for key, value in rule.items():
        if key == kind.name:
            continue
        if key not in kind.modifiers:
            allowed = ", ".join(sorted(kind.modifiers)) or "none"
            errors.append(f"{key!r} is not allowed with {kind.name} (allowed: {allowed})")
            continue
        try:
            MODIFIER_CHECKS[key](value)
        except ValueError as error:
            errors.append(f"{key} {error}")
    return errors


def validate_rules(rules: Any) -> None:
    """Django validator for EdgeCase.rules: a non-empty list of sound rules."""
    if not isinstance(rules, list) or not rules:
        raise ValidationError("Rules must be a non-empty list of rules.", code="rules")
    messages = [
        f"Rule {number}: {error}"
        for number, rule in enumerate(rules, start=1)
        for error in rule_errors(rule)
    ]
    if messages:
        raise ValidationError(messages, code="rules")


def evaluate_rules(rules: Iterable[Mapping[str, Any]], turns: Sequence[Turn]) -> list[RuleOutcome]:
    """Each rule's verdict on a conversation's turns, with what was found."""
    outcomes = []
    for rule in rules:
        passed, detail = rule_kind(rule).evaluate(rule, turns)
        outcomes.append(RuleOutcome(rule=rule, passed=passed, detail=detail))
    return outcomes
