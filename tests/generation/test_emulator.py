"""The offline emulator, driven through the real SDK and the adapter, as the app drives it."""

import fcntl
import itertools
import json
import multiprocessing
import random
import re
import threading
import time
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
import yaml
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from eidataset.rules import GOAL_PATTERNS, evaluate_rules
from generation import claude
from generation.brief import render_brief
from generation.claude import ClaudeError, ConversationRequest, write_conversation
from generation.emulator import (
    GOAL_WORDS,
    Emulator,
    example_of,
    parse_faults,
    read_request_log,
    transport_from_settings,
    write_turns,
)
from generation.schema import CONVERSATION_SCHEMA, RESPONSE_STRATEGIES
from review.checks import validate_conversation

DEFAULTS = Path(django_settings.BASE_DIR) / "eidataset" / "defaults"
# 1,200 tokens: over the 1,024 Claude caches, so the emulator writes and reads its cache.
SYSTEM = "You are Elena Morales, CFP, of Pathways Financial Planning. " * 80
MODEL = "claude-sonnet-5-5"


@cache
def scaffolding(name: str) -> dict[str, dict[str, Any]]:
    rows = yaml.safe_load((DEFAULTS / f"{name}.yaml").read_text())
    key = {"personas": "persona_key", "arcs": "arc_key", "topics": "topic_key"}[name]
    return {row[key]: row for row in rows}


@cache
def shipped_edge_cases() -> list[dict[str, Any]]:
    return yaml.safe_load((DEFAULTS / "edge_cases.yaml").read_text())


def make_brief(
    persona: str = "overwhelmed_avoider",
    arc: str = "anxiety_to_relief",
    topic: str = "emergency_fund",
    *,
    turn_count: int = 6,
    sequence_number: int = 1,
    edge_case: dict[str, Any] | None = None,
    numbers: dict[str, int] | None = None,
    chunk: dict[str, str] | None = None,
) -> dict[str, Any]:
    p, a, t = (
        scaffolding("personas")[persona],
        scaffolding("arcs")[arc],
        scaffolding("topics")[topic],
    )
    persona_keys = ("name", "archetype", "description", "demographics", "finances")
    arc_keys = ("name", "starting_emotion", "ending_emotion", "starting_neighbours")
    return {
        "sequence_number": sequence_number,
        "tier": "edge_case" if edge_case else ("scenario" if chunk else "template"),
        "turn_count": turn_count,
        "persona": {key: p[key] for key in persona_keys}
        | {
            "communication_traits": p["communication_traits"],
            "typical_emotions": p["typical_emotions"],
        },
        "arc": {key: a[key] for key in arc_keys}
        | {"ending_neighbours": a["ending_neighbours"], "stages": a["stages"]},
        "topic": {key: t[key] for key in ("name", "category", "description", "key_concepts")},
        "chunk": chunk,
        "edge_case": edge_case,
        "specifics": {
            "situation": "first meeting; brought in by a bill or expense that was larger than expected",
            "numbers": numbers if numbers is not None else {"savings": 1900, "debt_total": 30800},
            "opening_angle": "opens with a specific number that has been worrying them",
        },
    }


def edge_case_brief(row: dict[str, Any], turn_count: int = 6) -> dict[str, Any]:
    edge_case = {
        "name": row["name"],
        "type": row["edge_case_type"],
        "expected_behavior": row["expected_behavior"],
        "rules": row["rules"],
    }
    return make_brief(
        row["persona"],
        row["emotional_arc"],
        row["training_topic"],
        turn_count=turn_count,
        edge_case=edge_case,
    )


def request_for(
    brief: dict[str, Any], conversation_id: str = "conv-1", max_tokens: int = 8192, attempt: int = 1
) -> ConversationRequest:
    prompt = f"Write one conversation that follows this brief.\n{render_brief(brief)}"
    return ConversationRequest(conversation_id, MODEL, max_tokens, SYSTEM, prompt, attempt)


def client_for(emulator: Emulator, max_retries: int = 0) -> anthropic.Anthropic:
    transport = httpx2.MockTransport(emulator.handle)
    return anthropic.Anthropic(
        api_key="test-key-not-a-secret",
        http_client=httpx2.Client(transport=transport),
        max_retries=max_retries,
    )


