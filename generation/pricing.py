"""What Claude calls cost, in USD, from the per-model price table in settings.

Prices are USD per million tokens for input, output, cache write and cache read. Money is
Decimal, quantized to a millionth of a dollar: a single short call can cost less than a cent.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from generation.calls import Usage

# The judge's instructions (review/judge_prompt.py's SYSTEM) in tokens, rounded up; a test
# keeps this in step with them.
JUDGE_INSTRUCTION_TOKENS = 500
PRICE_KINDS = ("input", "output", "cache_write", "cache_read")
PER_MILLION = Decimal(1_000_000)
MICRODOLLAR = Decimal("0.000001")


def price_table(model: str) -> dict[str, float]:
    table = settings.CLAUDE_PRICES.get(model)
    if table is None:
        raise ImproperlyConfigured(f"no price for model {model}: add it to CLAUDE_PRICES_JSON")
    missing = [kind for kind in PRICE_KINDS if kind not in table]
    if missing:
        raise ImproperlyConfigured(
            f"the price of model {model} lacks {', '.join(missing)}: complete it in "
            "CLAUDE_PRICES_JSON"
        )
    return table


# Claude's cache minimum for a model missing from CLAUDE_CACHE_MIN_TOKENS.
DEFAULT_CACHE_MIN_TOKENS = 1024


def cache_minimum(model: str) -> int:
    """The fewest tokens of prefix `model` caches: a shorter one is plain input on every call,
    so no estimate or dashboard may count it as a cache read."""
    minimum = settings.CLAUDE_CACHE_MIN_TOKENS.get(model, DEFAULT_CACHE_MIN_TOKENS)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        raise ImproperlyConfigured(
            f"the cache minimum of model {model} is {minimum!r}, not a whole number of tokens: "
            "fix it in CLAUDE_CACHE_MIN_TOKENS_JSON"
        )
    return minimum


# The Message Batches API bills every token at half the list price (Anthropic's pricing page).
BATCH_DISCOUNT = Decimal("0.5")
# A 1-hour cache write costs twice the input price (a 5-minute one 1.25 times); batch mode
# sends its system prompt with the 1-hour TTL, so its cache writes are priced so.
ONE_HOUR_WRITE = Decimal("2")


def cost_of(usage: Usage, model: str, batch: bool = False) -> Decimal:
    """What a call cost at list prices, or, with `batch`, at the Message Batches price (half,
    cache writes at the 1-hour rate)."""
    # str() first, so a float price such as 0.3 becomes exactly 0.3, not 0.2999...
    table = {kind: Decimal(str(price)) for kind, price in price_table(model).items()}
    if batch:
        table["cache_write"] = table.get("cache_write_1h", table["input"] * ONE_HOUR_WRITE)
        table = {kind: price * BATCH_DISCOUNT for kind, price in table.items()}
    tokens = {
        "input": usage.input_tokens,
        "output": usage.output_tokens,
        "cache_write": usage.cache_write_tokens,
        "cache_read": usage.cache_read_tokens,
    }
    total = sum(table[kind] * count for kind, count in tokens.items())
    return (total / PER_MILLION).quantize(MICRODOLLAR, rounding=ROUND_HALF_UP)


def estimate(
    prompt_tokens: int,
    expected_output_tokens: int,
    system_tokens: int,
    count: int,
    model: str,
    batch: bool = False,
) -> Decimal:
    """A batch of `count` calls: the first writes the system prompt's cache, the rest read it;
    a system prompt under the model's cache minimum is plain input on every call."""
    if count <= 0:
        return Decimal(0).quantize(MICRODOLLAR)
    cached = system_tokens if system_tokens >= cache_minimum(model) else 0
    usage = Usage(
        input_tokens=(prompt_tokens + system_tokens - cached) * count,
        output_tokens=expected_output_tokens * count,
        cache_write_tokens=cached,
        cache_read_tokens=cached * (count - 1),
    )
    return cost_of(usage, model, batch)


def judge_estimate(brief_tokens: int, conversation_tokens: int, model: str) -> Decimal:
    """One judge call: its instructions, the brief and the conversation in, a verdict out."""
    usage = Usage(
        input_tokens=JUDGE_INSTRUCTION_TOKENS + brief_tokens + conversation_tokens,
        output_tokens=settings.JUDGE_EXPECTED_OUTPUT_TOKENS,
    )
    return cost_of(usage, model)
