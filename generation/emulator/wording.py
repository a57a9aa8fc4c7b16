"""Sentences composed from smaller varied parts, so a run of conversations does not repeat itself.

A phrase is text with choices in square brackets, alternatives split by `|` and nestable, and
slots in braces: "[I'm [really |]glad|It's good] to hear you sound {feeling}, {name}." Writing
picks one alternative per choice, fills the slots and tidies spacing and capitals. `variants`
lists every way a phrase can come out, for the tests that check each one reads correctly.
"""

import itertools
import random
import re
from collections.abc import Iterator, Mapping

_PIECES = re.compile(r"\[|\]|\|")


def pick(phrase: str, rng: random.Random) -> str:
    """The phrase with one alternative chosen in each choice, slots left as they are."""
    return "".join(_choose(_parse(phrase), rng))


def variants(phrase: str, limit: int = 5_000) -> list[str]:
    """Every way the phrase can come out (at most `limit`), slots left as they are."""
    return list(itertools.islice(_every(_parse(phrase)), limit))


def count_variants(phrase: str) -> int:
    return _count(_parse(phrase))


def fill(phrase: str, values: Mapping[str, str], fragment: bool = False) -> str:
    """The slots filled and the result tidied: one space between words, none before a
    comma or stop, and a capital at the start of each sentence (not of a fragment, which
    goes inside another sentence)."""
    return tidy(phrase.format_map(values), fragment)


def tidy(text: str, fragment: bool = False) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(?=[,.;:!?])", "", text)
    starts = r"([.!?]\s+)([a-z])" if fragment else r"(^|[.!?]\s+)([a-z])"
    return re.sub(starts, lambda m: m.group(1) + m.group(2).upper(), text)


# A parsed phrase is a list of parts: text, or a list of alternatives (each a parsed phrase).
Part = str | list[list["Part"]]


def _parse(phrase: str) -> list[Part]:
    return _parse_sequence(phrase, 0, top=True)[0]


def _parse_sequence(phrase: str, at: int, top: bool = False) -> tuple[list[Part], int]:
    parts: list[Part] = []
    while at < len(phrase):
        found = _PIECES.search(phrase, at)
        end = found.start() if found else len(phrase)
        if end > at:
            parts.append(phrase[at:end])
        if not found:
            return parts, len(phrase)
        mark = found.group(0)
        if mark == "[":
            choice, at = _parse_choice(phrase, found.end())
            parts.append(choice)
            continue
        if top:
            raise ValueError(f"unbalanced {mark!r} at {found.start()} in {phrase!r}")
        return parts, found.start()
    if not top:
        raise ValueError(f"unclosed '[' in {phrase!r}")
    return parts, at


def _parse_choice(phrase: str, at: int) -> tuple[list[list[Part]], int]:
    alternatives = []
    while True:
        sequence, at = _parse_sequence(phrase, at)
        alternatives.append(sequence)
        if at >= len(phrase):
            raise ValueError(f"unclosed '[' in {phrase!r}")
        mark, at = phrase[at], at + 1
        if mark == "]":
            return alternatives, at


def _choose(parts: list[Part], rng: random.Random) -> Iterator[str]:
    for part in parts:
        if isinstance(part, str):
            yield part
        else:
            yield from _choose(rng.choice(part), rng)


def _every(parts: list[Part]) -> Iterator[str]:
    options = [[part] if isinstance(part, str) else _every_choice(part) for part in parts]
    for combination in itertools.product(*options):
        yield "".join(combination)


def _every_choice(alternatives: list[list[Part]]) -> list[str]:
    return [text for alternative in alternatives for text in _every(alternative)]


def _count(parts: list[Part]) -> int:
    total = 1
    for part in parts:
        if not isinstance(part, str):
            total *= sum(_count(alternative) for alternative in part)
    return total


# --- turning a phrase from Elena's person to the client's --------------------------------

_TURNS = {
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
    "you're": "I'm",
    "you've": "I've",
    "you'll": "I'll",
}


def turned(text: str) -> str:
    """A phrase about the client, said by Elena ("move your first $60"), as the client says
    it ("move my first $60"). Phrases to turn name the client only by possessives and the
    contractions above; "with me" (Elena) becomes "with you"."""
    text = re.sub(r"\bwith me\b", "with you", text)
    return re.sub(
        r"\b(your|yours|yourself|you're|you've|you'll)\b",
        lambda m: _TURNS[m.group(1)],
        text,
    )
