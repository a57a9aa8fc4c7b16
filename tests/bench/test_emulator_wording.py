"""How often the offline emulator repeats itself across a run (`make bench`).

A run is the planner's N parameter sets on the shipped scaffolding, each answered by the
emulator's HTTP handler (tests/generation/repetition.py). Printed per speaker: the share of
sentences (distinct within their conversation) that occur in more than one conversation, as
written and with names and amounts masked, at 100 and 1,000 conversations, over three plan
seeds. Targets: the issue's 10% at 100 conversations for both speakers, names and amounts as
written; at 1,000, where every phrase is said ten times as often, 25% for Elena and 30% for
the client, whose lines draw on fewer of the conversation's own figures.
"""

import time

import pytest

from tests.generation.repetition import emulated_run, most_shared, said_by, shared_share

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
TARGETS = {100: {"elena": 0.10, "client": 0.10}, 1_000: {"elena": 0.25, "client": 0.30}}
SEEDS = (0, 1, 2)


@pytest.mark.parametrize("count", sorted(TARGETS))
def test_the_emulator_repeats_few_sentences_across_a_run(scaffolding, count):
    worst = {"elena": 0.0, "client": 0.0}
    for seed in SEEDS:
        started = time.perf_counter()
        run = emulated_run(count, plan_seed=seed)
        seconds = time.perf_counter() - started
        figures = []
        for speaker in worst:
            raw = shared_share(said_by(run, speaker))
            masked = shared_share(said_by(run, speaker, mask=True))
            worst[speaker] = max(worst[speaker], raw)
            figures.append(f"{speaker} {raw:.1%} (masked {masked:.1%})")
        print(f"\n{count} conversations, plan seed {seed} ({seconds:.1f} s): " + ", ".join(figures))
    for speaker, share in worst.items():
        target = TARGETS[count][speaker]
        print(
            f"{count}: {speaker} worst {share:.1%} = {share / target:.2f} x the {target:.0%} target"
        )

    assert all(share <= TARGETS[count][s] for s, share in worst.items()), (
        worst,
        most_shared(said_by(run, "elena")),
        most_shared(said_by(run, "client")),
    )
