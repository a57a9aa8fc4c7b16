"""A release's page follows its queued build or publication (`task_status`, polled by
release_live.js) and serves its files and archives to staff (`download`)."""

from pathlib import Path
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from exports.models import Release, ReleaseTask
from exports.release_options import release_paths
from generation.clusters import clusters_seen
from generation.live import NO_WORKER, duration, moment


def task_status(task: ReleaseTask | None) -> dict[str, Any]:
    """What the release page shows about its newest task, as JSON."""
    if task is None:
        return {"task": None, "open": False}
    percent = round(100 * task.done / task.total) if task.total else 0
    if task.status == ReleaseTask.Status.DONE:
        percent = 100
    waiting = task.status == ReleaseTask.Status.QUEUED and not clusters_seen()
    return {
        "task": str(task.pk),
        "open": task.is_open,
        "status": task.status,
        "title": f"{task.get_kind_display()}: {task.state}",
        "step": task.step or ("Waiting for a worker" if task.is_open else ""),
        "stepCount": f"step {task.done + 1} of {task.total}"
        if task.total and task.status == ReleaseTask.Status.RUNNING
        else "",
        "percent": percent,
        # A publication has no count of steps: its step line says how far each file is.
        "showBar": bool(task.total) or task.status == ReleaseTask.Status.DONE,
        "outcome": task.outcome or task.error,
        "failed": task.status == ReleaseTask.Status.FAILED,
        "queuedText": moment(task.created_at),
        "runningFor": duration(_seconds(task)) if task.started_at else "–",
        "workerWarning": NO_WORKER if waiting else "",
    }


def _seconds(task: ReleaseTask) -> float:
    from django.utils import timezone

    end = task.finished_at or timezone.now()
    return (end - task.started_at).total_seconds() if task.started_at else 0.0


def status_view(request: HttpRequest, pk: Any) -> JsonResponse:
    release = get_object_or_404(Release, pk=pk)
    _may_view(request, release)
    return JsonResponse(task_status(release.tasks.first()))


def download(request: HttpRequest, pk: Any, name: str) -> FileResponse:
    """One of the release's own files (as listed on its row) or archives, streamed; any other
    name, a path outside the release folder or a missing file is a 404."""
    release = get_object_or_404(Release, pk=pk)
    _may_view(request, release)
    path = release_file(release, name)
    if path is None:
        raise Http404("No such file in this release.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


def release_file(release: Release, name: str) -> Path | None:
    folder, *archives = release_paths(release.name)
    by_name = {archive.name: archive for archive in archives}
    if name in by_name:
        path = by_name[name]
    elif name in {entry["path"] for entry in release.files or []}:
        path = folder / name
    else:
        return None
    root = folder.parent.resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(root) or not resolved.is_file():
        return None
    return resolved


def download_url(release: Release, name: str) -> str:
    return reverse("admin:exports_release_download", args=[release.pk, name])


def _may_view(request: HttpRequest, release: Release) -> None:
    if not admin.site.get_model_admin(Release).has_view_permission(request, release):
        raise PermissionDenied
