"""Releases: what went into a published dataset package, its files and where it was pushed."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from generation.models import BatchJob


class Release(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        BUILDING = "building"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(
        max_length=120, unique=True, help_text="e.g. emotional-intelligence-100-v1.0"
    )
    version = models.CharField(max_length=40, help_text="Semantic version, e.g. 1.0.0")
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    batch_jobs = models.ManyToManyField(BatchJob, blank=True, related_name="releases")
    selection = models.JSONField(
        default=dict, blank=True, help_text="The filter that chose the conversations."
    )
    conversation_count = models.PositiveIntegerField(default=0)
    models_used = models.JSONField(default=list, blank=True)
    prompt_versions = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=dict, blank=True, help_text="conversation_source: count")
    files = models.JSONField(
        default=list, blank=True, help_text="[{path, bytes, sha256}] of every file in the folder"
    )
    folder = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "releases"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Publication(models.Model):
    """One push of a release to a Hub dataset repository."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="publications")
    repo_id = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=300)
    private = models.BooleanField(default=False)
    commit_sha = models.CharField(max_length=80, blank=True)
    commit_url = models.CharField(max_length=500, blank=True)
    tag = models.CharField(max_length=80, blank=True)
    changed = models.BooleanField(
        default=True, help_text="False when the Hub already held this version unchanged."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "publications"
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"{self.release} -> {self.repo_id}@{self.tag}"


class TrainCheck(models.Model):
    """One `train_check` run on a release: a tiny randomly initialised causal LM fine-tuned with
    LoRA on its chat config, the loss on the assistant's tokens only (exports/training/)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="train_checks")
    passed = models.BooleanField(default=False)
    problems = models.TextField(blank=True, help_text="Why it did not pass, one per line.")
    steps = models.PositiveIntegerField()
    tokenizer = models.CharField(max_length=200)
    examples = models.PositiveIntegerField(help_text="Chat examples, train and validation")
    tokens_min = models.PositiveIntegerField()
    tokens_median = models.FloatField()
    tokens_p95 = models.PositiveIntegerField()
    tokens_max = models.PositiveIntegerField()
    suggested_max_length = models.PositiveIntegerField()
    loss_token_share = models.FloatField(help_text="Share of the train split's tokens in the loss")
    train_loss_start = models.FloatField(
        help_text="Loss over the train split's first examples, before training"
    )
    train_loss_end = models.FloatField(help_text="The same, after training")
    validation_loss_start = models.FloatField()
    validation_loss_end = models.FloatField()
    step_losses = models.JSONField(default=list, blank=True)
    lora_tensors = models.PositiveIntegerField()
    lora_tensors_changed = models.PositiveIntegerField()
    base_tensors = models.PositiveIntegerField()
    base_tensors_changed = models.PositiveIntegerField()
    seconds_per_step = models.FloatField()
    peak_rss_mb = models.FloatField(help_text="The process's peak resident memory")
    versions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "train_checks"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.release} train check ({'passed' if self.passed else 'failed'})"


def lost_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.Q_CLUSTER["timeout"])


class ReleaseTaskQuerySet(models.QuerySet):
    def open(self) -> "ReleaseTaskQuerySet":
        """Queued, or running within the cluster's task timeout."""
        return self.filter(
            models.Q(status="queued") | models.Q(status="running", started_at__gte=lost_before())
        )


class ReleaseTask(models.Model):
    """A build or a publication of a release, run by a django-q2 worker (exports/tasks.py); the
    release's admin page follows its step and progress. No admin request does this work."""

    class Kind(models.TextChoices):
        BUILD = "build", "Build"
        PUBLISH = "publish", "Publish to the Hub"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    options = models.JSONField(default=dict, blank=True, help_text="What the form asked for")
    step = models.CharField(max_length=300, blank=True, help_text="What it is doing now")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    outcome = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReleaseTaskQuerySet.as_manager()

    class Meta:
        db_table = "release_tasks"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.release} ({self.get_status_display().lower()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.QUEUED or (
            self.status == self.Status.RUNNING and not self.lost
        )

    @property
    def state(self) -> str:
        """The status in words, "lost" for a running task past the cluster's timeout."""
        return "lost (its worker stopped)" if self.lost else self.get_status_display().lower()

    @property
    def lost(self) -> bool:
        """Running for longer than a qcluster lets a task run: its worker died or was stopped
        (the row could not be told), so it no longer holds the release."""
        started = self.started_at
        return (
            self.status == self.Status.RUNNING and started is not None and started < lost_before()
        )

    def start(self) -> bool:
        """Take the queued task; False if it was taken already (a second delivery) or gone."""
        now = timezone.now()
        taken = ReleaseTask.objects.filter(pk=self.pk, status=self.Status.QUEUED).update(
            status=self.Status.RUNNING, started_at=now
        )
        if taken:
            self.status, self.started_at = self.Status.RUNNING, now
        return bool(taken)

    def advance(self, step: str, done: int | None = None, total: int | None = None) -> None:
        self.step = step[:300]
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        self.save(update_fields=["step", "done", "total"])

    def finish(self, outcome: str) -> None:
        self._end(self.Status.DONE, outcome=outcome)

    def fail(self, error: str) -> None:
        self._end(self.Status.FAILED, error=error)

    def _end(self, status: str, **fields: str) -> None:
        self.status, self.finished_at = status, timezone.now()
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["status", "finished_at", *fields])
