"""The judge's quoted hard-defect flags in the gate: a stored conversation re-checked when its
verdict arrives and left out of a default release, and `check_conversations --file --judge`
against a loopback Claude server and against the offline emulator."""

import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from exports.models import Release
from exports.selection import Selection
from generation.emulator.judge import conversation_in
from review.checks import validate_conversation
from review.validation import checkable
from tests.review import strong_turns
from tests.review.judge_support import a_message, a_verdict

SLIP = "Ever since Lily’s two brothers were born, it’s been tight."


def prompt_turns(request) -> list[dict]:
    return conversation_in(json.loads(request.content)["messages"][0]["content"])["turns"]


def flagging_the_first(request, seen: list) -> object:
    """The first conversation judged gets a fact_change flag quoting its turn 3's client words;
    the others a clean verdict."""
    seen.append(request)
    if len(seen) > 1:
        return a_message(json.dumps(a_verdict()))
    words = " ".join(prompt_turns(request)[2]["user_input"].split()[:6])
    flagged = a_verdict(flagged=("fact_change",), quote=words, evidence="turn 3: a new age")
    return a_message(json.dumps(flagged))


def checks_alone(conversation) -> dict:
    return validate_conversation({**checkable(conversation), "judge": None})


def test_a_stored_conversation_rechecked_with_a_quoted_flag_fails_and_stays_out_of_a_release(
    submit, with_api, settings, tmp_path
):
    settings.RELEASE_DIR = tmp_path / "releases"
    seen: list = []
    with_api(lambda request: flagging_the_first(request, seen))

    job = submit(count=3, judge=True)

    conversations = list(job.conversations.completed().order_by("sequence_number"))
    failed = [c for c in conversations if not c.validation["checks"]["judgeDefects"]["passed"]]
    assert len(seen) == 3 and len(failed) == 1
    (flunked,) = failed
    assert checks_alone(flunked)["passed"]  # the judge's flag alone fails it
    assert flunked.validation["passed"] is False
    (flag,) = flunked.validation["checks"]["judgeDefects"]["flagged"]
    assert (flag["kind"], flag["found"], flag["turn"], flag["speaker"]) == (
        "fact_change",
        True,
        3,
        "client",
    )
    assert any(e.startswith("The judge flags fact_change") for e in flunked.validation["errors"])
    for other in set(conversations) - {flunked}:
        assert other.validation["checks"]["judgeDefects"]["verdict"] == "model"
        assert other.validation["checks"]["judgeDefects"]["passed"]

    selection = Selection.for_release([job])
    chosen = set(selection.conversations().values_list("pk", flat=True))
    assert flunked.pk not in chosen
    assert selection.left_out()["failed_by_check"].get("judgeDefects") == 1
    call_command("export_release", "--name", "gate-v1", "--job", str(job.pk), stdout=io.StringIO())
    release = Release.objects.get(name="gate-v1")
    assert release.conversation_count == len(chosen)
    released = (Path(release.folder) / "conversations.jsonl").read_text().splitlines()
    assert {json.loads(line)["id"] for line in released} == {str(pk) for pk in chosen}


def test_with_failing_turned_off_the_stored_conversations_flag_is_a_warning(
    submit, with_api, settings
):
    settings.JUDGE_FAILS_ON_DEFECTS = False
    seen: list = []
    with_api(lambda request: flagging_the_first(request, seen))

    job = submit(count=3, judge=True)

    for conversation in job.conversations.completed():
        check = conversation.validation["checks"]["judgeDefects"]
        assert check["passed"], check
        assert conversation.validation["passed"] == checks_alone(conversation)["passed"]
    reasons = [c.validation["checks"]["judgeDefects"]["reason"] for c in job.conversations.all()]
    assert sum("JUDGE_FAILS_ON_DEFECTS is off" in reason for reason in reasons) == 1


