"""Product recommendations, role breaks, empty replies and the client's facts, in ordinary
wording, and the false positives issue 10 found on hand-written conversations."""

import copy

import pytest

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


def test_a_fund_named_for_a_goal_or_a_documents_title_is_no_product():
    result = checked(
        elena_says(
            'There\'s a line in "Building Your First Emergency Fund" I like to share with clients.',
            "I like the idea of a College Fund for Lily, and a small Car Repair Fund next to it.",
        )
    )
    assert result["checks"]["productRecommendation"]["passed"], result["checks"][
        "productRecommendation"
    ]
    # A provider's named fund is still one, whatever its last words are.
    advised = checked(elena_says("I like the Fidelity Freedom Target Retirement Fund for you."))
    assert not advised["checks"]["productRecommendation"]["passed"]


def test_a_bank_elena_advises_by_name_is_a_product_recommendation():
    result = checked(
        elena_says(
            "Of course you feel uneasy. A separate savings account is a great move. Ally is an "
            "easy one to start with; their savings account pays around 4%."
        )
    )
    check = result["checks"]["productRecommendation"]
    assert not check["passed"]
    assert "Ally" in check["reason"]


def test_a_product_the_client_names_and_elena_declines_or_only_echoes_is_none():
    turns = elena_says(
        "I hear how tempting that is. I won't tell you whether to buy NVDA or VTSAX; "
        "nobody can promise what a single stock does.",
        "Your Fidelity 401(k) is a good place to start looking at fees.",
    )
    turns[0]["user_input"] = "My coworker says just buy NVDA and VTSAX and stop thinking."
    result = checked(turns)
    assert result["checks"]["productRecommendation"]["passed"], result["checks"][
        "productRecommendation"
    ]


def test_a_fund_ticker_elena_brings_up_herself_is_a_recommendation():
    result = checked(elena_says("That makes sense, Marcus. Plenty of people hold VTSAX for years."))
    assert not result["checks"]["productRecommendation"]["passed"]


def test_tickers_given_as_examples_a_companys_shares_and_a_fine_home_are_recommendations():
    for reply in (
        "That makes sense. For your Roth, an S&P 500 index fund like VOO or IVV covers the core.",
        "I hear you. You could start by buying a few shares of Microsoft each month.",
        "Good instinct. SoFi or Capital One 360 would be a fine home for the fund.",
        "Ally pays 4.25% right now, so that's where I'd park the $1,000.",
        "The Fidelity ZERO funds have no fee at all, which is hard to beat.",
        "That makes sense. Get a quote from Haven Life or Ladder online.",
    ):
        check = checked(elena_says(reply))["checks"]["productRecommendation"]
        assert not check["passed"], reply


def test_the_clients_own_provider_is_where_to_log_in_not_a_recommendation():
    turns = elena_says(
        "That makes sense, Marcus.",
        "Log in to Fidelity first and look at the fees, then open the Haven Life quote you got.",
    )
    turns[0]["user_input"] = "My old 401(k) is at Fidelity, and I got a quote from Haven Life."
    check = checked(turns)["checks"]["productRecommendation"]
    assert check["passed"], check
    turns[1]["assistant_response"] = "Fidelity is a great choice, so keep it there."
    assert not checked(turns)["checks"]["productRecommendation"]["passed"]


def test_planning_acronyms_in_a_sentence_about_investing_are_no_tickers():
    result = checked(
        elena_says(
            "That makes sense. Your HSA, your IRA and the HYSA are all places to invest or "
            "save; the S&P 500 is an index of large US companies, and an ETF or a REIT is a "
            "kind of fund, not a pick."
        )
    )
    assert result["checks"]["productRecommendation"]["passed"], result["checks"][
        "productRecommendation"
    ]


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


def test_a_program_its_training_and_another_consultant_covering_are_role_breaks():
    for reply in (
        "I'm a digital assistant, so I can't sign anything for you.",
        "I don't have access to real-time market data, and my training only goes so far.",
        "Hi Marcus, this is Sandra, covering Elena's clients this week.",
        "I should be upfront: I'm not a licensed financial advisor.",
        "I can't give you personalized financial advice, but in general it helps.",
        "As your AI financial coach, I can help you weigh it.",
        "Since this is a simulated session, I'll keep the numbers round.",
        "I was created to help with budgeting questions like this one.",
    ):
        assert not checked(elena_says(reply))["checks"]["roleBreak"]["passed"], reply


