import json

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_plan_writes_the_json_and_prints_the_coverage(scaffolding, tmp_path, capsys):
    out = tmp_path / "parameter-sets-100.json"
    call_command("plan", "--seed", "4", "--out", str(out))
    printed = capsys.readouterr().out
    sets = json.loads(out.read_text())
    assert len(sets) == 100
    assert f"Wrote 100 parameter sets to {out}" in printed
    assert "by tier: template 70, scenario 20, edge_case 10" in printed
    assert "no warnings" in printed
    assert set(sets[0]) >= {
        "persona_id",
        "emotional_arc_id",
        "training_topic_id",
        "tier",
        "chunk_context",
        "metadata",
    }


@pytest.mark.django_db
def test_plan_check_reads_an_edited_plan_back_and_refuses_a_broken_one(
    scaffolding, tmp_path, capsys
):
    out = tmp_path / "plan.json"
    call_command("plan", "--count", "20", "--seed", "4", "--out", str(out))
    call_command("plan", "--check", str(out))
    assert f"{out}: 20 parameter sets, all valid" in capsys.readouterr().out
    sets = json.loads(out.read_text())
    sets[3]["tier"] = "platinum"
    out.write_text(json.dumps(sets))
    with pytest.raises(CommandError, match=r"parameterSets\[3\]\.tier: 'platinum' is not one of"):
        call_command("plan", "--check", str(out))
    out.write_text("{ not json")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("plan", "--check", str(out))


@pytest.mark.django_db
@pytest.mark.parametrize("count", ["0", "20000"])
def test_plan_refuses_absurd_sizes(scaffolding, tmp_path, count):
    with pytest.raises(CommandError, match="1 to 10,000"):
        call_command("plan", "--count", count, "--out", str(tmp_path / "p.json"))
    assert not (tmp_path / "p.json").exists()


@pytest.mark.django_db
def test_plan_says_what_is_missing_on_an_empty_database(tmp_path):
    with pytest.raises(CommandError, match="No active personas, arcs, topics"):
        call_command("plan", "--out", str(tmp_path / "p.json"))
