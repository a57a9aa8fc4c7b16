"""The admin's flows through Django's test client (the browser tests drive the main ones)."""

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from eidataset.forms import ConsultantProfileForm
from eidataset.models import ConsultantProfile, EdgeCase, Persona, SourceDocument
from tests.eidataset.rows import posted, shown

IMPORT_URL = "/admin/eidataset/persona/import/"
FORMAT_INDEX = {"csv": "0", "json": "1", "yaml": "2"}
CSV_HEADER = (
    "persona_key,name,archetype,description,demographics,finances,communication_traits,"
    "typical_emotions,is_active\n"
)
GOOD_ROW = 'sofia_reyes,Sofia Reyes,The Late Starter,Started saving at 50.,{},{},"[""frank""]","[""worry""]",true\n'


def upload(client, content: bytes, name="personas.csv", fmt="csv"):
    return client.post(
        IMPORT_URL,
        {
            "import_file": SimpleUploadedFile(name, content),
            "format": FORMAT_INDEX[fmt],
            "resource": "0",
        },
    )


def hidden_inputs(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reviewer", "outsider"])
def test_only_staff_reach_the_admin(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/admin/eidataset/persona/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_an_editor_sees_every_scaffolding_model(editor_client, scaffolding):
    page = editor_client.get("/admin/").content.decode()
    for name in [
        "Personas",
        "Emotional arcs",
        "Training topics",
        "Edge cases",
        "Source documents",
        "Consultant profiles",
        "Prompt templates",
    ]:
        assert name in page
    listing = editor_client.get("/admin/eidataset/persona/").content.decode()
    assert "Marcus Chen" in listing


@pytest.mark.django_db
def test_an_edge_case_with_a_bad_regex_is_a_form_error_and_nothing_is_saved(
    editor_client, scaffolding
):
    data = {
        "name": "Bad regex case",
        "edge_case_key": "bad_regex_case",
        "edge_case_type": "crisis_detection",
        "persona": Persona.objects.first().pk,
        "emotional_arc": EdgeCase.objects.first().emotional_arc_id,
        "training_topic": EdgeCase.objects.first().training_topic_id,
        "expected_behavior": "Refer to 988.",
        **posted("rules", [{"kind": "must_match", "pattern": "(988", "by_turn": "2"}]),
        "is_active": "on",
    }
    response = editor_client.post("/admin/eidataset/edgecase/add/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rule 1: must_match is not a valid regular expression" in page
    assert 'name="rules-pattern" value="(988"' in page  # what was typed is kept
    assert not EdgeCase.objects.filter(edge_case_key="bad_regex_case").exists()
    data |= posted("rules", [{"kind": "must_match", "pattern": r"\b988\b", "by_turn": "2"}])
    assert editor_client.post("/admin/eidataset/edgecase/add/", data).status_code == 302
    assert EdgeCase.objects.get(edge_case_key="bad_regex_case").rules == [
        {"must_match": r"\b988\b", "by_turn": 2}
    ]


@pytest.mark.django_db
def test_an_uploaded_markdown_document_is_split_into_chunks(editor_client):
    text = (
        "## Saving\n\n" + "Put a little aside every payday, even ten dollars. " * 20 + "\n\n"
    ) * 6
    response = editor_client.post(
        "/admin/eidataset/sourcedocument/add/",
        {
            "title": "Saving guide",
            "document_key": "saving_guide",
            "upload": SimpleUploadedFile("saving.md", text.encode()),
            "text": "",
            "chunk_size": "600",
            "chunk_overlap": "60",
            "is_active": "on",
            "chunks-TOTAL_FORMS": "0",
            "chunks-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    document = SourceDocument.objects.get(document_key="saving_guide")
    assert document.source_filename == "saving.md"
    assert document.chunks.count() > 5
    assert all(len(chunk.text) <= 600 for chunk in document.chunks.all())


@pytest.mark.django_db
def test_a_binary_upload_is_a_form_error(editor_client):
    response = editor_client.post(
        "/admin/eidataset/sourcedocument/add/",
        {
            "title": "Picture",
            "document_key": "picture",
            "upload": SimpleUploadedFile("picture.txt", b"\x89PNG\r\n\x1a\n\x00\x00"),
            "chunk_size": "0",
            "chunk_overlap": "0",
            "chunks-TOTAL_FORMS": "0",
            "chunks-INITIAL_FORMS": "0",
        },
    )
    assert "is a binary file, not text" in response.content.decode()
    assert not SourceDocument.objects.exists()


@pytest.mark.django_db
def test_editing_the_consultant_profile_saves_a_new_version_and_keeps_the_old_one(
    editor_client, scaffolding
):
    first = ConsultantProfile.objects.get()
    url = f"/admin/eidataset/consultantprofile/{first.pk}/change/"
    form = {
        "name": first.name,
        "business": first.business,
        "expertise": first.expertise,
        "years_experience": "16",
        **posted(
            "core_philosophy", shown(ConsultantProfileForm(instance=first), "core_philosophy")
        ),
        **posted(
            "communication_style",
            shown(ConsultantProfileForm(instance=first), "communication_style"),
        ),
        "change_note": "One more year",
    }
    response = editor_client.post(url, form, follow=True)
    second = ConsultantProfile.objects.current(first.profile_key)
    assert second.version == 2 and second.years_experience == 16
    assert "Saved as version 2; version 1 is kept unchanged." in response.content.decode()
    first.refresh_from_db()
    assert first.years_experience == 15
    old_page = editor_client.get(url).content.decode()
    assert 'name="_save"' not in old_page
    assert editor_client.post(url, form).status_code == 403


@pytest.mark.django_db
def test_an_import_runs_a_dry_run_first_and_writes_only_on_confirm(editor_client):
    response = upload(editor_client, (CSV_HEADER + GOOD_ROW).encode())
    page = response.content.decode()
    assert "Confirm import" in page and "Sofia Reyes" in page
    assert "{&#x27;" not in page and "{'" not in page  # no Python dicts in the preview
    assert not Persona.objects.exists()
    confirm = hidden_inputs(page)
    response = editor_client.post("/admin/eidataset/persona/process_import/", confirm)
    assert response.status_code == 302
    assert Persona.objects.get().name == "Sofia Reyes"


@pytest.mark.django_db
def test_an_import_with_a_bad_row_shows_the_row_and_offers_no_confirm(editor_client):
    bad = GOOD_ROW.replace("sofia_reyes", "bad one")
    page = upload(
        editor_client, (CSV_HEADER + GOOD_ROW.replace("sofia", "ana") + bad).encode()
    ).content.decode()
    assert "Confirm import" not in page
    assert "Some rows failed to validate" in page
    assert re.findall(r"<td>(\d+)</td>", page) == ["2"]  # the one bad row, by its number
    reasons = page[page.index('class="eid-row-errors"') :].split("</td>")[0]
    assert "<strong>Persona key:</strong> Enter a valid “slug”" in reasons  # in the page
    assert "validation-error-container" not in page  # not behind a hover
    assert not Persona.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (
            (CSV_HEADER + GOOD_ROW.replace("Reyes", "Peña")).encode("utf-16"),
            "csv",
            "not UTF-8 text",
        ),
        (
            (CSV_HEADER + GOOD_ROW.replace("Reyes", "Peña")).encode("latin-1"),
            "csv",
            "not UTF-8 text",
        ),
        (os.urandom(200_000), "csv", "not UTF-8 text"),
        (b"{this is not json", "json", "not valid JSON"),
        (b"- just\n- a list\n", "yaml", "list of records"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(editor_client, content, fmt, message):
    page = upload(editor_client, content, name=f"data.{fmt}", fmt=fmt).content.decode()
    assert message in page
    assert "Confirm import" not in page
    assert not Persona.objects.exists()


@pytest.mark.django_db
def test_ten_megabytes_of_junk_are_refused_before_they_are_read(editor_client):
    junk = io.BytesIO(b"x," * (5 * 1024 * 1024))
    page = upload(editor_client, junk.getvalue()).content.decode()
    assert "This file is 10.0 MB; scaffolding imports are limited to 2.0 MB." in page
    assert not Persona.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json", "yaml"])
def test_every_format_can_be_exported_from_the_admin(editor_client, scaffolding, fmt):
    response = editor_client.post(
        "/admin/eidataset/edgecase/export/",
        {
            "format": FORMAT_INDEX[fmt],
            "resource": "0",
            **{
                f"edgecaseresource_{f}": "on"
                for f in [
                    "edge_case_key",
                    "name",
                    "edge_case_type",
                    "persona",
                    "emotional_arc",
                    "training_topic",
                    "expected_behavior",
                    "rules",
                    "is_active",
                ]
            },
        },
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"crisis_suicidal_ideation" in body
    assert b"988" in body


@pytest.mark.django_db
def test_the_import_preview_shows_mappings_and_lists_in_words(editor_client):
    row = GOOD_ROW.replace(",{},{},", ',"{""age"": 52, ""home_city"": ""Reno""}",{},')
    page = upload(editor_client, (CSV_HEADER + row).encode()).content.decode()

    assert "Confirm import" in page
    assert "Age: 52; Home city: Reno" in page
    assert "{&#x27;age&#x27;" not in page and "&quot;age&quot;" not in page