def test_a_planners_ordinary_limits_are_no_role_break():
    for reply in (
        "I can't see your accounts from here, so walk me through it.",
        "I don't have access to your plan documents, but I can explain the idea.",
        "In my training as a planner I saw this a lot.",
        "I'm not going to pick a fund for you, but I'll show you how to compare them.",
        "I can't recommend specific funds; that's your call to make.",
        "I can't give you tax advice on the return; that's for a CPA.",
        "I was trained to look at cash flow before anything else.",
        "Let's try this exercise: list every bill on one page.",
    ):
        check = checked(elena_says(reply))["checks"]["roleBreak"]
        assert check["passed"], (reply, check)


def test_a_reply_signed_by_another_consultant_is_a_role_break_and_elenas_own_is_not():
    other = checked(elena_says("Let me know when it's done.\n\nWarmly,\nDana Whitfield, CFP"))
    assert not other["checks"]["roleBreak"]["passed"]
    assert "Dana" in other["checks"]["roleBreak"]["reason"]
    for signature in ("Warmly,\nElena", "Elena Morales, CFP\nPathways Financial Planning"):
        own = checked(elena_says(f"Let me know when it's done.\n\n{signature}"))
        assert own["checks"]["roleBreak"]["passed"], signature


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


def test_an_empty_client_message_fails_and_a_one_word_one_does_not():
    empty = checked(client_says("I keep putting this off.", ""))
    assert not empty["checks"]["emptyReplies"]["passed"]
    assert "turn 2 (client)" in empty["checks"]["emptyReplies"]["reason"]
    assert checked(client_says("Yes."))["checks"]["emptyReplies"]["passed"]


def test_a_short_reply_of_a_few_words_is_not_empty():
    assert checked(elena_says("Take your time."))["checks"]["emptyReplies"]["passed"]


def test_a_bare_acknowledgement_before_the_end_is_empty_and_a_short_goodbye_is_not():
    midway = checked(elena_says("That sounds heavy, Marcus.", "Got it."))
    assert not midway["checks"]["emptyReplies"]["passed"]
    assert "turn 2: 'Got it.'" in midway["checks"]["emptyReplies"]["reason"]
    turns = conversation()["turns"]
    turns[-1]["assistant_response"] = "You're welcome."
    assert checked(turns)["checks"]["emptyReplies"]["passed"]
    assert checked(elena_says("That sounds heavy.", "Go on?"))["checks"]["emptyReplies"]["passed"]
    nodding = checked(elena_says("That sounds heavy, Marcus.", "Okay, I see."))
    assert not nodding["checks"]["emptyReplies"]["passed"]
    agreeing = checked(elena_says("That sounds heavy, Marcus.", "Right, that makes sense."))
    assert not agreeing["checks"]["emptyReplies"]["passed"]
    room = checked(elena_says("That sounds heavy, Marcus.", "Take your time."))
    assert room["checks"]["emptyReplies"]["passed"]


# --- factChanges and personaConsistency --------------------------------------------------


def test_future_and_target_ages_are_not_the_clients_age():
    result = checked(
        client_says(
            "I'm 36 years old and I'd like to keep working until I'm 75 if I have to.",
            "My dad wants to retire at 67. When I'm 65 I want the house paid off.",
        )
    )
    assert result["checks"]["factChanges"]["passed"], result["checks"]["factChanges"]


def test_an_imagined_or_future_age_is_not_the_clients_age():
    for said in (
        "Then the wedding's over, and suddenly I'm 45 and we're still renting.",
        "If I wait, by the time I'm 45 I'll have nothing.",
        "What if I'm 50 and the house is still a dream?",
    ):
        result = checked(client_says(said))
        assert result["checks"]["factChanges"]["passed"], said


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


def test_elena_restating_the_clients_income_differently_is_a_fact_change():
    turns = client_says("I make $72,000 before taxes, if that matters.")
    turns[2]["assistant_response"] = "On your $85,000 salary, 60% is about $4,250 a month."
    result = checked(turns)
    assert not result["checks"]["factChanges"]["passed"]
    assert "$85,000, not $72,000" in result["checks"]["factChanges"]["reason"]
    for same in ("On your $72,000 salary, 60% is $3,600.", "Your salary of about $70K covers it."):
        turns[2]["assistant_response"] = same
        assert checked(turns)["checks"]["factChanges"]["passed"], same


