import json
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from generation.calls import ClaudeError
from generation.management.commands.batch_status import find_job
from review.file_checks import CheckFileError, check_file
from review.validation import check_all, completed

HEURISTIC = (
    "The judge is the offline emulator (no ANTHROPIC_API_KEY): its verdicts are heuristic and "
    "never count, so these results are the deterministic checks' alone."
)


class Command(BaseCommand):
    help = (
        "Run the automated checks again on completed conversations and print a summary; with "
        "--file, check the conversations in a JSON Lines file instead and store nothing "
        "(docs/formats.md); --judge sends each of them to the judge first and checks it with "
        "the verdict. Exits 0 whatever the verdicts, 2 when the file cannot be read or the "
        "judge's calls are refused."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--job", help="Only this batch job's conversations.")
        parser.add_argument("--file", help="Check the conversations in this JSON Lines file.")
        parser.add_argument(
            "--json", action="store_true", help="With --file: one JSON line per conversation."
        )
        parser.add_argument(
            "--judge",
            action="store_true",
            help="With --file: judge each conversation (CLAUDE_JUDGE_MODEL, one call each, "
            "paid with a key) and check it with the verdict; still stores nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            if options["job"]:
                raise CommandError("Give --file or --job, not both.", returncode=2)
            self.check_file(options["file"], as_json=options["json"], judge=options["judge"])
            return
        if options["json"] or options["judge"]:
            raise CommandError("--json and --judge go with --file.", returncode=2)
        self.check_stored(options["job"])

    def check_file(self, path: str, as_json: bool, judge: bool) -> None:
        results: list[dict[str, Any]] = []
        try:
            for result in self.judged(check_file(path, judge=judge)) if judge else check_file(path):
                results.append(result)
                if as_json:  # as it comes: a judged file takes a call per line
                    self.stdout.write(json.dumps(result, ensure_ascii=False))
        except CheckFileError as error:
            raise CommandError(f"{path}: {error}", returncode=2) from None
        except ClaudeError as error:
            raise CommandError(
                f"{path}: the judge's call was refused ({error}); {len(results)} conversation(s) "
                "were checked before it",
                returncode=2,
            ) from None
        finally:
            if judge:
                self.write_judge_cost(results)
        if not as_json:
            self.write_table(results)

    def judged(self, results: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The results, saying once on stderr that the judge is heuristic, and each call that
        gave no verdict."""
        said = False
        for result in results:
            judge = result["judge"]
            if judge["heuristic"] and not said:
                self.stderr.write(HEURISTIC)
                said = True
            if judge["error"]:
                self.stderr.write(f"{result['id']}: the judge gave no verdict: {judge['error']}")
            yield result

    def write_judge_cost(self, results: list[dict[str, Any]]) -> None:
        judged = [result["judge"] for result in results]
        if not judged:
            return
        cost = sum(judge["cost_usd"] for judge in judged)
        models = ", ".join(sorted({judge["model"] for judge in judged}))
        paid = (
            "the emulator's token counts, nothing paid"
            if all(j["heuristic"] for j in judged)
            else "list prices"
        )
        self.stderr.write(
            f"Judge: {len(judged)} conversation(s) judged by {models}, ${cost:.4f} in all, "
            f"${cost / len(judged):.4f} per conversation ({paid})."
        )

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
