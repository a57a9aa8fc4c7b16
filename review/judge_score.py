"""How the judge's verdict feeds the quality score and the warnings, next to the checks.

A model's verdict (never a heuristic one) gives its own 0-10: ten times the share of the 20
checklist items it passed, less SOFT_DEFECT_PENALTY for each soft defect it flagged (as the
deterministic soft defects cost). The quality score is then the mean of the deterministic
score and the judge's (JUDGE_WEIGHT), so either reader can take a conversation under the
threshold. Its defect flags are warnings, or failures where a hard defect's quote is found in
the text (review/judge_defects.py).
"""

from collections.abc import Mapping
from typing import Any

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


def with_judge(score: dict[str, Any], verdict: Mapping[str, Any] | None) -> dict[str, Any]:
    """The quality score with the judge's part: unchanged without a verdict that counts;
    otherwise its value is the weighted mean and it keeps both parts."""
    if not verdict:
        return score
    judged = judge_score(verdict)
    value = (1 - JUDGE_WEIGHT) * score["value"] + JUDGE_WEIGHT * judged["value"]
    return {**score, "value": round(value, 1), "deterministic": score["value"], "judge": judged}
