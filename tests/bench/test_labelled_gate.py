"""The quality gate on the hand-labelled conversations (issue 10's targets), per part.

Prints each check's precision and recall and the three rates, and asserts the targets: hard
defects caught >= 95%, clean conversations failed <= 5%, soft defects under the threshold >= 80%.
The holdout part is measured only when it is present, and only in aggregate.

With EIDATASET_BENCH_JUDGE=1 each conversation is first sent to the judge (CLAUDE_JUDGE_MODEL,
one call each: paid with ANTHROPIC_API_KEY, the offline emulator's heuristic verdicts without
one) and checked with its verdict, so a hard defect the judge flags with a quote found in the
text fails it (judgeDefects). The judge's model, whether it was heuristic and its cost per
conversation are printed with the figures; heuristic verdicts never count, so the figures are
then the deterministic checks' alone.
"""

import os

import pytest

from review.labelled import PARTS, figures, judge_lines, outcomes, part_path

pytestmark = pytest.mark.bench

HARD_CAUGHT, CLEAN_FAILED, SOFT_UNDER = 0.95, 0.05, 0.80  # issue 10, "Deterministic checks"
WITH_JUDGE = os.environ.get("EIDATASET_BENCH_JUDGE", "") == "1"


@pytest.mark.parametrize("part", PARTS)
def test_the_gate_meets_its_targets_on_the_labelled_set(scaffolding, part):
    path = part_path(part)
    if not path.exists():
        pytest.skip(f"{path.name} is not in the repository yet")
    results = outcomes(path, judge=WITH_JUDGE)
    found = figures(part, results)
    print("\n" + "\n".join(found.lines() + (judge_lines(results) if WITH_JUDGE else [])))
    assert found.hard_catch_rate >= HARD_CAUGHT
    assert found.clean_false_alarm_rate <= CLEAN_FAILED
    assert found.soft_under_rate >= SOFT_UNDER
