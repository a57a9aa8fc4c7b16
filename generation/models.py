"""Batch jobs, the conversations they generate, and every API attempt made for them.

The database is the source of truth for who works on what: a conversation is claimed with a
conditional UPDATE that sets a lease, and its result is written in the same transaction
that releases the claim (see generation/claims.py and storing.py).
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from eidataset.models import (
    ConsultantProfile,
    DocumentChunk,
    EdgeCase,
    EmotionalArc,
    Persona,
    PromptTemplate,
    TrainingTopic,
)
from generation.querysets import BatchJobQuerySet, ConversationQuerySet
from generation.signals import work_added


class _MoneyOptions(TypedDict):
    max_digits: int
    decimal_places: int
    default: Decimal


MONEY: _MoneyOptions = {"max_digits": 12, "decimal_places": 6, "default": Decimal("0")}
# The lease owner of a conversation held by a Message Batch starts with this (no expiry: the
# batch's results, or the orphan sweep, release it).
BATCH_OWNER = "batch "


# Conversation.source of a conversation an editor wrote (review/hand_written.py); the others
# say which writer answered the request: "claude" or "offline_emulator".
HAND_WRITTEN = "hand_written"


class Tier(models.TextChoices):
    TEMPLATE = "template", "Template"
    SCENARIO = "scenario", "Scenario"
    EDGE_CASE = "edge_case", "Edge case"


class Arm(models.TextChoices):
    """The two arms of an A/B job; a conversation of any other job has none ("")."""

    A = "a", "A"
    B = "b", "B"


class PromptExamples(models.Model):
    """A pinned set of seed examples that the system prompt shows (generation/examples.py):
    each example's text is frozen here when the set is made, so a job that pins the set sends
    the same prompt whatever happens to the conversations later."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(unique=True)
    examples = models.JSONField(
        default=list, help_text="[{conversation, persona, tier, arc, topic, turns}], in order."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "prompt_examples"
        ordering = ["-version"]
        verbose_name = "prompt examples version"

    def __str__(self) -> str:
        return f"Seed examples v{self.version} ({len(self.examples)})"

    def conversation_ids(self) -> list[str]:
        return [example["conversation"] for example in self.examples]


class BatchJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        IN_PROGRESS = "in_progress"
        PAUSED = "paused"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class Priority(models.IntegerChoices):
        LOW = 0, "low"
        NORMAL = 1, "normal"
        HIGH = 2, "high"

    class ErrorHandling(models.TextChoices):
        CONTINUE = "continue"
        STOP = "stop"

    class Mode(models.TextChoices):
        STANDARD = "standard", "Standard (one Messages call each)"
        BATCH = "batch", "Message Batches (half price, within 24 h)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    priority = models.IntegerField(choices=Priority.choices, default=Priority.NORMAL)
    # The live width: dispatch and claims never let more calls run at once. In auto mode the
    # controller (generation/concurrency.py) moves it between 1 and the ceiling.
    concurrency = models.PositiveSmallIntegerField(default=3)
    concurrency_auto = models.BooleanField(default=False)
    concurrency_ceiling = models.PositiveSmallIntegerField(null=True, blank=True)
    # Calls that succeeded with room to spare since the last increase (auto mode).
    concurrency_credit = models.PositiveIntegerField(default=0)
    # Until then no further halving: one overload halves the width once (auto mode).
    concurrency_hold_until = models.DateTimeField(null=True, blank=True)
    error_handling = models.CharField(
        max_length=10, choices=ErrorHandling.choices, default=ErrorHandling.CONTINUE
    )
    mode = models.CharField(
        max_length=10,
        choices=Mode.choices,
        default=Mode.STANDARD,
        help_text="Batch: the conversations go out through the Message Batches API.",
    )
    total_items = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=80)
    max_tokens = models.PositiveIntegerField()
    judge_model = models.CharField(
        max_length=80, blank=True, help_text="The judge's model; empty: no judge call."
    )
    prompt_template = models.ForeignKey(PromptTemplate, on_delete=models.PROTECT, related_name="+")
    consultant_profile = models.ForeignKey(
        ConsultantProfile, on_delete=models.PROTECT, related_name="+"
    )
    prompt_examples = models.ForeignKey(
        PromptExamples,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        help_text="The seed examples its system prompt shows (none: the prompt alone).",
    )
    # An A/B job (issue 15.4): arm A shows prompt_examples, arm B ab_examples (None: the
    # prompt alone); each conversation's `arm` says which it was given.
    ab_split = models.BooleanField(
        default=False, help_text="Split A/B between two sets of seed examples."
    )
    ab_examples = models.ForeignKey(
        PromptExamples,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ab_jobs",
        help_text="Arm B's seed examples in an A/B job (none: the prompt alone).",
    )
    plan_seed = models.BigIntegerField(null=True, blank=True)
    coverage = models.JSONField(default=dict, blank=True)
    estimated_cost = models.DecimalField(**MONEY)
    judge_estimated_cost = models.DecimalField(
        **MONEY, help_text="The part of the estimated cost that is for judge calls."
    )
    estimated_seconds = models.PositiveIntegerField(default=0)
    budget_cap = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    status_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BatchJobQuerySet.as_manager()

    class Meta:
        db_table = "batch_jobs"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    ACTIVE = (Status.PENDING, Status.IN_PROGRESS)
    FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)
    # Given work again (failed conversations retried, a rejected one regenerated): all but
    # a cancelled job go back to work.
    REOPENABLE = (Status.COMPLETED, Status.FAILED, Status.PAUSED, *ACTIVE)

    def _move(self, sources: tuple[str, ...], target: str, reason: str = "", **extra: Any) -> bool:
        """Change status only from `sources` (a conditional UPDATE, safe against races)."""
        changes = {"status": target, "status_reason": reason[:500], **extra}
        moved = BatchJob.objects.filter(pk=self.pk, status__in=sources).update(**changes)
        if moved:
            for name, value in changes.items():
                setattr(self, name, value)
        return bool(moved)

    def start(self) -> bool:
        return self._move(
            (self.Status.PENDING,), self.Status.IN_PROGRESS, started_at=timezone.now()
        )

    def pause(self, reason: str) -> bool:
        return self._move(self.ACTIVE, self.Status.PAUSED, reason)

    def resume(self) -> bool:
        return self._reopen((self.Status.PAUSED,), self.started_at)

    def _reopen(self, sources: tuple[str, ...], started_at: datetime | None) -> bool:
        """Back to work: in progress if it had started, else pending; not finished."""
        target = self.Status.IN_PROGRESS if started_at else self.Status.PENDING
        return self._move(sources, target, finished_at=None)

    def cancel(self, reason: str = "Cancelled") -> bool:
        return self._end(self.Status.CANCELLED, reason)

    def fail(self, reason: str) -> bool:
        return self._end(self.Status.FAILED, reason)

    @transaction.atomic
    def _end(self, target: str, reason: str) -> bool:
        """Finish an unfinished job early; what had not started is cancelled."""
        sources = (*self.ACTIVE, self.Status.PAUSED)
        moved = self._move(sources, target, reason, finished_at=timezone.now())
        if moved:
            statuses = Conversation.Status
            self.conversations.transition((statuses.PENDING,), statuses.CANCELLED)
        return moved

    @transaction.atomic
    def retry_failed(self) -> int:
        """Put failed (and stop-cancelled) conversations back to pending with the same
        parameters; completed ones are not touched. Returns how many."""
        retryable = [Conversation.Status.FAILED]
        if self.status == self.Status.FAILED:
            retryable.append(Conversation.Status.CANCELLED)
        count = self.conversations.filter(status__in=retryable).update(
            status=Conversation.Status.PENDING,
            attempts=0,
            error="",
            retry_scheduled=False,
            not_before=None,
            dispatched_at=None,
            completed_at=None,
        )
        if count:
            self._reopen(self.REOPENABLE, self.started_at)
        return count

    @transaction.atomic
    def regenerate(self, conversation: "Conversation") -> "Conversation":
        """A new pending conversation with `conversation`'s parameters (a reviewer rejected it),
        numbered after the job's last one; the job goes back to work and, once committed, the
        replacement is dispatched. Refused for a cancelled job or another job's conversation."""
        job = BatchJob.objects.select_for_update().get(pk=self.pk)
        if conversation.batch_job_id != job.pk:
            raise ValueError(f"Conversation {conversation.pk} is not in batch job {job}.")
        if job.status == self.Status.CANCELLED:
            raise ValueError(f"Batch job {job} was cancelled; resume work in a new job.")
        last = job.conversations.aggregate(last=models.Max("sequence_number"))["last"] or 0
        replacement = Conversation.objects.create(
            batch_job=job,
            sequence_number=last + 1,
            regenerated_from=conversation,
            tier=conversation.tier,
            persona_id=conversation.persona_id,
            emotional_arc_id=conversation.emotional_arc_id,
            training_topic_id=conversation.training_topic_id,
            edge_case_id=conversation.edge_case_id,
            chunk_id=conversation.chunk_id,
            chunk_context=conversation.chunk_context,
            parameters=conversation.parameters,
            prompt_template_id=conversation.prompt_template_id,
            consultant_profile_id=conversation.consultant_profile_id,
            arm=conversation.arm,
        )
        BatchJob.objects.filter(pk=job.pk).update(total_items=models.F("total_items") + 1)
        self._reopen(self.REOPENABLE, job.started_at)
        self.total_items = job.total_items + 1
        transaction.on_commit(lambda: work_added.send(sender=BatchJob, job_id=job.pk))
        return replacement

    def finish_if_done(self) -> bool:
        """Completed once no conversation is waiting or being written."""
        unfinished = self.conversations.filter(
            status__in=(Conversation.Status.PENDING, Conversation.Status.GENERATING)
        )
        if unfinished.exists():
            return False
        return self._move(self.ACTIVE, self.Status.COMPLETED, finished_at=timezone.now())

    def arms(self) -> list[str]:
        """The arms its conversations are split between: A and B, or one unnamed arm."""
        return [Arm.A, Arm.B] if self.ab_split else [""]

    def examples_id(self, arm: str = "") -> Any:
        """The id of the seed examples version an arm shows, or None for the prompt alone."""
        return self.ab_examples_id if arm == Arm.B else self.prompt_examples_id

    def progress(self) -> dict[str, int]:
        """Conversations by status; `live` counts the claims whose lease has not run out (a
        dead worker's conversation is `generating` until the sweep returns it), `batched`
        those held by an open Message Batch (batch mode)."""
        statuses = Conversation.Status
        counts = self.conversations.aggregate(
            total=Count("pk"),
            live=Count(
                "pk",
                filter=Q(status=statuses.GENERATING, lease_expires_at__gt=timezone.now()),
            ),
            batched=Count(
                "pk",
                filter=Q(status=statuses.GENERATING, lease_owner__startswith=BATCH_OWNER),
            ),
            **{name: Count("pk", filter=Q(status=name)) for name in statuses.values},
        )
        return counts

    def actual_cost(self) -> Decimal:
        """Everything paid for the job's conversations: their generation and judge calls."""
        return self.conversations.aggregate(total=Sum("cost"))["total"] or Decimal("0")

    def judge_cost(self) -> Decimal:
        """The part of the actual cost paid for judge calls (review/judging.py)."""
        judged = GenerationAttempt.objects.filter(
            conversation__batch_job=self, kind=GenerationAttempt.Kind.JUDGE
        )
        return judged.aggregate(total=Sum("cost"))["total"] or Decimal("0")


