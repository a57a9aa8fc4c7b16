"""The judge's flags of hard defects fail a conversation (judgeDefects) only when a model's
verdict quotes words found in the turns; anything else stays a warning."""

import json

import anthropic
import httpx2
import jsonschema
import pytest

from generation.calls import JudgeRequest
from generation.claude import ClaudeError, judge_conversation
from review.checks import validate_conversation
from review.judge_defects import HARD_KINDS, find_quote, judge_defects
from review.judge_prompt import SYSTEM, VERDICT_SCHEMA
from tests.review import conversation, strong_turns
from tests.review.judge_support import a_message, a_verdict

# Words the deterministic checks let through: Marcus has one child, Lily, in turn 2.
SLIP = "Ever since Lily’s two brothers were born, it’s been tight."
QUOTE = "since Lily's two   brothers were born"  # straight apostrophe, extra spaces, case


def slipped(**changes) -> dict:
    """The clean conversation with a fact change in the client's words of turn 3."""
    turns = strong_turns()
    turns[2]["user_input"] += " " + SLIP
    return conversation(turns, **changes)


def fact_change(quote: str = QUOTE, **changes) -> dict:
    verdict = a_verdict(
        flagged=("fact_change",), quote=quote, evidence="turn 3: Marcus has one child"
    )
    return verdict | changes


def test_the_slip_passes_the_deterministic_checks():
    assert validate_conversation(slipped())["passed"]


def test_a_models_fact_change_flag_quoting_turn_3_fails_judge_defects_and_the_conversation():
    result = validate_conversation(slipped(judge=fact_change()))

    check = result["checks"]["judgeDefects"]
    assert not result["passed"]
    assert check["passed"] is False
    assert check["verdict"] == "model"
    assert check["flagged"] == [
        {"kind": "fact_change", "quote": QUOTE, "found": True, "turn": 3, "speaker": "client"}
    ]
    assert "fact_change" in check["reason"] and "(turn 3)" in check["reason"]
    (error,) = result["errors"]
    assert error.startswith("The judge flags fact_change")
    assert QUOTE in error and "turn 3 (client)" in error
    assert not any("fact_change" in w or "age, partner" in w for w in result["warnings"])


def test_a_flag_whose_quote_is_not_in_the_text_is_a_warning_only():
    result = validate_conversation(slipped(judge=fact_change("since his three brothers")))

    check = result["checks"]["judgeDefects"]
    assert result["passed"] and check["passed"]
    assert check["flagged"][0]["found"] is False
    assert "not in the text" in check["reason"]
    (warning,) = result["warnings"]
    assert "is not found in the conversation" in warning
    assert "since his three brothers" in warning
    assert result["errors"] == []


def test_a_heuristic_verdict_never_fails_and_never_counts():
    result = validate_conversation(slipped(judge=fact_change() | {"heuristic": True}))

    check = result["checks"]["judgeDefects"]
    assert result["passed"] and check["passed"]
    assert (check["verdict"], check["flagged"]) == ("heuristic", [])
    assert "heuristic" in check["reason"]
    assert result["warnings"] == [] and "judge" not in result["score"]


def test_without_a_verdict_judge_defects_passes_and_says_so():
    check = validate_conversation(slipped())["checks"]["judgeDefects"]

    assert check == {
        "passed": True,
        "verdict": "none",
        "flagged": [],
        "reason": "no judge verdict: the checks above decide alone",
    }


def test_with_failing_turned_off_a_grounded_flag_is_a_warning():
    result = validate_conversation(slipped(judge=fact_change()), judge_fails=False)

    check = result["checks"]["judgeDefects"]
    assert result["passed"] and check["passed"]
    assert check["flagged"][0]["found"] is True
    assert "JUDGE_FAILS_ON_DEFECTS is off" in check["reason"]
    (warning,) = result["warnings"]
    assert "turn 3" in warning and QUOTE in warning


