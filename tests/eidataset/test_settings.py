import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from eidataset.env import database_from_url, env_bool, env_int, env_list, env_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("0", False), ("Yes", True), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


def test_env_bool_refuses_a_typo_instead_of_guessing(monkeypatch):
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="FLAG='ture' is not a boolean"):
        env_bool("FLAG", False)


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("SIZE", "12k")
    with pytest.raises(ImproperlyConfigured, match="SIZE='12k' is not an integer"):
        env_int("SIZE", 1)
    monkeypatch.setenv("SIZE", "10")
    with pytest.raises(ImproperlyConfigured, match="below its minimum 200"):
        env_int("SIZE", 1200, minimum=200)
    monkeypatch.delenv("SIZE")
    assert env_int("SIZE", 1200) == 1200


def test_env_list_and_env_path(monkeypatch, tmp_path):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("DATA", "var/here")
    assert env_path("DATA", Path("var"), base=tmp_path) == tmp_path / "var/here"


def test_database_url_selects_postgres_and_sqlite_gets_lock_tolerant_options(tmp_path):
    pg = database_from_url("postgres://user:pw@db.example:6543/eid?sslmode=require", tmp_path)
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["HOST"], pg["PORT"], pg["NAME"]) == ("db.example", 6543, "eid")
    assert pg["OPTIONS"]["sslmode"] == "require"
    lite = database_from_url(None, tmp_path / "db.sqlite3")
    assert lite["NAME"] == str(tmp_path / "db.sqlite3")
    assert lite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in lite["OPTIONS"]["init_command"]


def test_a_database_url_that_is_not_one_fails_loudly(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url("mongodb://nope", tmp_path)


def run_check(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_check(DEBUG="false", ALLOWED_HOSTS="eid.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_start_with_a_secret_key(tmp_path):
    result = run_check(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="eid.example",
        EIDATASET_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
