"""A judge's verdict received while the database cannot take it is held in the reply journal
and stored once when the database is back: the judge is not asked again and the call is paid
once. On SQLite the database is made unwritable for real (another connection holds its write
lock) while the verdict comes back over a loopback HTTP server."""

import shutil

import pytest
from django.db import connection
from django.utils import timezone

from generation import journal
from generation.emulator import Emulator, read_request_log
from generation.models import Conversation, GenerationAttempt
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from generation.tasks import generate_conversation
from review.judging import expire_judge_leases, judge, sweep_judging
from review.models import JudgeVerdict
from tests.generation import test_journal
from tests.generation.loopback import loopback_api
from tests.generation.test_journal import sqlite_only
from tests.workers.conftest import wait_for

unwritable = test_journal.unwritable  # the fixture: the SQLite file's write lock, taken by a test

pytestmark = [pytest.mark.django_db(transaction=True), sqlite_only]


def judged_while_locked(settings, lock, log) -> JudgeVerdict:
    """A judged job's one conversation, written; its verdict comes back while the lock is held."""
    sets = plan_parameter_sets(counts={"template": 1}, seed=4)
    job = submit_batch(
        resolve_plan([s.to_json() for s in sets]),
        BatchOptions(name="Judge journal", concurrency=1, judge=True),
    )
    conversation = job.conversations.get()
    assert generate_conversation(str(conversation.pk)) == "completed"  # the offline emulator
    verdict = JudgeVerdict.objects.get(conversation=conversation)
    assert verdict.status == JudgeVerdict.Status.PENDING  # its task sits in the broker
    with loopback_api(Emulator(request_log=log), extra_headers=lock.take) as (url, _):
        settings.ANTHROPIC_API_KEY = "test-key-not-a-secret"
        settings.ANTHROPIC_BASE_URL = url
        assert judge(str(verdict.pk)) == "held"
    assert lock.taken.is_set()
    lock.release()
    connection.close()
    return verdict


def judge_attempts(verdict: JudgeVerdict):
    return GenerationAttempt.objects.filter(conversation=verdict.conversation, kind="judge")


def test_a_verdict_held_in_the_journal_is_stored_once_and_never_asked_again(
    settings, unwritable, tmp_path
):
    log = tmp_path / "requests.jsonl"
    verdict = judged_while_locked(settings, unwritable, log)
    held = list(journal.folder().glob("judge-*.json"))
    assert len(held) == 1
    kept_copy = tmp_path / "copy.json"
    shutil.copy(held[0], kept_copy)
    paid_before = Conversation.objects.get(pk=verdict.conversation_id).cost

    # Its lease has run out by the time the sweep runs: the journal goes first.
    JudgeVerdict.objects.filter(pk=verdict.pk).update(lease_expires_at=timezone.now())
    journal.outage_marker().unlink()
    # The sweep replays the journal first (so might this process's heartbeat thread).
    wait_for(
        lambda: JudgeVerdict.objects.get(pk=verdict.pk).status == "done",
        timeout=10,
        tick=sweep_judging,
    )

    verdict.refresh_from_db()
    (attempt,) = judge_attempts(verdict)
    assert verdict.status == JudgeVerdict.Status.DONE and verdict.checklist
    assert attempt.outcome == "ok" and not attempt.cost_estimated and attempt.cost > 0
    assert Conversation.objects.get(pk=verdict.conversation_id).cost == paid_before + attempt.cost
    wait_for(lambda: journal.held() == 0, timeout=10)  # the sweep's or the heartbeat's replay
    # Replayed again (a process killed after storing it, before removing the file): nothing
    # is stored or charged twice.
    shutil.copy(kept_copy, held[0])
    assert journal.replay() == 1
    assert Conversation.objects.get(pk=verdict.conversation_id).cost == paid_before + attempt.cost
    judged = [e for e in read_request_log(log) if e["kind"] == "judge"]
    assert [(e["conversation"], e["status"]) for e in judged] == [
        (str(verdict.conversation_id), 200)
    ]


def test_a_held_verdict_whose_claim_was_returned_meanwhile_is_stored_at_its_real_cost(
    settings, unwritable, tmp_path
):
    """Another machine's sweep (without this journal) returned the claim and charged the
    call at its estimate; the replay stores the verdict and charges the real cost instead."""
    verdict = judged_while_locked(settings, unwritable, tmp_path / "requests.jsonl")
    paid_before = Conversation.objects.get(pk=verdict.conversation_id).cost
    journal.outage_marker().unlink()
    JudgeVerdict.objects.filter(pk=verdict.pk).update(lease_expires_at=timezone.now())
    assert expire_judge_leases() == 1
    (attempt,) = judge_attempts(verdict)
    assert attempt.outcome == "lost" and attempt.cost_estimated

    assert journal.replay() == 1

    verdict.refresh_from_db()
    attempt.refresh_from_db()
    assert verdict.status == JudgeVerdict.Status.DONE
    assert attempt.outcome == "ok" and not attempt.cost_estimated
    assert Conversation.objects.get(pk=verdict.conversation_id).cost == paid_before + attempt.cost
