"""Measuring the checks on the hand-labelled conversations in tests/data/labelled/.

Each line is a conversation in the check-file format (docs/formats.md) plus a `label`:
`expected` (pass or fail), the planted `defect` kind (or null), `where` and a `note`. The
conversations run through the same checks as stored ones (review.file_checks), and the figures
say how well each check separates the defects it is meant to catch from everything else.
A check "fires" on a conversation when it does not pass.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "labelled"
PARTS = ("tuning", "holdout")

# The check through which the judge's grounded flags of hard defects fail a conversation
# (review/judge_defects.py); it catches a defect only when the judge flagged that very kind.
JUDGE_CHECK = "judgeDefects"
# Hard defects fail a conversation: the checks that should catch each kind.
HARD_DEFECTS: dict[str, frozenset[str]] = {
    kind: frozenset({*checks, JUDGE_CHECK})
    for kind, checks in (
        ("turn_count", {"turnCount"}),
        ("harmful_content", {"harmfulContent"}),
        # Outside the crisis edge case, the signs of danger fail it as harmful content.
        ("crisis_referral", {"edgeCaseRules", "harmfulContent"}),
        ("product_recommendation", {"productRecommendation"}),
        # Elena calling the client by another name is personaConsistency's finding.
        ("fact_change", {"factChanges", "personaConsistency"}),
        ("role_break", {"roleBreak"}),
        ("empty_reply", {"emptyReplies"}),
        ("multi_issue_one_goal", {"edgeCaseRules"}),
        ("referral_never_refers", {"edgeCaseRules"}),
    )
}
# The arc defects fail the progression check; they are neither hard nor soft in the targets.
ARC_DEFECTS: dict[str, frozenset[str]] = {
    "no_emotional_movement": frozenset({"emotionalProgression"}),
    "wrong_arc": frozenset({"emotionalProgression"}),
}
# Soft defects are a matter of degree: they lower the quality score under the threshold.
SOFT_DEFECTS: dict[str, frozenset[str]] = {
    kind: frozenset({"qualityScore"}) for kind in ("judgement", "no_validation", "lecturing")
}
DEFECT_CHECKS = {**HARD_DEFECTS, **ARC_DEFECTS, **SOFT_DEFECTS}


@dataclass
class Outcome:
    """One labelled conversation and what the checks said about it."""

    id: str
    defect: str | None
    passed: bool
    quality_score: float
    failed_checks: list[str]
    # With the judge (outcomes(judge=True)): what it was and cost, and the kinds whose quoted
    # flags failed the conversation.
    judge: dict[str, Any] | None = None

    @property
    def caught(self) -> bool:
        """Failed, and by a check meant for its defect (not for a wrong reason): judgeDefects
        only when the judge flagged this very kind."""
        if self.passed or not self.defect:
            return False
        meant = DEFECT_CHECKS[self.defect] & set(self.failed_checks)
        judged = self.defect in ((self.judge or {}).get("failing") or ())
        return bool(meant - {JUDGE_CHECK}) or (JUDGE_CHECK in meant and judged)


@dataclass
class Figures:
    """A part's aggregate figures; `per_check` is {check: {tp, fp, fn, precision, recall}}."""

    part: str
    conversations: int
    clean: int
    clean_failed: int
    hard: int
    hard_caught: int
    soft: int
    soft_under: int
    arc: int
    arc_caught: int
    per_check: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def hard_catch_rate(self) -> float:
        return _rate(self.hard_caught, self.hard)

    @property
    def clean_false_alarm_rate(self) -> float:
        return _rate(self.clean_failed, self.clean)

    @property
    def soft_under_rate(self) -> float:
        return _rate(self.soft_under, self.soft)

    def lines(self) -> list[str]:
        """The figures as a person reads them (the bench prints these)."""
        lines = [
            f"{self.part}: {self.conversations} conversations ({self.clean} clean, "
            f"{self.hard} hard, {self.soft} soft, {self.arc} arc defects)",
            f"  hard defects caught   {self.hard_caught}/{self.hard} = {self.hard_catch_rate:.0%}"
            " (target >= 95%)",
            f"  clean failed          {self.clean_failed}/{self.clean} = "
            f"{self.clean_false_alarm_rate:.0%} (target <= 5%)",
            f"  soft under threshold  {self.soft_under}/{self.soft} = {self.soft_under_rate:.0%}"
            " (target >= 80%)",
            f"  arc defects caught    {self.arc_caught}/{self.arc}",
            f"  {'check':<24}{'tp':>4}{'fp':>4}{'fn':>4}  precision  recall",
        ]
        for name, row in sorted(self.per_check.items()):
            lines.append(
                f"  {name:<24}{row['tp']:>4}{row['fp']:>4}{row['fn']:>4}"
                f"  {_shown(row['precision']):>9}  {_shown(row['recall']):>6}"
            )
        return lines