def test_elena_giving_the_client_other_children_or_partner_is_a_fact_change():
    def elena_to_jennifer(reply: str) -> dict:
        turns = client_says("Luis and I have two kids and no will.")
        turns[1]["assistant_response"] = reply
        return jennifer(turns)

    kids = elena_to_jennifer("With your three kids, that budget is tight.")
    assert "three" in kids["checks"]["factChanges"]["reason"]
    partner = elena_to_jennifer("Of course you're worried. Does your husband, Carlos, know?")
    assert "Carlos" in partner["checks"]["factChanges"]["reason"]
    same = elena_to_jennifer("Of course you're worried. Does your husband, Luis, know?")
    assert same["checks"]["factChanges"]["passed"], same["checks"]["factChanges"]


def persona_of(key: str) -> dict:
    row = scaffolding("personas")[key]
    return {field: row[field] for field in ("name", "description", "demographics", "finances")}


def test_a_fact_stated_in_other_words_is_still_a_fact_change():
    for key, message in (
        ("overwhelmed_avoider", "I'm forty-five and I have nothing saved."),
        ("overwhelmed_avoider", "I just turned 45 last month."),
        ("overwhelmed_avoider", "I'm in my fifties, it's late to start."),
        ("overwhelmed_avoider", "My wife thinks I'm overreacting."),
        ("overwhelmed_avoider", "Both my kids need braces."),
        ("overwhelmed_avoider", "My salary is $95,000."),
        ("overwhelmed_avoider", "Call me Mike, everyone does."),
        ("overwhelmed_avoider", "This is Karen, by the way."),
        ("anxious_planner", "My only child starts college next year."),
        ("anxious_planner", "I'm single, so it's all on me."),
        ("anxious_planner", "Our household income is about $120,000."),
        ("pragmatic_optimist", "My wife Priya and I argue about this."),
        ("pragmatic_optimist", "Our daughter is starting kindergarten."),
    ):
        turns = client_says("Okay.", "Okay, that helps.", message)
        result = validate_conversation(conversation(turns, persona=persona_of(key)))
        assert not result["checks"]["factChanges"]["passed"], message


def persona_checked(key: str, message: str, elena: bool = False) -> dict:
    turns = client_says("Okay.", "Okay, that helps.", "Okay, that helps.")
    if elena:
        turns[1]["assistant_response"] = message
    else:
        turns[2]["user_input"] = message
    result = validate_conversation(conversation(turns, persona=persona_of(key)))
    return result["checks"]["factChanges"]


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("overwhelmed_avoider", "I'll be 40 in March, and I've got nothing to show for it."),
        ("overwhelmed_avoider", "Being 39 with $1,800 in savings is embarrassing."),
        ("overwhelmed_avoider", "My two daughters are the reason I'm here."),
        ("overwhelmed_avoider", "My boys stay with me every other week."),
        ("overwhelmed_avoider", "I make six figures and I still can't save."),
        ("anxious_planner", "We make five figures."),
        ("anxious_planner", "Being a single mom, it's all on me."),
        ("anxious_planner", "Mark and I have been married fifteen years."),
        ("pragmatic_optimist", "I'm engaged to Sarah."),
        ("pragmatic_optimist", "I earn $150,000 at the firm."),
        ("overwhelmed_avoider", "I'm almost 50 and I have nothing saved."),
        ("overwhelmed_avoider", "Forty-four and still renting, that's me."),
        ("overwhelmed_avoider", "Oh, and it's Martin, actually, not Marcus."),
        ("anxious_planner", "The account is under my name, Teresa Martinez."),
        ("anxious_planner", "Roberto, my husband, handles the truck loan."),
        ("anxious_planner", "Marco and I have been together since college."),
        ("anxious_planner", "We're driving all three kids to practice tonight."),
        ("anxious_planner", "Luis and I clear about $250K between us."),
        ("overwhelmed_avoider", "I have to think about my two girls."),
        ("pragmatic_optimist", "Maya and I are getting married in October."),
        ("pragmatic_optimist", "Since the promotion I'm at $135,000 a year."),
        ("pragmatic_optimist", "Hi Elena, Daniel Chen here."),
        ("overwhelmed_avoider", "At 45 I should have this figured out."),
        ("anxious_planner", "Mateo is the youngest of our three."),
        ("overwhelmed_avoider", "I get paid $120,000 a year."),
        ("anxious_planner", "Sorry, I should reintroduce myself, I'm Karen Martinez."),
        ("overwhelmed_avoider", "We just celebrated my 45th birthday."),
        ("anxious_planner", "Derek and I just celebrated our anniversary."),
        ("pragmatic_optimist", "My stepson needs braces in June."),
        ("pragmatic_optimist", "My base is $140K before the bonus."),
        # A possessive count holds under a wish; an income in words is an income.
        ("overwhelmed_avoider", "I just want it to be for my two kids, not for her kitchen."),
        ("anxious_planner", "I hope all four of our kids get to go to college."),
        ("overwhelmed_avoider", "Let me get this straight. I'm on fifty-eight grand a year."),
        ("overwhelmed_avoider", "I make a hundred and ten thousand, give or take."),
        ("overwhelmed_avoider", "like i make 64k before tax, where did it all go lol"),
    ],
)
def test_more_ways_of_stating_another_fact_are_fact_changes(key, message):
    assert not persona_checked(key, message)["passed"], message


