"""What fills a phrase's slots: feelings, concepts, next steps and the money a plan moves.

Each kind of filler fits one grammatical slot, and the wording tests render every phrase with
every filler its slot takes: a feeling is an adjective phrase ("I feel {feeling}", "you sound
{feeling}"), a concept a noun phrase that follows a preposition ("about {concept}"), a step a
verb phrase in the base form that Elena says about the client ("{step}") and the client says
about themselves once turned ("I'll {my_step}").
"""

import re

from eidataset.emotions import canonical

# How a person says they feel each label of the vocabulary: an adjective phrase with no
# pronoun in it, so it reads the same after "I feel", "I'm", "you sound" and "feeling".
FEELINGS = {
    "anxiety": "anxious", "worry": "worried", "fear": "afraid", "dread": "full of dread",
    "panic": "panicked", "overwhelm": "overwhelmed", "stress": "stressed",
    "confusion": "confused", "uncertainty": "unsure", "indecision": "stuck",
    "doubt": "doubtful", "skepticism": "skeptical", "frustration": "frustrated",
    "anger": "angry", "resentment": "resentful", "shame": "ashamed",
    "embarrassment": "embarrassed", "guilt": "guilty", "regret": "full of regret",
    "grief": "heartbroken", "sadness": "sad", "loneliness": "alone with it",
    "despair": "hopeless", "desperation": "desperate", "envy": "envious",
    "insecurity": "insecure", "vulnerability": "exposed", "avoidance": "tempted to look away",
    "defensiveness": "defensive", "curiosity": "curious", "hope": "hopeful",
    "openness": "open to it", "relief": "relieved", "calm": "calm",
    "clarity": "clear-headed", "understanding": "clearer about it",
    "acceptance": "at peace with it", "self-compassion": "more forgiving",
    "confidence": "confident", "determination": "determined",
    "focus": "focused", "commitment": "committed", "satisfaction": "satisfied",
    "contentment": "content", "gratitude": "grateful", "trust": "ready to trust this",
    "stability": "steadier", "supported": "supported", "pride": "proud",
    "optimism": "optimistic",
}  # fmt: skip


def feeling_word(emotion: str) -> str:
    """How a person says they feel it: 'anxiety' -> 'anxious'."""
    label = canonical(emotion)
    return FEELINGS[label] if label else "unsettled"


# Singular count nouns that need an article when a concept is said after a preposition:
# "about the early withdrawal penalty", never "about early withdrawal penalty".
COUNT_NOUNS = frozenset(
    {"penalty", "ratio", "rate", "horizon", "match", "goal", "advantage", "step-up", "review"}
    | {"trap", "rule", "fund", "loan", "plan", "account", "budget", "checklist", "schedule"}
    | {"limit", "period", "window", "estimate", "policy", "deadline", "designation"}
    | {"directive", "letter", "statement", "bill"}
)
_DETERMINERS = r"(?:a|an|the|your|my|our|their|his|her|each|every|one|two|three|some|any)"


def concept_phrase(concept: str) -> str:
    """The concept as it is said after a preposition, with the article a singular needs."""
    words = concept.split()
    if not words or re.match(rf"{_DETERMINERS}\b", concept, re.I) or " versus " in concept:
        return concept
    if re.match(r"\w+ing\b", words[0]) or re.match(r"(how|what|when|why|where)\b", concept):
        return concept
    head = re.split(r"\s+(?:of|in|as|for|on|to|and)\s+", concept)[0].split()[-1].lower()
    return f"the {concept}" if head in COUNT_NOUNS else concept


# Next steps in Elena's words, about the client ("your"); `turned` gives the client's.
NEXT_STEPS = (
    "set up an automatic transfer of {small} on each payday, toward the {debt}",
    "write every balance, rate and due date on one page, starting with your {debt}",
    "pull your last two months of statements and circle anything over {small}",
    "book thirty minutes with me next week so we can talk about {concept}",
    "open a separate savings account for this goal and move the first {small} into it",
    "log in, write the balance of your {debt} on a sticky note and put it on the fridge",
    "list what comes out of your account automatically each month, the {debt} included",
    "move {small} into savings the day your paycheck lands",
    "call the lender on your {debt} and ask what your payoff amount is",
    "pick one evening this week and read up on {concept} for twenty minutes",
    "write down the one thing about {concept} that still worries you",
    "check what the payment on your {debt} actually is and when it comes out",
)
