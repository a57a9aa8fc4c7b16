"""The standard beats: one client line and one reply from Elena for each phase of a session."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from generation.emulator.openings import (
    ANGLE_LINES,
    FEELING_LINES,
    FIRST_GREETINGS,
    RETURNING_GREETINGS,
    TRAIT_LINES,
    TRIGGER_LEADS,
    TRIGGER_LINES,
    UNKNOWN_TRIGGER,
)
from generation.emulator.phrases import (
    AFFIRMATIONS,
    ANSWERS,
    CHECK_IN_WHEN,
    CHECK_INS,
    CHECKS,
    CHUNK_LINES,
    CLOSINGS,
    CONCEPT_QUESTIONS,
    CONSENTS,
    CONTINGENCIES,
    DISCLOSURES,
    EXPLANATIONS,
    FOLLOW_UP_ANSWERS,
    GENTLE_VALIDATIONS,
    NOW_FEELING,
    OPENING_QUESTIONS,
    PERMISSION,
    PLANNING_QUESTIONS,
    QUESTIONS,
    REASSURANCES,
    RECAPS,
    REFLECTIONS,
    RESTATEMENTS,
    STEP_LINES,
    STILL_FEELING,
    SUGGESTIONS,
    TIE_INS,
    VALIDATIONS,
)
from generation.emulator.scene import Scene, chunk_quote
from generation.emulator.wording import pick, tidy


class Slots(TypedDict, total=False):
    """Slot values a beat fills its phrases with (Scene.say's extras), besides the scene's own;
    their names are fixed, so none can stand for say's other arguments."""

    label: str
    amount: str
    concept: str
    feeling: str
    when: str


@dataclass
class Beat:
    client: str
    elena: str
    phase: str
    strategy: str


def phase_plan(count: int) -> list[str]:
    middle = count - 2
    exploring = 2 if middle >= 5 else 1
    teaching = (middle - exploring) // 2
    planning = middle - exploring - teaching
    return [
        "opening",
        *["exploration"] * exploring,
        *["education"] * teaching,
        *["planning"] * planning,
        "resolution",
    ]


def validation(scene: Scene, index: int) -> str:
    difficult = GENTLE_VALIDATIONS if scene.concern else VALIDATIONS
    options = AFFIRMATIONS if scene.is_settled(index) else difficult
    return scene.say(options, feeling=scene.feeling(index), **figure_values(scene, index))


def feeling_line(scene: Scene, index: int) -> str:
    options = NOW_FEELING if scene.is_settled(index) else STILL_FEELING
    return scene.say(options, feeling=scene.feeling(index), **figure_values(scene, index))


def figure_values(scene: Scene, index: int) -> Slots:
    label, value = scene.figure(index)
    return {"label": label, "amount": value, "concept": scene.concept(index)}


def opening_beat(scene: Scene, index: int) -> Beat:
    client = joined(
        scene.say(RETURNING_GREETINGS if scene.returning else FIRST_GREETINGS),
        _trigger_line(scene),
        _angle_line(scene),
        scene.say(FEELING_LINES, feeling=scene.feeling(index)),
        _trait_line(scene),
    )
    strategy, elena = opening_reply(scene, validation(scene, index), _opening_question(scene))
    return Beat(client, elena, "opening", strategy)


def opening_reply(scene: Scene, opener: str, question: str) -> tuple[str, str]:
    strategy, moves = scene.rng.choice(
        [("reflection_of_feelings", REFLECTIONS), ("affirmation_and_reassurance", REASSURANCES)]
    )
    values: Slots = {"concept": scene.concept(0), "feeling": scene.feeling(0)}
    return strategy, joined(opener, scene.say(moves, **values), question)


def _opening_question(scene: Scene) -> str:
    return scene.say(OPENING_QUESTIONS, concept=scene.concept(0))


def exploration_beat(scene: Scene, index: int) -> Beat:
    values = figure_values(scene, index)
    answer = scene.say(ANSWERS, figures=_said_figures(scene)) if index == 1 else ""
    client = joined(answer or scene.say(FOLLOW_UP_ANSWERS, **values), feeling_line(scene, index))
    strategy, moves = scene.rng.choice(
        [("restatement_or_paraphrasing", RESTATEMENTS), ("question", QUESTIONS)]
    )
    following = phase_plan(len(scene.emotions))[index + 1]
    permission = PERMISSION.get(following, ())
    elena = joined(
        validation(scene, index),
        scene.say(moves, **values),
        scene.say(permission, **values) if permission else "",
    )
    return Beat(client, elena, "exploration", strategy)


def education_beat(scene: Scene, index: int) -> Beat:
    values = figure_values(scene, index)
    asked = phase_plan(len(scene.emotions))[index - 1] == "exploration"
    question = scene.say(CONCEPT_QUESTIONS, **values)
    question = f"{scene.say(CONSENTS)} {continued(question)}" if asked else question
    client = joined(question, feeling_line(scene, index))
    disclosing = scene.rng.random() < 0.2
    elena = joined(
        validation(scene, index),
        scene.say(DISCLOSURES, **values) if disclosing else "",
        scene.say(EXPLANATIONS, **values),
        _chunk_line(scene),
        scene.say(TIE_INS, **values),
        scene.say(CHECKS, **values),
    )
    return Beat(client, elena, "education", "self_disclosure" if disclosing else "information")


def planning_beat(scene: Scene, index: int, suggestion: str = "") -> Beat:
    values = figure_values(scene, index)
    first = phase_plan(len(scene.emotions)).index("planning") == index
    client = joined(scene.say(PLANNING_QUESTIONS, **values), feeling_line(scene, index))
    elena = joined(
        validation(scene, index),
        suggestion or scene.say(SUGGESTIONS, **values),
        scene.say(STEP_LINES) if first else scene.say(CONTINGENCIES, **values),
    )
    return Beat(client, elena, "planning", "providing_suggestions")


def resolution_beat(scene: Scene, index: int) -> Beat:
    values: Slots = {"feeling": scene.feeling(index), "concept": scene.concept(index)}
    client = scene.say(CLOSINGS, **values)
    label, value = scene.figure(0)
    values |= {"label": label, "amount": value, "when": pick(CHECK_IN_WHEN, scene.rng)}
    elena = joined(
        validation(scene, index), scene.say(RECAPS, **values), scene.say(CHECK_INS, **values)
    )
    return Beat(client, elena, "resolution", "affirmation_and_reassurance")


STANDARD_BEATS: dict[str, Callable[[Scene, int], Beat]] = {
    "opening": opening_beat,
    "exploration": exploration_beat,
    "education": education_beat,
    "planning": planning_beat,
    "resolution": resolution_beat,
}


def _said_figures(scene: Scene) -> str:
    said = [spoken_figure(label, value) for label, value in scene.figures[:6]]
    return ", ".join(said[:-1]) + f" and {said[-1]}" if len(said) > 1 else said[0]


SPOKEN_FIGURES = {
    "annual income": "I make {amount} a year",
    "savings": "I have {amount} in savings",
    "retirement savings": "{amount} in retirement accounts",
    "debt total": "{amount} of debt in total",
    "monthly expenses": "about {amount} a month goes out",
}


def spoken_figure(label: str, value: str) -> str:
    return SPOKEN_FIGURES.get(label, "my {label} is {amount}").format(label=label, amount=value)


def _chunk_line(scene: Scene) -> str:
    quote = chunk_quote(scene)
    if not quote:
        return ""
    return scene.say(CHUNK_LINES, title=scene.brief["chunk"]["document_title"], quote=quote)


def _trigger_line(scene: Scene) -> str:
    """The planner's situation is a note about the session ("first meeting; brought in by a
    bill ..."): the client tells what brought them in, in their own words; a first-person
    note is said as is."""
    situation = str((scene.brief.get("specifics") or {}).get("situation") or "")
    trigger = situation.partition("brought in by ")[2].strip().rstrip(".")
    if not trigger:
        return situation if re.match(r"(I|I'm|My|We)\b", situation) else ""
    for pattern, lines in TRIGGER_LINES.items():
        if re.search(pattern, trigger, re.I):
            lead = scene.say(TRIGGER_LEADS, fragment=True)
            return tidy(f"{lead} {scene.say(lines, fragment=True)}.")
    trigger = re.sub(r"\bElena\b", "you", re.sub(r"\bthe client\b", "me", trigger))
    return scene.say((UNKNOWN_TRIGGER,), trigger=trigger)


def _angle_line(scene: Scene) -> str:
    angle = str((scene.brief.get("specifics") or {}).get("opening_angle") or "")
    label, value = scene.figure(0)
    for pattern, lines in ANGLE_LINES.items():
        if re.search(pattern, angle, re.I):
            return scene.say(lines, label=label, amount=value, concept=scene.concept(0))
    return ""


def _trait_line(scene: Scene) -> str:
    traits = " ".join(scene.brief["persona"].get("communication_traits") or [])
    lines = [line for key, ls in TRAIT_LINES.items() if re.search(key, traits, re.I) for line in ls]
    return scene.say(lines) if lines and scene.rng.random() < 0.7 else ""


def continued(sentence: str) -> str:
    """A sentence as it reads after a semicolon: its first word in lower case, unless "I"."""
    first = sentence.split(" ", 1)[0]
    return sentence if re.match(r"I\b", first) else sentence[:1].lower() + sentence[1:]


def capitalized(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def joined(*sentences: str) -> str:
    return " ".join(s.strip() for s in sentences if s and s.strip())
