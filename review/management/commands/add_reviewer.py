import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from eidataset.roles import REVIEWERS

PASSWORD_VARIABLE = "REVIEWER_PASSWORD"


class Command(BaseCommand):
    help = (
        "Make USERNAME a reviewer: create the account (its password asked for twice, or read "
        f"from {PASSWORD_VARIABLE}) or take the existing one, and put it in the Reviewers "
        "group. Reviewers sign in at /review/ and see only their own queue."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        user = users.objects.filter(username=options["username"]).first()
        if user is None:
            user = users(username=options["username"], email=options["email"])
            user.set_password(self._password(user))
        with transaction.atomic():
            user.save()
            user.groups.add(Group.objects.get(name=REVIEWERS))
        self.stdout.write(f"{user.username} is a reviewer: they sign in at /review/.")

    def _password(self, user: Any) -> str:
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            password = getpass.getpass(f"Password for {user.username}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was created.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages) + " Nothing was created.") from None
        return password
