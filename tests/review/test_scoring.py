"""The explained quality score, on a strong and a weak hand-made conversation."""

import pytest

from review.scoring import MISSING_WEIGHT, SIGNALS, SOFT_DEFECT_PENALTY, quality_score
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


def replies(*texts: str) -> list[dict]:
    """The strong conversation with Elena's first replies replaced in order."""
    turns = strong_turns()
    for number, text in enumerate(texts):
        turns[number]["assistant_response"] = text
    return turns


def penalties(result: dict) -> list[str]:
    return [item["defect"] for item in result["penalties"]]


def test_one_soft_defect_takes_a_full_marks_conversation_under_the_threshold():
    turns = strong_turns()
    turns[1]["assistant_response"] += " Frankly, that was irresponsible."
    result = quality_score(conversation(turns))

    assert penalties(result) == ["judges or shames the client"]
    assert signals(result)["no judgement"]["points"] == 0
    assert result["value"] == 10.0 - MISSING_WEIGHT * 1.0 - SOFT_DEFECT_PENALTY
    assert 10.0 - SOFT_DEFECT_PENALTY < 7.0  # the spec's threshold, even with every signal


def test_advice_in_two_opening_replies_without_a_feeling_named_is_no_validation():
    facts = "Moving to cash locks in the loss, which most people get wrong. Hold the $13,000."
    both = quality_score(conversation(replies(facts, "Declines of 10% recover. Keep it.")))
    assert penalties(both) == ["gives advice before any validation"]
    # One reply without a feeling named may be wording the list misses: no defect yet.
    second = "That sounds frightening after what your parents went through. Keep it."
    assert penalties(quality_score(conversation(replies(facts, second)))) == []


def test_a_reply_that_ends_by_asking_the_client_is_not_advice_before_validation():
    facts = "Moving to cash locks in the loss, which most people get wrong. Hold the $13,000."
    asks = (
        "Please don't apologize; this is exactly the kind of thing to bring here, and we have"
        " the whole hour for it. Before we look at anything, what age do you and Luis picture"
        " retiring at, roughly?"
    )
    named = "That sounds frightening after what your parents went through. Keep it."
    assert penalties(quality_score(conversation(replies(asks, facts, named)))) == []
    # The advice that follows a question still comes before any feeling is named.
    assert penalties(quality_score(conversation(replies(asks, facts, facts)))) == [
        "gives advice before any validation"
    ]
    # "Does that make sense?" checks an explanation landed; it asks the client nothing.
    checked_in = facts + " Does that make sense?"
    assert penalties(quality_score(conversation(replies(checked_in, checked_in)))) == [
        "gives advice before any validation"
    ]


def test_a_feeling_of_the_vocabulary_in_any_inflection_is_validation():
    for opening in (
        "Dreading something and showing up regardless is not nothing. Hold the $13,000.",
        "Panicking after a drop like that is how most of us are wired. Hold the $13,000.",
    ):
        result = quality_score(conversation(replies(opening, "Here is the plan: $400 a month.")))
        assert penalties(result) == [], opening
    for opening in ("No doubt the market dropped. Hold the $13,000.", "You lost $13,000. Hold."):
        result = quality_score(conversation(replies(opening, "Keep it. Hold the fund.")))
        assert penalties(result) == ["gives advice before any validation"], opening


def test_a_judging_word_after_without_judges_and_after_not_it_does_not():
    turns = strong_turns()
    turns[1]["assistant_response"] = (
        "Thirteen years without a will when you have two children is pretty irresponsible."
    )
    assert "judges or shames the client" in penalties(quality_score(conversation(turns)))
    turns[1]["assistant_response"] = "Those balances aren't a story about you being careless."
    assert "judges or shames the client" not in penalties(quality_score(conversation(turns)))


def test_a_reaction_called_reasonable_or_ordinary_is_validation():
    for opening in (
        "Closing the laptop is a very reasonable response to fourteen tasks at once.",
        "A fight in the car on the way here is far more common than you'd think.",
        "Not a weird question at all. A grinding noise would set anyone off.",
    ):
        result = quality_score(conversation(replies(opening, "Here is the plan: $400 a month.")))
        assert penalties(result) == [], opening


def test_an_imperative_a_calendar_or_a_follow_up_is_an_actionable_next_step():
    for ending in (
        "Bring the quotes next time and we'll read them together.",
        "Set the transfer for the day after payday.",
        "Would you put a reminder on your calendar for July 5th?",
        "I'll send you both the summary this afternoon.",
    ):
        turns = strong_turns()
        turns[3]["assistant_response"] = ending
        found = signals(quality_score(conversation(turns)))["actionable next step"]
        assert found["points"] == found["max"], ending


