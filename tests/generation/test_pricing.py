"""Costs in USD, checked against figures worked out by hand."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from generation.claude import Usage
from generation.pricing import cost_of, estimate, price_table


def test_the_price_table_comes_from_settings(settings):
    settings.CLAUDE_PRICES = settings.CLAUDE_PRICES | {
        "claude-test-1": {"input": 2, "output": 8, "cache_write": 2.5, "cache_read": 0.2}
    }

    assert price_table("claude-sonnet-5-5") == {
        "input": 3.0,
        "output": 15.0,
        "cache_write": 3.75,
        "cache_read": 0.3,
    }
    assert price_table("claude-test-1")["output"] == 8


def test_a_model_without_a_price_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured) as caught:
        price_table("claude-unknown-9")

    assert str(caught.value) == "no price for model claude-unknown-9: add it to CLAUDE_PRICES_JSON"


def test_a_price_without_every_kind_of_token_is_a_configuration_error(settings):
    settings.CLAUDE_PRICES = {"claude-half-priced": {"input": 1.0, "output": 5.0}}

    with pytest.raises(ImproperlyConfigured, match="lacks cache_write, cache_read"):
        cost_of(Usage(input_tokens=1), "claude-half-priced")


def test_each_kind_of_token_is_charged_at_its_own_price():
    usage = Usage(
        input_tokens=1000, output_tokens=2000, cache_write_tokens=3000, cache_read_tokens=4000
    )

    # Sonnet 5.5: 1000 x $3 + 2000 x $15 + 3000 x $3.75 + 4000 x $0.30 = $45,450 per million tokens
    assert cost_of(usage, "claude-sonnet-5-5") == Decimal("0.045450")
    # Haiku 5.5: 1000 x $1 + 2000 x $5 + 3000 x $1.25 + 4000 x $0.10 = $15,150 per million tokens
    assert cost_of(usage, "claude-haiku-5-5") == Decimal("0.015150")


def test_a_cost_is_exact_to_the_millionth_of_a_dollar():
    assert cost_of(Usage(cache_read_tokens=1), "claude-sonnet-5-5") == Decimal("0.000000")
    assert cost_of(Usage(cache_read_tokens=2), "claude-sonnet-5-5") == Decimal("0.000001")
    assert cost_of(Usage(input_tokens=1), "claude-sonnet-5-5") == Decimal("0.000003")
    assert cost_of(Usage(), "claude-sonnet-5-5") == Decimal("0.000000")
    assert cost_of(Usage(cache_read_tokens=10), "claude-sonnet-5-5").as_tuple().exponent == -6


def test_a_batch_estimate_writes_the_system_cache_once_and_reads_it_after():
    # 100 calls of 2,000 prompt + 3,000 output tokens, a 1,500-token system prompt, Sonnet 5.5:
    # input 200,000 x $3 = $0.60; output 300,000 x $15 = $4.50;
    # cache write 1,500 x $3.75 = $0.005625; cache read 99 x 1,500 x $0.30 = $0.04455
    assert estimate(2000, 3000, 1500, 100, "claude-sonnet-5-5") == Decimal("5.150175")


def test_a_single_call_estimate_only_writes_the_cache():
    # 2,000 x $3 + 3,000 x $15 + 1,500 x $3.75 = $56,625 per million tokens
    assert estimate(2000, 3000, 1500, 1, "claude-sonnet-5-5") == Decimal("0.056625")


def test_an_empty_batch_costs_nothing():
    assert estimate(2000, 3000, 1500, 0, "claude-sonnet-5-5") == Decimal("0.000000")


def test_an_estimate_for_an_unpriced_model_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="claude-unknown-9"):
        estimate(1, 1, 1, 1, "claude-unknown-9")