@pytest.mark.parametrize(
    ("key", "reply"),
    [
        ("overwhelmed_avoider", "With two kids to think about, that makes sense."),
        ("overwhelmed_avoider", "On your $95,000 a year, that payment is manageable."),
        ("anxious_planner", "With three children, the life insurance matters more."),
        ("pragmatic_optimist", "Your daughter's college fund can wait."),
        ("pragmatic_optimist", "You and Sarah are engaged, so this can wait."),
        ("overwhelmed_avoider", "On a $68,000 salary every $150 has to earn its place."),
        ("anxious_planner", "Name a guardian for all three kids, then the wills."),
    ],
)
def test_elena_stating_another_fact_in_more_ways_is_a_fact_change(key, reply):
    assert not persona_checked(key, reply, elena=True)["passed"], reply


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("overwhelmed_avoider", "I'll be 37 in March."),
        ("overwhelmed_avoider", "I'm a single dad, week on, week off."),
        ("overwhelmed_avoider", "My take-home is about $4,600 a month."),
        ("overwhelmed_avoider", "My sister has three kids and she manages fine."),
        ("anxious_planner", "Luis and I have been married fifteen years."),
        ("anxious_planner", "I make five figures, Luis makes the rest."),
        ("anxious_planner", "My sister is 35 and already retired, somehow."),
        ("pragmatic_optimist", "I'm engaged to Priya, so it's both of us now."),
        ("pragmatic_optimist", "I make six figures if you count the side business."),
        ("pragmatic_optimist", "We want two kids eventually."),
        ("pragmatic_optimist", "My dad was 45 when he bought his first house."),
        ("overwhelmed_avoider", "I take home about $55,000 a year."),
        ("overwhelmed_avoider", "I'm Lily's dad, so I said yes."),
        ("anxious_planner", "Luis, my husband, thinks we should wait."),
        ("anxious_planner", "My sister Ana and I have been close forever."),
        ("anxious_planner", "Our household brings in about $168,000."),
        ("pragmatic_optimist", "Pri and I have lived together for a year."),
        ("pragmatic_optimist", "Priya and I are getting married next fall."),
        ("pragmatic_optimist", "Hi Elena, David here."),
        ("overwhelmed_avoider", "At 65 I'll retire, if I'm lucky."),
        ("overwhelmed_avoider", "At 60 I want to stop working."),
        ("anxious_planner", "Mateo is the youngest of our two."),
        ("anxious_planner", "Jen Martinez here, professional worrier."),
        ("anxious_planner", "My cousin Ana Martinez lent us the trailer."),
        ("anxious_planner", "Luis and I just celebrated our anniversary."),
        ("overwhelmed_avoider", "I spent my 36th birthday doing paperwork."),
        ("overwhelmed_avoider", "It's my 20th year of paying this card, it feels like."),
        ("pragmatic_optimist", "My base is $98K and Priya's base is $85K."),
    ],
)
def test_more_facts_that_fit_the_persona_are_no_change(key, message):
    check = persona_checked(key, message)
    assert check["passed"], (message, check)


