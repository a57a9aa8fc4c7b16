"""Running the automated checks on stored conversations and keeping the result on them."""

import logging
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from generation.models import Conversation
from generation.prompts import conversation_brief
from review.checks import validate_conversation
from review.models import JudgeVerdict

log = logging.getLogger(__name__)


def checkable(conversation: Conversation) -> dict[str, Any]:
    """The plain mapping the checks read: the conversation's brief (as its prompt carried it),
    its ids and its turns."""
    brief = conversation_brief(conversation)
    edge_case = conversation.edge_case
    return {
        "id": str(conversation.pk),
        "tier": conversation.tier,
        "turns": conversation.turns or [],
        "persona_id": conversation.persona_id and str(conversation.persona_id),
        "emotional_arc_id": conversation.emotional_arc_id and str(conversation.emotional_arc_id),
        "training_topic_id": conversation.training_topic_id and str(conversation.training_topic_id),
        "persona": brief["persona"],
        "arc": {**brief["arc"], "arc_type": conversation.emotional_arc.arc_type},
        "topic": brief["topic"],
        "chunk": brief["chunk"],
        # The client's figures this conversation was asked for (the persona's, moved).
        "specifics": brief.get("specifics") or None,
        "edge_case": {
            "edge_case_key": edge_case.edge_case_key,
            "name": edge_case.name,
            "edge_case_type": edge_case.edge_case_type,
            # Its text: the people it names (review.fact_names).
            "expected_behavior": edge_case.expected_behavior,
            "rules": edge_case.rules,
        }
        if edge_case
        else None,
        "judge": counted_verdict(conversation),
    }


def counted_verdict(conversation: Conversation) -> Mapping[str, Any] | None:
    """The judge's stored verdict on the conversation, if it is done (a heuristic one says
    so and counts for nothing); no query for a conversation from a file or of a loaded job
    without a judge."""
    if conversation.batch_job_id is None:
        return None
    if Conversation.batch_job.is_cached(conversation) and not conversation.batch_job.judge_model:
        return None
    return (
        JudgeVerdict.objects.filter(
            conversation_id=conversation.pk, status=JudgeVerdict.Status.DONE
        )
        .values("checklist", "defects", "model", "heuristic")
        .first()
    )


def verdict(conversation: Conversation, judged: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The checks' result for one conversation, stored or not; nothing is written. `judged`
    is a verdict to check it with instead of the stored one (a file's: review/file_checks.py)."""
    checked = checkable(conversation)
    if judged is not None:
        checked["judge"] = judged
    return validate_conversation(
        checked,
        threshold=settings.QUALITY_THRESHOLD,
        judge_fails=settings.JUDGE_FAILS_ON_DEFECTS,
    )


def check(conversation: Conversation) -> dict[str, Any]:
    """Check one completed conversation and store the result and its quality score on it."""
    result = verdict(conversation)
    score = Decimal(str(round(result["score"]["value"], 2)))
    Conversation.objects.filter(pk=conversation.pk).update(validation=result, quality_score=score)
    conversation.validation, conversation.quality_score = result, score
    return result


def check_completed(sender: Any, conversation_id: Any, **kwargs: Any) -> None:
    """Receiver of generation's conversation_completed signal."""
    conversation = kwargs.get("conversation")
    if conversation is None:
        conversation = completed().filter(pk=conversation_id).order_by().first()
    if conversation is None:
        return
    try:
        check(conversation)
    except Exception:  # a broken check must not lose the stored conversation
        log.exception("Checking conversation %s failed; run check_conversations", conversation_id)


def check_unchecked(limit: int = 500) -> int:
    """Scheduled every minute: check completed conversations that never were (a worker that
    stops after storing a reply and before its checks ran leaves one); how many."""
    unchecked = completed().filter(quality_score__isnull=True).order_by("completed_at")[:limit]
    count = 0
    for conversation in unchecked:
        check(conversation)
        count += 1
    if count:
        log.warning("Checked %d conversation(s) stored without their checks", count)
    return count


def completed() -> QuerySet:
    return Conversation.objects.completed().select_related(
        "persona", "emotional_arc", "training_topic", "edge_case", "chunk__document"
    )


def check_all(conversations: QuerySet) -> dict[str, Any]:
    """Re-check many conversations (after rules or thresholds changed); a summary of results."""
    summary: Counter = Counter()
    by_check: dict[str, Counter] = {}
    for conversation in conversations.iterator(chunk_size=200):
        result = check(conversation)
        summary["checked"] += 1
        summary["passed" if result["passed"] else "failed"] += 1
        summary["with_warnings"] += bool(result["warnings"])
        for name, outcome in result["checks"].items():
            by_check.setdefault(name, Counter())["passed" if outcome["passed"] else "failed"] += 1
    return {"summary": dict(summary), "checks": {k: dict(v) for k, v in by_check.items()}}
