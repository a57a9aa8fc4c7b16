"""Add hand-written seed examples from a file: `manage.py add_seed_examples FILE [--dry-run]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from review.hand_written import JOB_NAME, Checked, HandWrittenError, add, check_path, problems


class Command(BaseCommand):
    help = (
        "Check the hand-written conversations in a JSON Lines file (the format of "
        "check_conversations --file, docs/formats.md) and, when every one passed, store them "
        f"as seed examples in the job '{JOB_NAME}'. All or nothing: exit 2 naming each line "
        "at fault, nothing stored. --dry-run checks and stores nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="JSON Lines, one conversation per line.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file; store nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            checked = check_path(path)
            found = problems(checked)
            if found:
                raise HandWrittenError(found)
            if not options["dry_run"]:
                add(checked, None)
        except HandWrittenError as error:
            listed = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"{path}: nothing was added.\n{listed}", returncode=2) from None
        self.write_rows(checked)
        if options["dry_run"]:
            self.stdout.write(
                f"All {len(checked)} passed their checks; nothing was stored (--dry-run)."
            )
        else:
            self.stdout.write(f"Added {len(checked)} hand-written seed example(s) to '{JOB_NAME}'.")

    def write_rows(self, checked: list[Checked]) -> None:
        for item in checked:
            self.stdout.write(f"line {item.line}  {item.id}  score {item.score:.1f}  passed")
