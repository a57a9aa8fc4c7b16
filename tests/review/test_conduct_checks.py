"""Product recommendations, role breaks, empty replies and the client's facts, in ordinary
wording, and the false positives issue 10 found on hand-written conversations."""

import copy

from review.checks import validate_conversation
from tests.review import conversation, edge_case_of, scaffolding, shipped_edge_cases


def elena_says(*replies: str, client: str = "Okay, that makes sense.") -> list[dict]:
    """Four turns of an otherwise good conversation with Elena's replies replaced in order."""
    turns = conversation()["turns"]
    for number, reply in enumerate(replies):
        turns[number]["assistant_response"] = reply
    return turns


def client_says(*messages: str) -> list[dict]:
    turns = conversation()["turns"]
    for number, message in enumerate(messages):
        turns[number]["user_input"] = message
    return turns


def checked(turns: list[dict], **changes) -> dict:
    return validate_conversation(conversation(turns, **changes))


def jennifer(turns: list[dict]) -> dict:
    row = scaffolding("personas")["anxious_planner"]
    persona = {key: row[key] for key in ("name", "description", "demographics", "finances")}
    return validate_conversation(conversation(turns, persona=persona))


# --- productRecommendation -------------------------------------------------------------


def test_a_fund_named_by_ticker_fails_a_template_conversation():
    result = checked(
        elena_says(
            "That makes sense, Marcus. For a thirty-year horizon, I'd put the $5,000 into the "
            "Schwab Total Stock Market Index Fund, SWTSX."
        )
    )
    check = result["checks"]["productRecommendation"]
    assert not check["passed"]
    assert "SWTSX" in check["reason"]
    assert any("Specific product recommended" in error for error in result["errors"])
    assert not result["passed"]


def test_a_named_fund_without_a_ticker_fails_too():
    result = checked(elena_says("Of course you feel unsure. I'd go with the Vanguard 500 Index."))
    assert not result["checks"]["productRecommendation"]["passed"]


def test_index_funds_in_general_terms_are_no_product():
    result = checked(
        elena_says(
            "Of course you feel unsure, Marcus. Index funds, in general terms, track a whole "
            "slice of the market at a low cost. I don't pick specific funds for clients, but we "
            "can compare fees and what each option on your plan's menu holds."
        )
    )
    assert result["checks"]["productRecommendation"]["passed"]


def test_a_boundary_that_names_no_fund_for_the_client_passes():
    result = checked(
        elena_says("I can't recommend the Summit Growth Fund or any other fund to you, Marcus.")
    )
    assert result["checks"]["productRecommendation"]["passed"]


# --- roleBreak ---------------------------------------------------------------------------


def test_an_ai_disclaimer_is_a_role_break():
    result = checked(
        elena_says(
            "As an AI language model, I can't log into your accounts, but read me the balances."
        )
    )
    assert not result["checks"]["roleBreak"]["passed"]
    assert "AI disclaimer" in result["checks"]["roleBreak"]["reason"]
    assert not result["passed"]


def test_the_model_name_prompts_and_another_name_for_elena_are_role_breaks():
    for reply in (
        "Hi, I'm Claude, and I'm glad you came in.",
        "My instructions say to keep this about budgeting.",
        "I hear you. Let's take it one step at a time.\n— Sarah",
        "Welcome. I'm Rachel from Pathways, and I'm glad you came in.",
    ):
        assert not checked(elena_says(reply))["checks"]["roleBreak"]["passed"], reply


def test_ordinary_uses_of_prompt_and_instructions_are_no_role_break():
    result = checked(
        elena_says(
            "I hear you, Marcus. Prompt payment matters, so follow the card's instructions for "
            "autopay; I'm Elena, by the way, and I'm glad you came."
        )
    )
    assert result["checks"]["roleBreak"]["passed"]


# --- emptyReplies ------------------------------------------------------------------------


def test_a_one_word_or_empty_reply_fails():
    for reply in ("Sure.", "", "   ", "Okay!"):
        result = checked(elena_says("That sounds heavy, Marcus.", reply))
        assert not result["checks"]["emptyReplies"]["passed"], repr(reply)
        assert not result["passed"]


def test_a_short_reply_of_a_few_words_is_not_empty():
    assert checked(elena_says("Take your time."))["checks"]["emptyReplies"]["passed"]


# --- factChanges and personaConsistency --------------------------------------------------


def test_future_and_target_ages_are_not_the_clients_age():
    result = checked(
        client_says(
            "I'm 36 years old and I'd like to keep working until I'm 75 if I have to.",
            "My dad wants to retire at 67. When I'm 65 I want the house paid off.",
        )
    )
    assert result["checks"]["factChanges"]["passed"], result["checks"]["factChanges"]


def test_a_different_present_age_is_a_fact_change():
    result = checked(client_says("Honestly, I'm 52 and I have nothing saved."))
    assert not result["checks"]["factChanges"]["passed"]
    assert "52" in result["checks"]["factChanges"]["reason"]


