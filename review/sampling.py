"""Drawing a job's review sample: stratified by tier and persona, reproducible, assigned.

The sample size is the fraction of the job's completed conversations (largest-remainder
rounding), spread over tiers in proportion and then over personas within each tier. Three
floors win over the fraction, so a small job or one with many edge case types gets a larger
sample: every tier and every persona the job has appears at least once, and so does every
edge case type among its completed conversations. The same job and seed give the same sample.
"""

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from eidataset.roles import REVIEWERS
from generation.models import BatchJob, Conversation, Tier
from review.models import Review, ReviewSample

K = TypeVar("K", bound=Hashable)  # a stratum's key: a tier, a persona, or both

TIER_ORDER = [tier.value for tier in Tier]


class SamplingError(ValueError):
    """The sample cannot be drawn as asked; nothing was written."""


@dataclass(frozen=True)
class Candidate:
    pk: Any
    sequence_number: int
    tier: str
    persona: str
    edge_case_type: str | None


def draw_sample(
    job: BatchJob,
    *,
    fraction: float | Decimal | None = None,
    seed: int = 0,
    reviewers: Sequence[Any] = (),
    overlap: float | Decimal = 0.0,
    user: Any = None,
    force: bool = False,
) -> ReviewSample:
    """Draw, store and assign a review sample of `job`'s completed conversations.

    Items go round-robin to `reviewers`, or to the pool when there are none; `overlap` is the
    share of items that a second reviewer also gets. Refused while the job has an open sample
    (one with an unfinished review) unless `force`.
    """
    fraction = check_fraction(settings.REVIEW_SAMPLE_FRACTION if fraction is None else fraction)
    overlap = check_overlap(overlap, reviewers)
    reviewers = check_reviewers(reviewers)
    with transaction.atomic():
        job = BatchJob.objects.select_for_update().get(pk=job.pk)
        check_no_open_sample(job, force)
        candidates = candidates_of(job)
        if not candidates:
            raise SamplingError(f"Batch job {job} has no completed conversation to review.")
        chosen = choose(candidates, fraction, f"{job.pk}:{seed}")
        sample = ReviewSample.objects.create(
            batch_job=job,
            fraction=Decimal(str(fraction)).quantize(Decimal("0.001")),
            overlap=Decimal(str(overlap)).quantize(Decimal("0.001")),
            seed=seed,
            created_by=user if getattr(user, "pk", None) else None,
        )
        Review.objects.bulk_create(assign(sample, chosen, reviewers, overlap, seed))
    return sample


def check_fraction(value: Any) -> float:
    try:
        fraction = float(value)
    except (TypeError, ValueError):
        raise SamplingError(f"The sample fraction must be a number, not {value!r}.") from None
    if not 0 < fraction <= 1 or math.isnan(fraction):
        raise SamplingError(f"The sample fraction must be more than 0 and at most 1, not {value}.")
    return fraction


def check_overlap(value: Any, reviewers: Sequence[Any]) -> float:
    try:
        overlap = float(value)
    except (TypeError, ValueError):
        raise SamplingError(f"The overlap must be a number, not {value!r}.") from None
    if not 0 <= overlap <= 1 or math.isnan(overlap):
        raise SamplingError(f"The overlap must be from 0 to 1, not {value}.")
    if overlap and len(set(reviewers)) < 2:
        raise SamplingError("An overlap needs at least two reviewers to compare.")
    return overlap


def check_reviewers(reviewers: Sequence[Any]) -> list[Any]:
    """The reviewers as users, in the order given; each must be an active member of Reviewers."""
    users = []
    for reviewer in reviewers:
        if not getattr(reviewer, "pk", None):
            raise SamplingError(f"{reviewer!r} is not a user.")
        if reviewer in users:
            raise SamplingError(f"{reviewer.get_username()} is listed twice.")
        if not reviewer.is_active or not reviewer.groups.filter(name=REVIEWERS).exists():
            raise SamplingError(
                f"{reviewer.get_username()} is not an active member of the {REVIEWERS} group."
            )
        users.append(reviewer)
    return users


def reviewers_named(usernames: Sequence[str]) -> list[Any]:
    """Users by username, in the order given; an unknown name is an error."""
    found = {u.get_username(): u for u in get_user_model().objects.filter(username__in=usernames)}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise SamplingError(f"No such user: {', '.join(missing)}.")
    return [found[name] for name in usernames]