def emulated(
    brief: dict[str, Any], emulator: Emulator | None = None, **request: Any
) -> claude.ConversationReply:
    return write_conversation(request_for(brief, **request), client_for(emulator or Emulator()))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def failure(call) -> ClaudeError:
    with pytest.raises(ClaudeError) as caught:
        call()
    return caught.value


# --- following the brief ---------------------------------------------------------------


def test_a_reply_follows_the_brief():
    brief = make_brief(
        turn_count=7, numbers={"savings": 1900, "debt_total": 30800, "monthly_expenses": 4700}
    )
    reply = emulated(brief)
    turns = reply.turns
    client_text = " ".join(turn["user_input"] for turn in turns)
    elena_text = " ".join(turn["assistant_response"] for turn in turns)
    emotions = [turn["emotional_context"]["detected_emotions"] for turn in turns]

    assert reply.source == "offline_emulator"
    assert len(turns) == 7
    assert "Marcus" in turns[0]["user_input"]
    assert {"$1,900", "$30,800", "$4,700", "$72,000"} <= set(re.findall(r"\$[\d,]+", client_text))
    assert {"$1,900", "$30,800", "$4,700"} & set(re.findall(r"\$[\d,]+", elena_text))
    assert emotions[0]["primary"] == "anxiety"
    assert emotions[-1]["primary"] == "relief"
    assert [e["intensity"] for e in emotions] == sorted(
        (e["intensity"] for e in emotions), reverse=True
    )
    assert turns[0]["conversation_phase"] == "opening"
    assert turns[-1]["conversation_phase"] == "resolution"
    assert {"exploration", "education", "planning"} <= {
        turn["conversation_phase"] for turn in turns
    }


def test_the_emotions_move_through_the_arcs_stages_in_order():
    arc = scaffolding("arcs")["confusion_to_clarity"]
    path = [
        arc["starting_emotion"],
        *(stage["emotion"] for stage in arc["stages"]),
        arc["ending_emotion"],
    ]
    turns = emulated(make_brief(arc="confusion_to_clarity", turn_count=8)).turns
    seen = [turn["emotional_context"]["detected_emotions"]["primary"] for turn in turns]

    assert set(seen) == set(path)
    assert sorted(seen, key=path.index) == seen


def test_the_client_speaks_of_the_topics_key_concepts():
    topic = scaffolding("topics")["k401_basics"]
    turns = emulated(make_brief(topic="k401_basics", turn_count=8)).turns
    text = " ".join(turn["user_input"] + turn["assistant_response"] for turn in turns)

    assert sum(concept in text for concept in topic["key_concepts"]) >= 3


def test_elena_asks_permission_before_she_explains_and_ends_with_a_next_step():
    turns = emulated(make_brief(turn_count=6)).turns
    first_lesson = [turn["conversation_phase"] for turn in turns].index("education")
    before = " ".join(turn["assistant_response"] for turn in turns[:first_lesson])

    assert re.search(
        r"(Would it|May I|Can I|Is it all right)[^?]*(explain|walk you through)[^?]*\?", before
    )
    assert re.search(
        r"next step|one thing|first step", " ".join(t["assistant_response"] for t in turns[-3:])
    )


def test_the_response_strategies_vary_and_come_from_the_esconv_set():
    strategies = [
        turn["emotional_context"]["response_strategy"]
        for turn in emulated(make_brief(turn_count=8)).turns
    ]

    assert set(strategies) <= set(RESPONSE_STRATEGIES)
    assert len(set(strategies)) >= 4
    assert strategies[0] in ("reflection_of_feelings", "affirmation_and_reassurance")
    assert strategies[-1] == "affirmation_and_reassurance"


def test_a_scenario_conversation_quotes_its_chunk():
    text = (DEFAULTS / "documents" / "building-your-first-emergency-fund.md").read_text()[:1500]
    chunk = {"document_title": "Building Your First Emergency Fund", "text": text}
    turns = emulated(make_brief(turn_count=6, chunk=chunk)).turns
    quoted = re.findall(
        r'"Building Your First Emergency Fund"[^"]*"([^"]+)"',
        " ".join(t["assistant_response"] for t in turns),
    )

    assert quoted
    assert all(quote in " ".join(text.split()) for quote in quoted)


