"""django-q2 tasks: module-level functions that take an id and may safely run twice."""

import logging
import os
import socket
import time

from django.utils import timezone

from generation import claims, prompts
from generation.claude import ClaudeError, ConversationRequest, write_conversation
from generation.dispatch import dispatch, sweep
from generation.models import Conversation

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def generate_conversation(conversation_id: str) -> str:
    """Write one conversation with one Messages call, unless it is done or taken already."""
    _wait_for_backoff(conversation_id)
    claim = claims.claim(conversation_id, worker_name())
    if claim is None:
        return "skipped"
    conversation = Conversation.objects.select_related(
        "batch_job__prompt_template",
        "batch_job__consultant_profile",
        "persona",
        "emotional_arc",
        "training_topic",
        "edge_case",
        "chunk__document",
    ).get(pk=conversation_id)
    job = conversation.batch_job
    request = ConversationRequest(
        conversation_id=str(conversation.pk),
        model=job.model,
        max_tokens=job.max_tokens,
        system=prompts.system_prompt(job),
        prompt=prompts.user_prompt(conversation),
    )
    try:
        reply = write_conversation(request)
    except ClaudeError as error:
        outcome = claims.record_error(claim, error)
        log.info("Conversation %s: %s (%s)", conversation_id, outcome, error.kind)
    else:
        outcome = "completed" if claims.store_reply(claim, reply) else "discarded"
    dispatch()
    return outcome


def _wait_for_backoff(conversation_id: str) -> None:
    not_before = (
        Conversation.objects.filter(pk=conversation_id).values_list("not_before", flat=True).first()
    )
    if not_before and not_before > timezone.now():
        time.sleep((not_before - timezone.now()).total_seconds())


def sweep_generation() -> dict[str, int]:
    """Scheduled every minute: return lost conversations and fill free slots."""
    return sweep()
