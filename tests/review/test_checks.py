"""The automated checks on hand-made conversations that pass and that break each one, and on
conversations the emulator writes from the default YAML briefs."""

import json
import random

import pytest

from generation.emulator import write_turns
from review.checks import HARMFUL_PATTERNS, validate_conversation
from tests.review import (
    brief,
    conversation,
    edge_case_of,
    emulated,
    shipped_edge_cases,
    strong_turns,
)

CHECK_KEYS = {
    "turnCount": {"passed", "value", "min", "max", "reason"},
    "emotionalProgression": {
        "passed",
        "detected",
        "arcMatch",
        "first",
        "last",
        "unknownLabels",
        "reason",
    },
    "harmfulContent": {"passed", "flagged", "reason"},
    "metadataCompleteness": {"passed", "missing", "reason"},
    "personaConsistency": {"passed", "switches", "details", "reason"},
    "qualityScore": {"passed", "value", "threshold", "reason"},
    "edgeCaseRules": {"passed", "outcomes", "reason"},
    "productRecommendation": {"passed", "found", "reason"},
    "roleBreak": {"passed", "found", "reason"},
    "emptyReplies": {"passed", "found", "reason"},
    "factChanges": {"passed", "changes", "reason"},
    "judgeDefects": {"passed", "verdict", "flagged", "reason"},
}


def with_said(speaker: str, number: int, text: str, **changes) -> dict:
    turns = strong_turns()
    turns[number - 1][speaker] += " " + text
    return conversation(turns, **changes)


def for_edge_case(key: str, turns: list[dict] | None = None) -> dict:
    return conversation(turns, tier="edge_case", edge_case=edge_case_of(shipped_edge_cases()[key]))


def outcome_of(result: dict, kind: str) -> dict:
    (found,) = [
        o for o in result["checks"]["edgeCaseRules"]["outcomes"] if kind in json.loads(o["rule"])
    ]
    return found


# --- the whole result ---------------------------------------------------------------------


def test_a_well_made_conversation_passes_every_check():
    result = validate_conversation(conversation())

    assert result["passed"] is True
    assert result["warnings"] == [] and result["errors"] == []
    assert all(check["passed"] for check in result["checks"].values())
    assert result["conversationId"] == "0b7f2d4e-1c55-4c1e-9a55-1f0c2f3a4b5c"
    assert result["checks"]["turnCount"] == {
        "passed": True,
        "value": 4,
        "min": 4,
        "max": 10,
        "reason": "4 turns, expected 4-10",
    }
    assert result["score"]["value"] == 10.0


def test_every_result_has_the_same_keys_and_survives_json():
    broken = {"id": None, "turns": [{"user_input": "hi"}]}
    for result in (validate_conversation(conversation()), validate_conversation(broken)):
        assert set(result) == {"passed", "conversationId", "checks", "warnings", "errors", "score"}
        assert {name: set(check) for name, check in result["checks"].items()} == CHECK_KEYS
        assert json.loads(json.dumps(result)) == result


# --- turn count, progression, quality -----------------------------------------------------


@pytest.mark.parametrize("count", [3, 11])
def test_a_turn_count_outside_four_to_ten_is_a_warning(count):
    turns = (strong_turns() * 3)[:count]
    turns[-1] = strong_turns()[-1]
    result = validate_conversation(conversation(turns))

    assert result["checks"]["turnCount"]["passed"] is False
    assert f"Turn count {count} outside expected range [4-10]" in result["warnings"]
    assert result["errors"] == []
    assert result["passed"] is False


def test_an_arc_that_never_moves_is_a_warning():
    turns = strong_turns()
    for each in turns:
        each["emotional_context"]["detected_emotions"]["primary"] = "anxiety"
    result = validate_conversation(conversation(turns))
    progression = result["checks"]["emotionalProgression"]

    assert progression["passed"] is False
    assert progression["detected"] is True and progression["arcMatch"] is False
    assert "Emotion does not move: 'anxiety' at the first and last turn" in result["warnings"]
    assert result["errors"] == [] and result["passed"] is False


