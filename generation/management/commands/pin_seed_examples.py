"""Pin seed examples for the prompt: `manage.py pin_seed_examples [--id ID ...] [--count N]`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from generation.examples import ExamplesError, choose, pin, render
from generation.models import Conversation
from generation.prompts import tokens_in


class Command(BaseCommand):
    help = (
        "Make a new version of the seed examples that the system prompt shows (jobs submitted "
        "from now on pin it): the conversations given by --id, or those the documented rule "
        "picks (generation/examples.py)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--id", action="append", default=[], dest="ids")
        parser.add_argument("--count", type=int, default=None)

    def handle(self, *args: Any, ids: list[str], count: int | None, **options: Any) -> None:
        if count is not None and count < 1:
            raise CommandError("--count must be at least 1.")
        if ids:
            try:
                found = {str(c.pk): c for c in Conversation.objects.filter(pk__in=ids)}
            except (ValidationError, ValueError):
                raise CommandError("Each --id must be a conversation id (a UUID).") from None
            missing = [i for i in ids if i not in found]
            if missing:
                raise CommandError(f"No conversation {', '.join(missing)}.")
            chosen = [found[i] for i in ids]
        else:
            chosen = choose(count)
        try:
            version = pin(chosen)
        except ExamplesError as error:
            raise CommandError(str(error)) from None
        shown = "\n".join(
            f"  {e['persona']}, {e['tier']} tier, {e['arc']}, {e['topic']}"
            for e in version.examples
        )
        self.stdout.write(
            f"{version}: about {tokens_in(render(version.examples)):,} tokens after the system "
            f"prompt; jobs submitted from now on show:\n{shown}"
        )
