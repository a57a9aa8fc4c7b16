"""Bending the standard beats around an edge case's concern, or replacing them in a crisis."""

from generation.emulator.beats import (
    Beat,
    feeling_line,
    figure_values,
    joined,
    opening_beat,
    planning_beat,
    validation,
)
from generation.emulator.concerns import Concern
from generation.emulator.phrases import PERMISSION
from generation.emulator.scene import Scene


def with_concern(scene: Scene, beats: list[Beat], concern: Concern) -> list[Beat]:
    first, second = beats[0], beats[1]
    first.client = joined(first.client, scene.say(concern.disclosure))
    opener = scene.say(concern.first_words) if concern.first_words else validation(scene, 0)
    first.elena = joined(
        opener,
        scene.say(ACKNOWLEDGEMENTS),
        scene.say(concern.first_question or DISCLOSURE_QUESTIONS),
    )
    first.strategy = "question"
    following = beats[2].phase if len(beats) > 3 else ""
    second.client = joined(scene.say(concern.pressing), feeling_line(scene, 1))
    second.elena = joined(
        validation(scene, 1),
        scene.say(concern.response),
        scene.say(PERMISSION[following], **figure_values(scene, 2))
        if following in PERMISSION
        else "",
    )
    second.phase, second.strategy = concern.phase, concern.strategy
    if concern.follow_up:
        _add_follow_up(scene, beats, scene.say(concern.follow_up))
    return beats


def _add_follow_up(scene: Scene, beats: list[Beat], follow_up: str) -> None:
    planning = [index for index, beat in enumerate(beats) if index > 1 and beat.phase == "planning"]
    if planning:
        beats[planning[0]] = planning_beat(scene, planning[0], suggestion=follow_up)
    else:
        target = beats[2] if len(beats) > 3 else beats[-1]
        target.elena = joined(target.elena, follow_up)


ACKNOWLEDGEMENTS = (
    "Thank you for telling me that[, {name}|]; it [matters|is important], and we'll take it"
    " [seriously|one step at a time|carefully].",
    "I'm glad you brought that up [right away|so early|today][, {name}|][; it changes what we"
    " focus on|, because it matters|].",
    "That's an important thing to put on the table[, {name}|], and I'm [glad|grateful] you"
    " [did|said it|trusted me with it].",
)
DISCLOSURE_QUESTIONS = (
    "Can you tell me [a bit|a little] more about what's [happening|going on][, {name}|]?",
    "What feels most [pressing|urgent|heavy] about it right now[, {name}|]?",
    "How long has this been [weighing on you|going on|on your mind][, {name}|]?",
)


URGENT_CLIENT = (
    "I'm safe tonight, I think. I just don't see how we get out of this.",
    "I haven't done anything. I'm just so tired of holding it all together.",
)
# Each says why the feeling makes sense and that the client is not alone (never that
# "everyone feels this way", which minimises a disclosure).
URGENT_VALIDATIONS = (
    "It makes sense to feel {feeling}, {name}, because you've been carrying so much on your own. "
    "You're not alone in this.",
    "{name}, feeling {feeling} like this is not weakness; it means you've carried too much alone. "
    "You're not alone now.",
    "I hear how {feeling} you are, {name}, and I'm staying right here with you, because you matter "
    "more than any of this. You are not alone.",
)
URGENT_SECOND = (
    "I'm really glad you're safe right now, and I'm glad you told me. Would it be okay if we set "
    "the money aside for now? What you're feeling deserves real support, more than I can give as "
    "your planner. Would you be willing to call or text 988 while we're still talking, or with "
    "{partner_yours} beside you?",
    "Thank you for answering me honestly. Your safety comes first today, before any number: is it "
    "okay if we leave the money for another day? Could you call or text 988 now, while I'm here, "
    "so someone trained for this can help you get through tonight?",
)
# (client, Elena's strategy, Elena): a crisis conversation stays on support, never on budgets.
URGENT_MIDDLE = (
    ("What would I even say to them?", "information",
     "You can say exactly what you told me. They'll listen, help you think through how to stay "
     "safe tonight, and connect you with support near you."),
    ("I don't want {partner_mine} to worry.", "reflection_of_feelings",
     "I can hear how much you want to protect {partner_yours}. Letting someone close to you know "
     "is part of staying safe, and you don't have to carry this by yourself."),
    ("Okay. I'll text them tonight.", "question",
     "That's a brave step. Could you text them now, before we hang up, so I know you're safe?"),
    ("What about the bills? They're still there.", "affirmation_and_reassurance",
     "They are, and we'll look at them together once you're connected to support. Nothing about "
     "the money has to be decided today."),
    ("I think I need to talk to someone regularly, not just tonight.", "providing_suggestions",
     "That's a wise instinct. Your doctor or a counselor can help with ongoing support, and 988 "
     "can point you to someone near you."),
    ("I feel a little steadier saying it out loud.", "affirmation_and_reassurance",
     "I can hear that, and it matters. You reached out, and that took strength."),
    ("Can we still work on the money later?", "affirmation_and_reassurance",
     "Absolutely. When you're ready, we'll sit down with the numbers together, one small piece at "
     "a time."),
)  # fmt: skip
URGENT_LAST = (
    ("Thank you for not just talking about money. I'll call 988 tonight.",
     "Thank you for trusting me with this. Please reach out to 988 tonight, and I'll call you "
     "next week to pick up the financial work when you're ready."),
    ("I texted them. Someone is going to call me back.",
     "I'm so glad. Keep 988 in your phone tonight, and I'll check in with you on Monday about "
     "the financial work, whenever you're ready."),
)  # fmt: skip


def urgent_beats(scene: Scene, count: int) -> list[Beat]:
    """A crisis sets the money talk aside for the whole conversation: safety, then referral."""
    concern = scene.concern
    assert concern is not None
    first = opening_beat(scene, 0)
    first.client = joined(first.client, scene.say(concern.disclosure))
    thanks = f"{scene.values['name']}, thank you for telling me."
    first.elena, first.strategy = joined(thanks, scene.say(concern.response)), "question"
    feeling = scene.feeling(1)
    second = Beat(
        scene.say(URGENT_CLIENT),
        joined(scene.say(URGENT_VALIDATIONS, feeling=feeling), scene.say(URGENT_SECOND)),
        "referral",
        "providing_suggestions",
    )
    middle = [
        Beat(scene.say((client,)), scene.say((elena,)), "referral", strategy)
        for client, strategy, elena in URGENT_MIDDLE[: count - 3]
    ]
    client, elena = scene.rng.choice(URGENT_LAST)
    last = Beat(
        scene.say((client,)), scene.say((elena,)), "resolution", "affirmation_and_reassurance"
    )
    return [first, second, *middle, last]
