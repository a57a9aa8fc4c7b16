"""The quality report page in the admin: editors see the figures and charts, others do not."""

import json

import pytest
from django.contrib.auth.models import User

from eidataset.labels import check_label, label
from generation.models import Conversation
from review.sampling import draw_sample

pytestmark = pytest.mark.django_db
URL = "/admin/quality/"


def test_an_editor_sees_the_report_with_its_charts(editor_client, submit):
    job = submit(6)
    rows = list(job.conversations.all())
    page = editor_client.get(URL, {"job": str(job.pk)})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Quality score distribution" in html
    assert "<script" not in html.split('id="content-main"')[1]  # charts are drawn server-side
    passed = sum(c.validation["passed"] for c in rows)
    assert page.context["report"]["automated_validation"]["passed"] == passed
    for name in ("turnCount", "emotionalProgression", "harmfulContent", "edgeCaseRules"):
        assert f'id="check-{name}"' in html
    strategies = page.context["report"]["diversity"]["support_strategies"]["counts"]
    top = max(strategies, key=strategies.get)
    assert f"<th>{label(top)}</th><td>{strategies[top]}</td>" in html
    arc = rows[0].emotional_arc.arc_key
    assert f'id="emotions-{arc}"' in html
    assert f'href="/admin/quality/quality-report.json?job={job.pk}"' in html
    assert "<strong>6</strong>completed conversations" in html


def test_the_report_page_shows_words_names_blocking_issues_and_the_reviewed_count(
    editor_client, submit, reviewer
):
    job = submit(6)
    sample = draw_sample(job, reviewers=[reviewer])
    page = editor_client.get(URL, {"job": str(job.pk)})
    html = page.content.decode()
    report = page.context["report"]
    for name in report["automated_validation"]["checks"]:
        assert f'<tr id="check-{name}"><th>{check_label(name)}</th>' in html
    for arc in report["quality_metrics"]["emotional_arc_coverage"]:
        assert f"<th>{label(arc)}</th>" in html and f"<th>{arc}</th>" not in html
    assert "allowed in edge cases" in html and "allowed_in_edge_cases" not in html
    size = sample.reviews.count()
    assert f"Reviewed 0 of the {size} sampled" in html and f"{size} still open" in html
    blocking = html.split('<ul id="blocking-issues">')[1].split("</ul>")[0]
    assert f"{size} sampled conversation(s) still await review" in blocking
    advice = html.split('<ul id="recommendations">')[1].split("</ul>")[0]
    assert "still await review" not in advice


def test_near_duplicate_pairs_link_to_the_conversations(editor_client, submit):
    job = submit(5)
    first, second = job.conversations.order_by("sequence_number")[:2]
    Conversation.objects.filter(pk=second.pk).update(turns=first.turns)
    html = editor_client.get(URL, {"job": str(job.pk)}).content.decode()
    assert 'id="near-duplicates"' in html
    for conversation in (first, second):
        assert f'href="/admin/generation/conversation/{conversation.pk}/change/"' in html


def test_the_job_selector_narrows_the_report(editor_client, submit):
    one = submit(4, name="First")
    submit(3, name="Second")
    everything = editor_client.get(URL).context["report"]
    only_one = editor_client.get(URL, {"job": str(one.pk)}).context["report"]
    assert everything["dataset"]["total_conversations"] == 7
    assert only_one["dataset"]["total_conversations"] == 4
    assert (
        f'<option value="{one.pk}" selected>'
        in editor_client.get(URL, {"job": str(one.pk)}).content.decode()
    )


def test_an_unknown_job_is_a_clear_404(editor_client, db):
    page = editor_client.get(URL, {"job": "nope"})
    assert page.status_code == 404
    assert "No batch job &#x27;nope&#x27;" in page.content.decode()
    assert editor_client.get(f"{URL}quality-report.json", {"job": "nope"}).status_code == 404


def test_the_json_download_is_the_report(editor_client, submit):
    job = submit(4, name="Download me")
    response = editor_client.get(f"{URL}quality-report.json", {"job": str(job.pk)})
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == 'attachment; filename="quality-report-download-me.json"'
    )
    report = json.loads(response.content)
    assert report["dataset"]["name"] == "Download me"
    assert report["dataset"]["total_conversations"] == 4


@pytest.mark.parametrize("path", [URL, f"{URL}quality-report.json"])
def test_reviewers_and_anonymous_visitors_are_sent_to_the_login(client, reviewer, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    client.force_login(reviewer)
    refused = client.get(path)
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]


def test_staff_without_access_to_conversations_are_refused(client, db):
    staff = User.objects.create_user("stan", "stan@example.com", "x", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}quality-report.json").status_code == 403


def test_the_admin_index_links_to_the_report(editor_client, client, db):
    html = editor_client.get("/admin/").content.decode()
    assert 'href="/admin/quality/"' in html and "Quality report" in html
    assert 'id="content-main"' in html and "Generation" in html  # the app list is still there
