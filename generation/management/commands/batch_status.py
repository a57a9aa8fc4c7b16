import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from generation import journal
from generation.live import per_conversation
from generation.models import BatchJob
from generation.status import cache_lines, job_status


class Command(BaseCommand):
    help = "Print a batch job's status (the API's shape with --json)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("job_id")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, job_id: str, **options: Any) -> None:
        try:
            job = find_job(job_id)
            status = job_status(job)
            cache = cache_lines(job)
        except journal.UNREACHABLE as error:
            raise CommandError(journal.unreachable_message(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(status, indent=2))
            return
        progress = status["progress"]
        self.stdout.write(
            f"{status['name']} ({status['jobId']}): {status['status']}\n"
            f"  {progress['completed']}/{progress['total']} completed, {progress['inProgress']} "
            f"in progress, {progress['pending']} pending, {progress['failed']} failed\n"
            f"  cost ${status['cost']['actualCurrent']:.4f} of an estimated "
            f"${status['cost']['estimatedTotal']:.4f}"
        )
        if job.judge_model:
            self.stdout.write(
                f"  of which the judge ({job.judge_model}) ${job.judge_cost():.4f} of an "
                f"estimated ${job.judge_estimated_cost:.4f}"
            )
        self.stdout.write(f"  {per_conversation(status['cost'])}")
        for line in cache:
            self.stdout.write(f"  {line}")
        for batch in status["batches"]:
            self.stdout.write(f"  {batch_line(batch)}")
        if status["statusReason"]:
            self.stdout.write(f"  {status['statusReason']}")
        for failure in status["errors"]:
            retry = "retry scheduled" if failure["retryScheduled"] else "failed"
            number = failure["conversationIndex"] + 1
            self.stdout.write(f"  #{number} ({retry}): {failure['error']}")


def batch_line(batch: dict[str, Any]) -> str:
    """'Message Batch msgbatch_01...: ended, 98 succeeded, 2 errored of 100'."""
    counts = ", ".join(f"{count} {name}" for name, count in batch["counts"].items() if count)
    name = batch["batchId"] or "(no id yet)"
    line = f"Message Batch {name}: {batch['state']}, {batch['requests']} request(s)"
    line += f" ({counts})" if counts else ""
    return line + (f"; {batch['error']}" if batch["error"] else "")


def find_job(job_id: str) -> BatchJob:
    try:
        return BatchJob.objects.get(pk=job_id)
    except (BatchJob.DoesNotExist, ValidationError, ValueError):
        raise CommandError(f"No batch job {job_id!r}.") from None