def test_a_stored_heuristic_verdict_leaves_judge_defects_passed(submit):
    job = submit(count=2, judge=True)

    for conversation in job.conversations.completed():
        call_command("check_conversations", "--job", str(job.pk), stdout=io.StringIO())
        conversation.refresh_from_db()
        check = conversation.validation["checks"]["judgeDefects"]
        assert (check["passed"], check["verdict"]) == (True, "heuristic")


# --- check_conversations --file FILE --judge -------------------------------------------------


def record(id: str, turns: list[dict]) -> dict:
    return {
        "id": id,
        "persona_key": "overwhelmed_avoider",
        "arc_key": "anxiety_to_relief",
        "topic_key": "emergency_fund",
        "tier": "template",
        "edge_case_key": None,
        "chunk_text": None,
        "turns": turns,
    }


@pytest.fixture
def file_of_two(tmp_path) -> Path:
    slipped = strong_turns()
    slipped[2]["user_input"] += " " + SLIP
    path = tmp_path / "two.jsonl"
    lines = [record("clean-1", strong_turns()), record("slip-2", slipped)]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def quoting_the_slip(request) -> object:
    """A model's verdict: fact_change, quoted, where turn 3 holds the slip; clean otherwise."""
    if "brothers" in prompt_turns(request)[2]["user_input"]:
        verdict = a_verdict(flagged=("fact_change",), quote="Lily's two brothers were born")
    else:
        verdict = a_verdict(flagged=("role_break",), quote="as an AI language model")
    return a_message(json.dumps(verdict), input_tokens=3000, output_tokens=600)


def run(path: Path, *flags: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("check_conversations", "--file", str(path), *flags, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_judge_on_a_file_checks_each_with_a_models_verdict_and_stores_nothing(
    scaffolding, with_api, file_of_two, settings
):
    api = with_api(quoting_the_slip)
    before = row_counts()

    out, err = run(file_of_two, "--json", "--judge")

    clean, slip = (json.loads(line) for line in out.splitlines())
    assert [r["model"] for r in api.judge_requests] == [settings.CLAUDE_JUDGE_MODEL] * 2
    # claude-haiku-5-5: $1 and $5 per million tokens; 3,000 in and 600 out = $0.006
    assert slip["judge"] == {
        "model": "claude-haiku-5-5",
        "heuristic": False,
        "flagged": ["fact_change"],
        "cost_usd": 0.006,
        "error": "",
        "failing": ["fact_change"],
    }
    assert slip["passed"] is False and slip["failed_checks"] == ["judgeDefects"]
    assert any("Lily's two brothers were born" in error for error in slip["errors"])
    # a flag quoting words that are not there is a warning only
    assert clean["passed"] is True and clean["judge"]["flagged"] == ["role_break"]
    assert clean["judge"]["failing"] == []
    assert any("is not found in the conversation" in w for w in clean["warnings"])
    assert "heuristic" not in err
    assert "Judge: 2 conversation(s) judged by claude-haiku-5-5, $0.0120 in all" in err
    assert "list prices" in err
    assert row_counts() == before


def test_judge_on_a_file_through_the_emulator_says_once_that_it_is_heuristic(
    scaffolding, offline, file_of_two
):
    before = row_counts()

    out, err = run(file_of_two, "--json", "--judge")

    results = [json.loads(line) for line in out.splitlines()]
    assert [r["judge"]["heuristic"] for r in results] == [True, True]
    assert [r["passed"] for r in results] == [True, True]  # a heuristic verdict never fails
    assert err.count("heuristic") == 1
    assert "deterministic checks' alone" in err
    assert "nothing paid" in err
    assert row_counts() == before


def test_the_table_with_the_judge_names_judge_defects(scaffolding, with_api, file_of_two):
    with_api(quoting_the_slip)

    out, _ = run(file_of_two, "--judge")

    assert "slip-2   FAILED    10.0  judgeDefects" in out
    assert "1 passed, 1 failed" in out


def test_judge_goes_with_a_file():
    with pytest.raises(CommandError) as caught:
        call_command("check_conversations", "--judge", stdout=io.StringIO())

    assert caught.value.returncode == 2
    assert "--judge go with --file" in str(caught.value)
