"""An editor builds a release and publishes it to the Hub (the loopback stand-in) from the
admin, in a real headless Chromium: both run as django-q2 tasks on a real qcluster, and the
release's page follows them; its files download from the page."""

import os
from pathlib import Path

import pytest

from exports.models import Release, ReleaseTask
from tests.browser.screens import WIDTHS, overflowing, page_width, shoot, sign_in_editor
from tests.exports.hub_server import VALID_TOKEN, serve_hub
from tests.workers.conftest import Cluster, database_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NAME = "emotional-intelligence-6-v1.0"


@pytest.fixture
def hub(monkeypatch):
    with serve_hub() as hub:
        monkeypatch.setenv("HF_TOKEN", VALID_TOKEN)
        monkeypatch.setenv("HF_ENDPOINT", hub.base_url)
        yield hub


@pytest.fixture
def worker(settings, tmp_path, hub):
    """Starts a qcluster on the test database whose heartbeats this process's pages see;
    builds go to the same release folder as the pages read."""
    settings.RELEASE_DIR = tmp_path / "releases"
    settings.CACHES = {
        **settings.CACHES,
        "qcluster": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache" / "qcluster"),
        },
    }
    clusters: list[Cluster] = []

    def start() -> Cluster:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "ANTHROPIC_API_KEY": "",
            "Q_WORKERS": "1",
            "EIDATASET_DATA_DIR": str(tmp_path),
            "RELEASE_DIR": str(settings.RELEASE_DIR),
        }
        clusters.append(Cluster(env, tmp_path / "qcluster.log"))
        return clusters[-1]

    yield start
    for cluster in clusters:
        cluster.stop()


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_builds_and_publishes_a_release_as_queued_tasks(
    page, live_server, submit, worker, hub, width
):
    job = submit(count=6, name="Browser batch")
    sign_in_editor(page, live_server, width)
    page.goto(f"{live_server.url}/admin/exports/release/add/")
    page.fill("#id_name", NAME)
    page.fill("#id_version", "1.0.0")
    page.check(f"input[name=jobs][value='{job.pk}']")
    page.fill("#id_validation_fraction", "0.2")
    warnings = page.locator(".eid-form-warnings")
    assert "written by the offline emulator" in warnings.inner_text()
    assert warnings.bounding_box()["y"] < page.locator("input[name=_build]").bounding_box()["y"]
    shoot(page, f"release-build-form-{width}")
    assert page_width(page) <= width, overflowing(page)
    page.click("input[name=_build]")

    page.wait_for_selector(".messagelist .info")  # queued: the request built nothing
    assert "queued: this page follows it" in page.inner_text(".messagelist")
    assert page.inner_text("[data-work=title]") == "Build: queued"
    assert "No worker has been seen" in page.inner_text(".eid-worker-warning")
    assert Release.objects.get(name=NAME).status == Release.Status.QUEUED
    shoot(page, f"release-queued-{width}")

    worker()  # the page follows the build, then reloads itself once to show the files
    page.wait_for_selector("[data-work=title]:text-is('Build: done')", timeout=120_000)
    assert "built: 6 conversations" in page.inner_text("[data-work=outcome]")
    assert not page.locator(".eid-worker-warning").is_visible()
    release = Release.objects.get(name=NAME)
    assert release.status == Release.Status.READY
    files = page.inner_text("table.release-files")
    for entry in release.files:
        assert entry["path"] in files and entry["sha256"] in files
    link = page.locator("table.release-files a", has_text="conversations.jsonl").first
    served = page.request.get(live_server.url + link.get_attribute("href"))
    assert (
        served.ok and served.body() == (Path(release.folder) / "conversations.jsonl").read_bytes()
    )
    assert page.locator(f"a:text-is('{NAME}.zip')").count() == 1
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"release-built-{width}")

    page.goto(f"{live_server.url}/admin/exports/release/")
    assert "Offline emulator: 6" in page.inner_text("#result_list tbody tr")
    page.check(f"input[name=_selected_action][value='{release.pk}']")
    page.select_option("select[name=action]", "publish_to_hub")
    page.click("button[name=index]")
    page.wait_for_selector("#id_repo_id")
    assert "A Hub token is set" in page.inner_text(".eid-token")
    assert VALID_TOKEN not in page.content()
    page.fill("#id_repo_id", "not a repo")
    page.click("input[name=apply]")
    page.wait_for_selector(".errorlist")  # a bad name keeps the form
    assert page.input_value("#id_repo_id") == "not a repo"
    page.fill("#id_repo_id", "elena-cfp/emotional-intelligence")
    shoot(page, f"release-publish-form-{width}")
    assert page_width(page) <= width, overflowing(page)
    page.click("input[name=apply]")

    page.wait_for_selector("[data-work=title]:text-is('Publish to the Hub: done')", timeout=120_000)
    outcome = page.inner_text("[data-work=outcome]")
    assert f"Published {NAME} to elena-cfp/emotional-intelligence at v1.0.0" in outcome
    assert release.publications.get().tag == "v1.0.0"
    assert hub.commits("elena-cfp/emotional-intelligence")
    assert ReleaseTask.objects.filter(status=ReleaseTask.Status.DONE).count() == 2
    shoot(page, f"release-published-{width}")
