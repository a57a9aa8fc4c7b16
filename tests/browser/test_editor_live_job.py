"""An editor follows a batch job live, pauses and resumes it, without reloading the page; the
conversations are written by a real qcluster started part-way through."""

import os

import pytest

from generation.models import BatchJob
from tests.browser.screens import WIDTHS, overflowing, page_width, shoot, sign_in_editor
from tests.workers.conftest import Cluster, database_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued(settings, tmp_path):
    """Work goes to qcluster workers; their heartbeats land in tmp_path's cache."""
    settings.GENERATION_INLINE = False
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
            "Q_WORKERS": "3",
            "EMULATOR_LATENCY_SECONDS": "0.5",
            "CLAUDE_SDK_MAX_RETRIES": "0",
            "EIDATASET_DATA_DIR": str(tmp_path),
        }
        clusters.append(Cluster(env, tmp_path / "qcluster.log"))
        return clusters[-1]

    yield start
    for cluster in clusters:
        cluster.stop()


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_follows_a_job_live_and_pauses_it(page, live_server, submit, queued, width):
    job = submit(6, name="Live batch")
    sign_in_editor(page, live_server, width)
    page.goto(f"{live_server.url}/admin/generation/batchjob/{job.pk}/change/")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    warning = page.locator(".eid-worker-warning")
    assert warning.is_visible() and "No worker has been seen" in warning.inner_text()
    assert page.inner_text("[data-live=percent]") == "0"
    shoot(page, f"job-live-no-worker-{width}")

    job.pause("Paused by the operator elsewhere")  # another tab: the poll picks it up
    page.wait_for_selector("[data-live=statusLabel]:text-is('Paused')")
    assert "operator elsewhere" in page.inner_text("[data-live=statusReason]")
    assert not warning.is_visible()
    page.click("button[data-action=resume]")
    page.wait_for_selector("[data-live=statusLabel]:text-is('In Progress')")
    assert warning.is_visible()
    page.click("button[data-action=pause]")
    page.wait_for_selector("[data-live=statusLabel]:text-is('Paused')")
    assert BatchJob.objects.get(pk=job.pk).status == BatchJob.Status.PAUSED

    queued()  # a worker starts: once resumed, the page follows its progress
    page.click("button[data-action=resume]")
    page.wait_for_selector(".eid-worker-warning", state="hidden", timeout=60_000)
    page.wait_for_selector("[data-live=statusLabel]:text-is('Completed')", timeout=120_000)
    assert page.inner_text("[data-live=percent]") == "100"
    assert page.locator(".eid-progress").get_attribute("aria-valuenow") == "100"
    assert page.inner_text("[data-live=countsText]").startswith("6 completed")
    assert "conversations a minute" in page.inner_text("[data-live=rateText]")
    assert not page.locator("button[data-action=pause]").is_visible()
    assert page.evaluate("window.sameDocument") is True
    assert page_width(page) <= width, overflowing(page)
    shoot(page, f"job-live-completed-{width}")

    page.click("text=This job's conversations")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 6