def open_samples(job: BatchJob) -> Any:
    return ReviewSample.objects.filter(batch_job=job, reviews__status=Review.Status.OPEN).distinct()


def check_no_open_sample(job: BatchJob, force: bool) -> None:
    if not force and open_samples(job).exists():
        raise SamplingError(
            f"Batch job {job} already has an open review sample; finish it, or force a new one."
        )


def candidates_of(job: BatchJob) -> list[Candidate]:
    rows = (
        Conversation.objects.completed()
        .for_job(job)
        .order_by("sequence_number")
        .values_list(
            "pk", "sequence_number", "tier", "persona__persona_key", "edge_case__edge_case_type"
        )
    )
    return [Candidate(*row) for row in rows]


def choose(candidates: list[Candidate], fraction: float, seed: str) -> list[Candidate]:
    """The stratified draw (see the module docstring), ordered by tier, persona, sequence."""
    rng = random.Random(seed)
    target = max(1, round_half_up(fraction * len(candidates)))
    by_tier = _group(candidates, lambda c: c.tier)
    tier_quota = largest_remainder(target, _sizes(by_tier), minimum=1)
    edge_types = {c.edge_case_type for c in by_tier.get(Tier.EDGE_CASE, []) if c.edge_case_type}
    if Tier.EDGE_CASE in tier_quota:
        tier_quota[Tier.EDGE_CASE] = max(tier_quota[Tier.EDGE_CASE], len(edge_types))
    quota = {
        (tier, persona): count
        for tier, members in by_tier.items()
        for persona, count in largest_remainder(
            tier_quota[tier], _sizes(_group(members, lambda c: c.persona))
        ).items()
    }
    _cover_personas(quota, candidates)
    chosen = _draw(candidates, quota, rng)
    return sorted(chosen, key=_order)


def round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding="ROUND_HALF_UP"))


def largest_remainder(total: int, sizes: Mapping[K, int], minimum: int = 0) -> dict[K, int]:
    """Split `total` over groups in proportion to `sizes` (Hamilton's method), each group at
    least `minimum` (and never more than its size); the floors can make the sum exceed `total`.
    Ties in the remainders go to the larger group, then to the group named first in order."""
    population = sum(sizes.values())
    keys = sorted(sizes, key=_key_order)
    exact = {key: total * sizes[key] / population for key in keys}
    shares = {key: math.floor(exact[key]) for key in keys}
    left = total - sum(shares.values())
    by_remainder = sorted(keys, key=lambda k: (-(exact[k] - shares[k]), -sizes[k], _key_order(k)))
    for key in by_remainder[:left]:
        shares[key] += 1
    return {key: min(sizes[key], max(shares[key], minimum)) for key in keys}


def _cover_personas(quota: dict[tuple[str, str], int], candidates: list[Candidate]) -> None:
    """Give every persona of the job at least one item: take it from a persona with more than
    one in the same tier when there is one, otherwise add it."""
    sizes = Counter((c.tier, c.persona) for c in candidates)
    for persona in sorted({c.persona for c in candidates}):
        if sum(n for (_, p), n in quota.items() if p == persona):
            continue
        tiers = sorted(
            (tier for tier, p in sizes if p == persona),
            key=lambda t: (-sizes[(t, persona)], TIER_ORDER.index(t)),
        )
        donor = _donor(quota, tiers)
        if donor is not None:
            quota[donor] -= 1
            quota[(donor[0], persona)] = 1
        else:
            quota[(tiers[0], persona)] = 1


def _donor(quota: dict[tuple[str, str], int], tiers: list[str]) -> tuple[str, str] | None:
    per_persona: Counter[str] = Counter()
    for (_, persona), count in quota.items():
        per_persona[persona] += count
    for tier in tiers:
        options = [
            key for key, n in quota.items() if key[0] == tier and n > 1 and per_persona[key[1]] > 1
        ]
        if options:
            return max(options, key=lambda key: (quota[key], key[1]))
    return None