class Conversation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        GENERATING = "generating"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch_job = models.ForeignKey(BatchJob, on_delete=models.CASCADE, related_name="conversations")
    sequence_number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    tier = models.CharField(max_length=20, choices=Tier.choices)
    persona = models.ForeignKey(Persona, on_delete=models.PROTECT, related_name="conversations")
    emotional_arc = models.ForeignKey(
        EmotionalArc, on_delete=models.PROTECT, related_name="conversations"
    )
    training_topic = models.ForeignKey(
        TrainingTopic, on_delete=models.PROTECT, related_name="conversations"
    )
    edge_case = models.ForeignKey(
        EdgeCase, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    chunk = models.ForeignKey(
        DocumentChunk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    chunk_context = models.TextField(blank=True)
    parameters = models.JSONField(help_text="The parameter set, in the spec's shape.")
    turns = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="claude or offline_emulator")
    model = models.CharField(max_length=80, blank=True)
    prompt_template = models.ForeignKey(
        PromptTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consultant_profile = models.ForeignKey(
        ConsultantProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(**MONEY)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    retry_scheduled = models.BooleanField(default=False)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Queued for a worker.")
    lease_owner = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(
        null=True, blank=True, help_text="Backoff after a retryable error."
    )
    quality_score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    validation = models.JSONField(default=dict, blank=True)
    regenerated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="regenerations"
    )
    seed_example = models.BooleanField(
        default=False,
        db_index=True,
        help_text=(
            "Marked by an editor as an example of a good conversation (it passed its checks and "
            "a reviewer approved it); exported with use_as_seed_example: true."
        ),
    )
    seed_example_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    seed_example_marked_at = models.DateTimeField(null=True, blank=True)
    arm = models.CharField(
        max_length=1,
        choices=Arm.choices,
        blank=True,
        help_text="Its arm in an A/B job (which seed examples its request showed).",
    )
    examples_seen = models.JSONField(
        default=list,
        blank=True,
        help_text="The seed examples (conversation ids) its request showed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        db_table = "conversations"
        ordering = ["batch_job", "sequence_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch_job", "sequence_number"], name="unique_conversation_sequence"
            )
        ]
        indexes = [models.Index(fields=["batch_job", "status"], name="conversation_job_status")]

    def __str__(self) -> str:
        return f"{self.batch_job} #{self.sequence_number}"

    # --- state changes: each one conditional UPDATE (ConversationQuerySet.transition) ------

    def take(self, owner: str, lease_seconds: float, *conditions: Any, **lookups: Any) -> bool:
        """Pending -> generating with a lease for `owner`, only if the row is still as read
        (the attempt count in the WHERE) and meets any further conditions."""
        now = timezone.now()
        changes = {
            "lease_owner": owner,
            "lease_expires_at": now + timedelta(seconds=lease_seconds),
            "attempts": self.attempts + 1,
            "dispatched_at": None,
            "started_at": now,
        }
        sources = (self.Status.PENDING,)
        return self._transition(
            sources, self.Status.GENERATING, changes, *conditions, attempts=self.attempts, **lookups
        )

    def complete(self, reply_fields: dict[str, Any]) -> bool:
        """Generating (or pending again: a reply stored after its lease ran out) -> completed
        with the reply's fields; unless it was finished elsewhere."""
        changes = {
            **reply_fields,
            "error": "",
            "retry_scheduled": False,
            "not_before": None,
            "lease_owner": "",
            "lease_expires_at": None,
            "completed_at": timezone.now(),
        }
        sources = (self.Status.GENERATING, self.Status.PENDING)
        return self._transition(sources, self.Status.COMPLETED, changes)

    def retry_later(self, reason: str, not_before: datetime | None) -> bool:
        """Generating -> pending, to be taken again from `not_before` (None: at once)."""
        changes = {
            "error": reason[:2000],
            "retry_scheduled": True,
            "not_before": not_before,
            "lease_owner": "",
            "lease_expires_at": None,
        }
        return self._transition((self.Status.GENERATING,), self.Status.PENDING, changes)

    def fail(self, reason: str) -> bool:
        """Generating -> failed, for good (retry_failed puts it back)."""
        changes = {
            "error": reason[:2000],
            "retry_scheduled": False,
            "lease_owner": "",
            "lease_expires_at": None,
            "completed_at": timezone.now(),
        }
        return self._transition((self.Status.GENERATING,), self.Status.FAILED, changes)

    def _transition(
        self,
        sources: Iterable[str],
        target: str,
        changes: dict[str, Any],
        *conditions: Any,
        **lookups: Any,
    ) -> bool:
        rows = Conversation.objects.filter(*conditions, pk=self.pk, **lookups)
        moved = rows.transition(sources, target, **changes)
        if moved:  # the loaded object as the row now is (expressions such as F() aside)
            self.status = target
            for name, value in changes.items():
                if not hasattr(value, "resolve_expression"):
                    setattr(self, name, value)
        return bool(moved)


class GenerationAttempt(models.Model):
    """One Messages API call: recorded before the call, completed after it. Most write the
    conversation; a judge call (review/judging.py) gives the judge's verdict on it."""

    class Kind(models.TextChoices):
        GENERATION = "generation"
        JUDGE = "judge"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GENERATION)
    worker = models.CharField(max_length=120)
    started_at = models.DateTimeField(auto_now_add=True)
    # When the request went out: at the start, or later if the worker waited for the shared
    # rate-limit window (None while it waits), which counts the calls sent since it learnt.
    sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, blank=True, help_text="ok, or the error kind")
    request_id = models.CharField(max_length=120, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(**MONEY)
    cost_estimated = models.BooleanField(
        default=False, help_text="The call was lost with its worker: charged at the estimate."
    )
    error = models.TextField(blank=True)
    message_batch = models.ForeignKey(
        "MessageBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempts",
        help_text="The Message Batch that carried this request (batch mode).",
    )

    class Meta:
        db_table = "generation_attempts"
        ordering = ["conversation", "number"]

    def __str__(self) -> str:
        return f"{self.conversation} attempt {self.number}"


class MessageBatch(models.Model):
    """One Message Batches API batch of a batch-mode job (generation/batches.py).

    The row, its token, the conversations taken for it and their attempts are committed
    before the create call; every request's custom_id starts with the token, so a batch
    created by a call whose answer was lost is found again from its results (adopted), and
    a batch that never came about gives its conversations back."""

    class State(models.TextChoices):
        CREATING = "creating", "creating (create call sent, no id yet)"
        IN_PROGRESS = "in_progress", "in progress"
        CANCELING = "canceling", "canceling"
        ENDED = "ended", "ended (results being stored)"
        STORED = "stored", "stored"
        REFUSED = "refused", "refused by the API"
        ABANDONED = "abandoned", "never created (conversations given back)"

    OPEN = (State.CREATING, State.IN_PROGRESS, State.CANCELING, State.ENDED)
    POLLED = (State.IN_PROGRESS, State.CANCELING, State.ENDED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch_job = models.ForeignKey(
        BatchJob, on_delete=models.CASCADE, related_name="message_batches"
    )
    token = models.CharField(max_length=16, unique=True)
    anthropic_id = models.CharField(max_length=120, blank=True, db_index=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATING)
    request_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(
        default=dict, blank=True, help_text="The API's request counts, as last seen."
    )
    estimated_cost = models.DecimalField(**MONEY)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    stored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "message_batches"
        ordering = ["batch_job", "created_at"]
        indexes = [models.Index(fields=["state"], name="message_batch_state")]

    def __str__(self) -> str:
        return self.anthropic_id or f"batch {self.token} ({self.state})"

    def owner(self) -> str:
        """The lease owner of the conversations the batch holds."""
        return f"{BATCH_OWNER}{self.token}"


class RateLimitWindow(models.Model):
    """What the API last said about a model's limits (the anthropic-ratelimit-* headers),
    shared by every worker so that none starts a call the window cannot take."""

    model = models.CharField(max_length=80, unique=True)
    requests_remaining = models.IntegerField(null=True, blank=True)
    requests_reset = models.DateTimeField(null=True, blank=True)
    input_tokens_remaining = models.IntegerField(null=True, blank=True)
    input_tokens_reset = models.DateTimeField(null=True, blank=True)
    output_tokens_remaining = models.IntegerField(null=True, blank=True)
    output_tokens_reset = models.DateTimeField(null=True, blank=True)
    requests_limit = models.IntegerField(null=True, blank=True)
    input_tokens_limit = models.IntegerField(null=True, blank=True)
    output_tokens_limit = models.IntegerField(null=True, blank=True)
    # When the call whose headers these are was sent (they show the window as it admitted
    # that call), and what it wrote: calls sent since are counted at that size.
    as_of = models.DateTimeField(null=True, blank=True)
    output_tokens_per_call = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "rate_limit_windows"

    def __str__(self) -> str:
        return f"{self.model} limits"