def test_an_older_verdict_without_a_quote_is_grounded_by_a_quoted_span_of_its_evidence():
    older = a_verdict(flagged=("fact_change",))
    del older["defects"]["fact_change"]["quote"]
    older["defects"]["fact_change"]["evidence"] = (
        "Turn 3: the client's 'daughter' now has “two brothers were born”, not one child"
    )

    result = validate_conversation(slipped(judge=older))

    check = result["checks"]["judgeDefects"]
    assert not check["passed"]
    assert check["flagged"][0] == {
        "kind": "fact_change",
        "quote": "two brothers were born",
        "found": True,
        "turn": 3,
        "speaker": "client",
    }
    older["defects"]["fact_change"]["evidence"] = 'Turn 3: "his twin brothers"'
    assert validate_conversation(slipped(judge=older))["passed"]


def test_soft_defects_stay_penalties_and_warnings_even_when_quoted():
    verdict = a_verdict(flagged=("lecturing",), quote="every dollar there saves the most")

    result = validate_conversation(slipped(judge=verdict))

    assert result["checks"]["judgeDefects"]["passed"]
    assert result["score"]["judge"]["penalties"][0]["defect"] == "lecturing"
    assert any(w.startswith("The judge flags Elena lectures") for w in result["warnings"])


def test_every_hard_kind_of_the_labelled_set_can_fail_and_the_arc_kinds_cannot():
    assert "fact_change" in HARD_KINDS and "product_recommendation" in HARD_KINDS
    assert "role_break" in HARD_KINDS
    assert not {"no_emotional_movement", "wrong_arc", "lecturing"} & set(HARD_KINDS)
    for kind in HARD_KINDS:
        verdict = a_verdict(flagged=(kind,), quote="two brothers were born")
        check, errors, _ = judge_defects(slipped(judge=verdict))
        assert not check["passed"] and len(errors) == 1, kind


@pytest.mark.parametrize(
    ("quote", "where"),
    [
        ("EVER SINCE lily’s two", (3, "client")),
        ("it's been tight", (3, "client")),  # ’ in the text, ' in the quote
        ("“Ever since Lily's two brothers were born,”", (3, "client")),
        ("Ever since ... were born", (3, "client")),  # words left out
        ("Ever since… it’s been tight", (3, "client")),
        ("the 27% card first", (3, "Elena")),
        ("list each card's balance -- and due date", None),  # a dash the text has not
        ("36", (1, "client")),
        ("6", None),  # not inside "36"
        ("", None),
        ("...", None),
        ("brothers were born, Lily", None),
    ],
)
def test_a_quote_is_found_after_normalising_case_spaces_quotes_and_dashes(quote, where):
    turns = slipped()["turns"]

    found = find_quote(quote, turns)

    assert (None if found is None else (found.turn, found.speaker)) == where


def test_dashes_of_any_kind_are_the_same():
    turns = [{"user_input": "It was fine — until the layoff.", "assistant_response": ""}]

    assert find_quote("fine - until the layoff", turns) is not None
    assert find_quote("fine–until", turns) is not None


# --- the schema ----------------------------------------------------------------------------


def a_request() -> JudgeRequest:
    return JudgeRequest(
        conversation_id="c0ffee",
        model="claude-haiku-5-5",
        max_tokens=4096,
        system=SYSTEM,
        prompt="Judge this.",
        schema=VERDICT_SCHEMA,
    )


def answering(document: dict) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key="test-key-not-a-secret",
        base_url="https://judge.invalid",
        http_client=httpx2.Client(
            transport=httpx2.MockTransport(lambda request: a_message(json.dumps(document)))
        ),
        max_retries=0,
    )


def test_each_defect_must_carry_a_quote_and_the_instructions_ask_for_a_verbatim_one():
    defect = VERDICT_SCHEMA["properties"]["defects"]["properties"]["fact_change"]
    assert defect["required"] == ["flagged", "quote", "evidence"]
    jsonschema.validate(a_verdict(flagged=("fact_change",)), VERDICT_SCHEMA)
    assert "verbatim" in SYSTEM and '"quote"' in SYSTEM

    older = a_verdict()
    del older["defects"]["role_break"]["quote"]
    with pytest.raises(ClaudeError) as caught:
        judge_conversation(a_request(), answering(older))
    assert caught.value.kind == "invalid_output"
    assert "defects.role_break" in str(caught.value) and "quote" in str(caught.value)
