"""The review sample: stratified by tier and persona, every edge case type, seeded, assigned."""

import re
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from eidataset.models import EdgeCase, Persona
from eidataset.roles import REVIEWERS
from generation.models import Conversation
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.submission import BatchOptions, submit_batch
from review.checklist import CATEGORY_KEYS, ITEM_KEYS
from review.models import Review, ReviewSample
from review.sampling import SamplingError, draw_sample, largest_remainder, strata_counts
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SPEC_COUNTS = {"template": 70, "scenario": 20, "edge_case": 10}


@pytest.fixture
def generate(scaffolding, offline, django_capture_on_commit_callbacks):
    """A job planned with the given tier counts and generated inline through the emulator."""

    def generate(counts: dict[str, int], seed: int = 5):
        sets = plan_parameter_sets(counts=counts, seed=seed)
        resolved = resolve_plan([s.to_json() for s in sets])
        with django_capture_on_commit_callbacks(execute=True):
            job = submit_batch(resolved, BatchOptions(name=f"Sampled {sum(counts.values())}"))
        assert job.conversations.completed().count() == sum(counts.values())
        return job

    return generate


@pytest.fixture
def one_edge_type(scaffolding):
    """Only the crisis detection edge cases stay active, so a job's edge cases are one type."""
    EdgeCase.objects.exclude(edge_case_type=EdgeCase.Type.CRISIS_DETECTION).update(is_active=False)
    assert EdgeCase.objects.active().count() >= 1


def make_reviewer(name: str) -> User:
    user = User.objects.create_user(name, f"{name}@example.com", PASSWORD)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


def sampled(sample: ReviewSample) -> list[Conversation]:
    return [
        r.conversation
        for r in sample.reviews.filter(is_overlap=False).select_related(
            "conversation__edge_case", "conversation__persona"
        )
    ]


def test_a_100_conversation_job_gives_10_items_stratified_by_tier_and_persona(
    generate, one_edge_type
):
    job = generate(SPEC_COUNTS)
    sample = draw_sample(job, seed=3)
    conversations = sampled(sample)
    assert len(conversations) == 10
    assert Counter(c.tier for c in conversations) == {"template": 7, "scenario": 2, "edge_case": 1}
    assert {c.persona.persona_key for c in conversations} == set(
        Persona.objects.values_list("persona_key", flat=True)
    )
    edge_types = {
        c.edge_case.edge_case_type for c in job.conversations.filter(edge_case__isnull=False)
    }
    assert {c.edge_case.edge_case_type for c in conversations if c.edge_case} == edge_types
    # personas within each tier in proportion: template 70 over three personas is 2/2/3
    template_personas = Counter(c.persona_id for c in conversations if c.tier == "template")
    assert sorted(template_personas.values()) == [2, 2, 3]
    assert all(c.status == Conversation.Status.COMPLETED for c in conversations)
    assert sample.reviews.filter(reviewer__isnull=True).count() == 10  # nobody named: the pool


def test_every_edge_case_type_is_sampled_even_beyond_the_fraction(generate):
    job = generate(SPEC_COUNTS)
    types = set(
        job.conversations.filter(edge_case__isnull=False).values_list(
            "edge_case__edge_case_type", flat=True
        )
    )
    assert len(types) == 8  # the default scaffolding's ten edge cases have eight types
    conversations = sampled(draw_sample(job, seed=3))
    tiers = Counter(c.tier for c in conversations)
    assert tiers["template"] == 7 and tiers["scenario"] == 2
    assert tiers["edge_case"] == 8
    assert Counter(c.edge_case.edge_case_type for c in conversations if c.edge_case) == {
        kind: 1 for kind in types
    }


def test_the_same_seed_draws_the_same_sample_and_another_seed_another(generate, one_edge_type):
    job = generate(SPEC_COUNTS)
    first = {c.pk for c in sampled(draw_sample(job, seed=7))}
    again = {c.pk for c in sampled(draw_sample(job, seed=7, force=True))}
    other = {c.pk for c in sampled(draw_sample(job, seed=8, force=True))}
    assert first == again
    assert other != first
    assert len(other) == len(first) == 10


def test_a_small_job_still_gets_one_of_every_tier_and_persona(submit):
    job = submit(6)
    conversations = sampled(draw_sample(job))
    assert {c.tier for c in conversations} == {"template", "scenario", "edge_case"}
    assert {c.persona_id for c in conversations} == set(
        job.conversations.values_list("persona_id", flat=True)
    )


