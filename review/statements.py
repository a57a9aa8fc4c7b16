"""Reading what a conversation states as true now, for the fact checks (review.facts and
review.fact_figures).

A statement counts where the wording makes it a present fact: not in a clause that places it
in another time or imagines it ("until I'm 75", "if I made $100k", "suddenly I'm 36 and still
renting"). The client's words come first in each turn, then Elena's about the client.
"""

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

Turn = Mapping[str, Any]

# Words that make the rest of their clause a time other than now, or imagined.
NOT_NOW = re.compile(
    r"\b(?:until|till|when|whenever|before|once|by|if|after|suddenly|then|someday|one day"
    r"|imagine|picture|what if|by the time|next thing|will|would|could|might|want|wants"
    r"|hope|hoping|plan to|planning)\b|[’']ll\b",
    re.IGNORECASE,
)
# Only imagining moves a possessive ("my two kids", "my wife") out of the present: "I want
# it to be for my two kids" still has two kids; "if I had three kids" does not.
IMAGINED = re.compile(
    r"\b(?:if|imagine|picture|what if|someday|one day|eventually|would|could|might)\b",
    re.IGNORECASE,
)
CLAUSE_START = re.compile(r"[.!?;:—–\n]|,\s")


def said(turn: Turn, key: str) -> str:
    return str(turn.get(key) or "") if isinstance(turn, Mapping) else ""


def same_person(name: str, other: str) -> bool:
    """The same name, or one a short form of the other ("Pri" for Priya, "Jen" for
    Jennifer)."""
    short, long = sorted((name, other), key=len)
    return long.startswith(short) and len(short) >= 3


def story(persona: Mapping[str, Any]) -> str:
    """The persona's description and demographics as one text."""
    return " ".join(
        [str(persona.get("description") or ""), json.dumps(persona.get("demographics") or {})]
    )


def clause_start(text: str, at: int) -> int:
    """Where the clause holding position `at` begins (a comma inside "$14,200" is no break)."""
    starts = [mark.end() for mark in CLAUSE_START.finditer(text, 0, at)]
    return starts[-1] if starts else 0


def now(text: str, found: re.Match[str], moved: re.Pattern[str] = NOT_NOW) -> bool:
    """The match states a present fact: nothing earlier in its clause moves it in time, and
    it is not inside quotation marks (a document quoted, someone else's words)."""
    if quoted(text, found.start()):
        return False
    return not moved.search(text, clause_start(text, found.start()), found.start())


# A passage in double quotation marks: "a 1% increase on a $60,000 salary is $600 a year".
QUOTED = re.compile(r"“[^”]*”|\"[^\"\n]*\"")


def quoted(text: str, at: int) -> bool:
    return any(span.start() < at < span.end() for span in QUOTED.finditer(text))


def stated(
    turns: list[Turn],
    client: Iterable[re.Pattern[str]],
    elena: Iterable[re.Pattern[str]] = (),
    moved: re.Pattern[str] = NOT_NOW,
) -> list[tuple[int, re.Match[str]]]:
    """(turn number, match) for each present statement, turn by turn: the client's words
    with the `client` patterns, then Elena's with the `elena` patterns. `moved` says which
    words earlier in a clause take it out of the present (IMAGINED for possessives)."""
    sides = ((tuple(client), "user_input"), (tuple(elena), "assistant_response"))
    found: list[tuple[int, re.Match[str]]] = []
    for number, turn in enumerate(turns, start=1):
        for patterns, key in sides:
            text = said(turn, key)
            found += [
                (number, match)
                for pattern in patterns
                for match in pattern.finditer(text)
                if now(text, match, moved)
            ]
    return found


def sentence_of(text: str, found: re.Match[str]) -> str:
    """The sentence holding the match."""
    start = max(text.rfind(mark, 0, found.start()) for mark in ".!?\n") + 1
    ends = [at for mark in ".!?\n" if (at := text.find(mark, found.end())) >= 0]
    return text[start : min(ends, default=len(text))]
