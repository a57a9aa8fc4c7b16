"""The database as Supabase serves it to workers: through a transaction-mode pooler (a real
PgBouncer, Debian's package) in front of PostgreSQL. A whole `generate` run, its qclusters
claiming, calling and storing, goes through it."""

import os
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.utils import ConnectionHandler, ProgrammingError
from psycopg.errors import InvalidCursorName

from eidataset.env import database_from_url
from eidataset.models import Persona
from eidataset.seeding import seed_scaffolding
from generation.models import BatchJob, GenerationAttempt
from tests.workers.conftest import manage
from tests.workers.pgbouncer import PGBOUNCER, PgBouncer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.workers]


@pytest.fixture
def pgbouncer():
    if connection.vendor != "postgresql":
        pytest.skip("the pooler stands in front of PostgreSQL")
    if not PGBOUNCER.exists():
        if os.environ.get("EIDATASET_REQUIRE_PGBOUNCER"):
            pytest.fail(f"{PGBOUNCER} is missing (apt-get install pgbouncer)")
        pytest.skip("Debian's pgbouncer is not installed (apt-get install pgbouncer)")
    db = connection.settings_dict
    bouncer = PgBouncer(
        db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432), db["USER"] or "postgres"
    )
    yield bouncer
    bouncer.stop()


def test_generate_runs_a_whole_batch_through_a_transaction_pooler(tmp_path, pgbouncer):
    seed_scaffolding()
    name = connection.settings_dict["NAME"]
    before = pgbouncer.stats().get(name, {}).get("total_xact_count", 0)
    result = manage(
        tmp_path,
        "generate",
        *("--count", "6", "--workers", "2", "--concurrency", "3", "--seed", "1"),
        DATABASE_URL=pgbouncer.url(name, "?pgbouncer=true"),
    )
    assert result.returncode == 0, result.stdout + result.stderr + pgbouncer.log()
    assert "completed: 6/6 completed, 0 failed" in result.stdout
    job = BatchJob.objects.get()
    conversations = job.conversations.all()
    assert [c.status for c in conversations] == ["completed"] * 6
    assert all(c.quality_score is not None for c in conversations)
    attempts = GenerationAttempt.objects.filter(conversation__batch_job=job, kind="generation")
    assert attempts.filter(outcome="ok").count() == 6  # each reply stored once
    assert pgbouncer.stats()[name]["total_xact_count"] - before > 50


def read_in_chunks_while_another_client_works(url: str, pooler: str) -> int:
    """Read personas two at a time as QuerySet.iterator() does, through a connection made from
    `url` as settings.py makes it, while another client of the pooler holds a transaction
    open between two reads: the second read runs on another server connection."""
    pooled = ConnectionHandler({"default": database_from_url(url, Path("unused"), pooler)})
    connection = pooled["default"]
    # QuerySet.iterator()'s own choice: a server-side cursor unless the settings turn them off.
    chunked = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    query = Persona.objects.values_list("pk", flat=True).query
    try:
        rows = query.get_compiler(connection=connection).results_iter(
            chunked_fetch=chunked, chunk_size=2
        )
        first = [next(rows), next(rows)]
        with psycopg.connect(url.split("?")[0]) as other:
            other.execute("SELECT 1")  # BEGIN: it takes the idle server connection
            return len(first) + len(list(rows))
    finally:
        connection.close()


def test_reads_in_chunks_break_behind_the_pooler_unless_the_settings_know_it(pgbouncer):
    seed_scaffolding()
    assert Persona.objects.count() == 3
    url = pgbouncer.url(connection.settings_dict["NAME"], "?pgbouncer=true")
    with pytest.raises(
        (ProgrammingError, InvalidCursorName), match=r'cursor "_django_curs_\S+" does not exist'
    ):
        read_in_chunks_while_another_client_works(url, "none")
    assert read_in_chunks_while_another_client_works(url, "auto") == 3
