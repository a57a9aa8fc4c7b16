"""A job split A/B between two sets of seed examples on the same plan (issue 15.4): arms
alternate within each tier and persona, each arm's requests show its own examples, each
arm's shared prefix is cached apart, and a bad split is refused by every door."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from generation import examples
from generation.emulator import read_request_log
from generation.models import BatchJob, Conversation, GenerationAttempt
from generation.prompts import prefix_lines, shared_prefix
from generation.submission import SubmissionError

pytestmark = pytest.mark.django_db
GENERATE = "/api/conversations/generate-batch"


@pytest.fixture
def version(submit):
    """Seed examples v1: three of six conversations written offline and marked."""
    seeds = submit(6, name="Seeds")
    seeds.conversations.update(seed_example=True)
    return examples.pin(examples.choose(3))


def test_arms_alternate_within_each_tier_and_persona_and_balance_the_job(submit, version):
    job = submit(30, ab_examples="none", seed=5)

    rows = list(job.conversations.values_list("tier", "persona_id", "arm"))
    assert {arm for _, _, arm in rows} == {"a", "b"}
    totals = Counter(arm for _, _, arm in rows)
    assert abs(totals["a"] - totals["b"]) <= 1
    groups: dict = {}
    for tier, persona, arm in rows:
        groups.setdefault((tier, persona), Counter())[arm] += 1
    assert len(groups) > 3
    for counts in groups.values():
        assert abs(counts["a"] - counts["b"]) <= 1, groups


def test_each_arm_shows_its_own_examples_and_records_them(submit, version, settings):
    before = len(read_request_log(settings.EMULATOR_REQUEST_LOG))

    job = submit(8, ab_examples="none")

    assert job.ab_split and job.prompt_examples == version and job.ab_examples is None
    calls = read_request_log(settings.EMULATOR_REQUEST_LOG)[before:]
    shown = {
        entry["conversation"]: entry["examples"]
        for entry in calls
        if entry["kind"] == "conversation"
    }
    for conversation in job.conversations.all():
        assert conversation.status == Conversation.Status.COMPLETED
        if conversation.arm == "a":
            assert shown[str(conversation.pk)] == 3
            assert conversation.examples_seen == version.conversation_ids()
        else:
            assert shown[str(conversation.pk)] == 0
            assert conversation.examples_seen == []
        assert str(conversation.pk) not in conversation.examples_seen


def test_each_arms_prefix_is_written_to_the_cache_once_and_read_by_the_rest(
    submit, version, cacheable_prompt
):
    """With a prompt long enough to be cached on its own, both arms are cached, apart."""
    job = submit(10, ab_examples="none", concurrency=3)

    prefixes = {arm: shared_prefix(job, arm) for arm in ("a", "b")}
    assert all(prefix.cacheable for prefix in prefixes.values())
    assert prefixes["a"].tokens > prefixes["b"].tokens
    for arm, prefix in prefixes.items():
        attempts = GenerationAttempt.objects.filter(
            conversation__batch_job=job, conversation__arm=arm
        )
        writes = [a.cache_write_tokens for a in attempts if a.cache_write_tokens]
        reads = [a.cache_read_tokens for a in attempts if a.cache_read_tokens]
        assert len(writes) == 1, arm  # the arm's first call, alone
        assert writes[0] == pytest.approx(prefix.tokens, rel=0.01)  # the emulator's count
        assert reads == writes * (attempts.count() - 1), arm
    summaries, warnings = prefix_lines(job)
    assert summaries[0].startswith("Arm A (seed examples v1): Shared system prompt")
    assert summaries[1].startswith("Arm B (no seed examples): Shared system prompt")
    assert not warnings


def test_an_arm_too_short_to_cache_is_said_so_and_costs_its_prompt_in_full(submit, version):
    job = submit(4, ab_examples="none")

    summaries, warnings = prefix_lines(job)
    assert "not cached" in summaries[1] and warnings[0].startswith("Arm B (no seed examples)")
    arm_b = GenerationAttempt.objects.filter(conversation__batch_job=job, conversation__arm="b")
    assert arm_b.exists()
    assert not any(a.cache_read_tokens or a.cache_write_tokens for a in arm_b)


def test_a_regeneration_keeps_its_arm_and_is_never_shown_itself(submit, version):
    job = submit(4, ab_examples="1", examples=False)  # arm A: none; arm B: v1
    assert job.prompt_examples is None and job.ab_examples == version
    seeds = Conversation.objects.filter(pk__in=version.conversation_ids())
    example = seeds.order_by("sequence_number").first()

    in_b = Conversation(pk=example.pk, batch_job=job, arm="b")
    regeneration = Conversation(batch_job=job, arm="b", regenerated_from=example)
    in_a = Conversation(pk=example.pk, batch_job=job, arm="a")

    for shown_to in (in_b, regeneration):
        shown = [e["conversation"] for e in examples.shown_to(job, shown_to)]
        assert str(example.pk) not in shown and len(shown) == 2
    assert examples.shown_to(job, in_a) == []
    replaced = job.conversations.filter(arm="b").first()
    replacement = job.regenerate(replaced)
    assert replacement.arm == "b"


def test_both_arms_alike_or_an_unknown_version_are_refused(submit, version):
    with pytest.raises(SubmissionError, match="Both arms would show seed examples v1"):
        submit(4, ab_examples="1", run=False)
    with pytest.raises(SubmissionError, match="Both arms would show no seed examples"):
        submit(4, ab_examples="none", examples=False, run=False)
    with pytest.raises(SubmissionError, match=r"No seed examples version '7': give one of 1"):
        submit(4, ab_examples="7", run=False)
    assert not BatchJob.objects.exclude(name="Seeds").exists()


def test_the_api_takes_ab_examples_and_answers_400_for_a_bad_split(editor_client, version, offline):
    from generation.planner import plan_parameter_sets

    sets = [s.to_json() for s in plan_parameter_sets(counts={"template": 4}, seed=3)]
    body = {"name": "A/B over the API", "parameterSets": sets}

    for bad, said in (("1", "Both arms"), ("v9", "No seed examples version")):
        refused = editor_client.post(
            GENERATE, {**body, "abExamples": bad}, content_type="application/json"
        )
        assert refused.status_code == 400 and said in refused.json()["detail"]
    assert not BatchJob.objects.filter(name="A/B over the API").exists()

    accepted = editor_client.post(
        GENERATE, {**body, "abExamples": "none"}, content_type="application/json"
    )
    assert accepted.status_code == 202, accepted.content
    job = BatchJob.objects.get(pk=accepted.json()["jobId"])
    assert job.ab_split and job.ab_examples is None and job.prompt_examples == version
    assert sorted(job.conversations.values_list("arm", flat=True)) == ["a", "a", "b", "b"]


def test_generate_refuses_an_unknown_version_before_submitting(version):
    with pytest.raises(CommandError, match="No seed examples version '4'"):
        call_command("generate", "--count", "4", "--ab-examples", "4", stdout=StringIO())
    assert not BatchJob.objects.exclude(name="Seeds").exists()


def test_the_plan_form_previews_both_arms_and_submits_the_split(editor_client, version):
    form = {
        "name": "A/B from the form",
        "count": 6,
        "seed": 4,
        "concurrency_mode": "fixed",
        "concurrency": 3,
        "error_handling": "continue",
        "priority": 1,
        "ab_examples": "none",
    }
    page = editor_client.post(
        "/admin/generation/batchjob/plan/", {**form, "_preview": "1"}
    ).content.decode()
    assert "Arm A (seed examples v1): Shared system prompt" in page
    assert "Arm B (no seed examples): Shared system prompt" in page

    bad = editor_client.post(
        "/admin/generation/batchjob/plan/", {**form, "ab_examples": "5", "_preview": "1"}
    ).content.decode()
    assert "No seed examples version" in bad

    editor_client.post("/admin/generation/batchjob/plan/", {**form, "_submit": "1"})
    job = BatchJob.objects.get(name="A/B from the form")
    assert job.ab_split and job.ab_examples is None


def test_one_call_of_each_cold_arm_goes_first_then_the_job_fans_out(
    submit, version, cacheable_prompt
):
    from generation.dispatch import _reserve

    job = submit(10, ab_examples="none", concurrency=4, run=False)

    first = _reserve(job, None)
    arms = Conversation.objects.filter(pk__in=[pk for pk, _ in first]).values_list("arm", flat=True)
    assert sorted(arms) == ["a", "b"]
    assert _reserve(job, None) == []  # both first calls in flight: nothing else yet

    Conversation.objects.filter(pk__in=[pk for pk, _ in first]).update(
        status=Conversation.Status.COMPLETED, dispatched_at=None
    )
    assert len(_reserve(job, None)) == 4  # both caches exist: the job's full width
