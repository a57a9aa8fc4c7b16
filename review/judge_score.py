"""How the judge's verdict feeds the quality score and the warnings, next to the checks.

A model's verdict (never a heuristic one) gives its own 0-10: ten times the share of the 20
checklist items it passed, less SOFT_DEFECT_PENALTY for each soft defect it flagged (as the
deterministic soft defects cost). The quality score is then the mean of the two readings
before their soft defects (JUDGE_WEIGHT), less SOFT_DEFECT_PENALTY once for each soft defect
kind either reader found: the checks' own, or the judge's where its quote is in the text. So
one soft defect takes a conversation under the threshold whichever reader finds it (a mean of
the two penalised scores would halve it). Its defect flags are warnings, or failures where a
hard defect's quote is found in the text (review/judge_defects.py).
"""

from collections.abc import Mapping
from typing import Any

from review.judge_defects import grounded
from review.judge_prompt import SOFT_DEFECTS
from review.scoring import SOFT_DEFECT_PENALTY

JUDGE_WEIGHT = 0.5  # the judge's reading counts as much as the deterministic signals'


def judge_score(verdict: Mapping[str, Any]) -> dict[str, Any]:
    """{"value", "items_passed", "items", "penalties"} of a model's verdict."""
    items = [
        item for category in (verdict.get("checklist") or {}).values() for item in category.values()
    ]
    passed = sum(bool(item.get("passed")) for item in items)
    defects = verdict.get("defects") or {}
    penalties = [
        {"defect": kind, "points": -SOFT_DEFECT_PENALTY, "evidence": defects[kind]["evidence"]}
        for kind in SOFT_DEFECTS
        if (defects.get(kind) or {}).get("flagged")
    ]
    value = 10 * passed / max(len(items), 1) + sum(p["points"] for p in penalties)
    return {
        "value": round(max(value, 0.0), 1),
        "items_passed": passed,
        "items": len(items),
        "penalties": penalties,
    }


def with_judge(
    score: dict[str, Any], verdict: Mapping[str, Any] | None, turns: list[Any] | None = None
) -> dict[str, Any]:
    """The quality score with the judge's part: unchanged without a verdict that counts;
    otherwise the weighted mean of both readings before their soft defects, less one penalty
    per soft defect kind found by either (the judge's only where its quote is in `turns`).
    It keeps both parts and lists the kinds counted under "soft_defects"."""
    if not verdict:
        return score
    judged = judge_score(verdict)
    own = {item.get("kind") for item in score.get("penalties") or []}
    own_points = sum(item["points"] for item in score.get("penalties") or [])
    defects = verdict.get("defects") or {}
    quoted = {
        kind
        for kind in SOFT_DEFECTS
        if (defects.get(kind) or {}).get("flagged")
        and grounded(defects[kind], list(turns or []))[1] is not None
    }
    kinds = sorted((own | quoted) - {None})
    deterministic = score["value"] - own_points  # before its soft defects
    items = 10 * judged["items_passed"] / max(judged["items"], 1)
    value = (1 - JUDGE_WEIGHT) * deterministic + JUDGE_WEIGHT * items
    value -= SOFT_DEFECT_PENALTY * len(kinds)
    return {
        **score,
        "value": round(max(value, 0.0), 1),
        "deterministic": score["value"],
        "judge": judged,
        "soft_defects": kinds,
    }
