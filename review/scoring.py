"""The quality score: 0-10, explained signal by signal from the spec's manual checklist.

Each signal looks for phrases in Elena's replies (or, for the arc, the client's emotions) and
gives its points with the evidence it found, so a reviewer can see why a conversation scored
what it did. The signals' maxima sum to 10; the threshold for the qualityScore check is 7.0
(the spec's).

A phrase that is there is evidence; a phrase that is not may only be wording the lists miss.
So a signal missed costs MISSING_WEIGHT of its points, and a soft defect found (judging the
client, advice before any validation, lecturing) costs SOFT_DEFECT_PENALTY: one soft defect
takes a conversation under the threshold, missed signals alone only when most are missed.
"""

import re
from collections.abc import Callable, Mapping, Set
from typing import Any

from eidataset.emotions import canonical
from review.score_phrases import (
    ADVICE,
    ASKS_TO_KNOW,
    CHECK_IN,
    CLAUSE_START,
    CLEAR_ENDING_PHASES,
    DISTRESS,
    EXPLAINS_WHY,
    FEELINGS,
    INVITES,
    JUDGEMENT,
    LECTURE_ALONE,
    LECTURE_RUN,
    LECTURE_WORDS,
    MISSING_WEIGHT,
    NEGATED,
    NEXT_STEP,
    NORMALISING,
    NUMBER,
    OPENING_REPLIES,
    ORDINARY_FEELING,
    PERMISSION,
    QUESTION,
    QUESTION_LEAD,
    QUOTED_WORDS,
    SOFT_DEFECT_PENALTY,
    SUMMING_UP,
    VALIDATION,
    YES_OR_NO,
)

Turn = Mapping[str, Any]
Signal = dict[str, Any]

SNIPPET_LENGTH = 80

# --- reading a conversation -------------------------------------------------------------


def elena_replies(turns: list[Turn]) -> list[tuple[int, str]]:
    """Elena's replies as (turn number from 1, text)."""
    return [
        (number, str(turn.get("assistant_response") or "")) for number, turn in _numbered(turns)
    ]


def primary_emotion(turn: Turn | None) -> str:
    """The turn's primary emotion, lowercased; empty when it is missing."""
    emotional = (turn or {}).get("emotional_context") or {}
    detected = emotional.get("detected_emotions") if isinstance(emotional, Mapping) else None
    primary = detected.get("primary") if isinstance(detected, Mapping) else None
    return primary.strip().lower() if isinstance(primary, str) else ""


def arc_emotions(arc: Mapping[str, Any] | None, end: str) -> set[str]:
    """The labels that mark the arc's 'starting' or 'ending' end: the emotion and its neighbours."""
    arc = arc or {}
    names = [arc.get(f"{end}_emotion"), *(arc.get(f"{end}_neighbours") or [])]
    return {label for name in names if (label := canonical(name))}


def snippet(text: str, found: re.Match[str]) -> str:
    """The sentence around a match, cut to SNIPPET_LENGTH characters."""
    start = max(text.rfind(mark, 0, found.start()) for mark in ".!?") + 1
    ends = [at for mark in ".!?" if (at := text.find(mark, found.end())) >= 0]
    sentence = text[start : min(ends) + 1 if ends else len(text)].strip()
    if len(sentence) > SNIPPET_LENGTH:
        sentence = sentence[: SNIPPET_LENGTH - 1].rstrip() + "…"
    return f"“{sentence}”"


def first_match(pattern: re.Pattern[str], replies: list[tuple[int, str]]) -> str:
    """Evidence for the first reply that matches, or empty."""
    for number, text in replies:
        if found := pattern.search(text):
            return f"turn {number}: {snippet(text, found)}"
    return ""


def _numbered(turns: list[Turn]) -> list[tuple[int, Turn]]:
    return [
        (number, turn) for number, turn in enumerate(turns, start=1) if isinstance(turn, Mapping)
    ]


