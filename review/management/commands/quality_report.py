import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from generation.management.commands.batch_status import find_job
from generation.models import Conversation
from review.ab_report import ABReportError, ab_report, side_by_side
from review.report import write_report


class Command(BaseCommand):
    help = (
        "Write quality-report.json (the spec's Quality Report Format) for every completed "
        "conversation, or one batch job's, and print a short summary. With --ab JOB, compare "
        "the two arms of an A/B job side by side instead (--out writes the figures as JSON)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--job", help="Only this batch job's conversations (its id).")
        parser.add_argument("--out", type=Path, help="Where to write the JSON.")
        parser.add_argument("--ab", metavar="JOB", help="Compare an A/B job's two arms.")
        parser.add_argument("--name", help="The dataset's name (default: the job's name).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ab"]:
            if options["job"]:
                raise CommandError("Give --ab JOB or --job, not both.")
            self.compare(options["ab"], options["out"])
            return
        if options["out"] is None:
            raise CommandError("--out FILE is required (or give --ab JOB).")
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

    def compare(self, job_id: str, out: Path | None) -> None:
        job = find_job(job_id)
        try:
            report = ab_report(job)
        except ABReportError as error:
            raise CommandError(str(error)) from None
        rows = [("", "Arm A", "Arm B"), *side_by_side(report)]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write(f"A/B comparison of {job.name} ({job.pk})")
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            )
        if out is not None:
            out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
            self.stdout.write(f"Wrote {out}")