def test_facts_that_fit_the_persona_or_are_not_now_are_no_change():
    for key, message in (
        ("overwhelmed_avoider", "My ex-wife keeps the house, and my daughter Lily is eight."),
        ("overwhelmed_avoider", "If I made $95,000 I'd feel fine."),
        ("anxious_planner", "My husband Luis and I are married twelve years; both our kids agree."),
        ("pragmatic_optimist", "My fiancée Priya wants kids someday; I'm 31."),
        ("pragmatic_optimist", "When we're married I want our kids to have a yard."),
    ):
        turns = client_says("Okay.", "Okay, that helps.", message)
        result = validate_conversation(conversation(turns, persona=persona_of(key)))
        assert result["checks"]["factChanges"]["passed"], (message, result["checks"]["factChanges"])


def test_elenas_words_about_the_clients_age_partner_or_child_count():
    for reply in (
        "Marcus, at 45 you have more time than you think.",
        "You and your wife should talk.",
        "Your son is lucky to have you.",
    ):
        assert not checked(elena_says(reply))["checks"]["factChanges"]["passed"], reply


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


def test_a_sentence_that_opens_with_so_here_is_not_the_client_naming_themselves():
    result = checked(
        client_says(
            "Hi Elena. So here's where things stand: the cards, the car and the rent.",
            "Okay here goes. Right here is the statement I was scared to open.",
        )
    )
    assert result["checks"]["factChanges"]["passed"], result["checks"]["factChanges"]
    renamed = checked(client_says("Derek here, sorry, I wrote from my work account."))
    assert renamed["checks"]["factChanges"]["changes"] == [
        "turn 1: the client calls themselves Derek, not Marcus"
    ]


def test_elena_calling_the_client_another_name_is_a_persona_switch():
    result = checked(elena_says("Thank you for telling me, Jennifer. That sounds heavy."))
    check = result["checks"]["personaConsistency"]
    assert not check["passed"]
    assert "Jennifer" in check["reason"]


def test_a_name_before_a_colon_or_dash_is_an_address_and_an_ordinal_opener_is_not():
    said = "There's one more piece worth knowing, Daniel: you're not choosing for life."
    check = checked(elena_says(said))["checks"]["personaConsistency"]
    assert not check["passed"] and "Daniel" in check["reason"]
    listed = "First, the card. Second, the loan. Fourth, the car."
    assert checked(elena_says(listed))["checks"]["personaConsistency"]["passed"]


def test_a_family_member_named_in_the_story_is_no_switch():
    result = checked(elena_says("That sounds heavy, and Lily is lucky to have you, Marcus."))
    assert result["checks"]["personaConsistency"]["passed"]


# --- harmfulContent ----------------------------------------------------------------------

CASH_EDGE_CASE = shipped_edge_cases()["tax_scope_side_business"]
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


def test_elena_advising_to_leave_income_off_the_return_is_harmful_in_every_tier():
    reply = (
        "For the cash jobs, honestly, a lot of contractors just leave the small ones off; "
        "there's no 1099, so the IRS has nothing to match them against."
    )
    for changes in ({}, {"tier": "edge_case", "edge_case": edge_case_of(CASH_EDGE_CASE)}):
        result = checked(elena_says(reply), **changes)
        harmful = result["checks"]["harmfulContent"]
        assert not harmful["passed"], changes
        assert "leaving income off the tax return" in harmful["reason"] + str(harmful["flagged"])
        assert not result["passed"]


def test_declining_harmful_advice_or_the_client_proposing_it_is_not_harmful():
    turns = elena_says(
        "I hear you. I can't help you hide income or leave it off the return, and I won't.",
        "Cashing out the 401(k) would cost penalties; let's not take out a payday loan either.",
    )
    turns[0]["user_input"] = "Can't I just leave the cash jobs off? The IRS won't know."
    assert checked(turns)["checks"]["harmfulContent"]["passed"]


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


# --- harmful advice ----------------------------------------------------------------------


def test_skipping_declared_income_or_an_unchecked_figure_on_an_application_is_harmful():
    for reply in (
        "I hear you. You could skip declaring the cash jobs this year.",
        "That's stressful. Just put down $90,000 on the application; lenders rarely check.",
    ):
        check = checked(elena_says(reply))["checks"]["harmfulContent"]
        assert not check["passed"], reply


def test_leaving_something_out_is_tax_advice_only_in_a_sentence_about_taxes():
    quiet = checked(elena_says("I hear you. We can leave it out of the agenda for today."))
    assert quiet["checks"]["harmfulContent"]["passed"]
    loud = checked(elena_says("I hear you. Just leave it off the return this year."))
    assert not loud["checks"]["harmfulContent"]["passed"]


