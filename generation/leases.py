"""Leases: a claimed conversation belongs to its worker until its lease runs out; a lease
that ran out means the worker vanished, and the conversation goes back to pending."""

import logging

from django.db import transaction
from django.utils import timezone

from generation import attempts
from generation.models import Conversation

log = logging.getLogger(__name__)
Status = Conversation.Status


def expire_leases() -> int:
    """Return conversations whose worker vanished (lease expired) to pending; their open
    attempts are charged at the estimate (attempts.charge_lost)."""
    now = timezone.now()
    with transaction.atomic():
        lost = list(
            Conversation.objects.filter(status=Status.GENERATING, lease_expires_at__lt=now)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not lost:
            return 0
        attempts.charge_lost(lost)
        return Conversation.objects.filter(pk__in=lost, status=Status.GENERATING).update(
            status=Status.PENDING,
            lease_owner="",
            lease_expires_at=None,
            retry_scheduled=True,
            error="The worker stopped before the call returned; retrying.",
        )
