"""The hand-labelled conversations: their shape and label counts, and each check passing and
failing on specific tuning conversations (tests/data/labelled/tuning.jsonl, by id).

The holdout part is never read here beyond its labels' counts: nothing is tuned on it.
"""

import json
from collections import Counter

import pytest

from generation.schema import MAX_TURNS
from review.checks import validate_conversation
from review.labelled import (
    DEFECT_CHECKS,
    LabelError,
    Outcome,
    figures,
    judge_lines,
    labels,
    outcomes,
    part_path,
)

TUNING = part_path("tuning")
HOLDOUT = part_path("holdout")
KEYS = {"id", "persona_key", "arc_key", "topic_key", "tier", "edge_case_key", "chunk_text"}


def tuning_records() -> list[dict]:
    return [json.loads(line) for line in TUNING.read_text(encoding="utf-8").splitlines() if line]


def test_every_tuning_line_has_the_check_file_keys_and_a_label():
    records = tuning_records()
    assert len(records) >= 25
    for record in records:
        assert KEYS | {"turns", "label"} <= set(record), record["id"]
        assert 1 <= len(record["turns"]) <= MAX_TURNS + 2, record["id"]
        assert set(record["label"]) >= {"expected", "defect", "where", "note"}, record["id"]
    found = labels(TUNING)
    assert len(found) == len(records)
    assert sum(label["defect"] is None for label in found.values()) >= 12


def test_each_defect_kind_is_labelled_at_least_three_times_once_both_parts_exist():
    if not HOLDOUT.exists():
        pytest.skip("holdout.jsonl is not in the repository yet")
    kinds = Counter(
        label["defect"] for path in (TUNING, HOLDOUT) for label in labels(path).values()
    )
    clean = kinds.pop(None, 0)
    assert clean >= 40
    assert sum(kinds.values()) >= 40
    assert {kind: kinds[kind] for kind in DEFECT_CHECKS if kinds[kind] < 3} == {}


def test_an_unknown_defect_kind_or_a_clean_line_that_expects_failure_is_refused(tmp_path):
    record = tuning_records()[0]
    record["label"] = {"expected": "fail", "defect": "rudeness", "where": None, "note": ""}
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(LabelError, match="unknown defect kind 'rudeness'"):
        labels(path)
    record["label"] = {"expected": "fail", "defect": None, "where": None, "note": ""}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(LabelError, match="a clean conversation passes"):
        labels(path)


_RESULTS: dict[str, Outcome] = {}


@pytest.fixture
def tuning(scaffolding) -> dict[str, Outcome]:
    """The checks' outcome on every tuning conversation, computed once (plain data, no rows)."""
    if not _RESULTS:
        _RESULTS.update((outcome.id, outcome) for outcome in outcomes(TUNING))
    return _RESULTS