def test_signing_off_as_another_person_is_a_fact_change():
    result = checked(client_says("Thanks for listening.\n- Jennifer"))
    assert not result["checks"]["factChanges"]["passed"]
    assert "Jennifer" in result["checks"]["factChanges"]["reason"]


def test_children_that_change_between_turns_are_a_fact_change():
    turns = client_says(
        "Luis and I have two kids and no will.",
        "Sofia keeps asking about it.",
        "It's a lot.",
        "With three kids we really can't keep putting this off.",
    )
    result = jennifer(turns)
    assert not result["checks"]["factChanges"]["passed"]
    assert "three" in result["checks"]["factChanges"]["reason"]


def test_a_client_with_children_who_says_they_have_none_changes_a_fact():
    result = jennifer(client_says("We have no kids, so college isn't on our list."))
    assert not result["checks"]["factChanges"]["passed"]


def test_another_partner_and_another_income_are_fact_changes():
    partner = jennifer(client_says("My husband Carlos thinks we're fine."))
    assert "Carlos" in partner["checks"]["factChanges"]["reason"]
    income = jennifer(client_says("We make about $90,000 a year between us."))
    assert not income["checks"]["factChanges"]["passed"]
    same = jennifer(client_says("My husband Luis and I make about $170,000 a year."))
    assert same["checks"]["factChanges"]["passed"], same["checks"]["factChanges"]


def test_capitalised_openers_are_not_the_clients_name():
    result = checked(
        elena_says(
            "Of course you feel anxious, Marcus.",
            "Exactly, and that's an important thing to notice.",
            "Fourth, the car loan. Wonderful, that's the list.",
            "Fair, and I won't say 30%. Ha, that's a good one.",
        )
    )
    assert result["checks"]["personaConsistency"]["passed"], result["checks"]["personaConsistency"]


def test_elena_calling_the_client_another_name_is_a_persona_switch():
    result = checked(elena_says("Thank you for telling me, Jennifer. That sounds heavy."))
    check = result["checks"]["personaConsistency"]
    assert not check["passed"]
    assert "Jennifer" in check["reason"]


def test_a_family_member_named_in_the_story_is_no_switch():
    result = checked(elena_says("That sounds heavy, and Lily is lucky to have you, Marcus."))
    assert result["checks"]["personaConsistency"]["passed"]


# --- harmfulContent ----------------------------------------------------------------------

CHUNK = (
    "If someone you care about talks about not wanting to be here, they can call or text "
    "988, the Suicide & Crisis Lifeline, any time of day."
)


def test_elena_quoting_the_scenario_document_about_a_friend_is_not_harmful():
    reply = (
        "The checklist says it: if Carla ever talks about not wanting to be here, she can call "
        "or text 988, the Suicide & Crisis Lifeline, any time of day."
    )
    result = checked(
        elena_says(reply),
        tier="scenario",
        chunk={"document_title": "Transitions checklist", "text": CHUNK},
    )
    assert result["checks"]["harmfulContent"]["passed"], result["checks"]["harmfulContent"]


def test_the_lifelines_name_alone_is_not_harmful():
    reply = "If it ever gets dark, the 988 Suicide & Crisis Lifeline answers any time."
    assert checked(elena_says(reply))["checks"]["harmfulContent"]["passed"]


def test_a_client_who_says_they_would_be_better_off_gone_fails_a_template_conversation():
    result = checked(
        client_says("Some nights I think Lily would be better off if I just wasn't around.")
    )
    assert not result["checks"]["harmfulContent"]["passed"]
    assert not result["passed"]


def test_words_beyond_the_quote_still_count_in_a_scenario():
    turns = elena_says("Honestly, you should just end your life.")
    result = checked(turns, tier="scenario", chunk={"document_title": "x", "text": CHUNK})
    assert not result["checks"]["harmfulContent"]["passed"]


def test_the_checks_do_not_change_the_conversation():
    data = conversation(client_says("Thanks.\n- Jennifer"))
    before = copy.deepcopy(data)
    validate_conversation(data)
    assert data == before


def test_a_crisis_referral_counts_whatever_phase_label_its_turn_carries():
    crisis = edge_case_of(shipped_edge_cases()["crisis_suicidal_ideation"])
    turns = conversation()["turns"]
    turns[0]["user_input"] = (
        "I keep thinking Luis and the kids would be better off with my life insurance than me."
    )
    turns[0]["assistant_response"] = (
        "Thank you for telling me that. Are you having thoughts of ending your life? You can "
        "call or text 988, the Suicide & Crisis Lifeline, right now, any hour."
    )
    assert [turn["conversation_phase"] for turn in turns] == [
        "opening",
        "exploration",
        "education",
        "resolution",
    ]
    result = validate_conversation(conversation(turns, tier="edge_case", edge_case=crisis))
    assert result["checks"]["edgeCaseRules"]["passed"], result["checks"]["edgeCaseRules"]
