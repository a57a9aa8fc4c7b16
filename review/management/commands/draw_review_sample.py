from typing import Any

from django.core.management.base import BaseCommand, CommandError

from generation.management.commands.batch_status import find_job
from review.sampling import SamplingError, draw_sample, reviewers_named, strata_counts


class Command(BaseCommand):
    help = (
        "Draw a job's review sample (stratified by tier and persona, every edge case type at "
        "least once), assign it to reviewers in turn or leave it in the pool, and print it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--job", required=True, help="The batch job's id.")
        parser.add_argument(
            "--fraction", help="Share of completed conversations (settings.REVIEW_SAMPLE_FRACTION)."
        )
        parser.add_argument("--seed", type=int, default=0, help="Same job and seed: same sample.")
        parser.add_argument(
            "--reviewer",
            action="append",
            default=[],
            metavar="USERNAME",
            help="A reviewer to assign items to (repeat for several); none: the pool.",
        )
        parser.add_argument(
            "--overlap", default="0", help="Share of items a second reviewer also reviews."
        )
        parser.add_argument(
            "--force", action="store_true", help="Draw even though the job has an open sample."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        job = find_job(options["job"])
        try:
            sample = draw_sample(
                job,
                fraction=options["fraction"],
                seed=options["seed"],
                reviewers=reviewers_named(options["reviewer"]),
                overlap=options["overlap"],
                force=options["force"],
            )
        except SamplingError as error:
            raise CommandError(str(error)) from None
        counts = strata_counts(sample)
        total = sum(counts.get("tier", {}).values())
        self.stdout.write(f"Review sample {sample.pk} of {job}: {total} conversations")
        for heading, key in (
            ("By tier and persona", "stratum"),
            ("By edge case type", "edge_case_type"),
            ("Assigned", "reviewer"),
            ("Second reviews (overlap)", "overlap"),
        ):
            if counts.get(key):
                self.stdout.write(f"{heading}:")
                for name, count in sorted(counts[key].items()):
                    self.stdout.write(f"  {name}: {count}")
