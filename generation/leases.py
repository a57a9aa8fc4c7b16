"""Leases: a claimed conversation belongs to its worker until its lease runs out. The lease
is short (GENERATION_LEASE_SECONDS) and renewed by a heartbeat thread in the worker's process
while the call is in flight, so a lease that ran out means the worker vanished, and the
conversation goes back to pending within about a lease, not a call's longest time."""

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
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


# --- the heartbeat ---------------------------------------------------------------------

_held: dict[str, str] = {}  # conversation id -> owner, for the calls in flight in this process
_heart: dict[str, Any] = {}
_lock = threading.Lock()


@contextmanager
def held(conversation_id: Any, owner: str) -> Iterator[None]:
    """Keep the claim's lease alive while the call is in flight: this process's heartbeat
    renews it every GENERATION_HEARTBEAT_SECONDS until the block ends."""
    start_heartbeat()
    key = str(conversation_id)
    with _lock:
        _held[key] = owner
    try:
        yield
    finally:
        with _lock:
            _held.pop(key, None)


def renew(claims: dict[str, str]) -> int:
    """Push the leases of these claims (id -> owner) one lease length ahead, where the owner
    still holds them; return how many were renewed."""
    if not claims:
        return 0
    expires = timezone.now() + timedelta(seconds=settings.GENERATION_LEASE_SECONDS)
    return Conversation.objects.filter(
        pk__in=list(claims), status=Status.GENERATING, lease_owner__in=set(claims.values())
    ).update(lease_expires_at=expires)


def start_heartbeat(sweeping: bool = False) -> None:
    """One heartbeat thread per process (started again in a forked child). A qcluster
    worker's also sweeps (`sweeping`): any live worker returns a dead one's leases."""
    pid = os.getpid()
    with _lock:
        if sweeping:
            _heart["sweeping"] = True
        if _heart.get("pid") == pid:
            return
        _held.clear()
        thread = threading.Thread(target=_beat, name="lease-heartbeat", daemon=True)
        _heart.update(pid=pid, thread=thread)
    thread.start()


def _beat() -> None:
    """Renew this process's leases and, in a worker, return any lease that ran out elsewhere
    (a dead worker's), so its conversation is taken up again within about a lease. The
    thread's connection is closed after each beat: it holds no session in between."""
    from generation.dispatch import sweep_if_due

    while True:
        time.sleep(settings.GENERATION_HEARTBEAT_SECONDS)
        with _lock:
            claims = dict(_held)
        try:
            renewed = renew(claims)
            if renewed < len(claims):
                log.warning(
                    "%d of %d lease(s) could not be renewed", len(claims) - renewed, len(claims)
                )
            if _heart.get("sweeping"):
                sweep_if_due()
        except DatabaseError as error:
            log.warning("Lease heartbeat: the database is unreachable (%s)", error)
        finally:
            connection.close()