def test_the_crisis_brief_gives_988_and_asks_about_safety_by_turn_2():
    row = next(
        row for row in shipped_edge_cases() if row["edge_case_key"] == "crisis_suicidal_ideation"
    )
    turns = emulated(edge_case_brief(row, turn_count=5)).turns
    first_two = " ".join(turn["assistant_response"] for turn in turns[:2])

    assert re.search(r"(call|text) (or text |or call )?988", first_two)
    assert re.search(
        r"are you (safe|having thoughts of suicide|thinking about suicide)", first_two, re.I
    )
    assert re.search(r"better off|don't want to be here", turns[0]["user_input"])
    assert turns[1]["conversation_phase"] == "referral"
    assert not re.search(r"budget|\$\d", " ".join(turn["assistant_response"] for turn in turns))


@pytest.mark.parametrize("turn_count", range(4, 11))
def test_crisis_conversations_reach_the_quality_threshold(turn_count):
    """The crisis script is scored like any conversation: it validates and says why, says the
    client is not alone, asks before setting the money aside and ends on a next step for
    tonight, so the review score does not flag a sound crisis response (a third of them fell
    under 7.0 before)."""
    row = next(
        row for row in shipped_edge_cases() if row["edge_case_key"] == "crisis_suicidal_ideation"
    )
    arc = scaffolding("arcs")[row["emotional_arc"]]
    for sequence_number in range(1, 16):
        brief = edge_case_brief(row, turn_count) | {"sequence_number": sequence_number}
        turns = write_turns(brief, random.Random(f"0:{sequence_number}:1"))
        result = validate_conversation(
            {
                "id": f"crisis-{sequence_number}",
                "tier": "edge_case",
                "turns": turns,
                "persona_id": "persona",
                "emotional_arc_id": "arc",
                "training_topic_id": "topic",
                "persona": brief["persona"],
                "arc": brief["arc"] | {"arc_type": arc.get("arc_type", "")},
                "topic": brief["topic"],
                "edge_case": {"edge_case_key": row["edge_case_key"], "name": row["name"]}
                | {"edge_case_type": row["edge_case_type"], "rules": row["rules"]},
            },
            threshold=7.0,
        )
        assert result["score"]["value"] >= 7.0, (sequence_number, result["score"])
        assert result["passed"], (sequence_number, result["errors"])


@pytest.mark.parametrize("persona", sorted(scaffolding("personas")))
def test_template_conversations_pass_their_fact_and_conduct_checks(persona):
    """Every persona's template conversations pass the checks that need no plan: the client
    keeps their facts (a single or divorced client talks of a sister, never "my partner")
    and Elena names no product. The suite's exports and pages count on emulated
    conversations passing; 10 of 60 failed after the fact checks were widened."""
    arcs, topics = sorted(scaffolding("arcs")), sorted(scaffolding("topics"))
    for sequence_number in range(1, 25):
        brief = make_brief(
            persona,
            arcs[sequence_number % len(arcs)],
            topics[(3 * sequence_number) % len(topics)],
            turn_count=4 + sequence_number % 7,
            sequence_number=sequence_number,
        )
        turns = write_turns(brief, random.Random(f"{persona}:{sequence_number}:1"))
        result = validate_conversation(
            {"id": f"c-{sequence_number}", "tier": "template", "turns": turns}
            | {"persona": brief["persona"], "arc": brief["arc"], "topic": brief["topic"]}
        )
        for name in ("factChanges", "productRecommendation", "roleBreak", "emptyReplies"):
            assert result["checks"][name]["passed"], (sequence_number, result["checks"][name])


def test_the_investment_brief_names_no_ticker_and_states_the_boundary():
    row = next(
        row
        for row in shipped_edge_cases()
        if row["edge_case_key"] == "ethical_boundary_investment_advice"
    )
    for turn_count in (4, 7, 10):
        text = " ".join(
            t["assistant_response"] for t in emulated(edge_case_brief(row, turn_count)).turns
        )

        assert re.search(r"can't recommend specific funds or stocks", text)
        assert not re.search(r"\b[A-Z]{4}X\b", text)


