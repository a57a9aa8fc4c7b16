"""Caching you can see: the shared prefix against the model's cache minimum in the estimate,
on the job page and in batch_status, and the cache reads and writes a job really made."""

from dataclasses import replace
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from generation.calls import Usage
from generation.claude import write_conversation
from generation.emulator import Emulator
from generation.live import live_status
from generation.models import GenerationAttempt
from generation.pricing import cost_of, estimate
from generation.prompts import current_system_prompt, shared_prefix, system_prompt, tokens_in
from generation.status import cache_use
from generation.tasks import request_for
from tests.generation.test_emulator import client_for, make_brief
from tests.generation.test_emulator import request_for as emulator_request

pytestmark = pytest.mark.django_db

WARNING = "no call will read it from the cache, and the estimate counts it at the full input price"


def default_warning(tokens: int) -> str:
    return (
        f"The shared system prompt is {tokens:,} tokens, under the 1,024 tokens Claude caches "
        "for claude-sonnet-5-5: " + WARNING + "."
    )


def attempts(job) -> list[GenerationAttempt]:
    return list(
        GenerationAttempt.objects.filter(conversation__batch_job=job).order_by("started_at")
    )


# --- the shared prefix ------------------------------------------------------------------


def test_the_prefix_is_the_system_prompt_each_request_sends_measured_as_the_estimate_does(
    submit,
):
    job = submit(3, run=False)
    sent = request_for(job.conversations.first()).system

    prefix = shared_prefix(job)

    assert sent == system_prompt(job)
    assert prefix.tokens == tokens_in(sent) == tokens_in(current_system_prompt())
    assert (prefix.minimum, prefix.model) == (1024, "claude-sonnet-5-5")


def test_the_default_prompt_is_too_short_to_cache_and_says_so(submit):
    prefix = shared_prefix(submit(3, run=False))

    assert 600 < prefix.tokens < 1024  # about 634 tokens: 2,536 characters
    assert not prefix.cacheable
    assert prefix.summary().endswith(
        "tokens, not cached (Claude caches from 1,024 tokens for claude-sonnet-5-5)"
    )
    assert prefix.warning() == default_warning(prefix.tokens)


def test_a_long_enough_prompt_template_is_cached_and_warns_of_nothing(submit, cacheable_prompt):
    job = submit(3, run=False)
    prefix = shared_prefix(job)

    assert job.prompt_template_id == cacheable_prompt.pk
    assert prefix.tokens >= 1024 and prefix.cacheable
    assert ", cached (Claude caches from 1,024" in prefix.summary()
    assert prefix.warning() == ""


def test_the_cache_minimum_is_per_model_and_a_bad_one_is_refused(submit, settings):
    job = submit(3, run=False)
    settings.CLAUDE_CACHE_MIN_TOKENS = {"claude-sonnet-5-5": 500}
    assert shared_prefix(job).cacheable
    settings.CLAUDE_CACHE_MIN_TOKENS = {"claude-sonnet-5-5": 4096}
    assert "under the 4,096 tokens" in shared_prefix(job).warning()
    settings.CLAUDE_CACHE_MIN_TOKENS = {}  # a model left out: Claude's usual 1,024
    assert shared_prefix(job).minimum == 1024
    settings.CLAUDE_CACHE_MIN_TOKENS = {"claude-sonnet-5-5": "lots"}
    with pytest.raises(ImproperlyConfigured, match="CLAUDE_CACHE_MIN_TOKENS_JSON"):
        shared_prefix(job)


# --- the estimate ------------------------------------------------------------------------


def full_price(job, cached: bool) -> Decimal:
    """The job's generation calls priced by hand: the system prompt as plain input on every
    call, or written to the cache by the first and read by the others."""
    system = tokens_in(system_prompt(job))
    total = Decimal(0)
    for index, conversation in enumerate(job.conversations.order_by("sequence_number")):
        prompt = tokens_in(request_for(conversation).prompt)
        output = conversation.parameters["turn_count"] * 300  # EXPECTED_OUTPUT_TOKENS_PER_TURN
        usage = (
            Usage(
                input_tokens=prompt,
                output_tokens=output,
                cache_write_tokens=system if index == 0 else 0,
                cache_read_tokens=system if index else 0,
            )
            if cached
            else Usage(input_tokens=prompt + system, output_tokens=output)
        )
        total += cost_of(usage, job.model)
    return total


def test_the_estimate_counts_no_cache_savings_for_a_prompt_under_the_minimum(submit, settings):
    settings.EXPECTED_OUTPUT_TOKENS_PER_TURN = 300
    job = submit(6, run=False)

    assert job.judge_estimated_cost == 0
    assert job.estimated_cost == full_price(job, cached=False)
    assert job.estimated_cost > full_price(job, cached=True)


def test_the_estimate_counts_cache_reads_for_a_prompt_over_the_minimum(
    submit, settings, cacheable_prompt
):
    settings.EXPECTED_OUTPUT_TOKENS_PER_TURN = 300
    job = submit(6, run=False)

    assert job.estimated_cost == full_price(job, cached=True)
    assert job.estimated_cost < full_price(job, cached=False)


def test_the_batch_price_helper_prices_a_short_system_prompt_as_input():
    # 10 calls, 634-token system prompt under Sonnet's 1,024: (2,000 + 634) x 10 x $3
    # + 3,000 x 10 x $15 = $0.079020 + $0.45
    assert estimate(2000, 3000, 634, 10, "claude-sonnet-5-5") == Decimal("0.529020")


