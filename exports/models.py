"""Releases: what went into a published dataset package, its files and where it was pushed."""

import uuid

from django.conf import settings
from django.db import models

from generation.models import BatchJob


class Release(models.Model):
    class Status(models.TextChoices):
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
