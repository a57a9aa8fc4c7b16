"""Leases: a claimed conversation belongs to its worker until its lease runs out. The lease
is short (GENERATION_LEASE_SECONDS) and renewed by a heartbeat thread in the worker's process
while the call is in flight, so a lease that ran out means the worker vanished, and the
conversation goes back to pending within about a lease, not a call's longest time."""

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
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
    attempts are charged at the estimate (attempts.charge_lost). Just after the database was
    unreachable, a lease gets one more lease's time (journal.outage_grace): its worker, alive
    but unable to renew it meanwhile, renews it at its next beat."""
    from generation import journal

    cutoff = timezone.now() - timedelta(seconds=journal.outage_grace())
    with transaction.atomic():
        lost = list(
            Conversation.objects.filter(status=Status.GENERATING, lease_expires_at__lt=cutoff)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not lost:
            return 0
        attempts.charge_lost(lost)
        return Conversation.objects.filter(pk__in=lost).transition(
            (Status.GENERATING,),
            Status.PENDING,
            lease_owner="",
            lease_expires_at=None,
            retry_scheduled=True,
            error="The worker stopped before the call returned; retrying.",
        )


# --- the heartbeat ---------------------------------------------------------------------

CONVERSATION = "conversation"
Renewer = Callable[[dict[str, str]], int]
# What a kind of claim's leases are renewed with (its claims: id -> owner), and what a sweeping
# heartbeat runs for it; the judge's claims (review/judging.py) register theirs.
_renewers: dict[str, Renewer] = {}
_sweepers: dict[str, Callable[[], Any]] = {}
# (kind, id) -> owner, for the calls in flight in this process.
_held: dict[tuple[str, str], str] = {}
_heart: dict[str, Any] = {}
_lock = threading.Lock()


def register(kind: str, renewer: Renewer, sweep_if_due: Callable[[], Any] | None = None) -> None:
    """Claims of `kind` are renewed by `renewer` at every beat; a sweeping worker's beat also
    runs `sweep_if_due`, which returns that kind's dead leases."""
    _renewers[kind] = renewer
    if sweep_if_due is not None:
        _sweepers[kind] = sweep_if_due


@contextmanager
def held(claim_id: Any, owner: str, kind: str = CONVERSATION) -> Iterator[None]:
    """Keep the claim's lease alive while the call is in flight: this process's heartbeat
    renews it every GENERATION_HEARTBEAT_SECONDS until the block ends."""
    if kind not in _renewers:
        raise ValueError(f"No lease renewer for {kind!r} claims")
    start_heartbeat()
    key = (kind, str(claim_id))
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


register(CONVERSATION, renew)


def renew_all(claims: dict[tuple[str, str], str]) -> tuple[int, int]:
    """Renew every held claim with its kind's renewer: (renewed, held)."""
    by_kind: dict[str, dict[str, str]] = {}
    for (kind, claim_id), owner in claims.items():
        by_kind.setdefault(kind, {})[claim_id] = owner
    renewed = sum(_renewers[kind](kind_claims) for kind, kind_claims in by_kind.items())
    return renewed, len(claims)


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
    """Renew this process's leases, store any reply held in the journal and, in a worker,
    return any lease that ran out elsewhere (a dead worker's), so its conversation is taken
    up again within about a lease. After the database was unreachable, the first beat that
    reaches it sweeps at once: work the outage interrupted is handed out again. The
    thread's connection is closed after each beat: it holds no session in between."""
    from generation import journal
    from generation.dispatch import sweep, sweep_if_due

    unreachable = False
    while True:
        time.sleep(settings.GENERATION_HEARTBEAT_SECONDS)
        with _lock:
            claims = dict(_held)
        try:
            renewed, held_here = renew_all(claims)
            if renewed < held_here:
                log.warning(
                    "%d of %d lease(s) could not be renewed", held_here - renewed, held_here
                )
            journal.replay()
            if unreachable:
                log.warning("The database is back: handing out the work again")
                sweep()
            elif _heart.get("sweeping"):
                sweep_if_due()
            if _heart.get("sweeping"):
                for sweep_kind in list(_sweepers.values()):
                    sweep_kind()
            unreachable = False
        except journal.UNREACHABLE as error:
            unreachable = True
            journal.note_unreachable()
            log.warning(
                "Lease heartbeat: %s (%d call(s) in flight here)",
                journal.unreachable_message(error),
                len(claims),
            )
        except DatabaseError:
            log.exception("Lease heartbeat failed")
        finally:
            connection.close()
