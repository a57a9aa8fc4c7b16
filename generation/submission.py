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

from generation import prompts
from generation.calls import Usage
from generation.claude import is_offline
from generation.dispatch import dispatch
from generation.models import BatchJob, Conversation
from generation.plans import ResolvedSet
from generation.pricing import cost_of

MAX_CONCURRENCY = 50


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


def submit_batch(resolved: list[ResolvedSet], options: BatchOptions, user: Any = None) -> BatchJob:
    _check(options, resolved)
    job = _job(options, resolved, user)
    conversations = [_conversation(job, number, item) for number, item in enumerate(resolved, 1)]
    job.estimated_cost, job.estimated_seconds = estimate(job, conversations)
    with transaction.atomic():
        job.save()
        Conversation.objects.bulk_create(conversations)
        transaction.on_commit(dispatch)
    return job


def _check(options: BatchOptions, resolved: list[ResolvedSet]) -> None:
    if not resolved:
        raise SubmissionError("A batch needs at least one parameter set.")
    if not 1 <= options.concurrency <= MAX_CONCURRENCY:
        raise SubmissionError(f"Concurrency must be 1 to {MAX_CONCURRENCY}.")
    if options.budget_cap is not None and options.budget_cap <= 0:
        raise SubmissionError("A budget cap must be more than $0.")
    if not options.name.strip():
        raise SubmissionError("A batch needs a name.")


def _job(options: BatchOptions, resolved: list[ResolvedSet], user: Any) -> BatchJob:
    template, profile = prompts.current_versions()
    if template is None or profile is None:
        raise SubmissionError("No system prompt or consultant profile: run seed_scaffolding.")
    return BatchJob(
        name=options.name.strip()[:200],
        concurrency=options.concurrency,
        error_handling=options.error_handling,
        priority=options.priority,
        budget_cap=options.budget_cap,
        total_items=len(resolved),
        model=options.model or settings.CLAUDE_MODEL,
        max_tokens=options.max_tokens or settings.CLAUDE_MAX_TOKENS,
        prompt_template=template,
        consultant_profile=profile,
        plan_seed=options.seed,
        coverage=options.coverage or {},
        created_by=user if getattr(user, "pk", None) else None,
    )


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


def estimate(job: BatchJob, conversations: list[Conversation]) -> tuple[Decimal, int]:
    """Cost (USD) and seconds, from the prompts this job will send and the expected replies."""
    system = prompts.tokens_in(prompts.system_prompt(job))
    cached = prompts.system_prompt_is_cached(job)
    total = Decimal("0")
    for index, conversation in enumerate(conversations):
        prompt = prompts.tokens_in(prompts.user_prompt(conversation))
        usage = Usage(
            input_tokens=prompt + (0 if cached else system),
            output_tokens=conversation.parameters["turn_count"]
            * settings.EXPECTED_OUTPUT_TOKENS_PER_TURN,
            cache_write_tokens=system if cached and index == 0 else 0,
            cache_read_tokens=system if cached and index > 0 else 0,
        )
        total += cost_of(usage, job.model)
    per_call = (
        settings.EMULATOR_LATENCY_SECONDS if is_offline() else settings.EXPECTED_SECONDS_PER_CALL
    )
    seconds = math.ceil(len(conversations) / job.concurrency) * per_call
    return total.quantize(Decimal("0.000001")), math.ceil(seconds)
