"""Seed examples in the prompt (issue 15.2): a pinned set shown after the system prompt in the
shared, cached part of every request of a job that pins it, never to the conversation it is
made of or regenerates, and recorded on each conversation."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from generation import examples
from generation.emulator import read_request_log
from generation.models import BatchJob, Conversation, GenerationAttempt, PromptExamples
from generation.prompts import request_system, shared_prefix, system_prompt

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/generation/conversation/"


@pytest.fixture
def seeds(submit):
    """Six conversations written offline, all marked as seed examples."""
    job = submit(6)
    job.conversations.update(seed_example=True)
    assert job.conversations.completed().filter(validation__passed=True).count() == 6
    return list(job.conversations.order_by("sequence_number"))


def test_the_rule_prefers_other_personas_then_other_tiers(seeds):
    chosen = examples.choose(3)
    assert len(chosen) == 3
    personas = {c.persona_id for c in chosen}
    assert len(personas) == min(3, len({c.persona_id for c in seeds}))
    assert chosen[0] == examples.candidates()[0]  # the best-scored first


def test_a_job_pins_the_examples_its_requests_show_and_its_conversations_record(
    submit, seeds, settings
):
    version = examples.pin(examples.choose(3))
    assert version.version == 1 and len(version.examples) == 3
    log_before = len(read_request_log(settings.EMULATOR_REQUEST_LOG))

    job = submit(4)

    assert job.prompt_examples == version
    calls = read_request_log(settings.EMULATOR_REQUEST_LOG)[log_before:]
    assert [entry["examples"] for entry in calls if entry["kind"] == "conversation"] == [3] * 4
    for conversation in job.conversations.all():
        assert conversation.examples_seen == version.conversation_ids()
    sent = request_system(job)
    assert sent.startswith(system_prompt(job)) and examples.HEADING in sent
    for example in version.examples:
        assert example["turns"][0]["assistant_response"] in sent
    assert examples.HEADING not in system_prompt(job)  # an export's system prompt has none


def test_three_examples_make_the_shared_prefix_cacheable_and_later_calls_read_it(submit, seeds):
    plain = submit(2, examples=False)
    assert plain.prompt_examples is None and not shared_prefix(plain).cacheable
    examples.pin(examples.choose(3))

    job = submit(5)

    prefix = shared_prefix(job)
    assert prefix.cacheable and prefix.tokens > shared_prefix(plain).tokens
    attempts = GenerationAttempt.objects.filter(conversation__batch_job=job).order_by("started_at")
    writes = [a.cache_write_tokens for a in attempts]
    reads = [a.cache_read_tokens for a in attempts]
    assert writes[0] > 0 and reads[0] == 0  # the first call writes the cache
    assert all(read == writes[0] for read in reads[1:]) and not any(writes[1:])


def test_a_conversation_is_never_shown_itself_nor_the_one_it_regenerates(submit, seeds):
    version = examples.pin(seeds[:3])
    job = submit(2)
    assert job.prompt_examples == version
    regeneration = Conversation(batch_job=job, regenerated_from=seeds[0])
    shown = [e["conversation"] for e in examples.shown_to(job, regeneration)]
    assert shown == [str(seeds[1].pk), str(seeds[2].pk)]
    itself = Conversation(pk=seeds[1].pk, batch_job=job)
    assert str(seeds[1].pk) not in [e["conversation"] for e in examples.shown_to(job, itself)]


def test_only_marked_seed_examples_that_passed_can_be_shown(seeds):
    Conversation.objects.filter(pk=seeds[0].pk).update(seed_example=False)
    with pytest.raises(examples.ExamplesError, match="Not seed examples"):
        examples.pin(seeds[:2])
    assert not PromptExamples.objects.exists()
    with pytest.raises(examples.ExamplesError, match="mark some"):
        examples.pin([])


def test_the_command_pins_by_the_rule_or_by_id_and_refuses_bad_ids(seeds):
    out = StringIO()
    call_command("pin_seed_examples", "--count", "2", stdout=out)
    assert "Seed examples v1 (2)" in out.getvalue()
    call_command("pin_seed_examples", "--id", str(seeds[3].pk), stdout=StringIO())
    assert examples.current().conversation_ids() == [str(seeds[3].pk)]
    with pytest.raises(CommandError, match="UUID"):
        call_command("pin_seed_examples", "--id", "not-an-id")
    with pytest.raises(CommandError, match="No conversation"):
        call_command("pin_seed_examples", "--id", "00000000-0000-0000-0000-000000000000")
    assert PromptExamples.objects.count() == 2


def test_an_editor_shows_chosen_seed_examples_from_the_conversation_list(editor_client, seeds):
    data = {"action": "show_in_prompt", "_selected_action": [str(c.pk) for c in seeds[:2]]}
    page = editor_client.post(CHANGELIST, data, follow=True).content.decode()
    assert "Seed examples v1 (2): jobs submitted from now on show these 2" in page
    Conversation.objects.filter(pk=seeds[2].pk).update(seed_example=False)
    data["_selected_action"] = [str(seeds[2].pk)]
    page = editor_client.post(CHANGELIST, data, follow=True).content.decode()
    assert "Not seed examples" in page and PromptExamples.objects.count() == 1
    assert BatchJob.objects.filter(prompt_examples__isnull=False).count() == 0
