from typing import Any

from django.core.management.base import BaseCommand

from generation.management.commands.batch_status import find_job
from review.validation import check_all, completed


class Command(BaseCommand):
    help = "Run the automated checks again on completed conversations and print a summary."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--job", help="Only this batch job's conversations.")

    def handle(self, *args: Any, **options: Any) -> None:
        conversations = completed()
        if options["job"]:
            conversations = conversations.filter(batch_job=find_job(options["job"]))
        report = check_all(conversations.order_by("batch_job", "sequence_number"))
        summary = report["summary"]
        self.stdout.write(
            f"Checked {summary.get('checked', 0)}: {summary.get('passed', 0)} passed, "
            f"{summary.get('failed', 0)} failed, {summary.get('with_warnings', 0)} with warnings"
        )
        for name, counts in report["checks"].items():
            self.stdout.write(
                f"  {name}: {counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed"
            )
