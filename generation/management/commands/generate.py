import sys
import time
from argparse import ArgumentTypeError, BooleanOptionalAction
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from generation import journal
from generation.batches import run_batches
from generation.claude import is_offline
from generation.coverage import coverage_report
from generation.dispatch import sweep
from generation.models import BatchJob
from generation.planner import PlanningError, Scaffold, plan_parameter_sets, tier_counts
from generation.plans import PlanError, read_plan, resolve_plan
from generation.prompts import prefix_lines
from generation.status import job_status
from generation.submission import (
    MAX_CONCURRENCY,
    BatchOptions,
    SubmissionError,
    local_width,
    submit_batch,
)
from generation.workers import LocalWorkers

PRIORITIES = {"low": 0, "normal": 1, "high": 2}
SWEEP_EVERY = 5.0  # seconds: returns lost conversations and wakes retries after backoff


def concurrency_value(text: str) -> int | str:
    """--concurrency: a whole number, or 'auto'."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return int(text)
    except ValueError:
        raise ArgumentTypeError(f"a whole number or 'auto', not {text!r}") from None


class Command(BaseCommand):
    offline = False  # set per run: no API key, so the emulator answers and nothing is spent
    help = (
        "Generate a batch of conversations: plan N fresh parameter sets (or read --plan), "
        "submit them, start W local qcluster workers and follow the job to its end. Exits 0 "
        "only when every conversation completed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=100, help="Conversations to plan.")
        parser.add_argument("--plan", type=Path, help="Submit this plan file instead.")
        parser.add_argument("--seed", type=int, help="Seed for a reproducible fresh plan.")
        parser.add_argument("--name", default="", help="Job name.")
        parser.add_argument(
            "--concurrency",
            type=concurrency_value,
            default=3,
            help="Calls in flight at once, or 'auto': start small and grow as the rate limits "
            "allow, up to --max-concurrency.",
        )
        parser.add_argument(
            "--max-concurrency",
            type=int,
            default=None,
            help=f"The ceiling with --concurrency auto (default {MAX_CONCURRENCY}); also the "
            "local workers started.",
        )
        parser.add_argument("--workers", type=int, default=1, help="Local qcluster processes.")
        parser.add_argument("--error-handling", choices=("continue", "stop"), default="continue")
        parser.add_argument(
            "--mode",
            choices=BatchJob.Mode.values,
            default=BatchJob.Mode.STANDARD,
            help="standard: one Messages call per conversation; batch: through the Message "
            "Batches API at half price (results within 24 h, most within an hour).",
        )
        parser.add_argument("--priority", choices=tuple(PRIORITIES), default="normal")
        parser.add_argument("--budget", type=Decimal, help="Pause before spending more (USD).")
        parser.add_argument("--no-wait", action="store_true", help="Submit and return at once.")
        parser.add_argument(
            "--judge",
            action=BooleanOptionalAction,
            default=None,
            help="A judge call per conversation (default: JUDGE_ENABLED, on with a key).",
        )

        parser.add_argument(
            "--ab-examples",
            metavar="VERSION|none",
            help="Split the job A/B: arm A shows the latest pinned seed examples (or none), "
            "arm B this version's (or none), alternately per tier and persona; compare them "
            "with quality_report --ab JOB.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self._run(options)
        except journal.UNREACHABLE as error:
            raise CommandError(journal.unreachable_message(error)) from None

    def _run(self, options: dict[str, Any]) -> None:
        self.offline = is_offline()
        if self.offline:
            self.stdout.write(
                self.style.WARNING(
                    "No ANTHROPIC_API_KEY: conversations come from the offline emulator and are "
                    "marked conversation_source=offline_emulator. Nothing is spent: costs below "
                    "are what the same calls would cost at the model's prices."
                )
            )
        job = self._submit(options)
        estimated = "would cost" if self.offline else "estimated"
        self.stdout.write(
            f"Job {job.pk}: {job.total_items} conversations, {estimated} "
            f"${job.estimated_cost:.2f}, about {job.estimated_seconds} s " + self._how(job)
        )
        summaries, warnings = prefix_lines(job)
        for line in summaries:
            self.stdout.write(f"  {line}")
        for line in warnings:
            self.stdout.write(self.style.WARNING(f"  {line}"))
        if options["no_wait"]:
            self.stdout.write(f"Follow it with: manage.py batch_status {job.pk}")
            return
        if options["workers"] > 0:
            with LocalWorkers(options["workers"], local_width(job)):
                self._follow(job)
        else:
            self._follow(job)
        self._finish(job)

    def _how(self, job: BatchJob) -> str:
        if job.mode == BatchJob.Mode.BATCH:
            return "through the Message Batches API (batch price: half the list price)"
        if job.concurrency_auto:
            return (
                f"at concurrency auto (from {job.concurrency}, at most {job.concurrency_ceiling})"
            )
        return f"at concurrency {job.concurrency}"

    def _submit(self, options: dict[str, Any]) -> BatchJob:
        scaffold = Scaffold.active()
        try:
            if options["plan"]:
                resolved = read_plan(options["plan"])
            else:
                if not 1 <= options["count"] <= 10_000:
                    raise CommandError("--count must be 1 to 10,000.")
                sets = plan_parameter_sets(
                    counts=tier_counts(options["count"]), seed=options["seed"], scaffold=scaffold
                )
                resolved = resolve_plan([s.to_json() for s in sets])
            coverage = coverage_report([r.parameters for r in resolved], scaffold)
            name = options["name"] or f"Emotional Intelligence {len(resolved)}"
            return submit_batch(
                resolved,
                BatchOptions(
                    name=name,
                    concurrency=3 if options["concurrency"] == "auto" else options["concurrency"],
                    concurrency_auto=options["concurrency"] == "auto",
                    max_concurrency=options["max_concurrency"],
                    error_handling=options["error_handling"],
                    mode=options["mode"],
                    priority=PRIORITIES[options["priority"]],
                    budget_cap=options["budget"],
                    seed=options["seed"],
                    coverage=coverage,
                    judge=options["judge"],
                    ab_examples=options["ab_examples"],
                ),
            )
        except (PlanningError, PlanError, SubmissionError) as error:
            raise CommandError(str(error)) from None

    def _follow(self, job: BatchJob) -> None:
        """Show the job's progress until it ends or pauses; while the database is unreachable,
        say so and wait for it (the workers hold what they receive meanwhile)."""
        last_sweep = 0.0
        shown = ""
        while True:
            try:
                if time.monotonic() - last_sweep > SWEEP_EVERY:
                    sweep()
                    if job.mode == BatchJob.Mode.BATCH:
                        run_batches()
                    last_sweep = time.monotonic()
                job.refresh_from_db()
                status = job_status(job)
            except journal.UNREACHABLE as error:
                journal.note_unreachable()
                connection.close()
                shown = self._show(f"{journal.unreachable_message(error)} Waiting for it.", shown)
                time.sleep(1.0)
                continue
            shown = self._progress(status, shown, job.mode == BatchJob.Mode.BATCH)
            if job.status in BatchJob.FINISHED or job.status == BatchJob.Status.PAUSED:
                self.stdout.write("")
                return
            time.sleep(0.5)

    def _progress(self, status: dict[str, Any], shown: str, batch: bool = False) -> str:
        """Redraw one line on a terminal; elsewhere (logs, CI) print a line when it changes."""
        progress = status["progress"]
        done = progress["completed"] + progress["failed"]
        width = 30
        filled = int(width * done / max(progress["total"], 1))
        bar = f"[{'#' * filled}{'.' * (width - filled)}]"
        line = (
            f"{bar} {progress['completed']}/{progress['total']} "
            f"completed, {progress['inProgress']} "
            + ("in open Message Batches" if batch else "call(s) in flight")
            + f", {progress['failed']} failed, "
            f"{self._spent(status['cost']['actualCurrent'])}"
        )
        return self._show(line, shown)

    def _spent(self, amount: Any) -> str:
        """Money as spent online, and as it would be offline (the emulator costs nothing)."""
        if self.offline:
            return f"would cost ${amount:.4f} (offline: nothing spent)"
        return f"cost ${amount:.4f}"

    def _show(self, line: str, shown: str) -> str:
        if line == shown:
            return shown
        if self.stdout.isatty():
            self.stdout.write(f"\r{line}", ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)
        return line

    def _finish(self, job: BatchJob) -> None:
        status = job_status(job)
        progress = status["progress"]
        self.stdout.write(
            f"Job {job.pk} {job.status}: {progress['completed']}/{progress['total']} completed, "
            f"{progress['failed']} failed, {self._spent(status['cost']['actualCurrent'])} "
            f"(estimated ${status['cost']['estimatedTotal']:.4f}), "
            f"{status['timing']['elapsedSeconds']} s"
        )
        self.stdout.write(
            f"  Transcripts: /admin/generation/conversation/?batch_job__id__exact={job.pk}\n"
            f"  Status: manage.py batch_status {job.pk}"
        )
        for error in status["errors"][:20]:
            self.stdout.write(f"  #{error['conversationIndex'] + 1}: {error['error']}")
        if job.status_reason:
            self.stdout.write(f"  {job.status_reason}")
        if job.status != BatchJob.Status.COMPLETED or progress["completed"] != progress["total"]:
            sys.exit(1)
