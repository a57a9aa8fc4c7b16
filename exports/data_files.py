"""The package's files by role, and the one streamed pass over the chosen conversations that
writes its data files: the training rows (JSONL and array), the chat split and the metadata
CSV, line by line, a chunk of conversations at a time."""

import csv
import json
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.db.models import ForeignKey, QuerySet, prefetch_related_objects

from exports.composition import Composition
from exports.formats import (
    ReleaseContext,
    chat_record,
    consultant_profile,
    review_summary,
    training_record,
)
from exports.release_options import ReleaseError
from exports.split import validation_ids
from generation.models import Conversation
from generation.prompts import system_prompt

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
# The files the streamed pass writes (the quality report is written from its own pass).
DATA_FILES_KEYS = ("training", "training_array", "chat_train", "chat_validation", "metadata")
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


def write_rows(
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
    lookups = conversations._prefetch_related_lookups  # type: ignore[attr-defined]  # private
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
            assert isinstance(field, ForeignKey)  # select_related follows foreign keys
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
        conversation.edge_case.name if conversation.edge_case is not None else "",
        len(conversation.turns),
        "" if conversation.quality_score is None else f"{conversation.quality_score:.2f}",
        str(bool((conversation.validation or {}).get("passed"))).lower(),
        verdict,
        conversation.created_at.isoformat(),
    ]
