"""The emulator's wording: every phrase, in every variant, with every filler its slots take,
read against a grammar rule set; and how often a 100-conversation run repeats a sentence.

The rule set names the slot-filling faults a template writer makes ("get revisiting the
spending plan", "I'm glad you feel like I finally understand", "the savings is", a name said
twice, a slot left unfilled) and the mechanical ones (a/an, doubled words, a sentence that
starts in lower case). It is written from those fault classes, not from the emulator's output.
"""

import itertools
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from eidataset.emotions import VOCABULARY
from generation.emulator import edge_cases, openings, phrases
from generation.emulator.fillers import FEELINGS, NEXT_STEPS, concept_phrase, feeling_word
from generation.emulator.scene import _speakable, debt_of, figures_of, partner_of
from generation.emulator.wording import count_variants, fill, pick, turned, variants
from generation.specifics import TRIGGERS
from tests.generation.repetition import emulated_run, most_shared, said_by, shared_share

DEFAULTS = Path(settings.BASE_DIR) / "eidataset" / "defaults"
# The target: at most this share of either speaker's sentences in more than one
# conversation of a 100-conversation run (names and amounts as written).
MAX_SHARED = 0.10

# --- the rule set ------------------------------------------------------------------------

GERUND_NOUNS = r"(?:savings|something|nothing|everything|anything|spending|morning|evening|thing)"
PREPOSITIONS = frozenset(
    [
        "about",
        "on",
        "with",
        "of",
        "for",
        "at",
        "to",
        "into",
        "over",
        "around",
        "behind",
        "toward",
        "towards",
        "from",
        "in",
        "as",
        "through",
        "by",
        "explain",
    ]  # "explain" takes any noun phrase, a gerund's or a question's too
)
RULES = {
    "a slot or choice left unfilled": r"[{}\[\]|]",
    "a doubled word": r"(?i)\b(\w+) \1\b",
    "two determiners in a row": r"(?i)\b(?:the|your|my|a|an) (?:the|your|my|a|an)\b",
    "a space before punctuation": r"\s[,.;:!?]",
    "punctuation doubled": r"[,;:]\s*[,;:.!?]|\.\.|\?\.|!\.",
    "a sentence that starts in lower case": r"(?:^|[.!?]\s+)[a-z]",
    "'a' before a vowel sound": r"(?i)\ba (?:[aio]\w|e(?!u)\w|u(?!ni|s))",
    "'an' before a consonant sound": r"\b[Aa]n (?![aeiouAEIOU]|h(?:our|onest)"
    r"|[FHLMNRSX](?:\b|-|[A-Z]))\w",  # an S-corp, an HSA: initialisms said letter by letter
    "a verb or 'to' before a gerund phrase": rf"(?i)(?<!comes )(?<!shift )(?<!forward )"
    rf"\b(?:to|get|gets|send|aim|put|toward|towards|will|can|should|must|I'll|I'd)\s+"
    rf"(?!{GERUND_NOUNS}\b)\w+ing\b",
    "'a lot of' before an adjective": r"(?i)\ba lot of \w+(?:ed|ous|ive|ful|less)\b",
    "a plural subject with 'is'": r"(?i)(?:^|[,;:]\s*|\b(?:because|and|but|that|so)\s+)"
    r"(?:the|my|your) (?:[\w-]+ )?(?:loans|cards|savings|expenses|debts|payments)"
    r" (?:is|was|has)\b",
    "a singular subject with 'are'": r"(?i)\b(?:loan|income|total|balance) (?:are|were)\b",
    "a feeling with the other speaker's pronoun": r"(?i)\byou (?:feel|sound|are|'re)"
    r" (?:like )?(?:I|I'm|my|me|myself)\b",
}
_RULES = {name: re.compile(pattern) for name, pattern in RULES.items()}
NAME_TWICE = re.compile(r"\b(Marcus|Jennifer|David|Luis|Priya)\b[^.!?]*\b\1\b")


