"""People Elena names that the conversation never introduced (part of review.facts).

Elena may name the client, anyone in the persona's story (a partner, a child), herself, anyone
the client has named by then, and anyone in the scenario's document, the edge case or the
topic. A common given name (review.given_names) outside those is someone she made up or
mixed up: the fiancée Priya called "Maya", "tell Anjali tonight". A name followed by
another capitalised word ("Dave Ramsey", "Charles Schwab") or after one mid-sentence ("Uncle
Omar", "J.P. Morgan") is a public figure, a firm or a relative set apart, and does not count;
nor does a name Elena calls the client (personaConsistency's finding, review.facts
.ADDRESSES) or herself (roleBreak's, review.conduct.OWN_NAMES).
"""

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from review.conduct import OWN_NAMES
from review.given_names import GIVEN_NAMES
from review.statements import Turn, said, same_person

CONSULTANT_NAMES = frozenset({"Elena", "Morales"})
WORD = re.compile(r"\b[A-Z][a-zà-ÿ]+\b")
# A capitalised word as a person's name: not followed by a surname, a firm's second word or
# an initial ("Warren Buffett", "Edward Jones", "John Q. Public"), nor a possessive naming a
# firm ("Sam's Club").
GIVEN = re.compile(r"\b([A-Z][a-zà-ÿ]+)\b(?!(?:[’']s)? [A-Z](?:[a-zà-ÿ]|\.))")
# Titles that set a name apart anywhere, even opening a sentence ("Dr. Kim", "Aunt Rosa").
TITLES = frozenset(
    {"Mr", "Mrs", "Ms", "Miss", "Dr", "St", "Saint", "Aunt", "Auntie", "Uncle", "Grandma"}
    | {"Grandpa", "Cousin", "Sister", "Brother", "Father", "Mother", "Sir", "Lady", "Lord"}
)
# The capitalised word right before a name ("Uncle Omar", "J.P. Morgan"), and what may come
# before a word that opens a sentence ("Tell Maya").
BEFORE = re.compile(r"\b([A-Z][\w.’']*)\s+$")
SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\"“‘(—–-])\s*$")


def context_words(conversation: Mapping[str, Any]) -> set[str]:
    """The capitalised words of what the conversation was written from, other than the
    persona: the scenario's document, the edge case, the topic and the brief's specifics."""
    chunk = conversation.get("chunk")
    texts = [str(chunk.get("text") or "") if isinstance(chunk, Mapping) else ""]
    texts += [
        json.dumps(conversation.get(key) or {}, ensure_ascii=False, default=str)
        for key in ("edge_case", "topic", "specifics")
    ]
    return {word for text in texts for word in WORD.findall(text)}


def unintroduced_names(
    turns: list[Turn], known: Iterable[str], addressed: Iterable[re.Pattern[str]] = ()
) -> list[str]:
    """Given names Elena uses before anyone introduced them, each at its first turn. `known`
    are the names she may use from the start; `addressed` the patterns of a name she calls
    the client by (found elsewhere)."""
    allowed = {*known, *CONSULTANT_NAMES}
    changes = []
    for number, turn in enumerate(turns, start=1):
        allowed |= set(WORD.findall(said(turn, "user_input")))
        # A short form counts for a name, not for any word ("Tom" is not "Tomorrow").
        people = {*known, *(allowed & GIVEN_NAMES)}
        text = said(turn, "assistant_response")
        elsewhere = {name for pattern in (*addressed, *OWN_NAMES) for name in pattern.findall(text)}
        for name in dict.fromkeys(_named(text)):
            if name in allowed | elsewhere or any(same_person(name, p) for p in people):
                continue
            changes.append(
                f"turn {number}: Elena names {name}, whom the conversation never introduced"
            )
            allowed.add(name)
    return changes


def _named(text: str) -> Iterable[str]:
    for found in GIVEN.finditer(text):
        name = found.group(1)
        if name in GIVEN_NAMES and not _titled(text, found.start()):
            yield name


def _titled(text: str, at: int) -> bool:
    """A capitalised word other than "I" comes right before position `at`, and not as the
    first word of a sentence."""
    before = BEFORE.search(text, max(0, at - 40), at)
    if not before or before.group(1) == "I":
        return False
    if before.group(1).rstrip(".") in TITLES:
        return True
    return not SENTENCE_START.search(text, max(0, before.start() - 5), before.start())
