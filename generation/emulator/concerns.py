"""Edge-case concerns: the themes an expected behaviour names, and what each side says."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Concern:
    """A theme an edge case's expected behaviour names, and what each side says about it.

    `disclosure` is the client's, in turn 1, and `pressing` their turn 2; `response` is
    Elena's key move in turn 2 (turn 1 for an urgent concern); `follow_up` is her suggestion in
    the first planning reply.
    """

    name: str
    pattern: str
    disclosure: tuple[str, ...]
    pressing: tuple[str, ...]
    response: tuple[str, ...]
    follow_up: tuple[str, ...] = ()
    first_words: tuple[str, ...] = ()
    first_question: tuple[str, ...] = ()
    phase: str = "referral"
    strategy: str = "providing_suggestions"
    urgent: bool = False


CONCERNS = (
    Concern(
        name="suicide",
        pressing=("I'm safe tonight, I think. I just don't see how we get out of this.",),
        pattern=r"suicid|\b988\b|self-harm",
        urgent=True,
        disclosure=(
            "Some nights I think my family would be better off with my life insurance.",
            "Honestly, sometimes I think everyone would be better off without me.",
            "Lately I've been thinking I don't want to be here anymore.",
        ),
        response=(
            "I'm going to set the money questions aside for a moment, because you matter more "
            "than any of it. Are you thinking about suicide? Are you safe right now? You can call "
            "or text 988, the Suicide & Crisis Lifeline, any time, day or night, and if you're in "
            "immediate danger, please call 911.",
            "The bills can wait; you can't. I need to ask you directly: are you having thoughts of "
            "suicide, and are you safe right now? Please call or text 988, the Suicide & Crisis "
            "Lifeline, today, and call 911 if you're in immediate danger.",
        ),
    ),
    Concern(
        name="gambling",
        pressing=(
            "A few times a week. I'm down more than I'll admit, and one good weekend would fix it.",
        ),
        pattern=r"gambl|betting|sportsbook",
        disclosure=(
            "And I've been using a sports-betting app to try to win it back. Nobody knows.",
            "The part I haven't said out loud is the betting. I keep trying to win it back.",
        ),
        first_question=(
            "Can you tell me a little more about the betting: how often, and how it's going?",
        ),
        response=(
            "Thank you for being honest about the betting; that takes courage, and it's far more "
            "common than you think. Chasing losses is a pattern, not a character flaw, and "
            "willpower alone rarely breaks it. The National Problem Gambling Helpline, "
            "1-800-GAMBLER, is free, confidential and open around the clock, and they can connect "
            "you with a counselor near you.",
        ),
        follow_up=(
            "For the loans themselves, a nonprofit credit counseling agency (look for an NFCC "
            "member) or a credit union's payday alternative loan can break the cycle. Today's "
            "step is small: list every loan's balance and due date on one page.",
        ),
    ),
    Concern(
        name="elder exploitation",
        pressing=(
            "A few months ago. She still handles everything herself and says I'm making a fuss.",
        ),
        pattern=r"scam|exploitation|elder fraud|gift cards",
        disclosure=(
            "It's about my mom. She's been pulling out a lot of money, buying gift cards and "
            "wiring money to a 'friend' she met online, and she gets defensive when I ask.",
        ),
        first_question=(
            "When did you first notice the withdrawals, and does she manage her own accounts?",
        ),
        response=(
            "What you're describing has the marks of a scam, and I want to say this clearly: these "
            "schemes are run by professionals who target capable, careful people. This is not your "
            "mom's fault. This week, call her bank's fraud department together with her, report it "
            "to Adult Protective Services or the National Elder Fraud Hotline at 1-833-FRAUD-11 "
            "(1-833-372-8311), and talk with an elder law attorney about a power of attorney.",
        ),
        follow_up=(
            "The goal is to protect her with her involvement rather than behind her back; she "
            "will act sooner if she feels respected.",
        ),
    ),
    Concern(
        name="grief",
        pressing=("Part of me just wants to do whatever they say so the pressure stops.",),
        pattern=r"\bdeath\b|\bdied\b|\bgrie|executor|funeral",
        first_words=("I'm so sorry for your loss, {name}.", "{name}, I'm so sorry for your loss."),
        disclosure=(
            "Since the funeral everyone has an opinion: sell the house, buy an annuity, pay off "
            "the mortgage. I can barely think straight.",
        ),
        response=(
            "Here's the most important thing I can tell you: there's no rush on the big "
            "decisions. Almost nothing about the house or the inheritance has to be settled in "
            "the next six to twelve months. A few things are time-sensitive, like notifying "
            "accounts and keeping the bills paid; everything else can wait, and the money can sit "
            "somewhere safe and insured while you grieve.",
        ),
        follow_up=(
            "For the executor paperwork and probate, an estate attorney is worth the fee; they'll "
            "tell you which deadlines are real and which are pressure.",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="tax scope",
        pressing=(
            "I just want someone to give me the exact answer so I can file and stop worrying.",
        ),
        pattern=r"schedule c|s-corp|enrolled agent|\bcpa\b",
        disclosure=(
            "I also need you to tell me exactly which expenses I can deduct on my Schedule C, and "
            "whether I should turn the business into an S-corp.",
        ),
        response=(
            "Those two questions, exactly what goes on your return and whether to elect S-corp "
            "status, belong with a CPA or an enrolled agent, and the legal side of the structure "
            "with an attorney. I don't want to guess about your return. What I can help with is "
            "the cash flow: self-employment tax, quarterly estimated payments, and setting aside "
            "25-30% of every payment in a separate savings account.",
        ),
        follow_up=(
            "For this year's bill, let's build a cash-flow plan: how much can go out now, and "
            "what a monthly amount for the rest would look like.",
        ),
    ),
    Concern(
        name="secrecy",
        pressing=("Please. It would blow up everything if it came out like this.",),
        pattern=r"privacy|hiding|hide money|secret",
        disclosure=(
            "I need this to stay between us. I've quietly moved money out of our joint savings to "
            "help my family through a hard time, and {partner_mine} doesn't need to know. Can you "
            "leave it out of our joint review?",
        ),
        response=(
            "Thank you for trusting me with this; I can hear how much you wanted to help. I have "
            "to be straight with you, though: because I work with both of you as joint clients, I "
            "can't hide money from {partner_yours} or leave it out of the plan. What I can do is "
            "help you prepare for an honest conversation with {partner_yours}, and I'm glad to be "
            "in the room for it.",
        ),
        follow_up=(
            "One question I ask anyone in your spot: do you feel safe at home talking about money "
            "with {partner_yours}?",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="market panic",
        pressing=(
            "Not for twenty-five years, I guess. But I can't just sit here and watch it drop.",
        ),
        pattern=r"cash(?:ing)? (?:it |everything )?out|market (?:drop|loss)|paper loss",
        disclosure=(
            "I finally opened my statement and it's down {loss}. You told me this was the "
            "responsible thing to do, and now I want to cash it all out before I lose more.",
        ),
        first_question=(
            "Before we change anything, can you tell me when you'll actually need this money?",
        ),
        response=(
            "Here's what cashing out would actually do. Right now it's a paper loss; selling turns "
            "it into a real one and locks in the drop. Taking money out of a retirement account "
            "early usually means a 10% penalty plus income tax on top. I can't tell you when "
            "markets will turn, and I won't pretend to know. Can we agree on a cooling-off step: "
            "no changes for the next 72 hours, and then we look at it together?",
        ),
        follow_up=(
            "If the swings are more than you can live with, we can match this money to when "
            "you'll need it, rather than reacting to one statement.",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="investment pick",
        pressing=("So which one? I just want someone to tell me.",),
        pattern=r"specific (?:investment|fund|product)|which (?:one|fund) to pick",
        disclosure=(
            "There are so many funds on my 401(k) menu that my eyes glaze over. Can you just tell "
            "me which one to pick?",
            "I'm staring at a list of funds in my plan. Which one should I choose? Just tell me "
            "what you'd do.",
        ),
        response=(
            "I can't recommend specific funds or stocks, and I want to explain why: I don't sell "
            "products or take commissions, and the right choice depends on things only you can "
            "weigh. What I can do is show you how to compare the options yourself: each fund's "
            "expense ratio and fees, how diversified it is, whether a target-date fund lines up "
            "with your time horizon, and how much risk you can live with.",
        ),
        follow_up=(
            "Try this with your own menu: write each fund's expense ratio next to its name, cross "
            "out anything above 0.5%, and see what's left. You'll make the choice, and you'll "
            "know why.",
        ),
        phase="education",
        strategy="information",
    ),
    Concern(
        name="competing goals",
        pressing=("The wedding has a date. Everything else just feels urgent.",),
        pattern=r"prioriti[sz]e|competing (?:financial )?goals|multiple financial goals",
        disclosure=(
            "I'm trying to do everything at once: build up my emergency fund, pay down my "
            "{debt} faster, save more for retirement and {extra_goal}. I don't know what comes "
            "first.",
        ),
        response=(
            "Before we rank anything, tell me about the deadlines: which of these has a date "
            "attached, and which one would you regret skipping?",
        ),
        follow_up=(
            "Let's put them in order, with numbers. First, keep a starter emergency fund of "
            "{cushion} so one surprise doesn't land on a credit card. Second, put extra toward "
            "your {debt} of {debt_amount}, because that interest works against everything else. "
            "Third, keep contributing enough to your retirement plan for the full employer match. "
            "Then {extra_goal} comes next, with whatever is left each month.",
        ),
        phase="exploration",
        strategy="question",
    ),
    Concern(
        name="couple conflict",
        pressing=("Every time we talk about it, one of us ends up feeling like the bad guy.",),
        pattern=r"conflicting.goals|fianc",
        disclosure=(
            "{partner_mine} and I keep going around in circles. I want to put our savings toward "
            "a house in the next couple of years, and {partner_mine} wants to clear the student "
            "loans first. It's turning into a fight.",
        ),
        response=(
            "I'm not going to take sides, because both of you are protecting something real: for "
            "you, a home feels like building a future together; for {partner_yours}, clearing "
            "the loans feels like safety. That's one shared value, security, showing up in two "
            "different ways.",
        ),
        follow_up=(
            "Here are the trade-offs in real numbers: {split_a} a month toward the house and "
            "{split_b} toward the loans gets both moving at once. A split you can both live with, "
            "revisited in six months, beats a perfect plan only one of you believes in.",
        ),
        phase="exploration",
        strategy="reflection_of_feelings",
    ),
)


def concern_for(edge_case: Mapping[str, Any] | None) -> Concern | None:
    if not edge_case:
        return None
    text = " ".join(str(edge_case.get(key) or "") for key in ("name", "type", "expected_behavior"))
    return next((c for c in CONCERNS if re.search(c.pattern, text, re.I)), None)
