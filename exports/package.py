"""Building a release: stream the chosen conversations once into every file of the package,
then put the folder and its archives in place atomically.

Everything is written into a hidden sibling folder (`.<name>.building-<random>`) and the
archives under hidden temporary names; only when all of them are complete are they renamed
into place. A failure or an interruption at any point removes the temporary files, so a
release folder that exists is always whole; the Release row records the error.
"""

import csv
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from datasets import Features
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone

from eidataset.models import ConsultantProfile
from exports.archives import write_checksums, write_tar, write_zip
from exports.composition import Composition
from exports.formats import (
    CHAT_FEATURES,
    DEFAULT_PHILOSOPHY_KEYS,
    ReleaseContext,
    chat_record,
    consultant_profile,
    review_summary,
    training_features,
    training_record,
)
from exports.licenses import LicenseError, license_text, release_license
from exports.models import Release
from exports.selection import Selection
from exports.split import validation_ids
from generation.models import Conversation
from generation.prompts import system_prompt

log = logging.getLogger(__name__)

# Hub repository names allow letters, digits, "-", "_" and "." (no leading/trailing
# punctuation, no ".." and at most 96 characters); a release name is also a folder name.
NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
# semver.org's regular expression.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)

FILES = {
    "training": "conversations.jsonl",
    "training_array": "conversations.json",
    "chat_train": "chat/train.jsonl",
    "chat_validation": "chat/validation.jsonl",
    "metadata": "metadata-summary.csv",
    "quality_report": "quality-report.json",
    "license": "LICENSE.txt",
    "checksums": "SHA256SUMS",
}
DATA_FILES = (
    FILES["training"],
    FILES["training_array"],
    FILES["chat_train"],
    FILES["chat_validation"],
    FILES["metadata"],
    FILES["quality_report"],
)
CSV_COLUMNS = (
    "id",
    "tier",
    "persona",
    "arc",
    "topic",
    "edge_case",
    "turns",
    "quality_score",
    "checks_passed",
    "review_verdict",
    "created",
)


class ReleaseError(Exception):
    """A release cannot be built; the message says why. Nothing was left half-written."""


@dataclass
class ReleaseOptions:
    name: str
    version: str = "1.0.0"
    selection: Selection = field(default_factory=Selection)
    validation_fraction: float | None = None
    seed: int | None = None
    force: bool = False
    user: Any = None
    title: str = ""


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME.match(name) or ".." in name:
        raise ReleaseError(
            f"{name!r} is not a release name: use letters, digits, '-', '_' and '.', starting "
            "and ending with a letter or digit, at most 96 characters "
            "(e.g. emotional-intelligence-100-v1.0)."
        )
    return name


def check_version(version: str) -> str:
    version = (version or "").strip()
    if not SEMVER.match(version):
        raise ReleaseError(
            f"{version!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)."
        )
    return version


def check_fraction(fraction: float) -> float:
    if not 0 < fraction < 1:
        raise ReleaseError(f"The validation fraction must be between 0 and 1, not {fraction}.")
    return fraction


