"""manage.py quality_report: writes the report for all completed conversations or one job's."""

import json
import uuid

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_the_command_writes_one_jobs_report_and_prints_a_summary(submit, tmp_path, capsys):
    job = submit(4, name="Spring batch")
    submit(3, name="Other batch")
    out = tmp_path / "release" / "quality-report.json"
    call_command("quality_report", "--job", str(job.pk), "--out", str(out))
    report = json.loads(out.read_text())
    assert report["dataset"]["name"] == "Spring batch"
    assert report["dataset"]["total_conversations"] == 4
    printed = capsys.readouterr().out
    assert f"Wrote {out}: 4 conversations" in printed
    assert report["recommendations"][0] in printed
    assert [p.name for p in out.parent.iterdir()] == ["quality-report.json"]  # no temp file left


def test_without_a_job_every_completed_conversation_is_reported(submit, tmp_path):
    submit(4, name="One")
    submit(3, name="Two")
    out = tmp_path / "all.json"
    call_command("quality_report", "--out", str(out), "--name", "Everything v1")
    report = json.loads(out.read_text())
    assert report["dataset"]["name"] == "Everything v1"
    assert report["dataset"]["total_conversations"] == 7
    assert report["dataset"]["batch_jobs"] == 2


@pytest.mark.parametrize("job_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_job_is_a_clear_error_and_nothing_is_written(db, tmp_path, job_id):
    out = tmp_path / "release" / "quality-report.json"
    with pytest.raises(CommandError, match="No batch job"):
        call_command("quality_report", "--job", job_id, "--out", str(out))
    assert not out.parent.exists()


def test_the_output_file_is_required(db):
    with pytest.raises(CommandError, match="--out"):
        call_command("quality_report")


def test_an_existing_report_is_replaced_whole(submit, tmp_path):
    job = submit(3)
    out = tmp_path / "quality-report.json"
    out.write_text("old contents that are longer than nothing " * 1000)
    call_command("quality_report", "--job", str(job.pk), "--out", str(out))
    assert json.loads(out.read_text())["dataset"]["total_conversations"] == 3
