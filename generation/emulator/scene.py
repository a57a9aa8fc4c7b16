"""What a conversation is about, read once from the brief: names, numbers, arc and concern."""

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generation.emulator.concerns import Concern, concern_for
from generation.emulator.phrases import NEXT_STEPS


@dataclass
class Scene:
    """What a conversation is about, read once from the brief, and the dice for its wording."""

    brief: dict[str, Any]
    rng: random.Random
    values: dict[str, str]
    emotions: list[str]
    stages: list[str]
    concepts: list[str]
    figures: list[tuple[str, str]]
    concern: "Concern | None"
    said: set[str] = field(default_factory=set)

    def say(self, options: Sequence[str], **extra: str) -> str:
        """One of the options, not one this conversation has used already while others remain."""
        fresh = [option for option in options if option not in self.said] or list(options)
        choice = self.rng.choice(fresh)
        self.said.add(choice)
        return choice.format_map({**self.values, **extra})

    def figure(self, index: int) -> tuple[str, str]:
        return self.figures[index % len(self.figures)]

    def concept(self, index: int) -> str:
        return self.concepts[index % len(self.concepts)]

    def feeling(self, index: int) -> str:
        return feeling_word(self.emotions[index])

    def is_settled(self, index: int) -> bool:
        arc = self.brief["arc"]
        calm = {arc["ending_emotion"], *arc.get("ending_synonyms", [])}
        return self.emotions[index] in calm | SETTLED_EMOTIONS


def build_scene(brief: dict[str, Any], rng: random.Random, count: int) -> Scene:
    persona, topic = brief["persona"], brief["topic"]
    figures = figures_of(brief)
    scene = Scene(
        brief=brief,
        rng=rng,
        values={},
        emotions=along_arc(arc_emotions(brief["arc"]), count),
        stages=along_arc([stage["name"] for stage in brief["arc"].get("stages") or []], count),
        concepts=[c for c in topic.get("key_concepts") or [] if _speakable(c)] or [topic["name"]],
        figures=figures,
        concern=concern_for(brief.get("edge_case")),
    )
    rng.shuffle(scene.concepts)
    focus = (brief.get("specifics") or {}).get("focus_concept")
    if isinstance(focus, str) and _speakable(focus):
        scene.concepts.insert(0, focus)
    partner = partner_of(persona)
    scene.values = {
        "name": persona["name"].split()[0],
        "topic": topic["name"],
        "gist": _gist(topic.get("description") or topic["name"]),
        "gist_short": _gist(topic.get("description") or topic["name"]).split(",")[0],
        "partner_mine": partner or "my partner",
        "partner_yours": partner or "your partner",
        "small": money(monthly_spare(brief) / 5, nearest=10),
        "spare": money(monthly_spare(brief), nearest=50),
        "split_a": money(monthly_spare(brief) * 0.6, nearest=50),
        "split_b": money(monthly_spare(brief) * 0.4, nearest=50),
        "cushion": money(client_number(brief, "monthly_expenses") or 3000),
        "debt": debt_of(persona)[0],
        "debt_amount": debt_of(persona)[1],
        "extra_goal": extra_goal(brief),
        "loss": next((v for k, v in figures if re.search("loss|drop|down", k)), "thousands"),
    }
    scene.values["step"] = scene.say(NEXT_STEPS, concept=scene.concept(0))
    scene.values["my_step"] = re.sub(r"\byour\b", "my", scene.values["step"]).replace(
        "with me", "with you"
    )
    return scene


def arc_emotions(arc: Mapping[str, Any]) -> list[str]:
    path = [arc["starting_emotion"], *(s["emotion"] for s in arc.get("stages") or [])]
    path.append(arc["ending_emotion"])
    return [e for i, e in enumerate(path) if i == 0 or e != path[i - 1]]


def along_arc(path: list[str], count: int) -> list[str]:
    """`count` points along `path`, first and last included."""
    if not path:
        return []
    last = len(path) - 1
    return [path[round(index * last / max(1, count - 1))] for index in range(count)]


# --- what the client brings: names and numbers -----------------------------------------

# Where arcs end; Elena affirms these instead of validating a difficulty.
SETTLED_EMOTIONS = frozenset(
    {"relief", "hope", "hopeful", "clarity", "confidence", "satisfaction", "acceptance"}
    | {"supported", "focus", "stability", "understanding", "trust", "determination"}
    | {"contentment", "commitment", "self-compassion", "calm", "peace", "optimism", "curiosity"}
)
FEELINGS = {
    "confusion": "confused", "embarrassment": "embarrassed", "curiosity": "curious",
    "clarity": "clear-headed", "anxiety": "anxious", "worry": "worried", "hope": "hopeful",
    "relief": "relieved", "frustration": "frustrated", "irritation": "irritated",
    "satisfaction": "satisfied", "shame": "ashamed", "vulnerability": "exposed",
    "acceptance": "at peace with it", "overwhelm": "overwhelmed", "stress": "stressed",
    "confidence": "confident", "despair": "hopeless", "distress": "shaken",
    "focus": "focused", "uncertainty": "unsure", "desperation": "desperate", "fear": "afraid",
    "apprehension": "uneasy", "grief": "heartbroken", "sadness": "sad", "stability": "steadier",
    "guilt": "guilty", "regret": "full of regret", "self-compassion": "gentler with myself",
    "anger": "angry", "understanding": "like I finally understand", "skepticism": "skeptical",
    "doubt": "doubtful", "trust": "ready to trust this", "dread": "full of dread",
    "determination": "determined", "envy": "envious", "insecurity": "insecure",
    "contentment": "content", "indecision": "stuck", "commitment": "committed",
    "optimism": "optimistic", "impatience": "impatient", "avoidance": "like hiding from it",
    "panic": "panicked", "helplessness": "helpless", "hopelessness": "hopeless",
}  # fmt: skip


