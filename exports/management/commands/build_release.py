"""The main job in one command: seed, plan, generate, check, sample for review, export."""

from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from exports.models import Release
from generation.models import BatchJob
from review.sampling import SamplingError, draw_sample
from review.validation import check_all, completed


def next_steps(folder: Path) -> str:
    """What a newcomer does once the release is built (`make run` then starts the server)."""
    python = Path(".venv/bin/python") if Path(".venv/bin/python").exists() else Path("python")
    load = f"from datasets import load_dataset; print(load_dataset('{folder}', 'chat'))"
    return "\n".join(
        [
            "",
            "Next, in a second terminal in this folder (`make run` keeps this one for the server):",
            f"  1. Create your admin login:  {python} manage.py createsuperuser",
            f"  2. Make a reviewer:          {python} manage.py add_reviewer NAME",
            "     (they sign in at http://127.0.0.1:8000/review/ and claim items from the pool)",
            f'  3. Load the dataset:         {python} -c "{load}"',
            "Then sign in at http://127.0.0.1:8000/admin/ to see the conversations, the quality "
            "report and the release.",
            "The release folder:",
        ]
    )


class Command(BaseCommand):
    help = (
        "Build a whole release on the embedded default: load the default scaffolding, plan "
        "--count conversations, generate them with --workers local qcluster processes, check "
        "them, draw the review sample, export the release (by default only the conversations "
        "that passed their checks) and print where it is. Its last line "
        "is the release folder's path."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # --version is the release's version, as in export_release.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=100, help="Conversations to plan.")
        parser.add_argument("--concurrency", type=int, default=3)
        parser.add_argument("--workers", type=int, default=2, help="Local qcluster processes.")
        parser.add_argument("--seed", type=int, help="Seed of the plan, the sample and the split.")
        parser.add_argument(
            "--name",
            default="",
            help="Release name (default emotional-intelligence-<count>-v1.<n>, the first free n).",
        )
        parser.add_argument("--version", default="", help="Semantic version (default 1.<n>.0).")
        parser.add_argument("--no-seed", action="store_true", help="Keep the scaffolding as is.")
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help="Release conversations that failed their checks too (default: passed only).",
        )
        parser.add_argument(
            "--include-rejected",
            action="store_true",
            help="Release conversations a reviewer rejected too (default: left out).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name, version = self._name(options)
        if Release.objects.filter(name=name).exists():
            raise CommandError(f"A release named {name} exists already; choose another --name.")
        if not options["no_seed"]:
            call_command("seed_scaffolding", stdout=self.stdout)
        job = self._generate(options)
        self._check(job)
        self._sample(job, options["seed"])
        self.stdout.write(f"Exporting release {name} ({version})")
        arguments = ["--name", name, "--version", version, "--job", str(job.pk)]
        if options["seed"] is not None:
            arguments += ["--seed", str(options["seed"])]
        arguments += [
            f"--{flag}"
            for flag in ("include-failed", "include-rejected")
            if options[flag.replace("-", "_")]
        ]
        out = StringIO()
        call_command("export_release", *arguments, stdout=out)
        *summary, folder = out.getvalue().rstrip("\n").splitlines()
        self.stdout.write("\n".join(summary))
        self.stdout.write(next_steps(Path(folder)))
        self.stdout.write(folder)

    def _name(self, options: dict[str, Any]) -> tuple[str, str]:
        if options["name"]:
            return options["name"], options["version"] or "1.0.0"
        minor = 0
        while Release.objects.filter(
            name=f"emotional-intelligence-{options['count']}-v1.{minor}"
        ).exists():
            minor += 1
        name = f"emotional-intelligence-{options['count']}-v1.{minor}"
        return name, options["version"] or f"1.{minor}.0"

    def _generate(self, options: dict[str, Any]) -> BatchJob:
        before = set(BatchJob.objects.values_list("pk", flat=True))
        arguments = [
            "--count",
            str(options["count"]),
            "--concurrency",
            str(options["concurrency"]),
            "--workers",
            str(options["workers"]),
        ]
        if options["seed"] is not None:
            arguments += ["--seed", str(options["seed"])]
        try:
            call_command("generate", *arguments, stdout=self.stdout)
        except SystemExit as stop:  # generate exits non-zero when a conversation failed
            if stop.code:
                raise CommandError(
                    "Generation did not complete every conversation (see above); "
                    "fix the cause, run retry_failed, then export_release."
                ) from None
        job = BatchJob.objects.exclude(pk__in=before).order_by("-created_at").first()
        if job is None:
            raise CommandError("No batch job was created.")
        return job

    def _check(self, job: BatchJob) -> None:
        """Every conversation was checked as it completed; this makes sure and sums it up."""
        summary = check_all(completed().filter(batch_job=job))["summary"]
        self.stdout.write(
            f"Checks: {summary.get('passed', 0)} passed, {summary.get('failed', 0)} failed, "
            f"{summary.get('with_warnings', 0)} with warnings, of {summary.get('checked', 0)}"
        )

    def _sample(self, job: BatchJob, seed: int | None) -> None:
        try:
            sample = draw_sample(job, seed=seed or 0)
        except SamplingError as error:
            raise CommandError(str(error)) from None
        items = sample.reviews.count()
        self.stdout.write(
            f"Review sample: {items} conversations in the reviewers' pool "
            f"(/review/ for reviewers; /admin/review/reviewsample/{sample.pk}/change/ to assign)"
        )