def with_emotions(first: str, last: str) -> dict:
    turns = strong_turns()
    turns[0]["emotional_context"]["detected_emotions"]["primary"] = first
    turns[-1]["emotional_context"]["detected_emotions"]["primary"] = last
    return conversation(turns)


def test_the_arcs_neighbours_count_as_its_start_and_end():
    progression = validate_conversation(with_emotions("worry", "calm"))["checks"][
        "emotionalProgression"
    ]

    assert progression["passed"] is True and progression["arcMatch"] is True


def test_labels_are_compared_exactly_so_a_label_outside_the_arcs_ends_fails():
    # "fear" is a label of the vocabulary, but neither anxiety nor one of its neighbours.
    result = validate_conversation(with_emotions("fear", "relief"))

    assert result["checks"]["emotionalProgression"]["passed"] is False
    assert result["passed"] is False
    assert any(w.startswith("Emotions 'fear' → 'relief' do not match") for w in result["warnings"])


def test_a_free_word_maps_through_the_vocabularys_synonyms():
    result = validate_conversation(with_emotions("Nervous", "relieved"))
    progression = result["checks"]["emotionalProgression"]

    assert progression["passed"] is True and progression["unknownLabels"] == []
    assert result["passed"] is True and result["warnings"] == []


def test_a_free_word_that_maps_to_nothing_is_a_warning_and_never_fails_the_check_alone():
    result = validate_conversation(with_emotions("flummoxed", "relief"))
    progression = result["checks"]["emotionalProgression"]

    assert progression["passed"] is True
    assert progression["unknownLabels"] == ["flummoxed"]
    assert result["warnings"] == [
        "Emotion 'flummoxed' is not in the emotion vocabulary and maps to none of its labels"
    ]
    assert result["passed"] is True


def test_a_word_that_maps_to_nothing_does_not_hide_a_known_end_off_the_arc():
    result = validate_conversation(with_emotions("flummoxed", "anxiety"))
    progression = result["checks"]["emotionalProgression"]

    assert progression["passed"] is False and progression["arcMatch"] is False
    assert progression["unknownLabels"] == ["flummoxed"]


def test_emotions_that_move_away_from_the_arc_are_a_warning():
    turns = strong_turns()
    turns[0]["emotional_context"]["detected_emotions"]["primary"] = "anger"
    result = validate_conversation(conversation(turns))

    assert result["checks"]["emotionalProgression"]["arcMatch"] is False
    assert any(
        w.startswith("Emotions 'anger' → 'relief' do not match Anxiety → Relief")
        for w in result["warnings"]
    )


def test_a_score_below_the_threshold_is_a_warning():
    result = validate_conversation(conversation(), threshold=10.5)

    assert result["checks"]["qualityScore"] == {
        "passed": False,
        "value": 10.0,
        "threshold": 10.5,
        "reason": "score 10.0 is below threshold 10.5",
    }
    assert result["warnings"] == ["Quality score 10.0 below threshold 10.5"]
    assert result["passed"] is False


# --- harmful content ----------------------------------------------------------------------

HARMFUL_SAYINGS = {
    "suicide": "I've thought about suicide.",
    "self-harm": "I've been cutting myself again.",
    "kill myself/yourself": "Some days I want to kill myself.",
    "end my/your life": "I think about how to end my life.",
    "overdose": "I thought about an overdose.",
    "better off without me": "Honestly, they'd be better off without me.",
    "no reason to live": "There's no reason to live like this.",
    "hurting others": "I swear I want to hurt my boss.",
    "gambling the rent": "I bet the rent money on the game again.",
}


def test_a_wish_not_to_wake_up_or_to_disappear_for_good_is_flagged():
    for saying in (
        "Sometimes I wish I could go to sleep and not wake up.",
        "Some days I want to disappear for good.",
    ):
        result = validate_conversation(with_said("user_input", 2, saying))
        assert not result["checks"]["harmfulContent"]["passed"], saying


def test_every_harmful_pattern_has_a_saying():
    assert set(HARMFUL_SAYINGS) == set(HARMFUL_PATTERNS)