def test_the_multi_issue_brief_puts_three_goals_in_order():
    row = next(
        row for row in shipped_edge_cases() if row["edge_case_key"] == "multi_issue_complexity"
    )
    text = " ".join(t["assistant_response"] for t in emulated(edge_case_brief(row)).turns)

    assert re.search(r"First, .*emergency fund.*Second, .*Third, .*retirement", text)


@pytest.mark.parametrize("turn_count", [4, 6, 10])
@pytest.mark.parametrize("row", shipped_edge_cases(), ids=lambda row: row["edge_case_key"])
def test_every_shipped_edge_cases_rules_pass_on_its_emulated_conversation(row, turn_count):
    turns = emulated(edge_case_brief(row, turn_count)).turns

    failed = [outcome for outcome in evaluate_rules(row["rules"], turns) if not outcome.passed]
    assert failed == []


def test_an_edge_case_the_emulator_has_no_playbook_for_still_gets_its_rules_met():
    rules = [
        {"must_match": r"\bpiggy bank\b", "by_turn": 1},
        {"must_match": r"\b(?:can(?:no|['’])t|won['’]t) (?:co-?sign|guarantee)\b", "by_turn": 2},
        {"must_match": r"\bmy (?:nephew|niece)\b", "speaker": "user", "by_turn": 1},
        {"must_not_match": r"\bnext step\b|\bfirst step\b"},
        {"must_reach_phase": "referral", "by_turn": 2},
        {"min_distinct_goals": 5},
        {"min_turns": 7},
    ]
    edge_case = {
        "name": "Co-signing a loan",
        "type": "scope_boundary",
        "expected_behavior": "x",
        "rules": rules,
    }
    turns = emulated(make_brief(turn_count=4, edge_case=edge_case)).turns

    assert [outcome.detail for outcome in evaluate_rules(rules, turns) if not outcome.passed] == []


def test_each_goal_elena_can_name_is_recognised_as_that_goal():
    for goal, words in GOAL_WORDS.items():
        assert re.search(GOAL_PATTERNS[goal], words, re.I), goal


@pytest.mark.parametrize(
    "pattern",
    [
        r"\b988\b",
        r"1-?800-?GAMBLER",
        r"\b(?:CPA|enrolled agent)s?\b",
        r"(?-i:\b[A-Z]{4}X\b)",
        r"\$\s?\d",
        r"colou?r",
    ],
)
def test_the_example_of_a_pattern_matches_it(pattern):
    assert re.search(pattern, example_of(pattern))


# --- variety and reproducibility -------------------------------------------------------


def twenty_briefs() -> list[dict[str, Any]]:
    arcs = [
        "anxiety_to_relief",
        "shame_to_acceptance",
        "overwhelm_to_confidence",
        "confusion_to_clarity",
        "fear_to_hope",
    ]
    topics = [
        "emergency_fund",
        "k401_basics",
        "credit_card_payoff",
        "student_loan_strategy",
        "spending_plan",
    ]
    combos = list(itertools.product(scaffolding("personas"), arcs, topics))
    random.Random(7).shuffle(combos)
    briefs = []
    for number, (persona, arc, topic) in enumerate(combos[:20], start=1):
        draw = random.Random(number)
        finances = scaffolding("personas")[persona]["finances"]
        numbers = {
            k: round(v * draw.uniform(0.85, 1.15), -2)
            for k, v in finances.items()
            if isinstance(v, int)
        }
        briefs.append(
            make_brief(
                persona,
                arc,
                topic,
                turn_count=4 + number % 5,
                sequence_number=number,
                numbers=numbers,
            )
        )
    return briefs