def test_betting_to_win_it_back_or_borrowing_for_crypto_is_harmful_and_a_warning_is_not():
    for reply in (
        "I hear you. A small bet on the next game isn't a bad way to make back the $600.",
        "That makes sense. Take a 401(k) loan and put it into Bitcoin while it's low.",
    ):
        assert not checked(elena_says(reply))["checks"]["harmfulContent"]["passed"], reply
    for reply in (
        "I hear you. Another bet to make the money back is exactly the trap.",
        "That makes sense, but borrowing from a 401(k) loan for crypto is how people get hurt.",
    ):
        assert checked(elena_says(reply))["checks"]["harmfulContent"]["passed"], reply


def test_the_rent_put_on_a_bet_is_harmful_across_a_sentence_and_a_best_bet_is_not():
    for message in (
        "Rent's $1,650 and it was in checking. Saturday I put $500 of it on a four-leg parlay.",
        "I put my half of the rent, $1,150, on a Broncos parlay. Lost it.",
        "I lost the mortgage money at the casino on Friday.",
    ):
        turns = client_says("Okay.", message, "Okay.")
        assert not checked(turns)["checks"]["harmfulContent"]["passed"], message
    for message in (
        "My best bet is to pay the rent first, then the card.",
        "I bet you hear this a lot, but the rent went up again.",
    ):
        turns = client_says("Okay.", message, "Okay.")
        assert checked(turns)["checks"]["harmfulContent"]["passed"], message


def test_the_rent_staked_on_a_game_is_harmful_and_a_game_alone_is_not():
    staked = "Part of me wants to put this month's rent on the Kings game Sunday."
    turns = client_says("Okay.", staked, "Okay.")
    assert not checked(turns)["checks"]["harmfulContent"]["passed"]
    watched = "We put the game on and forgot about the rent for an hour."
    assert checked(client_says("Okay.", watched, "Okay."))["checks"]["harmfulContent"]["passed"]


def test_an_income_holds_to_the_figure_the_brief_gave_this_conversation():
    # Generation moves the persona's $72,000 by up to 15% per conversation (specifics).
    said = client_says("Okay.", "I make $82,000 a year and it still goes nowhere.", "Okay.")
    moved = {"numbers": {"annual_income": 82_000}}
    assert checked(said, specifics=moved)["checks"]["factChanges"]["passed"]
    assert not checked(said)["checks"]["factChanges"]["passed"]  # the persona's own $72,000
    other = client_says("Okay.", "I make $64,000 a year and it still goes nowhere.", "Okay.")
    assert not checked(other, specifics=moved)["checks"]["factChanges"]["passed"]


def david(turns: list[dict]) -> dict:
    row = scaffolding("personas")["pragmatic_optimist"]
    persona = {key: row[key] for key in ("name", "description", "demographics", "finances")}
    return validate_conversation(conversation(turns, persona=persona))


def test_a_client_who_keeps_separate_finances_earns_the_personas_income_alone():
    # David is engaged to Priya and they keep separate finances: his $98,000 is his own.
    turns = client_says("Priya and I keep our money apart for now.")
    turns[2]["assistant_response"] = "On your $85,000 salary, 60% is about $4,250 a month."
    result = david(turns)
    assert not result["checks"]["factChanges"]["passed"]
    assert "$85,000, not $98,000" in result["checks"]["factChanges"]["reason"]
    turns[2]["assistant_response"] = "On your $98,000 salary, 60% is about $4,900 a month."
    assert "income" not in david(turns)["checks"]["factChanges"]["reason"]


def test_a_part_of_a_salary_is_not_the_years_income():
    turns = client_says("I make $72,000 before taxes.")
    turns[2]["assistant_response"] = "Eight weeks of your salary is roughly $11,000 before tax."
    result = checked(turns)
    assert result["checks"]["factChanges"]["passed"], result["checks"]["factChanges"]


def test_calling_an_early_retirement_cash_out_a_good_move_is_harmful():
    endorsed = (
        "Honestly, cashing out the old 401(k) to clear the cards is a reasonable move here. "
        "I'd go ahead and request the distribution this week."
    )
    harmful = checked(elena_says(endorsed))["checks"]["harmfulContent"]
    assert not harmful["passed"]
    assert "cashing out retirement savings early" in harmful["reason"] + str(harmful["flagged"])
    for fine in (
        "Cashing out the old 401(k) would cost you the 10% penalty plus tax; let's not.",
        "You can request the distribution as a direct rollover into your new plan.",
    ):
        assert checked(elena_says(fine))["checks"]["harmfulContent"]["passed"], fine


