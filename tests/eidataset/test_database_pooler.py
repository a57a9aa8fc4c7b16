"""DATABASE_URL behind a transaction-mode pooler (Supabase's on port 6543, PgBouncer's
`pgbouncer=true`): no prepared statements and no server-side cursors."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from eidataset.env import database_from_url

DIRECT = "postgres://postgres.ref:pw@db.ref.supabase.co:5432/postgres?sslmode=require"
POOLER = "postgres://postgres.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres"


def is_pooled(config: dict) -> bool:
    return (
        config.get("DISABLE_SERVER_SIDE_CURSORS") is True
        and "prepare_threshold" in config["OPTIONS"]
        and config["OPTIONS"]["prepare_threshold"] is None
    )


@pytest.mark.parametrize(
    ("url", "pooler", "expected"),
    [
        (POOLER, "auto", True),
        (DIRECT, "auto", False),
        (DIRECT.replace("?", "?pgbouncer=true&"), "auto", True),
        (POOLER, "none", False),
        (DIRECT, "transaction", True),
    ],
)
def test_a_transaction_pooler_is_recognised_by_its_port_its_flag_or_the_setting(
    tmp_path, url, pooler, expected
):
    config = database_from_url(url, tmp_path / "db.sqlite3", pooler)
    assert is_pooled({"OPTIONS": {}, **config}) is expected
    assert "pgbouncer" not in config.get("OPTIONS", {})  # psycopg would refuse it


def test_the_pgbouncer_flag_is_taken_off_and_the_other_options_kept(tmp_path):
    config = database_from_url(DIRECT.replace("?", "?pgbouncer=true&"), tmp_path)
    assert config["OPTIONS"] == {"sslmode": "require", "prepare_threshold": None}
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "db.ref.supabase.co",
        5432,
        "postgres",
    )


def test_sqlite_is_never_pooled_and_an_unknown_pooler_setting_fails_loudly(tmp_path):
    assert "DISABLE_SERVER_SIDE_CURSORS" not in database_from_url(
        None, tmp_path / "db", "transaction"
    )
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOLER='session'"):
        database_from_url(POOLER, tmp_path, "session")


def test_a_sqlite_url_reaches_the_same_file(tmp_path):
    path = tmp_path / "workers.sqlite3"
    assert database_from_url(f"sqlite:///{path}", tmp_path / "default.sqlite3")["NAME"] == str(path)
