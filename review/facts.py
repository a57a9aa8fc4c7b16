"""The client's facts as the conversation states them, against the persona and earlier turns.

A name, age, partner, number of children or income counts only where the wording establishes
it: the client naming themselves ("my name is", "I'm Marcus here", a sign-off "- Jennifer"),
their present age ("I'm 36", not "until I'm 75" or "retire at 67"), a named partner, a count of
children, a yearly income. Capitalised sentence openers ("Exactly,", "Fourth,") are never names.
"""

import json
import re
from collections.abc import Mapping
from typing import Any

Turn = Mapping[str, Any]
Check = dict[str, Any]

NAME = r"([A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
# The client names themselves.
SELF_NAMES = (
    re.compile(rf"\bmy name(?:[’']s| is) {NAME}\b"),
    re.compile(rf"\b(?:I[’']m|I am|[Ii]t[’']s|[Tt]his is) {NAME} (?:here|again)\b"),
    re.compile(
        rf"^\W*(?:Hi|Hello|Hey)\b[^.!?\n]{{0,25}}[,.!]\s*(?:I[’']m|I am|[Ii]t[’']s) {NAME}\b"
    ),
    re.compile(rf"(?:^|\n)\s*[-—–]\s*{NAME}\s*$"),
)
# Elena addresses the client: a greeting or thanks with a name, or a name closing a clause.
ADDRESSES = (
    re.compile(rf"\b(?:Hi|Hello|Hey|Welcome back|Thanks|Thank you|Good to see you),? {NAME}\b"),
    re.compile(rf", {NAME}(?=[.!?]|$)"),
)
# Days and months close a clause like a name does ("see you on Friday, January").
CALENDAR = frozenset(
    re.findall(
        r"\w+",
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April"
        " May June July August September October November December",
    )
)
# A present age: "I'm 36", "I am 42 years old", "as a 31-year-old"; not a future or target age.
_NOT_FUTURE = r"(?<!until )(?<!when )(?<!before )(?<!once )(?<!till )(?<!by )(?<!if )(?<!after )"
AGES = (
    re.compile(
        _NOT_FUTURE + r"\bI(?:[’']m| am) (?:a |only |just |now )?(\d{2})"
        r"(?:[- ]years?[- ]old\b|(?=[.,;!?)]| and\b| now\b| with\b))"
    ),
)
COUNTS = {"no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
KIDS = re.compile(
    r"\b(?:my|our|I have|we have|I[’']ve got|we[’']ve got|with) (no|one|two|three|four|five|six"
    r"|\d) (?:kids|children|child|daughters|sons)\b",
    re.IGNORECASE,
)
PARTNER_WORDS = r"(?:husband|wife|spouse|partner|fianc[ée]e?|boyfriend|girlfriend)"
PARTNER = re.compile(rf"\b[Mm]y {PARTNER_WORDS},? {NAME}\b")
STORY_PARTNER = re.compile(rf"\b(?:married to|engaged to|{PARTNER_WORDS},?) {NAME}\b")
# A yearly income the client states: "I make $98K", "we bring in about $168,000 a year".
INCOME = re.compile(
    r"\b(I|[Ww]e)(?: both)? (?:make|earn|bring in|gross)(?: about| around| roughly)? \$\s?"
    r"(\d[\d,]*(?:\.\d+)?)(?![\d,.]\d)\s?([kK]\b)?(?! ?(?:a|per|/|an|every) ?(?:month|week"
    r"|paycheck|hour|mo\b|yr\b))",
)
INCOME_TOLERANCE = 0.2  # a rounded or remembered figure; a raise since the persona was written


def _said(turn: Turn, key: str) -> str:
    return str(turn.get(key) or "") if isinstance(turn, Mapping) else ""


def _numbered(turns: list[Turn], key: str) -> list[tuple[int, str]]:
    return [(number, _said(turn, key)) for number, turn in enumerate(turns, start=1)]


def story(persona: Mapping[str, Any]) -> str:
    return " ".join(
        [str(persona.get("description") or ""), json.dumps(persona.get("demographics") or {})]
    )


def known_names(persona: Mapping[str, Any]) -> set[str]:
    """The persona's names and the capitalised words of their story (a partner, a child)."""
    capitalised = re.findall(r"\b[A-Z][a-z]+\b", story(persona))
    return {*str(persona.get("name") or "").split(), *capitalised}


def names(patterns: tuple[re.Pattern[str], ...], text: str) -> set[str]:
    return {name for pattern in patterns for name in pattern.findall(text)} - CALENDAR


def self_name_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    first = (str(persona.get("name") or "").split() or [""])[0]
    if not first:
        return []
    known = known_names(persona)
    return [
        f"turn {number}: the client calls themselves {name}, not {first}"
        for number, text in _numbered(turns, "user_input")
        for name in sorted(names(SELF_NAMES, text) - known)
    ]


def address_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """Names Elena calls the client by that are not theirs nor anyone's in their story."""
    first = (str(persona.get("name") or "").split() or [""])[0]
    if not first:
        return []
    known = known_names(persona) | {"Elena"}
    return [
        f"turn {number}: Elena calls the client {name}, not {first}"
        for number, text in _numbered(turns, "assistant_response")
        for name in sorted(names(ADDRESSES, text) - known)
    ]


def age_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    age = (persona.get("demographics") or {}).get("age")
    if not isinstance(age, int):
        return []
    return [
        f"turn {number}: the client says they are {said}, the persona is {age}"
        for number, text in _numbered(turns, "user_input")
        for pattern in AGES
        for said in pattern.findall(text)
        if abs(int(said) - age) > 1  # a birthday may have passed
    ]


def kids_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A count of children that differs from the persona's dependents or an earlier count."""
    dependents = (persona.get("demographics") or {}).get("dependents")
    expected = dependents if isinstance(dependents, int) else None
    changes = []
    for number, text in _numbered(turns, "user_input"):
        for said in KIDS.findall(text):
            count = int(said) if said.isdigit() else COUNTS[said.lower()]
            if expected is None:
                expected = count
            elif count != expected and (count == 0 or count > expected):
                changes.append(f"turn {number}: the client has {said} children, not {expected}")
    return changes


def partner_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A named partner other than the persona's (or the first one the client named)."""
    partner = next(iter(STORY_PARTNER.findall(story(persona))), None)
    changes = []
    for number, text in _numbered(turns, "user_input"):
        for name in PARTNER.findall(text):
            if partner and name != partner:
                changes.append(f"turn {number}: the client's partner is {name}, not {partner}")
            partner = partner or name
    return changes


def income_changes(persona: Mapping[str, Any], turns: list[Turn]) -> list[str]:
    """A yearly income that differs by more than INCOME_TOLERANCE from the persona's household
    income ("we") or from one the client stated earlier in the same words ("I" or "we")."""
    stated: dict[str, float] = {}
    household = (persona.get("finances") or {}).get("annual_income")
    if isinstance(household, int | float) and not isinstance(household, bool):
        stated["we"] = float(household)
        if not STORY_PARTNER.search(story(persona)):
            stated["i"] = float(household)  # one earner: their income is the household's
    changes = []
    for number, text in _numbered(turns, "user_input"):
        for who, amount, thousands in INCOME.findall(text):
            value = float(amount.replace(",", "")) * (1000 if thousands else 1)
            if value < 1000:
                continue  # "I make $40 an hour" and the like are not yearly figures
            key = who.lower()
            if key in stated and abs(value - stated[key]) > INCOME_TOLERANCE * stated[key]:
                changes.append(
                    f"turn {number}: the client says {who} make ${value:,.0f}, "
                    f"not ${stated[key]:,.0f}"
                )
            stated.setdefault(key, value)
    return changes


def fact_changes(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """The client's name, age, partner, children or income contradicting the persona or an
    earlier turn."""
    persona = conversation.get("persona") or {}
    turns = conversation.get("turns")
    turns = turns if isinstance(turns, list) else []
    details = list(
        dict.fromkeys(
            self_name_changes(persona, turns)
            + age_changes(persona, turns)
            + partner_changes(persona, turns)
            + kids_changes(persona, turns)
            + income_changes(persona, turns)
        )
    )
    passed = not details
    reason = "the client's facts hold" if passed else "; ".join(details)
    check = {"passed": passed, "changes": details, "reason": reason}
    return check, [f"Fact change: {detail}" for detail in details]
