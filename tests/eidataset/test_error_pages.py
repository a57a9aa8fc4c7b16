"""With DEBUG off, what goes wrong shows a message, never a traceback or a server path."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from eidataset.error_pages import server_error
from eidataset.models import Persona

pytestmark = pytest.mark.django_db

CSV = (
    "persona_key,name,archetype,description,demographics,finances,communication_traits,"
    "typical_emotions,is_active,nickname\n"
    'sofia_reyes,Sofia Reyes,The Late Starter,Started saving at 50.,{},{},"[]","[]",true,Bo\n'
)


def test_an_import_with_an_unknown_column_names_it_without_a_traceback(editor_client, settings):
    settings.DEBUG = False
    response = editor_client.post(
        "/admin/eidataset/persona/import/",
        {
            "import_file": SimpleUploadedFile("personas.csv", CSV.encode()),
            "format": "0",
            "resource": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "unknown column(s): nickname" in page
    assert "Traceback" not in page and 'File "/' not in page and ".py" not in page
    assert not Persona.objects.exists()


def test_an_unknown_page_says_so_without_a_server_path(editor_client, settings):
    settings.DEBUG = False
    response = editor_client.get("/api/conversations/batch/not-a-job/status")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Traceback" not in page and ".py" not in page and "urlpatterns" not in page


def test_a_crash_answers_json_under_the_apis_and_a_plain_page_elsewhere(rf):
    for path in ("/api/conversations/plan", "/review/api/reviews/"):
        response = server_error(rf.post(path))
        assert response.status_code == 500
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content) == {
            "detail": "Server error: the operator's log has the details."
        }
    page = server_error(rf.get("/admin/"))
    assert page.status_code == 500 and b"Server Error (500)" in page.content
    assert b"Traceback" not in page.content
