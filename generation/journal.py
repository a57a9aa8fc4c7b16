"""The reply journal: a reply that arrived is never thrown away.

A worker whose database cannot take a reply retries with a fresh connection for
GENERATION_STORE_RETRY_SECONDS (a restart or a dropped connection is over by then), holding
the reply in memory; past that it writes the reply to a file under the data folder
(`journal/`, one file per call) and ends its task; a judge's verdict too (review/judging.py
registers its kind). The journal is replayed - the reply stored through the same path as a
fresh one - by any process on the machine that reaches the database: every worker's
heartbeat, the sweeps, a worker starting up, `generate`'s loop.
Replay is idempotent: a reply stored already (its attempt closed with its real cost) is
not stored or charged again, and a conversation finished by another call meanwhile gets
this call's cost only. A file is replayed under an exclusive lock that dies with its process.
"""

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from generation import storing
from generation.calls import ConversationReply, Usage
from generation.claims import Claim
from generation.models import Conversation, GenerationAttempt

log = logging.getLogger(__name__)
T = TypeVar("T")

# What an unreachable database raises: a refused or dropped connection (OperationalError),
# a connection closed under us (InterfaceError), SQLite's "database is locked".
UNREACHABLE = (OperationalError, InterfaceError)


def folder() -> Path:
    return settings.DATA_DIR / "journal"


def outage_marker() -> Path:
    return settings.DATA_DIR / "run" / "database-unreachable"


def note_unreachable() -> None:
    """Mark that this machine saw the database unreachable just now (see outage_grace)."""
    marker = outage_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def outage_grace() -> float:
    """Seconds a lease that ran out is left to its worker before it is returned: a lease
    after an outage this machine saw in the last lease's time (live workers could not renew
    theirs meanwhile and do at their next beat), else none."""
    try:
        seen = outage_marker().stat().st_mtime
    except FileNotFoundError:
        return 0.0
    lease = settings.GENERATION_LEASE_SECONDS
    return float(lease) if time.time() - seen < lease else 0.0


def held() -> int:
    """How many replies wait in this machine's journal."""
    try:
        return sum(1 for _ in folder().glob("*.json"))
    except FileNotFoundError:
        return 0


def unreachable_message(error: BaseException) -> str:
    """What an operator reads when the database cannot be reached: why, and what is held."""
    message = f"The database is unreachable ({first_line(error)})."
    waiting = held()
    if waiting:
        message += f" {waiting} received reply(ies) held in {folder()} until it is back."
    return message


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def with_fresh_connection(action: Callable[[], T], what: str) -> T:
    """Run `action`; while the database is unreachable, drop the connection and try again on
    a fresh one, for up to GENERATION_STORE_RETRY_SECONDS; then raise the last error."""
    deadline = time.monotonic() + settings.GENERATION_STORE_RETRY_SECONDS
    pause = 0.1
    while True:
        try:
            return action()
        except UNREACHABLE as error:
            connection.close()
            if time.monotonic() + pause > deadline:
                raise
            log.warning("The database is unreachable while %s (%s); retrying", what, error)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


def store_or_hold(claim: Claim, reply: ConversationReply, then_claim_next: bool) -> Any:
    """Store the reply (storing.store_reply), retrying on a fresh connection; if the database
    stays unreachable, write the reply to the journal and return None."""
    try:
        return with_fresh_connection(
            lambda: storing.store_reply(claim, reply, then_claim_next),
            f"storing conversation {claim.conversation.pk}",
        )
    except UNREACHABLE as error:
        note_unreachable()
        path = write(claim, reply)
        log.warning(
            "The database is unreachable (%s): the reply for conversation %s (attempt %s) is "
            "held in %s and will be stored when the database is back",
            first_line(error),
            claim.conversation.pk,
            claim.attempt.number,
            path,
        )
        return None


# Storers of the other kinds of held replies (the judge's verdicts: review/judging.py), by kind.
_storers: dict[str, Callable[[dict], None]] = {}


def register(kind: str, storer: Callable[[dict], None]) -> None:
    """Entries written with this `kind` are stored, when replayed, by `storer(entry)`."""
    _storers[kind] = storer


def write(claim: Claim, reply: ConversationReply) -> Path:
    """One file per call, written whole (a temporary file renamed into place, synced)."""
    held = entry("conversation", claim.attempt, claim.owner, reply)
    held["conversation"] = str(claim.conversation.pk)
    return write_entry(f"{claim.conversation.pk}-{claim.attempt.pk}", held)


def entry(kind: str, attempt: GenerationAttempt, owner: str, reply: Any) -> dict[str, Any]:
    """What a held reply's file says: its kind, the call's attempt and claim, the reply."""
    return {
        "kind": kind,
        "attempt": str(attempt.pk),
        "attempt_number": attempt.number,
        "owner": owner,
        "held_at": timezone.now().isoformat(),
        "reply": {**asdict(reply), "usage": asdict(reply.usage)},
    }


def write_entry(name: str, entry: dict[str, Any]) -> Path:
    """Write one held reply as `name`.json: whole or not at all, synced."""
    target = folder() / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(entry, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


def replay() -> int:
    """Store every reply held in the journal; return how many were replayed. Raises what the
    database raises if it is still unreachable (the files stay for the next try)."""
    replayed = 0
    for path in sorted(folder().glob("*.json")) if folder().exists() else []:
        with _locked(path) as entry:
            if entry is None:
                continue
            _store(entry)
            path.unlink(missing_ok=True)
            replayed += 1
    if replayed:
        log.warning("Stored %d reply(ies) held in the journal", replayed)
    return replayed


@contextmanager
def _locked(path: Path) -> Iterator[dict | None]:
    """The entry in `path`, read under an exclusive lock; None if another process holds it or
    replayed it meanwhile. A file that is not a whole entry is set aside (`.bad`), logged."""
    try:
        handle = path.open("r", encoding="utf-8")
    except FileNotFoundError:
        yield None
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        if not path.exists():  # replayed and removed while we waited for the lock
            yield None
            return
        try:
            entry = json.load(handle)
        except ValueError:
            log.error("Journal file %s is not a reply; set aside as .bad", path)
            path.rename(path.with_suffix(".bad"))
            yield None
            return
        yield entry


def _store(entry: dict) -> None:
    kind = entry.get("kind", "conversation")
    if kind != "conversation":
        if kind not in _storers:
            raise LookupError(f"No storer for held replies of kind {kind!r}")
        _storers[kind](entry)
        return
    conversation = (
        Conversation.objects.select_related("batch_job")
        .filter(pk=entry["conversation"])
        .order_by()
        .first()
    )
    attempt = GenerationAttempt.objects.filter(pk=entry["attempt"]).order_by().first()
    if conversation is None or attempt is None:
        log.warning(
            "Journal: conversation %s (attempt %s) no longer exists; its reply is dropped",
            entry["conversation"],
            entry["attempt"],
        )
        return
    claim = Claim(conversation=conversation, attempt=attempt, owner=entry["owner"])
    storing.store_reply(claim, reply_from(entry["reply"]))


def reply_from(data: dict) -> ConversationReply:
    throttles = tuple(data.get("throttles") or ())
    return ConversationReply(**{**data, "usage": Usage(**data["usage"]), "throttles": throttles})