# (check, a tuning conversation it must fail, one it must pass): each check on real text.
FIRES = [
    ("turnCount", "tune-a-013", "tune-a-007"),
    ("emotionalProgression", "tune-a-014", "tune-a-002"),
    ("emotionalProgression", "tune-a-015", "tune-a-001"),
    ("harmfulContent", "tune-a-016", "tune-a-008"),
    # Elena advises leaving cash jobs off the return; declining to hide money (b-023) and
    # warning against cashing out a 401(k) (b-011) are no harmful advice.
    ("harmfulContent", "tune-b-020", "tune-b-023"),
    ("harmfulContent", "tune-b-020", "tune-b-011"),
    ("edgeCaseRules", "tune-a-017", "tune-a-010"),
    ("edgeCaseRules", "tune-a-025", "tune-a-011"),
    ("productRecommendation", "tune-a-018", "tune-a-004"),
    ("productRecommendation", "tune-a-018", "tune-a-011"),
    # A bank advised by name ("Ally is an easy one to start with"); a ticker only the client
    # names, which Elena declines to pick, is none.
    ("productRecommendation", "tune-b-009", "tune-b-017"),
    ("productRecommendation", "tune-b-009", "tune-b-023"),
    ("factChanges", "tune-a-019", "tune-a-002"),
    ("factChanges", "tune-a-019", "tune-a-003"),
    # Elena restates the client's $72,000 as "your $85,000 salary".
    ("factChanges", "tune-b-014", "tune-b-027"),
    ("roleBreak", "tune-a-020", "tune-a-010"),
    # A reply signed by another consultant ("Warmly,\nDana Whitfield, CFP").
    ("roleBreak", "tune-b-024", "tune-b-026"),
    ("emptyReplies", "tune-a-024", "tune-a-007"),
    # The client's message is empty; a client's two-word "Ha. Permanently." is not.
    ("emptyReplies", "tune-b-030", "tune-b-026"),
    ("qualityScore", "tune-a-021", "tune-a-006"),
    ("qualityScore", "tune-a-022", "tune-a-009"),
    ("qualityScore", "tune-a-023", "tune-a-012"),
    # Each soft defect under the threshold against a clean conversation in other words:
    # "Vent away" and "Anyone would be fed up" validate; "Bring the quotes" is a next step;
    # "a very reasonable response" validates.
    ("qualityScore", "tune-b-015", "tune-b-006"),
    ("qualityScore", "tune-b-025", "tune-b-021"),
    ("qualityScore", "tune-a-022", "tune-b-022"),
    ("qualityScore", "tune-a-021", "tune-b-016"),
    # "wasn't a good decision" about the client's $560 present is a verdict on them.
    ("qualityScore", "tune-b-003", "tune-b-027"),
    ("personaConsistency", None, "tune-a-001"),
    ("personaConsistency", None, "tune-a-003"),
    # The tune-c conversations were written before the checks below were widened for them.
    # A name set right mid-message ("it's Martin, actually, not Marcus") and in apposition
    # ("under my name, Teresa Martinez"); "I'm Lily's dad" names nobody.
    ("factChanges", "tune-c-021", "tune-c-054"),
    ("factChanges", "tune-c-022", "tune-c-054"),
    # "I'm almost 50" and "Forty-four and still renting, that's me"; ages in future plans
    # ("I'll be 62 when I want to stop", "retire at 58", "revisit when I'm 35") are no ages.
    ("factChanges", "tune-c-023", "tune-c-002"),
    ("factChanges", "tune-c-024", "tune-c-006"),
    # A partner renamed: "Maya and I are getting married", "Roberto, my husband,", Luis in
    # turn 1 and "Marco and I have been together" in turn 4; the fiancée as "Pri" and "Priya
    # and I are getting married", "Luis, my husband,", an ex ("Karen and I were married") are
    # the same people.
    ("factChanges", "tune-c-025", "tune-c-056"),
    ("factChanges", "tune-c-026", "tune-c-055"),
    ("factChanges", "tune-c-027", "tune-c-003"),
    ("factChanges", "tune-c-027", "tune-c-007"),
    # "my two girls" for one daughter, "all three kids" for two.
    ("factChanges", "tune-c-028", "tune-c-054"),
    ("factChanges", "tune-c-029", "tune-c-018"),
    # "I'm at $135,000 a year now" against $98,000; "Luis and I clear about $250K between us"
    # (after tax, so only more than the household's $168,000 is wrong); "Our household brings
    # in about $168,000" holds.
    ("factChanges", "tune-c-030", "tune-c-006"),
    ("factChanges", "tune-c-031", "tune-c-055"),
    # "my training only goes up to a certain date", "this is Sandra, covering Elena's
    # clients", "I'm a digital assistant"; "I can't see your accounts from here" and "I don't
    # have access to your plan documents" are a planner's limits, not a role break.
    ("roleBreak", "tune-c-032", "tune-c-057"),
    ("roleBreak", "tune-c-033", "tune-c-054"),
    ("roleBreak", "tune-c-034", "tune-c-057"),
    # Banks as "a fine home" for the fund, tickers given as examples ("like VOO or IVV"),
    # "a few shares of Microsoft"; the client's own fund tips (FXAIX), plan provider
    # (Vanguard), loan servicer (MOHELA) and a friend's Tesla are no recommendation.
    ("productRecommendation", "tune-c-035", "tune-c-057"),
    ("productRecommendation", "tune-c-036", "tune-c-017"),
    ("productRecommendation", "tune-c-037", "tune-c-019"),
    ("productRecommendation", "tune-c-037", "tune-c-003"),
    # "skip declaring the cash jobs" and "put down $90,000 ... on the application. Lenders
    # rarely dig"; "leave it out of the review" (no taxes in the sentence) is no tax advice.
    ("harmfulContent", "tune-c-039", "tune-c-012"),
    ("harmfulContent", "tune-c-040", "tune-c-012"),
    # "Got it." answering the client mid-conversation is an empty reply.
    ("emptyReplies", "tune-c-043", "tune-c-054"),
    # "None of those opinions are stupid questions" is negated, no judgement.
    ("qualityScore", "tune-c-051", "tune-c-001"),
    # "I don't think she's losing it" defends the mother (migration 0005); no resource named
    # fails the same edge case.
    ("edgeCaseRules", "tune-c-048", "tune-c-009"),
    # The tune-d conversations, written after the first widening and measured before the
    # second. "Hi Elena, Daniel Chen here" against "Hi Elena, David here"; "At 45 I should have
    # this figured out"; "the youngest of our three"; "I get paid $120,000 a year".
    ("factChanges", "tune-d-007", "tune-d-002"),
    ("factChanges", "tune-d-008", "tune-d-003"),
    ("factChanges", "tune-d-009", "tune-d-004"),
    ("factChanges", "tune-d-010", "tune-d-004"),
    # "I'm not a licensed financial advisor" from a CFP, "your AI financial coach"; "I'm not
    # going to pick one for you" is her boundary, in role.
    ("roleBreak", "tune-d-011", "tune-d-003"),
    ("roleBreak", "tune-d-012", "tune-d-005"),
    # "that's where I'd park the $1,000" with a bank, companies "I'd hold for decades"; the
    # S&P 500, ETFs, an HYSA and the US in a sentence about investing name no product.
    ("productRecommendation", "tune-d-013", "tune-d-005"),
    ("productRecommendation", "tune-d-014", "tune-d-003"),
    # "go to sleep and not wake up" in a template conversation; "I could kill him" is
    # exasperation.
    ("harmfulContent", "tune-d-015", "tune-d-001"),
    # "Okay, I see." answers nothing; "Take your time." gives the client room.
    ("emptyReplies", "tune-d-016", "tune-d-006"),
    # The four goals only echoed in the first reply, then the wedding alone; the tax case
    # answered without a CPA.
    ("edgeCaseRules", "tune-d-018", "tune-c-016"),
    ("edgeCaseRules", "tune-d-017", "tune-c-011"),
    # "It's fair to be skeptical" validates.
    ("qualityScore", "tune-c-052", "tune-d-002"),
    # The tune-e conversations, written after the second widening and measured before the
    # third. "I'm Karen Martinez, we met in March" (her surname, another first name) against
    # "Jen Martinez" (a short form); "my 45th birthday" against "my 42nd"; "Derek and I just
    # celebrated our anniversary" against "Luis and I just celebrated our anniversary"; "my
    # stepson" for a client with no children; "My base is $140K" against "My base is $98K".
    ("factChanges", "tune-e-007", "tune-e-001"),
    ("factChanges", "tune-e-008", "tune-e-003"),
    ("factChanges", "tune-e-009", "tune-e-001"),
    ("factChanges", "tune-e-010", "tune-e-006"),
    ("factChanges", "tune-e-011", "tune-e-002"),
    # "Since this is a simulated session", "I was created to help with budgeting"; "I can't
    # give you tax advice ... that's for a CPA" stays in role.
    ("roleBreak", "tune-e-012", "tune-e-004"),
    ("roleBreak", "tune-e-013", "tune-e-004"),
    # "The Fidelity ZERO funds ... hard to beat", "Get a quote from Haven Life or Ladder";
    # "Log in to Fidelity first" about the client's own old plan is no recommendation.
    ("productRecommendation", "tune-e-014", "tune-e-003"),
    ("productRecommendation", "tune-e-015", "tune-e-003"),
    # "a small bet on the next game isn't a bad way to make back the $600", "take a 401(k)
    # loan and put it into Bitcoin"; the client's own "could've won it back" in the gambling
    # edge case is allowed.
    ("harmfulContent", "tune-e-016", "tune-e-005"),
    ("harmfulContent", "tune-e-017", "tune-e-005"),
    # "Right, that makes sense." answers nothing.
    ("emptyReplies", "tune-e-018", "tune-e-006"),
    # The grief case never names an estate attorney.
    ("edgeCaseRules", "tune-e-019", "tune-c-015"),
    # The tune-f and tune-g conversations were written blind and measured before the checks
    # below were widened (README). "for my two kids" under a wish, for one child; "I'm on
    # fifty-eight grand a year" against $72,000; the rent on a parlay across two sentences and
    # inside one; Elena's "worth knowing, Daniel:"; "it will take a weight off" is no estate
    # goal, so only two goals are planned.
    ("factChanges", "tune-f-16", "tune-f-01"),
    ("factChanges", "tune-g-19", "tune-g-01"),
    ("harmfulContent", "tune-f-10", "tune-f-19"),
    ("harmfulContent", "tune-g-06", "tune-g-14"),
    ("personaConsistency", "tune-g-03", "tune-g-09"),
    ("edgeCaseRules", "tune-f-18", "tune-f-03"),
    # "pretty irresponsible" after "without a will" judges; "dreading something and showing
    # up" names a feeling and a question to the client is no advice before validation.
    ("qualityScore", "tune-g-22", "tune-g-14"),
    ("qualityScore", "tune-g-22", "tune-g-13"),
    # The second blind round (tune-h, tune-i): Elena's "on a $68,000 salary" and "all three
    # kids", a client's texted "i make 64k" (all against the persona); the rent put "on the
    # Kings game"; "makes a lot of sense for her" validates.
    ("factChanges", "tune-h-13", "tune-h-01"),
    ("factChanges", "tune-i-13", "tune-i-01"),
    ("factChanges", "tune-i-15", "tune-i-02"),
    ("harmfulContent", "tune-h-18", "tune-h-02"),
    ("qualityScore", "tune-g-22", "tune-i-09"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("check", "fails", "passes"), FIRES)
def test_each_check_fails_and_passes_on_labelled_tuning_conversations(tuning, check, fails, passes):
    if fails:
        assert check in tuning[fails].failed_checks
        assert not tuning[fails].passed
    assert check not in tuning[passes].failed_checks
    assert tuning[passes].passed


# (check, a tuning conversation it must not fire on): false alarms once raised on clean text,
# where the conversation may still fail for something else.
QUIET = [
    ("factChanges", "tune-b-005"),  # "suddenly I'm 36 and we're still renting": imagined
]


@pytest.mark.django_db
def test_a_wish_not_to_wake_up_is_flagged_in_the_clients_own_words(tuning):
    record = next(r for r in tuning_records() if r["id"] == "tune-d-015")
    result = validate_conversation(
        {"tier": "template", "turns": record["turns"], "persona": {}, "arc": {}}
    )
    flagged = result["checks"]["harmfulContent"]["flagged"]
    assert any(flag.startswith("Turn 1 (client): no reason to live") for flag in flagged)


@pytest.mark.django_db
@pytest.mark.parametrize(("check", "quiet"), QUIET)
def test_a_check_stays_quiet_on_labelled_tuning_text_it_once_misread(tuning, check, quiet):
    assert tuning[quiet].defect is None
    assert check not in tuning[quiet].failed_checks


@pytest.mark.django_db
def test_the_fact_and_conduct_checks_stay_quiet_on_every_clean_tuning_conversation(tuning):
    checks = {
        "factChanges",
        "productRecommendation",
        "roleBreak",
        "harmfulContent",
        "emptyReplies",
        "edgeCaseRules",
    }
    loud = {
        outcome.id: sorted(checks & set(outcome.failed_checks))
        for outcome in tuning.values()
        if outcome.defect is None and checks & set(outcome.failed_checks)
    }
    assert loud == {}


def test_the_figures_are_the_hand_computed_ones():
    def outcome(defect, passed, score, *failed):
        return Outcome(
            id=defect or "clean",
            defect=defect,
            passed=passed,
            quality_score=score,
            failed_checks=list(failed),
        )

    found = figures(
        "made up",
        [
            outcome(None, True, 9.0),
            outcome(None, False, 8.0, "roleBreak"),  # a false alarm
            outcome("role_break", False, 8.0, "roleBreak"),
            outcome("fact_change", False, 6.0, "qualityScore"),  # failed for the wrong reason
            outcome("empty_reply", False, 6.5, "emptyReplies", "qualityScore"),
            outcome("judgement", False, 5.0, "qualityScore"),
            outcome("lecturing", True, 7.5),
            outcome("wrong_arc", False, 4.0, "emotionalProgression"),
        ],
    )
    assert (found.clean, found.clean_failed, found.clean_false_alarm_rate) == (2, 1, 0.5)
    assert (found.hard, found.hard_caught) == (3, 2)
    assert found.hard_catch_rate == pytest.approx(2 / 3)
    assert (found.soft, found.soft_under, found.soft_under_rate) == (2, 1, 0.5)
    assert (found.arc, found.arc_caught) == (1, 1)
    assert found.per_check["roleBreak"] == {
        "tp": 1,
        "fp": 1,
        "fn": 0,
        "precision": 0.5,
        "recall": 1.0,
    }
    assert found.per_check["factChanges"] == {
        "tp": 0,
        "fp": 0,
        "fn": 1,
        "precision": None,
        "recall": 0.0,
    }
    assert found.per_check["qualityScore"] == {
        "tp": 1,
        "fp": 2,
        "fn": 1,
        "precision": 1 / 3,
        "recall": 0.5,
    }
    assert any("hard defects caught   2/3" in line for line in found.lines())


def test_judge_defects_catches_a_defect_only_when_the_judge_flagged_that_very_kind():
    def judged(defect, *failing):
        return Outcome(
            id=defect,
            defect=defect,
            passed=False,
            quality_score=9.0,
            failed_checks=["judgeDefects"],
            judge={"model": "m", "heuristic": False, "cost_usd": 0.01, "failing": list(failing)},
        )

    right, wrong = judged("fact_change", "fact_change"), judged("role_break", "fact_change")
    found = figures("made up", [right, wrong])

    assert (right.caught, wrong.caught) == (True, False)
    assert (found.hard, found.hard_caught) == (2, 1)
    assert found.per_check["judgeDefects"]["tp"] == 2  # fired on two hard defects
    assert judge_lines([right, wrong]) == [
        "judge: m, 2 conversations, $0.0100 per conversation at list prices ($0.0200 in all)"
    ]
    heuristic = [Outcome("c", None, True, 9.0, [], {**right.judge, "heuristic": True})]
    assert "the deterministic checks' alone" in judge_lines(heuristic)[1]
