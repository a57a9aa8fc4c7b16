"""The dataset card's quality section from the quality report: the checks in words, the
readiness verdict with each blocking issue named, arc coverage and diversity with labels."""

from collections.abc import Iterator, Mapping

from eidataset.labels import CHECK_DESCRIPTIONS, DIVERSITY_LABELS, label
from exports.card_cells import MISSING, cell, count_rows, number, share

CURATED = {path[0] for path in DIVERSITY_LABELS}


def quality_context(report: dict) -> dict:
    automated = report.get("automated_validation") or {}
    metrics = report.get("quality_metrics") or {}
    checked = automated.get("total_checked") or 0
    coverage = metrics.get("emotional_arc_coverage") or {}
    return {
        "automated": {
            key: number(automated.get(key))
            for key in ("total_checked", "passed", "failed", "warnings")
        },
        "automated_share": share(automated.get("passed") or 0, checked),
        "checks": [
            check_row(name, figures, checked)
            for name, figures in (automated.get("checks") or {}).items()
            if isinstance(figures, Mapping)
        ],
        "metrics": [
            {"name": name, "value": number(metrics.get(key))}
            for key, name in (
                ("avg_quality_score", "Average quality score (0 to 10)"),
                ("avg_turns_per_conversation", "Average turns per conversation"),
                ("avg_words_per_turn", "Average words per turn"),
            )
        ],
        "arc_coverage": count_rows(
            {label(arc): count for arc, count in coverage.items()}, sum(coverage.values())
        ),
        "diversity": diversity_rows(report.get("diversity")),
        **readiness_context(report),
    }


def readiness_context(report: dict) -> dict:
    """The verdict and its blocking issues by name, then the rest of the advice. A report
    from before `blocking_issues` existed keeps its recommendations as they were."""
    said = [" ".join(str(item).split()) for item in report.get("recommendations") or []]
    if "blocking_issues" not in report:
        return {"assessed": False, "blocking": [], "recommendations": said}
    blocking = [" ".join(str(item).split()) for item in report["blocking_issues"]]
    return {
        "assessed": True,
        "blocking": blocking,
        "recommendations": [item for item in said[1:] if item not in blocking],
    }


def check_row(name: str, figures: Mapping, checked: int) -> dict:
    """A check's counts; its pass rate is over the conversations it judged (edge-case rules
    judge only edge cases), or over every conversation checked when it gives no outcomes."""
    passed = figures.get("passed")
    outcomes = [figures.get(key) for key in ("passed", "failed", "warnings", "flagged")]
    judged = sum(value for value in outcomes if isinstance(value, int | float)) or checked
    return {
        "name": cell(CHECK_DESCRIPTIONS.get(name, label(name))),
        "key": cell(name),
        "passed": number(passed),
        "failed": number(figures.get("failed")),
        "warnings": number(figures.get("warnings")),
        "flagged": number(figures.get("flagged")),
        "share": share(passed, judged) if isinstance(passed, int | float) else MISSING,
    }


def diversity_rows(diversity: object) -> list[dict]:
    """The report's diversity figures in words: the known ones by DIVERSITY_LABELS, any other
    number or text by its labelled path; lists by their length."""
    if not isinstance(diversity, Mapping):
        return []
    rows = []
    for path, value in _leaves(diversity, ()):
        known = DIVERSITY_LABELS.get(path)
        if known is None and path[0] in CURATED:
            continue  # a detail of a figure already shown (thresholds, raw counts)
        name = known or " · ".join(label(part) for part in path)
        rows.append({"name": cell(name), "value": cell(shown(value))})
    return rows


def _leaves(value: Mapping, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object]]:
    for key, inner in value.items():
        if isinstance(inner, Mapping):
            yield from _leaves(inner, (*path, str(key)))
        else:
            yield (*path, str(key)), inner


def shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return f"{len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, str):
        return label(value)
    return number(value)
