"""Building a release: stream the chosen conversations once into every file of the package,
then put the folder and its archives in place atomically.

Everything is written into a hidden sibling folder and the archives under hidden temporary
names (exports/building.py); only when all of them are complete are they renamed into place.
A failure or an interruption at any point removes the temporary files, so a release folder that
exists is always whole; the Release row records the error. What an export killed outright left
behind is removed by the next export under the same root.
"""

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasets import Features
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from eidataset.models import ConsultantProfile
from exports.archives import write_checksums, write_tar, write_zip
from exports.building import put_in_place, remove_leftovers, removed_on_failure, temporary_paths
from exports.composition import Composition
from exports.data_files import DATA_FILES, FILES, write_rows
from exports.formats import (
    CHAT_FEATURES,
    DEFAULT_PHILOSOPHY_KEYS,
    ReleaseContext,
    training_features,
)
from exports.licenses import LicenseError, license_text, release_license
from exports.models import Release
from exports.release_options import (
    ReleaseError,
    ReleaseOptions,
    check_fraction,
    check_name,
    check_version,
    release_paths,
)
from exports.selection import LEFT_OUT_REASONS, Selection

log = logging.getLogger(__name__)


def export_release(options: ReleaseOptions) -> Release:
    """Build the release the options describe; return its Release row (status ready).

    Bad options, an empty selection or an existing name (without `force`) raise ReleaseError
    before anything is written. A failure while building marks the row failed and raises.
    """
    name = check_name(options.name)
    version = check_version(options.version)
    fraction = check_fraction(
        settings.RELEASE_VALIDATION_FRACTION
        if options.validation_fraction is None
        else options.validation_fraction
    )
    seed = settings.RELEASE_SPLIT_SEED if options.seed is None else options.seed
    try:
        license = release_license()
    except LicenseError as error:
        raise ReleaseError(str(error)) from None
    existing = Release.objects.filter(name=name).first()
    queued_here = existing is not None and str(existing.pk) == str(options.release_id)
    on_disk = [path for path in release_paths(name) if path.exists()]
    if ((existing and not queued_here) or on_disk) and not options.force:
        where = on_disk[0] if on_disk else "the database"
        raise ReleaseError(
            f"A release named {name!r} already exists ({where}); choose another name, or "
            "rebuild it with --force."
        )
    conversations = options.selection.conversations()
    total = conversations.count()
    left_out = options.selection.left_out()
    if not total:
        raise ReleaseError(
            f"The selection has no conversations ({_describe(options.selection, left_out)}); "
            "nothing was written."
        )
    release = existing or Release(name=name)
    release.version = version
    release.title = options.title or settings.RELEASE_TITLE
    release.status = Release.Status.BUILDING
    release.selection = {
        **options.selection.describe(),
        "left_out": left_out,
        "validation_fraction": fraction,
        "seed": seed,
    }
    release.error = ""
    release.completed_at = None
    release.created_by = options.user if getattr(options.user, "pk", None) else None
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:
        raise ReleaseError(f"A release named {name!r} is being built by someone else.") from None
    release.batch_jobs.set(options.selection.jobs)
    try:
        _build(release, options.selection, total, fraction, seed, license, options.progress)
    except BaseException as error:
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        Release.objects.filter(pk=release.pk).update(status=Release.Status.FAILED, error=message)
        release.status, release.error = Release.Status.FAILED, message
        if isinstance(error, Exception) and not isinstance(error, ReleaseError):
            log.exception("Release %s failed", name)
            raise ReleaseError(f"Building release {name} failed: {message}") from error
        raise
    return release


def _describe(selection: Selection, left_out: dict[str, Any]) -> str:
    parts = ["completed"]
    if selection.jobs:
        parts.append("jobs " + ", ".join(job.name for job in selection.jobs))
    if selection.passed_checks:
        parts.append("passed checks")
    if selection.not_rejected:
        parts.append("not rejected")
    if left_out["total"]:
        reasons = ", ".join(
            f"{count} {LEFT_OUT_REASONS[reason]}"
            for reason, count in left_out["by_reason"].items()
            if count
        )
        parts.append(f"left out {reasons}; include them explicitly if they belong in it")
    return "; ".join(parts)