def test_a_verdict_on_a_choice_the_client_made_is_judgement_and_advice_about_next_is_not():
    judged = "Putting $560 on a card at 27% wasn't a good decision. Which card was it?"
    assert "judges or shames the client" in penalties(quality_score(conversation(replies(judged))))
    for kind in (
        "Of course you feel uneasy. It's not a good idea to cash out the 401(k) now.",
        "Of course you feel uneasy. Honestly, that wasn't a bad decision at all.",
    ):
        assert penalties(quality_score(conversation(replies(kind)))) == [], kind


def test_blaming_a_past_choice_judges_and_saying_what_the_client_should_have_does_not():
    for blame in (
        "Honestly, that's something you really should have checked when you started.",
        "Those were choices that worked against you, and you can't afford them now.",
        "Letting the letter sit for three months isn't how a responsible adult handles things.",
        "This isn't something a parent should leave for someday; it isn't fair to her.",
    ):
        found = penalties(quality_score(conversation(replies(blame))))
        assert "judges or shames the client" in found, blame
    for fine in (
        "Of course you feel uneasy. You should have received a 1099 by now.",
        "Of course you feel uneasy. By June you should have a $2,000 cushion.",
        "Of course you feel uneasy; it's not something you should have to carry alone.",
    ):
        assert penalties(quality_score(conversation(replies(fine)))) == [], fine


def test_a_feeling_the_client_names_first_and_elena_passes_over_is_no_validation():
    turns = strong_turns()
    turns[0]["user_input"] = "I am SO frustrated. We owe $9,800 in taxes. How did this happen?"
    turns[0]["assistant_response"] = (
        "Here's what happened. Your withholding assumed your paycheck was the only income."
    )
    assert penalties(quality_score(conversation(turns))) == ["gives advice before any validation"]
    turns[0]["assistant_response"] = (
        "That's a maddening surprise. Your withholding assumed your paycheck was the only income."
    )
    assert penalties(quality_score(conversation(turns))) == []


def test_distress_the_client_shows_without_naming_a_feeling_counts_too():
    turns = strong_turns()
    turns[0]["user_input"] = "I'm kind of falling apart. I wake at four with my heart pounding."
    turns[0]["assistant_response"] = "Let's get concrete. First, split your savings in two."
    assert penalties(quality_score(conversation(turns))) == ["gives advice before any validation"]


def test_a_judging_word_the_client_said_and_elena_quotes_is_no_judgement():
    quoting = "Of course you feel shaken. That's a different story from 'I'm careless'."
    assert penalties(quality_score(conversation(replies(quoting)))) == []
    assert "judges or shames the client" in penalties(
        quality_score(conversation(replies("Of course you feel shaken. That was careless.")))
    )


def test_a_first_answer_that_takes_in_the_feeling_or_invites_the_client_is_no_lecture():
    explains = "Leaving a balance in an old plan does not trigger a tax or a penalty. " * 8
    for first in (
        "Five years of dreading that drawer is a lot to carry. " + explains,
        explains + "If you like, open the top envelope now and tell me what it says.",
    ):
        turns = strong_turns()
        turns[0]["assistant_response"] = first
        assert penalties(quality_score(conversation(turns))) == [], first[:40]
    turns = strong_turns()
    turns[0]["assistant_response"] = explains
    found = penalties(quality_score(conversation(turns)))
    assert "lectures without asking permission" in found


