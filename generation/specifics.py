"""Per-conversation specifics: what brings the client in today, and their numbers.

Variety comes from the prompt, never from sampling parameters (the SDK has none): two
conversations with the same persona, arc and topic still differ in the trigger, the
client's figures (the persona's own, moved by up to 15%) and how the client opens.
"""

import random
from typing import Any

from eidataset.models import Persona, TrainingTopic

# Turn counts a real first or follow-up session runs to; the spec allows 4-10.
TURN_COUNT_WEIGHTS = {4: 2, 5: 4, 6: 5, 7: 4, 8: 3, 9: 1, 10: 1}

FIRST_MEETING = "first meeting"
SESSIONS = (FIRST_MEETING, "second meeting", "check-in call", "follow-up after a month")
RETURNING = SESSIONS[1:]

# What brings the client in, with the sessions it can bring them to: a friend's recommendation
# brings a new client, unfinished homework a returning one; the rest fit any session.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "a letter or statement that arrived this week and has not been opened for long": SESSIONS,
    "a conversation with a partner or family member that went badly": SESSIONS,
    "a bill or expense that was larger than expected": SESSIONS,
    "a friend's or colleague's news that made the client compare themselves": SESSIONS,
    "an upcoming deadline (enrollment, renewal, tax filing) in the next few weeks": SESSIONS,
    "a change at work: a raise, a cut in hours, or a new benefits package": SESSIONS,
    "a news headline about the economy or the markets": SESSIONS,
    "a birthday or anniversary that made the client take stock": SESSIONS,
    "a recommendation from a friend who worked with Elena": (FIRST_MEETING,),
    "a follow-up to a previous session where homework was left undone": RETURNING,
    "an unexpected windfall: a bonus, a refund or a small inheritance": SESSIONS,
    "a health scare or a family member's illness": SESSIONS,
}

OPENING_ANGLES = (
    "opens with a direct, practical question",
    "opens by apologising for not having their paperwork together",
    "opens with a specific number that has been worrying them",
    "opens with a joke that covers how worried they are",
    "opens by saying they almost cancelled the appointment",
    "opens by describing what happened this week, at length",
    "opens by asking whether their situation is normal",
    "opens by saying what someone else told them to do",
)


def draw_turn_count(rng: random.Random) -> int:
    counts, weights = zip(*TURN_COUNT_WEIGHTS.items(), strict=True)
    return rng.choices(counts, weights=weights)[0]


def draw_specifics(persona: Persona, topic: TrainingTopic, rng: random.Random) -> dict[str, Any]:
    return {
        "situation": draw_situation(rng),
        "numbers": _numbers(persona.finances, rng),
        "opening_angle": rng.choice(OPENING_ANGLES),
        "focus_concept": rng.choice(topic.key_concepts) if topic.key_concepts else topic.name,
    }


def draw_situation(rng: random.Random) -> str:
    """'first meeting; brought in by ...': the trigger first, then a session it fits."""
    trigger = rng.choice(list(TRIGGERS))
    return f"{rng.choice(TRIGGERS[trigger])}; brought in by {trigger}"


def _numbers(finances: dict[str, Any], rng: random.Random) -> dict[str, int]:
    """The persona's figures, each moved by up to 15% and rounded like a person says them."""
    numbers = {}
    for name, value in sorted(finances.items()):
        if isinstance(value, int | float) and not isinstance(value, bool):
            moved = value * rng.uniform(0.85, 1.15)
            step = 100 if abs(moved) >= 1000 else 10
            numbers[name] = int(round(moved / step) * step)
    return numbers
