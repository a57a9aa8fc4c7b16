"""`generate` offline says what the calls would cost, never that money was spent."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_offline_run_prints_its_costs_as_would_cost(scaffolding, offline):
    out = StringIO()
    call_command("generate", "--count", "3", "--workers", "0", "--seed", "2", stdout=out)
    text = out.getvalue()
    assert "Nothing is spent" in text
    assert "conversations, would cost $" in text
    finished = next(line for line in text.splitlines() if " completed: 3/3 completed" in line)
    assert "would cost $" in finished and "(offline: nothing spent)" in finished
    assert ", cost $" not in text


def test_a_run_with_a_key_prints_its_costs_as_spent(scaffolding, offline, settings):
    settings.ANTHROPIC_API_KEY = "sk-test"
    settings.GENERATION_INLINE = False  # queued for workers that are not started: no call
    out = StringIO()
    call_command(
        "generate", "--count", "3", "--workers", "0", "--seed", "2", "--no-wait", stdout=out
    )
    text = out.getvalue()
    assert "conversations, estimated $" in text
    assert "would cost" not in text