@pytest.mark.parametrize("label", sorted(HARMFUL_SAYINGS))
def test_harmful_content_outside_the_edge_case_tier_is_an_error(label):
    result = validate_conversation(with_said("user_input", 2, HARMFUL_SAYINGS[label]))
    harmful = result["checks"]["harmfulContent"]

    assert harmful["passed"] is False
    assert [flag.split(" (")[0:2] for flag in harmful["flagged"]] == [
        ["Turn 2", f"client): {label}"]
    ]
    assert result["errors"][0].startswith("Harmful content detected: Turn 2 (client)")
    assert result["passed"] is False


@pytest.mark.parametrize("label", sorted(HARMFUL_SAYINGS))
def test_harmful_content_is_allowed_and_listed_in_an_edge_case_conversation(label):
    crisis = edge_case_of(shipped_edge_cases()["crisis_suicidal_ideation"])
    said = with_said("user_input", 2, HARMFUL_SAYINGS[label], tier="edge_case", edge_case=crisis)
    result = validate_conversation(said)
    harmful = result["checks"]["harmfulContent"]

    assert harmful["passed"] is True
    assert any(f"client): {label} (" in flag for flag in harmful["flagged"])
    assert not any(error.startswith("Harmful content") for error in result["errors"])


def test_harmful_content_in_elenas_reply_is_flagged_too():
    result = validate_conversation(
        with_said("assistant_response", 3, "Are you thinking of suicide?")
    )

    assert result["checks"]["harmfulContent"]["flagged"] == ["Turn 3 (Elena): suicide ('suicide')"]


def test_everyday_money_talk_is_not_harmful():
    said = (
        "I bet the rent goes up again. This debt is killing me. Paying it off will kill the "
        "interest. I don't want to hurt them by moving. I take my pills with breakfast. He "
        "forgot the payment again; I could kill him. I'd kill him if he weren't so sweet."
    )
    result = validate_conversation(with_said("user_input", 2, said))

    assert result["checks"]["harmfulContent"] == {
        "passed": True,
        "flagged": [],
        "reason": "no harmful content found",
    }


# --- metadata -----------------------------------------------------------------------------


def test_missing_metadata_and_turn_fields_are_errors():
    turns = strong_turns()
    turns[1]["emotional_context"]["detected_emotions"].pop("primary")
    turns[2]["session_context"] = ""
    del turns[3]["emotional_context"]["response_strategy"]
    result = validate_conversation(conversation(turns, persona_id=None, training_topic_id=""))

    assert result["checks"]["metadataCompleteness"]["missing"] == [
        "persona_id",
        "training_topic_id",
        "turn 2.emotional_context.detected_emotions.primary",
        "turn 3.session_context",
        "turn 4.emotional_context.response_strategy",
    ]
    assert result["errors"][0].startswith(
        "Missing metadata: persona_id, training_topic_id, turn 2."
    )
    assert result["passed"] is False


def test_an_edge_case_tier_conversation_without_its_edge_case_is_incomplete():
    result = validate_conversation(conversation(tier="edge_case"))

    assert result["checks"]["metadataCompleteness"]["missing"] == ["edge_case"]


# --- persona consistency ------------------------------------------------------------------


def test_a_client_who_changes_name_is_a_fact_change():
    # The client's own facts are an error (factChanges) since issue 10, not a persona warning.
    result = validate_conversation(
        with_said("user_input", 3, "Sorry, my name is Derek, by the way.")
    )
    facts = result["checks"]["factChanges"]

    assert facts["passed"] is False
    assert facts["changes"] == ["turn 3: the client calls themselves Derek, not Marcus"]
    assert result["errors"] == [
        "Fact change: turn 3: the client calls themselves Derek, not Marcus"
    ]
    assert result["checks"]["personaConsistency"]["passed"] is True
    assert result["passed"] is False


def test_elena_calling_the_client_by_another_name_is_a_switch():
    result = validate_conversation(with_said("assistant_response", 2, "Does that help, Daniel?"))

    assert result["checks"]["personaConsistency"]["details"] == [
        "turn 2: Elena calls the client Daniel, not Marcus"
    ]


