"""How far the judge agrees with the reviewers: Cohen's kappa per checklist category.

Over the conversations that were both reviewed (their first saved review, not an overlap)
and judged (a stored verdict), each category is "pass" when all four of its items are ticked
(by the reviewer) or passed (by the judge), else "fail"; the pairs per category give the
same kappa as reviewer-reviewer agreement (review/report.py `agreement`). Heuristic verdicts
(the offline emulator's) are counted apart, as they measure the checks' cues, not a model.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from generation.models import Conversation
from review.checklist import CATEGORY_KEYS, categories_passed
from review.models import JudgeVerdict, Review
from review.report import agreement


def judge_agreement(conversations: QuerySet) -> dict[str, Any]:
    """{"compared", "heuristic_verdicts", "categories": {category: agreement}}."""
    reviewed = first_reviews(conversations)
    verdicts = JudgeVerdict.objects.filter(
        conversation_id__in=list(reviewed), status=JudgeVerdict.Status.DONE
    ).values_list("conversation_id", "checklist", "heuristic")
    pairs: dict[str, list[tuple[str, str]]] = {category: [] for category in CATEGORY_KEYS}
    heuristic = 0
    for conversation_id, checklist, is_heuristic in verdicts:
        heuristic += is_heuristic
        human = set(categories_passed(reviewed[conversation_id]))
        judge = set(categories_passed(ticked_by_judge(checklist)))
        for category, found in pairs.items():
            found.append((_outcome(category in human), _outcome(category in judge)))
    return {
        "compared": len(pairs[CATEGORY_KEYS[0]]),
        "heuristic_verdicts": heuristic,
        "categories": {category: agreement(found) for category, found in pairs.items()},
    }


def first_reviews(conversations: QuerySet) -> dict[Any, Mapping[str, Any]]:
    """{conversation id: checklist} of each completed conversation's first saved review."""
    reviews = (
        Review.objects.filter(
            conversation__in=conversations.filter(status=Conversation.Status.COMPLETED),
            status=Review.Status.DONE,
            is_overlap=False,
        )
        .order_by("created_at")
        .values_list("conversation_id", "checklist")
    )
    first: dict[Any, Mapping[str, Any]] = {}
    for conversation_id, checklist in reviews:
        first.setdefault(conversation_id, checklist or {})
    return first


def ticked_by_judge(checklist: Mapping[str, Any]) -> dict[str, dict[str, bool]]:
    """The judge's checklist in the reviewers' shape: {category: {item: passed}}."""
    return {
        category: {item: bool((found or {}).get("passed")) for item, found in items.items()}
        for category, items in (checklist or {}).items()
    }


def _outcome(passed: bool) -> str:
    return "pass" if passed else "fail"
