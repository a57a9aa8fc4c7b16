"""The emulator's answer to a judge request: a heuristic verdict that says it is one.

A request is a judge request when its output schema asks for a "checklist" and "defects"
(as the real API, the emulator answers whatever schema it is sent; it has no other sign).
The verdict reads the conversation between the prompt's <conversation> tags with the
project's deterministic checks and quality signals, maps them onto the checklist items and
defect kinds the schema names, and marks every reason "Heuristic". Items no cue covers pass
with a reason saying so. Nothing here is a model's reading: such verdicts never feed the
quality score (review/judging.py).
"""

import json
import re
from collections.abc import Mapping
from typing import Any

SUMMARY = (
    "Heuristic verdict from the offline emulator: the deterministic checks' cues mapped onto "
    "the checklist, not a model's reading."
)
NOT_COVERED = "Heuristic: no cue covers this item; assumed to hold."
PRAISE = re.compile(
    r"\b(?:proud|well done|great (?:job|work|step|start|question)|progress|a real win"
    r"|good news|that[’']s a (?:big|real|great) (?:step|deal)|celebrat\w*|you did)\b",
    re.IGNORECASE,
)
QUOTED = re.compile(r"“([^”]*)”")
# The words a check's reason quotes ('...' as Python shows them, or “...”).
SPAN = re.compile(r"“([^”]+)”|(?<![\w])'([^']+)'(?![\w])|(?<![\w])\"([^\"]+)\"")
# Signal names of review/scoring.py that decide a checklist item.
SIGNAL_ITEMS = {
    "validates_before_advice": "validates emotions before advice",
    "normalizes_struggles": "normalises the struggle",
    "avoids_judgment": "no judgement",
    "specific_numbers": "specific numbers",
    "actionable_next_steps": "actionable next step",
    "explains_why": "explains why",
    "asks_permission": "asks permission before educating",
    "clear_ending": "clear ending",
}
# Checks of review/checks.py that decide a checklist item (all must pass).
CHECK_ITEMS = {
    "tailored_to_persona": ("personaConsistency", "factChanges"),
    "persona_matches": ("personaConsistency", "factChanges"),
    "realistic_turn_taking": ("turnCount", "emptyReplies"),
    "warm_professional": ("roleBreak",),
}
CHECK_DEFECTS = {
    "turn_count": "turnCount",
    "harmful_content": "harmfulContent",
    "product_recommendation": "productRecommendation",
    "fact_change": "factChanges",
    "role_break": "roleBreak",
    "empty_reply": "emptyReplies",
}
PENALTY_DEFECTS = {
    "judgement": "judges or shames the client",
    "no_validation": "gives advice before any validation",
    "lecturing": "lectures without asking permission",
}
EDGE_DEFECTS = {
    "crisis_referral": "crisis_detection",
    "multi_issue_one_goal": "multi_issue_complexity",
    "referral_never_refers": "scope_boundary",
}


class NotAJudgeRequest(ValueError):
    """The prompt carries no conversation the heuristics can read."""


def is_judge_request(body: Mapping[str, Any]) -> bool:
    schema = ((body.get("output_config") or {}).get("format") or {}).get("schema") or {}
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return isinstance(properties, Mapping) and {"checklist", "defects"} <= set(properties)


def conversation_in(prompt: str) -> dict[str, Any]:
    found = re.search(r"<conversation>\s*(.*?)\s*</conversation>", prompt, re.DOTALL)
    if found is None:
        raise NotAJudgeRequest("no <conversation> block in the prompt")
    try:
        conversation = json.loads(found.group(1))
    except ValueError as error:
        raise NotAJudgeRequest(f"the <conversation> block is not JSON: {error}") from None
    if not isinstance(conversation, dict) or not isinstance(conversation.get("turns"), list):
        raise NotAJudgeRequest("the <conversation> block has no turns")
    return conversation


def judge_document(prompt: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """The verdict for the conversation in `prompt`, shaped as `schema` asks."""
    from review.checks import validate_conversation  # the project's checks, lazily: no cycle

    conversation = conversation_in(prompt)
    result = validate_conversation(conversation)
    properties = schema["properties"]
    checklist = {
        category: {item: _item(item, conversation, result) for item in spec["properties"]}
        for category, spec in properties["checklist"]["properties"].items()
    }
    defects = {
        kind: _defect(kind, conversation, result) for kind in properties["defects"]["properties"]
    }
    return {"checklist": checklist, "defects": defects, "summary": SUMMARY}


def _item(item: str, conversation: Mapping[str, Any], result: Mapping[str, Any]) -> dict:
    signals = {signal["signal"]: signal for signal in result["score"]["breakdown"]}
    checks = result["checks"]
    if item in SIGNAL_ITEMS:
        signal = signals[SIGNAL_ITEMS[item]]
        return _verdict(signal["points"] >= signal["max"], signal["evidence"])
    if item in CHECK_ITEMS:
        failing = [checks[name] for name in CHECK_ITEMS[item] if not checks[name]["passed"]]
        reason = failing[0]["reason"] if failing else "the checks behind it pass"
        return _verdict(not failing, reason)
    if item == "arc_matches":
        progression = checks["emotionalProgression"]
        return _verdict(bool(progression["arcMatch"]), progression["reason"])
    if item == "never_condescending":
        return _verdict(signals["no judgement"]["points"] > 0, signals["no judgement"]["evidence"])
    if item == "celebrates_progress":
        replies = [str(turn.get("assistant_response") or "") for turn in conversation["turns"]]
        found = next((m for text in replies if (m := PRAISE.search(text))), None)
        return _verdict(found is not None, found.group(0) if found else "no praise found")
    return {"passed": True, "quote": "", "reason": NOT_COVERED}


def _defect(kind: str, conversation: Mapping[str, Any], result: Mapping[str, Any]) -> dict:
    checks = result["checks"]
    evidence = ""
    if kind in CHECK_DEFECTS and not checks[CHECK_DEFECTS[kind]]["passed"]:
        evidence = checks[CHECK_DEFECTS[kind]]["reason"]
    elif kind in PENALTY_DEFECTS:
        penalties = {p["defect"]: p["evidence"] for p in result["score"]["penalties"]}
        evidence = penalties.get(PENALTY_DEFECTS[kind], "")
    elif kind in EDGE_DEFECTS:
        edge_case = conversation.get("edge_case") or {}
        rules = checks["edgeCaseRules"]
        if edge_case.get("edge_case_type") == EDGE_DEFECTS[kind] and not rules["passed"]:
            evidence = rules["reason"]
    elif kind in ("no_emotional_movement", "wrong_arc"):
        progression = checks["emotionalProgression"]
        still = progression["detected"] and progression["first"] == progression["last"]
        if kind == "no_emotional_movement" and still:
            evidence = progression["reason"]
        if kind == "wrong_arc" and not still and not progression["arcMatch"]:
            evidence = progression["reason"]
    quoted = SPAN.search(evidence)
    return {
        "flagged": bool(evidence),
        "quote": next(g for g in quoted.groups() if g) if quoted else "",
        "evidence": f"Heuristic: {evidence}" if evidence else "",
    }


def _verdict(passed: bool, evidence: str) -> dict[str, Any]:
    """The item with the evidence's quoted sentence as its quote; the reason is the rest (the
    turn, or the check's reason), as the schema asks: not the quote again."""
    quoted = QUOTED.search(evidence)
    reason = QUOTED.sub("", evidence).strip(" :,") if quoted else evidence
    return {
        "passed": passed,
        "quote": quoted.group(1) if quoted else "",
        "reason": f"Heuristic: {reason}" if reason else "Heuristic.",
    }
