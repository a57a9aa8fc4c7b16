"""The quality report's recommendations: what its figures call for before a release, the
blocking issues first, then advice; "ready" only when nothing blocks."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from review.diversity import concerns

if TYPE_CHECKING:  # review.report imports this module to build the report
    from review.report import Tally

LOW_KAPPA = 0.4  # Landis and Koch: below 0.41 agreement is at best "fair"


def recommendations(report: Mapping[str, Any], tally: "Tally") -> list[str]:
    """What the figures call for, most blocking first; 'ready' only when nothing blocks."""
    total = report["dataset"]["total_conversations"]
    if not total:
        return ["No completed conversations: generate a batch before building a release"]
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
        advice.append(f"No conversation covers arc(s) {', '.join(missing)}: plan some")
    emulated = tally.sources.get("offline_emulator", 0)
    if emulated:
        advice.append(
            f"{emulated} of {total} conversation(s) come from the offline emulator, not Claude: "
            "fine for testing the pipeline, not for training a model"
        )
    verdict = (
        f"Not ready for LoRA training: {len(blocking)} blocking issue(s)"
        if blocking
        else f"Dataset ready for LoRA training: {total} conversations pass the blocking checks"
    )
    return [verdict, *blocking, *advice]


def _describe(side: Any) -> str:
    """A near-duplicate pair's side, as review.report labels it ({id, sequence_number,
    batch_job}), or as it came when it was not labelled."""
    return f"#{side['sequence_number']}" if isinstance(side, Mapping) else str(side)
