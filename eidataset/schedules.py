"""django-q2 schedules the apps keep: created on `migrate`, run by every qcluster."""

from django_q.models import Schedule


def every_minute(func: str, name: str) -> None:
    """Make sure `func` (a dotted path) runs every minute, for ever; an existing schedule for
    it is left as an operator may have changed it."""
    Schedule.objects.get_or_create(
        func=func,
        defaults={
            "name": name,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