def _draw(
    candidates: list[Candidate], quota: dict[tuple[str, str], int], rng: random.Random
) -> list[Candidate]:
    """Shuffle each stratum with the seeded generator and take its quota; in the edge case
    tier, first one conversation of each edge case type, from the stratum with most room."""
    strata = _group(candidates, lambda c: (c.tier, c.persona))
    order = sorted(strata, key=_key_order)
    for key in order:
        rng.shuffle(strata[key])
    shuffled = [c for key in order for c in strata[key]]
    left = dict(quota)
    room: Counter[str] = Counter()
    for (tier, _), count in quota.items():
        room[tier] += count
    chosen: list[Candidate] = []

    def take(candidate: Candidate) -> None:
        chosen.append(candidate)
        left[(candidate.tier, candidate.persona)] = (
            left.get((candidate.tier, candidate.persona), 0) - 1
        )
        room[candidate.tier] -= 1

    edge = [c for c in shuffled if c.tier == Tier.EDGE_CASE and c.edge_case_type]
    for edge_type in sorted({c.edge_case_type for c in edge if c.edge_case_type}):
        of_type = [c for c in edge if c.edge_case_type == edge_type]
        take(max(of_type, key=lambda c: left.get((c.tier, c.persona), 0)))
    for candidate in shuffled:  # each stratum's quota, within its tier's room
        key = (candidate.tier, candidate.persona)
        if candidate not in chosen and left.get(key, 0) > 0 and room[candidate.tier] > 0:
            take(candidate)
    for candidate in shuffled:  # room a stratum could not fill (its quota went to a type)
        if candidate not in chosen and room[candidate.tier] > 0:
            take(candidate)
    for candidate in shuffled:  # the persona floor, should the draw have lost one
        if candidate.persona not in {c.persona for c in chosen}:
            take(candidate)
    return chosen


def assign(
    sample: ReviewSample,
    chosen: list[Candidate],
    reviewers: list[Any],
    overlap: float,
    seed: int,
) -> list[Review]:
    """Round-robin over the reviewers (or the pool); the overlap share goes to the next
    reviewer as well, as a second, overlapping review."""
    reviews = []
    for index, candidate in enumerate(chosen):
        reviewer = reviewers[index % len(reviewers)] if reviewers else None
        reviews.append(Review(sample=sample, conversation_id=candidate.pk, reviewer=reviewer))
    doubled = round_half_up(overlap * len(chosen)) if reviewers else 0
    rng = random.Random(f"{sample.batch_job_id}:{seed}:overlap")
    for index in sorted(rng.sample(range(len(chosen)), doubled)):
        second = reviewers[(index + 1) % len(reviewers)]
        reviews.append(
            Review(
                sample=sample, conversation_id=chosen[index].pk, reviewer=second, is_overlap=True
            )
        )
    return reviews


def strata_counts(sample: ReviewSample) -> dict[str, Counter]:
    """What a sample holds (first reviews only): by tier, by persona, by tier and persona, by
    edge case type, and by reviewer (every review, pool included)."""
    reviews = sample.reviews.select_related(
        "conversation__persona", "conversation__edge_case", "reviewer"
    )
    counts: dict[str, Counter] = defaultdict(Counter)
    for review in reviews:
        conversation = review.conversation
        # An overlap review can be returned to the pool too (or lose its reviewer's account).
        name = review.reviewer.get_username() if review.reviewer else "(pool)"
        counts["reviewer"][name] += 1
        if review.is_overlap:
            counts["overlap"][name] += 1
            continue
        counts["tier"][conversation.tier] += 1
        counts["persona"][conversation.persona.name] += 1
        counts["stratum"][f"{conversation.tier} / {conversation.persona.name}"] += 1
        if conversation.edge_case:
            counts["edge_case_type"][conversation.edge_case.edge_case_type] += 1
    return dict(counts)


def _group(items: list[Candidate], key: Callable[[Candidate], K]) -> dict[K, list[Candidate]]:
    groups: dict[K, list[Candidate]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return dict(groups)


def _sizes(groups: Mapping[K, list]) -> dict[K, int]:
    return {key: len(members) for key, members in groups.items()}


def _key_order(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(_key_order(part) for part in key)
    if key in TIER_ORDER:
        return (TIER_ORDER.index(key), "")
    return (len(TIER_ORDER), str(key))


def _order(candidate: Candidate) -> tuple:
    return (TIER_ORDER.index(candidate.tier), candidate.persona, candidate.sequence_number)