BUILD_STEPS = (
    "Writing the conversations, chat and metadata files",
    "Writing the quality report",
    "Writing the license and the dataset card",
    "Writing the checksums",
    "Writing the .zip",
    "Writing the .tar.gz",
    "Putting the release in place",
)


def _build(
    release: Release,
    selection: Selection,
    total: int,
    fraction: float,
    seed: int,
    license: Any,
    progress: Callable[[str, int, int], None] | None = None,
) -> None:
    steps = iter(enumerate(BUILD_STEPS))

    def step() -> None:
        if progress is not None:
            number, words = next(steps)
            progress(words, number, len(BUILD_STEPS))

    folder, zip_path, tar_path = release_paths(release.name)
    root = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    remove_leftovers(root)
    building, temporary_zip, temporary_tar = temporary_paths(root, release.name)
    with removed_on_failure(building, temporary_zip, temporary_tar):
        building.mkdir()
        conversations = selection.conversations()
        philosophy = _philosophy_keys(conversations)
        context = ReleaseContext(release.name, release.version, total, philosophy)
        step()
        composition = write_rows(context, conversations, fraction, seed, building)
        stats = _stats(release, composition, license)
        step()
        report = _write_report(
            selection, building / FILES["quality_report"], release.name, release.selection
        )
        stats["bytes"] = {name: (building / name).stat().st_size for name in DATA_FILES}
        year = timezone.now().year
        step()
        (building / FILES["license"]).write_text(
            license_text(license, release.title, year), encoding="utf-8"
        )
        _write_card(stats, report, building, training_features(philosophy))
        step()
        files = write_checksums(building)
        step()
        write_zip(building, release.name, temporary_zip)
        step()
        write_tar(building, release.name, temporary_tar)
        step()
        put_in_place(building, folder)
        os.replace(temporary_zip, zip_path)
        os.replace(temporary_tar, tar_path)
    release.status = Release.Status.READY
    release.conversation_count = composition.total
    release.models_used = sorted(composition.models)
    release.prompt_versions = sorted(composition.prompt_versions)
    release.sources = dict(sorted(composition.sources.items()))
    release.files = files
    release.folder = str(folder)
    release.completed_at = timezone.now()
    release.save()


def _philosophy_keys(conversations: Any) -> tuple[str, ...]:
    """Every principle named by the profile versions the release's conversations used."""
    ids = set()
    for own, job in conversations.values_list(
        "consultant_profile_id", "batch_job__consultant_profile_id"
    ).distinct():
        ids.add(own or job)
    keys = dict.fromkeys(DEFAULT_PHILOSOPHY_KEYS if not ids else ())
    for profile in ConsultantProfile.objects.filter(pk__in=ids).order_by("version"):
        keys.update(dict.fromkeys(profile.core_philosophy or {}))
    return tuple(keys)


def _stats(release: Release, composition: Composition, license: Any) -> dict:
    return composition.as_stats(
        name=release.name,
        title=release.title,
        version=release.version,
        created=timezone.localdate().isoformat(),
        license=license.id,
        license_name=license.name,
        files=dict(FILES),
    )


def _write_report(
    selection: Selection, path: Path, name: str, described: dict[str, Any]
) -> dict[str, Any]:
    """The quality report of what went in, with what the selection left out and why."""
    from review.report import write_report

    chosen = {key: described[key] for key in ("passed_checks", "not_rejected", "left_out")}
    return write_report(selection.conversations(), path, name=name, extra={"selection": chosen})


def _write_card(
    stats: dict[str, Any], report: dict[str, Any], folder: Path, training: Features
) -> None:
    from exports.card import render_card
    from exports.figures import write_figures

    figures = write_figures(stats, folder)
    features = {"chat": CHAT_FEATURES, "training_pairs": training}
    text = render_card(stats, report, figures, features=features)
    (folder / "README.md").write_text(text, encoding="utf-8")