def faults(text: str) -> list[str]:
    found = [name for name, rule in _RULES.items() if rule.search(text)]
    return found + (["a name said twice in a sentence"] if NAME_TWICE.search(text) else [])


@pytest.mark.parametrize(
    ("bad", "fault"),
    [
        ("I have a real wish to get revisiting the spending plan right.", "gerund"),
        ("I'm really glad you feel like I finally understand, David.", "pronoun"),
        ("Send me {when} a note.", "unfilled"),
        ("Honestly, your savings is $1,900.", "plural subject"),
        ("Jennifer, anyone would feel that, Jennifer.", "name said twice"),
        ("Let's open a account.", "'a' before"),
        ("it starts small.", "lower case"),
    ],
)
def test_the_rule_set_catches_each_fault_it_names(bad, fault):
    assert any(fault in name for name in faults(bad)), faults(bad)


# --- what fills each slot ----------------------------------------------------------------


@cache
def shipped(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((DEFAULTS / f"{name}.yaml").read_text())


@cache
def fillers() -> dict[str, list[str]]:
    """Every value each slot can take from the shipped scaffolding."""
    personas = shipped("personas")
    concepts = [c for t in shipped("topics") for c in t["key_concepts"] if _speakable(c)]
    figures = [f for p in personas for f in figures_of({"persona": p, "specifics": {}})]
    debts = sorted({debt_of(p, rng)[0] for p in personas for rng in _rngs()})
    values = {
        "name": [p["name"].split()[0] for p in personas],
        "feeling": sorted(set(FEELINGS.values())),
        "concept": [concept_phrase(c) for c in concepts],
        "label": sorted({label for label, _ in figures}),
        "amount": sorted({amount for _, amount in figures}),
        "debt": debts,
        "debt_amount": ["$11,800"],
        "small": ["$60", "$85"],
        "spare": ["$300", "$1,250"],
        "cushion": ["$4,650"],
        "split_a": ["$600"],
        "split_b": ["$400"],
        "partner_mine": [partner_of(p) or "my partner" for p in personas],
        "partner_yours": [partner_of(p) or "your partner" for p in personas],
        "extra_goal": ["pay for the wedding", "get ahead on everything else"],
        "loss": ["$4,200"],
        "when": variants(phrases.CHECK_IN_WHEN),
        "figures": ["I have $1,900 in savings and $30,800 of debt in total"],
        "title": ["Building Your First Emergency Fund"],
        "quote": ["Start with a small goal you can reach in a few months."],
        "trigger": [t.replace("Elena", "you").replace("the client", "me") for t in TRIGGERS],
    }
    base = {slot: options[0] for slot, options in values.items()}
    steps = [
        fill(step, base | {slot: option}, fragment=True)
        for step in NEXT_STEPS
        for slot, options in values.items()
        if "{" + slot + "}" in step
        for option in options
    ] + [fill(step, base, fragment=True) for step in NEXT_STEPS]
    values["step"] = sorted(set(steps))
    values["my_step"] = sorted({turned(step) for step in steps})
    return values


def _rngs() -> list[Any]:
    import random

    return [random.Random(seed) for seed in range(12)]


def phrase_banks() -> list[tuple[str, str]]:
    """(where, phrase) for every phrase the emulator says."""
    banks: list[tuple[str, str]] = []
    for module in (phrases, openings, edge_cases):
        for name, value in vars(module).items():
            if not name.isupper() or name in ("CHECK_IN_WHEN", "TRIGGER_LEADS", "TRIGGER_LINES"):
                continue
            groups = value.values() if isinstance(value, dict) else [value]
            for group in groups:
                options = [group] if isinstance(group, str) else group
                banks += [(name, o) for o in options if isinstance(o, str)]
    leads = [lead for lead in variants(openings.TRIGGER_LEADS[0])]
    for pattern, lines in openings.TRIGGER_LINES.items():
        for line, lead in zip(lines, itertools.cycle(leads), strict=False):
            banks += [(f"TRIGGER_LINES[{pattern}]", f"{lead} {line}.") for lead in leads]
    return banks


def renderings(phrase: str) -> list[str]:
    """Every variant with the first filler of each slot, and every filler of each slot in
    turn (cycling through the variants), so each slot meets each value it can take."""
    values = fillers()
    base = {slot: options[0] for slot, options in values.items()}
    every = variants(phrase, limit=20_000)
    assert len(every) == count_variants(phrase), "more variants than the test renders"
    rendered = [fill(variant, base) for variant in every]
    for slot, options in values.items():
        having = [variant for variant in every if "{" + slot + "}" in variant]
        for option, variant in zip(options, itertools.cycle(having), strict=False):
            rendered.append(fill(variant, base | {slot: option}))
    return rendered


def test_every_phrase_reads_correctly_in_every_variant_with_every_filler():
    problems = {}
    rendered = 0
    for where, phrase in phrase_banks():
        for text in renderings(phrase):
            rendered += 1
            if found := faults(text):
                problems.setdefault((where, tuple(found)), text)

    assert rendered > 10_000
    assert problems == {}


def test_a_concept_is_only_said_after_a_preposition():
    marker = "CONCEPTMARK"
    misplaced = []
    for where, phrase in phrase_banks():
        for variant in variants(phrase, limit=20_000):
            for before in re.findall(r"(\S+)\s+\{concept\}", variant):
                if before.lower().strip(",") not in PREPOSITIONS:
                    misplaced.append((where, variant.replace("{concept}", marker)))
    assert misplaced == []


def test_every_label_of_the_emotion_vocabulary_has_a_feeling_without_a_pronoun():
    assert set(FEELINGS) == set(VOCABULARY)
    for label in VOCABULARY:
        said = feeling_word(label)
        assert not re.search(r"(?i)\b(?:I|me|my|myself|you|your|yourself)\b", said), label
        for frame in ("I feel {}.", "I'm {}.", "You sound {}.", "Feeling {} makes sense."):
            assert faults(frame.format(said)) == [], (label, frame)


def test_a_concept_takes_the_article_a_singular_needs():
    assert concept_phrase("early withdrawal penalty") == "the early withdrawal penalty"
    assert concept_phrase("income replacement ratio") == "the income replacement ratio"
    assert concept_phrase("revisiting the spending plan") == "revisiting the spending plan"
    assert concept_phrase("compound growth") == "compound growth"
    assert concept_phrase("a bare-bones budget") == "a bare-bones budget"


def test_a_step_is_turned_to_the_clients_person():
    assert turned("book thirty minutes with me to talk about your {debt}") == (
        "book thirty minutes with you to talk about my {debt}"
    )
    for step in fillers()["my_step"]:
        assert not re.search(r"(?i)\b(?:your|yours|yourself|you're|with me)\b", step), step


def test_a_choice_is_picked_whole_and_nests():
    import random

    phrase = "[I'm [really |]glad|It's good] to hear it."
    seen = {pick(phrase, random.Random(seed)) for seed in range(60)}

    assert (
        seen
        == set(variants(phrase))
        == {
            "I'm really glad to hear it.",
            "I'm glad to hear it.",
            "It's good to hear it.",
        }
    )
    with pytest.raises(ValueError, match="unclosed"):
        variants("[a|b")


# --- repetition over a run ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_100_conversation_run_shares_few_sentences_between_conversations(scaffolding):
    run = emulated_run(100, plan_seed=1)

    for speaker in ("elena", "client"):
        said = said_by(run, speaker)
        assert shared_share(said) <= MAX_SHARED, (speaker, most_shared(said))


@pytest.mark.django_db
def test_every_sentence_of_a_run_reads_correctly(scaffolding):
    run = emulated_run(100, plan_seed=2)
    problems = {}
    for turns, _ in run:
        for turn in turns:
            for key in ("user_input", "assistant_response"):
                for sentence in re.split(r"(?<=[.!?])\s+", turn[key]):
                    if found := faults(sentence):
                        problems.setdefault(tuple(found), sentence)

    assert problems == {}