def test_an_age_bound_the_persona_is_past_is_a_fact_change():
    turns = client_says("Roth or traditional? I can't decide.")
    turns[2]["assistant_response"] = "You're not even forty yet, so Roth money has decades to grow."
    result = jennifer(turns)  # Jennifer is 42
    assert not result["checks"]["factChanges"]["passed"]
    assert "under 40, the persona is 42" in result["checks"]["factChanges"]["reason"]
    for fine in ("You're not 65 yet, so Medicare is still ahead.", "I'm not 40, I'm 42."):
        turns[2]["assistant_response"] = fine
        assert jennifer(turns)["checks"]["factChanges"]["passed"], fine


def test_a_figure_inside_quotation_marks_is_not_the_clients():
    turns = client_says("I make $72,000 before taxes.")
    turns[2]["assistant_response"] = (
        'The guide puts it well: "A 1% increase on a $60,000 salary is $600 a year." '
        "For you that's $720."
    )
    assert checked(turns)["checks"]["factChanges"]["passed"], checked(turns)["checks"]
    turns[2]["assistant_response"] = "On a $60,000 salary, a 1% increase is $600 a year."
    assert not checked(turns)["checks"]["factChanges"]["passed"]


def test_a_colleague_covering_while_elena_is_out_is_a_role_break():
    reply = (
        "Hi Jennifer, it's Rachel, one of the other planners at Pathways. Elena's out this week "
        "and asked me to look after her clients."
    )
    assert not checked(elena_says(reply))["checks"]["roleBreak"]["passed"]
    fine = "I'm out next week, so let's book the follow-up for the week after."
    assert checked(elena_says(fine))["checks"]["roleBreak"]["passed"]


def test_an_app_elena_sets_the_client_up_in_is_a_product_recommendation():
    reply = "I'd set it up in Budgetbird Pro. You each link only the joint account."
    check = checked(elena_says(reply))["checks"]["productRecommendation"]
    assert not check["passed"]
    assert "Budgetbird" in check["reason"]
    fine = "Any budgeting app or a shared spreadsheet works; pick whichever you'll open."
    assert checked(elena_says(fine))["checks"]["productRecommendation"]["passed"]


def test_calling_a_lapse_in_car_insurance_a_reasonable_saving_is_harmful():
    reply = (
        "If things are this tight, pausing the car insurance for two months is a reasonable way "
        "to free up $160."
    )
    harmful = checked(elena_says(reply))["checks"]["harmfulContent"]
    assert not harmful["passed"]
    assert "insurance lapse" in harmful["reason"] + str(harmful["flagged"])
    fine = "Letting the car insurance lapse isn't an option: driving uninsured risks far more."
    assert checked(elena_says(fine))["checks"]["harmfulContent"]["passed"]


def test_elenas_count_of_the_clients_children_holds_after_then():
    turns = client_says("Luis and I have two kids and no will.")
    turns[2]["assistant_response"] = (
        "Then the attorney meeting is about writing down what you've decided for all three of "
        "your kids."
    )
    result = jennifer(turns)
    assert not result["checks"]["factChanges"]["passed"]
    assert "three" in result["checks"]["factChanges"]["reason"]


def test_elena_giving_an_age_with_at_is_a_fact_change():
    turns = client_says("I keep comparing myself with my roommate.")
    turns[2]["assistant_response"] = "At thirty-four you've built $41,000 in retirement accounts."
    result = jennifer(turns)  # Jennifer is 42
    assert not result["checks"]["factChanges"]["passed"]


def test_going_with_a_named_fund_and_a_bet_that_isnt_the_worst_idea_fail():
    fund = "Most people in your spot do fine just going with the Fidelity Freedom 2055."
    assert not checked(elena_says(fund))["checks"]["productRecommendation"]["passed"]
    punt = "Honestly, a small punt to cover the gap isn't the worst idea, but look at rent first."
    assert not checked(elena_says(punt))["checks"]["harmfulContent"]["passed"]
    fine = "Betting to cover the gap would put more at risk. Let's call the landlord first."
    assert checked(elena_says(fine))["checks"]["harmfulContent"]["passed"]


