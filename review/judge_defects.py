"""The judge's hard-defect flags as failures, when its own quote grounds them in the text.

A model's verdict (never a heuristic one) that flags a hard defect kind (the keys of
review.labelled.HARD_DEFECTS) with a quote found in the conversation's turns fails the
conversation through the check `judgeDefects` (severity error), its reason naming each kind,
quote and turn. A flag whose quote is not found stays a warning that says so: a judge cannot
fail a conversation on words it made up. Quotes are compared case-insensitively after
whitespace, curly and straight quotation marks and dashes are normalised; "..." in a quote
stands for words left out (each part is then found, in order, in the same turn). A verdict
stored before defects carried a `quote` is grounded by a span in quotation marks inside its
`evidence`. JUDGE_FAILS_ON_DEFECTS=false makes grounded flags warnings again.

The arc defects (no_emotional_movement, wrong_arc) are left out: their evidence is the turns'
emotion labels, which emotionalProgression reads exactly, not a span of what anyone said.
Soft defects stay score penalties (review/judge_score.py) and warnings.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from review.judge_prompt import DEFECTS
from review.labelled import HARD_DEFECTS

HARD_KINDS: tuple[str, ...] = tuple(HARD_DEFECTS)
SPEAKERS = (("client", "user_input"), ("Elena", "assistant_response"))
_SAME = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
        "…": "...",
        "\u00a0": " ",
    }
)
_EDGES = " \t\n\"'.,;:!?-()[]"
_GAP = re.compile(r"\s*\.{3,}\s*")
# Spans in quotation marks inside an older verdict's evidence (a lone apostrophe is not one).
_QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"|‘([^’]+)’|(?<![\w])'([^']+)'(?![\w])")
_WORD = re.compile(r"\w")

Check = dict[str, Any]


@dataclass(frozen=True)
class Found:
    turn: int
    speaker: str


def normalised(text: str) -> str:
    """Lower case, one kind of quotation mark and dash, single spaces (none around a dash)."""
    text = " ".join(str(text).translate(_SAME).lower().split())
    return re.sub(r"\s*-+\s*", "-", text)


def find_quote(quote: str, turns: list[Any]) -> Found | None:
    """The turn and speaker whose words hold the quote, or None."""
    parts = [part.strip(_EDGES) for part in _GAP.split(normalised(quote))]
    parts = [part for part in parts if _WORD.search(part)]
    if not parts:
        return None
    pattern = re.compile(".*?".join(_bounded(part) for part in parts), re.DOTALL)
    for number, turn in enumerate(turns, start=1):
        for speaker, key in SPEAKERS:
            said = turn.get(key) if isinstance(turn, Mapping) else None
            if said and pattern.search(normalised(str(said))):
                return Found(number, speaker)
    return None


def _bounded(part: str) -> str:
    """The part as a pattern that starts and ends at word edges where it starts or ends with
    a word character ("36" is not found in "1936")."""
    start = r"(?<!\w)" if _WORD.match(part[0]) else ""
    end = r"(?!\w)" if _WORD.match(part[-1]) else ""
    return start + re.escape(part) + end


def grounded(flag: Mapping[str, Any], turns: list[Any]) -> tuple[str, Found | None]:
    """The flag's quote and where it is in the turns (None: not found). A flag without a
    `quote` field (an older verdict) offers the quoted spans of its evidence, the longest
    (the most specific) first."""
    if "quote" in flag:
        quote = str(flag.get("quote") or "")
        return quote, find_quote(quote, turns)
    spans = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(str(flag.get("evidence")))]
    spans.sort(key=len, reverse=True)
    for span in spans:
        if (where := find_quote(span, turns)) is not None:
            return span, where
    return (spans[0] if spans else ""), None


def judge_defects(
    conversation: Mapping[str, Any], fails: bool = True
) -> tuple[Check, list[str], list[str]]:
    """The check `judgeDefects`, its errors and the judge's warnings, from the verdict under
    the conversation's "judge" key (None: not judged, or not yet)."""
    verdict = conversation.get("judge")
    if not verdict:
        return _check(True, "none", [], "no judge verdict: the checks above decide alone"), [], []
    if verdict.get("heuristic"):
        reason = "the judge's verdict is heuristic (the offline emulator's cues) and never counts"
        return _check(True, "heuristic", [], reason), [], []
    turns = list(conversation.get("turns") or [])
    flags: list[dict[str, Any]] = []
    errors: list[str] = []
    warnings: list[str] = []
    for kind, found in (verdict.get("defects") or {}).items():
        if kind not in DEFECTS or not isinstance(found, Mapping) or not found.get("flagged"):
            continue
        evidence = str(found.get("evidence") or "") or "no evidence given"
        if kind not in HARD_KINDS:
            warnings.append(f"The judge flags {DEFECTS[kind]}: {evidence}")
            continue
        quote, where = grounded(found, turns)
        flags.append(_flag(kind, quote, where))
        said = f"“{quote}”" if quote else "no quote"
        if where is None:
            warnings.append(
                f"The judge flags {DEFECTS[kind]}: {evidence} (its quote, {said}, is not found "
                "in the conversation: the flag does not fail it)"
            )
        elif fails:
            errors.append(
                f"The judge flags {kind} ({DEFECTS[kind]}): {said} in turn {where.turn} "
                f"({where.speaker}); {evidence}"
            )
        else:
            warnings.append(
                f"The judge flags {DEFECTS[kind]}: {evidence} ({said}, turn {where.turn})"
            )
    return _check(not errors, "model", flags, _reason(flags, fails)), errors, warnings


def failed_kinds(check: Mapping[str, Any]) -> list[str]:
    """The defect kinds for which a judgeDefects check failed the conversation."""
    if check.get("passed", True):
        return []
    return [flag["kind"] for flag in check.get("flagged") or [] if flag.get("found")]


def _flag(kind: str, quote: str, where: Found | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "quote": quote,
        "found": where is not None,
        "turn": where.turn if where else None,
        "speaker": where.speaker if where else None,
    }


def _reason(flags: list[dict[str, Any]], fails: bool) -> str:
    found = [flag for flag in flags if flag["found"]]
    named = "; ".join(f"{f['kind']} “{f['quote']}” (turn {f['turn']})" for f in found)
    missing = len(flags) - len(found)
    unfound = f"; {missing} flag(s) whose quote is not in the text do not count" if missing else ""
    if found and fails:
        return f"the judge flags {named}{unfound}"
    if found:
        return f"JUDGE_FAILS_ON_DEFECTS is off: {named} are warnings{unfound}"
    if missing:
        return f"the judge flags no hard defect it quotes from the text{unfound}"
    return "the judge flags no hard defect"


def _check(passed: bool, verdict: str, flags: list[dict[str, Any]], reason: str) -> Check:
    return {"passed": passed, "verdict": verdict, "flagged": flags, "reason": reason}
