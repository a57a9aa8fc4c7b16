from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from eidataset.seeding import seed_scaffolding


class Command(BaseCommand):
    help = (
        "Load the default scaffolding (personas, arcs, topics, edge cases, documents, "
        "consultant profile, system prompt). Rows that exist are kept as editors left them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Put the shipped values back on default rows an editor changed.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change and change nothing."
        )

    def handle(self, *args: Any, reset: bool, dry_run: bool, **options: Any) -> None:
        with transaction.atomic():
            report = seed_scaffolding(reset=reset)
            if dry_run:
                transaction.set_rollback(True)
        prefix = "Dry run, nothing written. " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(f"{prefix}Scaffolding: {report.summary()}"))