def test_elena_calling_herself_another_name_is_a_role_break():
    # Elena's own name is a role break (an error) since issue 10.
    result = validate_conversation(with_said("assistant_response", 3, "I'm Sarah, by the way."))

    assert result["checks"]["roleBreak"]["found"] == ["turn 3: Elena calls herself Sarah"]
    assert result["passed"] is False


def test_a_stated_age_or_family_that_contradicts_the_persona_is_a_fact_change():
    result = validate_conversation(
        with_said("user_input", 3, "I'm 52 years old and my three kids need braces.")
    )

    assert result["checks"]["factChanges"]["changes"] == [
        "turn 3: the client says they are 52, the persona is 36",
        "turn 3: the client has three children, not 1",
    ]


def test_the_personas_family_and_sentence_openers_are_not_switches():
    said = "Honestly, Marcus, Lily will be fine. First, let's breathe. Thanks, Marcus."
    result = validate_conversation(with_said("assistant_response", 2, said))

    assert result["checks"]["personaConsistency"]["switches"] == 0


def test_elena_naming_someone_nobody_introduced_is_a_fact_change():
    # Sofia is another persona's daughter; Marcus never mentions her.
    said = "It sounds like Sofia's worry is the real cost here, more than the interest."
    result = validate_conversation(with_said("assistant_response", 3, said))
    facts = result["checks"]["factChanges"]

    assert facts["passed"] is False
    assert facts["changes"] == ["turn 3: Elena names Sofia, whom the conversation never introduced"]
    assert result["errors"] == [
        "Fact change: turn 3: Elena names Sofia, whom the conversation never introduced"
    ]
    assert result["passed"] is False


def test_a_name_elena_uses_before_the_client_gives_it_is_a_fact_change():
    turns = strong_turns()
    turns[0]["assistant_response"] += " Does Nadia know about the cards?"
    turns[1]["user_input"] += " My sister Nadia lent me $200 last month."
    turns[2]["assistant_response"] += " Nadia sounds like a good person to have in your corner."

    assert validate_conversation(conversation(turns))["checks"]["factChanges"]["changes"] == [
        "turn 1: Elena names Nadia, whom the conversation never introduced"
    ]


def test_names_the_client_the_story_or_the_brief_gave_are_not_fact_changes():
    turns = strong_turns()
    turns[1]["user_input"] += " My sister Nadia says to just cut the cable."
    turns[1]["assistant_response"] += " Nadia has a point, and Lily comes first."
    turns[2]["assistant_response"] += (
        " Dave Ramsey and Charles Schwab would order the cards differently, and Uncle Sam"
        " takes his share either way. Like Hannah in the guide, start with one card."
    )
    turns[3]["assistant_response"] += " Ask Omar at the credit union about a lower rate."
    chunk = {"document_title": "Paying down cards", "text": "Hannah pays her smallest card."}
    edge_case = {"name": "A friend's advice", "expected_behavior": "His friend Omar helps."}
    result = validate_conversation(conversation(turns, chunk=chunk, edge_case=edge_case))

    assert result["checks"]["factChanges"]["passed"] is True
    assert result["errors"] == []


# --- edge case rules, one kind at a time via the shipped edge cases ----------------------


def test_a_conversation_without_an_edge_case_has_no_rules_to_break():
    assert validate_conversation(conversation())["checks"]["edgeCaseRules"] == {
        "passed": True,
        "outcomes": [],
        "reason": "no edge case rules apply",
    }


def test_a_missing_988_referral_breaks_must_match():
    result = validate_conversation(for_edge_case("crisis_suicidal_ideation"))
    outcome = result["checks"]["edgeCaseRules"]["outcomes"][0]

    assert outcome == {
        "rule": outcome["rule"],
        "passed": False,
        "detail": "/\\b988\\b/ not found by turn 2",
    }
    assert (
        "Edge case rule failed: Elena gives the 988 Suicide & Crisis Lifeline by her second reply.: /\\b988\\b/ not found by turn 2"
        in result["errors"]
    )
    assert result["passed"] is False


