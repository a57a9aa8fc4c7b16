from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exports.management.commands.publish_release import find_release
from exports.models import TrainCheck


class Command(BaseCommand):
    help = (
        "Prove a release trains: fine-tune a tiny randomly initialised model with LoRA on its "
        "chat config (TRL SFTTrainer, assistant-only loss, CPU) for a few steps, record the "
        "figures on the release and write them into its card's 'Train with TRL' section. "
        "Needs requirements-train.txt."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="The release's name, e.g. emotional-intelligence-100-v1.0")
        parser.add_argument("--steps", type=int, default=8, help="Training steps (default 8)")

    def handle(self, *args: Any, name: str, steps: int, **options: Any) -> None:
        from exports.card_training import has_section, update_card
        from exports.training.check import TrainCheckError, run_train_check

        release = find_release(name)
        if release.status == release.Status.READY and not has_section(release):
            raise CommandError(
                f"{release.name}'s card has no 'Train with TRL' section to write the figures "
                "into (it was built before train_check existed): rebuild it with "
                "`manage.py export_release --force`, then run train_check again."
            )
        try:
            check = run_train_check(release, steps)
        except TrainCheckError as err:
            raise CommandError(str(err)) from None
        self.stdout.write(summary(check))
        if not check.passed:
            raise CommandError(f"{release.name} did not pass the train check:\n{check.problems}")
        update_card(release, check)
        self.stdout.write(
            f"{release.name} trains: its card's 'Train with TRL' section now suggests "
            f"max_length={check.suggested_max_length} (SHA256SUMS and archives rewritten)."
        )


def summary(check: TrainCheck) -> str:
    return "\n".join(
        [
            f"Tokenizer: {check.tokenizer}",
            f"Tokens per example ({check.examples}): min {check.tokens_min}, median "
            f"{check.tokens_median:g}, p95 {check.tokens_p95}, max {check.tokens_max}; "
            f"suggested max_length {check.suggested_max_length}",
            f"Share of tokens in the loss (assistant only): {check.loss_token_share:.1%}",
            f"Loss over the train split's first examples: "
            f"{check.train_loss_start:.4f} -> {check.train_loss_end:.4f} after {check.steps} steps",
            f"Loss over the validation split's first examples: "
            f"{check.validation_loss_start:.4f} -> {check.validation_loss_end:.4f}",
            f"LoRA tensors changed: {check.lora_tensors_changed} of {check.lora_tensors}; "
            f"base tensors changed: {check.base_tensors_changed} of {check.base_tensors}",
            f"{check.seconds_per_step:.2f} s per step, peak memory {check.peak_rss_mb:.0f} MB",
        ]
    )