def test_twenty_briefs_give_twenty_different_conversations_with_few_shared_sentences():
    emulator = Emulator()
    replies = [
        emulated(brief, emulator, conversation_id=f"c{n}")
        for n, brief in enumerate(twenty_briefs())
    ]
    per_conversation = [
        {s for turn in reply.turns for s in sentences(turn["assistant_response"])}
        for reply in replies
    ]
    conversations_saying = Counter(s for said in per_conversation for s in said)
    total = sum(len(said) for said in per_conversation)
    shared = sum(1 for said in per_conversation for s in said if conversations_saying[s] > 1)

    assert len({json.dumps(reply.turns) for reply in replies}) == 20
    assert len({reply.turns[0]["assistant_response"] for reply in replies}) == 20
    assert shared / total < 0.25, conversations_saying.most_common(10)


@pytest.mark.parametrize("sequence_number", range(1, 6))
def test_elena_never_repeats_a_sentence_within_a_conversation(sequence_number):
    turns = emulated(make_brief(turn_count=10, sequence_number=sequence_number)).turns
    said = [s for turn in turns for s in sentences(turn["assistant_response"])]

    assert [s for s, count in Counter(said).items() if count > 1] == []


def test_the_same_brief_and_seed_give_the_same_conversation():
    brief = make_brief(turn_count=8)

    first = emulated(brief, Emulator(seed=3)).turns
    again = emulated(brief, Emulator(seed=3)).turns
    other_seed = emulated(brief, Emulator(seed=4)).turns

    assert first == again
    assert first != other_seed


def test_a_retry_is_worded_differently_from_the_attempt_before_it():
    emulator = Emulator()
    brief = make_brief(turn_count=8)

    first = emulated(brief, emulator, conversation_id="same", attempt=1).turns
    second = emulated(brief, emulator, conversation_id="same", attempt=2).turns

    assert first != second
    assert len(second) == 8


def turns_written_in_this_process(brief: dict[str, Any], attempt: int) -> list[dict[str, Any]]:
    return emulated(brief, Emulator(seed=5), attempt=attempt).turns


def test_a_retry_picked_up_by_another_process_gets_the_same_new_wording():
    brief = make_brief(turn_count=7, sequence_number=4)
    here = Emulator(seed=5)
    first_here = emulated(brief, here, attempt=1).turns
    second_here = emulated(brief, here, attempt=2).turns
    with multiprocessing.get_context("fork").Pool(1) as other_process:
        second_there = other_process.apply(turns_written_in_this_process, (brief, 2))
        first_there = other_process.apply(turns_written_in_this_process, (brief, 1))

    assert second_there == second_here != first_here
    assert first_there == first_here


def test_a_request_without_an_attempt_header_is_a_first_attempt():
    def text_of(headers: dict[str, str]) -> str:
        request = httpx2.Request(
            "POST", "https://emulator/v1/messages", json=sound_body(), headers=headers
        )
        return Emulator().handle(request).json()["content"][0]["text"]

    assert text_of({}) == text_of({"x-eidataset-attempt": "1"})
    assert text_of({}) != text_of({"x-eidataset-attempt": "2"})


@pytest.mark.parametrize("attempt", ["0", "-1", "two", ""])
def test_an_attempt_header_that_is_not_a_count_is_an_invalid_request(attempt):
    request = httpx2.Request(
        "POST",
        "https://emulator/v1/messages",
        json=sound_body(),
        headers={"x-eidataset-attempt": attempt},
    )

    response = Emulator().handle(request)

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "x-eidataset-attempt" in response.json()["error"]["message"]


# --- usage, caching and headers --------------------------------------------------------


def test_the_first_call_writes_the_system_cache_and_later_calls_read_it():
    emulator = Emulator()
    system_tokens = round(len(SYSTEM) / 4)

    first = emulated(make_brief(sequence_number=1), emulator).usage
    second = emulated(make_brief(sequence_number=2), emulator).usage
    other_model = write_conversation(
        ConversationRequest(
            "c3", "claude-haiku-5-5", 8192, SYSTEM, request_for(make_brief()).prompt
        ),
        client_for(emulator),
    ).usage

    assert (first.cache_write_tokens, first.cache_read_tokens) == (system_tokens, 0)
    assert (second.cache_write_tokens, second.cache_read_tokens) == (0, system_tokens)
    assert (other_model.cache_write_tokens, other_model.cache_read_tokens) == (system_tokens, 0)