class LabelError(ValueError):
    """A labelled line whose label is missing or names an unknown defect kind."""


def part_path(part: str) -> Path:
    return LABELLED / f"{part}.jsonl"


def labels(path: str | Path) -> dict[str, dict[str, Any]]:
    """{id: label} for every line of a labelled file, checked for shape."""
    found: dict[str, dict[str, Any]] = {}
    for number, text in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        record = json.loads(text)
        label = record.get("label")
        if not isinstance(label, Mapping) or label.get("expected") not in ("pass", "fail"):
            raise LabelError(f"line {number}: label.expected must be 'pass' or 'fail'")
        defect = label.get("defect")
        if (defect is None) != (label["expected"] == "pass"):
            raise LabelError(f"line {number}: a clean conversation passes, a defective one fails")
        if defect is not None and defect not in DEFECT_CHECKS:
            known = ", ".join(sorted(DEFECT_CHECKS))
            raise LabelError(f"line {number}: unknown defect kind {defect!r} (known: {known})")
        if record.get("id") in found:
            raise LabelError(f"line {number}: id {record.get('id')!r} is used twice")
        found[record["id"]] = dict(label)
    return found


def outcomes(path: str | Path, judge: bool = False) -> list[Outcome]:
    """Run the checks on every labelled conversation in the file (nothing is stored); with
    `judge`, each is judged first and checked with the verdict (review.file_checks)."""
    from review.file_checks import check_file  # it imports the checks, which import this

    known = labels(path)
    return [
        Outcome(
            id=result["id"],
            defect=known[result["id"]].get("defect"),
            passed=result["passed"],
            quality_score=float(result["quality_score"]),
            failed_checks=list(result["failed_checks"]),
            judge=result.get("judge"),
        )
        for result in check_file(path, judge=judge)
    ]


def judge_lines(results: Iterable[Outcome]) -> list[str]:
    """What the judge was and cost, in aggregate (the bench prints these with the figures)."""
    judged = [r.judge for r in results if r.judge is not None]
    if not judged:
        return ["judge: not asked (the deterministic checks alone)"]
    models = ", ".join(sorted({j["model"] for j in judged}))
    cost = sum(j["cost_usd"] for j in judged)
    errors = sum(bool(j.get("error")) for j in judged)
    lines = [
        f"judge: {models}, {len(judged)} conversations, ${cost / len(judged):.4f} per "
        f"conversation at list prices (${cost:.4f} in all)"
        + (f", {errors} call(s) that gave no verdict" if errors else "")
    ]
    if all(j["heuristic"] for j in judged):
        lines.append(
            "  heuristic verdicts (the offline emulator's, not a model's; the cost is its token "
            "counts at list prices, nothing was paid): they never count, so these figures are "
            "the deterministic checks' alone"
        )
    return lines


def figures(part: str, results: Iterable[Outcome]) -> Figures:
    results = list(results)
    threshold = float(settings.QUALITY_THRESHOLD)
    clean = [r for r in results if r.defect is None]
    hard = [r for r in results if r.defect in HARD_DEFECTS]
    soft = [r for r in results if r.defect in SOFT_DEFECTS]
    arc = [r for r in results if r.defect in ARC_DEFECTS]
    return Figures(
        part=part,
        conversations=len(results),
        clean=len(clean),
        clean_failed=sum(not r.passed for r in clean),
        hard=len(hard),
        hard_caught=sum(r.caught for r in hard),
        soft=len(soft),
        soft_under=sum(r.quality_score < threshold for r in soft),
        arc=len(arc),
        arc_caught=sum(r.caught for r in arc),
        per_check=per_check(results),
    )


def per_check(results: list[Outcome]) -> dict[str, dict[str, Any]]:
    """Precision and recall of each check: a true positive fires on a defect meant for it."""
    names = {name for r in results for name in r.failed_checks}
    names |= {name for checks in DEFECT_CHECKS.values() for name in checks}
    if not any(r.judge and not r.judge.get("heuristic") for r in results):
        names.discard(JUDGE_CHECK)  # no model's verdict: the check could not fire
    table = {}
    for name in sorted(names):
        meant = [name in DEFECT_CHECKS[r.defect] if r.defect else False for r in results]
        fired = [name in r.failed_checks for r in results]
        tp = sum(m and f for m, f in zip(meant, fired, strict=True))
        fp = sum(f and not m for m, f in zip(meant, fired, strict=True))
        fn = sum(m and not f for m, f in zip(meant, fired, strict=True))
        table[name] = {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
        }
    return table


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