def test_items_go_round_robin_and_the_overlap_to_a_second_reviewer(generate, one_edge_type):
    job = generate(SPEC_COUNTS)
    ann, ben, cal = (make_reviewer(n) for n in ("ann", "ben", "cal"))
    sample = draw_sample(job, seed=1, reviewers=[ann, ben, cal], overlap=0.2)
    firsts = sample.reviews.filter(is_overlap=False)
    assert Counter(r.reviewer.username for r in firsts) == {"ann": 4, "ben": 3, "cal": 3}
    seconds = list(sample.reviews.filter(is_overlap=True).select_related("reviewer"))
    assert len(seconds) == 2
    for second in seconds:
        first = firsts.get(conversation=second.conversation)
        assert first.reviewer != second.reviewer
    assert sample.overlap == Decimal("0.200")


def test_a_sample_whose_overlap_review_went_back_to_the_pool_is_still_summed(
    generate, one_edge_type
):
    job = generate(SPEC_COUNTS)
    ann, ben = make_reviewer("ann"), make_reviewer("ben")
    sample = draw_sample(job, seed=1, reviewers=[ann, ben], overlap=0.2)
    returned = sample.reviews.filter(is_overlap=True).first()
    Review.objects.filter(pk=returned.pk).update(reviewer=None)  # the admin's return_to_pool
    counts = strata_counts(sample)
    assert counts["overlap"]["(pool)"] == 1
    assert sum(counts["overlap"].values()) == 2


def test_an_open_sample_blocks_another_draw_unless_forced(submit):
    job = submit(6)
    draw_sample(job)
    with pytest.raises(SamplingError, match="already has an open review sample"):
        draw_sample(job, seed=2)
    assert ReviewSample.objects.count() == 1
    draw_sample(job, seed=2, force=True)
    assert ReviewSample.objects.count() == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fraction": 0}, "more than 0 and at most 1"),
        ({"fraction": 1.5}, "more than 0 and at most 1"),
        ({"fraction": "lots"}, "must be a number"),
        ({"overlap": -0.1}, "from 0 to 1"),
        ({"overlap": 0.2}, "at least two reviewers"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_written(submit, options, message):
    job = submit(4)
    with pytest.raises(SamplingError, match=message):
        draw_sample(job, **options)
    assert not ReviewSample.objects.exists() and not Review.objects.exists()


def test_a_job_without_completed_conversations_has_nothing_to_sample(submit):
    job = submit(4, run=False)
    with pytest.raises(SamplingError, match="no completed conversation"):
        draw_sample(job)
    assert not ReviewSample.objects.exists()


def test_a_user_outside_the_reviewers_group_cannot_be_assigned(submit, outsider):
    job = submit(4)
    with pytest.raises(SamplingError, match="not an active member of the Reviewers group"):
        draw_sample(job, reviewers=[outsider])
    assert not ReviewSample.objects.exists()


def test_largest_remainder_keeps_the_total_and_the_floors():
    assert largest_remainder(10, {"a": 70, "b": 20, "c": 10}) == {"a": 7, "b": 2, "c": 1}
    assert largest_remainder(7, {"x": 23, "y": 23, "z": 24}) == {"x": 2, "y": 2, "z": 3}
    assert largest_remainder(1, {"a": 4, "b": 1, "c": 1}, minimum=1) == {"a": 1, "b": 1, "c": 1}


def test_the_command_prints_the_sample_and_its_assignments(generate, one_edge_type, capsys):
    job = generate(SPEC_COUNTS)
    make_reviewer("ann"), make_reviewer("ben")
    call_command(
        "draw_review_sample",
        "--job",
        str(job.pk),
        "--seed",
        "4",
        "--reviewer",
        "ann",
        "--reviewer",
        "ben",
        "--overlap",
        "0.2",
    )
    out = capsys.readouterr().out
    assert f"of {job}: 10 conversations" in out
    assert "template / " in out and "edge_case / " in out
    assert "crisis_detection: 1" in out
    assigned = dict(
        re.findall(r"^  (ann|ben): (\d+)$", out.split("Assigned:")[1].split("Second")[0], re.M)
    )
    # 5 each round-robin, plus the 2 second reviews, which go to whichever did not have the item
    assert int(assigned["ann"]) + int(assigned["ben"]) == 12
    assert 5 <= int(assigned["ann"]) <= 7 and 5 <= int(assigned["ben"]) <= 7
    assert "Second reviews (overlap):" in out
    assert Review.objects.filter(is_overlap=True).count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--job", "not-a-job"], "No batch job"),
        (["--reviewer", "nobody"], "No such user: nobody"),
        (["--fraction", "2"], "more than 0 and at most 1"),
        (["--fraction", "ten"], "must be a number"),
        (["--overlap", "0.5", "--reviewer", "rita-reviewer"], "at least two reviewers"),
    ],
)
def test_the_command_refuses_bad_input_and_writes_nothing(submit, reviewer, args, message):
    job = submit(4)
    if "--job" not in args:
        args = ["--job", str(job.pk), *args]
    with pytest.raises(CommandError, match=message):
        call_command("draw_review_sample", *args)
    assert not ReviewSample.objects.exists() and not Review.objects.exists()


