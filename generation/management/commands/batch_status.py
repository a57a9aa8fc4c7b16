import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from generation.models import BatchJob
from generation.status import job_status


class Command(BaseCommand):
    help = "Print a batch job's status (the API's shape with --json)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("job_id")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, job_id: str, **options: Any) -> None:
        status = job_status(find_job(job_id))
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
        if status["statusReason"]:
            self.stdout.write(f"  {status['statusReason']}")
        for error in status["errors"]:
            retry = "retry scheduled" if error["retryScheduled"] else "failed"
            self.stdout.write(f"  #{error['conversationIndex'] + 1} ({retry}): {error['error']}")


def find_job(job_id: str) -> BatchJob:
    try:
        return BatchJob.objects.get(pk=job_id)
    except (BatchJob.DoesNotExist, ValidationError, ValueError):
        raise CommandError(f"No batch job {job_id!r}.") from None
