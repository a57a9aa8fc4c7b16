"""Submitting a plan: one BatchJob and one pending Conversation per parameter set.

The job pins the prompt template and consultant profile versions in force, and carries an
estimate of its cost and time made from the very prompts it will send.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from generation import concurrency, examples, prompts
from generation.calls import Usage
from generation.claude import is_offline
from generation.dispatch import wake
from generation.models import Arm, BatchJob, Conversation, PromptExamples
from generation.plans import ResolvedSet
from generation.pricing import cost_of, judge_estimate

MAX_CONCURRENCY = 50
# Most Message Batches end within an hour (Anthropic's batch processing guide); at most 24 h.
EXPECTED_BATCH_SECONDS = 3600


class SubmissionError(ValueError):
    """The batch cannot be submitted as asked; nothing was created."""


@dataclass(frozen=True)
class BatchOptions:
    name: str
    concurrency: int = 3
    error_handling: str = BatchJob.ErrorHandling.CONTINUE
    priority: int = BatchJob.Priority.NORMAL
    budget_cap: Decimal | None = None
    model: str = ""
    max_tokens: int = 0
    seed: int | None = None
    coverage: dict[str, Any] | None = None
    judge: bool | None = None  # None: JUDGE_ENABLED decides
    # Auto: `concurrency` is ignored; the width starts small and grows up to the ceiling as
    # the rate limits allow (generation/concurrency.py).
    concurrency_auto: bool = False
    max_concurrency: int | None = None  # the ceiling in auto mode; None: MAX_CONCURRENCY
    examples: bool = True  # show the latest pinned seed examples, if any
    mode: str = BatchJob.Mode.STANDARD  # batch: through the Message Batches API, half price
    # An A/B job: arm A shows the examples above, arm B this version's ("3") or none ("none").
    ab_examples: str | None = None


def submit_batch(resolved: list[ResolvedSet], options: BatchOptions, user: Any = None) -> BatchJob:
    job, conversations = prepare_batch(resolved, options, user)
    with transaction.atomic():
        job.save()
        Conversation.objects.bulk_create(conversations)
        transaction.on_commit(wake)
    return job


def prepare_batch(
    resolved: list[ResolvedSet], options: BatchOptions, user: Any = None
) -> tuple[BatchJob, list[Conversation]]:
    """The job and conversations submit_batch saves, unsaved, with the job's estimate: the
    plan form previews this, so the estimate shown is the one submitted."""
    _check(options, resolved)
    job = _job(options, resolved, user)
    conversations = [_conversation(job, number, item) for number, item in enumerate(resolved, 1)]
    if job.ab_split:
        assign_arms(conversations)
    job.judge_estimated_cost = judge_estimate_of(job, conversations)
    generation, job.estimated_seconds = estimate(job, conversations)
    job.estimated_cost = generation + job.judge_estimated_cost
    return job, conversations


def _check(options: BatchOptions, resolved: list[ResolvedSet]) -> None:
    if not resolved:
        raise SubmissionError("A batch needs at least one parameter set.")
    if not 1 <= options.concurrency <= MAX_CONCURRENCY:
        raise SubmissionError(f"Concurrency must be 1 to {MAX_CONCURRENCY}.")
    if options.max_concurrency is not None and not 1 <= options.max_concurrency <= MAX_CONCURRENCY:
        raise SubmissionError(f"The maximum concurrency must be 1 to {MAX_CONCURRENCY}.")
    if options.budget_cap is not None and options.budget_cap <= 0:
        raise SubmissionError("A budget cap must be more than $0.")
    if not options.name.strip():
        raise SubmissionError("A batch needs a name.")
    if options.mode not in BatchJob.Mode.values:
        modes = ", ".join(BatchJob.Mode.values)
        raise SubmissionError(f"Mode must be one of {modes}, not {options.mode!r}.")


def _job(options: BatchOptions, resolved: list[ResolvedSet], user: Any) -> BatchJob:
    template, profile = prompts.current_versions()
    if template is None or profile is None:
        raise SubmissionError("No system prompt or consultant profile: run seed_scaffolding.")
    shown = examples.current() if options.examples else None
    ab_split, ab_examples = options.ab_examples is not None, None
    if ab_split:
        ab_examples = _arm_b(str(options.ab_examples), shown)
    return BatchJob(
        name=options.name.strip()[:200],
        concurrency=_start_width(options),
        concurrency_auto=options.concurrency_auto,
        concurrency_ceiling=_ceiling(options),
        error_handling=options.error_handling,
        mode=options.mode,
        priority=options.priority,
        budget_cap=options.budget_cap,
        total_items=len(resolved),
        model=options.model or settings.CLAUDE_MODEL,
        max_tokens=options.max_tokens or settings.CLAUDE_MAX_TOKENS,
        judge_model=settings.CLAUDE_JUDGE_MODEL if _judged(options) else "",
        prompt_template=template,
        consultant_profile=profile,
        prompt_examples=shown,
        ab_split=ab_split,
        ab_examples=ab_examples,
        plan_seed=options.seed,
        coverage=options.coverage or {},
        created_by=user if getattr(user, "pk", None) else None,
    )


def _arm_b(text: str, arm_a: PromptExamples | None) -> PromptExamples | None:
    """Arm B's version, which must differ from arm A's (the job's own)."""
    try:
        arm_b = examples.version_named(text)
    except examples.ExamplesError as error:
        raise SubmissionError(str(error)) from None
    if arm_b == arm_a:
        shown = f"seed examples v{arm_a.version}" if arm_a else "no seed examples"
        raise SubmissionError(
            f"Both arms would show {shown}: an A/B job compares two different sets (arm A is "
            "the latest pinned version, or none without examples)."
        )
    return arm_b


def assign_arms(conversations: list[Conversation]) -> None:
    """A and B in turn within each tier and persona (in plan order), carried over from one
    group to the next, so that every tier-persona group and the whole job are split evenly
    (within one)."""
    groups: dict[tuple[str, Any], list[Conversation]] = {}
    for conversation in conversations:
        groups.setdefault((conversation.tier, conversation.persona_id), []).append(conversation)
    turn = 0
    for key in sorted(groups, key=lambda k: (k[0], str(k[1]))):
        for conversation in groups[key]:
            conversation.arm = Arm.A if turn % 2 == 0 else Arm.B
            turn += 1


def _ceiling(options: BatchOptions) -> int | None:
    return (options.max_concurrency or MAX_CONCURRENCY) if options.concurrency_auto else None


def _start_width(options: BatchOptions) -> int:
    if not options.concurrency_auto:
        return options.concurrency
    return min(concurrency.START, _ceiling(options) or MAX_CONCURRENCY)


def local_width(job: BatchJob) -> int:
    """How many calls the job may have in flight at most: its ceiling in auto mode."""
    return (job.concurrency_ceiling or MAX_CONCURRENCY) if job.concurrency_auto else job.concurrency


def _judged(options: BatchOptions) -> bool:
    return settings.JUDGE_ENABLED if options.judge is None else options.judge


def _conversation(job: BatchJob, number: int, item: ResolvedSet) -> Conversation:
    return Conversation(
        batch_job=job,
        sequence_number=number,
        tier=item.parameters.tier,
        persona=item.persona,
        emotional_arc=item.arc,
        training_topic=item.topic,
        edge_case=item.edge_case,
        chunk=item.chunk,
        chunk_context=item.parameters.chunk_context or "",
        parameters=item.parameters.to_json(),
    )


def judge_estimate_of(job: BatchJob, conversations: list[Conversation]) -> Decimal:
    """With a judge, one judge call per conversation on its brief and its expected turns."""
    if not job.judge_model:
        return Decimal("0.000000")
    return sum(
        (
            judge_estimate(
                prompts.tokens_in(prompts.user_prompt(conversation)),
                conversation.parameters["turn_count"] * settings.EXPECTED_OUTPUT_TOKENS_PER_TURN,
                job.judge_model,
            )
            for conversation in conversations
        ),
        Decimal("0.000000"),
    )


def estimate(job: BatchJob, conversations: list[Conversation]) -> tuple[Decimal, int]:
    """Cost (USD) and seconds of the generation calls, from the prompts this job will send and
    the expected replies (the judge's calls are judge_estimate_of's). The shared prefix is
    counted as a cache write then reads only when it reaches the model's cache minimum;
    otherwise every call pays for it as plain input."""
    prefixes = prompts.shared_prefixes(job)
    written: set[str] = set()  # the arms whose prefix the first of their calls wrote
    total = Decimal("0")
    for conversation in conversations:
        prefix = prefixes[conversation.arm]
        system, cached = prefix.tokens, prefix.cacheable
        first = conversation.arm not in written
        written.add(conversation.arm)
        prompt = prompts.tokens_in(prompts.user_prompt(conversation))
        usage = Usage(
            input_tokens=prompt + (0 if cached else system),
            output_tokens=conversation.parameters["turn_count"]
            * settings.EXPECTED_OUTPUT_TOKENS_PER_TURN,
            cache_write_tokens=system if cached and first else 0,
            cache_read_tokens=system if cached and not first else 0,
        )
        total += cost_of(usage, job.model, batch=job.mode == BatchJob.Mode.BATCH)
    if job.mode == BatchJob.Mode.BATCH:
        seconds = settings.EMULATOR_BATCH_SECONDS if is_offline() else EXPECTED_BATCH_SECONDS
        return total.quantize(Decimal("0.000001")), math.ceil(seconds)
    per_call = (
        settings.EMULATOR_LATENCY_SECONDS if is_offline() else settings.EXPECTED_SECONDS_PER_CALL
    )
    seconds = math.ceil(len(conversations) / local_width(job)) * per_call
    return total.quantize(Decimal("0.000001")), math.ceil(seconds)
