"""Hand-written seed examples (issue 15): conversations an editor writes, in the check-file
format (docs/formats.md), checked by the same path as generated ones and stored, when every
one passed, as marked seed examples of a job that never runs ("Hand-written seed examples"),
so that a prompt version's example set can show them.

All or nothing: one conversation that cannot be read, that fails its checks or whose id was
added before refuses the whole file, with every problem named by its line.
"""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from generation.models import HAND_WRITTEN, BatchJob, Conversation
from generation.prompts import current_versions
from review.file_checks import CheckFileError, FileConversation, read_check_file, read_check_text
from review.validation import verdict

JOB_NAME = "Hand-written seed examples"
ID_KEY = "hand_written_id"  # the file's id, kept in the conversation's parameters


class HandWrittenError(ValueError):
    """The conversations cannot be added; nothing was stored. `problems` name their lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Checked:
    """One conversation of the file with its checks' result."""

    line: int
    id: str
    conversation: Conversation
    result: dict[str, Any]

    @property
    def failed_checks(self) -> list[str]:
        return [name for name, check in self.result["checks"].items() if not check["passed"]]

    @property
    def score(self) -> float:
        return float(self.result["score"]["value"])


def check_path(path: str | Path) -> list[Checked]:
    return _checked(_read(lambda: read_check_file(path)))


def check_text(text: str) -> list[Checked]:
    return _checked(_read(lambda: read_check_text(text)))


def _read(reader: Any) -> list[FileConversation]:
    try:
        items: list[FileConversation] = reader()
    except CheckFileError as error:
        raise HandWrittenError([str(error)]) from None
    if not items:
        raise HandWrittenError(["no conversation: give one JSON object per line"])
    return items


def _checked(items: list[FileConversation]) -> list[Checked]:
    return [
        Checked(item.line, item.id, item.conversation, verdict(item.conversation)) for item in items
    ]


def problems(checked: list[Checked]) -> list[str]:
    """Why the conversations cannot be added, one entry per line at fault; empty if they can."""
    found = []
    repeated = {key for key, count in Counter(item.id for item in checked).items() if count > 1}
    added = set(
        Conversation.objects.filter(source=HAND_WRITTEN)
        .filter(**{f"parameters__{ID_KEY}__in": [item.id for item in checked]})
        .values_list(f"parameters__{ID_KEY}", flat=True)
    )
    for item in checked:
        where = f"line {item.line} ({item.id})"
        if item.id in repeated:
            found.append(f"{where}: the id is used on more than one line")
        if item.id in added:
            found.append(f"{where}: a hand-written seed example with this id was added before")
        if not item.result["passed"]:
            errors = "; ".join(item.result["errors"]) or "score under the threshold"
            checks = ", ".join(item.failed_checks) or "quality score"
            found.append(f"{where}: failed {checks}: {errors}")
    return found


@transaction.atomic
def add(checked: list[Checked], user: Any = None) -> list[Conversation]:
    """Store every conversation as a marked seed example, or none (HandWrittenError)."""
    if found := problems(checked):
        raise HandWrittenError(found)
    job = BatchJob.objects.select_for_update().get(pk=_job().pk)
    last = job.conversations.aggregate(last=Max("sequence_number"))["last"] or 0
    now = timezone.now()
    marker = user if getattr(user, "pk", None) else None
    stored = []
    for number, item in enumerate(checked, start=last + 1):
        conversation = item.conversation
        conversation.batch_job = job
        conversation.sequence_number = number
        conversation.status = Conversation.Status.COMPLETED
        conversation.source = HAND_WRITTEN
        conversation.prompt_template_id = job.prompt_template_id
        conversation.consultant_profile_id = job.consultant_profile_id
        conversation.parameters = {**conversation.parameters, ID_KEY: item.id}
        conversation.validation = item.result
        conversation.quality_score = Decimal(str(round(item.score, 2)))
        conversation.seed_example = True
        conversation.seed_example_marked_by = marker
        conversation.seed_example_marked_at = now
        conversation.completed_at = now
        conversation.save()
        stored.append(conversation)
    BatchJob.objects.filter(pk=job.pk).update(total_items=last + len(stored))
    return stored


def _job() -> BatchJob:
    """The job that holds them: completed from the start, never dispatched (it has nothing
    pending). Its prompt versions are the ones in force when it was made; the export gives a
    hand-written conversation that system prompt."""
    template, profile = current_versions()
    if template is None or profile is None:
        raise HandWrittenError(["no system prompt or consultant profile: run seed_scaffolding"])
    job, _ = BatchJob.objects.get_or_create(
        name=JOB_NAME,
        model=HAND_WRITTEN,
        defaults={
            "status": BatchJob.Status.COMPLETED,
            "status_reason": "Holds hand-written seed examples; never run.",
            "max_tokens": 0,
            "prompt_template": template,
            "consultant_profile": profile,
            "finished_at": timezone.now(),
        },
    )
    return job
