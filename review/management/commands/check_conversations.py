import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from generation.management.commands.batch_status import find_job
from review.file_checks import CheckFileError, check_file
from review.validation import check_all, completed


class Command(BaseCommand):
    help = (
        "Run the automated checks again on completed conversations and print a summary; with "
        "--file, check the conversations in a JSON Lines file instead and store nothing "
        "(docs/formats.md). Exits 0 whatever the verdicts, 2 when the file cannot be read."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--job", help="Only this batch job's conversations.")
        parser.add_argument("--file", help="Check the conversations in this JSON Lines file.")
        parser.add_argument(
            "--json", action="store_true", help="With --file: one JSON line per conversation."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            if options["job"]:
                raise CommandError("Give --file or --job, not both.", returncode=2)
            self.check_file(options["file"], as_json=options["json"])
            return
        if options["json"]:
            raise CommandError("--json goes with --file.", returncode=2)
        self.check_stored(options["job"])

    def check_file(self, path: str, as_json: bool) -> None:
        try:
            results = list(check_file(path))
        except CheckFileError as error:
            raise CommandError(f"{path}: {error}", returncode=2) from None
        if as_json:
            for result in results:
                self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.write_table(results)

    def write_table(self, results: list[dict[str, Any]]) -> None:
        width = max([len("id"), *(len(result["id"]) for result in results)])
        self.stdout.write(f"{'id':<{width}}  verdict  score  failed checks")
        for result in results:
            verdict = "passed" if result["passed"] else "FAILED"
            failed = ", ".join(result["failed_checks"]) or "-"
            score = f"{result['quality_score']:.1f}"
            self.stdout.write(f"{result['id']:<{width}}  {verdict:<7}  {score:>5}  {failed}")
        passed = sum(result["passed"] for result in results)
        warned = sum(bool(result["warnings"]) for result in results)
        self.stdout.write(
            f"Checked {len(results)} from the file: {passed} passed, {len(results) - passed} "
            f"failed, {warned} with warnings; nothing was stored."
        )

    def check_stored(self, job: str | None) -> None:
        conversations = completed()
        if job:
            conversations = conversations.filter(batch_job=find_job(job))
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
