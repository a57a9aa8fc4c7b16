from typing import Any

from django.core.management.base import BaseCommand

from generation.dispatch import wake
from generation.management.commands.batch_status import find_job


class Command(BaseCommand):
    help = "Queue a job's failed conversations again with the same parameters."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("job_id")

    def handle(self, *args: Any, job_id: str, **options: Any) -> None:
        job = find_job(job_id)
        count = job.retry_failed()
        wake()
        self.stdout.write(f"{count} conversation(s) of {job.name} queued again.")
