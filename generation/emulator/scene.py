"""What a conversation is about, read once from the brief: names, numbers, arc and concern."""

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from eidataset.emotions import canonical
from generation.emulator.concerns import Concern, concern_for
from generation.emulator.fillers import NEXT_STEPS, concept_phrase, feeling_word
from generation.emulator.wording import fill, pick, turned


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

    def say(self, options: Sequence[str], fragment: bool = False, **extra: str) -> str:
        """One of the options, not one this conversation has used already while others remain,
        its parts picked and its slots filled (wording.py); a fragment keeps its first letter."""
        fresh = [option for option in options if option not in self.said] or list(options)
        choice = self.rng.choice(fresh)
        self.said.add(choice)
        return fill(pick(choice, self.rng), {**self.values, **extra}, fragment)

    def figure(self, index: int) -> tuple[str, str]:
        return self.figures[index % len(self.figures)]

    def concept(self, index: int) -> str:
        """The concept as said after a preposition ("about the early withdrawal penalty")."""
        return concept_phrase(self.concepts[index % len(self.concepts)])

    def feeling(self, index: int) -> str:
        return feeling_word(self.emotions[index])

    @property
    def returning(self) -> bool:
        """A session after the first: the planner's situation note starts with it."""
        situation = str((self.brief.get("specifics") or {}).get("situation") or "")
        return bool(situation) and not situation.lower().startswith("first meeting")

    def is_settled(self, index: int) -> bool:
        arc = self.brief["arc"]
        ending = arc.get("ending_neighbours", arc.get("ending_synonyms")) or []
        calm = {canonical(word) for word in [arc["ending_emotion"], *ending]}
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
    # A client whose story has no partner talks about a sister, not a partner: the fact check
    # (review.facts) rightly reads "my partner" from a single or divorced client as a new fact.
    someone = partner or ("my partner" if has_partner(persona) else "my sister")
    debt = debt_of(persona, rng)
    scene.values = {
        "name": persona["name"].split()[0],
        "topic": topic["name"],
        "partner_mine": someone,
        "partner_yours": partner or someone.replace("my ", "your ", 1),
        "small": money(monthly_spare(brief) / 5, nearest=5),
        "spare": money(monthly_spare(brief), nearest=10),
        "split_a": money(monthly_spare(brief) * 0.6, nearest=50),
        "split_b": money(monthly_spare(brief) * 0.4, nearest=50),
        "cushion": money(client_number(brief, "monthly_expenses") or 3000),
        "debt": debt[0],
        "debt_amount": debt[1],
        "extra_goal": extra_goal(brief),
        "loss": next((v for k, v in figures if re.search("loss|drop|down", k)), "thousands"),
    }
    # Defaults for every slot, so any phrase can be said anywhere; a beat passes its own.
    label, value = scene.figure(0)
    scene.values |= {"label": label, "amount": value, "concept": scene.concept(0)}
    scene.values |= {"feeling": scene.feeling(0), "when": "next week"}
    scene.values["step"] = scene.say(NEXT_STEPS, fragment=True, concept=scene.concept(0))
    scene.values["my_step"] = turned(scene.values["step"])
    return scene


def arc_emotions(arc: Mapping[str, Any]) -> list[str]:
    """The arc's labels in the emotion vocabulary, start to end; a stage's word that maps to
    no label is left out (the start and end always map: an arc is validated against it)."""
    words = [arc["starting_emotion"], *(s["emotion"] for s in arc.get("stages") or [])]
    words.append(arc["ending_emotion"])
    path = [label for label in map(canonical, words) if label]
    return [e for i, e in enumerate(path) if i == 0 or e != path[i - 1]] or ["uncertainty"]


def along_arc(path: list[str], count: int) -> list[str]:
    """`count` points along `path`, first and last included."""
    if not path:
        return []
    last = len(path) - 1
    return [path[round(index * last / max(1, count - 1))] for index in range(count)]


# --- what the client brings: names and numbers -----------------------------------------

# Where arcs end; Elena affirms these instead of validating a difficulty.
SETTLED_EMOTIONS = frozenset(
    {"relief", "hope", "clarity", "confidence", "satisfaction", "acceptance", "supported"}
    | {"focus", "stability", "understanding", "trust", "determination", "contentment"}
    | {"commitment", "self-compassion", "calm", "optimism", "curiosity", "gratitude", "pride"}
    | {"openness"}
)


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


def _is_number(value: Any) -> TypeGuard[int | float]:
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
    # A client who spends all they earn can still free a little: 8% of take-home, which moves
    # with their own figures.
    return max(take_home * 0.08, spare)


def debt_of(persona: Mapping[str, Any], rng: random.Random) -> tuple[str, str]:
    """('car loan', '$11,800'): one of the persona's debts, said after "the" or "your"."""
    debts = []
    for line in (persona.get("finances") or {}).get("debts") or []:
        name, _, rest = str(line).partition(":")
        found = re.search(r"\$[\d,]+", rest)
        if found:
            name = re.sub(r"^(?:one|two|three|four|five|six|\d+)\s+", "", name.strip().lower())
            debts.append((name, found.group(0)))
    if debts:
        return rng.choice(debts)
    return "debts", money(float((persona.get("finances") or {}).get("debt_total") or 5000))


def partner_of(persona: Mapping[str, Any]) -> str | None:
    text = f"{persona.get('demographics', {}).get('household', '')} {persona.get('description')}"
    found = re.search(r"\b(?:married to|engaged to|partner,?|fianc[ée]e?,?)\s+([A-Z][a-z]+)", text)
    return found.group(1) if found else None


def has_partner(persona: Mapping[str, Any]) -> bool:
    """The persona lives with a partner, named or not: married, engaged or partnered."""
    household = str(persona.get("demographics", {}).get("household", "")).lower()
    if re.search(r"\b(?:single|divorced|widowed|separated)\b", household):
        return False
    return bool(re.search(r"\b(?:married|engaged|partner|husband|wife|spouse)\b", household))


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


def chunk_quote(scene: Scene) -> str | None:
    chunk = scene.brief.get("chunk")
    if not chunk or not chunk.get("text"):
        return None
    prose = [line for line in chunk["text"].splitlines() if not re.match(r"\s*(#|[-*•] |\|)", line)]
    plain = re.sub(r"\s+", " ", re.sub(r"[*_>`]+", "", " ".join(prose)))
    sentences = re.split(r"(?<=[.!?])\s+", plain)
    usable = [re.sub(r"^[-*•]\s+", "", s.strip()) for s in sentences]
    usable = [s for s in usable if 40 <= len(s) <= 240]
    return scene.rng.choice(usable) if usable else None
