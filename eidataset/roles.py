"""The people who use eidataset, as Django groups.

Dataset editors are staff with every permission on the scaffolding; reviewers are not staff
and reach only their review pages (the review app grants them their own permissions).
"""

from typing import Any

from django.contrib.auth.models import Group, Permission

EDITORS = "Dataset editors"
REVIEWERS = "Reviewers"
EDITOR_APPS = ("eidataset", "generation", "review", "exports")


def ensure_role_groups(**kwargs: Any) -> None:
    """Create the groups and give editors every permission of EDITOR_APPS (idempotent)."""
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    Group.objects.get_or_create(name=REVIEWERS)
    editors.permissions.add(*Permission.objects.filter(content_type__app_label__in=EDITOR_APPS))