def release_paths(name: str) -> tuple[Path, Path, Path]:
    root = Path(settings.RELEASE_DIR)
    return root / name, root / f"{name}.zip", root / f"{name}.tar.gz"


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
    on_disk = [path for path in release_paths(name) if path.exists()]
    if (existing or on_disk) and not options.force:
        where = on_disk[0] if on_disk else "the database"
        raise ReleaseError(
            f"A release named {name!r} already exists ({where}); choose another name, or "
            "rebuild it with --force."
        )
    conversations = options.selection.conversations()
    total = conversations.count()
    if not total:
        raise ReleaseError(
            f"The selection has no conversations ({_describe(options.selection)}); nothing "
            "was written."
        )
    release = existing or Release(name=name)
    release.version = version
    release.title = options.title or settings.RELEASE_TITLE
    release.status = Release.Status.BUILDING
    release.selection = {
        **options.selection.describe(),
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
        _build(release, options.selection, total, fraction, seed, license)
    except BaseException as error:
        message = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        Release.objects.filter(pk=release.pk).update(status=Release.Status.FAILED, error=message)
        release.status, release.error = Release.Status.FAILED, message
        if isinstance(error, Exception) and not isinstance(error, ReleaseError):
            log.exception("Release %s failed", name)
            raise ReleaseError(f"Building release {name} failed: {message}") from error
        raise
    return release


def _describe(selection: Selection) -> str:
    parts = ["completed"]
    if selection.jobs:
        parts.append("jobs " + ", ".join(job.name for job in selection.jobs))
    if selection.passed_checks:
        parts.append("passed checks")
    if selection.not_rejected:
        parts.append("not rejected")
    return "; ".join(parts)


def _build(
    release: Release, selection: Selection, total: int, fraction: float, seed: int, license: Any
) -> None:
    folder, zip_path, tar_path = release_paths(release.name)
    root = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    building = root / f".{release.name}.building-{token}"
    temporary_zip = root / f".{release.name}.zip.{token}.tmp"
    temporary_tar = root / f".{release.name}.tar.gz.{token}.tmp"
    with _removed_on_failure(building, temporary_zip, temporary_tar):
        building.mkdir()
        conversations = selection.conversations()
        philosophy = _philosophy_keys(conversations)
        context = ReleaseContext(release.name, release.version, total, philosophy)
        composition = _write_rows(context, conversations, fraction, seed, building)
        stats = _stats(release, composition, license)
        report = _write_report(selection, building / FILES["quality_report"], release.name)
        stats["bytes"] = {name: (building / name).stat().st_size for name in DATA_FILES}
        year = timezone.now().year
        (building / FILES["license"]).write_text(
            license_text(license, release.title, year), encoding="utf-8"
        )
        _write_card(stats, report, building, training_features(philosophy))
        files = write_checksums(building)
        write_zip(building, release.name, temporary_zip)
        write_tar(building, release.name, temporary_tar)
        _put_in_place(building, folder)
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


@contextmanager
def _removed_on_failure(*paths: Path) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        raise


def _put_in_place(building: Path, folder: Path) -> None:
    """Rename the finished folder to its name; a folder being rebuilt (--force) is moved aside
    first and deleted only once the new one is in place."""
    if not folder.exists():
        os.rename(building, folder)
        return
    previous = folder.with_name(f".{folder.name}.previous-{uuid.uuid4().hex[:12]}")
    os.rename(folder, previous)
    try:
        os.rename(building, folder)
    except BaseException:
        os.rename(previous, folder)
        raise
    shutil.rmtree(previous, ignore_errors=True)


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


def _write_rows(
    context: ReleaseContext, conversations: Any, fraction: float, seed: int, folder: Path
) -> Composition:
    """The one pass over the conversations: the training rows (JSONL and array), the chat
    split and the metadata CSV, line by line."""
    rows = conversations.prefetch_related(None).values_list("pk", "tier")
    validation = validation_ids(
        rows.iterator(chunk_size=settings.RELEASE_CHUNK_SIZE), fraction, seed
    )
    profiles: dict[Any, dict[str, Any]] = {}
    composition = Composition()
    related = SharedRelated(conversations)
    (folder / "chat").mkdir()
    with ExitStack() as files:
        out = {key: _open(files, folder / FILES[key]) for key in DATA_FILES_KEYS}
        table = csv.writer(out["metadata"])
        table.writerow(CSV_COLUMNS)
        out["training_array"].write("[")
        for count, conversation in enumerate(
            _streamed(related.queryset, settings.RELEASE_CHUNK_SIZE)
        ):
            related.attach(conversation)
            _check_turns(conversation)
            pinned = conversation if conversation.prompt_template_id else conversation.batch_job
            prompt = system_prompt(pinned)
            profile_row = (
                conversation.consultant_profile or conversation.batch_job.consultant_profile
            )
            if profile_row.pk not in profiles:
                profiles[profile_row.pk] = consultant_profile(profile_row, context.philosophy_keys)
            review = review_summary(conversation.reviews.all())
            record = training_record(
                conversation, context, prompt, profiles[profile_row.pk], review
            )
            line = _json(record)
            out["training"].write(line + "\n")
            out["training_array"].write(("\n" if count == 0 else ",\n") + line)
            split = "validation" if str(conversation.pk) in validation else "train"
            out[f"chat_{split}"].write(_json(chat_record(conversation, prompt)) + "\n")
            table.writerow(_csv_row(conversation, review.verdict))
            composition.add(conversation, len(record["training_pairs"]), split)
            _release(conversation)
        out["training_array"].write("\n]\n")
    return composition


def _streamed(conversations: QuerySet, size: int) -> Iterator[Conversation]:
    """The conversations a chunk at a time, with the queryset's prefetching done per chunk,
    each handed over and forgotten in turn.

    QuerySet.iterator(chunk_size) does the same but still holds a whole chunk when it reads
    the next one (two chunks at once), and every conversation of a chunk until its end.
    """
    lookups = conversations._prefetch_related_lookups
    rows = conversations.prefetch_related(None).iterator(chunk_size=size)
    while chunk := list(islice(rows, size)):
        prefetch_related_objects(chunk, *lookups)
        chunk.reverse()
        while chunk:
            yield chunk.pop()


class SharedRelated:
    """The rows a queryset joins onto every conversation (its select_related: the job, the
    persona, the arc...) loaded once each and shared by all the conversations that point to
    them, instead of a fresh copy of each, JSON fields parsed again, for every row.

    `queryset` is the given one without the joins; `attach` sets a conversation's related
    objects, reading a row the first time it is needed. They are few (jobs and scaffolding),
    so they are kept for the whole pass.
    """

    def __init__(self, conversations: QuerySet) -> None:
        joined = conversations.query.select_related
        if isinstance(joined, dict) and all(not nested for nested in joined.values()):
            self.names = tuple(joined)
            self.queryset = conversations.select_related(None)
        else:  # everything, or joins through joins: keep them as they are
            self.names = ()
            self.queryset = conversations
        self._rows: dict[tuple[str, Any], Any] = {}

    def attach(self, conversation: Conversation) -> None:
        for name in self.names:
            field = Conversation._meta.get_field(name)
            pk = getattr(conversation, field.attname)
            if pk is None:
                continue
            row = self._rows.get((name, pk))
            if row is None:
                row = field.related_model._base_manager.get(pk=pk)
                self._rows[(name, pk)] = row
            setattr(conversation, name, row)


def _release(conversation: Conversation) -> None:
    """Drop a written conversation's prefetched reviews. Each review points back at its
    conversation (and the prefetched queryset at it too): a reference cycle that only the
    cyclic garbage collector frees, which lets thousands of finished conversations, their
    turns and reviews pile up before it runs. Without the cycle each goes with its chunk."""
    vars(conversation).pop("_prefetched_objects_cache", None)


DATA_FILES_KEYS = ("training", "training_array", "chat_train", "chat_validation", "metadata")


def _open(files: ExitStack, path: Path) -> TextIO:
    newline = "" if path.suffix == ".csv" else "\n"
    return files.enter_context(path.open("w", encoding="utf-8", newline=newline))


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _check_turns(conversation: Conversation) -> None:
    """A stored conversation that is not a list of turn objects cannot be exported."""
    turns = conversation.turns
    if not isinstance(turns, list) or not turns:
        raise ReleaseError(f"Conversation {conversation.pk} has no list of turns.")
    for number, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict):
            raise ReleaseError(
                f"Conversation {conversation.pk}: turn {number} is not an object "
                f"({type(turn).__name__})."
            )


def _csv_row(conversation: Conversation, verdict: str) -> list[Any]:
    return [
        str(conversation.pk),
        conversation.tier,
        conversation.persona.name,
        conversation.emotional_arc.name,
        conversation.training_topic.name,
        conversation.edge_case.name if conversation.edge_case_id else "",
        len(conversation.turns),
        "" if conversation.quality_score is None else f"{conversation.quality_score:.2f}",
        str(bool((conversation.validation or {}).get("passed"))).lower(),
        verdict,
        conversation.created_at.isoformat(),
    ]


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


def _write_report(selection: Selection, path: Path, name: str) -> dict[str, Any]:
    from review.report import write_report

    return write_report(selection.conversations(), path, name=name)


def _write_card(
    stats: dict[str, Any], report: dict[str, Any], folder: Path, training: Features
) -> None:
    from exports.card import render_card
    from exports.figures import write_figures

    figures = write_figures(stats, folder)
    features = {"chat": CHAT_FEATURES, "training_pairs": training}
    text = render_card(stats, report, figures, features=features)
    (folder / "README.md").write_text(text, encoding="utf-8")
