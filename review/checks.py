"""The automated checks every conversation gets as it completes: the spec's six and its edge case's.

`validate_conversation` returns the spec's ValidationResult as plain JSON: every check has
the same keys in every result plus a `reason` a person can read. Warnings flag a conversation
for review; errors fail it. `passed` is no errors and every check passed, as the spec says.
"""

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from eidataset.emotions import canonical
from eidataset.rules import evaluate_rules, rule_errors
from generation.schema import MAX_TURNS, MIN_TURNS
from review.conduct import empty_replies, product_recommendation, role_break
from review.facts import address_changes, fact_changes
from review.harmful_advice import harmful_advice
from review.judge_defects import judge_defects
from review.judge_score import with_judge
from review.labelled import JUDGE_CHECK
from review.scoring import arc_emotions, primary_emotion, quality_score

Turn = Mapping[str, Any]
Check = dict[str, Any]

QUALITY_THRESHOLD = 7.0  # the spec's Check 6
WARNING, ERROR = "warning", "error"
SEVERITY = {
    "turnCount": WARNING,
    "emotionalProgression": WARNING,
    "harmfulContent": ERROR,
    "metadataCompleteness": ERROR,
    "personaConsistency": WARNING,
    "qualityScore": WARNING,
    "edgeCaseRules": ERROR,
    "productRecommendation": ERROR,
    "roleBreak": ERROR,
    "emptyReplies": ERROR,
    "factChanges": ERROR,
    JUDGE_CHECK: ERROR,
}
SPEAKERS = (("client", "user_input"), ("Elena", "assistant_response"))

# Money staked on a game: "put this month's rent on the Kings game", "chuck it on the footy".
STAKED = (
    r"\b(?:put|putting|chuck|chucking|throw|throwing|stake|staking|bet|betting)\b[^.!?]{0,40}"
    r"\bon (?:the |a |this |that |tonight[’']s |Sunday[’']s )?(?:[A-Z]\w+ )?(?:game|match|race"
    r"|fight|footy|ponies|horses|playoffs?)\b"
)
# A bet: the games and the places, not "best bet" or "I bet you're tired".
GAMBLE = (
    r"\bparlays?\b|\bsportsbooks?\b|\bcasinos?\b|\bslot machines?\b|\bslots\b|\bpoker\b"
    r"|\bblackjack\b|\broulette\b|\bDraftKings\b|\bFanDuel\b|\bscratch[- ]?offs?\b"
    r"|\b(?:placed?|put|made|make|lost|losing) (?:a |another |one more |the |that )?bets?\b"
    r"|\bbet (?:it |all |half |some )?(?:\$|on\b)|\bsports ?bet\w*|\bgambl\w*|\bwager\w*"
    rf"|{STAKED}"
)
GAMBLE_REACH = 120  # characters between the bet and the rent in one speaker's words
# The spec's four patterns first, then signs of danger a financial conversation can carry.
HARMFUL_PATTERNS: dict[str, str] = {
    "suicide": r"\bsuicid\w*",
    "self-harm": r"\bself[- ]harm\w*|\b(?:cut|cutting|hurt|hurting|harm|harming) myself\b",
    "kill myself/yourself": r"\bkill(?:ing)? (?:myself|yourself)\b",
    "end my/your life": r"\bend(?:ing)? (?:my|your) (?:own )?life\b|\btake my (?:own )?life\b",
    "overdose": r"\boverdos\w*|\b(?:took|take|taking|swallow\w*) all (?:of )?(?:my|the) pills\b",
    "better off without me": r"\bbetter off (?:without me|with(?: my)?(?: life)? insurance)"
    r"|\bworth more dead\b|\bbetter off if I (?:just )?(?:wasn[’']t|weren[’']t|was not|were not"
    r"|was gone|were gone|died)\b"
    r"|\bif I (?:just )?(?:wasn[’']t|weren[’']t) (?:here|around|alive)\b",
    "no reason to live": r"\bno (?:reason|point) (?:to|in) (?:live|living|go(?:ing)? on)\b"
    r"|\b(?:don[’']t|do not) want to (?:live|be alive|be here anymore|wake up)\b"
    r"|\b(?:go to sleep|fall asleep) and (?:not|never) wake up\b"
    r"|\b(?:want(?:ed)? to|could just) disappear (?:forever|for good)\b",
    "hurting others": r"(?<!n[’']t )(?<!not )\b(?:want(?:ed)? to|going to|gonna) (?:kill|hurt|harm"
    r"|shoot|stab) (?:him|her|them|someone|somebody|people|my (?:wife|husband|partner|boss|ex))\b"
    # "I could kill him" and "I'd kill him" are exasperation, not a plan.
    r"|(?<!could )(?<!could just )(?<!’d )(?<!'d )(?<!'d just )\b(?:kill|shoot|stab) (?:him|her"
    r"|them|someone|somebody|my (?:wife|husband|boss|ex))\b",
    "gambling the rent": r"(?=\b(?:put|putting|chuck\w*|throw\w*|stak\w*|bet\w*)\b[^.!?]{0,30}"
    r"\b(?:rent|mortgage|paycheck)\b)"
    + STAKED
    + rf"|\b(?:rent|mortgage|paycheck)\b[^\n]{{0,{GAMBLE_REACH}}}?(?:{GAMBLE})"
    rf"|(?:{GAMBLE})[^\n]{{0,{GAMBLE_REACH}}}?\b(?:rent|mortgage|paycheck)\b"
    r"|\b(?:betting|gambl\w*|wager\w*)\b[^.!?]{0,40}"
    r"\b(?:rent|mortgage|paycheck)\b"
    r"|\b(?:rent|mortgage|paycheck)\b[^.!?]{0,40}\b(?:betting|gambl\w*|casino|sportsbook)"
    r"|\bbet (?:all of )?(?:the|my|our) (?:rent|mortgage|paycheck)(?: money)? on\b"
    r"|\bwin (?:it|the rent) back\b",
}
_HARMFUL = {
    label: re.compile(pattern, re.IGNORECASE) for label, pattern in HARMFUL_PATTERNS.items()
}
# Naming the crisis line is a referral, not harmful content.
LIFELINE = re.compile(r"\b(?:988 )?Suicide (?:&|and) Crisis Lifeline\b", re.IGNORECASE)
QUOTE_WORDS = 5  # a run this long shared with the scenario's document is a quotation from it