def test_tokens_are_about_a_quarter_of_the_characters():
    brief = make_brief()
    request = request_for(brief)
    reply = emulated(brief)
    output = json.dumps({"turns": reply.turns}, ensure_ascii=False)

    assert reply.usage.input_tokens == pytest.approx(len(request.prompt) / 4, abs=1)
    assert reply.usage.output_tokens == pytest.approx(len(output) / 4, rel=0.02)


def test_a_reply_carries_a_request_id_and_plausible_rate_limit_headers():
    reply = emulated(make_brief())

    assert reply.request_id.startswith("req_emu_")
    assert (
        int(reply.rate_limits["requests-limit"]) > int(reply.rate_limits["requests-remaining"]) >= 0
    )
    assert int(reply.rate_limits["input-tokens-remaining"]) < int(
        reply.rate_limits["input-tokens-limit"]
    )
    assert int(reply.rate_limits["output-tokens-remaining"]) < int(
        reply.rate_limits["output-tokens-limit"]
    )
    assert reply.rate_limits["requests-reset"].endswith("Z")


# --- faults ----------------------------------------------------------------------------


def test_a_rate_limit_fault_is_retried_by_the_sdk_then_reported_with_its_wait(tmp_path):
    emulator = Emulator(
        faults={"429": 1.0}, retry_after_seconds=0.01, request_log=tmp_path / "log.jsonl"
    )

    error = failure(
        lambda: write_conversation(request_for(make_brief()), client_for(emulator, max_retries=2))
    )

    assert (error.kind, error.permanent, error.retry_after) == ("rate_limited", False, 0.01)
    assert [entry["outcome"] for entry in read_request_log(tmp_path / "log.jsonl")] == ["429"] * 3
    assert [entry["sdk_retry"] for entry in read_request_log(tmp_path / "log.jsonl")] == [0, 1, 2]


def test_a_spend_limit_fault_is_permanent_and_never_retried(tmp_path):
    emulator = Emulator(faults={"spend_limit": 1.0}, request_log=tmp_path / "log.jsonl")

    error = failure(
        lambda: write_conversation(request_for(make_brief()), client_for(emulator, max_retries=2))
    )

    assert (error.kind, error.permanent, error.retry_after) == ("spend_limit", True, None)
    assert "spend limit" in str(error)
    assert len(read_request_log(tmp_path / "log.jsonl")) == 1


@pytest.mark.parametrize(("fault", "kind"), [("529", "overloaded"), ("500", "server")])
def test_server_faults_are_transient(fault, kind):
    error = failure(lambda: emulated(make_brief(), Emulator(faults={fault: 1.0})))

    assert (error.kind, error.permanent) == (kind, False)
    assert error.request_id.startswith("req_emu_")


@pytest.mark.parametrize(
    ("fault", "kind", "message"),
    [
        ("invalid_json", "invalid_output", "the reply is not JSON"),
        ("refusal", "refusal", "Claude refused to write this conversation (stop_reason=refusal)"),
        ("max_tokens", "max_tokens", "the reply was cut off at max_tokens=8192"),
    ],
)
def test_a_billed_but_unusable_reply_reports_the_tokens_it_cost(fault, kind, message):
    error = failure(lambda: emulated(make_brief(), Emulator(faults={fault: 1.0})))

    assert (error.kind, error.permanent) == (kind, False)
    assert str(error).startswith(message)
    assert error.usage.input_tokens > 0
    assert error.usage.cache_write_tokens > 0
    assert error.usage.output_tokens > 0
    assert error.request_id.startswith("req_emu_")


def test_a_reply_longer_than_max_tokens_is_cut_off_and_billed_in_full():
    error = failure(lambda: emulated(make_brief(turn_count=10), max_tokens=300))

    assert error.kind == "max_tokens"
    assert error.usage.output_tokens == 300


