import pytest
from django.core.exceptions import ValidationError

from eidataset.rules import evaluate_rules, rule_errors, validate_rules


def turns(*replies: str, client: str = "I'm not sure what to do.", phases=None) -> list[dict]:
    phases = phases or ["exploration"] * len(replies)
    return [
        {"user_input": client, "assistant_response": reply, "conversation_phase": phase}
        for reply, phase in zip(replies, phases, strict=True)
    ]


def messages(rules) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        validate_rules(rules)
    return caught.value.messages


def test_sound_rules_pass_validation():
    validate_rules(
        [
            {"must_match": r"\b988\b", "by_turn": 2, "why": "crisis line early"},
            {"must_not_match": r"\bbuy\b", "speaker": "assistant", "ignore_case": False},
            {"min_distinct_goals": 3},
            {"must_reach_phase": "referral", "by_turn": 3},
            {"min_turns": 4},
            {"max_turns": 10},
        ]
    )


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([], "non-empty list"),
        ({"must_match": "x"}, "non-empty list"),
        (["must_match"], "must be a mapping"),
        ([{"must_contain": "988"}], "exactly one kind"),
        ([{"must_match": "a", "must_not_match": "b"}], "found 2 kinds"),
        ([{"must_match": "(unclosed"}], "not a valid regular expression"),
        ([{"must_match": "x*"}], "matches empty text"),
        ([{"must_match": "   "}], "non-empty regular expression"),
        ([{"must_match": "a" * 501}], "longer than 500"),
        ([{"must_not_match": "x", "by_turn": 2}], "'by_turn' is not allowed with must_not_match"),
        ([{"must_match": "x", "by_turn": 0}], "by_turn must be a whole number from 1"),
        ([{"must_match": "x", "by_turn": True}], "by_turn must be a whole number"),
        ([{"must_match": "x", "speaker": "elena"}], "speaker must be one of assistant, user, any"),
        ([{"must_match": "x", "ignore_case": "yes"}], "ignore_case must be true or false"),
        ([{"min_distinct_goals": 1}], "min_distinct_goals must be a whole number from 2"),
        ([{"min_distinct_goals": "3"}], "must be a whole number"),
        ([{"must_reach_phase": "Referral!"}], "must be a conversation phase"),
    ],
)
def test_unsound_rules_are_refused_with_a_reason(rules, expected):
    assert any(expected in message for message in messages(rules))


def test_each_error_names_the_rule_it_belongs_to():
    found = messages([{"must_match": "ok"}, {"must_match": "[bad"}])
    assert len(found) == 1
    assert found[0].startswith("Rule 2: must_match is not a valid regular expression")


def test_must_match_by_turn_two_passes_only_when_the_referral_comes_early():
    rule = [{"must_match": r"\b988\b", "by_turn": 2}]
    early = turns("I'm so sorry.", "Please call or text 988 right now.", "Let's talk later.")
    late = turns("I'm so sorry.", "That sounds hard.", "Please call 988.")
    (passed,) = evaluate_rules(rule, early)
    (failed,) = evaluate_rules(rule, late)
    assert passed.passed and "turn 2" in passed.detail
    assert not failed.passed and "by turn 2" in failed.detail


def test_must_match_looks_only_at_elenas_replies_unless_told_otherwise():
    conversation = turns("I hear you.", client="Should I call 988?")
    assert not evaluate_rules([{"must_match": "988"}], conversation)[0].passed
    assert evaluate_rules([{"must_match": "988", "speaker": "user"}], conversation)[0].passed
    assert evaluate_rules([{"must_match": "988", "speaker": "any"}], conversation)[0].passed


def test_matching_ignores_case_unless_the_rule_says_otherwise():
    conversation = turns("You could BUY that fund.")
    assert not evaluate_rules([{"must_not_match": r"\bbuy\b"}], conversation)[0].passed
    rule = [{"must_not_match": r"\bbuy\b", "ignore_case": False}]
    assert evaluate_rules(rule, conversation)[0].passed


def test_must_not_match_reports_the_forbidden_text_and_its_turn():
    (outcome,) = evaluate_rules(
        [{"must_not_match": r"\b[A-Z]{3,5}\b fund", "ignore_case": False}],
        turns("Let's look at your goals.", "Put it all in VTSAX fund."),
    )
    assert not outcome.passed
    assert outcome.detail == "forbidden 'VTSAX fund' in turn 2"


def test_min_distinct_goals_counts_different_goals_not_repetitions():
    rule = [{"min_distinct_goals": 3}]
    three = turns("First the emergency fund, then the credit card debt, then retirement.")
    one = turns("Your debt, your debt, and the loan are all debt.")
    assert evaluate_rules(rule, three)[0].passed
    outcome = evaluate_rules(rule, one)[0]
    assert not outcome.passed and outcome.detail == "1 goal(s): debt"


def test_min_distinct_goals_counts_goals_engaged_after_elenas_opening_reply():
    rule = [{"min_distinct_goals": 3}]
    echoed = turns(
        "The wedding, the house, the loans and retirement all matter; let's do the wedding.",
        "So $1,500 a month goes to the wedding account.",
        "That's the wedding handled.",
    )
    outcome = evaluate_rules(rule, echoed)[0]
    assert not outcome.passed and outcome.detail == "1 goal(s): wedding"
    engaged = turns(
        "That's a lot to juggle.",
        "First the wedding, then the house fund.",
        "The loans stay on autopay, and retirement keeps its match.",
    )
    assert evaluate_rules(rule, engaged)[0].passed


def test_must_reach_phase_and_turn_bounds():
    conversation = turns("a", "b", "c", phases=["opening", "exploration", "referral"])
    assert evaluate_rules([{"must_reach_phase": "referral"}], conversation)[0].passed
    early = [{"must_reach_phase": "referral", "by_turn": 2}]
    assert not evaluate_rules(early, conversation)[0].passed
    assert not evaluate_rules([{"min_turns": 4}], conversation)[0].passed
    assert evaluate_rules([{"max_turns": 3}], conversation)[0].passed
    assert not evaluate_rules([{"max_turns": 2}], conversation)[0].passed


def test_rule_errors_is_empty_for_a_sound_rule():
    assert rule_errors({"must_match": "988", "why": "crisis line"}) == []


def test_the_modal_will_is_no_estate_goal_but_a_will_is():
    rule = [{"min_distinct_goals": 2}]
    modal = turns("Hi.", "The wedding gets $400 a month. It will take a weight off. You will.")
    outcome = evaluate_rules(rule, modal)[0]
    assert not outcome.passed and outcome.detail == "1 goal(s): wedding"
    document = turns("Hi.", "The wedding gets $400 a month, and your will needs updating.")
    assert evaluate_rules(rule, document)[0].detail == "2 goal(s): estate, wedding"
