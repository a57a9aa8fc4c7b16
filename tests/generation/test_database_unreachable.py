"""When the database cannot be reached, the admin, the API, `batch_status` and `generate` say
so plainly: no traceback, nothing changed. The database is made unreachable by pointing the
connection at a place where none answers (a missing folder for SQLite, a closed port for
PostgreSQL) and closing the open connection."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from tests.workers.conftest import manage

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def unreachable_database(tmp_path) -> Iterator[None]:
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        connection.settings_dict["PORT"] = "9"  # the discard port: nothing listens there
    connection.close()
    try:
        yield
    finally:
        connection.settings_dict.update(saved)
        connection.close()


def unreachable_url(tmp_path) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    return "postgres://postgres@127.0.0.1:9/eidataset"


def test_the_admin_says_the_database_is_unreachable_instead_of_a_traceback(editor_client, tmp_path):
    with unreachable_database(tmp_path):
        response = editor_client.get("/admin/generation/batchjob/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "The database is unreachable" in page
    assert "Traceback" not in page and "OperationalError" not in page
    # Once it is back the same page answers.
    assert editor_client.get("/admin/generation/batchjob/").status_code == 200


def test_the_admin_job_pages_live_status_says_the_database_is_unreachable(editor_client, tmp_path):
    """The job page polls its live status as JSON and shows the reason in its message line."""
    live = reverse("admin:generation_batchjob_live", args=[uuid.uuid4()])
    with unreachable_database(tmp_path):
        response = editor_client.get(live, headers={"accept": "application/json"})
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The database is unreachable.")


def test_the_api_answers_503_with_a_plain_reason_when_the_database_is_unreachable(
    editor_client, tmp_path
):
    with unreachable_database(tmp_path):
        response = editor_client.get(f"/api/conversations/batch/{uuid.uuid4()}/status")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The database is unreachable.")


def test_batch_status_says_the_database_is_unreachable_without_a_traceback(tmp_path):
    result = manage(
        tmp_path, "batch_status", str(uuid.uuid4()), DATABASE_URL=unreachable_url(tmp_path)
    )
    assert result.returncode == 1
    assert "The database is unreachable (" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_generate_says_the_database_is_unreachable_and_submits_nothing(tmp_path):
    result = manage(
        tmp_path,
        "generate",
        "--count",
        "2",
        "--workers",
        "0",
        DATABASE_URL=unreachable_url(tmp_path),
    )
    assert result.returncode == 1
    assert "The database is unreachable (" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