def test_the_plan_preview_shows_the_estimate_and_the_prefix_warning(editor_client, scaffolding):
    form = {"name": "Preview", "count": "10", "seed": "3", "concurrency": "3"}
    form |= {"error_handling": "continue", "priority": "1", "_preview": "1"}

    page = editor_client.post("/admin/generation/batchjob/plan/", form).content.decode()

    tokens = tokens_in(current_system_prompt())
    assert "Estimated $" in page and "for 10 conversations" in page
    assert f"Shared system prompt: {tokens:,} tokens, not cached" in page
    warnings = page[page.index("eid-form-warnings") : page.index('class="submit-row"')]
    assert default_warning(tokens) in warnings


def test_the_plan_preview_of_a_cacheable_prompt_has_no_prefix_warning(
    editor_client, cacheable_prompt
):
    form = {"name": "Preview", "count": "10", "seed": "3", "concurrency": "3"}
    form |= {"error_handling": "continue", "priority": "1", "_preview": "1"}

    page = editor_client.post("/admin/generation/batchjob/plan/", form).content.decode()

    assert "tokens, cached (Claude caches from 1,024" in page
    assert WARNING not in page


@pytest.mark.django_db(transaction=True)
def test_generate_prints_the_prefix_and_its_warning_with_the_estimate(scaffolding, offline):
    out = StringIO()
    call_command("generate", "--count", "3", "--workers", "0", "--seed", "2", stdout=out)
    lines = out.getvalue().splitlines()

    estimate_line = next(i for i, line in enumerate(lines) if "conversations, would cost" in line)
    assert lines[estimate_line + 1].startswith("  Shared system prompt: ")
    assert WARNING in lines[estimate_line + 2]


# --- what the calls really did ----------------------------------------------------------


def emulated_usage(emulator: Emulator, system: str, number: int) -> Usage:
    """One emulated call for a template brief with `system` as its system prompt."""
    request = emulator_request(make_brief(sequence_number=number), f"c{number}")
    return write_conversation(replace(request, system=system), client_for(emulator)).usage


def test_the_emulator_neither_writes_nor_reads_a_prefix_under_the_minimum():
    emulator = Emulator()
    system = "You are Elena Morales, CFP. " * 100  # 2,800 characters: 700 tokens

    first, second = (emulated_usage(emulator, system, number) for number in (1, 2))

    assert (first.cache_write_tokens, first.cache_read_tokens) == (0, 0)
    assert (second.cache_write_tokens, second.cache_read_tokens) == (0, 0)
    assert second.input_tokens >= 700  # the system prompt billed as input, every call


def test_the_emulator_honours_a_models_own_cache_minimum(settings):
    settings.CLAUDE_CACHE_MIN_TOKENS = {"claude-sonnet-5-5": 500}
    emulator = Emulator()
    system = "You are Elena Morales, CFP. " * 100

    first, second = (emulated_usage(emulator, system, number) for number in (1, 2))

    assert (first.cache_write_tokens, second.cache_read_tokens) == (700, 700)


def test_a_default_job_offline_reads_nothing_from_the_cache_and_says_so(submit, editor_client):
    job = submit(4)

    assert all((a.cache_write_tokens, a.cache_read_tokens) == (0, 0) for a in attempts(job))
    use = cache_use(job)
    assert (use["cacheWriteTokens"], use["cacheReadTokens"], use["readShare"]) == (0, 0, 0.0)
    assert use["inputTokens"] == sum(a.input_tokens for a in attempts(job)) > 0
    warning = default_warning(shared_prefix(job).tokens)
    page = editor_client.get(f"/admin/generation/batchjob/{job.pk}/change/").content.decode()
    assert warning in page
    assert f"Cache so far: 0 tokens read, 0 written; 0% of {use['inputTokens']:,}" in page
    out = StringIO()
    call_command("batch_status", str(job.pk), stdout=out)
    assert f"  {warning}\n" in out.getvalue()
    assert "  Cache so far: 0 tokens read, 0 written; 0% of " in out.getvalue()


def test_a_cacheable_job_offline_reads_the_cache_after_its_first_call(
    submit, editor_client, cacheable_prompt
):
    job = submit(4)
    calls = attempts(job)

    written = calls[0].cache_write_tokens
    assert written >= 1024 and calls[0].cache_read_tokens == 0
    assert all((a.cache_write_tokens, a.cache_read_tokens) == (0, written) for a in calls[1:])
    use = cache_use(job)
    assert (use["cacheWriteTokens"], use["cacheReadTokens"]) == (written, 3 * written)
    total = sum(a.input_tokens + a.cache_write_tokens + a.cache_read_tokens for a in calls)
    assert use["inputTokens"] == total
    assert use["readShare"] == round(3 * written / total, 4)
    line = (
        f"Cache so far: {3 * written:,} tokens read, {written:,} written; "
        f"{use['readShare']:.0%} of {total:,} input tokens read from the cache"
    )
    live = live_status(job)
    assert live["cacheText"] == line and live["prefixWarning"] == ""
    assert live["cache"]["cacheReadTokens"] == 3 * written
    assert live["cache"]["prefixTokens"] == shared_prefix(job).tokens
    page = editor_client.get(f"/admin/generation/batchjob/{job.pk}/change/").content.decode()
    assert line in page and WARNING not in page
    assert 'data-live="cacheText"' in page  # redrawn by live.js as the job runs
    out = StringIO()
    call_command("batch_status", str(job.pk), stdout=out)
    assert f"  {line}\n" in out.getvalue()
    assert ", cached (Claude caches from 1,024 tokens" in out.getvalue()
    assert WARNING not in out.getvalue()
