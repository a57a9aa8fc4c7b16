from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from generation.management.commands.batch_status import find_job
from generation.models import Conversation
from review.report import write_report


class Command(BaseCommand):
    help = (
        "Write quality-report.json (the spec's Quality Report Format) for every completed "
        "conversation, or one batch job's, and print a short summary."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--job", help="Only this batch job's conversations (its id).")
        parser.add_argument("--out", required=True, type=Path, help="Where to write the JSON.")
        parser.add_argument("--name", help="The dataset's name (default: the job's name).")

    def handle(self, *args: Any, **options: Any) -> None:
        conversations = Conversation.objects.all()
        name = options["name"] or "eidataset: all completed conversations"
        if options["job"]:
            job = find_job(options["job"])
            conversations = conversations.filter(batch_job=job)
            name = options["name"] or job.name
        report = write_report(conversations, options["out"], name=name)
        automated = report["automated_validation"]
        near = report["diversity"]["near_duplicates"]
        self.stdout.write(
            f"Wrote {options['out']}: {report['dataset']['total_conversations']} conversations, "
            f"{automated['passed']} passed, {automated['warnings']} with warnings, "
            f"{automated['failed']} failed; average score "
            f"{report['quality_metrics']['avg_quality_score']}; "
            f"{near['pair_count']} near-duplicate pair(s)"
        )
        cost = report["cost"]
        if cost["per_accepted"] is not None:
            self.stdout.write(
                f"  ${cost['per_generated']:.4f} per conversation written, "
                f"${cost['per_accepted']:.4f} per conversation kept ({cost['accepted']} of "
                f"{cost['generated']} passed their checks and were not rejected)"
            )
        for line in report["recommendations"]:
            self.stdout.write(f"  - {line}")