def feeling_word(emotion: str) -> str:
    """How a person says they feel it: 'anxiety' -> 'anxious'."""
    if emotion in FEELINGS:
        return FEELINGS[emotion]
    if re.search(r"(ed|ful|ous|ive|ent|ant|al|ic|less)$", emotion):
        return emotion
    return f"a lot of {emotion}"


def figures_of(brief: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, amount as said aloud): the brief's specifics first, then the persona's."""
    numbers = (brief.get("specifics") or {}).get("numbers") or {}
    finances = brief["persona"].get("finances") or {}
    pairs = [*numbers.items(), *((k, v) for k, v in finances.items() if k not in numbers)]
    pairs = sorted(pairs, key=lambda pair: _worry_rank(pair[0]))
    figures = [(_label(key), amount(key, value)) for key, value in pairs if _is_number(value)]
    return figures or [("monthly budget", "$3,000")]


def _worry_rank(key: str) -> int:
    """Debts and shortfalls first: they are what a client brings up and Elena works on."""
    order = ("debt|owe|balance|loss|loan|bill", "saving|fund|cushion", "expense|spend", "income")
    return next((rank for rank, words in enumerate(order) if re.search(words, key)), len(order))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _label(key: str) -> str:
    return key.replace("_", " ").strip()


def amount(key: str, value: float) -> str:
    if re.search(r"rate|apr|percent|pct|ratio", key):
        return f"{value:g}%"
    if re.search(r"months|years|weeks|days|age|count|dependents|children|number", key):
        return f"{value:g}"
    return money(value)


def money(value: float, nearest: int = 1) -> str:
    rounded = max(nearest, round(value / nearest) * nearest)
    return f"${rounded:,.0f}"


def client_number(brief: Mapping[str, Any], key: str) -> float | None:
    """The brief's specific figure, else the persona's."""
    for source in ((brief.get("specifics") or {}).get("numbers"), brief["persona"].get("finances")):
        value = (source or {}).get(key)
        if _is_number(value):
            return float(value)
    return None


def monthly_spare(brief: Mapping[str, Any]) -> float:
    take_home = (client_number(brief, "annual_income") or 60_000) / 12 * 0.75  # after tax, roughly
    spare = take_home - (client_number(brief, "monthly_expenses") or take_home * 0.8)
    return max(300.0, spare)


def debt_of(persona: Mapping[str, Any]) -> tuple[str, str]:
    """('car loan', '$11,800') from the persona's debts, the first one listed."""
    for line in (persona.get("finances") or {}).get("debts") or []:
        name, _, rest = str(line).partition(":")
        found = re.search(r"\$[\d,]+", rest)
        if found:
            return name.strip().lower(), found.group(0)
    return "debts", money(float((persona.get("finances") or {}).get("debt_total") or 5000))


def partner_of(persona: Mapping[str, Any]) -> str | None:
    text = f"{persona.get('demographics', {}).get('household', '')} {persona.get('description')}"
    found = re.search(r"\b(?:married to|engaged to|partner,?|fianc[ée]e?,?)\s+([A-Z][a-z]+)", text)
    return found.group(1) if found else None


EXTRA_GOALS = {
    r"wedding": "pay for the wedding",
    r"\bhouse\b|\bhome\b|down payment": "save for a house",
    r"college|529": "save for the kids' college",
    r"business": "keep the side business going",
}


def extra_goal(brief: Mapping[str, Any]) -> str:
    edge = brief.get("edge_case") or {}
    text = f"{edge.get('expected_behavior', '')} {brief['persona'].get('description', '')}"
    found = [goal for pattern, goal in EXTRA_GOALS.items() if re.search(pattern, text, re.I)]
    return found[0] if found else "get ahead on everything else"


def _speakable(concept: str) -> bool:
    return not re.match(r"(why|how|what|when)\b", concept, re.I) and "Elena" not in concept


def _gist(description: str) -> str:
    first = re.split(r"(?<=[.!?])\s", description.strip())[0].rstrip(".")
    return first[:1].lower() + first[1:]


def chunk_quote(scene: Scene) -> str | None:
    chunk = scene.brief.get("chunk")
    if not chunk or not chunk.get("text"):
        return None
    prose = [line for line in chunk["text"].splitlines() if not re.match(r"\s*(#|[-*•] |\|)", line)]
    plain = re.sub(r"\s+", " ", re.sub(r"[*_>`]+", "", " ".join(prose)))
    sentences = re.split(r"(?<=[.!?])\s+", plain)
    usable = [s.strip() for s in sentences if 40 <= len(s.strip()) <= 240]
    return scene.rng.choice(usable) if usable else None
