"""The judge's call through the Claude adapter and the real SDK: its schema, its reply, and
the emulator's heuristic verdicts."""

import json

import anthropic
import httpx2
import jsonschema
import pytest

from generation.calls import JudgeRequest
from generation.claude import ClaudeError, judge_conversation
from generation.emulator import Emulator
from generation.emulator.judge import SUMMARY
from generation.pricing import JUDGE_INSTRUCTION_TOKENS
from generation.prompts import tokens_in
from review.checklist import ITEM_KEYS
from review.file_checks import read_check_file
from review.judge_prompt import DEFECTS, SYSTEM, VERDICT_SCHEMA, judge_prompt
from review.labelled import DEFECT_CHECKS, LABELLED
from review.validation import checkable
from tests.review.judge_support import a_message, a_verdict


def a_request(prompt: str = "Judge this.") -> JudgeRequest:
    return JudgeRequest(
        conversation_id="c0ffee",
        model="claude-haiku-5-5",
        max_tokens=4096,
        system=SYSTEM,
        prompt=prompt,
        schema=VERDICT_SCHEMA,
    )


def client_answering(handler) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key="offline",
        base_url="https://judge.invalid",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
        max_retries=0,
    )


@pytest.fixture
def labelled(scaffolding) -> dict[str, dict]:
    """Tuning conversations by defect kind (None: clean), as the checks read them."""
    records = [json.loads(line) for line in (LABELLED / "tuning.jsonl").open()]
    items = read_check_file(LABELLED / "tuning.jsonl")
    found: dict = {}
    for record, item in zip(records, items, strict=True):
        found.setdefault(record["label"]["defect"], checkable(item.conversation))
    return found


def test_the_verdict_schema_asks_for_every_checklist_item_and_every_defect_kind():
    checklist = VERDICT_SCHEMA["properties"]["checklist"]["properties"]
    defects = VERDICT_SCHEMA["properties"]["defects"]["properties"]

    assert {category: tuple(spec["properties"]) for category, spec in checklist.items()} == (
        ITEM_KEYS
    )
    assert sum(len(spec["required"]) for spec in checklist.values()) == 20
    assert set(defects) == set(DEFECT_CHECKS) == set(DEFECTS)
    item = checklist["brand_voice"]["properties"]["asks_permission"]
    assert item["required"] == ["passed", "quote", "reason"]


def test_the_judge_instructions_fit_the_tokens_the_estimate_counts_for_them():
    assert tokens_in(SYSTEM) <= JUDGE_INSTRUCTION_TOKENS


def test_the_judge_call_sends_the_verdict_schema_as_its_structured_output_and_reads_the_reply():
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return a_message(json.dumps(a_verdict(failing=("celebrates_progress",))))

    reply = judge_conversation(a_request(), client_answering(handler))

    sent = seen[0]
    assert sent["model"] == "claude-haiku-5-5"
    assert sent["output_config"]["format"]["type"] == "json_schema"
    schema = sent["output_config"]["format"]["schema"]
    assert set(schema["properties"]) == {"checklist", "defects", "summary"}
    assert schema["properties"]["defects"]["additionalProperties"] is False
    item = reply.document["checklist"]["emotional_intelligence"]["celebrates_progress"]
    assert item["passed"] is False
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (4000, 1000)
    assert (reply.source, reply.request_id) == ("claude", "req_judge")


def test_a_verdict_missing_an_item_is_invalid_output_naming_it():
    verdict = a_verdict()
    del verdict["checklist"]["brand_voice"]["asks_permission"]

    with pytest.raises(ClaudeError) as caught:
        judge_conversation(a_request(), client_answering(lambda r: a_message(json.dumps(verdict))))

    assert caught.value.kind == "invalid_output"
    assert "verdict schema" in str(caught.value)
    assert "asks_permission" in str(caught.value)
    assert caught.value.usage.output_tokens == 1000  # billed though unusable


def test_a_reply_that_is_not_json_is_invalid_output():
    with pytest.raises(ClaudeError) as caught:
        judge_conversation(a_request(), client_answering(lambda r: a_message('{"checklist": {')))

    assert caught.value.kind == "invalid_output"
    assert "not JSON" in str(caught.value)


def test_the_emulator_answers_a_judge_request_with_a_heuristic_verdict_that_says_so(labelled):
    emulator = client_answering(Emulator().handle)

    reply = judge_conversation(a_request(judge_prompt(labelled[None])), emulator)

    jsonschema.validate(reply.document, VERDICT_SCHEMA)
    assert reply.source == "offline_emulator"
    assert reply.document["summary"] == SUMMARY
    reasons = [
        item["reason"] for items in reply.document["checklist"].values() for item in items.values()
    ]
    assert all(reason.startswith("Heuristic") for reason in reasons)
    assert reply.usage.output_tokens > 0


@pytest.mark.parametrize("defect", ["role_break", "product_recommendation", "judgement"])
def test_the_emulators_heuristic_verdict_flags_a_planted_defect_with_evidence(labelled, defect):
    emulator = client_answering(Emulator().handle)

    planted = judge_conversation(a_request(judge_prompt(labelled[defect])), emulator)
    clean = judge_conversation(a_request(judge_prompt(labelled[None])), emulator)

    assert planted.document["defects"][defect]["flagged"] is True
    assert planted.document["defects"][defect]["evidence"].startswith("Heuristic: ")
    assert clean.document["defects"][defect] == {"flagged": False, "quote": "", "evidence": ""}


def test_the_emulator_refuses_a_judge_request_without_a_conversation_as_the_api_would():
    with pytest.raises(ClaudeError) as caught:
        judge_conversation(a_request("Judge nothing."), client_answering(Emulator().handle))

    assert caught.value.kind == "bad_request"
    assert "<conversation>" in str(caught.value)