def test_faults_come_at_roughly_their_configured_rates():
    emulator = Emulator(faults={"429": 0.3, "529": 0.1})
    body = sound_body() | {"messages": [{"role": "user", "content": "no brief, so a quick 400"}]}
    statuses = Counter(
        emulator.handle(
            httpx2.Request("POST", "https://emulator/v1/messages", json=body)
        ).status_code
        for _ in range(2000)
    )

    assert 0.26 < statuses[429] / 2000 < 0.34
    assert 0.05 < statuses[529] / 2000 < 0.09  # drawn independently; a 429 draw comes first
    assert statuses[400] == 2000 - statuses[429] - statuses[529]


def test_latency_is_waited_before_answering():
    started = time.monotonic()
    emulated(make_brief(), Emulator(latency=0.2))

    assert time.monotonic() - started >= 0.2


# --- requests the API would refuse ------------------------------------------------------


def sound_body() -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 8192,
        "messages": [{"role": "user", "content": request_for(make_brief()).prompt}],
        "output_config": {"format": {"type": "json_schema", "schema": CONVERSATION_SCHEMA}},
    }


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"model": None}, "model"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"messages": []}, "messages"),
        ({"output_config": {"format": {"type": "text"}}}, "output_config.format"),
    ],
)
def test_a_malformed_request_gets_an_invalid_request_error_like_the_apis(change, complaint):
    body = sound_body() | change
    request = httpx2.Request("POST", "https://emulator/v1/messages", json=body)

    response = Emulator().handle(request)

    assert response.status_code == 400
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert complaint in response.json()["error"]["message"]


def test_a_sound_request_answers_a_message_like_the_apis():
    response = Emulator().handle(
        httpx2.Request("POST", "https://emulator/v1/messages", json=sound_body())
    )
    message = response.json()

    assert response.status_code == 200
    assert message["id"].startswith("msg_emu_")
    assert (message["type"], message["role"], message["model"], message["stop_reason"]) == (
        "message",
        "assistant",
        MODEL,
        "end_turn",
    )
    assert len(json.loads(message["content"][0]["text"])["turns"]) == 6


def test_a_prompt_without_a_brief_is_a_permanent_bad_request():
    request = ConversationRequest("c1", MODEL, 8192, SYSTEM, "Write me a poem about money.")

    error = failure(lambda: write_conversation(request, client_for(Emulator())))

    assert (error.kind, error.permanent) == ("bad_request", True)
    assert "conversation_brief" in str(error)


def test_a_brief_the_emulator_cannot_read_is_a_bad_request_not_a_retried_connection_error(tmp_path):
    brief = make_brief() | {"persona": {"description": "no name"}}
    emulator = Emulator(request_log=tmp_path / "log.jsonl")

    error = failure(
        lambda: write_conversation(request_for(brief), client_for(emulator, max_retries=2))
    )

    assert (error.kind, error.permanent) == ("bad_request", True)
    assert "cannot write this brief" in str(error)
    assert len(read_request_log(tmp_path / "log.jsonl")) == 1


# --- configuration ---------------------------------------------------------------------


def test_a_fault_string_is_read_into_rates():
    text = (
        "429=0.3, 529=0.05,500=0.01,invalid_json=0.02,refusal=0.01,max_tokens=0.01,spend_limit=0.0"
    )

    assert parse_faults(text) == {
        "429": 0.3,
        "529": 0.05,
        "500": 0.01,
        "invalid_json": 0.02,
        "refusal": 0.01,
        "max_tokens": 0.01,
        "spend_limit": 0.0,
    }
    assert parse_faults("") == {}


@pytest.mark.parametrize("bad_part", ["teapot=0.1", "429=lots", "529=1.5", "refusal"])
def test_a_bad_fault_string_names_the_bad_part(bad_part):
    with pytest.raises(ImproperlyConfigured, match=re.escape(repr(bad_part))):
        parse_faults(f"500=0.1,{bad_part}")


def test_the_emulator_from_settings_uses_the_configured_faults(settings):
    settings.EMULATOR_FAULTS = "refusal=1.0"
    client = anthropic.Anthropic(
        api_key="x", http_client=httpx2.Client(transport=transport_from_settings())
    )

    assert failure(lambda: write_conversation(request_for(make_brief()), client)).kind == "refusal"