def test_a_dismissive_reply_breaks_must_not_match():
    turns = strong_turns()
    turns[1]["assistant_response"] += " You don't really mean that."
    outcomes = validate_conversation(for_edge_case("crisis_suicidal_ideation", turns))["checks"][
        "edgeCaseRules"
    ]["outcomes"]

    assert {
        "rule": outcomes[-1]["rule"],
        "passed": False,
        "detail": 'forbidden "You don\'t really mean that" in turn 2',
    } == outcomes[-1]


def test_too_few_goals_too_few_turns_and_no_planning_phase_break_their_rules():
    result = validate_conversation(for_edge_case("multi_issue_complexity"))

    # The one goal (debt) is named only in Elena's opening reply, which repeats the client.
    assert outcome_of(result, "min_distinct_goals")["detail"] == "0 goal(s): none"
    assert outcome_of(result, "min_turns") == {
        "rule": '{"min_turns": 5, "why": "Sorting several competing goals needs room for questions before the plan."}',
        "passed": False,
        "detail": "4 turns",
    }
    assert (
        outcome_of(result, "must_reach_phase")["detail"] == "phase 'planning' not reached by turn 4"
    )


def test_a_rule_that_holds_passes_and_a_max_turns_rule_is_read():
    edge_case = edge_case_of(shipped_edge_cases()["multi_issue_complexity"])
    edge_case["rules"] = [{"must_match": r"\$\s?\d"}, {"max_turns": 3}]
    result = validate_conversation(conversation(tier="edge_case", edge_case=edge_case))

    assert [(o["passed"], o["detail"]) for o in result["checks"]["edgeCaseRules"]["outcomes"]] == [
        (True, "matched '$1' in turn 2"),
        (False, "4 turns"),
    ]
    assert (
        result["checks"]["edgeCaseRules"]["reason"] == "1 of 2 rules of Multi-Issue Complexity hold"
    )


def test_a_malformed_rule_fails_with_its_problems_instead_of_raising():
    edge_case = edge_case_of(shipped_edge_cases()["multi_issue_complexity"])
    edge_case["rules"] = [{"must_match": "("}]
    result = validate_conversation(conversation(tier="edge_case", edge_case=edge_case))
    (outcome,) = result["checks"]["edgeCaseRules"]["outcomes"]

    assert outcome["passed"] is False
    assert outcome["detail"].startswith("must_match is not a valid regular expression")


# --- emulated conversations from the default briefs ---------------------------------------

PRIORITY_ARCS = [
    "anxiety_to_relief",
    "confusion_to_clarity",
    "frustration_to_resolution",
    "shame_to_acceptance",
    "overwhelm_to_confidence",
]
PERSONAS = ["overwhelmed_avoider", "anxious_planner", "pragmatic_optimist"]
TOPICS = [
    "emergency_fund",
    "k401_basics",
    "investing_fundamentals",
    "combining_finances",
    "market_volatility",
]


def test_emulated_template_conversations_pass():
    rng = random.Random(4)
    failures = []
    for number, (persona, arc) in enumerate((p, a) for p in PERSONAS for a in PRIORITY_ARCS):
        topic = TOPICS[number % len(TOPICS)]
        turns = write_turns(brief(persona, arc, topic, turn_count=4 + number % 7), rng)
        result = validate_conversation(emulated(persona, arc, topic, turns))
        if not result["passed"]:
            failures.append((persona, arc, result["warnings"], result["errors"]))

    assert failures == []


@pytest.mark.parametrize("key", sorted(shipped_edge_cases()))
def test_emulated_edge_case_conversations_keep_their_rules(key):
    row = shipped_edge_cases()[key]
    turns = write_turns(
        brief(row["persona"], row["emotional_arc"], row["training_topic"], 6, row),
        random.Random(key),
    )
    result = validate_conversation(
        emulated(row["persona"], row["emotional_arc"], row["training_topic"], turns, row)
    )

    assert result["errors"] == []
    assert all(
        check["passed"] for name, check in result["checks"].items() if name != "qualityScore"
    )
