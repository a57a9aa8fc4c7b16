"""Shared people and data: an editor, a reviewer and an outsider, and the seeded scaffolding."""

import pytest
from django.contrib.auth.models import Group, User

from eidataset.roles import EDITORS, REVIEWERS
from eidataset.seeding import seed_scaffolding

PASSWORD = "correct horse battery staple"


def pytest_report_header(config) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"eidataset database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}"


@pytest.fixture
def editor(db) -> User:
    user = User.objects.create_user("elena-editor", "editor@example.com", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def reviewer(db) -> User:
    user = User.objects.create_user("rita-reviewer", "reviewer@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


@pytest.fixture
def outsider(db) -> User:
    return User.objects.create_user("oscar-outsider", "outsider@example.com", PASSWORD)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def scaffolding(db):
    return seed_scaffolding()