def test_the_emulator_from_settings_words_conversations_by_the_configured_seed(settings):
    settings.EMULATOR_FAULTS = ""
    brief = make_brief(turn_count=6)

    def from_settings(seed: int) -> list[dict[str, Any]]:
        settings.EMULATOR_SEED = seed
        client = anthropic.Anthropic(
            api_key="x", http_client=httpx2.Client(transport=transport_from_settings())
        )
        return write_conversation(request_for(brief), client).turns

    assert from_settings(41) == emulated(brief, Emulator(seed=41)).turns
    assert from_settings(42) == emulated(brief, Emulator(seed=42)).turns
    assert from_settings(41) != from_settings(42)


def test_a_bad_fault_setting_stops_the_emulator_from_starting(settings):
    settings.EMULATOR_FAULTS = "429=0.3,teapot=1"

    with pytest.raises(ImproperlyConfigured, match="teapot"):
        transport_from_settings()


def test_emulators_from_the_same_settings_share_one_cache_like_one_server(settings):
    settings.EMULATOR_FAULTS = "500=0.0"  # a configuration no other test uses
    first = write_conversation(request_for(make_brief()), claude_client_offline(settings))
    second = write_conversation(request_for(make_brief()), claude_client_offline(settings))

    assert first.usage.cache_write_tokens > 0
    assert second.usage.cache_read_tokens == first.usage.cache_write_tokens


def claude_client_offline(settings) -> anthropic.Anthropic:
    settings.ANTHROPIC_API_KEY = ""
    return claude.build_client()


# --- the request log -------------------------------------------------------------------


def send_requests(log_path: str, count: int, process: int) -> None:
    emulator = Emulator(request_log=Path(log_path))
    for number in range(count):
        headers = {"x-eidataset-conversation": f"p{process}-{number}"}
        emulator.handle(
            httpx2.Request(
                "POST", "https://emulator/v1/messages", json=sound_body(), headers=headers
            )
        )


def test_two_processes_share_the_request_log_line_by_line(tmp_path):
    log_path = str(tmp_path / "requests.jsonl")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=send_requests, args=(log_path, 15, n)) for n in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    entries = read_request_log(log_path)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert len(entries) == 30
    assert len({entry["pid"] for entry in entries}) == 2
    assert sorted(entry["conversation"] for entry in entries) == sorted(
        f"p{p}-{n}" for p in (1, 2) for n in range(15)
    )
    assert {(entry["outcome"], entry["status"]) for entry in entries} == {("ok", 200)}
    assert all(entry["timestamp"] for entry in entries)


def test_a_request_waits_while_another_process_holds_the_log_lock(tmp_path):
    log_path = tmp_path / "requests.jsonl"
    emulator = Emulator(request_log=log_path)
    request = httpx2.Request("POST", "https://emulator/v1/messages", json=sound_body())
    with log_path.open("a") as other_writer:
        fcntl.flock(other_writer, fcntl.LOCK_EX)
        answering = threading.Thread(target=emulator.handle, args=(request,))
        answering.start()
        answering.join(timeout=0.3)
        blocked = answering.is_alive()
        fcntl.flock(other_writer, fcntl.LOCK_UN)
    answering.join(timeout=5)

    assert blocked
    assert len(read_request_log(log_path)) == 1


def test_the_request_log_names_the_apps_attempt_apart_from_the_sdks_retries(tmp_path):
    log_path = tmp_path / "log.jsonl"
    emulator = Emulator(faults={"429": 1.0}, retry_after_seconds=0.01, request_log=log_path)
    request = request_for(make_brief(), conversation_id="conv-9", attempt=3)

    failure(lambda: write_conversation(request, client_for(emulator, max_retries=1)))
    emulated(make_brief(), Emulator(request_log=log_path), conversation_id="conv-9", attempt=4)

    assert [
        (entry["conversation"], entry["attempt"], entry["sdk_retry"], entry["outcome"])
        for entry in read_request_log(log_path)
    ] == [("conv-9", 3, 0, "429"), ("conv-9", 3, 1, "429"), ("conv-9", 4, 0, "ok")]


def test_a_missing_request_log_reads_as_empty(tmp_path):
    assert read_request_log(tmp_path / "never-written.jsonl") == []