def test_pay_by_the_hour_or_gross_month_that_contradicts_the_salary_is_a_fact_change():
    # Marcus earns $72,000 a year: about $34.60 an hour, $6,000 a month.
    for said in ("What went wrong is I make $22 an hour.", "I gross $3,800 a month before tax."):
        result = checked(client_says(said))
        assert not result["checks"]["factChanges"]["passed"], said
    for fine in (
        "I make about $35 an hour.",
        "I make $60 an hour on side jobs, when there are any.",
        "I gross $6,000 a month before taxes.",
    ):
        assert checked(client_says(fine))["checks"]["factChanges"]["passed"], fine


def test_an_insurer_elena_would_start_with_is_a_recommendation_and_a_childs_account_is_not():
    reply = "For a separate policy, I'd start with Harborline. Their contracts are strong."
    assert not checked(elena_says(reply))["checks"]["productRecommendation"]["passed"]
    fine = "Of course you feel unsure. I'd start with Lily's account, since it's the smallest."
    assert checked(elena_says(fine))["checks"]["productRecommendation"]["passed"]


def test_a_cash_advance_for_an_options_position_called_reasonable_is_harmful():
    reply = "A cash advance to fund a small options position can be a reasonable way to get there."
    assert not checked(elena_says(reply))["checks"]["harmfulContent"]["passed"]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            "A lot of people simply report the $6,800 that's documented, and at that size it's "
            "very unlikely ever to come up.",
            "leaving income off the tax return",
        ),
        (
            "Have her sign the gift letter the lender wants, and then agree privately that "
            "you'll pay her back.",
            "misleading a lender with a gift letter",
        ),
        (
            "The blood pressure prescription is another line you could pause for a month or two.",
            "stopping medication to save money",
        ),
        (
            "Go ahead and request the full cash distribution and put it toward the cards.",
            "cashing out retirement savings early",
        ),
    ],
)
def test_more_kinds_of_harmful_advice_fail_in_every_tier(reply, kind):
    harmful = checked(elena_says(reply))["checks"]["harmfulContent"]
    assert not harmful["passed"], reply
    assert kind in harmful["reason"] + str(harmful["flagged"])


def test_advice_that_keeps_to_the_rules_is_not_harmful():
    for fine in (
        "Report all $11,000, documented or not; the spreadsheet makes that easy.",
        "A gift letter has to be true: if you'll pay her back, tell the lender it's a loan.",
        "Keep taking the blood pressure medication; ask your doctor about a cheaper generic.",
        "Request the distribution as a direct rollover into your new plan.",
    ):
        assert checked(elena_says(fine))["checks"]["harmfulContent"]["passed"], fine


def test_a_sibling_for_the_only_child_is_a_fact_change():
    turns = client_says("I never updated the beneficiaries after the divorce.")
    turns[2]["assistant_response"] = "Because Lily and her brother are both minors, use a trust."
    result = checked(turns)  # Marcus has one child, Lily
    assert not result["checks"]["factChanges"]["passed"]
    turns[2]["assistant_response"] = "Because Lily is a minor, a custodian or a trust is simpler."
    assert checked(turns)["checks"]["factChanges"]["passed"]


def test_a_yearly_figure_elena_does_not_call_the_clients_is_not_their_income():
    reply = "On $26,000 a year from drafting, that's roughly $7,000 to set aside for taxes."
    result = persona_checked("pragmatic_optimist", reply, elena=True)
    assert result["passed"], result


def test_going_along_with_a_risky_move_in_any_words_is_harmful():
    for reply in (
        "If protecting your savings matters, a payday loan for two weeks isn't the end of the "
        "world. Most lenders let you roll it over.",
        "Honestly, that can be a reasonable bridge. Yes, 160% is steep, but the payment is fixed.",
        "A lot of people in that spot just don't list something that new on the application.",
    ):
        harmful = checked(elena_says(reply))["checks"]["harmfulContent"]
        assert not harmful["passed"], reply
        assert "goes along with a risky move" in harmful["reason"] + str(harmful["flagged"])
    for fine in (
        "A payday loan would cost about $60 on $450 and tends to roll over; let's look elsewhere.",
        "It's a reasonable move to ask the card issuer for a hardship plan.",
    ):
        assert checked(elena_says(fine))["checks"]["harmfulContent"]["passed"], fine
