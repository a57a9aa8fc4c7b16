"""An editor builds a release in the admin and publishes it to the Hub (the loopback stand-in),
in a real headless Chromium."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from eidataset.roles import EDITORS
from exports.models import Release
from tests.conftest import PASSWORD
from tests.exports.hub_server import VALID_TOKEN, serve_hub

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page, live_server, settings, tmp_path):
    settings.RELEASE_DIR = tmp_path / "releases"
    user = User.objects.create_user("ed", "ed@example.com", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("text=Log out")
    return page


def build(page, live_server, job) -> Release:
    page.goto(f"{live_server.url}/admin/exports/release/")
    page.click(".object-tools a.addlink")
    page.fill("#id_name", "emotional-intelligence-6-v1.0")
    page.fill("#id_version", "1.0.0")
    page.check(f"input[name=jobs][value='{job.pk}']")
    page.fill("#id_validation_fraction", "0.2")
    page.click("input[name=_build]")
    page.wait_for_selector(".messagelist .success", timeout=60_000)
    return Release.objects.get(name="emotional-intelligence-6-v1.0")


def test_an_editor_builds_a_release_and_sees_its_files(signed_in, live_server, submit):
    page = signed_in
    job = submit(count=6, name="Browser batch")
    release = build(page, live_server, job)
    assert release.status == Release.Status.READY
    assert "built: 6 conversations" in page.inner_text(".messagelist")
    files = page.inner_text("table.release-files")
    for entry in release.files:
        assert entry["path"] in files
        assert entry["sha256"] in files
    assert "conversations.jsonl" in files
    assert "chat/validation.jsonl" in files
    assert Path(release.folder, "SHA256SUMS").is_file()
    page.goto(f"{live_server.url}/admin/exports/release/")
    row = page.inner_text("#result_list tbody tr")
    assert "emotional-intelligence-6-v1.0" in row
    assert "offline_emulator: 6" in row


def test_an_editor_publishes_a_release_to_the_hub(signed_in, live_server, submit, monkeypatch):
    page = signed_in
    release = build(page, live_server, submit(count=6, name="Browser batch"))
    with serve_hub() as hub:
        monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
        monkeypatch.setenv("HF_ENDPOINT", hub.base_url)
        page.goto(f"{live_server.url}/admin/exports/release/")
        page.check(f"input[name=_selected_action][value='{release.pk}']")
        page.select_option("select[name=action]", "publish_to_hub")
        page.click("button[name=index]")
        page.wait_for_selector("#id_repo_id")
        page.fill("#id_repo_id", "elena-cfp/emotional-intelligence")
        page.click("input[name=apply]")
        page.wait_for_selector(".messagelist li", timeout=60_000)
        message = page.inner_text(".messagelist")
        assert "Published emotional-intelligence-6-v1.0 to elena-cfp/emotional-intelligence" in (
            message
        ), message
        publication = release.publications.get()
        assert publication.tag == "v1.0.0"
        assert hub.commits("elena-cfp/emotional-intelligence")
