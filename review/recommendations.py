"""The quality report's recommendations: what its figures call for before a release, the
blocking issues first, then advice; "ready" only when nothing blocks."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from eidataset.labels import label
from review.diversity import concerns

if TYPE_CHECKING:  # review.report imports this module to build the report
    from review.report import Tally

LOW_KAPPA = 0.4  # Landis and Koch: below 0.41 agreement is at best "fair"


NOTHING_TO_RELEASE = "No completed conversations: generate a batch before building a release"


def recommendations(report: Mapping[str, Any], tally: "Tally") -> list[str]:
    """What the figures call for, most blocking first; 'ready' only when nothing blocks."""
    total = report["dataset"]["total_conversations"]
    if not total:
        return [NOTHING_TO_RELEASE]
    blocking, advice = assess(report, tally)
    return [readiness(blocking, total), *blocking, *advice]


def blocking_issues(report: Mapping[str, Any], tally: "Tally") -> list[str]:
    """Each issue that keeps the dataset from being ready, by name (empty when it is ready)."""
    if not report["dataset"]["total_conversations"]:
        return [NOTHING_TO_RELEASE]
    return assess(report, tally)[0]


def readiness(blocking: list[str], total: int) -> str:
    if not blocking:
        return f"Dataset ready for LoRA training: {total} conversations pass the blocking checks"
    issues = "1 blocking issue" if len(blocking) == 1 else f"{len(blocking)} blocking issues"
    return f"Not ready for LoRA training: {issues} ({'; '.join(blocking)})"


def judge_advice(figures: Mapping[str, Any]) -> list[str]:
    """Where the judge agrees little with the reviewers: its verdicts there need a look."""
    low = {
        category: found["cohen_kappa"]
        for category, found in (figures.get("categories") or {}).items()
        if found.get("cohen_kappa") is not None and found["cohen_kappa"] < LOW_KAPPA
    }
    if not low:
        return []
    listed = ", ".join(f"{label(category)} ({kappa})" for category, kappa in low.items())
    return [
        f"The judge agrees little with the reviewers on {listed} (Cohen's kappa): read its "
        "verdicts there before relying on them"
    ]


def assess(report: Mapping[str, Any], tally: "Tally") -> tuple[list[str], list[str]]:
    """(blocking issues, advice) the report's figures call for."""
    total = report["dataset"]["total_conversations"]
    automated, review = report["automated_validation"], report["manual_review"]
    checks = automated["checks"]
    blocking, advice = [], []
    if tally.unchecked.count:
        blocking.append(
            f"{tally.unchecked.count} conversation(s) have not been checked "
            f"({tally.unchecked}): run `manage.py check_conversations`"
        )
    if checks["harmfulContent"]["flagged"]:
        blocking.append(
            f"{checks['harmfulContent']['flagged']} conversation(s) contain harmful content "
            f"outside the edge-case tier ({tally.failing['harmfulContent']}): remove them"
        )
    for name, what in (
        ("metadataCompleteness", "missing metadata"),
        ("edgeCaseRules", "break their edge case's rules"),
    ):
        if checks[name]["failed"]:
            blocking.append(
                f"{checks[name]['failed']} conversation(s) {what} "
                f"({tally.failing[name]}): regenerate or fix them"
            )
    blocking += concerns(report["diversity"], _describe)
    if review["rejected"]:
        blocking.append(f"{review['rejected']} sampled conversation(s) rejected in review")
    if review["pending"]:
        blocking.append(f"{review['pending']} sampled conversation(s) still await review")
    if not review["sample_size"]:
        advice.append("No manual review sample yet: draw one (10%, by tier and persona)")
    kappa = review["agreement"]["cohen_kappa"]
    if kappa is not None and kappa < LOW_KAPPA:
        advice.append(f"Reviewer agreement is low (Cohen's kappa {kappa}): calibrate reviewers")
    advice += judge_advice(review.get("judge_agreement") or {})
    low = checks["qualityScore"]["warnings"]
    if low:
        advice.append(
            f"Consider regenerating {low} conversation(s) with quality_score < {tally.threshold} "
            f"({tally.failing['qualityScore']})"
        )
    for name, what in (
        ("emotionalProgression", "do not follow their emotional arc"),
        ("personaConsistency", "switch persona details"),
        ("turnCount", "have a turn count outside 4-10"),
    ):
        failed = tally.failing[name]
        if failed.count:
            advice.append(f"{failed.count} conversation(s) {what} ({failed}): review them")
    missing = [
        arc for arc, n in report["quality_metrics"]["emotional_arc_coverage"].items() if not n
    ]
    if missing:
        names = ", ".join(label(arc) for arc in missing)
        advice.append(f"No conversation covers arc(s) {names}: plan some")
    emulated = tally.sources.get("offline_emulator", 0)
    if emulated:
        advice.append(
            f"{emulated} of {total} conversation(s) come from the offline emulator, not Claude: "
            "fine for testing the pipeline, not for training a model"
        )
    return blocking, advice


def _describe(side: Any) -> str:
    """A near-duplicate pair's side, as review.report labels it ({id, sequence_number,
    batch_job}), or as it came when it was not labelled."""
    return f"#{side['sequence_number']}" if isinstance(side, Mapping) else str(side)
