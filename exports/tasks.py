"""Building and publishing a release as django-q2 tasks: the admin queues one by id and the
release's page follows it (exports/live.py); no request builds or uploads anything itself.

A task takes its ReleaseTask with a conditional update (queued -> running), so a second
delivery of the same task does nothing; its outcome is recorded on that row either way.
"""

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from exports.models import Release, ReleaseTask
from exports.package import BUILD_STEPS, export_release
from exports.release_options import ReleaseOptions
from exports.selection import Selection

log = logging.getLogger(__name__)

BUILD = "exports.tasks.build_release"
PUBLISH = "exports.tasks.publish_release"


def queue_build(options: dict[str, Any], user: Any) -> ReleaseTask:
    """A Release row for `options["name"]` (queued) and the task that builds it."""
    with transaction.atomic():
        release, _ = Release.objects.get_or_create(
            name=options["name"],
            defaults={"version": options["version"], "created_by": _user(user)},
        )
        release.status, release.error = Release.Status.QUEUED, ""
        release.save(update_fields=["status", "error"])
        task = ReleaseTask.objects.create(
            release=release, kind=ReleaseTask.Kind.BUILD, options=options, created_by=_user(user)
        )
    _send(BUILD, task)
    return task


def queue_publish(release: Release, repo_id: str, private: bool, user: Any) -> ReleaseTask:
    task = ReleaseTask.objects.create(
        release=release,
        kind=ReleaseTask.Kind.PUBLISH,
        options={"repo_id": repo_id, "private": private},
        created_by=_user(user),
    )
    _send(PUBLISH, task)
    return task


def build_release(task_id: str) -> str:
    """The django-q2 task: build the release its ReleaseTask names, recording each step."""
    task = _take(task_id)
    if task is None:
        return "skipped"
    options = task.options
    try:
        release = export_release(
            ReleaseOptions(
                name=task.release.name,
                version=options["version"],
                selection=Selection.from_ids(
                    options.get("jobs") or (),
                    passed_checks=not options.get("include_failed"),
                    not_rejected=not options.get("include_rejected"),
                ),
                validation_fraction=options.get("validation_fraction"),
                seed=options.get("seed"),
                force=bool(options.get("force")),
                user=task.created_by,
                release_id=task.release_id,
                progress=task.advance,
            )
        )
    except Exception as error:
        message = str(error) or type(error).__name__
        Release.objects.filter(pk=task.release_id, status=Release.Status.QUEUED).update(
            status=Release.Status.FAILED, error=message
        )
        task.fail(message)
        return "failed"
    task.advance("Built", len(BUILD_STEPS), len(BUILD_STEPS))
    task.finish(
        f"Release {release.name} built: {release.conversation_count} conversations in "
        f"{release.folder} ({len(release.files)} files), its .zip and .tar.gz beside it."
    )
    return "done"


def publish_release(task_id: str) -> str:
    """The django-q2 task: push the release to the Hub, each step shown on its page."""
    from exports.hub import PublishError, publish

    task = _take(task_id)
    if task is None:
        return "skipped"
    repo_id = task.options["repo_id"]
    try:
        publication = publish(
            task.release,
            repo_id,
            private=bool(task.options.get("private")),
            user=task.created_by,
            progress=lambda line: task.advance(line.strip()),
        )
    except PublishError as error:
        task.fail(f"Not published: {error}")
        return "failed"
    except Exception as error:  # recorded on the row, not only in a worker's log
        log.exception("Publishing %s failed", task.release)
        task.fail(f"Not published: {type(error).__name__}: {error}")
        return "failed"
    verb = "Published" if publication.changed else "Already on the Hub, unchanged:"
    task.finish(
        f"{verb} {task.release.name} to {repo_id} at {publication.tag} "
        f"({publication.commit_url or publication.commit_sha})"
    )
    return "done"


def _take(task_id: str) -> ReleaseTask | None:
    task = ReleaseTask.objects.select_related("release", "created_by").filter(pk=task_id).first()
    if task is None or not task.start():
        return None
    return task


def _send(name: str, task: ReleaseTask) -> None:
    """To a worker once the rows are committed (at once with RELEASE_TASKS_SYNC: tests)."""
    from django_q.tasks import async_task

    def send() -> None:
        try:
            async_task(
                name,
                str(task.pk),
                task_name=f"{task.kind} {task.release.name} {task.pk}",
                group="releases",
                sync=settings.RELEASE_TASKS_SYNC,
            )
        except Exception as error:  # the page says why instead of waiting for ever
            log.exception("Could not queue %s", task)
            task.fail(f"Not queued: {error}")

    if settings.RELEASE_TASKS_SYNC:
        send()
    else:
        transaction.on_commit(send)


def _user(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None
