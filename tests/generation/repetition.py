"""How often the emulator says the same sentence in different conversations of one run.

A run is what `build_release --count N` asks the emulator for: the planner's N parameter sets
on the shipped scaffolding, each sent as the app's prompt to the emulator's HTTP handler. A
sentence is *shared* when it occurs in more than one conversation of the run; the share counts
each conversation's distinct sentences once. `masked` replaces names and amounts first, so it
also counts sentences that differ only in the client's name or numbers.
"""

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import httpx2

from generation.emulator import Emulator
from generation.emulator.scene import partner_of
from generation.models import Conversation
from generation.planner import plan_parameter_sets
from generation.plans import resolve_plan
from generation.prompts import user_prompt
from generation.schema import CONVERSATION_SCHEMA

Turns = list[dict[str, Any]]
SPEAKERS = {"elena": "assistant_response", "client": "user_input"}
NUMBER = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?")


def emulated_run(count: int, plan_seed: int, emulator_seed: int = 0) -> list[tuple[Turns, str]]:
    """(turns, the names in it: client, partner, Elena) for each conversation of a planned run."""
    sets = plan_parameter_sets(count, seed=plan_seed)
    resolved = resolve_plan([parameter_set.to_json() for parameter_set in sets])
    emulator = Emulator(seed=emulator_seed)
    run = []
    for number, item in enumerate(resolved, start=1):
        conversation = Conversation(
            sequence_number=number,
            tier=item.parameters.tier,
            persona=item.persona,
            emotional_arc=item.arc,
            training_topic=item.topic,
            edge_case=item.edge_case,
            chunk=item.chunk,
            chunk_context=item.parameters.chunk_context or "",
            parameters=item.parameters.to_json(),
        )
        persona = item.persona
        partner = partner_of(
            {"demographics": persona.demographics, "description": persona.description}
        )
        names = " ".join(filter(None, [persona.name, partner, "Elena"]))
        run.append((emulated_turns(emulator, user_prompt(conversation)), names))
    return run


def emulated_turns(emulator: Emulator, prompt: str) -> Turns:
    body = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 16_000,
        "messages": [{"role": "user", "content": prompt}],
        "output_config": {"format": {"type": "json_schema", "schema": CONVERSATION_SCHEMA}},
    }
    response = emulator.handle(httpx2.Request("POST", "https://emulator/v1/messages", json=body))
    assert response.status_code == 200, response.text
    return json.loads(response.json()["content"][0]["text"])["turns"]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def masked(sentence: str, names: Iterable[str]) -> str:
    for name in names:
        sentence = re.sub(rf"\b{re.escape(name)}\b", "NAME", sentence)
    return NUMBER.sub("AMOUNT", sentence)


def said_by(run: list[tuple[Turns, str]], speaker: str, mask: bool = False) -> list[set[str]]:
    """Each conversation's distinct sentences from one speaker."""
    key = SPEAKERS[speaker]
    said = []
    for turns, names_in_it in run:
        names = names_in_it.split()
        found = {s for turn in turns for s in sentences(turn[key])}
        said.append({masked(s, names) for s in found} if mask else found)
    return said


def shared_share(said: list[set[str]]) -> float:
    """The share of sentences (distinct within their conversation) seen in more than one."""
    conversations_saying = Counter(s for sentences_of_one in said for s in sentences_of_one)
    total = sum(len(sentences_of_one) for sentences_of_one in said)
    shared = sum(1 for one in said for s in one if conversations_saying[s] > 1)
    return shared / total if total else 0.0


def most_shared(said: list[set[str]], top: int = 10) -> list[tuple[str, int]]:
    counts = Counter(s for sentences_of_one in said for s in sentences_of_one)
    return [(s, n) for s, n in counts.most_common(top) if n > 1]
