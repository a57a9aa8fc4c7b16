"""`check_conversations --file FILE [--json]`: the interface outside checks rely on."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from eidataset.models import EdgeCase
from generation.models import Conversation
from review.file_checks import KEYS
from tests.review import strong_turns

ROOT = Path(__file__).resolve().parents[2]
RESULT_KEYS = {"id", "passed", "quality_score", "failed_checks", "errors", "warnings"}


def record(**changes) -> dict:
    """Marcus, anxiety to relief, about emergency funds: a clean conversation."""
    return {
        "id": "clean-1",
        "persona_key": "overwhelmed_avoider",
        "arc_key": "anxiety_to_relief",
        "topic_key": "emergency_fund",
        "tier": "template",
        "edge_case_key": None,
        "chunk_text": None,
        "turns": strong_turns(),
    } | changes


def write_lines(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "conversations.jsonl"
    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def run(path: Path, *flags: str) -> str:
    out = io.StringIO()
    call_command("check_conversations", "--file", str(path), *flags, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def refused(path: Path) -> CommandError:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("check_conversations", "--file", str(path), "--json", stdout=out)
    assert out.getvalue() == ""  # nothing is checked when the file is wrong
    return caught.value


@pytest.mark.django_db
def test_json_gives_one_line_per_conversation_in_the_interfaces_shape(scaffolding, tmp_path):
    short = record(id="short-2", turns=strong_turns()[:3])
    path = write_lines(tmp_path, record(), "", short)

    lines = run(path, "--json").splitlines()

    results = [json.loads(line) for line in lines]
    assert [set(result) for result in results] == [RESULT_KEYS, RESULT_KEYS]
    clean, broken = results
    assert clean == {
        "id": "clean-1",
        "passed": True,
        "quality_score": 10.0,
        "failed_checks": [],
        "errors": [],
        "warnings": [],
    }
    assert broken["id"] == "short-2" and broken["passed"] is False
    assert "turnCount" in broken["failed_checks"]
    assert "Turn count 3 outside expected range [4-10]" in broken["warnings"]


@pytest.mark.django_db
def test_checking_a_file_stores_nothing(scaffolding, tmp_path):
    path = write_lines(tmp_path, record(), record(id="x", tier="edge_case"))
    before = row_counts()

    run(path, "--json")
    run(path)

    assert row_counts() == before


@pytest.mark.django_db
def test_a_file_conversation_gets_the_verdict_its_stored_twin_got(submit, tmp_path):
    job = submit(count=3)
    stored = list(job.conversations.select_related("persona", "emotional_arc", "edge_case"))
    lines = [
        {
            "id": str(c.pk),
            "persona_key": c.persona.persona_key,
            "arc_key": c.emotional_arc.arc_key,
            "topic_key": c.training_topic.topic_key,
            "tier": c.tier,
            "edge_case_key": c.edge_case and c.edge_case.edge_case_key,
            "chunk_text": c.chunk_context or None,
            "turns": c.turns,
        }
        for c in stored
    ]

    results = [
        json.loads(line) for line in run(write_lines(tmp_path, *lines), "--json").splitlines()
    ]

    assert {c.tier for c in stored} == {"template", "scenario", "edge_case"}
    for conversation, result in zip(stored, results, strict=True):
        validation = conversation.validation
        assert result["id"] == str(conversation.pk)
        assert result["passed"] == validation["passed"]
        assert result["quality_score"] == validation["score"]["value"]
        assert result["warnings"] == validation["warnings"]
        assert result["errors"] == validation["errors"]


@pytest.mark.django_db
def test_a_word_outside_the_vocabulary_is_a_warning_not_a_failure(scaffolding, tmp_path):
    turns = strong_turns()
    turns[0]["emotional_context"]["detected_emotions"]["primary"] = "frazzled"
    turns[-1]["emotional_context"]["detected_emotions"]["primary"] = "relieved"  # a synonym

    (line,) = run(write_lines(tmp_path, record(turns=turns)), "--json").splitlines()

    result = json.loads(line)
    assert result["passed"] is True and result["failed_checks"] == []
    assert result["warnings"] == [
        "Emotion 'frazzled' is not in the emotion vocabulary and maps to none of its labels"
    ]


@pytest.mark.django_db
def test_elena_may_name_whom_the_document_or_the_edge_case_names_and_nobody_else(
    scaffolding, tmp_path
):
    EdgeCase.objects.filter(edge_case_key="gambling_payday_loan_spiral").update(
        expected_behavior="Marcus's friend Tobias lent him $300 for rent."
    )
    turns = strong_turns()
    turns[2]["assistant_response"] += " Hannah in that guide started the same way."
    turns[3]["assistant_response"] += " And pay Tobias back after the 27% card."
    document = "A case study: Hannah lists her cards on one page."
    scenario = record(id="scenario", tier="scenario", chunk_text=document, turns=turns[:3])
    edge = record(id="edge", tier="edge_case", edge_case_key="gambling_payday_loan_spiral")
    edge["turns"] = strong_turns()[:3] + turns[3:]
    made_up = record(id="made-up", turns=turns)
    path = write_lines(tmp_path, scenario, edge, made_up)

    results = {r["id"]: r for r in map(json.loads, run(path, "--json").splitlines())}

    assert "factChanges" not in results["scenario"]["failed_checks"]
    assert "factChanges" not in results["edge"]["failed_checks"]
    assert [e for e in results["made-up"]["errors"] if e.startswith("Fact change")] == [
        "Fact change: turn 3: Elena names Hannah, whom the conversation never introduced",
        "Fact change: turn 4: Elena names Tobias, whom the conversation never introduced",
    ]


@pytest.mark.django_db
def test_without_json_it_prints_a_readable_table(scaffolding, tmp_path):
    path = write_lines(tmp_path, record(), record(id="harmful-2", turns=harmful_turns()))

    table = run(path).splitlines()

    assert table[0].split() == ["id", "verdict", "score", "failed", "checks"]
    assert table[1].split()[:3] == ["clean-1", "passed", "10.0"]
    assert table[2].split()[:2] == ["harmful-2", "FAILED"]
    assert "harmfulContent" in table[2]
    assert table[-1] == (
        "Checked 2 from the file: 1 passed, 1 failed, 0 with warnings; nothing was stored."
    )


def harmful_turns() -> list[dict]:
    turns = strong_turns()
    turns[1]["user_input"] += " Some nights I think about suicide."
    return turns


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ('{"id": "broken", ', "line 2: not valid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ({k: v for k, v in record().items() if k != "turns"}, "line 2: missing key(s): turns"),
        (record(persona_key="nobody"), "line 2: there is no persona with persona_key 'nobody'"),
        (record(arc_key="joy_to_bliss"), "line 2: there is no emotional arc with arc_key"),
        (record(topic_key="crypto"), "line 2: there is no training topic with topic_key 'crypto'"),
        (
            record(tier="edge_case", edge_case_key="nope"),
            "line 2: there is no edge case with edge_case_key 'nope'",
        ),
        (record(tier="gold"), "line 2: tier 'gold' is not one of template, scenario, edge_case"),
        (record(id=7), "line 2: id must be a string"),
        (record(turns="hello"), "line 2: turns must be a list"),
    ],
)
def test_a_file_it_cannot_read_exits_2_naming_the_line(scaffolding, tmp_path, second_line, message):
    path = write_lines(tmp_path, record(), second_line)
    before = Conversation.objects.count()

    error = refused(path)

    assert error.returncode == 2
    assert message in str(error)
    assert str(path) in str(error)
    assert Conversation.objects.count() == before


@pytest.mark.django_db
def test_a_missing_file_exits_2(tmp_path):
    error = refused(tmp_path / "nowhere.jsonl")
    assert error.returncode == 2 and "cannot open" in str(error)


@pytest.mark.django_db
@pytest.mark.parametrize("key", KEYS)
def test_every_key_of_the_format_is_required_even_the_nullable_ones(scaffolding, tmp_path, key):
    line = {name: value for name, value in record().items() if name != key}

    error = refused(write_lines(tmp_path, line))

    assert error.returncode == 2 and f"line 1: missing key(s): {key}" in str(error)


def test_an_operator_sees_exit_status_2_and_the_line_on_stderr(tmp_path):
    path = write_lines(tmp_path, "not json")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    env["EIDATASET_DATA_DIR"] = str(tmp_path)

    done = subprocess.run(
        [sys.executable, "manage.py", "check_conversations", "--file", str(path), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert "line 1: not valid JSON" in done.stderr
