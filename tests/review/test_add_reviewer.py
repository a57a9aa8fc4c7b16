"""`manage.py add_reviewer`: the step `make run` tells a newcomer to take to make a reviewer."""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from eidataset.roles import REVIEWERS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_new_reviewer_can_sign_in_to_the_review_pages(client, monkeypatch, capsys):
    monkeypatch.setenv("REVIEWER_PASSWORD", PASSWORD)
    call_command("add_reviewer", "rosa", "--email", "rosa@example.com")
    assert "rosa is a reviewer: they sign in at /review/." in capsys.readouterr().out
    rosa = User.objects.get(username="rosa")
    assert list(rosa.groups.values_list("name", flat=True)) == [REVIEWERS]
    assert not rosa.is_staff
    response = client.post("/review/login/", {"username": "rosa", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/review/"


def test_an_existing_user_keeps_their_password_and_joins_the_reviewers(monkeypatch, outsider):
    monkeypatch.delenv("REVIEWER_PASSWORD", raising=False)  # no password is asked for
    call_command("add_reviewer", outsider.username)
    outsider.refresh_from_db()
    assert outsider.groups.filter(name=REVIEWERS).exists()
    assert outsider.check_password(PASSWORD)


def test_a_weak_password_is_refused_and_creates_nothing(monkeypatch):
    monkeypatch.setenv("REVIEWER_PASSWORD", "123")
    with pytest.raises(CommandError, match="Nothing was created"):
        call_command("add_reviewer", "weak")
    assert not User.objects.filter(username="weak").exists()