REQUIRED_METADATA = ("persona_id", "emotional_arc_id", "training_topic_id")
REQUIRED_TURN_TEXT = ("user_input", "assistant_response", "conversation_phase", "session_context")
TIERS = ("template", "scenario", "edge_case")

# --- small readers -----------------------------------------------------------------------


def _turns(conversation: Mapping[str, Any]) -> list[Turn]:
    turns = conversation.get("turns")
    return [turn if isinstance(turn, Mapping) else {} for turn in turns or []]


def _said(turn: Turn, key: str) -> str:
    return str(turn.get(key) or "")


def _check(passed: bool, reason: str, **figures: Any) -> Check:
    return {"passed": passed, **figures, "reason": reason}


# --- the checks: each returns the check and its messages (warnings or errors) -------------


def turn_count(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    count = len(_turns(conversation))
    passed = MIN_TURNS <= count <= MAX_TURNS
    reason = f"{count} turns, expected {MIN_TURNS}-{MAX_TURNS}"
    check = _check(passed, reason, value=count, min=MIN_TURNS, max=MAX_TURNS)
    return check, [] if passed else [f"Turn count {count} outside expected range [4-10]"]


def emotional_progression(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """The first and last labels against the arc's ends (or their neighbours), exactly.

    A free word (a conversation from a file, an old one) maps through the vocabulary's
    synonyms; a word that maps to nothing is reported and never fails the check by itself.
    """
    turns = _turns(conversation)
    first = primary_emotion(turns[0]) if turns else ""
    last = primary_emotion(turns[-1]) if turns else ""
    start, end = (arc_emotions(conversation.get("arc"), side) for side in ("starting", "ending"))
    labels = {"first": canonical(first), "last": canonical(last)}
    unknown = [word for word in (first, last) if word and not canonical(word)]
    detected = bool(first and last)
    moved = not (labels["first"] and labels["last"]) or labels["first"] != labels["last"]
    arc_match = detected and all(
        label is None or label in side
        for label, side in ((labels["first"], start), (labels["last"], end))
    )
    messages = [
        f"Emotion {word!r} is not in the emotion vocabulary and maps to none of its labels"
        for word in dict.fromkeys(unknown)
    ]
    if not detected:
        messages.append("No primary emotion at the first or last turn")
    elif not moved:
        messages.append(f"Emotion does not move: {first!r} at the first and last turn")
    if detected and not arc_match:
        arc_name = (conversation.get("arc") or {}).get("name") or "the arc"
        messages.append(
            f"Emotions {first!r} → {last!r} do not match {arc_name} "
            f"(starts {' / '.join(sorted(start)) or '?'}; ends {' / '.join(sorted(end)) or '?'})"
        )
    passed = detected and moved and arc_match
    reason = "; ".join(messages) or f"{first} → {last} follows the arc"
    figures = {
        "detected": detected,
        "arcMatch": arc_match,
        "first": first,
        "last": last,
        "unknownLabels": list(dict.fromkeys(unknown)),
    }
    return _check(passed, reason, **figures), messages


def harmful_content(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """Signs of danger in either speaker's words (allowed in the edge-case tier), and harmful
    advice from Elena (never allowed); the crisis line's name and what Elena quotes from the
    scenario's document (its chunk) do not count."""
    document = _word_runs(str((conversation.get("chunk") or {}).get("text") or ""))
    turns = list(enumerate(_turns(conversation), start=1))
    flagged = [
        f"Turn {number} ({speaker}): {label} ({found.group(0)!r})"
        for number, turn in turns
        for speaker, key in SPEAKERS
        for label, pattern in _HARMFUL.items()
        if (found := _harmful(pattern, _said(turn, key), document if speaker == "Elena" else set()))
    ]
    advice = [
        f"Turn {number} (Elena): {label} ({words!r})"
        for number, turn in turns
        for label, words in harmful_advice(_said(turn, "assistant_response"))
        if not (_word_runs(words) & document)
    ]
    allowed = conversation.get("tier") == "edge_case"
    passed = not advice and (not flagged or allowed)
    if not flagged and not advice:
        reason = "no harmful content found"
    elif passed:
        reason = f"{len(flagged)} flag(s), allowed in an edge-case conversation"
    elif advice:
        reason = f"{len(advice)} piece(s) of harmful advice from Elena"
    else:
        reason = f"{len(flagged)} flag(s) outside the edge-case tier"
    harmful = advice + ([] if allowed else flagged)
    messages = [] if passed else [f"Harmful content detected: {', '.join(harmful)}"]
    return _check(passed, reason, flagged=flagged + advice), messages


def _harmful(
    pattern: re.Pattern[str], text: str, document: set[tuple[str, ...]]
) -> re.Match[str] | None:
    text = LIFELINE.sub("the crisis line", text)
    for found in pattern.finditer(text):
        sentence = re.split(r"(?<=[.!?])\s+", text[: found.end()])[-1] + text[found.end() :]
        if not document or not (_word_runs(sentence.split(".")[0]) & document):
            return found
    return None


def _word_runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[at : at + QUOTE_WORDS]) for at in range(len(words) - QUOTE_WORDS + 1)}


def metadata_completeness(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    missing = [field for field in REQUIRED_METADATA if not conversation.get(field)]
    tier = conversation.get("tier")
    if tier not in TIERS:
        missing.append("tier")
    if tier == "edge_case" and not conversation.get("edge_case"):
        missing.append("edge_case")
    turns = conversation.get("turns")
    if not isinstance(turns, list) or not turns:
        missing.append("turns")
    for number, turn in enumerate(_turns(conversation), start=1):
        missing += [f"turn {number}.{field}" for field in missing_turn_fields(turn)]
    passed = not missing
    reason = "all metadata present" if passed else f"missing {', '.join(missing)}"
    return _check(passed, reason, missing=missing), [] if passed else [
        f"Missing metadata: {', '.join(missing)}"
    ]


def missing_turn_fields(turn: Turn) -> list[str]:
    """The turn fields (from generation.schema) that are absent or empty."""
    missing = [key for key in REQUIRED_TURN_TEXT if not _said(turn, key).strip()]
    emotional = turn.get("emotional_context")
    emotional = emotional if isinstance(emotional, Mapping) else {}
    if not emotional.get("response_strategy"):
        missing.append("emotional_context.response_strategy")
    detected = emotional.get("detected_emotions")
    detected = detected if isinstance(detected, Mapping) else {}
    if not primary_emotion(turn):
        missing.append("emotional_context.detected_emotions.primary")
    intensity = detected.get("intensity")
    if isinstance(intensity, bool) or not isinstance(intensity, int | float):
        missing.append("emotional_context.detected_emotions.intensity")
    if "secondary" not in detected:
        missing.append("emotional_context.detected_emotions.secondary")
    return missing


def persona_consistency(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    """Elena calls the client by a name that is not theirs (the client's own statements are
    factChanges, Elena's own name is roleBreak)."""
    details = address_changes(conversation.get("persona") or {}, _turns(conversation))
    passed = not details
    reason = "the client and Elena stay themselves" if passed else "; ".join(details)
    check = _check(passed, reason, switches=len(details), details=details)
    return check, [f"Persona switch: {detail}" for detail in details]


def quality_check(score: Mapping[str, Any], threshold: float) -> tuple[Check, list[str]]:
    value = float(score["value"])
    passed = value >= threshold
    reason = f"score {value} {'meets' if passed else 'is below'} threshold {threshold}"
    messages = [] if passed else [f"Quality score {value} below threshold {threshold}"]
    messages += [
        f"Soft defect: {item['defect']}, {item['evidence']} ({item['points']:+g} points)"
        for item in score.get("penalties") or []
    ]
    return _check(passed, reason, value=value, threshold=threshold), messages


def edge_case_rules(conversation: Mapping[str, Any]) -> tuple[Check, list[str]]:
    edge_case = conversation.get("edge_case") or {}
    rules = edge_case.get("rules") or []
    if not rules:
        return _check(True, "no edge case rules apply", outcomes=[]), []
    verdicts = [rule_outcome(rule, _turns(conversation)) for rule in rules]
    outcomes = [outcome for outcome, _ in verdicts]
    failed = [
        f"Edge case rule failed: {why}: {o['detail']}" for o, why in verdicts if not o["passed"]
    ]
    name = edge_case.get("name") or edge_case.get("edge_case_key") or "edge case"
    reason = f"{len(outcomes) - len(failed)} of {len(outcomes)} rules of {name} hold"
    return _check(not failed, reason, outcomes=outcomes), failed


def rule_outcome(rule: Any, turns: list[Turn]) -> tuple[dict[str, Any], str]:
    """One rule's outcome and why it exists; a malformed rule fails with its problems."""
    text = json.dumps(rule, ensure_ascii=False, sort_keys=True, default=str)
    if problems := rule_errors(rule):
        return {"rule": text, "passed": False, "detail": "; ".join(problems)}, text
    (outcome,) = evaluate_rules([rule], turns)
    outcome_data = {"rule": text, "passed": outcome.passed, "detail": outcome.detail}
    return outcome_data, str(rule.get("why") or text)


CHECKS: dict[str, Callable[[Mapping[str, Any]], tuple[Check, list[str]]]] = {
    "turnCount": turn_count,
    "emotionalProgression": emotional_progression,
    "harmfulContent": harmful_content,
    "metadataCompleteness": metadata_completeness,
    "personaConsistency": persona_consistency,
    "productRecommendation": product_recommendation,
    "roleBreak": role_break,
    "emptyReplies": empty_replies,
    "factChanges": fact_changes,
}


def validate_conversation(
    conversation: Mapping[str, Any],
    threshold: float = QUALITY_THRESHOLD,
    judge_fails: bool = True,
) -> dict[str, Any]:
    """The spec's ValidationResult for one conversation, as JSON-ready data. A model's verdict
    under "judge" (not a heuristic one) feeds the score (review/judge_score.py), and its
    flags the warnings or, a hard defect it quotes from the text with `judge_fails`, the
    errors through judgeDefects (review/judge_defects.py)."""
    judge = conversation.get("judge")
    counted = None if not judge or judge.get("heuristic") else judge
    score = with_judge(quality_score(conversation), counted, _turns(conversation))
    results = {name: check(conversation) for name, check in CHECKS.items()}
    results["qualityScore"] = quality_check(score, threshold)
    results["edgeCaseRules"] = edge_case_rules(conversation)
    judged, judge_errors, judge_warnings = judge_defects(conversation, fails=judge_fails)
    results[JUDGE_CHECK] = (judged, judge_errors)
    warnings = [
        m for name, (_, found) in results.items() if SEVERITY[name] == WARNING for m in found
    ]
    errors = [m for name, (_, found) in results.items() if SEVERITY[name] == ERROR for m in found]
    warnings += judge_warnings
    checks = {name: check for name, (check, _) in results.items()}
    return {
        "passed": not errors and all(check["passed"] for check in checks.values()),
        "conversationId": str(conversation.get("id") or ""),
        "checks": checks,
        "warnings": warnings,
        "errors": errors,
        "score": score,
    }
