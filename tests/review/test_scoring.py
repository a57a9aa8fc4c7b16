"""The explained quality score, on a strong and a weak hand-made conversation."""

import pytest

from review.scoring import SIGNALS, quality_score
from tests.review import conversation, strong_turns, turn, weak_turns


def signals(result: dict) -> dict[str, dict]:
    return {item["signal"]: item for item in result["breakdown"]}


def test_the_signals_maxima_sum_to_ten():
    result = quality_score(conversation())

    assert len(result["breakdown"]) == len(SIGNALS)
    assert sum(item["max"] for item in result["breakdown"]) == 10


def test_a_strong_conversation_earns_every_signal_with_its_evidence():
    result = quality_score(conversation())
    found = signals(result)

    assert result["value"] == 10.0
    assert all(item["points"] == item["max"] for item in result["breakdown"])
    assert found["validates emotions before advice"]["evidence"].startswith(
        "turn 1: “Of course you feel anxious"
    )
    assert "many people" in found["normalises the struggle"]["evidence"]
    assert found["specific numbers"]["evidence"].startswith("turn 2: ")
    assert "$14,200" in found["specific numbers"]["evidence"]
    assert found["explains why"]["evidence"].startswith("turn 3: ")
    assert found["asks permission before educating"]["evidence"].startswith("turn 1: ")
    assert found["actionable next step"]["evidence"].startswith("turn 4: “Your next step")
    assert found["clear ending"]["evidence"] == "turn 4: ends in resolution"
    assert found["arc reached"]["evidence"] == "turn 4: ends in relief"


def test_a_weak_conversation_loses_the_signals_it_misses_and_says_why():
    result = quality_score(conversation(weak_turns()))
    found = signals(result)

    assert result["value"] == 0.0
    assert found["validates emotions before advice"]["evidence"].startswith("advice first, turn 1")
    assert found["no judgement"]["evidence"] == (
        "judges: turn 1: “You should have opened your statements.”"
    )
    assert found["specific numbers"]["evidence"] == "no figures in Elena's replies"
    assert found["clear ending"]["evidence"] == "turn 4: ends in exploration, no summary"
    assert found["arc reached"]["evidence"] == "ends in anxiety, expected calm or relief"


def test_evidence_is_kept_short():
    long_reply = "Of course you feel anxious about " + "the many accounts " * 20 + "today."
    turns = strong_turns()
    turns[0]["assistant_response"] = long_reply
    evidence = signals(quality_score(conversation(turns)))["validates emotions before advice"]

    assert len(evidence["evidence"]) <= len("turn 1: ") + 82
    assert evidence["evidence"].endswith("…”")


def test_permission_asked_only_after_teaching_earns_half():
    turns = strong_turns()
    turns[0]["assistant_response"] = "Of course you feel anxious, Marcus."
    turns[3]["assistant_response"] += " Would you like a written copy?"
    found = signals(quality_score(conversation(turns)))["asks permission before educating"]

    assert found["points"] == 0.5
    assert found["evidence"].startswith("only after teaching, turn 4")


def test_a_single_figure_earns_half_the_numbers_signal():
    turns = [turn("Hi.", "I hear you. We'll look at $500 together.", "opening", "anxiety")] * 4

    assert signals(quality_score(conversation(turns)))["specific numbers"]["points"] == 0.5


def test_an_ending_neighbour_reaches_the_arc_and_a_summary_is_a_clear_ending():
    turns = strong_turns()
    turns[-1]["emotional_context"]["detected_emotions"]["primary"] = "Calm"
    turns[-1]["conversation_phase"] = "exploration"
    found = signals(quality_score(conversation(turns)))

    assert found["arc reached"]["points"] == 1.0
    assert found["clear ending"]["points"] == 1.0
    assert found["clear ending"]["evidence"].startswith("turn 4: “To sum up")


@pytest.mark.parametrize(("last", "points"), [("reassured", 1.0), ("worry", 0), ("flummoxed", 1.0)])
def test_a_free_last_word_maps_through_the_vocabulary_and_an_unknown_one_costs_nothing(
    last, points
):
    turns = strong_turns()
    turns[-1]["emotional_context"]["detected_emotions"]["primary"] = last

    assert signals(quality_score(conversation(turns)))["arc reached"]["points"] == points


def test_a_conversation_without_turns_scores_zero():
    result = quality_score(conversation([]))

    assert result["value"] == 0.0
    assert all(item["evidence"] for item in result["breakdown"])
