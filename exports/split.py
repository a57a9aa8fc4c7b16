"""The chat format's train/validation split: by conversation, stratified by tier, seeded."""

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from typing import Any


def validation_size(total: int, fraction: float) -> int:
    """round(total x fraction), but at least one conversation on each side once there are two."""
    if total < 2:
        return 0
    return min(max(round(total * fraction), 1), total - 1)


def allocate(strata: dict[str, int], size: int) -> dict[str, int]:
    """Share `size` among the strata in proportion to their sizes (largest remainder)."""
    total = sum(strata.values())
    if not total:
        return {name: 0 for name in strata}
    exact = {name: count * size / total for name, count in strata.items()}
    shares = {name: math.floor(value) for name, value in exact.items()}
    by_remainder = sorted(strata, key=lambda name: (-(exact[name] - shares[name]), name))
    for name in by_remainder[: size - sum(shares.values())]:
        shares[name] += 1
    return shares


def validation_ids(rows: Iterable[tuple[Any, str]], fraction: float, seed: int) -> set[str]:
    """The conversations (ids as text) of the validation split, from (id, tier) rows.

    The same rows, fraction and seed always give the same split, whatever order the rows
    came in: each tier's ids are sorted, then shuffled by a generator seeded with the seed
    and the tier.
    """
    strata: dict[str, list[str]] = defaultdict(list)
    for conversation_id, tier in rows:
        strata[tier].append(str(conversation_id))
    total = sum(len(ids) for ids in strata.values())
    shares = allocate(
        {tier: len(ids) for tier, ids in strata.items()}, validation_size(total, fraction)
    )
    chosen: set[str] = set()
    for tier, ids in strata.items():
        ids.sort()
        random.Random(f"{seed}:{tier}").shuffle(ids)
        chosen.update(ids[: shares[tier]])
    return chosen