# --- the admin: drawing a sample, following it, reassigning its items -----------------------


@pytest.fixture
def review_editor(editor):
    # Editors hold every permission of eidataset.roles.EDITOR_APPS, the review app's included.
    assert editor.has_perm("review.change_review") and editor.has_perm("review.add_reviewsample")
    return editor


def test_an_editor_draws_a_sample_from_the_admin_add_form(client, review_editor, reviewer, submit):
    job = submit(6)
    client.force_login(review_editor)
    form = client.get("/admin/review/reviewsample/add/").content.decode()
    assert 'name="reviewers"' in form and 'name="force"' in form and 'name="seed"' in form
    response = client.post(
        "/admin/review/reviewsample/add/",
        {
            "batch_job": job.pk,
            "fraction": "0.5",
            "seed": "2",
            "overlap": "0",
            "reviewers": [reviewer.pk],
        },
    )
    assert response.status_code == 302
    sample = ReviewSample.objects.get()
    assert sample.created_by == review_editor and sample.seed == 2
    assert sample.reviews.count() == sample.reviews.filter(reviewer=reviewer).count() >= 3
    listing = client.get("/admin/review/reviewsample/").content.decode()
    assert f"0/{sample.reviews.count()}" in listing
    assert "0 approved, 0 with notes, 0 rejected" in listing
    page = client.get(f"/admin/review/reviewsample/{sample.pk}/change/").content.decode()
    assert "assigned to rita-reviewer" in page


def test_the_admin_add_form_refuses_bad_draws_and_writes_nothing(client, review_editor, submit):
    job = submit(4)
    client.force_login(review_editor)
    bad = {"batch_job": job.pk, "fraction": "1.5", "seed": "0", "overlap": "0"}
    response = client.post("/admin/review/reviewsample/add/", bad)
    assert response.status_code == 200
    assert "more than 0 and at most 1" in response.content.decode()
    assert not ReviewSample.objects.exists()
    draw_sample(job)
    again = {**bad, "fraction": "0.1"}
    response = client.post("/admin/review/reviewsample/add/", again)
    assert "already has an open review sample" in response.content.decode()
    assert ReviewSample.objects.count() == 1
    response = client.post("/admin/review/reviewsample/add/", {**again, "force": "on"})
    assert response.status_code == 302 and ReviewSample.objects.count() == 2


def test_the_admin_shows_progress_and_verdict_counts(client, review_editor, reviewer, submit):
    from review.verdicts import record_review

    sample = draw_sample(submit(6), reviewers=[reviewer])
    first, second = sample.reviews.all()[:2]
    record_review(first, {c: {i: True for i in ITEM_KEYS[c]} for c in CATEGORY_KEYS})
    record_review(second, {c: {i: True for i in ITEM_KEYS[c]} for c in CATEGORY_KEYS[:4]})
    client.force_login(review_editor)
    listing = client.get("/admin/review/reviewsample/").content.decode()
    assert f"2/{sample.reviews.count()}" in listing
    assert "1 approved, 1 with notes, 0 rejected" in listing
    reviews = client.get("/admin/review/review/?verdict__exact=approved").content.decode()
    assert reviews.count('name="_selected_action"') == 1


def test_an_editor_reassigns_open_items_and_returns_them_to_the_pool(
    client, review_editor, reviewer, submit
):
    other = make_reviewer("otto")
    sample = draw_sample(submit(6), reviewers=[reviewer])
    ids = [str(pk) for pk in sample.reviews.values_list("pk", flat=True)]
    client.force_login(review_editor)
    url = "/admin/review/review/"
    step = client.post(url, {"action": "assign_to_reviewer", "_selected_action": ids})
    assert step.status_code == 200 and "Assign reviews to a reviewer" in step.content.decode()
    assert sample.reviews.filter(reviewer=reviewer).count() == len(ids)  # nothing moved yet
    done = client.post(
        url,
        {
            "action": "assign_to_reviewer",
            "_selected_action": ids,
            "apply": "1",
            "reviewer": other.pk,
        },
    )
    assert done.status_code == 302
    assert sample.reviews.filter(reviewer=other).count() == len(ids)
    client.post(url, {"action": "return_to_pool", "_selected_action": ids[:1]})
    assert sample.reviews.filter(reviewer__isnull=True).count() == 1


def test_assigning_to_someone_who_is_not_a_reviewer_is_refused(
    client, review_editor, reviewer, outsider, submit
):
    sample = draw_sample(submit(4), reviewers=[reviewer])
    ids = [str(pk) for pk in sample.reviews.values_list("pk", flat=True)]
    client.force_login(review_editor)
    response = client.post(
        "/admin/review/review/",
        {
            "action": "assign_to_reviewer",
            "_selected_action": ids,
            "apply": "1",
            "reviewer": outsider.pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert sample.reviews.filter(reviewer=reviewer).count() == len(ids)