def test_a_very_long_reply_that_asks_nothing_is_a_lecture_wherever_it_comes():
    long = "A 401(k) match adds money on top of yours, up to a limit. " * 18  # 216 words
    turns = strong_turns()
    turns[2]["assistant_response"] = long
    assert "lectures without asking permission" in penalties(quality_score(conversation(turns)))
    turns[2]["assistant_response"] = long[: len(long) // 2]  # 108 words, once Elena has asked
    assert penalties(quality_score(conversation(turns))) == []


def test_long_answers_to_the_clients_open_questions_are_no_lecture_run():
    answer = "Of course you feel unsure. " + "A 401(k) match adds money on top of yours. " * 11
    turns = strong_turns() + strong_turns()[1:3]
    for number in (2, 3, 4):
        turns[number]["assistant_response"] = answer
    asks = ("And the IRA money?", "What can't wait?", "Can you walk me through the mortgage?")
    for number, question in zip((2, 3, 4), asks, strict=True):
        turns[number]["user_input"] = question
    assert penalties(quality_score(conversation(turns))) == []
    # Questions answered yes or no do not ask for three explanations in a row.
    for number in (2, 3, 4):
        turns[number]["user_input"] = "So I'm at 3% and should be at 4%?"
    assert penalties(quality_score(conversation(turns))) == ["lectures without asking permission"]


def test_a_long_explanation_that_only_checks_it_landed_is_a_lecture():
    lecture = "A 401(k) match adds money on top of yours. " * 12
    found = quality_score(conversation(replies(lecture + "Does that make sense?")))
    assert "lectures without asking permission" in penalties(found)
    asking = quality_score(conversation(replies(lecture + "What does your plan match?")))
    assert penalties(asking) == []


# Ordinary wording for each signal, written for these tests (not from the emulator's tables
# nor the labelled files): 48 of these 75 earned nothing before the lists were widened.
SIGNAL_WORDING = {
    "NORMALISING": (
        "This comes up a lot in my work.",
        "I see this all the time.",
        "It's one of the most common things people tell me.",
        "Almost everyone runs into this at some point.",
        "Nobody is born knowing this stuff.",
        "This is more typical than you'd think.",
        "Honestly, half my clients start here.",
        "You're far from alone in this.",
        "That's a very common place to be.",
    ),
    "PERMISSION": (
        "Mind if I explain how that works?",
        "Okay if I walk you through the math?",
        "Would you be up for looking at it together?",
        "Want to go through it together?",
        "How would you feel about looking at the numbers?",
        "Is it alright if I offer an idea?",
        "Could I offer a suggestion?",
        "Are you open to a different way of looking at it?",
        "Can we look at it together?",
        "Do you want to hear how other people handle this?",
    ),
    "NEXT_STEP": (
        "Here's what I'd suggest for the coming week.",
        "Before our next session, pull the statements.",
        "Over the next few days, track every purchase.",
        "When you get home, open the app and turn on autopay.",
        "Your one job before we talk again is to call the lender.",
        "Let's pick a date to review it.",
        "Step 1: list the debts.",
        "The first thing to do is log in to the old 401(k).",
        "What I'd love you to do is set up a $200 transfer.",
        "Between now and our next meeting, keep a log.",
        "For homework, write down three goals.",
        "Next, you'll open a high-yield account.",
    ),
    "EXPLAINS_WHY": (
        "It matters, given the 24% rate.",
        "The math here is simple: 22% costs more than 4.5% earns.",
        "Here's why that matters: the match is instant.",
        "The logic is that small wins keep you going.",
    ),
    "VALIDATION": (
        "Oof. That's a heavy week.",
        "What a hard thing to carry alone.",
        "That's a really human reaction.",
        "It took guts to bring this here.",
        "That's scary to watch happen to someone you work with.",
        "Forty minutes and two resets would wear anyone down.",
    ),
}
NOT_SIGNALS = {
    "PERMISSION": ("You want to pay the card first.", "Can we afford it? Not yet."),
    "VALIDATION": ("The heavy lifting is the transfer.",),
}


@pytest.mark.parametrize(
    ("name", "reply"),
    [(name, reply) for name, replies in SIGNAL_WORDING.items() for reply in replies],
)
def test_ordinary_wording_earns_its_signal(name, reply):
    from review import scoring

    assert getattr(scoring, name).search(reply), reply


@pytest.mark.parametrize(
    ("name", "reply"), [(name, reply) for name, replies in NOT_SIGNALS.items() for reply in replies]
)
def test_look_alike_wording_does_not(name, reply):
    from review import scoring

    assert not getattr(scoring, name).search(reply), reply


def test_missed_signals_cost_half_their_points_and_alone_fail_only_when_most_are_missed():
    turns = strong_turns()
    # Keep validation, numbers and the arc; lose the wording of the other signals.
    for item in turns:
        item["assistant_response"] = "I hear how worrying this is. The balance is $14,200 and $900."
        item["conversation_phase"] = "exploration"
    result = quality_score(conversation(turns))
    missed = sum(item["max"] - item["points"] for item in result["breakdown"])

    assert result["penalties"] == []
    assert missed == 5.5  # normalising, next step, why, permission, clear ending
    assert result["value"] == round(10.0 - MISSING_WEIGHT * missed, 1) >= 7.0
    # Validation kept but nothing else earned beyond "no judgement": 10 - 0.5 * 7.5 = 6.2.
    bare = [turn("Hi.", "I hear you.", "exploration", "anxiety") for _ in range(4)]
    found = quality_score(conversation(bare))
    assert found["penalties"] == []
    assert sum(item["points"] for item in found["breakdown"]) == 2.5
    assert found["value"] == round(10.0 - MISSING_WEIGHT * 7.5, 1) < 7.0