def _signal(name: str, points: float, maximum: float, evidence: str) -> Signal:
    return {"signal": name, "points": round(points, 2), "max": maximum, "evidence": evidence}


# --- the signals --------------------------------------------------------------------------


def validates_before_advice(conversation: Mapping[str, Any]) -> Signal:
    name, maximum = "validates emotions before advice", 1.5
    replies = elena_replies(_turns(conversation))[:1]
    if not replies:
        return _signal(name, 0, maximum, "no reply from Elena")
    number, text = replies[0]
    feeling, advice = VALIDATION.search(text) or FEELINGS.search(text), ADVICE.search(text)
    if feeling and (advice is None or feeling.start() < advice.start()):
        return _signal(name, maximum, maximum, f"turn {number}: {snippet(text, feeling)}")
    if advice:
        return _signal(name, 0, maximum, f"advice first, turn {number}: {snippet(text, advice)}")
    return _signal(name, 0, maximum, f"turn {number}: no feeling acknowledged")


def normalises(conversation: Mapping[str, Any]) -> Signal:
    evidence = first_match(NORMALISING, elena_replies(_turns(conversation)))
    return _signal("normalises the struggle", 1.0 if evidence else 0, 1.0, evidence or "none found")


def no_judgement(conversation: Mapping[str, Any]) -> Signal:
    replies = elena_replies(_turns(conversation))
    if not replies:
        return _signal("no judgement", 0, 1.0, "no reply from Elena")
    if evidence := judging(replies):
        return _signal("no judgement", 0, 1.0, f"judges: {evidence}")
    return _signal("no judgement", 1.0, 1.0, "no judging phrase found")


def judging(replies: list[tuple[int, str]]) -> str:
    """Evidence of the first judging phrase that is not negated in its clause, or empty."""
    for number, text in replies:
        quotes = [span.span() for span in QUOTED_WORDS.finditer(text)]
        for found in JUDGEMENT.finditer(text):
            if any(start < found.start() < end for start, end in quotes):
                continue
            starts = [mark.end() for mark in CLAUSE_START.finditer(text, 0, found.start())]
            if not NEGATED.search(text, starts[-1] if starts else 0, found.start()):
                return f"turn {number}: {snippet(text, found)}"
    return ""


def specific_numbers(conversation: Mapping[str, Any]) -> Signal:
    name, maximum = "specific numbers", 1.0
    found = [
        (number, figure.group(0))
        for number, text in elena_replies(_turns(conversation))
        for figure in NUMBER.finditer(text)
    ]
    figures = list(dict.fromkeys(figure for _, figure in found))
    if not figures:
        return _signal(name, 0, maximum, "no figures in Elena's replies")
    points = maximum if len(figures) >= 2 else maximum / 2
    return _signal(name, points, maximum, f"turn {found[0][0]}: {', '.join(figures[:4])}")


