"""Where a reviewer stands in their queue: "item 7 of 17", and the item to open next."""

from dataclasses import dataclass

from review.models import Review


@dataclass(frozen=True)
class Progress:
    """The reviewer's place among their own items of one sample."""

    position: int
    total: int
    done: int
    previous: Review | None
    following: Review | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(item: Review) -> Progress:
    items = list(
        Review.objects.for_reviewer(item.reviewer).filter(sample=item.sample).in_queue_order()
    )
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    return Progress(
        position=index + 1,
        total=len(items),
        done=sum(other.status == Review.Status.DONE for other in items),
        previous=items[index - 1] if index > 0 else None,
        following=items[index + 1] if index + 1 < len(items) else None,
    )


def next_open(item: Review) -> Review | None:
    """The reviewer's next open, written item after this one in queue order, else the first
    one they skipped before it; None when nothing is left to review."""
    waiting = list(
        Review.objects.for_reviewer(item.reviewer)
        .open()
        .ready()
        .exclude(pk=item.pk)
        .in_queue_order()
    )
    mine = list(
        Review.objects.filter(reviewer=item.reviewer).in_queue_order().values_list("pk", flat=True)
    )
    place = {pk: i for i, pk in enumerate(mine)}
    after = [other for other in waiting if place[other.pk] > place[item.pk]]
    candidates = after or waiting
    return candidates[0] if candidates else None