def actionable_next_step(conversation: Mapping[str, Any]) -> Signal:
    replies = elena_replies(_turns(conversation))
    evidence = first_match(NEXT_STEP, replies[len(replies) // 2 :])
    points = 1.5 if evidence else 0
    return _signal("actionable next step", points, 1.5, evidence or "none in the second half")


def explains_why(conversation: Mapping[str, Any]) -> Signal:
    evidence = first_match(EXPLAINS_WHY, elena_replies(_turns(conversation)))
    return _signal("explains why", 1.0 if evidence else 0, 1.0, evidence or "none found")


def asks_permission(conversation: Mapping[str, Any]) -> Signal:
    """Full points when Elena asks before the first education turn (or there is none)."""
    name, maximum = "asks permission before educating", 1.0
    turns = _turns(conversation)
    phases = [turn.get("conversation_phase") for _, turn in _numbered(turns)]
    lesson = phases.index("education") if "education" in phases else len(phases)
    replies = elena_replies(turns)
    if evidence := first_match(PERMISSION, replies[:lesson]):
        return _signal(name, maximum, maximum, evidence)
    if evidence := first_match(PERMISSION, replies[lesson:]):
        return _signal(name, maximum / 2, maximum, f"only after teaching, {evidence}")
    return _signal(name, 0, maximum, "none found")


def clear_ending(conversation: Mapping[str, Any]) -> Signal:
    name, maximum = "clear ending", 1.0
    numbered = _numbered(_turns(conversation))
    if not numbered:
        return _signal(name, 0, maximum, "no turns")
    number, last = numbered[-1]
    phase = last.get("conversation_phase")
    if phase in CLEAR_ENDING_PHASES:
        return _signal(name, maximum, maximum, f"turn {number}: ends in {phase}")
    text = str(last.get("assistant_response") or "")
    if found := SUMMING_UP.search(text):
        return _signal(name, maximum, maximum, f"turn {number}: {snippet(text, found)}")
    return _signal(name, 0, maximum, f"turn {number}: ends in {phase or 'no phase'}, no summary")


def arc_reached(conversation: Mapping[str, Any]) -> Signal:
    """The last turn's label is the arc's end or a neighbour; a free word maps through the
    vocabulary's synonyms, and one that maps to nothing is not counted against the conversation."""
    name, maximum = "arc reached", 1.0
    numbered = _numbered(_turns(conversation))
    last = primary_emotion(numbered[-1][1]) if numbered else ""
    ending = arc_emotions(conversation.get("arc"), "ending")
    label = canonical(last)
    if label and label in ending:
        return _signal(name, maximum, maximum, f"turn {numbered[-1][0]}: ends in {last}")
    if last and label is None:
        return _signal(name, maximum, maximum, f"ends in {last!r}, not in the emotion vocabulary")
    expected = " or ".join(sorted(ending)) or "no ending emotion given"
    return _signal(name, 0, maximum, f"ends in {last or 'no emotion'}, expected {expected}")


SIGNALS: tuple[Callable[[Mapping[str, Any]], Signal], ...] = (
    validates_before_advice,
    normalises,
    no_judgement,
    specific_numbers,
    actionable_next_step,
    explains_why,
    asks_permission,
    clear_ending,
    arc_reached,
)


# --- soft defects ---------------------------------------------------------------------------


def no_validation(replies: list[tuple[int, str]], feeling_named: str = "") -> str:
    """Elena informs or advises through the opening exchange (OPENING_REPLIES replies that say
    more than a short question) without acknowledging any feeling; or, when the client's first
    message names a feeling (`feeling_named`), her first reply goes past it to advice or
    information. Evidence or empty."""
    unacknowledged: list[tuple[int, str]] = []
    for number, text in replies:
        if VALIDATION.search(text) or FEELINGS.search(text) or ORDINARY_FEELING.search(text):
            return ""
        if not _ends_asking(text):
            unacknowledged.append((number, text))
        if len(unacknowledged) == OPENING_REPLIES or (feeling_named and unacknowledged):
            number, text = unacknowledged[0]
            passed_over = f" (the client said {feeling_named!r})" if feeling_named else ""
            return f"turn {number}: “{text[: SNIPPET_LENGTH - 1].strip()}…”{passed_over}"
    return ""


def _feeling_named_first(turns: list[Turn]) -> str:
    """The feeling the client names in their first message, if Elena answers it there."""
    numbered = _numbered(turns)
    if not numbered or numbered[0][0] != 1:
        return ""
    first = said_by_client(numbered[0][1])
    found = FEELINGS.search(first) or DISTRESS.search(first)
    return found.group(0) if found else ""


def _ends_asking(text: str) -> bool:
    """The reply ends by asking the client something (their view, their numbers, whether
    they want to go on), not only whether an explanation landed: it explores, it does not
    go straight to advice."""
    last = re.split(r"(?<=[.!?])\s+", text.strip())[-1] if text.strip() else ""
    return last.endswith("?") and not CHECK_IN.search(last)


def lecturing(replies: list[tuple[int, str]], asked_for: Set[int] = frozenset()) -> str:
    """Long explanations that ask nothing: one before Elena has asked the client anything (or
    asked to explain), one of LECTURE_ALONE words or more anywhere, or LECTURE_RUN in a row
    later on. A reply in a turn `asked_for` (the client asked an open question or for an
    explanation) answers it: it is no lecture unless LECTURE_ALONE long. Evidence or empty."""
    run: list[str] = []
    asked = False
    for number, text in replies:
        words = len(text.split())
        asks = "?" in CHECK_IN.sub("", text) or bool(INVITES.search(text))
        long_and_telling = words >= LECTURE_WORDS and not asks and not PERMISSION.search(text)
        if long_and_telling and words >= LECTURE_ALONE:
            return ", ".join([*run, f"turn {number} ({words} words, no question)"])
        if long_and_telling and number not in asked_for:
            run.append(f"turn {number} ({words} words, no question)")
            # Before Elena has asked anything, a long reply lectures unless it takes in the
            # client's feelings first (then it is a first answer, not a lesson).
            if (not asked and not _acknowledges(text)) or len(run) >= LECTURE_RUN:
                return ", ".join(run)
        else:
            asked = asked or asks or bool(PERMISSION.search(text)) or number in asked_for
            run = []
    return ""


def _acknowledges(text: str) -> bool:
    return bool(VALIDATION.search(text) or FEELINGS.search(text) or ORDINARY_FEELING.search(text))


def client_asks(turns: list[Turn]) -> set[int]:
    """The turns whose client message asks an open question or asks to be told something."""
    return {
        number
        for number, turn in _numbered(turns)
        if ASKS_TO_KNOW.search(said_by_client(turn)) or _open_question(said_by_client(turn))
    }


def _open_question(text: str) -> bool:
    return any(
        not YES_OR_NO.match(question[QUESTION_LEAD.match(question).end() :])  # type: ignore[union-attr]
        for question in QUESTION.findall(text)
    )


def said_by_client(turn: Turn) -> str:
    return str(turn.get("user_input") or "") if isinstance(turn, Mapping) else ""


def soft_defects(conversation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """[{"defect", "kind", "points", "evidence"}] for judging, advice before validation,
    lecturing; `kind` is the defect's name in the labelled set and the judge's verdict."""
    turns = _turns(conversation)
    replies = elena_replies(turns)
    found = {
        ("judges or shames the client", "judgement"): judging(replies),
        ("gives advice before any validation", "no_validation"): no_validation(
            replies, _feeling_named_first(turns)
        ),
        ("lectures without asking permission", "lecturing"): lecturing(replies, client_asks(turns)),
    }
    return [
        {"defect": name, "kind": kind, "points": -SOFT_DEFECT_PENALTY, "evidence": evidence}
        for (name, kind), evidence in found.items()
        if evidence
    ]


def quality_score(conversation: Mapping[str, Any]) -> dict[str, Any]:
    """{"value": 0-10, "breakdown": [{"signal", "points", "max", "evidence"}],
    "penalties": [{"defect", "points", "evidence"}]}: 10, less MISSING_WEIGHT of the points
    each signal missed and the soft defects' penalties, never under 0 (0 without turns)."""
    breakdown = [signal(conversation) for signal in SIGNALS]
    penalties = soft_defects(conversation)
    missing = sum(item["max"] - item["points"] for item in breakdown)
    points = 10 - MISSING_WEIGHT * missing + sum(p["points"] for p in penalties)
    if not _turns(conversation):
        points = 0.0
    return {"value": round(max(points, 0.0), 1), "breakdown": breakdown, "penalties": penalties}


def _turns(conversation: Mapping[str, Any]) -> list[Turn]:
    turns = conversation.get("turns")
    return turns if isinstance(turns, list) else []
